/* SPDX-License-Identifier: MIT */
/* The HPET alone (chips/hpet.c): one test per register behaviour and per
 * bug class of docs/chips-conformance.md section 5 (ids in the names where
 * they exist). The default clock is 100 MHz: tick k happens at 10k ns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chips/hpet.h"

#define T(n) (HPET_TIMER0 + 0x20u * (n))
#define NEVER UINT64_MAX

static void w32(struct hpet *h, uint64_t now, uint32_t off, uint32_t v)
{
	hpet_write(h, now, off, 4, v);
}

static void w64(struct hpet *h, uint64_t now, uint32_t off, uint64_t v)
{
	hpet_write(h, now, off, 8, v);
}

static uint32_t r32(struct hpet *h, uint64_t now, uint32_t off)
{
	return (uint32_t)hpet_read(h, now, off, 4);
}

static uint64_t r64(struct hpet *h, uint64_t now, uint32_t off)
{
	return hpet_read(h, now, off, 8);
}

static void init(struct hpet *h)
{
	hpet_init(h, HPET_CLOCK_100MHZ);
}

/* Advance in steps to `until`, stopping at every event, collecting the
 * pulse times of timer n (at most max). Returns the number of pulses. */
static unsigned run_pulses(struct hpet *h, uint64_t from, uint64_t until, unsigned n,
			   uint64_t *times, unsigned max)
{
	unsigned count = 0;
	uint64_t now = from;
	for (;;) {
		uint64_t e = hpet_next_event(h, now);
		if (e == NEVER || e > until)
			break;
		assert_true(e > now);
		now = e;
		unsigned p = hpet_advance(h, now);
		if ((p >> n) & 1u) {
			if (count < max)
				times[count] = now;
			count++;
		}
	}
	hpet_advance(h, until);
	return count;
}

/* H1: GCAP_ID, as one 64-bit and as two 32-bit reads. */
static void h1_gcap_id(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	uint64_t v = r64(&h, 0, HPET_GCAP_ID);
	assert_int_equal(v & 0xff, 0x01);                /* REV_ID */
	assert_int_equal((v >> 8) & 0x1f, HPET_TIMERS - 1); /* NUM_TIM_CAP */
	assert_true(v & (1u << 13));                      /* COUNT_SIZE_CAP */
	assert_true(v & (1u << 15));                      /* LEG_RT_CAP */
	assert_int_equal((v >> 16) & 0xffff, 0x8086);
	assert_int_equal(v >> 32, 10000000u);
	assert_int_equal(r32(&h, 0, HPET_GCAP_ID), (uint32_t)v);
	assert_int_equal(r32(&h, 0, HPET_GCAP_ID + 4), (uint32_t)(v >> 32));
	w64(&h, 0, HPET_GCAP_ID, 0); /* read-only */
	assert_int_equal(r64(&h, 0, HPET_GCAP_ID), v);
	hpet_init(&h, HPET_CLOCK_14MHZ);
	assert_int_equal(r64(&h, 0, HPET_GCAP_ID) >> 32, 69841279u);
}

/* H2: ENABLE_CNF runs the main counter; clearing it halts the counter. */
static void h2_enable_runs_and_halts(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	assert_int_equal(r64(&h, 5000, HPET_MAIN_CNT), 0);
	w32(&h, 1000, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(r64(&h, 2000, HPET_MAIN_CNT), 100);
	assert_int_equal(r32(&h, 2000, HPET_MAIN_CNT), 100);
	w32(&h, 3000, HPET_GEN_CONF, 0);
	assert_int_equal(r64(&h, 1000000, HPET_MAIN_CNT), 200);
	assert_int_equal(r64(&h, 1000000, HPET_GEN_CONF), 0);
	w32(&h, 1000000, HPET_GEN_CONF, HPET_ENABLE_CNF | 0xfc); /* reserved bits */
	assert_int_equal(r64(&h, 1000000, HPET_GEN_CONF), HPET_ENABLE_CNF);
	assert_int_equal(r64(&h, 1000100, HPET_MAIN_CNT), 210);
}

/* H3: MAIN_CNT is writable only while halted, in halves and whole. */
static void h3_main_cnt_write_halted_only(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, HPET_MAIN_CNT + 4, 0x12345678);
	w32(&h, 0, HPET_MAIN_CNT, 0x9abcdef0);
	assert_int_equal(r64(&h, 0, HPET_MAIN_CNT), 0x123456789abcdef0ull);
	w64(&h, 0, HPET_MAIN_CNT, 0x1000);
	assert_int_equal(r64(&h, 10, HPET_MAIN_CNT), 0x1000);
	w32(&h, 10, HPET_GEN_CONF, HPET_ENABLE_CNF);
	w64(&h, 20, HPET_MAIN_CNT, 0); /* running: ignored */
	assert_int_equal(r64(&h, 20, HPET_MAIN_CNT), 0x1001);
}

/* H4: GINTR_STA: a level timer's status is set at its match, writing 0
 * changes nothing, writing 1 clears it. */
static void h4_gintr_sta_write_one_clears(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, T(2) + HPET_TN_CONF, HPET_TN_INT_TYPE | HPET_TN_INT_ENB);
	w64(&h, 0, T(2) + HPET_TN_CMP, 100);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 1000);
	assert_int_equal(hpet_advance(&h, 1000), 0); /* level: no pulse */
	assert_true(hpet_line(&h, 2));
	assert_int_equal(r32(&h, 1000, HPET_GINTR_STA), 4);
	w32(&h, 1000, HPET_GINTR_STA, 0);
	assert_int_equal(r32(&h, 1000, HPET_GINTR_STA), 4);
	w64(&h, 1000, HPET_GINTR_STA, 0xfffffffffffffffbull); /* not bit 2 */
	assert_int_equal(r32(&h, 1000, HPET_GINTR_STA), 4);
	w32(&h, 1000, HPET_GINTR_STA, 4);
	assert_int_equal(r32(&h, 1000, HPET_GINTR_STA), 0);
	assert_false(hpet_line(&h, 2));
	/* a 64-bit one-shot does not match again: no further event */
	assert_int_equal(hpet_next_event(&h, 1000), NEVER);
}

/* H5: Tn_CONF_CAP: capabilities read-only, bits a timer lacks stay 0. */
static void h5_timer_caps(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	uint64_t c0 = r64(&h, 0, T(0)), c1 = r64(&h, 0, T(1)), c2 = r64(&h, 0, T(2));
	assert_int_equal(c0, HPET_TN_PER_CAP | HPET_TN_SIZE_CAP | HPET_TN_FSB_CAP | (uint64_t)HPET_ROUTE_CAP << 32);
	assert_int_equal(c1, HPET_TN_FSB_CAP | (uint64_t)HPET_ROUTE_CAP << 32);
	assert_int_equal(c2, HPET_TN_SIZE_CAP | (uint64_t)HPET_ROUTE_CAP << 32);
	w64(&h, 0, T(1), UINT64_MAX & ~(uint64_t)HPET_TN_ROUTE_MASK);
	/* timer 1: no periodic, no 32MODE (32-bit already), FSB yes */
	assert_int_equal(r64(&h, 0, T(1)) & 0xffff,
			 HPET_TN_INT_TYPE | HPET_TN_INT_ENB | HPET_TN_FSB_EN | HPET_TN_FSB_CAP);
	w64(&h, 0, T(2), UINT64_MAX & ~(uint64_t)HPET_TN_ROUTE_MASK);
	assert_int_equal(r64(&h, 0, T(2)) & 0xffff,
			 HPET_TN_INT_TYPE | HPET_TN_INT_ENB | HPET_TN_32MODE | HPET_TN_SIZE_CAP);
	w32(&h, 0, T(0) + 4, 0); /* the high half (INT_ROUTE_CAP) is read-only */
	assert_int_equal(r32(&h, 0, T(0) + 4), HPET_ROUTE_CAP);
}

/* H6: INT_ROUTE takes only routes in INT_ROUTE_CAP; another value reads
 * back different (the old route is kept). */
static void h6_int_route_cap(void **state)
{
	(void)state;
	struct hpet h;
	unsigned gsi = 99;
	init(&h);
	assert_int_equal(hpet_route(&h, 2, &gsi), HPET_ROUTE_NONE); /* route 0 not in the cap */
	w32(&h, 0, T(2), 21u << HPET_TN_ROUTE_SHIFT);
	assert_int_equal((r32(&h, 0, T(2)) & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT, 21);
	assert_int_equal(hpet_route(&h, 2, &gsi), HPET_ROUTE_GSI);
	assert_int_equal(gsi, 21);
	w32(&h, 0, T(2), 11u << HPET_TN_ROUTE_SHIFT);
	assert_int_equal((r32(&h, 0, T(2)) & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT, 21);
}

/* H7: an edge one-shot pulses once at its match, at the exact tick time. */
static void h7_one_shot_edge(void **state)
{
	(void)state;
	struct hpet h;
	uint64_t at[4];
	init(&h);
	w32(&h, 0, T(0), HPET_TN_INT_ENB);
	w64(&h, 0, T(0) + HPET_TN_CMP, 12345);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(run_pulses(&h, 0, 10000000000ull, 0, at, 4), 1);
	assert_int_equal(at[0], 123450);
	assert_int_equal(r32(&h, 200000, HPET_GINTR_STA), 0); /* edge: no status */
}

/* H8: a periodic timer pulses every period and its comparator moves on. */
static void h8_periodic(void **state)
{
	(void)state;
	struct hpet h;
	uint64_t at[8];
	init(&h);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w64(&h, 0, T(0) + HPET_TN_CMP, 1000);
	assert_int_equal(r32(&h, 0, T(0)) & HPET_TN_VAL_SET, 0); /* cleared by the write */
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(run_pulses(&h, 0, 50000, 0, at, 8), 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(at[i], 10000 * (i + 1));
	assert_int_equal(r64(&h, 50000, T(0) + HPET_TN_CMP), 6000);
	/* a write without VAL_SET changes the period from the next match on */
	w64(&h, 50000, T(0) + HPET_TN_CMP, 2000);
	assert_int_equal(r64(&h, 50000, T(0) + HPET_TN_CMP), 6000);
	assert_int_equal(run_pulses(&h, 50000, 100000, 0, at, 8), 3);
	assert_int_equal(at[0], 60000);
	assert_int_equal(at[1], 80000);
	assert_int_equal(at[2], 100000);
}

/* H9 (bug class VAL_SET): Linux's legacy periodic sequence in 32MODE:
 * VAL_SET, comparator := counter + delta, then comparator := delta. */
static void h9_val_set_linux_sequence(void **state)
{
	(void)state;
	struct hpet h;
	uint64_t at[4];
	init(&h);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	uint32_t cnt = r32(&h, 777770, HPET_MAIN_CNT);
	assert_int_equal(cnt, 77777);
	w32(&h, 777770, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET | HPET_TN_32MODE);
	w32(&h, 777770, T(0) + HPET_TN_CMP, cnt + 100000);
	w32(&h, 777770, T(0) + HPET_TN_CMP, 100000);
	assert_int_equal(r64(&h, 777770, T(0) + HPET_TN_CMP), cnt + 100000);
	assert_int_equal(run_pulses(&h, 777770, 777770 + 3000000, 0, at, 4), 3);
	assert_int_equal(at[0], 777770 + 1000000);
	assert_int_equal(at[1], 777770 + 2000000);
	assert_int_equal(at[2], 777770 + 3000000);
}

/* H10 (bug class: VAL_SET and the high half): in 64-bit mode a low and then
 * a high 32-bit write with VAL_SET both reach the accumulator; the high
 * write clears VAL_SET. */
static void h10_val_set_high_half(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w32(&h, 0, T(0) + HPET_TN_CMP, 0x200);
	assert_true(r32(&h, 0, T(0)) & HPET_TN_VAL_SET);
	w32(&h, 0, T(0) + HPET_TN_CMP + 4, 0);
	assert_false(r32(&h, 0, T(0)) & HPET_TN_VAL_SET);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0x200); /* not 0xffffffff_00000200 */
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 0x200 * 10);
}

/* H11 (bug class: 64-bit accesses): VAL_SET applies to both halves of one
 * 8-byte write; every register answers 64-bit accesses like two 32-bit. */
static void h11_64bit_accesses(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w64(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w64(&h, 0, T(0) + HPET_TN_CMP, 0x100000400ull);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0x100000400ull);
	assert_false(r32(&h, 0, T(0)) & HPET_TN_VAL_SET);
	w64(&h, 0, T(0) + HPET_TN_FSB, 0xfee01000000000abull);
	assert_int_equal(r32(&h, 0, T(0) + HPET_TN_FSB), 0xab);
	assert_int_equal(r32(&h, 0, T(0) + HPET_TN_FSB + 4), 0xfee01000u);
	static const uint32_t regs[] = { HPET_GCAP_ID, HPET_GEN_CONF, HPET_GINTR_STA, HPET_MAIN_CNT,
					 T(0), T(0) + 8, T(0) + 16, T(1), T(1) + 8, T(2) + 16 };
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		uint64_t v = r64(&h, 0, regs[i]);
		assert_int_equal((uint32_t)v, r32(&h, 0, regs[i]));
		assert_int_equal((uint32_t)(v >> 32), r32(&h, 0, regs[i] + 4));
	}
	/* misaligned or odd sizes: all ones, no effect */
	assert_int_equal(r64(&h, 0, HPET_MAIN_CNT + 4), UINT64_MAX);
	assert_int_equal(hpet_read(&h, 0, HPET_GCAP_ID + 2, 4), 0xffffffffu);
	assert_int_equal(hpet_read(&h, 0, HPET_GCAP_ID, 2), 0xffffffffu);
	w64(&h, 0, T(0) + HPET_TN_CMP + 4, 0);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0x100000400ull);
}

/* H12 (bug class: period clamping): a period above 2^31 (32-bit) and one
 * written in two halves above 2^32 (64-bit) are taken exactly. */
static void h12_no_period_clamping(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	/* 32-bit mode, period 0x80000010 ticks */
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET | HPET_TN_32MODE);
	w32(&h, 0, T(0) + HPET_TN_CMP, 0x80000010u);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	uint64_t t1 = hpet_next_event(&h, 0);
	assert_int_equal(t1, 0x80000010ull * 10);
	assert_int_equal(hpet_advance(&h, t1), 1);
	assert_int_equal(hpet_next_event(&h, t1), 2 * 0x80000010ull * 10);
	assert_int_equal(r32(&h, t1, T(0) + HPET_TN_CMP), 0x00000020u); /* 2 * P mod 2^32 */
	/* 64-bit: period 0x1_00000100 written low then high */
	init(&h);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w32(&h, 0, T(0) + HPET_TN_CMP, 0x100);
	w32(&h, 0, T(0) + HPET_TN_CMP + 4, 1);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	t1 = hpet_next_event(&h, 0);
	assert_int_equal(t1, 0x100000100ull * 10);
	hpet_advance(&h, t1);
	assert_int_equal(r64(&h, t1, T(0) + HPET_TN_CMP), 0x200000200ull);
}

/* H13 (bug class: status persistence): a level -> edge switch clears the
 * status bit and drops the line. */
static void h13_level_to_edge_clears(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, T(2), HPET_TN_INT_TYPE | HPET_TN_INT_ENB | (20u << HPET_TN_ROUTE_SHIFT));
	w64(&h, 0, T(2) + HPET_TN_CMP, 10);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	hpet_advance(&h, 100);
	assert_true(hpet_line(&h, 2));
	w32(&h, 200, T(2), HPET_TN_INT_ENB | (20u << HPET_TN_ROUTE_SHIFT));
	assert_false(hpet_line(&h, 2));
	assert_int_equal(r32(&h, 200, HPET_GINTR_STA), 0);
}

/* H14 (bug class: status persistence): a level timer that matched while
 * INT_ENB was clear has its status set; enabling it raises the line. */
static void h14_enable_fired_level_timer(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, T(2), HPET_TN_INT_TYPE);
	w64(&h, 0, T(2) + HPET_TN_CMP, 10);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), NEVER); /* nothing visible */
	assert_int_equal(r32(&h, 1000, HPET_GINTR_STA), 4);
	assert_false(hpet_line(&h, 2));
	w32(&h, 1000, T(2), HPET_TN_INT_TYPE | HPET_TN_INT_ENB);
	assert_true(hpet_line(&h, 2));
	/* ENABLE_CNF cleared: interrupts off, status kept; set again: back */
	w32(&h, 2000, HPET_GEN_CONF, 0);
	assert_false(hpet_line(&h, 2));
	assert_int_equal(r32(&h, 2000, HPET_GINTR_STA), 4);
	w32(&h, 3000, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_true(hpet_line(&h, 2));
}

/* H15 (bug class: disabled timers): INT_ENB clear never interrupts, yet a
 * periodic comparator keeps moving and a level status still gets set. */
static void h15_disabled_timer_counts_never_fires(void **state)
{
	(void)state;
	struct hpet h;
	uint64_t at[2];
	init(&h);
	w32(&h, 0, T(0), HPET_TN_TYPE | HPET_TN_VAL_SET | HPET_TN_INT_TYPE);
	w64(&h, 0, T(0) + HPET_TN_CMP, 100);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(run_pulses(&h, 0, 100000, 0, at, 2), 0);
	assert_false(hpet_line(&h, 0));
	assert_int_equal(r32(&h, 100000, HPET_GINTR_STA), 1);
	/* matches at 100, 200, ..., 10000: the accumulator is at 10100 */
	assert_int_equal(r64(&h, 100000, T(0) + HPET_TN_CMP), 10100);
	/* edge and disabled: no event is ever scheduled */
	w32(&h, 100000, T(0), HPET_TN_TYPE);
	assert_int_equal(hpet_next_event(&h, 100000), NEVER);
	assert_int_equal(hpet_advance(&h, 1000000000), 0);
}

/* H16 (bug class: 32-bit mode): the comparator's high bits are ignored,
 * the match is on the counter's low 32 bits. */
static void h16_mode32_ignores_high_bits(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w64(&h, 0, HPET_MAIN_CNT, 0x500000000ull);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_32MODE);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0xffffffffu); /* truncated reset value */
	w64(&h, 0, T(0) + HPET_TN_CMP, 0x700000064ull);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0x64);
	w32(&h, 0, T(0) + HPET_TN_CMP + 4, 0x7);
	assert_int_equal(r32(&h, 0, T(0) + HPET_TN_CMP + 4), 0);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 1000); /* counter 0x5_00000064 */
	/* a native 32-bit timer: same */
	w32(&h, 0, T(1) + HPET_TN_CMP + 4, 0x7);
	assert_int_equal(r64(&h, 0, T(1) + HPET_TN_CMP), 0xffffffffu);
}

/* H17 (decision: 32-bit one-shot wrap): a 32-bit one-shot matches again
 * each time the low 32 bits come round (2^32 ticks), and only then. */
static void h17_mode32_one_shot_repeats_on_wrap(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, T(1), HPET_TN_INT_ENB);
	w32(&h, 0, T(1) + HPET_TN_CMP, 50);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 500);
	assert_int_equal(hpet_advance(&h, 500), 2);
	assert_int_equal(hpet_next_event(&h, 500), (0x100000000ull + 50) * 10);
}

/* H18 (bug class: full 64-bit target): a comparator above 2^32 fires at
 * its 64-bit value, not at its low 32 bits. */
static void h18_full_64bit_target(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, T(2), HPET_TN_INT_ENB);
	w64(&h, 0, T(2) + HPET_TN_CMP, 0x100000010ull);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 0x100000010ull * 10);
	assert_int_equal(hpet_advance(&h, 160), 0);
}

/* H19 (bug class: comparator of all ones): it fires when the counter gets
 * there (the reset value is all ones: it is a real target, not "off"). */
static void h19_comparator_all_ones(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), UINT64_MAX);
	w64(&h, 0, HPET_MAIN_CNT, UINT64_MAX - 15);
	w32(&h, 0, T(0), HPET_TN_INT_ENB);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 150);
	assert_int_equal(hpet_advance(&h, 150), 1);
	assert_int_equal(r64(&h, 160, HPET_MAIN_CNT), 0); /* wrapped */
	assert_int_equal(hpet_next_event(&h, 160), NEVER);
}

/* H20 (bug class: decoding off by one): timer HPET_TIMERS does not exist:
 * its registers read 0 and writes reach nothing. */
static void h20_nonexistent_timer(void **state)
{
	(void)state;
	struct hpet h, before;
	init(&h);
	w32(&h, 0, T(2) + HPET_TN_CMP, 0x1234);
	memcpy(&before, &h, sizeof(h));
	for (uint32_t off = T(HPET_TIMERS); off < T(HPET_TIMERS) + 0x20; off += 4) {
		assert_int_equal(r32(&h, 0, off), 0);
		w32(&h, 0, off, 0xffffffffu);
	}
	assert_int_equal(r64(&h, 0, T(HPET_TIMERS)), 0);
	w64(&h, 0, T(HPET_TIMERS) + 8, UINT64_MAX);
	assert_memory_equal(&h, &before, sizeof(h));
	assert_int_equal(r64(&h, 0, T(2) + 0x18), 0); /* reserved slot of timer 2 */
	assert_int_equal(r64(&h, 0, 0x3f8), 0);
	assert_int_equal(hpet_read(&h, 0, HPET_SIZE, 4), 0xffffffffu);
}

/* H21 (bug class: periodic storms): a 1-tick period delivers at most one
 * pulse per 10 us; the comparator still counts every match. */
static void h21_periodic_storm_capped(void **state)
{
	(void)state;
	struct hpet h;
	uint64_t at[128];
	init(&h);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w64(&h, 0, T(0) + HPET_TN_CMP, 1);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	unsigned n = run_pulses(&h, 0, 1000000, 0, at, 128); /* 1 ms */
	assert_int_equal(n, 100);
	assert_int_equal(at[0], 10);
	for (unsigned i = 1; i < 100; i++)
		assert_int_equal(at[i] - at[i - 1], 10000);
	/* counter 100000 at 1 ms: every match happened */
	assert_int_equal(r64(&h, 1000000, T(0) + HPET_TN_CMP), 100001);
}

/* H22 (decision: comparator in the past): it fires only when the counter
 * comes round to it: after a 32-bit wrap, never in 64-bit mode. */
static void h22_comparator_in_the_past(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	w32(&h, 10000, T(1), HPET_TN_INT_ENB);
	w32(&h, 10000, T(1) + HPET_TN_CMP, 500); /* counter is 1000 */
	assert_int_equal(hpet_next_event(&h, 10000), (0x100000000ull + 500) * 10);
	w32(&h, 10000, T(2), HPET_TN_INT_ENB);
	w64(&h, 10000, T(2) + HPET_TN_CMP, 500);
	w32(&h, 10000, T(1), 0);
	assert_int_equal(hpet_next_event(&h, 10000), NEVER);
	/* equal to the counter now: also a full round away */
	w64(&h, 10000, T(2) + HPET_TN_CMP, 1000);
	assert_int_equal(hpet_next_event(&h, 10000), NEVER);
}

/* H23: legacy replacement routes timers 0 and 1 to IRQ0/IRQ8 whatever
 * their INT_ROUTE or FSB setting; timer 2 keeps its own route. */
static void h23_legacy_route(void **state)
{
	(void)state;
	struct hpet h;
	unsigned gsi = 99;
	init(&h);
	w32(&h, 0, T(0), HPET_TN_FSB_EN);
	w32(&h, 0, T(1), 22u << HPET_TN_ROUTE_SHIFT);
	w32(&h, 0, T(2), 23u << HPET_TN_ROUTE_SHIFT);
	assert_int_equal(hpet_route(&h, 0, &gsi), HPET_ROUTE_FSB);
	w32(&h, 0, HPET_GEN_CONF, HPET_LEG_RT_CNF);
	assert_true(hpet_legacy(&h));
	assert_int_equal(hpet_route(&h, 0, &gsi), HPET_ROUTE_GSI);
	assert_int_equal(gsi, 0);
	assert_int_equal(hpet_route(&h, 1, &gsi), HPET_ROUTE_GSI);
	assert_int_equal(gsi, 8);
	assert_int_equal(hpet_route(&h, 2, &gsi), HPET_ROUTE_GSI);
	assert_int_equal(gsi, 23);
}

/* H24: FSB delivery: one message per match (also for a level timer, whose
 * status is still kept), no level output. */
static void h24_fsb(void **state)
{
	(void)state;
	struct hpet h;
	uint32_t addr, data;
	init(&h);
	w32(&h, 0, T(1), HPET_TN_FSB_EN | HPET_TN_INT_ENB | HPET_TN_INT_TYPE);
	w64(&h, 0, T(1) + HPET_TN_FSB, 0xfee00000000040d1ull);
	w32(&h, 0, T(1) + HPET_TN_CMP, 10);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&h, 0), 100);
	assert_int_equal(hpet_advance(&h, 100), 2);
	assert_false(hpet_line(&h, 1));
	assert_int_equal(r32(&h, 100, HPET_GINTR_STA), 2);
	hpet_fsb_msg(&h, 1, &addr, &data);
	assert_int_equal(addr, 0xfee00000u);
	assert_int_equal(data, 0x40d1);
	/* timer 2 has no FSB capability: FSB_EN cannot be set */
	w32(&h, 100, T(2), HPET_TN_FSB_EN);
	assert_int_equal(r32(&h, 100, T(2)) & HPET_TN_FSB_EN, 0);
}

/* H25: the 14.31818 MHz grid: tick times and ticks are exact inverses. */
static void h25_clock_grid(void **state)
{
	(void)state;
	for (uint64_t k = 0; k < 100000; k += 7) {
		uint64_t t = hpet_tick_time(HPET_CLOCK_14MHZ, k);
		assert_int_equal(hpet_ticks_at(HPET_CLOCK_14MHZ, t), k);
		if (t)
			assert_int_equal(hpet_ticks_at(HPET_CLOCK_14MHZ, t - 1), k - 1);
	}
	assert_int_equal(hpet_ticks_at(HPET_CLOCK_14MHZ, 1000000000), 14318180);
	assert_int_equal(hpet_ticks_at(HPET_CLOCK_100MHZ, UINT64_MAX), UINT64_MAX / 10);
	assert_int_equal(hpet_tick_time(HPET_CLOCK_100MHZ, UINT64_MAX), UINT64_MAX);
}

/* H26: keyframes: save, load, same behaviour; bad states refused. */
static void h26_serialize(void **state)
{
	(void)state;
	struct hpet h, g;
	uint8_t buf[512];
	init(&h);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w64(&h, 0, T(0) + HPET_TN_CMP, 1000);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	hpet_advance(&h, 25000);
	struct ser s = { .buf = buf, .len = sizeof(buf) };
	hpet_serialize(&h, &s);
	assert_null(s.err);
	size_t n = s.pos;
	hpet_init(&g, HPET_CLOCK_14MHZ);
	struct ser l = { .buf = buf, .len = n, .load = 1 };
	hpet_serialize(&g, &l);
	assert_null(l.err);
	assert_int_equal(hpet_next_event(&g, 25000), hpet_next_event(&h, 25000));
	assert_int_equal(r64(&g, 40000, T(0) + HPET_TN_CMP), r64(&h, 40000, T(0) + HPET_TN_CMP));
	buf[1] = 7; /* clock */
	struct ser bad = { .buf = buf, .len = n, .load = 1 };
	hpet_serialize(&g, &bad);
	assert_non_null(bad.err);
	struct ser trunc = { .buf = buf, .len = n - 1, .load = 1 };
	hpet_serialize(&g, &trunc);
	assert_non_null(trunc.err);
}

/* H27: reset: power-on registers, the clock kept. */
static void h27_reset(void **state)
{
	(void)state;
	struct hpet h;
	hpet_init(&h, HPET_CLOCK_14MHZ);
	w32(&h, 0, HPET_GEN_CONF, 3);
	w32(&h, 0, T(0), HPET_TN_INT_ENB);
	hpet_reset(&h);
	assert_int_equal(r64(&h, 100, HPET_GEN_CONF), 0);
	assert_int_equal(r64(&h, 100, HPET_MAIN_CNT), 0);
	assert_int_equal(r64(&h, 100, T(0) + HPET_TN_CMP), UINT64_MAX);
	assert_int_equal(r64(&h, 100, T(1) + HPET_TN_CMP), 0xffffffffu);
	assert_int_equal(r64(&h, 100, HPET_GCAP_ID) >> 32, 69841279u);
}


/* H28: the closed forms against stepping. Random register writes at random
 * times; board A is advanced at every counter tick, board B only at the
 * times hpet_next_event() names and at the writes. Both must pulse at the
 * same ticks, show the same lines, and read the same registers: the
 * schedule skips nothing and invents nothing, and settling many ticks at
 * once equals settling them one by one (periods, storm cap, 32-bit wraps,
 * status bits). */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void random_write(struct hpet *a, struct hpet *b, uint64_t now)
{
	static const uint32_t regs[] = { HPET_GEN_CONF, HPET_GINTR_STA, HPET_MAIN_CNT, T(0), T(0) + 8,
					 T(1), T(1) + 8, T(2), T(2) + 8, T(0) + 12 };
	uint32_t off = regs[rnd() % (sizeof regs / sizeof regs[0])];
	uint64_t v = rnd();
	if (off == HPET_GEN_CONF)
		v = (v & 3) | (rnd() % 4 ? HPET_ENABLE_CNF : 0);
	else if (off == HPET_MAIN_CNT)
		v = rnd() % 2 ? v & 0xfff : 0xfffffffffffff000ull | (v & 0xfff);
	else if ((off - HPET_TIMER0) % 0x20 == 8)
	{
		unsigned r = (unsigned)(rnd() % 8);
		if (r < 4) /* ahead of the counter */
			v = hpet_read(a, now, HPET_MAIN_CNT, 8) + (v & 0x1fff) + 1;
		else if (r < 6) /* a small period, or a comparator in the past */
			v = (v & 0x7ff) + 1;
		else /* near the 32-bit and the 64-bit wrap */
			v = r == 6 ? 0xffffffffull - (v & 0xff) : UINT64_MAX - (v & 0xff);
	}
	else if ((off - HPET_TIMER0) % 0x20 == 0)
		v = (v & 0x414e) | (rnd() % 4 ? HPET_TN_INT_ENB : 0) | (rnd() % 2 ? 20u << HPET_TN_ROUTE_SHIFT : 0);
	unsigned size = (off & 4) || rnd() % 2 ? 4 : 8;
	hpet_write(a, now, off, size, v);
	hpet_write(b, now, off, size, v);
}

static void h28_closed_forms_match_stepping(void **state)
{
	(void)state;
	unsigned long pulses = 0, high = 0;
	for (unsigned round = 0; round < 40; round++) {
		struct hpet a, b;
		init(&a);
		init(&b);
		/* start from a running periodic timer 0 (edge or level, 32- or
		 * 64-bit), then let the random writes change everything */
		uint64_t c0 = HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET | (rnd() % 2 ? HPET_TN_32MODE : 0) |
			      (round % 3 == 0 ? HPET_TN_INT_TYPE : 0);
		uint64_t p0 = 1 + rnd() % 4000;
		for (struct hpet *h = &a; h; h = h == &a ? &b : NULL) {
			w64(h, 0, T(0), c0);
			w64(h, 0, T(0) + HPET_TN_CMP, p0);
			w32(h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
		}
		uint64_t k = 0, tb = 0;
		uint64_t next_op = 1 + rnd() % 3000;
		for (unsigned step = 0; step < 60000; step++) {
			k++;
			uint64_t t = hpet_tick_time(HPET_CLOCK_100MHZ, k);
			unsigned pa = hpet_advance(&a, t);
			unsigned pb = 0;
			uint64_t e = hpet_next_event(&b, tb);
			assert_true(e > tb);
			if (e <= t) {
				assert_int_equal(e, t); /* B never skips a tick A acts on */
				pb = hpet_advance(&b, t);
				tb = t;
			}
			assert_int_equal(pa, pb);
			pulses += (unsigned long)__builtin_popcount(pa);
			for (unsigned n = 0; n < HPET_TIMERS; n++)
				high += hpet_line(&a, n);
			for (unsigned n = 0; n < HPET_TIMERS; n++)
				if (hpet_line(&a, n) != hpet_line(&b, n)) {
					/* a level line may only rise at an event B saw */
					fail_msg("round %u tick %llu: line %u differs", round, (unsigned long long)k, n);
				}
			if (k == next_op) {
				random_write(&a, &b, t);
				tb = t;
				uint32_t off = rnd() % 0x160 & ~7u;
				assert_int_equal(hpet_read(&a, t, off, 8), hpet_read(&b, t, off, 8));
				next_op = k + 1 + rnd() % 3000;
			}
		}
	}
	print_message("h28: %lu pulses, %lu line-high ticks\n", pulses, high);
	/* the scenarios did exercise both kinds of output */
	assert_true(pulses > 100);
	assert_true(high > 1000);
}


/* H29 (variant hpet.val_set_one_write, QEMU): VAL_SET clears after the low
 * half, so the high half of a 64-bit accumulator reaches only the period. */
static void h29_variant_val_set_one_write(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	h.val_set_one_write = 1;
	hpet_reset(&h); /* a reset keeps the variant */
	assert_int_equal(h.val_set_one_write, 1);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w32(&h, 0, T(0) + HPET_TN_CMP, 0x200);
	assert_false(r32(&h, 0, T(0)) & HPET_TN_VAL_SET);
	w32(&h, 0, T(0) + HPET_TN_CMP + 4, 0);
	/* the accumulator kept its reset high half (all ones): QEMU's early /
	 * missing first interrupt */
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0xffffffff00000200ull);
	/* an 8-byte write still reaches both halves */
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w64(&h, 0, T(0) + HPET_TN_CMP, 0x300);
	assert_int_equal(r64(&h, 0, T(0) + HPET_TN_CMP), 0x300);
	/* saved and loaded with the chip */
	uint8_t buf[512];
	struct ser s = { .buf = buf, .len = sizeof(buf) };
	hpet_serialize(&h, &s);
	struct hpet g;
	init(&g);
	struct ser l = { .buf = buf, .len = s.pos, .load = 1 };
	hpet_serialize(&g, &l);
	assert_null(l.err);
	assert_int_equal(g.val_set_one_write, 1);
}

/* H30 (variant hpet.qemu_wrap, QEMU's wrap_flag; docs/chips-hpet.md D2): a
 * 32-bit one-shot armed before the low counter's wrap also interrupts at
 * the wrap (low 32 bits 0xffffffff), once; then the match; the default
 * only the match. */
static void h30_variant_qemu_wrap(void **state)
{
	(void)state;
	for (unsigned variant = 0; variant < 2; variant++) {
		struct hpet h;
		init(&h);
		h.qemu_wrap = (uint8_t)variant;
		hpet_reset(&h); /* a reset keeps the variant */
		assert_int_equal(h.qemu_wrap, variant);
		w64(&h, 0, HPET_MAIN_CNT, 0xffffff00u);
		w32(&h, 0, T(1), HPET_TN_INT_ENB);
		w32(&h, 0, T(1) + HPET_TN_CMP, 0x100); /* after the wrap */
		w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
		uint64_t times[4];
		unsigned n = run_pulses(&h, 0, 20000, 1, times, 4);
		if (variant) {
			assert_int_equal(n, 2);
			assert_int_equal(times[0], 0xff * 10); /* counter 0xffffffff */
			assert_int_equal(times[1], 0x200 * 10); /* the match */
		} else {
			assert_int_equal(n, 1);
			assert_int_equal(times[0], 0x200 * 10);
		}
		/* the match recurs every 2^32 ticks; no second wrap interrupt */
		assert_int_equal(hpet_next_event(&h, 20000), (0x100000000ull + 0x200) * 10);
		assert_int_equal(r32(&h, 20000, T(1) + HPET_TN_CMP), 0x100);
	}
	/* 32MODE on a 64-bit timer too; a comparator before the wrap arms
	 * nothing; a periodic timer never */
	struct hpet h;
	init(&h);
	h.qemu_wrap = 1;
	w64(&h, 0, HPET_MAIN_CNT, 0xffffff00u);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_32MODE);
	w32(&h, 0, T(0) + HPET_TN_CMP, 0x100);
	w32(&h, 0, T(2), HPET_TN_INT_ENB | HPET_TN_32MODE);
	w32(&h, 0, T(2) + HPET_TN_CMP, 0xffffff80u);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_true(h.t[0].wrap_armed);
	assert_false(h.t[2].wrap_armed);
	assert_int_equal(hpet_next_event(&h, 0), 0x80 * 10);
	w32(&h, 0, T(0), HPET_TN_INT_ENB | HPET_TN_32MODE | HPET_TN_TYPE);
	assert_false(h.t[0].wrap_armed);
	/* a 64-bit one-shot: no wrap interrupt */
	w32(&h, 0, T(0), HPET_TN_INT_ENB);
	w64(&h, 0, T(0) + HPET_TN_CMP, 0x100000100ull);
	assert_false(h.t[0].wrap_armed);
	/* level: the wrap sets the status bit */
	struct hpet l;
	init(&l);
	l.qemu_wrap = 1;
	w64(&l, 0, HPET_MAIN_CNT, 0xffffff00u);
	w32(&l, 0, T(1), HPET_TN_INT_ENB | HPET_TN_INT_TYPE);
	w32(&l, 0, T(1) + HPET_TN_CMP, 0x100);
	w32(&l, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	assert_int_equal(hpet_next_event(&l, 0), 0xff * 10);
	assert_int_equal(hpet_advance(&l, 0xff * 10), 0);
	assert_true(hpet_line(&l, 1));
	assert_int_equal(r32(&l, 0xff * 10, HPET_GINTR_STA), 2);
}

/* Save state with an armed variant event and load it into a fresh chip:
 * the same schedule. */
static void roundtrip(struct hpet *h, struct hpet *g)
{
	uint8_t buf[512];
	struct ser s = { .buf = buf, .len = sizeof(buf) };
	hpet_serialize(h, &s);
	assert_null(s.err);
	init(g);
	struct ser l = { .buf = buf, .len = s.pos, .load = 1 };
	hpet_serialize(g, &l);
	assert_null(l.err);
	assert_int_equal(l.pos, s.pos);
}

/* H31 (variant hpet.qemu_past; docs/chips-hpet.md D3): a one-shot
 * comparator written at or behind the counter fires one tick later, once;
 * by default only when the counter comes round to it. */
static void h31_variant_qemu_past(void **state)
{
	(void)state;
	struct hpet h;
	init(&h);
	h.qemu_past = 1;
	hpet_reset(&h);
	assert_int_equal(h.qemu_past, 1);
	w32(&h, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	w32(&h, 10000, T(1), HPET_TN_INT_ENB);
	w32(&h, 10000, T(1) + HPET_TN_CMP, 500); /* counter is 1000 */
	assert_int_equal(hpet_next_event(&h, 10000), 10010);
	struct hpet g;
	roundtrip(&h, &g);
	assert_true(g.t[1].forced);
	assert_int_equal(g.t[1].force_at, 1001);
	assert_int_equal(hpet_next_event(&g, 10000), 10010);
	assert_int_equal(hpet_advance(&h, 10010), 2);
	/* once: then the 32-bit match, 2^32 ticks on */
	assert_int_equal(hpet_next_event(&h, 10010), (0x100000000ull + 500) * 10);
	assert_int_equal(r32(&h, 10010, T(1) + HPET_TN_CMP), 500);
	/* 64-bit, equal to the counter: next tick, then never */
	w32(&h, 10010, T(1), 0);
	w32(&h, 20000, T(2), HPET_TN_INT_ENB);
	w64(&h, 20000, T(2) + HPET_TN_CMP, 2000);
	assert_int_equal(hpet_next_event(&h, 20000), 20010);
	assert_int_equal(hpet_advance(&h, 20010), 4);
	assert_int_equal(hpet_next_event(&h, 20010), NEVER);
	/* a comparator ahead: no forced match */
	w64(&h, 20010, T(2) + HPET_TN_CMP, 3000);
	assert_false(h.t[2].forced);
	assert_int_equal(hpet_next_event(&h, 20010), 30000);
	/* level: the forced match sets the status */
	w32(&h, 20010, T(2), HPET_TN_INT_ENB | HPET_TN_INT_TYPE);
	w64(&h, 20010, T(2) + HPET_TN_CMP, 100);
	assert_int_equal(hpet_next_event(&h, 20010), 20020);
	assert_int_equal(hpet_advance(&h, 20020), 0);
	assert_int_equal(r32(&h, 20020, HPET_GINTR_STA), 4);
	/* periodic timers are not forced */
	w32(&h, 20020, T(0), HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	w64(&h, 20020, T(0) + HPET_TN_CMP, 10);
	assert_false(h.t[0].forced);
	/* default: the comparator in the past waits for the wrap */
	struct hpet d;
	init(&d);
	w32(&d, 0, HPET_GEN_CONF, HPET_ENABLE_CNF);
	w32(&d, 10000, T(1), HPET_TN_INT_ENB);
	w32(&d, 10000, T(1) + HPET_TN_CMP, 500);
	assert_int_equal(hpet_next_event(&d, 10000), (0x100000000ull + 500) * 10);
}

/* H32: state version 2 (the variants D2/D3) and keyframes of version 1
 * (before them): a version-1 state loads with both variants off. */
static void h32_state_versions(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct ser s = { .buf = buf, .len = sizeof(buf) };
	uint8_t version = 1, clock = HPET_CLOCK_100MHZ, one = 1;
	uint64_t conf = HPET_ENABLE_CNF, zero = 0, settled = 1000, offset = 5;
	ser_u8(&s, &version);
	ser_u8(&s, &clock);
	ser_u8(&s, &one);
	ser_u64(&s, &conf);
	ser_u64(&s, &zero);    /* isr */
	ser_u64(&s, &zero);    /* counter */
	ser_u64(&s, &offset);
	ser_u64(&s, &settled);
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		uint64_t tconf = n == 1 ? HPET_TN_INT_ENB : 0, cmp = n == 1 ? 2005 : 0xffffffffu;
		uint8_t fired = 0;
		ser_u64(&s, &tconf);
		ser_u64(&s, &cmp);
		ser_u64(&s, &zero); /* period */
		ser_u64(&s, &zero); /* fsb */
		ser_u64(&s, &zero); /* last_fire */
		ser_u8(&s, &fired);
	}
	assert_null(s.err);
	struct hpet h;
	init(&h);
	h.qemu_wrap = h.qemu_past = 1;
	struct ser l = { .buf = buf, .len = s.pos, .load = 1 };
	hpet_serialize(&h, &l);
	assert_null(l.err);
	assert_int_equal(l.pos, s.pos);
	assert_int_equal(h.val_set_one_write, 1);
	assert_int_equal(h.qemu_wrap, 0);
	assert_int_equal(h.qemu_past, 0);
	assert_int_equal(hpet_next_event(&h, 10000), 20000); /* counter 5 + 2000 = 2005 */
	/* version 2 is written now; an unknown version is refused */
	struct hpet g;
	roundtrip(&h, &g);
	uint8_t out[512];
	struct ser o = { .buf = out, .len = sizeof(out) };
	hpet_serialize(&h, &o);
	assert_int_equal(out[0], 2);
	out[0] = 3;
	struct ser bad = { .buf = out, .len = o.pos, .load = 1 };
	hpet_serialize(&g, &bad);
	assert_non_null(bad.err);
	/* an armed event the variant is off for is refused */
	out[0] = 2;
	h.t[1].forced = 1;
	h.t[1].force_at = h.settled + 1;
	struct ser o2 = { .buf = out, .len = sizeof(out) };
	hpet_serialize(&h, &o2);
	struct ser bad2 = { .buf = out, .len = o2.pos, .load = 1 };
	hpet_serialize(&g, &bad2);
	assert_non_null(bad2.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(h1_gcap_id),
		cmocka_unit_test(h2_enable_runs_and_halts),
		cmocka_unit_test(h3_main_cnt_write_halted_only),
		cmocka_unit_test(h4_gintr_sta_write_one_clears),
		cmocka_unit_test(h5_timer_caps),
		cmocka_unit_test(h6_int_route_cap),
		cmocka_unit_test(h7_one_shot_edge),
		cmocka_unit_test(h8_periodic),
		cmocka_unit_test(h9_val_set_linux_sequence),
		cmocka_unit_test(h10_val_set_high_half),
		cmocka_unit_test(h11_64bit_accesses),
		cmocka_unit_test(h12_no_period_clamping),
		cmocka_unit_test(h13_level_to_edge_clears),
		cmocka_unit_test(h14_enable_fired_level_timer),
		cmocka_unit_test(h15_disabled_timer_counts_never_fires),
		cmocka_unit_test(h16_mode32_ignores_high_bits),
		cmocka_unit_test(h17_mode32_one_shot_repeats_on_wrap),
		cmocka_unit_test(h18_full_64bit_target),
		cmocka_unit_test(h19_comparator_all_ones),
		cmocka_unit_test(h20_nonexistent_timer),
		cmocka_unit_test(h21_periodic_storm_capped),
		cmocka_unit_test(h22_comparator_in_the_past),
		cmocka_unit_test(h23_legacy_route),
		cmocka_unit_test(h24_fsb),
		cmocka_unit_test(h25_clock_grid),
		cmocka_unit_test(h26_serialize),
		cmocka_unit_test(h27_reset),
		cmocka_unit_test(h28_closed_forms_match_stepping),
		cmocka_unit_test(h29_variant_val_set_one_write),
		cmocka_unit_test(h30_variant_qemu_wrap),
		cmocka_unit_test(h31_variant_qemu_past),
		cmocka_unit_test(h32_state_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
