/* SPDX-License-Identifier: MIT */
/*
 * The split record layout (format 2.2, required feature bit 0; docs/FORMAT.md
 * "Split records"): a chunk's records with their time deltas, deadline
 * values and context payloads moved out into streams after them, so the
 * bytes LZ4 sees repeat where the records repeat. A split is a permutation
 * of the interleaved bytes: same size, nothing added, so the writer splits
 * a sealed chunk on its background thread and a reader joins it back right
 * after LZ4, and everything after that reads the interleaved layout.
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

/* Split -> interleaved: the inverse, on untrusted bytes. 0, or -1 with the
 * record number where the streams stop fitting in *bad_rec (count when the
 * records parse but the other streams do not fit them). */
int trace_records_join(const uint8_t *in, size_t len, uint32_t count, uint8_t *out, uint32_t *bad_rec)
{
	/* check the record stream and find where the others start */
	size_t p = 0, n_dt = 0, n_dl = 0;
	uint64_t n_cx = 0;
	uint32_t i;
	for (i = 0; i < count; i++) {
		size_t fl;
		uint64_t ctx;
		if (p >= len)
			goto bad;
		unsigned tag = in[p++], kind = tag & 0x7f;
		n_dt += !(tag & TAG_DT_ZERO);
		n_dl += kind == EV_DEADLINE;
		if (!stream_fields(kind, in + p, len - p, &fl, &ctx))
			goto bad;
		p += fl;
		n_cx += ctx;
	}
	/* the dt and deadline streams: that many varints each */
	size_t dt0 = p, dl0 = p;
	for (size_t j = 0; j < n_dt + n_dl; j++) {
		if (j == n_dt)
			dl0 = p;
		size_t k = varint_len(in + p, len - p);
		if (!k) {
			i = count;
			goto bad;
		}
		p += k;
	}
	if (n_dt == n_dt + n_dl)
		dl0 = p;
	if (len - p != n_cx) {
		i = count;
		goto bad;
	}
	/* interleave: every length below was checked above */
	const uint8_t *r = in, *dt = in + dt0, *dl = in + dl0, *cx = in + p, *end = in + len;
	uint8_t *o = out, *oend = out + len;
	for (i = 0; i < count; i++) {
		unsigned tag = *r++, kind = tag & 0x7f;
		size_t k;
		uint64_t ctx;
		*o++ = (uint8_t)tag;
		if (!(tag & TAG_DT_ZERO)) {
			k = vlen_checked(dt);
			o = copy_small(o, dt, k, end, oend);
			dt += k;
		}
		if (kind == EV_DEADLINE) {
			k = vlen_checked(dl);
			o = copy_small(o, dl, k, end, oend);
			dl += k;
			continue;
		}
		k = fields_len_checked(kind, r, &ctx);
		o = copy_small(o, r, k, end, oend);
		r += k;
		if (ctx) {
			memcpy(o, cx, (size_t)ctx);
			o += ctx;
			cx += ctx;
		}
	}
	return 0;
bad:
	*bad_rec = i;
	return -1;
}
