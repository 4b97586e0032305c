/* SPDX-License-Identifier: MIT */
/*
 * Predicates over a trace's interrupt behaviour, shared by `irqrr bisect`
 * and `irqrr reduce` (syntax and exact semantics: docs/debugging.md).
 *
 *   line-undelivered:GSI|any>DURATION   remote-irr:PIN|any>DURATION
 *   isr-held:IRQ|any>DURATION           no-intack>DURATION
 *   diverge:KEY=VALUE[,KEY=VALUE...]
 *   hpet-status:TIMER|any>DURATION      hpet-legacy-cut>DURATION
 *
 * The duration predicates are evaluated in virtual time by an evaluator
 * that walks the recorded events in order and keeps its own board in step
 * (inputs applied, timed outputs advanced to), so the chip state (IRR, ISR,
 * remote IRR, INT) is the state after each event. "Since when" is tracked
 * here, not in the chips.
 */
#ifndef IRQRR_PREDICATE_H
#define IRQRR_PREDICATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/board.h"
#include "irqrr/trace.h"
#include "bounded.h"
#include "variants.h"

enum pred_kind {
	PRED_LINE_UNDELIVERED,
	PRED_REMOTE_IRR,
	PRED_ISR_HELD,
	PRED_NO_INTACK,
	PRED_DIVERGE,
	PRED_HPET_STATUS,     /* hpet-status:TIMER|any>D: GINTR_STA bit set */
	PRED_HPET_LEGACY_CUT, /* hpet-legacy-cut>D: IRQ0 cut off from the PIT, timer 0 silent */
};

#define PRED_ANY (-1)

struct predicate {
	enum pred_kind kind;
	int target;                /* GSI, pin or IRQ; PRED_ANY; unused for no-intack */
	uint64_t duration;         /* ns; the condition must hold strictly longer */
	struct variant_set variants; /* PRED_DIVERGE */
	unsigned jobs;             /* PRED_DIVERGE: replay threads (replay_opts.jobs) */
	char text[160];            /* the predicate as given */
};

/* Parse; returns NULL, or a one-line message naming what is wrong. */
const char *predicate_parse(const char *s, struct predicate *p);
/* "500us", "10ms", "2s", "1500ns", "1500" (ns). Returns 0 or -1. */
int parse_duration(const char *s, uint64_t *ns);

/* Incremental evaluator of a duration predicate (not PRED_DIVERGE). */
struct pred_eval {
	const struct predicate *p;
	struct board *b;            /* kept in step with the events fed */
	uint32_t on;                /* targets whose condition currently holds */
	uint64_t since[BOARD_GSIS]; /* when each condition (re)started */
	struct work_limit lim;      /* bound on each input's work (bounded.h) */
	bool hit;
	uint64_t hit_num, hit_t, hit_since;
	int hit_target;
};

/* Start from a saved board state (a keyframe). Returns NULL or a message. */
const char *pred_eval_start(struct pred_eval *e, const struct predicate *p, const uint8_t *kf,
			    size_t kflen);
/* Start from power-on with configuration cfg. */
const char *pred_eval_start_cfg(struct pred_eval *e, const struct predicate *p,
				const struct board_config *cfg);
/* Feed the next recorded event (context records are ignored). Returns 1
 * when the predicate holds at this event (first time only; e->hit_*
 * filled), 0 otherwise, or a negative enum work_status: the board rejects
 * the input, or it would exceed e->lim (set it after pred_eval_start*). */
int pred_eval_feed(struct pred_eval *e, uint64_t num, const struct irq_event *ev);
void pred_eval_end(struct pred_eval *e);
/* As pred_eval_start, from a board already loaded from another keyframe
 * (copied into e's board; conditions that hold in it count from the next
 * event fed). */
void pred_eval_restart(struct pred_eval *e, const struct board *b);
/* The targets whose state condition holds in board b (bit = GSI, pin or
 * IRQ; bit 0 = PIC INT for no-intack). */
uint32_t pred_state_mask(const struct predicate *p, const struct board *b);
/* The targets p looks at. */
uint32_t pred_watch_mask(const struct predicate *p);
/* One line: what held and for how long at the hit. */
void pred_eval_describe(const struct pred_eval *e, char *buf, size_t len);

#endif
