/* SPDX-License-Identifier: MIT */
/*
 * The replay engine: feeds a trace's inputs to a board loaded from a chunk's
 * keyframe and compares everything the board emits, in order, with what the
 * trace recorded. The first mismatch is a divergence.
 */
#ifndef IRQRR_REPLAY_H
#define IRQRR_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chips/board.h"
#include "format/eventfmt.h" /* record_format_text and co. */
#include "irqrr/trace.h"
#include "variants.h"

#define REPLAY_CONTEXT 8
/* Bytes of a context record's payload kept for a report (console text,
 * marks); longer payloads are cut. */
#define REPORT_CONTEXT_DATA 160

enum replay_outcome {
	REPLAY_IDENTICAL = 0,
	REPLAY_DIVERGED = 1,
	REPLAY_UNUSABLE = 2,
};

enum divergence_kind {
	DIV_MISMATCH,      /* the board emitted something other than the recorded event */
	DIV_MISSING,       /* the trace holds an output the board did not produce */
	DIV_EXTRA,         /* the board produced an output the trace does not hold */
	DIV_KEYFRAME,      /* the state at a chunk start differs from its keyframe */
	DIV_BAD_INPUT,     /* a recorded input the board rejects (out of range) */
};

struct divergence {
	enum divergence_kind kind;
	uint64_t num;            /* event number where it happened */
	uint64_t t;
	bool has_expected, has_actual;
	struct irq_event expected, actual;
	uint64_t input_num;      /* the input being replayed when it happened */
	struct irq_event input;
	size_t chunk;
	/* The recorded events just before, oldest first. */
	unsigned ncontext;
	struct trace_record context[REPLAY_CONTEXT]; /* data = NULL: see context_data */
	uint8_t context_data[REPLAY_CONTEXT][REPORT_CONTEXT_DATA]; /* len bytes each */
	/* Board state before that input, and (DIV_KEYFRAME) the keyframe's. */
	struct board before;
	struct board keyframe;
};

struct replay_opts {
	uint64_t from, to;  /* event numbers; to = UINT64_MAX: the end */
	const struct variant_set *variants; /* what-if model variants, or NULL */
	/* Worker threads: 0 or 1 replays on the calling thread; more replay
	 * groups of chunks in parallel from their keyframes, with the same
	 * result (an imported trace replays serially; at most 64 threads). */
	unsigned jobs;
	/* After each chunk: the board events checked so far (the summary's
	 * count), and the records (board events and context) of the chunks
	 * done out of those in the chunks to replay, for a percentage. */
	void (*progress)(void *ctx, uint64_t events, uint64_t records_done,
			 uint64_t records_total);
	void *progress_ctx;
};

struct replay_result {
	enum replay_outcome outcome;
	uint64_t events;    /* board events (inputs and outputs) checked */
	uint64_t inputs;    /* inputs re-executed */
	uint64_t context;   /* context records in the chunks replayed (not replayed) */
	uint64_t chunks;
	uint64_t first, last; /* range of event numbers checked */
	/* REPLAY_IDENTICAL with gaps > 0: chunks the reader's recovery skipped
	 * (damage at the start or in the middle; a torn tail is not a gap)
	 * lie in the range, and their events were not verified: replay
	 * restarted at the next keyframe. unverified says which. */
	unsigned gaps;
	char unverified[200];
	/* An imported trace (docs/import.md: header `import.checked`): only
	 * the results and outputs the peer's log shows are compared; checked
	 * counts them, unchecked counts the board's other outputs and the
	 * results the log could not show. */
	bool imported;
	uint64_t checked, unchecked;
	char message[300];  /* REPLAY_UNUSABLE: why */
	struct divergence *div; /* REPLAY_DIVERGED: allocated, free with replay_result_free */
};

/* An imported trace (docs/import.md): what its log lets replay check, from
 * the header's `import.checked` (REPLAY_CHECK_* bits); false for any other
 * trace. */
#define REPLAY_CHECK_PIO_READ 0x01
#define REPLAY_CHECK_MMIO_READ 0x02
#define REPLAY_CHECK_INTACK 0x04
#define REPLAY_CHECK_APIC 0x08
bool replay_imported(struct trace_reader *r, unsigned *check);
/* In an imported trace: the board's output ev is not compared (its log
 * cannot show it). */
bool replay_imported_unchecked_output(unsigned check, const struct irq_event *ev);
/* In an imported trace: the board's event ev matches the recorded one (a
 * result the log cannot show and an unknown APIC pin match anything). */
bool replay_imported_equal(unsigned check, const struct irq_event *ev, const struct irq_event *want);

void replay_opts_default(struct replay_opts *o);
int replay_trace(struct trace_reader *r, const struct replay_opts *o, struct replay_result *res);
void replay_result_free(struct replay_result *res);
void replay_print_divergence(const struct divergence *d, FILE *f);

/* Load the board state after event n (seeks by the index and a keyframe).
 * Returns 0, or -1 with a message in err. */
int replay_state_at(struct trace_reader *r, uint64_t n, struct board *b, char *err, size_t errlen);

/* A report's saved record: rec with its payload in slot (REPORT_CONTEXT_DATA
 * bytes, of which rec->len are used). The chunk the record came from is
 * freed before reports are printed, so the payload is copied. */
void report_context_save(struct trace_record *dst, uint8_t *slot, const struct trace_record *rec);
size_t report_context_format(const struct trace_record *rec, const uint8_t *slot, char *buf,
			     size_t len);

#endif
