/* SPDX-License-Identifier: MIT */
/* Injected chip faults (fault.h, docs/faults.md). */
#include "fault.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "board.h"
#include "explain.h"

#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)

static const char *const kind_names[] = {
	[BOARD_FAULT_EOI_DROP] = "eoi-drop",
	[BOARD_FAULT_EDGE_LOSE] = "edge-lose",
	[BOARD_FAULT_PIT_STOP] = "pit-stop",
	[BOARD_FAULT_RTE_MASK] = "rte-mask",
};

const char *board_fault_kind_name(unsigned kind)
{
	return kind >= 1 && kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : NULL;
}

/* ---- the spec ---- */

/* Decimal digits up to `end`, no sign, no overflow. */
static bool parse_u64(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

static bool has_unit(const char *s, const char *end)
{
	return end > s && (end[-1] < '0' || end[-1] > '9');
}

/* N followed by ns, us, ms or s. */
static const char *parse_time(const char *s, const char *end, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t ul = strlen(units[i].unit);
		const char *num_end = end - ul;
		uint64_t n;
		if ((size_t)(end - s) <= ul || strncmp(num_end, units[i].unit, ul) ||
		    (num_end[-1] < '0' || num_end[-1] > '9'))
			continue;
		if (!parse_u64(s, num_end, &n) || n > UINT64_MAX / 2 / units[i].mul)
			return "time out of range";
		*ns = n * units[i].mul;
		return *ns ? NULL : "the time must be after 0";
	}
	return "expected a time with a unit (ns, us, ms or s)";
}

/* What one KEY=VALUE sets. */
static const char *parse_param(struct board_fault *f, const char *key, size_t klen, const char *v,
			       const char *end, bool *have_target)
{
	uint64_t n;
	if ((klen == 3 && !strncmp(key, "pin", 3)) || (klen == 4 && !strncmp(key, "line", 4))) {
		if (f->kind == BOARD_FAULT_PIT_STOP)
			return "pit-stop takes no pin or line";
		if (klen == 4 && f->kind != BOARD_FAULT_EDGE_LOSE)
			return "line= is for edge-lose; this fault takes pin=";
		if (*have_target)
			return "more than one pin= or line=";
		if (!parse_u64(v, end, &n) || n >= BOARD_GSIS)
			return klen == 3 ? "pin must be 0..23" : "line must be 0..23";
		f->target = (uint8_t)n;
		f->io_only = f->kind == BOARD_FAULT_EDGE_LOSE && klen == 3;
		*have_target = true;
		return NULL;
	}
	bool after = klen == 5 && !strncmp(key, "after", 5);
	if ((klen == 3 && !strncmp(key, "nth", 3)) || after) {
		if (after && f->kind != BOARD_FAULT_PIT_STOP)
			return "after= is for pit-stop; use nth=";
		if (after && has_unit(v, end))
			return "after= counts OUT0 ticks; for a time use at=";
		if (f->nth || f->at)
			return "more than one nth=, after= or at=";
		if (!parse_u64(v, end, &n) || n == 0)
			return "the count must be 1 or more";
		f->nth = n;
		return NULL;
	}
	if (klen == 2 && !strncmp(key, "at", 2)) {
		if (f->kind != BOARD_FAULT_PIT_STOP && f->kind != BOARD_FAULT_RTE_MASK)
			return "at= is for pit-stop and rte-mask; use nth=";
		if (f->nth || f->at)
			return "more than one nth=, after= or at=";
		return parse_time(v, end, &f->at);
	}
	return "unknown parameter (pin, line, nth, after, at)";
}

const char *board_fault_parse(const char *spec, struct board_fault *f)
{
	memset(f, 0, sizeof(*f));
	const char *colon = strchr(spec, ':');
	size_t klen = colon ? (size_t)(colon - spec) : strlen(spec);
	for (unsigned k = 1; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
		if (strlen(kind_names[k]) == klen && !strncmp(kind_names[k], spec, klen))
			f->kind = (uint8_t)k;
	if (!f->kind)
		return "unknown fault (eoi-drop, edge-lose, pit-stop, rte-mask)";
	bool have_target = false;
	for (const char *p = colon ? colon + 1 : spec + klen; colon && *p;) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (!eq)
			return "expected KEY=VALUE after the fault's name";
		const char *why = parse_param(f, p, (size_t)(eq - p), eq + 1, end, &have_target);
		if (why)
			return why;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return "trailing comma";
	}
	if (f->kind != BOARD_FAULT_PIT_STOP && !have_target)
		return f->kind == BOARD_FAULT_EDGE_LOSE ? "edge-lose needs line= or pin=" : "this fault needs pin=";
	if (!f->nth && !f->at) {
		if (f->kind == BOARD_FAULT_PIT_STOP || f->kind == BOARD_FAULT_RTE_MASK)
			return f->kind == BOARD_FAULT_PIT_STOP ? "pit-stop needs at=TIME or after=N"
							       : "rte-mask needs at=TIME or nth=N";
		f->nth = 1;
	}
	return NULL;
}

static size_t format_time(uint64_t ns, char *buf, size_t len)
{
	if (ns % 1000000000ull == 0)
		return (size_t)snprintf(buf, len, "%" PRIu64 "s", ns / (uint64_t)1000000000);
	if (ns % 1000000ull == 0)
		return (size_t)snprintf(buf, len, "%" PRIu64 "ms", ns / (uint64_t)1000000);
	if (ns % 1000ull == 0)
		return (size_t)snprintf(buf, len, "%" PRIu64 "us", ns / (uint64_t)1000);
	return (size_t)snprintf(buf, len, "%" PRIu64 "ns", ns);
}

size_t board_fault_format(const struct board_fault *f, char *buf, size_t len)
{
	const char *name = board_fault_kind_name(f->kind);
	char trig[32];
	if (!name)
		return (size_t)snprintf(buf, len, "none");
	if (f->nth)
		snprintf(trig, sizeof(trig), "%s=%" PRIu64, f->kind == BOARD_FAULT_PIT_STOP ? "after" : "nth", f->nth);
	else {
		memcpy(trig, "at=", 3);
		format_time(f->at, trig + 3, sizeof(trig) - 3);
	}
	if (f->kind == BOARD_FAULT_PIT_STOP)
		return (size_t)snprintf(buf, len, "%s:%s", name, trig);
	const char *key = f->kind == BOARD_FAULT_EDGE_LOSE && !f->io_only ? "line" : "pin";
	return (size_t)snprintf(buf, len, "%s:%s=%u,%s", name, key, f->target, trig);
}

size_t board_fault_describe(const struct board_fault *f, char *buf, size_t len)
{
	char spec[BOARD_FAULT_SPEC_MAX];
	board_fault_format(f, spec, sizeof(spec));
	if (!f->fired)
		return (size_t)snprintf(buf, len, "--fault %s: not fired (%" PRIu64 " of %" PRIu64 " seen)", spec,
					f->count, f->nth);
	switch (f->kind) {
	case BOARD_FAULT_EOI_DROP:
		return (size_t)snprintf(buf, len, "--fault %s: EOI #%" PRIu64 " (vector 0x%02x) of pin %u dropped at t=%" PRIu64 " ns",
					spec, f->nth, f->vector, f->target, f->fired_t);
	case BOARD_FAULT_EDGE_LOSE:
		return (size_t)snprintf(buf, len, "--fault %s: rising edge #%" PRIu64 " of %s %u lost at t=%" PRIu64 " ns",
					spec, f->nth, f->io_only ? "IOAPIC pin" : "line", f->target, f->fired_t);
	case BOARD_FAULT_PIT_STOP:
		return (size_t)snprintf(buf, len, "--fault %s: PIT channel 0 stopped at t=%" PRIu64 " ns", spec, f->fired_t);
	default:
		return (size_t)snprintf(buf, len, "--fault %s: IOAPIC pin %u masked behind the guest's back at t=%" PRIu64 " ns",
					spec, f->target, f->fired_t);
	}
}

/* ---- the board's faults ---- */

static const char *fault_check(const struct board_fault *f)
{
	if (!board_fault_kind_name(f->kind) || f->target >= BOARD_GSIS)
		return "bad fault";
	if (f->io_only > 1 || f->fired > 1 || f->held > 1 || f->last > 1 || f->pad)
		return "bad fault flag";
	if ((f->io_only && f->kind != BOARD_FAULT_EDGE_LOSE) || (f->held && !f->fired))
		return "bad fault flag";
	if (!f->nth && (!f->at || (f->kind != BOARD_FAULT_PIT_STOP && f->kind != BOARD_FAULT_RTE_MASK)))
		return "bad fault trigger";
	if (f->nth && (f->at || f->count > f->nth))
		return "bad fault trigger";
	return NULL;
}

static void hide_update(struct board_faults *fs)
{
	fs->hide_pic = fs->hide_io = 0;
	for (unsigned i = 0; i < fs->n; i++) {
		const struct board_fault *f = &fs->f[i];
		if (f->kind != BOARD_FAULT_EDGE_LOSE || !f->held)
			continue;
		unsigned line = f->io_only && f->target == 2 ? 0 : f->target;
		fs->hide_io |= 1u << line;
		if (!f->io_only)
			fs->hide_pic |= 1u << line;
	}
}

int board_add_fault(struct board *b, const struct board_fault *f)
{
	struct board_faults *fs = &b->s.faults;
	if (fs->n == BOARD_FAULTS_MAX || fault_check(f))
		return -1;
	fs->f[fs->n] = *f;
	fs->f[fs->n].last = board_line_level(b, f->io_only && f->target == 2 ? 0 : f->target);
	fs->n++;
	return 0;
}

unsigned board_fault_count(const struct board *b)
{
	return b->s.faults.n;
}

const struct board_fault *board_fault_at(const struct board *b, unsigned i)
{
	return i < b->s.faults.n ? &b->s.faults.f[i] : NULL;
}

unsigned board_faults_fired(const struct board *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < b->s.faults.n; i++)
		n += b->s.faults.f[i].fired;
	return n;
}

static void fire(struct board *b, struct board_fault *f)
{
	f->fired = 1;
	f->fired_t = b->s.now;
}

/* One more occurrence of f: true when it is the one to act on. */
static bool occurs(struct board_fault *f)
{
	if (f->fired || !f->nth)
		return false;
	f->count++;
	return f->count == f->nth;
}

/* ---- hook points ---- */

unsigned board_fault_ioapic_eoi(struct board *b, uint8_t vector, struct apic_msg *out)
{
	struct board_faults *fs = &b->s.faults;
	uint32_t drop = 0;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		uint64_t rte = b->s.ioapic.rte[f->target];
		if (f->kind != BOARD_FAULT_EOI_DROP || !(rte & RTE_REMOTE_IRR) || (uint8_t)rte != vector)
			continue;
		if (occurs(f)) {
			fire(b, f);
			f->vector = vector;
			f->held = 1;
			drop |= 1u << f->target;
		}
	}
	/* the EOI does not reach the dropped pins: they keep Remote IRR */
	for (uint32_t d = drop; d; d &= d - 1)
		b->s.ioapic.rte[__builtin_ctz(d)] &= ~RTE_REMOTE_IRR;
	unsigned n = ioapic_eoi(&b->s.ioapic, vector, out);
	for (uint32_t d = drop; d; d &= d - 1)
		b->s.ioapic.rte[__builtin_ctz(d)] |= RTE_REMOTE_IRR;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		if (f->kind == BOARD_FAULT_EOI_DROP && f->held && !(b->s.ioapic.rte[f->target] & RTE_REMOTE_IRR))
			f->held = 0; /* a later EOI reached it */
	}
	return n;
}

void board_fault_line(struct board *b, unsigned n)
{
	struct board_faults *fs = &b->s.faults;
	bool changed = false;
	unsigned level = board_line_level(b, n);
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		unsigned line = f->io_only && f->target == 2 ? 0 : f->target;
		if (f->kind != BOARD_FAULT_EDGE_LOSE || line != n || f->last == level)
			continue;
		f->last = (uint8_t)level;
		if (level && occurs(f)) {
			fire(b, f);
			f->held = 1;
			changed = true;
		} else if (!level && f->held) {
			f->held = 0;
			changed = true;
		}
	}
	if (changed)
		hide_update(fs);
}

/* GATE low on channel 0 (8254 DS: counting stops; OUT goes high in modes
 * 2 and 3, holds in modes 0 and 4). Returns true: the PIT changed. */
static bool pit_stop(struct board *b, struct board_fault *f)
{
	fire(b, f);
	f->held = 1;
	pit_stop_ch0(&b->s.pit, b->s.now);
	return true;
}

/* Masks the entry; a fault that finds it masked already changes nothing
 * and holds nothing (explain does not name it). */
static void rte_mask(struct board *b, struct board_fault *f)
{
	fire(b, f);
	if (b->s.ioapic.rte[f->target] & RTE_MASKED)
		return;
	f->held = 1;
	b->s.ioapic.rte[f->target] |= RTE_MASKED;
	b->hist.rte_masked[f->target] = b->last_num;
	b->hist.io_dirty |= 1u << f->target;
}

bool board_fault_pit_tick_stops(struct board *b)
{
	struct board_faults *fs = &b->s.faults;
	bool stop = false;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		if (f->kind == BOARD_FAULT_PIT_STOP && occurs(f))
			stop |= pit_stop(b, f);
	}
	return stop;
}

void board_fault_rte_written(struct board *b, unsigned pin)
{
	struct board_faults *fs = &b->s.faults;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		if (f->kind == BOARD_FAULT_RTE_MASK && f->target == pin)
			f->held = 0;
	}
}

void board_fault_message(struct board *b, const struct apic_msg *m)
{
	struct board_faults *fs = &b->s.faults;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		if (f->kind == BOARD_FAULT_RTE_MASK && f->target == m->pin && occurs(f))
			rte_mask(b, f);
	}
}

uint64_t board_fault_next(const struct board *b)
{
	uint64_t t = UINT64_MAX;
	for (unsigned i = 0; i < b->s.faults.n; i++) {
		const struct board_fault *f = &b->s.faults.f[i];
		if (!f->fired && !f->nth && f->at < t)
			t = f->at;
	}
	return t;
}

bool board_fault_timed_stops(struct board *b)
{
	struct board_faults *fs = &b->s.faults;
	bool stop = false;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		if (f->fired || f->nth || f->at > b->s.now)
			continue;
		if (f->kind == BOARD_FAULT_PIT_STOP)
			stop |= pit_stop(b, f);
		else
			rte_mask(b, f);
	}
	return stop;
}

void board_fault_after_reset(struct board *b)
{
	struct board_faults *fs = &b->s.faults;
	for (unsigned i = 0; i < fs->n; i++) {
		struct board_fault *f = &fs->f[i];
		if (f->kind == BOARD_FAULT_PIT_STOP && f->fired)
			pit_stop_ch0(&b->s.pit, b->s.now);
		if (f->kind != BOARD_FAULT_PIT_STOP && f->kind != BOARD_FAULT_EDGE_LOSE)
			f->held = 0; /* the reset cleared remote IRR and masked every entry itself */
	}
}

void board_faults_serialize(struct board_faults *fs, struct ser *s, uint16_t version)
{
	if (s->load)
		fs->v5 = version < 6;
	ser_u8(s, &fs->n);
	if (s->load && fs->n > BOARD_FAULTS_MAX) {
		ser_invalid(s, "too many faults");
		return;
	}
	for (unsigned i = 0; i < fs->n && !s->err; i++) {
		struct board_fault *f = &fs->f[i];
		ser_u8(s, &f->kind);
		ser_u8(s, &f->target);
		ser_u8(s, &f->io_only);
		ser_u8(s, &f->fired);
		ser_u8(s, &f->held);
		ser_u8(s, &f->last);
		ser_u8(s, &f->vector);
		ser_u64(s, &f->nth);
		ser_u64(s, &f->at);
		ser_u64(s, &f->count);
		ser_u64(s, &f->fired_t);
		if (s->load && !s->err && fault_check(f))
			ser_invalid(s, fault_check(f));
	}
	if (s->load)
		hide_update(fs);
}

void board_faults_follow(const struct board *b, struct board *kf)
{
	struct board_faults *k = &kf->s.faults;
	const struct board_faults *m = &b->s.faults;
	if (!k->v5 || k->n != m->n)
		return;
	for (unsigned i = 0; i < k->n; i++)
		if (k->f[i].kind == BOARD_FAULT_RTE_MASK && m->f[i].kind == BOARD_FAULT_RTE_MASK)
			k->f[i].held = m->f[i].held;
}

/* ---- explanation ---- */

static bool explain_one(const struct board *b, const struct board_fault *f, unsigned line, struct board_why *w)
{
	char spec[BOARD_FAULT_SPEC_MAX];
	unsigned pin = board_line_pin(line);
	board_fault_format(f, spec, sizeof(spec));
	if (!f->fired || !f->held)
		return false;
	uint64_t rte = b->s.ioapic.rte[pin];
	switch (f->kind) {
	case BOARD_FAULT_EOI_DROP:
		if (f->target != pin || line == 2 || !(rte & RTE_REMOTE_IRR) || !(rte & RTE_LEVEL))
			return false;
		snprintf(w->text, sizeof(w->text),
			 "line %u: remote IRR of IOAPIC pin %u stuck since EOI #%" PRIu64 " (vector 0x%02x) was dropped"
			 " at t=%" PRIu64 " ns by --fault %s", line, pin, f->nth, f->vector, f->fired_t, spec);
		return true;
	case BOARD_FAULT_RTE_MASK:
		if (f->target != pin || line == 2 || !(rte & RTE_MASKED))
			return false;
		snprintf(w->text, sizeof(w->text),
			 "line %u: IOAPIC pin %u masked behind the guest's back at t=%" PRIu64 " ns by --fault %s",
			 line, pin, f->fired_t, spec);
		return true;
	case BOARD_FAULT_EDGE_LOSE: {
		unsigned fl = f->io_only && f->target == 2 ? 0 : f->target;
		if (fl != line || !board_line_level(b, line))
			return false;
		if (!w->pending) {
			w->pending = true;
			w->cause = BOARD_CAUSE_UNDELIVERED;
			w->since = w->request = BOARD_NO_EVENT;
		}
		snprintf(w->text, sizeof(w->text),
			 "line %u: asserted since t=%" PRIu64 " ns, but that rising edge (#%" PRIu64 ") was lost by"
			 " --fault %s: %s never saw it", line, f->fired_t, f->nth, spec,
			 f->io_only ? "the IOAPIC" : "the chips");
		return true;
	}
	default:
		return false;
	}
}

bool board_fault_explain(const struct board *b, unsigned line, struct board_why *w)
{
	for (unsigned i = 0; i < b->s.faults.n; i++)
		if (explain_one(b, &b->s.faults.f[i], line, w)) {
			w->fault = (int)i;
			break;
		}
	return w->pending;
}
