/* SPDX-License-Identifier: MIT */
/*
 * The board: the PC interrupt wiring around the chips.
 *
 *   ISA IRQ n (device line)  -> PIC input n, IOAPIC pin n (IRQ0 -> pin 2)
 *   PIT OUT0                 -> ISA IRQ0
 *   RTC IRQ                  -> ISA IRQ8 (PIC slave IR0, IOAPIC pin 8)
 *   HPET timer n (if fitted) -> INT_ROUTE: IOAPIC pin 20..23; legacy
 *                               replacement: timer 0 -> IRQ0, timer 1 -> IRQ8
 *                               (PIT and RTC cut off); FSB: an APIC message
 *   master PIC INT           -> LINT0 of every vCPU (by its LVT0 mode),
 *                               IOAPIC pin 0 (MP spec virtual wire B)
 *   IOAPIC                   -> APIC messages
 *
 * Every entry point is one input event: the board first advances time to
 * `now` (emitting the timed outputs, each stamped with its own exact time),
 * then emits the input itself (with its result), then the outputs it caused,
 * then EV_DEADLINE if its next deadline changed. All through one sink: one
 * call per event, or one per input with a run sink (board_set_run_sink).
 *
 * Deterministic: no allocation, no globals, no host clock. A `now` earlier
 * than the board's current time is treated as the current time.
 */
#ifndef IRQRR_BOARD_H
#define IRQRR_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "fault.h"
#include "hpet.h"
#include "ioapic.h"
#include "pic.h"
#include "pit.h"
#include "rtc.h"

#define BOARD_MAX_CPUS 64
#define BOARD_GSIS 24
#define BOARD_PENDING_MAX 256
/* board.out: with a run sink, a time advance's outputs before the input's
 * echo and the BOARD_PENDING_MAX outputs that may follow it */
#define BOARD_OUT_MAX (2 * BOARD_PENDING_MAX)

struct board_config {
	uint8_t ncpus;          /* 1..BOARD_MAX_CPUS */
	uint8_t ioapic_version; /* 0x20 (default) or 0x11 */
	uint8_t pic_imr_reset;  /* IMR after reset: 0x00 (default) or 0xff */
	uint8_t lint0_bsp_only; /* 1: PIC INT reaches cpu 0 only (old KVM) */
	uint8_t hpet;           /* 1: the HPET is fitted at 0xfed00000 (default 0) */
	uint8_t hpet_clock;     /* enum hpet_clock: 0 100 MHz (default), 1 14.31818 MHz */
	uint8_t pad[2];
	uint64_t rtc_epoch;     /* RTC wall-clock time (Unix s) at virtual time 0 */
	/* CMOS RAM (battery-backed NVRAM) at power-on, e.g. the memory size
	 * the VMM fills in; bytes 0x0e..0x7f, 0x00..0x0d must be 0 */
	uint8_t cmos[128];
};

/* 2026-01-01 00:00:00 UTC: the default RTC epoch (a recorded setting, never
 * the host clock; the recorder sets the real start time). */
#define BOARD_RTC_EPOCH_DEFAULT 1767225600ull

/* Everything that is saved in a keyframe. */
struct board_state {
	uint64_t now;
	uint64_t deadline;      /* last EV_DEADLINE emitted */
	struct pic_pair pic;
	struct pit pit;
	struct ioapic ioapic;
	struct rtc rtc;
	struct hpet hpet;       /* power-on state and untouched when not fitted */
	uint32_t hpet_lines;    /* lines the HPET's level outputs assert (bit n) */
	uint8_t hpet_out;       /* HPET timer level outputs as last propagated */
	uint8_t pad2[3];
	uint32_t lines;         /* device-driven GSI levels (bit n) */
	uint8_t irq0;           /* PIT OUT0 level as last propagated */
	uint8_t pic_int;        /* master INT level as last propagated */
	uint8_t irq8;           /* RTC IRQ level as last propagated */
	uint8_t pad;
	uint32_t lvt[BOARD_MAX_CPUS][2];
	struct board_faults faults; /* injected faults (chips/fault.h) */
};

/* No event (a `since` that is unknown or does not exist). */
#define BOARD_NO_EVENT UINT64_MAX

/*
 * What the board remembers about its lines, for board_explain_line()
 * (chips/explain.h): which request of each line is still undelivered and
 * the events that began each blocking state. Kept by the board from its own
 * inputs and outputs (chips/history.c), stamped with the driver's event
 * numbers (board.event_num). Not part of the keyframe: a board loaded from
 * one starts with stamps unknown and the pending set inferred from its
 * state. O(1) per event, no allocation.
 */
struct board_history {
	uint32_t pending;               /* bit n: line n holds an undelivered request */
	uint64_t request[BOARD_GSIS];   /* event that began line n's pending request */
	uint64_t coalesced[BOARD_GSIS]; /* requests that arrived while one was pending */
	uint64_t delivered[BOARD_GSIS]; /* last delivery of line n */
	uint64_t delivered_t[BOARD_GSIS];
	uint8_t delivered_vector[BOARD_GSIS];
	uint8_t delivered_by_intack[BOARD_GSIS]; /* 1: INTACK/poll, 0: IOAPIC message */
	uint64_t ack[16];               /* INTA/poll that set ISR for irq n (2: master IR2) */
	uint64_t imr_set[16];           /* the write that set irq n's IMR bit */
	uint64_t pic_eoi[2];            /* last write that cleared an ISR bit, per chip */
	uint64_t msg[24];               /* last APIC message per IOAPIC pin */
	uint8_t msg_vector[24];
	uint64_t rte_masked[24];        /* the write (or reset) that masked the entry */
	uint64_t eoi[256];              /* last LAPIC EOI per vector */
	uint64_t lvt0[BOARD_MAX_CPUS];  /* last change of each vCPU's LVT0 */
	/* what the last observation saw, for edge detection */
	uint8_t irr[2], isr[2], imr[2];
	uint32_t level, remote_irr, masked;
	/* IOAPIC pin status now (kept for the pins the board touched:
	 * io_dirty), bit n = pin n */
	uint32_t io_remote_irr, io_masked, io_held, io_dirty;
};

struct board {
	struct board_config cfg;
	struct board_state s;
	/* The driver's number of the next event the board emits (the trace's
	 * event numbers; the board adds one per event it emits, a driver that
	 * interleaves records of its own moves it on). Context, not state. */
	uint64_t event_num;
	uint64_t last_num;  /* number of the last event emitted */
	/* 1: keep the line history (board_keep_history); a driver setting,
	 * kept across board_load, off by default (replay at full speed) */
	uint8_t hist_on;
	struct board_history hist;
	irq_event_sink sink;
	void *sink_ctx;
	/* set instead of sink: events go out in runs (board_set_run_sink) */
	irq_event_run_sink run_sink;
	void *run_ctx;
	/* pit_next_edge(ch 0, now) and rtc_next_edge(now): derived from s,
	 * recomputed after every access to that chip and each of its edges
	 * (not saved) */
	uint64_t next_edge;
	/* While channel 0 counts periodically (pit_periodic()): next_edge's
	 * PIT tick, OUT0 after it and the lengths of OUT0's low and high
	 * phases, so that each edge's successor is one addition away
	 * (edge_low = 0: not known, ask the PIT). Learnt at a PIT edge,
	 * forgotten wherever next_edge is recomputed (not saved) */
	uint64_t edge_s;  /* next_edge's tick = edge_s * PIT_HZ + edge_r */
	uint32_t edge_r;  /* (< PIT_HZ: carried so as not to divide per edge) */
	uint32_t edge_low, edge_high;
	uint8_t edge_out;
	uint64_t rtc_next;
	/* The vCPUs whose LINT0 sees the PIC's INT (routed, LVT0 unmasked),
	 * in cpu order, each as its EV_LINT's first word at level 0 and a bit
	 * of lint0_level_mode when its LVT0's mode follows the level (derived
	 * from s.lvt and cfg, not saved; lint0_known = 0: rebuild before use,
	 * set by every change of an LVT0 or of the routing) */
	uint8_t lint0_known;
	uint8_t lint0_n;
	uint64_t lint0_level_mode;
	uint64_t lint0_word[BOARD_MAX_CPUS];
	uint64_t hpet_next; /* hpet_next_event(), UINT64_MAX without an HPET */
	uint64_t next_any;  /* the first of the three (next_update()) */
	/* lines PIT OUT0 and the RTC may reach: all, or not 0 and 8 while the
	 * HPET's legacy route is on (derived from s, recomputed with it) */
	uint32_t timer_reach;
	/* the lines' logical levels as wired (line_sources(): derived from s
	 * and timer_reach, recomputed whenever a source changes) */
	uint32_t sources;
	/* A sink may set this to end the current time advance early (a replay
	 * that has diverged need not emit years of timer edges); the board's
	 * state is then incomplete and must not be used further. */
	unsigned stop;
	/* outputs of the input being processed, emitted after its echo */
	unsigned deferring;
	/* out[0, nout): with a per-event sink, the outputs the input caused
	 * (while deferring; emitted after its echo); with a run sink, the run
	 * not yet delivered: a time advance's outputs, then, from begin_input
	 * on, the echo's slot out[echo] and the outputs caused. Outputs caused
	 * go in below out_end, past it they are emitted at once (before the
	 * echo). Empty between inputs. */
	unsigned nout, out_end, echo;
	struct irq_event out[BOARD_OUT_MAX];
};

void board_config_default(struct board_config *cfg);
/* Returns 0, or -1 if cfg is invalid. Resets the board to power-on state at
 * time 0 without emitting anything. */
int board_init(struct board *b, const struct board_config *cfg,
	       irq_event_sink sink, void *sink_ctx);
void board_set_sink(struct board *b, irq_event_sink sink, void *sink_ctx);
/* Events go out in runs to sink (NULL: nowhere) instead of one by one: at
 * the end of each input, and whenever BOARD_OUT_MAX events of a long time
 * advance are waiting (the sink's board.stop is then seen). Replaces the
 * per-event sink, as board_set_sink replaces this one. */
void board_set_run_sink(struct board *b, irq_event_run_sink sink, void *sink_ctx);
/* Default configuration, no sink: a target for board_load(). */
void board_init_blank(struct board *b);

/* Inputs. */
void board_reset(struct board *b, uint64_t now);
void board_advance(struct board *b, uint64_t now);
void board_pio_write(struct board *b, uint64_t now, uint16_t port, uint8_t value);
uint8_t board_pio_read(struct board *b, uint64_t now, uint16_t port);
void board_mmio_write(struct board *b, uint64_t now, uint64_t addr, uint32_t value);
uint32_t board_mmio_read(struct board *b, uint64_t now, uint64_t addr);
/* 64-bit MMIO accesses (the HPET's registers; the IOAPIC's are 32-bit only:
 * a 64-bit access there writes nothing and reads all ones). */
void board_mmio_write64(struct board *b, uint64_t now, uint64_t addr, uint64_t value);
uint64_t board_mmio_read64(struct board *b, uint64_t now, uint64_t addr);
void board_set_irq(struct board *b, uint64_t now, unsigned gsi, int level);
uint8_t board_intack(struct board *b, uint64_t now, unsigned cpu);
void board_eoi(struct board *b, uint64_t now, uint8_t vector, unsigned cpu);
void board_set_lvt(struct board *b, uint64_t now, unsigned cpu, unsigned pin, uint32_t value);
/* Feed one recorded input event (any EV_IS_INPUT kind). Returns -1 for a
 * kind that is not an input or fields out of range, else 0. */
int board_apply(struct board *b, const struct irq_event *in);

/* The wiring, as questions: the IOAPIC pin line n reaches (ISA IRQ0 ->
 * pin 2), whether it has a PIC input (n < 16, not 2: IR2 is the cascade),
 * its level (PIT OUT0 and the RTC ORed in on lines 0 and 8). */
unsigned board_line_pin(unsigned line);
bool board_line_has_pic(unsigned line);
bool board_line_level(const struct board *b, unsigned line);
uint32_t board_line_levels(const struct board *b); /* bit n = line n */
/* ISA lines whose request the PIC pair holds in service (ISR), bit n = line
 * n; the cascade input IR2 is not a line of its own. */
uint32_t board_lines_in_service(const struct board *b);

/* After a change of cfg.hpet or cfg.hpet_clock (the variants "hpet" and
 * "hpet.clock", before the first input): the HPET back to power-on with
 * that clock, its outputs dropped silently. */
void board_hpet_configure(struct board *b);
/* After a change of cfg.lint0_bsp_only (the variant "lint0"): which vCPUs'
 * LINT0 the PIC's INT reaches is worked out again. */
void board_lint0_changed(struct board *b);

/* Keep the line history from now on (the hang report, `irqrr explain`):
 * it starts from the board's state, stamps unknown. Without it,
 * board_explain_line() infers the pending lines from the state alone. */
void board_keep_history(struct board *b);

/* Which ports / MMIO ranges the board decodes. */
bool board_owns_port(uint16_t port);
bool board_owns_mmio(uint64_t addr);   /* the IOAPIC window */
/* Whether this board decodes addr: the IOAPIC window, and the HPET's
 * (HPET_BASE, HPET_SIZE) when it is fitted. */
bool board_decodes_mmio(const struct board *b, uint64_t addr);

/* Next time the board must be advanced (UINT64_MAX: none). */
uint64_t board_next_deadline(const struct board *b);

/* Keyframes: the complete board state (config + chips), versioned. */
#define BOARD_STATE_VERSION 6
size_t board_state_size(const struct board *b);
/* Returns bytes written, 0 if len is too small. */
size_t board_save(const struct board *b, uint8_t *buf, size_t len);
/* Returns NULL on success or a static message naming what is wrong. The
 * board's sink is kept. */
const char *board_load(struct board *b, const uint8_t *buf, size_t len);
uint64_t board_state_hash(const struct board *b);

/* Human-readable full state (the layout documented in docs/chips.md). */
void board_print_state(const struct board *b, FILE *f);

#endif
