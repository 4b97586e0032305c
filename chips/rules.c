/* SPDX-License-Identifier: MIT */
/*
 * The datasheet rule behind a board answer (chips/rules.h): one sentence
 * naming the rule, with the state before the input that the rule reads.
 * Used where a recorded answer and the board's differ (replay, imported
 * peers' logs): the rule says what the datasheet board did and why.
 */
#include "rules.h"

#include <inttypes.h>
#include <stdio.h>

#include "board.h"

static const char *const pit_modes[] = { "0 (interrupt on terminal count)", "1 (one-shot)",
					 "2 (rate generator)", "3 (square wave)",
					 "4 (software strobe)", "5 (hardware strobe)" };

static int pic_read_rule(const struct board *b, uint16_t port, char *buf, size_t len)
{
	const struct pic *p = &b->s.pic.chip[port >= 0xa0];
	const char *chip = port >= 0xa0 ? "slave" : "master";
	if (port & 1)
		return snprintf(buf, len,
				"8259A: a read at A0=1 returns the IMR (OCW1); %s IMR was 0x%02x", chip,
				p->imr);
	if (p->poll)
		return snprintf(buf, len,
				"8259A poll command (OCW3 P=1): the next A0=0 read returns I (bit 7: an "
				"unmasked request not blocked by ISR) and W2-W0 (its level) and acknowledges "
				"that level as INTA does%s; %s IRR 0x%02x IMR 0x%02x ISR 0x%02x",
				p->poll_no_0x80 ? " (variant pic.poll_no_0x80: bit 7 never set)" : "", chip,
				p->irr, p->imr, p->isr);
	return snprintf(buf, len,
			"8259A OCW3 RR/RIS: an A0=0 read returns the %s (RIS=%u, kept until the next "
			"OCW3); %s IRR 0x%02x ISR 0x%02x",
			p->read_isr ? "ISR" : "IRR", p->read_isr ? 1u : 0u, chip, p->irr, p->isr);
}

static int pit_read_rule(const struct board *b, uint16_t port, char *buf, size_t len)
{
	if (port == 0x61)
		return snprintf(buf, len,
				"port 0x61 (system control port B): bit 5 = 8254 OUT2, bit 4 = the refresh "
				"request toggle (every 15.085 us), bits 1-0 as written (speaker data, GATE2); "
				"gate2 was %u", b->s.pit.ch[2].gate);
	if (port == 0x43)
		return snprintf(buf, len, "8254: the control word register cannot be read (the board "
					  "answers 0xff)");
	const struct pit_channel *c = &b->s.pit.ch[port - 0x40];
	if (c->status_latched)
		return snprintf(buf, len,
				"8254 read-back: a latched status byte is read first (OUTPUT, NULL COUNT, "
				"RW1-RW0, M2-M0, BCD); channel %u status 0x%02x",
				(unsigned)(port - 0x40), c->status);
	if (c->latch_bytes)
		return snprintf(buf, len,
				"8254 counter latch: the latched count is read (%u byte%s left) until it is "
				"read out, whatever the counter does; channel %u latch 0x%04x",
				c->latch_bytes, c->latch_bytes == 1 ? "" : "s", (unsigned)(port - 0x40),
				c->latch);
	return snprintf(buf, len,
			"8254: an unlatched read returns the current count (LSB, MSB or both in turn, "
			"as RW1-RW0 of the control word 0x%02x say), which counts down one per 1.193182 MHz "
			"clock (two in mode 3) while GATE allows; channel %u in mode %s, gate %u",
			c->control, (unsigned)(port - 0x40), c->mode < 6 ? pit_modes[c->mode] : "?", c->gate);
}

static int read_rule(const struct board *b, const struct irq_event *in, char *buf, size_t len)
{
	uint16_t port = in->u.pio.port;
	if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1)
		return pic_read_rule(b, port, buf, len);
	if (port == 0x4d0 || port == 0x4d1)
		return snprintf(buf, len,
				"ELCR (edge/level control, PIIX/ICH): bit n = 1 senses IRQ n by level; a read "
				"returns the register, whose bits outside 0x%02x stay 0 (edge only); ELCR was "
				"0x%02x",
				b->s.pic.chip[port & 1].elcr_mask, b->s.pic.chip[port & 1].elcr);
	if ((port >= 0x40 && port <= 0x43) || port == 0x61)
		return pit_read_rule(b, port, buf, len);
	if (port == 0x71)
		return snprintf(buf, len,
				"MC146818: a read of port 0x71 returns the register selected at port 0x70 "
				"(index 0x%02x); register C's flags clear on read, register A's UIP is set for "
				"244 us before each update",
				b->s.rtc.index);
	return 0;
}

static int intack_rule(const struct board *b, char *buf, size_t len)
{
	const struct pic *m = &b->s.pic.chip[0], *s = &b->s.pic.chip[1];
	return snprintf(buf, len,
			"8259A INTA: the highest-priority IRR bit that IMR does not mask and no ISR bit "
			"of higher or equal priority blocks (fully nested; in special mask mode only its "
			"own ISR bit) moves to ISR and its vector (ICW2 base + level) is returned, a slave "
			"request through the master's cascade input; with none, IR7's vector (spurious, "
			"ISR unchanged); master IRR 0x%02x IMR 0x%02x ISR 0x%02x, slave IRR 0x%02x IMR "
			"0x%02x ISR 0x%02x",
			m->irr, m->imr, m->isr, s->irr, s->imr, s->isr);
}

static int mmio_read_rule(const struct board *b, const struct irq_event *in, char *buf, size_t len)
{
	uint64_t off = in->u.mmio.addr - IOAPIC_BASE;
	if (in->u.mmio.addr < IOAPIC_BASE || off >= 0x20)
		return 0;
	if (off == 0x10)
		return snprintf(buf, len,
				"82093AA: IOWIN (0x10) returns the register IOREGSEL selects (0x00 ID, "
				"0x01 version, 0x02 arbitration, 0x10 + 2n and 0x11 + 2n the low and high "
				"halves of pin n's redirection entry); IOREGSEL was 0x%02x",
				b->s.ioapic.regsel & 0xffu);
	return snprintf(buf, len, "82093AA: IOREGSEL (0x00) reads back as written; it was 0x%02x",
			b->s.ioapic.regsel & 0xffu);
}

static int output_rule(const struct irq_event *out, char *buf, size_t len)
{
	switch (out->kind) {
	case EV_APIC_MSG:
		return snprintf(buf, len,
				"82093AA: an unmasked pin sends its redirection entry's message: an edge pin "
				"on each rising input, a level pin while its input is asserted and Remote IRR "
				"is clear (set when sent, cleared by an EOI of its vector)");
	case EV_WIRE:
		if (out->u.wire.id == WIRE_PIC_INT)
			return snprintf(buf, len,
					"8259A: INT is high while an unmasked IRR bit is not blocked by ISR "
					"(a slave's INT is the master's IR2 request)");
		if (out->u.wire.id == WIRE_IRQ0)
			return snprintf(buf, len,
					"8254: OUT0 follows channel 0's mode waveform and drives IRQ 0 (IOAPIC "
					"pin 2)");
		return 0;
	case EV_LINT:
		return snprintf(buf, len,
				"local APIC LVT0: in ExtINT mode LINT0 follows the 8259A's INT (a request "
				"while high); NMI mode delivers on a rising edge; masked delivers nothing");
	case EV_DEADLINE:
		return snprintf(buf, len, "the board's deadline is its earliest pending timer edge (8254, "
					  "MC146818) after the current time");
	default:
		return 0;
	}
}

size_t board_rule(const struct board *before, const struct irq_event *input, const struct irq_event *output,
		  char *buf, size_t len)
{
	int n = 0;
	if (!len)
		return 0;
	buf[0] = '\0';
	if (input && input->kind == EV_PIO_READ)
		n = read_rule(before, input, buf, len);
	else if (input && input->kind == EV_INTACK)
		n = intack_rule(before, buf, len);
	else if (input && input->kind == EV_MMIO_READ)
		n = mmio_read_rule(before, input, buf, len);
	if (n <= 0 && output)
		n = output_rule(output, buf, len);
	if (n <= 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < len ? (size_t)n : len - 1;
}
