/* SPDX-License-Identifier: MIT */
/*
 * `irqrr export --perfetto OUT.pftrace`: a trace as Perfetto's protobuf
 * TrackEvent format, written while the trace is read, chunk by chunk.
 *
 * The file is a `Trace`: repeated field 1, one length-delimited TracePacket
 * per event, all on one packet sequence. Small output comes from three
 * things Perfetto's format offers: event names interned once per sequence
 * (InternedData.event_names, referenced by name_iid), timestamps as deltas
 * on a sequence-scoped incremental clock (ClockSnapshot clock 64), and
 * small track uuids for the busy tracks. Memory is bounded: one packet is
 * built at a time into a fixed buffer, the intern table has a fixed size
 * (names past it are written in full), track descriptors are remembered in
 * a bitmap. Field numbers, layout and rules: docs/timeline.md; the subset
 * of the schema written here: docs/perfetto-subset.proto.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

/* ------------------------------------------------- field numbers (wire) */

enum {
	WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2,

	TRACE_PACKET = 1,

	TP_CLOCK_SNAPSHOT = 6, TP_TIMESTAMP = 8, TP_SEQ_ID = 10, TP_TRACK_EVENT = 11,
	TP_INTERNED_DATA = 12, TP_SEQUENCE_FLAGS = 13, TP_PREVIOUS_PACKET_DROPPED = 42,
	TP_TIMESTAMP_CLOCK_ID = 58, TP_DEFAULTS = 59, TP_TRACK_DESCRIPTOR = 60,
	TP_FIRST_PACKET_ON_SEQUENCE = 87,

	DEFAULTS_TIMESTAMP_CLOCK_ID = 58,

	CS_CLOCKS = 1, CLOCK_ID = 1, CLOCK_TIMESTAMP = 2, CLOCK_INCREMENTAL = 3,

	TE_DEBUG_ANNOTATIONS = 4, TE_TYPE = 9, TE_NAME_IID = 10, TE_TRACK_UUID = 11,
	TE_NAME = 23, TE_COUNTER_VALUE = 30, TE_FLOW_IDS = 47, TE_TERMINATING_FLOW_IDS = 48,
	TYPE_INSTANT = 3, TYPE_COUNTER = 4,

	TD_UUID = 1, TD_NAME = 2, TD_PARENT_UUID = 5, TD_COUNTER = 8,

	DA_NAME_IID = 1, DA_UINT = 3, DA_INT = 4, DA_STRING = 6,

	ID_EVENT_NAMES = 2, ID_DEBUG_ANNOTATION_NAMES = 3, EN_IID = 1, EN_NAME = 2,

	SEQ_INCREMENTAL_STATE_CLEARED = 1, SEQ_NEEDS_INCREMENTAL_STATE = 2,
	SEQUENCE_ID = 1,
	CLOCK_BOOTTIME = 6,  /* a builtin clock: the trace's absolute time base */
	CLOCK_DELTA = 64,    /* ours: sequence-scoped, incremental */
};

/* ------------------------------------------------------- the encoder */

/* A message being built: bytes into a fixed buffer. What one packet holds
 * is bounded by construction (names and texts are cut, PKT_MAX is several
 * times the largest), so running out cannot happen; the checks only keep a
 * mistake from writing past the buffer. */
struct pb {
	uint8_t *p, *end;
};

/* The per-field helpers are a few instructions each; left out of line
 * (as LTO chose) they cost 18 % more instructions per event (callgrind). */
#define PB_INLINE static inline __attribute__((always_inline))

PB_INLINE void pb_varint(struct pb *b, uint64_t v)
{
	if (v < 0x80 && b->p < b->end) {
		*b->p++ = (uint8_t)v;
		return;
	}
	if (b->end - b->p < 10) {
		b->p = b->end;
		return;
	}
	while (v >= 0x80) {
		*b->p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*b->p++ = (uint8_t)v;
}

PB_INLINE void pb_tag(struct pb *b, unsigned field, unsigned wt)
{
	pb_varint(b, (uint64_t)field << 3 | wt);
}

PB_INLINE void pb_uint(struct pb *b, unsigned field, uint64_t v)
{
	pb_tag(b, field, WT_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, unsigned field, const void *s, size_t n)
{
	pb_tag(b, field, WT_LEN);
	pb_varint(b, n);
	if ((size_t)(b->end - b->p) < n) {
		b->p = b->end;
		return;
	}
	memcpy(b->p, s, n);
	b->p += n;
}

static void pb_str(struct pb *b, unsigned field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

static void pb_fixed64(struct pb *b, unsigned field, uint64_t v)
{
	pb_tag(b, field, WT_FIXED64);
	if (b->end - b->p < 8) {
		b->p = b->end;
		return;
	}
	for (int i = 0; i < 8; i++)
		*b->p++ = (uint8_t)(v >> (8 * i));
}

/* A nested message (or a whole packet): open() leaves one byte for the
 * length, close() writes it; a body of 128 bytes or more (rare: console
 * lines, annotations) needs two and moves up by one. Nothing here is
 * 16 KiB long. */
struct pb_mark {
	uint8_t *len_at;
};

PB_INLINE struct pb_mark pb_open(struct pb *b, unsigned field)
{
	pb_tag(b, field, WT_LEN);
	struct pb_mark m = { b->p };
	b->p = b->p < b->end ? b->p + 1 : b->end;
	return m;
}

PB_INLINE void pb_close(struct pb *b, struct pb_mark m)
{
	size_t n = (size_t)(b->p - (m.len_at + 1));
	if (n < 0x80) {
		m.len_at[0] = (uint8_t)n;
		return;
	}
	if (b->p >= b->end) {
		m.len_at[0] = 0; /* cannot happen (see struct pb); keep the frame sane */
		b->p = m.len_at + 1;
		return;
	}
	memmove(m.len_at + 2, m.len_at + 1, n);
	m.len_at[0] = (uint8_t)(n | 0x80);
	m.len_at[1] = (uint8_t)(n >> 7);
	b->p++;
}

/* ---------------------------------------------------------- the export */

#define PKT_MAX 8192          /* room for one packet, built in place in out[] */
#define OUT_BUF (1 << 17)     /* written out when less than PKT_MAX is left */
#define INTERN_SLOTS 16384    /* open addressing; names past 3/4 are not interned */
#define INTERN_MAX (INTERN_SLOTS / 4 * 3)
#define CONSOLE_LINE 240
#define TEXT_MAX 1024         /* marks and console input are cut here */

/* Track uuids: the busy ones (wires, vCPUs 0..46) below 128, one varint byte. */
enum {
	U_LINES = 1, U_CPUS = 2, U_VECTORS = 3, U_EDGES = 4, U_BOARD = 5, U_IO = 6,
	U_DEADLINE = 7,
	U_WIRE = 16,    /* + wire id (0..63) */
	U_CPU = 80,     /* + cpu (0..255) */
	U_GSI = 400,    /* + gsi */
	U_EDGE = 700,   /* + apic_msg pin (0..255) */
	U_VECTOR = 1000, /* + vector */
	U_MAX = 1256,
};

/* Intern keys: the kind of name in the top byte, its fields below; never 0. */
enum {
	K_INTACK = 1, K_EOI, K_LINT, K_LVT, K_MSG, K_RECV, K_MSI, K_KVM_EXIT, K_PIO, K_FIXED,
	K_RISE,
};
#define KEY(k, v) ((uint64_t)(k) << 56 | (v))
enum { F_CONSOLE = 1, F_MARK, F_CONSOLE_IN, F_RESET, F_GUEST_EXIT };

/* Debug annotation names, interned too (their own iids: these numbers). */
enum { A_DEST = 1, A_DESTMODE, A_PIN, A_EVENT, A_TARGETS, A_TEXT, A_COUNT, A_REASON, A_STATUS,
       A_COUNT_OF };
static const char *const ann_names[A_COUNT_OF] = {
	"", "dest", "destmode", "pin", "event", "targets", "text", "count", "reason", "status",
};
#define ANN(a) (1u << (a))

struct console_buf {
	uint64_t t;
	size_t len;
	char text[CONSOLE_LINE];
};

struct intern_slot {
	uint64_t key;
	uint32_t iid;
};

struct pftrace {
	FILE *f;
	const struct export_opts *o;
	unsigned ncpus;
	uint64_t last_t;       /* the incremental clock's value */
	uint64_t t0;
	uint64_t next_flow;
	uint64_t packets;
	uint32_t interned;
	uint32_t ann_interned; /* ANN() bits of the annotation names written */
	bool write_failed;
	struct window_levels lv;
	uint32_t gsi_named;
	uint64_t pending_rise[256]; /* per message pin: t+1 of a rise no message took yet */
	uint64_t tracks[(U_MAX + 63) / 64];
	size_t out_len;
	struct pb_mark packet;  /* the open packet's length */
	uint8_t out[OUT_BUF];
	struct intern_slot intern[INTERN_SLOTS];
	struct console_buf console[256];
};

static void out_flush(struct pftrace *p)
{
	if (p->out_len && fwrite(p->out, 1, p->out_len, p->f) != p->out_len)
		p->write_failed = true;
	p->out_len = 0;
}

/* Packet building: begin, fields, end. A packet is built where it goes in
 * the output buffer, framed as Trace.packet (field 1). */
static struct pb packet_begin(struct pftrace *p)
{
	if (OUT_BUF - p->out_len < PKT_MAX)
		out_flush(p);
	struct pb b = { p->out + p->out_len, p->out + p->out_len + PKT_MAX };
	p->packet = pb_open(&b, TRACE_PACKET);
	pb_uint(&b, TP_SEQ_ID, SEQUENCE_ID);
	return b;
}

static void packet_end(struct pftrace *p, struct pb *b)
{
	pb_close(b, p->packet);
	p->out_len = (size_t)(b->p - p->out);
	p->packets++;
}

/* The packet's time: a delta on our incremental clock, or (for the rare
 * packet that goes back in time: a console line stamped with its first
 * byte) an absolute time on the base clock, which leaves the delta clock
 * where it was. */
static void packet_time(struct pftrace *p, struct pb *b, uint64_t t)
{
	if (t >= p->last_t) {
		pb_uint(b, TP_TIMESTAMP, t - p->last_t);
		p->last_t = t;
	} else {
		pb_uint(b, TP_TIMESTAMP, t);
		pb_uint(b, TP_TIMESTAMP_CLOCK_ID, CLOCK_BOOTTIME);
	}
}

/* The first packet: starts the sequence and clears its incremental state
 * (as Perfetto's synthetic-trace example does), makes clock 64
 * (incremental, from 0) the default and ties it to the base clock. */
static void sequence_start(struct pftrace *p)
{
	struct pb b = packet_begin(p);
	pb_uint(&b, TP_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	pb_uint(&b, TP_FIRST_PACKET_ON_SEQUENCE, 1);
	pb_uint(&b, TP_PREVIOUS_PACKET_DROPPED, 1);
	struct pb_mark d = pb_open(&b, TP_DEFAULTS);
	pb_uint(&b, DEFAULTS_TIMESTAMP_CLOCK_ID, CLOCK_DELTA);
	pb_close(&b, d);
	struct pb_mark cs = pb_open(&b, TP_CLOCK_SNAPSHOT);
	struct pb_mark c = pb_open(&b, CS_CLOCKS);
	pb_uint(&b, CLOCK_ID, CLOCK_DELTA);
	pb_uint(&b, CLOCK_TIMESTAMP, 0);
	pb_uint(&b, CLOCK_INCREMENTAL, 1);
	pb_close(&b, c);
	c = pb_open(&b, CS_CLOCKS);
	pb_uint(&b, CLOCK_ID, CLOCK_BOOTTIME);
	pb_uint(&b, CLOCK_TIMESTAMP, 0);
	pb_close(&b, c);
	pb_close(&b, cs);
	pb_uint(&b, TP_TIMESTAMP, 0);
	pb_uint(&b, TP_TIMESTAMP_CLOCK_ID, CLOCK_BOOTTIME);
	packet_end(p, &b);
}

/* --------------------------------------------------------------- tracks */

static void track_name(unsigned uuid, char *name, size_t n, unsigned *parent, bool *counter)
{
	static const char *const groups[] = { "", "lines and wires", "vCPUs", "vectors",
					      "line edges", "board", "chip I/O",
					      "next deadline (ns ahead)" };
	*parent = 0;
	*counter = false;
	if (uuid < U_WIRE) {
		snprintf(name, n, "%s", groups[uuid]);
		*parent = uuid == U_DEADLINE ? U_LINES : 0;
		*counter = uuid == U_DEADLINE;
	} else if (uuid < U_CPU) {
		unsigned id = uuid - U_WIRE;
		const char *wn = board_wire_name(id);
		if (id == WIRE_IRQ0)
			snprintf(name, n, "irq0 (PIT OUT0)");
		else if (wn)
			snprintf(name, n, "%s", wn);
		else
			snprintf(name, n, "wire %u", id);
		*parent = U_LINES;
		*counter = true;
	} else if (uuid < U_GSI) {
		snprintf(name, n, "vCPU %u", uuid - U_CPU);
		*parent = U_CPUS;
	} else if (uuid < U_EDGE) {
		snprintf(name, n, "GSI %u", uuid - U_GSI);
		*parent = U_LINES;
		*counter = true;
	} else if (uuid < U_VECTOR) {
		unsigned pin = uuid - U_EDGE;
		if (pin >= APIC_MSG_PIN_HPET)
			snprintf(name, n, "hpet.t%u edges", pin - APIC_MSG_PIN_HPET);
		else
			snprintf(name, n, "GSI %u edges", pin);
		*parent = U_EDGES;
	} else {
		snprintf(name, n, "vector 0x%02x", uuid - U_VECTOR);
		*parent = U_VECTORS;
	}
}

/* The track's uuid, its TrackDescriptor written first when new. */
static unsigned track(struct pftrace *p, unsigned uuid)
{
	if (p->tracks[uuid / 64] & (1ull << (uuid % 64)))
		return uuid;
	p->tracks[uuid / 64] |= 1ull << (uuid % 64);
	char name[48];
	unsigned parent;
	bool counter;
	track_name(uuid, name, sizeof(name), &parent, &counter);
	if (parent)
		track(p, parent);
	struct pb b = packet_begin(p);
	struct pb_mark td = pb_open(&b, TP_TRACK_DESCRIPTOR);
	pb_uint(&b, TD_UUID, uuid);
	pb_str(&b, TD_NAME, name);
	if (parent)
		pb_uint(&b, TD_PARENT_UUID, parent);
	if (counter) {
		struct pb_mark c = pb_open(&b, TD_COUNTER);
		pb_close(&b, c);
	}
	pb_close(&b, td);
	packet_end(p, &b);
	return uuid;
}

/* --------------------------------------------------------------- names */

static void name_text(uint64_t key, char *s, size_t n)
{
	static const char *const fixed[] = { "?", "console", "mark", "console in", "board reset",
					     "guest exit" };
	static const char *const msi[] = { "delivered", "not delivered", "error", "unknown" };
	unsigned k = (unsigned)(key >> 56);
	uint64_t v = key & ((1ull << 56) - 1);
	switch (k) {
	case K_INTACK: snprintf(s, n, "INTACK 0x%02x", (unsigned)v); break;
	case K_EOI: snprintf(s, n, "EOI 0x%02x", (unsigned)v); break;
	case K_LINT: {
		unsigned pin = v >> 24 & 1, mode = v >> 16 & 0xff, level = v >> 8 & 0xff;
		const char *pn = pin ? "LINT1" : "LINT0";
		if (mode == LINT_NMI)
			snprintf(s, n, "%s NMI", pn);
		else if (mode == LINT_EXTINT)
			snprintf(s, n, "%s ExtINT %s", pn, level ? "request" : "withdrawn");
		else if (mode == LINT_FIXED)
			snprintf(s, n, "%s fixed 0x%02x level=%u", pn, (unsigned)(v & 0xff), level);
		else
			snprintf(s, n, "%s %s level=%u", pn, apic_delivery_name(mode), level);
		break;
	}
	case K_LVT:
		snprintf(s, n, "LVT%u = 0x%05x (%s)", (unsigned)(v >> 32), (unsigned)(v & 0xffffffff),
			 export_lvt_mode_name((uint32_t)v));
		break;
	case K_MSG:
		snprintf(s, n, "apic 0x%02x %s %s", (unsigned)(v & 0xff),
			 apic_delivery_name(v >> 8 & 0xff), v >> 16 & 1 ? "level" : "edge");
		break;
	case K_RECV:
		snprintf(s, n, "APIC msg 0x%02x %s", (unsigned)(v & 0xff),
			 apic_delivery_name(v >> 8 & 0xff));
		break;
	case K_MSI:
		snprintf(s, n, "msi 0x%02x %s", (unsigned)(v & 0xff), msi[v >> 8 < 3 ? v >> 8 : 3]);
		break;
	case K_KVM_EXIT: snprintf(s, n, "KVM exit %u", (unsigned)v); break;
	case K_PIO:
		if (v >> 24)
			snprintf(s, n, "in 0x%02x = 0x%02x", (unsigned)(v >> 8 & 0xffff),
				 (unsigned)(v & 0xff));
		else
			snprintf(s, n, "out 0x%02x 0x%02x", (unsigned)(v >> 8 & 0xffff),
				 (unsigned)(v & 0xff));
		break;
	case K_RISE:
		if (v >= APIC_MSG_PIN_HPET)
			snprintf(s, n, "hpet.t%u rise", (unsigned)v - APIC_MSG_PIN_HPET);
		else
			snprintf(s, n, "GSI %u rise", (unsigned)v);
		break;
	default: snprintf(s, n, "%s", fixed[v <= F_GUEST_EXIT ? v : 0]); break;
	}
}

/* name_iid for key; *is_new when this event introduces it; 0 when the
 * table is full (the caller writes the name out). */
static uint32_t intern(struct pftrace *p, uint64_t key, bool *is_new)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 50) & (INTERN_SLOTS - 1);
	*is_new = false;
	while (p->intern[i].key) {
		if (p->intern[i].key == key)
			return p->intern[i].iid;
		i = (i + 1) & (INTERN_SLOTS - 1);
	}
	if (p->interned >= INTERN_MAX)
		return 0;
	p->intern[i].key = key;
	p->intern[i].iid = ++p->interned;
	*is_new = true;
	return p->intern[i].iid;
}

/* The packet's one InternedData (a second one would replace the first in
 * Perfetto's decoder): the event's new name and new annotation names. */
static void interned_data(struct pftrace *p, struct pb *b, uint64_t key, uint32_t iid,
			  unsigned new_anns)
{
	struct pb_mark id = pb_open(b, TP_INTERNED_DATA);
	if (iid) {
		char name[96];
		name_text(key, name, sizeof(name));
		struct pb_mark en = pb_open(b, ID_EVENT_NAMES);
		pb_uint(b, EN_IID, iid);
		pb_str(b, EN_NAME, name);
		pb_close(b, en);
	}
	for (unsigned a = 1; a < A_COUNT_OF; a++) {
		if (!(new_anns & ANN(a)))
			continue;
		struct pb_mark an = pb_open(b, ID_DEBUG_ANNOTATION_NAMES);
		pb_uint(b, EN_IID, a);
		pb_str(b, EN_NAME, ann_names[a]);
		pb_close(b, an);
	}
	pb_close(b, id);
	p->ann_interned |= new_anns;
}

/* --------------------------------------------------------------- events */

/* Opens a TrackEvent of type on track at t named by key; the caller adds
 * fields and calls event_end. */
struct event {
	struct pb b;
	struct pb_mark te;
};

static void event_begin(struct pftrace *p, struct event *e, uint64_t t, unsigned type,
			unsigned uuid, uint64_t key, unsigned anns)
{
	bool is_new = false;
	track(p, uuid);
	e->b = packet_begin(p);
	packet_time(p, &e->b, t);
	uint32_t iid = key ? intern(p, key, &is_new) : 0;
	unsigned new_anns = anns & ~p->ann_interned;
	if (is_new || new_anns)
		interned_data(p, &e->b, key, is_new ? iid : 0, new_anns);
	if (iid || anns) /* it refers to the sequence's interned names */
		pb_uint(&e->b, TP_SEQUENCE_FLAGS, SEQ_NEEDS_INCREMENTAL_STATE);
	e->te = pb_open(&e->b, TP_TRACK_EVENT);
	pb_uint(&e->b, TE_TYPE, type);
	pb_uint(&e->b, TE_TRACK_UUID, uuid);
	if (iid) {
		pb_uint(&e->b, TE_NAME_IID, iid);
	} else if (key) {
		char name[96];
		name_text(key, name, sizeof(name));
		pb_str(&e->b, TE_NAME, name);
	}
}

static void event_end(struct pftrace *p, struct event *e)
{
	pb_close(&e->b, e->te);
	packet_end(p, &e->b);
}

static void instant(struct pftrace *p, uint64_t t, unsigned uuid, uint64_t key)
{
	struct event e;
	event_begin(p, &e, t, TYPE_INSTANT, uuid, key, 0);
	event_end(p, &e);
}

static void counter(struct pftrace *p, uint64_t t, unsigned uuid, int64_t value)
{
	struct event e;
	event_begin(p, &e, t, TYPE_COUNTER, uuid, 0, 0);
	pb_uint(&e.b, TE_COUNTER_VALUE, (uint64_t)value);
	event_end(p, &e);
}

/* Annotations: the event_begin that opened the event named them in anns. */
static void ann_uint(struct pb *b, unsigned name, uint64_t v)
{
	struct pb_mark m = pb_open(b, TE_DEBUG_ANNOTATIONS);
	pb_uint(b, DA_NAME_IID, name);
	pb_uint(b, DA_UINT, v);
	pb_close(b, m);
}

static void ann_int(struct pb *b, unsigned name, int64_t v)
{
	struct pb_mark m = pb_open(b, TE_DEBUG_ANNOTATIONS);
	pb_uint(b, DA_NAME_IID, name);
	pb_uint(b, DA_INT, (uint64_t)v);
	pb_close(b, m);
}

static void ann_text(struct pb *b, unsigned name, const char *s, size_t n)
{
	struct pb_mark m = pb_open(b, TE_DEBUG_ANNOTATIONS);
	pb_uint(b, DA_NAME_IID, name);
	pb_bytes(b, DA_STRING, s, n);
	pb_close(b, m);
}

/* Text from a trace for a string field: valid UTF-8 is not checked by the
 * trace format, so bytes outside printable ASCII become '?'. */
static size_t clean_text(char *dst, const uint8_t *src, size_t n)
{
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : src[i] == '\n' ? '\n' : '?';
	return n;
}

static void deadline_counter(struct pftrace *p, uint64_t t, uint64_t deadline)
{
	counter(p, t, U_DEADLINE, deadline == UINT64_MAX || deadline < t ? 0 : (int64_t)(deadline - t));
}

static void gsi_counter(struct pftrace *p, unsigned gsi, uint64_t t, unsigned level)
{
	if (!(p->gsi_named & (1u << gsi))) {
		p->gsi_named |= 1u << gsi;
		if (t != p->t0) /* the level the line had when the window opened */
			counter(p, p->t0, U_GSI + gsi, (p->lv.lines >> gsi) & 1);
	}
	counter(p, t, U_GSI + gsi, level);
}

static void window_start(void *ctx, const struct window_levels *lv, uint64_t t)
{
	struct pftrace *p = ctx;
	p->lv = *lv;
	p->t0 = t;
	counter(p, t, U_WIRE + WIRE_IRQ0, lv->irq0);
	counter(p, t, U_WIRE + WIRE_PIC_INT, lv->pic_int);
	deadline_counter(p, t, lv->deadline);
	for (unsigned g = 0; g < BOARD_GSIS; g++)
		if (lv->lines & (1u << g))
			gsi_counter(p, g, t, 1);
}

/* A message from pin: an instant on its vector's track (its fields as
 * annotations); a flow from the edge that caused it, when that line rose
 * since the pin's last message; a flow to a receipt on each target vCPU. */
static void apic_message(struct pftrace *p, const struct trace_record *rec)
{
	const struct apic_msg *m = &rec->ev.u.apic;
	uint64_t targets = export_msg_targets(m, p->ncpus);
	uint64_t from = 0;
	if (p->pending_rise[m->pin]) {
		from = ++p->next_flow;
		struct event r;
		event_begin(p, &r, p->pending_rise[m->pin] - 1, TYPE_INSTANT, U_EDGE + m->pin,
			    KEY(K_RISE, m->pin), 0);
		pb_fixed64(&r.b, TE_FLOW_IDS, from);
		event_end(p, &r);
		p->pending_rise[m->pin] = 0;
	}
	uint64_t first = p->next_flow + 1;
	struct event e;
	event_begin(p, &e, rec->t, TYPE_INSTANT, U_VECTOR + m->vector,
		    KEY(K_MSG, (uint64_t)m->trigger << 16 | (uint64_t)m->delivery << 8 | m->vector),
		    ANN(A_DEST) | ANN(A_DESTMODE) | ANN(A_PIN) | ANN(A_EVENT) | ANN(A_TARGETS));
	ann_uint(&e.b, A_DEST, m->dest);
	ann_text(&e.b, A_DESTMODE, m->destmode ? "logical" : "physical", m->destmode ? 7 : 8);
	ann_uint(&e.b, A_PIN, m->pin);
	ann_uint(&e.b, A_EVENT, rec->num);
	ann_uint(&e.b, A_TARGETS, (unsigned)__builtin_popcountll(targets));
	if (from)
		pb_fixed64(&e.b, TE_TERMINATING_FLOW_IDS, from);
	for (uint64_t t = targets; t; t &= t - 1)
		pb_fixed64(&e.b, TE_FLOW_IDS, ++p->next_flow);
	event_end(p, &e);
	uint64_t id = first;
	for (unsigned cpu = 0; cpu < 64 && targets; cpu++) {
		if (!(targets & (1ull << cpu)))
			continue;
		targets &= ~(1ull << cpu);
		struct event d;
		event_begin(p, &d, rec->t, TYPE_INSTANT, U_CPU + cpu,
			    KEY(K_RECV, (uint64_t)m->delivery << 8 | m->vector), 0);
		pb_fixed64(&d.b, TE_TERMINATING_FLOW_IDS, id++);
		event_end(p, &d);
	}
}

static void console_flush(struct pftrace *p, unsigned cpu)
{
	struct console_buf *cb = &p->console[cpu];
	if (!cb->len)
		return;
	struct event e;
	event_begin(p, &e, cb->t, TYPE_INSTANT, U_CPU + cpu, KEY(K_FIXED, F_CONSOLE), ANN(A_TEXT));
	ann_text(&e.b, A_TEXT, cb->text, cb->len);
	event_end(p, &e);
	cb->len = 0;
}

/* Console bytes gathered into lines, one instant per line at the time of
 * its first byte (as in the JSON export). */
static void console_bytes(struct pftrace *p, const struct trace_record *rec)
{
	if (!rec->data || rec->len < 1)
		return;
	unsigned cpu = rec->data[0];
	struct console_buf *cb = &p->console[cpu];
	for (size_t i = 1; i < rec->len; i++) {
		unsigned char c = rec->data[i];
		if (!cb->len)
			cb->t = rec->t;
		if (c == '\n') {
			console_flush(p, cpu);
			continue;
		}
		if (c == '\r')
			continue;
		cb->text[cb->len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		if (cb->len == CONSOLE_LINE)
			console_flush(p, cpu);
	}
}

static void board_text(struct pftrace *p, uint64_t t, unsigned what, const uint8_t *data,
		       size_t len)
{
	char text[TEXT_MAX];
	struct event e;
	event_begin(p, &e, t, TYPE_INSTANT, U_BOARD, KEY(K_FIXED, what), data ? ANN(A_TEXT) : 0);
	if (data)
		ann_text(&e.b, A_TEXT, text, clean_text(text, data, len));
	event_end(p, &e);
}

static void context_record(struct pftrace *p, const struct trace_record *rec)
{
	switch (rec->kind) {
	case EV_CTX_CONSOLE:
		console_bytes(p, rec);
		break;
	case EV_CTX_MARK:
	case EV_CTX_CONSOLE_IN:
		if (rec->data)
			board_text(p, rec->t, rec->kind == EV_CTX_MARK ? F_MARK : F_CONSOLE_IN,
				   rec->data, rec->len);
		break;
	case EV_CTX_MSI_RESULT: {
		struct trace_ctx_msi m;
		if (!rec->data || trace_ctx_msi_unpack(rec->data, rec->len, &m))
			break;
		instant(p, rec->t, U_VECTOR + m.msg.vector,
			KEY(K_MSI, (uint64_t)(m.result < 3 ? m.result : 3) << 8 | m.msg.vector));
		break;
	}
	case EV_CTX_EXIT: {
		uint8_t reason;
		int32_t status;
		if (!rec->data || trace_ctx_exit_unpack(rec->data, rec->len, &reason, &status))
			break;
		struct event e;
		event_begin(p, &e, rec->t, TYPE_INSTANT, U_BOARD, KEY(K_FIXED, F_GUEST_EXIT),
			    ANN(A_REASON) | ANN(A_STATUS));
		ann_uint(&e.b, A_REASON, reason);
		ann_int(&e.b, A_STATUS, status);
		event_end(p, &e);
		break;
	}
	case EV_CTX_VCPU: {
		uint8_t cpu;
		uint32_t reason;
		uint64_t count;
		if (!rec->data || trace_ctx_vcpu_unpack(rec->data, rec->len, &cpu, &reason, &count))
			break;
		struct event e;
		event_begin(p, &e, rec->t, TYPE_INSTANT, U_CPU + cpu, KEY(K_KVM_EXIT, reason),
			    ANN(A_COUNT));
		ann_uint(&e.b, A_COUNT, count);
		event_end(p, &e);
		break;
	}
	default:
		break;
	}
}

static void chip_io(struct pftrace *p, const struct trace_record *rec)
{
	const struct irq_event *e = &rec->ev;
	if (rec->kind == EV_PIO_WRITE || rec->kind == EV_PIO_READ) {
		instant(p, rec->t, U_IO,
			KEY(K_PIO, (uint64_t)(rec->kind == EV_PIO_READ) << 24 |
					   (uint64_t)e->u.pio.port << 8 | e->u.pio.value));
		return;
	}
	/* MMIO: address and value do not fit a key; the name is written out */
	char name[96];
	export_mmio_name(rec, name, sizeof(name));
	struct event ev;
	event_begin(p, &ev, rec->t, TYPE_INSTANT, U_IO, 0, 0);
	pb_str(&ev.b, TE_NAME, name);
	event_end(p, &ev);
}

static void wire_change(struct pftrace *p, const struct trace_record *rec)
{
	unsigned id = rec->ev.u.wire.id, level = rec->ev.u.wire.level;
	if (id >= 64)
		return;
	counter(p, rec->t, U_WIRE + id, level);
	if (id >= WIRE_HPET0 && id < WIRE_HPET0 + 24 && level)
		p->pending_rise[APIC_MSG_PIN_HPET + id - WIRE_HPET0] = rec->t + 1;
}

static int pftrace_record(void *ctx, const struct trace_record *rec)
{
	struct pftrace *p = ctx;
	const struct irq_event *e = &rec->ev;
	switch (rec->kind) {
	case EV_IRQ:
		if (e->u.irq.gsi < BOARD_GSIS) {
			gsi_counter(p, e->u.irq.gsi, rec->t, e->u.irq.level);
			if (e->u.irq.level && !((p->lv.lines >> e->u.irq.gsi) & 1))
				p->pending_rise[e->u.irq.gsi] = rec->t + 1;
		}
		break;
	case EV_WIRE:
		wire_change(p, rec);
		break;
	case EV_DEADLINE:
		deadline_counter(p, rec->t, e->u.deadline.t);
		break;
	case EV_INTACK:
		instant(p, rec->t, U_CPU + e->u.intack.cpu, KEY(K_INTACK, e->u.intack.vector));
		break;
	case EV_LINT:
		instant(p, rec->t, U_CPU + e->u.lint.cpu,
			KEY(K_LINT, (uint64_t)(e->u.lint.pin & 1) << 24 | (uint64_t)e->u.lint.mode << 16 |
					    (uint64_t)e->u.lint.level << 8 |
					    (e->u.lint.mode == LINT_FIXED ? e->u.lint.vector : 0)));
		break;
	case EV_EOI:
		instant(p, rec->t, U_CPU + e->u.eoi.cpu, KEY(K_EOI, e->u.eoi.vector));
		break;
	case EV_LVT:
		instant(p, rec->t, U_CPU + e->u.lvt.cpu,
			KEY(K_LVT, (uint64_t)(e->u.lvt.pin ? 1 : 0) << 32 | e->u.lvt.value));
		break;
	case EV_APIC_MSG:
		apic_message(p, rec);
		break;
	case EV_RESET:
		instant(p, rec->t, U_BOARD, KEY(K_FIXED, F_RESET));
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
	return p->write_failed ? -1 : 0;
}

int export_pftrace(struct trace_reader *r, const struct export_opts *o, FILE *out,
		   struct window_result *res, uint64_t *packets)
{
	uint64_t cpus;
	struct pftrace *p = calloc(1, sizeof(*p));
	if (!p) {
		memset(res, 0, sizeof(*res));
		snprintf(res->message, sizeof(res->message), "out of memory");
		return -1;
	}
	p->f = out;
	p->o = o;
	p->ncpus = 1;
	if (!trace_reader_config_u64(r, "cpus", &cpus) && cpus >= 1 && cpus <= BOARD_MAX_CPUS)
		p->ncpus = (unsigned)cpus;
	sequence_start(p);
	for (unsigned u = U_LINES; u <= U_BOARD; u++)
		track(p, u);
	if (o->io)
		track(p, U_IO);
	for (unsigned cpu = 0; cpu < p->ncpus; cpu++)
		track(p, U_CPU + cpu);

	struct window_opts wo = { o->from, o->to };
	struct window_visitor v = { window_start, pftrace_record, p };
	int rc = window_walk(r, &wo, &v, res);
	for (unsigned cpu = 0; cpu < 256; cpu++)
		console_flush(p, cpu);
	out_flush(p);
	if (packets)
		*packets = p->packets;
	free(p);
	return rc;
}
