/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 PIT + PC port 0x61, as a pure function of its inputs.
 *
 * Time model (docs/chips-pit.md, "Clock"): CLK edge k happens at
 * pit_tick_time(k); at time t the edges 1..pit_ticks_at(t) have happened.
 * A count written at time t is transferred to the counting element (CE) on
 * the next edge, tick pit_ticks_at(t) + 1, and decremented on the edges after
 * it (8254 DS, "Operation": "the Count is loaded on one CLK pulse"; the
 * loading pulse does not decrement).
 *
 * A channel is either stopped (CE = hold, OUT = out) or running a "segment"
 * (CE held `count` at load_tick; every mode's CE and OUT are closed-form
 * functions of d = T - load_tick). At most one future CE load is scheduled
 * (pend: at pend_tick, load pend_count, then run or stay paused). Anything
 * else happens only on a port access, which first "settles" a due load. So
 * pit_out() and pit_next_edge() are O(1) functions of (state, now).
 */
#include "pit.h"

#include <string.h>

#include "clock.h"

enum {
	PIT_PORT_CH0 = 0x40,
	PIT_PORT_CTRL = 0x43,
	PIT_PORT_61 = 0x61,
};

enum {
	CW_SC_READBACK = 3,
	CW_RW_LATCH = 0,
	CW_RW_LSB = 1,
	CW_RW_MSB = 2,
	CW_RW_WORD = 3,
	RB_NOT_COUNT = 0x20, /* read-back bit 5, active low */
	RB_NOT_STATUS = 0x10, /* read-back bit 4, active low */
	ST_OUT = 0x80,
	ST_NULL = 0x40,
};

enum {
	P61_GATE2 = 0x01,
	P61_SPK = 0x02,
	P61_STORED = 0x0c,
	P61_REFRESH = 0x10,
	P61_OUT2 = 0x20,
};

/* Port 0x61 bit 4 toggles every 18 CLKs (15.085 us): counter 1 driving DRAM
 * refresh on a PC. Derived from time so that replays see the same bit. */
#define PIT_REFRESH_TICKS 18u
#define PIT_STATE_VERSION 1u
/* Version 2 appends the cw_keeps_counting variant byte; written only when
 * it is set, so default states stay byte-identical to version 1. */
#define PIT_STATE_VERSION_VARIANTS 2u
#define NO_TICK UINT64_MAX

/* The view of a channel at tick T: the stored segment, or the scheduled load
 * if it is due by T. */
struct view {
	bool running, tc, out;
	uint64_t load;
	uint32_t count, phase, hold;
};

static unsigned rw_of(const struct pit_channel *c)
{
	return (c->control >> 4) & 3u;
}

static bool is_bcd(const struct pit_channel *c)
{
	return c->control & 1u;
}

/* DS: the maximum count is 2^16 binary, 10^4 BCD, written as 0. */
static uint32_t modulus(const struct pit_channel *c)
{
	return is_bcd(c) ? 10000u : 0x10000u;
}

static uint8_t decode_mode(uint8_t control)
{
	uint8_t m = (control >> 1) & 7u;
	/* DS control word: M2 is "X" (don't care) for modes 2 and 3. */
	return m > 5 ? (uint8_t)(m - 4) : m;
}

/* Invalid BCD nibbles (A-F) are undefined in the DS; each counts as 9. */
static uint32_t from_bcd(uint16_t raw)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--) {
		uint32_t n = (raw >> (4 * i)) & 0xfu;
		v = v * 10 + (n > 9 ? 9 : n);
	}
	return v;
}

static uint16_t to_bcd(uint32_t v)
{
	uint16_t r = 0;
	for (int i = 0; i < 4; i++) {
		r |= (uint16_t)((v % 10) << (4 * i));
		v /= 10;
	}
	return r;
}

static uint32_t effective_count(const struct pit_channel *c, uint16_t raw)
{
	uint32_t v = is_bcd(c) ? from_bcd(raw) : raw;
	return v ? v : modulus(c);
}

/* The CE as the bus reads it (0x10000 / 10000 read as 0). */
static uint16_t encode(const struct pit_channel *c, uint32_t ce)
{
	uint32_t v = ce % modulus(c);
	return is_bcd(c) ? to_bcd(v) : (uint16_t)v;
}

static struct view view_at(const struct pit_channel *c, uint64_t T)
{
	struct view v;
	if (c->pend && T >= c->pend_tick) {
		v.running = c->pend_run;
		v.tc = false;
		v.out = c->out;
		v.load = c->pend_tick;
		v.count = c->pend_count;
		v.phase = c->pend_phase;
		v.hold = c->pend_count;
	} else {
		v.running = c->running;
		v.tc = c->tc;
		v.out = c->out;
		v.load = c->load_tick;
		v.count = c->count;
		v.phase = c->phase;
		v.hold = c->hold;
	}
	return v;
}

/* CE value at tick T, 0..modulus (modulus means a full count). */
static uint32_t view_ce(const struct pit_channel *c, const struct view *v, uint64_t T)
{
	if (!v->running)
		return v->hold;
	uint64_t d = T - v->load;
	uint32_t n = v->count, m = modulus(c);
	switch (c->mode) {
	case 2:
		return n - (uint32_t)(d % n);
	case 3: {
		/* DS mode 3: an odd count loads N-1 and both halves count down by
		 * two; the high half has one extra CLK (at CE 0). Even counts: N,
		 * N-2, ..., 2 in each half. */
		uint64_t r = (d + v->phase) % n;
		return (uint32_t)((n - (2 * r) % n) & ~1u);
	}
	default:
		/* DS mode 0: "the Counter does not stop when it reaches zero":
		 * it wraps (0xffff binary, 9999 BCD) and keeps counting. */
		if (!v->tc && d < n)
			return n - (uint32_t)d;
		return (uint32_t)(((uint64_t)n % m + m - d % m) % m);
	}
}

static bool view_out(const struct pit_channel *c, const struct view *v, uint64_t T)
{
	if (!v->running)
		return v->out;
	uint64_t d = T - v->load;
	uint32_t n = v->count;
	switch (c->mode) {
	case 0:
	case 1:
		/* Mode 0: low until terminal count. Mode 1: low from the load
		 * after the trigger until terminal count. */
		return v->tc || d >= n;
	case 4:
	case 5:
		/* One-CLK low strobe when the CE reaches 0. */
		return v->tc || d != n;
	case 2:
		/* Low for the one CLK while the CE is 1. N = 1 is illegal
		 * (DS mode 2); the strobe would have no width, so OUT stays high. */
		return n < 2 || d % n != n - 1;
	default:
		/* Mode 3: high ceil(N/2) CLKs, low floor(N/2). */
		return (d + v->phase) % n < (n + 1) / 2;
	}
}

/* First tick > T at which view_out changes within this view. */
static uint64_t view_next_tick(const struct pit_channel *c, const struct view *v, uint64_t T)
{
	if (!v->running)
		return NO_TICK;
	uint64_t d = T - v->load, r;
	uint32_t n = v->count;
	switch (c->mode) {
	case 0:
	case 1:
		return !v->tc && d < n ? v->load + n : NO_TICK;
	case 4:
	case 5:
		if (v->tc || d > n)
			return NO_TICK;
		return d < n ? v->load + n : v->load + n + 1;
	case 2:
		if (n < 2)
			return NO_TICK;
		r = d % n;
		return r < n - 1 ? T + (n - 1 - r) : T + 1;
	default: {
		if (n < 2)
			return NO_TICK;
		uint32_t h = (n + 1) / 2;
		r = (d + v->phase) % n;
		return r < h ? T + (h - r) : T + (n - r);
	}
	}
}

static uint64_t next_edge_tick_view(const struct pit_channel *c, const struct view *v, uint64_t T)
{
	uint64_t k = view_next_tick(c, v, T);
	if (!c->pend || T >= c->pend_tick || k < c->pend_tick)
		return k;
	uint64_t s = c->pend_tick;
	struct view before = view_at(c, s - 1), after = view_at(c, s);
	if (view_out(c, &before, s - 1) != view_out(c, &after, s))
		return s;
	return view_next_tick(c, &after, s);
}

static uint64_t next_edge_tick(const struct pit_channel *c, uint64_t T)
{
	struct view v = view_at(c, T);
	return next_edge_tick_view(c, &v, T);
}

static bool null_count_at(const struct pit_channel *c, uint64_t T)
{
	return c->null_count && !(c->pend && T >= c->pend_tick);
}

/* Apply a scheduled load that is due by T. */
static void settle(struct pit_channel *c, uint64_t T)
{
	if (!c->pend || T < c->pend_tick)
		return;
	c->pend = 0;
	c->null_count = 0;
	c->tc = 0;
	if (c->pend_run) {
		c->running = 1;
		c->paused = 0;
		c->load_tick = c->pend_tick;
		c->count = c->pend_count;
		c->phase = c->pend_phase;
	} else {
		c->running = 0;
		c->paused = 1;
		c->hold = c->pend_count;
	}
}

/* Stop the CE where it is at T (OUT keeps its level). */
static void freeze(struct pit_channel *c, uint64_t T)
{
	if (!c->running)
		return;
	struct view v = view_at(c, T);
	c->hold = view_ce(c, &v, T);
	c->out = view_out(c, &v, T);
	if (c->mode != 2 && c->mode != 3)
		c->tc = v.tc || T - v.load >= v.count;
	c->running = 0;
}

static void schedule(struct pit_channel *c, uint64_t tick, uint32_t count,
		     uint32_t phase, bool run)
{
	c->pend = 1;
	c->pend_tick = tick;
	c->pend_count = count;
	c->pend_phase = phase;
	c->pend_run = run;
}

/* The count register was completed at tick T (DS "Mode definitions"). */
static void count_written(struct pit_channel *c, uint64_t T)
{
	switch (c->mode) {
	case 0:
	case 4:
		/* Loaded on the next CLK; a running count is replaced (restart).
		 * With GATE low the CE is loaded but does not count. */
		c->paused = 0;
		schedule(c, T + 1, c->cr, 0, c->gate);
		break;
	case 2:
	case 3:
		if (c->running) {
			/* DS W5: "writing a new count while counting does not
			 * affect the current counting sequence": mode 2 loads
			 * it at the end of the period, mode 3 at the end of the
			 * current half-cycle. */
			struct view v = view_at(c, T);
			uint64_t d = T - v.load;
			uint32_t n = v.count;
			if (c->mode == 2) {
				schedule(c, T + (n - d % n), c->cr, 0, true);
			} else {
				uint32_t h = (n + 1) / 2;
				uint64_t r = (d + v.phase) % n;
				/* High half ends: the new count starts with its
				 * low half, phase ceil(N/2) reduced mod N: for
				 * N = 1 (no low half) that is 0, the only phase
				 * a count of 1 has (the loader checks phase < N). */
				if (r < h)
					schedule(c, T + (h - r), c->cr, (c->cr + 1) / 2 % c->cr, true);
				else
					schedule(c, T + (n - r), c->cr, 0, true);
			}
		} else if (c->gate) {
			schedule(c, T + 1, c->cr, 0, true);
		}
		/* GATE low: the count waits in CR for the GATE rising edge. */
		break;
	default:
		/* Modes 1/5 load only on a trigger; a trigger already in flight
		 * (load on this CLK) takes the newest count. */
		if (c->pend)
			c->pend_count = c->cr;
		break;
	}
}

static void set_gate(struct pit_channel *c, uint64_t T, bool g)
{
	settle(c, T);
	if (g == (bool)c->gate)
		return;
	c->gate = g;
	switch (c->mode) {
	case 0:
	case 4:
		/* DS: GATE low disables counting, no effect on OUT. */
		if (!g) {
			if (c->running) {
				freeze(c, T);
				c->paused = 1;
			}
			if (c->pend)
				c->pend_run = 0;
		} else if (c->pend) {
			c->pend_run = 1;
		} else if (c->paused) {
			c->paused = 0;
			c->running = 1;
			c->load_tick = T;
			c->count = c->hold;
			c->phase = 0;
		}
		break;
	case 2:
	case 3:
		/* DS: GATE low stops counting and sets OUT high at once; the
		 * rising edge reloads the count register on the next CLK. */
		if (!g) {
			freeze(c, T);
			c->out = 1;
			c->pend = 0;
		} else if (c->cr_valid) {
			schedule(c, T + 1, c->cr, 0, true);
		}
		break;
	default:
		/* Modes 1/5: the rising edge is the trigger (retriggerable). */
		if (g && c->cr_valid)
			schedule(c, T + 1, c->cr, 0, true);
		break;
	}
}

static void latch_count(struct pit_channel *c, uint64_t T)
{
	/* DS: further latches are ignored until the latched count is read. */
	if (c->latch_bytes)
		return;
	struct view v = view_at(c, T);
	c->latch = encode(c, view_ce(c, &v, T));
	c->latch_bytes = rw_of(c) == CW_RW_WORD ? 2 : 1;
}

static uint8_t status_byte(const struct pit_channel *c, uint64_t T)
{
	struct view v = view_at(c, T);
	return (uint8_t)((view_out(c, &v, T) ? ST_OUT : 0) |
			 (null_count_at(c, T) ? ST_NULL : 0) | c->control);
}

static void latch_status(struct pit_channel *c, uint64_t T)
{
	if (c->status_latched)
		return;
	c->status = status_byte(c, T);
	c->status_latched = 1;
}

static void program(struct pit_channel *c, uint64_t T, uint8_t cw)
{
	freeze(c, T);
	c->control = cw & 0x3f;
	c->mode = decode_mode(c->control);
	/* DS C3: flip-flops reset, NULL COUNT set, OUT to its initial level,
	 * counting stops until a count is written, a pending count latch is
	 * released ("until it is read or the counter is reprogrammed"). A
	 * latched status is kept: the DS releases it only by reading. */
	c->wr_msb = 0;
	c->rd_msb = 0;
	c->latch_bytes = 0;
	c->null_count = 1;
	c->cr_valid = 0;
	c->pend = 0;
	c->paused = 0;
	c->tc = 0;
	c->out = c->mode != 0;
}

static void write_control(struct pit *p, uint64_t T, uint8_t v)
{
	unsigned sc = v >> 6;
	if (sc == CW_SC_READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			struct pit_channel *c = &p->ch[i];
			settle(c, T);
			if (!(v & RB_NOT_COUNT))
				latch_count(c, T);
			if (!(v & RB_NOT_STATUS))
				latch_status(c, T);
		}
		return;
	}
	struct pit_channel *c = &p->ch[sc];
	settle(c, T);
	if (((v >> 4) & 3u) == CW_RW_LATCH) {
		latch_count(c, T);
	} else if (p->cw_keeps_counting && c->running && decode_mode(v & 0x3f) == c->mode &&
		   (v & 1u) == (c->control & 1u)) {
		/* Variant (checklist C3, QEMU/KVM): the counter keeps counting
		 * its old count until the next count write; only the access
		 * state is reset. Another mode or BCD setting still stops it:
		 * running the old waveform under a new mode needs state the
		 * model does not keep. */
		c->control = v & 0x3f;
		c->wr_msb = 0;
		c->rd_msb = 0;
		c->latch_bytes = 0;
		c->null_count = 1;
	} else {
		program(c, T, v);
	}
}

static void write_count(struct pit_channel *c, uint64_t T, uint8_t v)
{
	unsigned rw = rw_of(c);
	uint16_t raw;
	settle(c, T);
	if (c->mode == 0 && (rw != CW_RW_WORD || !c->wr_msb)) {
		/* DS mode 0 (W4): writing the first byte disables counting
		 * and OUT goes low at once; a one-byte count is its own first
		 * byte. */
		freeze(c, T);
		c->out = 0;
		c->pend = 0;
		c->paused = 0;
	}
	c->null_count = 1;
	switch (rw) {
	case CW_RW_LSB:
		raw = v;
		break;
	case CW_RW_MSB:
		raw = (uint16_t)(v << 8);
		break;
	default:
		if (!c->wr_msb) {
			c->wr_lsb = v;
			c->wr_msb = 1;
			return;
		}
		c->wr_msb = 0;
		raw = (uint16_t)(c->wr_lsb | v << 8);
		break;
	}
	c->cr = effective_count(c, raw);
	c->cr_valid = 1;
	count_written(c, T);
}

static uint8_t read_count(struct pit_channel *c, uint64_t T)
{
	unsigned rw = rw_of(c);
	uint16_t v;
	settle(c, T);
	if (c->status_latched) { /* DS read-back: status comes first */
		c->status_latched = 0;
		return c->status;
	}
	if (c->latch_bytes) {
		v = c->latch;
		bool msb = rw == CW_RW_MSB || (rw == CW_RW_WORD && c->latch_bytes == 1);
		c->latch_bytes--;
		return (uint8_t)(msb ? v >> 8 : v);
	}
	struct view w = view_at(c, T);
	v = encode(c, view_ce(c, &w, T));
	if (rw == CW_RW_LSB)
		return (uint8_t)v;
	if (rw == CW_RW_MSB)
		return (uint8_t)(v >> 8);
	c->rd_msb ^= 1;
	return (uint8_t)(c->rd_msb ? v : v >> 8);
}

void pit_init(struct pit *p, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	pit_reset(p, now);
}

void pit_reset(struct pit *p, uint64_t now)
{
	(void)now;
	uint8_t variant = p->cw_keeps_counting; /* a model setting, not chip state */
	memset(p, 0, sizeof(*p));
	p->cw_keeps_counting = variant;
	for (unsigned i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];
		/* Power-on (DS: undefined): as if control word 0x36 (LSB/MSB,
		 * mode 3, binary) had been written and no count yet: not
		 * counting, OUT high, NULL COUNT set, CE 0. OUT high is the
		 * level a PC's firmware leaves (mode 3), so an OS programming
		 * mode 2/3 sees no spurious IRQ0 edge and mode 0 drops OUT as
		 * on a real board (docs/chips-pit.md, Z1). */
		c->control = 0x36;
		c->mode = 3;
		c->out = 1;
		c->null_count = 1;
		c->gate = i != 2;
	}
	p->port61 = 0;
}

bool pit_owns_port(uint16_t port)
{
	return (port >= PIT_PORT_CH0 && port <= PIT_PORT_CTRL) || port == PIT_PORT_61;
}

bool pit_write_moves_ch0(uint16_t port, uint8_t value)
{
	if (port == PIT_PORT_CH0)
		return true;
	/* SC = 0 and RW != 00: a mode/count setup of counter 0 (DS "Write
	 * operations"); RW = 00 is the counter latch command, SC = 3 read-back */
	return port == PIT_PORT_CTRL && (value >> 6) == 0 && ((value >> 4) & 3u) != CW_RW_LATCH;
}

void pit_park_ch0(uint16_t *port, uint8_t *value)
{
	*port = PIT_PORT_CTRL;
	*value = 0x30; /* SC=0, RW=LSB then MSB, mode 0, binary */
}

void pit_stop_ch0(struct pit *p, uint64_t now)
{
	set_gate(&p->ch[0], pit_ticks_at(now), false);
}

void pit_write(struct pit *p, uint64_t now, uint16_t port, uint8_t value)
{
	uint64_t T = pit_ticks_at(now);
	if (port == PIT_PORT_61) {
		p->port61 = value & (P61_GATE2 | P61_SPK | P61_STORED);
		set_gate(&p->ch[2], T, value & P61_GATE2);
	} else if (port == PIT_PORT_CTRL) {
		write_control(p, T, value);
	} else if (port >= PIT_PORT_CH0 && port < PIT_PORT_CTRL) {
		write_count(&p->ch[port - PIT_PORT_CH0], T, value);
	}
}

uint8_t pit_read(struct pit *p, uint64_t now, uint16_t port)
{
	uint64_t T = pit_ticks_at(now);
	if (port == PIT_PORT_61) {
		uint8_t v = p->port61 & (P61_GATE2 | P61_SPK | P61_STORED);
		if ((T / PIT_REFRESH_TICKS) & 1)
			v |= P61_REFRESH;
		if (pit_out(p, 2, now))
			v |= P61_OUT2;
		return v;
	}
	if (port >= PIT_PORT_CH0 && port < PIT_PORT_CTRL)
		return read_count(&p->ch[port - PIT_PORT_CH0], T);
	/* 0x43 is write-only: nothing drives the bus, it floats high. */
	return 0xff;
}

bool pit_out(const struct pit *p, unsigned ch, uint64_t now)
{
	if (ch >= 3)
		return false;
	uint64_t T = pit_ticks_at(now);
	struct view v = view_at(&p->ch[ch], T);
	return view_out(&p->ch[ch], &v, T);
}

uint64_t pit_next_edge(const struct pit *p, unsigned ch, uint64_t now)
{
	if (ch >= 3)
		return UINT64_MAX;
	uint64_t k = next_edge_tick(&p->ch[ch], pit_ticks_at(now));
	return k == NO_TICK ? UINT64_MAX : pit_tick_time(k);
}

bool pit_out_next_edge(const struct pit *p, unsigned ch, uint64_t now, uint64_t *next)
{
	if (ch >= 3) {
		*next = UINT64_MAX;
		return false;
	}
	const struct pit_channel *c = &p->ch[ch];
	uint64_t T = pit_ticks_at(now), k;
	bool out;
	if (!c->pend && c->running && (c->mode == 2 || c->mode == 3) && c->count >= 2) {
		/* A periodic counter with no load scheduled (every tick of a
		 * timer interrupt): view_out and view_next_tick of modes 2
		 * and 3, one position in the period for both. */
		uint64_t d = T - c->load_tick, r;
		uint32_t n = c->count;
		if (c->mode == 2) {
			r = d % n;
			out = r != n - 1;
			k = r < n - 1 ? T + (n - 1 - r) : T + 1;
		} else {
			uint32_t h = (n + 1) / 2;
			r = (d + c->phase) % n;
			out = r < h;
			k = r < h ? T + (h - r) : T + (n - r);
		}
	} else {
		struct view v = view_at(c, T);
		k = next_edge_tick_view(c, &v, T);
		out = view_out(c, &v, T);
	}
	*next = k == NO_TICK ? UINT64_MAX : pit_tick_time(k);
	return out;
}

bool pit_periodic(const struct pit *p, unsigned ch, uint64_t now, uint32_t *low, uint32_t *high)
{
	if (ch >= 3)
		return false;
	const struct pit_channel *c = &p->ch[ch];
	uint64_t T = pit_ticks_at(now);
	/* a load still to come changes the period; one already due is the
	 * counter's segment from its tick on (view_at) */
	if (c->pend && T < c->pend_tick)
		return false;
	struct view v = view_at(c, T);
	if (!v.running || (c->mode != 2 && c->mode != 3) || v.count < 2)
		return false;
	uint32_t n = v.count;
	if (c->mode == 2) {
		/* OUT low for the one tick at position n - 1 of the period */
		*low = 1;
		*high = n - 1;
	} else {
		/* high for positions 0 .. h - 1, low for h .. n - 1 */
		uint32_t h = (n + 1) / 2;
		*low = n - h;
		*high = h;
	}
	return true;
}

/* ---- saved state ---- */

static bool flag_ok(uint8_t v)
{
	return v <= 1;
}

static const char *channel_invalid(const struct pit_channel *c, unsigned i, uint8_t port61)
{
	uint64_t max_tick = pit_ticks_at(UINT64_MAX);
	if (c->control > 0x3f || rw_of(c) == CW_RW_LATCH)
		return "pit: bad control word";
	if (c->mode != decode_mode(c->control))
		return "pit: mode does not match control word";
	if (!flag_ok(c->wr_msb) || !flag_ok(c->rd_msb) || !flag_ok(c->status_latched) ||
	    !flag_ok(c->gate) || !flag_ok(c->null_count) || !flag_ok(c->cr_valid) ||
	    !flag_ok(c->running) || !flag_ok(c->paused) || !flag_ok(c->tc) ||
	    !flag_ok(c->out) || !flag_ok(c->pend) || !flag_ok(c->pend_run) || c->pad)
		return "pit: bad flag";
	if (c->latch_bytes > (rw_of(c) == CW_RW_WORD ? 2 : 1))
		return "pit: bad latch state";
	/* channel 0's GATE is low only when stopped by a fault (pit_stop_ch0) */
	if (i == 0 ? c->gate > 1 : c->gate != (i == 2 ? (port61 & P61_GATE2) : 1))
		return "pit: bad gate";
	uint32_t m = modulus(c);
	/* CVE-2015-7513: a count of 0 must never reach the arithmetic. */
	if (c->cr_valid ? c->cr < 1 || c->cr > m : c->cr > 0x10000)
		return "pit: bad count register";
	if (c->hold > 0x10000)
		return "pit: bad counter value";
	if (c->running) {
		bool residual = c->tc && c->mode != 2 && c->mode != 3;
		if (residual ? c->count >= m : c->count < 1 || c->count > m)
			return "pit: bad count";
		if (c->mode == 3 ? c->phase >= c->count : c->phase != 0)
			return "pit: bad phase";
		if (c->load_tick > max_tick || c->paused)
			return "pit: bad running state";
	}
	if (c->paused && ((c->mode != 0 && c->mode != 4) ||
			  (c->tc ? c->hold >= m : c->hold < 1 || c->hold > m)))
		return "pit: bad paused state";
	if (c->pend) {
		if (c->pend_count < 1 || c->pend_count > m)
			return "pit: bad pending count";
		if (c->mode == 3 ? c->pend_phase >= c->pend_count : c->pend_phase != 0)
			return "pit: bad pending phase";
		/* A load is scheduled at most a full count after the tick it
		 * was written in (DS W5: modes 2/3 wait for the end of the
		 * period or half-cycle; otherwise the next CLK), so one written
		 * near UINT64_MAX ns may lie up to m ticks past max_tick:
		 * legal, it just never comes. */
		if (c->pend_tick > max_tick + m || c->pend_tick == 0 ||
		    (!c->pend_run && c->mode != 0 && c->mode != 4))
			return "pit: bad pending load";
	}
	return NULL;
}

static void serialize_channel(struct pit_channel *c, struct ser *s)
{
	ser_u8(s, &c->control);
	ser_u8(s, &c->mode);
	ser_u8(s, &c->wr_msb);
	ser_u8(s, &c->wr_lsb);
	ser_u8(s, &c->rd_msb);
	ser_u8(s, &c->latch_bytes);
	ser_u16(s, &c->latch);
	ser_u8(s, &c->status_latched);
	ser_u8(s, &c->status);
	ser_u8(s, &c->gate);
	ser_u8(s, &c->null_count);
	ser_u8(s, &c->cr_valid);
	ser_u8(s, &c->running);
	ser_u8(s, &c->paused);
	ser_u8(s, &c->tc);
	ser_u8(s, &c->out);
	ser_u8(s, &c->pend);
	ser_u8(s, &c->pend_run);
	ser_u32(s, &c->cr);
	ser_u32(s, &c->count);
	ser_u32(s, &c->phase);
	ser_u32(s, &c->hold);
	ser_u32(s, &c->pend_count);
	ser_u32(s, &c->pend_phase);
	ser_u64(s, &c->load_tick);
	ser_u64(s, &c->pend_tick);
}

void pit_serialize(struct pit *p, struct ser *s)
{
	/* Work on a copy: saving never writes *p, and a rejected load leaves
	 * *p untouched. */
	struct pit tmp = *p;
	uint8_t version = p->cw_keeps_counting ? PIT_STATE_VERSION_VARIANTS : PIT_STATE_VERSION;
	if (s->load)
		memset(&tmp, 0, sizeof(tmp));
	ser_u8(s, &version);
	if (s->load && !s->err && version != PIT_STATE_VERSION &&
	    version != PIT_STATE_VERSION_VARIANTS)
		ser_invalid(s, "pit: unknown state version");
	for (unsigned i = 0; i < 3; i++)
		serialize_channel(&tmp.ch[i], s);
	ser_u8(s, &tmp.port61);
	if (version == PIT_STATE_VERSION_VARIANTS)
		ser_u8(s, &tmp.cw_keeps_counting);
	if (!s->load || s->err)
		return;
	if (tmp.cw_keeps_counting > 1) {
		ser_invalid(s, "pit: bad variant flag");
		return;
	}
	if (tmp.port61 & ~(P61_GATE2 | P61_SPK | P61_STORED)) {
		ser_invalid(s, "pit: bad port 0x61 value");
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		const char *why = channel_invalid(&tmp.ch[i], i, tmp.port61);
		if (why) {
			ser_invalid(s, why);
			return;
		}
	}
	*p = tmp;
}

/* ---- debug dump ---- */

static const char *const rw_names[4] = { "latch", "lsb", "msb", "lsb/msb" };

void pit_print(const struct pit *p, uint64_t now, FILE *f)
{
	uint64_t T = pit_ticks_at(now);
	fprintf(f, "pit: t=%llu tick=%llu port61=0x%02x\n", (unsigned long long)now,
		(unsigned long long)T, p->port61);
	for (unsigned i = 0; i < 3; i++) {
		const struct pit_channel *c = &p->ch[i];
		struct view v = view_at(c, T);
		uint64_t e = pit_next_edge(p, i, now);
		fprintf(f, "  ch%u: cw=0x%02x mode=%u rw=%s %s cr=", i, c->control,
			(unsigned)c->mode, rw_names[rw_of(c)], is_bcd(c) ? "bcd" : "bin");
		if (c->cr_valid)
			fprintf(f, "%lu", (unsigned long)c->cr);
		else
			fprintf(f, "-");
		fprintf(f, " ce=0x%04x out=%d gate=%d null=%d %s\n",
			encode(c, view_ce(c, &v, T)), view_out(c, &v, T), c->gate,
			null_count_at(c, T),
			v.running ? "counting" : (c->paused || (c->pend && T >= c->pend_tick)) ?
			"paused" : "stopped");
		fprintf(f, "       load_tick=%llu count=%lu phase=%lu",
			(unsigned long long)c->load_tick, (unsigned long)c->count,
			(unsigned long)c->phase);
		if (c->pend)
			fprintf(f, " pending=%lu@%llu%s", (unsigned long)c->pend_count,
				(unsigned long long)c->pend_tick, c->pend_run ? "" : "(paused)");
		if (c->latch_bytes)
			fprintf(f, " latch=0x%04x/%u", c->latch, (unsigned)c->latch_bytes);
		if (c->status_latched)
			fprintf(f, " status=0x%02x", c->status);
		if (e == UINT64_MAX)
			fprintf(f, " next_edge=never\n");
		else
			fprintf(f, " next_edge=%llu\n", (unsigned long long)e);
	}
}
