/* SPDX-License-Identifier: MIT */
/*
 * smp: two vCPUs, IOAPIC edge interrupts (test device pin 13) to physical
 * and logical (flat) destinations, broadcast to a logical group, and
 * lowest-priority delivery to exactly one member of the group.
 */
#include "rt.h"
#include "smp_fire.h"

#define VEC 0x60

int guest_main(void)
{
	unsigned got[2];
	rt_printf("smp: %u cpus, %s irqchip\n", rt_boot->ncpus, rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL ? "kernel" : "split");
	lapic_enable();
	set_logical(0);
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	ioapic_mask_all();
	rt_set_handler(VEC, on_vec);
	rt_start_aps();
	for (unsigned long i = 0; ap_ready < 1 && i < 100000000ul; i++)
		cpu_relax();
	CHECK(ap_ready == 1, "ap ready", "%u", ap_ready);

	uint64_t id0 = rt_boot->apic_id[0], id1 = rt_boot->apic_id[1];
	fire(VEC | id0 << 56, 1, got);
	CHECK(got[0] == 1 && got[1] == 0, "physical destination cpu 0", "%u/%u", got[0], got[1]);
	fire(VEC | id1 << 56, 1, got);
	CHECK(got[0] == 0 && got[1] == 1, "physical destination cpu 1", "%u/%u", got[0], got[1]);
	fire(VEC | RTE_LOGICAL | 0x02ull << 56, 1, got);
	CHECK(got[0] == 0 && got[1] == 1, "logical destination 0x02", "%u/%u", got[0], got[1]);
	fire(VEC | RTE_LOGICAL | 0x03ull << 56, 2, got);
	CHECK(got[0] == 1 && got[1] == 1, "logical destination 0x03 reaches both", "%u/%u", got[0], got[1]);
	fire(VEC | RTE_LOGICAL | 1ull << 8 | 0x03ull << 56, 1, got);
	CHECK(got[0] + got[1] == 1, "lowest priority reaches one cpu", "%u/%u", got[0], got[1]);
	rt_finish("smp");
}
