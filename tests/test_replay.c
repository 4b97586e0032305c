/* SPDX-License-Identifier: MIT */
/* Replay engine: traces made from chip scripts replay identically; altered
 * chips, altered traces and altered keyframes are caught at the right event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "irqrr/trace.h"
#include "replayer/bounded.h"
#include "replayer/replay.h"
#include "replayer/script.h"

static const char linux_pit[] =
	"out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n"
	"out 0xa0 0x11\nout 0xa1 0x38\nout 0xa1 0x02\nout 0xa1 0x01\n"
	"out 0x43 0x34\nout 0x40 0xa9\nout 0x40 0x04\n"
	/* IOAPIC pin 10: level, vector 0x4a */
	"mmiow 0xfec00000 0x24\nmmiow 0xfec00010 0x804a\n"
	"time 1500000\nin 0x20\nintack 0\nout 0x20 0x20\n"
	"time 2500000\nintack\nout 0x20 0x20\nirq 10 1\nmmior 0xfec00010\neoi 0x4a\n"
	"time 3500000\nintack\nout 0x20 0x20\nirq 10 0\neoi 0x4a\n"
	"time 4500000\nintack\nout 0x20 0x20\nout 0x43 0x00\nin 0x40\nin 0x40\n"
	"time 9000000\n";

static const char withdrawn_edge[] =
	"out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n"
	"time 1000\nirq 3 1\ntime 2000\nirq 3 0\ntime 3000\nintack\n";

static char *tmp_path(const char *tag)
{
	static unsigned n;
	char *p = malloc(64);
	assert_non_null(p);
	snprintf(p, 64, "/tmp/test_replay.%d.%u.%s.irqrr", (int)getpid(), n++, tag);
	return p;
}

/* Record a script; chunk_events small to get many chunks. */
static char *record(const char *script, uint32_t chunk_events)
{
	char *path = tmp_path("rec");
	struct board_config cfg;
	struct trace_writer_opts o = { 0 };
	FILE *in = fmemopen((void *)script, strlen(script), "r");
	FILE *out = fopen("/dev/null", "w");
	assert_non_null(in);
	assert_non_null(out);
	o.chunk_events = chunk_events;
	board_config_default(&cfg);
	assert_int_equal(script_run_record(in, "test", &cfg, out, stderr, path, &o), 0);
	fclose(in);
	fclose(out);
	return path;
}

static struct trace_reader *open_r(const char *path)
{
	char err[300];
	struct trace_reader *r = trace_reader_open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	return r;
}

/* ---- parallel replay agrees with serial replay: every replay in this file
 * runs serially (-j 1) and with 2, 3 and 64 threads (more than the chunks
 * of any trace here), and everything a caller sees must be the same: the
 * outcome, the counts, the messages, the divergence report as printed, and
 * the progress calls in order. */

static void progress_log(void *ctx, uint64_t events, uint64_t done_, uint64_t total)
{
	fprintf(ctx, "%llu/%llu/%llu;", (unsigned long long)events, (unsigned long long)done_,
		(unsigned long long)total);
}

static char *render(int rc, const struct replay_result *res, char *progress)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fprintf(f, "rc %d outcome %d events %llu inputs %llu context %llu chunks %llu first %llu "
		   "last %llu gaps %u unverified [%s] imported %d checked %llu unchecked %llu "
		   "message [%s]\n",
		rc, (int)res->outcome, (unsigned long long)res->events,
		(unsigned long long)res->inputs, (unsigned long long)res->context,
		(unsigned long long)res->chunks, (unsigned long long)res->first,
		(unsigned long long)res->last, res->gaps, res->unverified, (int)res->imported,
		(unsigned long long)res->checked, (unsigned long long)res->unchecked,
		rc == REPLAY_UNUSABLE ? res->message : "");
	if (res->div) {
		fprintf(f, "kind %d num %llu input %llu chunk %zu\n", (int)res->div->kind,
			(unsigned long long)res->div->num, (unsigned long long)res->div->input_num,
			res->div->chunk);
		replay_print_divergence(res->div, f);
	}
	fprintf(f, "progress %s\n", progress);
	fclose(f);
	free(progress);
	return buf;
}

static int replay_jobs(struct trace_reader *r, const struct replay_opts *o, unsigned jobs,
		       struct replay_result *res, char **text)
{
	struct replay_opts oj = *o;
	char *prog = NULL;
	size_t plen = 0;
	FILE *pf = open_memstream(&prog, &plen);
	assert_non_null(pf);
	oj.jobs = jobs;
	oj.progress = progress_log;
	oj.progress_ctx = pf;
	int rc = replay_trace(r, &oj, res);
	fclose(pf);
	*text = render(rc, res, prog);
	return rc;
}

static unsigned parallel_compared; /* replays checked against serial */

/* replay_trace, checked: serial and parallel replay agree. */
static int replay_both(struct trace_reader *r, const struct replay_opts *o,
		       struct replay_result *res)
{
	static const unsigned jobs[] = { 2, 3, 64 };
	char *serial;
	int rc = replay_jobs(r, o, 1, res, &serial);
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		struct replay_result pres;
		char *par;
		int prc = replay_jobs(r, o, jobs[i], &pres, &par);
		if (prc != rc || strcmp(serial, par))
			fail_msg("-j %u differs from -j 1:\n--- serial:\n%s--- parallel:\n%s", jobs[i],
				 serial, par);
		replay_result_free(&pres);
		free(par);
	}
	free(serial);
	parallel_compared++;
	return rc;
}

static int replay(const char *path, const struct variant_set *v, struct replay_result *res)
{
	struct trace_reader *r = open_r(path);
	struct replay_opts o;
	replay_opts_default(&o);
	o.variants = v;
	int rc = replay_both(r, &o, res);
	trace_reader_close(r);
	return rc;
}

/* Rewrite a trace record by record; edit(rec) may change the record and
 * returns 0 to drop it. Chunk boundaries and keyframes are kept; kf_edit,
 * if set, may replace chunk i's keyframe. */
typedef int (*edit_fn)(struct trace_record *rec);
typedef void (*kf_fn)(size_t chunk, uint8_t *kf, size_t *len);

static char *rewrite(const char *src, edit_fn edit, kf_fn kf_edit)
{
	char *dst = tmp_path("rw"), err[300];
	struct trace_reader *r = open_r(src);
	struct trace_writer *w = trace_writer_open(dst, NULL, 0, NULL, err, sizeof(err));
	assert_non_null(w);
	for (size_t ci = 0; ci < trace_reader_chunk_count(r); ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		size_t kflen;
		static uint8_t kf[16384];
		assert_non_null(c);
		const uint8_t *k = trace_chunk_keyframe(c, &kflen);
		assert_true(kflen <= sizeof(kf));
		memcpy(kf, k, kflen);
		if (kf_edit)
			kf_edit(ci, kf, &kflen);
		assert_int_equal(trace_writer_begin_chunk(w, kf, kflen), 0);
		while (trace_chunk_next(c, &rec) == 1) {
			if (edit && !edit(&rec))
				continue;
			if (EV_IS_CONTEXT(rec.kind))
				assert_int_equal(trace_writer_context(w, rec.t, rec.kind, rec.data, rec.len), 0);
			else
				assert_int_equal(trace_writer_append(w, &rec.ev), 0);
		}
		trace_chunk_free(c);
	}
	assert_int_equal(trace_writer_close(w, err, sizeof(err)), 0);
	trace_reader_close(r);
	return dst;
}

static void done(char *path)
{
	unlink(path);
	free(path);
}

static void script_trace_replays_identically(void **state)
{
	char *p = record(linux_pit, 8);
	struct trace_reader *r = open_r(p);
	size_t chunks = trace_reader_chunk_count(r);
	uint64_t events = trace_reader_event_count(r);
	trace_reader_close(r);
	assert_true(chunks > 4);
	struct replay_result res;
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	assert_int_equal(res.chunks, chunks);
	assert_int_equal(res.events, events); /* no context records here */
	assert_int_equal(res.last, events - 1);
	replay_result_free(&res);
	done(p);
}

/* The 8259A's literal behaviour (pic.literal_edge) against a trace made with
 * the default (edge latched): the first difference is INT falling when the
 * line drops, an output the trace does not hold. */
static void model_variant_diverges_at_the_right_event(void **state)
{
	char *p = record(withdrawn_edge, 0);
	struct variant_set v = { 0 };
	struct replay_result res;
	assert_null(variant_parse(&v, "pic.literal_edge=1"));
	assert_int_equal(replay(p, &v, &res), REPLAY_DIVERGED);
	struct divergence *d = res.div;
	assert_non_null(d);
	assert_int_equal(d->kind, DIV_EXTRA);
	assert_int_equal(d->input.kind, EV_IRQ);
	assert_int_equal(d->input.u.irq.gsi, 3);
	assert_int_equal(d->input.u.irq.level, 0);
	assert_true(d->has_actual);
	assert_int_equal(d->actual.kind, EV_WIRE);
	assert_int_equal(d->actual.u.wire.id, WIRE_PIC_INT);
	assert_int_equal(d->actual.u.wire.level, 0);
	assert_int_equal(d->actual.t, 2000);
	assert_int_equal(d->num, d->input_num + 1);
	/* the state printed is the one before the input: INT still high */
	assert_int_equal(d->before.s.pic_int, 1);
	assert_int_equal(d->before.s.pic.chip[0].literal_edge, 1);
	replay_result_free(&res);
	assert_non_null(variant_parse(&v, "pic.literal_edge=2"));
	assert_non_null(variant_parse(&v, "nonsense=1"));
	assert_non_null(variant_parse(&v, "nonsense"));
	done(p);
}

static int bump_intack(struct trace_record *rec)
{
	if (rec->kind == EV_INTACK && rec->num > 30)
		rec->ev.u.intack.vector++;
	return 1;
}

static uint64_t first_intack_after(const char *path, uint64_t after)
{
	struct trace_reader *r = open_r(path);
	uint64_t found = UINT64_MAX;
	for (size_t ci = 0; ci < trace_reader_chunk_count(r) && found == UINT64_MAX; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		while (trace_chunk_next(c, &rec) == 1)
			if (rec.kind == EV_INTACK && rec.num > after) {
				found = rec.num;
				break;
			}
		trace_chunk_free(c);
	}
	trace_reader_close(r);
	return found;
}

static void altered_read_result_is_a_mismatch(void **state)
{
	char *p = record(linux_pit, 8);
	char *q = rewrite(p, bump_intack, NULL);
	uint64_t want = first_intack_after(p, 30);
	struct replay_result res;
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_int_equal(res.div->kind, DIV_MISMATCH);
	assert_int_equal(res.div->num, want);
	assert_int_equal(res.div->expected.u.intack.vector, res.div->actual.u.intack.vector + 1);
	assert_true(res.div->ncontext > 0);
	replay_result_free(&res);
	done(p);
	done(q);
}

static uint64_t dropped = UINT64_MAX;

static int drop_second_deadline(struct trace_record *rec)
{
	static int seen;
	if (rec->num == 0)
		seen = 0;
	if (rec->kind == EV_DEADLINE && ++seen == 2) {
		dropped = rec->num;
		return 0;
	}
	return 1;
}

/* The trace lacks an output the board produces: the board's output meets
 * the trace's next input. */
static void dropped_output_is_extra(void **state)
{
	char *p = record(linux_pit, 1000);
	char *q = rewrite(p, drop_second_deadline, NULL);
	struct replay_result res;
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_int_equal(res.div->kind, DIV_EXTRA);
	assert_int_equal(res.div->num, dropped);
	assert_true(res.div->has_actual);
	assert_int_equal(res.div->actual.kind, EV_DEADLINE);
	assert_true(EV_IS_INPUT(res.div->expected.kind));
	replay_result_free(&res);
	done(p);
	done(q);
}

/* The board hands the replayer each input's events as one run (the time
 * advance's outputs, the echo, what the input caused, the deadline): a
 * divergence inside a run is still named at its own event. */
static uint64_t altered = UINT64_MAX;
static unsigned last_kind;

/* The PIC's INT rising right after an IOAPIC message: in the middle of
 * the `irq 10 1` input's run (echo, message, INT, LINT0). */
static int lower_int_after_message(struct trace_record *rec)
{
	if (rec->num == 0)
		altered = UINT64_MAX, last_kind = 0;
	if (altered == UINT64_MAX && rec->kind == EV_WIRE && last_kind == EV_APIC_MSG &&
	    rec->ev.u.wire.id == WIRE_PIC_INT) {
		altered = rec->num;
		rec->ev.u.wire.level ^= 1;
	}
	last_kind = rec->kind;
	return 1;
}

/* Record linux_pit, alter it with `edit` (which sets `altered`) and
 * replay: the divergence is of kind `kind` at the altered event, inside
 * the `irq 10 1` input's run, and the board produced `actual` there. */
static void diverges_in_run(edit_fn edit, int kind, unsigned actual, void (*check)(const struct divergence *d))
{
	char *p = record(linux_pit, 1000);
	char *q = rewrite(p, edit, NULL);
	struct replay_result res;
	assert_int_not_equal(altered, UINT64_MAX);
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_int_equal(res.div->kind, kind);
	assert_int_equal(res.div->num, altered);
	assert_int_equal(res.div->input.kind, EV_IRQ);
	assert_int_equal(res.div->actual.kind, actual);
	check(res.div);
	replay_result_free(&res);
	done(p);
	done(q);
}

static void int_level_differs(const struct divergence *d)
{
	assert_int_equal(d->input_num, altered - 2);
	assert_int_equal(d->actual.u.wire.level, 1);
	assert_int_equal(d->expected.u.wire.level, 0);
}

static void mismatch_inside_a_run(void **state)
{
	diverges_in_run(lower_int_after_message, DIV_MISMATCH, EV_WIRE, int_level_differs);
}

/* The LINT0 event that ends the `irq 10 1` input's run, dropped: the
 * board's last event of the run meets the next input. */
static int drop_lint_after_int(struct trace_record *rec)
{
	if (rec->num == 0)
		altered = UINT64_MAX, last_kind = 0;
	unsigned before = last_kind;
	last_kind = rec->kind;
	if (altered == UINT64_MAX && rec->kind == EV_LINT && before == EV_WIRE && rec->num > 36) {
		altered = rec->num;
		return 0;
	}
	return 1;
}

static void next_input_expected(const struct divergence *d)
{
	assert_int_equal(d->expected.kind, EV_MMIO_READ);
}

static void extra_event_ending_a_run(void **state)
{
	diverges_in_run(drop_lint_after_int, DIV_EXTRA, EV_LINT, next_input_expected);
}

static uint64_t forged = UINT64_MAX;

/* Turn the `time 2000` input into a recorded irq8 wire edge. */
static int forge_wire(struct trace_record *rec)
{
	if (rec->kind == EV_TIME && rec->t == 2000) {
		forged = rec->num;
		rec->kind = EV_WIRE;
		rec->ev.kind = EV_WIRE;
		rec->ev.u.wire.id = WIRE_IRQ8;
		rec->ev.u.wire.level = 1;
	}
	return 1;
}

/* The trace holds an output the board does not produce. */
static void forged_output_is_missing(void **state)
{
	char *p = record(withdrawn_edge, 0);
	char *q = rewrite(p, forge_wire, NULL);
	struct replay_result res;
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_int_equal(res.div->kind, DIV_MISSING);
	assert_int_equal(res.div->num, forged);
	assert_int_equal(res.div->expected.kind, EV_WIRE);
	assert_int_equal(res.div->actual.kind, EV_IRQ);
	replay_result_free(&res);
	done(p);
	done(q);
}

/* A keyframe that is not the state replay reached (here: chunk 3's keyframe
 * taken from chunk 1) is reported at the chunk's first event. */
static uint8_t saved_kf[16384];
static size_t saved_len;

static void swap_keyframe(size_t chunk, uint8_t *kf, size_t *len)
{
	if (chunk == 1) {
		memcpy(saved_kf, kf, *len);
		saved_len = *len;
	} else if (chunk == 3) {
		memcpy(kf, saved_kf, saved_len);
		*len = saved_len;
	}
}

static void wrong_keyframe_is_reported(void **state)
{
	char *p = record(linux_pit, 8);
	char *q = rewrite(p, NULL, swap_keyframe);
	struct trace_reader *r = open_r(q);
	struct trace_chunk_info ci;
	assert_int_equal(trace_reader_chunk_info(r, 3, &ci), 0);
	trace_reader_close(r);
	struct replay_result res;
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_int_equal(res.div->kind, DIV_KEYFRAME);
	assert_int_equal(res.div->chunk, 3);
	assert_int_equal(res.div->num, ci.first_event);
	assert_true(board_state_hash(&res.div->before) != board_state_hash(&res.div->keyframe));
	replay_result_free(&res);
	done(p);
	done(q);
}

/* state --at N seeks to a keyframe; it must equal the state reached by
 * replaying every input up to N from the start. */
static void state_at_matches_full_replay(void **state)
{
	char *p = record(linux_pit, 8);
	struct trace_reader *r = open_r(p);
	uint64_t total = trace_reader_event_count(r);
	struct board *seek = malloc(sizeof(*seek)), *full = malloc(sizeof(*full));
	assert_non_null(seek);
	assert_non_null(full);
	for (uint64_t n = 0; n < total; n += 3) {
		char err[200];
		board_init_blank(seek);
		assert_int_equal(replay_state_at(r, n, seek, err, sizeof(err)), 0);
		/* full: from chunk 0, all inputs with number <= n */
		struct board_config cfg;
		board_config_default(&cfg);
		board_init(full, &cfg, NULL, NULL);
		for (size_t ci = 0; ci < trace_reader_chunk_count(r); ci++) {
			struct trace_chunk *c = trace_reader_load_chunk(r, ci);
			struct trace_record rec;
			while (trace_chunk_next(c, &rec) == 1 && rec.num <= n)
				if (EV_IS_INPUT(rec.kind))
					board_apply(full, &rec.ev);
				else if (rec.num == n && EV_IS_OUTPUT(rec.kind) && rec.t > full->s.now)
					board_advance(full, rec.t);
			trace_chunk_free(c);
		}
		assert_int_equal(board_state_hash(seek), board_state_hash(full));
	}
	char err[200];
	assert_int_equal(replay_state_at(r, total, seek, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not in the trace"));
	free(seek);
	free(full);
	trace_reader_close(r);
	done(p);
}

/* A trace cut in the middle (a killed recorder) replays its complete chunks. */
static void truncated_trace_replays_complete_chunks(void **state)
{
	char *p = record(linux_pit, 8);
	struct trace_reader *r = open_r(p);
	size_t chunks = trace_reader_chunk_count(r);
	struct trace_chunk_info last;
	assert_int_equal(trace_reader_chunk_info(r, chunks - 2, &last), 0);
	trace_reader_close(r);
	/* cut inside the second-to-last chunk */
	assert_int_equal(truncate(p, (off_t)last.offset + 20), 0);
	r = open_r(p);
	assert_int_equal(trace_reader_chunk_count(r), chunks - 2);
	assert_true(trace_reader_recovery(r)->torn);
	trace_reader_close(r);
	struct replay_result res;
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	assert_int_equal(res.chunks, chunks - 2);
	assert_int_equal(res.last, last.first_event - 1);
	replay_result_free(&res);
	done(p);
}

static void from_starts_at_the_chunk_keyframe(void **state)
{
	char *p = record(linux_pit, 8);
	struct trace_reader *r = open_r(p);
	struct trace_chunk_info ci;
	assert_int_equal(trace_reader_chunk_info(r, 3, &ci), 0);
	struct replay_opts o;
	struct replay_result res;
	replay_opts_default(&o);
	o.from = ci.first_event + 2;
	o.to = ci.first_event + 5;
	assert_int_equal(replay_both(r, &o, &res), REPLAY_IDENTICAL);
	assert_int_equal(res.first, ci.first_event);
	assert_true(res.last >= o.to);
	assert_true(res.chunks <= 2);
	replay_result_free(&res);
	o.from = 1u << 30;
	o.to = UINT64_MAX;
	assert_int_equal(replay_both(r, &o, &res), REPLAY_UNUSABLE);
	replay_result_free(&res);
	trace_reader_close(r);
	done(p);
}


/* A forged time jump (years ahead, with the PIT at 600 kHz) is a divergence
 * at the first edge the trace lacks; replay must stop there, not emit years
 * of timer edges first. */
static int forge_time_jump(struct trace_record *rec)
{
	if (rec->kind == EV_TIME && rec->t == 5000000)
		rec->ev.t = rec->t = 40ull * 365 * 24 * 3600 * 1000000000ull;
	return 1;
}

static void forged_time_jump_ends_promptly(void **state)
{
	static const char fast[] = "out 0x43 0x34\nout 0x40 2\nout 0x40 0\ntime 1000000\ntime 5000000\n";
	char *p = record(fast, 0);
	char *q = rewrite(p, forge_time_jump, NULL);
	struct replay_result res;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	/* the first edge past the recorded time meets a recorded event */
	assert_true(res.div->kind == DIV_MISMATCH || res.div->kind == DIV_EXTRA);
	assert_true(res.div->has_actual && EV_IS_OUTPUT(res.div->actual.kind));
	assert_true(res.div->actual.t > 5000000);
	replay_result_free(&res);
	done(p);
	done(q);
}

/* The same jump under state --at: bounded by the trace's size (item 4). */
static void forged_time_jump_is_bounded_in_state_at(void **state)
{
	static const char fast[] = "out 0x43 0x34\nout 0x40 2\nout 0x40 0\ntime 1000000\ntime 5000000\n";
	char *p = record(fast, 0);
	char *q = rewrite(p, forge_time_jump, NULL);
	struct trace_reader *r = open_r(q);
	struct board *b = malloc(sizeof(*b));
	char err[300];
	assert_non_null(b);
	board_init_blank(b);
	assert_int_equal(replay_state_at(r, trace_reader_event_count(r) - 1, b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	assert_non_null(strstr(err, "outputs"));
	free(b);
	trace_reader_close(r);
	done(p);
	done(q);
}

/* The bound covers every call made with one struct work_limit. */
static void work_bound_spans_inputs(void **state)
{
	struct board *b = malloc(sizeof(*b));
	struct board_config cfg;
	assert_non_null(b);
	board_config_default(&cfg);
	assert_int_equal(board_init(b, &cfg, NULL, NULL), 0);
	/* PIT channel 0 at count 2: two OUT0 edges (wire outputs) every 1.7 us */
	board_pio_write(b, 0, 0x43, 0x34);
	board_pio_write(b, 0, 0x40, 2);
	board_pio_write(b, 0, 0x40, 0);
	struct work_limit lim = { .max_outputs = 1000 };
	assert_int_equal(board_advance_bounded(b, 300000, &lim), WORK_OK); /* ~350 edges */
	assert_true(lim.used > 100 && lim.used < 1000);
	assert_int_equal(board_advance_bounded(b, 900000, &lim), WORK_OUTPUTS);
	assert_int_equal(lim.used, 1001);
	free(b);
}

/* A chunk with an empty keyframe continues the one before it: an input's
 * outputs may run on into it (the writer does this at 16 MiB; here a flush
 * in the middle of a time advance's outputs does the same). */
struct split_rec {
	struct trace_writer *w;
	uint64_t outputs;
};

static void split_sink(void *ctx, const struct irq_event *ev)
{
	struct split_rec *s = ctx;
	assert_int_equal(trace_writer_append(s->w, ev), 0);
	if (EV_IS_OUTPUT(ev->kind) && ++s->outputs == 40)
		assert_int_equal(trace_writer_flush(s->w), 0);
}

static void continuation_chunk_replays_identically(void **state)
{
	char *p = tmp_path("cont"), err[300];
	struct split_rec s = { 0 };
	struct board *b = malloc(sizeof(*b)), *at = malloc(sizeof(*at));
	struct board_config cfg;
	assert_non_null(b);
	assert_non_null(at);
	board_config_default(&cfg);
	assert_int_equal(board_init(b, &cfg, split_sink, &s), 0);
	s.w = trace_writer_open(p, NULL, 0, NULL, err, sizeof(err));
	assert_non_null(s.w);
	uint8_t kf[8192];
	size_t n = board_save(b, kf, sizeof(kf));
	assert_int_equal(trace_writer_begin_chunk(s.w, kf, n), 0);
	board_pio_write(b, 0, 0x43, 0x34);
	board_pio_write(b, 0, 0x40, 0xa9);
	board_pio_write(b, 0, 0x40, 0x04);
	board_advance(b, 100000000); /* 100 ticks: the flush falls inside */
	uint64_t hash = board_state_hash(b);
	assert_int_equal(trace_writer_close(s.w, err, sizeof(err)), 0);

	struct trace_reader *r = open_r(p);
	assert_int_equal(trace_reader_chunk_count(r), 2);
	uint64_t last = trace_reader_event_count(r) - 1;
	struct replay_result res;
	struct replay_opts o;
	replay_opts_default(&o);
	assert_int_equal(replay_both(r, &o, &res), REPLAY_IDENTICAL);
	assert_int_equal(res.last, last);
	replay_result_free(&res);
	/* --from an event of the continuation starts at chunk 0's keyframe */
	o.from = last - 3;
	assert_int_equal(replay_both(r, &o, &res), REPLAY_IDENTICAL);
	replay_result_free(&res);
	board_init_blank(at);
	assert_int_equal(replay_state_at(r, last, at, err, sizeof(err)), 0);
	assert_true(board_state_hash(at) == hash);
	trace_reader_close(r);
	free(b);
	free(at);
	done(p);
}


/* ---- parallel replay: divergences in the first, a middle and the last
 * chunk, damaged chunks (replay_both checks -j 2, 3, 64 against -j 1) */

/* linux_pit's set-up, then n PIT ticks taken and acknowledged. */
static char *long_script(unsigned n)
{
	size_t cap = sizeof(linux_pit) + 64 * (size_t)n;
	char *s = malloc(cap);
	assert_non_null(s);
	size_t len = (size_t)snprintf(s, cap, "%s", linux_pit);
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "time %u\nintack\nout 0x20 0x20\n",
					10000000u + 1000000u * i);
	return s;
}

static uint64_t edit_at;

static int edit_one(struct trace_record *rec)
{
	if (rec->num != edit_at)
		return 1;
	switch (rec->kind) {
	case EV_INTACK: rec->ev.u.intack.vector++; break;
	case EV_WIRE: rec->ev.u.wire.level ^= 1; break;
	case EV_PIO_READ: rec->ev.u.pio.value ^= 1; break;
	case EV_DEADLINE: rec->ev.u.deadline.t++; break;
	case EV_PIO_WRITE: rec->ev.u.pio.value ^= 0x40; break; /* ICW2: the vector base */
	default: break;
	}
	return 1;
}

/* The first record from event `from` on that edit_one changes. */
static uint64_t editable_from(const char *path, uint64_t from)
{
	struct trace_reader *r = open_r(path);
	uint64_t found = UINT64_MAX;
	for (size_t ci = 0; ci < trace_reader_chunk_count(r) && found == UINT64_MAX; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		while (trace_chunk_next(c, &rec) == 1)
			if (rec.num >= from && (rec.kind == EV_INTACK || rec.kind == EV_WIRE ||
						(rec.kind == EV_PIO_WRITE && rec.num == 1) ||
						rec.kind == EV_PIO_READ || rec.kind == EV_DEADLINE)) {
				found = rec.num;
				break;
			}
		trace_chunk_free(c);
	}
	trace_reader_close(r);
	return found;
}

static void parallel_divergence_in_first_middle_last_chunk(void **state)
{
	char *script = long_script(40);
	char *p = record(script, 8);
	struct trace_reader *r = open_r(p);
	size_t chunks = trace_reader_chunk_count(r);
	size_t targets[3] = { 0, chunks / 2, chunks - 1 };
	struct trace_chunk_info info[3];
	assert_true(chunks > 12);
	for (int i = 0; i < 3; i++)
		assert_int_equal(trace_reader_chunk_info(r, targets[i], &info[i]), 0);
	trace_reader_close(r);
	struct replay_result res;
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	replay_result_free(&res);
	for (int i = 0; i < 3; i++) {
		/* an edit early in the chunk (in chunk 0: after the set-up) */
		edit_at = editable_from(p, info[i].first_event);
		if (edit_at >= info[i].first_event + info[i].count)
			fail_msg("chunk %zu (events %llu..): no record to edit, next at %llu", targets[i],
				 (unsigned long long)info[i].first_event, (unsigned long long)edit_at);
		char *q = rewrite(p, edit_one, NULL);
		assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
		assert_non_null(res.div);
		/* reported at the edit, or (an edited result or a deadline
		 * the board does not ask for) at the event the board emits
		 * differently: in that chunk either way; in chunk 0, the
		 * ICW2 written (the vector base) shows later: at the next
		 * keyframe */
		if (i == 0)
			assert_true(res.div->chunk <= 1);
		else
			assert_true(res.div->num >= info[i].first_event && res.div->num <= edit_at);
		replay_result_free(&res);
		done(q);
	}
	/* every chunk altered from the middle on: the first one is reported */
	edit_at = editable_from(p, info[1].first_event);
	assert_true(edit_at != UINT64_MAX);
	char *q = rewrite(p, bump_intack, NULL);
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_int_equal(res.div->num, first_intack_after(p, 30));
	replay_result_free(&res);
	done(q);
	/* a what-if model variant on the long trace (diverges or not: the
	 * same either way) */
	struct variant_set v = { 0 };
	assert_null(variant_parse(&v, "pic.poll_no_0x80=1"));
	(void)replay(p, &v, &res);
	replay_result_free(&res);
	assert_null(variant_parse(&v, "lint0=bsp"));
	(void)replay(p, &v, &res);
	replay_result_free(&res);
	free(script);
	done(p);
}

static void flip_byte(const char *path, uint64_t off)
{
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	int c = fgetc(f);
	assert_true(c != EOF);
	assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
	fputc(c ^ 0x5a, f);
	assert_int_equal(fclose(f), 0);
}

/* A chunk whose payload is damaged: with the index, replay stops there
 * (unusable); without it (the footer cut off), the reader's recovery skips
 * the chunk and replay goes on after the gap (identical where checked). */
static void parallel_damaged_chunks(void **state)
{
	char *script = long_script(40);
	char *p = record(script, 8);
	struct trace_reader *r = open_r(p);
	size_t chunks = trace_reader_chunk_count(r);
	struct trace_chunk_info mid, last;
	assert_int_equal(trace_reader_chunk_info(r, chunks / 2, &mid), 0);
	assert_int_equal(trace_reader_chunk_info(r, chunks - 1, &last), 0);
	trace_reader_close(r);
	flip_byte(p, mid.offset + 64 + mid.comp_size / 2);
	struct replay_result res;
	assert_int_equal(replay(p, NULL, &res), REPLAY_UNUSABLE);
	replay_result_free(&res);
	/* the footer gone: recovery rebuilds the index, skipping the chunk */
	assert_int_equal(truncate(p, (off_t)(last.offset + 64 + last.comp_size)), 0);
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	assert_true(res.gaps > 0);
	replay_result_free(&res);
	/* and a torn tail on top of it */
	assert_int_equal(truncate(p, (off_t)(last.offset + 30)), 0);
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	replay_result_free(&res);
	/* the first chunk damaged: nothing before it to replay from */
	char *q = record(script, 8);
	r = open_r(q);
	struct trace_chunk_info first;
	assert_int_equal(trace_reader_chunk_info(r, 0, &first), 0);
	trace_reader_close(r);
	flip_byte(q, first.offset + 64 + first.comp_size / 2);
	(void)replay(q, NULL, &res);
	replay_result_free(&res);
	free(script);
	done(p);
	done(q);
}

/* ---- replay decodes a run of chunks a window (1024 records) at a time:
 * inputs whose records straddle a window's end, one input whose outputs
 * fill several windows, divergences far into a run */

/* PIT channel 0 at a count of 2 (a ~597 kHz square wave) for 5 ms: the
 * `time` input's ~6,000 edges are one input's outputs. */
static const char pit_storm[] =
	"out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n"
	"out 0x43 0x34\nout 0x40 0x02\nout 0x40 0x00\n"
	"time 5000000\nintack\nout 0x20 0x20\ntime 6000000\nintack\nout 0x20 0x20\n";

/* The board state before input `input` (an event number), replayed here
 * from the first chunk's keyframe record by record. */
static uint64_t hash_before(const char *path, uint64_t input)
{
	struct trace_reader *r = open_r(path);
	struct trace_chunk *c = trace_reader_load_chunk(r, 0);
	struct board *b = malloc(sizeof(*b));
	struct trace_record rec;
	size_t kflen;
	assert_non_null(c);
	assert_non_null(b);
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	board_init_blank(b);
	assert_null(board_load(b, kf, kflen));
	while (trace_chunk_next(c, &rec) == 1 && rec.num < input)
		if (EV_IS_INPUT(rec.kind))
			assert_int_equal(board_apply(b, &rec.ev), 0);
	uint64_t h = board_state_hash(b);
	free(b);
	trace_chunk_free(c);
	trace_reader_close(r);
	return h;
}

/* Edit event edit_at of path (one chunk), a wire output; the divergence
 * is reported at it, while the input before it (whose output it is) or
 * the one after it (whose time advance it is) runs, with the state before
 * that input. */
static void diverges_at_edit(const char *path)
{
	struct replay_result res;
	struct trace_reader *r = open_r(path);
	struct trace_chunk *c = trace_reader_load_chunk(r, 0);
	struct trace_record rec;
	uint64_t prev_in = UINT64_MAX, next_in = UINT64_MAX;
	while (trace_chunk_next(c, &rec) == 1) {
		if (rec.num == edit_at)
			assert_int_equal(rec.kind, EV_WIRE);
		if (!EV_IS_INPUT(rec.kind))
			continue;
		if (rec.num < edit_at) {
			prev_in = rec.num;
		} else {
			next_in = rec.num;
			break;
		}
	}
	trace_chunk_free(c);
	trace_reader_close(r);
	char *q = rewrite(path, edit_one, NULL);
	assert_int_equal(replay(q, NULL, &res), REPLAY_DIVERGED);
	assert_non_null(res.div);
	assert_int_equal(res.div->num, edit_at);
	if (res.div->input_num != prev_in && res.div->input_num != next_in)
		fail_msg("edit at %llu: input %llu, not %llu or %llu", (unsigned long long)edit_at,
			 (unsigned long long)res.div->input_num, (unsigned long long)prev_in,
			 (unsigned long long)next_in);
	assert_true(board_state_hash(&res.div->before) == hash_before(path, res.div->input_num));
	replay_result_free(&res);
	done(q);
}

/* The first wire output at or after event n (edit_one flips its level:
 * reported right there). */
static uint64_t wire_from(const char *path, uint64_t n)
{
	struct trace_reader *r = open_r(path);
	struct trace_chunk *c = trace_reader_load_chunk(r, 0);
	struct trace_record rec;
	uint64_t found = UINT64_MAX;
	while (trace_chunk_next(c, &rec) == 1)
		if (rec.num >= n && rec.kind == EV_WIRE) {
			found = rec.num;
			break;
		}
	trace_chunk_free(c);
	trace_reader_close(r);
	return found;
}

/* The first input at or after event n. */
static uint64_t input_from(const char *path, uint64_t n)
{
	struct trace_reader *r = open_r(path);
	struct trace_chunk *c = trace_reader_load_chunk(r, 0);
	struct trace_record rec;
	uint64_t found = UINT64_MAX;
	while (trace_chunk_next(c, &rec) == 1)
		if (rec.num >= n && EV_IS_INPUT(rec.kind)) {
			found = rec.num;
			break;
		}
	trace_chunk_free(c);
	trace_reader_close(r);
	return found;
}

static void replay_windows_of_a_long_run(void **state)
{
	struct replay_result res;
	/* one input's outputs over six windows */
	char *p = record(pit_storm, 0);
	struct trace_reader *r = open_r(p);
	assert_int_equal(trace_reader_chunk_count(r), 1);
	uint64_t events = trace_reader_event_count(r);
	trace_reader_close(r);
	assert_true(events > 6 * 1024);
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	assert_int_equal(res.events, events);
	replay_result_free(&res);
	uint64_t storm_input = input_from(p, 8); /* the first `time` */
	assert_true(storm_input > 5 * 1024);
	edit_at = wire_from(p, 4000); /* a wire edge in the fifth window */
	assert_true(edit_at < storm_input);
	diverges_at_edit(p);
	edit_at = wire_from(p, storm_input + 1); /* after the storm: INT falls at INTA */
	diverges_at_edit(p);
	done(p);

	/* 600 ticks in one chunk (~4,800 records): inputs straddle windows */
	char *script = long_script(600);
	p = record(script, 0);
	r = open_r(p);
	assert_int_equal(trace_reader_chunk_count(r), 1);
	events = trace_reader_event_count(r);
	trace_reader_close(r);
	assert_true(events > 4 * 1024);
	assert_int_equal(replay(p, NULL, &res), REPLAY_IDENTICAL);
	assert_int_equal(res.events, events);
	assert_int_equal(res.last, events - 1);
	replay_result_free(&res);
	static const uint64_t at[] = { 1020, 1023, 1024, 1025, 2047, 2050, 4000 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		edit_at = wire_from(p, at[i]);
		assert_true(edit_at < events);
		diverges_at_edit(p);
	}
	/* a range ending inside the run */
	struct replay_opts o;
	replay_opts_default(&o);
	o.to = 3000;
	r = open_r(p);
	assert_int_equal(replay_both(r, &o, &res), REPLAY_IDENTICAL);
	assert_true(res.last >= 2990 && res.last < 3010);
	replay_result_free(&res);
	trace_reader_close(r);
	free(script);
	done(p);
}

static void parallel_compared_every_replay(void **state)
{
	/* runs last: every replay above went through replay_both */
	assert_true(parallel_compared >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(script_trace_replays_identically),
		cmocka_unit_test(model_variant_diverges_at_the_right_event),
		cmocka_unit_test(altered_read_result_is_a_mismatch),
		cmocka_unit_test(dropped_output_is_extra),
		cmocka_unit_test(forged_output_is_missing),
		cmocka_unit_test(mismatch_inside_a_run),
		cmocka_unit_test(extra_event_ending_a_run),
		cmocka_unit_test(wrong_keyframe_is_reported),
		cmocka_unit_test(state_at_matches_full_replay),
		cmocka_unit_test(truncated_trace_replays_complete_chunks),
		cmocka_unit_test(from_starts_at_the_chunk_keyframe),
		cmocka_unit_test(forged_time_jump_ends_promptly),
		cmocka_unit_test(forged_time_jump_is_bounded_in_state_at),
		cmocka_unit_test(work_bound_spans_inputs),
		cmocka_unit_test(continuation_chunk_replays_identically),
		cmocka_unit_test(parallel_divergence_in_first_middle_last_chunk),
		cmocka_unit_test(parallel_damaged_chunks),
		cmocka_unit_test(replay_windows_of_a_long_run),
		cmocka_unit_test(parallel_compared_every_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
