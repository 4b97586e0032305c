/* SPDX-License-Identifier: MIT */
/*
 * MC146818A RTC tests: port-level, explicit times, datasheet expectations.
 * Cycle k of the 32.768 kHz time base happens at cy(k). At power-on the
 * divider is as if it left reset at time 0: UIP rises at cycle 16376
 * (500 ms - 244 us), the update cycle runs over cycles 16384..16449 and the
 * time advances (UF, AF) at cycle 16449 + k * 32768.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chips/rtc.h"

#define UPD 16449u    /* first update end after the divider leaves reset */
#define SEC 32768u    /* cycles per second */
#define UIP_ON 16376u /* UIP rises (8 cycles before the update cycle) */

/* 2024-02-28 23:59:58 UTC, a Wednesday (day of week 4, 1 = Sunday). */
#define EPOCH_LEAP 1709164798ull

static uint64_t cy(uint64_t k)
{
	return rtc_cycle_time(k);
}

/* The k-th update (k >= 1) after a divider release at cycle c. */
static uint64_t upd(uint64_t c, uint64_t k)
{
	return c + UPD + (k - 1) * SEC;
}

static uint8_t rd(struct rtc *r, uint64_t t, uint8_t idx)
{
	rtc_write(r, t, 0x70, idx);
	return rtc_read(r, t, 0x71);
}

static void wr(struct rtc *r, uint64_t t, uint8_t idx, uint8_t v)
{
	rtc_write(r, t, 0x70, idx);
	rtc_write(r, t, 0x71, v);
}

/* Time bytes in register order of interest. */
enum { F_SEC, F_MIN, F_HOUR, F_DOW, F_DAY, F_MON, F_YEAR, F_CENT, F_N };
static const uint8_t field_reg[F_N] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

static void read_time(struct rtc *r, uint64_t t, uint8_t out[F_N])
{
	for (unsigned i = 0; i < F_N; i++)
		out[i] = rd(r, t, field_reg[i]);
}

/* The guest sets the clock: SET, B, bytes, SET cleared (divider untouched). */
static void set_clock(struct rtc *r, uint64_t t, uint8_t b, const uint8_t v[F_N])
{
	wr(r, t, 0x0b, (uint8_t)(b | 0x80));
	for (unsigned i = 0; i < F_N; i++)
		wr(r, t, field_reg[i], v[i]);
	wr(r, t, 0x0b, b);
}

static void assert_time(struct rtc *r, uint64_t t, const uint8_t want[F_N])
{
	uint8_t got[F_N];
	read_time(r, t, got);
	for (unsigned i = 0; i < F_N; i++)
		if (got[i] != want[i])
			fail_msg("t=%llu field %u: got 0x%02x want 0x%02x", (unsigned long long)t,
				 i, got[i], want[i]);
}

/* ---- time base ---- */

static void test_cycle_roundtrip(void **state)
{
	(void)state;
	const uint64_t bases[] = { 0, rtc_cycles_at(320000000000000000ull),
				   rtc_cycles_at(UINT64_MAX) - (1u << 17) };
	for (unsigned b = 0; b < 3; b++)
		for (uint64_t k = 0; k <= (1u << 17); k++) {
			uint64_t t = rtc_cycle_time(bases[b] + k);
			assert_int_equal(rtc_cycles_at(t), bases[b] + k);
			if (t > 0)
				assert_int_equal(rtc_cycles_at(t - 1), bases[b] + k - 1);
		}
	assert_int_equal(rtc_cycle_time(SEC), 1000000000u);
	assert_int_equal(rtc_cycle_time(1), 30518);
	assert_int_equal(rtc_cycle_time(rtc_cycles_at(UINT64_MAX) + 1), UINT64_MAX);
}

/* ---- power-on, registers, RAM ---- */

static void test_power_on(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	const uint8_t want[F_N] = { 0x58, 0x59, 0x23, 0x04, 0x28, 0x02, 0x24, 0x20 };
	assert_time(&r, 0, want);
	assert_int_equal(rd(&r, 0, 0x0a), 0x26);
	assert_int_equal(rd(&r, 0, 0x0b), 0x02);
	assert_int_equal(rd(&r, 0, 0x0c), 0x00);
	assert_int_equal(rd(&r, 0, 0x0d), 0x80);
	for (unsigned i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			assert_int_equal(rd(&r, 0, (uint8_t)i), 0);
	assert_false(rtc_irq(&r, 0));
	assert_int_equal(rtc_next_edge(&r, 0), UINT64_MAX);
	assert_false(rtc_nmi_masked(&r));
	assert_int_equal(rtc_read(&r, 0, 0x70), 0xff);
	assert_true(rtc_owns_port(0x70) && rtc_owns_port(0x71));
	assert_false(rtc_owns_port(0x72) || rtc_owns_port(0x6f));
	/* Unix epoch itself: 1970-01-01 00:00:00, a Thursday. */
	rtc_init(&r, 0);
	const uint8_t epoch0[F_N] = { 0, 0, 0, 0x05, 0x01, 0x01, 0x70, 0x19 };
	assert_time(&r, 0, epoch0);
}

static void test_registers_and_ram(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	for (unsigned i = 0x0e; i < 0x80; i++)
		wr(&r, 10, (uint8_t)i, (uint8_t)(i * 7 + 1));
	for (unsigned i = 0x0e; i < 0x80; i++)
		assert_int_equal(rd(&r, 20, (uint8_t)i), (uint8_t)(i * 7 + 1));
	/* Alarm bytes are plain storage too. */
	wr(&r, 20, 0x01, 0x12);
	assert_int_equal(rd(&r, 20, 0x01), 0x12);
	/* C and D are read-only; UIP (A bit 7) cannot be written. */
	wr(&r, 30, 0x0c, 0xff);
	wr(&r, 30, 0x0d, 0x00);
	assert_int_equal(rd(&r, 30, 0x0c), 0x00);
	assert_int_equal(rd(&r, 30, 0x0d), 0x80);
	wr(&r, 30, 0x0a, 0xa6);
	assert_int_equal(rd(&r, 30, 0x0a), 0x26);
	/* rtc_cmos_set: RAM only. */
	rtc_cmos_set(&r, 0x34, 0x80);
	rtc_cmos_set(&r, 0x0b, 0xff);
	rtc_cmos_set(&r, 0x00, 0x33);
	rtc_cmos_set(&r, 0x80, 0x33);
	assert_int_equal(rd(&r, 40, 0x34), 0x80);
	assert_int_equal(rd(&r, 40, 0x0b), 0x02);
	assert_int_equal(rd(&r, 40, 0x00), 0x58);
}

static void test_nmi_mask(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	rtc_write(&r, 0, 0x70, 0x8f); /* NMI off, select 0x0f */
	assert_true(rtc_nmi_masked(&r));
	rtc_write(&r, 0, 0x71, 0x5a);
	rtc_write(&r, 0, 0x70, 0x0f);
	assert_false(rtc_nmi_masked(&r));
	assert_int_equal(rtc_read(&r, 0, 0x71), 0x5a);
	/* Bit 7 never selects a register: 0x8d reads D. */
	rtc_write(&r, 0, 0x70, 0x8d);
	assert_int_equal(rtc_read(&r, 0, 0x71), 0x80);
	assert_true(rtc_nmi_masked(&r));
}

/* ---- time keeping ---- */

struct rollover_case {
	const char *name;
	uint8_t b;
	uint8_t start[F_N];
	uint64_t updates;
	uint8_t want[F_N];
};

static const struct rollover_case rollovers[] = {
	{ "bcd seconds", 0x02, { 0x05, 0x00, 0x10, 2, 0x15, 0x06, 0x24, 0x20 }, 3,
	  { 0x08, 0x00, 0x10, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "bcd minute", 0x02, { 0x59, 0x00, 0x10, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x01, 0x10, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "bcd hour", 0x02, { 0x59, 0x59, 0x10, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x11, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "bcd leap day", 0x02, { 0x59, 0x59, 0x23, 4, 0x28, 0x02, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x00, 5, 0x29, 0x02, 0x24, 0x20 } },
	{ "bcd leap day ends", 0x02, { 0x59, 0x59, 0x23, 5, 0x29, 0x02, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24, 0x20 } },
	{ "bcd non-leap feb", 0x02, { 0x59, 0x59, 0x23, 3, 0x28, 0x02, 0x23, 0x20 }, 1,
	  { 0x00, 0x00, 0x00, 4, 0x01, 0x03, 0x23, 0x20 } },
	{ "bcd 30-day month", 0x02, { 0x59, 0x59, 0x23, 3, 0x30, 0x04, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x00, 4, 0x01, 0x05, 0x24, 0x20 } },
	{ "bcd saturday->sunday", 0x02, { 0x59, 0x59, 0x23, 7, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x00, 1, 0x16, 0x06, 0x24, 0x20 } },
	{ "bcd century", 0x02, { 0x59, 0x59, 0x23, 6, 0x31, 0x12, 0x99, 0x19 }, 1,
	  { 0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20 } },
	{ "bin century", 0x06, { 59, 59, 23, 5, 31, 12, 99, 20 }, 1,
	  { 0, 0, 0, 6, 1, 1, 0, 21 } },
	{ "bin year", 0x06, { 59, 59, 23, 3, 31, 12, 24, 20 }, 2,
	  { 1, 0, 0, 4, 1, 1, 25, 20 } },
	/* The chip's leap rule is year % 4 on the 2-digit year: 2100 leaps. */
	{ "chip leap 2100", 0x02, { 0x59, 0x59, 0x23, 1, 0x28, 0x02, 0x00, 0x21 }, 1,
	  { 0x00, 0x00, 0x00, 2, 0x29, 0x02, 0x00, 0x21 } },
	{ "bcd whole leap year", 0x02, { 0x00, 0x00, 0x00, 2, 0x01, 0x01, 0x24, 0x20 }, 366 * 86400ull,
	  { 0x00, 0x00, 0x00, 4, 0x01, 0x01, 0x25, 0x20 } },
	{ "12h am->pm", 0x00, { 0x59, 0x59, 0x11, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x92, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "12h 12pm->1pm", 0x00, { 0x59, 0x59, 0x92, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x81, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "12h pm->midnight", 0x00, { 0x59, 0x59, 0x91, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x12, 3, 0x16, 0x06, 0x24, 0x20 } },
	{ "12h 12am->1am", 0x00, { 0x59, 0x59, 0x12, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x01, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "12h bin pm->midnight", 0x04, { 59, 59, 0x8b, 2, 15, 6, 24, 20 }, 1,
	  { 0, 0, 0x0c, 3, 16, 6, 24, 20 } },
	{ "24h bin 23->0", 0x06, { 59, 59, 23, 2, 15, 6, 24, 20 }, 1,
	  { 0, 0, 0, 3, 16, 6, 24, 20 } },
	/* Invalid bytes (R2): read back as written until the next update,
	 * which clamps each field into range and then advances. */
	{ "invalid sec/min", 0x02, { 0x75, 0x5a, 0x10, 2, 0x15, 0x06, 0x24, 0x20 }, 1,
	  { 0x00, 0x00, 0x11, 2, 0x15, 0x06, 0x24, 0x20 } },
	{ "invalid date 31 feb", 0x02, { 0x00, 0x00, 0x10, 2, 0x31, 0x02, 0x23, 0x20 }, 1,
	  { 0x01, 0x00, 0x10, 2, 0x28, 0x02, 0x23, 0x20 } },
	{ "invalid hour/month/dow", 0x02, { 0x00, 0x00, 0x3f, 0x09, 0x01, 0x13, 0x24, 0x20 }, 1,
	  { 0x01, 0x00, 0x23, 0x07, 0x01, 0x12, 0x24, 0x20 } },
	/* 255:255:255 -> 23:59:59, date 0 -> 1, year/century 255 -> 99:
	 * 9999-01-01 23:59:59 + 1 s. */
	{ "invalid bin", 0x06, { 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0xff }, 1,
	  { 0, 0, 0, 2, 2, 1, 99, 99 } },
};

static void test_rollovers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rollovers) / sizeof(rollovers[0]); i++) {
		const struct rollover_case *c = &rollovers[i];
		struct rtc r;
		rtc_init(&r, EPOCH_LEAP);
		set_clock(&r, cy(100), c->b, c->start);
		/* Read back as written until the update ends. */
		assert_time(&r, cy(UPD) - 1, c->start);
		uint64_t t = cy(upd(0, c->updates));
		uint8_t got[F_N];
		read_time(&r, t, got);
		if (memcmp(got, c->want, F_N))
			fail_msg("%s: got %02x %02x %02x %02x %02x %02x %02x %02x", c->name,
				 got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7]);
		if (c->updates == 1)
			continue;
		/* Same result in one step as in two. */
		struct rtc s;
		rtc_init(&s, EPOCH_LEAP);
		set_clock(&s, cy(100), c->b, c->start);
		read_time(&s, cy(upd(0, c->updates / 2)), got);
		assert_time(&s, t, c->want);
	}
}

static void test_second_boundary_exact(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	for (uint64_t k = 1; k <= 4; k++) {
		uint64_t t = cy(upd(0, k));
		uint8_t before = rd(&r, t - 1, 0x00);
		uint8_t at = rd(&r, t, 0x00);
		assert_int_equal(before, k == 1 ? 0x58 : k == 2 ? 0x59 : k == 3 ? 0x00 : 0x01);
		assert_int_equal(at, k == 1 ? 0x59 : k == 2 ? 0x00 : k == 3 ? 0x01 : 0x02);
	}
	/* Date rolled into the leap day with the third update. */
	assert_int_equal(rd(&r, cy(upd(0, 4)), 0x07), 0x29);
	assert_int_equal(rd(&r, cy(upd(0, 4)), 0x06), 0x05);
}

static void test_format_change_keeps_bytes(void **state)
{
	(void)state;
	/* DS: changing DM or 24/12 does not convert the stored bytes. */
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP); /* 23:59:58 BCD */
	wr(&r, 10, 0x0b, 0x06);   /* binary, 24h */
	assert_int_equal(rd(&r, 10, 0x00), 0x58);
	assert_int_equal(rd(&r, 10, 0x04), 0x23);
	/* 0x58 = 88 binary: clamped to 59, then +1 s; 0x59 min -> 59 + carry;
	 * 0x23 = 35 h -> 23 + carry. */
	assert_int_equal(rd(&r, cy(UPD), 0x00), 0);
	assert_int_equal(rd(&r, cy(UPD), 0x02), 0);
	assert_int_equal(rd(&r, cy(UPD), 0x04), 0);
}

static void test_set_freezes_and_resumes(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	uint64_t t0 = cy(UPD + 1000); /* 23:59:59 */
	wr(&r, t0, 0x0b, 0x82);
	rd(&r, t0, 0x0c);
	/* No update, no UIP, no UF for 5 s. */
	for (uint64_t k = 2; k < 7; k++) {
		assert_int_equal(rd(&r, cy(upd(0, k)), 0x00), 0x59);
		assert_int_equal(rd(&r, cy(upd(0, k) - 10), 0x0a), 0x26);
	}
	assert_int_equal(rd(&r, cy(upd(0, 7)), 0x0c) & 0x10, 0);
	/* The guest writes 12:00:00, clears SET mid-second: the divider was not
	 * reset, so the next update is on the old 1 Hz grid. */
	uint64_t t1 = cy(upd(0, 7) + 5000);
	wr(&r, t1, 0x00, 0x00);
	wr(&r, t1, 0x02, 0x00);
	wr(&r, t1, 0x04, 0x12);
	wr(&r, t1, 0x0b, 0x02);
	assert_int_equal(rd(&r, cy(upd(0, 8)) - 1, 0x00), 0x00);
	assert_int_equal(rd(&r, cy(upd(0, 8)), 0x00), 0x01);
	assert_int_equal(rd(&r, cy(upd(0, 8)), 0x04), 0x12);
	/* SET written during UIP ends the update cycle at once. */
	uint64_t t2 = cy(upd(0, 9) - 20);
	assert_int_equal(rd(&r, t2, 0x0a), 0xa6);
	wr(&r, t2, 0x0b, 0x82);
	assert_int_equal(rd(&r, t2, 0x0a), 0x26);
	assert_int_equal(rd(&r, cy(upd(0, 9)), 0x00), 0x01);
}

static void test_uip_timing(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	static const struct {
		uint64_t cycle;
		uint8_t a, sec;
	} steps[] = {
		{ 0, 0x26, 0x58 },
		{ UIP_ON - 1, 0x26, 0x58 },
		{ UIP_ON, 0xa6, 0x58 },     /* 244 us before the update cycle */
		{ 16384, 0xa6, 0x58 },      /* update cycle: old values (R3) */
		{ UPD - 1, 0xa6, 0x58 },
		{ UPD, 0x26, 0x59 },        /* update ends: new time */
		{ UIP_ON + SEC - 1, 0x26, 0x59 },
		{ UIP_ON + SEC, 0xa6, 0x59 },
		{ UPD + SEC, 0x26, 0x00 },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		uint64_t t = cy(steps[i].cycle);
		assert_int_equal(rd(&r, t, 0x0a), steps[i].a);
		assert_int_equal(rd(&r, t, 0x00), steps[i].sec);
	}
	/* UIP window in ns: 2.2286 ms. */
	assert_int_equal(cy(UPD) - cy(UIP_ON), 2227783);
}

static void test_divider_reset(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	wr(&r, 0, 0x0b, 0x52); /* PIE + UIE */
	uint64_t c0 = 5000;
	wr(&r, cy(c0), 0x0a, 0x76); /* DV = 111: reset */
	rd(&r, cy(c0), 0x0c);
	/* Held: no PF, no update, no UIP, for 3 s. */
	assert_false(rtc_irq(&r, cy(c0 + 3 * SEC)));
	assert_int_equal(rtc_next_edge(&r, cy(c0)), UINT64_MAX);
	assert_int_equal(rd(&r, cy(c0 + UIP_ON), 0x0a), 0x76);
	assert_int_equal(rd(&r, cy(c0 + 3 * SEC), 0x00), 0x58);
	assert_int_equal(rd(&r, cy(c0 + 3 * SEC), 0x0c), 0);
	/* Released: first PF half a 1024 Hz period later, first update ends
	 * 500 ms + 2.03 ms later. */
	uint64_t c1 = c0 + 3 * SEC + 7;
	wr(&r, cy(c1), 0x0a, 0x26);
	assert_int_equal(rtc_next_edge(&r, cy(c1)), cy(c1 + 16));
	wr(&r, cy(c1), 0x0b, 0x12); /* UIE only */
	assert_int_equal(rtc_next_edge(&r, cy(c1)), cy(c1 + UPD));
	assert_int_equal(rd(&r, cy(c1 + UIP_ON - 1), 0x0a), 0x26);
	assert_int_equal(rd(&r, cy(c1 + UIP_ON), 0x0a), 0xa6);
	assert_int_equal(rd(&r, cy(c1 + UPD) - 1, 0x00), 0x58);
	assert_int_equal(rd(&r, cy(c1 + UPD), 0x00), 0x59);
	/* Other DV values (000, 001, test modes) stop the chain where it is;
	 * 010 resumes it from the held count. */
	uint64_t c2 = c1 + UPD + 100;
	wr(&r, cy(c2), 0x0a, 0x06); /* DV = 000 */
	assert_int_equal(rd(&r, cy(c2 + 5 * SEC), 0x00), 0x59);
	uint64_t c3 = c2 + 5 * SEC;
	wr(&r, cy(c3), 0x0a, 0x26);
	rd(&r, cy(c3), 0x0c);
	assert_int_equal(rtc_next_edge(&r, cy(c3)), cy(c3 + SEC - 100));
}

/* ---- interrupts ---- */

/* Walk cycle by cycle from `from` to `to`: the IRQ output changes exactly at
 * the times rtc_next_edge predicts, and nowhere else. Each assertion is
 * acknowledged by reading C `ack_delay` cycles later. Returns the number of
 * rising edges. */
static unsigned check_edges(struct rtc *r, uint64_t from, uint64_t to, uint64_t ack_delay)
{
	unsigned rises = 0;
	uint64_t e = rtc_next_edge(r, cy(from));
	bool prev = rtc_irq(r, cy(from));
	uint64_t ack_at = UINT64_MAX;
	for (uint64_t k = from + 1; k <= to; k++) {
		bool o = rtc_irq(r, cy(k));
		if (o != prev) {
			if (e != cy(k))
				fail_msg("edge at cycle %llu, predicted %llu", (unsigned long long)k,
					 (unsigned long long)rtc_cycles_at(e));
			assert_true(rtc_irq(r, e - 1) == prev);
			if (o) {
				rises++;
				ack_at = k + ack_delay;
			}
		} else {
			assert_true(e > cy(k));
		}
		prev = o;
		if (k == ack_at) {
			uint8_t c = rd(r, cy(k), 0x0c);
			assert_true(c & 0x80);
			assert_false(rtc_irq(r, cy(k)));
			prev = false;
			ack_at = UINT64_MAX;
		}
		e = rtc_next_edge(r, cy(k));
		assert_true(e > cy(k));
		/* Mid-cycle queries agree. */
		assert_int_equal(rtc_next_edge(r, cy(k) + 1), e);
	}
	return rises;
}

static void test_periodic_rates(void **state)
{
	(void)state;
	static const struct {
		uint8_t rs;
		uint32_t period; /* cycles (DS table, 32.768 kHz) */
	} rates[] = {
		{ 1, 128 }, { 2, 256 }, { 3, 4 }, { 4, 8 }, { 5, 16 }, { 6, 32 },
		{ 7, 64 }, { 8, 128 }, { 9, 256 }, { 10, 512 }, { 11, 1024 },
		{ 12, 2048 }, { 13, 4096 }, { 14, 8192 }, { 15, 16384 },
	};
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct rtc r;
		uint32_t p = rates[i].period;
		rtc_init(&r, EPOCH_LEAP);
		uint64_t c0 = 1000 + i;
		wr(&r, cy(c0), 0x0a, 0x70); /* reset the divider */
		rd(&r, cy(c0), 0x0c);       /* PF latched since power-on */
		wr(&r, cy(c0), 0x0b, 0x42); /* PIE */
		wr(&r, cy(c0), 0x0a, (uint8_t)(0x20 | rates[i].rs));
		/* Taps rise half a period after the release, then every period. */
		uint64_t first = c0 + p / 2;
		assert_int_equal(rtc_next_edge(&r, cy(c0)), cy(first));
		assert_false(rtc_irq(&r, cy(first) - 1));
		assert_true(rtc_irq(&r, cy(first)));
		assert_int_equal(rtc_next_edge(&r, cy(first)), UINT64_MAX);
		assert_int_equal(rd(&r, cy(first + 1), 0x0c), 0xc0);
		assert_false(rtc_irq(&r, cy(first + 1)));
		assert_int_equal(rtc_next_edge(&r, cy(first + 1)), cy(first + p));
		/* Brute force over a window of at least 8 periods (or 1.5 s). */
		uint64_t span = (uint64_t)p * 8 < 3 * SEC / 2 ? 3 * SEC / 2 : (uint64_t)p * 8;
		unsigned rises = check_edges(&r, first + 1, first + 1 + span, 1);
		assert_int_equal(rises, span / p);
	}
	/* RS = 0: none. */
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	wr(&r, 0, 0x0a, 0x20);
	wr(&r, 0, 0x0b, 0x42);
	assert_int_equal(rtc_next_edge(&r, 0), UINT64_MAX);
	/* UF, and AF: the alarm bytes are 00:00:00 and the clock passed
	 * midnight (flags latch whatever the enables). No PF. */
	assert_int_equal(rd(&r, cy(3 * SEC), 0x0c), 0x30);
}

static void test_flags_without_enables(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	wr(&r, 0, 0x01, 0xc0); /* alarm every second */
	wr(&r, 0, 0x03, 0xc0);
	wr(&r, 0, 0x05, 0xc0);
	/* PF (1024 Hz) by cycle 16, no IRQ. */
	assert_int_equal(rd(&r, cy(15), 0x0c), 0x00);
	assert_int_equal(rd(&r, cy(16), 0x0c), 0x40);
	assert_int_equal(rd(&r, cy(17), 0x0c), 0x00);
	assert_int_equal(rd(&r, cy(UPD), 0x0c), 0x70);
	assert_false(rtc_irq(&r, cy(2 * SEC)));
	/* IRQF = PF.PIE + AF.AIE + UF.UIE: enabling with a flag already latched
	 * asserts at once. */
	uint64_t t = cy(UPD + SEC);
	wr(&r, t, 0x0b, 0x22); /* AIE */
	assert_true(rtc_irq(&r, t));
	assert_int_equal(rtc_next_edge(&r, t), UINT64_MAX);
	assert_int_equal(rd(&r, t, 0x0c), 0xf0);
	assert_int_equal(rd(&r, t, 0x0c), 0x00);
	assert_false(rtc_irq(&r, t));
	assert_int_equal(rtc_next_edge(&r, t), cy(UPD + 2 * SEC));
	/* Disabling the source releases the output without reading C. */
	assert_true(rtc_irq(&r, cy(UPD + 2 * SEC)));
	wr(&r, cy(UPD + 2 * SEC), 0x0b, 0x02);
	assert_false(rtc_irq(&r, cy(UPD + 2 * SEC)));
	assert_int_equal(rd(&r, cy(UPD + 2 * SEC), 0x0c), 0x70);
}

static void test_update_interrupt_once_per_second(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	wr(&r, 0, 0x0b, 0x12); /* UIE */
	for (uint64_t k = 1; k <= 6; k++) {
		uint64_t u = upd(0, k);
		assert_int_equal(rtc_next_edge(&r, cy(k == 1 ? 100 : u - SEC + 100)), cy(u));
		assert_false(rtc_irq(&r, cy(u) - 1));
		assert_true(rtc_irq(&r, cy(u)));
		/* Handler reads C 50 us later: UF + IRQF, time already new. */
		assert_int_equal(rd(&r, cy(u + 2), 0x0c) & 0x90, 0x90);
		assert_false(rtc_irq(&r, cy(u + 2)));
	}
	/* Missed seconds latch once: UF is a flag, not a counter. */
	assert_int_equal(rd(&r, cy(upd(0, 10)), 0x0c) & 0x90, 0x90);
	assert_int_equal(rd(&r, cy(upd(0, 10)), 0x0c), 0x00);
	assert_int_equal(check_edges(&r, upd(0, 10), upd(0, 13), 3), 3);
}

struct alarm_case {
	const char *name;
	uint8_t b;
	uint8_t start[3]; /* sec, min, hour */
	uint8_t alarm[3]; /* sec, min, hour alarm bytes */
	uint32_t updates; /* first update that sets AF; 0 = never */
};

static const struct alarm_case alarms[] = {
	{ "exact", 0x02, { 0x00, 0x00, 0x10 }, { 0x05, 0x00, 0x10 }, 5 },
	{ "every second", 0x02, { 0x00, 0x00, 0x10 }, { 0xc0, 0xc0, 0xc0 }, 1 },
	{ "every minute", 0x02, { 0x30, 0x00, 0x10 }, { 0x00, 0xff, 0xd5 }, 30 },
	{ "every hour at :30:00", 0x02, { 0x00, 0x00, 0x10 }, { 0x00, 0x30, 0xc0 }, 1800 },
	{ "sec don't care in 10:01", 0x02, { 0x00, 0x00, 0x10 }, { 0xc0, 0x01, 0x10 }, 60 },
	{ "sec don't care now", 0x02, { 0x00, 0x00, 0x10 }, { 0xc0, 0x00, 0x10 }, 1 },
	{ "minute don't care", 0x02, { 0x00, 0x00, 0x10 }, { 0x00, 0xc0, 0x11 }, 3600 },
	{ "tomorrow", 0x02, { 0x00, 0x00, 0x10 }, { 0x59, 0x59, 0x09 }, 86399 },
	{ "same time tomorrow", 0x02, { 0x00, 0x00, 0x10 }, { 0x00, 0x00, 0x10 }, 86400 },
	{ "midnight", 0x02, { 0x59, 0x59, 0x23 }, { 0x00, 0x00, 0x00 }, 1 },
	{ "binary", 0x06, { 0, 0, 10 }, { 20, 0, 10 }, 20 },
	{ "12h pm", 0x00, { 0x50, 0x59, 0x92 }, { 0x00, 0x00, 0x81 }, 10 },
	{ "12h pm vs am", 0x00, { 0x50, 0x59, 0x12 }, { 0x00, 0x00, 0x81 }, 43210 },
	{ "invalid seconds byte", 0x02, { 0x00, 0x00, 0x10 }, { 0x60, 0xc0, 0xc0 }, 0 },
	{ "invalid bcd nibble", 0x02, { 0x00, 0x00, 0x10 }, { 0x1a, 0xc0, 0xc0 }, 0 },
	{ "12h hour 0", 0x00, { 0x00, 0x00, 0x10 }, { 0xc0, 0xc0, 0x00 }, 0 },
	{ "24h hour 24", 0x02, { 0x00, 0x00, 0x10 }, { 0xc0, 0xc0, 0x24 }, 0 },
};

static void test_alarm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(alarms) / sizeof(alarms[0]); i++) {
		const struct alarm_case *c = &alarms[i];
		struct rtc r;
		rtc_init(&r, EPOCH_LEAP);
		const uint8_t start[F_N] = { c->start[0], c->start[1], c->start[2], 2, 0x15, 0x06, 0x24, 0x20 };
		set_clock(&r, cy(10), c->b, start);
		wr(&r, cy(10), 0x01, c->alarm[0]);
		wr(&r, cy(10), 0x03, c->alarm[1]);
		wr(&r, cy(10), 0x05, c->alarm[2]);
		wr(&r, cy(10), 0x0b, (uint8_t)(c->b | 0x20));
		uint64_t e = rtc_next_edge(&r, cy(10));
		if (!c->updates) {
			assert_int_equal(e, UINT64_MAX);
			assert_int_equal(rd(&r, cy(upd(0, 90000)), 0x0c) & 0x20, 0);
			continue;
		}
		uint64_t u = upd(0, c->updates);
		if (e != cy(u))
			fail_msg("%s: next edge %llu, want cycle %llu", c->name,
				 (unsigned long long)rtc_cycles_at(e), (unsigned long long)u);
		assert_false(rtc_irq(&r, cy(u) - 1));
		assert_true(rtc_irq(&r, cy(u)));
		/* Reading C just before: UF (if any update happened), no AF. */
		if (c->updates > 1)
			assert_int_equal(rd(&r, cy(u) - 1, 0x0c) & 0x30, 0x10);
		assert_int_equal(rd(&r, cy(u), 0x0c) & 0xb0, 0xb0);
		/* The time at the alarm reads as the alarm bytes. */
		for (unsigned f = 0; f < 3; f++)
			if (c->alarm[f] < 0xc0)
				assert_int_equal(rd(&r, cy(u), (uint8_t)(2 * f)), c->alarm[f]);
	}
}

/* Random register traffic (deterministic LCG). Between operations the IRQ
 * output changes exactly where rtc_next_edge says (check_edges), and a chip
 * touched on every cycle (eager) reads the same bytes and flags as one
 * touched only at the operations (lazy). */
static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static void test_random_ops(void **state)
{
	(void)state;
	struct rtc lazy, eager;
	uint32_t x = 12345;
	rtc_init(&lazy, EPOCH_LEAP - 50);
	rtc_init(&eager, EPOCH_LEAP - 50);
	static const uint8_t regs[] = { 0x01, 0x03, 0x05, 0x0a, 0x0b, 0x00, 0x02 };
	uint64_t k = 0;
	for (int op = 0; op < 120; op++) {
		uint64_t next = k + 1 + lcg(&x) % 6000;
		check_edges(&lazy, k, next, 1 + lcg(&x) % 3);
		for (uint64_t j = k + 1; j <= next; j++)
			(void)rd(&eager, cy(j), 0x0a);
		/* check_edges acknowledged on lazy only: align the two. */
		(void)rd(&lazy, cy(next), 0x0c);
		(void)rd(&eager, cy(next), 0x0c);
		k = next;
		uint8_t reg = regs[lcg(&x) % sizeof(regs)], v = (uint8_t)lcg(&x);
		switch (reg) {
		case 0x0a: /* mostly running, fast rates; sometimes reset/stop */
			v = (uint8_t)((lcg(&x) % 8 ? 0x20 : (v & 0x70)) | (3 + v % 4));
			break;
		case 0x0b: /* keep 24h BCD; random enables and SET */
			v = (uint8_t)((v & 0xf0) | 0x02);
			if (v & 0x80 && lcg(&x) % 2)
				v &= 0x7f;
			break;
		case 0x00:
		case 0x02:
			v %= 0x60;
			break;
		default: /* alarm bytes: often don't care */
			v = lcg(&x) % 2 ? 0xc0 : (uint8_t)(v % 0x60);
			break;
		}
		wr(&lazy, cy(k), reg, v);
		wr(&eager, cy(k), reg, v);
		for (unsigned i = 0; i < 0x0e; i++)
			assert_int_equal(rd(&lazy, cy(k), (uint8_t)i), rd(&eager, cy(k), (uint8_t)i));
	}
	assert_true(k > 3 * SEC);
}

/* ---- Linux patterns ---- */

/* drivers/rtc/rtc-mc146818-lib.c, mc146818_avoid_UIP(): poll A until UIP is
 * clear, read the time bytes, and retry if UIP was set again or the seconds
 * changed meanwhile. Each port access takes 1 us of virtual time here. */
static uint64_t linux_get_time(struct rtc *r, uint64_t t, uint8_t out[F_N])
{
	for (int tries = 0; tries < 100; tries++) {
		if (rd(r, t, 0x0a) & 0x80) {
			t += 100000; /* mdelay-ish poll: 100 us */
			continue;
		}
		t += 1000;
		uint8_t sec = rd(r, t, 0x00);
		for (unsigned i = 0; i < F_N; i++) {
			t += 1000;
			out[i] = rd(r, t, field_reg[i]);
		}
		t += 1000;
		if (rd(r, t, 0x0a) & 0x80)
			continue;
		if (out[F_SEC] != sec)
			continue;
		return t;
	}
	fail_msg("mc146818_get_time never got a stable read");
	return t;
}

static void test_linux_get_time(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	uint8_t got[F_N];
	/* Mid-second: read straight away. */
	uint64_t t = linux_get_time(&r, cy(5000), got);
	const uint8_t t0[F_N] = { 0x58, 0x59, 0x23, 0x04, 0x28, 0x02, 0x24, 0x20 };
	assert_memory_equal(got, t0, F_N);
	assert_true(t < cy(UIP_ON));
	/* Starting inside the UIP window: waits for the update to end and
	 * reads the new second. */
	t = linux_get_time(&r, cy(UIP_ON + 3), got);
	const uint8_t t1[F_N] = { 0x59, 0x59, 0x23, 0x04, 0x28, 0x02, 0x24, 0x20 };
	assert_memory_equal(got, t1, F_N);
	assert_true(t >= cy(UPD));
	/* Starting 5 us before UIP rises: the reads straddle it and the check
	 * of A after the reads forces a retry. */
	t = linux_get_time(&r, cy(UIP_ON + SEC) - 5000, got);
	const uint8_t t2[F_N] = { 0x00, 0x00, 0x00, 0x05, 0x29, 0x02, 0x24, 0x20 };
	assert_memory_equal(got, t2, F_N);
	assert_true(t >= cy(UPD + SEC));
}

/* mc146818_set_time(): SET, divider reset (DV2:1), write the bytes, restore
 * B and A. Linux schedules it so the chip's first update (500 ms after the
 * release) lands on the next second. */
static void test_linux_set_time(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	uint64_t c0 = 3 * SEC + 12345;
	uint64_t t = cy(c0);
	uint8_t save_b = rd(&r, t, 0x0b);
	wr(&r, t, 0x0b, (uint8_t)(save_b | 0x80));
	uint8_t save_a = rd(&r, t, 0x0a);
	wr(&r, t, 0x0a, (uint8_t)(save_a | 0x60));
	const uint8_t v[F_N] = { 0x30, 0x15, 0x08, 0x02, 0x01, 0x07, 0x24, 0x20 };
	for (unsigned i = 0; i < F_N; i++)
		wr(&r, t, field_reg[i], v[i]);
	wr(&r, t + 5000, 0x0b, save_b);
	wr(&r, t + 5000, 0x0a, save_a);
	uint64_t rel = rtc_cycles_at(t + 5000);
	assert_time(&r, cy(rel + UPD) - 1, v);
	assert_int_equal(rd(&r, cy(rel + UPD), 0x00), 0x31);
	assert_int_equal(rd(&r, cy(rel + UPD + SEC), 0x00), 0x32);
}

/* rtc-cmos: cmos_irq_set_freq() writes RS into A, cmos_irq_enable() clears
 * C and sets PIE; the handler reads C on every interrupt. */
static void test_linux_rtc_cmos_periodic(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	uint64_t t = cy(777);
	uint8_t a = rd(&r, t, 0x0a);
	wr(&r, t, 0x0a, (uint8_t)((a & 0xf0) | 0x06)); /* 1024 Hz */
	rd(&r, t, 0x0c);
	wr(&r, t, 0x0b, (uint8_t)(rd(&r, t, 0x0b) | 0x40));
	unsigned irqs = 0;
	uint64_t e = rtc_next_edge(&r, t), last = 0;
	while (e < cy(777 + SEC)) {
		if (last)
			assert_int_equal(rtc_cycles_at(e) - rtc_cycles_at(last), 32);
		assert_true(rtc_irq(&r, e));
		uint8_t c = rd(&r, e + 10000, 0x0c); /* handler 10 us later */
		assert_int_equal(c & 0xc0, 0xc0);
		irqs++;
		last = e;
		e = rtc_next_edge(&r, e + 10000);
	}
	assert_int_equal(irqs, 1024);
	/* First tick on the chain grid (count 16 mod 32), not 1/1024 s after
	 * the write: the divider was already running. */
	assert_int_equal(rtc_cycles_at(last) % 32, 16);
}

/* ---- long runs ---- */

static void test_ten_years(void **state)
{
	(void)state;
	struct rtc r;
	rtc_init(&r, EPOCH_LEAP);
	wr(&r, 0, 0x0b, 0x42); /* PIE at 1024 Hz */
	rd(&r, 0, 0x0c);
	/* 2024-02-28 23:59:58 + 3653 days (three leap days). */
	uint64_t n = 3653ull * 86400;
	uint64_t u = upd(0, n);
	const uint8_t before[F_N] = { 0x57, 0x59, 0x23, 0x03, 0x28, 0x02, 0x34, 0x20 };
	const uint8_t at[F_N] = { 0x58, 0x59, 0x23, 0x03, 0x28, 0x02, 0x34, 0x20 };
	assert_time(&r, cy(u) - 1, before);
	assert_time(&r, cy(u), at);
	/* Periodic ticks are still on the exact grid. */
	rd(&r, cy(u), 0x0c);
	uint64_t e = rtc_next_edge(&r, cy(u));
	assert_int_equal(rtc_cycles_at(e) % 32, 16);
	assert_int_equal(e, cy((u / 32) * 32 + 16 + (u % 32 >= 16 ? 32 : 0)));
	assert_int_equal(rtc_next_edge(&r, e + 1), UINT64_MAX);
	/* Seconds = virtual seconds exactly, 10 years on. */
	assert_int_equal(cy(u) - cy(UPD), (n - 1) * 1000000000ull);
}

/* ---- save / load ---- */

static size_t save(struct rtc *r, uint8_t *buf, size_t len)
{
	struct ser s = { .buf = buf, .len = len, .load = 0 };
	rtc_serialize(r, &s);
	assert_null(s.err);
	return s.pos;
}

static const char *load(struct rtc *r, uint8_t *buf, size_t len)
{
	struct ser s = { .buf = buf, .len = len, .load = 1 };
	rtc_serialize(r, &s);
	return s.err;
}

static void build_busy(struct rtc *r)
{
	rtc_init(r, EPOCH_LEAP);
	wr(r, cy(100), 0x01, 0x05);
	wr(r, cy(100), 0x03, 0xc0);
	wr(r, cy(100), 0x05, 0xc0);
	wr(r, cy(100), 0x0a, 0x2a);
	wr(r, cy(100), 0x0b, 0x72);
	wr(r, cy(100), 0x40, 0x99);
	rtc_write(r, cy(200), 0x70, 0x8c);
}

static void test_serialize_roundtrip(void **state)
{
	(void)state;
	struct rtc a, b;
	uint8_t buf[512], buf2[512];
	build_busy(&a);
	size_t n = save(&a, buf, sizeof(buf));
	assert_int_equal(n, 1 + 128 + 2 + 4 + 4 + 8);
	struct ser m = { .buf = NULL, .len = SIZE_MAX };
	rtc_serialize(&a, &m);
	assert_int_equal(m.pos, n);
	rtc_init(&b, 0);
	assert_null(load(&b, buf, n));
	assert_true(rtc_nmi_masked(&b));
	for (uint64_t k = 200; k < 3 * SEC; k += 97) {
		assert_int_equal(rtc_irq(&a, cy(k)), rtc_irq(&b, cy(k)));
		assert_int_equal(rtc_next_edge(&a, cy(k)), rtc_next_edge(&b, cy(k)));
	}
	assert_int_equal(save(&b, buf2, sizeof(buf2)), n);
	assert_memory_equal(buf, buf2, n);
	for (unsigned i = 0; i < 0x80; i++)
		assert_int_equal(rd(&a, cy(6 * SEC), (uint8_t)i), rd(&b, cy(6 * SEC), (uint8_t)i));
}

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

#define OFF_CMOS 1
#define OFF_INDEX (1 + 128)
#define OFF_NMI (OFF_INDEX + 1)
#define OFF_PHASE (OFF_NMI + 1)
#define OFF_HOLD (OFF_PHASE + 4)
#define OFF_ANCHOR (OFF_HOLD + 4)

static void test_serialize_rejects(void **state)
{
	(void)state;
	struct rtc a, b;
	uint8_t good[512], bad[512];
	build_busy(&a);
	size_t n = save(&a, good, sizeof(good));
	struct {
		const char *name;
		size_t off;
		int width;
		uint32_t value;
	} cases[] = {
		{ "version", 0, 1, 2 },
		{ "UIP stored", OFF_CMOS + 0x0a, 1, 0xaa },
		{ "IRQF stored", OFF_CMOS + 0x0c, 1, 0x80 },
		{ "C low bits", OFF_CMOS + 0x0c, 1, 0x01 },
		{ "D not 0x80", OFF_CMOS + 0x0d, 1, 0x00 },
		{ "index 0x80", OFF_INDEX, 1, 0x80 },
		{ "nmi 2", OFF_NMI, 1, 2 },
		{ "phase 2^15", OFF_PHASE, 4, 32768 },
		{ "hold while running", OFF_HOLD, 4, 5 },
		{ "reset with phase", OFF_CMOS + 0x0a, 1, 0x60 },
		{ "anchor high", OFF_ANCHOR + 4, 4, 0xffffffffu },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(bad, good, n);
		if (cases[i].width == 1)
			bad[cases[i].off] = (uint8_t)cases[i].value;
		else
			put32(bad + cases[i].off, cases[i].value);
		if (!strcmp(cases[i].name, "reset with phase"))
			put32(bad + OFF_PHASE, 7);
		rtc_init(&b, 1);
		struct rtc before = b;
		if (!load(&b, bad, n))
			fail_msg("accepted bad state: %s", cases[i].name);
		assert_memory_equal(&b, &before, sizeof(b));
	}
	for (size_t len = 0; len < n; len++) {
		rtc_init(&b, 1);
		assert_non_null(load(&b, good, len));
	}
}

static void test_print(void **state)
{
	(void)state;
	struct rtc r;
	build_busy(&r);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	assert_non_null(f);
	rtc_print(&r, cy(UPD), f);
	fclose(f);
	assert_non_null(strstr(s, "rtc: t="));
	assert_non_null(strstr(s, "index=0x0c nmi=masked irq=1 next_edge=never"));
	assert_non_null(strstr(s, "divider=running"));
	assert_non_null(strstr(s, "time 2024-02-28 23:59:59 dow=04 bcd 24h"));
	assert_non_null(strstr(s, "  40: 99"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycle_roundtrip),
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_registers_and_ram),
		cmocka_unit_test(test_nmi_mask),
		cmocka_unit_test(test_rollovers),
		cmocka_unit_test(test_second_boundary_exact),
		cmocka_unit_test(test_format_change_keeps_bytes),
		cmocka_unit_test(test_set_freezes_and_resumes),
		cmocka_unit_test(test_uip_timing),
		cmocka_unit_test(test_divider_reset),
		cmocka_unit_test(test_periodic_rates),
		cmocka_unit_test(test_flags_without_enables),
		cmocka_unit_test(test_update_interrupt_once_per_second),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_random_ops),
		cmocka_unit_test(test_linux_get_time),
		cmocka_unit_test(test_linux_set_time),
		cmocka_unit_test(test_linux_rtc_cmos_periodic),
		cmocka_unit_test(test_ten_years),
		cmocka_unit_test(test_serialize_roundtrip),
		cmocka_unit_test(test_serialize_rejects),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
