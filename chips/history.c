/* SPDX-License-Identifier: MIT */
/*
 * The board's line history: which request of each line is still
 * undelivered, and when each blocking state began. A request is delivered
 * by the INTA or poll read that acknowledges it (8259A DS "Interrupt
 * sequence", "The Poll command") or by the APIC message its IOAPIC pin
 * sends (82093AA DS 3.2.4). A new request is a rising line while a chip
 * holds it, an IRR bit that rises, or a level input still asserted when its
 * in-service bit (8259A DS "Level triggered mode") or Remote IRR (82093AA
 * DS 3.2.4 bit 14) is cleared by an EOI.
 *
 * Hot path (runs after every input and timed edge): bit masks over the
 * lines, the IOAPIC's pins re-read only where the board touched them, work
 * per changed bit only.
 */
#include "history.h"

#include <string.h>

#define LINES_MASK ((1u << BOARD_GSIS) - 1u)

static void stamps_unknown(uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = BOARD_NO_EVENT;
}

/* IOAPIC pin bits -> line bits: pin n carries line n, pin 2 also line 0
 * (ISA IRQ0 override); pin 0 (the PIC's INT) carries no line. */
static uint32_t pins_to_lines(uint32_t pins)
{
	return (pins & ~1u) | ((pins >> 2) & 1u);
}

/* Re-read the status of the pins the board touched since the last look. */
static void refresh_ioapic(struct board *b)
{
	struct board_history *h = &b->hist;
	uint32_t dirty = h->io_dirty;
	h->io_dirty = 0;
	while (dirty) {
		unsigned pin = (unsigned)__builtin_ctz(dirty);
		uint32_t bit = 1u << pin;
		unsigned st = ioapic_pin_status(&b->s.ioapic, pin);
		dirty &= dirty - 1;
		h->io_remote_irr = (st & IOAPIC_PIN_REMOTE_IRR) ? h->io_remote_irr | bit : h->io_remote_irr & ~bit;
		h->io_masked = (st & IOAPIC_PIN_MASKED) ? h->io_masked | bit : h->io_masked & ~bit;
		h->io_held = (st & IOAPIC_PIN_HELD) ? h->io_held | bit : h->io_held & ~bit;
	}
}

/* Lines whose request a chip holds: the PIC's IRR, or a level IOAPIC entry
 * keeping its asserted pin (masked, or waiting for the EOI). */
static uint32_t holds_mask(const struct board *b, uint32_t levels)
{
	return pic_pair_holds_mask(&b->s.pic) | (pins_to_lines(b->hist.io_held) & levels);
}

bool board_line_holds(const struct board *b, unsigned n)
{
	if (n >= BOARD_GSIS)
		return false;
	if ((pic_pair_holds_mask(&b->s.pic) >> n) & 1u)
		return true;
	return (ioapic_pin_status(&b->s.ioapic, board_line_pin(n)) & IOAPIC_PIN_HELD) && board_line_level(b, n);
}

static void save_view(struct board *b, uint32_t levels)
{
	struct board_history *h = &b->hist;
	for (unsigned i = 0; i < 2; i++) {
		h->irr[i] = b->s.pic.chip[i].irr;
		h->isr[i] = b->s.pic.chip[i].isr;
		h->imr[i] = b->s.pic.chip[i].imr;
	}
	h->level = levels;
	h->remote_irr = h->io_remote_irr;
	h->masked = h->io_masked;
}

/* At a keyframe the history is unknown: a held request counts as pending
 * unless it looks delivered: a level PIC input whose IR is in service, an
 * IRR bit of a line whose IOAPIC entry is unmasked (APIC mode: the IOAPIC
 * delivered it, the masked PIC kept a stale IRR bit), an IOAPIC level pin
 * awaiting its EOI. */
struct io_bits {
	uint32_t remote_irr, masked, held;
};

static uint32_t looks_pending(const struct board *b, const struct io_bits *io, uint32_t levels)
{
	uint32_t io_masked_lines = pins_to_lines(io->masked);
	uint32_t io_masked_held = pins_to_lines(io->held & io->masked & ~io->remote_irr) & levels;
	uint32_t isr = (uint32_t)(b->s.pic.chip[0].isr | b->s.pic.chip[1].isr << 8);
	uint32_t in_service_level = isr & pic_pair_level_mask(&b->s.pic);
	uint32_t pic = pic_pair_holds_mask(&b->s.pic) & io_masked_lines & ~in_service_level;
	return io_masked_held | pic;
}

uint32_t board_lines_looking_pending(const struct board *b)
{
	struct io_bits io = { 0, 0, 0 };
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		unsigned st = ioapic_pin_status(&b->s.ioapic, pin);
		io.remote_irr |= (uint32_t)!!(st & IOAPIC_PIN_REMOTE_IRR) << pin;
		io.masked |= (uint32_t)!!(st & IOAPIC_PIN_MASKED) << pin;
		io.held |= (uint32_t)!!(st & IOAPIC_PIN_HELD) << pin;
	}
	return looks_pending(b, &io, board_line_levels(b));
}

void board_history_start(struct board *b)
{
	struct board_history *h = &b->hist;
	memset(h, 0, sizeof(*h));
	stamps_unknown(h->request, BOARD_GSIS);
	stamps_unknown(h->delivered, BOARD_GSIS);
	stamps_unknown(h->ack, 16);
	stamps_unknown(h->imr_set, 16);
	stamps_unknown(h->pic_eoi, 2);
	stamps_unknown(h->msg, 24);
	stamps_unknown(h->rte_masked, 24);
	stamps_unknown(h->eoi, 256);
	stamps_unknown(h->lvt0, BOARD_MAX_CPUS);
	h->io_dirty = LINES_MASK;
	refresh_ioapic(b);
	uint32_t levels = board_line_levels(b);
	struct io_bits io = { h->io_remote_irr, h->io_masked, h->io_held };
	h->pending = looks_pending(b, &io, levels);
	b->s.pic.chip[0].acked = b->s.pic.chip[1].acked = 0;
	save_view(b, levels);
}

static void deliver(struct board *b, unsigned n, uint64_t num, uint8_t vector, bool intack)
{
	struct board_history *h = &b->hist;
	h->pending &= ~(1u << n);
	h->delivered[n] = num;
	h->delivered_t[n] = b->s.now;
	h->delivered_vector[n] = vector;
	h->delivered_by_intack[n] = intack;
}

/* INTA and poll reads: the IRs the chips acknowledged. A master IR2 is the
 * cascade: the slave's acknowledge names the line. */
static void book_acks(struct board *b, uint32_t acked, uint64_t stamp)
{
	while (acked) {
		unsigned irq = (unsigned)__builtin_ctz(acked);
		acked &= acked - 1;
		b->hist.ack[irq] = stamp;
		if (irq != 2)
			deliver(b, irq, stamp, (uint8_t)(b->s.pic.chip[irq >> 3].base | (irq & 7)), true);
	}
}

static void stamp_bits(uint64_t *stamps, uint32_t bits, uint64_t stamp)
{
	while (bits) {
		stamps[__builtin_ctz(bits)] = stamp;
		bits &= bits - 1;
	}
}

/* Lines with a new request: rising line, rising IRR, a level input still
 * high as its ISR bit clears (EOI, or AEOI at the acknowledge), an
 * asserted level pin whose Remote IRR an EOI cleared. */
static uint32_t new_requests(const struct board *b, uint32_t levels, uint32_t irr, uint32_t isr, uint32_t acked)
{
	const struct board_history *h = &b->hist;
	uint32_t old_irr = (uint32_t)(h->irr[0] | h->irr[1] << 8);
	uint32_t old_isr = (uint32_t)(h->isr[0] | h->isr[1] << 8);
	uint32_t left_service = ((old_isr & ~isr) | (acked & ~isr)) & pic_pair_level_mask(&b->s.pic) & irr;
	uint32_t rirr_cleared = pins_to_lines(h->remote_irr & ~h->io_remote_irr) & levels;
	uint32_t pic = ((irr & ~old_irr) | left_service) & ~(1u << 2);
	return (levels & ~h->level) | rirr_cleared | pic;
}

void board_history_observe(struct board *b, uint64_t stamp)
{
	struct board_history *h = &b->hist;
	struct pic *m = &b->s.pic.chip[0], *sl = &b->s.pic.chip[1];
	uint32_t acked = (uint32_t)(m->acked | sl->acked << 8);
	uint32_t levels = board_line_levels(b);
	refresh_ioapic(b);
	if (!acked && levels == h->level && m->irr == h->irr[0] && sl->irr == h->irr[1] && m->isr == h->isr[0] &&
	    sl->isr == h->isr[1] && m->imr == h->imr[0] && sl->imr == h->imr[1] &&
	    h->io_remote_irr == h->remote_irr && h->io_masked == h->masked)
		return; /* nothing the history looks at changed */
	m->acked = sl->acked = 0;
	book_acks(b, acked, stamp);
	uint32_t irr = (uint32_t)(m->irr | sl->irr << 8), isr = (uint32_t)(m->isr | sl->isr << 8);
	uint32_t imr = (uint32_t)(m->imr | sl->imr << 8);
	uint32_t old_imr = (uint32_t)(h->imr[0] | h->imr[1] << 8);
	stamp_bits(h->imr_set, imr & ~old_imr, stamp);
	if (h->isr[0] & ~m->isr)
		h->pic_eoi[0] = stamp;
	if (h->isr[1] & ~sl->isr)
		h->pic_eoi[1] = stamp;
	stamp_bits(h->rte_masked, h->io_masked & ~h->masked, stamp);
	uint32_t holds = holds_mask(b, levels);
	uint32_t starts = new_requests(b, levels, irr, isr, acked) & holds;
	while (starts) {
		unsigned n = (unsigned)__builtin_ctz(starts);
		starts &= starts - 1;
		if (h->pending & (1u << n)) {
			h->coalesced[n]++;
		} else {
			h->pending |= 1u << n;
			h->request[n] = stamp;
		}
	}
	h->pending &= holds; /* withdrawn before delivery */
	save_view(b, levels);
}

void board_history_message(struct board *b, uint64_t num, const struct apic_msg *m)
{
	unsigned pin = m->pin;
	if (pin >= 24)
		return;
	b->hist.msg[pin] = num;
	b->hist.msg_vector[pin] = m->vector;
	/* pin 0 is the PIC's INT (virtual wire B): the INTA delivers; pin 2
	 * carries ISA IRQ0 and GSI 2 */
	uint32_t lines = pins_to_lines(1u << pin) & (b->hist.pending | board_line_levels(b));
	while (lines) {
		unsigned n = (unsigned)__builtin_ctz(lines);
		lines &= lines - 1;
		deliver(b, n, num, m->vector, false);
	}
}
