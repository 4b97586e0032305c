/* SPDX-License-Identifier: MIT */
/* Injected chip faults on the board alone (chips/fault.h, docs/faults.md):
 * the spec grammar, each kind acting exactly at its moment and only once,
 * keyframes carrying its progress, and explain naming it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chips/board.h"
#include "chips/clock.h"
#include "chips/explain.h"
#include "chips/fault.h"

#define CAP_MAX 4096

struct cap {
	unsigned n;
	struct irq_event ev[CAP_MAX];
};

static void cap_sink(void *ctx, const struct irq_event *ev)
{
	struct cap *c = ctx;
	if (c->n < CAP_MAX)
		c->ev[c->n++] = *ev;
}

static unsigned count_msgs(const struct cap *c, unsigned pin)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->ev[i].kind == EV_APIC_MSG && c->ev[i].u.apic.pin == pin;
	return n;
}

static unsigned count_irq0_rises(const struct cap *c, uint64_t *last_t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == EV_WIRE && c->ev[i].u.wire.id == WIRE_IRQ0 && c->ev[i].u.wire.level) {
			n++;
			*last_t = c->ev[i].t;
		}
	return n;
}

static struct board *board_new(struct cap *c, const char *spec)
{
	struct board *b = calloc(1, sizeof(*b));
	struct board_config cfg;
	struct board_fault f;
	assert_non_null(b);
	board_config_default(&cfg);
	assert_int_equal(board_init(b, &cfg, cap_sink, c), 0);
	board_keep_history(b);
	if (spec) {
		assert_null(board_fault_parse(spec, &f));
		assert_int_equal(board_add_fault(b, &f), 0);
	}
	return b;
}

static void rte(struct board *b, uint64_t t, unsigned pin, uint32_t lo)
{
	board_mmio_write(b, t, IOAPIC_BASE, 0x10 + 2 * pin);
	board_mmio_write(b, t, IOAPIC_BASE + 0x10, lo);
}

static uint32_t rte_read(struct board *b, uint64_t t, unsigned pin)
{
	board_mmio_write(b, t, IOAPIC_BASE, 0x10 + 2 * pin);
	return board_mmio_read(b, t, IOAPIC_BASE + 0x10);
}

/* Channel 0, LSB/MSB, mode 2, count n, written at t. */
static void pit_mode2(struct board *b, uint64_t t, uint16_t n)
{
	board_pio_write(b, t, 0x43, 0x34);
	board_pio_write(b, t, 0x40, (uint8_t)n);
	board_pio_write(b, t, 0x40, (uint8_t)(n >> 8));
}

/* ---- the grammar ---- */

static void spec_round_trips(void **state)
{
	(void)state;
	static const char *const ok[][2] = {
		{ "eoi-drop:pin=4,nth=3", "eoi-drop:pin=4,nth=3" },
		{ "eoi-drop:pin=4", "eoi-drop:pin=4,nth=1" },
		{ "edge-lose:line=4,nth=10", "edge-lose:line=4,nth=10" },
		{ "edge-lose:nth=2,pin=2", "edge-lose:pin=2,nth=2" },
		{ "pit-stop:at=500ms", "pit-stop:at=500ms" },
		{ "pit-stop:at=1500us", "pit-stop:at=1500us" },
		{ "pit-stop:after=500", "pit-stop:after=500" },
		{ "rte-mask:pin=2,at=1s", "rte-mask:pin=2,at=1s" },
		{ "rte-mask:pin=23,nth=7", "rte-mask:pin=23,nth=7" },
		{ "rte-mask:pin=2,at=1000000000ns", "rte-mask:pin=2,at=1s" },
	};
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct board_fault f;
		char buf[BOARD_FAULT_SPEC_MAX];
		const char *why = board_fault_parse(ok[i][0], &f);
		if (why)
			fail_msg("%s: %s", ok[i][0], why);
		board_fault_format(&f, buf, sizeof(buf));
		assert_string_equal(buf, ok[i][1]);
	}
}

static void bad_specs_say_why(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "", "unknown fault" },
		{ "eoi-dro:pin=1", "unknown fault" },
		{ "eoi-drop", "needs pin=" },
		{ "eoi-drop:pin=24", "pin must be 0..23" },
		{ "eoi-drop:pin=4,nth=0", "1 or more" },
		{ "eoi-drop:pin=4,nth=3,", "trailing comma" },
		{ "eoi-drop:pin=4,pin=5", "more than one pin" },
		{ "eoi-drop:line=4", "line= is for edge-lose" },
		{ "eoi-drop:pin=4,at=1s", "at= is for pit-stop" },
		{ "edge-lose:nth=2", "needs line= or pin=" },
		{ "pit-stop", "needs at=TIME or after=N" },
		{ "pit-stop:after=500ms", "for a time use at=" },
		{ "pit-stop:at=500", "with a unit" },
		{ "pit-stop:at=0s", "after 0" },
		{ "pit-stop:at=99999999999999999999s", "out of range" },
		{ "pit-stop:pin=2,at=1s", "no pin or line" },
		{ "rte-mask:pin=2", "needs at=TIME or nth=N" },
		{ "rte-mask:pin=2,nth=1,at=1s", "more than one" },
		{ "rte-mask:pin=2,mask", "KEY=VALUE" },
		{ "rte-mask:pin=2,color=red", "unknown parameter" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct board_fault f;
		const char *why = board_fault_parse(bad[i][0], &f);
		if (!why || !strstr(why, bad[i][1]))
			fail_msg("%s: got %s, want ...%s...", bad[i][0], why ? why : "(accepted)", bad[i][1]);
		assert_null(strchr(why, '\n'));
	}
}

/* ---- eoi-drop ---- */

/* One level interrupt on pin 4 (vector 0x40), serviced: the device drops
 * the line, then the EOI. */
static void level_round(struct board *b, uint64_t t)
{
	board_set_irq(b, t, 4, 1);
	board_set_irq(b, t + 10, 4, 0);
	board_eoi(b, t + 20, 0x40, 0);
}

static bool remote_irr(const struct board *b, unsigned pin)
{
	return (b->s.ioapic.rte[pin] >> 14) & 1u;
}

static void eoi_drop_fires_at_nth_only_once(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "eoi-drop:pin=4,nth=3");
	rte(b, 0, 4, 0x8040);
	board_eoi(b, 5, 0x40, 0); /* remote IRR clear: not an EOI of pin 4's */
	level_round(b, 100);
	level_round(b, 200);
	assert_false(remote_irr(b, 4));
	assert_int_equal(board_faults_fired(b), 0);
	level_round(b, 300); /* EOI #3: dropped */
	assert_true(remote_irr(b, 4));
	const struct board_fault *f = board_fault_at(b, 0);
	assert_int_equal(f->fired, 1);
	assert_int_equal(f->fired_t, 320);
	assert_int_equal(f->vector, 0x40);
	/* the line's next request waits for an EOI of 0x40: explain names the fault */
	board_set_irq(b, 400, 4, 1);
	assert_int_equal(count_msgs(c, 4), 3);
	struct board_why w;
	assert_true(board_explain_line(b, 4, NULL, &w));
	assert_string_equal(board_cause_key(w.cause), "remote_irr");
	assert_non_null(strstr(w.text, "EOI #3 (vector 0x40) was dropped"));
	assert_non_null(strstr(w.text, "--fault eoi-drop:pin=4,nth=3"));
	/* the guest's next EOI reaches the pin: the held request is delivered,
	 * and the fault does not act again */
	board_eoi(b, 500, 0x40, 0);
	assert_int_equal(count_msgs(c, 4), 4);
	board_set_irq(b, 510, 4, 0);
	board_eoi(b, 520, 0x40, 0);
	level_round(b, 600);
	assert_false(remote_irr(b, 4));
	assert_int_equal(count_msgs(c, 4), 5);
	assert_int_equal(board_faults_fired(b), 1);
	assert_int_equal(f->count, 3);
	assert_false(board_explain_line(b, 4, NULL, &w));
	free(b);
	free(c);
}

/* ---- edge-lose ---- */

static void edge_lose_line_hides_nth_assertion(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "edge-lose:line=3,nth=2");
	rte(b, 0, 3, 0x0033); /* edge, vector 0x33 */
	for (unsigned k = 0; k < 3; k++) {
		board_set_irq(b, 100 + 100 * k, 3, 1);
		if (k == 1) {
			/* the lost assertion: neither chip sees the line */
			struct board_why w;
			assert_true(board_explain_line(b, 3, NULL, &w));
			assert_non_null(strstr(w.text, "was lost by --fault edge-lose:line=3,nth=2"));
			assert_int_equal(b->s.pic.chip[0].line & 0x08, 0);
		}
		board_set_irq(b, 150 + 100 * k, 3, 0);
	}
	assert_int_equal(count_msgs(c, 3), 2);
	const struct board_fault *f = board_fault_at(b, 0);
	assert_int_equal(f->fired_t, 200);
	assert_int_equal(f->count, 2);
	assert_int_equal(b->s.faults.hide_pic | b->s.faults.hide_io, 0);
	free(b);
	free(c);
}

static void edge_lose_pin_keeps_the_pic(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "edge-lose:pin=2,nth=1");
	rte(b, 0, 2, 0x0030);
	pit_mode2(b, 0, 1193); /* line 0 -> IOAPIC pin 2 */
	board_advance(b, 3500000);
	/* 3 ticks, the first lost at pin 2 only */
	assert_int_equal(count_msgs(c, 2), 2);
	assert_int_equal(b->s.pic.chip[0].irr & 1, 1); /* the PIC saw them */
	assert_int_equal(board_fault_at(b, 0)->fired_t, pit_tick_time(1 + 1193));
	free(b);
	free(c);
}

/* ---- pit-stop ---- */

static void pit_stop_after_n_ticks(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "pit-stop:after=3");
	uint64_t last = 0;
	pit_mode2(b, 0, 1193);
	board_advance(b, 10000000);
	assert_int_equal(count_irq0_rises(c, &last), 3);
	assert_int_equal(last, pit_tick_time(1 + 3 * 1193));
	assert_int_equal(board_fault_at(b, 0)->fired_t, last);
	assert_int_equal(board_next_deadline(b), UINT64_MAX);
	/* reprogramming does not restart it: GATE stays low */
	pit_mode2(b, 10000000, 1193);
	board_advance(b, 20000000);
	assert_int_equal(count_irq0_rises(c, &last), 3);
	/* the counter reads frozen */
	board_pio_write(b, 20000000, 0x43, 0x00);
	uint8_t lo = board_pio_read(b, 20000000, 0x40);
	uint8_t hi = board_pio_read(b, 20000000, 0x40);
	board_pio_write(b, 30000000, 0x43, 0x00);
	assert_int_equal(board_pio_read(b, 30000000, 0x40), lo);
	assert_int_equal(board_pio_read(b, 30000000, 0x40), hi);
	free(b);
	free(c);
}

static void pit_stop_at_time(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "pit-stop:at=4500us");
	uint64_t last = 0;
	pit_mode2(b, 0, 1193);
	/* the board asks to be woken at the fault's moment */
	bool asked = false;
	board_advance(b, 10000000);
	for (unsigned i = 0; i < c->n; i++)
		asked |= c->ev[i].kind == EV_DEADLINE && c->ev[i].u.deadline.t == 4500000;
	assert_true(asked);
	assert_int_equal(count_irq0_rises(c, &last), 4);
	assert_true(last < 4500000);
	assert_int_equal(board_fault_at(b, 0)->fired_t, 4500000);
	assert_int_equal(board_faults_fired(b), 1);
	free(b);
	free(c);
}

/* ---- rte-mask ---- */

static void rte_mask_after_nth_message(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "rte-mask:pin=5,nth=2");
	board_pio_write(b, 0, 0x21, 0xff); /* no PIC path */
	rte(b, 0, 5, 0x8035); /* level, vector 0x35 */
	level_round(b, 100);   /* (pin 4: not this fault's) */
	for (unsigned k = 0; k < 3; k++) {
		board_set_irq(b, 1000 + 100 * k, 5, 1);
		board_set_irq(b, 1010 + 100 * k, 5, 0);
		board_eoi(b, 1020 + 100 * k, 0x35, 0);
	}
	assert_int_equal(count_msgs(c, 5), 2);
	assert_int_equal(board_fault_at(b, 0)->fired_t, 1100);
	assert_int_equal(rte_read(b, 2000, 5) & 0x10000, 0x10000); /* the guest sees it masked */
	board_set_irq(b, 2100, 5, 1);
	struct board_why w;
	assert_true(board_explain_line(b, 5, NULL, &w));
	/* (the masked PIC holds its edge too: pic_masked; the IOAPIC's mask is the fault's) */
	assert_non_null(strstr(w.text, "masked behind the guest's back at t=1100 ns by --fault rte-mask:pin=5,nth=2"));
	/* the guest unmasks it: delivered, and no second masking */
	rte(b, 2200, 5, 0x8035);
	assert_int_equal(count_msgs(c, 5), 3);
	assert_false(board_explain_line(b, 5, NULL, &w) && strstr(w.text, "--fault"));
	free(b);
	free(c);
}

static void rte_mask_at_time(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "rte-mask:pin=2,at=2500us");
	rte(b, 0, 2, 0x0030);
	pit_mode2(b, 0, 1193);
	board_advance(b, 6000000);
	assert_int_equal(count_msgs(c, 2), 2); /* ticks at ~1 and ~2 ms */
	assert_int_equal(board_fault_at(b, 0)->fired_t, 2500000);
	assert_int_equal(b->s.ioapic.rte[2] & 0x10000, 0x10000);
	free(b);
	free(c);
}

/* A fault that finds the entry already masked changes nothing: explain
 * must not blame it (the guest never unmasked the pin), and `fault` says
 * which fault a blamed state is. */
static void rte_mask_on_masked_entry_blames_nobody(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "rte-mask:pin=4,at=1000us");
	board_pio_write(b, 0, 0x21, 0xff); /* no PIC path */
	board_set_irq(b, 10, 4, 1);      /* pin 4: masked since power-on */
	board_advance(b, 2000000);
	assert_int_equal(board_fault_at(b, 0)->fired_t, 1000000); /* it fired (a mark) */
	struct board_why w;
	assert_true(board_explain_line(b, 4, NULL, &w));
	assert_null(strstr(w.text, "--fault"));
	assert_int_equal(w.fault, -1);
	free(b);
	free(c);
}

/* The guest's own write to a faulted entry takes the entry back: if it
 * masks it again itself, that mask is the guest's, not the fault's. */
static void rte_mask_guest_write_takes_the_entry_back(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "rte-mask:pin=4,at=1000us");
	board_pio_write(b, 0, 0x21, 0xff);
	rte(b, 0, 4, 0x0034);            /* edge, vector 0x34, unmasked */
	board_advance(b, 2000000);       /* the fault masks it */
	board_set_irq(b, 2000000, 4, 1);
	struct board_why w;
	assert_true(board_explain_line(b, 4, NULL, &w));
	assert_non_null(strstr(w.text, "by --fault rte-mask:pin=4,at=1ms"));
	assert_int_equal(w.fault, 0);
	rte(b, 3000000, 4, 0x10034);     /* the guest masks it itself */
	assert_true(board_explain_line(b, 4, NULL, &w));
	assert_null(strstr(w.text, "--fault"));
	assert_int_equal(w.fault, -1);
	free(b);
	free(c);
}

/* A version 5 keyframe (before the rule above) held such a fault: replay
 * of an old recording compares its keyframes with board_faults_follow, so
 * the old `held` is not a divergence; a version 6 keyframe's still is. */
static void rte_mask_v5_keyframes_follow(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "rte-mask:pin=4,at=1000us");
	struct board *kf = calloc(1, sizeof(*kf));
	uint8_t buf[4096];
	board_advance(b, 2000000); /* fires on the masked entry: holds nothing */
	assert_int_equal(board_fault_at(b, 0)->held, 0);
	size_t n = board_save(b, buf, sizeof(buf));
	assert_true(n > 6);
	assert_int_equal(buf[4] | buf[5] << 8, BOARD_STATE_VERSION);
	for (uint16_t v = 5; v <= 6; v++) {
		buf[4] = (uint8_t)v;
		board_init_blank(kf);
		assert_null(board_load(kf, buf, n));
		kf->s.faults.f[0].held = 1; /* what a version 5 recorder saved */
		assert_int_not_equal(board_state_hash(kf), board_state_hash(b));
		board_faults_follow(b, kf);
		if (v == 5)
			assert_int_equal(board_state_hash(kf), board_state_hash(b));
		else
			assert_int_not_equal(board_state_hash(kf), board_state_hash(b));
	}
	free(kf);
	free(b);
	free(c);
}

/* ---- keyframes ---- */

/* Run a scenario to `split`, save, load into a fresh board, and run both
 * to the end: the loaded board applies the fault exactly as the original. */
static void run_rounds(struct board *b, unsigned from, unsigned to)
{
	for (unsigned k = from; k < to; k++)
		level_round(b, 100 + 100 * k);
}

static void keyframe_carries_progress(void **state)
{
	(void)state;
	struct cap *c1 = calloc(1, sizeof(*c1)), *c2 = calloc(1, sizeof(*c2));
	static const char *const specs[] = { "eoi-drop:pin=4,nth=3", "rte-mask:pin=4,nth=4",
					     "edge-lose:line=4,nth=3", "pit-stop:after=4" };
	for (unsigned s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		struct board *b = board_new(c1, specs[s]);
		struct board *l = board_new(c2, NULL);
		uint8_t buf[8192];
		rte(b, 0, 4, 0x8040);
		pit_mode2(b, 0, 1193);
		run_rounds(b, 0, 2);
		board_advance(b, 2500000);
		size_t n = board_save(b, buf, sizeof(buf));
		assert_int_equal(buf[4], BOARD_STATE_VERSION);
		assert_null(board_load(l, buf, n));
		assert_int_equal(board_fault_count(l), 1);
		assert_int_equal(board_fault_at(l, 0)->count, board_fault_at(b, 0)->count);
		c1->n = c2->n = 0;
		for (unsigned k = 2; k < 8; k++) {
			level_round(b, 2600000 + 100000 * k);
			level_round(l, 2600000 + 100000 * k);
		}
		board_advance(b, 9000000);
		board_advance(l, 9000000);
		assert_int_equal(board_faults_fired(b), 1);
		assert_int_equal(board_faults_fired(l), 1);
		assert_int_equal(board_fault_at(l, 0)->fired_t, board_fault_at(b, 0)->fired_t);
		assert_int_equal(c1->n, c2->n);
		for (unsigned i = 0; i < c1->n; i++)
			assert_true(irq_event_equal(&c1->ev[i], &c2->ev[i]));
		assert_int_equal(board_state_hash(l), board_state_hash(b));
		free(b);
		free(l);
	}
	free(c1);
	free(c2);
}

static void load_rejects_bad_fault_state(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, "eoi-drop:pin=4,nth=3");
	struct board *l = board_new(c, NULL);
	uint8_t buf[8192];
	size_t n = board_save(b, buf, sizeof(buf));
	/* the fault is the last section of a board without an HPET: kind at
	 * n - 39 (7 bytes, 4 u64) */
	size_t kind = n - (7 + 32);
	assert_int_equal(buf[kind - 1], 1); /* the count */
	buf[kind] = 9;
	assert_non_null(board_load(l, buf, n));
	buf[kind] = BOARD_FAULT_EOI_DROP;
	buf[kind + 1] = 24; /* pin */
	assert_non_null(board_load(l, buf, n));
	buf[kind + 1] = 4;
	buf[kind - 1] = BOARD_FAULTS_MAX + 1;
	assert_non_null(board_load(l, buf, n));
	buf[kind - 1] = 1;
	buf[kind + 4] = 1; /* held before it fired */
	assert_non_null(board_load(l, buf, n));
	buf[kind + 4] = 0;
	assert_null(board_load(l, buf, n));
	free(b);
	free(l);
	free(c);
}

static void at_most_four_faults(void **state)
{
	(void)state;
	struct cap *c = calloc(1, sizeof(*c));
	struct board *b = board_new(c, NULL);
	struct board_fault f;
	assert_null(board_fault_parse("pit-stop:after=1", &f));
	for (unsigned i = 0; i < BOARD_FAULTS_MAX; i++)
		assert_int_equal(board_add_fault(b, &f), 0);
	assert_int_equal(board_add_fault(b, &f), -1);
	uint8_t buf[8192];
	assert_true(board_save(b, buf, sizeof(buf)) > 0);
	assert_true(board_state_size(b) < 4096); /* board_state_hash's buffer */
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_round_trips),
		cmocka_unit_test(bad_specs_say_why),
		cmocka_unit_test(eoi_drop_fires_at_nth_only_once),
		cmocka_unit_test(edge_lose_line_hides_nth_assertion),
		cmocka_unit_test(edge_lose_pin_keeps_the_pic),
		cmocka_unit_test(pit_stop_after_n_ticks),
		cmocka_unit_test(pit_stop_at_time),
		cmocka_unit_test(rte_mask_after_nth_message),
		cmocka_unit_test(rte_mask_at_time),
		cmocka_unit_test(rte_mask_on_masked_entry_blames_nobody),
		cmocka_unit_test(rte_mask_guest_write_takes_the_entry_back),
		cmocka_unit_test(rte_mask_v5_keyframes_follow),
		cmocka_unit_test(keyframe_carries_progress),
		cmocka_unit_test(load_rejects_bad_fault_state),
		cmocka_unit_test(at_most_four_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
