/* SPDX-License-Identifier: MIT */
/*
 * Trace reader. Every size field is checked against the format's limits and
 * the file size before anything is allocated or read; every checksum is
 * verified before its data is used. A missing or damaged footer makes open
 * rebuild the index by scanning chunk headers (docs/FORMAT.md "Recovery").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lz4.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irqrr/trace.h"
#include "trace_internal.h"

struct kv_entry {
	char *key;
	char *value; /* rendered text */
	uint64_t num;
	int type;
};

struct trace_reader {
	char *name;
	int fd;
	const uint8_t *mem;
	uint64_t size;
	uint64_t data_end; /* end of the chunk area (index offset, or file size) */
	unsigned major, minor;
	uint32_t features; /* required feature bits (all known) */
	struct kv_entry *kv;
	size_t nkv;
	struct trace_chunk_info *chunks;
	size_t nchunks, chunks_cap;
	uint64_t events;
	struct trace_recovery rec;
	/* linked chunks (2.3): the history chunk hist_for decodes against (the
	 * last TRACE_HISTORY_MAX bytes of its run's chunks before it), kept so
	 * that reading a run in order decodes each chunk once */
	uint8_t *hist;
	size_t hist_len, hist_for;
	char err[256];
	int status; /* the TRACE_E_* code of the last error in err */
};

struct trace_chunk {
	struct trace_chunk_info info;
	size_t index;
	uint8_t *raw;
	size_t kf_len;
	/* the next record's tag; in the split layout (format 2.2) its place in
	 * the record stream, which ends at rec_end, and dt, dl, cx the next
	 * time delta, deadline value and context bytes in theirs (st: where
	 * each starts, rec_end = st.dt); else rec_end is raw_size */
	size_t pos, rec_end;
	size_t dt, dl, cx;
	struct trace_streams st;
	bool split;
	uint64_t prev_t;
	uint32_t n;
	char err[256];
};

static int rerr(struct trace_reader *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rerr(struct trace_reader *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->status = status;
	return status;
}

/* Read exactly len bytes at off. */
static int src_read(struct trace_reader *r, uint64_t off, void *buf, size_t len)
{
	if (off > r->size || len > r->size - off)
		return rerr(r, TRACE_E_TRUNCATED, "read of %zu bytes at offset 0x%" PRIx64 " past the end of the file", len, off);
	if (r->mem) {
		memcpy(buf, r->mem + off, len);
		return 0;
	}
	uint8_t *p = buf;
	while (len) {
		ssize_t n = pread(r->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rerr(r, TRACE_E_IO, "read %s: %s", r->name, strerror(errno));
		if (n == 0)
			return rerr(r, TRACE_E_TRUNCATED, "%s shrank while being read", r->name);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------ header */

static int parse_config(struct trace_reader *r, const uint8_t *h, size_t hlen, uint32_t count)
{
	size_t pos = TRACE_HDR_FIXED, end = hlen - 4;
	if (count > TRACE_KV_MAX || count > (end - pos) / 4)
		return rerr(r, TRACE_E_CORRUPT, "header: %" PRIu32 " config entries do not fit", count);
	r->kv = calloc(count ? count : 1, sizeof *r->kv);
	if (!r->kv)
		return rerr(r, TRACE_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < count; i++) {
		if (end - pos < 4)
			return rerr(r, TRACE_E_CORRUPT, "header: config entry %" PRIu32 " truncated", i);
		unsigned type = h[pos], kl = h[pos + 1], vl = get_le16(h + pos + 2);
		pos += 4;
		if (kl == 0 || end - pos < (size_t)kl + vl)
			return rerr(r, TRACE_E_CORRUPT, "header: config entry %" PRIu32 " has bad lengths", i);
		const uint8_t *k = h + pos, *v = h + pos + kl;
		pos += (size_t)kl + vl;
		if (memchr(k, 0, kl))
			return rerr(r, TRACE_E_CORRUPT, "header: config entry %" PRIu32 ": NUL in key", i);
		struct kv_entry *e = &r->kv[r->nkv];
		char buf[32];
		if (type == KV_TEXT) {
			if (memchr(v, 0, vl))
				return rerr(r, TRACE_E_CORRUPT, "header: config entry %" PRIu32 ": NUL in value", i);
			e->value = strndup((const char *)v, vl);
		} else if (type == KV_UDEC || type == KV_UHEX) {
			if (vl != 8)
				return rerr(r, TRACE_E_CORRUPT, "header: config entry %" PRIu32 ": integer of %u bytes", i, vl);
			e->num = get_le64(v);
			snprintf(buf, sizeof buf, type == KV_UDEC ? "%" PRIu64 : "0x%" PRIx64, e->num);
			e->value = strdup(buf);
		} else {
			continue; /* unknown types are skipped (FORMAT.md: compatibility) */
		}
		e->type = (int)type;
		e->key = strndup((const char *)k, kl);
		r->nkv++;
		if (!e->key || !e->value)
			return rerr(r, TRACE_E_NOMEM, "out of memory");
	}
	return 0;
}

/* A fuzzing build (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, set only by
 * tests/fuzz with -Dfuzz=true) accepts any checksum so that mutated inputs
 * reach the decoders behind the CRCs; normal builds compare. */
static inline bool crc_ok(uint32_t computed, uint32_t stored)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	(void)computed;
	(void)stored;
	return true;
#else
	return computed == stored;
#endif
}

static int read_header(struct trace_reader *r, uint64_t *hdr_len)
{
	uint8_t f[TRACE_HDR_FIXED];
	size_t have = r->size < TRACE_HDR_FIXED ? (size_t)r->size : TRACE_HDR_FIXED;
	int rc = src_read(r, 0, f, have);
	if (rc)
		return rc;
	size_t m = have < TRACE_MAGIC_LEN ? have : TRACE_MAGIC_LEN;
	if (memcmp(f, TRACE_MAGIC, m) || have == 0)
		return rerr(r, TRACE_E_NOT_TRACE, "not an irqrr trace");
	if (have < TRACE_HDR_FIXED)
		return rerr(r, TRACE_E_TRUNCATED, "file ends inside the header (%zu bytes)", have);
	uint32_t hlen = get_le32(f + 24);
	if (hlen < TRACE_HDR_FIXED + 4 || hlen > TRACE_HDR_MAX)
		return rerr(r, TRACE_E_CORRUPT, "header length %" PRIu32 " out of range", hlen);
	if (hlen > r->size)
		return rerr(r, TRACE_E_TRUNCATED, "file ends inside the header (%" PRIu64 " of %" PRIu32 " bytes)", r->size, hlen);
	uint8_t *h = malloc(hlen);
	if (!h)
		return rerr(r, TRACE_E_NOMEM, "out of memory");
	if ((rc = src_read(r, 0, h, hlen))) {
		free(h);
		return rc;
	}
	if (!crc_ok(trace_crc32c(0, h, hlen - 4), get_le32(h + hlen - 4))) {
		free(h);
		return rerr(r, TRACE_E_CHECKSUM, "header checksum mismatch");
	}
	r->major = get_le16(h + 8);
	r->minor = get_le16(h + 10);
	unsigned min_major = get_le16(h + 12);
	uint32_t req = get_le32(h + 16);
	if (min_major > TRACE_FORMAT_MAJOR || r->major < 1) {
		free(h);
		return rerr(r, TRACE_E_VERSION, "format %u.%u needs a newer irqrr (this reads up to %d.x)",
			    r->major, r->minor, TRACE_FORMAT_MAJOR);
	}
	if (req & ~TRACE_FEATURES_KNOWN) {
		free(h);
		return rerr(r, TRACE_E_VERSION, "trace needs feature bits 0x%" PRIx32 " that this irqrr does not support",
			    req & ~TRACE_FEATURES_KNOWN);
	}
	if ((req & TRACE_FEATURE_COMPACT) && !(req & TRACE_FEATURE_LINKED)) {
		free(h);
		return rerr(r, TRACE_E_CORRUPT, "trace has compact chunk headers without linked chunks");
	}
	r->features = req;
	/* linked chunks: the history they decode against (trace_reader_load_chunk) */
	if ((req & TRACE_FEATURE_LINKED) && !(r->hist = malloc(TRACE_HISTORY_MAX))) {
		free(h);
		return rerr(r, TRACE_E_NOMEM, "out of memory");
	}
	rc = parse_config(r, h, hlen, get_le32(h + 28));
	free(h);
	*hdr_len = hlen;
	return rc;
}

/* ------------------------------------------------------------ chunks */

/* Decode and sanity-check a chunk header. Returns 0 or a status with a
 * reason in why. Does not check against the file size. */
static int parse_chunk_header(const uint8_t *h, struct trace_chunk_info *ci, const char **why)
{
	if (get_le32(h) != CHUNK_MAGIC) {
		*why = "no chunk magic";
		return TRACE_E_CORRUPT;
	}
	if (!crc_ok(trace_crc32c(0, h, 60), get_le32(h + 60))) {
		*why = "chunk header checksum mismatch";
		return TRACE_E_CHECKSUM;
	}
	ci->flags = get_le16(h + 6);
	ci->seq = get_le64(h + 8);
	ci->first_event = get_le64(h + 16);
	ci->count = get_le32(h + 24);
	ci->first_t = get_le64(h + 32);
	ci->last_t = get_le64(h + 40);
	ci->raw_size = get_le32(h + 48);
	ci->comp_size = get_le32(h + 52);
	ci->hdr_len = CHUNK_HDR_LEN;
	if (get_le16(h + 4) != CHUNK_HDR_LEN || (ci->flags & ~CHUNK_FLAGS_KNOWN) || get_le32(h + 28)) {
		*why = "unknown chunk header layout or flags";
		return TRACE_E_CORRUPT;
	}
	if (ci->raw_size < 4 || ci->raw_size > CHUNK_RAW_MAX || ci->count > ci->raw_size ||
	    ci->first_event > UINT64_MAX - ci->count) {
		*why = "chunk sizes out of range";
		return TRACE_E_CORRUPT;
	}
	if ((ci->flags & CHUNK_FLAG_STORED) ? ci->comp_size != ci->raw_size
					     : ci->comp_size > (uint32_t)LZ4_compressBound((int)ci->raw_size) || ci->comp_size == 0) {
		*why = "compressed size out of range";
		return TRACE_E_CORRUPT;
	}
	return 0;
}

static int push_chunk(struct trace_reader *r, const struct trace_chunk_info *ci)
{
	if (r->nchunks == r->chunks_cap) {
		size_t nc = r->chunks_cap ? r->chunks_cap * 2 : 16;
		struct trace_chunk_info *n = realloc(r->chunks, nc * sizeof *n);
		if (!n)
			return rerr(r, TRACE_E_NOMEM, "out of memory");
		r->chunks = n;
		r->chunks_cap = nc;
	}
	r->chunks[r->nchunks++] = *ci;
	r->events += ci->count;
	return 0;
}

/* Decode a compact chunk header (2.4) of avail bytes at h, continuing
 * prev (the chunk right before it in the file). */
static int parse_compact_header(const uint8_t *h, size_t avail, const struct trace_chunk_info *prev,
				struct trace_chunk_info *ci, const char **why)
{
	uint64_t v[5];
	size_t p = 3;
	if (avail < 3 || h[0] != CHUNK_CMAGIC0 || h[1] != CHUNK_CMAGIC1) {
		*why = avail < 3 ? "truncated chunk header" : "no chunk magic";
		return avail < 3 ? TRACE_E_TRUNCATED : TRACE_E_CORRUPT;
	}
	for (int k = 0; k < 5; k++) {
		size_t n = get_varint(h + p, avail - p, &v[k]);
		if (!n) {
			bool cut = avail < CHUNK_CHDR_MAX;
			*why = cut ? "truncated chunk header" : "malformed compact chunk header";
			return cut ? TRACE_E_TRUNCATED : TRACE_E_CORRUPT;
		}
		p += n;
	}
	if (avail - p < 8) {
		*why = "truncated chunk header";
		return TRACE_E_TRUNCATED;
	}
	if (!prev) {
		*why = "compact chunk header without the chunk before it";
		return TRACE_E_CORRUPT;
	}
	/* its CRC covers the fields it takes from prev: read after another
	 * chunk than the one it continues, it fails */
	ci->seq = prev->seq + 1;
	ci->first_event = prev->first_event + prev->count;
	ci->first_t = prev->last_t + unzigzag64(v[1]);
	ci->last_t = ci->first_t + unzigzag64(v[2]);
	if (!crc_ok(trace_compact_crc(ci->seq, ci->first_event, ci->first_t, ci->last_t, h, p + 4), get_le32(h + p + 4))) {
		*why = "chunk header checksum mismatch";
		return TRACE_E_CHECKSUM;
	}
	if (h[2] & ~CHUNK_FLAG_STORED) {
		*why = "unknown chunk header layout or flags";
		return TRACE_E_CORRUPT;
	}
	if (v[0] > UINT32_MAX || v[3] > UINT32_MAX || v[4] > UINT32_MAX) {
		*why = "chunk sizes out of range";
		return TRACE_E_CORRUPT;
	}
	ci->flags = h[2] | CHUNK_FLAG_LINKED;
	ci->count = (uint32_t)v[0];
	ci->raw_size = (uint32_t)v[3];
	ci->comp_size = (uint32_t)v[4];
	ci->hdr_len = (uint32_t)(p + 8);
	if (ci->raw_size < 4 || ci->raw_size > CHUNK_RAW_MAX || ci->count > ci->raw_size ||
	    ci->first_event < prev->first_event || ci->first_event > UINT64_MAX - ci->count) {
		*why = "chunk sizes out of range";
		return TRACE_E_CORRUPT;
	}
	if ((ci->flags & CHUNK_FLAG_STORED) ? ci->comp_size != ci->raw_size
					     : ci->comp_size > (uint32_t)LZ4_compressBound((int)ci->raw_size) || ci->comp_size == 0) {
		*why = "compressed size out of range";
		return TRACE_E_CORRUPT;
	}
	return 0;
}

/* Read and decode the chunk header at off, a full one or (in a 2.4 file)
 * a compact one continuing prev (NULL: none is known). The payload CRC is
 * left in *crc. Not checked against the file size beyond the header. */
static int read_chunk_header(struct trace_reader *r, uint64_t off, const struct trace_chunk_info *prev,
			     struct trace_chunk_info *ci, uint32_t *crc, const char **why)
{
	uint8_t h[CHUNK_HDR_LEN];
	uint64_t avail = r->data_end > off ? r->data_end - off : 0;
	size_t n = avail < sizeof h ? (size_t)avail : sizeof h;
	if (n < 3) {
		*why = "truncated chunk header";
		return TRACE_E_TRUNCATED;
	}
	int rc = src_read(r, off, h, n);
	if (rc) {
		*why = r->err;
		return rc;
	}
	if ((r->features & TRACE_FEATURE_COMPACT) && h[0] == CHUNK_CMAGIC0 && h[1] == CHUNK_CMAGIC1) {
		if ((rc = parse_compact_header(h, n, prev, ci, why)))
			return rc;
		*crc = get_le32(h + ci->hdr_len - 8);
	} else {
		if (n < CHUNK_HDR_LEN) {
			*why = "truncated chunk header";
			return TRACE_E_TRUNCATED;
		}
		if ((rc = parse_chunk_header(h, ci, why)))
			return rc;
		*crc = get_le32(h + 56);
	}
	ci->offset = off;
	return 0;
}

/* Full check of the chunk at off (continuing prev, if known): header,
 * bounds, payload CRC. */
static int check_chunk_at(struct trace_reader *r, uint64_t off, const struct trace_chunk_info *prev,
			  struct trace_chunk_info *ci, uint8_t **payload, const char **why)
{
	uint32_t crc;
	int rc = read_chunk_header(r, off, prev, ci, &crc, why);
	if (rc)
		return rc;
	if (r->data_end - off - ci->hdr_len < ci->comp_size) {
		*why = "truncated chunk payload";
		return TRACE_E_TRUNCATED;
	}
	uint8_t *p = malloc(ci->comp_size ? ci->comp_size : 1);
	if (!p) {
		*why = "out of memory";
		return TRACE_E_NOMEM;
	}
	if ((rc = src_read(r, off + ci->hdr_len, p, ci->comp_size))) {
		free(p);
		*why = r->err;
		return rc;
	}
	if (!crc_ok(trace_crc32c(0, p, ci->comp_size), crc)) {
		free(p);
		*why = "checksum mismatch";
		return TRACE_E_CHECKSUM;
	}
	if (payload)
		*payload = p;
	else
		free(p);
	return 0;
}

/* ------------------------------------------------------------ footer */

static int load_footer(struct trace_reader *r, uint64_t hlen, const char **why)
{
	uint8_t t[TRAILER_LEN];
	if (r->size < hlen + 12 + TRAILER_LEN) {
		*why = "no footer";
		return -1;
	}
	if (src_read(r, r->size - TRAILER_LEN, t, sizeof t))
		return -1;
	if (memcmp(t + 24, TRAILER_MAGIC, 8)) {
		*why = "no footer";
		return -1;
	}
	if (!crc_ok(trace_crc32c(0, t, 20), get_le32(t + 20))) {
		*why = "trailer checksum mismatch";
		return -1;
	}
	uint64_t ioff = get_le64(t), events = get_le64(t + 8);
	uint32_t n = get_le32(t + 16);
	bool compact = r->features & TRACE_FEATURE_COMPACT;
	/* 2.4's index entries are varints: its size is what the trailer leaves */
	uint64_t isize = compact ? (ioff <= r->size - TRAILER_LEN ? r->size - TRAILER_LEN - ioff : 0)
				 : 8 + (uint64_t)n * INDEX_ENTRY_LEN + 4;
	if (ioff < hlen || ioff > r->size - TRAILER_LEN || r->size - TRAILER_LEN - ioff != isize || isize < 12 ||
	    (compact && (isize - 12) / 5 < n)) {
		*why = "index offset or size out of range";
		return -1;
	}
	uint8_t *b = malloc(isize);
	if (!b) {
		*why = "out of memory";
		return -1;
	}
	if (src_read(r, ioff, b, isize)) {
		free(b);
		*why = "index unreadable";
		return -1;
	}
	if (get_le32(b) != INDEX_MAGIC || get_le32(b + 4) != n ||
	    !crc_ok(trace_crc32c(0, b, isize - 4), get_le32(b + isize - 4))) {
		free(b);
		*why = "index checksum mismatch";
		return -1;
	}
	/* the smallest chunk header: an entry may not point closer to the next */
	uint64_t min_hdr = compact ? CHUNK_CHDR_MIN : CHUNK_HDR_LEN;
	uint64_t prev_end = hlen, prev_ev = 0, prev_off = hlen, prev_last = 0, sum = 0;
	size_t pos = 8, end = (size_t)isize - 4;
	for (uint32_t i = 0; i < n; i++) {
		struct trace_chunk_info ci = { 0 };
		bool bad = false;
		if (compact) {
			/* offset - previous offset, first_event - previous end,
			 * count, zigzag first_t - previous last_t, zigzag
			 * last_t - first_t (FORMAT.md "Index and trailer") */
			uint64_t v[5];
			for (int k = 0; k < 5 && !bad; k++) {
				size_t m = get_varint(b + pos, end - pos, &v[k]);
				bad = !m;
				pos += m;
			}
			bad = bad || v[0] > ioff - prev_off || v[1] > UINT64_MAX - prev_ev || v[2] > UINT32_MAX;
			if (!bad) {
				ci.offset = prev_off + v[0];
				ci.first_event = prev_ev + v[1];
				ci.count = (uint32_t)v[2];
				ci.first_t = prev_last + unzigzag64(v[3]);
				ci.last_t = ci.first_t + unzigzag64(v[4]);
			}
		} else {
			const uint8_t *e = b + 8 + (size_t)i * INDEX_ENTRY_LEN;
			ci.offset = get_le64(e);
			ci.first_event = get_le64(e + 8);
			ci.first_t = get_le64(e + 16);
			ci.last_t = get_le64(e + 24);
			ci.count = get_le32(e + 32);
		}
		ci.seq = i;
		if (bad || ci.offset < prev_end || ci.offset > ioff || ioff - ci.offset < min_hdr ||
		    ci.first_event < prev_ev || ci.first_event > UINT64_MAX - ci.count) {
			free(b);
			*why = "index entries out of order or out of range";
			r->nchunks = 0;
			r->events = 0;
			return -1;
		}
		prev_end = ci.offset + min_hdr;
		prev_off = ci.offset;
		prev_ev = ci.first_event + ci.count;
		prev_last = ci.last_t;
		sum += ci.count;
		if (push_chunk(r, &ci)) {
			free(b);
			*why = "out of memory";
			return -1;
		}
	}
	if (compact && pos != end) {
		free(b);
		*why = "index entries out of order or out of range";
		r->nchunks = 0;
		r->events = 0;
		return -1;
	}
	free(b);
	if (sum != events) {
		*why = "index event count mismatch";
		r->nchunks = 0;
		r->events = 0;
		return -1;
	}
	r->data_end = ioff;
	return 0;
}

/* Search forward from off for the next position holding a valid chunk
 * header. Returns its offset or UINT64_MAX. */
static uint64_t resync(struct trace_reader *r, uint64_t off)
{
	uint8_t win[65536 + CHUNK_HDR_LEN];
	while (off < r->size && r->size - off >= CHUNK_HDR_LEN) {
		size_t len = r->size - off < sizeof win ? (size_t)(r->size - off) : sizeof win;
		if (src_read(r, off, win, len))
			return UINT64_MAX;
		for (size_t i = 0; i + CHUNK_HDR_LEN <= len; i++) {
			struct trace_chunk_info ci;
			const char *why;
			if (win[i] == 'I' && get_le32(win + i) == CHUNK_MAGIC && !parse_chunk_header(win + i, &ci, &why))
				return off + i;
		}
		off += len - CHUNK_HDR_LEN + 1;
	}
	return UINT64_MAX;
}

static void note(struct trace_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct trace_reader *r, const char *fmt, ...)
{
	size_t used = strlen(r->rec.message);
	if (used + 3 >= sizeof r->rec.message)
		return;
	if (used) {
		strcpy(r->rec.message + used, "; ");
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->rec.message + used, sizeof r->rec.message - used, fmt, ap);
	va_end(ap);
}

static int scan_chunks(struct trace_reader *r, uint64_t hlen)
{
	uint64_t off = hlen, next_seq = 0, next_ev = 0;
	r->data_end = r->size;
	while (off < r->size) {
		struct trace_chunk_info ci;
		const char *why = "";
		/* a compact header continues the chunk right before it */
		const struct trace_chunk_info *prev = r->nchunks ? &r->chunks[r->nchunks - 1] : NULL;
		if (prev && prev->offset + prev->hdr_len + prev->comp_size != off)
			prev = NULL;
		int rc = check_chunk_at(r, off, prev, &ci, NULL, &why);
		if (rc == TRACE_E_NOMEM || rc == TRACE_E_IO)
			return rerr(r, rc, "%s", why);
		if (!rc && (ci.seq < next_seq || ci.first_event < next_ev)) {
			why = "sequence or event numbers go backwards";
			rc = TRACE_E_CORRUPT;
		}
		if (!rc) {
			if (push_chunk(r, &ci))
				return TRACE_E_NOMEM;
			next_seq = ci.seq + 1;
			next_ev = ci.first_event + ci.count;
			off += ci.hdr_len + ci.comp_size;
			continue;
		}
		/* A damaged footer ends the chunk area. */
		uint8_t m[4];
		if (r->size - off >= 4 && !src_read(r, off, m, 4) && get_le32(m) == INDEX_MAGIC &&
		    r->size - off >= 12 + TRAILER_LEN) {
			r->data_end = off;
			return 0;
		}
		uint64_t nxt = resync(r, off + 1);
		if (nxt == UINT64_MAX) {
			r->rec.torn = true;
			r->rec.torn_offset = off;
			r->rec.torn_bytes = r->size - off;
			r->rec.torn_chunk = rc == TRACE_E_TRUNCATED && strcmp(why, "truncated chunk header") ? ci.seq : next_seq;
			note(r, "torn chunk %" PRIu64 " at offset 0x%" PRIx64 ": %s (%" PRIu64 " bytes dropped)",
			     r->rec.torn_chunk, off, why, r->rec.torn_bytes);
			return 0;
		}
		r->rec.skipped++;
		note(r, "skipped %" PRIu64 " damaged bytes at offset 0x%" PRIx64 " (%s)", nxt - off, off, why);
		off = nxt;
	}
	return 0;
}

/* ------------------------------------------------------------ open */

static struct trace_reader *reader_open(struct trace_reader *r, char *err, size_t errlen)
{
	uint64_t hlen = 0;
	const char *why = "";
	int rc = read_header(r, &hlen);
	if (!rc) {
		if (load_footer(r, hlen, &why)) {
			if (r->err[0] && !strcmp(why, "out of memory"))
				rc = TRACE_E_NOMEM;
			r->nchunks = 0;
			r->events = 0;
			r->rec.index_rebuilt = true;
			note(r, "%s: index rebuilt by scanning", why);
			if (!rc)
				rc = scan_chunks(r, hlen);
		}
	}
	if (rc) {
		if (err && errlen)
			snprintf(err, errlen, "%s", r->err);
		trace_reader_close(r);
		return NULL;
	}
	r->err[0] = 0;
	return r;
}

static struct trace_reader *reader_new(const char *name, char *err, size_t errlen)
{
	struct trace_reader *r = calloc(1, sizeof *r);
	if (r && !(r->name = strdup(name ? name : "<memory>"))) {
		free(r);
		r = NULL;
	}
	if (!r && err && errlen)
		snprintf(err, errlen, "out of memory");
	if (r)
		r->fd = -1;
	if (r)
		r->hist_for = SIZE_MAX;
	return r;
}

struct trace_reader *trace_reader_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct trace_reader *r = reader_new(path, err, errlen);
	if (!r)
		return NULL;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st)) {
		if (err && errlen)
			snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		trace_reader_close(r);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		trace_reader_close(r);
		return NULL;
	}
	r->size = (uint64_t)st.st_size;
	return reader_open(r, err, errlen);
}

struct trace_reader *trace_reader_open_mem(const void *buf, size_t len, const char *name, char *err,
					   size_t errlen)
{
	static const uint8_t empty[1];
	struct trace_reader *r = reader_new(name, err, errlen);
	if (!r)
		return NULL;
	r->mem = buf ? buf : empty;
	r->size = buf ? len : 0;
	return reader_open(r, err, errlen);
}

void trace_reader_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->nkv; i++) {
		free(r->kv[i].key);
		free(r->kv[i].value);
	}
	free(r->kv);
	free(r->chunks);
	free(r->hist);
	free(r->name);
	free(r);
}

const char *trace_reader_error(const struct trace_reader *r) { return r->err; }

void trace_reader_version(const struct trace_reader *r, unsigned *major, unsigned *minor)
{
	*major = r->major;
	*minor = r->minor;
}

static const struct kv_entry *kv_find(const struct trace_reader *r, const char *key)
{
	for (size_t i = 0; i < r->nkv; i++)
		if (!strcmp(r->kv[i].key, key))
			return &r->kv[i];
	return NULL;
}

const char *trace_reader_config(const struct trace_reader *r, const char *key)
{
	const struct kv_entry *e = kv_find(r, key);
	return e ? e->value : NULL;
}

int trace_reader_config_u64(const struct trace_reader *r, const char *key, uint64_t *v)
{
	const struct kv_entry *e = kv_find(r, key);
	if (!e || e->type == KV_TEXT)
		return TRACE_E_RANGE;
	*v = e->num;
	return 0;
}

size_t trace_reader_config_count(const struct trace_reader *r) { return r->nkv; }

int trace_reader_config_at(const struct trace_reader *r, size_t i, const char **key, const char **value)
{
	if (i >= r->nkv)
		return TRACE_E_RANGE;
	*key = r->kv[i].key;
	*value = r->kv[i].value;
	return 0;
}

size_t trace_reader_chunk_count(const struct trace_reader *r) { return r->nchunks; }
uint32_t trace_reader_features(const struct trace_reader *r) { return r->features; }
uint64_t trace_reader_event_count(const struct trace_reader *r) { return r->events; }
const struct trace_recovery *trace_reader_recovery(const struct trace_reader *r) { return &r->rec; }

/* Read chunk i's header and check it against what the index says. */
static int chunk_header_checked(struct trace_reader *r, size_t i, struct trace_chunk_info *ci)
{
	if (i >= r->nchunks)
		return rerr(r, TRACE_E_RANGE, "no chunk %zu (the trace has %zu)", i, r->nchunks);
	const struct trace_chunk_info *e = &r->chunks[i];
	const char *why;
	uint32_t crc;
	int rc = read_chunk_header(r, e->offset, i ? &r->chunks[i - 1] : NULL, ci, &crc, &why);
	if (rc == TRACE_E_IO || rc == TRACE_E_NOMEM)
		return rc;
	if (rc == TRACE_E_TRUNCATED && !strcmp(why, "truncated chunk header"))
		return rerr(r, rc, "chunk %zu at offset 0x%" PRIx64 ": truncated header", i, e->offset);
	if (rc)
		return rerr(r, rc, "chunk %zu at offset 0x%" PRIx64 ": %s", i, e->offset, why);
	if (ci->seq != e->seq || ci->first_event != e->first_event || ci->count != e->count ||
	    ci->first_t != e->first_t || ci->last_t != e->last_t)
		return rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": header disagrees with the index", i, e->offset);
	if (r->data_end - e->offset - ci->hdr_len < ci->comp_size)
		return rerr(r, TRACE_E_TRUNCATED, "chunk %zu at offset 0x%" PRIx64 ": payload runs past the chunk area", i, e->offset);
	return 0;
}

int trace_reader_chunk_info(struct trace_reader *r, size_t i, struct trace_chunk_info *info)
{
	return chunk_header_checked(r, i, info);
}

int trace_reader_find_event(struct trace_reader *r, uint64_t n, size_t *chunk)
{
	size_t lo = 0, hi = r->nchunks;
	while (lo < hi) { /* first chunk with first_event > n */
		size_t mid = lo + (hi - lo) / 2;
		if (r->chunks[mid].first_event <= n)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || n - r->chunks[lo - 1].first_event >= r->chunks[lo - 1].count)
		return rerr(r, TRACE_E_RANGE, "event %" PRIu64 " is not in the trace", n);
	*chunk = lo - 1;
	return 0;
}

int trace_reader_find_time(struct trace_reader *r, uint64_t t, size_t *chunk)
{
	if (!r->nchunks)
		return rerr(r, TRACE_E_RANGE, "the trace has no chunks");
	size_t lo = 0, hi = r->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->chunks[mid].first_t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	*chunk = lo ? lo - 1 : 0;
	return 0;
}

/* Where the streams of a split-layout payload (format 2.2) lie, which the
 * record decoders below read in place: 0, or the reader's error if they do
 * not fit together. */
static int locate_streams(struct trace_reader *r, size_t i, uint64_t off, struct trace_chunk *c)
{
	size_t start = 4 + c->kf_len;
	uint32_t bad = 0;
	if (trace_records_locate(c->raw + start, c->info.raw_size - start, c->info.count, &c->st, &bad)) {
		if (bad < c->info.count)
			return rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": record %" PRIu32 " of the split records is malformed", i, off, bad);
		return rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": the time, deadline and context streams do not fit the records", i, off);
	}
	c->st.dt += start;
	c->st.dl += start;
	c->st.cx += start;
	c->split = true;
	return 0;
}

/* Linked chunks (2.3): chunk k, LINKED, continues chunk k - 1 without a gap. */
static int linked_to_prev(struct trace_reader *r, size_t k, const struct trace_chunk_info *ci,
			  struct trace_chunk_info *prev)
{
	if (!(r->features & TRACE_FEATURE_LINKED))
		return rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": linked chunk in a trace without linked chunks", k, ci->offset);
	if (k == 0 || r->chunks[k - 1].seq + 1 != ci->seq ||
	    r->chunks[k - 1].first_event + r->chunks[k - 1].count != ci->first_event)
		return rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": linked to a chunk that is not in the trace", k, ci->offset);
	return chunk_header_checked(r, k - 1, prev);
}

/* Make r->hist the history linked chunk i decodes against: decode the
 * chunks of its run before it, from the last unlinked one on (each
 * trace_reader_load_chunk below leaves the history after it). */
static int history_for(struct trace_reader *r, size_t i, const struct trace_chunk_info *ci)
{
	/* the cached history is chunk i - 1's only if i continues it */
	if (r->hist_for == i && i > 0 && r->chunks[i - 1].seq + 1 == ci->seq &&
	    r->chunks[i - 1].first_event + r->chunks[i - 1].count == ci->first_event)
		return 0;
	size_t j = i;
	struct trace_chunk_info cur = *ci, prev;
	while (cur.flags & CHUNK_FLAG_LINKED) {
		if (linked_to_prev(r, j, &cur, &prev))
			return r->status;
		j--;
		cur = prev;
		if (r->hist_for == j) /* chunk j's history is at hand: go on from there */
			break;
	}
	for (size_t k = j; k < i; k++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, k);
		if (!c) {
			char why[sizeof r->err];
			snprintf(why, sizeof why, "%s", r->err);
			return rerr(r, r->status ? r->status : TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": linked to chunk %zu, which does not load (%s)", i, ci->offset, k, why);
		}
		trace_chunk_free(c);
	}
	return 0;
}

struct trace_chunk *trace_reader_load_chunk(struct trace_reader *r, size_t i)
{
	struct trace_chunk_info ci;
	if (chunk_header_checked(r, i, &ci))
		return NULL;
	bool linked = ci.flags & CHUNK_FLAG_LINKED;
	if (linked) {
		if (!(r->features & TRACE_FEATURE_LINKED)) {
			rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": linked chunk in a trace without linked chunks", i, ci.offset);
			return NULL;
		}
		if (history_for(r, i, &ci))
			return NULL;
	}
	uint8_t *comp = NULL;
	const char *why = "";
	uint64_t off = ci.offset;
	int rc = check_chunk_at(r, off, i ? &r->chunks[i - 1] : NULL, &ci, &comp, &why);
	if (rc) {
		rerr(r, rc, "chunk %zu at offset 0x%" PRIx64 ": %s", i, off, why);
		return NULL;
	}
	struct trace_chunk *c = calloc(1, sizeof *c);
	uint8_t *raw = (ci.flags & CHUNK_FLAG_STORED) ? comp : malloc(ci.raw_size);
	if (!c || !raw) {
		free(c);
		free(comp);
		if (raw != comp)
			free(raw);
		rerr(r, TRACE_E_NOMEM, "chunk %zu: out of memory", i);
		return NULL;
	}
	if (raw != comp) {
		int n = linked ? LZ4_decompress_safe_usingDict((const char *)comp, (char *)raw, (int)ci.comp_size,
							       (int)ci.raw_size, (const char *)r->hist, (int)r->hist_len)
			       : LZ4_decompress_safe((const char *)comp, (char *)raw, (int)ci.comp_size, (int)ci.raw_size);
		free(comp);
		if (n != (int)ci.raw_size) {
			free(raw);
			free(c);
			rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": LZ4 payload does not decode to %" PRIu32 " bytes", i, off, ci.raw_size);
			return NULL;
		}
	}
	uint32_t kf = get_le32(raw);
	if (kf > ci.raw_size - 4) {
		free(raw);
		free(c);
		rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": keyframe length %" PRIu32 " exceeds the payload", i, off, kf);
		return NULL;
	}
	if (linked && kf) {
		free(raw);
		free(c);
		rerr(r, TRACE_E_CORRUPT, "chunk %zu at offset 0x%" PRIx64 ": a linked chunk has a keyframe", i, off);
		return NULL;
	}
	if (r->features & TRACE_FEATURE_LINKED) {
		/* the history the next chunk decodes against, if it is linked */
		if (!linked)
			r->hist_len = 0;
		trace_history_append(r->hist, &r->hist_len, raw, ci.raw_size);
		r->hist_for = i + 1;
	}
	c->info = ci;
	c->index = i;
	c->raw = raw;
	c->kf_len = kf;
	if ((r->features & TRACE_FEATURE_SPLIT) && locate_streams(r, i, off, c)) {
		trace_chunk_free(c);
		/* a chunk that does not load gives no history: the chunks linked
		 * to it do not load either, in whatever order they are read */
		r->hist_for = SIZE_MAX;
		return NULL;
	}
	trace_chunk_rewind(c);
	return c;
}

int trace_reader_load_keyframe(struct trace_reader *r, size_t i, uint8_t *buf, size_t cap, size_t *len)
{
	/* The whole block is decoded (LZ4_decompress_safe validates all of
	 * it): LZ4's partial decoder accepts a match at offset 0 and leaves
	 * its bytes unwritten, so a head-only decode could return garbage
	 * from a block whose checksum holds. The records are not parsed. */
	struct trace_chunk *c = trace_reader_load_chunk(r, i);
	if (!c)
		return r->status ? r->status : TRACE_E_CORRUPT;
	int rc = 0;
	if (c->kf_len > cap)
		rc = rerr(r, TRACE_E_RANGE, "chunk %zu: keyframe of %zu bytes exceeds the %zu-byte buffer", i,
			  c->kf_len, cap);
	else
		memcpy(buf, c->raw + 4, *len = c->kf_len);
	trace_chunk_free(c);
	return rc;
}

size_t trace_reader_run_start(struct trace_reader *r, size_t i)
{
	while (i > 0) {
		struct trace_chunk_info prev, cur;
		/* a linked chunk is a continuation: no need to decode it */
		if (!chunk_header_checked(r, i, &cur) && (cur.flags & CHUNK_FLAG_LINKED) &&
		    !linked_to_prev(r, i, &cur, &prev)) {
			i--;
			continue;
		}
		struct trace_chunk *c = trace_reader_load_chunk(r, i);
		bool cont = c && !c->kf_len && !trace_reader_chunk_info(r, i - 1, &prev) &&
			    c->info.seq == prev.seq + 1 && c->info.first_event == prev.first_event + prev.count;
		trace_chunk_free(c);
		if (!cont)
			break;
		i--;
	}
	return i;
}

const uint8_t *trace_chunk_keyframe(const struct trace_chunk *c, size_t *len)
{
	*len = c->kf_len;
	return c->raw + 4;
}

const struct trace_chunk_info *trace_chunk_get_info(const struct trace_chunk *c) { return &c->info; }

void trace_chunk_rewind(struct trace_chunk *c)
{
	c->pos = 4 + c->kf_len;
	c->rec_end = c->split ? c->st.dt : c->info.raw_size;
	c->dt = c->st.dt;
	c->dl = c->st.dl;
	c->cx = c->st.cx;
	c->prev_t = c->info.first_t;
	c->n = 0;
	c->err[0] = 0;
}

const char *trace_chunk_error(const struct trace_chunk *c) { return c->err; }

static int cerr(struct trace_chunk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cerr(struct trace_chunk *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(c->err, sizeof c->err, "chunk %zu at offset 0x%" PRIx64 ": record %" PRIu32 " (event %" PRIu64 "): %s",
		 c->index, c->info.offset, c->n, c->info.first_event + c->n, msg);
	return TRACE_E_CORRUPT;
}

/* The kinds of fixed size: their bytes in order (the caller checked there
 * are enough). */
static inline __attribute__((always_inline)) size_t decode_fixed(unsigned kind, const uint8_t *b, size_t p, struct irq_event *ev)
{
	size_t p0 = p;
	switch (kind) {
	case EV_IRQ:
		ev->u.irq.gsi = b[p];
		ev->u.irq.level = b[p + 1];
		p += 2;
		break;
	case EV_INTACK:
		ev->u.intack.cpu = b[p];
		ev->u.intack.vector = b[p + 1];
		p += 2;
		break;
	case EV_EOI:
		ev->u.eoi.vector = b[p];
		ev->u.eoi.cpu = b[p + 1];
		p += 2;
		break;
	case EV_WIRE:
		ev->u.wire.id = b[p];
		ev->u.wire.level = b[p + 1];
		p += 2;
		break;
	case EV_APIC_MSG:
		ev->u.apic.dest = b[p];
		ev->u.apic.vector = b[p + 1];
		ev->u.apic.delivery = b[p + 2];
		ev->u.apic.destmode = b[p + 3];
		ev->u.apic.trigger = b[p + 4];
		ev->u.apic.pin = b[p + 5];
		p += 6;
		break;
	case EV_LINT:
		ev->u.lint.cpu = b[p];
		ev->u.lint.pin = b[p + 1];
		ev->u.lint.mode = b[p + 2];
		ev->u.lint.level = b[p + 3];
		ev->u.lint.vector = b[p + 4];
		p += 5;
		break;
	}
	return p - p0;
}

/* A record's fields after its tag and time delta, from b[*pp] (end: where
 * the records end), as trace_writer_append encodes them: each kind's checks
 * and messages name its fields (not the table of kinds). In the split
 * layout a deadline's value and a context record's bytes are in their own
 * streams. 1 or cerr(). */
static int decode_payload(struct trace_chunk *c, const uint8_t *b, size_t end, size_t *pp,
			  struct trace_record *rec)
{
	struct irq_event *ev = &rec->ev;
	unsigned kind = rec->kind;
	size_t p = *pp, k, *q, qend;
	uint64_t v;
	static const uint8_t fixed[0x24] = {
		[EV_IRQ] = 2, [EV_INTACK] = 2, [EV_EOI] = 2, [EV_WIRE] = 2, [EV_APIC_MSG] = 6, [EV_LINT] = 5,
	};
	if (kind < sizeof fixed && end - p < fixed[kind])
		return cerr(c, "record truncated");
	switch (kind) {
	case EV_IRQ:
	case EV_INTACK:
	case EV_EOI:
	case EV_WIRE:
	case EV_APIC_MSG:
	case EV_LINT:
		p += decode_fixed(kind, b, p, ev);
		break;
	case EV_RESET:
	case EV_TIME:
		break;
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		if (!(k = get_varint(b + p, end - p, &v)) || v > 0xffff || end - p - k < 1)
			return cerr(c, "bad port access fields");
		ev->u.pio.port = (uint16_t)v;
		ev->u.pio.value = b[p + k];
		p += k + 1;
		break;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
		if (!(k = get_varint(b + p, end - p, &v)))
			return cerr(c, "bad mmio address");
		ev->u.mmio.addr = v;
		p += k;
		if (!(k = get_varint(b + p, end - p, &v)) || v > UINT32_MAX)
			return cerr(c, "bad mmio value");
		ev->u.mmio.value = (uint32_t)v;
		p += k;
		break;
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		if (!(k = get_varint(b + p, end - p, &v)))
			return cerr(c, "bad mmio64 address");
		ev->u.mmio64.addr = v;
		p += k;
		if (!(k = get_varint(b + p, end - p, &v)))
			return cerr(c, "bad mmio64 value");
		ev->u.mmio64.value = v;
		p += k;
		break;
	case EV_LVT:
		if (end - p < 3)
			return cerr(c, "record truncated");
		ev->u.lvt.cpu = b[p];
		ev->u.lvt.pin = b[p + 1];
		p += 2;
		if (!(k = get_varint(b + p, end - p, &v)) || v > UINT32_MAX)
			return cerr(c, "bad lvt value");
		ev->u.lvt.value = (uint32_t)v;
		p += k;
		break;
	case EV_DEADLINE:
		q = c->split ? &c->dl : &p;
		qend = c->split ? c->st.cx : end;
		if (!(k = get_varint(b + *q, qend - *q, &v)))
			return cerr(c, "bad deadline");
		ev->u.deadline.t = rec->t + v;
		*q += k;
		break;
	default:
		if (!EV_IS_CONTEXT(kind))
			return cerr(c, "unknown event kind 0x%02x", kind);
		if (!(k = get_varint(b + p, end - p, &v)) || v > CONTEXT_MAX)
			return cerr(c, "bad context record length");
		p += k;
		q = c->split ? &c->cx : &p;
		qend = c->split ? c->info.raw_size : end;
		if (v > qend - *q)
			return cerr(c, "bad context record length");
		rec->data = b + *q;
		rec->len = (size_t)v;
		*q += (size_t)v;
		break;
	}
	*pp = p;
	return 1;
}

/* One record, as trace_chunk_next says. bulk: rec was not cleared by the
 * caller, clear only what a board event or a context record fills (the
 * bulk decoder's hot path; the checks and messages are the same). */
static inline __attribute__((always_inline)) int chunk_next_core(struct trace_chunk *c,
								  struct trace_record *rec, bool bulk)
{
	const uint8_t *b = c->raw;
	size_t end = c->rec_end, p = c->pos, k, *q, qend;
	uint64_t dt = 0;
	if (c->err[0])
		return TRACE_E_CORRUPT;
	if (c->n == c->info.count) {
		if (p != end)
			return cerr(c, "%zu bytes after the last record", end - p);
		if (c->n && c->prev_t != c->info.last_t)
			return cerr(c, "last record's time disagrees with the chunk header");
		return 0;
	}
	if (p >= end)
		return cerr(c, "payload ends before the record");
	unsigned tag = b[p++], kind = tag & 0x7f;
	if (!(tag & TAG_DT_ZERO)) {
		q = c->split ? &c->dt : &p;
		qend = c->split ? c->st.dl : end;
		if (*q < qend && b[*q] < 0x80) { /* one-byte delta: most of them */
			dt = b[(*q)++];
		} else {
			if (!(k = get_varint(b + *q, qend - *q, &dt)))
				return cerr(c, "bad time delta");
			*q += k;
		}
	}
	if (c->n == 0 && dt)
		return cerr(c, "first record's time disagrees with the chunk header");
	if (bulk) {
		memset(&rec->ev, 0, sizeof rec->ev);
		rec->data = NULL;
		rec->len = 0;
	} else {
		memset(rec, 0, sizeof *rec);
	}
	rec->t = c->prev_t + dt;
	rec->kind = kind;
	rec->num = c->info.first_event + c->n;
	rec->ev.t = rec->t;
	rec->ev.kind = (uint8_t)kind;
	if (decode_payload(c, b, end, &p, rec) < 0)
		return TRACE_E_CORRUPT;
	c->pos = p;
	c->prev_t = rec->t;
	c->n++;
	return 1;
}

int trace_chunk_next(struct trace_chunk *c, struct trace_record *rec)
{
	return chunk_next_core(c, rec, false);
}

/* The bulk decoder's fast path: records of the common kinds, while at least
 * EVENT_MAX_BYTES remain (no bound to check inside a record), decoded into
 * out[*k..max). It stops, with c in step, at a record it leaves to
 * chunk_next_core: any other kind (context records), any malformed field
 * (whose message the core writes), the end of the chunk, the last bytes. */
/* get_varint where at least 10 bytes are there to read: 0 when it is longer
 * than 10 bytes or overflows (the record decoder then names the field). */
static inline __attribute__((always_inline)) size_t varint10(const uint8_t *p, uint64_t *v)
{
	uint64_t r = 0;
	if (p[0] < 0x80) {
		*v = p[0];
		return 1;
	}
	if (p[1] < 0x80) {
		*v = (p[0] & 0x7fu) | (uint64_t)p[1] << 7;
		return 2;
	}
	if (p[2] < 0x80) { /* e.g. 1 ms between timer edges, a deadline 1 ms on */
		*v = (p[0] & 0x7fu) | (uint64_t)(p[1] & 0x7fu) << 7 | (uint64_t)p[2] << 14;
		return 3;
	}
	for (size_t i = 0; i < 10; i++) {
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (i == 9 && (p[i] & 0xfe))
				return 0;
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

/* The fast path's per-kind table: how a record of the kind is laid out
 * after its time delta. FAST_FIXED: fast_len[kind] bytes (0..6) that are
 * the union's first bytes in order (decode_fixed; no kind or reset/time
 * payload); FAST_PIO: varint port, value byte; FAST_DEADLINE: varint
 * delta; FAST_NONE: left to the record decoder. */
enum { FAST_NONE, FAST_FIXED, FAST_PIO, FAST_DEADLINE };
static const uint8_t fast_class[128] = {
	[EV_RESET] = FAST_FIXED, [EV_TIME] = FAST_FIXED,
	[EV_PIO_WRITE] = FAST_PIO, [EV_PIO_READ] = FAST_PIO,
	[EV_IRQ] = FAST_FIXED, [EV_INTACK] = FAST_FIXED, [EV_EOI] = FAST_FIXED,
	[EV_WIRE] = FAST_FIXED, [EV_APIC_MSG] = FAST_FIXED, [EV_LINT] = FAST_FIXED,
	[EV_DEADLINE] = FAST_DEADLINE,
};
/* FAST_FIXED: the union's first 8 bytes as loaded, masked to the kind's
 * fixed bytes (0 to 6 of them; little-endian). */
#define LOW_BYTES(n) (~0ull >> (64 - 8 * (n)))
static const uint64_t fast_mask[128] = {
	[EV_IRQ] = LOW_BYTES(2), [EV_INTACK] = LOW_BYTES(2), [EV_EOI] = LOW_BYTES(2),
	[EV_WIRE] = LOW_BYTES(2), [EV_APIC_MSG] = LOW_BYTES(6), [EV_LINT] = LOW_BYTES(5),
};
static const uint8_t fast_len[128] = {
	[EV_IRQ] = 2, [EV_INTACK] = 2, [EV_EOI] = 2, [EV_WIRE] = 2,
	[EV_APIC_MSG] = 6, [EV_LINT] = 5,
};
#define FAST_BYTES_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
_Static_assert(offsetof(struct irq_event, u) == 16 && sizeof(struct irq_event) == 32,
	       "an event is four words: t, kind, the union");

static inline __attribute__((always_inline)) uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline __attribute__((always_inline)) void store64(void *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* A varint where at least 10 bytes are there to read (or a well-formed
 * one): its length, 0 as varint10 says (never for a well-formed one). */
static inline __attribute__((always_inline)) size_t varint_fast(const uint8_t *q, uint64_t *v)
{
	if (q[0] < 0x80) {
		*v = q[0];
		return 1;
	}
	return varint10(q, v);
}

/* chunk_events_fast for one layout. split: the time deltas and deadline
 * values are read in their streams (checked whole by locate_streams), the
 * records' own bytes as in the interleaved layout. */
static inline __attribute__((always_inline)) void chunk_events_fast_in(struct trace_chunk *c,
									struct trace_event_rec *out,
									size_t max, size_t *kp, bool split)
{
	const uint8_t *b = c->raw, *s = b + c->pos, *slim, *dtp = b + c->dt, *dlp = b + c->dl;
	size_t end = c->info.raw_size, k = *kp;
	uint64_t prev_t = c->prev_t, num = c->info.first_event + c->n;
	uint32_t i = c->n, count = c->info.count;
	if (end < EVENT_MAX_BYTES || i == 0 || !FAST_BYTES_LE)
		return; /* (the first record's checks: the record decoder) */
	/* records to decode at most: those left that fit in out and surely
	 * start at least EVENT_MAX_BYTES before the end (none takes more), so
	 * that the loop checks no bound (a split chunk's other streams were
	 * checked whole, and its records take fewer bytes where s reads) */
	slim = b + (end - EVENT_MAX_BYTES);
	if (s > slim)
		return;
	size_t left = count - i < max - k ? count - i : max - k, safe = (size_t)(slim - s) / EVENT_MAX_BYTES + 1;
	if (left > safe)
		left = safe;
	struct trace_event_rec *r = out + k, *rend = r + left;
	while (r < rend) {
		size_t tag = s[0], kind = tag & 0x7f, w;
		unsigned cls = fast_class[kind];
		const uint8_t *q = s + 1;
		uint64_t dt = 0, v, u0 = 0; /* (set on every path that stores it; gcc -O2 with ASan cannot tell) */
		r->num = num; /* (a slot of out: harmless when the record is left to the core) */
		/* interleaved: the time delta, then the fields; split: the fields
		 * first, the record's pieces in the other streams once it is
		 * sure to be decoded here (they were checked whole: they parse) */
		if (!split && !(tag & TAG_DT_ZERO)) {
			if (!(w = varint_fast(q, &dt)))
				break;
			q += w;
		}
		if (cls == FAST_FIXED) {
			/* the union's first bytes, in file order */
			u0 = load64(q) & fast_mask[kind];
			q += fast_len[kind];
		} else if (cls == FAST_PIO) {
			if (!(w = varint_fast(q, &v)) || v > 0xffff)
				break;
			u0 = v | (uint64_t)q[w] << 16; /* port, value */
			q += w + 1;
		} else if (cls != FAST_DEADLINE) {
			break;
		}
		if (split && !(tag & TAG_DT_ZERO))
			dtp += varint_fast(dtp, &dt);
		uint64_t t = prev_t + dt;
		if (cls == FAST_DEADLINE) {
			if (split) {
				dlp += varint_fast(dlp, &v);
			} else {
				if (!(w = varint_fast(q, &v)))
					break;
				q += w;
			}
			u0 = t + v;
		}
		/* the event's four words: t, kind (padding zero), the union */
		num++;
		uint8_t *e = (uint8_t *)&r->ev;
		store64(e, t);
		store64(e + 8, kind);
		store64(e + 16, u0);
		store64(e + 24, 0);
		prev_t = t;
		s = q;
		r++;
	}
	size_t done = (size_t)(r - (out + k));
	c->pos = (size_t)(s - b);
	if (split) {
		c->dt = (size_t)(dtp - b);
		c->dl = (size_t)(dlp - b);
	}
	c->prev_t = prev_t;
	c->n = i + (uint32_t)done;
	*kp = k + done;
}

static void chunk_events_fast(struct trace_chunk *c, struct trace_event_rec *out, size_t max, size_t *kp)
{
	if (c->split)
		chunk_events_fast_in(c, out, max, kp, true);
	else
		chunk_events_fast_in(c, out, max, kp, false);
}

int trace_chunk_next_events(struct trace_chunk *c, struct trace_event_rec *out, size_t max,
			    size_t *n, uint64_t *context)
{
	struct trace_record rec;
	size_t k = 0;
	int rc = 1;
	while (k < max) {
		if (!c->err[0])
			chunk_events_fast(c, out, max, &k);
		if (k == max || (rc = chunk_next_core(c, &rec, true)) != 1)
			break;
		if (EV_IS_CONTEXT(rec.kind)) {
			++*context;
			continue;
		}
		out[k].num = rec.num;
		out[k].ev = rec.ev;
		k++;
	}
	*n = k;
	if (rc == 1 && k == max && c->n == c->info.count)
		rc = chunk_next_core(c, &rec, true); /* the end-of-chunk checks */
	return rc;
}

void trace_chunk_free(struct trace_chunk *c)
{
	if (!c)
		return;
	free(c->raw);
	free(c);
}
