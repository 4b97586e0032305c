/* SPDX-License-Identifier: MIT */
/*
 * `irqrr reduce`: delta debugging (ddmin) over a trace's input events down
 * to a chip script that still satisfies a predicate (docs/debugging.md).
 */
#ifndef IRQRR_REDUCE_H
#define IRQRR_REDUCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/fault.h"
#include "predicate.h"

struct reduce_opts {
	uint64_t max_tests;   /* candidate runs before giving up on 1-minimality */
	double max_seconds;   /* the same, in host time */
	bool any_cause;       /* keep the symptom only, not its cause (below) */
};

/* What the board says about the predicate's line at its first hit
 * (line-undelivered and remote-irr predicates): the cause key and the
 * injected fault it names. Unless any_cause, a candidate must hit with the
 * same cause: an IOAPIC entry masked by a fault is not reduced to one the
 * guest never unmasked. */
struct reduce_cause {
	bool known;           /* filled by the first hit */
	bool applies;         /* the predicate is about one line */
	unsigned line;
	bool pending;
	int cause;            /* enum board_cause */
	int fault;            /* board_fault_at index, or -1 */
	char fault_spec[BOARD_FAULT_SPEC_MAX]; /* its spec */
};

enum reduce_outcome {
	REDUCE_OK = 0,
	REDUCE_NOT_FOUND = 1, /* the trace never satisfies the predicate */
	REDUCE_UNUSABLE = 2,
};

struct reduce_result {
	enum reduce_outcome outcome;
	uint64_t first_hit;       /* in the trace (bisect) */
	size_t inputs_prefix;     /* inputs up to the first hit */
	size_t inputs_kept;       /* in the reduced script */
	uint64_t tests;           /* candidate input sets run */
	double seconds;
	bool minimal;             /* ddmin finished: removing any one input loses the hit */
	bool power_on;            /* the trace starts at power-on */
	uint64_t verified_hit;    /* event of the hit in the script's own recording */
	char cause[200];          /* the cause kept ("" when none applies) */
	char *script;             /* the reduced script (malloc'd) */
	char message[300];
};

void reduce_opts_default(struct reduce_opts *o);
int reduce_trace(struct trace_reader *r, const struct predicate *p, const struct reduce_opts *o,
		 struct reduce_result *res);
void reduce_result_free(struct reduce_result *res);

/* Does running these inputs from setup's power-on (as `irqrr chips` runs a script:
 * a `time` before each input whose time moves) satisfy the predicate?
 * 1 yes, 0 no, -1 an input the board rejects / out of memory, or
 * WORK_OUTPUTS / WORK_TIMEOUT when an input exceeds lim (NULL: no bound).
 * cause: NULL (the symptom only); not known: filled at the hit; known: a
 * hit with another cause is no hit. */
struct board_setup;
int reduce_test(const struct predicate *p, const struct board_setup *setup,
		const struct irq_event *inputs, size_t n, const struct work_limit *lim,
		struct reduce_cause *cause);
/* Script text for these inputs (malloc'd; NULL on out of memory). */
char *reduce_script(const struct board_setup *setup, const struct irq_event *inputs, size_t n,
		    const char *header);

#endif
