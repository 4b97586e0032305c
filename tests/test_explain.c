/* SPDX-License-Identifier: MIT */
/*
 * board_explain_line(): one test per cause key of docs/hang.md, driven by
 * board calls only, plus the cases the recorder's old diagnosis
 * (recorder/hang.c before issue 13) got wrong: special mask mode, special
 * fully nested mode, `since` behind the master's IR2, a poll read as a
 * delivery, a level line requesting again after its EOI, a withdrawn level
 * request, GSI 2 (not the cascade input). Event numbers are the board's
 * own count (board.event_num starts at 0 and counts every event emitted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chips/board.h"
#include "chips/explain.h"

struct fx {
	struct board b;
	uint64_t last_input; /* event number of the last input's echo */
};

static void fx_sink(void *ctx, const struct irq_event *ev)
{
	struct fx *f = ctx;
	if (EV_IS_INPUT(ev->kind))
		f->last_input = f->b.last_num;
}

static struct fx *fx_new(unsigned ncpus)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct board_config cfg;
	assert_non_null(f);
	board_config_default(&cfg);
	cfg.ncpus = (uint8_t)ncpus;
	assert_int_equal(board_init(&f->b, &cfg, fx_sink, f), 0);
	board_keep_history(&f->b);
	return f;
}

/* Each returns the event number of its input. */
static uint64_t out(struct fx *f, uint16_t port, uint8_t v)
{
	board_pio_write(&f->b, 0, port, v);
	return f->last_input;
}

static uint64_t in(struct fx *f, uint16_t port, uint8_t *v)
{
	*v = board_pio_read(&f->b, 0, port);
	return f->last_input;
}

static uint64_t irq(struct fx *f, unsigned gsi, int level)
{
	board_set_irq(&f->b, 0, gsi, level);
	return f->last_input;
}

static uint64_t intack(struct fx *f, uint8_t want)
{
	assert_int_equal(board_intack(&f->b, 0, 0), want);
	return f->last_input;
}

static uint64_t lvt0(struct fx *f, uint32_t v)
{
	board_set_lvt(&f->b, 0, 0, 0, v);
	return f->last_input;
}

static uint64_t rte(struct fx *f, unsigned pin, uint32_t lo)
{
	board_mmio_write(&f->b, 0, IOAPIC_BASE, 0x10 + 2 * pin);
	board_mmio_write(&f->b, 0, IOAPIC_BASE + 0x10, lo);
	return f->last_input;
}

/* Master base 0x20, slave 0x28; icw4 0x01 (or 0x11: SFNM on the master). */
static void pic_init(struct fx *f, uint8_t master_icw4)
{
	out(f, 0x20, 0x11);
	out(f, 0x21, 0x20);
	out(f, 0x21, 0x04);
	out(f, 0x21, master_icw4);
	out(f, 0xa0, 0x11);
	out(f, 0xa1, 0x28);
	out(f, 0xa1, 0x02);
	out(f, 0xa1, 0x01);
}

static void expect(struct fx *f, unsigned line, const char *cause, uint64_t since)
{
	struct board_why w;
	bool pending = board_explain_line(&f->b, line, NULL, &w);
	print_message("line %u: %s since %lld: %s\n", line, board_cause_key(w.cause) ? board_cause_key(w.cause) : "-",
		      w.since == BOARD_NO_EVENT ? -1LL : (long long)w.since, w.text);
	assert_true(pending);
	assert_string_equal(board_cause_key(w.cause), cause);
	assert_int_equal(w.since, since);
}

static void expect_not_pending(struct fx *f, unsigned line)
{
	struct board_why w;
	assert_false(board_explain_line(&f->b, line, NULL, &w));
}

/* 8259A DS "Special mask mode": only masked in-service levels stop
 * blocking. IRQ1 in service and unmasked still blocks IRQ4: INT stays low
 * and the cause is IRQ1's ISR bit. */
static void test_isr_blocks_special_mask_unmasked(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	irq(f, 1, 1);
	uint64_t ack = intack(f, 0x21);
	out(f, 0x20, 0x68); /* OCW3: set special mask mode */
	irq(f, 4, 1);
	assert_int_equal(f->b.s.pic_int, 0);
	expect(f, 4, "isr_blocks", ack);
	free(f);
}

/* ... and once IRQ1 is masked, IRQ4 gets through: INT high, waiting for
 * the vCPU's INTACK. */
static void test_special_mask_masked_level_lets_through(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	irq(f, 1, 1);
	intack(f, 0x21);
	out(f, 0x20, 0x68);
	out(f, 0x21, 0x02); /* mask IRQ1 */
	uint64_t raised = irq(f, 4, 1);
	assert_int_equal(f->b.s.pic_int, 1);
	expect(f, 4, "undelivered", raised);
	free(f);
}

/* Without SFNM a slave request waits behind the master's IR2 in service;
 * since = the INTACK that set master ISR2 (IRQ10's). */
static void test_isr_blocks_slave_behind_master_ir2(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	irq(f, 10, 1);
	uint64_t ack = intack(f, 0x2a);
	irq(f, 9, 1); /* higher than IRQ10 on the slave */
	expect(f, 9, "isr_blocks", ack);
	free(f);
}

/* DS "Special fully nested mode": the master lets a higher slave request
 * through its own IR2 in service; a lower one is blocked at the slave. */
static void test_special_fully_nested(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x11);
	irq(f, 10, 1);
	uint64_t ack = intack(f, 0x2a);
	uint64_t raised = irq(f, 9, 1);
	assert_int_equal(f->b.s.pic_int, 1);
	expect(f, 9, "undelivered", raised);
	irq(f, 11, 1);
	expect(f, 11, "isr_blocks", ack);
	free(f);
}

/* SFNM does not let a slave request past a higher master level in
 * service (IRQ0): blocked at the master, since IRQ0's INTACK. */
static void test_special_fully_nested_higher_master_blocks(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x11);
	out(f, 0x43, 0x30); /* PIT ch0 mode 0, no count: OUT0 low */
	uint64_t rise = irq(f, 0, 1);
	(void)rise;
	uint64_t ack = intack(f, 0x20);
	irq(f, 9, 1);
	expect(f, 9, "isr_blocks", ack);
	free(f);
}

/* Rotation (OCW2 set priority 0xc5: IR6 highest): IRQ6 in service blocks
 * IRQ1, which would preempt it under fixed priority. */
static void test_isr_blocks_rotation(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0x20, 0xc5);
	irq(f, 6, 1);
	uint64_t ack = intack(f, 0x26);
	irq(f, 1, 1);
	expect(f, 1, "isr_blocks", ack);
	free(f);
}

/* DS "The Poll command": the poll read is the acknowledge; the line is
 * delivered, not pending. */
static void test_poll_read_delivers(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	lvt0(f, 0x10700); /* a polling guest takes no INTA */
	irq(f, 5, 1);
	out(f, 0x20, 0x0c); /* OCW3 poll */
	uint8_t v;
	in(f, 0x20, &v);
	assert_int_equal(v, 0x85);
	expect_not_pending(f, 5);
	free(f);
}

/* DS "Level triggered mode": an ELCR line still high at its EOI requests
 * again; pending since the EOI. */
static void test_level_requests_again_after_eoi(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0x4d1, 0x04); /* IRQ10 level */
	irq(f, 10, 1);
	intack(f, 0x2a);
	expect_not_pending(f, 10);
	/* the slave's EOI clears ISR2 with the line high: the slave asks
	 * again (the master's IR2 in service holds it until its EOI) */
	uint64_t eoi = out(f, 0xa0, 0x20);
	expect(f, 10, "isr_blocks", f->b.hist.ack[2]);
	out(f, 0x20, 0x20);
	struct board_why w;
	assert_true(board_explain_line(&f->b, 10, NULL, &w));
	assert_int_equal(w.request, eoi);
	assert_string_equal(board_cause_key(w.cause), "undelivered");
	free(f);
}

/* A level request withdrawn before the INTA is no longer pending. */
static void test_level_withdrawn_not_pending(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0x4d1, 0x04);
	lvt0(f, 0x10700);
	irq(f, 10, 1);
	irq(f, 10, 0);
	expect_not_pending(f, 10);
	free(f);
}

/* GSI 2 reaches IOAPIC pin 2 only; the master's IR2 (the cascade), masked
 * here, has nothing to do with it. */
static void test_gsi2_is_not_the_cascade(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0x21, 0x04);
	rte(f, 2, 0x8040); /* level, vector 0x40 */
	uint64_t masked = rte(f, 2, 0x18040); /* masked */
	irq(f, 2, 1);
	expect(f, 2, "ioapic_masked", masked);
	free(f);
}

static void test_pic_masked(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	uint64_t mask = out(f, 0x21, 0x08);
	irq(f, 3, 1);
	expect(f, 3, "pic_masked", mask);
	/* a slave line behind the master's masked cascade */
	uint64_t cascade = out(f, 0x21, 0x04);
	irq(f, 12, 1);
	expect(f, 12, "pic_masked", cascade);
	free(f);
}

/* An APIC-mode guest (both 8259s fully masked, as Linux leaves them) whose
 * line 4 went through the IOAPIC: once its entry is masked, both paths are
 * closed, and the one the line used decides: ioapic_masked, since the
 * mask, not the 8259's IMR the guest set long before. A line never
 * delivered stays the PIC's case (the entry's power-on mask). */
static void test_apic_mode_line_masked_at_ioapic(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0x21, 0xff);
	out(f, 0xa1, 0xff);
	rte(f, 4, 0x0024); /* edge, vector 0x24, unmasked */
	irq(f, 4, 1);
	irq(f, 4, 0);
	assert_int_equal(f->b.hist.delivered_by_intack[4], 0);
	uint64_t masked = rte(f, 4, 0x10024);
	irq(f, 4, 1);
	expect(f, 4, "ioapic_masked", masked);
	struct board_why w;
	board_explain_line(&f->b, 4, NULL, &w);
	assert_non_null(strstr(w.text, "the 8259 masks it too"));
	/* line 3: never delivered, entry in its power-on state: the PIC's */
	irq(f, 3, 1);
	expect(f, 3, "pic_masked", f->b.hist.imr_set[3]);
	free(f);
}

static void test_lvt0_masked_and_nmi(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	uint64_t lvt = lvt0(f, 0x10700);
	irq(f, 3, 1);
	expect(f, 3, "lvt0_masked", lvt);
	lvt = lvt0(f, 0x00400);
	expect(f, 3, "lvt0_nmi", lvt);
	free(f);
}

/* The vCPU's view (live report): IF=0 or IF=1 and never ready. */
static void test_cpu_view_causes(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	irq(f, 3, 1);
	struct board_cpu_view cpu = { .known = true, .if_set = false, .lvt0 = 0x700 };
	struct board_why w;
	assert_true(board_explain_line(&f->b, 3, &cpu, &w));
	assert_string_equal(board_cause_key(w.cause), "if_clear");
	assert_int_equal(w.cpu, 0);
	cpu.if_set = true;
	assert_true(board_explain_line(&f->b, 3, &cpu, &w));
	assert_string_equal(board_cause_key(w.cause), "extint_not_ready");
	/* KVM's LVT0 is newer than the board's: it decides */
	cpu.lvt0 = 0x10700;
	assert_true(board_explain_line(&f->b, 3, &cpu, &w));
	assert_string_equal(board_cause_key(w.cause), "lvt0_masked");
	free(f);
}

/* IOAPIC level pin 10: the message, the line dropped and raised again
 * before any EOI: remote_irr since the message. Then the entry's vector
 * is changed and the EOI of the old vector matches nothing. */
static void test_remote_irr_and_vector_changed(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0xa1, 0x04); /* APIC mode: the PIC does not take line 10 */
	rte(f, 10, 0x8050);
	irq(f, 10, 1);
	uint64_t msg = f->b.last_num; /* the message follows the input */
	irq(f, 10, 0);
	irq(f, 10, 1);
	expect(f, 10, "remote_irr", msg);
	rte(f, 10, 0x8051);
	board_eoi(&f->b, 0, 0x50, 0);
	expect(f, 10, "vector_changed", msg);
	free(f);
}

static void test_ioapic_masked_pci_line(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	/* masked since power-on: no event began it */
	rte(f, 20, 0x1a060); /* level, low active, masked */
	irq(f, 20, 1);
	expect(f, 20, "ioapic_masked", BOARD_NO_EVENT);
	free(f);
}

/* A PIC request with the IOAPIC entry masked (power-on): the open path,
 * the PIC's, decides: nothing blocks it. */
static void test_undelivered_open_path(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	uint64_t raised = irq(f, 3, 1);
	expect(f, 3, "undelivered", raised);
	board_intack(&f->b, 0, 0);
	expect_not_pending(f, 3);
	free(f);
}

/* APIC mode: the PIC masked, the PIT's line delivered by the IOAPIC each
 * tick; the stale IRR0 bit does not make line 0 pending. */
static void test_stale_irr_in_apic_mode(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	out(f, 0x21, 0xff);
	out(f, 0xa1, 0xff);
	rte(f, 2, 0x0030);
	for (int i = 0; i < 3; i++) {
		out(f, 0x43, 0x30); /* OUT0 low */
		out(f, 0x40, 0x01);
		out(f, 0x40, 0x00);
		board_advance(&f->b, f->b.s.now + 10000); /* terminal count: OUT0 rises */
	}
	assert_true(f->b.s.pic.chip[0].irr & 1);
	expect_not_pending(f, 0);
	free(f);
}

/* A board that keeps no history (replay at full speed, a freshly loaded
 * keyframe) infers the pending lines from its state; stamps unknown. */
static void test_without_history(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	f->b.hist_on = 0;
	pic_init(f, 0x01);
	irq(f, 1, 1);
	intack(f, 0x21);
	out(f, 0x20, 0x68);
	irq(f, 4, 1);
	expect(f, 4, "isr_blocks", BOARD_NO_EVENT);
	expect_not_pending(f, 1);
	/* the same state through a keyframe, history kept from there on */
	uint8_t buf[4096];
	size_t n = board_save(&f->b, buf, sizeof(buf));
	struct fx *g = fx_new(1);
	assert_null(board_load(&g->b, buf, n));
	board_keep_history(&g->b);
	expect(g, 4, "isr_blocks", BOARD_NO_EVENT);
	uint64_t eoi = out(g, 0x20, 0x20);
	expect(g, 4, "undelivered", BOARD_NO_EVENT);
	uint64_t ack = intack(g, 0x24);
	(void)eoi;
	expect_not_pending(g, 4);
	irq(g, 4, 0);
	irq(g, 4, 1);
	assert_int_equal(g->b.hist.ack[4], ack);
	free(g);
	free(f);
}

/* MP spec virtual wire B: LVT0 masked, INT reaches the vCPU through
 * IOAPIC pin 0 as ExtINT: not lvt0_masked. */
static void test_virtual_wire_b(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	pic_init(f, 0x01);
	lvt0(f, 0x10700);
	rte(f, 0, 0x0700); /* ExtINT, unmasked */
	uint64_t raised = irq(f, 3, 1);
	expect(f, 3, "undelivered", raised);
	free(f);
}

/* ---- the HPET (docs/chips-hpet.md): notes and the holder of a line ---- */

static struct fx *fx_hpet(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct board_config cfg;
	assert_non_null(f);
	board_config_default(&cfg);
	cfg.hpet = 1;
	assert_int_equal(board_init(&f->b, &cfg, fx_sink, f), 0);
	board_keep_history(&f->b);
	return f;
}

static void why_of(struct fx *f, unsigned line, struct board_why *w, bool pending, const char *cause)
{
	bool p = board_explain_line(&f->b, line, NULL, w);
	print_message("line %u: %s: %s\n", line, board_cause_key(w->cause) ? board_cause_key(w->cause) : "-", w->text);
	assert_int_equal(p, pending);
	if (cause)
		assert_string_equal(board_cause_key(w->cause), cause);
	else
		assert_int_equal(w->cause, BOARD_CAUSE_NONE);
}

/* Timer 2, level, on IOAPIC pin 20 (active low): its status bit holds the
 * line until the guest clears it. */
static void test_hpet_level_holder(void **state)
{
	(void)state;
	struct fx *f = fx_hpet();
	struct board_why w;
	rte(f, 20, 0x42 | 1u << 15 | 1u << 13); /* level, active low, unmasked */
	board_mmio_write(&f->b, 0, HPET_BASE + 0x140, HPET_TN_INT_TYPE | HPET_TN_INT_ENB | 20u << 9);
	board_mmio_write64(&f->b, 0, HPET_BASE + 0x148, 1000); /* 10 us */
	board_mmio_write(&f->b, 0, HPET_BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
	board_advance(&f->b, 20000);
	/* delivered, remote IRR set: the latent note names the HPET */
	why_of(f, 20, &w, false, "remote_irr");
	assert_non_null(strstr(w.text, "held by hpet.t2 (level, GINTR_STA bit 2 set)"));
	/* the EOI re-sends at once (the status is still set): same note */
	board_eoi(&f->b, 30000, 0x42, 0);
	why_of(f, 20, &w, false, "remote_irr");
	/* an edge entry: delivered once, no remote IRR; the line stays up */
	rte(f, 20, 0x42 | 1u << 13);
	board_eoi(&f->b, 40000, 0x42, 0);
	why_of(f, 20, &w, false, "hpet_status_set");
	assert_non_null(strstr(w.text, "hpet.t2"));
	assert_non_null(strstr(w.text, "writes 1 to GINTR_STA bit 2"));
	/* masked: pending at the IOAPIC, held by the HPET */
	rte(f, 20, 0x42 | 1u << 15 | 1u << 13 | 1u << 16);
	board_eoi(&f->b, 50000, 0x42, 0);
	board_mmio_write(&f->b, 60000, HPET_BASE + HPET_GINTR_STA, 4);
	board_mmio_write64(&f->b, 60000, HPET_BASE + 0x148, 8000);
	board_advance(&f->b, 100000);
	why_of(f, 20, &w, true, "ioapic_masked");
	assert_non_null(strstr(w.text, "held by hpet.t2"));
	/* cleared: nothing to say */
	board_mmio_write(&f->b, 100000, HPET_BASE + HPET_GINTR_STA, 4);
	why_of(f, 20, &w, false, NULL);
	free(f);
}

/* Legacy replacement with timer 0 not delivering: PIT OUT0 is cut off, so
 * IRQ0 never comes; with timer 0 enabled, nothing to note. */
static void test_hpet_legacy_cut(void **state)
{
	(void)state;
	struct fx *f = fx_hpet();
	struct board_why w;
	pic_init(f, 0x01);
	out(f, 0x21, 0xfe);
	out(f, 0x43, 0x34); /* PIT: 1 kHz */
	out(f, 0x40, 0xa9);
	out(f, 0x40, 0x04);
	board_mmio_write(&f->b, 0, HPET_BASE + HPET_GEN_CONF, HPET_LEG_RT_CNF);
	board_advance(&f->b, 5000000);
	why_of(f, 0, &w, false, "hpet_legacy_cut");
	assert_non_null(strstr(w.text, "cuts PIT OUT0 off line 0"));
	assert_non_null(strstr(w.text, "counter is halted"));
	board_mmio_write(&f->b, 5000000, HPET_BASE + HPET_GEN_CONF, HPET_LEG_RT_CNF | HPET_ENABLE_CNF);
	why_of(f, 0, &w, false, "hpet_legacy_cut");
	assert_non_null(strstr(w.text, "T0_INT_ENB=0"));
	/* line 8: the RTC cut off, timer 1 disabled */
	why_of(f, 8, &w, false, "hpet_legacy_cut");
	assert_non_null(strstr(w.text, "the RTC's IRQ"));
	/* timer 0 enabled: the HPET drives line 0 */
	board_mmio_write(&f->b, 5000000, HPET_BASE + 0x100, HPET_TN_INT_ENB);
	why_of(f, 0, &w, false, NULL);
	/* legacy off: the PIT is back, nothing to note */
	board_mmio_write(&f->b, 5000000, HPET_BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
	board_mmio_write(&f->b, 5000000, HPET_BASE + 0x100, 0);
	struct board_why v;
	(void)board_explain_line(&f->b, 0, NULL, &v);
	assert_int_not_equal(v.cause, BOARD_CAUSE_HPET_LEGACY_CUT);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isr_blocks_special_mask_unmasked),
		cmocka_unit_test(test_special_mask_masked_level_lets_through),
		cmocka_unit_test(test_isr_blocks_slave_behind_master_ir2),
		cmocka_unit_test(test_special_fully_nested),
		cmocka_unit_test(test_special_fully_nested_higher_master_blocks),
		cmocka_unit_test(test_isr_blocks_rotation),
		cmocka_unit_test(test_poll_read_delivers),
		cmocka_unit_test(test_level_requests_again_after_eoi),
		cmocka_unit_test(test_level_withdrawn_not_pending),
		cmocka_unit_test(test_gsi2_is_not_the_cascade),
		cmocka_unit_test(test_pic_masked),
		cmocka_unit_test(test_lvt0_masked_and_nmi),
		cmocka_unit_test(test_cpu_view_causes),
		cmocka_unit_test(test_remote_irr_and_vector_changed),
		cmocka_unit_test(test_ioapic_masked_pci_line),
		cmocka_unit_test(test_apic_mode_line_masked_at_ioapic),
		cmocka_unit_test(test_undelivered_open_path),
		cmocka_unit_test(test_stale_irr_in_apic_mode),
		cmocka_unit_test(test_without_history),
		cmocka_unit_test(test_virtual_wire_b),
		cmocka_unit_test(test_hpet_level_holder),
		cmocka_unit_test(test_hpet_legacy_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
