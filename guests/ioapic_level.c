/* SPDX-License-Identifier: MIT */
/*
 * ioapic-level: the 82093AA through its registers and the test device:
 * version/ID registers, RTE read-only bits, level re-delivery after EOI
 * while the line stays high, edge triggering, logical destinations.
 */
#include "rt.h"

#define VEC_LEVEL 0x50
#define VEC_EDGE 0x51
#define PIN_LEVEL 11
#define PIN_EDGE 12

static volatile unsigned level_hits, edge_hits, lower_after;

static void on_level(struct rt_frame *f)
{
	(void)f;
	if (++level_hits >= lower_after)
		testdev_set(PIN_LEVEL, 0);
	lapic_eoi();
}

static void on_edge(struct rt_frame *f)
{
	(void)f;
	edge_hits++;
	lapic_eoi();
}

static void test_registers(void)
{
	uint32_t ver = ioapic_read(1);
	CHECK(((ver >> 16) & 0xff) == 23 && ((ver & 0xff) == 0x11 || (ver & 0xff) == 0x20),
	      "version register", "%#x", ver);
	uint32_t id = ioapic_read(0);
	ioapic_write(0, 0x0a000000);
	uint32_t id2 = ioapic_read(0);
	ioapic_write(0, id);
	CHECK((id2 & 0x0f000000) == 0x0a000000, "id register", "wrote 0x0a000000, read %#x", id2);

	/* Remote IRR (14) and delivery status (12) are read-only. */
	ioapic_write(0x10 + 2 * PIN_LEVEL, (uint32_t)(RTE_MASKED | RTE_REMOTE_IRR | (1u << 12) | 0x77));
	uint32_t lo = ioapic_read(0x10 + 2 * PIN_LEVEL);
	CHECK((lo & 0xff) == 0x77 && (lo & RTE_MASKED) && !(lo & (RTE_REMOTE_IRR | (1u << 12))),
	      "rte read-only bits", "%#x", lo);
	ioapic_write(0x11 + 2 * PIN_LEVEL, 0xff000000);
	CHECK(ioapic_read(0x11 + 2 * PIN_LEVEL) >> 24 == 0xff, "rte destination", "%#x",
	      ioapic_read(0x11 + 2 * PIN_LEVEL));
	ioapic_set_rte(PIN_LEVEL, RTE_MASKED);
}

static void test_level_redelivery(void)
{
	uint64_t dest = (uint64_t)rt_boot->apic_id[0] << 56;
	ioapic_set_rte(PIN_LEVEL, VEC_LEVEL | RTE_LEVEL | dest);
	lower_after = 3; /* the line stays high across two EOIs */
	level_hits = 0;
	testdev_set(PIN_LEVEL, 1);
	for (int i = 0; i < 300 && level_hits < 3; i++)
		rt_settle(2);
	rt_settle(250);
	CHECK(level_hits >= 3, "level re-delivered while line high", "%u deliveries (lowered at 3)", level_hits);
	CHECK(!(ioapic_get_rte(PIN_LEVEL) & RTE_REMOTE_IRR), "remote irr clear at the end", "rte %#lx",
	      (unsigned long)ioapic_get_rte(PIN_LEVEL));
	unsigned n = level_hits;
	rt_settle(250);
	CHECK(level_hits == n, "no delivery after the line dropped", "%u more", level_hits - n);
	ioapic_set_rte(PIN_LEVEL, RTE_MASKED);
}

static void test_edge(void)
{
	uint64_t dest = (uint64_t)rt_boot->apic_id[0] << 56;
	ioapic_set_rte(PIN_EDGE, VEC_EDGE | dest);
	testdev_set(PIN_EDGE, 1);
	rt_settle(250);
	CHECK(edge_hits == 1, "edge: one delivery per rising edge", "%u", edge_hits);
	testdev_set(PIN_EDGE, 0);
	testdev_set(PIN_EDGE, 1);
	rt_settle(250);
	CHECK(edge_hits == 2, "edge: second rising edge", "%u", edge_hits);
	testdev_set(PIN_EDGE, 0);
	rt_settle(100);
	CHECK(edge_hits == 2, "edge: falling edge sends nothing", "%u", edge_hits);

	/* Logical flat destination: LDR bit 0 matches MDA 0x01 only. */
	lapic_write(LAPIC_DFR, 0xffffffff);
	lapic_write(LAPIC_LDR, 0x01000000);
	ioapic_set_rte(PIN_EDGE, VEC_EDGE | RTE_LOGICAL | (0x01ull << 56));
	testdev_set(PIN_EDGE, 1);
	rt_settle(250);
	testdev_set(PIN_EDGE, 0);
	CHECK(edge_hits == 3, "logical destination 0x01 delivered", "%u", edge_hits);
	ioapic_set_rte(PIN_EDGE, VEC_EDGE | RTE_LOGICAL | (0x02ull << 56));
	testdev_set(PIN_EDGE, 1);
	rt_settle(250);
	testdev_set(PIN_EDGE, 0);
	CHECK(edge_hits == 3, "logical destination 0x02 not delivered", "%u", edge_hits);
	ioapic_set_rte(PIN_EDGE, RTE_MASKED);
}

int guest_main(void)
{
	rt_printf("ioapic-level: %s irqchip\n", rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL ? "kernel" : "split");
	lapic_enable();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	ioapic_mask_all();
	rt_set_handler(VEC_LEVEL, on_level);
	rt_set_handler(VEC_EDGE, on_edge);
	test_registers();
	test_level_redelivery();
	test_edge();
	rt_finish("ioapic-level");
}
