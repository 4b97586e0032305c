/* SPDX-License-Identifier: MIT */
/* A peer's log as an irqrr trace: the items the parsers produce, their time,
 * and the trace written from them (docs/import.md). */
#include "import_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chips/board.h"
#include "chips/ioapic.h"
#include "chips/pit.h"

#ifndef IRQRR_VERSION
#define IRQRR_VERSION "dev"
#endif

/* Items of a log without timestamps are this far apart (ns). */
#define UNTIMED_STEP 1000u

const char *import_format_name(enum import_format fmt)
{
	return fmt == IMPORT_FTRACE ? "ftrace" : "qemu-log";
}

int import_format_parse(const char *name)
{
	if (!strcmp(name, "qemu-log") || !strcmp(name, "qemu"))
		return IMPORT_QEMU_LOG;
	if (!strcmp(name, "ftrace") || !strcmp(name, "kvm"))
		return IMPORT_FTRACE;
	return -1;
}

static const struct {
	unsigned bit;
	const char *word;
} check_words[] = {
	{ IMPORT_CHECK_PIO_READ, "pio_read" },
	{ IMPORT_CHECK_MMIO_READ, "mmio_read" },
	{ IMPORT_CHECK_INTACK, "intack" },
	{ IMPORT_CHECK_APIC, "apic" },
};

void import_checked_format(unsigned checked, char *buf, size_t len)
{
	size_t n = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(check_words) / sizeof(check_words[0]); i++)
		if ((checked & check_words[i].bit) && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
					      check_words[i].word);
	if (!n && len)
		snprintf(buf, len, "none");
}

unsigned import_checked_parse(const char *text)
{
	unsigned bits = 0;
	while (text && *text) {
		while (*text == ' ' || *text == ',')
			text++;
		size_t w = strcspn(text, " ,");
		for (size_t i = 0; i < sizeof(check_words) / sizeof(check_words[0]); i++)
			if (strlen(check_words[i].word) == w && !strncmp(text, check_words[i].word, w))
				bits |= check_words[i].bit;
		text += w;
	}
	return bits;
}

struct import_log *import_log_new(enum import_format fmt)
{
	struct import_log *l = calloc(1, sizeof(*l));
	if (l)
		l->fmt = fmt;
	return l;
}

void import_log_free(struct import_log *l)
{
	if (l)
		free(l->items);
	free(l);
}

static void note_bad(struct import_log *l)
{
	if (l->sum.nbad < IMPORT_BAD_LINES)
		l->sum.bad_line[l->sum.nbad++] = l->lineno;
}

int import_log_line(struct import_log *l, const char *line, size_t len, char *err, size_t errlen)
{
	l->lineno++;
	l->sum.lines++;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	int rc = l->fmt == IMPORT_FTRACE ? ftrace_parse_line(l, line, len)
					 : qemu_log_parse_line(l, line, len);
	switch (rc) {
	case 1:
		l->sum.used++;
		/* fall through */
	case 0:
		l->sum.events++;
		break;
	case 2:
		break;
	case -1:
		l->sum.unknown++;
		note_bad(l);
		break;
	case -2:
		l->sum.events++;
		l->sum.malformed++;
		note_bad(l);
		break;
	default:
		snprintf(err, errlen, "line %" PRIu64 ": %s", l->lineno,
			 l->n >= IMPORT_MAX_ITEMS ? "too many events (more than 4 Mi): cut the log to the part of interest"
						  : "out of memory");
		return -1;
	}
	return 0;
}

/* A trace's board starts at power-on; the peer's chips are reset after
 * the machine is built (QEMU's reset; KVM's chips by QEMU's KVM_SET_IRQCHIP,
 * which is not traced). What the log shows before the first vCPU event is
 * dropped, except the device lines' levels, which the reset keeps (as the
 * board's reset does): they are replayed at time 0. */
static void drop_before_reset(struct import_log *l)
{
	uint32_t levels = 0, known = 0;
	size_t first = 0;
	if (!l->reset_seen) /* no vCPU event in the log (only pic_* traced): no marker */
		return;
	while (first < l->n && l->items[first].before_reset) {
		const struct import_item *it = &l->items[first];
		if (it->what == ITEM_INPUT && it->ev.kind == EV_IRQ) {
			uint32_t bit = 1u << it->ev.u.irq.gsi;
			known |= bit;
			levels = it->ev.u.irq.level ? levels | bit : levels & ~bit;
		}
		first++;
	}
	if (!first)
		return;
	l->sum.dropped += first;
	size_t k = 0;
	for (unsigned g = 0; g < BOARD_GSIS; g++) {
		if (!(known & (1u << g)) || !(levels & (1u << g)))
			continue;
		struct import_item *it = &l->items[k++]; /* k <= g < first */
		memset(it, 0, sizeof(*it));
		it->t = l->items[first < l->n ? first : l->n - 1].t;
		it->what = ITEM_INPUT;
		it->ev.kind = EV_IRQ;
		it->ev.u.irq.gsi = (uint8_t)g;
		it->ev.u.irq.level = 1;
		l->sum.dropped--;
	}
	if (k > first) /* cannot happen: one line set per dropped irq input */
		k = first;
	memmove(l->items + k, l->items + first, (l->n - first) * sizeof(*l->items));
	l->n -= first - k;
}

/* The board's PIT would drive IRQ0 itself (OUT0 is high at power-on, and
 * the line is OUT0 OR the device line); the import replays IRQ0 as the
 * peer drove it instead. A control word for channel 0 in mode 0 without a
 * count sets OUT0 low, and it stays low: the 8254 does not count until a
 * count is written (datasheet, mode 0), and no PIT write follows. */
static int park_pit(struct import_log *l)
{
	struct irq_event ev = { .kind = EV_PIO_WRITE };
	pit_park_ch0(&ev.u.pio.port, &ev.u.pio.value);
	if (import_add(l, ITEM_INPUT, &ev) ||
	    import_note(l, "irqrr: PIT ch0 parked (OUT0 low); IRQ0 = peer's line"))
		return -1;
	struct import_item park[2] = { l->items[l->n - 2], l->items[l->n - 1] };
	memmove(l->items + 2, l->items, (l->n - 2) * sizeof(*l->items));
	for (unsigned i = 0; i < 2; i++) {
		park[i].t = l->n > 2 ? l->items[2].t : 0;
		park[i].line = 0;
		park[i].before_reset = 0;
		l->items[i] = park[i];
	}
	return 0;
}

static void compact(struct import_log *l)
{
	size_t k = 0;
	bool input_seen = false;
	for (size_t i = 0; i < l->n; i++) {
		struct import_item *it = &l->items[i];
		bool drop = l->chip_access && it->origin == ORIGIN_CHIP_EVENT;
		/* an output before any input: nothing the board did explains it */
		drop |= it->what == ITEM_OUTPUT && !input_seen;
		if (drop) {
			l->sum.dropped++;
			continue;
		}
		input_seen |= it->what == ITEM_INPUT;
		l->items[k++] = *it;
	}
	l->n = k;
}

/* Trace time: ns from the first item, never backwards. An input has its
 * line's time; an output and a note the time of the input before them (the
 * board emits an input's outputs at that input, and a note between them
 * must not move time on past them). */
static void set_times(struct import_log *l)
{
	uint64_t t0 = l->n ? l->items[0].t : 0, prev = 0;
	bool input_seen = false;
	for (size_t i = 0; i < l->n; i++) {
		struct import_item *it = &l->items[i];
		uint64_t t = l->sum.timed ? (it->t > t0 ? it->t - t0 : 0) : i * UNTIMED_STEP;
		if (t < prev || (it->what != ITEM_INPUT && input_seen))
			t = prev;
		input_seen |= it->what == ITEM_INPUT;
		it->t = prev = t;
		it->ev.t = t;
	}
}

static void count_items(struct import_log *l)
{
	unsigned maxcpu = 0;
	l->sum.inputs = l->sum.outputs = l->sum.notes = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct import_item *it = &l->items[i];
		if (it->what == ITEM_INPUT)
			l->sum.inputs++;
		else if (it->what == ITEM_OUTPUT)
			l->sum.outputs++;
		else
			l->sum.notes++;
		if (it->what != ITEM_INPUT)
			continue;
		unsigned cpu = it->ev.kind == EV_INTACK ? it->ev.u.intack.cpu
			       : it->ev.kind == EV_EOI   ? it->ev.u.eoi.cpu
			       : it->ev.kind == EV_LVT   ? it->ev.u.lvt.cpu
							 : 0;
		if (cpu > maxcpu)
			maxcpu = cpu;
	}
	l->sum.cpus = maxcpu + 1;
}

int import_log_finish(struct import_log *l, char *err, size_t errlen)
{
	if (l->finished)
		return 0;
	l->finished = true;
	if (l->fmt == IMPORT_FTRACE)
		ftrace_finish(l);
	else
		qemu_log_finish(l);
	if (!l->reset_seen) {
		size_t n = strlen(l->lost);
		snprintf(l->lost + n, sizeof(l->lost) - n, "%s",
			 "; no vCPU event in the log, so the machine reset could not be found: "
			 "nothing was dropped as before it");
	}
	for (size_t i = 0; i < l->n && !l->has_inputs; i++)
		l->has_inputs = l->items[i].what == ITEM_INPUT;
	if (!l->has_inputs) {
		snprintf(err, errlen, "no interrupt event in %" PRIu64 " lines (is it %s with the "
				      "events of docs/import.md?)",
			 l->sum.lines,
			 l->fmt == IMPORT_FTRACE ? "an ftrace log of the kvm events" : "a QEMU -trace log");
		return -1;
	}
	drop_before_reset(l);
	if (park_pit(l))
		return snprintf(err, errlen, "out of memory"), -1;
	compact(l);
	set_times(l);
	count_items(l);
	size_t n = 0;
	l->events[0] = 0;
	for (unsigned i = 0; i < l->nnames && n < sizeof(l->events); i++)
		n += (size_t)snprintf(l->events + n, sizeof(l->events) - n, "%s%s", i ? " " : "",
				      l->names[i]);
	return 0;
}

const struct import_summary *import_log_summary(const struct import_log *l)
{
	return &l->sum;
}

const char *import_log_events_found(const struct import_log *l)
{
	return l->events;
}

const char *import_log_lost(const struct import_log *l)
{
	return l->lost;
}

const char *import_log_time(const struct import_log *l)
{
	return l->time;
}

const char *import_log_tool(const struct import_log *l)
{
	return l->tool;
}

size_t import_log_count(const struct import_log *l)
{
	return l->n;
}

int import_log_item(const struct import_log *l, size_t i, struct irq_event *ev, const char **note)
{
	if (i >= l->n)
		return -1;
	*ev = l->items[i].ev;
	*note = l->items[i].note;
	return l->items[i].what;
}

/* The IOAPIC version the peer's chip reports (register 1's low byte, read
 * by the guest): KVM's is 0x11, QEMU's 0x20. The default when never read. */
static uint8_t ioapic_version(const struct import_log *l)
{
	uint32_t regsel = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct irq_event *ev = &l->items[i].ev;
		if (l->items[i].what != ITEM_INPUT)
			continue;
		if (ev->kind == EV_MMIO_WRITE && ioapic_is_regsel_write(ev->u.mmio.addr & 0xff))
			regsel = ev->u.mmio.value & 0xff;
		else if (ev->kind == EV_MMIO_READ && ioapic_is_version_read(regsel, ev->u.mmio.addr & 0xff) &&
			 ((ev->u.mmio.value & 0xff) == 0x11 || (ev->u.mmio.value & 0xff) == 0x20))
			return (uint8_t)ev->u.mmio.value;
	}
	return 0x20;
}

static void null_sink(void *ctx, const struct irq_event *ev)
{
	(void)ctx;
	(void)ev;
}

struct import_writer {
	struct trace_writer *w;
	struct board *b;
	uint8_t *kf;
	bool started;
};

static int write_item(struct import_writer *iw, const struct import_item *it)
{
	if (trace_writer_wants_keyframe(iw->w) && (it->what == ITEM_INPUT || !iw->started)) {
		size_t n = board_save(iw->b, iw->kf, board_state_size(iw->b));
		if (trace_writer_begin_chunk(iw->w, iw->kf, n) < 0)
			return -1;
	}
	iw->started = true;
	if (it->what == ITEM_NOTE)
		return trace_writer_context(iw->w, it->t, EV_CTX_MARK, it->note, strlen(it->note));
	if (it->what == ITEM_INPUT)
		(void)board_apply(iw->b, &it->ev); /* ranges checked by the parsers */
	return trace_writer_append(iw->w, &it->ev);
}

int import_log_write(struct import_log *l, const char *path, const char *name,
		     const struct trace_writer_opts *opts, char *err, size_t errlen)
{
	struct board_config cfg;
	char cpus[8], checked[80], ver[8];
	struct import_writer iw = { 0 };
	board_config_default(&cfg);
	cfg.ncpus = (uint8_t)(l->sum.cpus > BOARD_MAX_CPUS ? BOARD_MAX_CPUS : l->sum.cpus);
	cfg.ioapic_version = ioapic_version(l);
	snprintf(cpus, sizeof(cpus), "%u", cfg.ncpus);
	snprintf(ver, sizeof(ver), "0x%02x", cfg.ioapic_version);
	import_checked_format(l->sum.checked, checked, sizeof(checked));
	const struct trace_kv kv[] = {
		{ "source", import_format_name(l->fmt) },
		{ "import.file", name },
		{ "import.tool", l->tool[0] ? l->tool : "unknown" },
		{ "import.events", l->events[0] ? l->events : "none" },
		{ "import.checked", checked },
		{ "import.lost", l->lost[0] ? l->lost : "nothing known" },
		{ "import.time", l->time },
		{ "cpus", cpus },
		{ "irqchip", "imported" },
		{ "ioapic.version", ver },
		{ "pic.imr_reset", "0x00" },
		{ "lint0", "broadcast" },
		{ "tool.version", "irqrr " IRQRR_VERSION },
	};
	iw.b = malloc(sizeof(*iw.b));
	if (!iw.b || board_init(iw.b, &cfg, null_sink, NULL) ||
	    !(iw.kf = malloc(board_state_size(iw.b)))) {
		snprintf(err, errlen, "out of memory");
		free(iw.b);
		return -1;
	}
	iw.w = trace_writer_open(path, kv, sizeof(kv) / sizeof(kv[0]), opts, err, errlen);
	int rc = iw.w ? 0 : -1;
	for (size_t i = 0; i < l->n && !rc; i++)
		rc = write_item(&iw, &l->items[i]);
	if (iw.w) {
		char cerr[300];
		if (trace_writer_close(iw.w, cerr, sizeof(cerr)) < 0)
			rc = -1, snprintf(err, errlen, "%s", cerr);
		else if (rc)
			snprintf(err, errlen, "%s: trace write failed", path);
	}
	free(iw.kf);
	free(iw.b);
	return rc;
}
