/* SPDX-License-Identifier: MIT */
/*
 * mb-smp: two vCPUs. The AP is started the PC way (INIT + SIPI from the
 * BSP's local APIC, real-mode trampoline in low memory), then IOAPIC edge
 * interrupts (test device pin 13) go to physical and logical (flat)
 * destinations.
 */
#include "mb.h"
#include "smp_fire.h"

#define VEC 0x61

int guest_main(void)
{
	unsigned got[2];
	if (rt_boot->ncpus < 2) {
		rt_printf("FAIL: mb-smp needs --cpus 2 (fw_cfg says %u)\n", rt_boot->ncpus);
		return 1;
	}
	lapic_enable();
	set_logical(0);
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	ioapic_mask_all();
	rt_set_handler(VEC, on_vec);
	CHECK(mb_start_ap(1), "AP started by INIT/SIPI reaches 64-bit code", "%s", "");
	for (unsigned long i = 0; ap_ready < 1 && i < 100000000ul; i++)
		cpu_relax();
	CHECK(ap_ready == 1, "AP ready", "%u", ap_ready);
	CHECK(rt_cpu() == 0, "BSP has APIC ID 0", "%u", rt_cpu());

	fire(VEC | 0ull << 56, 1, got);
	CHECK(got[0] == 1 && got[1] == 0, "physical destination cpu 0", "%u/%u", got[0], got[1]);
	fire(VEC | 1ull << 56, 1, got);
	CHECK(got[0] == 0 && got[1] == 1, "physical destination cpu 1", "%u/%u", got[0], got[1]);
	fire(VEC | RTE_LOGICAL | 0x02ull << 56, 1, got);
	CHECK(got[0] == 0 && got[1] == 1, "logical destination 0x02", "%u/%u", got[0], got[1]);
	fire(VEC | RTE_LOGICAL | 0x01ull << 56, 1, got);
	CHECK(got[0] == 1 && got[1] == 0, "logical destination 0x01", "%u/%u", got[0], got[1]);
	fire(VEC | RTE_LOGICAL | 0x03ull << 56, 2, got);
	CHECK(got[0] == 1 && got[1] == 1, "logical destination 0x03 reaches both", "%u/%u", got[0], got[1]);
	rt_finish("mb-smp");
}
