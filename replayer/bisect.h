/* SPDX-License-Identifier: MIT */
/*
 * `irqrr bisect`: the first event of a trace at which a predicate holds
 * (strategy and why it is exact: docs/debugging.md, "bisect").
 */
#ifndef IRQRR_BISECT_H
#define IRQRR_BISECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "predicate.h"
#include "replay.h"

#define BISECT_CONTEXT 8

enum bisect_outcome {
	BISECT_FOUND = 0,
	BISECT_NOT_FOUND = 1,
	BISECT_UNUSABLE = 2,
};

struct bisect_result {
	enum bisect_outcome outcome;
	uint64_t num, t;              /* the first event where it holds */
	struct trace_record rec;      /* that event (data = NULL) */
	char why[200];                /* what held, for how long */
	struct board state;           /* chip state after that event */
	unsigned ncontext;            /* events before it, oldest first */
	struct trace_record context[BISECT_CONTEXT]; /* data = NULL: see context_data */
	uint8_t context_data[BISECT_CONTEXT][REPORT_CONTEXT_DATA];
	uint64_t scanned;             /* events examined */
	uint64_t chunks;              /* chunks decoded */
	uint64_t skipped;             /* chunks passed over by their keyframes */
	char message[300];            /* BISECT_UNUSABLE: why */
	struct divergence *div;       /* PRED_DIVERGE: the replay's report */
};

/* bisect_trace flags */
#define BISECT_LINEAR 1u /* decode every chunk (no keyframe skips) */

/* Events from..to (to = UINT64_MAX: the end). */
int bisect_trace(struct trace_reader *r, const struct predicate *p, uint64_t from, uint64_t to,
		 unsigned flags, struct bisect_result *res);
/* bisect_trace, and unusable ("time limit reached") once CLOCK_MONOTONIC
 * passes deadline (work_clock_now() seconds; 0: none). Every input's work
 * is bounded by the trace's size either way (bounded.h). */
int bisect_trace_until(struct trace_reader *r, const struct predicate *p, uint64_t from,
		       uint64_t to, unsigned flags, double deadline, struct bisect_result *res);
void bisect_result_free(struct bisect_result *res);
void bisect_print(const struct bisect_result *res, const struct predicate *p, FILE *f);

#endif
