/* SPDX-License-Identifier: MIT */
/*
 * ddmin (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
 * Input", 2002) over the input events up to the predicate's first hit. The
 * test of a candidate runs it on a fresh power-on board exactly as `irqrr
 * chips` would run the script, so the result is checked on the artefact
 * that is written, and checked again by recording the script itself.
 */
#include "reduce.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bisect.h"
#include "board_at.h"
#include "chips/explain.h"
#include "chips/fault.h"
#include "script.h"

void reduce_opts_default(struct reduce_opts *o)
{
	o->max_tests = 5000;
	o->any_cause = false;
	o->max_seconds = 120;
}

void reduce_result_free(struct reduce_result *res)
{
	free(res->script);
	res->script = NULL;
}

/* ------------------------------------------------------------ candidate runs */

struct evbuf {
	struct irq_event *ev;
	size_t n, cap;
	bool oom;
};

static void evbuf_sink(void *ctx, const struct irq_event *ev)
{
	struct evbuf *b = ctx;
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		struct irq_event *p = realloc(b->ev, cap * sizeof(*p));
		if (!p) {
			b->oom = true;
			return;
		}
		b->ev = p;
		b->cap = cap;
	}
	b->ev[b->n++] = *ev;
}

struct eval_sink {
	struct pred_eval e;
	uint64_t num;
	int result; /* 1 hit, -1 rejected */
};

static void eval_sink(void *ctx, const struct irq_event *ev)
{
	struct eval_sink *s = ctx;
	if (s->result)
		return;
	int k = pred_eval_feed(&s->e, s->num++, ev);
	if (k)
		s->result = k;
}

/* The script's view of input i: a `time` first when time moves. */
static int drive(struct board *b, const struct irq_event *in, uint64_t *now, bool *started,
		 struct work_limit *lim)
{
	if (in->kind != EV_TIME && (in->t != *now || !*started)) {
		if (in->t > *now || !*started) {
			int rc = board_advance_bounded(b, in->t, lim);
			if (rc)
				return rc;
		}
	}
	*started = true;
	if (in->t > *now)
		*now = in->t;
	return board_apply_bounded(b, in, lim);
}

/* The line a predicate's hit is about, if it is about one line's delivery. */
static bool cause_line(const struct predicate *p, int target, unsigned *line)
{
	if (target < 0 || target >= BOARD_GSIS)
		return false;
	if (p->kind == PRED_LINE_UNDELIVERED) {
		*line = (unsigned)target;
		return true;
	}
	if (p->kind == PRED_REMOTE_IRR) { /* an IOAPIC pin: its line */
		for (unsigned l = 0; l < BOARD_GSIS; l++)
			if (board_line_pin(l) == (unsigned)target) {
				*line = l;
				return true;
			}
	}
	return false;
}

static void cause_of(const struct board *b, unsigned line, struct reduce_cause *c)
{
	struct board_why w;
	c->line = line;
	c->pending = board_explain_line(b, line, NULL, &w);
	c->cause = (int)w.cause;
	c->fault = w.fault;
	c->fault_spec[0] = 0;
	if (w.fault >= 0)
		board_fault_format(board_fault_at(b, (unsigned)w.fault), c->fault_spec, sizeof(c->fault_spec));
}

/* "line 4: ioapic_masked, made by --fault rte-mask:pin=4,at=60s" */
static void cause_text(const struct reduce_cause *c, char *buf, size_t len)
{
	const char *key = board_cause_key((enum board_cause)c->cause);
	int n = snprintf(buf, len, "line %u: %s%s", c->line, c->pending ? "" : "not pending, ",
			 key ? key : "no cause");
	if (c->fault >= 0 && n >= 0 && (size_t)n < len) {
		snprintf(buf + n, len - (size_t)n, ", made by --fault %s", c->fault_spec);
	}
}

/* 1: the hit has c's cause (or none applies); 0: another cause. */
static int cause_check(const struct predicate *p, const struct pred_eval *e, struct reduce_cause *c)
{
	struct reduce_cause now = { .known = true };
	now.applies = cause_line(p, e->hit_target, &now.line);
	if (now.applies)
		cause_of(e->b, now.line, &now);
	if (!c->known) {
		*c = now;
		return 1;
	}
	if (!c->applies)
		return 1;
	return now.applies && now.line == c->line && now.pending == c->pending && now.cause == c->cause &&
	       now.fault == c->fault;
}

int reduce_test(const struct predicate *p, const struct board_setup *setup,
		const struct irq_event *inputs, size_t n, const struct work_limit *limit,
		struct reduce_cause *cause)
{
	/* each run (each board) has the whole budget */
	struct work_limit none = { 0 }, lim_a = limit ? *limit : none, lim_v = lim_a;
	lim_a.used = lim_v.used = 0;
	uint64_t now = 0;
	bool started = false;
	int rc = 0;
	if (p->kind != PRED_DIVERGE) {
		struct eval_sink s = { .result = 0 };
		struct board *b = malloc(sizeof(*b));
		if (!b || pred_eval_start_cfg(&s.e, p, &setup->cfg)) {
			free(b);
			return -1;
		}
		if (board_setup_init(b, setup, eval_sink, &s)) {
			pred_eval_end(&s.e);
			free(b);
			return -1;
		}
		/* the evaluator's board runs with the setup's variants and faults
		 * too, and keeps the line history `irqrr explain` answers from */
		pred_eval_restart(&s.e, b);
		if (cause)
			board_keep_history(s.e.b);
		for (size_t i = 0; i < n && !s.result; i++) {
			int k = drive(b, &inputs[i], &now, &started, &lim_a);
			if (k)
				s.result = k;
		}
		if (s.result == 1 && cause)
			s.result = cause_check(p, &s.e, cause);
		pred_eval_end(&s.e);
		free(b);
		return s.result;
	}
	/* Divergence: the default board and the variant board, in lockstep,
	 * input by input, must emit the same events. */
	struct board *a = malloc(sizeof(*a)), *v = malloc(sizeof(*v));
	struct evbuf ea = { 0 }, ev = { 0 };
	if (!a || !v || board_setup_init(a, setup, evbuf_sink, &ea) ||
	    board_setup_init(v, setup, evbuf_sink, &ev)) {
		rc = -1;
	} else {
		variant_apply(&p->variants, v);
		bool started_v = false;
		uint64_t now_v = 0;
		for (size_t i = 0; i < n && !rc; i++) {
			ea.n = ev.n = 0;
			int ka = drive(a, &inputs[i], &now, &started, &lim_a);
			int kv = ka ? ka : drive(v, &inputs[i], &now_v, &started_v, &lim_v);
			if (ka || kv || ea.oom || ev.oom) {
				rc = ka ? ka : kv ? kv : -1;
				break;
			}
			if (ea.n != ev.n)
				rc = 1;
			for (size_t k = 0; k < ea.n && !rc; k++)
				if (!irq_event_equal(&ea.ev[k], &ev.ev[k]))
					rc = 1;
		}
	}
	free(ea.ev);
	free(ev.ev);
	free(a);
	free(v);
	return rc;
}

/* ------------------------------------------------------------------ script */

struct strbuf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void sb_add(struct strbuf *b, const char *line)
{
	size_t l = strlen(line);
	if (b->n + l + 2 > b->cap) {
		size_t cap = (b->cap ? b->cap : 1024);
		while (cap < b->n + l + 2)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, line, l);
	b->n += l;
	b->s[b->n++] = '\n';
	b->s[b->n] = 0;
}

char *reduce_script(const struct board_setup *setup, const struct irq_event *inputs, size_t n,
		    const char *header)
{
	struct strbuf sb = { 0 };
	char line[200];
	uint64_t now = 0;
	bool started = false;
	if (header)
		sb_add(&sb, header);
	static char lines[SCRIPT_SETUP_MAX];
	if (!script_format_setup(setup, lines, sizeof(lines)))
		return NULL;
	for (char *l = lines, *nl; (nl = strchr(l, '\n')); l = nl + 1) {
		*nl = '\0';
		sb_add(&sb, l);
	}
	for (size_t i = 0; i < n && !sb.oom; i++) {
		const struct irq_event *in = &inputs[i];
		if (in->kind != EV_TIME && (in->t != now || !started) && in->t > 0) {
			snprintf(line, sizeof(line), "time %" PRIu64, in->t);
			sb_add(&sb, line);
		}
		started = true;
		if (in->t > now)
			now = in->t;
		if (script_format_input(in, line, sizeof(line)))
			sb_add(&sb, line);
	}
	if (sb.oom) {
		free(sb.s);
		return NULL;
	}
	return sb.s;
}

/* ------------------------------------------------------------------- ddmin */

struct ddmin {
	const struct predicate *p;
	const struct board_setup *setup;
	const struct irq_event *all;
	struct irq_event *scratch;
	struct reduce_cause *cause; /* NULL: the symptom only */
	uint64_t tests, max_tests;
	double deadline;
	struct work_limit lim; /* per input: the trace's size, and the deadline */
	bool out_of_budget;
	int error;
};

static int dd_test(struct ddmin *d, const size_t *idx, size_t n)
{
	if (d->tests >= d->max_tests || work_clock_now() > d->deadline) {
		d->out_of_budget = true;
		return 0;
	}
	d->tests++;
	for (size_t i = 0; i < n; i++)
		d->scratch[i] = d->all[idx[i]];
	int k = reduce_test(d->p, d->setup, d->scratch, n, &d->lim, d->cause);
	/* a candidate whose inputs make the board do more work than the
	 * whole trace holds is not the bug being reduced: not interesting */
	if (k == WORK_TIMEOUT)
		d->out_of_budget = true;
	else if (k < 0 && k != WORK_OUTPUTS)
		d->error = 1;
	return k == 1;
}

/* Reduces idx[0..*n) in place. */
static void ddmin_run(struct ddmin *d, size_t *idx, size_t *n)
{
	size_t *cand = malloc(*n * sizeof(*cand));
	size_t parts = 2;
	if (!cand) {
		d->error = 1;
		return;
	}
	while (*n >= 2 && !d->out_of_budget && !d->error) {
		size_t len = *n, chunk = (len + parts - 1) / parts;
		bool reduced = false;
		/* subsets first, then complements */
		for (int pass = 0; pass < 2 && !reduced; pass++) {
			for (size_t start = 0; start < len && !reduced && !d->out_of_budget; start += chunk) {
				size_t end = start + chunk < len ? start + chunk : len, m = 0;
				if (pass == 0) {
					for (size_t i = start; i < end; i++)
						cand[m++] = idx[i];
				} else {
					for (size_t i = 0; i < len; i++)
						if (i < start || i >= end)
							cand[m++] = idx[i];
				}
				if (m == 0 || m == len)
					continue;
				if (dd_test(d, cand, m)) {
					memcpy(idx, cand, m * sizeof(*idx));
					*n = m;
					parts = pass == 0 ? 2 : (parts > 2 ? parts - 1 : 2);
					reduced = true;
				}
			}
		}
		if (reduced)
			continue;
		if (parts >= len)
			break; /* 1-minimal */
		parts = parts * 2 < len ? parts * 2 : len;
	}
	free(cand);
}

/* -------------------------------------------------------------- the command */

static int fail(struct reduce_result *res, enum reduce_outcome o, const char *msg)
{
	res->outcome = o;
	snprintf(res->message, sizeof(res->message), "%s", msg);
	return o;
}

/* The board setup (configuration, variants, faults) in chunk c's keyframe,
 * and whether the keyframe holds that setup's power-on state. NULL, or why
 * not. */
static const char *keyframe_setup(const struct trace_chunk *c, struct board_setup *setup,
				  bool *power_on)
{
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	struct board *b = malloc(sizeof(*b));
	const char *why = !b ? "out of memory" : NULL;
	if (!why) {
		board_init_blank(b);
		why = kflen ? board_load(b, kf, kflen) : "chunk has no keyframe";
	}
	if (!why) {
		board_setup_of(b, setup);
		*power_on = board_setup_is_power_on(setup, b);
	}
	free(b);
	return why;
}

struct input_list {
	struct irq_event *ev;
	uint64_t *num; /* each input's event number */
	size_t n, cap;
};

/* The walk's inputs with event numbers <= last, and the first input after
 * it: a timed output at `last` is revealed by the next input. 0, or -1
 * with the message in err. */
static int inputs_upto(struct trace_iter *it, uint64_t last, struct input_list *in, char *err,
		       size_t errlen)
{
	struct trace_record rec;
	int k;
	while ((k = trace_iter_next(it, &rec)) == 1) {
		if (!EV_IS_INPUT(rec.kind))
			continue;
		if (in->n == in->cap) {
			struct irq_event *p = realloc(in->ev, 2 * in->cap * sizeof(*p));
			if (p)
				in->ev = p;
			uint64_t *q = p ? realloc(in->num, 2 * in->cap * sizeof(*q)) : NULL;
			if (!q) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			in->num = q;
			in->cap *= 2;
		}
		in->num[in->n] = rec.num;
		in->ev[in->n++] = rec.ev;
		if (rec.num > last)
			break;
	}
	if (k < 0)
		snprintf(err, errlen, "%s", trace_iter_error(it));
	return k < 0 ? -1 : 0;
}

/* Inputs with event numbers <= last and the first input after it, the board setup, power-on or not. */
static int collect_inputs(struct trace_reader *r, uint64_t last, struct board_setup *setup,
			  bool *power_on, struct irq_event **out, uint64_t **nums, size_t *nout, char *err,
			  size_t errlen)
{
	struct input_list in = { .ev = malloc(1024 * sizeof(*in.ev)), .num = malloc(1024 * sizeof(*in.num)),
				 .cap = 1024 };
	struct trace_iter it;
	const struct trace_chunk *c;
	const char *why;
	int rc = -1;
	if (!in.ev || !in.num) {
		free(in.ev);
		free(in.num);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	trace_iter_init(&it, r, 0);
	if ((c = trace_iter_chunk(&it)) && (why = keyframe_setup(c, setup, power_on)))
		snprintf(err, errlen, "chunk 0: keyframe: %s", why);
	else
		rc = inputs_upto(&it, last, &in, err, errlen);
	trace_iter_end(&it);
	if (rc) {
		free(in.ev);
		free(in.num);
		return -1;
	}
	*out = in.ev;
	*nums = in.num;
	*nout = in.n;
	return 0;
}

/* The shortest prefix of the inputs that satisfies p from power-on (the
 * predicate holds from its first hit on, so by halving): its length, 0 when
 * even all do not, or WORK_OUTPUTS / WORK_TIMEOUT. */
static long first_hit_prefix(const struct predicate *p, const struct board_setup *setup,
			     const struct irq_event *inputs, size_t n, const struct work_limit *lim)
{
	int k = reduce_test(p, setup, inputs, n, lim, NULL);
	if (k != 1)
		return k == WORK_OUTPUTS || k == WORK_TIMEOUT ? k : 0;
	size_t lo = 0, hi = n; /* prefix lo does not satisfy p, prefix hi does */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		k = reduce_test(p, setup, inputs, mid, lim, NULL);
		if (k == WORK_OUTPUTS || k == WORK_TIMEOUT)
			return k;
		if (k == 1)
			hi = mid;
		else
			lo = mid;
	}
	return (long)hi;
}

/* The cause at event num of a trace, as `irqrr explain --at num` finds it
 * (the board replayed with its line history). */
static int cause_at(struct trace_reader *r, uint64_t num, unsigned line, struct reduce_cause *c, char *err,
		    size_t errlen)
{
	struct board *b = malloc(sizeof(*b));
	struct board_at_result res;
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	board_init_blank(b);
	int rc = board_at(r, num, b, &res, err, errlen);
	if (!rc)
		cause_of(b, line, c);
	free(b);
	return rc;
}

/* Record the script as `irqrr chips --record` does and bisect that trace. */
static int verify_script(const char *script, const struct board_config *cfg, const struct predicate *p,
			 const struct reduce_cause *cause, uint64_t *hit, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/irqrr-reduce-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary trace in %.200s: %s", dir, strerror(errno));
		return -1;
	}
	close(fd);
	FILE *in = fmemopen((void *)script, strlen(script), "r");
	FILE *out = fopen("/dev/null", "w");
	int rc = -1;
	if (in && out && script_run_record(in, "reduced", cfg, out, stderr, path, NULL) == 0) {
		char e2[300];
		struct trace_reader *r = trace_reader_open(path, e2, sizeof(e2));
		if (r) {
			struct bisect_result *br = malloc(sizeof(*br));
			if (br) {
				int k = bisect_trace(r, p, 0, UINT64_MAX, 0, br);
				struct reduce_cause got = { .known = true };
				if (k == BISECT_FOUND && cause && cause->applies &&
				    cause_at(r, br->num, cause->line, &got, err, errlen)) {
					rc = -1; /* err says why */
				} else if (k == BISECT_FOUND && cause && cause->applies &&
				    (got.pending != cause->pending || got.cause != cause->cause || got.fault != cause->fault)) {
					char want[200], saw[200];
					cause_text(cause, want, sizeof(want));
					cause_text(&got, saw, sizeof(saw));
					snprintf(err, errlen, "the reduced script's own recording shows the predicate with"
						 " another cause (%.100s, not %.100s)", saw, want);
				} else if (k == BISECT_FOUND) {
					*hit = br->num;
					rc = 0;
				} else {
					snprintf(err, errlen, "%s",
						 k == BISECT_NOT_FOUND
							 ? "the reduced script's own recording does not satisfy the predicate"
							 : br->message);
				}
				bisect_result_free(br);
				free(br);
			}
			trace_reader_close(r);
		} else {
			snprintf(err, errlen, "reading back the script's recording: %.200s", e2);
		}
	} else {
		snprintf(err, errlen, "running the reduced script failed");
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	unlink(path);
	return rc;
}

static int reduce_imported(struct trace_reader *r, const struct predicate *p, const struct reduce_opts *o,
			   double t0, struct reduce_result *res);
static int reduce_inputs(struct trace_reader *r, const struct predicate *p, const struct reduce_opts *o,
			 double t0, const struct board_setup *setup, struct irq_event *inputs, size_t n,
			 struct reduce_result *res);

int reduce_trace(struct trace_reader *r, const struct predicate *p, const struct reduce_opts *o,
		 struct reduce_result *res)
{
	double t0 = work_clock_now();
	char err[300];
	memset(res, 0, sizeof(*res));
	struct bisect_result *br = malloc(sizeof(*br));
	if (!br)
		return fail(res, REDUCE_UNUSABLE, "out of memory");
	unsigned check;
	if (p->kind == PRED_DIVERGE && replay_imported(r, &check)) {
		free(br);
		return reduce_imported(r, p, o, t0, res);
	}
	int k = bisect_trace_until(r, p, 0, UINT64_MAX, 0, t0 + o->max_seconds, br);
	uint64_t last = br->num;
	if (k == BISECT_FOUND && br->div && br->div->input_num > last)
		last = br->div->input_num;
	if (k != BISECT_FOUND) {
		if (k == BISECT_NOT_FOUND)
			fail(res, REDUCE_NOT_FOUND, "the trace never satisfies the predicate");
		else
			fail(res, REDUCE_UNUSABLE, br->message);
		bisect_result_free(br);
		free(br);
		return res->outcome;
	}
	res->first_hit = br->num;
	bisect_result_free(br);
	free(br);

	struct board_setup setup;
	struct irq_event *inputs = NULL;
	uint64_t *nums = NULL;
	size_t n = 0;
	if (collect_inputs(r, last, &setup, &res->power_on, &inputs, &nums, &n, err, sizeof(err)))
		return fail(res, REDUCE_UNUSABLE, err);
	free(nums);
	return reduce_inputs(r, p, o, t0, &setup, inputs, n, res);
}

/* An imported trace records the peer's answers: bisect's `diverge:V` asks
 * whether variant V departs from them, reduce's whether the datasheet board
 * and V depart from each other (in lockstep, docs/debugging.md). The first
 * hit is then found in reduce's terms, from power-on, on the trace's inputs. */
static int reduce_imported(struct trace_reader *r, const struct predicate *p, const struct reduce_opts *o,
			   double t0, struct reduce_result *res)
{
	char err[300];
	struct board_setup setup;
	struct irq_event *inputs = NULL;
	uint64_t *nums = NULL;
	size_t n = 0;
	if (collect_inputs(r, UINT64_MAX, &setup, &res->power_on, &inputs, &nums, &n, err, sizeof(err)))
		return fail(res, REDUCE_UNUSABLE, err);
	struct work_limit lim = work_limit_for_trace(r);
	lim.deadline = t0 + o->max_seconds;
	long k = first_hit_prefix(p, &setup, inputs, n, &lim);
	if (k <= 0) {
		free(inputs);
		free(nums);
		if (k == WORK_OUTPUTS || k == WORK_TIMEOUT)
			return fail(res, REDUCE_UNUSABLE, k == WORK_TIMEOUT ? "--max-time reached looking for the first hit"
									 : "an input makes the board emit more outputs than the trace holds records");
		return fail(res, REDUCE_NOT_FOUND,
			    "the datasheet board and the variant agree on every input of this imported trace");
	}
	res->first_hit = nums[k - 1];
	free(nums);
	return reduce_inputs(r, p, o, t0, &setup, inputs, (size_t)k, res);
}

/* Reduce these inputs (which satisfy p from power-on) to a minimal script;
 * takes inputs. */
static int reduce_inputs(struct trace_reader *r, const struct predicate *p, const struct reduce_opts *o,
			 double t0, const struct board_setup *setup, struct irq_event *inputs, size_t n,
			 struct reduce_result *res)
{
	char err[300];
	res->inputs_prefix = n;
	struct work_limit lim = work_limit_for_trace(r);
	lim.deadline = t0 + o->max_seconds;
	struct reduce_cause cause = { .known = false }, *keep = o->any_cause ? NULL : &cause;
	int whole = reduce_test(p, setup, inputs, n, &lim, keep);
	if (whole == WORK_OUTPUTS || whole == WORK_TIMEOUT) {
		free(inputs);
		return fail(res, REDUCE_UNUSABLE,
			    whole == WORK_TIMEOUT
				    ? "--max-time reached replaying the inputs up to the first hit from power-on"
				    : "an input, replayed from power-on, makes the board emit more outputs than the trace holds records (a forged or damaged time jump?)");
	}
	if (whole != 1) {
		free(inputs);
		return fail(res, REDUCE_UNUSABLE,
			    res->power_on
				    ? "the inputs up to the first hit, replayed from power-on, do not satisfy the predicate"
				    : "the trace does not start at power-on and its inputs, replayed from power-on, do not satisfy the predicate");
	}
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	if (keep && cause.applies)
		cause_text(&cause, res->cause, sizeof(res->cause));
	struct ddmin d = { .p = p, .setup = setup, .all = inputs, .cause = keep, .max_tests = o->max_tests,
			   .deadline = t0 + o->max_seconds, .lim = lim };
	d.scratch = malloc((n ? n : 1) * sizeof(*d.scratch));
	if (!idx || !d.scratch) {
		free(idx);
		free(d.scratch);
		free(inputs);
		return fail(res, REDUCE_UNUSABLE, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	size_t m = n;
	ddmin_run(&d, idx, &m);
	for (size_t i = 0; i < m; i++)
		d.scratch[i] = inputs[idx[i]];
	res->tests = d.tests;
	res->minimal = !d.out_of_budget && !d.error;
	res->inputs_kept = m;
	char header[400];
	snprintf(header, sizeof(header),
		 "# irqrr reduce --until %s: %zu of %zu inputs%s\n"
		 "# starts at power-on%s",
		 p->text, m, n, res->minimal ? " (1-minimal)" : " (budget reached, not 1-minimal)",
		 res->power_on ? "" : "; the trace did not (ring mode): checked on this script itself");
	res->script = reduce_script(setup, d.scratch, m, header);
	free(idx);
	free(d.scratch);
	free(inputs);
	if (!res->script)
		return fail(res, REDUCE_UNUSABLE, "out of memory");
	if (verify_script(res->script, &setup->cfg, p, keep, &res->verified_hit, err, sizeof(err))) {
		reduce_result_free(res);
		return fail(res, REDUCE_UNUSABLE, err);
	}
	res->seconds = work_clock_now() - t0;
	res->outcome = REDUCE_OK;
	return REDUCE_OK;
}
