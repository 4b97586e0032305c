/* SPDX-License-Identifier: MIT */
/*
 * Shared by the two-vCPU guests (smp, mboot/mb-smp): count deliveries per
 * CPU, flat logical IDs, an AP that idles with interrupts on, and fire():
 * one rising edge on the test device's pin SMP_PIN with a given RTE.
 * Header-only: each guest is one translation unit on the runtime (rt.c).
 */
#ifndef IRQRR_GUEST_SMP_FIRE_H
#define IRQRR_GUEST_SMP_FIRE_H

#include "rt.h"

#define SMP_PIN 13

static volatile unsigned hits[BOOTINFO_MAX_CPUS], ap_ready;

static void on_vec(struct rt_frame *f)
{
	(void)f;
	__atomic_fetch_add(&hits[rt_cpu()], 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

/* Flat model, logical ID bit `cpu`. */
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

/* One rising edge with the RTE set to `rte`; deliveries to cpu 0/1 in got.
 * Waits up to ~30 ms for `expect` deliveries (waking a halted vCPU can take
 * milliseconds on this software KVM), then ~1 ms for any extra ones. */
static void fire(uint64_t rte, unsigned expect, unsigned got[2])
{
	unsigned b0 = hits[0], b1 = hits[1];
	ioapic_set_rte(SMP_PIN, rte);
	testdev_set(SMP_PIN, 1);
	for (int i = 0; i < 3000 && hits[0] + hits[1] - b0 - b1 < expect; i++)
		rt_settle(1);
	rt_settle(100);
	testdev_set(SMP_PIN, 0);
	ioapic_set_rte(SMP_PIN, RTE_MASKED);
	got[0] = hits[0] - b0;
	got[1] = hits[1] - b1;
}

#endif
