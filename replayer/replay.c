/* SPDX-License-Identifier: MIT */
#include "replay.h"

#include "bounded.h"

#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "chips/rules.h"

/* A recorded board event and its event number (the bulk decoder's). */
#define recorded trace_event_rec

/* irq_event_equal by bytes: per kind, the bytes of the union its fields
 * cover (a field is equal by value exactly when its bytes are). */
#define MASK_KINDS 0x100 /* every value of irq_event.kind: no range check */
struct ev_mask {
	uint64_t m[2];
	bool valid; /* the kind has a row and its fields lie in the union */
};
_Static_assert(sizeof(((struct irq_event *)0)->u) == 16, "the union is two words");

static void masks_init(struct ev_mask *masks)
{
	size_t base = offsetof(struct irq_event, u);
	for (unsigned k = 0; k < MASK_KINDS; k++) {
		const struct irq_kind_desc *d = irq_kind_desc(k);
		uint8_t bytes[16] = { 0 };
		masks[k].valid = d != NULL;
		for (unsigned i = 0; d && i < d->nfields; i++) {
			const struct irq_field_desc *f = &d->fields[i];
			if (f->offset < base || f->offset + f->size > base + 16) {
				masks[k].valid = false;
				break;
			}
			memset(bytes + (f->offset - base), 0xff, f->size);
		}
		memcpy(masks[k].m, bytes, 16);
	}
}

static inline bool fast_equal(const struct ev_mask *masks, const struct irq_event *a,
			      const struct irq_event *b)
{
	if (a->t != b->t || a->kind != b->kind)
		return false;
	if (!masks[a->kind].valid)
		return irq_event_equal(a, b);
	uint64_t x[2], y[2];
	memcpy(x, &a->u, 16);
	memcpy(y, &b->u, 16);
	return !(((x[0] ^ y[0]) & masks[a->kind].m[0]) | ((x[1] ^ y[1]) & masks[a->kind].m[1]));
}

#define PIN_UNKNOWN 0xff

struct cmp {
	struct board *b;
	struct recorded *arr;
	size_t n, cursor;
	bool diverged;
	enum divergence_kind kind;
	size_t at;                /* index in arr of the divergence */
	bool has_actual;
	struct irq_event actual;
	bool partial;             /* an imported trace */
	unsigned check;           /* CHECK_* */
	uint64_t checked, unchecked;
	const struct ev_mask *masks;
	size_t fast_n;            /* cmp_run's hot path while cursor < fast_n: n,
				   * 0 for an imported trace or once diverged */
	/* arr is a window on the run's records (struct group): when the
	 * compare reaches its end, more are decoded (cmp_more), keeping the
	 * running input's records from keep on; shift counts the records
	 * dropped from its start since the replay loop last looked */
	struct group *g;
	size_t keep, shift;
};

static bool cmp_more(struct cmp *c);

static unsigned check_bit(unsigned kind)
{
	switch (kind) {
	case EV_PIO_READ: return REPLAY_CHECK_PIO_READ;
	case EV_MMIO_READ: return REPLAY_CHECK_MMIO_READ;
	case EV_INTACK: return REPLAY_CHECK_INTACK;
	case EV_APIC_MSG: return REPLAY_CHECK_APIC;
	default: return 0;
	}
}

bool replay_imported_unchecked_output(unsigned check, const struct irq_event *ev)
{
	return EV_IS_OUTPUT(ev->kind) && !(check_bit(ev->kind) & check);
}

bool replay_imported_equal(unsigned check, const struct irq_event *ev, const struct irq_event *want)
{
	struct irq_event a = *ev;
	if (a.kind != want->kind)
		return false;
	if (a.kind == EV_APIC_MSG && want->u.apic.pin == PIN_UNKNOWN)
		a.u.apic.pin = PIN_UNKNOWN;
	if (EV_IS_INPUT(a.kind) && check_bit(a.kind) && !(check_bit(a.kind) & check)) {
		/* a result the log cannot show: take the recording's */
		if (a.kind == EV_PIO_READ && a.u.pio.port == want->u.pio.port)
			a.u.pio.value = want->u.pio.value;
		else if (a.kind == EV_MMIO_READ && a.u.mmio.addr == want->u.mmio.addr)
			a.u.mmio.value = want->u.mmio.value;
		else if (a.kind == EV_INTACK && a.u.intack.cpu == want->u.intack.cpu)
			a.u.intack.vector = want->u.intack.vector;
	}
	return irq_event_equal(&a, want);
}

/* An imported trace's view of the board's event ev: NULL when it is not
 * compared (an output the log cannot show), else ev; a checked output
 * recorded in another order among the same input's outputs is moved to the
 * cursor first. Counts what is checked and what is not. */
static const struct irq_event *imported_view(struct cmp *c, const struct irq_event *ev)
{
	unsigned bit = check_bit(ev->kind);
	if (replay_imported_unchecked_output(c->check, ev)) {
		c->unchecked++;
		return NULL;
	}
	if (EV_IS_OUTPUT(ev->kind)) {
		for (size_t k = c->cursor;; k++) {
			if (k >= c->n) {
				size_t shift = c->shift;
				if (!cmp_more(c))
					break;
				k -= c->shift - shift;
			}
			if (EV_IS_INPUT(c->arr[k].ev.kind))
				break;
			if (replay_imported_equal(c->check, ev, &c->arr[k].ev)) {
				struct recorded r = c->arr[k];
				memmove(&c->arr[c->cursor + 1], &c->arr[c->cursor],
					(k - c->cursor) * sizeof(r));
				c->arr[c->cursor] = r;
				break;
			}
		}
	}
	if (bit & c->check)
		c->checked++;
	else if (bit)
		c->unchecked++;
	return ev;
}

static __attribute__((noinline)) void cmp_sink_slow(struct cmp *c, const struct irq_event *ev)
{
	if (c->diverged)
		return;
	if (c->cursor >= c->n)
		(void)cmp_more(c);
	if (c->partial && !imported_view(c, ev))
		return;
	if (c->cursor >= c->n) {
		c->b->stop = 1; /* nothing after this is compared */
		c->diverged = true;
		c->fast_n = 0;
		c->kind = DIV_EXTRA;
		c->at = c->n;
		c->has_actual = true;
		c->actual = *ev;
		return;
	}
	const struct irq_event *want = &c->arr[c->cursor].ev;
	if (!(c->partial ? replay_imported_equal(c->check, ev, want) : fast_equal(c->masks, ev, want))) {
		c->b->stop = 1;
		c->diverged = true;
		c->fast_n = 0;
		c->at = c->cursor;
		c->has_actual = true;
		c->actual = *ev;
		if (EV_IS_INPUT(want->kind) && EV_IS_OUTPUT(ev->kind))
			c->kind = DIV_EXTRA;
		else if (EV_IS_OUTPUT(want->kind) && EV_IS_INPUT(ev->kind))
			c->kind = DIV_MISSING;
		else
			c->kind = DIV_MISMATCH;
		return;
	}
	c->cursor++;
}

/* The hot path (cmp_run): an event equal to the next recorded one (a kind
 * with a mask); everything else in cmp_sink_slow. The four words of an
 * event: t, kind (and padding), the union. */
static inline uint64_t ev_word(const struct irq_event *e, size_t i)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)e + 8 * i, 8);
	return v;
}

/* One event against the next recorded one: equal words, else equal under
 * the kind's mask, else cmp_sink_slow. */
static void cmp_event(struct cmp *c, const struct irq_event *ev)
{
	size_t cur = c->cursor;
	if (__builtin_expect(cur < c->fast_n, 1)) {
		const struct irq_event *want = &c->arr[cur].ev;
		/* all four words equal (the board and the decoder leave the bytes
		 * outside a kind's fields zero): equal, without the mask */
		if (__builtin_expect(!((ev_word(ev, 0) ^ ev_word(want, 0)) |
				       (ev_word(ev, 1) ^ ev_word(want, 1)) |
				       (ev_word(ev, 2) ^ ev_word(want, 2)) |
				       (ev_word(ev, 3) ^ ev_word(want, 3))), 1)) {
			c->cursor = cur + 1;
			return;
		}
		const struct ev_mask *mk = &c->masks[ev->kind];
		uint64_t x[2], y[2];
		memcpy(x, &ev->u, 16);
		memcpy(y, &want->u, 16);
		if (mk->valid && !((ev->t ^ want->t) | (uint64_t)(ev->kind ^ want->kind) |
				   ((x[0] ^ y[0]) & mk->m[0]) | ((x[1] ^ y[1]) & mk->m[1]))) {
			c->cursor = cur + 1;
			return;
		}
	}
	cmp_sink_slow(c, ev);
}

static __attribute__((noinline)) void cmp_run_slow(struct cmp *c, const struct irq_event *ev, size_t n)
{
	for (size_t i = 0; i < n && !c->diverged; i++)
		cmp_event(c, &ev[i]);
}

/* One input's run of events (board_set_run_sink). The hot path: the whole
 * run lies within fast_n and each event's four words equal the recorded
 * one's; from the first that does not, event by event (cmp_event), with
 * the verdicts of comparing them one at a time. */
static void cmp_run(void *ctx, const struct irq_event *ev, size_t n)
{
	struct cmp *c = ctx;
	size_t cur = c->cursor, i = 0;
	if (__builtin_expect(cur + n <= c->fast_n, 1)) {
		const struct recorded *want = c->arr + cur;
		for (; i < n; i++) {
			const struct irq_event *e = &ev[i], *w = &want[i].ev;
			if ((ev_word(e, 0) ^ ev_word(w, 0)) | (ev_word(e, 1) ^ ev_word(w, 1)) |
			    (ev_word(e, 2) ^ ev_word(w, 2)) | (ev_word(e, 3) ^ ev_word(w, 3)))
				break;
		}
		c->cursor = cur + i;
		if (__builtin_expect(i == n, 1))
			return;
	}
	cmp_run_slow(c, ev + i, n - i);
}

static void null_sink(void *ctx, const struct irq_event *ev)
{
	(void)ctx;
	(void)ev;
}

void replay_opts_default(struct replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->to = UINT64_MAX;
}

void replay_result_free(struct replay_result *res)
{
	free(res->div);
	res->div = NULL;
}

static int unusable(struct replay_result *res, const char *fmt, const char *a, const char *b)
{
	res->outcome = REPLAY_UNUSABLE;
	snprintf(res->message, sizeof(res->message), fmt, a, b);
	return REPLAY_UNUSABLE;
}

/* Loaded chunks, in trace order: a group's (struct group, struct pjob). */
struct chunk_list {
	struct trace_chunk **v;
	size_t n, cap;
};

static int chunk_list_add(struct chunk_list *l, struct trace_chunk *c)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;
		struct trace_chunk **n = realloc(l->v, cap * sizeof(*n));
		if (!n)
			return -1;
		l->v = n;
		l->cap = cap;
	}
	l->v[l->n++] = c;
	return 0;
}

/* A run of chunks (a chunk and its continuations), decoded a window at a
 * time as replay needs it: the records stay in the cache between the
 * decoder writing them and the compare reading them, where a whole group's
 * decoded records (55,000 x 40 bytes on the benchmark trace) did not. */
#define GROUP_WINDOW 1024
/* After the window's last record, arr[n]: a record of an input kind, so
 * that the replay loop's scan for the next input needs no bound check (it
 * stops at n at the latest). The window holds cap records and this one. */
#define WINDOW_SENTINEL EV_RESET
_Static_assert(EV_IS_INPUT(WINDOW_SENTINEL), "the sentinel stops the scan for an input");
struct group {
	struct chunk_list chunks; /* the run's chunks, loaded (not owned) */
	size_t cur;               /* the chunk being decoded */
	bool exhausted;           /* every record decoded, or failed */
	size_t failed;            /* 1 + the chunk that does not decode, or 0 */
	bool oom;                 /* out of memory for the window */
	uint64_t context;         /* context records decoded */
	struct recorded *arr;     /* the window: the run's records base..base+n,
				   * then the sentinel (WINDOW_SENTINEL) */
	size_t n, cap;
	uint64_t base;
	uint64_t last_dropped;    /* the number of record base - 1 */
	/* the serial loop's: the run's last chunk and its header, and the
	 * chunk after the run, already loaded, or NULL */
	size_t last_ci;
	struct trace_chunk_info last;
	struct trace_chunk *next;
};

/* Start decoding the run in g->chunks from its first record. */
static int group_start_decode(struct group *g)
{
	g->cur = 0;
	g->exhausted = false;
	g->failed = 0;
	g->oom = false;
	g->context = 0;
	g->n = 0;
	g->base = 0;
	if (!g->arr) {
		g->arr = malloc((GROUP_WINDOW + 1) * sizeof(*g->arr));
		if (!g->arr)
			return -1;
		g->cap = GROUP_WINDOW;
	}
	g->arr[0].ev.kind = WINDOW_SENTINEL;
	return 0;
}

/* Keep the window's records from keep on (moved to its start) and decode
 * more after them; the window grows when keep is its start and it is full
 * (one input's outputs longer than a window). -1: out of memory. */
static int group_fill(struct group *g, size_t keep)
{
	if (keep) {
		g->last_dropped = g->arr[keep - 1].num;
		memmove(g->arr, g->arr + keep, (g->n - keep) * sizeof(*g->arr));
		g->n -= keep;
		g->base += keep;
	} else if (g->n == g->cap) {
		struct recorded *p = realloc(g->arr, (2 * g->cap + 1) * sizeof(*p));
		if (!p) {
			g->oom = g->exhausted = true;
			return -1;
		}
		g->arr = p;
		g->cap *= 2;
	}
	while (!g->exhausted && g->n < g->cap) {
		if (g->cur == g->chunks.n) {
			g->exhausted = true;
			break;
		}
		size_t got = 0;
		int rc = trace_chunk_next_events(g->chunks.v[g->cur], g->arr + g->n, g->cap - g->n, &got,
						 &g->context);
		g->n += got;
		if (rc < 0) {
			g->failed = g->cur + 1;
			g->exhausted = true;
		} else if (rc == 0) {
			g->cur++;
		}
	}
	g->arr[g->n].ev.kind = WINDOW_SENTINEL;
	return 0;
}

/* Decode the rest of the run (its context records are counted; a record
 * that does not decode fails the run, as if it had been met first). */
static void group_drain(struct group *g)
{
	while (!g->exhausted) {
		g->n = 0;
		if (group_fill(g, 0))
			return;
	}
}

/* The compare looks at the group's window as it is now. */
static void cmp_window(struct cmp *c)
{
	c->arr = c->g->arr;
	c->n = c->g->n;
	c->fast_n = c->partial ? 0 : c->g->n;
}

/* More of the run's records for the compare, keeping those from c->keep
 * on (struct cmp): false at the run's end. */
static bool cmp_more(struct cmp *c)
{
	struct group *g = c->g;
	if (!g || g->exhausted)
		return false;
	size_t keep = c->keep, had = g->n - keep;
	if (group_fill(g, keep))
		return false;
	c->keep = 0;
	c->shift += keep;
	c->cursor -= keep;
	cmp_window(c);
	return g->n > had;
}

/* Does chunk c continue the chunk before it (info)? An empty keyframe
 * right after it means "continue from the previous chunk" (FORMAT.md):
 * the writer starts one when an input's outputs pass the 16 MiB chunk
 * limit, so an input's outputs may run on into it. */
static bool continues(const struct trace_chunk *c, const struct trace_chunk_info *prev)
{
	const struct trace_chunk_info *info = trace_chunk_get_info(c);
	size_t kflen;
	trace_chunk_keyframe(c, &kflen);
	return !kflen && info->seq == prev->seq + 1 &&
	       info->first_event == prev->first_event + prev->count;
}

/* Chunk ci (c) and the continuation chunks after it into g (the
 * continuations are g's to free: group_free_continuations). The chunk after
 * the group, when read, is kept in g->next; a chunk that cannot be read
 * ends the group (the main loop meets the error). 0, or -1 when out of
 * memory. */
static int load_group(struct trace_reader *r, size_t ci, struct trace_chunk *c, struct group *g,
		      uint64_t *records_done)
{
	struct trace_chunk_info prev = *trace_chunk_get_info(c);
	size_t nchunks = trace_reader_chunk_count(r);
	g->chunks.n = 0;
	g->last_ci = ci;
	g->next = NULL;
	if (chunk_list_add(&g->chunks, c))
		return -1;
	*records_done += prev.count;
	g->last = prev;
	while (g->last_ci + 1 < nchunks) {
		struct trace_chunk *nc = trace_reader_load_chunk(r, g->last_ci + 1);
		if (!nc)
			break;
		if (!continues(nc, &prev)) {
			g->next = nc;
			break;
		}
		if (chunk_list_add(&g->chunks, nc)) {
			trace_chunk_free(nc);
			return -1;
		}
		prev = *trace_chunk_get_info(nc);
		*records_done += prev.count;
		g->last = prev;
		g->last_ci++;
	}
	return 0;
}

static void group_free_continuations(struct group *g)
{
	for (size_t i = 1; i < g->chunks.n; i++)
		trace_chunk_free(g->chunks.v[i]);
	g->chunks.n = 0;
}

static void group_free(struct group *g)
{
	free(g->arr);
	free(g->chunks.v);
}

void report_context_save(struct trace_record *dst, uint8_t *slot, const struct trace_record *rec)
{
	*dst = *rec;
	dst->len = rec->data && rec->len < REPORT_CONTEXT_DATA ? rec->len
			: rec->data ? REPORT_CONTEXT_DATA : 0;
	if (dst->len)
		memcpy(slot, rec->data, dst->len);
	dst->data = NULL;
}

size_t report_context_format(const struct trace_record *rec, const uint8_t *slot, char *buf,
			     size_t len)
{
	struct trace_record r = *rec;
	r.data = r.len ? slot : NULL;
	return record_format_text(&r, buf, len);
}

static void push_context(struct divergence *d, const struct trace_record *rec)
{
	if (d->ncontext == REPLAY_CONTEXT) {
		memmove(d->context, d->context + 1, sizeof(d->context[0]) * (REPLAY_CONTEXT - 1));
		memmove(d->context_data, d->context_data + 1,
			sizeof(d->context_data[0]) * (REPLAY_CONTEXT - 1));
		d->ncontext--;
	}
	report_context_save(&d->context[d->ncontext], d->context_data[d->ncontext], rec);
	d->ncontext++;
}

/* The recorded records (context included) just before event num: from the
 * previous chunk too when num is near the start of chunk ci. */
static void fill_context(struct trace_reader *r, size_t ci, struct trace_chunk *c, uint64_t num,
			 struct divergence *d)
{
	struct trace_record rec;
	d->ncontext = 0;
	if (ci > 0 && num - trace_chunk_get_info(c)->first_event < REPLAY_CONTEXT) {
		struct trace_chunk *prev = trace_reader_load_chunk(r, ci - 1);
		if (prev) {
			while (trace_chunk_next(prev, &rec) == 1)
				push_context(d, &rec);
			trace_chunk_free(prev);
		}
	}
	trace_chunk_rewind(c);
	while (trace_chunk_next(c, &rec) == 1 && rec.num < num)
		push_context(d, &rec);
}

/* fill_context for event num wherever it is (a group spans chunks). */
static void fill_context_at(struct trace_reader *r, uint64_t num, struct divergence *d)
{
	size_t cj;
	struct trace_chunk *c;
	if (trace_reader_find_event(r, num, &cj) || !(c = trace_reader_load_chunk(r, cj))) {
		d->ncontext = 0;
		return;
	}
	fill_context(r, cj, c, num, d);
	trace_chunk_free(c);
}

/* A keyframe as this replay sees it: loaded, with the variants applied. */
static const char *load_keyframe(struct board *b, const uint8_t *kf, size_t kflen,
				 const struct variant_set *variants)
{
	const char *why = kflen ? board_load(b, kf, kflen) : "chunk has no keyframe";
	if (!why)
		variant_apply(variants, b);
	return why;
}

/* Board state before the run's record upto was applied, from the run's
 * keyframe: its records are decoded again from the start (g's window and
 * positions are spent). */
static void state_before(const uint8_t *kf, size_t kflen, struct group *g, uint64_t upto,
			 const struct variant_set *variants, struct board *out)
{
	board_init_blank(out);
	if (load_keyframe(out, kf, kflen, variants))
		return;
	board_set_sink(out, null_sink, NULL);
	for (size_t i = 0; i < g->chunks.n; i++)
		trace_chunk_rewind(g->chunks.v[i]);
	if (group_start_decode(g))
		return;
	for (uint64_t done = 0; done < upto;) {
		g->n = 0;
		if (group_fill(g, 0) || !g->n)
			return;
		for (size_t i = 0; i < g->n && done < upto; i++, done++)
			if (EV_IS_INPUT(g->arr[i].ev.kind))
				(void)board_apply(out, &g->arr[i].ev);
	}
}

/* What replay could not verify: the first gap in full, and a count. */
struct unverified {
	unsigned gaps;
	bool at_start;     /* the first gap is before the first chunk read */
	uint64_t from, to; /* its events, from..to (to: the last one) */
	uint64_t lost;     /* chunks recovery skipped there */
	uint64_t orphans;  /* chunks after them that continue a lost chunk */
};

/* Chunks lost before chunk `info` (the previous one, if any, ended at event
 * prev_end with sequence number prev_seq): recovery skipped them, so their
 * events cannot be verified. Noted in u; returns true when there is a gap. */
static bool note_gap(struct unverified *u, const struct trace_chunk_info *info, bool have_prev,
		     uint64_t prev_end, uint64_t prev_seq)
{
	if (have_prev ? info->seq == prev_seq + 1 && info->first_event == prev_end : !info->seq)
		return false;
	if (u->gaps++)
		return true;
	u->at_start = !have_prev;
	u->from = have_prev ? prev_end : 0;
	u->to = info->first_event - 1;
	u->lost = have_prev ? info->seq - prev_seq - 1 : info->seq;
	return true;
}

/* Chunk info continues a chunk that was lost (its keyframe is empty): no
 * state to replay it from, so it is not verified either. */
static void note_orphan(struct unverified *u, const struct trace_chunk_info *info)
{
	if (u->gaps == 1 && info->first_event == u->to + 1) {
		u->to = info->first_event + info->count - 1;
		u->orphans++;
	}
}

static void unverified_format(const struct unverified *u, struct replay_result *res)
{
	char what[120], orphans[60] = "", more[40] = "";
	res->gaps = u->gaps;
	if (!u->gaps)
		return;
	if (u->at_start)
		snprintf(what, sizeof(what), "events before %" PRIu64, u->to + 1);
	else
		snprintf(what, sizeof(what), "events %" PRIu64 "..%" PRIu64, u->from, u->to);
	if (u->orphans)
		snprintf(orphans, sizeof(orphans), ", %" PRIu64 " chunk%s continuing them", u->orphans,
			 u->orphans == 1 ? "" : "s");
	if (u->gaps > 1)
		snprintf(more, sizeof(more), "; and %u more gap%s", u->gaps - 1,
			 u->gaps == 2 ? "" : "s");
	snprintf(res->unverified, sizeof(res->unverified), "%s (%" PRIu64 " damaged chunk%s skipped%s)%s",
		 what, u->lost, u->lost == 1 ? "" : "s", orphans, more);
}

/* The chunk whose keyframe starts the group holding chunk ci: ci, or the
 * last chunk before it with a keyframe when ci continues another (never
 * across a gap: a continuation after lost chunks has no start, and the
 * caller then meets "chunk has no keyframe"). */
static size_t group_start(struct trace_reader *r, size_t ci)
{
	while (ci > 0) {
		struct trace_chunk_info prev;
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		bool cont = c && !trace_reader_chunk_info(r, ci - 1, &prev) && continues(c, &prev);
		trace_chunk_free(c);
		if (!cont)
			break;
		ci--;
	}
	return ci;
}

/* Records in the chunks from first up to the one holding event `to`. */
static uint64_t records_in_range(struct trace_reader *r, size_t first, uint64_t to)
{
	struct trace_chunk_info info;
	uint64_t n = 0;
	for (size_t ci = first; trace_reader_chunk_info(r, ci, &info) == 0; ci++) {
		if (info.first_event > to)
			break;
		n += info.count;
	}
	return n;
}

/* Does b's state equal keyframe kf (loaded with this replay's variants)? */
static bool state_matches_keyframe(const struct board *b, const uint8_t *kf, size_t kflen,
				   const struct variant_set *variants)
{
	size_t size = board_state_size(b);
	uint8_t *mine = malloc(2 * size);
	struct board *theirs = malloc(sizeof(*theirs));
	bool same = false;
	if (mine && theirs) {
		board_init_blank(theirs);
		if (!load_keyframe(theirs, kf, kflen, variants)) {
			variant_faults_follow(variants, b, theirs);
			board_faults_follow(b, theirs);
			size_t m = board_save(b, mine, size);
			size_t k = board_save(theirs, mine + size, size);
			same = m && m == k && !memcmp(mine, mine + size, m);
		}
	}
	free(mine);
	free(theirs);
	return same;
}

/* The report of a keyframe (chunk ci, c) that differs from the state b
 * replay reached; NULL when out of memory. */
static struct divergence *keyframe_divergence(struct trace_reader *r, size_t ci,
					      struct trace_chunk *c, const struct board *b,
					      const struct variant_set *variants)
{
	const struct trace_chunk_info *info = trace_chunk_get_info(c);
	struct divergence *d = calloc(1, sizeof(*d));
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	if (!d)
		return NULL;
	d->kind = DIV_KEYFRAME;
	d->num = info->first_event;
	d->t = info->first_t;
	d->chunk = ci;
	d->before = *b;
	board_init_blank(&d->keyframe);
	(void)load_keyframe(&d->keyframe, kf, kflen, variants);
	fill_context(r, ci, c, info->first_event, d);
	return d;
}

/* One group's replay: its keyframe, where it starts in the trace. */
struct group_run {
	const struct replay_opts *o;
	struct board *b;
	const uint8_t *kf;
	size_t kflen;
	size_t ci;
	uint64_t first_event;
	bool in_range; /* an event of o->from..o->to was checked */
	bool partial;  /* an imported trace: check only what its log shows */
	unsigned check;
	const struct ev_mask *masks;
};

/* The report of the divergence cmp found while the window's input j ran
 * (n: the window's records, j == n when none). NULL when out of memory.
 * The state before the input is filled in later: state_before. */
static struct divergence *group_divergence(const struct cmp *cmp, const struct group *g, size_t j,
					   const struct group_run *run)
{
	const struct recorded *arr = g->arr;
	size_t n = g->n;
	struct divergence *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->kind = cmp->kind;
	d->chunk = run->ci;
	d->has_actual = cmp->has_actual;
	d->actual = cmp->actual;
	if (cmp->at < n) {
		d->has_expected = true;
		d->expected = arr[cmp->at].ev;
		d->num = arr[cmp->at].num;
		d->t = arr[cmp->at].ev.t;
	} else {
		d->num = n ? arr[n - 1].num + 1 : run->first_event + g->base;
		d->t = cmp->actual.t;
	}
	if (j < n) {
		d->input_num = arr[j].num;
		d->input = arr[j].ev;
	}
	return d;
}

/* Re-execute the run's inputs (g->chunks, decoded a window at a time) up
 * to o->to, each checked against the outputs recorded with it.
 * REPLAY_IDENTICAL, REPLAY_DIVERGED with res->div set (NULL when out of
 * memory for the report), or REPLAY_UNUSABLE with the chunk's message in
 * err when a record of the run does not decode: anywhere in the run, as
 * when a run was decoded whole before it ran. Counts the run's chunks as
 * that did: all of them, or the continuations before the one that failed. */
static int replay_group(struct trace_reader *r, struct group *g, struct group_run *run,
			struct replay_result *res, char *err, size_t errlen)
{
	struct cmp cmp = { .b = run->b, .partial = run->partial, .check = run->check,
			   .masks = run->masks, .g = g };
	struct divergence *div = NULL;
	int status = REPLAY_IDENTICAL;
	size_t pos = 0, div_j = 0;
	uint64_t to = run->o->to, inputs = 0, first = 0;
	struct board *b = run->b;
	if (group_start_decode(g) || group_fill(g, 0)) {
		snprintf(err, errlen, "out of memory");
		return REPLAY_UNUSABLE;
	}
	if (g->n)
		first = g->arr[0].num;
	cmp_window(&cmp);
	board_set_run_sink(b, cmp_run, &cmp);
	/* The window moves on when the scan for the next input or the compare
	 * reaches its end, keeping the running input's records (from pos). The
	 * run's first record is number first; pos is always cmp.cursor. */
	for (;;) {
		const struct recorded *arr = cmp.arr;
		size_t n = cmp.n, j = pos;
		while (!EV_IS_INPUT(arr[j].ev.kind)) /* arr[n]: the sentinel */
			j++;
		if (j == n) {
			if (!g->exhausted) {
				cmp.keep = pos;
				(void)cmp_more(&cmp);
				cmp.shift = 0;
				pos = cmp.cursor;
				if (g->oom)
					break;
				continue;
			}
			if (pos == n || g->failed)
				break; /* the run's end, or what follows does not decode */
			/* outputs that no input of this run produced */
			cmp.diverged = true;
			cmp.kind = DIV_MISSING;
			cmp.at = pos;
			cmp.has_actual = false;
		} else if (arr[pos].num > to) {
			/* outputs before input j are its own (timer edges on its
			 * time advance): run it when they are in range */
			break;
		} else {
			cmp.keep = pos;
			int bad = board_apply(b, &arr[j].ev);
			if (__builtin_expect(cmp.shift != 0, 0)) {
				j -= cmp.shift; /* the compare moved the window on */
				cmp.shift = 0;
			}
			if (bad) {
				cmp.diverged = true;
				cmp.kind = DIV_BAD_INPUT;
				cmp.at = j;
				cmp.has_actual = false;
			}
		}
		if (cmp.diverged) {
			div = group_divergence(&cmp, g, j, run);
			div_j = j;
			status = REPLAY_DIVERGED;
			break;
		}
		inputs++;
		pos = cmp.cursor;
	}
	board_set_sink(run->b, NULL, NULL);
	uint64_t events = g->base + pos, div_upto = g->base + div_j;
	uint64_t last = pos ? g->arr[pos - 1].num : g->last_dropped;
	group_drain(g);
	res->context += g->context;
	if (g->oom) {
		snprintf(err, errlen, "out of memory");
		free(div);
		return REPLAY_UNUSABLE;
	}
	if (g->failed) {
		snprintf(err, errlen, "%s", trace_chunk_error(g->chunks.v[g->failed - 1]));
		res->chunks += g->failed > 1 ? g->failed - 2 : 0; /* the continuations before it */
		free(div);
		return REPLAY_UNUSABLE;
	}
	res->chunks += g->chunks.n;
	if (status == REPLAY_DIVERGED && div) {
		state_before(run->kf, run->kflen, g, div_upto, run->o->variants, &div->before);
		if (r) /* else the caller fills it (a worker thread does not read the trace) */
			fill_context_at(r, div->num, div);
	}
	res->div = div;
	if (inputs) {
		if (res->first == UINT64_MAX)
			res->first = first;
		res->last = last;
		if (res->last >= run->o->from) /* (arr[pos].num <= to: above) */
			run->in_range = true;
	}
	res->inputs += inputs;
	res->events += events;
	res->checked += cmp.checked;
	res->unchecked += cmp.unchecked;
	return status;
}

bool replay_imported(struct trace_reader *r, unsigned *check)
{
	static const char *const words[] = { "pio_read", "mmio_read", "intack", "apic" };
	const char *text = trace_reader_config(r, "import.checked");
	*check = 0;
	while (text && *text) {
		while (*text == ' ' || *text == ',')
			text++;
		size_t w = strcspn(text, " ,");
		for (unsigned i = 0; i < 4; i++)
			if (strlen(words[i]) == w && !strncmp(text, words[i], w))
				*check |= 1u << i; /* REPLAY_CHECK_* in this order */
		text += w;
	}
	return trace_reader_config(r, "import.checked") != NULL;
}

/* ------------------------------------------------------------------
 * Parallel replay (o->jobs > 1). The main thread reads the chunks in order
 * and plans the groups exactly as the serial loop above walks them (gaps,
 * orphans, load errors); workers decode and replay each group from its
 * keyframe; the main thread joins the results in order, and at each group
 * start compares the state the previous group reached with the keyframe, as
 * the serial loop does (the serial loop replays a group from the state it
 * reached, which equals the keyframe when that check passes). The first
 * result that is not identical ends the replay, so what is reported, counted
 * and shown as progress is what the serial loop reports. A window of
 * PAR_WINDOW(jobs) groups is in flight: memory stays bounded.
 */
#define PAR_WINDOW(n) (2 * (n) + 2)
#define PAR_MAX_THREADS 64

enum { PJ_IDENTICAL = REPLAY_IDENTICAL, PJ_DIVERGED = REPLAY_DIVERGED,
       PJ_UNUSABLE = REPLAY_UNUSABLE, PJ_KF_BAD, PJ_SKIPPED };

struct pjob {
	/* the planner's */
	uint64_t seq;              /* order of the job */
	bool terminal;             /* chunk ci could not be read: err says why */
	size_t ci;                 /* the group's first chunk */
	struct chunk_list chunks;
	bool check_kf;             /* the state before it must equal its keyframe */
	struct unverified u;       /* as the serial loop has it at this group */
	uint64_t records;          /* records in its chunks */
	/* the worker's */
	int status;                /* PJ_* */
	const char *kf_why;        /* PJ_KF_BAD: why the keyframe does not load */
	char err[300];             /* PJ_UNUSABLE: the chunk's decode error */
	struct replay_result res;  /* its counts; res.div without context */
	bool in_range;
	struct board *end;         /* the state after it (PJ_IDENTICAL) */
	bool done;
};

struct par {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct pjob *ring;
	size_t cap;
	uint64_t head, tail, next; /* next to join, next to plan, next to run */
	uint64_t cancel_after;     /* jobs after this one are not run */
	bool quit;
	const struct replay_opts *o;
	const struct ev_mask *masks;
};

/* Does the state before job j (b) equal its keyframe? */
static bool pjob_keyframe_matches(const struct pjob *j, const struct board *b,
				  const struct variant_set *variants)
{
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(j->chunks.v[0], &kflen);
	return state_matches_keyframe(b, kf, kflen, variants);
}

static void pjob_release(struct pjob *j)
{
	for (size_t i = 0; i < j->chunks.n; i++)
		trace_chunk_free(j->chunks.v[i]);
	j->chunks.n = 0;
	replay_result_free(&j->res);
}

/* Decode and replay job j on the worker's board b (g: its window). */
static void pjob_run(struct par *p, struct pjob *j, struct board *b, struct group *g)
{
	struct replay_result *jr = &j->res;
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(j->chunks.v[0], &kflen);
	memset(jr, 0, sizeof(*jr));
	jr->first = UINT64_MAX;
	memset(b, 0, sizeof(*b)); /* as the serial loop's calloc'd board */
	j->kf_why = load_keyframe(b, kf, kflen, p->o->variants);
	if (j->kf_why) {
		j->status = PJ_KF_BAD;
		return;
	}
	struct group_run run = { .o = p->o, .b = b, .kf = kf, .kflen = kflen, .ci = j->ci,
				 .first_event = trace_chunk_get_info(j->chunks.v[0])->first_event,
				 .masks = p->masks };
	g->chunks = j->chunks; /* (the job's) */
	j->status = replay_group(NULL, g, &run, jr, j->err, sizeof(j->err));
	g->chunks = (struct chunk_list){ 0 };
	j->in_range = run.in_range;
	if (j->status == PJ_IDENTICAL)
		*j->end = *b;
}

static void *par_worker(void *arg)
{
	struct par *p = arg;
	struct board *b = malloc(sizeof(*b));
	struct group g = { 0 };
	pthread_mutex_lock(&p->mu);
	while (!p->quit) {
		if (p->next == p->tail) {
			pthread_cond_wait(&p->work, &p->mu);
			continue;
		}
		struct pjob *j = &p->ring[p->next % p->cap];
		bool skip = j->terminal || j->seq > p->cancel_after;
		p->next++;
		pthread_mutex_unlock(&p->mu);
		if (skip)
			j->status = PJ_SKIPPED;
		else if (!b) {
			snprintf(j->err, sizeof(j->err), "out of memory");
			j->status = PJ_UNUSABLE;
		} else
			pjob_run(p, j, b, &g);
		pthread_mutex_lock(&p->mu);
		j->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	group_free(&g);
	free(b);
	return NULL;
}

/* The serial loop's walk over the chunks, one group at a time. */
struct planner {
	struct trace_reader *r;
	const struct replay_opts *o;
	size_t ci, first, nchunks;
	struct trace_chunk *pending; /* the chunk after the last group, read */
	bool loaded, done;
	uint64_t prev_end, prev_seq;
	struct unverified u;
};

/* Plan the next group into j: 1, or 0 when the walk is over (pl->done). */
static int plan_next(struct planner *pl, struct pjob *j)
{
	struct trace_reader *r = pl->r;
	for (; pl->ci < pl->nchunks; pl->ci++) {
		size_t ci = pl->ci;
		struct trace_chunk *c = pl->pending ? pl->pending : trace_reader_load_chunk(r, ci);
		pl->pending = NULL;
		if (!c) {
			j->terminal = true;
			snprintf(j->err, sizeof(j->err), "%s", trace_reader_error(r));
			j->u = pl->u;
			pl->done = true;
			return 1;
		}
		const struct trace_chunk_info *info = trace_chunk_get_info(c);
		size_t kflen;
		if (info->first_event > pl->o->to) {
			trace_chunk_free(c);
			break;
		}
		if ((ci > pl->first || !pl->o->from) &&
		    note_gap(&pl->u, info, ci > pl->first, pl->prev_end, pl->prev_seq))
			pl->loaded = false;
		(void)trace_chunk_keyframe(c, &kflen);
		if (!pl->loaded && !kflen && pl->u.gaps) {
			note_orphan(&pl->u, info);
			pl->prev_end = info->first_event + info->count;
			pl->prev_seq = info->seq;
			trace_chunk_free(c);
			continue;
		}
		/* (loaded with an empty keyframe would be a chunk that
		 * continues the group before it: the walk below took it) */
		j->check_kf = pl->loaded && kflen;
		pl->loaded = true;
		j->ci = ci;
		j->records = info->count;
		struct trace_chunk_info prev = *info;
		if (chunk_list_add(&j->chunks, c)) {
			trace_chunk_free(c);
			j->terminal = true;
			snprintf(j->err, sizeof(j->err), "out of memory");
			j->u = pl->u;
			pl->done = true;
			return 1;
		}
		size_t last = ci;
		while (last + 1 < pl->nchunks) {
			struct trace_chunk *nc = trace_reader_load_chunk(r, last + 1);
			if (!nc)
				break; /* the next plan meets the error */
			if (!continues(nc, &prev) || chunk_list_add(&j->chunks, nc)) {
				pl->pending = nc;
				break;
			}
			prev = *trace_chunk_get_info(nc);
			j->records += prev.count;
			last++;
		}
		pl->prev_end = prev.first_event + prev.count;
		pl->prev_seq = prev.seq;
		j->u = pl->u;
		pl->ci = last + 1;
		return 1;
	}
	pl->done = true;
	return 0;
}

static int replay_parallel(struct trace_reader *r, const struct replay_opts *o,
			   struct replay_result *res, size_t first, uint64_t records_total,
			   const struct ev_mask *masks)
{
	/* more threads than that only hold more chunks in the window */
	unsigned nthreads = o->jobs < PAR_MAX_THREADS ? o->jobs : PAR_MAX_THREADS;
	struct par p = { .cap = PAR_WINDOW(nthreads), .cancel_after = UINT64_MAX, .o = o,
			 .masks = masks };
	struct planner pl = { .r = r, .o = o, .ci = first, .first = first,
			      .nchunks = trace_reader_chunk_count(r) };
	pthread_t *tids = calloc(nthreads, sizeof(*tids));
	struct board *last_end = malloc(sizeof(*last_end));
	struct unverified u = { 0 };
	uint64_t records_done = 0;
	unsigned started = 0;
	int status = REPLAY_IDENTICAL;
	bool stop = false, in_range = false;

	p.ring = calloc(p.cap, sizeof(*p.ring));
	for (size_t i = 0; p.ring && i < p.cap; i++)
		if (!(p.ring[i].end = malloc(sizeof(struct board))))
			status = unusable(res, "%s%s", "out of memory", "");
	if (!tids || !last_end || !p.ring)
		status = unusable(res, "%s%s", "out of memory", "");
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	for (; status == REPLAY_IDENTICAL && started < nthreads; started++)
		if (pthread_create(&tids[started], NULL, par_worker, &p))
			break;
	if (status == REPLAY_IDENTICAL && !started)
		status = unusable(res, "%s%s", "cannot start a replay thread", "");
	stop = status != REPLAY_IDENTICAL;

	pthread_mutex_lock(&p.mu);
	while (!stop) {
		if (p.head < p.tail && p.ring[p.head % p.cap].done) {
			struct pjob *j = &p.ring[p.head % p.cap];
			pthread_mutex_unlock(&p.mu);
			/* join j, as the serial loop would meet it */
			u = j->u;
			stop = true;
			if (j->terminal) {
				status = unusable(res, "%s%s", j->err, "");
			} else if (j->check_kf && !pjob_keyframe_matches(j, last_end, o->variants)) {
				res->div = keyframe_divergence(r, j->ci, j->chunks.v[0], last_end, o->variants);
				status = REPLAY_DIVERGED;
			} else if (j->status == PJ_KF_BAD) {
				char where[64];
				snprintf(where, sizeof(where), "chunk %zu: keyframe: ", j->ci);
				status = unusable(res, "%s%s", where, j->kf_why);
			} else {
				const struct replay_result *jr = &j->res;
				res->events += jr->events;
				res->inputs += jr->inputs;
				res->context += jr->context;
				res->chunks += jr->chunks;
				res->checked += jr->checked;
				res->unchecked += jr->unchecked;
				if (res->first == UINT64_MAX)
					res->first = jr->first;
				if (jr->inputs)
					res->last = jr->last;
				in_range |= j->in_range;
				if (j->status == PJ_UNUSABLE) {
					status = unusable(res, "%s%s", j->err, "");
				} else if (j->status == PJ_DIVERGED) {
					res->div = j->res.div;
					j->res.div = NULL;
					if (res->div)
						fill_context_at(r, res->div->num, res->div);
					status = REPLAY_DIVERGED;
				} else {
					stop = false;
					*last_end = *j->end;
					records_done += j->records;
					if (o->progress)
						o->progress(o->progress_ctx, res->events, records_done,
							    records_total);
				}
			}
			pjob_release(j);
			pthread_mutex_lock(&p.mu);
			if (stop)
				p.cancel_after = j->seq;
			p.head++;
			continue;
		}
		if (pl.done && p.head == p.tail) {
			u = pl.u;
			break;
		}
		if (!pl.done && p.tail - p.head < p.cap) {
			struct pjob *j = &p.ring[p.tail % p.cap];
			uint64_t seq = p.tail;
			pthread_mutex_unlock(&p.mu);
			struct chunk_list chunks = j->chunks;
			struct board *end = j->end;
			memset(j, 0, sizeof(*j));
			j->chunks = (struct chunk_list){ .v = chunks.v, .cap = chunks.cap };
			j->end = end;
			j->seq = seq;
			int got = plan_next(&pl, j);
			pthread_mutex_lock(&p.mu);
			if (got) {
				p.tail++;
				pthread_cond_signal(&p.work);
			}
			continue;
		}
		pthread_cond_wait(&p.done, &p.mu);
	}
	p.quit = true;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.mu);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	for (uint64_t s = p.head; s < p.tail; s++)
		pjob_release(&p.ring[s % p.cap]);
	for (size_t i = 0; p.ring && i < p.cap; i++) {
		free(p.ring[i].chunks.v);
		free(p.ring[i].end);
	}
	if (pl.pending)
		trace_chunk_free(pl.pending);
	free(p.ring);
	free(tids);
	free(last_end);
	pthread_cond_destroy(&p.work);
	pthread_cond_destroy(&p.done);
	pthread_mutex_destroy(&p.mu);
	unverified_format(&u, res);
	if (res->first == UINT64_MAX)
		res->first = 0;
	if (status == REPLAY_IDENTICAL && !in_range && (o->from || o->to != UINT64_MAX)) {
		char range[80];
		snprintf(range, sizeof(range), "events %" PRIu64 "..%" PRIu64, o->from, o->to);
		status = unusable(res, "%s%s", range, " hold no board event to check");
	}
	res->outcome = status;
	return status;
}

int replay_trace(struct trace_reader *r, const struct replay_opts *o, struct replay_result *res)
{
	struct board *b = calloc(1, sizeof(*b));
	size_t nchunks = trace_reader_chunk_count(r), first = 0;
	uint64_t records_done = 0, records_total = 0, prev_end = 0, prev_seq = 0;
	int status = REPLAY_IDENTICAL;
	bool loaded = false;
	struct ev_mask masks[MASK_KINDS];
	struct group_run run = { .o = o, .b = b, .masks = masks };
	struct unverified u = { 0 };

	memset(res, 0, sizeof(*res));
	masks_init(masks);
	res->first = UINT64_MAX;
	run.partial = res->imported = replay_imported(r, &run.check);
	if (!b)
		return unusable(res, "%s%s", "out of memory", "");
	if (nchunks == 0) {
		free(b);
		return unusable(res, "%s%s", "the trace holds no complete chunk", "");
	}
	if (o->from && trace_reader_find_event(r, o->from, &first)) {
		free(b);
		return unusable(res, "%s%s", "--from: no such event in the trace", "");
	}
	first = group_start(r, first);
	if (o->progress)
		records_total = records_in_range(r, first, o->to);
	if (o->jobs > 1 && !run.partial && !(o->variants && o->variants->nfaults)) {
		/* (an imported trace's replay carries the state across its
		 * keyframes, which are not the peer's: serial only; so does a
		 * what-if --fault, whose progress no recorded keyframe holds) */
		free(b);
		return replay_parallel(r, o, res, first, records_total, masks);
	}
	struct group g = { 0 };
	for (size_t ci = first; ci < nchunks && status == REPLAY_IDENTICAL; ci++) {
		struct trace_chunk *c = g.next ? g.next : trace_reader_load_chunk(r, ci);
		char err[300];
		g.next = NULL;
		if (!c) {
			status = unusable(res, "%s%s", trace_reader_error(r), "");
			break;
		}
		const struct trace_chunk_info *info = trace_chunk_get_info(c);
		if (info->first_event > o->to) {
			trace_chunk_free(c);
			break;
		}
		/* after lost chunks, the state is unknown: start again from this
		 * chunk's keyframe (a keyframe comparison would report the gap as
		 * a divergence) */
		if ((ci > first || !o->from) && note_gap(&u, info, ci > first, prev_end, prev_seq))
			loaded = false;
		run.ci = ci;
		run.first_event = info->first_event;
		run.kf = trace_chunk_keyframe(c, &run.kflen);
		prev_end = info->first_event + info->count;
		prev_seq = info->seq;
		if (!loaded && !run.kflen && u.gaps) {
			note_orphan(&u, info);
			trace_chunk_free(c);
			continue;
		}
		if (!loaded) {
			const char *why = load_keyframe(b, run.kf, run.kflen, o->variants);
			if (why) {
				char where[64];
				snprintf(where, sizeof(where), "chunk %zu: keyframe: ", ci);
				status = unusable(res, "%s%s", where, why);
			}
			loaded = true;
		} else if (run.kflen && !run.partial &&
			   !state_matches_keyframe(b, run.kf, run.kflen, o->variants)) {
			/* (an imported trace's keyframes are the importer's
			 * board, not evidence from the peer: not compared) */
			/* the state the recorder saved must be the state we reached */
			res->div = keyframe_divergence(r, ci, c, b, o->variants);
			status = REPLAY_DIVERGED;
		}
		if (status == REPLAY_IDENTICAL && load_group(r, ci, c, &g, &records_done))
			status = unusable(res, "%s%s", "out of memory", "");
		if (status == REPLAY_IDENTICAL) {
			prev_end = g.last.first_event + g.last.count;
			prev_seq = g.last.seq;
			status = replay_group(r, &g, &run, res, err, sizeof(err));
			if (status == REPLAY_UNUSABLE)
				status = unusable(res, "%s%s", err, "");
			ci = g.last_ci;
		}
		group_free_continuations(&g);
		trace_chunk_free(c);
		if (status == REPLAY_IDENTICAL && o->progress)
			o->progress(o->progress_ctx, res->events, records_done, records_total);
	}
	if (g.next)
		trace_chunk_free(g.next);
	group_free(&g);
	unverified_format(&u, res);
	if (res->first == UINT64_MAX)
		res->first = 0;
	free(b);
	if (status == REPLAY_IDENTICAL && !run.in_range && (o->from || o->to != UINT64_MAX)) {
		char range[80];
		snprintf(range, sizeof(range), "events %" PRIu64 "..%" PRIu64, o->from, o->to);
		status = unusable(res, "%s%s", range, " hold no board event to check");
	}
	res->outcome = status;
	return status;
}

static const char *div_kind_text(enum divergence_kind k)
{
	switch (k) {
	case DIV_MISMATCH: return "the board produced a different event";
	case DIV_MISSING: return "the board did not produce a recorded output";
	case DIV_EXTRA: return "the board produced an output the trace does not hold";
	case DIV_KEYFRAME: return "the chip state differs from the recorded keyframe";
	case DIV_BAD_INPUT: return "a recorded input is out of range for this board";
	}
	return "?";
}

static void print_event(FILE *f, const char *label, uint64_t num, const struct irq_event *ev)
{
	char line[256];
	struct trace_record rec = { .num = num, .t = ev->t, .kind = ev->kind, .ev = *ev };
	record_format_text(&rec, line, sizeof(line));
	fprintf(f, "  %-9s %s\n", label, line);
}

void replay_print_divergence(const struct divergence *d, FILE *f)
{
	fprintf(f, "divergence at event %" PRIu64 " (t=%" PRIu64 " ns, chunk %zu): %s\n", d->num, d->t,
		d->chunk, div_kind_text(d->kind));
	if (d->kind != DIV_KEYFRAME && (d->input.kind || d->input_num))
		print_event(f, "input:", d->input_num, &d->input);
	if (d->has_expected)
		print_event(f, "expected:", d->num, &d->expected);
	else if (d->kind != DIV_KEYFRAME)
		fprintf(f, "  %-9s (nothing)\n", "expected:");
	if (d->has_actual)
		print_event(f, "actual:", d->num, &d->actual);
	else if (d->kind != DIV_KEYFRAME)
		fprintf(f, "  %-9s (nothing)\n", "actual:");
	if (d->kind != DIV_KEYFRAME && d->kind != DIV_BAD_INPUT) {
		char rule[512];
		const struct irq_event *out = d->has_actual ? &d->actual : d->has_expected ? &d->expected : NULL;
		bool has_input = d->input.kind || d->input_num;
		if (board_rule(&d->before, has_input ? &d->input : NULL, out, rule, sizeof(rule)))
			fprintf(f, "  %-9s %s\n", "rule:", rule);
	}
	if (d->ncontext) {
		fprintf(f, "recorded events before it:\n");
		for (unsigned i = 0; i < d->ncontext; i++) {
			char line[256];
			report_context_format(&d->context[i], d->context_data[i], line, sizeof(line));
			fprintf(f, "  %s\n", line);
		}
	}
	if (d->kind == DIV_KEYFRAME) {
		fprintf(f, "chip state reached by replay:\n");
		board_print_state(&d->before, f);
		fprintf(f, "chip state in the keyframe:\n");
		board_print_state(&d->keyframe, f);
	} else {
		fprintf(f, "chip state before the input:\n");
		board_print_state(&d->before, f);
	}
}

/* Apply the walk's records up to event n to b. 1: n reached; 0: the trace
 * ended first; -1: error (message in err). */
static int state_walk(struct trace_iter *it, uint64_t n, struct board *b, struct work_limit *lim,
		      char *err, size_t errlen)
{
	struct trace_record rec;
	int rc, work = WORK_OK;
	while ((rc = trace_iter_next(it, &rec)) == 1) {
		if (rec.num > n)
			return 1;
		if (EV_IS_INPUT(rec.kind)) {
			work = board_apply_bounded(b, &rec.ev, lim);
		} else if (rec.num == n && EV_IS_OUTPUT(rec.kind) && rec.t > b->s.now) {
			/* a timed output revealed by the next input: advance to it */
			work = board_advance_bounded(b, rec.t, lim);
		}
		if (work == WORK_OUTPUTS) {
			work_status_message(work, rec.num, rec.t, lim, err, errlen);
			return -1;
		}
		if (rec.num == n)
			return 1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", trace_iter_error(it));
		return -1;
	}
	return 0;
}

/* Load the keyframe of the walk's first chunk (ci) into b: 0, or -1 with
 * the message in err (the chunk's load error, or why the keyframe is not
 * usable). */
static int state_from_keyframe(struct trace_iter *it, size_t ci, struct board *b, char *err,
			       size_t errlen)
{
	const struct trace_chunk *c = trace_iter_chunk(it);
	size_t kflen;
	if (!c) {
		snprintf(err, errlen, "%s", trace_iter_error(it));
		return -1;
	}
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	const char *why = kflen ? board_load(b, kf, kflen) : "chunk has no keyframe";
	if (why) {
		snprintf(err, errlen, "chunk %zu: keyframe: %s", ci, why);
		return -1;
	}
	return 0;
}

int replay_state_at(struct trace_reader *r, uint64_t n, struct board *b, char *err, size_t errlen)
{
	size_t ci;
	if (trace_reader_find_event(r, n, &ci)) {
		snprintf(err, errlen, "event %" PRIu64 " is not in the trace (it holds %" PRIu64 " events)",
			 n, trace_reader_event_count(r));
		return -1;
	}
	/* from the keyframe of the group holding n (its chunk may continue
	 * an earlier one) */
	size_t c0 = group_start(r, ci);
	struct work_limit lim = work_limit_for_trace(r);
	struct trace_iter it;
	int done = -1;
	trace_iter_init(&it, r, c0);
	if (!state_from_keyframe(&it, c0, b, err, errlen)) {
		board_set_sink(b, null_sink, NULL);
		done = state_walk(&it, n, b, &lim, err, errlen);
		board_set_sink(b, NULL, NULL);
	}
	trace_iter_end(&it);
	return done < 0 ? -1 : 0;
}
