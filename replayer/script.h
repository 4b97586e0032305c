/* SPDX-License-Identifier: MIT */
/*
 * The chip script language (docs/chips-script.md): one command a line that
 * drives a bare board, and the one-line-per-event output format that
 * `irqrr chips` prints. `irqrr dump --format script` writes the same
 * language from a trace.
 */
#ifndef IRQRR_SCRIPT_H
#define IRQRR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chips/board.h"
#include "chips/event.h"
#include "chips/variants.h"

enum script_op {
	SCRIPT_NONE,  /* blank line or comment */
	SCRIPT_BOARD, /* board KEY=VALUE ... (configuration, before any input) */
	SCRIPT_EVENT, /* an input event (ev) */
	SCRIPT_STATE, /* print the full chip state */
	SCRIPT_CMOS,  /* cmos INDEX VALUE: CMOS RAM byte (configuration, before any input) */
	SCRIPT_FAULT, /* fault SPEC: an injected fault (chips/fault.h; before any input) */
};

struct script_cmd {
	enum script_op op;
	struct irq_event ev;      /* SCRIPT_EVENT: the input; ev.t = 0 unless `time` */
	struct board_config cfg;  /* SCRIPT_BOARD: cfg with the keys applied */
	/* SCRIPT_BOARD: the model variants of the chips' state the line sets
	 * (bit v of variants_set, value variant[v]); the variants that are
	 * configuration (lint0, hpet, hpet.clock) go to cfg instead */
	uint32_t variants_set;
	uint8_t variant[BOARD_VARIANTS];
	uint8_t cmos_index, cmos_value; /* SCRIPT_CMOS */
	struct board_fault fault; /* SCRIPT_FAULT */
};

/* Parse one line (without its newline). cfg is the current configuration
 * (used for range checks and as the base of a `board` line). Returns 0 and
 * fills cmd, or -1 with a message in err. */
int script_parse_line(const char *line, const struct board_config *cfg,
		      struct script_cmd *cmd, char *err, size_t errlen);

/* Write the script command that reproduces input event ev (no `time`);
 * returns the length, or 0 if ev is not an input. */
size_t script_format_input(const struct irq_event *ev, char *buf, size_t len);

/* The `board ...` line for a configuration (no newline). */
size_t script_format_config(const struct board_config *cfg, char *buf, size_t len);
/* The same with a ` KEY=VALUE` for each variant of the chips' state whose
 * value in variant[] (index: enum board_variant) is not its default 0;
 * variant NULL: none. */
size_t script_format_board(const struct board_config *cfg, const unsigned *variant, char *buf,
			   size_t len);
/* What a script's `board`, `cmos` and `fault` lines set up: a
 * configuration, the model variants of the chips' state (index: enum
 * board_variant) and the injected faults as specified (not yet fired). A
 * recording made with --model or --fault starts at the power-on of such a
 * board; board_setup_of() reads it off a board loaded from a keyframe. */
struct board_setup {
	struct board_config cfg;
	unsigned variant[BOARD_VARIANTS];
	unsigned nfaults;
	struct board_fault fault[BOARD_FAULTS_MAX];
};
void board_setup_of(const struct board *b, struct board_setup *s);
/* board_init() with s's configuration, then its variants and faults: the
 * board a script with script_format_setup()'s lines starts from. 0 or -1. */
int board_setup_init(struct board *b, const struct board_setup *s, irq_event_sink sink, void *ctx);
/* Does b hold s's power-on state? (b loaded from a trace's first keyframe) */
bool board_setup_is_power_on(const struct board_setup *s, const struct board *b);
/* The `board` line, `cmos` lines and `fault` lines for s, each ending in a
 * newline; 0 if buf is too small (SCRIPT_SETUP_MAX is always enough). */
#define SCRIPT_SETUP_MAX (400 + 128 * 20 + BOARD_FAULTS_MAX * (BOARD_FAULT_SPEC_MAX + 8))
size_t script_format_setup(const struct board_setup *s, char *buf, size_t len);
/* The `cmos INDEX VALUE` lines (each ending in a newline) for the
 * configuration's non-zero CMOS RAM bytes; "" if none; 0 if buf is too small. */
size_t script_format_cmos(const struct board_config *cfg, char *buf, size_t len);

/* The output line for event ev, as `irqrr chips` prints it (reads, INTACK
 * results and every output event); returns 0 for events that print nothing. */
size_t script_format_output(const struct irq_event *ev, char *buf, size_t len);

/* Sink that prints script_format_output lines to the FILE * ctx. */
void script_print_sink(void *ctx, const struct irq_event *ev);

/* Run a whole script on a fresh board. Output lines go to out; on a script
 * error, "NAME:LINE: message" goes to err and the result is 2 (0 on
 * success). extra_sink, if set, also receives every board event (used by
 * --record); on_config, if set, is called once with the final configuration
 * before the first input (returns non-zero to abort with status 2). */
struct script_hooks {
	void (*extra_sink)(void *ctx, const struct irq_event *ev);
	int (*on_config)(void *ctx, struct board *b);
	void (*before_input)(void *ctx, struct board *b);
	void *ctx;
};
int script_run(FILE *in, const char *name, const struct board_config *cfg,
	       FILE *out, FILE *err, const struct script_hooks *hooks);

/* script_run, and the run written as a trace at path (chips --record).
 * opts: trace writer options (NULL for the defaults). */
struct trace_writer_opts;
int script_run_record(FILE *in, const char *name, const struct board_config *cfg, FILE *out,
		      FILE *err, const char *path, const struct trace_writer_opts *opts);

#endif
