/* SPDX-License-Identifier: MIT */
/* Helpers shared by the trace subcommands. */
#ifndef IRQRR_CLIUTIL_H
#define IRQRR_CLIUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "irqrr/trace.h"

/* A non-negative number in C syntax for option opt of command cmd; prints
 * "irqrr CMD: bad value 'S' for OPT" and returns -1 when it is not one. */
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Open a trace; on refusal print one line naming the file and return NULL.
 * A trace the reader had to recover (torn tail, rebuilt index) is opened
 * with a warning line; note (may be "") is appended to it. */
struct trace_reader *cli_open_trace(const char *path, const char *note);

/* True when paths a and b name the same file (device and inode, symlinks
 * followed); false when either does not exist. */
bool cli_same_file(const char *a, const char *b);

/* An output file that never costs the user anything but the file asked
 * for (docs/user-guide.md, "Output files"):
 *  - '-' is standard output;
 *  - a path naming one of the inputs (same device and inode) is refused;
 *  - a new path or an existing regular file is written under a temporary
 *    name in the same directory and renamed over the path only when the
 *    output is complete: on failure the temporary file (which this run
 *    created) is removed and an existing file is left as it was (unless
 *    the directory does not let us create the temporary file: the existing
 *    file is then written in place, as through a symlink below);
 *  - anything else (a symlink, a device node, a FIFO) is written in place
 *    and never removed; a regular file reached through a symlink is
 *    emptied when the output is incomplete. */
struct cli_output {
	const char *path;
	FILE *f;
	char tmp[4096]; /* "" unless writing under a temporary name */
};
/* Open; on refusal print one line ("irqrr CMD: OUT: ...") and return -1.
 * inputs: the paths the command reads (NULL-terminated; may be NULL). */
int cli_output_open(struct cli_output *o, const char *cmd, const char *path,
		    const char *const *inputs);
/* A new temporary file "$TMPDIR/irqrr-CMD-XXXXXX" + suffix (TMPDIR unset:
 * /tmp), its name in o->tmp; closing it with keep leaves it in place for
 * the caller to use and remove. */
int cli_temp_output(struct cli_output *o, const char *cmd, const char *suffix);
/* The name to write to: the temporary file, or the path itself. */
const char *cli_output_name(const struct cli_output *o);
/* Flush and close. keep: the output is complete (rename it into place);
 * otherwise (or on a write error, reported in one line) only what this run
 * created is removed. Returns 0, or 2 on a write error. */
int cli_output_close(struct cli_output *o, const char *cmd, bool keep);

#endif
