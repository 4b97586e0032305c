/* SPDX-License-Identifier: MIT */
/*
 * Where a trace's bytes go, per record kind (docs/PERFORMANCE.md, "Trace
 * density"):
 *
 *   trace_density [--simulate] FILE
 *
 * Each chunk's records are encoded again as the writer encodes them
 * (docs/FORMAT.md, "Records"; checked: the result plus the keyframe must be
 * the chunk's raw_size, and its LZ4 block the chunk's comp_size), then, for
 * every kind present, LZ4-compressed once more without that kind's records.
 * A kind's "lz4" bytes are the sum over chunks of what leaving it out saves:
 * its marginal cost in the file (the kinds' shares need not add up to the
 * payload, LZ4 finds matches across kinds). "raw" is its exact encoded size.
 *
 * --simulate first rewrites the records as the 2.1 recorder writes them
 * (recorder/recording.c): consecutive console records of one cpu with no
 * other record between them, within 100 ms of the run's first, up to 256
 * bytes and ending at a newline, become one; msi_result records with result "delivered" are
 * dropped. The same recording, old and new encoding, side by side.
 *
 * "(dt fields)": what every record's time delta costs, the chunks compressed
 * again with all of them 0 (a share of the kinds' rows, not an extra).
 *
 * --rechunk OUT writes the same records, in the same chunks (the
 * recorder's windows), as a new trace through the writer with a keyframe
 * policy (--keyframe-kib K, --keyframe-windows W: a chunk keeps its
 * keyframe only when K KiB of records or W chunks passed since the last
 * one, else it is a continuation), compressor (--hc LEVEL: LZ4 HC) and
 * record layout (--layout split: format 2.2's, interleaved: 2.1's; by
 * default the input's) and --linked (format 2.3: continuation chunks
 * compressed against their run's history) or --compact (format 2.4:
 * linked, with compact headers on the linked chunks and a varint index),
 * so one recording is compared
 * before and after;
 * run trace_density on OUT for its bytes. On a 2.2 file the rows compress
 * the split layout, as the writer does.
 *
 * "keyframes" counts the chunks that have one (the others are continuations).
 *
 * Totals: records, board events (kinds 0x01..0x3F: what replay consumes),
 * 2.0-records (the records, each console record counted once per byte of
 * text, as format 2.0 stored it: what issue 18 counted),
 * guest seconds (last record's time minus the first's), file bytes; bytes
 * per record, per board event and per guest second.
 */
#include <inttypes.h>
#include <lz4.h>
#include <lz4hc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/eventfmt.h"
#include "format/trace_internal.h"
#include "irqrr/trace.h"

#define CON_MAX 256
#define CON_NS 100000000ull

struct rec {
	uint64_t t;
	unsigned kind;
	struct irq_event ev;
	uint8_t *data; /* context payload (owned) */
	size_t len;
};

struct kind_stat {
	uint64_t records, raw;
	int64_t lz4; /* marginal: may be below 0 (LZ4 found worse matches without it) */
};

static struct kind_stat ks[256];
static bool no_time; /* encode every record at dt 0: what the timestamps cost */
static bool split_layout; /* the file is format 2.2: compress the split layout */
static bool linked_file;  /* the file is format 2.3 linked: compress against the run's history */
static uint32_t built_n;  /* records in the last build() */

/* Encode r after a record at *prev (first: prev_t = first_t): bytes written. */
static size_t encode(uint8_t *out, const struct rec *r, uint64_t *prev_t)
{
	uint8_t *p = out;
	uint64_t dt = no_time ? 0 : r->t - *prev_t;
	*prev_t = r->t;
	*p++ = (uint8_t)(r->kind | (dt ? 0 : 0x80));
	if (dt)
		p = put_varint(p, dt);
	const struct irq_event *e = &r->ev;
	switch (r->kind) {
	case EV_RESET:
	case EV_TIME:
		break;
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		p = put_varint(p, e->u.pio.port);
		*p++ = e->u.pio.value;
		break;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
		p = put_varint(p, e->u.mmio.addr);
		p = put_varint(p, e->u.mmio.value);
		break;
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		p = put_varint(p, e->u.mmio64.addr);
		p = put_varint(p, e->u.mmio64.value);
		break;
	case EV_IRQ: *p++ = e->u.irq.gsi; *p++ = e->u.irq.level; break;
	case EV_INTACK: *p++ = e->u.intack.cpu; *p++ = e->u.intack.vector; break;
	case EV_EOI: *p++ = e->u.eoi.vector; *p++ = e->u.eoi.cpu; break;
	case EV_LVT:
		*p++ = e->u.lvt.cpu;
		*p++ = e->u.lvt.pin;
		p = put_varint(p, e->u.lvt.value);
		break;
	case EV_WIRE: *p++ = e->u.wire.id; *p++ = e->u.wire.level; break;
	case EV_APIC_MSG:
		*p++ = e->u.apic.dest;
		*p++ = e->u.apic.vector;
		*p++ = e->u.apic.delivery;
		*p++ = e->u.apic.destmode;
		*p++ = e->u.apic.trigger;
		*p++ = e->u.apic.pin;
		break;
	case EV_LINT:
		*p++ = e->u.lint.cpu;
		*p++ = e->u.lint.pin;
		*p++ = e->u.lint.mode;
		*p++ = e->u.lint.level;
		*p++ = e->u.lint.vector;
		break;
	case EV_DEADLINE: p = put_varint(p, e->u.deadline.t - r->t); break;
	default:
		p = put_varint(p, r->len);
		memcpy(p, r->data, r->len);
		p += r->len;
		break;
	}
	return (size_t)(p - out);
}

/* The chunk's raw payload (keyframe length, keyframe, records except those
 * of kind `skip`; -1 skips none) into buf; its size. */
static size_t build(uint8_t *buf, const uint8_t *kf, size_t kfl, const struct rec *rs, size_t n,
		    uint64_t first_t, int skip)
{
	buf[0] = (uint8_t)kfl;
	buf[1] = (uint8_t)(kfl >> 8);
	buf[2] = (uint8_t)(kfl >> 16);
	buf[3] = (uint8_t)(kfl >> 24);
	memcpy(buf + 4, kf, kfl);
	size_t pos = 4 + kfl;
	uint64_t prev = first_t;
	built_n = 0;
	for (size_t i = 0; i < n; i++)
		if ((int)rs[i].kind != skip) {
			pos += encode(buf + pos, &rs[i], &prev);
			built_n++;
		}
	return pos;
}

/* A linked file's (2.3) history for one variant of the records (all, all
 * but one kind, no times, no keyframe), so that each row's marginal cost
 * is measured against the same variant of the chunks before it. */
struct history {
	uint8_t *b;
	size_t len;
};
#define H_ALL 256
#define H_NOTIME 257
#define H_NOKF 258
static struct history hists[259];
static bool cur_linked; /* the chunk being measured is linked: compress against the history */
static int hc_level;     /* --hc LEVEL without --rechunk: the rows are LZ4 HC's, as the recorder writes */

/* The LZ4 block of the last build() (raw: its buffer, n bytes), as the
 * writer stores it: in the split layout for a 2.2 file, against h's
 * history for a linked chunk (h then holds the history after it). */
static size_t lz4(const uint8_t *raw, size_t n, uint8_t *out, size_t cap, struct history *h)
{
	uint8_t *sp = NULL;
	if (split_layout) {
		size_t start = 4 + get_le32(raw);
		uint8_t *tmp = malloc(n);
		sp = malloc(n);
		if (!sp || !tmp)
			exit(2);
		memcpy(sp, raw, start);
		trace_records_split(raw + start, n - start, built_n, sp + start, tmp);
		free(tmp);
		raw = sp;
	}
	int c;
	if (h && !h->b && !(h->b = malloc(TRACE_HISTORY_MAX)))
		exit(2);
	if (h && !cur_linked)
		h->len = 0;
	static LZ4_streamHC_t *sthc;
	if (hc_level && !sthc && !(sthc = LZ4_createStreamHC()))
		exit(2);
	if (h && cur_linked && hc_level) {
		LZ4_resetStreamHC_fast(sthc, hc_level);
		LZ4_loadDictHC(sthc, (const char *)h->b, (int)h->len);
		c = LZ4_compress_HC_continue(sthc, (const char *)raw, (char *)out, (int)n, (int)cap);
	} else if (h && cur_linked) {
		static LZ4_stream_t *st;
		if (!st && !(st = LZ4_createStream()))
			exit(2);
		LZ4_loadDict(st, (const char *)h->b, (int)h->len);
		c = LZ4_compress_fast_continue(st, (const char *)raw, (char *)out, (int)n, (int)cap, 1);
	} else if (hc_level) {
		LZ4_resetStreamHC_fast(sthc, hc_level);
		c = LZ4_compress_HC_continue(sthc, (const char *)raw, (char *)out, (int)n, (int)cap);
	} else
		c = LZ4_compress_default((const char *)raw, (char *)out, (int)n, (int)cap);
	if (h)
		trace_history_append(h->b, &h->len, raw, n);
	free(sp);
	return c > 0 && (size_t)c < n ? (size_t)c : n; /* the writer stores it raw otherwise */
}

/* The 2.1 recorder's records from the 2.0 recorder's. */
static size_t simulate(struct rec *rs, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct rec *r = &rs[i];
		if (r->kind == EV_CTX_MSI_RESULT && r->len == TRACE_CTX_MSI_LEN &&
		    r->data[6] == TRACE_MSI_DELIVERED) {
			free(r->data);
			continue;
		}
		struct rec *prev = k ? &rs[k - 1] : NULL;
		if (r->kind == EV_CTX_CONSOLE && r->len >= 1 && prev && prev->kind == EV_CTX_CONSOLE &&
		    prev->len >= 2 && prev->data[0] == r->data[0] && prev->len - 1 + r->len - 1 <= CON_MAX &&
		    prev->data[prev->len - 1] != '\n' &&
		    r->t - prev->t < CON_NS) {
			uint8_t *d = realloc(prev->data, prev->len + r->len - 1);
			if (!d)
				exit(2);
			memcpy(d + prev->len, r->data + 1, r->len - 1);
			prev->data = d;
			prev->len += r->len - 1;
			free(r->data);
			continue;
		}
		rs[k++] = *r;
	}
	return k;
}

/* --rechunk OUT: the records of tr again, chunk for chunk (a chunk is one
 * recorder window), through the trace writer with the keyframe policy and
 * compressor of opts: a chunk keeps its keyframe when the policy says one
 * is due, else it becomes a continuation. Header copied. 0 or 2. */
static int rechunk(struct trace_reader *tr, const char *in, const char *out,
		   const struct trace_writer_opts *opts)
{
	char err[256];
	size_t nkv = trace_reader_config_count(tr);
	struct trace_kv *kv = calloc(nkv ? nkv : 1, sizeof(*kv));
	for (size_t i = 0; kv && i < nkv; i++)
		trace_reader_config_at(tr, i, &kv[i].key, &kv[i].value);
	struct trace_writer *w = kv ? trace_writer_open(out, kv, nkv, opts, err, sizeof(err)) : NULL;
	free(kv);
	if (!w) {
		fprintf(stderr, "trace_density: %s: %s\n", out, kv ? err : "out of memory");
		return 2;
	}
	int rc = 0;
	size_t nch = trace_reader_chunk_count(tr);
	for (size_t ci = 0; ci < nch && !rc; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(tr, ci);
		if (!c) {
			fprintf(stderr, "trace_density: %s: %s\n", in, trace_reader_error(tr));
			rc = 2;
			break;
		}
		size_t kfl;
		const uint8_t *kf = trace_chunk_keyframe(c, &kfl);
		bool keep = kfl && trace_writer_keyframe_due(w);
		rc = trace_writer_begin_chunk(w, keep ? kf : NULL, keep ? kfl : 0) ? 2 : 0;
		struct trace_record rec;
		int k;
		while (!rc && (k = trace_chunk_next(c, &rec)) == 1) {
			if (EV_IS_CONTEXT(rec.kind))
				rc = trace_writer_context(w, rec.t, rec.kind, rec.data, rec.len) ? 2 : 0;
			else
				rc = trace_writer_append(w, &rec.ev) ? 2 : 0;
		}
		if (!rc && k < 0) {
			fprintf(stderr, "trace_density: %s: chunk %zu: %s\n", in, ci, trace_chunk_error(c));
			rc = 2;
		}
		trace_chunk_free(c);
	}
	if (rc && *trace_writer_error(w))
		fprintf(stderr, "trace_density: %s: %s\n", out, trace_writer_error(w));
	struct trace_writer_stats st;
	if (!rc && trace_writer_flush(w))
		rc = 2;
	trace_writer_stats(w, &st);
	if (trace_writer_close(w, err, sizeof(err)) < 0) {
		fprintf(stderr, "trace_density: %s: %s\n", out, err);
		return 2;
	}
	printf("rechunk: %s: %" PRIu64 " chunks, %" PRIu64 " with a keyframe, %" PRIu64
	       " raw bytes; compression %.1f us per chunk (%s)\n",
	       out, st.chunks, st.keyframes, st.raw_bytes,
	       st.chunks ? (double)st.compress_ns / 1e3 / (double)st.chunks : 0.0,
	       opts->lz4_hc ? "LZ4 HC" : "LZ4 fast");
	return rc;
}

static unsigned long arg_ul(const char *opt, const char *v, unsigned long max)
{
	char *end;
	unsigned long x = strtoul(v, &end, 0);
	if (!*v || *end || x > max) {
		fprintf(stderr, "trace_density: %s: expected 0..%lu\n", opt, max);
		exit(2);
	}
	return x;
}

int main(int argc, char **argv)
{
	int sim = 0, ai = 1;
	const char *rechunk_to = NULL, *layout = NULL;
	struct trace_writer_opts wo = { 0 };
	for (; ai < argc && argv[ai][0] == '-' && argv[ai][1] == '-'; ai++) {
		if (!strcmp(argv[ai], "--simulate"))
			sim = 1;
		else if (!strcmp(argv[ai], "--rechunk") && ai + 1 < argc)
			rechunk_to = argv[++ai];
		else if (!strcmp(argv[ai], "--keyframe-kib") && ai + 1 < argc)
			wo.keyframe_bytes = arg_ul("--keyframe-kib", argv[++ai], 16384) << 10;
		else if (!strcmp(argv[ai], "--keyframe-windows") && ai + 1 < argc)
			wo.keyframe_chunks = (unsigned)arg_ul("--keyframe-windows", argv[++ai], 1000000);
		else if (!strcmp(argv[ai], "--layout") && ai + 1 < argc &&
			 (!strcmp(argv[ai + 1], "split") || !strcmp(argv[ai + 1], "interleaved")))
			layout = argv[++ai];
		else if (!strcmp(argv[ai], "--linked"))
			wo.linked = true;
		else if (!strcmp(argv[ai], "--compact"))
			wo.compact = true;
		else if (!strcmp(argv[ai], "--hc") && ai + 1 < argc)
			wo.lz4_hc = (int)arg_ul("--hc", argv[++ai], 12);
		else
			break;
	}
	if (argc != ai + 1 || (sim && rechunk_to)) {
		fprintf(stderr, "usage: trace_density [--simulate] [--hc LEVEL] FILE\n"
				"       trace_density --rechunk OUT [--keyframe-kib K] [--keyframe-windows W] [--hc LEVEL]\n"
				"                     [--layout split|interleaved] [--linked] [--compact] FILE\n");
		return 2;
	}
	const char *path = argv[ai];
	char err[256];
	struct trace_reader *tr = trace_reader_open(path, err, sizeof(err));
	if (!tr) {
		fprintf(stderr, "trace_density: %s: %s\n", path, err);
		return 2;
	}
	unsigned major, minor;
	trace_reader_version(tr, &major, &minor);
	split_layout = trace_reader_features(tr) & TRACE_FEATURE_SPLIT;
	linked_file = trace_reader_features(tr) & TRACE_FEATURE_LINKED;
	hc_level = rechunk_to ? 0 : wo.lz4_hc;
	if (rechunk_to) {
		/* the input's record layout unless --layout says otherwise */
		wo.split = layout ? !strcmp(layout, "split") : split_layout;
		int rc = rechunk(tr, path, rechunk_to, &wo);
		trace_reader_close(tr);
		return rc;
	}
	struct stat sb;
	if (stat(path, &sb)) {
		perror(path);
		return 2;
	}
	size_t nch = trace_reader_chunk_count(tr);
	uint64_t records = 0, records20 = 0, board = 0, t0 = UINT64_MAX, t1 = 0, payload_raw = 0, payload_lz4 = 0;
	uint64_t kf_raw = 0, kf_lz4 = 0, mismatches = 0, dt_raw = 0, kf_chunks = 0;
	int64_t dt_lz4 = 0;
	for (size_t ci = 0; ci < nch; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(tr, ci);
		if (!c) {
			fprintf(stderr, "trace_density: %s: %s\n", path, trace_reader_error(tr));
			return 2;
		}
		const struct trace_chunk_info *info = trace_chunk_get_info(c);
		size_t kfl;
		const uint8_t *kf = trace_chunk_keyframe(c, &kfl);
		size_t n = 0, cap = info->count ? info->count : 1;
		struct rec *rs = calloc(cap, sizeof(*rs));
		struct trace_record tr_rec;
		int k;
		while (rs && (k = trace_chunk_next(c, &tr_rec)) == 1) {
			struct rec *r = &rs[n++];
			r->t = tr_rec.t;
			r->kind = tr_rec.kind;
			r->ev = tr_rec.ev;
			if (EV_IS_CONTEXT(tr_rec.kind)) {
				r->len = tr_rec.len;
				r->data = malloc(tr_rec.len ? tr_rec.len : 1);
				if (!r->data)
					return 2;
				memcpy(r->data, tr_rec.data, tr_rec.len);
			}
		}
		if (!rs || k < 0) {
			fprintf(stderr, "trace_density: %s: chunk %zu: %s\n", path, ci,
				rs ? trace_chunk_error(c) : "out of memory");
			return 2;
		}
		size_t bufcap = 4 + kfl + 32 * (size_t)n + 16;
		for (size_t i = 0; i < n; i++)
			bufcap += rs[i].len;
		size_t outcap = (size_t)LZ4_compressBound((int)bufcap);
		uint8_t *buf = malloc(bufcap), *out = malloc(outcap);
		if (!buf || !out)
			return 2;
		cur_linked = info->flags & CHUNK_FLAG_LINKED;
		size_t all = build(buf, kf, kfl, rs, n, info->first_t, -1);
		size_t all_lz4 = lz4(buf, all, out, outcap, linked_file ? &hists[H_ALL] : NULL);
		if (all != info->raw_size || all_lz4 != info->comp_size)
			mismatches++; /* the encoder here differs from the writer's */
		if (sim) {
			n = simulate(rs, n);
			all = build(buf, kf, kfl, rs, n, info->first_t, -1);
			all_lz4 = lz4(buf, all, out, outcap, NULL);
		}
		payload_raw += all;
		payload_lz4 += all_lz4;
		/* per kind: raw sizes, and the marginal compressed cost */
		bool present[256] = {false};
		uint64_t prev = info->first_t;
		for (size_t i = 0; i < n; i++) {
			uint8_t tmp[64 + CON_MAX + 16];
			uint8_t *big = rs[i].len > CON_MAX ? malloc(rs[i].len + 32) : NULL;
			ks[rs[i].kind & 0xff].records++;
			ks[rs[i].kind & 0xff].raw += encode(big ? big : tmp, &rs[i], &prev);
			free(big);
			present[rs[i].kind & 0xff] = true;
			records++;
			/* as format 2.0 stored them: a console record per byte */
			records20 += rs[i].kind == EV_CTX_CONSOLE && rs[i].len > 1 ? rs[i].len - 1 : 1;
			board += !EV_IS_CONTEXT(rs[i].kind);
			if (rs[i].t < t0)
				t0 = rs[i].t;
			if (rs[i].t > t1)
				t1 = rs[i].t;
		}
		for (unsigned kd = 0; kd < 256; kd++) {
			if (!present[kd]) {
				if (linked_file) /* the chunk as is, into that variant's history */
					(void)lz4(buf, build(buf, kf, kfl, rs, n, info->first_t, (int)kd), out, outcap,
						  &hists[kd]);
				continue;
			}
			size_t m = build(buf, kf, kfl, rs, n, info->first_t, (int)kd);
			ks[kd].lz4 += (int64_t)all_lz4 - (int64_t)lz4(buf, m, out, outcap, linked_file ? &hists[kd] : NULL);
		}
		/* the timestamps (dt varints): what the chunk saves with all at 0 */
		no_time = true;
		size_t m0 = build(buf, kf, kfl, rs, n, info->first_t, -1);
		dt_raw += all - m0;
		dt_lz4 += (int64_t)all_lz4 - (int64_t)lz4(buf, m0, out, outcap, linked_file ? &hists[H_NOTIME] : NULL);
		no_time = false;
		/* the keyframe: its raw bytes, and what the chunk saves without it */
		kf_raw += 4 + kfl;
		kf_chunks += kfl != 0;
		{
			size_t m = build(buf, kf, 0, rs, n, info->first_t, -1);
			size_t without = lz4(buf, m, out, outcap, linked_file ? &hists[H_NOKF] : NULL);
			if (kfl)
				kf_lz4 += all_lz4 - without;
		}
		for (size_t i = 0; i < n; i++)
			free(rs[i].data);
		free(rs);
		free(buf);
		free(out);
		trace_chunk_free(c);
	}
	double secs = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
	uint64_t file = sim ? (uint64_t)sb.st_size - 0 : (uint64_t)sb.st_size;
	uint64_t overhead = (uint64_t)sb.st_size;
	for (size_t ci = 0; ci < nch; ci++) {
		struct trace_chunk_info info;
		if (!trace_reader_chunk_info(tr, ci, &info))
			overhead -= info.comp_size;
	}
	if (sim)
		file = overhead + payload_lz4; /* the same headers, index and chunks */
	printf("%s%s: %" PRIu64 " bytes, %zu chunks, %" PRIu64 " records (%" PRIu64 " board events), %.3f s of guest time\n",
	       path, sim ? " (simulated 2.1 recorder)" : "", file, nch, records, board, secs);
	if (mismatches)
		printf("warning: %" PRIu64 " chunks re-encode to other sizes than stored (LZ4 HC? the rows are LZ4 %s's)\n",
		       mismatches, hc_level ? "HC" : "fast");
	printf("%-12s %9s %9s %7s %9s %7s %6s\n", "kind", "records", "raw", "raw/rec", "lz4", "lz4/rec", "share");
	for (unsigned kd = 0; kd < 256; kd++) {
		if (!ks[kd].records)
			continue;
		char lb[16];
		printf("%-12s %9" PRIu64 " %9" PRIu64 " %7.2f %9" PRId64 " %7.2f %5.1f%%\n",
		       record_kind_label(kd, lb, sizeof(lb)), ks[kd].records, ks[kd].raw,
		       (double)ks[kd].raw / (double)ks[kd].records, ks[kd].lz4,
		       (double)ks[kd].lz4 / (double)ks[kd].records, 100.0 * (double)ks[kd].lz4 / (double)file);
	}
	printf("%-12s %9" PRIu64 " %9" PRIu64 " %7s %9" PRIu64 " %7s %5.1f%%\n", "keyframes", kf_chunks, kf_raw, "", kf_lz4,
	       "", 100.0 * (double)kf_lz4 / (double)file);
	printf("%-12s %9s %9" PRIu64 " %7s %9" PRId64 " %7s %5.1f%%\n", "(dt fields)", "", dt_raw, "", dt_lz4,
	       "", 100.0 * (double)dt_lz4 / (double)file);
	printf("%-12s %9s %9s %7s %9" PRIu64 " %7s %5.1f%%\n", "framing", "", "", "", overhead, "",
	       100.0 * (double)overhead / (double)file);
	printf("payload: %" PRIu64 " raw -> %" PRIu64 " lz4 bytes; file = payload + framing (file header, chunk headers, index, trailer)\n",
	       payload_raw, payload_lz4);
	printf("bytes/record %.3f  bytes/board event %.3f", (double)file / (double)(records ? records : 1),
	       (double)file / (double)(board ? board : 1));
	if (secs > 0)
		printf("  bytes/guest second %.0f", (double)file / secs);
	printf("\n2.0-records %" PRIu64 " (one per console byte)  bytes/2.0-record %.3f\n", records20,
	       (double)file / (double)(records20 ? records20 : 1));
	trace_reader_close(tr);
	return 0;
}
