/* SPDX-License-Identifier: MIT */
/*
 * Injected chip faults (`irqrr run|record|replay|chips --fault SPEC`,
 * docs/faults.md): one departure from the chips' correct behaviour at a
 * chosen moment, applied by the board itself so that it is deterministic,
 * saved with the chips in every keyframe (its progress counters too) and
 * replayed exactly.
 *
 *   eoi-drop:pin=P[,nth=N]    the Nth EOI that would clear the remote IRR of
 *                             IOAPIC pin P does not reach that pin
 *   edge-lose:line=L[,nth=N]  the Nth rising edge (assertion) of line L
 *                             reaches neither the PIC nor the IOAPIC (the
 *                             chips see the line low until it falls again)
 *   edge-lose:pin=P[,nth=N]   the same, at IOAPIC pin P only
 *   pit-stop:at=TIME          PIT channel 0 stops counting (its GATE goes
 *   pit-stop:after=N          low) at TIME, or right after its Nth OUT0
 *                             rising edge
 *   rte-mask:pin=P,at=TIME    the IOAPIC entry of pin P is masked behind the
 *   rte-mask:pin=P,nth=N      guest's back at TIME, or right after the Nth
 *                             message pin P sent
 *
 * TIME is an integer with a unit: ns, us, ms or s. Each fault fires once.
 */
#ifndef IRQRR_FAULT_H
#define IRQRR_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "ser.h"

#define BOARD_FAULTS_MAX 4
/* The longest canonical spec board_fault_format() writes, with its NUL. */
#define BOARD_FAULT_SPEC_MAX 48

enum board_fault_kind {
	BOARD_FAULT_NONE = 0,
	BOARD_FAULT_EOI_DROP = 1,
	BOARD_FAULT_EDGE_LOSE = 2,
	BOARD_FAULT_PIT_STOP = 3,
	BOARD_FAULT_RTE_MASK = 4,
};

/* One fault: its spec, then its progress (all saved in keyframes). */
struct board_fault {
	uint8_t kind;      /* enum board_fault_kind */
	uint8_t target;    /* IOAPIC pin (eoi-drop, rte-mask, edge-lose pin=), line (edge-lose line=) */
	uint8_t io_only;   /* edge-lose pin=P: the PIC still sees the edge */
	uint8_t fired;     /* 1 once it has acted */
	uint8_t held;      /* edge-lose: the lost assertion is still hidden */
	uint8_t last;      /* edge-lose: the line's level when last driven */
	uint8_t vector;    /* eoi-drop: the vector of the dropped EOI */
	uint8_t pad;
	uint64_t nth;      /* fire at the nth occurrence; 0: at time `at` */
	uint64_t at;       /* ns, when nth == 0 */
	uint64_t count;    /* occurrences so far */
	uint64_t fired_t;  /* virtual time it fired */
};

struct board_faults {
	uint8_t n;
	uint8_t v5;        /* loaded from a version 5 state (not saved) */
	uint8_t pad[2];
	/* derived from the faults' `held` (not saved): lines whose level the
	 * PIC, resp. the IOAPIC, must not see */
	uint32_t hide_pic, hide_io;
	struct board_fault f[BOARD_FAULTS_MAX];
};

struct board;

/* Parse one SPEC. Returns NULL, or a one-line message naming what is wrong. */
const char *board_fault_parse(const char *spec, struct board_fault *f);
/* The canonical spec ("eoi-drop:pin=4,nth=3"); returns its length. */
size_t board_fault_format(const struct board_fault *f, char *buf, size_t len);
/* What it did, once fired ("EOI #3 (vector 0x31) dropped at t=... ns"). */
size_t board_fault_describe(const struct board_fault *f, char *buf, size_t len);
const char *board_fault_kind_name(unsigned kind);

/* Add a fault to the board (before or between inputs). -1 when the board
 * has BOARD_FAULTS_MAX already or the fault is invalid. */
int board_add_fault(struct board *b, const struct board_fault *f);
unsigned board_fault_count(const struct board *b);
const struct board_fault *board_fault_at(const struct board *b, unsigned i);
/* Faults fired so far (a driver notes new firings, e.g. as a trace mark). */
unsigned board_faults_fired(const struct board *b);

/* ---- the board's hook points (chips/board.c only) ---- */

/* A LAPIC EOI of vector: the IOAPIC's EOI with the faults applied. */
unsigned board_fault_ioapic_eoi(struct board *b, uint8_t vector, struct apic_msg *out);
/* Line n's sources changed (before the chips are driven). */
void board_fault_line(struct board *b, unsigned n);
/* PIT OUT0 rose (a tick). True: a fault stopped the PIT (the board
 * recomputes its OUT0 and next edge). */
bool board_fault_pit_tick_stops(struct board *b);
/* The guest writes the low dword of pin's redirection entry (before the
 * write): a mask a fault set becomes the guest's to keep or clear. */
void board_fault_rte_written(struct board *b, unsigned pin);
/* The IOAPIC sent a message. */
void board_fault_message(struct board *b, const struct apic_msg *m);
/* The next time a fault fires by itself (UINT64_MAX: none), and firing the
 * timed faults due at the board's time (true: the PIT was stopped). */
uint64_t board_fault_next(const struct board *b);
bool board_fault_timed_stops(struct board *b);
/* After a chip reset: re-apply what a fired fault holds (a stopped PIT). */
void board_fault_after_reset(struct board *b);
/* Keyframes: the faults and their progress. */
void board_faults_serialize(struct board_faults *fs, struct ser *s, uint16_t version);
/* Before comparing a board with a keyframe loaded into kf: a version 5
 * keyframe's rte-mask faults `held` whether or not the mask was theirs
 * (version 6 holds only a mask the fault set, until the guest writes the
 * entry), and which it was cannot be told from the state: kf takes b's
 * answer. Nothing else differs between the versions. */
void board_faults_follow(const struct board *b, struct board *kf);
/* Explanation: a fired fault that made line's state (the text of w is
 * rewritten to name it). Returns true when one did. */
struct board_why;
bool board_fault_explain(const struct board *b, unsigned line, struct board_why *w);

#endif
