/* SPDX-License-Identifier: MIT */
/*
 * lint0-nmi: LVT0 = NMI on every vCPU, the PIT at 1 kHz through the PIC.
 * Every vCPU must see NMIs; the NMI handler acknowledges the PIC with an
 * OCW3 poll (only one cpu wins each request) and a non-specific EOI.
 */
#include "rt.h"

#define TARGET 100

static volatile unsigned nmis[BOOTINFO_MAX_CPUS], acks, ap_ready;

static void on_nmi(struct rt_frame *f)
{
	(void)f;
	nmis[rt_cpu()]++;
	outb(0x20, 0x0c);
	if (rt_poll_is(inb(0x20), 0x80)) { /* IR0, the only unmasked input */
		__atomic_fetch_add(&acks, 1, __ATOMIC_RELAXED);
		outb(0x20, 0x20);
	}
}

void guest_ap(unsigned cpu)
{
	(void)cpu;
	lapic_enable();
	lapic_write(LAPIC_LVT0, LVT_NMI);
	__atomic_fetch_add(&ap_ready, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt"); /* NMIs still wake a halted cpu */
}

static bool all_seen(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (nmis[i] < TARGET)
			return false;
	return true;
}

int guest_main(void)
{
	unsigned n = rt_boot->ncpus;
	rt_printf("lint0-nmi: %u cpus, %s irqchip\n", n, rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL ? "kernel" : "split");
	rt_set_handler(2, on_nmi);
	lapic_enable();
	ioapic_mask_all();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	rt_probe_poll_bit7(); /* before LVT0 = NMI: the probe's request raises INT */
	lapic_write(LAPIC_LVT0, LVT_NMI);
	rt_start_aps();
	for (unsigned long i = 0; ap_ready < n - 1 && i < 100000000ul; i++)
		cpu_relax();
	CHECK(ap_ready == n - 1, "aps ready", "%u of %u", ap_ready, n - 1);

	pic_set_mask((uint16_t)~1u);
	pit_periodic(1000);
	for (unsigned i = 0; i < 20000 && !all_seen(n); i++)
		__asm__ volatile("cli; hlt");
	pit_stop();
	pic_set_mask(0xffff);
	for (unsigned i = 0; i < n; i++)
		CHECK(nmis[i] >= TARGET, "cpu sees LINT0 NMIs", "cpu %u: %u NMIs", i, nmis[i]);
	CHECK(acks > 0, "poll acknowledges the PIC", "%u acks", acks);
	rt_finish("lint0-nmi");
}
