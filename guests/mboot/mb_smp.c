/* SPDX-License-Identifier: MIT */
/*
 * mb-smp: two vCPUs. The AP is started the PC way (INIT + SIPI from the
 * BSP's local APIC, real-mode trampoline in low memory), then IOAPIC edge
 * interrupts (test device pin 13) go to physical and logical (flat)
 * destinations.
 */
#include "mb.h"

#define PIN 13
#define VEC 0x61

static volatile unsigned hits[BOOTINFO_MAX_CPUS], ap_ready;

static void on_vec(struct rt_frame *f)
{
	(void)f;
	__atomic_fetch_add(&hits[rt_cpu()], 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

static void set_logical(unsigned cpu)
{
	lapic_write(LAPIC_DFR, 0xffffffff);
	lapic_write(LAPIC_LDR, (1u << cpu) << 24);
}

void guest_ap(unsigned cpu)
{
	lapic_enable();
	set_logical(cpu);
	__atomic_fetch_add(&ap_ready, 1, __ATOMIC_RELEASE);
	for (;;)
		sti_hlt();
}

/* One rising edge with the RTE set to `rte`; deliveries per cpu in got. */
static void fire(uint64_t rte, unsigned expect, unsigned got[2])
{
	unsigned b0 = hits[0], b1 = hits[1];
	ioapic_set_rte(PIN, rte);
	testdev_set(PIN, 1);
	for (int i = 0; i < 3000 && hits[0] + hits[1] - b0 - b1 < expect; i++)
		rt_settle(1);
	rt_settle(100);
	testdev_set(PIN, 0);
	ioapic_set_rte(PIN, RTE_MASKED);
	got[0] = hits[0] - b0;
	got[1] = hits[1] - b1;
}

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
