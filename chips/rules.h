/* SPDX-License-Identifier: MIT */
#ifndef IRQRR_CHIPS_RULES_H
#define IRQRR_CHIPS_RULES_H

#include <stddef.h>

#include "event.h"

struct board;

/*
 * The datasheet rule behind the board's answer to `input` (a read, an INTACK)
 * or behind `output` (an IOAPIC message, INT, OUT0, a LINT decision, the
 * deadline), as one sentence with the state before the input that the rule
 * reads (`before`: the board before that input). Either may be NULL; the
 * input's rule is preferred. Returns the length written to buf (0 and an
 * empty string when no rule applies, e.g. a port the board does not own).
 */
size_t board_rule(const struct board *before, const struct irq_event *input, const struct irq_event *output,
		  char *buf, size_t len);

#endif
