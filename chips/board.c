/* SPDX-License-Identifier: MIT */
/*
 * The PC interrupt wiring around the chips, and the one event seam.
 *
 * Wiring (docs/chips.md, "Board wiring"):
 *   GSI/ISA line n < 16, n != 2 -> PIC input n; IOAPIC pin n (n = 0: pin 2)
 *   GSI 2                       -> IOAPIC pin 2 only (PIC IR2 is the cascade)
 *   GSI 16..23                  -> IOAPIC pin n, active low (PCI INTx)
 *   PIT OUT0                    -> ISA IRQ0 (wired-OR with a device on line 0)
 *   RTC IRQ                     -> ISA IRQ8 (wired-OR with a device on line 8)
 *   HPET timer n (when fitted)  -> the line of its route, wired-OR: INT_ROUTE
 *                                  GSI 20..23; legacy replacement timer 0 ->
 *                                  line 0, timer 1 -> line 8, and then PIT
 *                                  OUT0 and the RTC no longer reach them;
 *                                  FSB -> an APIC message (docs/chips-hpet.md)
 *   master PIC INT              -> LINT0 of each vCPU; IOAPIC pin 0
 *                                  (MP spec 1.4 sec. 3.6.2.2, virtual wire B)
 */
#include "board.h"

#include <assert.h>
#include <string.h>

#include "clock.h"
#include "fault.h"
#include "history.h"

#define LVT_MASKED (1u << 16)

/* The hot path (a board without injected faults, with no HPET or an idle
 * one) keeps the rarer work out of line: docs/PERFORMANCE.md. */
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)
#define COLD __attribute__((noinline, cold))
#define LVT_LEVEL (1u << 15)
#define LVT_DM(v) (((v) >> 8) & 7u)

/* The event that caused the state changes being booked: the input being
 * processed (its echo comes next), or, during a time advance, the timed
 * output just emitted (a PIT or RTC edge). */
static uint64_t cause_num(const struct board *b)
{
	return b->deferring ? b->event_num : b->last_num;
}

/* book the request the message answers before the delivery */
static COLD void history_message(struct board *b, uint64_t num, const struct irq_event *ev)
{
	board_history_observe(b, cause_num(b));
	board_history_message(b, num, &ev->u.apic);
}

/* The events ev[0..n) are numbered as emit() numbers them. */
static COLD void run_number_history(struct board *b, const struct irq_event *ev, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t num = b->event_num++;
		if (ev[i].kind == EV_APIC_MSG)
			history_message(b, num, &ev[i]);
		b->last_num = num;
	}
}

static inline void run_number(struct board *b, const struct irq_event *ev, unsigned n)
{
	if (unlikely(b->hist_on)) {
		run_number_history(b, ev, n);
		return;
	}
	b->last_num = b->event_num + n - 1;
	b->event_num += n;
}

/* The events ev[0..n) are numbered (emitted) and go to the run sink. */
static void run_deliver(struct board *b, const struct irq_event *ev, unsigned n)
{
	if (!n)
		return;
	run_number(b, ev, n);
	if (b->run_sink)
		b->run_sink(b->run_ctx, ev, n);
}

static void run_flush(struct board *b)
{
	unsigned n = b->nout;
	b->nout = 0;
	run_deliver(b, b->out, n);
}

/* Where output() may put an event between inputs: with a run sink, into the
 * run, numbered when it goes out; else (or to keep the line history, which
 * stamps each event as it is emitted) nowhere, emit() sends it at once. */
static unsigned out_end_idle(const struct board *b)
{
	return b->run_sink && !b->hist_on ? BOARD_OUT_MAX : 0;
}

/* An event for the run that output() could not put there: the run is
 * full, the history is kept (the event goes out at once), or the outputs an
 * input caused reached their bound (it goes out before the echo, as a
 * per-event sink receives it, what precedes the echo first). */
static COLD void run_add(struct board *b, const struct irq_event *ev)
{
	if (b->deferring) {
		run_deliver(b, b->out, b->echo);
		run_deliver(b, ev, 1);
		memmove(b->out, b->out + b->echo, (b->nout - b->echo) * sizeof(b->out[0]));
		b->nout -= b->echo;
		b->out_end -= b->echo;
		b->echo = 0;
		return;
	}
	if (b->nout == BOARD_OUT_MAX)
		run_flush(b);
	b->out[b->nout++] = *ev;
	if (b->hist_on)
		run_flush(b);
}

/* An event that goes out now: numbered and passed to the per-event sink,
 * or to the run. */
static __attribute__((noinline)) void emit(struct board *b, unsigned kind, uint64_t u0, uint64_t u1)
{
	struct irq_event ev;
	irq_event_set(&ev, b->s.now, kind, u0, u1);
	if (b->run_sink) {
		run_add(b, &ev);
		return;
	}
	uint64_t num = b->event_num++;
	if (unlikely(b->hist_on) && kind == EV_APIC_MSG)
		history_message(b, num, &ev);
	b->last_num = num;
	if (b->sink)
		b->sink(b->sink_ctx, &ev);
}

/* Outputs caused by an input are held until the input itself is emitted,
 * so the trace reads "input, then what it caused"; with a run sink, every
 * output joins the run. The bound on those held is far above the worst case
 * (24 APIC messages + 2 * (1 + 64) LINT/wire events); should it ever be
 * reached, events are emitted directly: order stays deterministic, nothing
 * is lost. */
static inline void output(struct board *b, unsigned kind, uint64_t u0)
{
	if (likely(b->nout < b->out_end))
		irq_event_set(&b->out[b->nout++], b->s.now, kind, u0, 0);
	else
		emit(b, kind, u0, 0);
}

/* The union's first word of each kind the board emits (irq_event_set):
 * its fields' bytes in struct order, the first in the low byte. */
static inline void out_wire(struct board *b, unsigned id, int level)
{
	output(b, EV_WIRE, (uint8_t)id | (uint64_t)(uint8_t)level << 8);
}

/* The fault hooks, out of line (chips/fault.h; a board without faults
 * only tests b->s.faults.n). */
static COLD void fault_message(struct board *b, const struct apic_msg *m)
{
	board_fault_message(b, m);
}

static COLD void fault_line(struct board *b, unsigned n)
{
	board_fault_line(b, n);
}

static COLD uint64_t fault_next(const struct board *b)
{
	return board_fault_next(b);
}

static void out_msgs(struct board *b, const struct apic_msg *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		output(b, EV_APIC_MSG,
		       m[i].dest | (uint64_t)m[i].vector << 8 | (uint64_t)m[i].delivery << 16 |
			       (uint64_t)m[i].destmode << 24 | (uint64_t)m[i].trigger << 32 |
			       (uint64_t)m[i].pin << 40);
		if (unlikely(b->s.faults.n))
			fault_message(b, &m[i]);
	}
}

/* ---- LINT0: what the master PIC INT means to each vCPU ---- */

/* Is this cpu's LINT0 connected to the PIC under the board's routing? */
static bool lint0_routed(const struct board *b, unsigned cpu)
{
	return cpu == 0 || !b->cfg.lint0_bsp_only;
}

/* Level seen by a level-sensitive LINT0 consumer (ExtINT, fixed level):
 * SDM vol. 3 sec. 10.5.1: ExtINT is always level-sensitive; NMI, SMI and
 * INIT are always edge-sensitive; fixed follows the trigger bit. */
static bool lint0_level_mode(uint32_t lvt)
{
	unsigned dm = LVT_DM(lvt);
	return dm == APIC_DM_EXTINT || (dm == APIC_DM_FIXED && (lvt & LVT_LEVEL));
}

/* EV_LINT's first word for cpu's LINT0 under lvt, level 0: cpu, pin 0,
 * mode, level, vector (fixed mode only). */
static uint64_t lint_word(unsigned cpu, uint32_t lvt)
{
	uint64_t vector = LVT_DM(lvt) == APIC_DM_FIXED ? (uint8_t)lvt : 0;
	return (uint8_t)cpu | (uint64_t)LVT_DM(lvt) << 16 | vector << 32;
}

static void out_lint(struct board *b, unsigned cpu, uint32_t lvt, int level)
{
	output(b, EV_LINT, lint_word(cpu, lvt) | (uint64_t)(uint8_t)level << 24);
}

/* Level-mode consumer active: it must keep seeing the request. */
static bool lint0_active(const struct board *b, unsigned cpu, uint32_t lvt, bool pic_int)
{
	return pic_int && lint0_routed(b, cpu) && !(lvt & LVT_MASKED) && lint0_level_mode(lvt);
}

/* b->lint0_*: the LINT0 consumers, rebuilt after a change of an LVT0 or of
 * the routing (board_set_lvt, board_set_variant, init and load). */
static COLD void lint0_targets_update(struct board *b)
{
	unsigned n = 0;
	uint64_t level_mode = 0;
	for (unsigned cpu = 0; cpu < b->cfg.ncpus; cpu++) {
		uint32_t lvt = b->s.lvt[cpu][0];
		if (!lint0_routed(b, cpu) || (lvt & LVT_MASKED))
			continue;
		b->lint0_word[n] = lint_word(cpu, lvt);
		if (lint0_level_mode(lvt))
			level_mode |= 1ull << n;
		n++;
	}
	b->lint0_n = (uint8_t)n;
	b->lint0_level_mode = level_mode;
	b->lint0_known = 1;
}

void board_lint0_changed(struct board *b)
{
	b->lint0_known = 0;
}

static void lint0_on_int_change(struct board *b, bool level)
{
	if (unlikely(!b->lint0_known))
		lint0_targets_update(b);
	for (unsigned i = 0; i < b->lint0_n; i++) {
		/* edge modes fire on the rising edge only */
		if (level || ((b->lint0_level_mode >> i) & 1u))
			output(b, EV_LINT, b->lint0_word[i] | (uint64_t)level << 24);
	}
}

/* ---- propagation ---- */

static void ioapic_pin(struct board *b, unsigned pin, int electrical)
{
	struct apic_msg m[IOAPIC_PINS];
	b->hist.io_dirty |= 1u << pin;
	unsigned n = ioapic_set_irq(&b->s.ioapic, pin, electrical, m);
	out_msgs(b, m, n);
}

/* The HPET's legacy replacement route cuts PIT OUT0 and the RTC off. */
static bool legacy_cut(const struct board *b)
{
	return b->cfg.hpet && hpet_legacy(&b->s.hpet);
}

/* The wiring in one place: the logical level of every line, the device's
 * level ORed with PIT OUT0 on line 0 and the RTC on line 8 (unless the
 * HPET's legacy route replaces them) and the HPET's routed outputs. */
static uint32_t line_sources_compute(const struct board *b)
{
	uint32_t timers = (b->s.irq0 | (uint32_t)b->s.irq8 << 8) & b->timer_reach;
	return (b->s.lines | b->s.hpet_lines | timers) & ((1u << BOARD_GSIS) - 1u);
}

/* Cached (b->sources): recomputed by sources_update() after every change
 * of a source (a device line, PIT OUT0, the RTC's IRQ, the HPET's lines or
 * its legacy cut), read on every line drive. */
static inline uint32_t line_sources(const struct board *b)
{
	return b->sources;
}

static inline void sources_update(struct board *b)
{
	b->sources = line_sources_compute(b);
}

static void timer_reach_update(struct board *b)
{
	b->timer_reach = legacy_cut(b) ? ~0x101u : ~0u;
	sources_update(b);
}

/* ISA line n (0..15) as the PIC input sees it (an edge lost by a fault
 * hides the line's assertion, chips/fault.h). */
static inline int isa_level(const struct board *b, unsigned n)
{
	return (int)(((line_sources(b) & ~b->s.faults.hide_pic) >> n) & 1u);
}

/* The line levels as the IOAPIC's pins see them. */
static inline uint32_t io_sources(const struct board *b)
{
	return line_sources(b) & ~b->s.faults.hide_io;
}

/* The IOAPIC pin a GSI reaches: the ISA IRQ0 -> pin 2 override (MADT). */
static unsigned ioapic_pin_of(unsigned gsi)
{
	return gsi == 0 ? 2 : gsi;
}

unsigned board_line_pin(unsigned line)
{
	return ioapic_pin_of(line);
}

bool board_line_has_pic(unsigned line)
{
	return line < 16 && line != 2;
}

uint32_t board_line_levels(const struct board *b)
{
	return line_sources(b);
}

uint32_t board_lines_in_service(const struct board *b)
{
	const struct pic_pair *p = &b->s.pic;
	/* the master's IR2 is the cascade: it stands for the slave's lines */
	return ((uint32_t)p->chip[0].isr & ~(1u << 2)) | (uint32_t)p->chip[1].isr << 8;
}

bool board_line_level(const struct board *b, unsigned line)
{
	if (line >= BOARD_GSIS)
		return false;
	return ((line_sources(b) >> line) & 1u) != 0;
}

/* Electrical level at IOAPIC pin p. */
static inline int ioapic_pin_level(const struct board *b, unsigned p)
{
	uint32_t src = io_sources(b);
	if (p - 1u < 15u && p != 2)
		return (int)((src >> p) & 1u); /* the fast path: ISA lines */
	if (p == 0)
		return b->s.pic_int; /* 8259A INT, virtual wire B */
	if (p == 2)
		return (int)((src | b->s.lines >> 2) & 1u);
	return !((src >> p) & 1u); /* PCI INTx: active low */
}

static void pic_int_update(struct board *b)
{
	bool level = pic_pair_int(&b->s.pic);
	if (level == (bool)b->s.pic_int)
		return;
	b->s.pic_int = level;
	out_wire(b, WIRE_PIC_INT, level);
	ioapic_pin(b, 0, level);
	lint0_on_int_change(b, level);
}

/* One of line n's sources changed: drive the PIC input and the IOAPIC pin
 * it reaches, then see what the PIC's INT does. */
static void drive_line(struct board *b, unsigned n)
{
	unsigned pin = ioapic_pin_of(n);
	if (unlikely(b->s.faults.n))
		fault_line(b, n);
	if (n < 16 && n != 2) /* PIC IR2 is the cascade input */
		pic_pair_set_irq(&b->s.pic, n, isa_level(b, n));
	ioapic_pin(b, pin, ioapic_pin_level(b, pin));
	pic_int_update(b);
}

static void irq0_update(struct board *b);
static inline void next_update(struct board *b);

/* Channel 0 changed (an access, a reset, a fault): its next edge from the
 * PIT, the periodic shortcut forgotten until the next edge. */
static void pit_edge_recompute(struct board *b)
{
	b->next_edge = pit_next_edge(&b->s.pit, 0, b->s.now);
	b->edge_low = 0;
}

/* At a PIT edge with OUT0 now `out` and the next edge at `next` (from the
 * PIT): remember the period while channel 0 counts periodically. */
static void pit_edge_learn(struct board *b, bool out, uint64_t next)
{
	uint32_t low, high;
	if (next != UINT64_MAX && pit_periodic(&b->s.pit, 0, b->s.now, &low, &high)) {
		uint64_t k = pit_ticks_at(next); /* exact: tick time k is at tick k */
		b->edge_s = k / PIT_HZ;
		b->edge_r = (uint32_t)(k % PIT_HZ);
		b->edge_out = !out;
		b->edge_low = low;
		b->edge_high = high;
	} else {
		b->edge_low = 0;
	}
}

/* A fault stopped PIT channel 0 (chips/fault.h). */
static void pit_stopped(struct board *b)
{
	pit_edge_recompute(b);
	next_update(b);
	irq0_update(b);
}

/* PIT OUT0 rose: a tick-counted PIT stop may fire. */
static COLD void fault_pit_tick(struct board *b)
{
	if (board_fault_pit_tick_stops(b))
		pit_stopped(b);
}

/* ISA IRQ0 = PIT OUT0 OR a device on line 0: OUT0 is out0 now. */
static void irq0_set(struct board *b, bool out0)
{
	if (out0 == (bool)b->s.irq0)
		return;
	b->s.irq0 = out0;
	sources_update(b);
	out_wire(b, WIRE_IRQ0, out0);
	drive_line(b, 0);
	if (unlikely(b->s.faults.n) && out0)
		fault_pit_tick(b);
}

static void irq0_update(struct board *b)
{
	irq0_set(b, pit_out(&b->s.pit, 0, b->s.now));
}

/* ISA IRQ8 = the RTC's IRQ output OR a device on line 8. */
static void irq8_update(struct board *b)
{
	bool irq = rtc_irq(&b->s.rtc, b->s.now);
	if (irq == (bool)b->s.irq8)
		return;
	b->s.irq8 = irq;
	sources_update(b);
	out_wire(b, WIRE_IRQ8, irq);
	drive_line(b, 8);
}

/* Drive every line whose level differs between two line_sources(). */
static void drive_changed(struct board *b, uint32_t old, uint32_t now)
{
	uint32_t d = old ^ now;
	while (d) {
		unsigned n = (unsigned)__builtin_ctz(d);
		d &= d - 1;
		drive_line(b, n);
	}
}

/* An FSB interrupt message (spec 2.3.8 Tn_FSB_ROUTE): the MSI address and
 * data decoded as the local APIC bus sees them (SDM vol. 3 sec. 11.11). A
 * write outside the 0xfee00000 interrupt window is a memory write, not an
 * interrupt: nothing is sent. */
static void hpet_fsb_send(struct board *b, unsigned n)
{
	uint32_t addr, data;
	hpet_fsb_msg(&b->s.hpet, n, &addr, &data);
	if ((addr >> 20) != 0xfeeu)
		return;
	struct apic_msg m = {
		.dest = (uint8_t)(addr >> 12),
		.vector = (uint8_t)data,
		.delivery = (uint8_t)((data >> 8) & 7u),
		.destmode = (uint8_t)((addr >> 2) & 1u),
		.trigger = (uint8_t)((data >> 15) & 1u),
		.pin = (uint8_t)(APIC_MSG_PIN_HPET + n),
	};
	out_msgs(b, &m, 1);
}

/* One edge-triggered interrupt of timer n: its wire pulses, the line of its
 * route rises and falls at one time (an edge for the PIC and the IOAPIC; none
 * if another source holds the line), or its FSB message goes out. */
static void hpet_pulse(struct board *b, unsigned n)
{
	unsigned gsi = 0;
	enum hpet_route_kind r = hpet_route(&b->s.hpet, n, &gsi);
	if (r == HPET_ROUTE_FSB) {
		hpet_fsb_send(b, n);
		return;
	}
	out_wire(b, WIRE_HPET0 + n, 1);
	if (r == HPET_ROUTE_GSI && !((line_sources(b) >> gsi) & 1u)) {
		uint32_t keep = b->s.hpet_lines;
		b->s.hpet_lines |= 1u << gsi;
		sources_update(b);
		drive_line(b, gsi);
		b->s.hpet_lines = keep;
		sources_update(b);
		drive_line(b, gsi);
	}
	out_wire(b, WIRE_HPET0 + n, 0);
}

/* The HPET changed (an access, a match): propagate its level outputs and
 * routes, then the pulses of timers firing now. `old` is line_sources()
 * from before the change (a GEN_CONF write moves the legacy cut with it). */
static void hpet_update(struct board *b, uint32_t old, unsigned pulses)
{
	uint32_t lines = 0;
	uint8_t out = 0;
	timer_reach_update(b);
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		unsigned gsi;
		if (!hpet_line(&b->s.hpet, n))
			continue;
		out |= (uint8_t)(1u << n);
		if (hpet_route(&b->s.hpet, n, &gsi) == HPET_ROUTE_GSI)
			lines |= 1u << gsi;
	}
	for (unsigned n = 0; n < HPET_TIMERS; n++)
		if (((out ^ b->s.hpet_out) >> n) & 1u)
			out_wire(b, WIRE_HPET0 + n, (out >> n) & 1u);
	b->s.hpet_out = out;
	b->s.hpet_lines = lines;
	sources_update(b);
	drive_changed(b, old, line_sources(b));
	for (unsigned n = 0; n < HPET_TIMERS; n++)
		if ((pulses >> n) & 1u)
			hpet_pulse(b, n);
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* b->next_any: the first of the three timer sources' next events, kept
 * with them (read by every time advance and deadline). */
static inline void next_update(struct board *b)
{
	b->next_any = min3(b->next_edge, b->rtc_next, b->hpet_next);
}

/* The chips' next edge, or a timed fault's moment (chips/fault.h). */
static inline uint64_t next_event(const struct board *b)
{
	uint64_t e = b->next_any;
	if (unlikely(b->s.faults.n)) {
		uint64_t f = fault_next(b);
		e = f < e ? f : e;
	}
	return e;
}

/* The HPET's match at e (out of line: an idle HPET has none). */
static COLD void hpet_event(struct board *b, uint64_t e)
{
	uint32_t old = line_sources(b);
	unsigned pulses = hpet_advance(&b->s.hpet, e);
	hpet_update(b, old, pulses);
	b->hpet_next = hpet_next_event(&b->s.hpet, e);
}

/* A timed fault added in the past (what-if) acts at once. */
static COLD void faults_past(struct board *b)
{
	if (board_fault_next(b) <= b->s.now && board_fault_timed_stops(b))
		pit_stopped(b);
}

/* A timed fault of moment e acts after the chips' edges of that moment. */
static COLD void faults_at(struct board *b, uint64_t e)
{
	if (board_fault_next(b) == e && board_fault_timed_stops(b))
		pit_stopped(b);
}

/* Process every PIT OUT0, RTC IRQ and HPET transition up to t, in time
 * order, each at its own time. Compiled twice: with the fault hooks, and
 * without them for a board that has no faults (none can be added during a
 * time advance: board_add_fault() is called between inputs). */
static inline __attribute__((always_inline)) void advance_loop(struct board *b, uint64_t t,
							       const bool faults)
{
	for (;;) {
		uint64_t e = faults ? next_event(b) : b->next_any;
		/* UINT64_MAX means "no edge", even when t is UINT64_MAX */
		if (e > t || e == UINT64_MAX || b->stop)
			break;
		assert(e > b->s.now);
		if (e <= b->s.now)
			break;
		b->s.now = e;
		/* an edge that left a level unchanged still moves its schedule on */
		if (b->next_edge == e) {
			if (likely(!b->s.faults.n)) {
				/* nothing but a fault changes the PIT while
				 * IRQ0 is driven: its next edge now, set after */
				uint64_t next;
				bool out;
				if (likely(b->edge_low)) {
					/* counting periodically since the last
					 * edge: OUT0 toggles, the next edge is a
					 * phase later (pit_periodic()) */
					out = b->edge_out;
					uint32_t r = b->edge_r + (out ? b->edge_high : b->edge_low);
					if (r >= PIT_HZ) { /* a phase is at most 0x10000 ticks */
						r -= PIT_HZ;
						b->edge_s++;
					}
					b->edge_r = r;
					b->edge_out = !out;
					next = pit_tick_time_sr(b->edge_s, r);
				} else {
					out = pit_out_next_edge(&b->s.pit, 0, e, &next);
					pit_edge_learn(b, out, next);
				}
				irq0_set(b, out);
				b->next_edge = next;
			} else {
				irq0_update(b);
				b->next_edge = pit_next_edge(&b->s.pit, 0, e);
				b->edge_low = 0;
			}
		}
		if (b->rtc_next == e) {
			irq8_update(b);
			b->rtc_next = rtc_next_edge(&b->s.rtc, e);
		}
		if (unlikely(b->hpet_next == e))
			hpet_event(b, e);
		next_update(b);
		if (faults && b->s.faults.n)
			faults_at(b, e);
		if (b->hist_on)
			board_history_observe(b, b->last_num);
	}
	b->s.now = t;
}

static COLD void advance_faults(struct board *b, uint64_t t)
{
	faults_past(b);
	advance_loop(b, t, true);
}

/* The time advance with edges to process, out of line: most inputs come
 * between two edges and then need none of the registers its loop keeps. */
static __attribute__((noinline)) void advance_edges(struct board *b, uint64_t t)
{
	advance_loop(b, t, false);
}

static inline __attribute__((always_inline)) void advance_to(struct board *b, uint64_t t)
{
	if (t < b->s.now)
		t = b->s.now;
	if (unlikely(b->s.faults.n))
		advance_faults(b, t);
	else if (b->next_any > t)
		b->s.now = t; /* no edge up to t: what advance_loop would do */
	else
		advance_edges(b, t);
}

/* ---- input framing: advance, then echo, then caused outputs ---- */

/* EV_DEADLINE when the next deadline moved. Emitted right after the time
 * advance as well as after the input, so that advancing by a separate
 * EV_TIME input (a script's `time` line) or by the input itself gives the
 * same order of outputs around the input. */
static inline __attribute__((always_inline)) void deadline_update(struct board *b)
{
	uint64_t d = board_next_deadline(b);
	if (d != b->s.deadline) {
		b->s.deadline = d;
		output(b, EV_DEADLINE, d);
	}
}

/* The echo's slot is taken after the time advance's outputs (none without
 * a run sink), with room for BOARD_PENDING_MAX outputs after it. */
static void begin_input(struct board *b, uint64_t now)
{
	advance_to(b, now);
	deadline_update(b);
	b->deferring = 1;
	if (unlikely(b->nout >= BOARD_OUT_MAX - BOARD_PENDING_MAX))
		run_flush(b);
	b->echo = b->nout++;
	b->out_end = b->nout + BOARD_PENDING_MAX;
}

/* The input is emitted as its words (irq_event_set; the union's layouts
 * are asserted below, at the inputs). With a run sink: the echo into its
 * slot, then the run goes out. */
static inline __attribute__((always_inline)) void end_run(struct board *b, unsigned kind,
							  uint64_t u0, uint64_t u1)
{
	irq_event_set(&b->out[b->echo], b->s.now, kind, u0, u1);
	deadline_update(b);
	/* the echo at least, unless the history's deadline took it */
	unsigned n = b->nout;
	b->nout = 0;
	if (likely(n)) {
		run_number(b, b->out, n);
		b->run_sink(b->run_ctx, b->out, n);
	}
}

/* end_input keeping the line history, or to a per-event sink. */
static __attribute__((noinline)) void end_input_each(struct board *b, unsigned kind, uint64_t u0,
						     uint64_t u1)
{
	if (b->hist_on)
		board_history_observe(b, b->event_num);
	b->deferring = 0;
	b->out_end = out_end_idle(b);
	if (b->run_sink) {
		end_run(b, kind, u0, u1);
		return;
	}
	unsigned n = b->nout;
	b->nout = 0;
	emit(b, kind, u0, u1);
	for (unsigned i = 1; i < n; i++) {
		const struct irq_event *ev = &b->out[i];
		uint64_t num = b->event_num++;
		if (unlikely(b->hist_on) && ev->kind == EV_APIC_MSG)
			history_message(b, num, ev);
		b->last_num = num;
		if (b->sink)
			b->sink(b->sink_ctx, ev);
	}
	deadline_update(b);
}

/* Without the history, to a run sink: nothing to save around a call. */
static void end_input(struct board *b, unsigned kind, uint64_t u0, uint64_t u1)
{
	if (unlikely(b->hist_on || !b->run_sink)) {
		end_input_each(b, kind, u0, u1);
		return;
	}
	b->deferring = 0;
	b->out_end = BOARD_OUT_MAX; /* out_end_idle() */
	end_run(b, kind, u0, u1);
}

/* ---- configuration and reset ---- */

void board_config_default(struct board_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ncpus = 1;
	cfg->ioapic_version = 0x20;
	cfg->pic_imr_reset = 0x00;
	cfg->lint0_bsp_only = 0;
	cfg->rtc_epoch = BOARD_RTC_EPOCH_DEFAULT;
}

static const char *config_check(const struct board_config *cfg)
{
	if (cfg->ncpus < 1 || cfg->ncpus > BOARD_MAX_CPUS)
		return "bad cpu count";
	if (cfg->ioapic_version != 0x20 && cfg->ioapic_version != 0x11)
		return "bad ioapic version";
	if (cfg->pic_imr_reset != 0x00 && cfg->pic_imr_reset != 0xff)
		return "bad pic imr reset value";
	if (cfg->lint0_bsp_only > 1)
		return "bad lint0 routing";
	if (cfg->hpet > 1 || cfg->hpet_clock > HPET_CLOCK_14MHZ)
		return "bad hpet configuration";
	for (unsigned i = 0; i < 0x0e; i++)
		if (cfg->cmos[i])
			return "CMOS configuration touches the clock registers";
	return NULL;
}

/* Chip reset; device lines and LVTs are outside the chips and are kept.
 * The chips' inputs are re-driven silently: every RTE is masked after reset,
 * so nothing is delivered, and the PIC is uninitialised. */
static void chips_reset(struct board *b)
{
	struct apic_msg m[IOAPIC_PINS];
	/* model variants are board configuration: a reset keeps them */
	uint8_t literal = b->s.pic.chip[0].literal_edge, poll = b->s.pic.chip[0].poll_no_0x80;
	pic_pair_init(&b->s.pic, b->cfg.pic_imr_reset);
	for (unsigned i = 0; i < 2; i++) {
		b->s.pic.chip[i].literal_edge = literal;
		b->s.pic.chip[i].poll_no_0x80 = poll;
	}
	pit_reset(&b->s.pit, b->s.now);
	ioapic_init(&b->s.ioapic, b->cfg.ioapic_version);
	hpet_reset(&b->s.hpet);
	b->s.hpet_out = 0;
	b->s.hpet_lines = 0;
	b->hpet_next = UINT64_MAX;
	timer_reach_update(b);
	b->hist.io_dirty = (1u << IOAPIC_PINS) - 1u;
	b->s.irq0 = pit_out(&b->s.pit, 0, b->s.now);
	sources_update(b);
	pit_edge_recompute(b);
	next_update(b);
	/* The PIC's edge detectors start at the current input levels: a line
	 * already high at reset is not an edge (all inputs are edge-triggered
	 * after reset, ELCR = 0, so IRR stays 0 and INT low). */
	for (unsigned n = 0; n < 16; n++)
		if (n != 2 && isa_level(b, n))
			b->s.pic.chip[n >> 3].line |= (uint8_t)(1u << (n & 7));
	b->s.pic_int = pic_pair_int(&b->s.pic);
	for (unsigned p = 0; p < IOAPIC_PINS; p++)
		if (ioapic_pin_level(b, p))
			(void)ioapic_set_irq(&b->s.ioapic, p, 1, m);
	if (b->s.faults.n) {
		board_fault_after_reset(b);
		b->s.irq0 = pit_out(&b->s.pit, 0, b->s.now);
		sources_update(b);
		pit_edge_recompute(b);
		next_update(b);
	}
}

int board_init(struct board *b, const struct board_config *cfg,
	       irq_event_sink sink, void *sink_ctx)
{
	if (config_check(cfg))
		return -1;
	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	b->sink = sink;
	b->sink_ctx = sink_ctx;
	for (unsigned cpu = 0; cpu < BOARD_MAX_CPUS; cpu++) {
		b->s.lvt[cpu][0] = LVT_MASKED;
		b->s.lvt[cpu][1] = LVT_MASKED;
	}
	/* The BSP starts in virtual wire mode (MP spec 1.4 sec. 3.6.2.2):
	 * LINT0 ExtINT, LINT1 NMI. KVM sets the same LVT0 at vCPU reset. */
	b->s.lvt[0][0] = APIC_DM_EXTINT << 8;
	b->s.lvt[0][1] = APIC_DM_NMI << 8;
	rtc_init(&b->s.rtc, cfg->rtc_epoch);
	hpet_init(&b->s.hpet, (enum hpet_clock)cfg->hpet_clock);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (cfg->cmos[i])
			rtc_cmos_set(&b->s.rtc, (uint8_t)i, cfg->cmos[i]);
	b->s.irq8 = rtc_irq(&b->s.rtc, 0);
	b->rtc_next = rtc_next_edge(&b->s.rtc, 0);
	chips_reset(b);
	b->s.deadline = board_next_deadline(b);
	board_history_start(b);
	return 0;
}

void board_init_blank(struct board *b)
{
	struct board_config cfg;
	board_config_default(&cfg);
	(void)board_init(b, &cfg, NULL, NULL);
}

void board_hpet_configure(struct board *b)
{
	/* the variants are kept */
	uint8_t one_write = b->s.hpet.val_set_one_write, wrap = b->s.hpet.qemu_wrap, past = b->s.hpet.qemu_past;
	hpet_init(&b->s.hpet, (enum hpet_clock)b->cfg.hpet_clock);
	b->s.hpet.val_set_one_write = one_write;
	b->s.hpet.qemu_wrap = wrap;
	b->s.hpet.qemu_past = past;
	b->s.hpet_out = 0;
	b->s.hpet_lines = 0;
	b->hpet_next = UINT64_MAX;
	next_update(b);
	timer_reach_update(b);
}

void board_keep_history(struct board *b)
{
	b->hist_on = 1;
	b->out_end = out_end_idle(b);
	board_history_start(b);
}

/* One of the two sinks at a time: setting one clears the other. */
static void set_sinks(struct board *b, irq_event_sink sink, void *ctx, irq_event_run_sink run_sink, void *run_ctx)
{
	b->sink = sink;
	b->sink_ctx = ctx;
	b->run_sink = run_sink;
	b->run_ctx = run_ctx;
	b->out_end = out_end_idle(b);
}

void board_set_sink(struct board *b, irq_event_sink sink, void *sink_ctx)
{
	set_sinks(b, sink, sink_ctx, NULL, NULL);
}

void board_set_run_sink(struct board *b, irq_event_run_sink sink, void *sink_ctx)
{
	set_sinks(b, NULL, NULL, sink, sink_ctx);
}

/* ---- inputs ---- */

/* The union's layouts end_input's words assume (irq_event_set). */
#define AT(f, off) _Static_assert(offsetof(struct irq_event, u.f) == 16 + (off), #f)
AT(pio.port, 0); AT(pio.value, 2); AT(mmio.addr, 0); AT(mmio.value, 8);
AT(mmio64.addr, 0); AT(mmio64.value, 8); AT(irq.gsi, 0); AT(irq.level, 1);
AT(intack.cpu, 0); AT(intack.vector, 1); AT(eoi.vector, 0); AT(eoi.cpu, 1);
AT(lvt.cpu, 0); AT(lvt.pin, 1); AT(lvt.value, 4); AT(wire.id, 0); AT(wire.level, 1);
AT(apic.dest, 0); AT(apic.vector, 1); AT(apic.delivery, 2); AT(apic.destmode, 3);
AT(apic.trigger, 4); AT(apic.pin, 5); AT(lint.cpu, 0); AT(lint.pin, 1); AT(lint.mode, 2);
AT(lint.level, 3); AT(lint.vector, 4); AT(deadline.t, 0);
#undef AT

void board_reset(struct board *b, uint64_t now)
{
	begin_input(b, now);
	bool had_int = b->s.pic_int, had_irq0 = b->s.irq0;
	uint8_t had_hpet = b->s.hpet_out;
	chips_reset(b);
	/* Report the wires the reset changed. */
	if (had_irq0 != (bool)b->s.irq0)
		out_wire(b, WIRE_IRQ0, b->s.irq0);
	for (unsigned n = 0; n < HPET_TIMERS; n++)
		if ((had_hpet >> n) & 1u)
			out_wire(b, WIRE_HPET0 + n, 0);
	if (had_int != (bool)b->s.pic_int) {
		out_wire(b, WIRE_PIC_INT, b->s.pic_int);
		lint0_on_int_change(b, b->s.pic_int);
	}
	end_input(b, EV_RESET, 0, 0);
}

void board_advance(struct board *b, uint64_t now)
{
	begin_input(b, now);
	end_input(b, EV_TIME, 0, 0);
}

bool board_owns_port(uint16_t port)
{
	return pic_pair_owns_port(port) || pit_owns_port(port) || rtc_owns_port(port);
}

bool board_owns_mmio(uint64_t addr)
{
	return addr >= IOAPIC_BASE && addr < (uint64_t)IOAPIC_BASE + IOAPIC_SIZE;
}

static bool hpet_decodes(const struct board *b, uint64_t addr)
{
	return b->cfg.hpet && addr >= HPET_BASE && addr < (uint64_t)HPET_BASE + HPET_SIZE;
}

bool board_decodes_mmio(const struct board *b, uint64_t addr)
{
	return board_owns_mmio(addr) || hpet_decodes(b, addr);
}

static void hpet_access_write(struct board *b, uint64_t addr, unsigned size, uint64_t value)
{
	uint32_t old = line_sources(b);
	hpet_write(&b->s.hpet, b->s.now, (uint32_t)(addr - HPET_BASE), size, value);
	hpet_update(b, old, 0);
	b->hpet_next = hpet_next_event(&b->s.hpet, b->s.now);
	next_update(b);
}

static uint64_t hpet_access_read(struct board *b, uint64_t addr, unsigned size)
{
	uint32_t old = line_sources(b);
	uint64_t v = hpet_read(&b->s.hpet, b->s.now, (uint32_t)(addr - HPET_BASE), size);
	hpet_update(b, old, 0);
	b->hpet_next = hpet_next_event(&b->s.hpet, b->s.now);
	next_update(b);
	return v;
}

void board_pio_write(struct board *b, uint64_t now, uint16_t port, uint8_t value)
{
	begin_input(b, now);
	if (pic_pair_owns_port(port)) {
		pic_pair_write(&b->s.pic, port, value);
		pic_int_update(b);
	} else if (pit_owns_port(port)) {
		pit_write(&b->s.pit, b->s.now, port, value);
		/* a latch command or another channel's access keeps OUT0 and
		 * its next edge (checked at every board_save) */
		if (pit_write_moves_ch0(port, value)) {
			pit_edge_recompute(b);
			next_update(b);
			irq0_update(b);
		}
	} else if (rtc_owns_port(port)) {
		rtc_write(&b->s.rtc, b->s.now, port, value);
		b->rtc_next = rtc_next_edge(&b->s.rtc, b->s.now);
		next_update(b);
		irq8_update(b);
	}
	end_input(b, EV_PIO_WRITE, port | (uint64_t)value << 16, 0);
}

uint8_t board_pio_read(struct board *b, uint64_t now, uint16_t port)
{
	uint8_t v = 0xff; /* unclaimed ports float high */
	begin_input(b, now);
	if (pic_pair_owns_port(port)) {
		v = pic_pair_read(&b->s.pic, port); /* a poll read is an INTA */
		pic_int_update(b);
	} else if (pit_owns_port(port)) {
		/* a read changes no channel's counting: next_edge stands */
		v = pit_read(&b->s.pit, b->s.now, port);
	} else if (rtc_owns_port(port)) {
		v = rtc_read(&b->s.rtc, b->s.now, port); /* reading C clears IRQF */
		b->rtc_next = rtc_next_edge(&b->s.rtc, b->s.now);
		next_update(b);
		irq8_update(b);
	}
	end_input(b, EV_PIO_READ, port | (uint64_t)v << 16, 0);
	return v;
}

void board_mmio_write(struct board *b, uint64_t now, uint64_t addr, uint32_t value)
{
	begin_input(b, now);
	if (board_owns_mmio(addr)) {
		struct apic_msg m[IOAPIC_PINS];
		b->hist.io_dirty = (1u << IOAPIC_PINS) - 1u;
		int pin = ioapic_mmio_write_rte_lo(&b->s.ioapic, (uint32_t)(addr - IOAPIC_BASE));
		if (pin >= 0 && b->s.faults.n)
			board_fault_rte_written(b, (unsigned)pin);
		unsigned n = ioapic_mmio_write(&b->s.ioapic, (uint32_t)(addr - IOAPIC_BASE), value, m);
		out_msgs(b, m, n);
	} else if (hpet_decodes(b, addr)) {
		hpet_access_write(b, addr, 4, value);
	}
	end_input(b, EV_MMIO_WRITE, addr, value);
}

void board_mmio_write64(struct board *b, uint64_t now, uint64_t addr, uint64_t value)
{
	begin_input(b, now);
	if (hpet_decodes(b, addr))
		hpet_access_write(b, addr, 8, value);
	end_input(b, EV_MMIO_WRITE64, addr, value);
}

uint64_t board_mmio_read64(struct board *b, uint64_t now, uint64_t addr)
{
	uint64_t v = UINT64_MAX;
	begin_input(b, now);
	if (hpet_decodes(b, addr))
		v = hpet_access_read(b, addr, 8);
	end_input(b, EV_MMIO_READ64, addr, v);
	return v;
}

uint32_t board_mmio_read(struct board *b, uint64_t now, uint64_t addr)
{
	uint32_t v = 0xffffffffu;
	begin_input(b, now);
	if (board_owns_mmio(addr))
		v = ioapic_mmio_read(&b->s.ioapic, (uint32_t)(addr - IOAPIC_BASE));
	else if (hpet_decodes(b, addr))
		v = (uint32_t)hpet_access_read(b, addr, 4);
	end_input(b, EV_MMIO_READ, addr, v);
	return v;
}

void board_set_irq(struct board *b, uint64_t now, unsigned gsi, int level)
{
	level = !!level;
	begin_input(b, now);
	if (gsi < BOARD_GSIS && ((b->s.lines >> gsi) & 1u) != (unsigned)level) {
		b->s.lines ^= 1u << gsi;
		sources_update(b);
		drive_line(b, gsi);
	}
	end_input(b, EV_IRQ, (uint8_t)gsi | (uint64_t)level << 8, 0);
}

uint8_t board_intack(struct board *b, uint64_t now, unsigned cpu)
{
	begin_input(b, now);
	uint8_t v = pic_pair_intack(&b->s.pic);
	pic_int_update(b);
	end_input(b, EV_INTACK, (uint8_t)cpu | (uint64_t)v << 8, 0);
	return v;
}

void board_eoi(struct board *b, uint64_t now, uint8_t vector, unsigned cpu)
{
	struct apic_msg m[IOAPIC_PINS];
	begin_input(b, now);
	b->hist.eoi[vector] = b->event_num;
	b->hist.io_dirty = (1u << IOAPIC_PINS) - 1u;
	unsigned n = b->s.faults.n ? board_fault_ioapic_eoi(b, vector, m) : ioapic_eoi(&b->s.ioapic, vector, m);
	out_msgs(b, m, n);
	end_input(b, EV_EOI, vector | (uint64_t)(uint8_t)cpu << 8, 0);
}

void board_set_lvt(struct board *b, uint64_t now, unsigned cpu, unsigned pin, uint32_t value)
{
	begin_input(b, now);
	if (cpu < b->cfg.ncpus && pin < 2) {
		uint32_t old = b->s.lvt[cpu][pin];
		b->s.lvt[cpu][pin] = value;
		if (pin == 0 && old != value)
			b->hist.lvt0[cpu] = b->event_num;
		if (pin == 0) {
			board_lint0_changed(b);
			/* A level consumer appearing or going away while INT is
			 * high sees the level change; edge modes see no edge. */
			bool was = lint0_active(b, cpu, old, b->s.pic_int);
			bool is = lint0_active(b, cpu, value, b->s.pic_int);
			if (was && !is)
				out_lint(b, cpu, old, 0);
			else if (is && (!was || LVT_DM(old) != LVT_DM(value)))
				out_lint(b, cpu, value, 1);
		}
	}
	end_input(b, EV_LVT, (uint8_t)cpu | (uint64_t)(uint8_t)pin << 8 | (uint64_t)value << 32, 0);
}

int board_apply(struct board *b, const struct irq_event *in)
{
	switch (in->kind) {
	case EV_RESET:
		board_reset(b, in->t);
		return 0;
	case EV_TIME:
		board_advance(b, in->t);
		return 0;
	case EV_PIO_WRITE:
		board_pio_write(b, in->t, in->u.pio.port, in->u.pio.value);
		return 0;
	case EV_PIO_READ:
		board_pio_read(b, in->t, in->u.pio.port);
		return 0;
	case EV_MMIO_WRITE:
		board_mmio_write(b, in->t, in->u.mmio.addr, in->u.mmio.value);
		return 0;
	case EV_MMIO_READ:
		board_mmio_read(b, in->t, in->u.mmio.addr);
		return 0;
	case EV_MMIO_WRITE64:
		board_mmio_write64(b, in->t, in->u.mmio64.addr, in->u.mmio64.value);
		return 0;
	case EV_MMIO_READ64:
		board_mmio_read64(b, in->t, in->u.mmio64.addr);
		return 0;
	case EV_IRQ:
		if (in->u.irq.gsi >= BOARD_GSIS || in->u.irq.level > 1)
			return -1;
		board_set_irq(b, in->t, in->u.irq.gsi, in->u.irq.level);
		return 0;
	case EV_INTACK:
		if (in->u.intack.cpu >= b->cfg.ncpus)
			return -1;
		board_intack(b, in->t, in->u.intack.cpu);
		return 0;
	case EV_EOI:
		board_eoi(b, in->t, in->u.eoi.vector, in->u.eoi.cpu);
		return 0;
	case EV_LVT:
		if (in->u.lvt.cpu >= b->cfg.ncpus || in->u.lvt.pin > 1)
			return -1;
		board_set_lvt(b, in->t, in->u.lvt.cpu, in->u.lvt.pin, in->u.lvt.value);
		return 0;
	default:
		return -1;
	}
}

uint64_t board_next_deadline(const struct board *b)
{
	return next_event(b);
}

/* ---- keyframes ---- */

static const uint8_t state_magic[4] = { 'I', 'R', 'Q', 'B' };

static void board_serialize(struct board *b, struct ser *s)
{
	uint8_t magic[4];
	uint16_t version = BOARD_STATE_VERSION;
	memcpy(magic, state_magic, 4);
	ser_bytes(s, magic, 4);
	ser_u16(s, &version);
	/* Loads read older versions too (keyframes of older traces): version 1
	 * had no RTC (it gets the default epoch, as a board without one would
	 * have needed), version 2 no CMOS configuration (zeros), versions
	 * before 4 no HPET (a board without one), before 5 no injected
	 * faults; version 5's rte-mask faults held a mask they did not set
	 * (board_faults_follow). */
	if (s->load && !s->err && (memcmp(magic, state_magic, 4) || version < 1 ||
				   version > BOARD_STATE_VERSION)) {
		ser_invalid(s, memcmp(magic, state_magic, 4) ? "not a board state"
							     : "unsupported board state version");
		return;
	}
	ser_u8(s, &b->cfg.ncpus);
	ser_u8(s, &b->cfg.ioapic_version);
	ser_u8(s, &b->cfg.pic_imr_reset);
	ser_u8(s, &b->cfg.lint0_bsp_only);
	if (version >= 2)
		ser_u64(s, &b->cfg.rtc_epoch);
	else
		b->cfg.rtc_epoch = BOARD_RTC_EPOCH_DEFAULT;
	if (version >= 3)
		ser_bytes(s, b->cfg.cmos + 0x0e, 0x80 - 0x0e);
	/* the HPET's variants as bits: 0 val_set_one_write, 1 qemu_wrap,
	 * 2 qemu_past (older keyframes: bit 0 only) */
	uint8_t hpet_variant = (uint8_t)(b->s.hpet.val_set_one_write | b->s.hpet.qemu_wrap << 1 |
					 b->s.hpet.qemu_past << 2);
	if (version >= 4) {
		ser_u8(s, &b->cfg.hpet);
		ser_u8(s, &b->cfg.hpet_clock);
		/* the HPET's variants, also for a board without one (its state
		 * below is saved only when fitted) */
		ser_u8(s, &hpet_variant);
		if (s->load && hpet_variant > 7)
			ser_invalid(s, "bad hpet variant");
	}
	if (s->load && !s->err && config_check(&b->cfg)) {
		ser_invalid(s, config_check(&b->cfg));
		return;
	}
	ser_u64(s, &b->s.now);
	ser_u64(s, &b->s.deadline);
	ser_u32(s, &b->s.lines);
	ser_u8(s, &b->s.irq0);
	ser_u8(s, &b->s.pic_int);
	if (version >= 2)
		ser_u8(s, &b->s.irq8);
	if (s->load && !s->err &&
	    ((b->s.lines >> BOARD_GSIS) || b->s.irq0 > 1 || b->s.pic_int > 1 || b->s.irq8 > 1))
		ser_invalid(s, "bad board wire state");
	for (unsigned cpu = 0; cpu < b->cfg.ncpus; cpu++) {
		ser_u32(s, &b->s.lvt[cpu][0]);
		ser_u32(s, &b->s.lvt[cpu][1]);
	}
	pic_pair_serialize(&b->s.pic, s);
	pit_serialize(&b->s.pit, s);
	ioapic_serialize(&b->s.ioapic, s);
	if (version >= 2)
		rtc_serialize(&b->s.rtc, s);
	else if (s->load)
		rtc_init(&b->s.rtc, b->cfg.rtc_epoch);
	if (version >= 5)
		board_faults_serialize(&b->s.faults, s, version); /* none before version 5 */
	if (version >= 4 && b->cfg.hpet) {
		hpet_serialize(&b->s.hpet, s);
		ser_u32(s, &b->s.hpet_lines);
		ser_u8(s, &b->s.hpet_out);
		if (s->load && !s->err &&
		    (b->s.hpet.clock != b->cfg.hpet_clock || (b->s.hpet_lines >> BOARD_GSIS) ||
		     (b->s.hpet_out >> HPET_TIMERS) ||
		     hpet_variant != (b->s.hpet.val_set_one_write | b->s.hpet.qemu_wrap << 1 |
				      b->s.hpet.qemu_past << 2)))
			ser_invalid(s, "bad hpet wire state");
	} else if (s->load) {
		hpet_init(&b->s.hpet, (enum hpet_clock)b->cfg.hpet_clock);
		b->s.hpet.val_set_one_write = hpet_variant & 1u;
		b->s.hpet.qemu_wrap = (hpet_variant >> 1) & 1u;
		b->s.hpet.qemu_past = (hpet_variant >> 2) & 1u;
	}
}

size_t board_state_size(const struct board *b)
{
	struct ser s = { .buf = NULL, .len = SIZE_MAX };
	board_serialize((struct board *)b, &s); /* save mode only reads */
	return s.pos;
}

size_t board_save(const struct board *b, uint8_t *buf, size_t len)
{
	struct ser s = { .buf = buf, .len = len };
	/* the cache of the line levels agrees with its sources (checked at
	 * every keyframe, which the tests and replays take often) */
	assert(b->sources == line_sources_compute(b));
	assert(b->next_any == min3(b->next_edge, b->rtc_next, b->hpet_next));
	/* and the PIT's cached edge and OUT0 agree with the PIT (a read or a
	 * latch command does not recompute them) */
	assert(b->next_edge == pit_next_edge(&b->s.pit, 0, b->s.now));
	assert(b->s.irq0 == pit_out(&b->s.pit, 0, b->s.now));
	/* the LINT0 consumers, when known, are those of the LVTs now */
	if (b->lint0_known) {
		struct board t;
		t.cfg = b->cfg;
		memcpy(t.s.lvt, b->s.lvt, sizeof(t.s.lvt));
		lint0_targets_update(&t);
		assert(t.lint0_n == b->lint0_n);
		assert(!memcmp(t.lint0_word, b->lint0_word, b->lint0_n * sizeof(uint64_t)));
		assert(t.lint0_level_mode == b->lint0_level_mode);
	}
	/* and so does the periodic shortcut, when known */
	if (b->edge_low) {
		uint32_t low = 0, high = 0;
		assert(pit_periodic(&b->s.pit, 0, b->s.now, &low, &high));
		assert(low == b->edge_low && high == b->edge_high);
		assert(b->edge_r < PIT_HZ);
		assert(b->next_edge == pit_tick_time_sr(b->edge_s, b->edge_r));
		assert(b->edge_out == !b->s.irq0);
		(void)low;
		(void)high;
	}
	board_serialize((struct board *)b, &s);
	return s.err ? 0 : s.pos;
}

const char *board_load(struct board *b, const uint8_t *buf, size_t len)
{
	struct board tmp;
	struct ser s = { .buf = (uint8_t *)buf, .len = len, .load = 1 };
	memset(&tmp, 0, sizeof(tmp));
	for (unsigned cpu = 0; cpu < BOARD_MAX_CPUS; cpu++)
		tmp.s.lvt[cpu][0] = tmp.s.lvt[cpu][1] = LVT_MASKED;
	board_serialize(&tmp, &s);
	if (s.err)
		return s.err;
	if (s.pos != len)
		return "trailing bytes after board state";
	/* the IRQ0 wire is PIT OUT0 (board_save checks it; a PIT read or
	 * latch does not recompute it, so a load must not let them differ) */
	if (tmp.s.irq0 != pit_out(&tmp.s.pit, 0, tmp.s.now))
		return "the IRQ0 wire disagrees with PIT OUT0";
	tmp.sink = b->sink;
	tmp.sink_ctx = b->sink_ctx;
	tmp.run_sink = b->run_sink;
	tmp.run_ctx = b->run_ctx;
	tmp.event_num = b->event_num;
	tmp.hist_on = b->hist_on;
	tmp.out_end = out_end_idle(&tmp);
	pit_edge_recompute(&tmp);
	tmp.rtc_next = rtc_next_edge(&tmp.s.rtc, tmp.s.now);
	tmp.hpet_next = tmp.cfg.hpet ? hpet_next_event(&tmp.s.hpet, tmp.s.now) : UINT64_MAX;
	next_update(&tmp);
	timer_reach_update(&tmp);
	board_history_start(&tmp);
	memcpy(b, &tmp, sizeof(tmp));
	return NULL;
}

uint64_t board_state_hash(const struct board *b)
{
	/* FNV-1a 64 over the saved state. */
	uint8_t buf[4096];
	size_t n = board_save(b, buf, sizeof(buf));
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= buf[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void board_print_state(const struct board *b, FILE *f)
{
	fprintf(f, "board: t=%llu cpus=%u ioapic.version=0x%02x lint0=%s\n",
		(unsigned long long)b->s.now, b->cfg.ncpus, b->cfg.ioapic_version,
		b->cfg.lint0_bsp_only ? "bsp" : "broadcast");
	fprintf(f, "wires: irq0=%u irq8=%u pic.int=%u lines=0x%06x deadline=",
		b->s.irq0, b->s.irq8, b->s.pic_int, b->s.lines);
	if (b->s.deadline == UINT64_MAX)
		fprintf(f, "none\n");
	else
		fprintf(f, "%llu\n", (unsigned long long)b->s.deadline);
	for (unsigned cpu = 0; cpu < b->cfg.ncpus; cpu++)
		fprintf(f, "cpu %u: lvt0=0x%05x lvt1=0x%05x\n", cpu,
			b->s.lvt[cpu][0], b->s.lvt[cpu][1]);
	pic_pair_print(&b->s.pic, f);
	pit_print(&b->s.pit, b->s.now, f);
	ioapic_print(&b->s.ioapic, f);
	rtc_print(&b->s.rtc, b->s.now, f);
	if (b->cfg.hpet)
		hpet_print(&b->s.hpet, b->s.now, f);
}
