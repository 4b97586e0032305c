/* SPDX-License-Identifier: MIT */
/*
 * `irqrr diff`: the first point where two traces' interrupt behaviour
 * differs. Alignment rule (docs/debugging.md, "diff"): both traces are
 * reduced to their interrupt-relevant events, which are compared one by
 * one, in order; two events match when their kind and fields are equal and
 * their times, each taken relative to its trace's first relevant event,
 * differ by at most the tolerance.
 */
#ifndef IRQRR_DIFF_H
#define IRQRR_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "irqrr/trace.h"

#define DIFF_CONTEXT 6

enum diff_outcome {
	DIFF_SAME = 0,
	DIFF_DIFFERENT = 1,
	DIFF_UNUSABLE = 2,
};

enum diff_kind {
	DIFF_FIELDS,   /* different event (kind or fields) */
	DIFF_TIME,     /* same event, times apart by more than the tolerance */
	DIFF_A_ENDS,   /* A has no more relevant events, B has */
	DIFF_B_ENDS,
};

struct diff_side {
	bool has;                 /* an event at the difference (not at its end) */
	struct trace_record rec;  /* it (data = NULL) */
	uint64_t rel_t;           /* its time relative to the trace's first relevant event */
	uint64_t step;            /* its time since the last matched event of this trace */
	unsigned ncontext;        /* relevant events before it, oldest first */
	struct trace_record context[DIFF_CONTEXT];
};

struct diff_result {
	enum diff_outcome outcome;
	enum diff_kind kind;
	uint64_t index;           /* matched relevant events before the difference */
	struct diff_side a, b;
	char message[300];        /* DIFF_UNUSABLE: why (names the file) */
};

/* Is this record part of the interrupt behaviour that diff compares? */
bool diff_relevant(const struct trace_record *rec);
int diff_traces(struct trace_reader *a, const char *name_a, struct trace_reader *b,
		const char *name_b, uint64_t tolerance, struct diff_result *res);
void diff_print(const struct diff_result *res, const char *name_a, const char *name_b,
		uint64_t tolerance, FILE *f);

#endif
