/* SPDX-License-Identifier: MIT */
/* The board-to-trace adapter (board_trace.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_trace.h"
#include "chips/variants.h"

int board_trace_init(struct board_trace *t, struct trace_writer *w, const struct board *b)
{
	t->w = w;
	t->keyframe_size = board_state_size(b);
	t->keyframe = malloc(t->keyframe_size);
	return t->keyframe ? 0 : -1;
}

void board_trace_free(struct board_trace *t)
{
	free(t->keyframe);
	t->keyframe = NULL;
}

int board_trace_seal(struct board_trace *t, const struct board *b)
{
	if (!trace_writer_keyframe_due(t->w))
		return trace_writer_begin_chunk(t->w, NULL, 0); /* a continuation */
	size_t n = board_save(b, t->keyframe, t->keyframe_size);
	return trace_writer_begin_chunk(t->w, t->keyframe, n);
}

int board_trace_keyframe(struct board_trace *t, const struct board *b)
{
	if (!trace_writer_wants_keyframe(t->w))
		return 0;
	return board_trace_seal(t, b);
}

int board_trace_event(struct board_trace *t, const struct irq_event *ev)
{
	return trace_writer_append(t->w, ev);
}

size_t board_trace_header(const struct trace_kv *kv, size_t n, const struct board *b, struct trace_kv *all,
			  char keys[][BOARD_TRACE_KEY_MAX])
{
	memcpy(all, kv, n * sizeof(*kv));
	for (unsigned v = 0; v < BOARD_VARIANTS; v++) {
		unsigned value = board_get_variant(b, (enum board_variant)v);
		if (!value)
			continue;
		snprintf(keys[v], BOARD_TRACE_KEY_MAX, "model.%s", board_variant_key((enum board_variant)v));
		all[n].key = keys[v];
		all[n].value = board_variant_value_name((enum board_variant)v, value);
		n++;
	}
	return board_trace_fault_header(n, b, all, keys);
}

size_t board_trace_fault_header(size_t n, const struct board *b, struct trace_kv *all,
				char keys[][BOARD_TRACE_KEY_MAX])
{
	for (unsigned i = 0; i < board_fault_count(b); i++) {
		char *key = keys[BOARD_VARIANTS + 2 * i], *spec = keys[BOARD_VARIANTS + 2 * i + 1];
		if (i)
			snprintf(key, BOARD_TRACE_KEY_MAX, "fault.%u", i + 1);
		else
			snprintf(key, BOARD_TRACE_KEY_MAX, "fault");
		board_fault_format(board_fault_at(b, i), spec, BOARD_TRACE_KEY_MAX);
		all[n].key = key;
		all[n].value = spec;
		n++;
	}
	return n;
}
