/* SPDX-License-Identifier: MIT */
/*
 * Hang capture: the recorder's per-line history (kept from the sink, O(1)
 * per event), and the hang report with its diagnosis of the interrupt
 * state. Rules and layout: docs/hang.md.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hang.h"
#include "replayer/replay.h"
#include "vmm.h"

/* ------------------------------------------------------------ tracking */

static int pic_irq_of_vector(const struct board *b, uint8_t v)
{
	const struct pic *m = &b->s.pic.chip[0], *s = &b->s.pic.chip[1];
	if (v >= m->base && v < m->base + 8 && v - m->base != 2)
		return v - m->base;
	if (v >= s->base && v < s->base + 8)
		return 8 + v - s->base;
	return -1;
}

static void line_assert(struct hang_line *l, uint64_t num, uint64_t t)
{
	if (l->pending) {
		l->coalesced++;
		return;
	}
	l->pending = true;
	l->assert_num = num;
	l->assert_t = t;
}

static void line_deliver(struct hang_line *l, uint64_t num, uint64_t t, uint8_t vector, bool intack)
{
	l->pending = false;
	l->delivered = true;
	l->deliver_num = num;
	l->deliver_t = t;
	l->deliver_vector = vector;
	l->deliver_intack = intack;
}

void hang_track_event(struct hang_track *t, const struct board *b, uint64_t num, const struct irq_event *ev)
{
	unsigned slot = (t->ring_head + t->ring_len) % HANG_RING;
	if (t->ring_len == HANG_RING)
		t->ring_head = (t->ring_head + 1) % HANG_RING;
	else
		t->ring_len++;
	t->ring[slot] = *ev;
	t->ring_num[slot] = num;

	switch (ev->kind) {
	case EV_IRQ:
		if (ev->u.irq.gsi < HANG_LINES && ev->u.irq.level)
			line_assert(&t->line[ev->u.irq.gsi], num, ev->t);
		break;
	case EV_WIRE:
		if (ev->u.wire.id == WIRE_IRQ0 && ev->u.wire.level)
			line_assert(&t->line[0], num, ev->t);
		break;
	case EV_APIC_MSG: {
		unsigned pin = ev->u.apic.pin;
		if (pin >= HANG_LINES)
			break;
		t->pin_msg_num[pin] = num + 1;
		t->pin_msg_vector[pin] = ev->u.apic.vector;
		if (pin != 0) /* pin 0 is the PIC's INT (virtual wire B), not a line */
			line_deliver(&t->line[pin == 2 ? 0 : pin], num, ev->t, ev->u.apic.vector, false);
		break;
	}
	case EV_INTACK: {
		int irq = pic_irq_of_vector(b, ev->u.intack.vector);
		if (irq < 0)
			break;
		const struct pic *p = &b->s.pic.chip[irq >> 3];
		/* IR7 with ISR clear is the 8259A's spurious answer, not a delivery */
		if ((irq & 7) == 7 && !(p->isr & 0x80) && !p->auto_eoi)
			break;
		t->pic_intack_num[irq] = num + 1;
		line_deliver(&t->line[irq], num, ev->t, ev->u.intack.vector, true);
		break;
	}
	case EV_EOI:
		t->eoi_num[ev->u.eoi.vector] = num + 1;
		break;
	case EV_PIO_WRITE: {
		uint16_t port = ev->u.pio.port;
		uint8_t v = ev->u.pio.value;
		/* OCW2 (A0=0, bits 4:3 = 00) with the EOI bit */
		if ((port == 0x20 || port == 0xa0) && (v & 0x18) == 0 && (v & 0x20))
			t->pic_eoi_num[port == 0xa0] = num + 1;
		break;
	}
	case EV_LVT:
		if (ev->u.lvt.cpu < 8 && ev->u.lvt.pin < 2)
			t->lvt_num[ev->u.lvt.cpu][ev->u.lvt.pin] = num + 1;
		break;
	default:
		break;
	}
}

void hang_track_console(struct hang_track *t, uint8_t byte)
{
	unsigned slot = (t->console_head + t->console_len) % HANG_CONSOLE;
	if (t->console_len == HANG_CONSOLE)
		t->console_head = (t->console_head + 1) % HANG_CONSOLE;
	else
		t->console_len++;
	t->console[slot] = (char)byte;
}

/* ------------------------------------------------------------ diagnosis */

#define MAX_DIAG 64

struct diag {
	int line;          /* -1: not about one line */
	int cpu;           /* -1: not about one vCPU */
	const char *cause; /* stable key (docs/hang.md) */
	bool stuck;        /* explains why a pending request is not delivered */
	uint64_t since;    /* event number, UINT64_MAX: none */
	char text[300];
};

struct report_ctx {
	struct vm *vm;
	struct board b;
	struct hang_track t;
	uint64_t next_event;
	const struct vcpu_snap *snaps;
	struct diag d[MAX_DIAG];
	unsigned nd;
};

__attribute__((format(printf, 6, 7)))
static void diag_add(struct report_ctx *c, int line, int cpu, const char *cause, uint64_t since,
		     const char *fmt, ...)
{
	if (c->nd == MAX_DIAG)
		return;
	struct diag *d = &c->d[c->nd++];
	d->line = line;
	d->cpu = cpu;
	d->cause = cause;
	d->stuck = line >= 0;
	d->since = since;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
}

static unsigned pic_prio(const struct pic *p, unsigned ir)
{
	return (ir - p->priority_add) & 7;
}

/* The in-service IR of chip p that blocks ir (same or higher priority), or -1. */
static int pic_blocking_isr(const struct pic *p, unsigned ir)
{
	if (p->special_mask)
		return (p->isr & (1u << ir)) ? (int)ir : -1;
	int best = -1;
	for (unsigned j = 0; j < 8; j++)
		if ((p->isr & (1u << j)) && pic_prio(p, j) <= pic_prio(p, ir) &&
		    (best < 0 || pic_prio(p, j) < pic_prio(p, (unsigned)best)))
			best = (int)j;
	return best;
}

static bool cpu_gets_lint0(const struct report_ctx *c, unsigned cpu)
{
	return !c->b.cfg.lint0_bsp_only || cpu == 0;
}

static uint32_t cpu_lvt0(const struct report_ctx *c, unsigned cpu)
{
	const struct vcpu_snap *s = &c->snaps[cpu];
	return s->valid ? s->lvt0 : c->b.s.lvt[cpu][0];
}

static bool cpu_if(const struct report_ctx *c, unsigned cpu)
{
	const struct vcpu_snap *s = &c->snaps[cpu];
	return s->valid && (s->regs.rflags & 0x200);
}

static uint64_t since_of(uint64_t plus1)
{
	return plus1 ? plus1 - 1 : UINT64_MAX;
}

/* Why the PIC does not get the request of line L to a vCPU; false if it
 * found no reason. */
static bool diagnose_pic(struct report_ctx *c, unsigned L)
{
	const struct pic_pair *pp = &c->b.s.pic;
	const struct pic *m = &pp->chip[0], *sl = &pp->chip[1];
	unsigned chip = L >> 3, ir = L & 7;
	const struct pic *p = &pp->chip[chip];
	const char *cn = chip ? "slave" : "master";
	if (p->imr & (1u << ir)) {
		diag_add(c, (int)L, -1, "pic_masked", UINT64_MAX,
			 "line %u: masked at the PIC: %s IMR=0x%02x has bit %u set", L, cn, p->imr, ir);
		return true;
	}
	if (chip == 1 && (m->imr & 4)) {
		diag_add(c, (int)L, -1, "pic_masked", UINT64_MAX,
			 "line %u: masked at the PIC: master IMR=0x%02x masks the cascade (IR2)", L, m->imr);
		return true;
	}
	if (!(p->irr & (1u << ir)))
		return false;
	int j = pic_blocking_isr(p, ir);
	if (j >= 0) {
		unsigned irq = chip * 8 + (unsigned)j;
		uint64_t since = since_of(c->t.pic_intack_num[irq]);
		uint64_t eoi = since_of(c->t.pic_eoi_num[chip]);
		char eoitxt[64];
		if (eoi != UINT64_MAX && since != UINT64_MAX && eoi > since)
			snprintf(eoitxt, sizeof(eoitxt), "last %s EOI at event %" PRIu64 " did not clear it", cn, eoi);
		else
			snprintf(eoitxt, sizeof(eoitxt), "no %s EOI since", cn);
		char sincetxt[40] = "";
		if (since != UINT64_MAX)
			snprintf(sincetxt, sizeof(sincetxt), " since event %" PRIu64 " (INTACK)", since);
		diag_add(c, (int)L, -1, "isr_blocks", since,
			 "line %u: PIC %s IRR bit %u set but blocked: IRQ%u in service (ISR=0x%02x)%s, %s",
			 L, cn, ir, irq, p->isr, sincetxt, eoitxt);
		return true;
	}
	if (chip == 1) {
		int mj = pic_blocking_isr(m, 2);
		if (mj >= 0 && !m->sfnm) {
			uint64_t since = since_of(c->t.pic_intack_num[(unsigned)mj == 2 ? 8 + 0 : (unsigned)mj]);
			diag_add(c, (int)L, -1, "isr_blocks", since,
				 "line %u: blocked at the master: IR%d in service (master ISR=0x%02x), no master EOI since",
				 L, mj, m->isr);
			return true;
		}
	}
	(void)sl;
	if (!c->b.s.pic_int)
		return false;
	/* INT is high: why does no vCPU take it? */
	bool any = false;
	for (unsigned cpu = 0; cpu < c->b.cfg.ncpus; cpu++) {
		if (!cpu_gets_lint0(c, cpu))
			continue;
		uint32_t lvt0 = cpu_lvt0(c, cpu);
		uint64_t since = since_of(c->t.lvt_num[cpu < 8 ? cpu : 0][0]);
		if (lvt0 & 0x10000) {
			diag_add(c, (int)L, (int)cpu, "lvt0_masked", since,
				 "line %u: the PIC requests (INT high, IRR=0x%02x) but cpu %u's LVT0=0x%05x is masked"
				 " (seen at event %" PRIu64 "): nobody runs the INTACK",
				 L, m->irr, cpu, lvt0, since);
			any = true;
		} else if (((lvt0 >> 8) & 7) == 7 && !cpu_if(c, cpu)) {
			diag_add(c, (int)L, (int)cpu, "if_clear", UINT64_MAX,
				 "line %u: ExtINT pending for cpu %u but its RFLAGS.IF=0", L, cpu);
			any = true;
		} else if (((lvt0 >> 8) & 7) == 7) {
			diag_add(c, (int)L, (int)cpu, "extint_not_ready", UINT64_MAX,
				 "line %u: ExtINT pending for cpu %u (LVT0=0x%05x, IF=1) but the vCPU never became ready"
				 " for injection", L, cpu, lvt0);
			any = true;
		} else if (((lvt0 >> 8) & 7) == 4) {
			diag_add(c, (int)L, (int)cpu, "lvt0_nmi", since,
				 "line %u: cpu %u's LVT0=0x%05x is in NMI mode: the request arrives as NMIs, no INTACK",
				 L, cpu, lvt0);
			any = true;
		}
	}
	return any;
}

static bool diagnose_ioapic(struct report_ctx *c, unsigned L)
{
	unsigned pin = L == 0 ? 2 : L;
	uint64_t rte = c->b.s.ioapic.rte[pin];
	uint8_t vec = (uint8_t)rte;
	if (!(rte & (1ull << 15)) || !(rte & (1ull << 14)))
		return false;
	uint64_t since = since_of(c->t.pin_msg_num[pin]);
	uint8_t sent = c->t.pin_msg_vector[pin];
	char sincetxt[64] = "";
	if (since != UINT64_MAX)
		snprintf(sincetxt, sizeof(sincetxt), " since event %" PRIu64 " (message vector 0x%02x)", since, sent);
	if (since != UINT64_MAX && sent != vec) {
		uint64_t eoi = since_of(c->t.eoi_num[sent]);
		char eoitxt[80];
		if (eoi != UINT64_MAX && eoi > since)
			snprintf(eoitxt, sizeof(eoitxt), "the EOI of 0x%02x at event %" PRIu64 " matched no entry", sent, eoi);
		else
			snprintf(eoitxt, sizeof(eoitxt), "no EOI of 0x%02x seen", sent);
		diag_add(c, (int)L, -1, "vector_changed", since,
			 "line %u: IOAPIC pin %u remote IRR set%s, but the entry's vector is now 0x%02x"
			 " (reprogrammed while remote IRR was set): %s, and only an EOI of 0x%02x (never delivered) could clear it",
			 L, pin, sincetxt, vec, eoitxt, vec);
		return true;
	}
	uint64_t eoi = since_of(c->t.eoi_num[vec]);
	diag_add(c, (int)L, -1, "remote_irr", since,
		 "line %u: IOAPIC pin %u (vector 0x%02x, level) remote IRR set%s, no EOI of 0x%02x since%s",
		 L, pin, vec, sincetxt, vec, eoi == UINT64_MAX ? " (none ever)" : "");
	return true;
}

static void diagnose(struct report_ctx *c)
{
	for (unsigned L = 0; L < HANG_LINES; L++) {
		const struct hang_line *l = &c->t.line[L];
		unsigned pin = L == 0 ? 2 : L;
		uint64_t rte = c->b.s.ioapic.rte[pin];
		bool level_now = L == 0 ? c->b.s.irq0 : (c->b.s.lines >> L) & 1;
		if (l->pending) {
			bool io_open = !(rte & (1ull << 16));
			bool pic_open = L < 16 && !(c->b.s.pic.chip[L >> 3].imr & (1u << (L & 7)));
			bool found = false;
			if (io_open)
				found = diagnose_ioapic(c, L);
			if (!found && L < 16 && (pic_open || !io_open))
				found = diagnose_pic(c, L);
			if (!io_open && !found) {
				diag_add(c, (int)L, -1, "ioapic_masked", UINT64_MAX,
					 "line %u: masked at the IOAPIC (pin %u RTE=0x%016" PRIx64 ")%s", L, pin, rte,
					 L < 16 ? " and not delivered through the PIC" : "");
				found = true;
			}
			if (!found)
				diag_add(c, (int)L, -1, "undelivered", l->assert_num,
					 "line %u: asserted at event %" PRIu64 ", not delivered, no blocking state found"
					 " (the vCPU may not have taken it yet)", L, l->assert_num);
		} else if ((rte & (1ull << 14)) && (rte & (1ull << 15)) && !(rte & (1ull << 16))) {
			/* latent: the next request on this line will not be delivered */
			size_t before = c->nd;
			diagnose_ioapic(c, L);
			for (size_t i = before; i < c->nd; i++)
				c->d[i].stuck = false;
		}
		(void)level_now;
		if (l->coalesced)
			diag_add(c, -1, -1, "coalesced", UINT64_MAX,
				 "line %u: %" PRIu64 " request(s) coalesced (asserted again before being delivered)",
				 L, l->coalesced);
	}
	for (unsigned cpu = 0; cpu < c->vm->ncpus; cpu++) {
		const struct vcpu_snap *s = &c->snaps[cpu];
		if (!s->valid)
			continue;
		if (!(s->regs.rflags & 0x200) && s->mp.mp_state == KVM_MP_STATE_HALTED)
			diag_add(c, -1, (int)cpu, "halted_if_clear", UINT64_MAX,
				 "cpu %u is halted with RFLAGS.IF=0: only an NMI, SMI or INIT can wake it", cpu);
		if (s->tpr & 0xf0)
			diag_add(c, -1, (int)cpu, "tpr", UINT64_MAX,
				 "cpu %u: LAPIC TPR=0x%02x blocks vectors up to 0x%02x", cpu, s->tpr, s->tpr | 0xf);
	}
}

/* ------------------------------------------------------------ output */

static const char *mp_name(uint32_t s)
{
	switch (s) {
	case KVM_MP_STATE_RUNNABLE: return "runnable";
	case KVM_MP_STATE_UNINITIALIZED: return "uninitialized";
	case KVM_MP_STATE_INIT_RECEIVED: return "init-received";
	case KVM_MP_STATE_HALTED: return "halted";
	case KVM_MP_STATE_SIPI_RECEIVED: return "sipi-received";
	default: return "other";
	}
}

static const char *cause_name(enum hang_cause c)
{
	switch (c) {
	case HANG_WATCHDOG: return "watchdog";
	case HANG_SIGNAL: return "sigusr1";
	case HANG_SHUTDOWN: return "shutdown";
	}
	return "?";
}

static void json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void console_tail(const struct hang_track *t, char *buf)
{
	for (unsigned i = 0; i < t->console_len; i++)
		buf[i] = t->console[(t->console_head + i) % HANG_CONSOLE];
}

static void event_line(const struct hang_track *t, unsigned i, char *buf, size_t len)
{
	unsigned slot = (t->ring_head + i) % HANG_RING;
	struct trace_record rec = {.num = t->ring_num[slot], .t = t->ring[slot].t, .kind = t->ring[slot].kind,
				   .ev = t->ring[slot]};
	record_format_text(&rec, buf, len);
}

static void text_cpu(struct report_ctx *c, unsigned cpu, FILE *f)
{
	const struct vcpu_snap *s = &c->snaps[cpu];
	fprintf(f, "== cpu %u ==\n", cpu);
	if (!s->valid) {
		fprintf(f, "  state unavailable: %s\n", s->error);
		return;
	}
	const struct kvm_regs *r = &s->regs;
	const struct kvm_sregs *sr = &s->sregs;
	fprintf(f, "  mode %s, mp_state %s, rip 0x%016llx, rflags 0x%llx (IF=%u)%s\n",
		guest_mode_name(guest_mode_of(sr)), mp_name(s->mp.mp_state), (unsigned long long)r->rip,
		(unsigned long long)r->rflags, (unsigned)(r->rflags >> 9) & 1,
		s->extint_pending ? ", ExtINT pending" : "");
	fprintf(f, "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)r->rax,
		(unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	fprintf(f, "  rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n", (unsigned long long)r->rsi,
		(unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->rsp);
	fprintf(f, "  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", (unsigned long long)r->r8,
		(unsigned long long)r->r9, (unsigned long long)r->r10, (unsigned long long)r->r11);
	fprintf(f, "  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)r->r12,
		(unsigned long long)r->r13, (unsigned long long)r->r14, (unsigned long long)r->r15);
	fprintf(f, "  cr0 %llx cr2 %llx cr3 %llx cr4 %llx efer %llx cs %04x ss %04x\n",
		(unsigned long long)sr->cr0, (unsigned long long)sr->cr2, (unsigned long long)sr->cr3,
		(unsigned long long)sr->cr4, (unsigned long long)sr->efer, sr->cs.selector, sr->ss.selector);
	fprintf(f, "  lapic: lvt0 0x%05x lvt1 0x%05x tpr 0x%02x svr 0x%03x\n", s->lvt0, s->lvt1, s->tpr, s->svr);
	struct disasm_line dl[16];
	const char *why;
	unsigned n = disasm_around_rip(c->vm, s, 4, 4, dl, &why);
	if (!n) {
		fprintf(f, "  code at rip: unmapped (%s)\n", why);
		return;
	}
	fprintf(f, "  code:\n");
	for (unsigned i = 0; i < n; i++) {
		char hex[40] = "";
		for (unsigned k = 0; k < dl[i].len && k < 12; k++)
			snprintf(hex + 2 * k, sizeof(hex) - 2 * k, "%02x", dl[i].bytes[k]);
		fprintf(f, "  %s %016llx  %-24s %s\n", dl[i].current ? "=>" : "  ", (unsigned long long)dl[i].addr,
			hex, dl[i].text);
	}
}

static void text_board(struct report_ctx *c, FILE *f)
{
	const struct board *b = &c->b;
	fprintf(f, "== board ==\n");
	for (unsigned i = 0; i < 2; i++) {
		const struct pic *p = &b->s.pic.chip[i];
		fprintf(f, "  pic %-6s irr 0x%02x isr 0x%02x imr 0x%02x base 0x%02x elcr 0x%02x%s%s\n",
			i ? "slave" : "master", p->irr, p->isr, p->imr, p->base, p->elcr,
			p->auto_eoi ? " aeoi" : "", p->special_mask ? " special-mask" : "");
	}
	fprintf(f, "  pic.int %u, irq0 %u, device lines 0x%06x\n", b->s.pic_int, b->s.irq0, b->s.lines);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = b->s.ioapic.rte[pin];
		bool level = pin == 2 ? b->s.irq0 : pin == 0 ? b->s.pic_int : (b->s.lines >> pin) & 1;
		if ((rte & (1ull << 16)) && !level && !(rte & (1ull << 14)))
			continue; /* masked, idle: not interesting */
		fprintf(f, "  ioapic pin %2u: rte 0x%016" PRIx64 " vector 0x%02x %s %s dest 0x%02x%s%s, input %u\n",
			pin, rte, (unsigned)(rte & 0xff), apic_delivery_name((rte >> 8) & 7),
			rte & (1ull << 15) ? "level" : "edge", (unsigned)(rte >> 56),
			rte & (1ull << 16) ? " MASKED" : "", rte & (1ull << 14) ? " REMOTE-IRR" : "", level);
	}
	fprintf(f, "  (ioapic pins masked and idle not shown)\n");
	for (unsigned ch = 0; ch < 3; ch++) {
		const struct pit_channel *p = &b->s.pit.ch[ch];
		fprintf(f, "  pit ch%u: mode %u count %u gate %u out %u%s\n", ch, p->mode, p->cr_valid ? p->cr : 0,
			p->gate, pit_out(&b->s.pit, ch, b->s.now), p->cr_valid ? "" : " (no count)");
	}
	for (unsigned cpu = 0; cpu < b->cfg.ncpus; cpu++)
		fprintf(f, "  cpu %u: lvt0 0x%05x lvt1 0x%05x (as the board saw them)\n", cpu, b->s.lvt[cpu][0],
			b->s.lvt[cpu][1]);
}

static void text_report(struct report_ctx *c, enum hang_cause cause, const char *why, FILE *f)
{
	fprintf(f, "irqrr hang report: %s (%s)\n", cause_name(cause), why);
	fprintf(f, "  guest %s, t=%" PRIu64 ".%09" PRIu64 " s, next event %" PRIu64 "\n",
		c->vm->opt->guest ? c->vm->opt->guest : "demo", c->b.s.now / 1000000000u, c->b.s.now % 1000000000u,
		c->next_event);
	fprintf(f, "== diagnosis ==\n");
	unsigned stuck = 0;
	for (unsigned i = 0; i < c->nd; i++)
		if (c->d[i].stuck) {
			fprintf(f, "  STUCK %s\n", c->d[i].text);
			stuck++;
		}
	for (unsigned i = 0; i < c->nd; i++)
		if (!c->d[i].stuck)
			fprintf(f, "  note: %s\n", c->d[i].text);
	if (!c->nd)
		fprintf(f, "  no interrupt-system cause found: every asserted line was delivered\n");
	for (unsigned cpu = 0; cpu < c->vm->ncpus; cpu++)
		text_cpu(c, cpu, f);
	text_board(c, f);
	fprintf(f, "== lines ==\n");
	for (unsigned L = 0; L < HANG_LINES; L++) {
		const struct hang_line *l = &c->t.line[L];
		if (!l->pending && !l->delivered && !l->coalesced)
			continue;
		fprintf(f, "  line %2u: %s", L, l->pending ? "PENDING" : "idle");
		if (l->pending)
			fprintf(f, " since event %" PRIu64, l->assert_num);
		if (l->delivered)
			fprintf(f, ", last delivery event %" PRIu64 " vector 0x%02x by %s", l->deliver_num,
				l->deliver_vector, l->deliver_intack ? "PIC INTACK" : "IOAPIC message");
		else
			fprintf(f, ", never delivered");
		fprintf(f, ", coalesced %" PRIu64 "\n", l->coalesced);
	}
	fprintf(f, "== last %u board events ==\n", c->t.ring_len);
	for (unsigned i = 0; i < c->t.ring_len; i++) {
		char line[256];
		event_line(&c->t, i, line, sizeof(line));
		fprintf(f, "  %s\n", line);
	}
	fprintf(f, "== console tail ==\n");
	char con[HANG_CONSOLE + 1];
	console_tail(&c->t, con);
	con[c->t.console_len] = 0;
	fprintf(f, "%s%s", con, c->t.console_len && con[c->t.console_len - 1] != '\n' ? "\n" : "");
	fprintf(f, "== end of hang report (%u stuck line finding%s) ==\n", stuck, stuck == 1 ? "" : "s");
}

static void json_report(struct report_ctx *c, enum hang_cause cause, const char *why, FILE *f)
{
	fprintf(f, "{\"irqrr_hang_report\":1,\"cause\":\"%s\",\"why\":", cause_name(cause));
	json_str(f, why, strlen(why));
	const char *g = c->vm->opt->guest ? c->vm->opt->guest : "demo";
	fprintf(f, ",\"guest\":");
	json_str(f, g, strlen(g));
	fprintf(f, ",\"t_ns\":%" PRIu64 ",\"next_event\":%" PRIu64 ",\n\"diagnosis\":[", c->b.s.now, c->next_event);
	for (unsigned i = 0; i < c->nd; i++) {
		const struct diag *d = &c->d[i];
		fprintf(f, "%s\n {\"cause\":\"%s\",\"stuck\":%s,\"line\":", i ? "," : "", d->cause,
			d->stuck ? "true" : "false");
		if (d->line >= 0)
			fprintf(f, "%d", d->line);
		else
			fputs("null", f);
		fputs(",\"cpu\":", f);
		if (d->cpu >= 0)
			fprintf(f, "%d", d->cpu);
		else
			fputs("null", f);
		fputs(",\"since_event\":", f);
		if (d->since != UINT64_MAX)
			fprintf(f, "%" PRIu64, d->since);
		else
			fputs("null", f);
		fputs(",\"text\":", f);
		json_str(f, d->text, strlen(d->text));
		fputc('}', f);
	}
	fputs("],\n\"cpus\":[", f);
	for (unsigned cpu = 0; cpu < c->vm->ncpus; cpu++) {
		const struct vcpu_snap *s = &c->snaps[cpu];
		fprintf(f, "%s\n {\"cpu\":%u,\"valid\":%s", cpu ? "," : "", cpu, s->valid ? "true" : "false");
		if (!s->valid) {
			fputs(",\"error\":", f);
			json_str(f, s->error, strlen(s->error));
			fputc('}', f);
			continue;
		}
		const struct kvm_regs *r = &s->regs;
		fprintf(f, ",\"mode\":\"%s\",\"mp_state\":\"%s\",\"if\":%u,\"extint_pending\":%s",
			guest_mode_name(guest_mode_of(&s->sregs)), mp_name(s->mp.mp_state),
			(unsigned)(r->rflags >> 9) & 1, s->extint_pending ? "true" : "false");
		fprintf(f, ",\"regs\":{\"rip\":%llu,\"rflags\":%llu,\"rsp\":%llu,\"rax\":%llu,\"rbx\":%llu,"
			"\"rcx\":%llu,\"rdx\":%llu,\"rsi\":%llu,\"rdi\":%llu,\"rbp\":%llu,\"cr0\":%llu,\"cr3\":%llu,"
			"\"cr4\":%llu,\"efer\":%llu}",
			(unsigned long long)r->rip, (unsigned long long)r->rflags, (unsigned long long)r->rsp,
			(unsigned long long)r->rax, (unsigned long long)r->rbx, (unsigned long long)r->rcx,
			(unsigned long long)r->rdx, (unsigned long long)r->rsi, (unsigned long long)r->rdi,
			(unsigned long long)r->rbp, (unsigned long long)s->sregs.cr0, (unsigned long long)s->sregs.cr3,
			(unsigned long long)s->sregs.cr4, (unsigned long long)s->sregs.efer);
		fprintf(f, ",\"lvt0\":%u,\"lvt1\":%u,\"tpr\":%u,\"code\":", s->lvt0, s->lvt1, s->tpr);
		struct disasm_line dl[16];
		const char *w;
		unsigned n = disasm_around_rip(c->vm, s, 4, 4, dl, &w);
		if (!n) {
			fputs("{\"unmapped\":", f);
			json_str(f, w, strlen(w));
			fputs("}}", f);
			continue;
		}
		fputc('[', f);
		for (unsigned i = 0; i < n; i++) {
			fprintf(f, "%s{\"addr\":%llu,\"current\":%s,\"bytes\":\"", i ? "," : "",
				(unsigned long long)dl[i].addr, dl[i].current ? "true" : "false");
			for (unsigned k = 0; k < dl[i].len; k++)
				fprintf(f, "%02x", dl[i].bytes[k]);
			fputs("\",\"text\":", f);
			json_str(f, dl[i].text, strlen(dl[i].text));
			fputc('}', f);
		}
		fputs("]}", f);
	}
	const struct board *b = &c->b;
	fputs("],\n\"pic\":[", f);
	for (unsigned i = 0; i < 2; i++) {
		const struct pic *p = &b->s.pic.chip[i];
		fprintf(f, "%s{\"chip\":\"%s\",\"irr\":%u,\"isr\":%u,\"imr\":%u,\"base\":%u,\"elcr\":%u}", i ? "," : "",
			i ? "slave" : "master", p->irr, p->isr, p->imr, p->base, p->elcr);
	}
	fprintf(f, "],\"pic_int\":%u,\"lines_level\":%u,\n\"ioapic\":[", b->s.pic_int, b->s.lines);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = b->s.ioapic.rte[pin];
		fprintf(f, "%s{\"pin\":%u,\"rte\":%" PRIu64 ",\"vector\":%u,\"masked\":%s,\"level\":%s,\"remote_irr\":%s}",
			pin ? "," : "", pin, rte, (unsigned)(rte & 0xff), rte & (1ull << 16) ? "true" : "false",
			rte & (1ull << 15) ? "true" : "false", rte & (1ull << 14) ? "true" : "false");
	}
	fputs("],\n\"pit\":[", f);
	for (unsigned ch = 0; ch < 3; ch++) {
		const struct pit_channel *p = &b->s.pit.ch[ch];
		fprintf(f, "%s{\"ch\":%u,\"mode\":%u,\"count\":%u,\"gate\":%u,\"out\":%u}", ch ? "," : "", ch, p->mode,
			p->cr_valid ? p->cr : 0, p->gate, pit_out(&b->s.pit, ch, b->s.now));
	}
	fputs("],\n\"lvt\":[", f);
	for (unsigned cpu = 0; cpu < b->cfg.ncpus; cpu++)
		fprintf(f, "%s{\"cpu\":%u,\"lvt0\":%u,\"lvt1\":%u}", cpu ? "," : "", cpu, b->s.lvt[cpu][0],
			b->s.lvt[cpu][1]);
	fputs("],\n\"lines\":[", f);
	bool first = true;
	for (unsigned L = 0; L < HANG_LINES; L++) {
		const struct hang_line *l = &c->t.line[L];
		if (!l->pending && !l->delivered && !l->coalesced)
			continue;
		fprintf(f, "%s\n {\"line\":%u,\"pending\":%s,\"assert_event\":", first ? "" : ",", L,
			l->pending ? "true" : "false");
		first = false;
		if (l->pending)
			fprintf(f, "%" PRIu64, l->assert_num);
		else
			fputs("null", f);
		fprintf(f, ",\"coalesced\":%" PRIu64 ",\"last_delivery\":", l->coalesced);
		if (l->delivered)
			fprintf(f, "{\"event\":%" PRIu64 ",\"t_ns\":%" PRIu64 ",\"vector\":%u,\"by\":\"%s\"}}", l->deliver_num,
				l->deliver_t, l->deliver_vector, l->deliver_intack ? "intack" : "ioapic");
		else
			fputs("null}", f);
	}
	fputs("],\n\"last_events\":[", f);
	for (unsigned i = 0; i < c->t.ring_len; i++) {
		char line[256];
		event_line(&c->t, i, line, sizeof(line));
		fputs(i ? ",\n " : "\n ", f);
		json_str(f, line, strlen(line));
	}
	char con[HANG_CONSOLE];
	console_tail(&c->t, con);
	fputs("],\n\"console_tail\":", f);
	json_str(f, con, c->t.console_len);
	fputs("}\n", f);
}

void hang_report(struct vm *vm, enum hang_cause cause, const char *why, const struct vcpu_snap *snaps,
		 FILE *text, FILE *json)
{
	struct report_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "irqrr: hang report: out of memory\n");
		return;
	}
	c->vm = vm;
	c->snaps = snaps;
	/* The trace (and the durations the report and `irqrr bisect` compute)
	 * must reach the moment the hang was detected, not stop at the guest's
	 * last chip access. */
	irqbus_advance(&vm->bus);
	pthread_mutex_lock(&vm->bus.lock);
	c->b = vm->bus.board;
	if (vm->bus.track)
		c->t = *vm->bus.track;
	c->next_event = vm->bus.rec ? recording_next_event(vm->bus.rec) : c->t.next_num;
	pthread_mutex_unlock(&vm->bus.lock);
	diagnose(c);
	if (text) {
		text_report(c, cause, why, text);
		fflush(text);
	}
	if (json) {
		json_report(c, cause, why, json);
		fflush(json);
	}
	if (vm->bus.rec) {
		/* the findings go into the trace as marks, for `irqrr dump` */
		pthread_mutex_lock(&vm->bus.lock);
		char mark[400];
		for (unsigned i = 0; i < c->nd; i++) {
			if (!c->d[i].stuck)
				continue;
			snprintf(mark, sizeof(mark), "hang (%s): %s", cause_name(cause), c->d[i].text);
			recording_mark(vm->bus.rec, mark);
		}
		pthread_mutex_unlock(&vm->bus.lock);
	}
	free(c);
}
