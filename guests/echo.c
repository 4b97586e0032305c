/* SPDX-License-Identifier: MIT */
/*
 * echo: the console-input guest (irqrr's standard input -> COM1 receive).
 * COM1 with its FIFO at trigger level 14 (so both "data available" and
 * "character timeout" identifications occur) raises IRQ4 through the
 * IOAPIC; the handler reads every received byte and writes it back. The
 * byte 0x04 (EOT, Ctrl-D) ends the run: the guest prints how many bytes
 * it received, their sum, and fails if the line status ever showed an
 * overrun (the VMM must feed at the guest's pace). `--append slow` makes
 * the handler take ~20 VM exits per interrupt, so a VMM that pushed
 * bytes without waiting for room would overrun the FIFO.
 */
#include "rt.h"

#define COM1 0x3f8
#define VEC_COM1 0x44
#define EOT 0x04

static volatile unsigned received, overruns, timeouts, triggers, irqs;
static volatile uint32_t sum;
static volatile bool done;
static bool slow;

static void on_com1(struct rt_frame *f)
{
	(void)f;
	irqs++;
	for (;;) {
		uint8_t iir = inb(COM1 + 2) & 0x0f;
		if (iir == 0x01)
			break;
		if (iir == 0x0c)
			timeouts++;
		else if (iir == 0x04)
			triggers++;
		uint8_t lsr = inb(COM1 + 5);
		if (lsr & 0x02)
			overruns++;
		while (lsr & 0x01) {
			uint8_t b = inb(COM1);
			received++;
			sum += b;
			if (b == EOT)
				done = true;
			else
				rt_putc((char)b);
			lsr = inb(COM1 + 5);
			if (lsr & 0x02)
				overruns++;
		}
		if (iir != 0x04 && iir != 0x0c && iir != 0x06)
			break; /* THRE or modem status: not enabled, not expected */
	}
	if (slow)
		rt_io_delay(20);
	lapic_eoi();
}

int guest_main(void)
{
	slow = rt_cmdline_has("slow");
	lapic_enable();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	rt_set_handler(VEC_COM1, on_com1);
	outb(COM1 + 2, 0xc7); /* FIFO on, both cleared, trigger level 14 */
	outb(COM1 + 4, 0x0b); /* DTR, RTS, OUT2 (the IRQ line's gate) */
	/* the route before the source: an edge RTE unmasked while IRQ4 is
	 * already high would never see an edge */
	ioapic_set_rte(4, VEC_COM1 | (uint64_t)rt_boot->apic_id[0] << 56);
	outb(COM1 + 1, 0x01); /* received-data interrupts */
	rt_puts("echo: ready\n");
	for (;;) { /* IF=0 between the test and the halt: no lost wake-up */
		cli();
		if (done)
			break;
		sti_hlt();
	}
	outb(COM1 + 1, 0x00);
	ioapic_set_rte(4, RTE_MASKED);
	rt_printf("\necho: received %u bytes, sum 0x%x, %u interrupts (%u trigger, %u timeout), %u overruns\n",
		  received, sum, irqs, triggers, timeouts, overruns);
	CHECK(overruns == 0, "echo_no_overrun", "%u overruns", overruns);
	CHECK(received > 0, "echo_received", "nothing received");
	rt_finish("echo");
}
