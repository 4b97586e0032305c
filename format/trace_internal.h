/* SPDX-License-Identifier: MIT */
/*
 * Internal to format/: on-disk constants (docs/FORMAT.md is the spec),
 * little-endian helpers, varints, CRC32C.
 */
#ifndef IRQRR_TRACE_INTERNAL_H
#define IRQRR_TRACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* File header (FORMAT.md "File header"). The first 32 bytes never move. */
#define TRACE_MAGIC "\x89IRQRR\r\n"
#define TRACE_MAGIC_LEN 8
#define TRACE_HDR_FIXED 32
#define TRACE_HDR_MAX (1u << 20)
#define TRACE_KV_MAX 4096
#define TRACE_FEATURE_SPLIT 0x1u /* 2.2: chunk records in streams (streams.c) */
#define TRACE_FEATURE_LINKED 0x2u /* 2.3: continuation chunks compressed against their run's history */
#define TRACE_FEATURE_COMPACT 0x4u /* 2.4: compact headers on linked chunks, varint index (needs LINKED) */
#define TRACE_FEATURES_KNOWN (TRACE_FEATURE_SPLIT | TRACE_FEATURE_LINKED | TRACE_FEATURE_COMPACT) /* required feature bits this reader understands */
#define TRACE_HISTORY_MAX 65536u /* a LINKED chunk's dictionary: at most the last 64 KiB of its run */

#define KV_TEXT 1
#define KV_UDEC 2
#define KV_UHEX 3

/* Chunk header: 64 bytes. */
#define CHUNK_MAGIC 0x4b484349u /* "ICHK" */
#define CHUNK_HDR_LEN 64
#define CHUNK_FLAG_STORED 0x1u /* payload is not compressed */
#define CHUNK_FLAG_LINKED 0x2u /* 2.3: decoded with the history of the chunks before it as LZ4 dictionary */
#define CHUNK_FLAGS_KNOWN (CHUNK_FLAG_STORED | CHUNK_FLAG_LINKED)

/* Compact chunk header (2.4, FORMAT.md "Compact linked framing"): a LINKED
 * chunk right after the chunk it continues. "ic", flags byte, five varints
 * (count, zigzag first_t - previous last_t, zigzag last_t - first_t,
 * raw_size, comp_size), payload CRC, header CRC. */
#define CHUNK_CMAGIC0 0x69u /* 'i' */
#define CHUNK_CMAGIC1 0x63u /* 'c' */
#define CHUNK_CHDR_MIN 16 /* 3 + 5 one-byte varints + 8 */
#define CHUNK_CHDR_MAX 61 /* 3 + 5 ten-byte varints + 8 */

/* Limits a reader enforces before allocating. */
#define CHUNK_RAW_MAX (16u << 20)
#define KEYFRAME_MAX (8u << 20)
#define CONTEXT_MAX (1u << 20)

/* Footer. */
#define INDEX_MAGIC 0x58444949u /* "IIDX" */
#define INDEX_ENTRY_LEN 40
#define TRAILER_LEN 32
#define TRAILER_MAGIC "IRQRREND"

/* Largest encoded board event: tag + 10-byte dt + mmio64 (10-byte addr + 10-byte value). */
#define EVENT_MAX_BYTES 31
#define TAG_DT_ZERO 0x80u

static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Unsigned LEB128. */
static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Returns bytes consumed, 0 if the varint is cut off or longer than 10
 * bytes or overflows 64 bits. */
static inline size_t get_varint(const uint8_t *p, size_t avail, uint64_t *v)
{
	uint64_t r = 0;
	for (size_t i = 0; i < avail && i < 10; i++) {
		uint64_t b = p[i] & 0x7f;
		if (i == 9 && (p[i] & 0xfe))
			return 0;
		r |= b << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

uint32_t trace_crc32c(uint32_t crc, const void *buf, size_t len);

/* Signed differences (modulo 2^64: times may step back) as varints. */
static inline uint64_t zigzag64(uint64_t d) { return (d << 1) ^ (0 - (d >> 63)); }
static inline uint64_t unzigzag64(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

/* The header CRC of a compact chunk header: CRC32C of the chunk's implied
 * seq, first_event, first_t and last_t (u64 each, the fields a full header
 * would have) followed by the compact bytes before the CRC, so that a
 * header read after another chunk than the one it continues fails it. */
static inline uint32_t trace_compact_crc(uint64_t seq, uint64_t first_event, uint64_t first_t, uint64_t last_t,
					 const uint8_t *h, size_t len)
{
	uint8_t implied[32];
	put_le64(implied, seq);
	put_le64(implied + 8, first_event);
	put_le64(implied + 16, first_t);
	put_le64(implied + 24, last_t);
	return trace_crc32c(trace_crc32c(0, implied, sizeof implied), h, len);
}

/* Write the compact header of LINKED chunk seq, continuing a chunk that
 * ended at prev_last_t; returns its length (CHUNK_CHDR_MIN..CHUNK_CHDR_MAX). */
static inline size_t trace_compact_header(uint8_t *h, uint32_t flags, uint64_t seq, uint64_t first_event,
					  uint32_t count, uint64_t prev_last_t, uint64_t first_t,
					  uint64_t last_t, uint32_t raw, uint32_t comp, uint32_t crc)
{
	uint8_t *p = h;
	*p++ = CHUNK_CMAGIC0;
	*p++ = CHUNK_CMAGIC1;
	*p++ = (uint8_t)(flags & 0x1u); /* STORED; LINKED is implied */
	p = put_varint(p, count);
	p = put_varint(p, zigzag64(first_t - prev_last_t));
	p = put_varint(p, zigzag64(last_t - first_t));
	p = put_varint(p, raw);
	p = put_varint(p, comp);
	put_le32(p, crc);
	p += 4;
	put_le32(p, trace_compact_crc(seq, first_event, first_t, last_t, h, (size_t)(p - h)));
	return (size_t)(p + 4 - h);
}

/* The split record layout (streams.c, docs/FORMAT.md "Split records"):
 * records after the keyframe, interleaved -> split, same size; read where
 * they lie, from the offsets where the streams after the record stream
 * (which starts at 0) start. */
struct trace_streams {
	size_t dt, dl, cx; /* time deltas, deadline values, context bytes */
};
int trace_records_locate(const uint8_t *in, size_t len, uint32_t count, struct trace_streams *s,
			 uint32_t *bad_rec);
void trace_records_split(const uint8_t *in, size_t len, uint32_t count, uint8_t *out, uint8_t *tmp);

/* The history after a chunk (FORMAT.md "Linked chunks"): the last
 * TRACE_HISTORY_MAX bytes of hist (*len bytes) followed by raw. hist has
 * room for TRACE_HISTORY_MAX bytes. */
static inline void trace_history_append(uint8_t *hist, size_t *len, const uint8_t *raw, size_t n)
{
	if (n >= TRACE_HISTORY_MAX) {
		memcpy(hist, raw + n - TRACE_HISTORY_MAX, TRACE_HISTORY_MAX);
		*len = TRACE_HISTORY_MAX;
		return;
	}
	size_t keep = *len < TRACE_HISTORY_MAX - n ? *len : TRACE_HISTORY_MAX - n;
	memmove(hist, hist + *len - keep, keep);
	memcpy(hist + keep, raw, n);
	*len = keep + n;
}

#endif
