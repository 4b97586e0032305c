/* SPDX-License-Identifier: MIT */
/*
 * The board's line history (struct board_history, chips/board.h): kept by
 * board.c from its own inputs and outputs, read by chips/explain.c.
 * Internal to chips/.
 */
#ifndef IRQRR_HISTORY_H
#define IRQRR_HISTORY_H

#include "board.h"

/* Start the history from the board's state alone (power-on, reset of the
 * history after a keyframe load): every stamp unknown, a line pending when
 * the chips hold a request that does not look delivered. */
void board_history_start(struct board *b);
/* Compare the chips with the last observation and book what changed:
 * acknowledges (deliveries), new requests, EOIs, masks. stamp: the event
 * that caused the changes. */
void board_history_observe(struct board *b, uint64_t stamp);
/* An APIC message the board emits as event num delivers its pin's lines. */
void board_history_message(struct board *b, uint64_t num, const struct apic_msg *m);

/* Lines that look pending from the state alone (no history). */
uint32_t board_lines_looking_pending(const struct board *b);

/* The chips hold a request for line n (PIC IRR, or a level IOAPIC entry
 * that keeps an asserted pin because it is masked or awaits its EOI). */
bool board_line_holds(const struct board *b, unsigned n);

#endif
