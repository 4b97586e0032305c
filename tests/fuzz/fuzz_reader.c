/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the trace reader: open a trace from memory and walk every
 * chunk (info, keyframe, every record, twice through a rewind), the same
 * records through trace_iter, the seek functions, and format every record
 * as `dump` does (text and JSON, format/eventfmt.c), into a roomy buffer
 * and a tiny one. Built as a libFuzzer target with -Dfuzz=true (clang; CRCs
 * are not checked there, see format/reader.c crc_ok), otherwise as a plain
 * driver over the seed corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_check.h"
#include "irqrr/trace.h"
#include "replayer/replay.h"

/* The replayer's bulk decoder (trace_chunk_next_events) agrees with the
 * record decoder: the same board events, context count, status and message,
 * whatever the out buffer's size (c is rewound before and after). */
static void check_bulk(struct trace_chunk *c)
{
	static struct trace_event_rec want[4096], got[4097]; /* room for one more */
	struct trace_record rec;
	size_t nw = 0;
	uint64_t ctx_want = 0;
	int rc;
	trace_chunk_rewind(c);
	while ((rc = trace_chunk_next(c, &rec)) == 1) {
		if (EV_IS_CONTEXT(rec.kind)) {
			ctx_want++;
			continue;
		}
		if (nw == sizeof(want) / sizeof(want[0])) {
			trace_chunk_rewind(c);
			return; /* too long to compare here */
		}
		want[nw].num = rec.num;
		want[nw].ev = rec.ev;
		nw++;
	}
	char msg[256];
	snprintf(msg, sizeof msg, "%s", trace_chunk_error(c));
	static const size_t steps[] = { 1, 3, 4097 };
	for (size_t si = 0; si < sizeof(steps) / sizeof(steps[0]); si++) {
		size_t step = steps[si];
		size_t ng = 0, n;
		uint64_t ctx = 0;
		int brc = 1;
		trace_chunk_rewind(c);
		while (brc == 1 && ng < nw + 1) {
			size_t room = sizeof(got) / sizeof(got[0]) - ng;
			brc = trace_chunk_next_events(c, got + ng, room < step ? room : step, &n, &ctx);
			ng += n;
			if (brc == 1 && !n)
				break; /* 1 means out is full: n == room >= 1 */
		}
		FUZZ_CHECK(brc == (rc < 0 ? rc : 0) || (rc < 0 && brc < 0),
			   "bulk decode status %d, record decoder %d", brc, rc);
		FUZZ_CHECK(ng == nw && ctx == ctx_want, "bulk decode: %zu events, %llu context; record decoder %zu, %llu",
			   ng, (unsigned long long)ctx, nw, (unsigned long long)ctx_want);
		for (size_t i = 0; i < nw; i++)
			FUZZ_CHECK(got[i].num == want[i].num && irq_event_equal(&got[i].ev, &want[i].ev),
				   "bulk decode: event %llu differs", (unsigned long long)want[i].num);
		if (rc < 0)
			FUZZ_CHECK(!strcmp(trace_chunk_error(c), msg), "bulk decode message '%s', record decoder '%s'",
				   trace_chunk_error(c), msg);
	}
	trace_chunk_rewind(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void format_record(const struct trace_record *rec)
{
	char big[4096], tiny[8];
	size_t n = record_format_text(rec, big, sizeof big);
	FUZZ_CHECK(n == 0 || strlen(big) == (n < sizeof big ? n : sizeof big - 1),
		   "text length %zu vs strlen %zu", n, strlen(big));
	(void)record_format_text(rec, tiny, sizeof tiny);
	FUZZ_CHECK(memchr(tiny, 0, sizeof tiny) != NULL, "tiny text buffer not terminated");
	n = record_format_json(rec, big, sizeof big);
	FUZZ_CHECK(n == 0 || strlen(big) == (n < sizeof big ? n : sizeof big - 1),
		   "json length %zu vs strlen %zu", n, strlen(big));
	(void)record_format_json(rec, tiny, sizeof tiny);
	FUZZ_CHECK(memchr(tiny, 0, sizeof tiny) != NULL, "tiny json buffer not terminated");
}

/* trace_iter yields the records the chunk-by-chunk walk read before its
 * first failure (want), then fails too when that walk did (fails). */
static void check_iter(struct trace_reader *r, uint64_t want, bool fails)
{
	struct trace_iter it;
	struct trace_record rec;
	uint64_t got = 0;
	int k;
	trace_iter_init(&it, r, 0);
	while ((k = trace_iter_next(&it, &rec)) == 1)
		got++;
	FUZZ_CHECK(got == want && (k < 0) == fails,
		   "trace_iter: %llu records, status %d; chunk by chunk: %llu%s", (unsigned long long)got,
		   k, (unsigned long long)want, fails ? ", then a failure" : "");
	FUZZ_CHECK(k == 0 || trace_iter_error(&it)[0], "trace_iter failed without a message");
	trace_iter_end(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct trace_reader *r = trace_reader_open_mem(data, size, "fuzz", err, sizeof err);
	if (!r) {
		FUZZ_CHECK(memchr(err, 0, sizeof err) && err[0], "open failed without a message");
		return 0;
	}
	const char *k, *v;
	uint64_t u;
	unsigned maj, min;
	trace_reader_version(r, &maj, &min);
	for (size_t i = 0; trace_reader_config_at(r, i, &k, &v) == 0; i++) {
		(void)trace_reader_config_u64(r, k, &u);
		FUZZ_CHECK(trace_reader_config(r, k) != NULL, "config key %zu not found by name", i);
	}
	(void)trace_reader_recovery(r);
	size_t n = trace_reader_chunk_count(r), ch;
	uint64_t events = 0, before_failure = 0;
	bool failed = false;
	for (size_t i = 0; i < n; i++) {
		struct trace_chunk_info ci;
		if (trace_reader_chunk_info(r, i, &ci) == 0) {
			events += ci.count;
			if (trace_reader_find_event(r, ci.first_event, &ch) == 0)
				FUZZ_CHECK(ch < n, "find_event returned chunk %zu of %zu", ch, n);
			if (trace_reader_find_time(r, ci.last_t, &ch) == 0)
				FUZZ_CHECK(ch < n, "find_time returned chunk %zu of %zu", ch, n);
		}
		/* the keyframe alone, into a roomy and a 16-byte buffer */
		static uint8_t kfa[1 << 16];
		uint8_t kfs[16];
		size_t kla = 0, kls = 0;
		int ra = trace_reader_load_keyframe(r, i, kfa, sizeof kfa, &kla);
		int rs = trace_reader_load_keyframe(r, i, kfs, sizeof kfs, &kls);
		FUZZ_CHECK(ra == 0 || trace_reader_error(r)[0], "load_keyframe failed without a message");
		FUZZ_CHECK(ra != 0 || kla <= sizeof kfa, "keyframe length %zu", kla);
		/* finding 7: LZ4's partial decoder left bytes unwritten; both
		 * reads must now succeed or fail alike and agree */
		FUZZ_CHECK(rs != 0 || (ra == 0 && kls == kla && !memcmp(kfs, kfa, kls)),
			   "small-buffer keyframe differs (status %d/%d, %zu vs %zu bytes)", rs, ra, kls, kla);
		FUZZ_CHECK(ra != 0 || kla <= sizeof kfs || rs == TRACE_E_RANGE,
			   "a %zu-byte keyframe into 16 bytes: status %d", kla, rs);
		struct trace_chunk *c = trace_reader_load_chunk(r, i);
		if (!c) {
			FUZZ_CHECK(trace_reader_error(r)[0], "load_chunk failed without a message");
			failed = true;
			continue;
		}
		size_t kl;
		const uint8_t *kf = trace_chunk_keyframe(c, &kl);
		/* the whole chunk decodes: its keyframe is the one read alone */
		if (kl > sizeof kfa)
			FUZZ_CHECK(ra == TRACE_E_RANGE, "a %zu-byte keyframe into %zu bytes: status %d", kl,
				   sizeof kfa, ra);
		else
			FUZZ_CHECK(ra == 0 && kla == kl && !memcmp(kfa, kf, kl),
				   "load_keyframe (status %d, %zu bytes) disagrees with load_chunk (%zu bytes)", ra,
				   kla, kl);
		volatile uint8_t sink = kl ? kf[kl - 1] : 0;
		(void)trace_chunk_get_info(c);
		struct trace_record rec;
		int rc;
		uint64_t seen = 0;
		for (int pass = 0; pass < 2; pass++) {
			uint64_t count = 0;
			while ((rc = trace_chunk_next(c, &rec)) == 1) {
				if (rec.len)
					sink = rec.data[rec.len - 1];
				if (pass == 0)
					format_record(&rec);
				count++;
			}
			if (rc < 0)
				FUZZ_CHECK(trace_chunk_error(c)[0], "malformed record without a message");
			if (pass == 1)
				FUZZ_CHECK(count == seen, "rewind saw %llu records, first pass %llu",
					   (unsigned long long)count, (unsigned long long)seen);
			seen = count;
			trace_chunk_rewind(c);
		}
		(void)sink;
		check_bulk(c);
		trace_chunk_free(c);
		if (!failed)
			before_failure += seen;
		failed |= rc < 0;
	}
	check_iter(r, before_failure, failed);
	(void)trace_reader_find_event(r, UINT64_MAX, &ch);
	(void)trace_reader_find_time(r, 0, &ch);
	(void)trace_reader_find_time(r, UINT64_MAX, &ch);
	(void)trace_reader_event_count(r);
	(void)events;
	trace_reader_close(r);
	return 0;
}
