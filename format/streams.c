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
static bool stream_fields(unsigned kind, const uint8_t *b, size_t avail, size_t *len, uint64_t *ctx)
{
	size_t k, k2;
	*ctx = 0;
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

/* Interleaved -> split. in: `count` records, len bytes, well formed (the
 * writer's own encoding); out: len bytes. tmp: len bytes of scratch. */
void trace_records_split(const uint8_t *in, size_t len, uint32_t count, uint8_t *out, uint8_t *tmp)
{
	/* pass 1: record stream into out, the dt, deadline and context
	 * streams into tmp at their offsets (sized in a first walk) */
	size_t n_dt = 0, n_dl = 0, p = 0;
	for (uint32_t i = 0; i < count; i++) {
		unsigned tag = in[p++], kind = tag & 0x7f;
		size_t k = 0, fl;
		uint64_t ctx;
		if (!(tag & TAG_DT_ZERO)) {
			k = varint_len(in + p, len - p);
			n_dt += k;
			p += k;
		}
		if (kind == EV_DEADLINE) {
			k = varint_len(in + p, len - p);
			n_dl += k;
			p += k;
			continue;
		}
		stream_fields(kind, in + p, len - p, &fl, &ctx);
		p += fl + (size_t)ctx;
	}
	uint8_t *dt = tmp, *dl = tmp + n_dt, *cx = dl + n_dl, *o = out;
	p = 0;
	for (uint32_t i = 0; i < count; i++) {
		unsigned tag = in[p++], kind = tag & 0x7f;
		size_t k, fl;
		uint64_t ctx;
		*o++ = (uint8_t)tag;
		if (!(tag & TAG_DT_ZERO)) {
			k = varint_len(in + p, len - p);
			memcpy(dt, in + p, k);
			dt += k;
			p += k;
		}
		if (kind == EV_DEADLINE) {
			k = varint_len(in + p, len - p);
			memcpy(dl, in + p, k);
			dl += k;
			p += k;
			continue;
		}
		stream_fields(kind, in + p, len - p, &fl, &ctx);
		memcpy(o, in + p, fl);
		o += fl;
		p += fl;
		memcpy(cx, in + p, (size_t)ctx);
		cx += ctx;
		p += (size_t)ctx;
	}
	memcpy(o, tmp, (size_t)(cx - tmp));
}

/* Split -> interleaved: the inverse, on untrusted bytes. 0, or -1 with the
 * record number where the streams stop fitting in *bad_rec. */
int trace_records_join(const uint8_t *in, size_t len, uint32_t count, uint8_t *out, uint32_t *bad_rec)
{
	/* walk the record stream to find where the others start */
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
	size_t dt0 = p;
	for (size_t j = 0; j < n_dt + n_dl; j++) {
		size_t k = varint_len(in + p, len - p);
		if (!k) {
			i = count;
			goto bad;
		}
		p += k;
	}
	if (len - p != n_cx) {
		i = count;
		goto bad;
	}
	/* interleave */
	const uint8_t *r = in, *dt = in + dt0, *dl, *cx = in + p;
	dl = dt;
	for (size_t j = 0; j < n_dt; j++)
		dl += varint_len(dl, (size_t)(in + len - dl));
	uint8_t *o = out;
	for (i = 0; i < count; i++) {
		unsigned tag = *r++, kind = tag & 0x7f;
		size_t k, fl;
		uint64_t ctx;
		*o++ = (uint8_t)tag;
		if (!(tag & TAG_DT_ZERO)) {
			k = varint_len(dt, (size_t)(in + len - dt));
			memcpy(o, dt, k);
			o += k;
			dt += k;
		}
		if (kind == EV_DEADLINE) {
			k = varint_len(dl, (size_t)(in + len - dl));
			memcpy(o, dl, k);
			o += k;
			dl += k;
			continue;
		}
		stream_fields(kind, r, (size_t)(in + len - r), &fl, &ctx);
		memcpy(o, r, fl);
		o += fl;
		r += fl;
		memcpy(o, cx, (size_t)ctx);
		o += ctx;
		cx += ctx;
	}
	return 0;
bad:
	*bad_rec = i;
	return -1;
}
