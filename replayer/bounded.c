/* SPDX-License-Identifier: MIT */
#include "bounded.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

/* The clock is read once per this many outputs: cheap, and still at least
 * ~100 checks a second at the board's speed. */
#define CLOCK_EVERY 4096u

struct bounded_sink {
	irq_event_sink sink;
	void *ctx;
	struct board *b;
	struct work_limit *lim;
	int status;
};

double work_clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct work_limit work_limit_for_trace(struct trace_reader *r)
{
	struct work_limit lim = { 0 };
	lim.max_outputs = trace_reader_event_count(r) + WORK_OUTPUT_SLACK;
	return lim;
}

static void bounded_sink(void *ctx, const struct irq_event *ev)
{
	struct bounded_sink *s = ctx;
	if (s->status)
		return;
	/* What a timer edge emits: wire changes and what they cause. Not the
	 * input's own echo, nor deadlines: a reader that advances the board to
	 * each recorded output's time (pred_eval) makes more of those than the
	 * recording holds. */
	if (EV_IS_OUTPUT(ev->kind) && ev->kind != EV_DEADLINE)
		s->lim->used++;
	if (s->lim->max_outputs && s->lim->used > s->lim->max_outputs) {
		s->status = WORK_OUTPUTS;
		s->b->stop = 1;
		return;
	}
	if (s->lim->deadline && s->lim->used % CLOCK_EVERY == 0 &&
	    work_clock_now() > s->lim->deadline) {
		s->status = WORK_TIMEOUT;
		s->b->stop = 1;
		return;
	}
	if (s->sink)
		s->sink(s->ctx, ev);
}

int board_apply_bounded(struct board *b, const struct irq_event *in, struct work_limit *lim)
{
	if (!lim || (!lim->max_outputs && !lim->deadline))
		return board_apply(b, in) ? WORK_REJECTED : WORK_OK;
	struct bounded_sink s = { .sink = b->sink, .ctx = b->sink_ctx, .b = b, .lim = lim };
	board_set_sink(b, bounded_sink, &s);
	int rc = board_apply(b, in) ? WORK_REJECTED : WORK_OK;
	board_set_sink(b, s.sink, s.ctx);
	return s.status ? s.status : rc;
}

int board_advance_bounded(struct board *b, uint64_t t, struct work_limit *lim)
{
	struct irq_event ev = { .t = t, .kind = EV_TIME };
	return board_apply_bounded(b, &ev, lim);
}

void work_status_message(int status, uint64_t num, uint64_t t, const struct work_limit *lim,
			 char *buf, size_t len)
{
	switch (status) {
	case WORK_REJECTED:
		snprintf(buf, len, "event %" PRIu64 ": an input the board rejects (out of range)", num);
		break;
	case WORK_OUTPUTS:
		snprintf(buf, len,
			 "event %" PRIu64 " (t=%" PRIu64 " ns): the board would emit more than %" PRIu64
			 " outputs, more than the trace holds records"
			 " (a forged or damaged time jump?)",
			 num, t, lim->max_outputs);
		break;
	case WORK_TIMEOUT:
		snprintf(buf, len, "event %" PRIu64 " (t=%" PRIu64 " ns): time limit reached", num, t);
		break;
	default:
		snprintf(buf, len, "event %" PRIu64 ": ok", num);
		break;
	}
}
