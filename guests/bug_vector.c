/* SPDX-License-Identifier: MIT */
/*
 * bug-vector: a level-triggered IOAPIC line (test device GSI 11) is
 * delivered with vector 0x50; while that interrupt is still pending
 * (IF=0, so remote IRR is set and no EOI has happened yet) the guest
 * reprograms the entry to vector 0x51. The EOI that follows is for 0x50,
 * which matches no entry any more (82093AA: the EOI compares vectors), so
 * remote IRR stays set and the line's later requests are never delivered.
 * The same happens on hardware, where the EOI comes from the handler.
 */
#include "rt.h"

#define LINE 11
#define VEC_OLD 0x50
#define VEC_NEW 0x51

static volatile unsigned hits;

static void on_irq(struct rt_frame *f)
{
	(void)f;
	hits++;
	testdev_set(LINE, 0);
	lapic_eoi();
}

int guest_main(void)
{
	rt_printf("bug-vector: level line %u, vector %#x reprogrammed to %#x while remote IRR is set\n",
		  LINE, VEC_OLD, VEC_NEW);
	lapic_enable();
	ioapic_mask_all();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	rt_set_handler(VEC_OLD, on_irq);
	rt_set_handler(VEC_NEW, on_irq);
	uint64_t dest = (uint64_t)rt_boot->apic_id[0] << 56;
	ioapic_set_rte(LINE, VEC_OLD | RTE_LEVEL | dest);
	cli();
	testdev_set(LINE, 1); /* message for 0x50 sent; remote IRR set */
	rt_printf("bug-vector: rte after request %#lx\n", (unsigned long)ioapic_get_rte(LINE));
	ioapic_set_rte(LINE, VEC_NEW | RTE_LEVEL | dest);
	while (hits < 1)
		sti_hlt();
	cli();
	rt_io_delay(200);
	rt_printf("bug-vector: %u delivery, rte now %#lx; device requests again (hangs)\n", hits,
		  (unsigned long)ioapic_get_rte(LINE));
	testdev_set(LINE, 1);
	while (hits < 2)
		sti_hlt();
	rt_puts("bug-vector: unexpected: second interrupt arrived\n");
	return 1;
}
