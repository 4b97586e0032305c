/* SPDX-License-Identifier: MIT */
#include "diff.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "chips/board.h"
#include "replay.h"

bool diff_relevant(const struct trace_record *rec)
{
	switch (rec->kind) {
	case EV_RESET:
	case EV_IRQ:
	case EV_INTACK:
	case EV_EOI:
	case EV_LVT:
	case EV_APIC_MSG:
	case EV_LINT:
		return true;
	case EV_PIO_WRITE:
		/* chip register writes; other ports are not the board's */
		return board_owns_port(rec->ev.u.pio.port);
	case EV_MMIO_WRITE:
		return board_owns_mmio(rec->ev.u.mmio.addr) ||
		       (rec->ev.u.mmio.addr >= HPET_BASE && rec->ev.u.mmio.addr < (uint64_t)HPET_BASE + HPET_SIZE);
	case EV_MMIO_WRITE64:
		return rec->ev.u.mmio64.addr >= HPET_BASE && rec->ev.u.mmio64.addr < (uint64_t)HPET_BASE + HPET_SIZE;
	default:
		/* time, reads (their values follow timing), wires and deadlines
		 * (consequences of time), context */
		return false;
	}
}

/* Records of a trace, one at a time across chunks, relevant ones only. */
struct rel_iter {
	struct trace_iter it;
	const char *name;
	bool have_t0;
	uint64_t t0;
};

/* 1: rec filled; 0: end; -1: error (message in err). */
static int iter_next(struct rel_iter *ri, struct trace_record *rec, char *err, size_t errlen)
{
	int k;
	do
		k = trace_iter_next(&ri->it, rec);
	while (k == 1 && !diff_relevant(rec));
	if (k < 0) {
		snprintf(err, errlen, "%s: %s", ri->name, trace_iter_error(&ri->it));
		return -1;
	}
	if (k == 0)
		return 0;
	rec->data = NULL;
	rec->len = 0;
	if (!ri->have_t0) {
		ri->have_t0 = true;
		ri->t0 = rec->t;
	}
	return 1;
}

static void push(struct diff_side *s, const struct trace_record *rec)
{
	if (s->ncontext == DIFF_CONTEXT) {
		memmove(s->context, s->context + 1, sizeof(s->context[0]) * (DIFF_CONTEXT - 1));
		s->ncontext--;
	}
	s->context[s->ncontext++] = *rec;
}

int diff_traces(struct trace_reader *a, const char *name_a, struct trace_reader *b,
		const char *name_b, uint64_t tolerance, struct diff_result *res)
{
	struct rel_iter ia = { .name = name_a }, ib = { .name = name_b };
	uint64_t prev_a = 0, prev_b = 0; /* relative times of the last matched pair */
	memset(res, 0, sizeof(*res));
	res->outcome = DIFF_SAME;
	trace_iter_init(&ia.it, a, 0);
	trace_iter_init(&ib.it, b, 0);
	for (;;) {
		struct trace_record ra, rb;
		int ka = iter_next(&ia, &ra, res->message, sizeof(res->message));
		int kb = ka < 0 ? 0 : iter_next(&ib, &rb, res->message, sizeof(res->message));
		if (ka < 0 || kb < 0) {
			res->outcome = DIFF_UNUSABLE;
			break;
		}
		if (!ka && !kb)
			break;
		res->a.has = ka == 1;
		res->b.has = kb == 1;
		if (ka) {
			res->a.rec = ra;
			res->a.rel_t = ra.t - ia.t0;
		}
		if (kb) {
			res->b.rec = rb;
			res->b.rel_t = rb.t - ib.t0;
		}
		if (!ka || !kb) {
			res->outcome = DIFF_DIFFERENT;
			res->kind = ka ? DIFF_B_ENDS : DIFF_A_ENDS;
			break;
		}
		if (ra.kind != rb.kind || !irq_event_equal(&ra.ev, &rb.ev) ) {
			/* irq_event_equal compares t too: check fields with t aligned */
			struct irq_event x = rb.ev;
			x.t = ra.ev.t;
			if (ra.kind != rb.kind || !irq_event_equal(&ra.ev, &x)) {
				res->outcome = DIFF_DIFFERENT;
				res->kind = DIFF_FIELDS;
				break;
			}
		}
		/* Jitter is local: compare the time since the previous matched
		 * pair in each trace, so drift that accumulates over a run (late
		 * wake-ups) is not a difference, a delay at one step is. */
		uint64_t ta = res->a.step = res->a.rel_t - prev_a;
		uint64_t tb = res->b.step = res->b.rel_t - prev_b;
		if ((ta > tb ? ta - tb : tb - ta) > tolerance) {
			res->outcome = DIFF_DIFFERENT;
			res->kind = DIFF_TIME;
			break;
		}
		push(&res->a, &ra);
		push(&res->b, &rb);
		prev_a = res->a.rel_t;
		prev_b = res->b.rel_t;
		res->index++;
	}
	trace_iter_end(&ia.it);
	trace_iter_end(&ib.it);
	return res->outcome;
}

static void print_side(const struct diff_side *s, const char *name, FILE *f)
{
	char line[300];
	fprintf(f, "%s:\n", name);
	for (unsigned i = 0; i < s->ncontext; i++) {
		record_format_text(&s->context[i], line, sizeof(line));
		fprintf(f, "    %s\n", line);
	}
	if (s->has) {
		record_format_text(&s->rec, line, sizeof(line));
		fprintf(f, "  > %s   (+%" PRIu64 " ns)\n", line, s->rel_t);
	} else {
		fprintf(f, "  > (no more interrupt events)\n");
	}
}

void diff_print(const struct diff_result *res, const char *name_a, const char *name_b,
		uint64_t tolerance, FILE *f)
{
	static const char *const what[] = {
		[DIFF_FIELDS] = "different events",
		[DIFF_TIME] = "same event, times apart by more than the tolerance",
		[DIFF_A_ENDS] = "the first trace ends here, the second goes on",
		[DIFF_B_ENDS] = "the second trace ends here, the first goes on",
	};
	fprintf(f, "traces differ after %" PRIu64 " matching interrupt events: %s (tolerance %" PRIu64
		   " ns)\n",
		res->index, what[res->kind], tolerance);
	if (res->kind == DIFF_TIME) {
		uint64_t ta = res->a.step, tb = res->b.step;
		fprintf(f, "  time since the last matching event: %" PRIu64 " ns vs %" PRIu64 " ns (%" PRIu64
			" ns apart)\n", ta, tb, ta > tb ? ta - tb : tb - ta);
	}
	print_side(&res->a, name_a, f);
	print_side(&res->b, name_b, f);
}
