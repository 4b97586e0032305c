/* SPDX-License-Identifier: MIT */
#include "board_at.h"

#include "bounded.h"
#include "replay.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The board events of one chunk, in order, as the trace holds them. */
struct numbering {
	struct board *b;
	struct irq_event *ev;
	uint64_t *num;
	size_t n, cursor;
	uint64_t diverged;
	bool imported;  /* an imported trace: the board's unchecked outputs are not in it */
	unsigned check;
};

/* After each emitted event, the board's next number is the trace's next
 * board record's (context records between them are skipped). */
static void numbering_sink(void *ctx, const struct irq_event *ev)
{
	struct numbering *x = ctx;
	/* an output an imported trace does not hold: numbered as the next
	 * record, which it precedes */
	if (x->imported && replay_imported_unchecked_output(x->check, ev)) {
		if (x->cursor < x->n)
			x->b->event_num = x->num[x->cursor];
		return;
	}
	if (x->cursor < x->n && x->diverged == UINT64_MAX &&
	    !(x->imported ? replay_imported_equal(x->check, ev, &x->ev[x->cursor])
			  : irq_event_equal(ev, &x->ev[x->cursor])))
		x->diverged = x->num[x->cursor];
	x->cursor++;
	if (x->cursor < x->n)
		x->b->event_num = x->num[x->cursor];
}

uint64_t board_at_last_event(struct trace_reader *r)
{
	size_t n = trace_reader_chunk_count(r);
	struct trace_chunk_info info;
	if (!n || trace_reader_chunk_info(r, n - 1, &info) || !info.count)
		return UINT64_MAX;
	return info.first_event + info.count - 1;
}

static int collect(struct trace_chunk *c, struct numbering *x)
{
	const struct trace_chunk_info *info = trace_chunk_get_info(c);
	struct trace_record rec;
	int rc;
	x->ev = malloc(((size_t)info->count + 1) * sizeof(*x->ev));
	x->num = malloc(((size_t)info->count + 1) * sizeof(*x->num));
	x->n = x->cursor = 0;
	if (!x->ev || !x->num)
		return -1;
	while ((rc = trace_chunk_next(c, &rec)) == 1) {
		if (EV_IS_CONTEXT(rec.kind) || x->n > info->count)
			continue;
		x->ev[x->n] = rec.ev;
		x->num[x->n++] = rec.num;
	}
	return rc < 0 ? -1 : 0;
}

/* Apply chunk's inputs up to event `at`, within lim. Returns 1 when `at`
 * was reached, 0 to go on, or a WORK_* status (message in err). */
static int walk_chunk(struct numbering *x, uint64_t at, struct work_limit *lim, char *err,
		      size_t errlen)
{
	struct board *b = x->b;
	int work = WORK_OK, reached = 0;
	for (size_t i = 0; i < x->n; i++) {
		if (x->num[i] > at) {
			reached = 1;
			/* `at` is a timed output revealed by this input: advance
			 * to it (numbered on from it; the EV_TIME this adds is
			 * not the trace's, so nothing is compared) */
			for (size_t k = x->cursor; k < i && work == WORK_OK; k++) {
				if (x->num[k] != at || x->ev[k].t <= b->s.now)
					continue;
				b->event_num = x->num[x->cursor];
				x->n = 0;
				work = board_advance_bounded(b, x->ev[k].t, lim);
			}
			break;
		}
		if (!EV_IS_INPUT(x->ev[i].kind))
			continue;
		if (x->cursor < x->n)
			b->event_num = x->num[x->cursor];
		work = board_apply_bounded(b, &x->ev[i], lim);
		if (work == WORK_OUTPUTS || work == WORK_TIMEOUT) {
			work_status_message(work, x->num[i], x->ev[i].t, lim, err, errlen);
			return work;
		}
	}
	if (work == WORK_OUTPUTS || work == WORK_TIMEOUT) {
		work_status_message(work, at, b->s.now, lim, err, errlen);
		return work;
	}
	return reached;
}

int board_at(struct trace_reader *r, uint64_t at, struct board *b, struct board_at_result *res, char *err,
	     size_t errlen)
{
	size_t nchunks = trace_reader_chunk_count(r), kflen = 0;
	struct numbering x = { .b = b, .diverged = UINT64_MAX };
	struct work_limit lim = work_limit_for_trace(r);
	x.imported = replay_imported(r, &x.check);
	int done = 0, status = 0;
	memset(res, 0, sizeof(*res));
	res->at = at;
	res->diverged = UINT64_MAX;
	if (!nchunks) {
		snprintf(err, errlen, "the trace holds no complete chunk");
		return -1;
	}
	for (size_t ci = 0; ci < nchunks && !done && !status; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		if (!c) {
			snprintf(err, errlen, "%s", trace_reader_error(r));
			return -1;
		}
		if (ci == 0) {
			const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
			const char *why = kflen ? board_load(b, kf, kflen) : "chunk has no keyframe";
			if (why) {
				snprintf(err, errlen, "chunk 0: keyframe: %s", why);
				trace_chunk_free(c);
				return -1;
			}
			res->first = trace_chunk_get_info(c)->first_event;
			board_keep_history(b);
		}
		board_set_sink(b, numbering_sink, &x);
		if (collect(c, &x)) {
			snprintf(err, errlen, "%s", trace_chunk_error(c)[0] ? trace_chunk_error(c) : "out of memory");
			status = -1;
		} else {
			const struct trace_chunk_info *info = trace_chunk_get_info(c);
			int w = walk_chunk(&x, at, &lim, err, errlen);
			if (w < 0)
				status = -1;
			else
				done = w || info->first_event + info->count > at;
		}
		board_set_sink(b, NULL, NULL);
		free(x.ev);
		free(x.num);
		trace_chunk_free(c);
	}
	res->diverged = x.diverged;
	if (!status && !done) {
		snprintf(err, errlen, "event %" PRIu64 " is not in the trace", at);
		return -1;
	}
	return status;
}
