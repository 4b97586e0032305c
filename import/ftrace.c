/* SPDX-License-Identifier: MIT */
/*
 * KVM tracepoints as the tracefs `trace` file or `trace-cmd report` print
 * them, Linux 5.10 on:
 *
 *  TASK-PID [CPU] [FLAGS] SEC.USEC: EVENT: ARGS
 *
 * The [CPU] column is the host CPU; a vCPU is known by its thread, named by
 * kvm_entry/kvm_exit ("vcpu N"). What each event becomes is in
 * docs/import.md.
 */
#define _GNU_SOURCE /* memmem */
#include "import_internal.h"

#include <string.h>

#include "chips/board.h"
#include "chips/ioapic.h"
#include "chips/pic.h"
#include "chips/pit.h"
#include "chips/rtc.h"

#define APIC_BASE 0xfee00000u

struct fline {
	struct import_log *l;
	struct import_thread *th;
	struct cur c;
	const char *name;
};

static int cpu_of(const struct fline *f)
{
	return f->th->cpu >= 0 ? f->th->cpu : 0;
}

static int add(struct fline *f, enum item_what what, const struct irq_event *ev)
{
	import_event_used(f->l, f->name);
	return import_add(f->l, what, ev) ? -3 : 1;
}

/* kvm_entry: vcpu %u[, rip 0x%lx]; kvm_exit: vcpu %u reason ... (before
 * Linux 5.15 kvm_exit has no vcpu field) */
static int vcpu_event(struct fline *f)
{
	uint64_t cpu;
	if (!cur_lit(&f->c, "vcpu"))
		return 0;
	if (!cur_u64(&f->c, &cpu, 10, UINT32_MAX))
		return -2;
	if (cpu < BOARD_MAX_CPUS)
		f->th->cpu = (int)cpu;
	f->l->reset_seen = true;
	return 0;
}

/* kvm_pio: pio_write at 0x%x size %d count %d val 0x%x */
static int pio(struct fline *f)
{
	bool write;
	uint64_t port, size, count, val;
	if (cur_lit(&f->c, "pio_write"))
		write = true;
	else if (cur_lit(&f->c, "pio_read"))
		write = false;
	else
		return -2;
	if (!cur_lit(&f->c, "at") || !cur_u64(&f->c, &port, 16, 0xffff) || !cur_lit(&f->c, "size") ||
	    !cur_u64(&f->c, &size, 10, 8) || !cur_lit(&f->c, "count") ||
	    !cur_u64(&f->c, &count, 10, UINT32_MAX) || !cur_lit(&f->c, "val") ||
	    !cur_u64(&f->c, &val, 16, UINT64_MAX))
		return -2;
	if (size != 1 || count != 1)
		return 0;
	bool pic = pic_pair_owns_port((uint16_t)port); /* the PIC pair and ELCR */
	bool timer = pit_owns_port((uint16_t)port) || rtc_owns_port((uint16_t)port);
	if (timer) {
		import_event_used(f->l, f->name);
		return import_note(f->l, "kvm: %s %#x %s %#x", write ? "out" : "in", (unsigned)port,
				   write ? "<-" : "=", (unsigned)(val & 0xff)) ? -3 : 1;
	}
	if (!pic)
		return 0;
	struct irq_event ev = { .kind = write ? EV_PIO_WRITE : EV_PIO_READ };
	ev.u.pio.port = (uint16_t)port;
	ev.u.pio.value = (uint8_t)val;
	return add(f, ITEM_INPUT, &ev);
}

/* kvm_mmio: mmio write|read|unsatisfied-read len %u gpa 0x%llx val 0x%llx */
static int mmio(struct fline *f)
{
	bool write;
	uint64_t len, gpa, val;
	if (cur_lit(&f->c, "mmio write"))
		write = true;
	else if (cur_lit(&f->c, "mmio read"))
		write = false;
	else if (cur_lit(&f->c, "mmio unsatisfied-read"))
		return 0; /* the "read" with the value follows when it completes */
	else
		return -2;
	if (!cur_lit(&f->c, "len") || !cur_u64(&f->c, &len, 10, UINT32_MAX) ||
	    !cur_lit(&f->c, "gpa") || !cur_u64(&f->c, &gpa, 16, UINT64_MAX) ||
	    !cur_lit(&f->c, "val") || !cur_u64(&f->c, &val, 16, UINT64_MAX))
		return -2;
	if (len != 4 || val > UINT32_MAX)
		return 0;
	struct irq_event ev = { 0 };
	if (write && (gpa == APIC_BASE + 0x350 || gpa == APIC_BASE + 0x360)) {
		ev.kind = EV_LVT;
		ev.u.lvt.cpu = (uint8_t)cpu_of(f);
		ev.u.lvt.pin = gpa == APIC_BASE + 0x360;
		ev.u.lvt.value = (uint32_t)val;
		return add(f, ITEM_INPUT, &ev);
	}
	if (!board_owns_mmio(gpa))
		return 0;
	ev.kind = write ? EV_MMIO_WRITE : EV_MMIO_READ;
	ev.u.mmio.addr = gpa;
	ev.u.mmio.value = (uint32_t)val;
	return add(f, ITEM_INPUT, &ev);
}

/* kvm_set_irq: gsi %u level %d source %d. A line is the OR of its
 * sources (KVM's irq_states), as the chips see it. */
static int set_irq(struct fline *f)
{
	uint64_t gsi, source;
	int64_t level;
	if (!cur_lit(&f->c, "gsi") || !cur_u64(&f->c, &gsi, 10, UINT32_MAX) ||
	    !cur_lit(&f->c, "level") || !cur_i64(&f->c, &level) || !cur_lit(&f->c, "source") ||
	    !cur_u64(&f->c, &source, 10, UINT32_MAX))
		return -2;
	if (gsi >= BOARD_GSIS || source >= 32)
		return 0;
	uint32_t *src = &f->l->sources[gsi];
	*src = level ? *src | 1u << source : *src & ~(1u << source);
	struct irq_event ev = { .kind = EV_IRQ };
	ev.u.irq.gsi = (uint8_t)gsi;
	ev.u.irq.level = *src != 0;
	return add(f, ITEM_INPUT, &ev);
}

/* kvm_pic_set_irq / kvm_ioapic_set_irq: the in-kernel chips at work. The
 * IOAPIC's is traced on line changes, not on an EOI's re-delivery, and
 * says "(coalesced)" by the LAPIC's answer: a note, not a checked message. */
static int kernel_chip(struct fline *f)
{
	f->l->kernel_chips = true;
	if (strcmp(f->name, "kvm_ioapic_set_irq"))
		return 0;
	const char *s = f->c.p;
	size_t n = (size_t)(f->c.e - s);
	if (!f->l->reset_seen || n > 40 || (n > 6 && memmem(s, n, "masked", 6)))
		return 0;
	import_event_used(f->l, f->name);
	return import_note(f->l, "kvm ioapic: %.*s", (int)n, s) ? -3 : 1;
}

static uint8_t *pending_of(struct import_log *l, uint64_t cpu)
{
	return l->pending[cpu < BOARD_MAX_CPUS ? cpu : BOARD_MAX_CPUS - 1];
}

/* kvm_apic_accept_irq: apicid %x vec %u (%s|%s)...: the vector waits in
 * that LAPIC (APIC ID = vCPU index, as QEMU numbers them) */
static int accept_irq(struct fline *f)
{
	uint64_t apicid, vec;
	if (!cur_lit(&f->c, "apicid") || !cur_u64(&f->c, &apicid, 16, UINT32_MAX) ||
	    !cur_lit(&f->c, "vec") || !cur_u64(&f->c, &vec, 10, 255))
		return -2;
	uint8_t *p = pending_of(f->l, apicid);
	p[vec / 8] |= (uint8_t)(1u << (vec % 8));
	return 0;
}

/* kvm_inj_virq: "IRQ 0x%x[ [reinjected]]" or "Soft/INTn 0x%x" (Linux 6.0
 * on), "irq %u" before. A vector no LAPIC accepted came from the 8259:
 * KVM has no tracepoint for its INTA, this is it. */
static int inj_virq(struct fline *f)
{
	uint64_t vec;
	bool soft = false;
	if (cur_lit(&f->c, "IRQ")) {
		if (!cur_u64(&f->c, &vec, 16, 255))
			return -2;
		f->l->inj_format_new = true;
	} else if (cur_lit(&f->c, "Soft/INTn")) {
		if (!cur_u64(&f->c, &vec, 16, 255))
			return -2;
		soft = true;
	} else if (cur_lit(&f->c, "irq")) {
		if (!cur_u64(&f->c, &vec, 10, 255))
			return -2;
		f->l->inj_format_old = true;
	} else {
		return -2;
	}
	if (soft || cur_lit(&f->c, "[reinjected]"))
		return 0;
	uint8_t *p = pending_of(f->l, (uint64_t)cpu_of(f));
	uint8_t bit = (uint8_t)(1u << (vec % 8));
	if (p[vec / 8] & bit) {
		p[vec / 8] &= (uint8_t)~bit;
		return 0;
	}
	struct irq_event ev = { .kind = EV_INTACK };
	ev.u.intack.cpu = (uint8_t)cpu_of(f);
	ev.u.intack.vector = (uint8_t)vec;
	return add(f, ITEM_INPUT, &ev);
}

/* kvm_eoi: apicid %x vector %d */
static int eoi(struct fline *f)
{
	uint64_t apicid;
	int64_t vec;
	if (!cur_lit(&f->c, "apicid") || !cur_u64(&f->c, &apicid, 16, UINT32_MAX) ||
	    !cur_lit(&f->c, "vector") || !cur_i64(&f->c, &vec) || vec > 255)
		return -2;
	if (vec < 0) /* "vector -1": an EOI with nothing in service */
		return 0;
	struct irq_event ev = { .kind = EV_EOI };
	ev.u.eoi.vector = (uint8_t)vec;
	ev.u.eoi.cpu = (uint8_t)(apicid < BOARD_MAX_CPUS ? apicid : 0);
	return add(f, ITEM_INPUT, &ev);
}

/* kvm_apic: apic_write APIC_LVT0 = 0x%x */
static int apic_reg(struct fline *f)
{
	uint64_t val;
	if (!cur_lit(&f->c, "apic_write"))
		return 0;
	unsigned pin;
	if (cur_lit(&f->c, "APIC_LVT0"))
		pin = 0;
	else if (cur_lit(&f->c, "APIC_LVT1"))
		pin = 1;
	else
		return 0;
	if (!cur_lit(&f->c, "=") || !cur_u64(&f->c, &val, 16, UINT32_MAX))
		return -2;
	struct irq_event ev = { .kind = EV_LVT };
	ev.u.lvt.cpu = (uint8_t)cpu_of(f);
	ev.u.lvt.pin = (uint8_t)pin;
	ev.u.lvt.value = (uint32_t)val;
	return add(f, ITEM_INPUT, &ev);
}

static const struct {
	const char *name;
	int (*fn)(struct fline *f);
} events[] = {
	{ "kvm_entry", vcpu_event },       { "kvm_exit", vcpu_event },
	{ "kvm_pio", pio },                { "kvm_mmio", mmio },
	{ "kvm_set_irq", set_irq },        { "kvm_pic_set_irq", kernel_chip },
	{ "kvm_ioapic_set_irq", kernel_chip }, { "kvm_apic_accept_irq", accept_irq },
	{ "kvm_inj_virq", inj_virq },      { "kvm_eoi", eoi },
	{ "kvm_apic", apic_reg },
};

/* Lines of the formats that are not events: tracefs's comment header,
 * trace-cmd's "cpus=N", "version = N", "CPU N is empty". */
static bool format_line(struct import_log *l, struct cur *c)
{
	uint64_t v;
	struct cur s = *c;
	if (!l->tool[0] && cur_lit(&s, "# tracer:"))
		snprintf(l->tool, sizeof(l->tool), "tracefs trace");
	if (c->p == c->e || *c->p == '#')
		return true;
	s = *c;
	if (cur_lit(&s, "version =") && cur_u64(&s, &v, 10, UINT32_MAX)) {
		snprintf(l->tool, sizeof(l->tool), "trace-cmd report (trace.dat version %u)",
			 (unsigned)v);
		return true;
	}
	s = *c;
	if (cur_lit(&s, "cpus=")) {
		if (!l->tool[0])
			snprintf(l->tool, sizeof(l->tool), "trace-cmd report");
		return true;
	}
	s = *c;
	if (cur_lit(&s, "CPU") && cur_find(&s, "is empty"))
		return true;
	return false;
}

int ftrace_parse_line(struct import_log *l, const char *line, size_t len)
{
	struct fline f = { .l = l, .c = { line, line + len } };
	uint64_t hostcpu, ns, pid = 0;
	const char *name;
	cur_space(&f.c);
	if (format_line(l, &f.c))
		return 2;
	/* TASK-PID: up to the " [NNN]" column; the task name may hold
	 * spaces and dashes, the pid is after the last dash */
	const char *task = f.c.p;
	struct cur s = f.c;
	for (;;) {
		if (!cur_find(&s, "["))
			return -1;
		struct cur t = s;
		if (cur_u64(&t, &hostcpu, 10, 1u << 20) && t.p < t.e && *t.p == ']') {
			const char *dash = NULL;
			for (const char *q = task; q < s.p - 1; q++)
				if (*q == '-')
					dash = q;
			if (dash) {
				struct cur pc = { dash + 1, s.p - 1 };
				if (!cur_u64(&pc, &pid, 10, UINT32_MAX))
					pid = 0;
			}
			f.c.p = t.p + 1;
			break;
		}
	}
	/* optional flags column ("d..1." or "....") before the timestamp */
	s = f.c;
	if (!cur_seconds(&s, &ns) || s.p == s.e || *s.p != ':') {
		cur_space(&f.c);
		while (f.c.p < f.c.e && *f.c.p != ' ' && *f.c.p != '\t')
			f.c.p++;
		s = f.c;
		if (!cur_seconds(&s, &ns) || s.p == s.e || *s.p != ':')
			return -1;
	}
	f.c.p = s.p + 1;
	cur_space(&f.c);
	size_t n = cur_ident(&f.c, &name);
	if (!n || f.c.p == f.c.e || *f.c.p != ':')
		return -1;
	f.c.p++;
	l->t_now = ns;
	l->has_t = true;
	l->sum.timed = 1;
	f.th = import_thread(l, pid);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (strlen(events[i].name) != n || memcmp(events[i].name, name, n))
			continue;
		f.name = events[i].name;
		return events[i].fn(&f);
	}
	return 0;
}

void ftrace_finish(struct import_log *l)
{
	if (!l->tool[0])
		snprintf(l->tool, sizeof(l->tool), "ftrace text (no header line)");
	size_t n = strlen(l->tool);
	snprintf(l->tool + n, sizeof(l->tool) - n, "%s",
		 l->inj_format_new ? ", kvm_inj_virq of Linux 6.0 on"
		 : l->inj_format_old ? ", kvm_inj_virq of Linux before 6.0" : "");
	snprintf(l->time, sizeof(l->time),
		 "the trace clock of each event (default `local`: per host CPU, so order is reliable "
		 "per thread only), from the first event kept");
	if (l->kernel_chips) {
		l->sum.checked = IMPORT_CHECK_PIO_READ | IMPORT_CHECK_MMIO_READ | IMPORT_CHECK_INTACK;
		snprintf(l->lost, sizeof(l->lost),
			 "IOAPIC messages (kvm_ioapic_set_irq is traced on line changes, not on an "
			 "EOI's re-delivery: notes, unchecked); the 8259's INTA (inferred: a "
			 "kvm_inj_virq of a vector no LAPIC accepted); the PIT's counter (an in-kernel "
			 "PIT shows its line only); PIT, RTC and port 0x61 accesses (notes); chip "
			 "state set by QEMU's ioctls (KVM_SET_IRQCHIP at reset): events before the "
			 "first vCPU entry are dropped, line levels kept");
	} else {
		l->sum.checked = 0;
		snprintf(l->lost, sizeof(l->lost),
			 "the chips are not KVM's (split irqchip or userspace PIC): their device lines "
			 "never reach KVM, so nothing the chips answered can be checked; trace QEMU "
			 "with -trace as well (qemu-log)");
	}
}
