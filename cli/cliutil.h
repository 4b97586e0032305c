/* SPDX-License-Identifier: MIT */
/* Helpers shared by the trace subcommands. */
#ifndef IRQRR_CLIUTIL_H
#define IRQRR_CLIUTIL_H

#include <stdint.h>

#include "irqrr/trace.h"

/* A non-negative number in C syntax for option opt of command cmd; prints
 * "irqrr CMD: bad value 'S' for OPT" and returns -1 when it is not one. */
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Open a trace; on refusal print one line naming the file and return NULL.
 * A trace the reader had to recover (torn tail, rebuilt index) is opened
 * with a warning line; note (may be "") is appended to it. */
struct trace_reader *cli_open_trace(const char *path, const char *note);

#endif
