/* SPDX-License-Identifier: MIT */
/*
 * 82093AA IOAPIC model tests. Everything goes through the chip's MMIO
 * window (IOREGSEL/IOWIN/EOI register), its pins and the LAPIC EOI entry
 * point, and asserts register reads and the APIC messages sent.
 *
 * Scenario names follow kvm-unit-tests x86/ioapic.c and crosvm's ioapic.rs
 * unit tests where a test is a model-level port of one of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chips/ioapic.h"

/* Offsets and register indices, written out as in the datasheet. */
#define IOREGSEL 0x00u
#define IOWIN 0x10u
#define EOIR 0x40u
#define REG_ID 0x00u
#define REG_VER 0x01u
#define REG_ARB 0x02u
#define REG_RTE_LO(n) (0x10u + 2u * (n))
#define REG_RTE_HI(n) (0x11u + 2u * (n))

/* RTE low-dword fields (82093AA 3.2.4). */
#define DM(m) ((uint32_t)(m) << 8)
#define LOGICAL (1u << 11)
#define DELIVS (1u << 12)
#define ACTIVE_LOW (1u << 13)
#define REMOTE_IRR (1u << 14)
#define LEVEL (1u << 15)
#define MASKED (1u << 16)

struct fx {
	struct ioapic s;
	struct apic_msg out[IOAPIC_PINS];
};

static struct fx *fx_new(uint8_t version)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	ioapic_init(&f->s, version);
	return f;
}

static uint32_t reg_read(struct fx *f, uint32_t idx)
{
	assert_int_equal(ioapic_mmio_write(&f->s, IOREGSEL, idx, f->out), 0);
	return ioapic_mmio_read(&f->s, IOWIN);
}

static unsigned reg_write(struct fx *f, uint32_t idx, uint32_t value)
{
	assert_int_equal(ioapic_mmio_write(&f->s, IOREGSEL, idx, f->out), 0);
	return ioapic_mmio_write(&f->s, IOWIN, value, f->out);
}

/* Linux order: high dword first, then low. Returns messages of the last
 * write (a high-dword write may deliver too; asserted none here). */
static unsigned rte_write(struct fx *f, unsigned pin, uint32_t lo, uint8_t dest)
{
	assert_int_equal(reg_write(f, REG_RTE_HI(pin), (uint32_t)dest << 24), 0);
	return reg_write(f, REG_RTE_LO(pin), lo);
}

static uint32_t rte_lo(struct fx *f, unsigned pin)
{
	return reg_read(f, REG_RTE_LO(pin));
}

static unsigned irq(struct fx *f, unsigned pin, int level)
{
	return ioapic_set_irq(&f->s, pin, level, f->out);
}

static unsigned eoi(struct fx *f, uint8_t vector)
{
	return ioapic_eoi(&f->s, vector, f->out);
}

static void assert_msg(const struct apic_msg *m, uint8_t dest, uint8_t vector, uint8_t delivery,
		       uint8_t destmode, uint8_t trigger, uint8_t pin)
{
	assert_int_equal(m->dest, dest);
	assert_int_equal(m->vector, vector);
	assert_int_equal(m->delivery, delivery);
	assert_int_equal(m->destmode, destmode);
	assert_int_equal(m->trigger, trigger);
	assert_int_equal(m->pin, pin);
}

static int remote_irr(struct fx *f, unsigned pin)
{
	return (rte_lo(f, pin) & REMOTE_IRR) != 0;
}

/* ---- direct and indirect registers ---------------------------------- */

static void test_reset_values(void **state)
{
	static const uint8_t versions[] = { 0x11, 0x20 };
	for (size_t v = 0; v < sizeof(versions); v++) {
		struct fx *f = fx_new(versions[v]);
		assert_int_equal(ioapic_mmio_read(&f->s, IOREGSEL), 0);
		assert_int_equal(reg_read(f, REG_ID), 0);
		for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
			assert_int_equal(reg_read(f, REG_RTE_LO(pin)), MASKED);
			assert_int_equal(reg_read(f, REG_RTE_HI(pin)), 0);
		}
		/* reset after programming returns to the same state */
		rte_write(f, 3, 0x33 | LEVEL, 1);
		reg_write(f, REG_ID, 0x05000000);
		irq(f, 3, 1);
		ioapic_reset(&f->s);
		assert_int_equal(reg_read(f, REG_RTE_LO(3)), MASKED);
		assert_int_equal(reg_read(f, REG_RTE_HI(3)), 0);
		assert_int_equal(reg_read(f, REG_ID), 0);
		assert_int_equal(f->s.level, 0);
		assert_int_equal(reg_read(f, REG_VER) & 0xff, versions[v]);
		free(f);
	}
}

static void test_version_register(void **state)
{
	static const struct { uint8_t init; uint32_t expect; } rows[] = {
		{ 0x11, 0x00170011 },
		{ 0x20, 0x00170020 },
		{ 0x00, 0x00170020 }, /* unknown versions are taken as 0x20 */
		{ 0x13, 0x00170020 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx *f = fx_new(rows[i].init);
		assert_int_equal(reg_read(f, REG_VER), rows[i].expect);
		/* kvm-unit-tests ioapic_reg_version: writes are ignored */
		assert_int_equal(reg_write(f, REG_VER, ~rows[i].expect), 0);
		assert_int_equal(reg_read(f, REG_VER), rows[i].expect);
		free(f);
	}
}

static void test_id_and_arbitration(void **state)
{
	struct fx *f = fx_new(0x20);
	uint32_t old = reg_read(f, REG_ID);

	/* kvm-unit-tests ioapic_reg_id: only bits 27:24 are writable */
	reg_write(f, REG_ID, ~old);
	assert_int_equal(reg_read(f, REG_ID) ^ old, 0x0f000000);
	/* ARB reads the ID and ignores writes */
	assert_int_equal(reg_read(f, REG_ARB), 0x0f000000);
	reg_write(f, REG_ARB, 0);
	assert_int_equal(reg_read(f, REG_ARB), 0x0f000000);
	assert_int_equal(reg_read(f, REG_ID), 0x0f000000);
	reg_write(f, REG_ID, 0x02000000);
	assert_int_equal(reg_read(f, REG_ARB), 0x02000000);
	free(f);
}

static void test_ioregsel_is_8_bits(void **state)
{
	struct fx *f = fx_new(0x20);
	ioapic_mmio_write(&f->s, IOREGSEL, 0xabcdef01, f->out);
	assert_int_equal(ioapic_mmio_read(&f->s, IOREGSEL), 0x01);
	/* the window now shows the version register */
	assert_int_equal(ioapic_mmio_read(&f->s, IOWIN), 0x00170020);
	free(f);
}

static void test_reserved_indices(void **state)
{
	static const uint32_t idx[] = { 0x03, 0x04, 0x0f, 0x40, 0x41, 0x7f, 0x80, 0xff };
	struct fx *f = fx_new(0x20);
	struct ioapic before;

	rte_write(f, 0, 0x20, 0);
	before = f->s;
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		assert_int_equal(reg_read(f, idx[i]), 0);
		assert_int_equal(reg_write(f, idx[i], 0xffffffff), 0);
		assert_int_equal(reg_read(f, idx[i]), 0);
	}
	f->s.regsel = before.regsel;
	assert_memory_equal(&f->s, &before, sizeof(before));
	free(f);
}

static void test_other_offsets(void **state)
{
	static const uint32_t off[] = { 0x04, 0x08, 0x0c, 0x14, 0x20, 0x30, 0x3c, 0x44, 0x80, 0xfc,
					0x100, 0xffffffff };
	struct fx *f = fx_new(0x20);
	struct ioapic before;

	rte_write(f, 1, 0x31 | LEVEL, 0);
	irq(f, 1, 1); /* remote IRR set: a stray EOI-like write must not clear it */
	ioapic_mmio_write(&f->s, IOREGSEL, REG_RTE_LO(1), f->out);
	before = f->s;
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		assert_int_equal(ioapic_mmio_read(&f->s, off[i]), 0);
		assert_int_equal(ioapic_mmio_write(&f->s, off[i], 0x31, f->out), 0);
	}
	/* the EOI register is write-only */
	assert_int_equal(ioapic_mmio_read(&f->s, EOIR), 0);
	assert_memory_equal(&f->s, &before, sizeof(before));
	free(f);
}

static void test_rte_index_mapping(void **state)
{
	struct fx *f = fx_new(0x20);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		rte_write(f, pin, 0x40 + pin, (uint8_t)pin);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		assert_int_equal(reg_read(f, REG_RTE_LO(pin)), 0x40 + pin);
		assert_int_equal(reg_read(f, REG_RTE_HI(pin)), pin << 24);
		assert_int_equal(irq(f, pin, 1), 1);
		assert_msg(&f->out[0], (uint8_t)pin, (uint8_t)(0x40 + pin), APIC_DM_FIXED, 0, 0,
			   (uint8_t)pin);
	}
	free(f);
}

/* Reserved bits 55:17 read 0; bit 12 (delivery status) always reads 0. */
static void test_rte_reserved_and_delivs_bits(void **state)
{
	struct fx *f = fx_new(0x20);
	reg_write(f, REG_RTE_HI(5), 0xffffffff);
	assert_int_equal(reg_read(f, REG_RTE_HI(5)), 0xff000000);
	/* all ones: ExtINT, level bit set, masked. ExtINT is edge-only, so
	 * no remote IRR even though bit 14 was written as 1. */
	reg_write(f, REG_RTE_LO(5), 0xffffffff);
	assert_int_equal(reg_read(f, REG_RTE_LO(5)), 0x0001afff);
	reg_write(f, REG_RTE_LO(5), DELIVS | 0x30);
	assert_int_equal(reg_read(f, REG_RTE_LO(5)), 0x30);
	free(f);
}

/* crosvm remote_irr_read_only: writing 0 or 1 to bit 14 changes nothing. */
static void test_remote_irr_read_only(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 4, 0x34 | LEVEL, 0);
	assert_int_equal(irq(f, 4, 1), 1);
	assert_true(remote_irr(f, 4));
	assert_int_equal(reg_write(f, REG_RTE_LO(4), 0x34 | LEVEL), 0);
	assert_true(remote_irr(f, 4));
	assert_int_equal(reg_write(f, REG_RTE_HI(4), 0x01000000), 0);
	assert_true(remote_irr(f, 4));
	assert_int_equal(eoi(f, 0x34), 1); /* still asserted: re-delivered */
	irq(f, 4, 0);
	assert_int_equal(eoi(f, 0x34), 0);
	assert_false(remote_irr(f, 4));
	/* writing bit 14 as 1 does not set it */
	assert_int_equal(reg_write(f, REG_RTE_LO(4), 0x34 | LEVEL | REMOTE_IRR), 0);
	assert_false(remote_irr(f, 4));
	free(f);
}

/* ---- pin semantics: kvm-unit-tests x86/ioapic.c scenarios ------------- */

/* test_ioapic_edge_intr */
static void test_edge_intr(void **state)
{
	struct fx *f = fx_new(0x20);
	assert_int_equal(rte_write(f, 0x0e, 0x80, 0), 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_msg(&f->out[0], 0, 0x80, APIC_DM_FIXED, 0, 0, 0x0e);
	assert_int_equal(irq(f, 0x0e, 1), 0); /* held high: no new edge */
	assert_int_equal(irq(f, 0x0e, 0), 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_false(remote_irr(f, 0x0e));
	assert_int_equal(eoi(f, 0x80), 0); /* edge vector EOI: nothing */
	free(f);
}

/* test_ioapic_level_intr */
static void test_level_intr(void **state)
{
	struct fx *f = fx_new(0x20);
	assert_int_equal(rte_write(f, 0x0e, 0x90 | LEVEL, 0), 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_msg(&f->out[0], 0, 0x90, APIC_DM_FIXED, 0, 1, 0x0e);
	assert_true(remote_irr(f, 0x0e));
	irq(f, 0x0e, 0);
	assert_true(remote_irr(f, 0x0e)); /* S7: deassert keeps remote IRR */
	assert_int_equal(eoi(f, 0x90), 0);
	assert_false(remote_irr(f, 0x0e));
	free(f);
}

/* test_ioapic_edge_retrigger: handler pulses the line again */
static void test_edge_retrigger(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x81, 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	free(f);
}

/* test_ioapic_level_coalesce: toggles before the EOI give one interrupt */
static void test_level_coalesce(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x91 | LEVEL, 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	assert_int_equal(irq(f, 0x0e, 1), 0);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	assert_int_equal(eoi(f, 0x91), 0);
	assert_false(remote_irr(f, 0x0e));
	free(f);
}

/* test_ioapic_level_retrigger: line left high over the EOI */
static void test_level_retrigger(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x92 | LEVEL, 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(eoi(f, 0x92), 1);
	assert_msg(&f->out[0], 0, 0x92, APIC_DM_FIXED, 0, 1, 0x0e);
	assert_true(remote_irr(f, 0x0e));
	irq(f, 0x0e, 0);
	assert_int_equal(eoi(f, 0x92), 0);
	free(f);
}

/* test_ioapic_edge_mask: masked edges are dropped, not held (DS 3.2.4) */
static void test_edge_mask(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x82 | MASKED, 0);
	assert_int_equal(irq(f, 0x0e, 1), 0);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x82), 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	/* asserted while masked, still high at unmask: not delivered either */
	reg_write(f, REG_RTE_LO(0x0e), 0x82 | MASKED);
	assert_int_equal(irq(f, 0x0e, 1), 0);
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x82), 0);
	assert_int_equal(irq(f, 0x0e, 0), 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	free(f);
}

/* test_ioapic_level_mask: level asserted while masked fires on unmask */
static void test_level_mask(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x93 | LEVEL | MASKED, 0);
	assert_int_equal(irq(f, 0x0e, 1), 0);
	assert_false(remote_irr(f, 0x0e));
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x93 | LEVEL), 1);
	assert_msg(&f->out[0], 0, 0x93, APIC_DM_FIXED, 0, 1, 0x0e);
	irq(f, 0x0e, 0);
	assert_int_equal(eoi(f, 0x93), 0);
	/* asserted and deasserted while masked: nothing on unmask */
	reg_write(f, REG_RTE_LO(0x0e), 0x93 | LEVEL | MASKED);
	irq(f, 0x0e, 1);
	irq(f, 0x0e, 0);
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x93 | LEVEL), 0);
	free(f);
}

/* test_ioapic_level_retrigger_mask: handler masks and EOIs, then unmask */
static void test_level_retrigger_mask(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x94 | LEVEL, 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x94 | LEVEL | MASKED), 0);
	assert_true(remote_irr(f, 0x0e)); /* F4 */
	assert_int_equal(eoi(f, 0x94), 0);
	assert_false(remote_irr(f, 0x0e));
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x94 | LEVEL), 1);
	assert_true(remote_irr(f, 0x0e));
	free(f);
}

/* test_ioapic_level_sequential: deassert, EOI, assert again */
static void test_level_sequential(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x95 | LEVEL, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(irq(f, 0x0e, 1), 1);
		assert_int_equal(irq(f, 0x0e, 0), 0);
		assert_int_equal(eoi(f, 0x95), 0);
	}
	free(f);
}

/* test_ioapic_self_reconfigure: the handler rewrites the destination
 * (high dword) before the EOI; remote IRR must not stay set. */
static void test_self_reconfigure(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x96 | LEVEL, 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	irq(f, 0x0e, 0);
	assert_int_equal(reg_write(f, REG_RTE_HI(0x0e), 0x01000000), 0);
	assert_int_equal(reg_write(f, REG_RTE_LO(0x0e), 0x96 | LEVEL), 0);
	assert_int_equal(eoi(f, 0x96), 0);
	assert_false(remote_irr(f, 0x0e));
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(f->out[0].dest, 1);
	free(f);
}

/* S9: changing the VECTOR while remote IRR is set leaves it stuck until an
 * EOI of the new vector (the hardware matches EOIs by vector). */
static void test_vector_change_keeps_remote_irr(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 7, 0x97 | LEVEL, 0);
	assert_int_equal(irq(f, 7, 1), 1);
	irq(f, 7, 0);
	reg_write(f, REG_RTE_LO(7), 0xa7 | LEVEL);
	assert_int_equal(eoi(f, 0x97), 0);
	assert_true(remote_irr(f, 7));
	assert_int_equal(eoi(f, 0xa7), 0);
	assert_false(remote_irr(f, 7));
	free(f);
}

/* test_ioapic_simultaneous: two pins fire, each delivered once; shared
 * level vector: one EOI clears and re-delivers both, in pin order. */
static void test_simultaneous(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 0x0e, 0x98, 0);
	rte_write(f, 0x0f, 0x99, 0);
	assert_int_equal(irq(f, 0x0e, 1), 1);
	assert_int_equal(f->out[0].pin, 0x0e);
	assert_int_equal(irq(f, 0x0f, 1), 1);
	assert_int_equal(f->out[0].pin, 0x0f);

	rte_write(f, 20, 0xb0 | LEVEL, 0);
	rte_write(f, 9, 0xb0 | LEVEL, 2);
	assert_int_equal(irq(f, 20, 1), 1);
	assert_int_equal(irq(f, 9, 1), 1);
	assert_int_equal(eoi(f, 0xb0), 2);
	assert_msg(&f->out[0], 2, 0xb0, APIC_DM_FIXED, 0, 1, 9);
	assert_msg(&f->out[1], 0, 0xb0, APIC_DM_FIXED, 0, 1, 20);
	irq(f, 9, 0);
	assert_int_equal(eoi(f, 0xb0), 1);
	assert_int_equal(f->out[0].pin, 20);
	assert_false(remote_irr(f, 9));
	assert_true(remote_irr(f, 20));
	free(f);
}

/* ---- crosvm-style unit tests ----------------------------------------- */

/* crosvm level_to_edge_transition_clears_remote_irr (F3) */
static void test_edge_write_clears_remote_irr(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 3, 0x43 | LEVEL, 0);
	assert_int_equal(irq(f, 3, 1), 1);
	assert_true(remote_irr(f, 3));
	assert_int_equal(reg_write(f, REG_RTE_LO(3), 0x43), 0); /* edge, still high */
	assert_false(remote_irr(f, 3));
	free(f);
}

/* crosvm masking_preserves_remote_irr (F4) */
static void test_masking_preserves_remote_irr(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 3, 0x44 | LEVEL, 0);
	assert_int_equal(irq(f, 3, 1), 1);
	assert_int_equal(reg_write(f, REG_RTE_LO(3), 0x44 | LEVEL | MASKED), 0);
	assert_true(remote_irr(f, 3));
	assert_int_equal(reg_write(f, REG_RTE_LO(3), 0x44 | LEVEL), 0);
	assert_true(remote_irr(f, 3));
	free(f);
}

/* crosvm implicit_eoi / X3: Linux's EOI for version 0x11 parts */
static void test_implicit_eoi(void **state)
{
	static const struct { int line; unsigned expect; } rows[] = { { 1, 1 }, { 0, 0 } };
	for (size_t i = 0; i < 2; i++) {
		struct fx *f = fx_new(0x11);
		rte_write(f, 10, 0x45 | LEVEL, 0);
		assert_int_equal(irq(f, 10, 1), 1);
		irq(f, 10, rows[i].line);
		/* the EOI register does not exist on 0x11 */
		assert_int_equal(ioapic_mmio_write(&f->s, EOIR, 0x45, f->out), 0);
		assert_true(remote_irr(f, 10));
		assert_int_equal(reg_write(f, REG_RTE_LO(10), 0x45 | MASKED), 0);
		assert_false(remote_irr(f, 10));
		assert_int_equal(reg_write(f, REG_RTE_LO(10), 0x45 | LEVEL), rows[i].expect);
		assert_int_equal(remote_irr(f, 10), rows[i].line);
		free(f);
	}
}

/* D3: EOI register on 0x20 acts like a LAPIC EOI broadcast */
static void test_eoi_register(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 11, 0x46 | LEVEL, 0);
	rte_write(f, 12, 0x47 | LEVEL, 0);
	assert_int_equal(irq(f, 11, 1), 1);
	assert_int_equal(irq(f, 12, 1), 1);
	/* only bits 7:0 are the vector */
	assert_int_equal(ioapic_mmio_write(&f->s, EOIR, 0xffffff46, f->out), 1);
	assert_msg(&f->out[0], 0, 0x46, APIC_DM_FIXED, 0, 1, 11);
	irq(f, 11, 0);
	assert_int_equal(ioapic_mmio_write(&f->s, EOIR, 0x46, f->out), 0);
	assert_false(remote_irr(f, 11));
	assert_true(remote_irr(f, 12)); /* other vector untouched */
	/* an EOI for a vector nobody has in flight does nothing */
	assert_int_equal(eoi(f, 0x55), 0);
	assert_true(remote_irr(f, 12));
	free(f);
}

/* A level entry with remote IRR set: unmasking / rewriting does not
 * re-deliver (S4); out-of-range pins are ignored. */
static void test_coalesce_on_rewrite_and_bad_pin(void **state)
{
	struct fx *f = fx_new(0x20);
	struct ioapic before;
	rte_write(f, 2, 0x48 | LEVEL, 0);
	assert_int_equal(irq(f, 2, 1), 1);
	assert_int_equal(reg_write(f, REG_RTE_LO(2), 0x48 | LEVEL), 0);
	assert_int_equal(irq(f, 2, 1), 0);
	before = f->s;
	assert_int_equal(irq(f, IOAPIC_PINS, 1), 0);
	assert_int_equal(irq(f, 1000, 1), 0);
	assert_memory_equal(&f->s, &before, sizeof(before));
	free(f);
}

/* ---- polarity (bit 13): the pin input is electrical ------------------ */

static void test_polarity_active_low(void **state)
{
	struct fx *f = fx_new(0x20);
	/* PCI pin idles high (the board drives it so after reset) */
	assert_int_equal(irq(f, 16, 1), 0);
	assert_int_equal(rte_write(f, 16, 0x50 | LEVEL | ACTIVE_LOW, 0), 0);
	assert_int_equal(irq(f, 16, 0), 1); /* pulled low = asserted */
	assert_msg(&f->out[0], 0, 0x50, APIC_DM_FIXED, 0, 1, 16);
	assert_int_equal(irq(f, 16, 1), 0);
	assert_int_equal(eoi(f, 0x50), 0);
	assert_false(remote_irr(f, 16));

	assert_int_equal(irq(f, 17, 1), 0);
	assert_int_equal(rte_write(f, 17, 0x51 | ACTIVE_LOW, 0), 0);
	assert_int_equal(irq(f, 17, 0), 1); /* falling edge delivers */
	assert_int_equal(irq(f, 17, 1), 0); /* rising edge does not */
	free(f);
}

/* Flipping INTPOL under a steady line changes the asserted state: an
 * unmasked edge entry delivers, a level entry delivers (F6). */
static void test_polarity_write_reevaluates(void **state)
{
	struct fx *f = fx_new(0x20);
	assert_int_equal(rte_write(f, 5, 0x52, 0), 0); /* line low, active high */
	assert_int_equal(reg_write(f, REG_RTE_LO(5), 0x52 | ACTIVE_LOW), 1);
	assert_msg(&f->out[0], 0, 0x52, APIC_DM_FIXED, 0, 0, 5);
	assert_int_equal(reg_write(f, REG_RTE_LO(5), 0x52), 0); /* deasserts */
	/* masked at the moment of the flip: dropped */
	assert_int_equal(reg_write(f, REG_RTE_LO(5), 0x52 | ACTIVE_LOW | MASKED), 0);
	assert_int_equal(reg_write(f, REG_RTE_LO(5), 0x52 | ACTIVE_LOW), 0);

	assert_int_equal(rte_write(f, 6, 0x53 | LEVEL, 0), 0);
	assert_int_equal(reg_write(f, REG_RTE_LO(6), 0x53 | LEVEL | ACTIVE_LOW), 1);
	assert_true(remote_irr(f, 6));
	free(f);
}

/* ---- message encoding -------------------------------------------------- */

static void test_message_encoding(void **state)
{
	static const struct {
		uint32_t lo;
		uint8_t dest;
		unsigned n;     /* messages on assert */
		uint8_t delivery, destmode, trigger;
		int irr;        /* remote IRR after delivery */
	} rows[] = {
		{ 0x61 | DM(0), 0x03, 1, APIC_DM_FIXED, 0, 0, 0 },
		{ 0x62 | DM(0) | LEVEL, 0x03, 1, APIC_DM_FIXED, 0, 1, 1 },
		{ 0x63 | DM(1) | LOGICAL, 0x0f, 1, APIC_DM_LOWEST, 1, 0, 0 },
		{ 0x64 | DM(1) | LOGICAL | LEVEL, 0x81, 1, APIC_DM_LOWEST, 1, 1, 1 },
		{ 0x00 | DM(2), 0x00, 1, APIC_DM_SMI, 0, 0, 0 },
		{ 0x00 | DM(2) | LEVEL, 0x00, 1, APIC_DM_SMI, 0, 0, 0 },
		{ 0x00 | DM(4) | LOGICAL, 0xff, 1, APIC_DM_NMI, 1, 0, 0 },
		{ 0x00 | DM(4) | LEVEL, 0x01, 1, APIC_DM_NMI, 0, 0, 0 },
		{ 0x00 | DM(5), 0x02, 1, APIC_DM_INIT, 0, 0, 0 },
		{ 0x00 | DM(5) | LEVEL, 0x02, 1, APIC_DM_INIT, 0, 0, 0 },
		{ 0x00 | DM(7), 0x00, 1, APIC_DM_EXTINT, 0, 0, 0 },
		{ 0x00 | DM(7) | LEVEL, 0x00, 1, APIC_DM_EXTINT, 0, 0, 0 },
		{ 0x65 | DM(3), 0x00, 0, 0, 0, 0, 0 },
		{ 0x66 | DM(3) | LEVEL, 0x00, 0, 0, 0, 0, 0 },
		{ 0x67 | DM(6), 0x00, 0, 0, 0, 0, 0 },
		{ 0x68 | DM(6) | LEVEL, 0x00, 0, 0, 0, 0, 0 },
		/* physical destination: the full 8-bit field 63:56 is sent */
		{ 0x69, 0xf5, 1, APIC_DM_FIXED, 0, 0, 0 },
		{ 0x6a, 0x10, 1, APIC_DM_FIXED, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx *f = fx_new(0x20);
		unsigned pin = (unsigned)(i % IOAPIC_PINS);
		assert_int_equal(rte_write(f, pin, rows[i].lo, rows[i].dest), 0);
		assert_int_equal(reg_read(f, REG_RTE_LO(pin)), rows[i].lo);
		assert_int_equal(irq(f, pin, 1), rows[i].n);
		if (rows[i].n)
			assert_msg(&f->out[0], rows[i].dest, (uint8_t)(rows[i].lo & 0xff),
				   rows[i].delivery, rows[i].destmode, rows[i].trigger,
				   (uint8_t)pin);
		assert_int_equal(remote_irr(f, pin), rows[i].irr);
		/* edge behaviour for everything but level fixed/lowest: a
		 * second assert while high is ignored, a new pulse delivers */
		if (!rows[i].irr) {
			assert_int_equal(irq(f, pin, 1), 0);
			assert_int_equal(irq(f, pin, 0), 0);
			assert_int_equal(irq(f, pin, 1), rows[i].n);
			assert_false(remote_irr(f, pin));
		}
		free(f);
	}
}

/* A fixed-level entry with remote IRR set, reprogrammed to level NMI:
 * NMI is edge-only, so remote IRR is cleared and cannot get stuck. */
static void test_level_to_nmi_clears_remote_irr(void **state)
{
	struct fx *f = fx_new(0x20);
	rte_write(f, 8, 0x70 | LEVEL, 0);
	assert_int_equal(irq(f, 8, 1), 1);
	assert_int_equal(reg_write(f, REG_RTE_LO(8), DM(4) | LEVEL), 0);
	assert_false(remote_irr(f, 8));
	assert_int_equal(irq(f, 8, 0), 0);
	assert_int_equal(irq(f, 8, 1), 1);
	assert_int_equal(f->out[0].delivery, APIC_DM_NMI);
	assert_int_equal(f->out[0].trigger, 0);
	free(f);
}

/* ---- save / load ------------------------------------------------------- */

static void build_busy_state(struct fx *f)
{
	reg_write(f, REG_ID, 0x0a000000);
	rte_write(f, 2, 0x30, 0);
	rte_write(f, 9, 0x41 | LEVEL, 1);
	irq(f, 16, 1); /* PCI pin idle high before it is programmed */
	rte_write(f, 16, 0x51 | LEVEL | ACTIVE_LOW | LOGICAL, 0x03);
	irq(f, 9, 1);
	irq(f, 2, 1);
	ioapic_mmio_write(&f->s, IOREGSEL, 0x21, f->out);
}

static size_t save(struct ioapic *s, uint8_t *buf, size_t len)
{
	struct ser w = { .buf = buf, .len = len, .load = 0 };
	ioapic_serialize(s, &w);
	assert_null(w.err);
	return w.pos;
}

static void test_serialize_round_trip(void **state)
{
	struct fx *a = fx_new(0x11), *b = fx_new(0x20);
	uint8_t buf[512];
	size_t need, got;

	build_busy_state(a);
	need = save(&a->s, NULL, 0);
	got = save(&a->s, buf, sizeof(buf));
	assert_int_equal(need, got);
	assert_int_equal(got, 1 + 1 + 1 + 4 + 4 + 8 * IOAPIC_PINS);

	struct ser r = { .buf = buf, .len = got, .load = 1 };
	ioapic_serialize(&b->s, &r);
	assert_null(r.err);
	assert_int_equal(r.pos, got);
	assert_memory_equal(a->s.rte, b->s.rte, sizeof(a->s.rte));
	assert_int_equal(a->s.level, b->s.level);
	assert_int_equal(a->s.regsel, b->s.regsel);
	assert_int_equal(a->s.id, b->s.id);
	assert_int_equal(a->s.version, b->s.version);

	/* both chips now behave the same */
	assert_int_equal(eoi(a, 0x41), 1);
	assert_int_equal(eoi(b, 0x41), 1);
	assert_memory_equal(&a->out[0], &b->out[0], sizeof(struct apic_msg));
	assert_int_equal(ioapic_mmio_read(&b->s, IOWIN), ioapic_mmio_read(&a->s, IOWIN));
	free(a);
	free(b);
}

/* Each corruption is applied to a valid image; the load must fail and
 * leave the target chip untouched. Offsets: 0 layout, 1 version, 2 id,
 * 3 regsel, 7 level, 11 + 8n rte[n]. */
static void test_serialize_rejects_invalid(void **state)
{
	static const struct { size_t off; uint8_t value; } rows[] = {
		{ 0, 2 },             /* unknown layout */
		{ 1, 0x12 },          /* version */
		{ 2, 0x10 },          /* id wider than 4 bits */
		{ 4, 0x01 },          /* regsel 0x100 */
		{ 10, 0x01 },         /* level bit 24 */
		{ 11 + 8 * 2 + 2, 0x02 }, /* rte[2] bit 17 (reserved) */
		{ 11 + 8 * 2 + 5, 0x80 }, /* rte[2] bit 47 (reserved) */
		{ 11 + 8 * 2 + 1, 0x10 }, /* rte[2] delivery status */
		{ 11 + 8 * 2 + 1, 0x40 }, /* rte[2] edge with remote IRR */
		{ 11 + 8 * 9 + 1, 0x80 }, /* rte[9] level, asserted, no remote IRR */
		{ 11 + 8 * 9 + 1, 0xc4 }, /* rte[9] NMI level with remote IRR */
	};
	struct fx *a = fx_new(0x20), *b = fx_new(0x20);
	uint8_t img[512], buf[512];
	size_t len;

	build_busy_state(a);
	len = save(&a->s, img, sizeof(img));
	assert_int_equal(img[11 + 8 * 9 + 1], 0xc0); /* rte[9]: level, remote IRR */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ioapic before = b->s;
		memcpy(buf, img, len);
		buf[rows[i].off] = rows[i].value;
		struct ser r = { .buf = buf, .len = len, .load = 1 };
		ioapic_serialize(&b->s, &r);
		assert_non_null(r.err);
		assert_memory_equal(&b->s, &before, sizeof(before));
	}
	/* every truncation fails too */
	for (size_t cut = 0; cut < len; cut++) {
		struct ioapic before = b->s;
		struct ser r = { .buf = img, .len = cut, .load = 1 };
		ioapic_serialize(&b->s, &r);
		assert_non_null(r.err);
		assert_memory_equal(&b->s, &before, sizeof(before));
	}
	/* the unmodified image loads */
	struct ser r = { .buf = img, .len = len, .load = 1 };
	ioapic_serialize(&b->s, &r);
	assert_null(r.err);
	free(a);
	free(b);
}

/* ---- dump -------------------------------------------------------------- */

static void test_print_layout(void **state)
{
	struct fx *f = fx_new(0x20);
	char *text = NULL;
	size_t size = 0;
	FILE *mf;

	build_busy_state(f);
	mf = open_memstream(&text, &size);
	assert_non_null(mf);
	ioapic_print(&f->s, mf);
	fclose(mf);
	assert_non_null(strstr(text, "ioapic id=0xa version=0x20 regsel=0x21\n"));
	assert_non_null(strstr(text, "pin 2: vec=0x30 fixed phys dest=0x00 edge high masked=0 irr=0 "
				     "line=1 raw=0x0000000000000030\n"));
	assert_non_null(strstr(text, "pin 9: vec=0x41 fixed phys dest=0x01 level high masked=0 irr=1 "
				     "line=1 raw=0x010000000000c041\n"));
	assert_non_null(strstr(text, "pin 16: vec=0x51 fixed logical dest=0x03 level low masked=0 "
				     "irr=0 line=1 raw=0x030000000000a851\n"));
	assert_non_null(strstr(text, "pin 23: vec=0x00 fixed phys dest=0x00 edge high masked=1 irr=0 "
				     "line=0 raw=0x0000000000010000\n"));
	size_t lines = 0;
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + IOAPIC_PINS);
	free(text);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_version_register),
		cmocka_unit_test(test_id_and_arbitration),
		cmocka_unit_test(test_ioregsel_is_8_bits),
		cmocka_unit_test(test_reserved_indices),
		cmocka_unit_test(test_other_offsets),
		cmocka_unit_test(test_rte_index_mapping),
		cmocka_unit_test(test_rte_reserved_and_delivs_bits),
		cmocka_unit_test(test_remote_irr_read_only),
		cmocka_unit_test(test_edge_intr),
		cmocka_unit_test(test_level_intr),
		cmocka_unit_test(test_edge_retrigger),
		cmocka_unit_test(test_level_coalesce),
		cmocka_unit_test(test_level_retrigger),
		cmocka_unit_test(test_edge_mask),
		cmocka_unit_test(test_level_mask),
		cmocka_unit_test(test_level_retrigger_mask),
		cmocka_unit_test(test_level_sequential),
		cmocka_unit_test(test_self_reconfigure),
		cmocka_unit_test(test_vector_change_keeps_remote_irr),
		cmocka_unit_test(test_simultaneous),
		cmocka_unit_test(test_edge_write_clears_remote_irr),
		cmocka_unit_test(test_masking_preserves_remote_irr),
		cmocka_unit_test(test_implicit_eoi),
		cmocka_unit_test(test_eoi_register),
		cmocka_unit_test(test_coalesce_on_rewrite_and_bad_pin),
		cmocka_unit_test(test_polarity_active_low),
		cmocka_unit_test(test_polarity_write_reevaluates),
		cmocka_unit_test(test_message_encoding),
		cmocka_unit_test(test_level_to_nmi_clears_remote_irr),
		cmocka_unit_test(test_serialize_round_trip),
		cmocka_unit_test(test_serialize_rejects_invalid),
		cmocka_unit_test(test_print_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
