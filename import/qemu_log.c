/* SPDX-License-Identifier: MIT */
/*
 * QEMU's -trace log (the "log" trace backend, -D FILE), versions from 7.2:
 *
 *   [2026-12-03T12:35:40.123456Z ]TID@SEC.USEC:EVENT ARGS     (-msg timestamp=on)
 *   EVENT ARGS                                                 (without)
 *
 * Port and MMIO values come from memory_region_ops_read/write (cpu_in and
 * cpu_out never fire in 7.2); the region's name says which chip. The events
 * used and what each becomes are in docs/import.md.
 */
#include "import_internal.h"

#include <string.h>

#include "chips/board.h"
#include "chips/ioapic.h"

#define MSI_BASE 0xfee00000u

/* Civil date to days since 1970-01-01 (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "2026-12-03T12:35:40.123456Z " (error_report's -msg timestamp=on
 * prefix): its time in ns, or false when the line does not start so. */
static bool iso_prefix(struct cur *c, uint64_t *ns)
{
	struct cur s = *c;
	uint64_t y, mo, d, h, mi, sec;
	if (!cur_u64(&s, &y, 10, 9999) || !cur_lit(&s, "-") || !cur_u64(&s, &mo, 10, 12) ||
	    !cur_lit(&s, "-") || !cur_u64(&s, &d, 10, 31) || !cur_lit(&s, "T") ||
	    !cur_u64(&s, &h, 10, 23) || !cur_lit(&s, ":") || !cur_u64(&s, &mi, 10, 59) ||
	    !cur_lit(&s, ":") || !cur_seconds(&s, &sec) || !cur_lit(&s, "Z") || mo == 0 || d == 0)
		return false;
	int64_t days = days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d);
	if (days < 0 || sec >= 61000000000ull)
		return false;
	*ns = ((uint64_t)days * 86400 + h * 3600 + mi * 60) * 1000000000ull + sec;
	*c = s;
	return true;
}

/* The chips a memory region name stands for. */
enum region { R_OTHER, R_PIC, R_ELCR, R_IOAPIC, R_TIMER, R_MSI };

static enum region region_of(const char *name, size_t n)
{
	static const struct {
		const char *name;
		enum region r;
	} names[] = {
		{ "pic", R_PIC },       { "elcr", R_ELCR },       { "ioapic", R_IOAPIC },
		{ "pit", R_TIMER },     { "pcspk", R_TIMER },     { "rtc", R_TIMER },
		{ "rtc-index", R_TIMER }, { "hpet", R_TIMER },    { "apic-msi", R_MSI },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !memcmp(names[i].name, name, n))
			return names[i].r;
	return R_OTHER;
}

struct qline {
	struct import_log *l;
	struct import_thread *th;
	struct cur c;
	const char *name;
};

static int cpu_of(const struct qline *q)
{
	return q->th->cpu >= 0 ? q->th->cpu : 0;
}

static void saw_vcpu(struct qline *q, int64_t cpu)
{
	if (cpu >= 0 && cpu < BOARD_MAX_CPUS) {
		q->th->cpu = (int)cpu;
		q->l->reset_seen = true;
	}
}

static int add_input(struct qline *q, const struct irq_event *ev, enum item_origin origin)
{
	import_event_used(q->l, q->name);
	q->l->has_inputs = true;
	return import_add_origin(q->l, ITEM_INPUT, ev, origin) ? -3 : 1;
}

/* An MSI write to the APIC window: an IOAPIC message when the thread is
 * busy in the IOAPIC (QEMU's IOAPIC sends through this window), else a
 * device's MSI, shown as a note. */
static int msi_write(struct qline *q, uint64_t addr, uint64_t data)
{
	if (!q->th->ioapic)
		return import_note(q->l, "qemu: msi addr=%#llx data=%#llx", (unsigned long long)addr,
				   (unsigned long long)data) ? -3 : 1;
	struct irq_event ev = { .kind = EV_APIC_MSG };
	ev.u.apic.dest = (uint8_t)(addr >> 12);
	ev.u.apic.destmode = (uint8_t)((addr >> 2) & 1);
	ev.u.apic.vector = (uint8_t)data;
	ev.u.apic.delivery = (uint8_t)((data >> 8) & 7);
	ev.u.apic.trigger = (uint8_t)((data >> 15) & 1);
	ev.u.apic.pin = IMPORT_PIN_UNKNOWN;
	import_event_used(q->l, q->name);
	return import_add(q->l, ITEM_OUTPUT, &ev) ? -3 : 1;
}

/* memory_region_ops_read/write: cpu N mr 0xPTR addr 0xA value 0xV size S name 'NAME' */
static int mr_ops(struct qline *q, bool write)
{
	int64_t cpu;
	uint64_t mr, addr, value, size;
	const char *name;
	if (!cur_lit(&q->c, "cpu") || !cur_i64(&q->c, &cpu) || !cur_lit(&q->c, "mr") ||
	    !cur_u64(&q->c, &mr, 16, UINT64_MAX) || !cur_lit(&q->c, "addr") ||
	    !cur_u64(&q->c, &addr, 16, UINT64_MAX) || !cur_lit(&q->c, "value") ||
	    !cur_u64(&q->c, &value, 16, UINT64_MAX) || !cur_lit(&q->c, "size") ||
	    !cur_u64(&q->c, &size, 10, 8) || !cur_lit(&q->c, "name") || !cur_lit(&q->c, "'"))
		return -2;
	name = q->c.p;
	if (!cur_find(&q->c, "'"))
		return -2;
	saw_vcpu(q, cpu);
	enum region r = region_of(name, (size_t)(q->c.p - 1 - name));
	struct irq_event ev = { 0 };
	switch (r) {
	case R_PIC:
	case R_ELCR:
		if (addr > 0xffff || size != 1)
			return -2;
		q->th->ioapic = 0;
		q->l->chip_access = true;
		ev.kind = write ? EV_PIO_WRITE : EV_PIO_READ;
		ev.u.pio.port = (uint16_t)addr;
		ev.u.pio.value = (uint8_t)value;
		return add_input(q, &ev, ORIGIN_ACCESS);
	case R_IOAPIC:
		if (size != 4 || value > UINT32_MAX)
			return -2;
		if (!board_owns_mmio(addr)) /* past the registers the board models */
			return 0;
		q->th->ioapic = 1;
		q->l->chip_access = true;
		ev.kind = write ? EV_MMIO_WRITE : EV_MMIO_READ;
		ev.u.mmio.addr = addr;
		ev.u.mmio.value = (uint32_t)value;
		return add_input(q, &ev, ORIGIN_ACCESS);
	case R_TIMER:
		q->th->ioapic = 0;
		import_event_used(q->l, q->name);
		return import_note(q->l, "qemu: %.*s %s %#llx %s %#llx", (int)(q->c.p - 1 - name), name,
				   write ? "out" : "in", (unsigned long long)addr, write ? "<-" : "=",
				   (unsigned long long)value) ? -3 : 1;
	case R_MSI:
		/* the same region is the LAPIC's MMIO page for a vCPU's
		 * accesses (registers at 0x20 and up; its LVT writes come as
		 * apic_mem_writel); an MSI's address has only its RH and DM
		 * bits (3, 2) in the low 12 */
		if (write && (addr & 0xff3) == 0)
			return msi_write(q, addr, value);
		return 0;
	case R_OTHER:
		break;
	}
	q->th->ioapic = 0;
	return 0;
}

/* pic_ioport_write/read: master %d addr 0x%x val 0x%x (used only when the
 * log has no memory_region_ops accesses to the PIC) */
static int pic_ioport(struct qline *q, bool write)
{
	uint64_t master, addr, val;
	if (!cur_lit(&q->c, "master") || !cur_u64(&q->c, &master, 10, 1) ||
	    !cur_lit(&q->c, "addr") || !cur_u64(&q->c, &addr, 16, 1) || !cur_lit(&q->c, "val") ||
	    !cur_u64(&q->c, &val, 16, 0xff))
		return -2;
	struct irq_event ev = { .kind = write ? EV_PIO_WRITE : EV_PIO_READ };
	ev.u.pio.port = (uint16_t)((master ? 0x20 : 0xa0) + addr);
	ev.u.pio.value = (uint8_t)val;
	q->th->ioapic = 0;
	return add_input(q, &ev, ORIGIN_CHIP_EVENT);
}

/* ioapic_mem_write: ioapic mem write addr 0x%x regsel: 0x%x size 0x%x val 0x%x
 * ioapic_mem_read:  ioapic mem read addr 0x%x regsel: 0x%x size 0x%x retval 0x%x */
static int ioapic_mem(struct qline *q, bool write)
{
	uint64_t addr, regsel, size, val;
	if (!cur_lit(&q->c, write ? "ioapic mem write addr" : "ioapic mem read addr") ||
	    !cur_u64(&q->c, &addr, 16, 0xfff) || !cur_lit(&q->c, "regsel:") ||
	    !cur_u64(&q->c, &regsel, 16, UINT64_MAX) || !cur_lit(&q->c, "size") ||
	    !cur_u64(&q->c, &size, 16, 8) || !cur_lit(&q->c, write ? "val" : "retval") ||
	    !cur_u64(&q->c, &val, 16, UINT32_MAX))
		return -2;
	q->th->ioapic = 1;
	/* outside the board's IOAPIC registers: not an access it models */
	if (size != 4 || !board_owns_mmio(IOAPIC_BASE + addr))
		return 0;
	struct irq_event ev = { .kind = write ? EV_MMIO_WRITE : EV_MMIO_READ };
	ev.u.mmio.addr = IOAPIC_BASE + addr;
	ev.u.mmio.value = (uint32_t)val;
	return add_input(q, &ev, ORIGIN_CHIP_EVENT);
}

/* x86_gsi_interrupt: GSI interrupt #%d level:%d */
static int gsi_interrupt(struct qline *q)
{
	uint64_t gsi, level;
	if (!cur_lit(&q->c, "GSI interrupt #") || !cur_u64(&q->c, &gsi, 10, 255) ||
	    !cur_lit(&q->c, "level:") || !cur_u64(&q->c, &level, 10, 1))
		return -2;
	q->th->ioapic = 1; /* what follows on this thread is the IOAPIC's */
	if (gsi >= BOARD_GSIS)
		return 0;
	struct irq_event ev = { .kind = EV_IRQ };
	ev.u.irq.gsi = (uint8_t)gsi;
	ev.u.irq.level = (uint8_t)level;
	return add_input(q, &ev, ORIGIN_ACCESS);
}

/* pic_interrupt: irq %d intno %d (pic_read_irq: the INTA cycle) */
static int pic_interrupt(struct qline *q)
{
	int64_t irq, intno;
	if (!cur_lit(&q->c, "irq") || !cur_i64(&q->c, &irq) || !cur_lit(&q->c, "intno") ||
	    !cur_i64(&q->c, &intno) || intno < 0 || intno > 255)
		return -2;
	q->th->ioapic = 0;
	struct irq_event ev = { .kind = EV_INTACK };
	ev.u.intack.cpu = (uint8_t)cpu_of(q);
	ev.u.intack.vector = (uint8_t)intno;
	return add_input(q, &ev, ORIGIN_ACCESS);
}

/* ioapic_eoi_broadcast: EOI broadcast for vector %d */
static int eoi_broadcast(struct qline *q)
{
	uint64_t vector;
	if (!cur_lit(&q->c, "EOI broadcast for vector") || !cur_u64(&q->c, &vector, 10, 255))
		return -2;
	struct irq_event ev = { .kind = EV_EOI };
	ev.u.eoi.vector = (uint8_t)vector;
	ev.u.eoi.cpu = (uint8_t)cpu_of(q);
	int rc = add_input(q, &ev, ORIGIN_ACCESS);
	q->th->ioapic = 1;
	return rc;
}

/* apic_mem_writel: ADDR = VALUE (hex); LVT0 at 0x350, LVT1 at 0x360 */
static int apic_mem_writel(struct qline *q)
{
	uint64_t addr, val;
	if (!cur_u64(&q->c, &addr, 16, UINT64_MAX) || !cur_lit(&q->c, "=") ||
	    !cur_u64(&q->c, &val, 16, UINT32_MAX))
		return -2;
	q->th->ioapic = 0;
	unsigned reg = (unsigned)(addr & 0xff0);
	if (reg != 0x350 && reg != 0x360)
		return 0;
	struct irq_event ev = { .kind = EV_LVT };
	ev.u.lvt.cpu = (uint8_t)cpu_of(q);
	ev.u.lvt.pin = reg == 0x360;
	ev.u.lvt.value = (uint32_t)val;
	return add_input(q, &ev, ORIGIN_ACCESS);
}

/* x86_pic_interrupt: PIC interrupt #%d level:%d (the master's INT pin; its
 * effect is checked through the INTACKs, so only its form is checked) */
static int pic_int(struct qline *q)
{
	uint64_t n, level;
	if (!cur_lit(&q->c, "PIC interrupt #") || !cur_u64(&q->c, &n, 10, 255) ||
	    !cur_lit(&q->c, "level:") || !cur_u64(&q->c, &level, 10, 1))
		return -2;
	q->l->pic_int = (uint8_t)level;
	return 0;
}

/* Events of the IOAPIC's own work: an MSI write after them is its message. */
static int ioapic_busy(struct qline *q)
{
	q->th->ioapic = 1;
	return 0;
}

/* Events that may sit between the IOAPIC's work and its MSI write. */
static int keep_state(struct qline *q)
{
	(void)q;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct qline *q);
	int arg; /* for the read/write pairs */
	int (*fn2)(struct qline *q, bool write);
} events[] = {
	{ "memory_region_ops_write", NULL, 1, mr_ops },
	{ "memory_region_ops_read", NULL, 0, mr_ops },
	{ "pic_ioport_write", NULL, 1, pic_ioport },
	{ "pic_ioport_read", NULL, 0, pic_ioport },
	{ "ioapic_mem_write", NULL, 1, ioapic_mem },
	{ "ioapic_mem_read", NULL, 0, ioapic_mem },
	{ "x86_gsi_interrupt", gsi_interrupt, 0, NULL },
	{ "pic_interrupt", pic_interrupt, 0, NULL },
	{ "ioapic_eoi_broadcast", eoi_broadcast, 0, NULL },
	{ "apic_mem_writel", apic_mem_writel, 0, NULL },
	{ "x86_pic_interrupt", pic_int, 0, NULL },
	{ "ioapic_set_irq", ioapic_busy, 0, NULL },
	{ "ioapic_set_remote_irr", ioapic_busy, 0, NULL },
	{ "ioapic_clear_remote_irr", ioapic_busy, 0, NULL },
	{ "ioapic_eoi_delayed_reassert", ioapic_busy, 0, NULL },
	{ "apic_deliver_irq", keep_state, 0, NULL },
	{ "apic_report_irq_delivered", keep_state, 0, NULL },
	{ "apic_reset_irq_delivered", keep_state, 0, NULL },
	{ "apic_get_irq_delivered", keep_state, 0, NULL },
	{ "pic_set_irq", keep_state, 0, NULL },
	{ "pic_update_irq", keep_state, 0, NULL },
	{ "apic_local_deliver", keep_state, 0, NULL },
};

int qemu_log_parse_line(struct import_log *l, const char *line, size_t len)
{
	struct qline q = { .l = l, .c = { line, line + len } };
	uint64_t tid = 0, ns;
	const char *name;
	cur_space(&q.c);
	if (q.c.p == q.c.e)
		return -1;
	if (iso_prefix(&q.c, &ns)) {
		l->t_now = ns;
		l->has_t = true;
		l->sum.timed = 1;
	}
	struct cur s = q.c;
	if (cur_u64(&s, &tid, 10, UINT32_MAX) && cur_lit(&s, "@") && cur_seconds(&s, &ns) &&
	    s.p < s.e && *s.p == ':') {
		q.c.p = s.p + 1;
		l->t_now = ns;
		l->has_t = true;
		l->sum.timed = 1;
	}
	size_t n = cur_ident(&q.c, &name);
	if (!n || (q.c.p < q.c.e && *q.c.p != ' '))
		return -1;
	q.th = import_thread(l, tid);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (strlen(events[i].name) != n || memcmp(events[i].name, name, n))
			continue;
		q.name = events[i].name;
		return events[i].fn ? events[i].fn(&q) : events[i].fn2(&q, events[i].arg);
	}
	/* another trace event: not an interrupt chip's */
	q.th->ioapic = 0;
	return 0;
}

void qemu_log_finish(struct import_log *l)
{
	l->sum.checked = IMPORT_CHECK_PIO_READ | IMPORT_CHECK_MMIO_READ | IMPORT_CHECK_INTACK |
			 IMPORT_CHECK_APIC;
	snprintf(l->tool, sizeof(l->tool), "QEMU (version not in the log)");
	snprintf(l->time, sizeof(l->time), "%s",
		 l->sum.timed ? "host wall clock of each line (QEMU -msg timestamp=on), us, from the "
				"first event kept"
			      : "none in the log (no -msg timestamp=on): 1 us per line, in log order");
	snprintf(l->lost, sizeof(l->lost),
		 "PIT, RTC and port 0x61 accesses (notes, not replayed: the board's timers stay "
		 "unprogrammed; their lines replay as QEMU drove them); the IOAPIC pin of each "
		 "message; chip activity before QEMU's machine reset (dropped, line levels kept); "
		 "LAPIC state other than LVT0/LVT1 writes through MMIO (x2APIC MSR writes are not "
		 "traced)");
}
