/* SPDX-License-Identifier: MIT */
/*
 * bug-lvt0: the PIT ticks through the 8259A and LINT0 (virtual wire,
 * LVT0 = ExtINT); then the guest masks LVT0 (as an OS might when it
 * switches to the LAPIC timer) while it still waits for PIC ticks. The
 * PIC's request stays in IRR with INT high and nobody runs the INTACK.
 */
#include "rt.h"

#define VEC_PIC_BASE 0x20

static volatile unsigned ticks;

static void on_tick(struct rt_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(0);
}

int guest_main(void)
{
	rt_puts("bug-lvt0: PIT 100 Hz through the PIC and LINT0 (ExtINT)\n");
	lapic_enable();
	ioapic_mask_all();
	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	pic_init(VEC_PIC_BASE, VEC_PIC_BASE + 8, false);
	pic_set_mask((uint16_t)~(1u << 0 | 1u << 2));
	rt_set_handler(VEC_PIC_BASE, on_tick);
	pit_periodic(100);
	while (ticks < 10)
		sti_hlt();
	cli();
	rt_printf("bug-lvt0: %u ticks; masking LVT0 and waiting for 10 more (hangs)\n", ticks);
	lapic_write(LAPIC_LVT0, LVT_MASKED | LVT_EXTINT);
	unsigned target = ticks + 10;
	while (ticks < target)
		sti_hlt();
	rt_puts("bug-lvt0: unexpected: ticks arrived with LVT0 masked\n");
	return 1;
}
