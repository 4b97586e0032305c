/* SPDX-License-Identifier: MIT */
/*
 * mb-ioapic: the IOAPIC driven by the test device (ports 0x2000 + GSI):
 * synchronous edge delivery, masking, level-triggered remote IRR set by
 * delivery and cleared by EOI, level re-assertion after unmask.
 */
#include "mb.h"

#define PIN_EDGE 10
#define PIN_LEVEL 11
#define VEC_EDGE 0x41
#define VEC_LEVEL 0x42

static volatile unsigned edge_hits, level_hits;
static volatile uint64_t level_rte_seen;

static void on_edge(struct rt_frame *f)
{
	(void)f;
	edge_hits++;
	lapic_eoi();
}

static void on_level(struct rt_frame *f)
{
	(void)f;
	level_hits++;
	testdev_set(PIN_LEVEL, 0);
	lapic_eoi();
}

static void settle(void)
{
	rt_settle(200);
}

static void test_edge(void)
{
	uint64_t dest = (uint64_t)rt_boot->apic_id[0] << 56;
	ioapic_set_rte(PIN_EDGE, VEC_EDGE | dest);
	sti();
	testdev_set(PIN_EDGE, 1);
	/* The board raised the MSI before the OUT completed: the interrupt is
	 * taken at the next instruction boundary with IF=1. */
	unsigned at_once = edge_hits;
	cli();
	CHECK(at_once == 1, "edge delivered synchronously with the OUT", "%u deliveries", at_once);
	CHECK(inb(0x2000 + PIN_EDGE) == 1, "test device reads back the line level", "%u", inb(0x2000 + PIN_EDGE));
	testdev_set(PIN_EDGE, 1); /* no new edge */
	settle();
	CHECK(edge_hits == 1, "level held high: no second edge", "%u", edge_hits);
	testdev_set(PIN_EDGE, 0);
	testdev_set(PIN_EDGE, 1);
	settle();
	CHECK(edge_hits == 2, "new rising edge delivered", "%u", edge_hits);
	testdev_set(PIN_EDGE, 0);

	ioapic_set_rte(PIN_EDGE, VEC_EDGE | dest | RTE_MASKED);
	testdev_set(PIN_EDGE, 1);
	settle();
	testdev_set(PIN_EDGE, 0);
	CHECK(edge_hits == 2, "masked edge not delivered", "%u", edge_hits);
	ioapic_set_rte(PIN_EDGE, RTE_MASKED);
}

static void test_level(void)
{
	uint64_t rte = VEC_LEVEL | RTE_LEVEL | (uint64_t)rt_boot->apic_id[0] << 56;
	ioapic_set_rte(PIN_LEVEL, rte);
	/* IF=0: the LAPIC holds the vector, no EOI can come, remote IRR stays. */
	testdev_set(PIN_LEVEL, 1);
	uint64_t got = ioapic_get_rte(PIN_LEVEL);
	CHECK(got & RTE_REMOTE_IRR, "remote irr set by level delivery", "rte %#lx", (unsigned long)got);
	CHECK(level_hits == 0, "not taken with IF=0", "%u", level_hits);
	settle(); /* sti: the handler lowers the line and EOIs */
	got = ioapic_get_rte(PIN_LEVEL);
	CHECK(level_hits >= 1 && level_hits <= 2, "level delivered once interrupts are on", "%u", level_hits);
	CHECK(!(got & RTE_REMOTE_IRR), "remote irr cleared by eoi", "rte %#lx", (unsigned long)got);

	/* Asserted while masked: held; unmasking delivers it. */
	unsigned hits = level_hits;
	ioapic_set_rte(PIN_LEVEL, rte | RTE_MASKED);
	testdev_set(PIN_LEVEL, 1);
	settle();
	got = ioapic_get_rte(PIN_LEVEL);
	CHECK(level_hits == hits && !(got & RTE_REMOTE_IRR), "masked level held", "%u deliveries, rte %#lx",
	      level_hits - hits, (unsigned long)got);
	ioapic_set_rte(PIN_LEVEL, rte);
	settle();
	CHECK(level_hits > hits, "unmask delivers the pending level", "%u deliveries", level_hits - hits);
	CHECK(!(ioapic_get_rte(PIN_LEVEL) & RTE_REMOTE_IRR), "remote irr clear at the end", "rte %#lx",
	      (unsigned long)ioapic_get_rte(PIN_LEVEL));
	ioapic_set_rte(PIN_LEVEL, RTE_MASKED);
}

int guest_main(void)
{
	lapic_enable();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	ioapic_mask_all();
	rt_set_handler(VEC_EDGE, on_edge);
	rt_set_handler(VEC_LEVEL, on_level);
	test_edge();
	test_level();
	rt_finish("mb-ioapic");
}
