/* SPDX-License-Identifier: MIT */
/*
 * The board-to-trace adapter: a board's event stream into a trace writer,
 * with a keyframe (board_save) at the start of every chunk so that each
 * chunk replays on its own. Shared by the recorder (recorder/recording.c)
 * and `irqrr chips --record` (replayer/script_record.c); the caller opens
 * the writer (file or ring) with its own header and closes it.
 */
#ifndef IRQRR_BOARD_TRACE_H
#define IRQRR_BOARD_TRACE_H

#include <stddef.h>

#include "chips/board.h"
#include "chips/variants.h" /* BOARD_VARIANTS */
#include "irqrr/trace.h"

struct board_trace {
	struct trace_writer *w;
	uint8_t *keyframe;     /* board_state_size() bytes */
	size_t keyframe_size;
};

/* 0, or -1 when the keyframe buffer cannot be allocated. */
int board_trace_init(struct board_trace *t, struct trace_writer *w, const struct board *b);
void board_trace_free(struct board_trace *t);

/* Begin a new chunk with the board's keyframe, or as a continuation (empty
 * keyframe) when the writer's keyframe policy says none is due (a trace
 * status). */
int board_trace_seal(struct board_trace *t, const struct board *b);
/* Before a board input: a new chunk when the writer wants one (no chunk
 * open, or the open one full); 0 when it does not. */
int board_trace_keyframe(struct board_trace *t, const struct board *b);
/* One board event (the board's sink). */
int board_trace_event(struct board_trace *t, const struct irq_event *ev);

/* Header entries: kv (n of them) copied to all, then "model.KEY" = VALUE
 * for each model variant the board runs with (chips/variants.h; defaults
 * are not listed), then "fault" (and "fault.2".."fault.4") = the canonical
 * SPEC of each injected fault (chips/fault.h), the keys and fault specs
 * written to keys. Returns the count; all has room for n +
 * BOARD_TRACE_HEADER_EXTRA, keys BOARD_TRACE_HEADER_ROWS rows. */
#define BOARD_TRACE_KEY_MAX 48
#define BOARD_TRACE_HEADER_EXTRA (BOARD_VARIANTS + BOARD_FAULTS_MAX)
#define BOARD_TRACE_HEADER_ROWS (BOARD_VARIANTS + 2 * BOARD_FAULTS_MAX)
size_t board_trace_header(const struct trace_kv *kv, size_t n, const struct board *b, struct trace_kv *all,
			  char keys[][BOARD_TRACE_KEY_MAX]);
/* Only the fault entries, appended to all[0..n) (chips --record, whose
 * header names its configuration itself). */
size_t board_trace_fault_header(size_t n, const struct board *b, struct trace_kv *all,
				char keys[][BOARD_TRACE_KEY_MAX]);

#endif
