/* SPDX-License-Identifier: MIT */
/*
 * bug-noeoi: a level-triggered device line (test device GSI 10) whose
 * handler services the device (lowers the line) but forgets the EOI.
 *
 *   1. Through the IOAPIC (pin 10, level, vector 0x50). On hardware and on
 *      every KVM with a real local APIC (VMX, SVM, nested SVM) the
 *      forgotten LAPIC EOI leaves remote IRR set: the device's second
 *      request is never delivered and the guest hangs here. A KVM whose
 *      LAPIC EOIs at injection (kvm_pvm: KVM_EXIT_IOAPIC_EOI arrives before
 *      the handler runs) clears remote IRR anyway and the second request
 *      arrives: the guest says so and goes on.
 *   2. The same line through the 8259A (ELCR level, ExtINT on LINT0): the
 *      handler forgets the PIC EOI, the slave's ISR bit 2 (and the master's
 *      cascade bit) stay set and block IRQ10. The PIC is irqrr's userspace
 *      board on every KVM, so this hangs on this machine and on hardware.
 * --append phase=2 skips phase 1, so the PIC hang is reached on every KVM.
 * See docs/hang.md.
 */
#include "rt.h"

#define LINE 10
#define VEC_IOAPIC 0x50
#define VEC_PIC_BASE 0x20

static volatile unsigned ioapic_hits, pic_hits;
static volatile bool phase1_over;

static void on_ioapic(struct rt_frame *f)
{
	(void)f;
	ioapic_hits++;
	/* Where the LAPIC EOIs at injection, the IOAPIC re-sends while the
	 * line is still high: a third 0x50 can wait in the LAPIC's IRR and
	 * arrive in phase 2. It must not lower phase 2's line (seen once on
	 * kvm_pvm: the hang report found line 10 idle, no cause). */
	if (phase1_over)
		return;
	testdev_set(LINE, 0); /* the device is serviced... */
	/* ...and the LAPIC EOI is forgotten */
}

static void on_pic(struct rt_frame *f)
{
	(void)f;
	pic_hits++;
	testdev_set(LINE, 0);
	/* the PIC EOI (slave, then master) is forgotten */
}

static void wait_for(volatile unsigned *hits, unsigned n)
{
	while (*hits < n)
		sti_hlt();
	cli();
}

static void phase1_ioapic(void)
{
	rt_set_handler(VEC_IOAPIC, on_ioapic);
	ioapic_set_rte(LINE, VEC_IOAPIC | RTE_LEVEL | (uint64_t)rt_boot->apic_id[0] << 56);
	rt_puts("bug-noeoi: phase 1: IOAPIC pin 10 level, vector 0x50, no LAPIC EOI\n");
	testdev_set(LINE, 1);
	wait_for(&ioapic_hits, 1);
	rt_io_delay(200);
	testdev_set(LINE, 1);
	wait_for(&ioapic_hits, 2); /* a real LAPIC: hangs here (remote IRR stuck) */
	phase1_over = true;
	rt_puts("bug-noeoi: second request arrived without an EOI: this LAPIC EOIs at injection\n");
	testdev_set(LINE, 0);
	ioapic_set_rte(LINE, RTE_MASKED);
}

static void pic_phase(void)
{
	rt_puts("bug-noeoi: phase 2: PIC IRQ10 level (ELCR), no PIC EOI\n");
	rt_set_handler(VEC_PIC_BASE + 8 + (LINE - 8), on_pic);
	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	outb(0x4d1, (uint8_t)(1u << (LINE - 8))); /* ELCR2: IRQ10 level */
	pic_set_mask((uint16_t)~(1u << 2 | 1u << LINE));
	testdev_set(LINE, 1);
	wait_for(&pic_hits, 1);
	rt_io_delay(200);
	rt_puts("bug-noeoi: device requests again; waiting (hangs: IRQ10 in service, no EOI)\n");
	testdev_set(LINE, 1);
	wait_for(&pic_hits, 2);
	rt_puts("bug-noeoi: unexpected: second PIC interrupt arrived\n");
}

int guest_main(void)
{
	rt_printf("bug-noeoi: level line %u, handler forgets the EOI\n", LINE);
	lapic_enable();
	ioapic_mask_all();
	pic_init(VEC_PIC_BASE, VEC_PIC_BASE + 8, false);
	pic_set_mask(0xffff);
	if (!rt_cmdline_has("phase=2"))
		phase1_ioapic();
	pic_phase();
	return 1;
}
