/* SPDX-License-Identifier: MIT */
/*
 * Timeline views of a trace: Chrome/Perfetto trace-event JSON and Perfetto
 * protobuf TrackEvent (`irqrr export --perfetto`), and a self-contained SVG plot (`irqrr plot`).
 * Both stream the trace chunk by chunk: memory does not grow with its
 * length. Layout and rules: docs/timeline.md.
 */
#ifndef IRQRR_EXPORT_H
#define IRQRR_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chips/board.h"
#include "irqrr/trace.h"

/* Levels at the start of the window: the first chunk's keyframe, updated
 * by the records skipped before --from. */
struct window_levels {
	uint32_t lines;   /* device-driven GSI levels, bit n */
	uint8_t irq0;     /* PIT OUT0 */
	uint8_t pic_int;  /* master INT */
	uint64_t deadline; /* UINT64_MAX: none */
};

struct window_opts {
	uint64_t from, to; /* event numbers, inclusive; to = UINT64_MAX: the end */
};

struct window_result {
	uint64_t events;         /* records visited in the window */
	uint64_t first, last;    /* their event numbers (valid when events > 0) */
	uint64_t t_first, t_last;
	bool partial;            /* a chunk could not be read: only part was seen */
	char message[300];       /* partial / failure: why (one line) */
};

/* Called once before the first record (with the levels at the window
 * start) and once per record in the window. A nonzero return stops. */
struct window_visitor {
	void (*start)(void *ctx, const struct window_levels *lv, uint64_t t);
	int (*record)(void *ctx, const struct trace_record *rec);
	void *ctx;
};

/* Walk the records numbered from..to. Returns 0 (possibly partial, see
 * res->partial), or -1 when nothing could be read (message in res). */
int window_walk(struct trace_reader *r, const struct window_opts *o,
		const struct window_visitor *v, struct window_result *res);

struct export_opts {
	uint64_t from, to;
	bool io;            /* port/MMIO accesses on a "chip I/O" track */
	const char *source; /* file name, shown in the metadata */
};

/* Write the window as trace-event JSON (object format) to out. Returns 0
 * or -1 (message in res). Write errors are the caller's (ferror). */
int export_perfetto(struct trace_reader *r, const struct export_opts *o, FILE *out,
		    struct window_result *res);

/* Write the window as Perfetto protobuf TrackEvent packets (a Trace) to
 * out, streaming. Returns 0 or -1 (message in res); *packets (may be NULL):
 * the packets written. Write errors stop the walk; the caller sees them
 * with ferror. */
int export_pftrace(struct trace_reader *r, const struct export_opts *o, FILE *out,
		   struct window_result *res, uint64_t *packets);

/* Shared by the two exports (export.c). */
void export_levels_update(struct window_levels *lv, const struct trace_record *rec);
/* Which vCPUs a message reaches (bit n: vCPU n; n < 64), see timeline.md. */
uint64_t export_msg_targets(const struct apic_msg *m, unsigned ncpus);
/* An LVT value's mode ("fixed", "nmi", "extint", "masked", ...). */
const char *export_lvt_mode_name(uint32_t v);
/* An MMIO access record's name ("mmiow 0xADDR 0xV", "mmior64 0xADDR = 0xV"). */
void export_mmio_name(const struct trace_record *rec, char *name, size_t size);

struct plot_opts {
	uint64_t from, to;
	unsigned width;     /* plot area width in pixels (100..20000) */
	const char *source; /* file name, shown in the title */
};

#define PLOT_WIDTH_MIN 100
#define PLOT_WIDTH_MAX 20000

/* Draw the window as SVG to out. Reads the trace twice (time range and
 * rows, then the drawing). Returns 0 or -1 (message in res). */
int plot_svg(struct trace_reader *r, const struct plot_opts *o, FILE *out,
	     struct window_result *res);

#endif
