/* SPDX-License-Identifier: MIT */
/* Helpers shared by the subcommands: one option table per command (from
 * which the parser, --help, the man pages and the shell completion all
 * come), number parsing, trace opening, output files, standard output
 * checks. */
#ifndef IRQRR_CLIUTIL_H
#define IRQRR_CLIUTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "irqrr/trace.h"

/* One option of a command. A table ends with a NULL name. */
struct cli_opt {
	const char *name; /* long name without "--" */
	int key;          /* a letter: also the short form -K; else an id >= 0x100 */
	const char *arg;  /* the value's name in the help ("N"); NULL for a flag */
	const char *help; /* one or more lines, '\n' between them */
};

/* A command's help: "usage: irqrr NAME SYNOPSIS", the about text, the
 * options (-h, --help added), then the exit statuses. */
struct cli_cmd {
	const char *name;
	const char *synopsis;
	const char *about;  /* lines ending in '\n' */
	const struct cli_opt *opts;
	const char *notes;  /* after the options (may be NULL), lines ending in '\n' */
	const char *exits;  /* "0 ..., 2 ..." */
};

#define CLI_MAX_OPTS 32

struct cli_parser {
	const struct cli_cmd *cmd;
	int argc;
	char **argv;
	struct option lo[CLI_MAX_OPTS + 2];
	char so[3 * CLI_MAX_OPTS + 4];
};

/* Reset getopt for argv (argv[0] is the command's name). */
void cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv);

/* The next option's key (its value in optarg); -1 at the first operand
 * (optind) with *status = -1, or -1 with *status = the exit status after
 * --help (0) or a bad option (2, one line naming it). */
int cli_parser_next(struct cli_parser *p, int *status);

/* Write cmd's help to f. */
void cli_print_help(const struct cli_cmd *cmd, FILE *f);

/* "irqrr CMD: expected WHAT (see irqrr CMD --help)"; returns 2. */
int cli_usage_error(const struct cli_cmd *cmd, const char *what);

/* A non-negative number in C syntax for option opt of command cmd; prints
 * "irqrr CMD: bad value 'S' for OPT" and returns -1 when it is not one. */
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
/* The online CPUs (sysconf), at least 1, at most 64: replay's default -j. */
unsigned cli_online_cpus(void);

/* Open a trace; "-" or a pipe is read to the end first (into an unlinked
 * file in TMPDIR, since a trace is read out of order). On refusal print one line naming the file and return NULL.
 * A trace the reader had to recover (torn tail, rebuilt index) is opened
 * with a warning line; note (may be "") is appended to it. */
struct trace_reader *cli_open_trace(const char *path, const char *note);

/* The trace a read command opens when it is given no FILE: what `irqrr
 * record` writes with no -o, in the current directory. */
#define CLI_DEFAULT_TRACE "irqrr.irqrr"

/* The one FILE operand at argv[optind] (CLI_DEFAULT_TRACE when there is
 * none); NULL, with a message, when there are more. */
const char *cli_trace_operand(const struct cli_cmd *cmd, int argc, char **argv);

/* A virtual time with a unit: "1.5s", "250ms", "20us", "1500ns" (up to
 * nine decimals). -1, with a message naming opt, when it is not one. */
int cli_parse_time(const char *cmd, const char *opt, const char *s, uint64_t *ns);

/* The events whose times lie in from_t..to_t (inclusive), as event
 * numbers narrowing *from..*to; *from > *to when none does. 0, or 2 with
 * a message when the trace cannot be read. */
int cli_time_window(struct trace_reader *r, const char *path, uint64_t from_t, uint64_t to_t,
		    uint64_t *from, uint64_t *to);

/* s for a terminal: bytes outside printable ASCII as \xNN, like dump. */
void cli_put_text(FILE *f, const char *s);
/* The same, keeping line ends: for messages built from a script's text. */
void cli_put_lines(FILE *f, const char *s);
/* s as a JSON string, quotes included. */
void cli_put_json_string(FILE *f, const char *s);

/* The one rule for an empty trace (a valid file holding no events):
 * commands that describe a trace (info, stats, dump) say it holds 0
 * events; commands that need events for an answer call this, which says
 * "FILE: the trace holds no events" and returns 2 (else 0). */
int cli_require_events(struct trace_reader *r, const char *path);
/* cli_open_trace() for a command that needs events: NULL, after the
 * message, also when the trace holds none. */
struct trace_reader *cli_open_events(const char *path, const char *note);

/* Flush standard output; on a write error say so and return 2, else
 * status. Every command's status goes through it (cli/main.c). */
int cli_check_stdout(int status);

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
