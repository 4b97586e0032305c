/* SPDX-License-Identifier: MIT */
/*
 * Strategy. Duration predicates depend on history ("set since when"), so a
 * chunk evaluated from its own keyframe alone cannot tell how long a
 * condition that is already true at its start has held. The search is one
 * forward pass from the keyframe of the chunk holding --from, carrying the
 * evaluator (its board and since-times) across chunk boundaries, so the
 * first event reported is the first at which the predicate holds (given
 * the state at that keyframe). Keyframes let it pass over chunks without
 * decoding their events where that provably cannot change the answer
 * (try_skip): a chunk no longer than the predicate's duration, with the
 * watched conditions clear at both of its ends. The result is the linear
 * scan's (BISECT_LINEAR checks every event; the tests compare the two).
 * The divergence predicate is delegated to the replay engine, which stops
 * at the first divergence for the same reason.
 */
#include "bisect.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void push_context(struct bisect_result *res, const struct trace_record *rec,
			 const uint8_t *saved)
{
	if (res->ncontext == BISECT_CONTEXT) {
		memmove(res->context, res->context + 1, sizeof(res->context[0]) * (BISECT_CONTEXT - 1));
		memmove(res->context_data, res->context_data + 1,
			sizeof(res->context_data[0]) * (BISECT_CONTEXT - 1));
		res->ncontext--;
	}
	struct trace_record r = *rec;
	if (saved)
		r.data = r.len ? saved : NULL;
	report_context_save(&res->context[res->ncontext], res->context_data[res->ncontext], &r);
	res->ncontext++;
}

static int unusable(struct bisect_result *res, const char *msg)
{
	res->outcome = BISECT_UNUSABLE;
	snprintf(res->message, sizeof(res->message), "%s", msg);
	return BISECT_UNUSABLE;
}

static int bisect_diverge(struct trace_reader *r, const struct predicate *p, uint64_t from,
			  uint64_t to, struct bisect_result *res)
{
	struct replay_opts o;
	struct replay_result rr;
	replay_opts_default(&o);
	o.from = from;
	o.to = to;
	o.variants = &p->variants;
	o.jobs = p->jobs;
	int rc = replay_trace(r, &o, &rr);
	res->scanned = rr.events;
	res->chunks = rr.chunks;
	if (rc == REPLAY_UNUSABLE) {
		unusable(res, rr.message);
	} else if (rc == REPLAY_IDENTICAL) {
		res->outcome = BISECT_NOT_FOUND;
	} else if (rr.div) {
		struct divergence *d = rr.div;
		res->outcome = BISECT_FOUND;
		res->num = d->num;
		res->t = d->t;
		res->rec.num = d->num;
		res->rec.t = d->t;
		res->rec.kind = d->has_expected ? d->expected.kind : d->actual.kind;
		res->rec.ev = d->has_expected ? d->expected : d->actual;
		snprintf(res->why, sizeof(res->why), "replay under the model variants diverges here");
		res->state = d->before;
		res->ncontext = 0;
		for (unsigned i = 0; i < d->ncontext && i < BISECT_CONTEXT; i++)
			push_context(res, &d->context[i], d->context_data[i]);
		res->div = d;
		rr.div = NULL;
	} else {
		unusable(res, "out of memory for the divergence report");
	}
	replay_result_free(&rr);
	return res->outcome;
}

/* Did the reader's recovery drop chunks between prev and info? */
static bool follows_gap(const struct trace_chunk_info *info, const struct trace_chunk_info *prev)
{
	return info->seq != prev->seq + 1 || info->first_event != prev->first_event + prev->count;
}

/* Keyframe skip: can chunks ci..k-1 be passed over without decoding their
 * events, k the next chunk with a keyframe (the chunks between are
 * continuations, docs/FORMAT.md "Chunk")? Yes when (1) no watched
 * condition holds at ci's start, (2) ci..k-1 span at most the predicate's
 * duration, and (3) no watched condition holds at k's keyframe. By (1) a
 * condition seen in them starts at one of their events, so by (2) it
 * cannot have held longer than the duration by their last event: no hit
 * there. By (3) the evaluator's state after them is a fresh start from
 * k's keyframe (since-times only matter for conditions that hold).
 * Returns k - ci and restarts e there, 0 to scan ci (also when a keyframe
 * is unreadable or a gap comes first: the scan then meets the problem
 * where a linear scan would). *last is set to chunk k - 1's info.
 * A continuation is known only by decoding its chunk: *cont_end caches
 * the last chunk found to be one (the chunks probed after ci are
 * consecutive, so every chunk after ci up to it is one too), and a chunk
 * is decoded here at most once for that. */
static size_t try_skip(struct trace_reader *r, size_t ci, const struct trace_chunk_info *info,
		       struct pred_eval *e, struct board *tmp, size_t *cont_end,
		       struct trace_chunk_info *last)
{
	uint32_t watch = pred_watch_mask(e->p);
	static uint8_t kf[8192]; /* a board state is ~1 KiB; bisect runs one search at a time */
	size_t kflen = 0, k = ci + 1, nchunks = trace_reader_chunk_count(r);
	struct trace_chunk_info prev = *info, next;
	if ((e->on & watch) || (pred_state_mask(e->p, e->b) & watch))
		return 0;
	for (;; k++) {
		if (prev.last_t < info->first_t || prev.last_t - info->first_t > e->p->duration ||
		    k >= nchunks || trace_reader_chunk_info(r, k, &next) || follows_gap(&next, &prev))
			return 0;
		if (k <= *cont_end) {
			prev = next; /* a continuation, seen before */
			continue;
		}
		if (trace_reader_load_keyframe(r, k, kf, sizeof(kf), &kflen))
			return 0;
		if (kflen)
			break;
		*cont_end = k;
		prev = next;
	}
	if (board_load(tmp, kf, kflen) || (pred_state_mask(e->p, tmp) & watch))
		return 0;
	pred_eval_restart(e, tmp);
	*last = prev;
	return k - ci;
}

/* "Events before it" across chunks passed over by keyframe. When the
 * search passes over chunks [lo, hi), the context gathered so far is set
 * aside (`before`) and the context starts again empty; at the hit (or at
 * the next pass-over after chunks were scanned) it is completed as a linear
 * scan would have seen it: `before`, then the tails of the chunks passed
 * over, then what was scanned since. */
struct ctx_aside {
	unsigned n;
	struct trace_record rec[BISECT_CONTEXT];
	uint8_t data[BISECT_CONTEXT][REPORT_CONTEXT_DATA];
	size_t lo, hi; /* chunks passed over since it was set aside; hi 0: none */
};

static void ctx_take(struct ctx_aside *a, struct bisect_result *res)
{
	a->n = res->ncontext;
	memcpy(a->rec, res->context, sizeof(a->rec[0]) * a->n);
	memcpy(a->data, res->context_data, sizeof(a->data[0]) * a->n);
	res->ncontext = 0;
}

static void ctx_complete(struct trace_reader *r, struct ctx_aside *a, struct ctx_aside *cur,
			 struct bisect_result *res)
{
	if (!a->hi)
		return;
	size_t lo = a->lo, hi = a->hi;
	a->hi = 0;
	if (res->ncontext >= BISECT_CONTEXT)
		return; /* the chunks scanned since fill it */
	ctx_take(cur, res);
	/* from the earliest chunk passed over that the context needs */
	size_t need = BISECT_CONTEXT - cur->n, have = 0, c0 = hi;
	struct trace_chunk_info info;
	while (c0 > lo && have < need && trace_reader_chunk_info(r, c0 - 1, &info) == 0) {
		have += info.count;
		c0--;
	}
	if (have < need)
		for (unsigned i = 0; i < a->n; i++)
			push_context(res, &a->rec[i], a->data[i]);
	for (size_t c = c0; c < hi; c++) {
		struct trace_chunk *ch = trace_reader_load_chunk(r, c);
		struct trace_record rec;
		if (!ch)
			break;
		while (trace_chunk_next(ch, &rec) == 1)
			push_context(res, &rec, NULL);
		trace_chunk_free(ch);
	}
	for (unsigned i = 0; i < cur->n; i++)
		push_context(res, &cur->rec[i], cur->data[i]);
}

/* Chunks [ci, ci + n) are passed over. */
static void ctx_pass_over(struct trace_reader *r, struct ctx_aside *a, struct ctx_aside *cur,
			  struct bisect_result *res, size_t ci, size_t n)
{
	if (a->hi && a->hi == ci) { /* nothing scanned since the last pass-over */
		a->hi = ci + n;
		return;
	}
	ctx_complete(r, a, cur, res);
	ctx_take(a, res);
	a->lo = ci;
	a->hi = ci + n;
}

int bisect_trace(struct trace_reader *r, const struct predicate *p, uint64_t from, uint64_t to,
		 unsigned flags, struct bisect_result *res)
{
	return bisect_trace_until(r, p, from, to, flags, 0, res);
}

/* Starts the evaluator from chunk ci's keyframe: 0 started, 1 nothing to
 * start from (after a gap, a chunk that continues a lost one), -1 unusable. */
static int start_at_keyframe(struct trace_chunk *c, size_t ci, const struct predicate *p,
			     struct pred_eval *e, bool after_gap, struct bisect_result *res)
{
	char msg[300];
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	if (after_gap && !kflen)
		return 1;
	const char *why = pred_eval_start(e, p, kf, kflen);
	if (why) {
		snprintf(msg, sizeof(msg), "chunk %zu: keyframe: %s", ci, why);
		unusable(res, msg);
		return -1;
	}
	return 0;
}

/* Feeds the chunk's records up to event `to` to the evaluator until the
 * predicate holds at or after `from` (res->outcome BISECT_FOUND) or it
 * cannot go on (unusable). Returns trace_chunk_next's last status; *rec is
 * the last record read. */
static int scan_chunk(struct trace_chunk *c, struct trace_reader *r, struct ctx_aside *aside,
		      struct pred_eval *e, uint64_t from, uint64_t to, struct bisect_result *res,
		      struct trace_record *rec)
{
	char msg[300];
	int k;
	while ((k = trace_chunk_next(c, rec)) == 1) {
		if (rec->num > to)
			break;
		if (EV_IS_CONTEXT(rec->kind)) {
			push_context(res, rec, NULL);
			continue;
		}
		int hit = pred_eval_feed(e, rec->num, &rec->ev);
		if (hit < 0) {
			work_status_message(hit, rec->num, rec->t, &e->lim, msg, sizeof(msg));
			unusable(res, msg);
			break;
		}
		if (rec->num >= from)
			res->scanned++;
		if (hit && rec->num >= from) {
			res->outcome = BISECT_FOUND;
			res->num = rec->num;
			res->t = rec->t;
			res->rec = *rec;
			res->rec.data = NULL;
			res->rec.len = 0;
			pred_eval_describe(e, res->why, sizeof(res->why));
			res->state = *e->b;
			ctx_complete(r, aside, aside + 1, res);
			break;
		}
		if (hit) /* before --from: keep looking */
			e->hit = false;
		push_context(res, rec, NULL);
	}
	return k;
}

int bisect_trace_until(struct trace_reader *r, const struct predicate *p, uint64_t from,
		       uint64_t to, unsigned flags, double deadline, struct bisect_result *res)
{
	memset(res, 0, sizeof(*res));
	if (p->kind == PRED_DIVERGE)
		return bisect_diverge(r, p, from, to, res);
	size_t nchunks = trace_reader_chunk_count(r), first = 0;
	if (nchunks == 0)
		return unusable(res, "the trace holds no complete chunk");
	if (from && trace_reader_find_event(r, from, &first))
		return unusable(res, "--from: no such event in the trace");
	first = trace_reader_run_start(r, first); /* a continuation starts at its run's keyframe */
	struct pred_eval e = { 0 };
	/* one bound for the whole search, restarts after gaps included */
	e.lim = work_limit_for_trace(r);
	e.lim.deadline = deadline;
	struct board *tmp = malloc(sizeof(*tmp));
	struct ctx_aside *aside = calloc(2, sizeof(*aside)); /* [0] set aside, [1] scratch */
	if (!tmp || !aside) {
		free(tmp);
		free(aside);
		return unusable(res, "out of memory");
	}
	board_init_blank(tmp); /* board_load keeps its sink */
	bool started = false, after_gap = false;
	struct trace_chunk_info prev = { 0 }; /* the last chunk decoded or passed over */
	size_t cont_end = 0; /* try_skip's cache: the last chunk known to be a continuation */
	res->outcome = BISECT_NOT_FOUND;
	for (size_t ci = first; ci < nchunks && res->outcome == BISECT_NOT_FOUND; ci++) {
		struct trace_chunk_info info;
		if (trace_reader_chunk_info(r, ci, &info)) {
			unusable(res, trace_reader_error(r));
			break;
		}
		if (info.first_event > to)
			break;
		if (started && !(flags & BISECT_LINEAR) && ci + 1 < nchunks && !follows_gap(&info, &prev)) {
			size_t n = try_skip(r, ci, &info, &e, tmp, &cont_end, &prev);
			if (n) {
				res->skipped += n;
				ctx_pass_over(r, aside, aside + 1, res, ci, n);
				ci += n - 1;
				continue;
			}
		}
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		int k;
		if (!c) {
			unusable(res, trace_reader_error(r));
			break;
		}
		if (started && follows_gap(&info, &prev)) {
			/* chunks lost to damage: the evaluator's board is stale;
			 * start again from this keyframe, as from --from */
			pred_eval_end(&e);
			started = false;
			after_gap = true;
		}
		prev = info;
		if (!started) {
			int st = start_at_keyframe(c, ci, p, &e, after_gap, res);
			if (st) {
				trace_chunk_free(c);
				if (st < 0)
					break;
				continue;
			}
			after_gap = false;
			started = true;
		}
		res->chunks++;
		k = scan_chunk(c, r, aside, &e, from, to, res, &rec);
		if (k < 0)
			unusable(res, trace_chunk_error(c));
		trace_chunk_free(c);
		if (k == 1 && rec.num > to)
			break;
	}
	pred_eval_end(&e);
	free(tmp);
	free(aside);
	return res->outcome;
}

void bisect_result_free(struct bisect_result *res)
{
	free(res->div);
	res->div = NULL;
}

void bisect_print(const struct bisect_result *res, const struct predicate *p, FILE *f)
{
	char line[300];
	fprintf(f, "first hit of %s: event %" PRIu64 " (t=%" PRIu64 " ns)\n", p->text, res->num, res->t);
	fprintf(f, "  %s\n", res->why);
	record_format_text(&res->rec, line, sizeof(line));
	fprintf(f, "  event:  %s\n", line);
	if (res->div) {
		replay_print_divergence(res->div, f);
		return;
	}
	if (res->ncontext) {
		fprintf(f, "events before it:\n");
		for (unsigned i = 0; i < res->ncontext; i++) {
			report_context_format(&res->context[i], res->context_data[i], line, sizeof(line));
			fprintf(f, "  %s\n", line);
		}
	}
	fprintf(f, "chip state after event %" PRIu64 ":\n", res->num);
	board_print_state(&res->state, f);
}
