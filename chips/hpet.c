/* SPDX-License-Identifier: MIT */
/*
 * IA-PC HPET 1.0a, as a pure function of its inputs (docs/chips-hpet.md).
 *
 * Time model: the counter clock ticks on an absolute grid (tick k at
 * hpet_tick_time(k)); while ENABLE_CNF is set the main counter at tick k is
 * offset + k (mod 2^64), while it is clear the counter holds `counter`.
 * Each timer's comparator is kept as of tick `settled`; every access first
 * settles the matches in (settled, now]: a match is a tick at which the
 * counter (its low 32 bits for a timer in 32-bit mode) becomes equal to the
 * comparator (spec 2.3.9.2). Between accesses nothing changes but time, so
 * the next match and the number of matches in a window are closed forms:
 * matches recur every D ticks, D = the period (mod 2^32 in 32-bit mode) for
 * a periodic timer, 2^32 for a 32-bit one-shot, never for a 64-bit one-shot.
 */
#include "hpet.h"

#include <string.h>

#define NEVER UINT64_MAX
#define NS_PER_S 1000000000u
#define HPET_STATE_VERSION 2u /* 2: the variants D2/D3 and their per-timer state */
#define TIMERS_MASK ((1u << HPET_TIMERS) - 1u)
#define HPET_VENDOR 0x8086u
#define HPET_REV 0x01u
/* Storm cap (decision, docs/chips-hpet.md): one timer delivers at most one
 * edge/FSB interrupt per 10 us of virtual time; matches in between still
 * move a periodic comparator on, their interrupts coalesce into the next. */
#define STORM_NS 10000u

/* Per-timer capabilities (Tn_CONF_CAP read-only bits). */
static const uint64_t timer_caps[HPET_TIMERS] = {
	HPET_TN_PER_CAP | HPET_TN_SIZE_CAP | HPET_TN_FSB_CAP,
	HPET_TN_FSB_CAP,
	HPET_TN_SIZE_CAP,
};

/* ---- the counter clock ---- */

uint64_t hpet_hz(enum hpet_clock c)
{
	return c == HPET_CLOCK_14MHZ ? 14318180u : 100000000u;
}

uint32_t hpet_period_fs(enum hpet_clock c)
{
	/* 10^15 / F: exact at 100 MHz; ICH datasheets give 0x0429B17F for
	 * 14.31818 MHz (69841279.4 fs truncated) */
	return c == HPET_CLOCK_14MHZ ? 69841279u : 10000000u;
}

uint64_t hpet_ticks_at(enum hpet_clock c, uint64_t t)
{
	uint64_t f = hpet_hz(c), s = t / NS_PER_S, r = t % NS_PER_S;
	return s * f + r * f / NS_PER_S;
}

uint64_t hpet_tick_time(enum hpet_clock c, uint64_t k)
{
	uint64_t f = hpet_hz(c), s = k / f, r = k % f;
	if (s > UINT64_MAX / NS_PER_S)
		return UINT64_MAX;
	uint64_t base = s * NS_PER_S, frac = (r * NS_PER_S + f - 1) / f;
	return frac > UINT64_MAX - base ? UINT64_MAX : base + frac;
}

static uint64_t storm_ticks(const struct hpet *h)
{
	uint64_t f = hpet_hz((enum hpet_clock)h->clock);
	return ((uint64_t)STORM_NS * f + NS_PER_S - 1) / NS_PER_S;
}

/* ---- state questions ---- */

static bool running(const struct hpet *h)
{
	return h->conf & HPET_ENABLE_CNF;
}

bool hpet_legacy(const struct hpet *h)
{
	return h->conf & HPET_LEG_RT_CNF;
}

static uint64_t counter_at(const struct hpet *h, uint64_t k)
{
	return running(h) ? h->offset + k : h->counter;
}

/* The comparator's width: 32 bits for a 32-bit timer or one in 32MODE. */
static uint64_t width_mask(const struct hpet *h, unsigned n)
{
	if (!(timer_caps[n] & HPET_TN_SIZE_CAP) || (h->t[n].conf & HPET_TN_32MODE))
		return 0xffffffffu;
	return UINT64_MAX;
}

static bool periodic(const struct hpet *h, unsigned n)
{
	return h->t[n].conf & HPET_TN_TYPE;
}

static bool level_type(const struct hpet *h, unsigned n)
{
	return h->t[n].conf & HPET_TN_INT_TYPE;
}

enum hpet_route_kind hpet_route(const struct hpet *h, unsigned n, unsigned *gsi)
{
	uint64_t c = h->t[n].conf;
	/* spec 2.3.7: with LEG_RT_CNF the routing bits of timers 0 and 1
	 * (APIC or FSB) have no effect */
	if (hpet_legacy(h) && n < 2) {
		*gsi = n == 0 ? 0 : 8;
		return HPET_ROUTE_GSI;
	}
	if ((c & HPET_TN_FSB_EN) && (timer_caps[n] & HPET_TN_FSB_CAP))
		return HPET_ROUTE_FSB;
	unsigned r = (unsigned)(c & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT;
	if (!((HPET_ROUTE_CAP >> r) & 1u))
		return HPET_ROUTE_NONE;
	*gsi = r;
	return HPET_ROUTE_GSI;
}

bool hpet_line(const struct hpet *h, unsigned n)
{
	unsigned gsi;
	if (n >= HPET_TIMERS || !running(h) || !(h->t[n].conf & HPET_TN_INT_ENB) || !level_type(h, n))
		return false;
	return ((h->isr >> n) & 1u) && hpet_route(h, n, &gsi) != HPET_ROUTE_FSB;
}

/* An enabled timer whose match is an event of its own: an edge, or an FSB
 * message (always one message per match). */
static bool pulses(const struct hpet *h, unsigned n)
{
	unsigned gsi;
	if (!running(h) || !(h->t[n].conf & HPET_TN_INT_ENB))
		return false;
	return !level_type(h, n) || hpet_route(h, n, &gsi) == HPET_ROUTE_FSB;
}

void hpet_fsb_msg(const struct hpet *h, unsigned n, uint32_t *addr, uint32_t *data)
{
	*addr = (uint32_t)(h->t[n].fsb >> 32);
	*data = (uint32_t)h->t[n].fsb;
}

/* ---- matches ---- */

/* Ticks between matches once one happened; 0: never again (within 2^64). */
static uint64_t match_step(const struct hpet *h, unsigned n)
{
	uint64_t m = width_mask(h, n);
	if (periodic(h, n))
		return m == UINT64_MAX ? h->t[n].period : ((h->t[n].period - 1) & m) + 1;
	return m == UINT64_MAX ? 0 : m + 1;
}

/* First tick > kd at which timer n matches, NEVER if none. */
static uint64_t first_match(const struct hpet *h, unsigned n, uint64_t kd)
{
	if (!running(h))
		return NEVER;
	uint64_t m = width_mask(h, n);
	/* in (0, 2^w]; 0 when a 64-bit comparator equals the counter now:
	 * the next match is 2^64 ticks away */
	uint64_t delta = ((h->t[n].cmp - (h->offset + kd) - 1) & m) + 1;
	if (delta == 0 || delta > NEVER - 1 - kd)
		return NEVER;
	return kd + delta;
}

/* First match >= x, given the first match m1 after `settled`. */
static uint64_t match_at_or_after(const struct hpet *h, unsigned n, uint64_t m1, uint64_t x)
{
	if (m1 == NEVER || m1 >= x)
		return m1;
	uint64_t d = match_step(h, n);
	if (d == 0)
		return NEVER;
	uint64_t steps = (x - m1 + d - 1) / d;
	if (steps > (NEVER - 1 - m1) / d)
		return NEVER;
	return m1 + steps * d;
}

/* ---- the QEMU variants' extra events (docs/chips-hpet.md D2, D3) ---- */

/* First tick > kd at which the counter's low 32 bits are 0xffffffff: the
 * end of QEMU's wrap_diff (0xffffffff - counter). */
static uint64_t wrap_tick(const struct hpet *h, uint64_t kd)
{
	uint64_t delta = ((0xffffffffu - (h->offset + kd) - 1) & 0xffffffffu) + 1;
	return delta > NEVER - 1 - kd ? NEVER : kd + delta;
}

/* Tick of timer n's extra event (the wrap or the forced match), NEVER if
 * none is armed. */
static uint64_t extra_event(const struct hpet *h, unsigned n)
{
	const struct hpet_timer *t = &h->t[n];
	if (!running(h))
		return NEVER;
	uint64_t e = NEVER;
	if (t->forced)
		e = t->force_at;
	if (t->wrap_armed) {
		uint64_t w = wrap_tick(h, h->settled);
		if (w < e)
			e = w;
	}
	return e;
}

/* Re-arm timer n's variant events at tick k, as QEMU does whenever it
 * (re)programs a timer: a comparator or configuration write, the counter
 * enabled. qemu_wrap: a 32-bit one-shot whose wrap comes before its match
 * gets an interrupt at the wrap. qemu_past: a one-shot whose comparator is
 * at or behind the counter (signed difference, QEMU's) fires at k + 1. */
static void arm_variants(struct hpet *h, unsigned n, uint64_t k)
{
	struct hpet_timer *t = &h->t[n];
	t->wrap_armed = 0;
	t->forced = 0;
	t->force_at = 0;
	if (!running(h) || periodic(h, n))
		return;
	uint64_t m = width_mask(h, n);
	if (h->qemu_wrap && m != UINT64_MAX && wrap_tick(h, k) < first_match(h, n, k))
		t->wrap_armed = 1;
	if (h->qemu_past && k < NEVER - 1) {
		uint64_t diff = (t->cmp - (h->offset + k)) & m;
		bool behind = m == UINT64_MAX ? (int64_t)diff <= 0 : (int32_t)(uint32_t)diff <= 0;
		if (behind) {
			t->forced = 1;
			t->force_at = k + 1;
		}
	}
}

static void arm_all(struct hpet *h, uint64_t k)
{
	for (unsigned n = 0; n < HPET_TIMERS; n++)
		arm_variants(h, n, k);
}

/* The tick of timer n's next delivered pulse (storm cap applied). */
static uint64_t next_pulse(const struct hpet *h, unsigned n)
{
	if (!pulses(h, n))
		return NEVER;
	uint64_t m1 = first_match(h, n, h->settled), e = extra_event(h, n);
	const struct hpet_timer *t = &h->t[n];
	if (t->fired) {
		uint64_t cap = storm_ticks(h);
		uint64_t x = t->last_fire > NEVER - cap ? NEVER : t->last_fire + cap;
		m1 = match_at_or_after(h, n, m1, x);
	}
	return e < m1 ? e : m1;
}

/* Apply the matches in (settled, k]; returns the timers pulsing at k. */
static unsigned settle(struct hpet *h, uint64_t k)
{
	unsigned fired = 0;
	if (k <= h->settled) {
		return 0;
	}
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		struct hpet_timer *t = &h->t[n];
		uint64_t m1 = first_match(h, n, h->settled), e = extra_event(h, n);
		if (e <= k) {
			/* a variant's extra event: an interrupt like a match's,
			 * the comparator untouched; no storm-cap bookkeeping (the
			 * real match may follow within a tick) */
			if (e == k && pulses(h, n))
				fired |= 1u << n;
			if (level_type(h, n))
				h->isr |= 1u << n;
			t->wrap_armed = 0;
			t->forced = 0;
			t->force_at = 0;
		}
		if (m1 > k)
			continue;
		if (next_pulse(h, n) == k) {
			fired |= 1u << n;
			t->fired = 1;
			t->last_fire = k;
		}
		uint64_t d = match_step(h, n), count = d ? 1 + (k - m1) / d : 1;
		if (periodic(h, n))
			t->cmp = (t->cmp + count * t->period) & width_mask(h, n);
		/* spec 2.3.8 Tn_INT_ENB_CNF: a disabled timer still sets its
		 * status; GINTR_STA: level mode only */
		if (level_type(h, n))
			h->isr |= 1u << n;
	}
	h->settled = k;
	return fired;
}

unsigned hpet_advance(struct hpet *h, uint64_t now)
{
	uint64_t k = hpet_ticks_at((enum hpet_clock)h->clock, now);
	unsigned fired = settle(h, k);
	if (k > h->settled)
		h->settled = k;
	return fired;
}

uint64_t hpet_next_event(const struct hpet *h, uint64_t now)
{
	uint64_t best = NEVER;
	(void)now; /* the schedule is a function of the state as of `settled` */
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		uint64_t k = next_pulse(h, n);
		/* a level timer changes its line at its first match while its
		 * status is clear; later matches change nothing visible */
		if (k == NEVER && hpet_line(h, n) == false && level_type(h, n) &&
		    (h->t[n].conf & HPET_TN_INT_ENB) && !((h->isr >> n) & 1u)) {
			unsigned gsi;
			if (hpet_route(h, n, &gsi) != HPET_ROUTE_FSB) {
				uint64_t e = extra_event(h, n);
				k = first_match(h, n, h->settled);
				if (e < k)
					k = e;
			}
		}
		if (k < best)
			best = k;
	}
	return best == NEVER ? NEVER : hpet_tick_time((enum hpet_clock)h->clock, best);
}

/* ---- reset ---- */

static void timers_reset(struct hpet *h)
{
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		memset(&h->t[n], 0, sizeof(h->t[n]));
		/* spec 2.3.9: the comparators reset to all ones */
		h->t[n].cmp = width_mask(h, n);
		h->t[n].period = 0;
	}
}

void hpet_init(struct hpet *h, enum hpet_clock clock)
{
	memset(h, 0, sizeof(*h));
	h->clock = (uint8_t)clock;
	timers_reset(h);
}

void hpet_reset(struct hpet *h)
{
	uint8_t clock = h->clock, one_write = h->val_set_one_write;
	uint8_t wrap = h->qemu_wrap, past = h->qemu_past;
	memset(h, 0, sizeof(*h));
	h->clock = clock;
	h->val_set_one_write = one_write;
	h->qemu_wrap = wrap;
	h->qemu_past = past;
	timers_reset(h);
}

/* ---- registers ---- */

static uint64_t gcap_id(const struct hpet *h)
{
	return HPET_REV | (uint64_t)(HPET_TIMERS - 1) << 8 | 1u << 13 /* COUNT_SIZE_CAP */ |
	       1u << 15 /* LEG_RT_CAP */ | (uint64_t)HPET_VENDOR << 16 |
	       (uint64_t)hpet_period_fs((enum hpet_clock)h->clock) << 32;
}

static uint64_t timer_conf_read(const struct hpet *h, unsigned n)
{
	return h->t[n].conf | timer_caps[n] | (uint64_t)HPET_ROUTE_CAP << 32;
}

/* Bits (shift, mask) of a register an access covers. */
struct span {
	unsigned shift;
	uint64_t mask;
};

static uint64_t deposit(uint64_t old, struct span s, uint64_t v)
{
	return (old & ~s.mask) | ((v << s.shift) & s.mask);
}

static void write_gen_conf(struct hpet *h, uint64_t k, uint64_t v)
{
	uint64_t old = h->conf, now = v & (HPET_ENABLE_CNF | HPET_LEG_RT_CNF);
	if (!(old & HPET_ENABLE_CNF) && (now & HPET_ENABLE_CNF))
		h->offset = h->counter - k;
	else if ((old & HPET_ENABLE_CNF) && !(now & HPET_ENABLE_CNF))
		h->counter = h->offset + k;
	h->conf = now;
}

static void write_timer_conf(struct hpet *h, unsigned n, uint64_t v)
{
	struct hpet_timer *t = &h->t[n];
	uint64_t caps = timer_caps[n], old = t->conf;
	uint64_t wr = HPET_TN_INT_TYPE | HPET_TN_INT_ENB;
	if (caps & HPET_TN_PER_CAP)
		wr |= HPET_TN_TYPE | HPET_TN_VAL_SET;
	if (caps & HPET_TN_SIZE_CAP)
		wr |= HPET_TN_32MODE;
	if (caps & HPET_TN_FSB_CAP)
		wr |= HPET_TN_FSB_EN;
	uint64_t c = (old & ~wr) | (v & wr);
	/* spec: a route the timer cannot take is not stored (it reads back
	 * different from what was written) */
	unsigned r = (unsigned)(v & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT;
	if ((HPET_ROUTE_CAP >> r) & 1u)
		c = (c & ~(uint64_t)HPET_TN_ROUTE_MASK) | (v & HPET_TN_ROUTE_MASK);
	t->conf = c;
	/* level -> edge: the status bit means nothing in edge mode and the
	 * line must drop (decision, docs/chips-hpet.md) */
	if ((old & HPET_TN_INT_TYPE) && !(c & HPET_TN_INT_TYPE))
		h->isr &= ~(1ull << n);
	uint64_t m = width_mask(h, n);
	t->cmp &= m;
	t->period &= m;
}

/* Spec 2.3.9.2.2 and Tn_VAL_SET_CNF: a periodic timer's comparator write
 * sets the period ("the last value written"), and the accumulator too while
 * VAL_SET is set. VAL_SET clears once the value is complete: an 8-byte
 * write, a high-half write, or a low-half write to a 32-bit comparator. */
static void write_timer_cmp(struct hpet *h, unsigned n, struct span s, uint64_t v)
{
	struct hpet_timer *t = &h->t[n];
	uint64_t m = width_mask(h, n);
	if (!(s.mask & m))
		return; /* the high half of a 32-bit comparator */
	if (!periodic(h, n) || (t->conf & HPET_TN_VAL_SET))
		t->cmp = deposit(t->cmp, s, v) & m;
	if (periodic(h, n))
		t->period = deposit(t->period, s, v) & m;
	if (s.mask == UINT64_MAX || s.shift == 32 || m != UINT64_MAX || h->val_set_one_write)
		t->conf &= ~(uint64_t)HPET_TN_VAL_SET;
}

static void write_timer(struct hpet *h, unsigned n, unsigned reg, struct span s, uint64_t v)
{
	switch (reg) {
	case HPET_TN_CONF:
		if (s.shift == 0)
			write_timer_conf(h, n, deposit(timer_conf_read(h, n), s, v));
		break;
	case HPET_TN_CMP:
		write_timer_cmp(h, n, s, v);
		break;
	case HPET_TN_FSB:
		h->t[n].fsb = deposit(h->t[n].fsb, s, v);
		break;
	default:
		break;
	}
}

static uint64_t read_timer(const struct hpet *h, unsigned n, unsigned reg)
{
	switch (reg) {
	case HPET_TN_CONF: return timer_conf_read(h, n);
	case HPET_TN_CMP: return h->t[n].cmp;
	case HPET_TN_FSB: return h->t[n].fsb;
	default: return 0;
	}
}

/* Decode: the 8-byte register at `reg8`, and which bits an access covers.
 * Returns false for a misaligned access or a size other than 4 and 8. */
static bool decode(uint32_t offset, unsigned size, uint32_t *reg8, struct span *s)
{
	if ((size != 4 && size != 8) || offset % size || offset >= HPET_SIZE)
		return false;
	*reg8 = offset & ~7u;
	s->shift = (offset & 4u) ? 32 : 0;
	s->mask = size == 8 ? UINT64_MAX : (uint64_t)0xffffffffu << s->shift;
	return true;
}

/* Timer n and register within it, or false: timers 0..HPET_TIMERS-1 only
 * (an offset of timer HPET_TIMERS is reserved space). */
static bool timer_reg(uint32_t reg8, unsigned *n, unsigned *reg)
{
	if (reg8 < HPET_TIMER0 || reg8 >= HPET_TIMER0 + 0x20u * HPET_TIMERS)
		return false;
	*n = (reg8 - HPET_TIMER0) / 0x20u;
	*reg = (reg8 - HPET_TIMER0) % 0x20u;
	return true;
}

void hpet_write(struct hpet *h, uint64_t now, uint32_t offset, unsigned size, uint64_t value)
{
	uint32_t reg8;
	struct span s;
	unsigned n, reg;
	uint64_t k = hpet_ticks_at((enum hpet_clock)h->clock, now);
	if (!decode(offset, size, &reg8, &s))
		return;
	(void)settle(h, k); /* pulses up to now were the caller's (hpet_advance) */
	if (k > h->settled)
		h->settled = k;
	if (timer_reg(reg8, &n, &reg)) {
		write_timer(h, n, reg, s, value);
		if (reg == HPET_TN_CONF || reg == HPET_TN_CMP)
			arm_variants(h, n, k);
		return;
	}
	switch (reg8) {
	case HPET_GEN_CONF: {
		bool was = running(h);
		write_gen_conf(h, k, deposit(h->conf, s, value));
		if (running(h) != was)
			arm_all(h, k);
		break;
	}
	case HPET_GINTR_STA:
		h->isr &= ~(((value << s.shift) & s.mask) & TIMERS_MASK);
		break;
	case HPET_MAIN_CNT:
		/* spec 2.3.4: written only while halted */
		if (!running(h))
			h->counter = deposit(h->counter, s, value);
		break;
	default:
		break; /* GCAP_ID is read-only; reserved space */
	}
}

uint64_t hpet_read(struct hpet *h, uint64_t now, uint32_t offset, unsigned size)
{
	uint32_t reg8;
	struct span s;
	unsigned n, reg;
	uint64_t k = hpet_ticks_at((enum hpet_clock)h->clock, now), v = 0;
	if (!decode(offset, size, &reg8, &s))
		return size >= 8 ? UINT64_MAX : 0xffffffffu;
	(void)settle(h, k);
	if (k > h->settled)
		h->settled = k;
	if (timer_reg(reg8, &n, &reg))
		v = read_timer(h, n, reg);
	else if (reg8 == HPET_GCAP_ID)
		v = gcap_id(h);
	else if (reg8 == HPET_GEN_CONF)
		v = h->conf;
	else if (reg8 == HPET_GINTR_STA)
		v = h->isr;
	else if (reg8 == HPET_MAIN_CNT)
		v = counter_at(h, k);
	return (v & s.mask) >> s.shift;
}

/* ---- keyframes and the dump ---- */

void hpet_serialize(struct hpet *h, struct ser *s)
{
	struct hpet tmp = *h;
	uint8_t version = HPET_STATE_VERSION;
	ser_u8(s, &version);
	if (s->load && !s->err && (version < 1 || version > HPET_STATE_VERSION)) {
		ser_invalid(s, "unsupported hpet state version");
		return;
	}
	ser_u8(s, &tmp.clock);
	ser_u8(s, &tmp.val_set_one_write);
	if (version >= 2) {
		ser_u8(s, &tmp.qemu_wrap);
		ser_u8(s, &tmp.qemu_past);
	} else if (s->load) {
		tmp.qemu_wrap = tmp.qemu_past = 0; /* version 1: no such variants */
	}
	ser_u64(s, &tmp.conf);
	ser_u64(s, &tmp.isr);
	ser_u64(s, &tmp.counter);
	ser_u64(s, &tmp.offset);
	ser_u64(s, &tmp.settled);
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		struct hpet_timer *t = &tmp.t[n];
		ser_u64(s, &t->conf);
		ser_u64(s, &t->cmp);
		ser_u64(s, &t->period);
		ser_u64(s, &t->fsb);
		ser_u64(s, &t->last_fire);
		ser_u8(s, &t->fired);
		if (version >= 2) {
			ser_u8(s, &t->wrap_armed);
			ser_u8(s, &t->forced);
			ser_u64(s, &t->force_at);
		} else if (s->load) {
			t->wrap_armed = t->forced = 0;
			t->force_at = 0;
		}
	}
	if (!s->load || s->err)
		return;
	bool bad = tmp.clock > HPET_CLOCK_14MHZ || tmp.val_set_one_write > 1 || tmp.qemu_wrap > 1 ||
		   tmp.qemu_past > 1 || tmp.conf > 3 || tmp.isr > TIMERS_MASK;
	for (unsigned n = 0; n < HPET_TIMERS && !bad; n++) {
		struct hpet_timer *t = &tmp.t[n];
		uint64_t wr = HPET_TN_INT_TYPE | HPET_TN_INT_ENB | HPET_TN_ROUTE_MASK;
		wr |= (timer_caps[n] & HPET_TN_PER_CAP) ? HPET_TN_TYPE | HPET_TN_VAL_SET : 0;
		wr |= (timer_caps[n] & HPET_TN_SIZE_CAP) ? HPET_TN_32MODE : 0;
		wr |= (timer_caps[n] & HPET_TN_FSB_CAP) ? HPET_TN_FSB_EN : 0;
		uint64_t m = (!(timer_caps[n] & HPET_TN_SIZE_CAP) || (t->conf & HPET_TN_32MODE))
				     ? 0xffffffffu : UINT64_MAX;
		bad = (t->conf & ~wr) || (t->cmp & ~m) || (t->period & ~m) || t->fired > 1 ||
		      t->wrap_armed > 1 || t->forced > 1 || (t->wrap_armed && (!tmp.qemu_wrap || m == UINT64_MAX)) ||
		      (t->forced && (!tmp.qemu_past || t->force_at <= tmp.settled)) || (!t->forced && t->force_at);
	}
	if (bad) {
		ser_invalid(s, "bad hpet state");
		return;
	}
	*h = tmp;
}

void hpet_print(const struct hpet *h, uint64_t now, FILE *f)
{
	struct hpet tmp = *h;
	uint64_t k = hpet_ticks_at((enum hpet_clock)h->clock, now);
	(void)settle(&tmp, k);
	fprintf(f, "hpet: clock=%s enable=%u legacy=%u counter=0x%016llx isr=0x%llx\n",
		h->clock == HPET_CLOCK_14MHZ ? "14.31818MHz" : "100MHz",
		running(h) ? 1u : 0u, hpet_legacy(h) ? 1u : 0u,
		(unsigned long long)counter_at(&tmp, k), (unsigned long long)tmp.isr);
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		const struct hpet_timer *t = &tmp.t[n];
		unsigned gsi = 0;
		enum hpet_route_kind rk = hpet_route(&tmp, n, &gsi);
		fprintf(f, "hpet.t%u: conf=0x%03llx cmp=0x%llx period=0x%llx fsb=0x%llx line=%u route=",
			n, (unsigned long long)t->conf, (unsigned long long)t->cmp,
			(unsigned long long)t->period, (unsigned long long)t->fsb,
			hpet_line(&tmp, n) ? 1u : 0u);
		if (rk == HPET_ROUTE_GSI)
			fprintf(f, "gsi%u\n", gsi);
		else
			fprintf(f, "%s\n", rk == HPET_ROUTE_FSB ? "fsb" : "none");
	}
}
