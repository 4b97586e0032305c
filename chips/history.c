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
 */
#include "history.h"

#include <string.h>

static void stamps_unknown(uint64_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = BOARD_NO_EVENT;
}

struct chips_view {
	uint8_t irr[2], isr[2], imr[2];
	uint32_t level, remote_irr, masked;
};

static void view_of(const struct board *b, struct chips_view *v)
{
	memset(v, 0, sizeof(*v));
	for (unsigned i = 0; i < 2; i++) {
		v->irr[i] = b->s.pic.chip[i].irr;
		v->isr[i] = b->s.pic.chip[i].isr;
		v->imr[i] = b->s.pic.chip[i].imr;
	}
	for (unsigned n = 0; n < BOARD_GSIS; n++) {
		struct ioapic_entry e;
		ioapic_entry_get(&b->s.ioapic, n, &e);
		v->level |= (uint32_t)board_line_level(b, n) << n;
		v->remote_irr |= (uint32_t)e.remote_irr << n;
		v->masked |= (uint32_t)e.masked << n;
	}
}

static void view_save(struct board_history *h, const struct chips_view *v)
{
	memcpy(h->irr, v->irr, 2);
	memcpy(h->isr, v->isr, 2);
	memcpy(h->imr, v->imr, 2);
	h->level = v->level;
	h->remote_irr = v->remote_irr;
	h->masked = v->masked;
}

static bool io_holds(const struct board *b, unsigned n)
{
	struct ioapic_entry e;
	ioapic_entry_get(&b->s.ioapic, board_line_pin(n), &e);
	return e.level && e.asserted && board_line_level(b, n) && (e.masked || e.remote_irr);
}

bool board_line_holds(const struct board *b, unsigned n)
{
	return n < BOARD_GSIS && (pic_pair_holds(&b->s.pic, n) || io_holds(b, n));
}

/* At a keyframe the history is unknown: a held request counts as pending
 * unless it looks delivered: a level PIC input whose IR is in service, an
 * IRR bit of a line whose IOAPIC entry is unmasked (APIC mode: the IOAPIC
 * delivered it, the masked PIC kept a stale IRR bit), an IOAPIC level pin
 * awaiting its EOI. */
static bool looks_pending(const struct board *b, unsigned n)
{
	struct ioapic_entry e;
	ioapic_entry_get(&b->s.ioapic, board_line_pin(n), &e);
	if (io_holds(b, n) && e.masked && !e.remote_irr)
		return true;
	if (!pic_pair_holds(&b->s.pic, n) || !e.masked)
		return false;
	uint8_t bit = (uint8_t)(1u << (n & 7));
	return !(pic_pair_level_sensed(&b->s.pic, n) && (b->s.pic.chip[n >> 3].isr & bit));
}

void board_history_start(struct board *b)
{
	struct board_history *h = &b->hist;
	struct chips_view v;
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
	for (unsigned n = 0; n < BOARD_GSIS; n++)
		if (looks_pending(b, n))
			h->pending |= 1u << n;
	b->s.pic.chip[0].acked = b->s.pic.chip[1].acked = 0;
	view_of(b, &v);
	view_save(h, &v);
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
static void book_acks(struct board *b, uint64_t stamp)
{
	for (unsigned chip = 0; chip < 2; chip++) {
		struct pic *c = &b->s.pic.chip[chip];
		for (unsigned ir = 0; ir < 8; ir++) {
			if (!(c->acked & (1u << ir)))
				continue;
			unsigned irq = chip * 8 + ir;
			b->hist.ack[irq] = stamp;
			if (irq != 2)
				deliver(b, irq, stamp, (uint8_t)(c->base | ir), true);
		}
		c->acked = 0;
	}
}

static void book_pic_changes(struct board_history *h, const struct chips_view *v, uint64_t stamp)
{
	for (unsigned chip = 0; chip < 2; chip++) {
		uint8_t masked = v->imr[chip] & (uint8_t)~h->imr[chip];
		for (unsigned ir = 0; ir < 8; ir++)
			if (masked & (1u << ir))
				h->imr_set[chip * 8 + ir] = stamp;
		if (h->isr[chip] & (uint8_t)~v->isr[chip])
			h->pic_eoi[chip] = stamp;
	}
	uint32_t masked = v->masked & ~h->masked;
	for (unsigned pin = 0; pin < 24; pin++)
		if (masked & (1u << pin))
			h->rte_masked[pin] = stamp;
}

/* Did line n get a new request between the last observation and v? */
static bool new_request(const struct board *b, const struct chips_view *v, unsigned n, uint8_t acked)
{
	const struct board_history *h = &b->hist;
	if ((v->level & ~h->level) & (1u << n))
		return true;
	unsigned pin = board_line_pin(n);
	if (((h->remote_irr & ~v->remote_irr) & (1u << pin)) && (v->level & (1u << n)))
		return true; /* EOI with the pin still asserted: the IOAPIC asks again */
	if (!board_line_has_pic(n))
		return false;
	unsigned chip = n >> 3;
	uint8_t bit = (uint8_t)(1u << (n & 7));
	if ((v->irr[chip] & ~h->irr[chip]) & bit)
		return true;
	/* a level input still high once its IR left service (EOI, or AEOI
	 * at the acknowledge itself) requests again */
	bool left_service = ((h->isr[chip] & ~v->isr[chip]) & bit) || ((acked & bit) && !(v->isr[chip] & bit));
	return left_service && pic_pair_level_sensed(&b->s.pic, n) && (v->irr[chip] & bit);
}

void board_history_observe(struct board *b, uint64_t stamp)
{
	struct board_history *h = &b->hist;
	struct chips_view v;
	uint8_t acked[2] = { b->s.pic.chip[0].acked, b->s.pic.chip[1].acked };
	view_of(b, &v);
	book_acks(b, stamp);
	book_pic_changes(h, &v, stamp);
	for (unsigned n = 0; n < BOARD_GSIS; n++) {
		bool holds = board_line_holds(b, n);
		uint8_t a = board_line_has_pic(n) ? acked[n >> 3] : 0;
		if (holds && new_request(b, &v, n, a)) {
			if (h->pending & (1u << n)) {
				h->coalesced[n]++;
			} else {
				h->pending |= 1u << n;
				h->request[n] = stamp;
			}
		} else if (!holds) {
			h->pending &= ~(1u << n); /* withdrawn before delivery */
		}
	}
	view_save(h, &v);
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
	for (unsigned n = 0; n < BOARD_GSIS; n++)
		if (pin != 0 && board_line_pin(n) == pin &&
		    ((b->hist.pending & (1u << n)) || board_line_level(b, n)))
			deliver(b, n, num, m->vector, false);
}
