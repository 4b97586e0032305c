/* SPDX-License-Identifier: MIT */
/*
 * The board answers "why is line n not delivered?" with the cause keys of
 * docs/hang.md. One query serves the live hang report (recorder/hang.c),
 * `irqrr explain` and anything else that asks; nobody outside chips/
 * decodes 8259A or 82093AA registers to answer it.
 *
 * Pending: the chips hold a request for the line that no INTA, no poll
 * read and no IOAPIC message has delivered yet (chips/history.c).
 */
#ifndef IRQRR_EXPLAIN_H
#define IRQRR_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"

enum board_cause {
	BOARD_CAUSE_NONE = 0,      /* not pending, nothing to note */
	BOARD_CAUSE_REMOTE_IRR,    /* level IOAPIC entry waits for the EOI of its vector */
	BOARD_CAUSE_VECTOR_CHANGED,/* ... and the entry's vector changed since the message */
	BOARD_CAUSE_PIC_MASKED,    /* IMR bit, or the master's IR2 for a slave line */
	BOARD_CAUSE_ISR_BLOCKS,    /* an in-service level of same or higher priority */
	BOARD_CAUSE_LVT0_MASKED,   /* INT high, the vCPU's LVT0 is masked */
	BOARD_CAUSE_IF_CLEAR,      /* INT high, ExtINT, RFLAGS.IF=0 (needs vCPU state) */
	BOARD_CAUSE_EXTINT_NOT_READY, /* INT high, ExtINT, IF=1, never ready (vCPU state) */
	BOARD_CAUSE_LVT0_NMI,      /* INT high, LVT0 in NMI mode: no INTA ever */
	BOARD_CAUSE_IOAPIC_MASKED, /* the IOAPIC entry is masked, no PIC path open */
	BOARD_CAUSE_UNDELIVERED,   /* pending, nothing blocks it */
	/* notes on a line that is not pending (HPET, docs/chips-hpet.md) */
	BOARD_CAUSE_HPET_STATUS,   /* held asserted by an HPET level timer whose
				    * GINTR_STA bit is set: re-delivered after each
				    * EOI until the guest clears it */
	BOARD_CAUSE_HPET_LEGACY_CUT, /* line 0/8: the HPET's legacy route cuts PIT
				      * OUT0 / the RTC off and its timer 0/1
				      * delivers nothing: the IRQ never comes */
};

/* "remote_irr", "isr_blocks", ... (docs/hang.md); NULL for NONE. */
const char *board_cause_key(enum board_cause c);

/* What a driver knows about a vCPU that the board does not (optional):
 * the live hang report passes KVM's LVT0 and RFLAGS.IF. */
struct board_cpu_view {
	bool known;
	bool if_set;
	uint32_t lvt0;
};

struct board_why {
	bool pending;            /* the line holds an undelivered request */
	enum board_cause cause;  /* pending: why; not pending: a latent note
				  * (remote_irr of an idle entry) or NONE */
	uint64_t since;          /* event that began the blocking state, or BOARD_NO_EVENT */
	uint64_t request;        /* event that began the pending request, or BOARD_NO_EVENT */
	int cpu;                 /* the vCPU the cause is about, or -1 */
	int fault;               /* the injected fault (board_fault_at index) that
				  * made this state, or -1 */
	char text[480];          /* one sentence (and what holds the line) */
};

/* cpus: NULL, or b->cfg.ncpus views. Returns why->pending. Line >= 24:
 * not pending, cause NONE. */
bool board_explain_line(const struct board *b, unsigned line, const struct board_cpu_view *cpus,
			struct board_why *why);

#endif
