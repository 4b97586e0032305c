/* SPDX-License-Identifier: MIT */
/*
 * Motorola MC146818A RTC + CMOS RAM, as a pure function of its inputs.
 *
 * Time model (docs/chips-rtc.md, "Time base"): the 32.768 kHz crystal drives
 * a 15-stage divider chain; cycle k happens at rtc_cycle_time(k). While the
 * divider runs (DV = 010) its count at cycle T is (T + phase) mod 2^15; every
 * event is a fixed count of that chain:
 *   - periodic flag PF: the selected tap (period P cycles) rises, i.e. the
 *     count is P/2 mod P;
 *   - UIP rises 244 us (8 cycles) before the update cycle, which begins at
 *     count 2^14 (DS: "the first update cycle begins one-half second" after
 *     the divider leaves reset) and lasts 1984 us (65 cycles); at its end the
 *     time advances one second and UF (and AF on an alarm match) latch.
 * The chip's bytes are stored as of cycle `anchor`; every port access first
 * "settles" the events in (anchor, now] (time advanced by the number of
 * update ends, flags latched) and moves the anchor. Between accesses nothing
 * changes but time, so rtc_irq/rtc_next_edge are O(1) closed forms.
 */
#include "rtc.h"

#include <string.h>

enum {
	RTC_PORT_INDEX = 0x70,
	RTC_PORT_DATA = 0x71,
};

enum {
	REG_SEC = 0x00,
	REG_SEC_ALARM = 0x01,
	REG_MIN = 0x02,
	REG_MIN_ALARM = 0x03,
	REG_HOUR = 0x04,
	REG_HOUR_ALARM = 0x05,
	REG_DOW = 0x06,
	REG_DAY = 0x07,
	REG_MON = 0x08,
	REG_YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	REG_RAM = 0x0e,
	REG_CENTURY = RTC_CMOS_CENTURY,
};

enum {
	A_UIP = 0x80,
	A_DV = 0x70,
	A_RS = 0x0f,
	DV_32K = 0x20,   /* 010: 32.768 kHz time base, running */
	DV_RESET = 0x60, /* 11x: divider chain held in reset */
	B_SET = 0x80,
	B_PIE = 0x40,
	B_AIE = 0x20,
	B_UIE = 0x10,
	B_SQWE = 0x08,
	B_DM = 0x04,  /* 1 = binary, 0 = BCD */
	B_24H = 0x02,
	B_DSE = 0x01,
	C_IRQF = 0x80,
	C_PF = 0x40,
	C_AF = 0x20,
	C_UF = 0x10,
	C_FLAGS = C_PF | C_AF | C_UF,
	D_VRT = 0x80,
	ALARM_DONT_CARE = 0xc0, /* DS: 11xxxxxx in an alarm byte matches any */
	PM_BIT = 0x80,
};

#define CHAIN_MOD 32768u       /* 15 stages at 32.768 kHz */
#define UPDATE_BEGIN 16384u    /* count at which the update cycle begins */
#define UIP_LEAD 8u            /* tBUC 244 us = 8 cycles (244.14 us) */
#define UPDATE_LEN 65u         /* tUC 1984 us = 65 cycles (1983.6 us) */
#define UPDATE_END (UPDATE_BEGIN + UPDATE_LEN)
#define SEC_PER_DAY 86400u
#define DAYS_PER_4Y 1461u
/* The chip's calendar repeats every 4 years; with the century byte it covers
 * years 0000-9999, then wraps. */
#define CAL_DAYS (2500u * DAYS_PER_4Y)
#define RTC_STATE_VERSION 1u
#define NO_CYCLE UINT64_MAX

/* ---- the 32.768 kHz grid ---- */

uint64_t rtc_cycles_at(uint64_t t)
{
	uint64_t s = t / 1000000000u, r = t % 1000000000u;
	return s * RTC_HZ + r * RTC_HZ / 1000000000u;
}

uint64_t rtc_cycle_time(uint64_t k)
{
	uint64_t s = k / RTC_HZ, r = k % RTC_HZ;
	if (s > UINT64_MAX / 1000000000u)
		return UINT64_MAX;
	uint64_t base = s * 1000000000u, frac = (r * 1000000000u + RTC_HZ - 1) / RTC_HZ;
	return frac > UINT64_MAX - base ? UINT64_MAX : base + frac;
}

/* ---- divider chain ---- */

static bool chain_running(const struct rtc *r)
{
	return (r->cmos[REG_A] & A_DV) == DV_32K;
}

static bool chain_reset(const struct rtc *r)
{
	return (r->cmos[REG_A] & DV_RESET) == DV_RESET;
}

static bool updating(const struct rtc *r)
{
	return chain_running(r) && !(r->cmos[REG_B] & B_SET);
}

/* Periodic interrupt period in cycles for rate select rs (DS table, 32.768
 * kHz column): 1 and 2 alias taps 8 and 9 (256 Hz, 128 Hz); 3..15 give
 * 8192 Hz .. 2 Hz; 0 = none. */
static uint32_t periodic_cycles(unsigned rs)
{
	if (rs == 0)
		return 0;
	if (rs < 3)
		rs += 7;
	return 1u << (rs - 1);
}

static uint32_t chain_count(const struct rtc *r, uint64_t T)
{
	if (!chain_running(r))
		return r->hold;
	return (uint32_t)((T + r->phase) % CHAIN_MOD);
}

/* Cycles y in (a, b] at which the chain count is res mod m (m | 2^15). */
static uint64_t events_in(const struct rtc *r, uint64_t a, uint64_t b, uint32_t m, uint32_t res)
{
	if (b <= a)
		return 0;
	uint64_t c = (uint64_t)r->phase + m - res;
	return (b + c) / m - (a + c) / m;
}

/* First cycle > T at which the chain count is res mod m. */
static uint64_t next_event(const struct rtc *r, uint64_t T, uint32_t m, uint32_t res)
{
	uint64_t c = (T + 1 + r->phase) % m;
	return T + 1 + (res + m - c) % m;
}

static uint64_t updates_in(const struct rtc *r, uint64_t a, uint64_t b)
{
	return updating(r) ? events_in(r, a, b, CHAIN_MOD, UPDATE_END) : 0;
}

static bool uip_at(const struct rtc *r, uint64_t T)
{
	if (!updating(r))
		return false;
	uint32_t c = chain_count(r, T);
	return c >= UPDATE_BEGIN - UIP_LEAD && c < UPDATE_END;
}

/* ---- calendar (the chip's own rules: 2-digit year, leap iff year % 4 == 0) ---- */

struct cal {
	uint32_t year; /* century * 100 + year, 0..9999 */
	uint32_t mon, day, hour, min, sec, dow;
};

static bool bcd_mode(const struct rtc *r)
{
	return !(r->cmos[REG_B] & B_DM);
}

static uint32_t decode(const struct rtc *r, uint8_t v)
{
	return bcd_mode(r) ? (uint32_t)(v >> 4) * 10 + (v & 0xfu) : v;
}

static uint8_t encode(const struct rtc *r, uint32_t n)
{
	return (uint8_t)(bcd_mode(r) ? (n / 10) << 4 | n % 10 : n);
}

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static bool leap(uint32_t year)
{
	return year % 4 == 0;
}

static uint32_t month_days(uint32_t mon, uint32_t year)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return mon == 2 && leap(year) ? 29u : days[mon - 1];
}

/* Hour byte -> 0..23 (clamped); 12-hour mode: 1..12 with bit 7 = PM. */
static uint32_t decode_hour(const struct rtc *r, uint8_t v)
{
	if (r->cmos[REG_B] & B_24H)
		return clamp(decode(r, v), 0, 23);
	uint32_t h = clamp(decode(r, v & 0x7f), 1, 12);
	return h % 12 + (v & PM_BIT ? 12 : 0);
}

static uint8_t encode_hour(const struct rtc *r, uint32_t h)
{
	if (r->cmos[REG_B] & B_24H)
		return encode(r, h);
	uint32_t h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(encode(r, h12) | (h >= 12 ? PM_BIT : 0));
}

/* The stored bytes as the next update sees them: each out-of-range field is
 * clamped to its nearest valid value (docs/chips-rtc.md, R2). */
static struct cal normalized(const struct rtc *r)
{
	struct cal c;
	c.year = clamp(decode(r, r->cmos[REG_CENTURY]), 0, 99) * 100 +
		 clamp(decode(r, r->cmos[REG_YEAR]), 0, 99);
	c.mon = clamp(decode(r, r->cmos[REG_MON]), 1, 12);
	c.day = clamp(decode(r, r->cmos[REG_DAY]), 1, month_days(c.mon, c.year));
	c.hour = decode_hour(r, r->cmos[REG_HOUR]);
	c.min = clamp(decode(r, r->cmos[REG_MIN]), 0, 59);
	c.sec = clamp(decode(r, r->cmos[REG_SEC]), 0, 59);
	c.dow = clamp(decode(r, r->cmos[REG_DOW]), 1, 7);
	return c;
}

static uint64_t days_of(const struct cal *c)
{
	uint64_t d = (uint64_t)c->year * 365 + (c->year + 3) / 4;
	for (uint32_t m = 1; m < c->mon; m++)
		d += month_days(m, c->year);
	return d + c->day - 1;
}

static uint32_t sec_of_day(const struct cal *c)
{
	return c->hour * 3600 + c->min * 60 + c->sec;
}

/* c advanced by n seconds (day of week counts the days crossed). */
static struct cal cal_add(const struct cal *c, uint64_t n)
{
	struct cal o;
	uint64_t s = sec_of_day(c) + n;
	uint64_t days = days_of(c) + s / SEC_PER_DAY;
	uint32_t sod = (uint32_t)(s % SEC_PER_DAY);
	o.dow = (uint32_t)((c->dow - 1 + s / SEC_PER_DAY) % 7) + 1;
	o.hour = sod / 3600;
	o.min = sod / 60 % 60;
	o.sec = sod % 60;
	days %= CAL_DAYS;
	uint64_t cyc = days / DAYS_PER_4Y;
	uint32_t rem = (uint32_t)(days % DAYS_PER_4Y), y;
	if (rem < 366) {
		y = 0;
	} else {
		y = 1 + (rem - 366) / 365;
		rem = (rem - 366) % 365;
	}
	o.year = (uint32_t)(cyc * 4 + y);
	o.mon = 1;
	while (rem >= month_days(o.mon, o.year))
		rem -= month_days(o.mon++, o.year);
	o.day = rem + 1;
	return o;
}

static void store_cal(struct rtc *r, const struct cal *c)
{
	r->cmos[REG_SEC] = encode(r, c->sec);
	r->cmos[REG_MIN] = encode(r, c->min);
	r->cmos[REG_HOUR] = encode_hour(r, c->hour);
	r->cmos[REG_DOW] = encode(r, c->dow);
	r->cmos[REG_DAY] = encode(r, c->day);
	r->cmos[REG_MON] = encode(r, c->mon);
	r->cmos[REG_YEAR] = encode(r, c->year % 100);
	r->cmos[REG_CENTURY] = encode(r, c->year / 100);
}

/* ---- alarm ---- */

enum { AL_ANY = -1, AL_NEVER = -2 };

/* An alarm byte: don't care, a value the time byte can hold (compared as
 * the decoded value), or a byte no valid time byte equals (never). */
static int alarm_field(const struct rtc *r, uint8_t a, uint32_t max, bool hour)
{
	if ((a & ALARM_DONT_CARE) == ALARM_DONT_CARE)
		return AL_ANY;
	if (hour) {
		uint32_t h = decode_hour(r, a);
		return encode_hour(r, h) == a ? (int)h : AL_NEVER;
	}
	uint32_t v = decode(r, a);
	return v <= max && encode(r, v) == a ? (int)v : AL_NEVER;
}

/* Least value >= v the field accepts, -1 if none below lim. */
static int field_ge(int f, int v, int lim)
{
	if (f == AL_ANY)
		return v < lim ? v : -1;
	return f >= v ? f : -1;
}

/* Least second of day >= s (0 <= s < 86400) matching, -1 if none. */
static long alarm_match_ge(const int al[3], long s)
{
	int h = (int)(s / 3600), m = (int)(s / 60 % 60), sec = (int)(s % 60);
	int H, M, S;
	if (field_ge(al[2], h, 24) == h) {
		if (field_ge(al[1], m, 60) == m && (S = field_ge(al[0], sec, 60)) >= 0)
			return (long)h * 3600 + m * 60 + S;
		if ((M = field_ge(al[1], m + 1, 60)) >= 0)
			return (long)h * 3600 + M * 60 + field_ge(al[0], 0, 60);
	}
	if ((H = field_ge(al[2], h + 1, 24)) < 0)
		return -1;
	return (long)H * 3600 + field_ge(al[1], 0, 60) * 60 + field_ge(al[0], 0, 60);
}

/* Least d in [1, 86400] such that second of day (sod + d) matches the alarm
 * bytes, 0 if no time matches. */
static uint32_t alarm_next(const struct rtc *r, uint32_t sod)
{
	int al[3] = {
		alarm_field(r, r->cmos[REG_SEC_ALARM], 59, false),
		alarm_field(r, r->cmos[REG_MIN_ALARM], 59, false),
		alarm_field(r, r->cmos[REG_HOUR_ALARM], 23, true),
	};
	if (al[0] == AL_NEVER || al[1] == AL_NEVER || al[2] == AL_NEVER)
		return 0;
	long s = (long)sod + 1, x;
	if (s < (long)SEC_PER_DAY && (x = alarm_match_ge(al, s)) >= 0)
		return (uint32_t)(x - sod);
	x = alarm_match_ge(al, 0);
	return (uint32_t)(SEC_PER_DAY + x - sod);
}

/* ---- lazy state ---- */

/* PF/AF/UF latched by cycle T (>= anchor). */
static uint8_t flags_at(const struct rtc *r, uint64_t T)
{
	uint8_t f = r->cmos[REG_C] & C_FLAGS;
	if (!chain_running(r) || T <= r->anchor)
		return f;
	uint32_t p = periodic_cycles(r->cmos[REG_A] & A_RS);
	if (p && events_in(r, r->anchor, T, p, p / 2))
		f |= C_PF;
	uint64_t n = updates_in(r, r->anchor, T);
	if (n) {
		f |= C_UF;
		if (!(f & C_AF)) {
			struct cal c = normalized(r);
			uint32_t d = alarm_next(r, sec_of_day(&c));
			if (d && d <= n)
				f |= C_AF;
		}
	}
	return f;
}

static bool irqf(const struct rtc *r, uint8_t f)
{
	uint8_t b = r->cmos[REG_B];
	return ((f & C_PF) && (b & B_PIE)) || ((f & C_AF) && (b & B_AIE)) ||
	       ((f & C_UF) && (b & B_UIE));
}

/* Apply the events in (anchor, T] and move the anchor to T. */
static void settle(struct rtc *r, uint64_t T)
{
	if (T <= r->anchor)
		return;
	uint8_t f = flags_at(r, T);
	uint64_t n = updates_in(r, r->anchor, T);
	if (n) {
		struct cal c = normalized(r);
		c = cal_add(&c, n);
		store_cal(r, &c);
	}
	r->cmos[REG_C] = f;
	r->anchor = T;
}

static void write_a(struct rtc *r, uint64_t T, uint8_t v)
{
	bool was_running = chain_running(r);
	uint32_t count = chain_count(r, T);
	r->cmos[REG_A] = v & (uint8_t)~A_UIP;
	if (chain_reset(r)) {
		r->hold = 0;
		r->phase = 0;
	} else if (chain_running(r)) {
		/* Leaving reset: count 0 now, first update begins 2^14 cycles
		 * (500 ms) later. Leaving another stop: resume the held count. */
		if (!was_running) {
			r->phase = (uint32_t)((r->hold + CHAIN_MOD - T % CHAIN_MOD) % CHAIN_MOD);
			r->hold = 0;
		}
	} else {
		r->hold = count;
		r->phase = 0;
	}
}

static void write_data(struct rtc *r, uint64_t T, uint8_t v)
{
	uint8_t i = r->index;
	switch (i) {
	case REG_A:
		write_a(r, T, v);
		break;
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:
		/* Time bytes, B (SET also ends an update in progress: UIP is
		 * derived from SET) and RAM are stored as written. */
		r->cmos[i] = v;
		break;
	}
}

static uint8_t read_data(struct rtc *r, uint64_t T)
{
	uint8_t i = r->index, f;
	switch (i) {
	case REG_A:
		return (uint8_t)(r->cmos[REG_A] | (uip_at(r, T) ? A_UIP : 0));
	case REG_C:
		/* DS: reading C clears all its bits and releases IRQ. */
		f = r->cmos[REG_C];
		r->cmos[REG_C] = 0;
		return (uint8_t)(f | (irqf(r, f) ? C_IRQF : 0));
	case REG_D:
		return D_VRT;
	default:
		return r->cmos[i];
	}
}

/* ---- interface ---- */

/* Unix days -> proleptic Gregorian date (real wall time, used only to set
 * the clock at power-on). */
static void civil_from_unix_days(uint64_t z, uint64_t *year, uint32_t *mon, uint32_t *day)
{
	z += 719468; /* days from 0000-03-01 to 1970-01-01 */
	uint64_t era = z / 146097;
	uint32_t doe = (uint32_t)(z % 146097);
	uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint32_t mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*mon = mp < 10 ? mp + 3 : mp - 9;
	*year = era * 400 + yoe + (*mon <= 2);
}

void rtc_init(struct rtc *r, uint64_t epoch_seconds)
{
	memset(r, 0, sizeof(*r));
	r->cmos[REG_A] = DV_32K | 0x06; /* 32.768 kHz, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;          /* BCD, 24-hour, no interrupts */
	r->cmos[REG_D] = D_VRT;
	uint64_t days = epoch_seconds / SEC_PER_DAY;
	uint32_t sod = (uint32_t)(epoch_seconds % SEC_PER_DAY);
	uint64_t year;
	struct cal c;
	civil_from_unix_days(days, &year, &c.mon, &c.day);
	c.year = (uint32_t)(year % 10000);
	c.hour = sod / 3600;
	c.min = sod / 60 % 60;
	c.sec = sod % 60;
	c.dow = (uint32_t)((days + 4) % 7) + 1; /* 1970-01-01 was a Thursday; 1 = Sunday */
	store_cal(r, &c);
	/* Divider: as if it left reset at virtual time 0. */
	r->phase = 0;
	r->hold = 0;
	r->anchor = 0;
}

bool rtc_owns_port(uint16_t port)
{
	return port == RTC_PORT_INDEX || port == RTC_PORT_DATA;
}

void rtc_write(struct rtc *r, uint64_t now, uint16_t port, uint8_t v)
{
	uint64_t T = rtc_cycles_at(now);
	if (port == RTC_PORT_INDEX) {
		r->index = v & 0x7f;
		r->nmi_masked = v >> 7;
	} else if (port == RTC_PORT_DATA) {
		settle(r, T);
		write_data(r, T, v);
	}
}

uint8_t rtc_read(struct rtc *r, uint64_t now, uint16_t port)
{
	if (port != RTC_PORT_DATA)
		return 0xff; /* 0x70 is write-only: the bus floats high */
	uint64_t T = rtc_cycles_at(now);
	settle(r, T);
	return read_data(r, T);
}

void rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t v)
{
	if (index >= REG_RAM && index < 0x80)
		r->cmos[index] = v;
}

bool rtc_irq(const struct rtc *r, uint64_t now)
{
	return irqf(r, flags_at(r, rtc_cycles_at(now)));
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t rtc_next_edge(const struct rtc *r, uint64_t now)
{
	uint64_t T = rtc_cycles_at(now);
	uint8_t f = flags_at(r, T), b = r->cmos[REG_B];
	/* Asserted: stays so until register C is read. */
	if (irqf(r, f) || !chain_running(r))
		return UINT64_MAX;
	uint64_t best = NO_CYCLE;
	uint32_t p = periodic_cycles(r->cmos[REG_A] & A_RS);
	if ((b & B_PIE) && p)
		best = next_event(r, T, p, p / 2);
	if (updating(r) && (b & (B_UIE | B_AIE))) {
		uint64_t u = next_event(r, T, CHAIN_MOD, UPDATE_END);
		if (b & B_UIE)
			best = min64(best, u);
		if (b & B_AIE) {
			/* The update at u brings the time after update n + 1
			 * since the anchor. */
			uint64_t n = updates_in(r, r->anchor, T);
			struct cal c = normalized(r);
			uint32_t sod = (uint32_t)((sec_of_day(&c) + n) % SEC_PER_DAY);
			uint32_t d = alarm_next(r, sod);
			if (d)
				best = min64(best, u + (uint64_t)(d - 1) * CHAIN_MOD);
		}
	}
	return best == NO_CYCLE ? UINT64_MAX : rtc_cycle_time(best);
}

bool rtc_nmi_masked(const struct rtc *r)
{
	return r->nmi_masked;
}

/* ---- saved state ---- */

static const char *state_invalid(const struct rtc *r)
{
	if (r->cmos[REG_A] & A_UIP)
		return "rtc: UIP stored in register A";
	if (r->cmos[REG_C] & (uint8_t)~C_FLAGS)
		return "rtc: bad register C";
	if (r->cmos[REG_D] != D_VRT)
		return "rtc: bad register D";
	if (r->index > 0x7f || r->nmi_masked > 1)
		return "rtc: bad index register";
	for (unsigned i = 0; i < sizeof(r->pad); i++)
		if (r->pad[i])
			return "rtc: bad padding";
	if (r->phase >= CHAIN_MOD || r->hold >= CHAIN_MOD)
		return "rtc: bad divider count";
	if (chain_running(r) ? r->hold != 0 : r->phase != 0)
		return "rtc: divider state does not match register A";
	if (chain_reset(r) && r->hold != 0)
		return "rtc: divider in reset with a count";
	if (r->anchor > rtc_cycles_at(UINT64_MAX))
		return "rtc: bad anchor";
	return NULL;
}

void rtc_serialize(struct rtc *r, struct ser *s)
{
	/* Work on a copy: saving never writes *r, and a rejected load leaves
	 * *r untouched. */
	struct rtc tmp = *r;
	uint8_t version = RTC_STATE_VERSION;
	if (s->load)
		memset(&tmp, 0, sizeof(tmp));
	ser_u8(s, &version);
	if (s->load && !s->err && version != RTC_STATE_VERSION)
		ser_invalid(s, "rtc: unknown state version");
	ser_bytes(s, tmp.cmos, sizeof(tmp.cmos));
	ser_u8(s, &tmp.index);
	ser_u8(s, &tmp.nmi_masked);
	ser_u32(s, &tmp.phase);
	ser_u32(s, &tmp.hold);
	ser_u64(s, &tmp.anchor);
	if (!s->load || s->err)
		return;
	const char *why = state_invalid(&tmp);
	if (why) {
		ser_invalid(s, why);
		return;
	}
	*r = tmp;
}

/* ---- debug dump ---- */

void rtc_print(const struct rtc *r, uint64_t now, FILE *f)
{
	uint64_t T = rtc_cycles_at(now);
	struct rtc v = *r;
	settle(&v, T);
	uint8_t c = v.cmos[REG_C], b = v.cmos[REG_B];
	uint64_t e = rtc_next_edge(r, now);
	fprintf(f, "rtc: t=%llu cycle=%llu index=0x%02x nmi=%s irq=%d", (unsigned long long)now,
		(unsigned long long)T, v.index, v.nmi_masked ? "masked" : "enabled",
		irqf(&v, c));
	if (e == UINT64_MAX)
		fprintf(f, " next_edge=never\n");
	else
		fprintf(f, " next_edge=%llu\n", (unsigned long long)e);
	fprintf(f, "  a=0x%02x b=0x%02x c=0x%02x d=0x%02x divider=%s count=%lu\n",
		(unsigned)(v.cmos[REG_A] | (uip_at(&v, T) ? A_UIP : 0)), b,
		(unsigned)(c | (irqf(&v, c) ? C_IRQF : 0)), D_VRT,
		chain_running(&v) ? "running" : chain_reset(&v) ? "reset" : "stopped",
		(unsigned long)chain_count(&v, T));
	fprintf(f, "  time %02x%02x-%02x-%02x %02x:%02x:%02x dow=%02x %s %s%s%s alarm=%02x:%02x:%02x\n",
		v.cmos[REG_CENTURY], v.cmos[REG_YEAR], v.cmos[REG_MON], v.cmos[REG_DAY],
		v.cmos[REG_HOUR], v.cmos[REG_MIN], v.cmos[REG_SEC], v.cmos[REG_DOW],
		b & B_DM ? "bin" : "bcd", b & B_24H ? "24h" : "12h", b & B_SET ? " set" : "",
		b & B_DSE ? " dse" : "", v.cmos[REG_HOUR_ALARM], v.cmos[REG_MIN_ALARM],
		v.cmos[REG_SEC_ALARM]);
	for (unsigned row = 0; row < 128; row += 16) {
		fprintf(f, "  %02x:", row);
		for (unsigned i = 0; i < 16; i++)
			fprintf(f, " %02x", v.cmos[row + i]);
		fprintf(f, "\n");
	}
}
