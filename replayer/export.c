/* SPDX-License-Identifier: MIT */
/*
 * `irqrr export --perfetto`: a trace as Chrome/Perfetto trace-event JSON
 * (the "JSON Object Format": {"traceEvents": [...]}), written while the
 * trace is read, chunk by chunk. Track layout: docs/timeline.md.
 *
 * Also the window walker shared with the SVG plot (plot.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

/* ------------------------------------------------------------ the window */

static void levels_from_board(const struct board *b, struct window_levels *lv)
{
	lv->lines = b->s.lines;
	lv->irq0 = b->s.irq0;
	lv->pic_int = b->s.pic_int;
	lv->deadline = b->s.deadline;
}

/* Power-on levels of a board shaped like the trace's (its "cpus" key). */
static void levels_power_on(struct trace_reader *r, struct board *b, struct window_levels *lv)
{
	struct board_config cfg;
	uint64_t cpus;
	board_config_default(&cfg);
	if (!trace_reader_config_u64(r, "cpus", &cpus) && cpus >= 1 && cpus <= BOARD_MAX_CPUS)
		cfg.ncpus = (uint8_t)cpus;
	if (board_init(b, &cfg, NULL, NULL))
		board_init_blank(b);
	levels_from_board(b, lv);
}

void export_levels_update(struct window_levels *lv, const struct trace_record *rec)
{
	const struct irq_event *e = &rec->ev;
	switch (rec->kind) {
	case EV_IRQ:
		if (e->u.irq.gsi < BOARD_GSIS) {
			if (e->u.irq.level)
				lv->lines |= 1u << e->u.irq.gsi;
			else
				lv->lines &= ~(1u << e->u.irq.gsi);
		}
		break;
	case EV_WIRE:
		if (e->u.wire.id == WIRE_IRQ0)
			lv->irq0 = e->u.wire.level;
		else if (e->u.wire.id == WIRE_PIC_INT)
			lv->pic_int = e->u.wire.level;
		break;
	case EV_DEADLINE:
		lv->deadline = e->u.deadline.t;
		break;
	default:
		break;
	}
}

static void set_partial(struct window_result *res, const char *why)
{
	res->partial = true;
	if (res->events)
		snprintf(res->message, sizeof(res->message),
			 "%.200s; only events %" PRIu64 "..%" PRIu64 " were read", why, res->first,
			 res->last);
	else
		snprintf(res->message, sizeof(res->message), "%.200s; no event of the window was read",
			 why);
}

/* The levels at the window start, from the walk's first chunk c: its
 * keyframe (the records before --from follow). A chunk without a usable
 * keyframe can only be the trace's start: power-on levels. */
static void levels_at_chunk(struct trace_reader *r, const struct trace_chunk *c, struct board *b,
			    struct window_levels *lv)
{
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	board_init_blank(b);
	if (kflen && !board_load(b, kf, kflen))
		levels_from_board(b, lv);
	else
		levels_power_on(r, b, lv);
}

/* Hand the window's records to v; returns the walk's last status. */
static int visit_window(struct trace_iter *it, const struct window_opts *o,
			const struct window_visitor *v, struct window_levels *lv,
			struct window_result *res)
{
	struct trace_record rec;
	bool started = false;
	int k;
	while ((k = trace_iter_next(it, &rec)) == 1) {
		if (rec.num < o->from) {
			export_levels_update(lv, &rec);
			continue;
		}
		if (rec.num > o->to)
			break;
		if (!started) {
			started = true;
			res->first = rec.num;
			if (v->start)
				v->start(v->ctx, lv, rec.t);
		}
		res->events++;
		res->last = rec.num;
		if (rec.t < res->t_first)
			res->t_first = rec.t;
		if (rec.t > res->t_last)
			res->t_last = rec.t;
		if (v->record && v->record(v->ctx, &rec))
			break;
	}
	return k;
}

int window_walk(struct trace_reader *r, const struct window_opts *o,
		const struct window_visitor *v, struct window_result *res)
{
	size_t n = trace_reader_chunk_count(r), first = 0;
	struct window_levels lv;

	memset(res, 0, sizeof(*res));
	res->t_first = UINT64_MAX;
	if (!n) {
		snprintf(res->message, sizeof(res->message), "the trace holds no readable chunk");
		return -1;
	}
	if (o->from > o->to) {
		snprintf(res->message, sizeof(res->message), "--from is after --to");
		return -1;
	}
	if (o->from && trace_reader_find_event(r, o->from, &first)) {
		snprintf(res->message, sizeof(res->message),
			 "event %" PRIu64 " is not in the trace (it holds %" PRIu64 " events)", o->from,
			 trace_reader_event_count(r));
		return -1;
	}
	struct board *b = malloc(sizeof(*b));
	if (!b) {
		snprintf(res->message, sizeof(res->message), "out of memory");
		return -1;
	}
	struct trace_iter it;
	const struct trace_chunk *c;
	trace_iter_init(&it, r, first);
	if ((c = trace_iter_chunk(&it)))
		levels_at_chunk(r, c, b, &lv);
	free(b);
	int k = visit_window(&it, o, v, &lv, res);
	if (k == TRACE_ITER_E_RECORD) {
		char why[300];
		snprintf(why, sizeof(why), "chunk %zu: %.200s", trace_iter_chunk_index(&it),
			 trace_iter_error(&it));
		set_partial(res, why);
	} else if (k < 0) {
		set_partial(res, trace_iter_error(&it));
	}
	trace_iter_end(&it);
	if (res->t_first == UINT64_MAX)
		res->t_first = 0;
	return 0;
}

/* ---------------------------------------------------------- JSON output */

/* Process ids of the track groups. */
enum { PID_LINES = 1, PID_CPUS = 2, PID_IOAPIC = 3, PID_IO = 4 };
#define CONSOLE_LINE 240

struct console_buf {
	uint64_t t;
	size_t len;
	char text[CONSOLE_LINE];
};

struct perfetto {
	FILE *f;
	const struct export_opts *o;
	unsigned ncpus;
	uint64_t next_flow;
	uint64_t t0;
	uint64_t events_out;
	struct window_levels lv;
	uint32_t gsi_named;     /* GSI counters started */
	uint64_t cpu_named[4];  /* vCPU threads named (256 bits: any u8 cpu) */
	uint64_t pin_named;     /* message source threads named (see pin_tid) */
	struct console_buf *console; /* [256], by cpu */
};

static void put_ts(FILE *f, uint64_t t)
{
	fprintf(f, "%" PRIu64 ".%03u", t / 1000, (unsigned)(t % 1000));
}

/* A JSON string body: ASCII kept, everything else escaped. */
static void put_json_text(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\u%04x", c);
	}
}

static void begin_event(struct perfetto *p)
{
	fputs(p->events_out++ ? ",\n" : "\n", p->f);
}

static void meta(struct perfetto *p, const char *what, int pid, int tid, const char *name)
{
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":\"", what,
		pid, tid);
	put_json_text(p->f, name, strlen(name));
	fputs("\"}}", p->f);
}

static void sort_index(struct perfetto *p, const char *what, int pid, int tid, int index)
{
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"args\":{\"sort_index\":%d}}",
		what, pid, tid, index);
}

static void counter(struct perfetto *p, const char *name, const char *key, uint64_t t,
		    const char *value)
{
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"C\",\"name\":\"%s\",\"pid\":%d,\"tid\":0,\"ts\":", name, PID_LINES);
	put_ts(p->f, t);
	fprintf(p->f, ",\"args\":{\"%s\":%s}}", key, value);
}

static void level_counter(struct perfetto *p, const char *name, uint64_t t, unsigned level)
{
	counter(p, name, "level", t, level ? "1" : "0");
}

/* Opens an event; the caller adds args (or nothing) and calls end_event. */
static void event_head(struct perfetto *p, const char *ph, int pid, int tid, uint64_t t,
		       const char *name)
{
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":", ph, pid, tid);
	put_ts(p->f, t);
	fputs(",\"name\":\"", p->f);
	put_json_text(p->f, name, strlen(name));
	fputc('"', p->f);
	if (!strcmp(ph, "i"))
		fputs(",\"s\":\"t\"", p->f);
	else if (!strcmp(ph, "X"))
		fputs(",\"dur\":0.001", p->f); /* 1 ns: a slice, so flows can bind to it */
}

static void end_event(struct perfetto *p)
{
	fputc('}', p->f);
}

static void instant(struct perfetto *p, int pid, int tid, uint64_t t, const char *name)
{
	event_head(p, "i", pid, tid, t, name);
	end_event(p);
}

static void global_instant(struct perfetto *p, uint64_t t, const char *name, const char *text,
			   size_t len)
{
	begin_event(p);
	fprintf(p->f, "{\"ph\":\"i\",\"s\":\"g\",\"pid\":%d,\"tid\":0,\"ts\":", PID_LINES);
	put_ts(p->f, t);
	fputs(",\"name\":\"", p->f);
	put_json_text(p->f, name, strlen(name));
	fputc('"', p->f);
	if (text) {
		fputs(",\"args\":{\"text\":\"", p->f);
		put_json_text(p->f, text, len);
		fputs("\"}", p->f);
	}
	fputc('}', p->f);
}

static int cpu_tid(struct perfetto *p, unsigned cpu)
{
	cpu &= 0xff;
	if (!(p->cpu_named[cpu / 64] & (1ull << (cpu % 64)))) {
		char name[32];
		p->cpu_named[cpu / 64] |= 1ull << (cpu % 64);
		snprintf(name, sizeof(name), "vCPU %u", cpu);
		meta(p, "thread_name", PID_CPUS, (int)cpu + 1, name);
		sort_index(p, "thread_sort_index", PID_CPUS, (int)cpu + 1, (int)cpu);
	}
	return (int)cpu + 1;
}

/* A message source's thread: IOAPIC pins 0..31 (tid pin+1), HPET timers'
 * FSB messages (pin 0x40 + n) on threads of their own (tid 33 + n). */
static int pin_tid(struct perfetto *p, unsigned pin)
{
	unsigned slot = pin >= APIC_MSG_PIN_HPET ? 32 + (pin - APIC_MSG_PIN_HPET) : pin;
	if (slot >= 64)
		slot = 63;
	else if (pin < APIC_MSG_PIN_HPET && slot >= 32)
		slot = 31;
	if (!(p->pin_named & (1ull << slot))) {
		char name[32];
		p->pin_named |= 1ull << slot;
		if (slot >= 32)
			snprintf(name, sizeof(name), "HPET timer %u (FSB)", slot - 32);
		else
			snprintf(name, sizeof(name), "IOAPIC pin %u", slot);
		meta(p, "thread_name", PID_IOAPIC, (int)slot + 1, name);
		sort_index(p, "thread_sort_index", PID_IOAPIC, (int)slot + 1, (int)slot);
	}
	return (int)slot + 1;
}

static void gsi_counter(struct perfetto *p, unsigned gsi, uint64_t t, unsigned level)
{
	char name[16];
	snprintf(name, sizeof(name), "GSI %u", gsi);
	if (!(p->gsi_named & (1u << gsi))) {
		p->gsi_named |= 1u << gsi;
		/* the level the line had when the window opened */
		if (t != p->t0)
			level_counter(p, name, p->t0, (p->lv.lines >> gsi) & 1);
	}
	level_counter(p, name, t, level);
}

static void deadline_counter(struct perfetto *p, uint64_t t, uint64_t deadline)
{
	char v[40];
	if (deadline == UINT64_MAX || deadline < t)
		snprintf(v, sizeof(v), "0");
	else
		snprintf(v, sizeof(v), "%" PRIu64 ".%03u", (deadline - t) / 1000,
			 (unsigned)((deadline - t) % 1000));
	counter(p, "PIT deadline", "us_ahead", t, v);
}

static void window_start(void *ctx, const struct window_levels *lv, uint64_t t)
{
	struct perfetto *p = ctx;
	p->lv = *lv;
	p->t0 = t;
	level_counter(p, "irq0 (PIT OUT0)", t, lv->irq0);
	level_counter(p, "pic.int", t, lv->pic_int);
	deadline_counter(p, t, lv->deadline);
	for (unsigned g = 0; g < BOARD_GSIS; g++)
		if (lv->lines & (1u << g))
			gsi_counter(p, g, t, 1);
}

/* Which vCPUs a message reaches. Physical: the vCPU whose number is the
 * destination (0xff: all). Logical: the flat model Linux and KVM set up,
 * vCPU n having logical ID bit n (n < 8). */
uint64_t export_msg_targets(const struct apic_msg *m, unsigned ncpus)
{
	uint64_t all = ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1;
	if (!m->destmode)
		return m->dest == 0xff ? all : m->dest < ncpus ? 1ull << m->dest : 0;
	return (uint64_t)m->dest & all;
}

static void apic_message(struct perfetto *p, const struct trace_record *rec)
{
	const struct apic_msg *m = &rec->ev.u.apic;
	char name[64];
	int tid = pin_tid(p, m->pin);
	uint64_t targets = export_msg_targets(m, p->ncpus);
	snprintf(name, sizeof(name), "apic 0x%02x %s %s", m->vector, apic_delivery_name(m->delivery),
		 m->trigger ? "level" : "edge");
	event_head(p, "X", PID_IOAPIC, tid, rec->t, name);
	fprintf(p->f,
		",\"args\":{\"dest\":\"0x%02x\",\"destmode\":\"%s\",\"vector\":\"0x%02x\","
		"\"mode\":\"%s\",\"trigger\":\"%s\",\"pin\":%u,\"event\":%" PRIu64 ",\"targets\":%u}",
		m->dest, m->destmode ? "logical" : "physical", m->vector,
		apic_delivery_name(m->delivery), m->trigger ? "level" : "edge", m->pin, rec->num,
		(unsigned)__builtin_popcountll(targets));
	end_event(p);
	snprintf(name, sizeof(name), "APIC msg 0x%02x %s", m->vector, apic_delivery_name(m->delivery));
	for (unsigned cpu = 0; cpu < 64 && targets; cpu++) {
		if (!(targets & (1ull << cpu)))
			continue;
		targets &= ~(1ull << cpu);
		uint64_t id = ++p->next_flow;
		int ctid = cpu_tid(p, cpu);
		event_head(p, "s", PID_IOAPIC, tid, rec->t, "apic");
		fprintf(p->f, ",\"cat\":\"apic\",\"id\":%" PRIu64, id);
		end_event(p);
		event_head(p, "X", PID_CPUS, ctid, rec->t, name);
		fprintf(p->f, ",\"args\":{\"pin\":%u,\"event\":%" PRIu64 "}", m->pin, rec->num);
		end_event(p);
		event_head(p, "f", PID_CPUS, ctid, rec->t, "apic");
		fprintf(p->f, ",\"cat\":\"apic\",\"bp\":\"e\",\"id\":%" PRIu64, id);
		end_event(p);
	}
}

const char *export_lvt_mode_name(uint32_t v)
{
	if (v & 0x10000)
		return "masked";
	switch ((v >> 8) & 7) {
	case 0: return "fixed";
	case 2: return "smi";
	case 4: return "nmi";
	case 5: return "init";
	case 7: return "extint";
	default: return "reserved";
	}
}

static void lint_decision(struct perfetto *p, const struct trace_record *rec)
{
	const struct irq_event *e = &rec->ev;
	char name[64];
	const char *pin = e->u.lint.pin ? "LINT1" : "LINT0";
	if (e->u.lint.mode == LINT_NMI)
		snprintf(name, sizeof(name), "%s NMI", pin);
	else if (e->u.lint.mode == LINT_EXTINT)
		snprintf(name, sizeof(name), "%s ExtINT %s", pin,
			 e->u.lint.level ? "request" : "withdrawn");
	else if (e->u.lint.mode == LINT_FIXED)
		snprintf(name, sizeof(name), "%s fixed 0x%02x level=%u", pin, e->u.lint.vector,
			 e->u.lint.level);
	else
		snprintf(name, sizeof(name), "%s %s level=%u", pin,
			 apic_delivery_name(e->u.lint.mode), e->u.lint.level);
	instant(p, PID_CPUS, cpu_tid(p, e->u.lint.cpu), rec->t, name);
}

static void console_flush(struct perfetto *p, unsigned cpu)
{
	struct console_buf *cb = &p->console[cpu];
	if (!cb->len)
		return;
	event_head(p, "i", PID_CPUS, cpu_tid(p, cpu), cb->t, "console");
	fputs(",\"args\":{\"text\":\"", p->f);
	put_json_text(p->f, cb->text, cb->len);
	fputs("\"}", p->f);
	end_event(p);
	cb->len = 0;
}

/* Console bytes gathered into lines, one instant per line (at the time of
 * its first byte); a line longer than CONSOLE_LINE is cut. */
static void console_bytes(struct perfetto *p, const struct trace_record *rec)
{
	if (!rec->data || rec->len < 1)
		return;
	unsigned cpu = rec->data[0];
	struct console_buf *cb = &p->console[cpu];
	for (size_t i = 1; i < rec->len; i++) {
		char c = (char)rec->data[i];
		if (!cb->len)
			cb->t = rec->t;
		if (c == '\n') {
			console_flush(p, cpu);
			continue;
		}
		if (c == '\r')
			continue;
		cb->text[cb->len++] = c;
		if (cb->len == CONSOLE_LINE)
			console_flush(p, cpu);
	}
}

static void context_record(struct perfetto *p, const struct trace_record *rec)
{
	char name[96];
	switch (rec->kind) {
	case EV_CTX_CONSOLE:
		console_bytes(p, rec);
		break;
	case EV_CTX_MARK:
		if (rec->data)
			global_instant(p, rec->t, "mark", (const char *)rec->data, rec->len);
		break;
	case EV_CTX_CONSOLE_IN: /* what the guest read from its UART */
		if (rec->data)
			global_instant(p, rec->t, "console in", (const char *)rec->data, rec->len);
		break;
	case EV_CTX_MSI_RESULT: {
		static const char *const res[] = { "delivered", "not delivered", "error" };
		struct trace_ctx_msi m;
		if (!rec->data || trace_ctx_msi_unpack(rec->data, rec->len, &m))
			break;
		snprintf(name, sizeof(name), "msi 0x%02x %s", m.msg.vector,
			 m.result < 3 ? res[m.result] : "unknown");
		instant(p, PID_IOAPIC, pin_tid(p, m.msg.pin), rec->t, name);
		break;
	}
	case EV_CTX_EXIT: {
		uint8_t reason;
		int32_t status;
		if (!rec->data || trace_ctx_exit_unpack(rec->data, rec->len, &reason, &status))
			break;
		snprintf(name, sizeof(name), "guest exit: reason %u status %d", reason, (int)status);
		global_instant(p, rec->t, name, NULL, 0);
		break;
	}
	case EV_CTX_VCPU: {
		uint8_t cpu;
		uint32_t reason;
		uint64_t count;
		if (!rec->data || trace_ctx_vcpu_unpack(rec->data, rec->len, &cpu, &reason, &count))
			break;
		snprintf(name, sizeof(name), "KVM exit %u x%" PRIu64, reason, count);
		instant(p, PID_CPUS, cpu_tid(p, cpu), rec->t, name);
		break;
	}
	default:
		break;
	}
}

static void chip_io(struct perfetto *p, const struct trace_record *rec)
{
	const struct irq_event *e = &rec->ev;
	char name[64];
	switch (rec->kind) {
	case EV_PIO_WRITE:
		snprintf(name, sizeof(name), "out 0x%02x 0x%02x", e->u.pio.port, e->u.pio.value);
		break;
	case EV_PIO_READ:
		snprintf(name, sizeof(name), "in 0x%02x = 0x%02x", e->u.pio.port, e->u.pio.value);
		break;
	default:
		export_mmio_name(rec, name, sizeof(name));
		break;
	}
	instant(p, PID_IO, 1, rec->t, name);
}

void export_mmio_name(const struct trace_record *rec, char *name, size_t size)
{
	const struct irq_event *e = &rec->ev;
	switch (rec->kind) {
	case EV_MMIO_WRITE:
		snprintf(name, size, "mmiow 0x%" PRIx64 " 0x%x", e->u.mmio.addr, e->u.mmio.value);
		break;
	case EV_MMIO_WRITE64:
		snprintf(name, size, "mmiow64 0x%" PRIx64 " 0x%" PRIx64, e->u.mmio64.addr, e->u.mmio64.value);
		break;
	case EV_MMIO_READ64:
		snprintf(name, size, "mmior64 0x%" PRIx64 " = 0x%" PRIx64, e->u.mmio64.addr, e->u.mmio64.value);
		break;
	default:
		snprintf(name, size, "mmior 0x%" PRIx64 " = 0x%x", e->u.mmio.addr, e->u.mmio.value);
		break;
	}
}

/* Each kind has its own track and wording on the timeline (docs/timeline.md):
 * counters for lines, wires and the deadline, instants and flows on vCPU and
 * pin tracks. That is per-kind presentation, not the table's field list. */
static int perfetto_record(void *ctx, const struct trace_record *rec)
{
	struct perfetto *p = ctx;
	const struct irq_event *e = &rec->ev;
	char name[64];
	switch (rec->kind) {
	case EV_IRQ:
		if (e->u.irq.gsi < BOARD_GSIS)
			gsi_counter(p, e->u.irq.gsi, rec->t, e->u.irq.level);
		break;
	case EV_WIRE:
		if (e->u.wire.id == WIRE_IRQ0)
			level_counter(p, "irq0 (PIT OUT0)", rec->t, e->u.wire.level);
		else if (e->u.wire.id == WIRE_PIC_INT)
			level_counter(p, "pic.int", rec->t, e->u.wire.level);
		else {
			const char *wn = board_wire_name(e->u.wire.id);
			if (wn)
				snprintf(name, sizeof(name), "%s", wn);
			else
				snprintf(name, sizeof(name), "wire %u", e->u.wire.id);
			level_counter(p, name, rec->t, e->u.wire.level);
		}
		break;
	case EV_DEADLINE:
		deadline_counter(p, rec->t, e->u.deadline.t);
		break;
	case EV_INTACK:
		snprintf(name, sizeof(name), "INTACK 0x%02x", e->u.intack.vector);
		event_head(p, "i", PID_CPUS, cpu_tid(p, e->u.intack.cpu), rec->t, name);
		fprintf(p->f, ",\"args\":{\"vector\":\"0x%02x\",\"event\":%" PRIu64 "}",
			e->u.intack.vector, rec->num);
		end_event(p);
		break;
	case EV_LINT:
		lint_decision(p, rec);
		break;
	case EV_EOI:
		snprintf(name, sizeof(name), "EOI 0x%02x", e->u.eoi.vector);
		instant(p, PID_CPUS, cpu_tid(p, e->u.eoi.cpu), rec->t, name);
		break;
	case EV_LVT:
		snprintf(name, sizeof(name), "LVT%u = 0x%05x (%s)", e->u.lvt.pin ? 1 : 0,
			 e->u.lvt.value, export_lvt_mode_name(e->u.lvt.value));
		instant(p, PID_CPUS, cpu_tid(p, e->u.lvt.cpu), rec->t, name);
		break;
	case EV_APIC_MSG:
		apic_message(p, rec);
		break;
	case EV_RESET:
		global_instant(p, rec->t, "board reset", NULL, 0);
		break;
	case EV_PIO_WRITE:
	case EV_PIO_READ:
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		if (p->o->io)
			chip_io(p, rec);
		break;
	default:
		if (EV_IS_CONTEXT(rec->kind))
			context_record(p, rec);
		break;
	}
	export_levels_update(&p->lv, rec);
	return ferror(p->f) ? -1 : 0;
}

int export_perfetto(struct trace_reader *r, const struct export_opts *o, FILE *out,
		    struct window_result *res)
{
	struct perfetto p;
	uint64_t cpus;
	memset(&p, 0, sizeof(p));
	p.f = out;
	p.o = o;
	p.ncpus = 1;
	if (!trace_reader_config_u64(r, "cpus", &cpus) && cpus >= 1 && cpus <= BOARD_MAX_CPUS)
		p.ncpus = (unsigned)cpus;
	p.console = calloc(256, sizeof(*p.console));
	if (!p.console) {
		memset(res, 0, sizeof(*res));
		snprintf(res->message, sizeof(res->message), "out of memory");
		return -1;
	}
	fputs("{\"traceEvents\":[", out);
	meta(&p, "process_name", PID_LINES, 0, "lines and wires");
	sort_index(&p, "process_sort_index", PID_LINES, 0, 1);
	meta(&p, "process_name", PID_CPUS, 0, "vCPUs");
	sort_index(&p, "process_sort_index", PID_CPUS, 0, 2);
	meta(&p, "process_name", PID_IOAPIC, 0, "IOAPIC");
	sort_index(&p, "process_sort_index", PID_IOAPIC, 0, 3);
	if (o->io) {
		meta(&p, "process_name", PID_IO, 0, "chip I/O");
		sort_index(&p, "process_sort_index", PID_IO, 0, 4);
		meta(&p, "thread_name", PID_IO, 1, "chip I/O");
	}
	for (unsigned cpu = 0; cpu < p.ncpus; cpu++)
		cpu_tid(&p, cpu);

	struct window_opts wo = { o->from, o->to };
	struct window_visitor v = { window_start, perfetto_record, &p };
	int rc = window_walk(r, &wo, &v, res);
	for (unsigned cpu = 0; cpu < 256; cpu++)
		console_flush(&p, cpu);
	free(p.console);
	fputs("\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"source\":\"", out);
	if (o->source)
		put_json_text(out, o->source, strlen(o->source));
	fprintf(out, "\",\"events\":%" PRIu64 ",\"first_event\":%" PRIu64 ",\"last_event\":%" PRIu64
		     ",\"flows\":%" PRIu64 ",\"partial\":%s}}\n",
		res->events, res->first, res->last, p.next_flow, res->partial ? "true" : "false");
	return rc;
}
