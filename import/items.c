/* SPDX-License-Identifier: MIT */
/* The log's items as the parsers add them (import_internal.h): accesses,
 * outputs and notes, the event names seen, the threads met. The parsers
 * and the front (import.c) both use it; it calls neither. */
#include "import_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int import_add_origin(struct import_log *l, enum item_what what, const struct irq_event *ev,
		      enum item_origin origin)
{
	if (l->n == l->cap) {
		if (l->cap >= IMPORT_MAX_ITEMS)
			return -3;
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct import_item *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			return -3;
		l->items = p;
		l->cap = cap;
	}
	struct import_item *it = &l->items[l->n++];
	memset(it, 0, sizeof(*it));
	it->t = l->has_t ? l->t_now : 0;
	it->line = l->lineno;
	it->what = (uint8_t)what;
	it->origin = (uint8_t)origin;
	it->before_reset = !l->reset_seen;
	if (ev)
		it->ev = *ev;
	return 0;
}

int import_add(struct import_log *l, enum item_what what, const struct irq_event *ev)
{
	return import_add_origin(l, what, ev, ORIGIN_ACCESS);
}

int import_note(struct import_log *l, const char *fmt, ...)
{
	if (import_add(l, ITEM_NOTE, NULL))
		return -3;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->items[l->n - 1].note, IMPORT_NOTE_LEN, fmt, ap);
	va_end(ap);
	return 0;
}

void import_event_used(struct import_log *l, const char *name)
{
	for (unsigned i = 0; i < l->nnames; i++)
		if (!strcmp(l->names[i], name))
			return;
	if (l->nnames < IMPORT_NAMES)
		l->names[l->nnames++] = name;
}

struct import_thread *import_thread(struct import_log *l, uint64_t id)
{
	for (unsigned i = 0; i < l->nthreads; i++)
		if (l->threads[i].id == id)
			return &l->threads[i];
	/* past the table's size, the last slot is shared (a log of more
	 * threads than that is not one VM's) */
	struct import_thread *th = &l->threads[l->nthreads < IMPORT_THREADS ? l->nthreads++
									   : IMPORT_THREADS - 1];
	memset(th, 0, sizeof(*th));
	th->id = id;
	th->cpu = -1;
	return th;
}
