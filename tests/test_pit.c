/* SPDX-License-Identifier: MIT */
/*
 * i8254 PIT + port 0x61 tests: port-level, explicit times, datasheet
 * expectations. Tick k happens at pit_tick_time(k); an access "at tick k" is
 * made at time tk(k) (+ a few ns, still tick k). A count written at tick w
 * loads on tick w+1 (d = 0) and decrements from tick w+2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chips/clock.h"
#include "chips/pit.h"

#define W 1000u /* the tick at which tests write their count */

static uint64_t tk(uint64_t k)
{
	return pit_tick_time(k);
}

static void pit_fresh(struct pit *p)
{
	pit_init(p, 0);
}

/* Control word (bits 5:0 of cw) then the count, per its RW bits, at tick w. */
static void program(struct pit *p, uint64_t w, unsigned ch, uint8_t cw, uint16_t count)
{
	uint64_t t = tk(w);
	pit_write(p, t, 0x43, (uint8_t)(ch << 6 | (cw & 0x3f)));
	switch ((cw >> 4) & 3) {
	case 1:
		pit_write(p, t, (uint16_t)(0x40 + ch), (uint8_t)count);
		break;
	case 2:
		pit_write(p, t, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
		break;
	default:
		pit_write(p, t, (uint16_t)(0x40 + ch), (uint8_t)count);
		pit_write(p, t, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
	}
}

static uint16_t latch_read(struct pit *p, uint64_t t, unsigned ch)
{
	pit_write(p, t, 0x43, (uint8_t)(ch << 6));
	uint8_t lo = pit_read(p, t, (uint16_t)(0x40 + ch));
	uint8_t hi = pit_read(p, t, (uint16_t)(0x40 + ch));
	return (uint16_t)(lo | hi << 8);
}

static uint8_t read_status(struct pit *p, uint64_t t, unsigned ch)
{
	pit_write(p, t, 0x43, (uint8_t)(0xe0 | 2u << ch));
	return pit_read(p, t, (uint16_t)(0x40 + ch));
}

/* pit_out_next_edge (the board's per-edge call) is pit_out and
 * pit_next_edge at once. */
static void check_both(const struct pit *p, unsigned ch, uint64_t t)
{
	uint64_t next = 0;
	bool o = pit_out_next_edge(p, ch, t, &next);
	assert_int_equal(o, pit_out(p, ch, t));
	assert_int_equal(next, pit_next_edge(p, ch, t));
}

/* Every edge reported by pit_next_edge from `from` up to tick `to` is exact
 * (OUT differs just before and at it) and none is skipped (tick-by-tick OUT
 * only changes where an edge was reported). Returns the number of edges. */
static unsigned check_edges(const struct pit *p, unsigned ch, uint64_t from, uint64_t to)
{
	unsigned edges = 0;
	uint64_t t = tk(from);
	uint64_t e = pit_next_edge(p, ch, t);
	bool prev = pit_out(p, ch, t);
	for (uint64_t k = from + 1; k <= to; k++) {
		bool o = pit_out(p, ch, tk(k));
		check_both(p, ch, tk(k));
		check_both(p, ch, tk(k) + 1);
		if (e == tk(k)) {
			assert_true(o != prev);
			assert_true(pit_out(p, ch, e - 1) == prev);
			edges++;
			e = pit_next_edge(p, ch, tk(k));
			assert_true(e > tk(k));
			/* Mid-tick queries agree. */
			assert_int_equal(pit_next_edge(p, ch, tk(k) + 1), e);
		} else {
			if (o != prev)
				fail_msg("missed edge at tick %llu", (unsigned long long)k);
			assert_true(e > tk(k));
		}
		prev = o;
	}
	return edges;
}

/* ---- clock conversions ---- */

static void check_tick_roundtrip(uint64_t k)
{
	uint64_t t = pit_tick_time(k);
	assert_int_equal(pit_ticks_at(t), k);
	if (k > 0)
		assert_int_equal(pit_ticks_at(t - 1), k - 1);
}

static void test_clock_roundtrip(void **state)
{
	(void)state;
	const uint64_t ten_years = 320000000000000000ull; /* 3.2e17 ns */
	const uint64_t bases[] = { 0, pit_ticks_at(ten_years), pit_ticks_at(UINT64_MAX) - (1u << 17) };
	for (unsigned b = 0; b < 3; b++)
		for (uint64_t k = 0; k <= (1u << 17); k++)
			check_tick_roundtrip(bases[b] + k);
	/* Exact values: 1 s is PIT_HZ ticks, no drift. */
	assert_int_equal(pit_ticks_at(NS_PER_SEC), PIT_HZ);
	assert_int_equal(pit_tick_time(PIT_HZ), NS_PER_SEC);
	assert_int_equal(pit_tick_time(1), 839);
	assert_int_equal(pit_ticks_at(838), 0);
	/* Ten years: exact s * F. */
	assert_int_equal(pit_ticks_at(ten_years), 320000000ull * PIT_HZ);
	/* Near 2^64: the last representable tick maps back; beyond saturates. */
	uint64_t last = pit_ticks_at(UINT64_MAX);
	assert_true(pit_tick_time(last) <= UINT64_MAX);
	assert_int_equal(pit_ticks_at(pit_tick_time(last)), last);
	assert_int_equal(pit_tick_time(last + 1), UINT64_MAX);
	assert_int_equal(pit_tick_time(UINT64_MAX), UINT64_MAX);
}

/* ---- OUT waveforms per mode (M0-M5, W6, W3, C1) ---- */

struct out_case {
	const char *name;
	uint8_t cw;      /* bits 5:0 */
	uint16_t count;
	const char *out; /* OUT at ticks W, W+1, ... */
};

static const struct out_case out_cases[] = {
	/* Mode 0: low until N+1 CLKs after the write (DS W6), then high. */
	{ "m0 N=1", 0x30, 1, "00111" },
	{ "m0 N=3", 0x30, 3, "000011111" },
	/* Mode 2: low for one CLK while the CE is 1, rising at load + kN. */
	{ "m2 N=3", 0x34, 3, "1110110110" },
	{ "m2 N=2", 0x34, 2, "11010101" },
	{ "m2 N=1 (illegal: stays high)", 0x34, 1, "11111" },
	{ "m6=m2 N=3", 0x3c, 3, "1110110110" },
	/* Mode 3: high ceil(N/2), low floor(N/2). */
	{ "m3 N=5", 0x36, 5, "1111001110011100" },
	{ "m3 N=4", 0x36, 4, "111001100110" },
	{ "m3 N=2", 0x36, 2, "11010101" },
	{ "m3 N=3", 0x36, 3, "111011011" },
	{ "m3 N=1 (illegal: stays high)", 0x36, 1, "11111" },
	{ "m7=m3 N=4", 0x3e, 4, "111001100110" },
	/* Mode 4: one-CLK low strobe N+1 CLKs after the write, once. */
	{ "m4 N=3", 0x38, 3, "1111011111" },
	{ "m4 N=1", 0x38, 1, "1101111" },
	/* Modes 1/5 on counter 0 (gate tied high): never triggered. */
	{ "m1 untriggered", 0x32, 3, "11111111" },
	{ "m5 untriggered", 0x3a, 3, "11111111" },
	/* LSB-only and MSB-only writes. */
	{ "m0 lsb N=2", 0x10, 2, "0001111" },
	{ "m2 msb N=0x100", 0x24, 0x100, "1111111" },
};

static void test_out_waveforms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(out_cases) / sizeof(out_cases[0]); i++) {
		const struct out_case *c = &out_cases[i];
		struct pit p;
		pit_fresh(&p);
		program(&p, W, 0, c->cw, c->count);
		size_t n = strlen(c->out);
		for (size_t j = 0; j < n; j++) {
			bool want = c->out[j] == '1';
			if (pit_out(&p, 0, tk(W + j) + 5) != want)
				fail_msg("%s: OUT at W+%zu should be %d", c->name, j, want);
		}
		check_edges(&p, 0, W, W + 3 * n);
	}
}

/* ---- count read values (L7, W2, W7) ---- */

struct count_case {
	const char *name;
	uint8_t cw;
	uint16_t count;
	uint64_t d;      /* ticks after the load tick W+1 */
	uint16_t want;
};

static const struct count_case count_cases[] = {
	{ "m0 0xffff +10000", 0x30, 0xffff, 10000, 0xffff - 10000 },
	{ "m2 0xffff +10000", 0x34, 0xffff, 10000, 0xffff - 10000 },
	/* DS odd mode 3: loads N-1 and counts by two (crosvm's 0xffff-20000
	 * is odd, impossible on an 8254). */
	{ "m3 0xffff +10000", 0x36, 0xffff, 10000, (0xffff - 20000) & ~1 },
	{ "m3 4096 +10", 0x36, 4096, 10, 4096 - 20 },
	{ "m3 5 d0", 0x36, 5, 0, 4 },
	{ "m3 5 d1", 0x36, 5, 1, 2 },
	{ "m3 5 d2 (extra high CLK)", 0x36, 5, 2, 0 },
	{ "m3 5 d3 (low half)", 0x36, 5, 3, 4 },
	{ "m3 5 d4", 0x36, 5, 4, 2 },
	{ "m3 5 d5 (reload)", 0x36, 5, 5, 4 },
	{ "m2 3 d0", 0x34, 3, 0, 3 },
	{ "m2 3 d2", 0x34, 3, 2, 1 },
	{ "m2 3 d3 (reload)", 0x34, 3, 3, 3 },
	{ "m0 wraps", 0x30, 5, 7, 0xfffe },
	{ "m0 count 0 = 65536", 0x30, 0, 0, 0x0000 },
	{ "m0 count 0 d1", 0x30, 0, 1, 0xffff },
	{ "m2 count 0 d1", 0x34, 0, 1, 0xffff },
	{ "m4 5 d5", 0x38, 5, 5, 0 },
	{ "m4 5 d6 wraps", 0x38, 5, 6, 0xffff },
	{ "bcd m0 0100 d1", 0x31, 0x0100, 1, 0x0099 },
	{ "bcd m0 0100 d100", 0x31, 0x0100, 100, 0x0000 },
	{ "bcd m0 0100 d101 wraps", 0x31, 0x0100, 101, 0x9999 },
	{ "bcd m0 0 = 10000 d1", 0x31, 0x0000, 1, 0x9999 },
	{ "bcd m2 0010 d3", 0x35, 0x0010, 3, 0x0007 },
	{ "bcd m3 0010 d1", 0x37, 0x0010, 1, 0x0008 },
	{ "bcd invalid nibble = 9", 0x31, 0x00af, 0, 0x0099 },
};

static void test_count_reads(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *c = &count_cases[i];
		struct pit p;
		pit_fresh(&p);
		program(&p, W, 0, c->cw, c->count);
		uint16_t got = latch_read(&p, tk(W + 1 + c->d) + 3, 0);
		if (got != c->want)
			fail_msg("%s: read 0x%04x, want 0x%04x", c->name, got, c->want);
	}
}

static void test_bcd_terminal_count(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x31, 0x0100); /* W7: 100 ticks, not 256 */
	assert_false(pit_out(&p, 0, tk(W + 100)));
	assert_true(pit_out(&p, 0, tk(W + 101)));
	assert_int_equal(pit_next_edge(&p, 0, tk(W)), tk(W + 101));
	/* Status reports BCD. */
	assert_int_equal(read_status(&p, tk(W + 200), 0) & 0x3f, 0x31);
}

/* BCD count as the DS counts it; invalid nibbles count as 9 (our choice). */
static uint32_t bcd_value(uint16_t raw)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--) {
		uint32_t d = (raw >> (4 * i)) & 0xf;
		v = v * 10 + (d > 9 ? 9 : d);
	}
	return v;
}

/* ---- next edge exactness, brute force over modes and counts ---- */

static void test_next_edge_bruteforce(void **state)
{
	(void)state;
	static const uint8_t modes[] = { 0x30, 0x32, 0x34, 0x36, 0x38, 0x3a, 0x3c, 0x3e,
					 0x31, 0x35, 0x37 };
	static const uint16_t counts[] = { 1, 2, 3, 4, 5, 7, 10, 11, 256, 0 };
	for (size_t m = 0; m < sizeof(modes); m++) {
		for (size_t n = 0; n < sizeof(counts) / sizeof(counts[0]); n++) {
			struct pit p;
			pit_fresh(&p);
			pit_write(&p, tk(W - 10), 0x61, 0x00);
			program(&p, W, 2, modes[m], counts[n]);
			/* Trigger modes 1/5 (and reload 2/3) with a gate rise. */
			pit_write(&p, tk(W) + 1, 0x61, 0x01);
			uint32_t N = (modes[m] & 1) ? bcd_value(counts[n]) : counts[n];
			if (N == 0)
				N = (modes[m] & 1) ? 10000 : 65536;
			uint64_t span = 3ull * N + 10;
			unsigned edges = check_edges(&p, 2, W, W + span);
			unsigned mode = (modes[m] >> 1) & 7;
			if (mode > 5)
				mode -= 4;
			if ((mode == 2 || mode == 3) && N >= 2)
				assert_true(edges >= 5);
			if (mode == 0)
				assert_int_equal(edges, 1);
			if (mode == 1 || mode == 4 || mode == 5)
				assert_int_equal(edges, 2);
		}
	}
}

/* Deterministic pseudo-random accesses to counter 2 (gate toggles, count
 * writes, latches, reads) in every mode: between accesses, next_edge must
 * agree with OUT tick by tick, whatever pending/paused state results. */
static void test_next_edge_random_ops(void **state)
{
	(void)state;
	static const uint8_t modes[] = { 0x30, 0x32, 0x34, 0x36, 0x38, 0x3a, 0x10, 0x26 };
	uint32_t x = 12345;
	for (size_t m = 0; m < sizeof(modes); m++) {
		struct pit p;
		pit_fresh(&p);
		program(&p, W, 2, modes[m], 9);
		uint64_t k = W;
		for (int i = 0; i < 400; i++) {
			x = x * 1103515245u + 12345u;
			uint64_t next = k + 1 + (x >> 16) % 40;
			check_edges(&p, 2, k, next - 1);
			k = next;
			uint64_t t = tk(k) + (x >> 8) % 800;
			switch ((x >> 24) % 5) {
			case 0:
			case 1:
				pit_write(&p, t, 0x61, (uint8_t)(pit_read(&p, t, 0x61) ^ 1));
				break;
			case 2:
				pit_write(&p, t, 0x42, (uint8_t)(1 + (x >> 4) % 23));
				break;
			case 3:
				pit_write(&p, t, 0x43, 0x80);
				break;
			default:
				pit_read(&p, t, 0x42);
				break;
			}
			/* From the access time itself, too. */
			check_both(&p, 2, t);
			uint64_t e = pit_next_edge(&p, 2, t);
			assert_true(e > t);
			if (e != UINT64_MAX) {
				assert_true(pit_out(&p, 2, e) != pit_out(&p, 2, e - 1));
				for (uint64_t j = pit_ticks_at(t) + 1; tk(j) < e; j++)
					assert_true(pit_out(&p, 2, tk(j)) == pit_out(&p, 2, t));
			}
		}
	}
}

/* ---- W5: new counts while counting ---- */

static void test_w5_mode2_end_of_period(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x34, 100); /* rising edges at W+1+100k */
	/* New count 10 written mid-period: takes effect at W+201. */
	pit_write(&p, tk(W + 150), 0x40, 10);
	pit_write(&p, tk(W + 150), 0x40, 0);
	assert_int_equal(read_status(&p, tk(W + 150), 0) & 0x40, 0x40); /* NULL COUNT */
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 150)), tk(W + 200)); /* old low strobe */
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 200)), tk(W + 201));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 201)), tk(W + 210));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 210)), tk(W + 211));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 211)), tk(W + 220));
	check_edges(&p, 0, W + 150, W + 300);
	assert_int_equal(latch_read(&p, tk(W + 199), 0), 2);
	assert_int_equal(latch_read(&p, tk(W + 201), 0), 10);
	assert_int_equal(read_status(&p, tk(W + 201), 0) & 0x40, 0);
}

static void test_w5_mode3_end_of_half_cycle(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x36, 100); /* high W+1..W+50, low W+51..W+100 */
	pit_write(&p, tk(W + 20), 0x40, 10);
	pit_write(&p, tk(W + 20), 0x40, 0);
	/* The high half ends as planned at W+51; the low half uses N=10. */
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 20)), tk(W + 51));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 51)), tk(W + 56));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 56)), tk(W + 61));
	check_edges(&p, 0, W + 20, W + 200);
	/* Written during the low half: new count from the next rising edge. */
	pit_fresh(&p);
	program(&p, W, 0, 0x36, 100);
	pit_write(&p, tk(W + 70), 0x40, 6);
	pit_write(&p, tk(W + 70), 0x40, 0);
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 70)), tk(W + 101));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 101)), tk(W + 104));
	check_edges(&p, 0, W + 70, W + 200);
}

static void test_w5_mode0_mode4_restart(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x30, 100);
	/* Rewrite after terminal count: OUT low at once, restart. */
	pit_write(&p, tk(W + 200), 0x40, 5);
	assert_false(pit_out(&p, 0, tk(W + 200)));
	pit_write(&p, tk(W + 200), 0x40, 0);
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 200)), tk(W + 206));
	/* Mode 4 rewrite during counting: reloads on the next CLK. */
	pit_fresh(&p);
	program(&p, W, 0, 0x38, 100);
	pit_write(&p, tk(W + 50), 0x40, 5);
	pit_write(&p, tk(W + 50), 0x40, 0);
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 50)), tk(W + 56));
	check_edges(&p, 0, W + 50, W + 300);
}

static void test_w4_first_byte_stops_mode0(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x30, 100);
	uint64_t t = tk(W + 40);
	pit_write(&p, t, 0x40, 0x10); /* LSB only: counting stops, OUT low */
	assert_false(pit_out(&p, 0, t));
	assert_int_equal(pit_next_edge(&p, 0, t), UINT64_MAX);
	uint16_t held = latch_read(&p, tk(W + 500), 0);
	assert_int_equal(held, 100 - 39);
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 500)), UINT64_MAX);
	pit_write(&p, tk(W + 600), 0x40, 0x00); /* MSB: count 0x10 loads on W+601 */
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 600)), tk(W + 601 + 0x10));
}

/* ---- control word, latch, read-back, status, flip-flops ---- */

static void test_control_word_semantics(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x34, 100);
	pit_write(&p, tk(W + 10), 0x43, 0x00); /* latch */
	/* C3: reprogramming releases the latch, stops counting, OUT high. */
	pit_write(&p, tk(W + 20), 0x43, 0x34);
	assert_true(pit_out(&p, 0, tk(W + 20)));
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 20)), UINT64_MAX);
	assert_int_equal(read_status(&p, tk(W + 30), 0), 0x80 | 0x40 | 0x34);
	uint16_t v = latch_read(&p, tk(W + 40), 0);
	assert_int_equal(v, 100 - 19); /* frozen where it stopped, not the old latch */
	/* Mode 0 control word drives OUT low. */
	pit_write(&p, tk(W + 50), 0x43, 0x30);
	assert_false(pit_out(&p, 0, tk(W + 50)));
	/* C2: status shows mode bits as written (0x3e -> 111). */
	pit_write(&p, tk(W + 60), 0x43, 0x3e);
	assert_int_equal(read_status(&p, tk(W + 61), 0) & 0x3f, 0x3e);
	/* A latched status survives reprogramming (only a read releases it). */
	pit_write(&p, tk(W + 61), 0x43, 0xe2);
	pit_write(&p, tk(W + 61), 0x43, 0x30);
	assert_int_equal(pit_read(&p, tk(W + 61), 0x40), 0x80 | 0x40 | 0x3e);
	/* C5: 0x43 reads float high. */
	assert_int_equal(pit_read(&p, tk(W + 62), 0x43), 0xff);
}

static void test_latch_held_and_ignored(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x34, 1000);
	pit_write(&p, tk(W + 11), 0x43, 0x00); /* CE 990 */
	pit_write(&p, tk(W + 51), 0x43, 0x00); /* ignored: not yet read */
	assert_int_equal(pit_read(&p, tk(W + 100), 0x40), 990 & 0xff);
	pit_write(&p, tk(W + 151), 0x43, 0x00); /* ignored: MSB unread */
	assert_int_equal(pit_read(&p, tk(W + 200), 0x40), 990 >> 8);
	/* Released: live reads again. */
	uint8_t lo = pit_read(&p, tk(W + 301), 0x40);
	uint8_t hi = pit_read(&p, tk(W + 301), 0x40);
	assert_int_equal(lo | hi << 8, 700);
	/* LSB-only counter: one-byte latch. */
	program(&p, W + 400, 1, 0x14, 200);
	pit_write(&p, tk(W + 411), 0x43, 0x40);
	assert_int_equal(pit_read(&p, tk(W + 420), 0x41), 190);
	assert_int_equal(pit_read(&p, tk(W + 421), 0x41), 180);
}

struct readback_case {
	uint8_t cmd;
	/* per counter: bytes expected after the command (status first) */
	int nbytes[3];
	bool status[3];
};

static const struct readback_case readback_cases[] = {
	{ 0xc2, { 3, 0, 0 }, { true, false, false } },   /* count+status ch0 */
	{ 0xd2, { 2, 0, 0 }, { false, false, false } },  /* count only ch0 */
	{ 0xe2, { 1, 0, 0 }, { true, false, false } },   /* status only ch0 */
	{ 0xde, { 2, 2, 2 }, { false, false, false } },  /* counts of all */
	{ 0xee, { 1, 1, 1 }, { true, true, true } },     /* statuses of all */
	{ 0xce, { 3, 3, 3 }, { true, true, true } },     /* both, all */
	{ 0xc8, { 0, 0, 3 }, { false, false, true } },   /* both, ch2 */
	{ 0xf2, { 0, 0, 0 }, { false, false, false } },  /* neither */
};

static void test_readback(void **state)
{
	(void)state;
	static const uint16_t n[3] = { 1000, 2000, 3000 };
	for (size_t i = 0; i < sizeof(readback_cases) / sizeof(readback_cases[0]); i++) {
		const struct readback_case *c = &readback_cases[i];
		struct pit p;
		pit_fresh(&p);
		pit_write(&p, 0, 0x61, 0x01);
		for (unsigned ch = 0; ch < 3; ch++)
			program(&p, W, ch, 0x34, n[ch]);
		pit_write(&p, tk(W + 101), 0x43, c->cmd); /* CE = N - 100 */
		for (unsigned ch = 0; ch < 3; ch++) {
			uint64_t t = tk(W + 501); /* live value would be N - 500 */
			uint16_t port = (uint16_t)(0x40 + ch);
			int b = c->nbytes[ch];
			if (c->status[ch]) {
				assert_int_equal(pit_read(&p, t, port), 0x34 | 0x80);
				b--;
			}
			if (b == 2) {
				uint8_t lo = pit_read(&p, t, port), hi = pit_read(&p, t, port);
				assert_int_equal(lo | hi << 8, n[ch] - 100);
			}
			/* Afterwards: live reads. */
			uint8_t lo = pit_read(&p, t, port), hi = pit_read(&p, t, port);
			assert_int_equal(lo | hi << 8, n[ch] - 500);
		}
	}
	/* L6: a second status latch before the read is ignored. */
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x30, 10);
	pit_write(&p, tk(W + 2), 0x43, 0xe2);   /* OUT 0 */
	pit_write(&p, tk(W + 50), 0x43, 0xe2);  /* OUT 1 now: ignored */
	assert_int_equal(pit_read(&p, tk(W + 60), 0x40), 0x30);
	assert_int_equal(read_status(&p, tk(W + 60), 0), 0xb0);
}

static void test_null_count(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	assert_int_equal(read_status(&p, tk(5), 0), 0xf6); /* power-on: CW 0x36, no count */
	pit_write(&p, tk(W), 0x43, 0x34);
	assert_int_equal(read_status(&p, tk(W), 0) & 0x40, 0x40);
	pit_write(&p, tk(W), 0x40, 0x10);
	pit_write(&p, tk(W), 0x40, 0x00);
	assert_int_equal(read_status(&p, tk(W) + 1, 0) & 0x40, 0x40);
	assert_int_equal(read_status(&p, tk(W + 1), 0) & 0x40, 0x00);
	/* Mode 1 on counter 0: never triggered, NULL COUNT stays set. */
	pit_write(&p, tk(W + 5), 0x43, 0x32);
	pit_write(&p, tk(W + 5), 0x40, 5);
	pit_write(&p, tk(W + 5), 0x40, 0);
	assert_int_equal(read_status(&p, tk(W + 500), 0), 0x80 | 0x40 | 0x32);
}

static void test_flip_flops_interleave(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 0, 0x30, 0x1234); /* CE 0x1234 - d */
	uint64_t t = tk(W + 1 + 0x34);   /* CE 0x1200 */
	assert_int_equal(pit_read(&p, t, 0x40), 0x00);  /* read LSB */
	pit_write(&p, t, 0x40, 0x78);                   /* write LSB: stops (W4) */
	assert_int_equal(pit_read(&p, t, 0x40), 0x12);  /* read MSB */
	pit_write(&p, t, 0x40, 0x56);                   /* write MSB: 0x5678 */
	assert_int_equal(latch_read(&p, tk(W + 1 + 0x34 + 1), 0), 0x5678);
	/* MSB-only: reads give the MSB each time. */
	program(&p, W + 100000, 0, 0x20, 0x0300);
	assert_int_equal(pit_read(&p, tk(W + 100001), 0x40), 0x03);
	assert_int_equal(pit_read(&p, tk(W + 100002), 0x40), 0x02);
}

/* ---- gates and port 0x61 ---- */

static void test_gate_mode0_pauses(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	pit_write(&p, 0, 0x61, 0x01);
	program(&p, W, 2, 0x30, 100);
	pit_write(&p, tk(W + 31), 0x61, 0x00); /* CE 70, paused */
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 31)), UINT64_MAX);
	assert_int_equal(latch_read(&p, tk(W + 500), 2), 70);
	assert_false(pit_out(&p, 2, tk(W + 500)));
	pit_write(&p, tk(W + 1000), 0x61, 0x01); /* resumes: 70 more CLKs */
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 1000)), tk(W + 1070));
	check_edges(&p, 2, W + 1000, W + 1200);
	/* Count written with GATE low: loaded, not counting. */
	pit_write(&p, tk(W + 2000), 0x61, 0x00);
	program(&p, W + 2000, 2, 0x30, 50);
	assert_int_equal(latch_read(&p, tk(W + 2100), 2), 50);
	assert_int_equal(read_status(&p, tk(W + 2100), 2) & 0x40, 0);
	pit_write(&p, tk(W + 3000), 0x61, 0x01);
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 3000)), tk(W + 3050));
}

static void test_gate_mode2_mode3(void **state)
{
	(void)state;
	for (int mode3 = 0; mode3 <= 1; mode3++) {
		struct pit p;
		pit_fresh(&p);
		pit_write(&p, 0, 0x61, 0x01);
		program(&p, W, 2, mode3 ? 0x36 : 0x34, 10);
		uint64_t lowt = mode3 ? W + 7 : W + 10; /* OUT low here */
		assert_false(pit_out(&p, 2, tk(lowt)));
		pit_write(&p, tk(lowt), 0x61, 0x00); /* OUT high at once, stops */
		assert_true(pit_out(&p, 2, tk(lowt)));
		assert_int_equal(pit_next_edge(&p, 2, tk(lowt)), UINT64_MAX);
		/* Rising edge reloads on the next CLK and restarts the period. */
		pit_write(&p, tk(W + 100), 0x61, 0x01);
		assert_int_equal(pit_next_edge(&p, 2, tk(W + 100)),
				 tk(mode3 ? W + 106 : W + 110));
		check_edges(&p, 2, W + 100, W + 200);
		assert_int_equal(latch_read(&p, tk(W + 201), 2), mode3 ? 10 : 10);
	}
	/* Count written while GATE is low waits for the rising edge. */
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 2, 0x34, 10);
	assert_true(pit_out(&p, 2, tk(W + 50)));
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 50)), UINT64_MAX);
	pit_write(&p, tk(W + 50), 0x61, 0x01);
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 50)), tk(W + 60));
}

static void test_gate_mode1_mode5_trigger(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	program(&p, W, 2, 0x32, 5); /* mode 1 */
	assert_true(pit_out(&p, 2, tk(W + 10)));
	pit_write(&p, tk(W + 10), 0x61, 0x01); /* trigger: OUT low from W+11 */
	assert_true(pit_out(&p, 2, tk(W + 10)));
	assert_false(pit_out(&p, 2, tk(W + 11)));
	assert_true(pit_out(&p, 2, tk(W + 16)));
	assert_int_equal(read_status(&p, tk(W + 12), 2) & 0x40, 0);
	/* Retrigger during the pulse extends it. */
	pit_write(&p, tk(W + 20), 0x61, 0x00);
	pit_write(&p, tk(W + 20), 0x61, 0x01);
	pit_write(&p, tk(W + 23), 0x61, 0x00);
	pit_write(&p, tk(W + 23), 0x61, 0x01);
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 23)), tk(W + 29));
	check_edges(&p, 2, W + 23, W + 60);
	/* Mode 5: strobe N CLKs after the load. */
	pit_fresh(&p);
	program(&p, W, 2, 0x3a, 5);
	pit_write(&p, tk(W + 10), 0x61, 0x01);
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 10)), tk(W + 16));
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 16)), tk(W + 17));
	assert_int_equal(pit_next_edge(&p, 2, tk(W + 17)), UINT64_MAX);
}

static void test_port61(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	assert_true(pit_owns_port(0x40) && pit_owns_port(0x43) && pit_owns_port(0x61));
	assert_false(pit_owns_port(0x44) || pit_owns_port(0x3f) || pit_owns_port(0x60));
	assert_int_equal(pit_read(&p, tk(0), 0x61), 0x20); /* OUT2 high at power-on */
	pit_write(&p, tk(1), 0x61, 0xff); /* bits 4-7 read-only */
	assert_int_equal(pit_read(&p, tk(1), 0x61), 0x2f);
	/* Bit 4: toggles every 18 CLKs. */
	assert_int_equal(pit_read(&p, tk(17), 0x61) & 0x10, 0);
	assert_int_equal(pit_read(&p, tk(18), 0x61) & 0x10, 0x10);
	assert_int_equal(pit_read(&p, tk(35), 0x61) & 0x10, 0x10);
	assert_int_equal(pit_read(&p, tk(36), 0x61) & 0x10, 0);
	/* Bit 5: OUT2 (mode 3, gate high). */
	program(&p, W, 2, 0x36, 4);
	assert_int_equal(pit_read(&p, tk(W + 1), 0x61) & 0xe0, 0x20);
	assert_int_equal(pit_read(&p, tk(W + 3), 0x61) & 0xe0, 0x00);
	/* Speaker enable has no effect on OUT2. */
	pit_write(&p, tk(W + 4), 0x61, 0x01);
	assert_int_equal(pit_read(&p, tk(W + 5), 0x61) & 0x23, 0x21);
	/* Counter 0/1 gates are tied high: port 0x61 does not touch them. */
	program(&p, W + 100, 0, 0x30, 10);
	pit_write(&p, tk(W + 105), 0x61, 0x00);
	assert_int_equal(pit_next_edge(&p, 0, tk(W + 105)), tk(W + 111));
	/* Unowned ports. */
	pit_write(&p, tk(W + 106), 0x44, 0x12);
	assert_int_equal(pit_read(&p, tk(W + 106), 0x44), 0xff);
}

/* ---- Linux guest patterns (G5) ---- */

static void test_linux_quick_pit_calibrate(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	uint64_t t = 123456789;
	pit_write(&p, t, 0x61, (uint8_t)((pit_read(&p, t, 0x61) & ~0x02) | 0x01));
	pit_write(&p, t, 0x43, 0xb0);
	pit_write(&p, t, 0x42, 0xff);
	pit_write(&p, t, 0x42, 0xff);
	int last = 0x100;
	unsigned steps = 0;
	for (int i = 0; i < 2000; i++) {
		t += 5000; /* ~6 CLKs per inb pair */
		pit_read(&p, t, 0x42); /* LSB */
		int msb = pit_read(&p, t, 0x42);
		assert_true(msb <= last);
		if (msb < last)
			steps++;
		last = msb;
	}
	/* 10 ms of counting: ~11931 CLKs = ~46 MSB steps. */
	assert_true(steps >= 45 && steps <= 48);
}

static void test_linux_pit_calibrate_tsc(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	const uint16_t latch = 11932; /* 10 ms */
	uint64_t t = 5000000;
	pit_write(&p, t, 0x61, (uint8_t)((pit_read(&p, t, 0x61) & ~0x02) | 0x01));
	pit_write(&p, t, 0x43, 0xb0);
	pit_write(&p, t, 0x42, latch & 0xff);
	pit_write(&p, t, 0x42, latch >> 8);
	uint64_t start = pit_ticks_at(t);
	unsigned loops = 0;
	while ((pit_read(&p, t, 0x61) & 0x20) == 0) {
		t += 1000;
		loops++;
	}
	assert_true(loops > 1000);
	/* OUT2 rose on tick start + latch + 1, between the last two samples. */
	assert_true(pit_ticks_at(t) >= start + latch + 1);
	assert_true(pit_ticks_at(t - 1000) < start + latch + 1);
}

static void test_linux_i8253_read(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	const uint16_t latch = 1193; /* HZ=1000 */
	program(&p, W, 0, 0x34, latch);
	for (uint64_t d = 0; d < 5000; d += 37) {
		uint16_t c = latch_read(&p, tk(W + 1 + d) + 100, 0);
		assert_true(c >= 1 && c <= latch);
		assert_int_equal(c, latch - d % latch);
	}
}

/* ---- 1 kHz for ten years: no drift ---- */

static void test_1khz_ten_years(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	pit_write(&p, 0, 0x43, 0x34);
	pit_write(&p, 0, 0x40, 1193 & 0xff);
	pit_write(&p, 0, 0x40, 1193 >> 8); /* load on tick 1 */
	const uint64_t ten_years = 315576000ull * NS_PER_SEC;
	uint64_t k = pit_ticks_at(ten_years) / 1193;
	uint64_t rise = 1 + k * 1193;
	/* Walk 3000 edges from ten years on, by next_edge only. */
	uint64_t t = pit_tick_time(rise - 1);
	for (unsigned i = 0; i < 3000; i++) {
		uint64_t e = pit_next_edge(&p, 0, t);
		assert_int_equal(e, pit_tick_time(rise));
		assert_true(pit_out(&p, 0, e));
		assert_false(pit_out(&p, 0, e - 1));
		uint64_t f = pit_next_edge(&p, 0, e);
		assert_int_equal(f, pit_tick_time(rise + 1192));
		t = f;
		rise += 1193;
	}
	/* A count read there is exact too. */
	assert_int_equal(latch_read(&p, pit_tick_time(rise - 1193 + 100), 0), 1193 - 100);
}

/* ---- reset ---- */

static void test_reset_state(void **state)
{
	(void)state;
	struct pit p;
	pit_fresh(&p);
	for (unsigned ch = 0; ch < 3; ch++) {
		/* as if control word 0x36 had been written: mode 3, OUT high */
		assert_true(pit_out(&p, ch, 0));
		assert_true(pit_out(&p, ch, 10 * NS_PER_SEC));
		assert_int_equal(pit_next_edge(&p, ch, 0), UINT64_MAX);
		assert_int_equal(read_status(&p, 100, ch), 0xf6);
	}
	/* OUT2 reads back through port 0x61 bit 5 */
	assert_int_equal(pit_read(&p, 0, 0x61) & 0x20, 0x20);
	assert_int_equal(pit_read(&p, 0, 0x61) & 0x01, 0);
	assert_false(pit_out(&p, 7, 0));
	assert_int_equal(pit_next_edge(&p, 7, 0), UINT64_MAX);
}

/* ---- save / load ---- */

static size_t save(struct pit *p, uint8_t *buf, size_t len)
{
	struct ser s = { .buf = buf, .len = len, .load = 0 };
	pit_serialize(p, &s);
	assert_null(s.err);
	return s.pos;
}

static const char *load(struct pit *p, uint8_t *buf, size_t len)
{
	struct ser s = { .buf = buf, .len = len, .load = 1 };
	pit_serialize(p, &s);
	return s.err;
}

static void build_busy(struct pit *p)
{
	pit_fresh(p);
	pit_write(p, 0, 0x61, 0x03);
	program(p, W, 0, 0x34, 1193);
	program(p, W, 1, 0x36, 0x1001);
	program(p, W, 2, 0x36, 77);
	pit_write(p, tk(W + 40), 0x42, 20); /* W5 pending on ch2 */
	pit_write(p, tk(W + 40), 0x42, 0);
	pit_write(p, tk(W + 40), 0x43, 0xc2); /* latched status+count ch0 */
}

static void test_serialize_roundtrip(void **state)
{
	(void)state;
	struct pit a, b;
	uint8_t buf[512];
	build_busy(&a);
	size_t n = save(&a, buf, sizeof(buf));
	struct ser m = { .buf = NULL, .len = SIZE_MAX };
	pit_serialize(&a, &m);
	assert_int_equal(m.pos, n);
	pit_fresh(&b);
	assert_null(load(&b, buf, n));
	for (uint64_t k = W + 40; k < W + 400; k++)
		for (unsigned ch = 0; ch < 3; ch++) {
			assert_int_equal(pit_out(&a, ch, tk(k)), pit_out(&b, ch, tk(k)));
			assert_int_equal(pit_next_edge(&a, ch, tk(k)), pit_next_edge(&b, ch, tk(k)));
		}
	uint8_t buf2[512];
	assert_int_equal(save(&b, buf2, sizeof(buf2)), n);
	assert_memory_equal(buf, buf2, n);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pit_read(&a, tk(W + 41), 0x40), pit_read(&b, tk(W + 41), 0x40));
}

/* Regression (fuzz_board): a count written in the last PIT tick before
 * UINT64_MAX ns schedules its load on the next CLK, one tick past
 * pit_ticks_at(UINT64_MAX); saving that state worked but loading it was
 * refused ("pit: bad pending load"), so such a keyframe was unusable. */
static void test_serialize_load_pending_at_end_of_time(void **state)
{
	(void)state;
	struct pit a, b;
	uint8_t buf[512];
	pit_fresh(&a);
	for (unsigned mode = 0; mode < 6; mode++) {
		pit_write(&a, UINT64_MAX, 0x43, (uint8_t)(0x30 | mode << 1));
		pit_write(&a, UINT64_MAX, 0x40, 0x10);
		pit_write(&a, UINT64_MAX, 0x40, 0x00);
		size_t n = save(&a, buf, sizeof(buf));
		pit_fresh(&b);
		assert_null(load(&b, buf, n));
		assert_int_equal(pit_next_edge(&a, 0, UINT64_MAX), pit_next_edge(&b, 0, UINT64_MAX));
	}
}

/* Modes 2 and 3, running near the end of time: a new count waits for the
 * end of the period / half-cycle (DS W5), up to a full count past the last
 * tick before UINT64_MAX ns. The loader accepted only max_tick + 1 ("pit:
 * bad pending load"). Found by fuzz_board. */
static void test_serialize_w5_pending_past_end_of_time(void **state)
{
	(void)state;
	struct pit a, b;
	uint8_t buf[512];
	uint64_t max_tick = pit_ticks_at(UINT64_MAX);
	for (unsigned mode = 2; mode < 4; mode++) {
		pit_fresh(&a);
		program(&a, max_tick - 10, 0, (uint8_t)(0x30 | mode << 1), 0); /* N = 65536 */
		pit_write(&a, UINT64_MAX, 0x40, 0x34);
		pit_write(&a, UINT64_MAX, 0x40, 0x12);
		size_t n = save(&a, buf, sizeof(buf));
		pit_fresh(&b);
		assert_null(load(&b, buf, n));
		assert_int_equal(pit_next_edge(&a, 0, UINT64_MAX), pit_next_edge(&b, 0, UINT64_MAX));
		assert_int_equal(pit_out(&a, 0, UINT64_MAX), pit_out(&b, 0, UINT64_MAX));
		assert_int_equal(latch_read(&a, UINT64_MAX, 0), latch_read(&b, UINT64_MAX, 0));
	}
}

/* Mode 3, a count of 1 written during the high half of a running count
 * (DS W5): the new count starts with its low half, so the load was
 * scheduled with phase (1 + 1) / 2 = 1, not < the count; the loader
 * refused that keyframe ("pit: bad pending phase") and, once the load was
 * due, the running segment ("pit: bad phase"). Found by fuzz_board. */
static void test_serialize_mode3_count1_in_high_half(void **state)
{
	(void)state;
	struct pit a, b;
	uint8_t buf[512];
	pit_fresh(&a);
	program(&a, W, 0, 0x36, 100); /* high W+1..W+50 */
	pit_write(&a, tk(W + 20), 0x40, 1);
	pit_write(&a, tk(W + 20), 0x40, 0);
	uint64_t ticks[] = { W + 20, W + 50, W + 51, W + 52, W + 1000 };
	for (unsigned i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++) {
		uint64_t t = tk(ticks[i]);
		/* Reading settles a due load into the running segment. */
		(void)latch_read(&a, t, 0);
		size_t n = save(&a, buf, sizeof(buf));
		pit_fresh(&b);
		assert_null(load(&b, buf, n));
		assert_int_equal(pit_next_edge(&a, 0, t), pit_next_edge(&b, 0, t));
		assert_int_equal(pit_out(&a, 0, t), pit_out(&b, 0, t));
		assert_int_equal(latch_read(&a, t, 0), latch_read(&b, t, 0));
	}
	/* DS mode 3, odd N: high (N+1)/2 CLKs, low (N-1)/2: with N = 1 OUT
	 * stays high, so the old high half never ends in a low edge. */
	assert_true(pit_out(&a, 0, tk(W + 51)));
	assert_true(pit_out(&a, 0, tk(W + 5000)));
	assert_int_equal(pit_next_edge(&a, 0, tk(W + 20)), UINT64_MAX);
}

/* Offsets in the saved layout (version byte, then 3 x 59-byte channels). */
#define CH_SIZE 59
#define OFF_CH(i) (1 + (i) * CH_SIZE)
#define OFF_CONTROL 0
#define OFF_MODE 1
#define OFF_RUNNING 13
#define OFF_CR 19
#define OFF_COUNT 23

static void put32(uint8_t *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void test_serialize_rejects(void **state)
{
	(void)state;
	struct pit a, b;
	uint8_t good[512], bad[512];
	build_busy(&a);
	size_t n = save(&a, good, sizeof(good));
	assert_int_equal(n, 1 + 3 * CH_SIZE + 1);
	assert_int_equal(good[OFF_CH(0) + OFF_RUNNING], 1);
	struct {
		const char *name;
		size_t off;
		int width;
		uint32_t value;
	} cases[] = {
		{ "version", 0, 1, 9 },
		{ "running count 0 (CVE-2015-7513)", OFF_CH(0) + OFF_COUNT, 4, 0 },
		{ "count > 65536", OFF_CH(0) + OFF_COUNT, 4, 0x10001 },
		{ "count register 0", OFF_CH(1) + OFF_CR, 4, 0 },
		{ "mode 6 stored", OFF_CH(0) + OFF_MODE, 1, 6 },
		{ "mode not matching control", OFF_CH(0) + OFF_MODE, 1, 3 },
		{ "control rw=00", OFF_CH(0) + OFF_CONTROL, 1, 0x04 },
		{ "flag 2", OFF_CH(0) + OFF_RUNNING, 1, 2 },
		{ "port61 bit7", n - 1, 1, 0x83 },
		{ "gate2 vs port61", n - 1, 1, 0x02 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(bad, good, n);
		if (cases[i].width == 1)
			bad[cases[i].off] = (uint8_t)cases[i].value;
		else
			put32(bad + cases[i].off, cases[i].value);
		pit_fresh(&b);
		struct pit before = b;
		if (!load(&b, bad, n))
			fail_msg("accepted bad state: %s", cases[i].name);
		assert_memory_equal(&b, &before, sizeof(b));
	}
	/* Truncation at every length. */
	for (size_t len = 0; len < n; len++) {
		pit_fresh(&b);
		assert_non_null(load(&b, good, len));
	}
}

static void test_print(void **state)
{
	(void)state;
	struct pit p;
	build_busy(&p);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	assert_non_null(f);
	pit_print(&p, tk(W + 41), f);
	fclose(f);
	assert_non_null(strstr(s, "ch0: cw=0x34 mode=2 rw=lsb/msb bin cr=1193"));
	assert_non_null(strstr(s, "ch2: cw=0x36 mode=3"));
	assert_non_null(strstr(s, "pending=20@"));
	assert_non_null(strstr(s, "status=0x"));
	free(s);
}


/* Model variant pit.cw_keeps_counting (checklist C3, QEMU/KVM): a control
 * word with the running mode does not stop the counter; the datasheet's
 * behaviour (default) stops it until a count is written. */
static void test_variant_cw_keeps_counting(void **state)
{
	(void)state;
	for (unsigned variant = 0; variant < 2; variant++) {
		struct pit p, q;
		uint8_t buf[512];
		pit_fresh(&p);
		p.cw_keeps_counting = (uint8_t)variant;
		pit_write(&p, tk(W), 0x43, 0x34); /* ch0 mode 2, lsb/msb */
		pit_write(&p, tk(W), 0x40, 100);
		pit_write(&p, tk(W), 0x40, 0);
		assert_int_not_equal(pit_next_edge(&p, 0, tk(W + 150)), UINT64_MAX);
		pit_write(&p, tk(W + 150), 0x43, 0x34); /* same mode, no count */
		uint64_t next = pit_next_edge(&p, 0, tk(W + 150));
		if (variant) {
			/* still the old period: OUT falls at count 1 of the 2nd cycle */
			assert_int_equal(next, tk(W + 1 + 199));
			assert_int_equal(pit_out(&p, 0, tk(W + 1 + 199)), 0);
		} else {
			assert_int_equal(next, UINT64_MAX);
		}
		size_t n = save(&p, buf, sizeof(buf));
		assert_int_equal(buf[0], variant ? 2 : 1);
		pit_fresh(&q);
		assert_null(load(&q, buf, n));
		assert_int_equal(q.cw_keeps_counting, variant);
		assert_int_equal(pit_next_edge(&q, 0, tk(W + 150)), next);
		/* another mode still stops the counter, variant or not */
		pit_write(&p, tk(W + 160), 0x43, 0x30);
		assert_int_equal(pit_next_edge(&p, 0, tk(W + 160)), UINT64_MAX);
		/* the variant is a model setting, not chip state: a reset (a
		 * guest reboot in a what-if replay) keeps it, as the PIC's do */
		pit_reset(&p, tk(W + 170));
		assert_int_equal(p.cw_keeps_counting, variant);
	}
}

/* pit_periodic (the board's per-edge shortcut): from one edge of a counter
 * counting in mode 2 or 3, the next edge is the edge's tick plus the low or
 * high length and OUT toggles, exactly as pit_out_next_edge computes it
 * from the load; BCD counts, odd and even, the smallest and largest. */
static void test_periodic_carries_edges(void **state)
{
	(void)state;
	static const uint8_t cws[] = { 0x34, 0x36, 0x35, 0x37 }; /* mode 2/3, binary/BCD */
	static const uint16_t counts[] = { 2, 3, 4, 5, 7, 0x10, 1193, 0x2e9b, 0x9999, 0 };
	for (unsigned i = 0; i < sizeof(cws); i++) {
		for (unsigned j = 0; j < sizeof(counts) / sizeof(counts[0]); j++) {
			struct pit p;
			uint32_t low = 0, high = 0;
			pit_fresh(&p);
			assert_false(pit_periodic(&p, 0, tk(W), &low, &high)); /* not counting */
			uint16_t n = counts[j];
			if ((cws[i] & 1) && (n & 0xf) > 9)
				continue; /* not a BCD count */
			program(&p, W, 0, cws[i], n);
			uint64_t t = tk(W + 3), e;
			assert_false(pit_periodic(&p, 3, t, &low, &high));
			assert_false(pit_periodic(&p, 0, tk(W), &low, &high)); /* load due */
			bool out = pit_out_next_edge(&p, 0, t, &e);
			assert_true(pit_periodic(&p, 0, t, &low, &high));
			assert_true(low >= 1 && high >= 1);
			uint64_t k = pit_ticks_at(e);
			assert_int_equal(pit_tick_time(k), e);
			for (unsigned edge = 0; edge < 64; edge++) {
				uint64_t next;
				bool o = pit_out_next_edge(&p, 0, e, &next);
				assert_int_equal(o, !out);
				out = o;
				k += out ? high : low;
				assert_int_equal(next, pit_tick_time(k));
				e = next;
			}
		}
	}
	/* not periodic: mode 0, mode 2 with a count of 1... (the PIT's
	 * general path), a load still due */
	struct pit p;
	uint32_t low, high;
	pit_fresh(&p);
	program(&p, W, 0, 0x30, 100);
	assert_false(pit_periodic(&p, 0, tk(W + 3), &low, &high));
	pit_fresh(&p);
	program(&p, W, 0, 0x34, 1);
	assert_false(pit_periodic(&p, 0, tk(W + 3), &low, &high));
	pit_fresh(&p);
	program(&p, W, 0, 0x34, 100);
	pit_write(&p, tk(W + 10), 0x40, 50);
	pit_write(&p, tk(W + 10), 0x40, 0); /* loads at the end of the period */
	assert_false(pit_periodic(&p, 0, tk(W + 10), &low, &high));
	assert_true(pit_periodic(&p, 0, tk(W + 200), &low, &high)); /* loaded */
	assert_int_equal(low, 1);
	assert_int_equal(high, 49);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_roundtrip),
		cmocka_unit_test(test_out_waveforms),
		cmocka_unit_test(test_count_reads),
		cmocka_unit_test(test_bcd_terminal_count),
		cmocka_unit_test(test_next_edge_bruteforce),
		cmocka_unit_test(test_next_edge_random_ops),
		cmocka_unit_test(test_w5_mode2_end_of_period),
		cmocka_unit_test(test_w5_mode3_end_of_half_cycle),
		cmocka_unit_test(test_w5_mode0_mode4_restart),
		cmocka_unit_test(test_w4_first_byte_stops_mode0),
		cmocka_unit_test(test_control_word_semantics),
		cmocka_unit_test(test_latch_held_and_ignored),
		cmocka_unit_test(test_readback),
		cmocka_unit_test(test_null_count),
		cmocka_unit_test(test_flip_flops_interleave),
		cmocka_unit_test(test_gate_mode0_pauses),
		cmocka_unit_test(test_gate_mode2_mode3),
		cmocka_unit_test(test_gate_mode1_mode5_trigger),
		cmocka_unit_test(test_port61),
		cmocka_unit_test(test_linux_quick_pit_calibrate),
		cmocka_unit_test(test_linux_pit_calibrate_tsc),
		cmocka_unit_test(test_linux_i8253_read),
		cmocka_unit_test(test_1khz_ten_years),
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_serialize_roundtrip),
		cmocka_unit_test(test_serialize_rejects),
		cmocka_unit_test(test_serialize_load_pending_at_end_of_time),
		cmocka_unit_test(test_serialize_mode3_count1_in_high_half),
		cmocka_unit_test(test_serialize_w5_pending_past_end_of_time),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_variant_cw_keeps_counting),
		cmocka_unit_test(test_periodic_carries_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
