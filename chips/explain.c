/* SPDX-License-Identifier: MIT */
/*
 * Why a line is not delivered, from the board's state and its line history
 * (chips/history.c). Rules in order (docs/hang.md):
 *   1. a level IOAPIC entry that holds the request unmasked waits for its
 *      EOI: remote_irr, or vector_changed when the entry's vector is no
 *      longer the one its message carried (82093AA DS 3.2.4 bit 14);
 *   2. the PIC holds it: pic_pair_why() (8259A DS: IMR, in-service
 *      priority with rotation, special mask and special fully nested mode,
 *      the cascade); when the request reaches INT, LINT0: each vCPU's LVT0;
 *   3. only a masked IOAPIC entry holds it: ioapic_masked;
 *   4. nothing blocks it: undelivered.
 * The path that is open decides (a PIC request with the IOAPIC entry
 * masked, its power-on state, is the PIC's case); with both closed, the
 * path of the line's last delivery (an IOAPIC message: ioapic_masked).
 */
#include "explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "history.h"

#define LVT_MASKED (1u << 16)
#define LVT_DM(v) (((v) >> 8) & 7u)

static const char *const cause_keys[] = {
	[BOARD_CAUSE_NONE] = NULL,
	[BOARD_CAUSE_REMOTE_IRR] = "remote_irr",
	[BOARD_CAUSE_VECTOR_CHANGED] = "vector_changed",
	[BOARD_CAUSE_PIC_MASKED] = "pic_masked",
	[BOARD_CAUSE_ISR_BLOCKS] = "isr_blocks",
	[BOARD_CAUSE_LVT0_MASKED] = "lvt0_masked",
	[BOARD_CAUSE_IF_CLEAR] = "if_clear",
	[BOARD_CAUSE_EXTINT_NOT_READY] = "extint_not_ready",
	[BOARD_CAUSE_LVT0_NMI] = "lvt0_nmi",
	[BOARD_CAUSE_IOAPIC_MASKED] = "ioapic_masked",
	[BOARD_CAUSE_UNDELIVERED] = "undelivered",
	[BOARD_CAUSE_HPET_STATUS] = "hpet_status_set",
	[BOARD_CAUSE_HPET_LEGACY_CUT] = "hpet_legacy_cut",
};

const char *board_cause_key(enum board_cause c)
{
	return (unsigned)c < sizeof(cause_keys) / sizeof(cause_keys[0]) ? cause_keys[c] : NULL;
}

__attribute__((format(printf, 4, 5)))
static void why_set(struct board_why *w, enum board_cause cause, uint64_t since, const char *fmt, ...)
{
	va_list ap;
	w->cause = cause;
	w->since = since;
	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
}

/* " since event N (WHAT)" or "" when unknown. */
static const char *since_text(char *buf, size_t len, uint64_t num, const char *what)
{
	buf[0] = 0;
	if (num != BOARD_NO_EVENT)
		snprintf(buf, len, " since event %" PRIu64 " (%s)", num, what);
	return buf;
}

static const char *chip_name(unsigned irq)
{
	return irq >= 8 ? "slave" : "master";
}

/* ---- 1. IOAPIC: Remote IRR ---- */

static void explain_remote_irr(const struct board *b, unsigned line, const struct ioapic_entry *e,
			       struct board_why *w)
{
	unsigned pin = board_line_pin(line);
	uint64_t msg = b->hist.msg[pin];
	uint8_t sent = b->hist.msg_vector[pin];
	char st[64] = "";
	if (msg != BOARD_NO_EVENT)
		snprintf(st, sizeof(st), " since event %" PRIu64 " (message vector 0x%02x)", msg, sent);
	if (msg != BOARD_NO_EVENT && sent != e->vector) {
		uint64_t eoi = b->hist.eoi[sent];
		char et[80];
		if (eoi != BOARD_NO_EVENT && eoi > msg)
			snprintf(et, sizeof(et), "the EOI of 0x%02x at event %" PRIu64 " matched no entry", sent, eoi);
		else
			snprintf(et, sizeof(et), "no EOI of 0x%02x seen", sent);
		why_set(w, BOARD_CAUSE_VECTOR_CHANGED, msg,
			"line %u: IOAPIC pin %u remote IRR set%s, but the entry's vector is now 0x%02x"
			" (reprogrammed while remote IRR was set): %s, and only an EOI of 0x%02x could clear it",
			line, pin, st, e->vector, et, e->vector);
		return;
	}
	uint64_t eoi = b->hist.eoi[e->vector];
	why_set(w, BOARD_CAUSE_REMOTE_IRR, msg,
		"line %u: IOAPIC pin %u (vector 0x%02x, level) remote IRR set%s, no EOI of 0x%02x since%s",
		line, pin, e->vector, st, e->vector,
		eoi == BOARD_NO_EVENT ? " (none seen)" : "");
}

/* ---- 2. PIC ---- */

static void explain_pic_masked(const struct board *b, unsigned line, enum pic_block pb,
			       const struct ioapic_entry *e, struct board_why *w)
{
	const struct pic *m = &b->s.pic.chip[0], *p = &b->s.pic.chip[line >> 3];
	const char *io = e->masked ? "" : ", and its IOAPIC entry (unmasked) does not hold it";
	if (pb == PIC_BLOCK_CASCADE_MASKED)
		why_set(w, BOARD_CAUSE_PIC_MASKED, b->hist.imr_set[2],
			"line %u: masked at the PIC: master IMR=0x%02x masks the cascade (IR2)%s", line, m->imr, io);
	else
		why_set(w, BOARD_CAUSE_PIC_MASKED, b->hist.imr_set[line],
			"line %u: masked at the PIC: %s IMR=0x%02x has bit %u set%s", line, chip_name(line),
			p->imr, line & 7, io);
}

static void explain_in_service(const struct board *b, unsigned line, unsigned blk, struct board_why *w)
{
	const struct pic *c = &b->s.pic.chip[blk >> 3];
	uint64_t ack = b->hist.ack[blk], eoi = b->hist.pic_eoi[blk >> 3];
	char st[48], et[80];
	since_text(st, sizeof(st), ack, "INTACK");
	if (eoi != BOARD_NO_EVENT && ack != BOARD_NO_EVENT && eoi > ack)
		snprintf(et, sizeof(et), "the last %s EOI at event %" PRIu64 " did not clear it", chip_name(blk), eoi);
	else
		snprintf(et, sizeof(et), "no %s EOI since", chip_name(blk));
	const char *smm = c->special_mask ? " (special mask mode: an unmasked in-service level still blocks)" : "";
	if (blk == 2 && line >= 8)
		why_set(w, BOARD_CAUSE_ISR_BLOCKS, ack,
			"line %u: blocked at the master: IR2 (the cascade) in service (master ISR=0x%02x)%s%s, %s%s",
			line, c->isr, st, c->sfnm ? "" : " and special fully nested mode is off", et, smm);
	else if ((blk >> 3) != (line >> 3))
		why_set(w, BOARD_CAUSE_ISR_BLOCKS, ack,
			"line %u: blocked at the master: IR%u in service (master ISR=0x%02x)%s, %s%s",
			line, blk, c->isr, st, et, smm);
	else
		why_set(w, BOARD_CAUSE_ISR_BLOCKS, ack,
			"line %u: PIC %s IRR bit %u set but blocked: IRQ%u in service (ISR=0x%02x)%s, %s%s",
			line, chip_name(line), line & 7, blk, c->isr, st, et, smm);
}

static uint32_t cpu_lvt0(const struct board *b, const struct board_cpu_view *cpus, unsigned cpu)
{
	return cpus && cpus[cpu].known ? cpus[cpu].lvt0 : b->s.lvt[cpu][0];
}

static bool lint0_routed(const struct board *b, unsigned cpu)
{
	return cpu == 0 || !b->cfg.lint0_bsp_only;
}

/* The first vCPU whose LINT0 takes the PIC's INT as ExtINT, or -1. */
static int extint_cpu(const struct board *b, const struct board_cpu_view *cpus)
{
	for (unsigned cpu = 0; cpu < b->cfg.ncpus; cpu++) {
		uint32_t lvt = cpu_lvt0(b, cpus, cpu);
		if (lint0_routed(b, cpu) && !(lvt & LVT_MASKED) && LVT_DM(lvt) == APIC_DM_EXTINT)
			return (int)cpu;
	}
	return -1;
}

static void explain_extint(const struct board *b, unsigned line, unsigned ahead, unsigned cpu,
			   const struct board_cpu_view *cpus, struct board_why *w)
{
	uint32_t lvt = cpu_lvt0(b, cpus, cpu);
	char at[48] = "";
	if (ahead != line)
		snprintf(at, sizeof(at), " (IRQ%u goes first)", ahead);
	w->cpu = (int)cpu;
	if (cpus && cpus[cpu].known && !cpus[cpu].if_set)
		why_set(w, BOARD_CAUSE_IF_CLEAR, BOARD_NO_EVENT,
			"line %u: ExtINT pending for cpu %u%s but its RFLAGS.IF=0", line, cpu, at);
	else if (cpus && cpus[cpu].known)
		why_set(w, BOARD_CAUSE_EXTINT_NOT_READY, BOARD_NO_EVENT,
			"line %u: ExtINT pending for cpu %u (LVT0=0x%05x, IF=1)%s but the vCPU never became ready"
			" for injection", line, cpu, lvt, at);
	else
		why_set(w, BOARD_CAUSE_UNDELIVERED, w->request,
			"line %u: the PIC requests (INT high)%s; cpu %u (LVT0=0x%05x, ExtINT) has not run the INTACK%s",
			line, at, cpu, lvt,
			b->s.pic.chip[line >> 3].poll ? "; a poll command is pending on its chip" : "");
}

/* INT is high for line (or for `ahead`, which goes first): who takes it? */
static void explain_lint0(const struct board *b, unsigned line, unsigned ahead,
			  const struct board_cpu_view *cpus, struct board_why *w)
{
	struct ioapic_entry vw;
	if (!b->s.pic_int) {
		/* the chips resolve to it, yet the master's INT is low (e.g. the
		 * cascade input saw no new edge) */
		why_set(w, BOARD_CAUSE_UNDELIVERED, w->request,
			"line %u: requested at the PIC, but the master's INT is low (IRR=0x%02x/0x%02x)", line,
			b->s.pic.chip[0].irr, b->s.pic.chip[1].irr);
		return;
	}
	ioapic_entry_get(&b->s.ioapic, 0, &vw);
	if (!vw.masked && vw.delivery == APIC_DM_EXTINT) {
		/* MP spec 1.4 sec. 3.6.2.2, virtual wire B: INT reaches the
		 * vCPUs through IOAPIC pin 0 as ExtINT, LVT0 aside */
		why_set(w, BOARD_CAUSE_UNDELIVERED, w->request,
			"line %u: the PIC requests (INT high) through IOAPIC pin 0 (ExtINT to 0x%02x); the INTACK has"
			" not come", line, vw.dest);
		return;
	}
	int x = extint_cpu(b, cpus);
	if (x >= 0) {
		explain_extint(b, line, ahead, (unsigned)x, cpus, w);
		return;
	}
	uint32_t lvt = cpu_lvt0(b, cpus, 0);
	uint64_t since = b->hist.lvt0[0];
	char seen[48] = "";
	if (since != BOARD_NO_EVENT)
		snprintf(seen, sizeof(seen), " (seen at event %" PRIu64 ")", since);
	w->cpu = 0;
	if (lvt & LVT_MASKED)
		why_set(w, BOARD_CAUSE_LVT0_MASKED, since,
			"line %u: the PIC requests (INT high, IRR=0x%02x) but cpu 0's LVT0=0x%05x is masked%s:"
			" nobody runs the INTACK", line, b->s.pic.chip[0].irr, lvt, seen);
	else if (LVT_DM(lvt) == APIC_DM_NMI)
		why_set(w, BOARD_CAUSE_LVT0_NMI, since,
			"line %u: cpu 0's LVT0=0x%05x is in NMI mode%s: the request arrives as NMIs, no INTACK",
			line, lvt, seen);
	else
		why_set(w, BOARD_CAUSE_UNDELIVERED, w->request,
			"line %u: the PIC requests (INT high) but cpu 0's LVT0=0x%05x takes it without an INTACK%s",
			line, lvt, seen);
}

static void explain_pic(const struct board *b, unsigned line, const struct board_cpu_view *cpus,
			const struct ioapic_entry *e, struct board_why *w)
{
	unsigned blk;
	enum pic_block pb = pic_pair_why(&b->s.pic, line, &blk);
	switch (pb) {
	case PIC_BLOCK_MASKED:
	case PIC_BLOCK_CASCADE_MASKED:
		explain_pic_masked(b, line, pb, e, w);
		return;
	case PIC_BLOCK_IN_SERVICE:
		explain_in_service(b, line, blk, w);
		return;
	case PIC_BLOCK_HIGHER_REQUEST:
		explain_lint0(b, line, blk, cpus, w);
		return;
	default:
		explain_lint0(b, line, line, cpus, w);
		return;
	}
}

/* ---- 3. IOAPIC masked; notes ---- */

/* Both paths closed (the IOAPIC entry masked, the 8259 holding the
 * request) and the line's last delivery was an IOAPIC message: the guest
 * routes the line through the IOAPIC (an APIC-mode guest masks the 8259s
 * for good), so the entry's mask is what stops it. */
static bool ioapic_is_the_path(const struct board *b, unsigned line, const struct ioapic_entry *e)
{
	return e->masked && b->hist_on && b->hist.delivered[line] != BOARD_NO_EVENT &&
	       !b->hist.delivered_by_intack[line];
}

static void explain_ioapic_masked(const struct board *b, unsigned line, struct board_why *w)
{
	unsigned pin = board_line_pin(line);
	char pic[160] = "";
	if (pic_pair_holds(&b->s.pic, line))
		snprintf(pic, sizeof(pic),
			 "; the 8259 masks it too, but the line's last delivery (event %" PRIu64
			 ") was an IOAPIC message: the guest routes it through the IOAPIC",
			 b->hist.delivered[line]);
	else if (board_line_has_pic(line))
		snprintf(pic, sizeof(pic), " and not held by the PIC");
	why_set(w, BOARD_CAUSE_IOAPIC_MASKED, b->hist.rte_masked[pin],
		"line %u: masked at the IOAPIC (pin %u RTE=0x%016" PRIx64 ")%s", line, pin,
		b->s.ioapic.rte[pin], pic);
}

/* ---- the HPET (docs/chips-hpet.md) ---- */

/* The HPET timers whose level output holds line `line` now (bit n). */
static unsigned hpet_holders(const struct board *b, unsigned line)
{
	unsigned m = 0;
	if (!b->cfg.hpet)
		return 0;
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		unsigned gsi;
		if (hpet_line(&b->s.hpet, n) && hpet_route(&b->s.hpet, n, &gsi) == HPET_ROUTE_GSI && gsi == line)
			m |= 1u << n;
	}
	return m;
}

/* Append to w->text what holds the line when it is an HPET level timer:
 * its status bit keeps the line asserted until the guest clears it. */
static void append_hpet_holder(const struct board *b, unsigned line, struct board_why *w)
{
	unsigned m = hpet_holders(b, line);
	if (!m)
		return;
	unsigned n = (unsigned)__builtin_ctz(m);
	size_t len = strlen(w->text);
	snprintf(w->text + len, sizeof(w->text) - len,
		 "; the line is held by hpet.t%u (level, GINTR_STA bit %u set): it stays asserted until the"
		 " guest writes 1 to that bit", n, n);
}

/* Line 0 or 8 under the HPET's legacy route whose timer delivers nothing:
 * PIT OUT0 (the RTC) is cut off, so the IRQ never comes. */
static bool note_legacy_cut(const struct board *b, unsigned line, struct board_why *w)
{
	if (!b->cfg.hpet || !hpet_legacy(&b->s.hpet) || (line != 0 && line != 8))
		return false;
	unsigned n = line == 0 ? 0 : 1;
	const struct hpet *h = &b->s.hpet;
	uint64_t conf = h->t[n].conf;
	const char *src = line == 0 ? "PIT OUT0" : "the RTC's IRQ";
	const char *why;
	if (!(h->conf & HPET_ENABLE_CNF))
		why = "the HPET's counter is halted (GEN_CONF.ENABLE_CNF=0)";
	else if (!(conf & HPET_TN_INT_ENB))
		why = line == 0 ? "timer 0's interrupt is disabled (T0_INT_ENB=0)"
				: "timer 1's interrupt is disabled (T1_INT_ENB=0)";
	else
		return false; /* the timer delivers: the HPET drives the line */
	why_set(w, BOARD_CAUSE_HPET_LEGACY_CUT, BOARD_NO_EVENT,
		"line %u: the HPET's legacy replacement (GEN_CONF.LEG_RT_CNF=1) cuts %s off line %u,"
		" and %s: IRQ%u never comes", line, src, line, why, line);
	return true;
}

/* Not pending: an unmasked level entry still waiting for its EOI will not
 * deliver the line's next request. Pin 2 is noted under line 0. An HPET
 * level timer holding the line is named; the legacy route's cut noted. */
static void note_latent(const struct board *b, unsigned line, const struct ioapic_entry *e, struct board_why *w)
{
	if (line != 2 && e->level && !e->masked && e->remote_irr) {
		explain_remote_irr(b, line, e, w);
		append_hpet_holder(b, line, w);
		return;
	}
	if (note_legacy_cut(b, line, w))
		return;
	unsigned m = hpet_holders(b, line);
	if (m) {
		unsigned n = (unsigned)__builtin_ctz(m);
		why_set(w, BOARD_CAUSE_HPET_STATUS, BOARD_NO_EVENT,
			"line %u: held asserted by hpet.t%u (level, GINTR_STA bit %u set): a level entry delivers"
			" it again after every EOI until the guest writes 1 to GINTR_STA bit %u",
			line, n, n, n);
	}
}

bool board_explain_line(const struct board *b, unsigned line, const struct board_cpu_view *cpus,
			struct board_why *w)
{
	memset(w, 0, sizeof(*w));
	w->since = w->request = BOARD_NO_EVENT;
	w->cpu = -1;
	w->fault = -1;
	if (line >= BOARD_GSIS)
		return false;
	struct ioapic_entry e;
	ioapic_entry_get(&b->s.ioapic, board_line_pin(line), &e);
	if (b->hist_on)
		w->pending = (b->hist.pending & (1u << line)) && board_line_holds(b, line);
	else
		w->pending = (board_lines_looking_pending(b) >> line) & 1u;
	if (!w->pending) {
		note_latent(b, line, &e, w);
		return board_fault_explain(b, line, w); /* an assertion a fault hid */
	}
	w->request = b->hist.request[line];
	bool io_held = e.level && e.asserted && board_line_level(b, line) && (e.masked || e.remote_irr);
	if (io_held && !e.masked)
		explain_remote_irr(b, line, &e, w);
	else if (pic_pair_holds(&b->s.pic, line) && !ioapic_is_the_path(b, line, &e))
		explain_pic(b, line, cpus, &e, w);
	else
		explain_ioapic_masked(b, line, w);
	append_hpet_holder(b, line, w);
	board_fault_explain(b, line, w); /* a fault made this state: name it */
	return true;
}
