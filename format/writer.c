/* SPDX-License-Identifier: MIT */
/*
 * Trace writer. The producer (the recorder, under its board lock) encodes
 * records into the open chunk's raw buffer; a sealed chunk is handed to one
 * background thread through a queue of at most queue_depth chunks, which
 * compresses it (LZ4 block), checksums it and writes it (file mode) or keeps
 * it in the ring (ring mode). When the queue is full the producer blocks:
 * memory stays bounded by (queue_depth + 2) raw buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <lz4hc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "irqrr/trace.h"
#include "trace_internal.h"

#define DEFAULT_CHUNK_BYTES (256u << 10)
#define DEFAULT_CHUNK_EVENTS (1u << 20)
#define DEFAULT_QUEUE_DEPTH 4
#define QUEUE_MAX 64

struct sealed {
	uint8_t *raw;
	size_t raw_len, raw_cap;
	uint64_t first_event, first_t, last_t;
	uint32_t count;
};

/* A compressed chunk kept by ring mode: header fields + payload. */
struct ring_chunk {
	struct ring_chunk *next;
	uint64_t first_event, first_t, last_t;
	uint32_t count, raw_size, comp_size, flags, crc;
	bool keyframe; /* begins a run (non-empty keyframe) */
	uint8_t payload[];
};

struct index_entry {
	uint64_t offset, first_event, first_t, last_t;
	uint32_t count;
};

struct trace_writer {
	/* ---- producer state (hot) ---- */
	uint8_t *buf;       /* open chunk's raw buffer, NULL if none */
	size_t pos;         /* bytes used */
	size_t limit;       /* pos beyond which append takes the slow path */
	size_t cap;
	size_t events_start; /* offset of the first record (after the keyframe) */
	uint64_t prev_t;    /* time of the previous record (0 before any) */
	uint64_t first_t;
	uint64_t next_event;
	uint64_t chunk_first_event;
	uint32_t chunk_count;
	bool full;
	/* the run since the last keyframe chunk (keyframe policy) */
	bool have_keyframe;  /* a chunk with a keyframe was begun */
	size_t run_bytes;    /* record bytes of the run's sealed chunks */
	unsigned run_chunks; /* the run's sealed chunks */
	uint64_t keyframes;  /* chunks begun with a keyframe */

	/* ---- configuration ---- */
	char *path;
	int fd;
	bool ring;
	size_t ring_max;
	size_t chunk_bytes;
	uint32_t chunk_events;
	unsigned depth;
	int accel;
	int hc_level; /* > 0: LZ4_compress_HC */
	atomic_bool closing; /* close began: the chunks left use LZ4 fast */
	size_t kf_bytes;   /* keyframe policy; both 0: every chunk */
	unsigned kf_chunks;
	unsigned delay_us;
	bool split; /* 2.2 split record layout (streams.c); false: 2.1 interleaved */
	bool linked; /* 2.3: continuation chunks compressed against their run's history */
	bool compact; /* 2.4: compact headers on linked chunks, varint index */
	uint8_t *header; /* the file header bytes (ring dumps rewrite them) */
	size_t header_len;

	/* ---- shared with the thread, under mu ---- */
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_space;
	struct sealed queue[QUEUE_MAX];
	unsigned q_head, q_len;
	bool busy, stop;
	uint8_t *free_bufs[QUEUE_MAX + 2];
	size_t free_caps[QUEUE_MAX + 2];
	unsigned nfree;
	atomic_int failed;
	int fail_status;
	char err[256];
	struct trace_writer_stats st;

	/* ---- thread-owned (read by the producer only when the thread is idle) ---- */
	pthread_t thread;
	bool thread_started;
	uint8_t *comp;
	size_t comp_cap;
	void *hc_state; /* LZ4_sizeofStateHC() bytes, when hc_level */
	uint8_t *split_buf, *split_tmp; /* the split payload and scratch */
	size_t split_cap;
	uint8_t *hist; /* linked: the history of the run so far (TRACE_HISTORY_MAX bytes) */
	size_t hist_len;
	bool hist_on; /* a chunk was compressed: the next continuation can link to it */
	void *lz4_stream; /* linked: LZ4_stream_t / LZ4_streamHC_t for compressing with a dictionary */
	void *lz4_stream_hc;
	uint64_t file_off;
	struct index_entry *index;
	size_t nindex, index_cap;
	struct ring_chunk *ring_head, *ring_tail;
	size_t ring_bytes;
	uint64_t ring_n;
};

static void set_err(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	if (!dst || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

/* Record the first failure; later ones keep the first message. Caller holds mu. */
static int fail_locked(struct trace_writer *w, int status, const char *msg)
{
	if (!atomic_load(&w->failed)) {
		snprintf(w->err, sizeof w->err, "%s", msg);
		w->fail_status = status;
		atomic_store(&w->failed, 1);
	}
	return w->fail_status;
}

static int fail(struct trace_writer *w, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct trace_writer *w, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&w->mu);
	status = fail_locked(w, status, msg);
	pthread_mutex_unlock(&w->mu);
	return status;
}

/* Argument errors do not poison the writer: the message is set, nothing written. */
static int reject(struct trace_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reject(struct trace_writer *w, const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&w->mu);
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof w->err, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&w->mu);
	return TRACE_E_INVAL;
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------ header */

/* An integer is stored typed only when rendering it back gives the same
 * text, so every value round-trips byte for byte. */
static int kv_classify(const char *s, uint64_t *v)
{
	char tmp[32];
	char *end;
	if (!*s || *s == '-' || *s == '+' || *s == ' ' || strlen(s) > 20)
		return KV_TEXT;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return KV_TEXT;
	*v = x;
	snprintf(tmp, sizeof tmp, "%llu", x);
	if (!strcmp(tmp, s))
		return KV_UDEC;
	snprintf(tmp, sizeof tmp, "0x%llx", x);
	if (!strcmp(tmp, s))
		return KV_UHEX;
	return KV_TEXT;
}

static uint8_t *build_header(const struct trace_kv *kv, size_t nkv, bool split, bool linked,
			     bool compact, size_t *out_len, char *err, size_t errlen)
{
	size_t len = TRACE_HDR_FIXED + 4;
	if (nkv > TRACE_KV_MAX) {
		set_err(err, errlen, "too many config entries (%zu, max %u)", nkv, TRACE_KV_MAX);
		return NULL;
	}
	for (size_t i = 0; i < nkv; i++) {
		size_t kl = kv[i].key ? strlen(kv[i].key) : 0;
		size_t vl = kv[i].value ? strlen(kv[i].value) : 0;
		uint64_t v;
		if (kl == 0 || kl > 255 || !kv[i].value || vl > 65535) {
			set_err(err, errlen, "config entry %zu: key must be 1..255 bytes, value < 64 KiB", i);
			return NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(kv[i].key, kv[j].key)) {
				set_err(err, errlen, "config key \"%s\" given twice", kv[i].key);
				return NULL;
			}
		len += 4 + kl + (kv_classify(kv[i].value, &v) == KV_TEXT ? vl : 8);
	}
	if (len > TRACE_HDR_MAX) {
		set_err(err, errlen, "config too large (%zu bytes)", len);
		return NULL;
	}
	uint8_t *h = calloc(1, len);
	if (!h) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(h, TRACE_MAGIC, TRACE_MAGIC_LEN);
	put_le16(h + 8, TRACE_FORMAT_MAJOR);
	/* 2.1 writes the interleaved layout a 2.1 reader reads; 2.2 needs the
	 * split-layout feature (a 2.1 reader refuses the unknown bit), 2.3 the
	 * linked-chunks one (a 2.2 reader refuses it), 2.4 the compact
	 * framing (a 2.3 reader refuses it) */
	put_le16(h + 10, compact ? 4 : linked ? 3 : split ? 2 : 1);
	/* min reader major: 2 decodes the 64-bit MMIO kinds (0x0b, 0x0c) */
	put_le16(h + 12, 2);
	put_le16(h + 14, 0); /* min reader minor */
	put_le32(h + 16, (split ? TRACE_FEATURE_SPLIT : 0) | (linked ? TRACE_FEATURE_LINKED : 0) |
			      (compact ? TRACE_FEATURE_COMPACT : 0)); /* required features */
	put_le32(h + 20, 0); /* optional features */
	put_le32(h + 24, (uint32_t)len);
	put_le32(h + 28, (uint32_t)nkv);
	uint8_t *p = h + TRACE_HDR_FIXED;
	for (size_t i = 0; i < nkv; i++) {
		size_t kl = strlen(kv[i].key), vl = strlen(kv[i].value);
		uint64_t v = 0;
		int type = kv_classify(kv[i].value, &v);
		p[0] = (uint8_t)type;
		p[1] = (uint8_t)kl;
		put_le16(p + 2, (uint16_t)(type == KV_TEXT ? vl : 8));
		memcpy(p + 4, kv[i].key, kl);
		p += 4 + kl;
		if (type == KV_TEXT) {
			memcpy(p, kv[i].value, vl);
			p += vl;
		} else {
			put_le64(p, v);
			p += 8;
		}
	}
	put_le32(p, trace_crc32c(0, h, len - 4));
	*out_len = len;
	return h;
}

/* ------------------------------------------------------------ chunks */

static void chunk_header(uint8_t *h, uint64_t seq, uint64_t first_event, uint32_t count,
			 uint64_t first_t, uint64_t last_t, uint32_t raw, uint32_t comp,
			 uint32_t flags, uint32_t crc)
{
	put_le32(h + 0, CHUNK_MAGIC);
	put_le16(h + 4, CHUNK_HDR_LEN);
	put_le16(h + 6, (uint16_t)flags);
	put_le64(h + 8, seq);
	put_le64(h + 16, first_event);
	put_le32(h + 24, count);
	put_le32(h + 28, 0);
	put_le64(h + 32, first_t);
	put_le64(h + 40, last_t);
	put_le32(h + 48, raw);
	put_le32(h + 52, comp);
	put_le32(h + 56, crc);
	put_le32(h + 60, trace_crc32c(0, h, 60));
}

/* The header of a chunk, into h (CHUNK_HDR_LEN bytes of room): compact
 * (2.4) for a LINKED chunk when prev, the chunk right before it in the
 * file, is given; its length. */
static size_t any_chunk_header(const struct trace_writer *w, uint8_t *h, const struct index_entry *prev,
			       uint64_t seq, uint64_t first_event, uint32_t count, uint64_t first_t,
			       uint64_t last_t, uint32_t raw, uint32_t comp, uint32_t flags, uint32_t crc)
{
	if (w->compact && prev && (flags & CHUNK_FLAG_LINKED))
		return trace_compact_header(h, flags, seq, first_event, count, prev->last_t, first_t, last_t, raw,
					    comp, crc);
	chunk_header(h, seq, first_event, count, first_t, last_t, raw, comp, flags, crc);
	return CHUNK_HDR_LEN;
}

/* Compress raw into *comp (grown as needed). Returns the payload length and
 * sets *flags; a payload LZ4 cannot shrink is stored as is. With a
 * dictionary stream (linked), the block is compressed against dict (the
 * run's history) and the chunk flagged LINKED, stored or not. */
struct dict_ctx {
	void *stream, *stream_hc; /* LZ4_stream_t, LZ4_streamHC_t */
	const uint8_t *dict;
	size_t len;
};

static int compress_payload(const uint8_t *raw, size_t len, uint8_t **comp, size_t *cap,
			    int accel, void *hc_state, int hc_level, uint32_t *flags, size_t *out,
			    const struct dict_ctx *d)
{
	size_t bound = (size_t)LZ4_compressBound((int)len);
	if (*cap < bound) {
		uint8_t *n = realloc(*comp, bound);
		if (!n)
			return TRACE_E_NOMEM;
		*comp = n;
		*cap = bound;
	}
	int c = 0;
	if (len && d && hc_state) {
		LZ4_resetStreamHC_fast(d->stream_hc, hc_level);
		LZ4_loadDictHC(d->stream_hc, (const char *)d->dict, (int)d->len);
		c = LZ4_compress_HC_continue(d->stream_hc, (const char *)raw, (char *)*comp, (int)len,
					     (int)bound);
	} else if (len && d) {
		LZ4_loadDict(d->stream, (const char *)d->dict, (int)d->len);
		c = LZ4_compress_fast_continue(d->stream, (const char *)raw, (char *)*comp, (int)len,
					       (int)bound, accel);
	} else if (len && hc_state)
		c = LZ4_compress_HC_extStateHC(hc_state, (const char *)raw, (char *)*comp, (int)len,
					       (int)bound, hc_level);
	else if (len)
		c = LZ4_compress_fast((const char *)raw, (char *)*comp, (int)len, (int)bound, accel);
	if (c <= 0 || (size_t)c >= len) {
		memcpy(*comp, raw, len);
		*flags = CHUNK_FLAG_STORED;
		*out = len;
	} else {
		*flags = 0;
		*out = (size_t)c;
	}
	if (d)
		*flags |= CHUNK_FLAG_LINKED;
	return 0;
}

static int index_push(struct trace_writer *w, const struct index_entry *e)
{
	if (w->nindex == w->index_cap) {
		size_t nc = w->index_cap ? w->index_cap * 2 : 64;
		struct index_entry *n = realloc(w->index, nc * sizeof *n);
		if (!n)
			return -1;
		w->index = n;
		w->index_cap = nc;
	}
	w->index[w->nindex++] = *e;
	return 0;
}

/* Ring mode, under mu: drop the oldest run (a chunk and the continuations
 * after it, up to the next chunk with a keyframe) while over budget, so the
 * ring always starts at a keyframe; the newest run is always kept. */
static void ring_drop_runs(struct trace_writer *w)
{
	while (w->ring_bytes > w->ring_max) {
		struct ring_chunk *next = w->ring_head->next;
		while (next && !next->keyframe)
			next = next->next;
		if (!next)
			return;
		while (w->ring_head != next) {
			struct ring_chunk *old = w->ring_head;
			w->ring_head = old->next;
			w->ring_bytes -= CHUNK_HDR_LEN + old->comp_size;
			w->ring_n--;
			w->st.ring_dropped++;
			free(old);
		}
	}
}

/* The split layout of a raw payload (keyframe as is, records split), in
 * w's thread-owned buffer; NULL when out of memory. */
static const uint8_t *split_payload(struct trace_writer *w, const uint8_t *raw, size_t len,
				    uint32_t count)
{
	if (w->split_cap < len) {
		uint8_t *b = realloc(w->split_buf, len), *t = b ? realloc(w->split_tmp, len) : NULL;
		if (b)
			w->split_buf = b;
		if (t)
			w->split_tmp = t;
		if (!b || !t)
			return NULL;
		w->split_cap = len;
	}
	size_t start = 4 + get_le32(raw);
	memcpy(w->split_buf, raw, start);
	trace_records_split(raw + start, len - start, count, w->split_buf + start, w->split_tmp);
	return w->split_buf;
}

/* Background thread: one sealed chunk. Called without mu. */
static void process_chunk(struct trace_writer *w, const struct sealed *s)
{
	uint32_t flags;
	size_t clen;
	char msg[256];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const uint8_t *raw = w->split ? split_payload(w, s->raw, s->raw_len, s->count) : s->raw;
	/* once the driver closes (a stop: Ctrl-C, the watchdog, the end), what
	 * is still queued is compressed fast: HC's ~10x cost per chunk would
	 * delay the stop by the queue's depth in HC runs */
	void *hc = atomic_load(&w->closing) ? NULL : w->hc_state;
	/* linked: a continuation is compressed against its run's history; a
	 * keyframe chunk starts a new history */
	bool cont = s->raw_len >= 4 && get_le32(s->raw) == 0 && w->hist_on;
	if (w->linked && !cont)
		w->hist_len = 0;
	struct dict_ctx d = { w->lz4_stream, w->lz4_stream_hc, w->hist, w->hist_len };
	int rc = raw ? compress_payload(raw, s->raw_len, &w->comp, &w->comp_cap, w->accel, hc,
					w->hc_level, &flags, &clen, w->linked && cont ? &d : NULL)
		     : TRACE_E_NOMEM;
	if (!rc && w->linked) {
		trace_history_append(w->hist, &w->hist_len, raw, s->raw_len);
		w->hist_on = true;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec -
		      (uint64_t)t0.tv_nsec;
	if (rc) {
		pthread_mutex_lock(&w->mu);
		fail_locked(w, TRACE_E_NOMEM, "out of memory compressing a chunk");
		pthread_mutex_unlock(&w->mu);
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->st.compress_ns += ns;
	pthread_mutex_unlock(&w->mu);
	uint32_t crc = trace_crc32c(0, w->comp, clen);
	if (w->delay_us) {
		struct timespec ts = { (time_t)(w->delay_us / 1000000), (long)(w->delay_us % 1000000) * 1000 };
		nanosleep(&ts, NULL);
	}
	if (w->ring) {
		struct ring_chunk *rc2 = malloc(sizeof *rc2 + clen);
		if (!rc2) {
			pthread_mutex_lock(&w->mu);
			fail_locked(w, TRACE_E_NOMEM, "out of memory in the ring");
			pthread_mutex_unlock(&w->mu);
			return;
		}
		rc2->next = NULL;
		rc2->first_event = s->first_event;
		rc2->first_t = s->first_t;
		rc2->last_t = s->last_t;
		rc2->count = s->count;
		rc2->raw_size = (uint32_t)s->raw_len;
		rc2->comp_size = (uint32_t)clen;
		rc2->flags = flags;
		rc2->crc = crc;
		rc2->keyframe = s->raw_len >= 4 && get_le32(s->raw) != 0;
		memcpy(rc2->payload, w->comp, clen);
		pthread_mutex_lock(&w->mu);
		if (w->ring_tail)
			w->ring_tail->next = rc2;
		else
			w->ring_head = rc2;
		w->ring_tail = rc2;
		w->ring_bytes += CHUNK_HDR_LEN + clen;
		w->ring_n++;
		ring_drop_runs(w);
		w->st.file_bytes = w->ring_bytes;
		pthread_mutex_unlock(&w->mu);
		return;
	}
	uint8_t hdr[CHUNK_HDR_LEN];
	struct index_entry e = { w->file_off, s->first_event, s->first_t, s->last_t, s->count };
	size_t hl = any_chunk_header(w, hdr, w->nindex ? &w->index[w->nindex - 1] : NULL, w->nindex,
				     s->first_event, s->count, s->first_t, s->last_t, (uint32_t)s->raw_len,
				     (uint32_t)clen, flags, crc);
	if (write_all(w->fd, hdr, hl, w->file_off) ||
	    write_all(w->fd, w->comp, clen, w->file_off + hl)) {
		snprintf(msg, sizeof msg, "write %s: %s", w->path, strerror(errno));
		pthread_mutex_lock(&w->mu);
		fail_locked(w, TRACE_E_IO, msg);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	w->file_off += hl + clen;
	pthread_mutex_lock(&w->mu);
	if (index_push(w, &e))
		fail_locked(w, TRACE_E_NOMEM, "out of memory growing the index");
	w->st.file_bytes = w->file_off;
	pthread_mutex_unlock(&w->mu);
}

static void *writer_thread(void *arg)
{
	struct trace_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->q_len && !w->stop)
			pthread_cond_wait(&w->cv_work, &w->mu);
		if (!w->q_len)
			break;
		struct sealed s = w->queue[w->q_head];
		w->q_head = (w->q_head + 1) % w->depth;
		w->q_len--;
		w->busy = true;
		bool skip = atomic_load(&w->failed) != 0;
		pthread_mutex_unlock(&w->mu);
		if (!skip)
			process_chunk(w, &s);
		pthread_mutex_lock(&w->mu);
		w->busy = false;
		if (w->nfree < QUEUE_MAX + 2) {
			w->free_bufs[w->nfree] = s.raw;
			w->free_caps[w->nfree++] = s.raw_cap;
		} else {
			free(s.raw);
			w->st.buffers--;
		}
		pthread_cond_broadcast(&w->cv_space);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Hand the open chunk to the thread, blocking while the queue is full. */
static int seal(struct trace_writer *w)
{
	if (!w->buf)
		return 0;
	struct sealed s = { w->buf, w->pos, w->cap, w->chunk_first_event, w->first_t, w->prev_t,
			    w->chunk_count };
	w->run_bytes += w->pos - w->events_start;
	w->run_chunks++;
	w->buf = NULL;
	w->pos = w->limit = w->cap = 0;
	pthread_mutex_lock(&w->mu);
	w->st.chunks++;
	w->st.raw_bytes += s.raw_len;
	if (w->q_len == w->depth)
		w->st.stalls++;
	while (w->q_len == w->depth)
		pthread_cond_wait(&w->cv_space, &w->mu);
	w->queue[(w->q_head + w->q_len) % w->depth] = s;
	w->q_len++;
	if (w->q_len > w->st.peak_queued)
		w->st.peak_queued = w->q_len;
	pthread_cond_signal(&w->cv_work);
	int rc = atomic_load(&w->failed) ? w->fail_status : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* A raw buffer of at least need bytes, recycled when possible. */
static uint8_t *get_buffer(struct trace_writer *w, size_t need, size_t *cap)
{
	uint8_t *b = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->nfree) {
		b = w->free_bufs[--w->nfree];
		*cap = w->free_caps[w->nfree];
	} else {
		w->st.buffers++;
		*cap = 0;
	}
	pthread_mutex_unlock(&w->mu);
	if (*cap < need) {
		uint8_t *n = realloc(b, need);
		if (!n) {
			free(b);
			pthread_mutex_lock(&w->mu);
			w->st.buffers--;
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		b = n;
		*cap = need;
	}
	return b;
}

static void set_limit(struct trace_writer *w)
{
	w->limit = w->cap >= EVENT_MAX_BYTES ? w->cap - EVENT_MAX_BYTES : 0;
	size_t full_at = w->events_start + w->chunk_bytes;
	if (full_at < w->limit)
		w->limit = full_at;
}

static int open_chunk(struct trace_writer *w, const void *kf, size_t len)
{
	size_t need = 4 + len + w->chunk_bytes + EVENT_MAX_BYTES + 64;
	size_t cap;
	uint8_t *b = get_buffer(w, need, &cap);
	if (!b)
		return fail(w, TRACE_E_NOMEM, "out of memory for a %zu-byte chunk buffer", need);
	put_le32(b, (uint32_t)len);
	if (len)
		memcpy(b + 4, kf, len);
	w->buf = b;
	w->cap = cap;
	w->pos = w->events_start = 4 + len;
	w->chunk_first_event = w->next_event;
	w->chunk_count = 0;
	w->first_t = w->prev_t;
	w->full = false;
	set_limit(w);
	return 0;
}

int trace_writer_begin_chunk(struct trace_writer *w, const void *keyframe, size_t len)
{
	if (len > KEYFRAME_MAX || (len && !keyframe))
		return reject(w, "keyframe of %zu bytes (max %u)", len, KEYFRAME_MAX);
	int rc = seal(w);
	if (rc)
		return rc;
	if (len) {
		w->have_keyframe = true;
		w->run_bytes = 0;
		w->run_chunks = 0;
		w->keyframes++;
	}
	return open_chunk(w, keyframe, len);
}

bool trace_writer_keyframe_due(const struct trace_writer *w)
{
	if (!w->have_keyframe || (!w->kf_bytes && !w->kf_chunks))
		return true;
	/* the run as it will be when the open chunk is sealed */
	size_t bytes = w->run_bytes + (w->buf ? w->pos - w->events_start : 0);
	unsigned chunks = w->run_chunks + (w->buf ? 1 : 0);
	return (w->kf_bytes && bytes >= w->kf_bytes) || (w->kf_chunks && chunks >= w->kf_chunks);
}

bool trace_writer_chunk_first_t(const struct trace_writer *w, uint64_t *t)
{
	if (!w->buf || !w->chunk_count)
		return false;
	*t = w->first_t;
	return true;
}

bool trace_writer_wants_keyframe(const struct trace_writer *w)
{
	return !w->buf || w->full || w->pos - w->events_start >= w->chunk_bytes ||
	       w->chunk_count >= w->chunk_events;
}

/* Make room for need more bytes plus one event. A chunk that is full by
 * the soft limits keeps growing until the driver begins the next one; only
 * the format's hard limit (CHUNK_RAW_MAX) forces a chunk with an empty
 * keyframe. Also recomputes limit, the fast path's bound. */
static int make_room(struct trace_writer *w, size_t need)
{
	int rc;
	if (!w->buf && (rc = open_chunk(w, NULL, 0)))
		return rc;
	if (w->pos - w->events_start >= w->chunk_bytes)
		w->full = true;
	size_t want = w->pos + need + EVENT_MAX_BYTES;
	if (want > CHUNK_RAW_MAX) {
		if ((rc = seal(w)) || (rc = open_chunk(w, NULL, 0)))
			return rc;
		want = w->pos + need + EVENT_MAX_BYTES;
	}
	if (want > w->cap) {
		size_t nc = w->cap * 2 < CHUNK_RAW_MAX ? w->cap * 2 : CHUNK_RAW_MAX;
		if (nc < want)
			nc = want;
		uint8_t *n = realloc(w->buf, nc);
		if (!n)
			return fail(w, TRACE_E_NOMEM, "out of memory growing a chunk");
		w->buf = n;
		w->cap = nc;
	}
	w->limit = w->cap - EVENT_MAX_BYTES - need;
	if (!w->full && w->events_start + w->chunk_bytes < w->limit)
		w->limit = w->events_start + w->chunk_bytes;
	if (w->limit < w->pos)
		w->limit = w->pos;
	return 0;
}

static inline uint8_t *put_tag_dt(struct trace_writer *w, uint8_t *p, unsigned kind, uint64_t t)
{
	uint64_t dt = t - w->prev_t; /* modulo 2^64: a backwards step still round-trips */
	if (w->chunk_count == 0) {
		w->first_t = t;
		dt = 0;
	}
	w->prev_t = t;
	if (dt == 0) {
		*p++ = (uint8_t)(kind | TAG_DT_ZERO);
		return p;
	}
	*p++ = (uint8_t)kind;
	return put_varint(p, dt);
}

/* The encoding is written out per kind rather than read from the table of
 * kinds (chips/event.c): it is the file format (docs/FORMAT.md), fixed per
 * kind number (varints for ports, addresses and 32-bit values, a deadline as
 * a delta), and this is the recorder's hot path. */
int trace_writer_append(struct trace_writer *w, const struct irq_event *ev)
{
	if (__builtin_expect(w->pos >= w->limit, 0)) {
		int rc = make_room(w, 0);
		if (rc)
			return rc;
	}
	uint8_t *p = w->buf + w->pos;
	switch (ev->kind) {
	case EV_RESET:
	case EV_TIME:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		break;
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		p = put_varint(p, ev->u.pio.port);
		*p++ = ev->u.pio.value;
		break;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		p = put_varint(p, ev->u.mmio.addr);
		p = put_varint(p, ev->u.mmio.value);
		break;
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		p = put_varint(p, ev->u.mmio64.addr);
		p = put_varint(p, ev->u.mmio64.value);
		break;
	case EV_IRQ:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		*p++ = ev->u.irq.gsi;
		*p++ = ev->u.irq.level;
		break;
	case EV_INTACK:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		*p++ = ev->u.intack.cpu;
		*p++ = ev->u.intack.vector;
		break;
	case EV_EOI:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		*p++ = ev->u.eoi.vector;
		*p++ = ev->u.eoi.cpu;
		break;
	case EV_LVT:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		*p++ = ev->u.lvt.cpu;
		*p++ = ev->u.lvt.pin;
		p = put_varint(p, ev->u.lvt.value);
		break;
	case EV_WIRE:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		*p++ = ev->u.wire.id;
		*p++ = ev->u.wire.level;
		break;
	case EV_APIC_MSG:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		p[0] = ev->u.apic.dest;
		p[1] = ev->u.apic.vector;
		p[2] = ev->u.apic.delivery;
		p[3] = ev->u.apic.destmode;
		p[4] = ev->u.apic.trigger;
		p[5] = ev->u.apic.pin;
		p += 6;
		break;
	case EV_LINT:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		p[0] = ev->u.lint.cpu;
		p[1] = ev->u.lint.pin;
		p[2] = ev->u.lint.mode;
		p[3] = ev->u.lint.level;
		p[4] = ev->u.lint.vector;
		p += 5;
		break;
	case EV_DEADLINE:
		p = put_tag_dt(w, p, ev->kind, ev->t);
		p = put_varint(p, ev->u.deadline.t - ev->t);
		break;
	default:
		return reject(w, "event kind 0x%02x is not a board event", ev->kind);
	}
	w->pos = (size_t)(p - w->buf);
	w->chunk_count++;
	w->next_event++;
	if (__builtin_expect(w->chunk_count >= w->chunk_events, 0))
		w->full = true;
	return 0;
}

int trace_writer_context(struct trace_writer *w, uint64_t t, unsigned kind, const void *data,
			 size_t len)
{
	if (!EV_IS_CONTEXT(kind))
		return reject(w, "context kind 0x%02x outside 0x40..0x7f", kind);
	if (len > CONTEXT_MAX || (len && !data))
		return reject(w, "context record of %zu bytes (max %u)", len, CONTEXT_MAX);
	if (!w->buf || w->pos + len + 10 + EVENT_MAX_BYTES > w->cap) {
		int rc = make_room(w, len + 10);
		if (rc)
			return rc;
	}
	uint8_t *p = put_tag_dt(w, w->buf + w->pos, kind, t);
	p = put_varint(p, len);
	if (len)
		memcpy(p, data, len);
	w->pos = (size_t)(p + len - w->buf);
	w->chunk_count++;
	w->next_event++;
	if (w->chunk_count >= w->chunk_events)
		w->full = true;
	if (w->limit > w->pos && w->pos + EVENT_MAX_BYTES > w->cap)
		w->limit = w->pos; /* next append takes the slow path */
	return 0;
}

/* Wait until the queue is empty and the thread idle. */
static int drain(struct trace_writer *w)
{
	pthread_mutex_lock(&w->mu);
	while (w->q_len || w->busy)
		pthread_cond_wait(&w->cv_space, &w->mu);
	int rc = atomic_load(&w->failed) ? w->fail_status : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int trace_writer_flush(struct trace_writer *w)
{
	int rc = seal(w);
	int rc2 = drain(w);
	if (rc || rc2)
		return rc ? rc : rc2;
	if (!w->ring && fdatasync(w->fd) && errno != EINVAL)
		return fail(w, TRACE_E_IO, "fsync %s: %s", w->path, strerror(errno));
	return 0;
}

static int write_footer(struct trace_writer *w, const struct index_entry *idx, size_t n,
			uint64_t off, uint64_t events)
{
	/* 2.4: five varints an entry (FORMAT.md "Index and trailer"), at most 50 bytes */
	size_t len = 8 + n * (w->compact ? 50 : INDEX_ENTRY_LEN) + 4 + TRAILER_LEN;
	uint8_t *b = malloc(len);
	if (!b)
		return fail(w, TRACE_E_NOMEM, "out of memory writing the index");
	put_le32(b, INDEX_MAGIC);
	put_le32(b + 4, (uint32_t)n);
	uint8_t *c = b + 8;
	for (size_t i = 0; i < n; i++) {
		if (w->compact) {
			const struct index_entry *p = i ? &idx[i - 1] : NULL;
			c = put_varint(c, idx[i].offset - (p ? p->offset : w->header_len));
			c = put_varint(c, idx[i].first_event - (p ? p->first_event + p->count : 0));
			c = put_varint(c, idx[i].count);
			c = put_varint(c, zigzag64(idx[i].first_t - (p ? p->last_t : 0)));
			c = put_varint(c, zigzag64(idx[i].last_t - idx[i].first_t));
			continue;
		}
		put_le64(c, idx[i].offset);
		put_le64(c + 8, idx[i].first_event);
		put_le64(c + 16, idx[i].first_t);
		put_le64(c + 24, idx[i].last_t);
		put_le32(c + 32, idx[i].count);
		put_le32(c + 36, 0);
		c += INDEX_ENTRY_LEN;
	}
	put_le32(c, trace_crc32c(0, b, (size_t)(c - b)));
	len = (size_t)(c + 4 + TRAILER_LEN - b);
	uint8_t *t = c + 4;
	put_le64(t, off);
	put_le64(t + 8, events);
	put_le32(t + 16, (uint32_t)n);
	put_le32(t + 20, trace_crc32c(0, t, 20));
	memcpy(t + 24, TRAILER_MAGIC, 8);
	int rc = write_all(w->fd, b, len, off);
	free(b);
	if (rc)
		return fail(w, TRACE_E_IO, "write %s: %s", w->path, strerror(errno));
	if (ftruncate(w->fd, (off_t)(off + len)) && errno != EINVAL)
		return fail(w, TRACE_E_IO, "truncate %s: %s", w->path, strerror(errno));
	if (fsync(w->fd) && errno != EINVAL)
		return fail(w, TRACE_E_IO, "fsync %s: %s", w->path, strerror(errno));
	return 0;
}

static int ring_write(struct trace_writer *w, bool with_open_chunk)
{
	/* The thread is idle (drained): the ring is stable. */
	uint8_t *tmp = NULL;
	size_t tmp_cap = 0, n = 0;
	struct index_entry *idx = NULL;
	uint64_t off = w->header_len, events = 0;
	int rc = 0;
	size_t max = w->ring_n + 1;
	idx = calloc(max, sizeof *idx);
	if (!idx)
		return fail(w, TRACE_E_NOMEM, "out of memory dumping the ring");
	if (write_all(w->fd, w->header, w->header_len, 0)) {
		free(idx);
		return fail(w, TRACE_E_IO, "write %s: %s", w->path, strerror(errno));
	}
	uint8_t hdr[CHUNK_HDR_LEN];
	for (struct ring_chunk *c = w->ring_head; c; c = c->next) {
		size_t hl = any_chunk_header(w, hdr, n ? &idx[n - 1] : NULL, n, c->first_event, c->count,
					     c->first_t, c->last_t, c->raw_size, c->comp_size, c->flags, c->crc);
		if (write_all(w->fd, hdr, hl, off) ||
		    write_all(w->fd, c->payload, c->comp_size, off + hl)) {
			rc = fail(w, TRACE_E_IO, "write %s: %s", w->path, strerror(errno));
			goto out;
		}
		idx[n] = (struct index_entry){ off, c->first_event, c->first_t, c->last_t, c->count };
		events += c->count;
		off += hl + c->comp_size;
		n++;
	}
	if (with_open_chunk && w->buf && (w->chunk_count || w->events_start > 4)) {
		uint32_t flags;
		size_t clen;
		const uint8_t *raw = w->split ? split_payload(w, w->buf, w->pos, w->chunk_count) : w->buf;
		/* a continuation goes on from the ring's last chunk, whose history
		 * the (idle) thread holds */
		bool cont = w->linked && get_le32(w->buf) == 0 && w->ring_head;
		struct dict_ctx d = { w->lz4_stream, w->lz4_stream_hc, w->hist, w->hist_len };
		if (!raw || compress_payload(raw, w->pos, &tmp, &tmp_cap, w->accel, NULL, 0, &flags, &clen,
					     cont ? &d : NULL)) {
			rc = fail(w, TRACE_E_NOMEM, "out of memory dumping the ring");
			goto out;
		}
		size_t hl = any_chunk_header(w, hdr, n ? &idx[n - 1] : NULL, n, w->chunk_first_event,
					     w->chunk_count, w->first_t, w->prev_t, (uint32_t)w->pos,
					     (uint32_t)clen, flags, trace_crc32c(0, tmp, clen));
		if (write_all(w->fd, hdr, hl, off) || write_all(w->fd, tmp, clen, off + hl)) {
			rc = fail(w, TRACE_E_IO, "write %s: %s", w->path, strerror(errno));
			goto out;
		}
		idx[n++] = (struct index_entry){ off, w->chunk_first_event, w->first_t, w->prev_t, w->chunk_count };
		events += w->chunk_count;
		off += hl + clen;
	}
	rc = write_footer(w, idx, n, off, events);
out:
	free(tmp);
	free(idx);
	return rc;
}

int trace_writer_dump(struct trace_writer *w)
{
	if (!w->ring)
		return reject(w, "dump needs a ring-mode writer");
	int rc = drain(w);
	if (rc)
		return rc;
	return ring_write(w, true);
}

static void writer_free(struct trace_writer *w)
{
	if (w->thread_started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->cv_work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	free(w->buf);
	for (unsigned i = 0; i < w->nfree; i++)
		free(w->free_bufs[i]);
	while (w->ring_head) {
		struct ring_chunk *n = w->ring_head->next;
		free(w->ring_head);
		w->ring_head = n;
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->comp);
	free(w->hc_state);
	free(w->split_buf);
	free(w->split_tmp);
	free(w->hist);
	if (w->lz4_stream)
		LZ4_freeStream(w->lz4_stream);
	if (w->lz4_stream_hc)
		LZ4_freeStreamHC(w->lz4_stream_hc);
	free(w->index);
	free(w->header);
	free(w->path);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv_work);
	pthread_cond_destroy(&w->cv_space);
	free(w);
}

int trace_writer_close(struct trace_writer *w, char *err, size_t errlen)
{
	atomic_store(&w->closing, true);
	int rc = seal(w);
	int rc2 = drain(w);
	if (!rc)
		rc = rc2;
	if (!rc) {
		if (w->ring) {
			rc = ring_write(w, false);
		} else {
			uint64_t events = 0;
			for (size_t i = 0; i < w->nindex; i++)
				events += w->index[i].count;
			rc = write_footer(w, w->index, w->nindex, w->file_off, events);
		}
	}
	if (!rc && close(w->fd)) {
		w->fd = -1;
		rc = fail(w, TRACE_E_IO, "close %s: %s", w->path, strerror(errno));
	}
	w->fd = -1;
	if (rc)
		set_err(err, errlen, "%s", w->err);
	else if (err && errlen)
		err[0] = 0;
	writer_free(w);
	return rc;
}

static struct trace_writer *writer_new(const char *path, const struct trace_kv *kv, size_t nkv,
				       const struct trace_writer_opts *o, bool ring, size_t ring_max,
				       char *err, size_t errlen)
{
	size_t hlen;
	if (!path) {
		set_err(err, errlen, "no trace path given");
		return NULL;
	}
	if (o && (o->queue_depth > QUEUE_MAX || o->chunk_bytes > CHUNK_RAW_MAX / 2)) {
		set_err(err, errlen, "writer options out of range (queue_depth <= %d, chunk_bytes <= %u)",
			QUEUE_MAX, CHUNK_RAW_MAX / 2);
		return NULL;
	}
	bool split = o && o->split, compact = o && o->compact, linked = compact || (o && o->linked);
	uint8_t *h = build_header(kv, nkv, split, linked, compact, &hlen, err, errlen);
	if (!h)
		return NULL;
	struct trace_writer *w = calloc(1, sizeof *w);
	if (!w || !(w->path = strdup(path))) {
		free(w);
		free(h);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	w->fd = -1;
	w->header = h;
	w->header_len = hlen;
	w->ring = ring;
	w->ring_max = ring_max;
	w->chunk_bytes = o && o->chunk_bytes ? o->chunk_bytes : DEFAULT_CHUNK_BYTES;
	w->chunk_events = o && o->chunk_events ? o->chunk_events : DEFAULT_CHUNK_EVENTS;
	w->depth = o && o->queue_depth ? o->queue_depth : DEFAULT_QUEUE_DEPTH;
	w->accel = o && o->lz4_accel > 0 ? o->lz4_accel : 1;
	w->hc_level = o && o->lz4_hc > 0 ? o->lz4_hc : 0;
	w->kf_bytes = o ? o->keyframe_bytes : 0;
	w->kf_chunks = o ? o->keyframe_chunks : 0;
	if (ring && (w->kf_bytes || w->kf_chunks) && (!w->kf_bytes || w->kf_bytes > ring_max / 4))
		w->kf_bytes = ring_max / 4 ? ring_max / 4 : 1;
	w->delay_us = o ? o->test_write_delay_us : 0;
	w->split = split;
	w->linked = linked;
	w->compact = compact;
	if ((w->hc_level && !(w->hc_state = malloc((size_t)LZ4_sizeofStateHC()))) ||
	    (linked && (!(w->hist = malloc(TRACE_HISTORY_MAX)) || !(w->lz4_stream = LZ4_createStream()) ||
			!(w->lz4_stream_hc = LZ4_createStreamHC())))) {
		free(w->hist);
		if (w->lz4_stream)
			LZ4_freeStream(w->lz4_stream);
		free(w->hc_state);
		set_err(err, errlen, "out of memory");
		free(w->header);
		free(w->path);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv_work, NULL);
	pthread_cond_init(&w->cv_space, NULL);
	atomic_init(&w->failed, 0);
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		set_err(err, errlen, "open %s: %s", path, strerror(errno));
		writer_free(w);
		return NULL;
	}
	if (!ring) {
		if (write_all(w->fd, h, hlen, 0)) {
			set_err(err, errlen, "write %s: %s", path, strerror(errno));
			writer_free(w);
			return NULL;
		}
		w->file_off = hlen;
		w->st.file_bytes = hlen;
	}
	if (pthread_create(&w->thread, NULL, writer_thread, w)) {
		set_err(err, errlen, "cannot start the trace writer thread");
		writer_free(w);
		return NULL;
	}
	w->thread_started = true;
	return w;
}

struct trace_writer *trace_writer_open(const char *path, const struct trace_kv *kv, size_t nkv,
				       const struct trace_writer_opts *opts, char *err, size_t errlen)
{
	return writer_new(path, kv, nkv, opts, false, 0, err, errlen);
}

struct trace_writer *trace_writer_open_ring(const char *path, const struct trace_kv *kv, size_t nkv,
					    size_t max_bytes, const struct trace_writer_opts *opts,
					    char *err, size_t errlen)
{
	return writer_new(path, kv, nkv, opts, true, max_bytes, err, errlen);
}

uint64_t trace_writer_event_count(const struct trace_writer *w) { return w->next_event; }

void trace_writer_stats(struct trace_writer *w, struct trace_writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
	st->events = w->next_event;
	st->keyframes = w->keyframes;
}

const char *trace_writer_error(const struct trace_writer *w) { return w->err; }
