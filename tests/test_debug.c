/* SPDX-License-Identifier: MIT */
/* Offline debugging: predicates, bisect (cross-checked against a per-event
 * state oracle), diff, reduce, model variants. Traces come from scripts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "irqrr/trace.h"
#include "replayer/bisect.h"
#include "replayer/diff.h"
#include "replayer/reduce.h"
#include "replayer/script.h"

#define PIC_INIT "out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n" \
		 "out 0xa0 0x11\nout 0xa1 0x38\nout 0xa1 0x02\nout 0xa1 0x01\n"

/* The writer's keyframe policy for record(): 0, a keyframe in every chunk;
 * N, every N chunks, the others continuations (docs/FORMAT.md "Chunk"). */
static unsigned record_keyframe_chunks;

static char *record(const char *script, uint32_t chunk_events)
{
	static unsigned n;
	char *path = malloc(80);
	struct board_config cfg;
	struct trace_writer_opts o = { .keyframe_chunks = record_keyframe_chunks };
	assert_non_null(path);
	snprintf(path, 80, "/tmp/test_debug.%d.%u.irqrr", (int)getpid(), n++);
	FILE *in = fmemopen((void *)script, strlen(script), "r");
	FILE *out = fopen("/dev/null", "w");
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

static void done(char *path)
{
	unlink(path);
	free(path);
}

static int bisect(const char *path, const char *pred, struct bisect_result *res)
{
	struct predicate p;
	assert_null(predicate_parse(pred, &p));
	struct trace_reader *r = open_r(path);
	int rc = bisect_trace(r, &p, 0, UINT64_MAX, 0, res);
	trace_reader_close(r);
	return rc;
}

/* Event number of the first record at time t of the given kind. */
static uint64_t first_at(const char *path, uint64_t t, unsigned kind)
{
	struct trace_reader *r = open_r(path);
	for (size_t ci = 0; ci < trace_reader_chunk_count(r); ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		while (trace_chunk_next(c, &rec) == 1)
			if (rec.t == t && rec.kind == kind) {
				trace_chunk_free(c);
				trace_reader_close(r);
				return rec.num;
			}
		trace_chunk_free(c);
	}
	trace_reader_close(r);
	fail_msg("no event at t=%llu", (unsigned long long)t);
	return 0;
}

static void predicate_syntax(void **state)
{
	struct predicate p;
	(void)state;
	assert_null(predicate_parse("remote-irr:any>10ms", &p));
	assert_int_equal(p.kind, PRED_REMOTE_IRR);
	assert_int_equal(p.target, PRED_ANY);
	assert_int_equal(p.duration, 10000000);
	assert_null(predicate_parse("isr-held:12>500us", &p));
	assert_int_equal(p.target, 12);
	assert_int_equal(p.duration, 500000);
	assert_null(predicate_parse("no-intack>2s", &p));
	assert_int_equal(p.duration, 2000000000ull);
	assert_null(predicate_parse("diverge:pic.literal_edge=1,lint0=bsp", &p));
	assert_int_equal(p.variants.n, 2);
	assert_non_null(predicate_parse("remote-irr:24>1ms", &p));
	assert_non_null(predicate_parse("isr-held:2>1ms", &p));
	assert_non_null(predicate_parse("isr-held:3>10parsecs", &p));
	assert_non_null(predicate_parse("isr-held:3", &p));
	assert_non_null(predicate_parse("diverge:nosuch=1", &p));
	assert_non_null(predicate_parse("diverge:", &p));
	assert_non_null(predicate_parse("frobnicate>1ms", &p));
	assert_non_null(predicate_parse("no-intack>-5ms", &p));
}

/* Exact first events of each duration predicate on a hand-made trace. */
static const char held[] = PIC_INIT
	"mmiow 0xfec00000 0x24\nmmiow 0xfec00010 0x804a\n" /* pin 10 level, vec 0x4a */
	"time 1000\nirq 3 1\ntime 5000\nintack\n"          /* IRQ3 in service */
	"time 8000\nirq 10 1\n"                             /* remote IRR set */
	"time 12000\nirq 4 1\n"                             /* INT high, no INTACK (IRQ3 in service blocks IRQ4) */
	"time 20000\nout 0x20 0x20\nintack\n"
	"time 40000\neoi 0x4a\ntime 60000\n";

static void predicates_exact(void **state)
{
	(void)state;
	char *t = record(held, 0);
	struct bisect_result *res = malloc(sizeof(*res));
	/* ISR3 set at 5000; first event later than 5000 + 10000: time 20000 */
	assert_int_equal(bisect(t, "isr-held:3>10us", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 20000, EV_TIME));
	assert_int_equal(res->state.s.pic.chip[0].isr, 0x08);
	bisect_result_free(res);
	/* remote IRR of pin 10 from 8000 to the EOI at 40000 */
	assert_int_equal(bisect(t, "remote-irr:10>31us", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 40000, EV_TIME));
	assert_int_equal(bisect(t, "remote-irr:any>32us", res), BISECT_NOT_FOUND);
	/* line 4 asserted at 12000 and never delivered (the INTACK at 20000
	 * returns IRQ10's vector 0x3a: IR2 outranks IR4) */
	assert_int_equal(bisect(t, "line-undelivered:4>7us", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 20000, EV_TIME));
	assert_int_equal(bisect(t, "line-undelivered:4>47us", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 60000, EV_TIME));
	assert_int_equal(bisect(t, "line-undelivered:4>48us", res), BISECT_NOT_FOUND);
	/* line 10 (IOAPIC) delivered at once by its APIC message */
	assert_int_equal(bisect(t, "line-undelivered:10>1us", res), BISECT_FOUND);
	assert_true(res->t >= 9000);
	/* PIC INT rises at 1000 (IRQ3), INTACK at 5000 */
	assert_int_equal(bisect(t, "no-intack>3999ns", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 5000, EV_TIME));
	/* again from 8000 (IRQ10 through the slave) to the INTACK at 20000 */
	assert_int_equal(bisect(t, "no-intack>11999ns", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 20000, EV_TIME));
	assert_int_equal(bisect(t, "no-intack>12us", res), BISECT_NOT_FOUND);
	free(res);
	done(t);
}

/* Oracle: ISR after each event via replay_state_at (seek + replay), and the
 * since-times tracked here. O(n^2), for small traces. */
static uint64_t oracle_isr_held(const char *path, uint64_t dur, bool *found)
{
	struct trace_reader *r = open_r(path);
	uint64_t n = trace_reader_event_count(r), since[16] = { 0 };
	uint16_t prev = 0;
	struct board *b = malloc(sizeof(*b));
	char err[300];
	*found = false;
	for (uint64_t i = 0; i < n; i++) {
		board_init_blank(b);
		assert_int_equal(replay_state_at(r, i, b, err, sizeof(err)), 0);
		size_t ci;
		trace_reader_find_event(r, i, &ci);
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		while (trace_chunk_next(c, &rec) == 1 && rec.num != i)
			;
		trace_chunk_free(c);
		uint16_t isr = (uint16_t)(b->s.pic.chip[0].isr | b->s.pic.chip[1].isr << 8) & ~4u;
		for (unsigned k = 0; k < 16; k++) {
			if ((isr >> k & 1) && !(prev >> k & 1))
				since[k] = rec.t;
			if ((isr >> k & 1) && rec.t - since[k] > dur) {
				*found = true;
				free(b);
				trace_reader_close(r);
				return i;
			}
		}
		prev = isr;
	}
	free(b);
	trace_reader_close(r);
	return 0;
}

static void bisect_matches_oracle(void **state)
{
	(void)state;
	srand(12345);
	unsigned hits = 0;
	for (int round = 0; round < 12; round++) {
		char script[8192];
		size_t len = (size_t)snprintf(script, sizeof(script), "%s", PIC_INIT);
		uint64_t t = 0;
		for (int i = 0; i < 60; i++) {
			t += 100 + (uint64_t)(rand() % 3000);
			int op = rand() % 4, irq = rand() % 8;
			if (irq == 2)
				irq = 1;
			len += (size_t)snprintf(script + len, sizeof(script) - len, "time %llu\n",
						(unsigned long long)t);
			if (op == 0)
				len += (size_t)snprintf(script + len, sizeof(script) - len, "irq %d %d\n", irq, rand() % 2);
			else if (op == 1)
				len += (size_t)snprintf(script + len, sizeof(script) - len, "intack\n");
			else if (op == 2)
				len += (size_t)snprintf(script + len, sizeof(script) - len, "out 0x20 0x20\n");
		}
		char *path = record(script, 32); /* many chunks */
		struct bisect_result *res = malloc(sizeof(*res));
		bool found;
		uint64_t want = oracle_isr_held(path, 5000, &found);
		int rc = bisect(path, "isr-held:any>5us", res);
		assert_int_equal(rc, found ? BISECT_FOUND : BISECT_NOT_FOUND);
		if (found) {
			assert_int_equal(res->num, want);
			hits++;
		}
		free(res);
		done(path);
	}
	assert_true(hits >= 3); /* the cross-check saw real hits */
}

static int diff_paths(const char *a, const char *b, uint64_t tol, struct diff_result *res)
{
	struct trace_reader *ra = open_r(a), *rb = open_r(b);
	int rc = diff_traces(ra, a, rb, b, tol, res);
	trace_reader_close(ra);
	trace_reader_close(rb);
	return rc;
}

static int bisect_flags(const char *path, const char *pred, unsigned flags, struct bisect_result *res)
{
	struct predicate p;
	assert_null(predicate_parse(pred, &p));
	struct trace_reader *r = open_r(path);
	int rc = bisect_trace(r, &p, 0, UINT64_MAX, flags, res);
	trace_reader_close(r);
	return rc;
}

/* Keyframe skips change the work, never the answer: on random level and
 * edge traffic in 32-event chunks, every predicate kind and several
 * durations give the linear scan's outcome, event, explanation, context
 * and chip state; with a keyframe in every chunk, and (policy 1) one
 * every 3 chunks, the others continuations: a run is passed over whole.
 * With 3-event chunks the context ("events before it") spans several
 * chunks, some passed over, some scanned after a skip. */
static void bisect_skip_equals_linear_policy(unsigned policy, uint32_t chunk_events)
{
	static const char *preds[] = {
		"isr-held:any>%uus", "remote-irr:any>%uus", "remote-irr:10>%uus",
		"line-undelivered:any>%uus", "line-undelivered:3>%uus", "no-intack>%uus",
	};
	static const unsigned durs[] = { 2, 20, 60, 200, 1000, 5000 };
	record_keyframe_chunks = policy ? 3 : 0;
	srand(777);
	uint64_t skipped = 0, hits = 0, compared = 0;
	struct bisect_result *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	for (int round = 0; round < 10; round++) {
		static char script[16384];
		size_t len = (size_t)snprintf(script, sizeof(script), "%s%s", PIC_INIT,
					      "mmiow 0xfec00000 0x24\nmmiow 0xfec00010 0x804a\n");
		uint64_t t = 0;
		for (int i = 0; i < 200; i++) {
			/* mostly short gaps, now and then a long quiet stretch */
			t += rand() % 10 == 0 ? 50000 + (uint64_t)(rand() % 300000) : 100 + (uint64_t)(rand() % 3000);
			int op = rand() % 6, irq = rand() % 8;
			if (irq == 2)
				irq = 1;
			len += (size_t)snprintf(script + len, sizeof(script) - len, "time %llu\n",
						(unsigned long long)t);
			const char *fmt = op == 0 ? "irq %d %d\n" : op == 1 ? "intack\n" : op == 2 ? "out 0x20 0x20\n"
					: op == 3 ? "irq 10 %d\n" : op == 4 ? "eoi 0x4a\n" : "irq %d 0\n";
			if (op == 0)
				len += (size_t)snprintf(script + len, sizeof(script) - len, fmt, irq, rand() % 2);
			else if (op == 3)
				len += (size_t)snprintf(script + len, sizeof(script) - len, fmt, rand() % 2);
			else if (op == 5)
				len += (size_t)snprintf(script + len, sizeof(script) - len, fmt, irq);
			else
				len += (size_t)snprintf(script + len, sizeof(script) - len, "%s", fmt);
		}
		char *path = record(script, chunk_events);
		for (size_t pi = 0; pi < sizeof(preds) / sizeof(preds[0]); pi++) {
			for (size_t di = 0; di < sizeof(durs) / sizeof(durs[0]); di++) {
				char pred[64];
				snprintf(pred, sizeof(pred), preds[pi], durs[di]);
				int ra = bisect_flags(path, pred, 0, a);
				int rb = bisect_flags(path, pred, BISECT_LINEAR, b);
				assert_int_equal(ra, rb);
				assert_int_equal(b->skipped, 0);
				skipped += a->skipped;
				compared++;
				if (ra != BISECT_FOUND)
					continue;
				hits++;
				assert_int_equal(a->num, b->num);
				assert_int_equal(a->t, b->t);
				assert_string_equal(a->why, b->why);
				assert_int_equal(board_state_hash(&a->state), board_state_hash(&b->state));
				assert_int_equal(a->ncontext, b->ncontext);
				for (unsigned k = 0; k < a->ncontext; k++) {
					assert_int_equal(a->context[k].num, b->context[k].num);
					assert_int_equal(a->context[k].kind, b->context[k].kind);
				}
			}
		}
		done(path);
	}
	free(a);
	free(b);
	print_message("bisect: %llu comparisons, %llu hits, %llu chunks passed over by keyframe\n",
		      (unsigned long long)compared, (unsigned long long)hits, (unsigned long long)skipped);
	assert_true(hits >= 100 && compared - hits >= 50); /* both answers were exercised */
	assert_true(skipped >= (policy ? 100 : 200)); /* and skipping really happened */
	record_keyframe_chunks = 0;
}

static void bisect_skip_equals_linear(void **state)
{
	(void)state;
	bisect_skip_equals_linear_policy(0, 32);
	bisect_skip_equals_linear_policy(1, 32);
	bisect_skip_equals_linear_policy(0, 3);
	bisect_skip_equals_linear_policy(1, 3);
}

/* A quiet periodic stream with a stuck level interrupt planted near the
 * end: the search decodes only the chunks around the hit. */
static void bisect_skips_quiet_chunks(void **state)
{
	(void)state;
	static char script[1 << 20];
	size_t len = (size_t)snprintf(script, sizeof(script), "%s%s", PIC_INIT,
				      "mmiow 0xfec00000 0x24\nmmiow 0xfec00010 0x804a\n");
	for (unsigned ms = 1; ms <= 2000; ms++) {
		len += (size_t)snprintf(script + len, sizeof(script) - len,
					"time %u\nirq 3 1\nintack\nirq 3 0\nout 0x20 0x20\n", ms * 1000000);
		if (ms == 1900)
			len += (size_t)snprintf(script + len, sizeof(script) - len, "irq 10 1\n");
	}
	char *path = record(script, 64);
	struct bisect_result *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	assert_int_equal(bisect_flags(path, "remote-irr:any>20ms", 0, a), BISECT_FOUND);
	assert_int_equal(bisect_flags(path, "remote-irr:any>20ms", BISECT_LINEAR, b), BISECT_FOUND);
	assert_int_equal(a->num, b->num);
	assert_int_equal(a->t, 1921000000); /* the first event more than 20 ms after 1.9 s */
	assert_int_equal(a->ncontext, b->ncontext);
	for (unsigned k = 0; k < a->ncontext; k++)
		assert_int_equal(a->context[k].num, b->context[k].num);
	print_message("bisect: %llu chunks decoded, %llu passed over (linear: %llu decoded)\n",
		      (unsigned long long)a->chunks, (unsigned long long)a->skipped,
		      (unsigned long long)b->chunks);
	assert_true(a->skipped > 10 * a->chunks);
	assert_int_equal(a->chunks + a->skipped, b->chunks);
	free(a);
	free(b);
	done(path);
}

static void diff_cases(void **state)
{
	(void)state;
	const char base[] = PIC_INIT "time 1000\nirq 3 1\ntime 2000\nintack\nout 0x20 0x20\n"
				     "time 3000\nirq 3 0\ntime 5000\nirq 4 1\ntime 6000\nintack\n";
	const char jitter[] = PIC_INIT "time 1000\nirq 3 1\ntime 2300\nintack\nout 0x20 0x20\n"
				       "time 3000\nirq 3 0\ntime 5400\nirq 4 1\ntime 6100\nintack\n";
	const char other[] = PIC_INIT "time 1000\nirq 3 1\ntime 2000\nintack\nout 0x20 0x20\n"
				      "time 3000\nirq 3 0\ntime 5000\nirq 5 1\ntime 6000\nintack\n";
	char *a = record(base, 0), *a2 = record(base, 4), *j = record(jitter, 0), *o = record(other, 0);
	struct diff_result res;
	assert_int_equal(diff_paths(a, a2, 0, &res), DIFF_SAME);
	assert_int_equal(diff_paths(a, j, 500, &res), DIFF_SAME);
	assert_int_equal(diff_paths(a, j, 100, &res), DIFF_DIFFERENT);
	assert_int_equal(res.kind, DIFF_TIME);
	assert_int_equal(res.a.rec.kind, EV_INTACK);
	assert_int_equal(diff_paths(a, o, 1000000, &res), DIFF_DIFFERENT);
	assert_int_equal(res.kind, DIFF_FIELDS);
	assert_int_equal(res.a.rec.kind, EV_IRQ);
	assert_int_equal(res.a.rec.ev.u.irq.gsi, 4);
	assert_int_equal(res.b.rec.ev.u.irq.gsi, 5);
	/* 8 PIC writes, irq 3, LINT0 request, INTACK, LINT0 withdrawn, EOI
	 * write, irq 3 low: 14 matching events */
	assert_int_equal(res.index, 14);
	done(a);
	done(a2);
	done(j);
	done(o);
}

/* Jitter is local: B's steps are 1 % longer than A's (drift that adds up to
 * 200 us over the run) and match within 50 us; one step delayed by 80 us
 * does not, and is reported where it happens. */
static void diff_ignores_drift(void **state)
{
	(void)state;
	static char sa[16384], sb[16384], sd[16384];
	size_t la = 0, lb = 0, ld = 0;
	la += (size_t)snprintf(sa + la, sizeof(sa) - la, "%s", PIC_INIT);
	lb += (size_t)snprintf(sb + lb, sizeof(sb) - lb, "%s", PIC_INIT);
	ld += (size_t)snprintf(sd + ld, sizeof(sd) - ld, "%s", PIC_INIT);
	for (unsigned k = 1; k <= 200; k++) {
		const char *ev = k & 1 ? "irq 3 1" : "irq 3 0";
		la += (size_t)snprintf(sa + la, sizeof(sa) - la, "time %u\n%s\n", k * 100000, ev);
		lb += (size_t)snprintf(sb + lb, sizeof(sb) - lb, "time %u\n%s\n", k * 101000, ev);
		ld += (size_t)snprintf(sd + ld, sizeof(sd) - ld, "time %u\n%s\n", k * 100000 + (k >= 100 ? 80000 : 0), ev);
	}
	char *a = record(sa, 0), *b = record(sb, 0), *d = record(sd, 0);
	struct diff_result res;
	assert_int_equal(diff_paths(a, b, 50000, &res), DIFF_SAME);
	assert_int_equal(diff_paths(a, d, 50000, &res), DIFF_DIFFERENT);
	assert_int_equal(res.kind, DIFF_TIME);
	assert_int_equal(res.a.rec.t, 100 * 100000); /* the delayed step */
	assert_int_equal(res.b.step - res.a.step, 80000);
	done(a);
	done(b);
	done(d);
}

/* A 1 kHz PIT through the PIC, serviced every tick, ~10^4 events, with a
 * level interrupt on pin 10 whose EOI never comes: reduce keeps the few
 * inputs that matter. */
static void reduce_planted(void **state)
{
	(void)state;
	size_t cap = 1 << 20, len = 0;
	char *s = malloc(cap);
	len += (size_t)snprintf(s + len, cap - len, "%s%s", PIC_INIT,
				"mmiow 0xfec00000 0x24\nmmiow 0xfec00010 0x804a\n"
				"out 0x43 0x34\nout 0x40 0xa9\nout 0x40 0x04\n");
	for (int ms = 1; ms <= 900; ms++) {
		len += (size_t)snprintf(s + len, cap - len, "time %d\nintack\nout 0x20 0x20\n",
					ms * 1000000 + 5000);
		if (ms == 400)
			len += (size_t)snprintf(s + len, cap - len, "irq 10 1\n");
		len += (size_t)snprintf(s + len, cap - len, "out 0x43 0x00\nin 0x40\nin 0x40\n");
	}
	char *t = record(s, 4096);
	free(s);
	struct trace_reader *r = open_r(t);
	assert_true(trace_reader_event_count(r) >= 10000);
	struct predicate p;
	struct reduce_opts o;
	struct reduce_result res;
	reduce_opts_default(&o);
	assert_null(predicate_parse("remote-irr:10>20ms", &p));
	if (reduce_trace(r, &p, &o, &res) != REDUCE_OK)
		fail_msg("reduce: %s", res.message);
	trace_reader_close(r);
	assert_true(res.minimal);
	assert_true(res.power_on);
	unsigned lines = 0;
	for (const char *c = res.script; *c; c++)
		lines += *c == '\n';
	assert_true(lines <= 20);
	assert_true(res.inputs_kept < res.inputs_prefix / 100);
	/* the script itself, recorded, satisfies the predicate */
	char *t2 = record(res.script, 0);
	struct bisect_result *br = malloc(sizeof(*br));
	assert_int_equal(bisect(t2, "remote-irr:10>20ms", br), BISECT_FOUND);
	assert_int_equal(bisect(t2, "remote-irr:10>1s", br), BISECT_NOT_FOUND);
	free(br);
	reduce_result_free(&res);
	done(t2);
	done(t);
}

static void variants_diverge(void **state)
{
	(void)state;
	/* PIT ch0 mode 2, 1 ms; a control word rewrite without a count */
	const char cw[] = "out 0x43 0x34\nout 0x40 0xa9\nout 0x40 0x04\n"
			  "time 1500000\nout 0x43 0x34\ntime 5000000\n";
	const char poll[] = PIC_INIT "time 1000\nirq 5 1\nout 0x20 0x0c\nin 0x20\n";
	char *a = record(cw, 0), *b = record(poll, 0);
	struct bisect_result *res = malloc(sizeof(*res));
	assert_int_equal(bisect(a, "diverge:pit.cw_keeps_counting=1", res), BISECT_FOUND);
	assert_non_null(res->div);
	/* the datasheet stops the counter: the variant's next edge is the
	 * extra output (OUT0 falls at the end of the old period) */
	assert_true(res->div->has_actual);
	assert_int_equal(res->div->actual.kind, EV_WIRE);
	assert_int_equal(res->div->actual.u.wire.id, WIRE_IRQ0);
	assert_int_equal(res->div->actual.u.wire.level, 0);
	bisect_result_free(res);
	assert_int_equal(bisect(a, "diverge:pic.poll_no_0x80=1", res), BISECT_NOT_FOUND);
	assert_int_equal(bisect(b, "diverge:pic.poll_no_0x80=1", res), BISECT_FOUND);
	assert_int_equal(res->div->expected.kind, EV_PIO_READ);
	assert_int_equal(res->div->expected.u.pio.value, 0x85);
	assert_int_equal(res->div->actual.u.pio.value, 0x05);
	bisect_result_free(res);
	/* reduce under a divergence predicate */
	struct trace_reader *r = open_r(b);
	struct predicate p;
	struct reduce_opts o;
	struct reduce_result rr;
	reduce_opts_default(&o);
	assert_null(predicate_parse("diverge:pic.poll_no_0x80=1", &p));
	assert_int_equal(reduce_trace(r, &p, &o, &rr), REDUCE_OK);
	assert_true(rr.inputs_kept <= 3); /* irq 5, the poll command, the read */
	reduce_result_free(&rr);
	trace_reader_close(r);
	free(res);
	done(a);
	done(b);
}

/* A trace with guest console records between board events, as the
 * recorder writes them (one record per console byte). */
static void console_sink(void *ctx, const struct irq_event *ev)
{
	assert_int_equal(trace_writer_append(ctx, ev), 0);
}

static char *record_with_console(void)
{
	char *path = malloc(80), err[300];
	struct board *b = malloc(sizeof(*b));
	struct board_config cfg;
	assert_non_null(path);
	assert_non_null(b);
	snprintf(path, 80, "/tmp/test_debug.%d.console.irqrr", (int)getpid());
	struct trace_writer *w = trace_writer_open(path, NULL, 0, NULL, err, sizeof(err));
	if (!w)
		fail_msg("%s", err);
	board_config_default(&cfg);
	assert_int_equal(board_init(b, &cfg, console_sink, w), 0);
	uint8_t *kf = malloc(board_state_size(b));
	assert_non_null(kf);
	assert_int_equal(trace_writer_begin_chunk(w, kf, board_save(b, kf, board_state_size(b))), 0);
	/* IOAPIC pin 10 level, vector 0x50; the line rises, no EOI comes */
	board_mmio_write(b, 1000, 0xfec00000, 0x24);
	board_mmio_write(b, 2000, 0xfec00010, 0x8050);
	board_set_irq(b, 3000, 10, 1);
	const char *text = "\x00hi";
	for (unsigned i = 0; i < 2; i++) {
		uint8_t rec[2] = { 0, (uint8_t)text[1 + i] };
		assert_int_equal(trace_writer_context(w, 4000, EV_CTX_CONSOLE, rec, 2), 0);
	}
	assert_int_equal(trace_writer_context(w, 4000, EV_CTX_MARK, "the mark", 8), 0);
	board_advance(b, 2000000); /* remote IRR held for 2 ms */
	/* an OCW3 poll read: diverges under pic.poll_no_0x80=1 */
	static const uint16_t port[] = { 0x20, 0x21, 0x21, 0x21, 0x20 };
	static const uint8_t val[] = { 0x11, 0x30, 0x04, 0x01, 0x0c };
	for (unsigned i = 0; i < 5; i++)
		board_pio_write(b, 2001000, port[i], val[i]);
	board_set_irq(b, 2001000, 5, 1);
	assert_int_equal(trace_writer_context(w, 2001000, EV_CTX_MARK, "before the poll", 15), 0);
	(void)board_pio_read(b, 2002000, 0x20);
	assert_int_equal(trace_writer_close(w, err, sizeof(err)), 0);
	free(kf);
	free(b);
	return path;
}

/* Regression: the "events before it" of bisect and of a replay divergence
 * printed context records without their text ("console" and nothing else):
 * the data pointed into a freed chunk and was dropped. */
static void context_keeps_text(void **state)
{
	(void)state;
	char *path = record_with_console();
	struct bisect_result *res = malloc(sizeof(*res));
	char buf[4096];
	assert_non_null(res);
	assert_int_equal(bisect(path, "remote-irr:10>1ms", res), BISECT_FOUND);
	struct predicate p;
	assert_null(predicate_parse("remote-irr:10>1ms", &p));
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	bisect_print(res, &p, f);
	fclose(f);
	assert_non_null(strstr(buf, "text=\"h\""));
	assert_non_null(strstr(buf, "text=\"i\""));
	assert_non_null(strstr(buf, "text=\"the mark\""));
	bisect_result_free(res);
	/* a divergence report: the records before the diverging read */
	assert_int_equal(bisect(path, "diverge:pic.poll_no_0x80=1", res), BISECT_FOUND);
	assert_non_null(res->div);
	assert_int_equal(res->div->expected.kind, EV_PIO_READ);
	assert_null(predicate_parse("diverge:pic.poll_no_0x80=1", &p));
	f = fmemopen(buf, sizeof(buf), "w");
	bisect_print(res, &p, f);
	fclose(f);
	assert_non_null(strstr(buf, "text=\"before the poll\""));
	bisect_result_free(res);
	free(res);
	done(path);
}

/* The HPET's predicates (docs/debugging.md): a level timer's GINTR_STA bit
 * left set; IRQ0 cut off by the legacy route with timer 0 silent. */
static const char hpet_status_script[] = "board hpet=on\n"
	"mmiow 0xfec00000 0x38\nmmiow 0xfec00010 0xa042\n" /* pin 20: level, active low */
	"mmiow 0xfed00140 0x2806\n"                         /* timer 2: level, enabled, route 20 */
	"mmiow64 0xfed00148 1000\n"                         /* match at 10 us */
	"mmiow 0xfed00010 1\n"
	"time 100000\ntime 200000\nmmiow 0xfed00020 4\ntime 300000\n";

static const char hpet_cut_script[] = "board hpet=on\n"
	"time 1000\nmmiow 0xfed00010 2\n"   /* legacy route, counter halted */
	"time 50000\nmmiow 0xfed00010 3\n"  /* running, timer 0 INT_ENB=0 */
	"time 100000\nmmiow 0xfed00100 4\n" /* timer 0 enabled: IRQ0 has a source */
	"time 400000\n";

static void predicates_hpet(void **state)
{
	(void)state;
	struct predicate p;
	assert_null(predicate_parse("hpet-status:2>50us", &p));
	assert_int_equal(p.kind, PRED_HPET_STATUS);
	assert_int_equal(p.target, 2);
	assert_null(predicate_parse("hpet-status:any>1ms", &p));
	assert_int_equal(p.target, PRED_ANY);
	assert_null(predicate_parse("hpet-legacy-cut>1s", &p));
	assert_int_equal(p.kind, PRED_HPET_LEGACY_CUT);
	assert_non_null(predicate_parse("hpet-status:3>1ms", &p));
	assert_non_null(predicate_parse("hpet-status>1ms", &p));
	assert_non_null(predicate_parse("hpet-legacy-cut:0>1ms", &p));
	char *t = record(hpet_status_script, 0);
	struct bisect_result *res = malloc(sizeof(*res));
	/* the status is set at the match (10 us) and cleared at 200 us */
	assert_int_equal(bisect(t, "hpet-status:2>50us", res), BISECT_FOUND);
	assert_int_equal(res->t, 100000); /* the first event after 60 us */
	assert_int_equal(res->state.s.hpet.isr, 4);
	bisect_result_free(res);
	assert_int_equal(bisect(t, "hpet-status:any>50us", res), BISECT_FOUND);
	bisect_result_free(res);
	assert_int_equal(bisect(t, "hpet-status:2>250us", res), BISECT_NOT_FOUND);
	bisect_result_free(res);
	assert_int_equal(bisect(t, "hpet-status:0>1us", res), BISECT_NOT_FOUND);
	bisect_result_free(res);
	done(t);
	t = record(hpet_cut_script, 0);
	/* cut from 1 us to 100 us */
	assert_int_equal(bisect(t, "hpet-legacy-cut>80us", res), BISECT_FOUND);
	assert_int_equal(res->num, first_at(t, 100000, EV_TIME));
	assert_int_equal(res->t, 100000);
	bisect_result_free(res);
	assert_int_equal(bisect(t, "hpet-legacy-cut>120us", res), BISECT_NOT_FOUND);
	bisect_result_free(res);
	done(t);
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(predicate_syntax),
		cmocka_unit_test(predicates_exact),
		cmocka_unit_test(bisect_matches_oracle),
		cmocka_unit_test(bisect_skip_equals_linear),
		cmocka_unit_test(bisect_skips_quiet_chunks),
		cmocka_unit_test(diff_cases),
		cmocka_unit_test(diff_ignores_drift),
		cmocka_unit_test(reduce_planted),
		cmocka_unit_test(variants_diverge),
		cmocka_unit_test(context_keeps_text),
		cmocka_unit_test(predicates_hpet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
