/* SPDX-License-Identifier: MIT */
/*
 * pic-modes: the 8259A pair through its ports, with the test device driving
 * the ISA lines and LVT0 in ExtINT (virtual wire): IRR/ISR reads, poll
 * mode, rotation, specific EOI, special mask mode, automatic EOI, and
 * level-triggered inputs through the ELCR.
 */
#include "rt.h"

#define BASE 0x20

static volatile unsigned hits[16];
static volatile uint8_t isr_seen;
static volatile int aeoi, specific_eoi;
static volatile unsigned level_lower_at;

static uint8_t read_irr(void) { outb(0x20, 0x0a); return inb(0x20); }
static uint8_t read_isr(void) { outb(0x20, 0x0b); return inb(0x20); }
static uint8_t poll(void) { outb(0x20, 0x0c); return inb(0x20); }

static void on_irq(struct rt_frame *f)
{
	unsigned irq = (unsigned)f->vector - BASE;
	hits[irq]++;
	isr_seen = read_isr();
	if (irq == 5 && level_lower_at && hits[5] >= level_lower_at)
		testdev_set(5, 0);
	if (aeoi)
		return;
	if (specific_eoi)
		outb(0x20, (uint8_t)(0x60 | irq));
	else
		pic_eoi(irq);
}

static void pulse(unsigned irq)
{
	testdev_set(irq, 0);
	testdev_set(irq, 1);
}

static void lines_low(void)
{
	for (unsigned i = 0; i < 8; i++)
		if (i != 2)
			testdev_set(i, 0);
}

static void test_poll_and_rotation(void)
{
	pic_set_mask((uint16_t)~(1u << 3 | 1u << 5));
	pulse(3);
	pulse(5);
	uint8_t irr = read_irr();
	CHECK((irr & 0x28) == 0x28, "irr shows requests", "irr %#x", irr);
	uint8_t p = poll();
	uint8_t isr = read_isr();
	CHECK_DATASHEET(p == 0x83 && isr == 0x08, "poll returns highest priority and sets isr", "poll %#x isr %#x", p, isr);
	outb(0x20, 0x20);
	p = poll();
	CHECK(rt_poll_is(p, 0x85), "poll after eoi returns next request", "poll %#x", p);
	outb(0x20, 0x20);
	p = poll();
	CHECK(!(p & 0x80) && read_isr() == 0, "poll with nothing pending", "poll %#x", p);

	/* Rotate on non-specific EOI: the serviced level becomes lowest. */
	lines_low();
	pulse(3);
	p = poll();
	outb(0x20, 0xa0);
	lines_low();
	pulse(3);
	pulse(5);
	uint8_t p2 = poll();
	outb(0x20, 0x20);
	uint8_t p3 = poll();
	outb(0x20, 0x20);
	CHECK_DATASHEET(p == 0x83 && p2 == 0x85 && p3 == 0x83, "rotate on non-specific eoi", "%#x %#x %#x", p, p2, p3);
	outb(0x20, 0xc7); /* set priority: IR7 lowest (back to fixed) */
	lines_low();
	pulse(3);
	pulse(5);
	p2 = poll();
	outb(0x20, 0x63); /* specific EOI IR3 */
	p3 = poll();
	outb(0x20, 0x65);
	CHECK(rt_poll_is(p2, 0x83) && rt_poll_is(p3, 0x85) && read_isr() == 0, "set priority and specific eoi", "%#x %#x", p2, p3);
	lines_low();
}

static void test_interrupts_and_special_mask(void)
{
	pic_set_mask((uint16_t)~(1u << 3 | 1u << 5));
	pulse(3);
	rt_settle(100);
	CHECK(hits[3] == 1 && (isr_seen & 0x08), "extint delivery sets isr", "hits %u isr %#x", hits[3], isr_seen);

	/* IR3 in service (polled, no EOI) blocks IR5 ... */
	lines_low();
	pulse(3);
	uint8_t p = poll();
	pulse(5);
	rt_settle(100);
	unsigned blocked = hits[5];
	/* ... until special mask mode with IR3 masked enables IR5. */
	specific_eoi = 1;
	pic_set_mask((uint16_t)~(1u << 5));
	outb(0x20, 0x68);
	rt_settle(100);
	unsigned smm = hits[5];
	outb(0x20, 0x48);
	outb(0x20, 0x63);
	specific_eoi = 0;
	CHECK_DATASHEET(p == 0x83 && blocked == 0 && smm == 1 && read_isr() == 0, "special mask mode",
	      "poll %#x, %u while IR3 in service, %u in special mask mode", p, blocked, smm);
	lines_low();
}

static void test_aeoi(void)
{
	pic_init(BASE, BASE + 8, true);
	pic_set_mask((uint16_t)~(1u << 3));
	aeoi = 1;
	unsigned before = hits[3];
	pulse(3);
	rt_settle(100);
	CHECK(hits[3] == before + 1 && !(isr_seen & 0x08), "auto-eoi leaves isr clear", "hits %u isr %#x",
	      hits[3] - before, isr_seen);
	aeoi = 0;
	pic_init(BASE, BASE + 8, false);
	lines_low();
}

static void test_level(void)
{
	pic_set_mask((uint16_t)~(1u << 5));
	outb(0x4d0, 1u << 5); /* ELCR: IR5 level-triggered */
	unsigned before = hits[5];
	level_lower_at = before + 2;
	testdev_set(5, 1);
	rt_settle(250);
	CHECK(hits[5] - before == 2, "level input re-requests after eoi", "%u deliveries (lowered at 2)",
	      hits[5] - before);
	level_lower_at = 0;
	outb(0x4d0, 0);
	pic_set_mask(0xffff);
}

int guest_main(void)
{
	rt_printf("pic-modes: %s irqchip\n", rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL ? "kernel" : "split");
	lapic_enable();
	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	ioapic_mask_all();
	for (unsigned v = BASE; v < BASE + 16; v++)
		rt_set_handler(v, on_irq);
	pic_init(BASE, BASE + 8, false);
	pic_set_mask(0xffff);
	lines_low();
	rt_probe_poll_bit7();
	test_poll_and_rotation();
	test_interrupts_and_special_mask();
	test_aeoi();
	test_level();
	rt_finish("pic-modes");
}
