/* SPDX-License-Identifier: MIT */
/*
 * i8259A pair + ELCR conformance tests. Every test drives the public API
 * only (port writes/reads, line levels, INTA) and asserts what a guest
 * would observe. Test names follow the conformance checklist, section 1
 * item ids (p*, i*, r*, a*, o*, q*, e*, l*, z*).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chips/pic.h"

#define M_CMD 0x20
#define M_DATA 0x21
#define S_CMD 0xa0
#define S_DATA 0xa1
#define ELCR1 0x4d0
#define ELCR2 0x4d1

#define EOI 0x20
#define READ_IRR 0x0a
#define READ_ISR 0x0b
#define POLL 0x0c

static void out(struct pic_pair *p, uint16_t port, uint8_t v)
{
	pic_pair_write(p, port, v);
}

static uint8_t in(struct pic_pair *p, uint16_t port)
{
	return pic_pair_read(p, port);
}

static void outs(struct pic_pair *p, uint16_t port, const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out(p, port + (i ? 1 : 0), v[i]);
}

static uint8_t irr(struct pic_pair *p, uint16_t cmd)
{
	out(p, cmd, READ_IRR);
	return in(p, cmd);
}

static uint8_t isr(struct pic_pair *p, uint16_t cmd)
{
	out(p, cmd, READ_ISR);
	return in(p, cmd);
}

static void irq_pulse(struct pic_pair *p, unsigned irq)
{
	pic_pair_set_irq(p, irq, 1);
	pic_pair_set_irq(p, irq, 0);
}

/* Linux init_8259A(): master 0x11,0x30,0x04,0x01; slave 0x11,0x38,0x02,0x01. */
static void linux_init(struct pic_pair *p, uint8_t master_icw4)
{
	const uint8_t m[] = { 0x11, 0x30, 0x04, master_icw4 };
	const uint8_t s[] = { 0x11, 0x38, 0x02, 0x01 };
	outs(p, M_CMD, m, 4);
	outs(p, S_CMD, s, 4);
}

static void fresh(struct pic_pair *p)
{
	pic_pair_init(p, 0xff);
	linux_init(p, 0x01);
}

/* ---- 1.1 port decode ------------------------------------------------- */

static void p1_owns_ports_and_foreign_reads(void **state)
{
	static const struct { uint16_t port; bool owned; } t[] = {
		{ 0x20, true }, { 0x21, true }, { 0xa0, true }, { 0xa1, true },
		{ 0x4d0, true }, { 0x4d1, true }, { 0x22, false },
		{ 0x1f, false }, { 0xa2, false }, { 0x4d2, false },
		{ 0x40, false }, { 0x00, false }, { 0xffff, false },
	};
	struct pic_pair p;
	(void)state;
	fresh(&p);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pic_pair_owns_port(t[i].port), t[i].owned);
		if (!t[i].owned) {
			assert_int_equal(in(&p, t[i].port), 0xff);
			out(&p, t[i].port, 0x00); /* ignored */
		}
	}
	assert_int_equal(in(&p, M_DATA), 0x00);
	assert_int_equal(in(&p, S_DATA), 0x00);
}

static void p2_p3_write_decode(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	/* A0=1 when ready: OCW1. */
	out(&p, M_DATA, 0xa5);
	assert_int_equal(in(&p, M_DATA), 0xa5);
	/* A0=0 bit3: OCW3 (select ISR): IRR has a bit, ISR none. */
	out(&p, M_DATA, 0x00);
	pic_pair_set_irq(&p, 1, 1);
	out(&p, M_CMD, READ_ISR);
	assert_int_equal(in(&p, M_CMD), 0x00);
	out(&p, M_CMD, READ_IRR);
	assert_int_equal(in(&p, M_CMD), 0x02);
	/* A0=0 bit4: ICW1, then A0=1 is ICW2, not IMR. */
	out(&p, M_CMD, 0x13);
	out(&p, M_DATA, 0x50);
	assert_int_equal(in(&p, M_DATA), 0x00);
	out(&p, M_DATA, 0x01); /* ICW4 */
	/* A0=0 bits 4:3 = 00: OCW2 (specific EOI of IR1 after an INTA). */
	pic_pair_set_irq(&p, 1, 0);
	pic_pair_set_irq(&p, 1, 1);
	assert_int_equal(pic_pair_intack(&p), 0x51);
	assert_int_equal(isr(&p, M_CMD), 0x02);
	out(&p, M_CMD, 0x61);
	assert_int_equal(isr(&p, M_CMD), 0x00);
}

static void p5_read_register_selection_sticky(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 3, 1);
	pic_pair_set_irq(&p, 4, 1);
	assert_int_equal(pic_pair_intack(&p), 0x33); /* ISR=0x08 IRR=0x10 */
	assert_int_equal(in(&p, M_CMD), 0x10);       /* default after ICW1: IRR */
	out(&p, M_CMD, READ_ISR);
	assert_int_equal(in(&p, M_CMD), 0x08);
	assert_int_equal(in(&p, M_CMD), 0x08);
	/* OCW3 with RR=0 leaves the selection. */
	static const uint8_t keep[] = { 0x08, 0x09, 0x48, 0x68, 0x48 };
	for (size_t i = 0; i < sizeof(keep); i++) {
		out(&p, M_CMD, keep[i]);
		assert_int_equal(in(&p, M_CMD), 0x08);
	}
	out(&p, M_CMD, READ_IRR);
	assert_int_equal(in(&p, M_CMD), 0x10);
	out(&p, M_CMD, 0x09); /* RR=0, RIS=1: no change */
	assert_int_equal(in(&p, M_CMD), 0x10);
}

static void p6_reads_during_init(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, M_DATA, 0x7f);
	pic_pair_set_irq(&p, 7, 1);
	out(&p, M_CMD, 0x11);
	assert_int_equal(in(&p, M_DATA), 0x00);
	assert_int_equal(in(&p, M_CMD), 0x00); /* edge IRR dropped by ICW1 */
	pic_pair_set_irq(&p, 7, 0);
	pic_pair_set_irq(&p, 7, 1);
	assert_int_equal(in(&p, M_CMD), 0x80);
	out(&p, M_DATA, 0x30);
	assert_int_equal(in(&p, M_DATA), 0x00);
}

/* ---- 1.2 ICW1-ICW4 --------------------------------------------------- */

static void i1_icw1_side_effects(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, M_CMD, 0x11); out(&p, M_DATA, 0x30);
	out(&p, M_DATA, 0x04); out(&p, M_DATA, 0x03); /* AEOI */
	out(&p, M_DATA, 0x55);
	out(&p, M_CMD, 0x6b); /* SMM on, read ISR */
	out(&p, M_CMD, 0xc4); /* IR5 highest */
	pic_pair_set_irq(&p, 6, 1); /* masked, latched in IRR */

	out(&p, M_CMD, 0x10); out(&p, M_DATA, 0x30); out(&p, M_DATA, 0x04);
	assert_int_equal(in(&p, M_DATA), 0x00);   /* IMR cleared */
	assert_int_equal(in(&p, M_CMD), 0x00);    /* reads IRR; edge dropped */
	pic_pair_set_irq(&p, 6, 1);               /* still high: no edge */
	assert_false(pic_pair_int(&p));
	pic_pair_set_irq(&p, 6, 0);
	pic_pair_set_irq(&p, 6, 1);
	assert_int_equal(in(&p, M_CMD), 0x40);
	/* IC4=0: AEOI cleared, so the ISR bit stays set. */
	assert_int_equal(pic_pair_intack(&p), 0x36);
	assert_int_equal(isr(&p, M_CMD), 0x40);
	out(&p, M_CMD, EOI);
	/* Priority reset: IR1 before IR7 (with 0xc4 it would be IR7 first). */
	pic_pair_set_irq(&p, 7, 1);
	pic_pair_set_irq(&p, 1, 1);
	assert_int_equal(pic_pair_intack(&p), 0x31);
	/* SMM cleared: masking the in-service IR1 does not let IR7 through. */
	out(&p, M_DATA, 0x02);
	assert_false(pic_pair_int(&p));
}

static void i1_icw1_keeps_isr(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 3, 1);
	assert_int_equal(pic_pair_intack(&p), 0x33);
	linux_init(&p, 0x01);
	assert_int_equal(isr(&p, M_CMD), 0x08);
	pic_pair_set_irq(&p, 5, 1);
	assert_false(pic_pair_int(&p)); /* IR3 still in service */
	out(&p, M_CMD, EOI);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x35);
}

static void i2_icw1_keeps_elcr(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, ELCR1, 0x08);
	out(&p, ELCR2, 0x0c);
	linux_init(&p, 0x01);
	assert_int_equal(in(&p, ELCR1), 0x08);
	assert_int_equal(in(&p, ELCR2), 0x0c);
}

static void i3_ltim_makes_all_inputs_level(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	static const uint8_t m[] = { 0x19, 0x30, 0x04, 0x01 };
	outs(&p, M_CMD, m, 4);
	assert_int_equal(in(&p, ELCR1), 0x00); /* ELCR untouched */
	pic_pair_set_irq(&p, 0, 1); /* IRQ0 can never be level via ELCR */
	assert_int_equal(pic_pair_intack(&p), 0x30);
	assert_int_equal(irr(&p, M_CMD), 0x01); /* level: INTA keeps IRR */
	out(&p, M_CMD, EOI);
	assert_true(pic_pair_int(&p));          /* re-asserts with line high */
	pic_pair_set_irq(&p, 0, 0);
	assert_false(pic_pair_int(&p));
	assert_int_equal(irr(&p, M_CMD), 0x00);
	/* Back to edge with ICW1 0x11: a held-high line needs a new edge. */
	pic_pair_set_irq(&p, 0, 1);
	linux_init(&p, 0x01);
	assert_int_equal(irr(&p, M_CMD), 0x00);
	assert_false(pic_pair_int(&p));
}

static void i4_icw2_base(void **state)
{
	struct pic_pair p;
	(void)state;
	pic_pair_init(&p, 0x00);
	static const uint8_t m[] = { 0x11, 0x0f, 0x04, 0x01 };
	outs(&p, M_CMD, m, 4);
	pic_pair_set_irq(&p, 0, 1);
	assert_int_equal(pic_pair_intack(&p), 0x08);
}

static void i5_icw3_contents_ignored(void **state)
{
	struct pic_pair p;
	(void)state;
	pic_pair_init(&p, 0x00);
	static const uint8_t m[] = { 0x11, 0x08, 0xff, 0x01 };
	static const uint8_t s[] = { 0x11, 0x70, 0xff, 0x01 };
	outs(&p, M_CMD, m, 4);
	outs(&p, S_CMD, s, 4);
	pic_pair_set_irq(&p, 8, 1);
	assert_int_equal(pic_pair_intack(&p), 0x70);
	assert_int_equal(isr(&p, M_CMD), 0x04);
	pic_pair_set_irq(&p, 1, 1);     /* higher than the cascade */
	assert_int_equal(pic_pair_intack(&p), 0x09);
}

static void i6_icw4_bits(void **state)
{
	struct pic_pair p;
	(void)state;
	pic_pair_init(&p, 0x00);
	/* uPM=0 (8080 mode) is not modelled: vectors as in 8086 mode. */
	static const uint8_t m[] = { 0x11, 0x20, 0x04, 0x02 };
	outs(&p, M_CMD, m, 4);
	pic_pair_set_irq(&p, 4, 1);
	assert_int_equal(pic_pair_intack(&p), 0x24);
	assert_int_equal(isr(&p, M_CMD), 0x00); /* AEOI */
	/* Buffered-mode bits 3:2 change nothing. */
	static const uint8_t b[] = { 0x11, 0x20, 0x04, 0x0d };
	outs(&p, M_CMD, b, 4);
	pic_pair_set_irq(&p, 4, 0);
	pic_pair_set_irq(&p, 4, 1);
	assert_int_equal(pic_pair_intack(&p), 0x24);
	assert_int_equal(isr(&p, M_CMD), 0x10);
}

static void i7_sngl_ic4_sequence(void **state)
{
	static const struct { uint8_t icw1; unsigned nicw; } t[] = {
		{ 0x11, 3 }, { 0x10, 2 }, { 0x13, 2 }, { 0x12, 1 },
		{ 0x19, 3 }, { 0x1b, 2 }, { 0xf1, 3 }, { 0x16, 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (int chip = 0; chip < 2; chip++) {
			struct pic_pair p;
			uint16_t cmd = chip ? S_CMD : M_CMD;
			pic_pair_init(&p, 0xff);
			out(&p, cmd, t[i].icw1);
			/* ICW2..ICW4 payloads that would show up if they
			 * landed in IMR by mistake. */
			for (unsigned k = 0; k < t[i].nicw; k++) {
				assert_int_equal(in(&p, cmd + 1), 0x00);
				out(&p, cmd + 1, (uint8_t)(k == 0 ? 0x48 : 0x01));
			}
			assert_int_equal(in(&p, cmd + 1), 0x00);
			out(&p, cmd + 1, 0x5a);
			assert_int_equal(in(&p, cmd + 1), 0x5a);
		}
	}
}

static void i8_linux_init_irq0_irq8(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	assert_false(pic_pair_int(&p));
	pic_pair_set_irq(&p, 0, 1);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x30);
	assert_false(pic_pair_int(&p));
	assert_int_equal(isr(&p, M_CMD), 0x01);
	out(&p, M_CMD, EOI);
	assert_int_equal(isr(&p, M_CMD), 0x00);

	pic_pair_set_irq(&p, 8, 1);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x38);
	assert_int_equal(isr(&p, M_CMD), 0x04);
	assert_int_equal(isr(&p, S_CMD), 0x01);
	out(&p, S_CMD, EOI);
	assert_int_equal(isr(&p, S_CMD), 0x00);
	assert_int_equal(isr(&p, M_CMD), 0x04); /* master still needs its EOI */
	out(&p, M_CMD, EOI);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	assert_false(pic_pair_int(&p));
}

static void i9_probe_8259a(void **state)
{
	struct pic_pair p;
	(void)state;
	pic_pair_init(&p, 0x00);
	out(&p, M_DATA, 0xff);
	assert_int_equal(in(&p, M_DATA), 0xff);
	out(&p, S_DATA, 0xff);
	assert_int_equal(in(&p, S_DATA), 0xff);
	linux_init(&p, 0x01);
	out(&p, M_DATA, 0xfb);
	assert_int_equal(in(&p, M_DATA), 0xfb);
}

/* ---- 1.3 priority and INT -------------------------------------------- */

static void r1_equal_priority_does_not_interrupt(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 3, 1);
	assert_int_equal(pic_pair_intack(&p), 0x33);
	irq_pulse(&p, 3);
	pic_pair_set_irq(&p, 3, 1);
	assert_int_equal(irr(&p, M_CMD), 0x08);
	assert_false(pic_pair_int(&p)); /* same level in service */
	pic_pair_set_irq(&p, 4, 1);
	assert_false(pic_pair_int(&p)); /* lower */
	pic_pair_set_irq(&p, 1, 1);
	assert_true(pic_pair_int(&p));  /* higher */
	assert_int_equal(pic_pair_intack(&p), 0x31);
	out(&p, M_CMD, EOI);  /* IR1 */
	assert_false(pic_pair_int(&p));
	out(&p, M_CMD, EOI);  /* IR3 */
	assert_int_equal(pic_pair_intack(&p), 0x33);
}

static void r2_masked_edge_fires_on_unmask(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, M_DATA, 0x20);
	irq_pulse(&p, 5);
	assert_false(pic_pair_int(&p));
	assert_int_equal(irr(&p, M_CMD), 0x20);
	out(&p, M_DATA, 0x00);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x35);
}

static void r3_mask_drops_int(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 6, 1);
	assert_true(pic_pair_int(&p));
	out(&p, M_DATA, 0x40);
	assert_false(pic_pair_int(&p));
	out(&p, S_DATA, 0x02);
	pic_pair_set_irq(&p, 9, 1);
	assert_false(pic_pair_int(&p));
	out(&p, S_DATA, 0x00);
	assert_true(pic_pair_int(&p));
}

static void r4_special_mask_mode(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 3, 1);
	assert_int_equal(pic_pair_intack(&p), 0x33);
	pic_pair_set_irq(&p, 5, 1);
	assert_false(pic_pair_int(&p));
	out(&p, M_DATA, 0x08);          /* mask the in-service level */
	assert_false(pic_pair_int(&p)); /* not without SMM */
	out(&p, M_CMD, 0x68);           /* set SMM */
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x35);
	assert_int_equal(isr(&p, M_CMD), 0x28);
	out(&p, M_CMD, 0x65);
	pic_pair_set_irq(&p, 6, 1);
	assert_true(pic_pair_int(&p));
	out(&p, M_CMD, 0x48);           /* clear SMM: IR3 blocks again */
	assert_false(pic_pair_int(&p));
}

/* Nested slave interrupts: IRQ10 in service, then IRQ9 (higher). */
static void sfnm_nested(struct pic_pair *p, uint8_t master_icw4)
{
	pic_pair_init(p, 0xff);
	linux_init(p, master_icw4);
	pic_pair_set_irq(p, 10, 1);
	assert_int_equal(pic_pair_intack(p), 0x3a);
	pic_pair_set_irq(p, 9, 1);
}

static void r5_sfnm_on(void **state)
{
	struct pic_pair p;
	(void)state;
	sfnm_nested(&p, 0x11);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x39);
	assert_int_equal(isr(&p, S_CMD), 0x06);
	assert_int_equal(isr(&p, M_CMD), 0x04);
	/* Master IR5 (lower than IR2) stays blocked by the slave in service. */
	pic_pair_set_irq(&p, 5, 1);
	assert_false(pic_pair_int(&p));
	out(&p, S_CMD, EOI);    /* IR9 */
	out(&p, S_CMD, EOI);    /* IR10; slave ISR now empty */
	out(&p, M_CMD, EOI);
	assert_int_equal(pic_pair_intack(&p), 0x35);
}

static void r5_sfnm_off(void **state)
{
	struct pic_pair p;
	(void)state;
	sfnm_nested(&p, 0x01);
	assert_false(pic_pair_int(&p));
	out(&p, S_CMD, 0x62);   /* slave EOI of IR10 */
	assert_false(pic_pair_int(&p));
	out(&p, M_CMD, EOI);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x39);
}

/* Also A5: the latched IR2 gives the slave spurious vector. */
static void r6_cascade_latch_slave_spurious(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 8, 1);
	assert_int_equal(pic_pair_intack(&p), 0x38);
	pic_pair_set_irq(&p, 10, 1);        /* lower than in-service IR8 */
	assert_false(pic_pair_int(&p));
	out(&p, S_CMD, EOI);                /* slave INT rises: IRR2 latched */
	assert_int_equal(irr(&p, M_CMD), 0x04);
	out(&p, S_DATA, 0x04);              /* request gone at the slave */
	assert_int_equal(irr(&p, M_CMD), 0x04);
	out(&p, M_CMD, EOI);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x3f);
	assert_int_equal(isr(&p, M_CMD), 0x04);
	assert_int_equal(isr(&p, S_CMD), 0x00);
	assert_int_equal(irr(&p, S_CMD), 0x04);
	out(&p, M_CMD, EOI);
	assert_false(pic_pair_int(&p));
}

/* ---- 1.4 INTA -------------------------------------------------------- */

static void a1_a2_vectors_isr_irr(void **state)
{
	static const struct {
		unsigned irq; uint8_t elcr1, elcr2, vec, m_isr, s_isr;
		uint8_t m_irr, s_irr;
	} t[] = {
		{ 0, 0, 0, 0x30, 0x01, 0x00, 0x00, 0x00 },
		{ 7, 0, 0, 0x37, 0x80, 0x00, 0x00, 0x00 },
		{ 7, 0x80, 0, 0x37, 0x80, 0x00, 0x80, 0x00 }, /* level keeps IRR */
		{ 8, 0, 0, 0x38, 0x04, 0x01, 0x00, 0x00 },
		{ 11, 0, 0x08, 0x3b, 0x04, 0x08, 0x00, 0x08 },
		{ 15, 0, 0, 0x3f, 0x04, 0x80, 0x00, 0x00 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pic_pair p;
		fresh(&p);
		out(&p, ELCR1, t[i].elcr1);
		out(&p, ELCR2, t[i].elcr2);
		pic_pair_set_irq(&p, t[i].irq, 1);
		assert_int_equal(pic_pair_intack(&p), t[i].vec);
		assert_int_equal(isr(&p, M_CMD), t[i].m_isr);
		assert_int_equal(isr(&p, S_CMD), t[i].s_isr);
		assert_int_equal(irr(&p, M_CMD), t[i].m_irr);
		assert_int_equal(irr(&p, S_CMD), t[i].s_irr);
	}
}

static void a3_aeoi_rotate(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	linux_init(&p, 0x03);          /* master AEOI */
	out(&p, M_CMD, 0x80);          /* rotate in AEOI */
	pic_pair_set_irq(&p, 5, 1);
	assert_int_equal(pic_pair_intack(&p), 0x35);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	/* IR5 is now lowest, IR6 highest. */
	pic_pair_set_irq(&p, 4, 1);
	pic_pair_set_irq(&p, 6, 1);
	assert_int_equal(pic_pair_intack(&p), 0x36);
	assert_int_equal(pic_pair_intack(&p), 0x34); /* IR7 highest now */
	/* Without rotation, AEOI keeps priority fixed. */
	out(&p, M_CMD, 0x00);
	out(&p, M_CMD, 0xc7);          /* reset: IR0 highest */
	pic_pair_set_irq(&p, 5, 0);
	pic_pair_set_irq(&p, 5, 1);
	assert_int_equal(pic_pair_intack(&p), 0x35);
	pic_pair_set_irq(&p, 4, 0);
	pic_pair_set_irq(&p, 6, 0);
	pic_pair_set_irq(&p, 4, 1);
	pic_pair_set_irq(&p, 6, 1);
	assert_int_equal(pic_pair_intack(&p), 0x34);
}

static void a4_spurious_master(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	assert_int_equal(pic_pair_intack(&p), 0x37);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	out(&p, M_DATA, 0x10);
	irq_pulse(&p, 4);                   /* masked request stays in IRR */
	assert_int_equal(pic_pair_intack(&p), 0x37);
	assert_int_equal(irr(&p, M_CMD), 0x10);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	/* A real IR7 sets ISR7: software tells them apart by ISR bit 7. */
	pic_pair_set_irq(&p, 7, 1);
	assert_int_equal(pic_pair_intack(&p), 0x37);
	assert_int_equal(isr(&p, M_CMD), 0x80);
}

static void a5_spurious_slave_sets_master_isr2(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, ELCR2, 0x04);               /* IRQ10 level */
	pic_pair_set_irq(&p, 10, 1);
	assert_true(pic_pair_int(&p));
	pic_pair_set_irq(&p, 10, 0);        /* withdrawn before INTA */
	assert_true(pic_pair_int(&p));      /* master IR2 edge is latched */
	assert_int_equal(pic_pair_intack(&p), 0x3f);
	assert_int_equal(isr(&p, M_CMD), 0x04);
	assert_int_equal(isr(&p, S_CMD), 0x00);
	out(&p, M_CMD, EOI);
	assert_int_equal(isr(&p, M_CMD), 0x00);
}

static void a6_edge_latched_by_default(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	irq_pulse(&p, 5);
	irq_pulse(&p, 12);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x3c); /* IR2 above IR5 */
	out(&p, S_CMD, EOI);
	out(&p, M_CMD, EOI);
	assert_int_equal(pic_pair_intack(&p), 0x35);
}

static void a6_literal_edge_withdrawn_is_spurious(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	p.chip[0].literal_edge = 1;
	p.chip[1].literal_edge = 1;
	pic_pair_set_irq(&p, 5, 1);
	assert_true(pic_pair_int(&p));
	pic_pair_set_irq(&p, 5, 0);
	assert_int_equal(irr(&p, M_CMD), 0x00);
	assert_int_equal(pic_pair_intack(&p), 0x37);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	/* Held through INTA: a normal interrupt. */
	pic_pair_set_irq(&p, 5, 1);
	assert_int_equal(pic_pair_intack(&p), 0x35);
	out(&p, M_CMD, EOI);
	/* Slave pulse: slave request and the master's IR2 both vanish. */
	irq_pulse(&p, 12);
	assert_false(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x37);
	/* Flag survives a device reset (model variant, not chip state). */
	pic_pair_reset(&p);
	assert_int_equal(p.chip[0].literal_edge, 1);
}

/* The variant changes no output at once; the next update of either chip
 * (here a master line that stays low) re-evaluates both, so a slave edge
 * withdrawn before the switch stops reaching the master's IR2. */
static void a6_literal_edge_switch_reaches_master_at_next_update(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, M_DATA, 0x00);
	out(&p, S_DATA, 0x00);
	irq_pulse(&p, 10); /* latched: the slave still requests */
	assert_true(pic_pair_int(&p));
	pic_pair_set_literal_edge(&p, 1);
	assert_true(pic_pair_int(&p));
	pic_pair_set_irq(&p, 3, 0);
	assert_false(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x37);
}

/* ---- 1.5 OCW2 -------------------------------------------------------- */

/* Raise IR4 then IR3 so that ISR = 0x18 with IR3 nested in IR4. */
static void isr_3_and_4(struct pic_pair *p)
{
	fresh(p);
	irq_pulse(p, 4);
	assert_int_equal(pic_pair_intack(p), 0x34);
	irq_pulse(p, 3);
	assert_int_equal(pic_pair_intack(p), 0x33);
	assert_int_equal(isr(p, M_CMD), 0x18);
}

static void o1_nonspecific_eoi(void **state)
{
	struct pic_pair p;
	(void)state;
	isr_3_and_4(&p);
	out(&p, M_CMD, EOI);
	assert_int_equal(isr(&p, M_CMD), 0x10);
	out(&p, M_CMD, EOI);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	out(&p, M_CMD, EOI);                /* no-op */
	assert_int_equal(isr(&p, M_CMD), 0x00);
}

static void o2_specific_eoi(void **state)
{
	struct pic_pair p;
	(void)state;
	isr_3_and_4(&p);
	out(&p, M_CMD, 0x63);
	assert_int_equal(isr(&p, M_CMD), 0x10);
	out(&p, M_CMD, 0x63);
	assert_int_equal(isr(&p, M_CMD), 0x10);
	out(&p, M_CMD, 0x64);
	assert_int_equal(isr(&p, M_CMD), 0x00);
}

static void o3_rotate_on_nonspecific_eoi(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	irq_pulse(&p, 0);
	irq_pulse(&p, 1);
	irq_pulse(&p, 3);
	assert_int_equal(pic_pair_intack(&p), 0x30);
	out(&p, M_CMD, 0xa0);               /* IR0 lowest */
	irq_pulse(&p, 0);
	assert_int_equal(pic_pair_intack(&p), 0x31);
	out(&p, M_CMD, 0xa0);               /* IR1 lowest, IR2 highest */
	assert_int_equal(pic_pair_intack(&p), 0x33);
	out(&p, M_CMD, 0xa0);               /* IR3 lowest: 4,5,6,7,0 */
	assert_int_equal(pic_pair_intack(&p), 0x30);
	out(&p, M_CMD, 0xa0);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	out(&p, M_CMD, 0xa0);               /* ISR empty: no rotation */
	irq_pulse(&p, 7);
	irq_pulse(&p, 1);
	assert_int_equal(pic_pair_intack(&p), 0x31); /* IR1 was made highest */
}

static void o4_rotate_on_specific_eoi(void **state)
{
	struct pic_pair p;
	(void)state;
	isr_3_and_4(&p);
	out(&p, M_CMD, 0xe4);               /* clear ISR4, IR4 lowest */
	assert_int_equal(isr(&p, M_CMD), 0x08);
	out(&p, M_CMD, 0x63);
	irq_pulse(&p, 4);
	irq_pulse(&p, 6);
	irq_pulse(&p, 0);
	assert_int_equal(pic_pair_intack(&p), 0x36);
	out(&p, M_CMD, EOI);
	assert_int_equal(pic_pair_intack(&p), 0x30);
	out(&p, M_CMD, EOI);
	assert_int_equal(pic_pair_intack(&p), 0x34);
}

static void o5_set_priority_orders(void **state)
{
	(void)state;
	for (unsigned n = 0; n < 8; n++) {
		struct pic_pair p;
		fresh(&p);
		out(&p, M_CMD, (uint8_t)(0xc0 | n)); /* IRn lowest */
		for (unsigned irq = 0; irq < 8; irq++)
			pic_pair_set_irq(&p, irq, 1);
		unsigned expect = (n + 1) & 7;
		for (unsigned k = 0; k < 7; k++) {
			if (expect == 2)
				expect = 3; /* IR2 is the idle cascade */
			uint8_t v = pic_pair_intack(&p);
			assert_int_equal(v, 0x30 | expect);
			out(&p, M_CMD, (uint8_t)(0x60 | (v & 7)));
			expect = (expect + 1) & 7;
		}
		assert_int_equal(pic_pair_intack(&p), 0x37); /* spurious */
		assert_int_equal(isr(&p, M_CMD), 0x00);
	}
}

/* DS "Fully nested mode" under every rotation: with IRa in service, a
 * request on IRb interrupts exactly when its level is higher (IR n lowest:
 * IR n+1 has level 0). Each rotation, each pair of master inputs but the
 * cascade (pending_ir's rotation of both masks at once). */
static void o5_nesting_under_every_rotation(void **state)
{
	(void)state;
	for (unsigned n = 0; n < 8; n++) {
		for (unsigned a = 0; a < 8; a++) {
			for (unsigned b = 0; b < 8; b++) {
				if (a == 2 || b == 2 || a == b)
					continue;
				struct pic_pair p;
				fresh(&p);
				out(&p, M_CMD, (uint8_t)(0xc0 | n)); /* IRn lowest */
				pic_pair_set_irq(&p, a, 1);
				assert_int_equal(pic_pair_intack(&p), 0x30 | a);
				pic_pair_set_irq(&p, b, 1);
				bool higher = ((b - n - 1) & 7) < ((a - n - 1) & 7);
				assert_int_equal(pic_pair_int(&p), higher);
				if (higher)
					assert_int_equal(pic_pair_intack(&p), 0x30 | b);
				/* EOI ends the highest in service: b if it came in
				 * (nothing left requested), else a (b's turn) */
				out(&p, M_CMD, EOI);
				assert_int_equal(pic_pair_int(&p), !higher);
			}
		}
	}
}

static void o6_rotate_in_aeoi_flags_and_nop(void **state)
{
	struct pic_pair p;
	(void)state;
	isr_3_and_4(&p);
	out(&p, M_CMD, 0x40);               /* no-op */
	out(&p, M_CMD, 0x47);
	assert_int_equal(isr(&p, M_CMD), 0x18);
	out(&p, M_CMD, 0x80);
	out(&p, M_CMD, 0x00);               /* clear again */
	linux_init(&p, 0x03);
	out(&p, M_CMD, 0x64);
	out(&p, M_CMD, 0x63);
	irq_pulse(&p, 6);
	assert_int_equal(pic_pair_intack(&p), 0x36);
	irq_pulse(&p, 6);
	irq_pulse(&p, 7);
	assert_int_equal(pic_pair_intack(&p), 0x36); /* no rotation */
	out(&p, M_CMD, 0x87);               /* set (low bits ignored) */
	irq_pulse(&p, 6);
	assert_int_equal(pic_pair_intack(&p), 0x36); /* 7 now highest */
	irq_pulse(&p, 6);
	assert_int_equal(pic_pair_intack(&p), 0x37);
}

static void o7_master_eoi_does_not_touch_slave(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 14, 1);
	assert_int_equal(pic_pair_intack(&p), 0x3e);
	out(&p, M_CMD, EOI);
	assert_int_equal(isr(&p, S_CMD), 0x40);
	assert_int_equal(isr(&p, M_CMD), 0x00);
	out(&p, S_CMD, EOI);
	assert_int_equal(isr(&p, S_CMD), 0x00);
}

/* ---- 1.6 OCW3 / poll ------------------------------------------------- */

static void q2_poll_master(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_CMD), 0x00);   /* nothing pending */
	assert_int_equal(in(&p, M_CMD), 0x00);   /* plain IRR read now */
	pic_pair_set_irq(&p, 5, 1);
	pic_pair_set_irq(&p, 6, 1);
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_CMD), 0x85);
	assert_int_equal(in(&p, M_CMD), 0x40);   /* flag cleared: IRR */
	assert_int_equal(isr(&p, M_CMD), 0x20);
	out(&p, M_CMD, EOI);
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_DATA), 0x86);  /* either port */
	assert_int_equal(in(&p, M_DATA), 0x00);  /* IMR again */
	/* Level input: poll keeps IRR like INTA. */
	out(&p, M_CMD, EOI);
	out(&p, ELCR1, 0x08);
	pic_pair_set_irq(&p, 3, 1);
	out(&p, M_CMD, POLL | 0x02);             /* poll wins over RR */
	assert_int_equal(in(&p, M_CMD), 0x83);
	assert_int_equal(in(&p, M_CMD), 0x08);
	/* AEOI: no ISR bit. */
	out(&p, M_CMD, EOI);
	linux_init(&p, 0x03);
	pic_pair_set_irq(&p, 1, 1);
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_CMD), 0x81);
	assert_int_equal(isr(&p, M_CMD), 0x00);
}

static void q3_poll_slave_leaves_master(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 10, 1);
	out(&p, S_CMD, POLL);
	assert_int_equal(in(&p, S_CMD), 0x82);
	assert_int_equal(isr(&p, S_CMD), 0x04);
	assert_int_equal(irr(&p, M_CMD), 0x04);  /* IR2 still latched */
	assert_int_equal(isr(&p, M_CMD), 0x00);
	/* The master still interrupts: it finds no slave request. */
	assert_int_equal(pic_pair_intack(&p), 0x3f);
	/* Master poll on a cascade request does not resolve the slave. */
	out(&p, M_CMD, EOI);
	out(&p, S_CMD, EOI);
	pic_pair_set_irq(&p, 11, 1);
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_CMD), 0x82);
	assert_int_equal(isr(&p, M_CMD), 0x04);
	assert_int_equal(irr(&p, S_CMD), 0x08);
	out(&p, S_CMD, POLL);
	assert_int_equal(in(&p, S_CMD), 0x83);
}

static void q1_icw1_clears_poll(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 5, 1);
	out(&p, M_CMD, POLL);
	linux_init(&p, 0x01);
	out(&p, M_DATA, 0x12);
	assert_int_equal(in(&p, M_DATA), 0x12);
}

/* ---- 1.7 edge / level ------------------------------------------------ */

static void e1_edge_coalesced(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	irq_pulse(&p, 4);
	irq_pulse(&p, 4);
	pic_pair_set_irq(&p, 4, 1);
	assert_int_equal(pic_pair_intack(&p), 0x34);
	out(&p, M_CMD, EOI);
	assert_false(pic_pair_int(&p));
	pic_pair_set_irq(&p, 4, 1);         /* still high: no new edge */
	assert_false(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x37);
}

static void e2_level_reasserts_after_eoi(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, ELCR2, 0x04);
	pic_pair_set_irq(&p, 10, 1);
	assert_int_equal(pic_pair_intack(&p), 0x3a);
	assert_false(pic_pair_int(&p));
	out(&p, S_CMD, EOI);
	out(&p, M_CMD, EOI);
	assert_true(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x3a);
	pic_pair_set_irq(&p, 10, 0);        /* device serviced */
	out(&p, S_CMD, EOI);
	out(&p, M_CMD, EOI);
	assert_false(pic_pair_int(&p));
}

static void e3_level_dropped_before_inta(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	out(&p, ELCR1, 0x20);
	pic_pair_set_irq(&p, 5, 1);
	assert_true(pic_pair_int(&p));
	pic_pair_set_irq(&p, 5, 0);
	assert_false(pic_pair_int(&p));
	assert_int_equal(pic_pair_intack(&p), 0x37);
	assert_int_equal(isr(&p, M_CMD), 0x00);
}

static void e4_elcr_change_while_line_high(void **state)
{
	struct pic_pair p;
	(void)state;
	fresh(&p);
	pic_pair_set_irq(&p, 5, 1);
	assert_int_equal(pic_pair_intack(&p), 0x35);
	out(&p, M_CMD, EOI);
	assert_false(pic_pair_int(&p));
	/* Edge -> level with the line high: a request at once. */
	out(&p, ELCR1, 0x20);
	assert_int_equal(irr(&p, M_CMD), 0x20);
	assert_true(pic_pair_int(&p));
	/* Level -> edge: the IRR bit stays latched; no new edge while high. */
	out(&p, ELCR1, 0x00);
	assert_int_equal(irr(&p, M_CMD), 0x20);
	assert_int_equal(pic_pair_intack(&p), 0x35);
	out(&p, M_CMD, EOI);
	assert_false(pic_pair_int(&p));
	/* Level with the line low clears the request. */
	pic_pair_set_irq(&p, 5, 0);
	pic_pair_set_irq(&p, 5, 1);
	out(&p, ELCR1, 0x20);
	pic_pair_set_irq(&p, 5, 0);
	out(&p, ELCR1, 0x00);
	assert_int_equal(irr(&p, M_CMD), 0x00);
}

/* ---- 1.8 ELCR -------------------------------------------------------- */

static void l1_l2_elcr_masks(void **state)
{
	static const struct { uint16_t port; uint8_t w, r; } t[] = {
		{ ELCR1, 0xff, 0xf8 }, { ELCR2, 0xff, 0xde },
		{ ELCR1, 0x07, 0x00 }, { ELCR2, 0x21, 0x00 },
		{ ELCR1, 0x28, 0x28 }, { ELCR2, 0x5f, 0x5e },
		{ ELCR2, 0x5f, 0x5e }, /* writing twice keeps it */
	};
	struct pic_pair p;
	(void)state;
	pic_pair_init(&p, 0xff);
	assert_int_equal(in(&p, ELCR1), 0x00);
	assert_int_equal(in(&p, ELCR2), 0x00);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out(&p, t[i].port, t[i].w);
		assert_int_equal(in(&p, t[i].port), t[i].r);
	}
	/* 0x0c00 as two bytes: IRQ10 and IRQ11 level. */
	fresh(&p);
	out(&p, ELCR1, 0x00);
	out(&p, ELCR2, 0x0c);
	pic_pair_set_irq(&p, 11, 1);
	pic_pair_set_irq(&p, 12, 1);
	assert_int_equal(pic_pair_intack(&p), 0x3b);
	assert_int_equal(irr(&p, S_CMD), 0x18); /* IR3 level stays */
	out(&p, S_CMD, EOI);
	out(&p, M_CMD, EOI);
	assert_int_equal(pic_pair_intack(&p), 0x3b);
	/* ELCR bit 2 (cascade) can never be set: master IR2 stays edge. */
	out(&p, ELCR1, 0x04);
	assert_int_equal(in(&p, ELCR1), 0x00);
}

/* ---- 1.9 reset ------------------------------------------------------- */

static void z1_reset_values(void **state)
{
	static const uint8_t imr_reset[] = { 0x00, 0xff };
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct pic_pair p;
		pic_pair_init(&p, imr_reset[i]);
		assert_int_equal(in(&p, M_DATA), imr_reset[i]);
		assert_int_equal(in(&p, S_DATA), imr_reset[i]);
		assert_int_equal(in(&p, M_CMD), 0x00);
		assert_int_equal(isr(&p, M_CMD), 0x00);
		assert_int_equal(in(&p, ELCR1), 0x00);
		assert_false(pic_pair_int(&p));
		/* Ready (not in init): 0x21 writes are OCW1. */
		out(&p, M_DATA, 0xfd);
		assert_int_equal(in(&p, M_DATA), 0xfd);
		out(&p, S_DATA, 0x00);
		pic_pair_set_irq(&p, 1, 1);
		assert_int_equal(pic_pair_intack(&p), 0x01); /* base 0 */
		/* Everything programmed goes back by pic_pair_reset. */
		linux_init(&p, 0x03);
		out(&p, ELCR2, 0x0c);
		out(&p, M_CMD, 0xc3);
		pic_pair_set_irq(&p, 6, 1);
		pic_pair_reset(&p);
		assert_int_equal(in(&p, M_DATA), imr_reset[i]);
		assert_int_equal(in(&p, ELCR2), 0x00);
		assert_int_equal(irr(&p, M_CMD), 0x00);
		out(&p, M_DATA, 0x00);
		/* Input levels survive: line 6 held high gives no new edge. */
		pic_pair_set_irq(&p, 6, 1);
		assert_false(pic_pair_int(&p));
		pic_pair_set_irq(&p, 3, 1);
		pic_pair_set_irq(&p, 4, 1);
		assert_int_equal(pic_pair_intack(&p), 0x03); /* prio reset */
		assert_int_equal(isr(&p, M_CMD), 0x08);      /* AEOI off */
	}
}

/* ---- state save / load / print --------------------------------------- */

static size_t save(struct pic_pair *p, uint8_t *buf, size_t cap)
{
	struct ser s = { .buf = buf, .len = cap, .pos = 0, .load = 0, .err = NULL };
	pic_pair_serialize(p, &s);
	assert_null(s.err);
	return s.pos;
}

static const char *load(struct pic_pair *p, const uint8_t *buf, size_t len)
{
	struct ser s = { .buf = (uint8_t *)buf, .len = len, .pos = 0, .load = 1, .err = NULL };
	pic_pair_serialize(p, &s);
	if (!s.err)
		assert_int_equal(s.pos, len);
	return s.err;
}

/* A busy state: mid-init slave, nested ISR, poll pending, rotation. */
static void busy_state(struct pic_pair *p)
{
	pic_pair_init(p, 0xff);
	linux_init(p, 0x11);
	out(p, ELCR2, 0x0c);
	out(p, M_CMD, 0xc4);
	pic_pair_set_irq(p, 11, 1);
	pic_pair_set_irq(p, 6, 1);
	(void)pic_pair_intack(p);
	pic_pair_set_irq(p, 3, 1);
	out(p, M_DATA, 0x10);
	out(p, M_CMD, 0x6b);
	out(p, S_CMD, 0x80);
	out(p, M_CMD, POLL);
	out(p, S_CMD, 0x1b);
	out(p, S_DATA, 0x70);
}

static void drive_and_log(struct pic_pair *p, uint8_t *log)
{
	static const struct { uint16_t port; uint8_t v; } w[] = {
		{ S_DATA, 0x02 }, { S_DATA, 0x01 }, { M_CMD, EOI },
		{ S_DATA, 0x00 }, { S_CMD, EOI }, { M_DATA, 0x00 },
	};
	size_t k = 0;
	log[k++] = in(p, M_CMD);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		out(p, w[i].port, w[i].v);
		pic_pair_set_irq(p, (unsigned)(i * 3) % 16, (int)(i & 1));
		log[k++] = pic_pair_int(p);
		log[k++] = pic_pair_intack(p);
		log[k++] = isr(p, M_CMD);
		log[k++] = irr(p, S_CMD);
	}
}

static void ser_round_trip(void **state)
{
	struct pic_pair a, b;
	uint8_t buf[128], buf2[128], log_a[64], log_b[64];
	(void)state;
	busy_state(&a);
	struct ser m = { .buf = NULL, .len = 0, .pos = 0, .load = 0, .err = NULL };
	pic_pair_serialize(&a, &m);
	assert_null(m.err);
	size_t n = save(&a, buf, sizeof(buf));
	assert_int_equal(n, m.pos);

	pic_pair_init(&b, 0x00);
	assert_null(load(&b, buf, n));
	assert_int_equal(save(&b, buf2, sizeof(buf2)), n);
	assert_memory_equal(buf, buf2, n);
	assert_int_equal(pic_pair_int(&a), pic_pair_int(&b));

	memset(log_a, 0, sizeof(log_a));
	memset(log_b, 0, sizeof(log_b));
	drive_and_log(&a, log_a);
	drive_and_log(&b, log_b);
	assert_memory_equal(log_a, log_b, sizeof(log_a));
	save(&a, buf, sizeof(buf));
	save(&b, buf2, sizeof(buf2));
	assert_memory_equal(buf, buf2, n);

	/* Save into a too-small buffer reports an error. */
	struct ser s = { .buf = buf, .len = n - 1, .pos = 0, .load = 0, .err = NULL };
	pic_pair_serialize(&a, &s);
	assert_non_null(s.err);
}

static void ser_load_rejects_truncated(void **state)
{
	struct pic_pair a, b, before;
	uint8_t buf[128];
	(void)state;
	busy_state(&a);
	size_t n = save(&a, buf, sizeof(buf));
	for (size_t len = 0; len < n; len++) {
		fresh(&b);
		before = b;
		assert_non_null(load(&b, buf, len));
		assert_memory_equal(&b, &before, sizeof(b)); /* untouched */
	}
}

static void ser_load_rejects_invalid(void **state)
{
	/* Byte offsets: 0 version; master fields at 1+k, slave at 18+k, in
	 * the order irr imr isr line elcr elcr_mask base priority_add
	 * init_state icw1 read_isr poll smm aeoi raeoi sfnm literal. */
	static const struct { size_t off; uint8_t v; } t[] = {
		{ 0, 2 },          /* version */
		{ 1 + 8, 4 },      /* init_state */
		{ 18 + 8, 0xff },
		{ 1 + 7, 8 },      /* priority_add */
		{ 1 + 6, 0x31 },   /* base not aligned */
		{ 1 + 4, 0x07 },   /* elcr read-only bits */
		{ 18 + 4, 0x01 },
		{ 1 + 5, 0xff },   /* elcr_mask */
		{ 1 + 9, 0x80 },   /* icw1 junk bits */
		{ 1 + 10, 2 }, { 1 + 11, 2 }, { 1 + 12, 7 }, { 1 + 13, 2 },
		{ 18 + 14, 2 }, { 18 + 15, 0x10 }, { 18 + 16, 2 },
		{ 18 + 3, 0x00 },  /* level IRQ11 line low but IRR set */
		{ 1 + 3, 0x40 },   /* master cascade line low, slave INT high */
	};
	struct pic_pair a, b, before;
	uint8_t good[128], bad[128];
	(void)state;
	pic_pair_init(&a, 0xff);
	linux_init(&a, 0x01);
	out(&a, ELCR2, 0x08);
	pic_pair_set_irq(&a, 11, 1);
	pic_pair_set_irq(&a, 6, 1);
	size_t n = save(&a, good, sizeof(good));
	assert_int_equal(n, 36);
	assert_int_equal(good[1 + 3], 0x44); /* lines 6 and cascade */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memcpy(bad, good, n);
		assert_true(bad[t[i].off] != t[i].v);
		bad[t[i].off] = t[i].v;
		fresh(&b);
		before = b;
		const char *err = load(&b, bad, n);
		if (!err)
			fail_msg("row %zu (offset %zu) accepted", i, t[i].off);
		assert_memory_equal(&b, &before, sizeof(b));
	}
	/* Init-state consistency: expecting ICW3 in SNGL mode. */
	pic_pair_init(&a, 0xff);
	out(&a, M_CMD, 0x11);
	out(&a, M_DATA, 0x30);
	n = save(&a, good, sizeof(good));
	assert_null(load(&b, good, n));
	good[1 + 9] |= 0x02;
	assert_non_null(load(&b, good, n));
}

static void print_layout(void **state)
{
	struct pic_pair p;
	char *text = NULL;
	size_t len = 0;
	(void)state;
	fresh(&p);
	out(&p, M_DATA, 0xfa);
	pic_pair_set_irq(&p, 0, 1);
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	pic_pair_print(&p, f);
	fclose(f);
	assert_string_equal(text,
		"pic master: irr=0x01 isr=0x00 imr=0xfa line=0x01 elcr=0x00 "
		"base=0x30 prio=0 init=ready read=irr aeoi=0 raeoi=0 sfnm=0 "
		"smm=0 poll=0 ltim=0 sngl=0 literal=0 int=1\n"
		"pic slave: irr=0x00 isr=0x00 imr=0x00 line=0x00 elcr=0x00 "
		"base=0x38 prio=0 init=ready read=irr aeoi=0 raeoi=0 sfnm=0 "
		"smm=0 poll=0 ltim=0 sngl=0 literal=0 int=0\n"
		"pic imr_reset=0xff\n");
	free(text);
}


/* Model variant pic.poll_no_0x80 (checklist Q2, KVM/crosvm): the poll word
 * is the level alone, 0x07 when nothing is pending; the acknowledge is the
 * datasheet's. Saved (state version 2) and restored; default states keep
 * the version 1 layout. */
static void variant_poll_no_0x80(void **state)
{
	struct pic_pair p, q;
	uint8_t buf[128], buf2[128];
	(void)state;
	fresh(&p);
	size_t n1 = save(&p, buf, sizeof(buf));
	assert_int_equal(buf[0], 1);
	p.chip[0].poll_no_0x80 = 1;
	p.chip[1].poll_no_0x80 = 1;
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_CMD), 0x07);
	pic_pair_set_irq(&p, 5, 1);
	out(&p, M_CMD, POLL);
	assert_int_equal(in(&p, M_CMD), 0x05);
	assert_int_equal(isr(&p, M_CMD), 0x20);
	size_t n2 = save(&p, buf, sizeof(buf));
	assert_int_equal(buf[0], 2);
	assert_int_equal(n2, n1 + 2);
	pic_pair_init(&q, 0x00);
	assert_null(load(&q, buf, n2));
	assert_int_equal(q.chip[0].poll_no_0x80, 1);
	assert_int_equal(save(&q, buf2, sizeof(buf2)), n2);
	assert_memory_equal(buf, buf2, n2);
	buf[n2 - 1] = 2;
	assert_non_null(load(&q, buf, n2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(p1_owns_ports_and_foreign_reads),
		cmocka_unit_test(p2_p3_write_decode),
		cmocka_unit_test(p5_read_register_selection_sticky),
		cmocka_unit_test(p6_reads_during_init),
		cmocka_unit_test(i1_icw1_side_effects),
		cmocka_unit_test(i1_icw1_keeps_isr),
		cmocka_unit_test(i2_icw1_keeps_elcr),
		cmocka_unit_test(i3_ltim_makes_all_inputs_level),
		cmocka_unit_test(i4_icw2_base),
		cmocka_unit_test(i5_icw3_contents_ignored),
		cmocka_unit_test(i6_icw4_bits),
		cmocka_unit_test(i7_sngl_ic4_sequence),
		cmocka_unit_test(i8_linux_init_irq0_irq8),
		cmocka_unit_test(i9_probe_8259a),
		cmocka_unit_test(r1_equal_priority_does_not_interrupt),
		cmocka_unit_test(r2_masked_edge_fires_on_unmask),
		cmocka_unit_test(r3_mask_drops_int),
		cmocka_unit_test(r4_special_mask_mode),
		cmocka_unit_test(r5_sfnm_on),
		cmocka_unit_test(r5_sfnm_off),
		cmocka_unit_test(r6_cascade_latch_slave_spurious),
		cmocka_unit_test(a1_a2_vectors_isr_irr),
		cmocka_unit_test(a3_aeoi_rotate),
		cmocka_unit_test(a4_spurious_master),
		cmocka_unit_test(a5_spurious_slave_sets_master_isr2),
		cmocka_unit_test(a6_edge_latched_by_default),
		cmocka_unit_test(a6_literal_edge_withdrawn_is_spurious),
		cmocka_unit_test(a6_literal_edge_switch_reaches_master_at_next_update),
		cmocka_unit_test(o1_nonspecific_eoi),
		cmocka_unit_test(o2_specific_eoi),
		cmocka_unit_test(o3_rotate_on_nonspecific_eoi),
		cmocka_unit_test(o4_rotate_on_specific_eoi),
		cmocka_unit_test(o5_set_priority_orders),
		cmocka_unit_test(o5_nesting_under_every_rotation),
		cmocka_unit_test(o6_rotate_in_aeoi_flags_and_nop),
		cmocka_unit_test(o7_master_eoi_does_not_touch_slave),
		cmocka_unit_test(q1_icw1_clears_poll),
		cmocka_unit_test(q2_poll_master),
		cmocka_unit_test(q3_poll_slave_leaves_master),
		cmocka_unit_test(e1_edge_coalesced),
		cmocka_unit_test(e2_level_reasserts_after_eoi),
		cmocka_unit_test(e3_level_dropped_before_inta),
		cmocka_unit_test(e4_elcr_change_while_line_high),
		cmocka_unit_test(l1_l2_elcr_masks),
		cmocka_unit_test(z1_reset_values),
		cmocka_unit_test(ser_round_trip),
		cmocka_unit_test(ser_load_rejects_truncated),
		cmocka_unit_test(ser_load_rejects_invalid),
		cmocka_unit_test(print_layout),
		cmocka_unit_test(variant_poll_no_0x80),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
