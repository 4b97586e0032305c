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

#include "chips/explain.h"
#include "hang.h"
#include "format/eventfmt.h"
#include "vmm.h"

/* ------------------------------------------------------------ tracking */

void hang_track_event(struct hang_track *t, uint64_t num, const struct irq_event *ev)
{
	unsigned slot = (t->ring_head + t->ring_len) % HANG_RING;
	if (t->ring_len == HANG_RING)
		t->ring_head = (t->ring_head + 1) % HANG_RING;
	else
		t->ring_len++;
	t->ring[slot] = *ev;
	t->ring_num[slot] = num;
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

static void sub_event(void *ctx, uint64_t num, const struct irq_event *ev)
{
	hang_track_event(ctx, num, ev);
}

static void sub_console(void *ctx, const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hang_track_console(ctx, bytes[i]);
}

struct irqbus_subscriber hang_track_subscriber(struct hang_track *t)
{
	return (struct irqbus_subscriber){.ctx = t, .event = sub_event, .console = sub_console};
}

/* ------------------------------------------------------------ diagnosis */

#define MAX_DIAG 64

struct diag {
	int line;          /* -1: not about one line */
	int cpu;           /* -1: not about one vCPU */
	const char *cause; /* stable key (docs/hang.md) */
	bool stuck;        /* a chip state blocks a pending request */
	bool pending;      /* about a pending line (stuck, or undelivered) */
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
	d->stuck = false;
	d->pending = false;
	d->since = since;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
}

/* What the vCPU snapshots add to the board's view: KVM's LVT0 and IF. */
static void cpu_views(const struct report_ctx *c, struct board_cpu_view *v)
{
	for (unsigned cpu = 0; cpu < c->b.cfg.ncpus; cpu++) {
		const struct vcpu_snap *s = cpu < c->vm->ncpus ? &c->snaps[cpu] : NULL;
		v[cpu].known = s && s->valid;
		v[cpu].if_set = s && s->valid && (s->regs.rflags & 0x200);
		v[cpu].lvt0 = s && s->valid ? s->lvt0 : 0;
	}
}

/* The board answers for every line (chips/explain.h, the same query as
 * `irqrr explain`); the vCPU notes are the report's own. */
static void diagnose(struct report_ctx *c)
{
	struct board_cpu_view views[BOARD_MAX_CPUS];
	cpu_views(c, views);
	for (unsigned L = 0; L < HANG_LINES; L++) {
		struct board_why w;
		bool pending = board_explain_line(&c->b, L, views, &w);
		if (w.cause != BOARD_CAUSE_NONE) {
			diag_add(c, (int)L, w.cpu, board_cause_key(w.cause), w.since, "%s", w.text);
			c->d[c->nd - 1].stuck = pending && w.cause != BOARD_CAUSE_UNDELIVERED;
			c->d[c->nd - 1].pending = pending;
		}
		if (c->b.hist.coalesced[L])
			diag_add(c, -1, -1, "coalesced", UINT64_MAX,
				 "line %u: %" PRIu64 " request(s) coalesced (asserted again before being delivered)",
				 L, c->b.hist.coalesced[L]);
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

static void json_str_or_null(FILE *f, const char *s)
{
	if (s)
		json_str(f, s, strlen(s));
	else
		fputs("null", f);
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

/* One line's history as the board kept it (chips/history.c). */
struct line_state {
	bool pending, by_intack;
	uint64_t request, delivered, delivered_t, coalesced;
	uint8_t vector;
};

/* false when the line has nothing to show */
static bool line_state_of(const struct report_ctx *c, unsigned L, struct line_state *l)
{
	struct board_why w;
	const struct board_history *h = &c->b.hist;
	l->pending = board_explain_line(&c->b, L, NULL, &w);
	l->request = w.request;
	l->delivered = h->delivered[L];
	l->delivered_t = h->delivered_t[L];
	l->vector = h->delivered_vector[L];
	l->by_intack = h->delivered_by_intack[L];
	l->coalesced = h->coalesced[L];
	return l->pending || l->delivered != BOARD_NO_EVENT || l->coalesced;
}

/* The words at the stack pointer, four to a line: return addresses among
 * them (resolve them with the guest's symbol table, e.g. /proc/kallsyms of
 * the same kernel booted with nokaslr) show the call chain the vCPU is in. */
/* ,"stack":[words from rsp up] (empty when unmapped) */
static void json_stack(struct report_ctx *c, const struct vcpu_snap *s, FILE *f)
{
	uint64_t w[GUEST_STACK_MAX];
	const char *why;
	unsigned n = guest_stack_words(c->vm, s, w, GUEST_STACK_MAX, &why);
	fputs(",\"stack\":[", f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)w[i]);
	fputc(']', f);
}

static void text_stack(struct report_ctx *c, const struct vcpu_snap *s, FILE *f)
{
	uint64_t w[GUEST_STACK_MAX];
	const char *why;
	unsigned n = guest_stack_words(c->vm, s, w, GUEST_STACK_MAX, &why);
	if (!n) {
		fprintf(f, "  stack at rsp: unmapped (%s)\n", why);
		return;
	}
	fprintf(f, "  stack (%u words from rsp up):\n", n);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%016llx%s", i % 4 ? " " : "    ", (unsigned long long)w[i],
			i % 4 == 3 || i + 1 == n ? "\n" : "");
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
	text_stack(c, s, f);
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
		struct ioapic_entry e;
		ioapic_entry_get(&b->s.ioapic, pin, &e);
		if (e.masked && !e.asserted && !e.remote_irr)
			continue; /* masked, idle: not interesting */
		fprintf(f, "  ioapic pin %2u: rte 0x%016" PRIx64 " vector 0x%02x %s %s dest 0x%02x%s%s, input %u\n",
			pin, b->s.ioapic.rte[pin], e.vector, apic_delivery_name(e.delivery), e.level ? "level" : "edge",
			e.dest, e.masked ? " MASKED" : "", e.remote_irr ? " REMOTE-IRR" : "", e.asserted);
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
	const struct recorder_options *o = c->vm->opt;
	/* --kernel: the file, as the trace's "kernel" key; else the built-in guest */
	fprintf(f, "  %s %s, t=%" PRIu64 ".%09" PRIu64 " s, next event %" PRIu64 "\n", o->kernel ? "kernel" : "guest",
		o->kernel ? o->kernel : o->guest ? o->guest : "demo", c->b.s.now / 1000000000u,
		c->b.s.now % 1000000000u, c->next_event);
	fprintf(f, "== diagnosis ==\n");
	unsigned stuck = 0;
	for (unsigned i = 0; i < c->nd; i++)
		if (c->d[i].stuck) {
			fprintf(f, "  STUCK %s\n", c->d[i].text);
			stuck++;
		}
	for (unsigned i = 0; i < c->nd; i++)
		if (!c->d[i].stuck)
			fprintf(f, "  %s %s\n", c->d[i].pending ? "PENDING" : "note:", c->d[i].text);
	if (!c->nd)
		fprintf(f, "  no interrupt-system cause found: every asserted line was delivered\n");
	for (unsigned cpu = 0; cpu < c->vm->ncpus; cpu++)
		text_cpu(c, cpu, f);
	text_board(c, f);
	fprintf(f, "== lines ==\n");
	for (unsigned L = 0; L < HANG_LINES; L++) {
		struct line_state l;
		if (!line_state_of(c, L, &l))
			continue;
		fprintf(f, "  line %2u: %s", L, l.pending ? "PENDING" : "idle");
		if (l.pending && l.request != BOARD_NO_EVENT)
			fprintf(f, " since event %" PRIu64, l.request);
		if (l.delivered != BOARD_NO_EVENT)
			fprintf(f, ", last delivery event %" PRIu64 " vector 0x%02x by %s", l.delivered, l.vector,
				l.by_intack ? "PIC INTACK" : "IOAPIC message");
		else
			fprintf(f, ", no delivery seen");
		fprintf(f, ", coalesced %" PRIu64 "\n", l.coalesced);
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

static void json_diagnosis(const struct report_ctx *c, FILE *f)
{
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
}

/* One vCPU: its state, registers, the code around RIP and the stack. */
static void json_cpu(struct report_ctx *c, unsigned cpu, FILE *f)
{
	const struct vcpu_snap *s = &c->snaps[cpu];
	fprintf(f, "%s\n {\"cpu\":%u,\"valid\":%s", cpu ? "," : "", cpu, s->valid ? "true" : "false");
	if (!s->valid) {
		fputs(",\"error\":", f);
		json_str(f, s->error, strlen(s->error));
		fputc('}', f);
		return;
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
		return;
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
	fputc(']', f);
	json_stack(c, s, f);
	fputc('}', f);
}

/* The chips: PIC pair, IOAPIC pins, PIT channels, the LVTs as the board saw
 * them; the pic array's opening bracket is the caller's. */
static void json_board(const struct report_ctx *c, FILE *f)
{
	const struct board *b = &c->b;
	fputs("],\n\"pic\":[", f);
	for (unsigned i = 0; i < 2; i++) {
		const struct pic *p = &b->s.pic.chip[i];
		fprintf(f, "%s{\"chip\":\"%s\",\"irr\":%u,\"isr\":%u,\"imr\":%u,\"base\":%u,\"elcr\":%u}", i ? "," : "",
			i ? "slave" : "master", p->irr, p->isr, p->imr, p->base, p->elcr);
	}
	fprintf(f, "],\"pic_int\":%u,\"lines_level\":%u,\n\"ioapic\":[", b->s.pic_int, b->s.lines);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		struct ioapic_entry e;
		ioapic_entry_get(&b->s.ioapic, pin, &e);
		fprintf(f, "%s{\"pin\":%u,\"rte\":%" PRIu64 ",\"vector\":%u,\"masked\":%s,\"level\":%s,\"remote_irr\":%s}",
			pin ? "," : "", pin, b->s.ioapic.rte[pin], e.vector, e.masked ? "true" : "false",
			e.level ? "true" : "false", e.remote_irr ? "true" : "false");
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
}

static void json_lines(struct report_ctx *c, FILE *f)
{
	bool first = true;
	for (unsigned L = 0; L < HANG_LINES; L++) {
		struct line_state l;
		if (!line_state_of(c, L, &l))
			continue;
		fprintf(f, "%s\n {\"line\":%u,\"pending\":%s,\"assert_event\":", first ? "" : ",", L,
			l.pending ? "true" : "false");
		first = false;
		if (l.pending && l.request != BOARD_NO_EVENT)
			fprintf(f, "%" PRIu64, l.request);
		else
			fputs("null", f);
		fprintf(f, ",\"coalesced\":%" PRIu64 ",\"last_delivery\":", l.coalesced);
		if (l.delivered != BOARD_NO_EVENT)
			fprintf(f, "{\"event\":%" PRIu64 ",\"t_ns\":%" PRIu64 ",\"vector\":%u,\"by\":\"%s\"}}", l.delivered,
				l.delivered_t, l.vector, l.by_intack ? "intack" : "ioapic");
		else
			fputs("null}", f);
	}
}

static void json_report(struct report_ctx *c, enum hang_cause cause, const char *why, FILE *f)
{
	fprintf(f, "{\"irqrr_hang_report\":1,\"cause\":\"%s\",\"why\":", cause_name(cause));
	json_str(f, why, strlen(why));
	const struct recorder_options *o = c->vm->opt;
	const char *g = o->kernel ? NULL : o->guest ? o->guest : "demo";
	fprintf(f, ",\"guest\":");
	json_str_or_null(f, g);
	fprintf(f, ",\"kernel\":");
	json_str_or_null(f, o->kernel);
	fprintf(f, ",\"t_ns\":%" PRIu64 ",\"next_event\":%" PRIu64 ",\n\"diagnosis\":[", c->b.s.now, c->next_event);
	json_diagnosis(c, f);
	fputs("],\n\"cpus\":[", f);
	for (unsigned cpu = 0; cpu < c->vm->ncpus; cpu++)
		json_cpu(c, cpu, f);
	json_board(c, f);
	fputs("],\n\"lines\":[", f);
	json_lines(c, f);
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

void hang_report(struct vm *vm, const struct hang_snapshot *snap, enum hang_cause cause, const char *why,
		 const struct vcpu_snap *snaps, FILE *text, FILE *json, void (*mark)(void *ctx, const char *text),
		 void *mark_ctx)
{
	struct report_ctx *c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "irqrr: hang report: out of memory\n");
		return;
	}
	c->vm = vm;
	c->snaps = snaps;
	c->b = snap->b;
	c->t = snap->t;
	c->next_event = snap->next_event;
	diagnose(c);
	if (text) {
		text_report(c, cause, why, text);
		fflush(text);
	}
	if (json) {
		json_report(c, cause, why, json);
		fflush(json);
	}
	if (mark) {
		/* the findings go into the trace as marks, for `irqrr dump` */
		char m[400];
		for (unsigned i = 0; i < c->nd; i++) {
			if (!c->d[i].stuck)
				continue;
			snprintf(m, sizeof(m), "hang (%s): %s", cause_name(cause), c->d[i].text);
			mark(mark_ctx, m);
		}
	}
	free(c);
}
