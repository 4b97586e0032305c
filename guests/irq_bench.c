/* SPDX-License-Identifier: MIT */
/*
 * irq-bench: a fixed, interrupt-heavy workload for benchmarks
 * (bench/bench_record.sh): as fast as it can,
 *   1. ROUNDS level-triggered interrupts from the test device (GSI 10)
 *      through the IOAPIC: assert, deliver, the handler deasserts and EOIs;
 *   2. ROUNDS edge interrupts from the test device (ISA IRQ 3) through the
 *      PIC and LINT0 ExtINT: assert, INTACK, the handler deasserts and EOIs.
 * Its run time measures the cost of the interrupt path, so `run` and `record`
 * (or the split and kernel irqchips) can be compared side by side.
 */
#include "rt.h"

#define ROUNDS 10000
#define VEC_LEVEL 0x40
#define VEC_PIC 0x20
#define LEVEL_GSI 10
#define PIC_IRQ 3

static volatile unsigned level_hits, pic_hits;

static void on_level(struct rt_frame *f)
{
	(void)f;
	level_hits++;
	testdev_set(LEVEL_GSI, 0);
	lapic_eoi();
}

static void on_pic(struct rt_frame *f)
{
	(void)f;
	pic_hits++;
	testdev_set(PIC_IRQ, 0);
	pic_eoi(PIC_IRQ);
}

/* Raise the line, then spin until the handler ran. This KVM's LAPIC acts
 * as if auto-EOI: a level interrupt can be delivered once more before the
 * handler's deassert lands, so wait for "at least one more", not "exactly". */
static bool one_round(volatile unsigned *hits, unsigned line)
{
	unsigned want = *hits + 1;
	testdev_set(line, 1);
	for (unsigned long spin = 0; *hits < want; spin++) {
		if (spin > 100000000ul)
			return false;
		cpu_relax();
	}
	return true;
}

int guest_main(void)
{
	bool ok = true;
	lapic_enable();
	ioapic_mask_all();
	pic_init(VEC_PIC, VEC_PIC + 8, false);
	pic_set_mask(0xffff);
	rt_set_handler(VEC_LEVEL, on_level);
	rt_set_handler(VEC_PIC + PIC_IRQ, on_pic);

	ioapic_set_rte(LEVEL_GSI, VEC_LEVEL | RTE_LEVEL);
	sti();
	for (unsigned i = 0; i < ROUNDS && ok; i++)
		ok = one_round(&level_hits, LEVEL_GSI);
	cli();
	CHECK(ok && level_hits >= ROUNDS, "level interrupts via IOAPIC", "%u rounds, %u deliveries",
	      ROUNDS, level_hits);
	ioapic_mask_all();

	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	pic_set_mask((uint16_t)~(1u << PIC_IRQ));
	sti();
	ok = true;
	for (unsigned i = 0; i < ROUNDS && ok; i++)
		ok = one_round(&pic_hits, PIC_IRQ);
	cli();
	CHECK(ok && pic_hits == ROUNDS, "edge interrupts via PIC/ExtINT", "%u rounds, %u deliveries",
	      ROUNDS, pic_hits);
	pic_set_mask(0xffff);
	rt_finish("irq-bench");
}
