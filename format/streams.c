/* SPDX-License-Identifier: MIT */
/*
 * The split record layout (format 2.2, required feature bit 0; docs/FORMAT.md
 * "Split records"): a chunk's records with their time deltas, deadline
 * values and context payloads moved out into streams after them, so the
 * bytes LZ4 sees repeat where the records repeat. A split is a permutation
 * of the interleaved bytes: same size, nothing added, so the writer splits
 * a sealed chunk on its background thread. A reader finds where the streams
 * start and checks that they fit (trace_records_locate), and its record
 * decoders read each record's pieces where they lie: nothing joins them
 * back.
 */
#include "trace_internal.h"

#include "irqrr/trace.h"

/* Bytes of a record's fields after tag and dt, in the record stream, for
 * the kinds whose fields are fixed bytes; 0xff: varint-shaped (below). */
static const uint8_t fixed_len[0x24] = {
	[EV_RESET] = 0, [EV_TIME] = 0,
	[EV_IRQ] = 2, [EV_INTACK] = 2, [EV_EOI] = 2, [EV_WIRE] = 2, [EV_APIC_MSG] = 6, [EV_LINT] = 5,
	[EV_PIO_WRITE] = 0xff, [EV_PIO_READ] = 0xff, [EV_MMIO_WRITE] = 0xff, [EV_MMIO_READ] = 0xff,
	[EV_MMIO_WRITE64] = 0xff, [EV_MMIO_READ64] = 0xff, [EV_LVT] = 0xff, [EV_DEADLINE] = 0xff,
};

static bool board_kind_known(unsigned kind)
{
	return (kind >= EV_RESET && kind <= EV_MMIO_READ64) || (kind >= EV_WIRE && kind <= EV_DEADLINE);
}

/* Length of a varint at p (at most avail bytes), 0 if malformed. */
static size_t varint_len(const uint8_t *p, size_t avail)
{
	uint64_t v;
	return get_varint(p, avail, &v);
}

/* The fields of one record of `kind` at b (avail bytes) as they lie in the
 * record stream: *len gets their size there; for a deadline the value is
 * not there (it is in the deadline stream), for a context record only its
 * length varint is (*ctx gets the payload length). false if malformed. */
static inline __attribute__((always_inline)) bool stream_fields(unsigned kind, const uint8_t *b, size_t avail,
								       size_t *len, uint64_t *ctx)
{
	size_t k, k2;
	*ctx = 0;
	if (kind < sizeof fixed_len && fixed_len[kind] != 0xff && board_kind_known(kind)) {
		*len = fixed_len[kind];
		return avail >= *len;
	}
	if (EV_IS_CONTEXT(kind)) {
		if (!(k = get_varint(b, avail, ctx)) || *ctx > CONTEXT_MAX)
			return false;
		*len = k;
		return true;
	}
	if (!board_kind_known(kind))
		return false;
	switch (kind) {
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		if (!(k = varint_len(b, avail)) || avail - k < 1)
			return false;
		*len = k + 1;
		return true;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		if (!(k = varint_len(b, avail)) || !(k2 = varint_len(b + k, avail - k)))
			return false;
		*len = k + k2;
		return true;
	case EV_LVT:
		if (avail < 3 || !(k = varint_len(b + 2, avail - 2)))
			return false;
		*len = 2 + k;
		return true;
	case EV_DEADLINE:
		*len = 0;
		return true;
	default:
		if (avail < fixed_len[kind])
			return false;
		*len = fixed_len[kind];
		return true;
	}
}

/* Length of a varint already checked by get_varint. */
static inline size_t vlen_checked(const uint8_t *p)
{
	size_t k = 0;
	while (p[k] & 0x80)
		k++;
	return k + 1;
}

/* n bytes from p to o (a varint or a record's fields: at most 20); one
 * 16-byte move when n fits and both buffers have room for it (pend, oend:
 * their ends), the bytes after o + n being written later anyway. */
static inline __attribute__((always_inline)) uint8_t *copy_small(uint8_t *o, const uint8_t *p, size_t n,
								  const uint8_t *pend, const uint8_t *oend)
{
	if (n <= 16 && pend - p >= 16 && oend - o >= 16) {
		memcpy(o, p, 16);
		return o + n;
	}
	for (size_t i = 0; i < n; i++)
		o[i] = p[i];
	return o + n;
}

/* stream_fields on fields stream_fields has already accepted. */
static inline __attribute__((always_inline)) size_t fields_len_checked(unsigned kind, const uint8_t *b,
									uint64_t *ctx)
{
	size_t k;
	*ctx = 0;
	if (kind < sizeof fixed_len && fixed_len[kind] != 0xff)
		return fixed_len[kind];
	switch (kind) {
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		return vlen_checked(b) + 1;
	case EV_LVT:
		return 2 + vlen_checked(b + 2);
	case EV_DEADLINE:
		return 0;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		k = vlen_checked(b);
		return k + vlen_checked(b + k);
	default: /* context */
		k = get_varint(b, 10, ctx);
		return k;
	}
}

/* Interleaved -> split. in: `count` records, len bytes, well formed (the
 * writer's own encoding); out: len bytes. tmp: len bytes of scratch. */
void trace_records_split(const uint8_t *in, size_t len, uint32_t count, uint8_t *out, uint8_t *tmp)
{
	/* pass 1: the sizes of the dt and deadline streams */
	size_t n_dt = 0, n_dl = 0, p = 0;
	for (uint32_t i = 0; i < count; i++) {
		unsigned tag = in[p++], kind = tag & 0x7f;
		size_t k;
		uint64_t ctx;
		if (!(tag & TAG_DT_ZERO)) {
			k = vlen_checked(in + p);
			n_dt += k;
			p += k;
		}
		if (kind == EV_DEADLINE) {
			k = vlen_checked(in + p);
			n_dl += k;
			p += k;
			continue;
		}
		p += fields_len_checked(kind, in + p, &ctx);
		p += (size_t)ctx;
	}
	/* pass 2: the record stream into out, the others into tmp */
	const uint8_t *end = in + len;
	/* (copy_small may write 16 bytes: each stream's bound is where the
	 * next one starts, already partly written) */
	uint8_t *dt = tmp, *dl = tmp + n_dt, *cx = dl + n_dl, *o = out, *oend = out + len;
	uint8_t *const dt_end = tmp + n_dt, *const dl_end = dt_end + n_dl;
	p = 0;
	for (uint32_t i = 0; i < count; i++) {
		unsigned tag = in[p++], kind = tag & 0x7f;
		size_t k;
		uint64_t ctx;
		*o++ = (uint8_t)tag;
		if (!(tag & TAG_DT_ZERO)) {
			k = vlen_checked(in + p);
			dt = copy_small(dt, in + p, k, end, dt_end);
			p += k;
		}
		if (kind == EV_DEADLINE) {
			k = vlen_checked(in + p);
			dl = copy_small(dl, in + p, k, end, dl_end);
			p += k;
			continue;
		}
		k = fields_len_checked(kind, in + p, &ctx);
		o = copy_small(o, in + p, k, end, oend);
		p += k;
		if (ctx) {
			memcpy(cx, in + p, (size_t)ctx);
			cx += ctx;
			p += (size_t)ctx;
		}
	}
	memcpy(o, tmp, (size_t)(cx - tmp));
}

/* The record stream read one step a record: a step is the record's bytes
 * there (tag and fields, bits 0-7) plus what it counts, a time delta
 * (STEP_DT) and a deadline value (STEP_DL), so that adding up the steps
 * and taking away the bytes leaves both counts (each < 2^24: a record is
 * at least one byte of a payload of at most 16 MiB). tag_step has the
 * step of each tag of the kinds whose kind fixes their length; 0: the
 * others, which stream_fields parses (record_step). */
#define STEP_DT (1ull << 8)
#define STEP_DL (1ull << 40)
#define STEP(kind, fields)                                                                                 \
	[kind] = (fields) + 1 + STEP_DT + ((kind) == EV_DEADLINE ? STEP_DL : 0),                          \
	[(kind) | TAG_DT_ZERO] = (fields) + 1 + ((kind) == EV_DEADLINE ? STEP_DL : 0)
static const uint64_t tag_step[256] = {
	STEP(EV_RESET, 0), STEP(EV_TIME, 0), STEP(EV_IRQ, 2), STEP(EV_INTACK, 2), STEP(EV_EOI, 2),
	STEP(EV_WIRE, 2), STEP(EV_APIC_MSG, 6), STEP(EV_LINT, 5), STEP(EV_DEADLINE, 0),
};
/* The step of a port access whose port is below 0x80 (a one-byte varint):
 * most of them (the PIC's, the PIT's, port 0x61). */
static const uint64_t pio_step[256] = { STEP(EV_PIO_WRITE, 2), STEP(EV_PIO_READ, 2) };
/* The most bytes a record takes in the record stream: mmio64's tag and two
 * ten-byte varints. */
#define RECORD_STREAM_MAX 21

/* The step of any record at p (avail >= 1 bytes from p); 0 if it does not
 * parse. *n_cx: the context bytes it has in the context stream. */
static uint64_t record_step(const uint8_t *p, size_t avail, uint64_t *n_cx)
{
	unsigned tag = p[0], kind = tag & 0x7f;
	size_t fl;
	uint64_t ctx;
	if (!stream_fields(kind, p + 1, avail - 1, &fl, &ctx))
		return 0;
	*n_cx += ctx;
	return 1 + fl + (tag & TAG_DT_ZERO ? 0 : STEP_DT) + (kind == EV_DEADLINE ? STEP_DL : 0);
}

/* The length of the varint at q (8 bytes readable) if it is at most 8
 * bytes long (and so well-formed), else 0. */
static inline __attribute__((always_inline)) size_t short_varint_len(const uint8_t *q)
{
	uint64_t ends = ~get_le64(q) & 0x8080808080808080ull;
	return ends ? (size_t)(__builtin_ctzll(ends) >> 3) + 1 : 0;
}

/* The step of a record of a kind with varint fields at q (at least
 * RECORD_STREAM_MAX bytes readable), when they are short; 0: record_step's
 * to say. */
static inline __attribute__((always_inline)) uint64_t varint_record_step(const uint8_t *q)
{
	size_t k, k2;
	uint64_t dt = q[0] & TAG_DT_ZERO ? 0 : STEP_DT;
	switch (q[0] & 0x7f) {
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		return (k = short_varint_len(q + 1)) ? 2 + k + dt : 0;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		if (!(k = short_varint_len(q + 1)) || !(k2 = short_varint_len(q + 1 + k)))
			return 0;
		return 1 + k + k2 + dt;
	case EV_LVT:
		return (k = short_varint_len(q + 3)) ? 3 + k + dt : 0;
	default:
		return 0;
	}
}

/* One record at *p with at least RECORD_STREAM_MAX bytes from *p to end:
 * its step added to *steps, *p moved past it; false if it does not parse. */
static inline __attribute__((always_inline)) bool record_stream_step(const uint8_t **p, const uint8_t *end,
								      uint64_t *steps, uint64_t *n_cx)
{
	const uint8_t *q = *p;
	uint64_t e = tag_step[q[0]];
	if (__builtin_expect(!e, 0) && (!(e = pio_step[q[0]]) || q[1] >= 0x80) && !(e = varint_record_step(q)) &&
	    !(e = record_step(q, (size_t)(end - q), n_cx)))
		return false;
	*p = q + (e & 0xff);
	*steps += e;
	return true;
}

/* Skip n varints from in[*pp] (len bytes in all), each checked as
 * get_varint checks it; false if they do not fit. */
static bool skip_varints(const uint8_t *in, size_t len, size_t *pp, size_t n)
{
	size_t v = *pp; /* where the next varint starts */
	while (n) {
		/* eight bytes at a time while more varints remain than end in
		 * them (ends: their last bytes' top bits, clear); a varint that
		 * would be over 9 bytes long (the longest that cannot overflow)
		 * is left to get_varint. tail: the leading zero bits of the
		 * previous word's ends, 8 per byte after its last varint; so
		 * tail + the trailing zero bits of this word's = 8 * the bytes
		 * of the varint that ends first in this word - 1 */
		size_t p = v, tail = 0, k;
		for (; len - p >= 8; p += 8) {
			uint64_t ends = ~get_le64(in + p) & 0x8080808080808080ull;
			size_t cnt = (size_t)(((ends >> 7) * 0x0101010101010101ull) >> 56);
			if (!ends || cnt >= n || tail + (size_t)__builtin_ctzll(ends) >= 8 * 9)
				break;
			n -= cnt;
			tail = (size_t)__builtin_clzll(ends);
		}
		v = p - tail / 8;
		/* then one varint at a time */
		if (!(k = varint_len(in + v, len - v)))
			return false;
		v += k;
		n--;
	}
	*pp = v;
	return true;
}

/* The record stream of count records from in (len bytes), for
 * trace_records_locate: where it ends, the sum of its records' steps
 * (without their bytes) and the context bytes they have; false if a record
 * does not parse, without saying which (records_checked does). */
static bool records_fast(const uint8_t *in, size_t len, uint32_t count, size_t *rec_len, uint64_t *counts,
			 uint64_t *n_cx)
{
	const uint8_t *p = in, *end = in + len;
	uint64_t steps = 0;
	uint32_t i = 0;
	while (i < count) {
		/* as many records as surely end before `end`, unchecked */
		size_t safe = (size_t)(end - p) / RECORD_STREAM_MAX, n = count - i < safe ? count - i : safe, j = 0;
		if (!n) {
			uint64_t e = p < end ? record_step(p, (size_t)(end - p), n_cx) : 0;
			if (!e)
				return false;
			p += e & 0xff;
			steps += e;
			i++;
			continue;
		}
		for (; j + 4 <= n; j += 4)
			if (!record_stream_step(&p, end, &steps, n_cx) || !record_stream_step(&p, end, &steps, n_cx) ||
			    !record_stream_step(&p, end, &steps, n_cx) || !record_stream_step(&p, end, &steps, n_cx))
				return false;
		for (; j < n; j++)
			if (!record_stream_step(&p, end, &steps, n_cx))
				return false;
		i += (uint32_t)n;
	}
	*rec_len = (size_t)(p - in);
	*counts = steps - (uint64_t)(p - in);
	return true;
}

/* The first record of the record stream that does not parse, as
 * records_fast finds there is one. */
static uint32_t records_checked(const uint8_t *in, size_t len, uint32_t count)
{
	size_t p = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t n_cx = 0, e = p < len ? record_step(in + p, len - p, &n_cx) : 0;
		if (!e)
			return i;
		p += e & 0xff;
	}
	return count;
}

/* Where the streams of a split payload (in, len bytes, count records)
 * start, checked to fit together: every record's fields parse in the
 * record stream (which starts at 0), the dt and deadline streams hold as
 * many well-formed varints as the records need, the context stream exactly
 * the context records' bytes. 0, or -1 with the record number where the
 * streams stop fitting in *bad_rec (count when the records parse but the
 * other streams do not fit them). */
int trace_records_locate(const uint8_t *in, size_t len, uint32_t count, struct trace_streams *s,
			 uint32_t *bad_rec)
{
	size_t q;
	uint64_t counts, n_cx = 0;
	if (!records_fast(in, len, count, &q, &counts, &n_cx)) {
		*bad_rec = records_checked(in, len, count);
		return -1;
	}
	size_t n_dt = (size_t)(counts / STEP_DT) & 0xffffffffu, n_dl = (size_t)(counts / STEP_DL);
	s->dt = q;
	if (!skip_varints(in, len, &q, n_dt))
		goto bad;
	s->dl = q;
	if (!skip_varints(in, len, &q, n_dl) || len - q != n_cx)
		goto bad;
	s->cx = q;
	return 0;
bad:
	*bad_rec = count;
	return -1;
}
