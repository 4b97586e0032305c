/* SPDX-License-Identifier: MIT */
/*
 * The board after event N with its line history (chips/history.c): the
 * trace replayed from its first chunk's keyframe, every board event
 * numbered as the trace numbers it, so board_explain_line() answers with
 * the trace's event numbers (`irqrr explain`).
 */
#ifndef IRQRR_BOARD_AT_H
#define IRQRR_BOARD_AT_H

#include <stddef.h>
#include <stdint.h>

#include "chips/board.h"
#include "irqrr/trace.h"

struct board_at_result {
	uint64_t at;          /* the event the state is after */
	uint64_t first;       /* first event replayed (history starts there) */
	uint64_t diverged;    /* first event the board did not reproduce, or UINT64_MAX */
};

/* The last event number of the trace, or UINT64_MAX when it is empty. */
uint64_t board_at_last_event(struct trace_reader *r);
/* Fills *b (which must be board_init_blank'ed or loaded by the caller;
 * its sink is replaced and cleared). Returns 0, or -1 with a message. */
int board_at(struct trace_reader *r, uint64_t at, struct board *b, struct board_at_result *res, char *err,
	     size_t errlen);

#endif
