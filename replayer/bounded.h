/* SPDX-License-Identifier: MIT */
/*
 * Board calls with a bound on their work (docs/HARDENING.md, "Work bound").
 * A time advance costs one step per timer edge, and every PIT/RTC edge the
 * board processes changes a wire, i.e. emits an output. A recording holds
 * every output its board emitted, so no input of a genuine trace makes the
 * board emit more outputs than the trace holds records: a forged time jump
 * (PIT at count 2, then t near 2^64 ns) is caught after that many outputs
 * instead of running for years. A deadline bounds the wall-clock time.
 */
#ifndef IRQRR_BOUNDED_H
#define IRQRR_BOUNDED_H

#include <stdint.h>

#include "chips/board.h"
#include "irqrr/trace.h"

/* Outputs on top of the trace's record count: room for the deadline and
 * wire events a trace's last input may legitimately end with. */
#define WORK_OUTPUT_SLACK 4096u

struct work_limit {
	uint64_t max_outputs; /* over every call made with this limit; 0: no bound */
	double deadline;      /* CLOCK_MONOTONIC seconds; 0: none */
	uint64_t used;        /* outputs counted so far under this limit */
};

enum work_status {
	WORK_OK = 0,
	WORK_REJECTED = -1, /* the board rejects the input (out of range) */
	WORK_OUTPUTS = -2,  /* the outputs would pass max_outputs */
	WORK_TIMEOUT = -3,  /* the deadline passed during it */
};

/* The bound for inputs read from trace r: its record count + the slack. */
struct work_limit work_limit_for_trace(struct trace_reader *r);
/* Seconds on CLOCK_MONOTONIC, the deadline's clock. */
double work_clock_now(void);

/* board_apply(b, in), stopped early past the limit. After WORK_OUTPUTS or
 * WORK_TIMEOUT the board's state is incomplete: do not use it further. */
int board_apply_bounded(struct board *b, const struct irq_event *in, struct work_limit *lim);
/* board_advance(b, t), bounded the same way. */
int board_advance_bounded(struct board *b, uint64_t t, struct work_limit *lim);

/* One line for a WORK_* status at event num (time t) of a trace. */
void work_status_message(int status, uint64_t num, uint64_t t, const struct work_limit *lim,
			 char *buf, size_t len);

#endif
