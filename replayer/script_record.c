/* SPDX-License-Identifier: MIT */
/* A chip script's run written as a trace (`irqrr chips --record`) through
 * the board-to-trace adapter the recorder uses (format/board_trace.h): every
 * board event appended, a keyframe before the first input of each chunk. */
#include <stdlib.h>

#include "format/board_trace.h"
#include "irqrr/trace.h"
#include "script.h"

#ifndef IRQRR_VERSION
#define IRQRR_VERSION "dev"
#endif

struct recording {
	const char *path;
	const char *script;
	const struct trace_writer_opts *opts;
	FILE *err;
	struct trace_writer *w;
	struct board_trace bt;
	int failed;
};

static void record_sink(void *ctx, const struct irq_event *ev)
{
	struct recording *rec = ctx;
	if (rec->w && !rec->failed && board_trace_event(&rec->bt, ev) < 0)
		rec->failed = 1;
}

static int record_open(void *ctx, struct board *b)
{
	struct recording *rec = ctx;
	char cpus[8], ver[8], imr[8], err[300];
	snprintf(cpus, sizeof(cpus), "%u", b->cfg.ncpus);
	snprintf(ver, sizeof(ver), "0x%02x", b->cfg.ioapic_version);
	snprintf(imr, sizeof(imr), "0x%02x", b->cfg.pic_imr_reset);
	const struct trace_kv kv[] = {
		{ "source", "chips" },
		{ "script", rec->script },
		{ "cpus", cpus },
		{ "irqchip", "board" },
		{ "ioapic.version", ver },
		{ "pic.imr_reset", imr },
		{ "lint0", b->cfg.lint0_bsp_only ? "bsp" : "broadcast" },
		{ "hpet", !b->cfg.hpet ? "off" : b->cfg.hpet_clock == HPET_CLOCK_14MHZ ? "14.318mhz" : "100mhz" },
		{ "tool.version", "irqrr " IRQRR_VERSION },
	};
	/* and the board line's model variants (model.KEY, as a recording made
	 * with --model names them) and the script's faults: fault, fault.2, ... */
	struct trace_kv all[sizeof(kv) / sizeof(kv[0]) + BOARD_TRACE_HEADER_EXTRA];
	char keys[BOARD_TRACE_HEADER_ROWS][BOARD_TRACE_KEY_MAX];
	size_t n = board_trace_header(kv, sizeof(kv) / sizeof(kv[0]), b, all, keys);
	rec->w = trace_writer_open(rec->path, all, n, rec->opts, err, sizeof(err));
	if (!rec->w || board_trace_init(&rec->bt, rec->w, b) < 0) {
		fprintf(rec->err, "irqrr: %s\n", rec->w ? "out of memory" : err);
		return -1;
	}
	return 0;
}

static void record_keyframe(void *ctx, struct board *b)
{
	struct recording *rec = ctx;
	if (!rec->w || rec->failed)
		return;
	if (board_trace_keyframe(&rec->bt, b) < 0)
		rec->failed = 1;
}

int script_run_record(FILE *in, const char *name, const struct board_config *cfg, FILE *out,
		      FILE *errf, const char *path, const struct trace_writer_opts *opts)
{
	struct recording rec = { .path = path, .script = name, .opts = opts, .err = errf };
	struct script_hooks hooks = {
		.extra_sink = record_sink,
		.on_config = record_open,
		.before_input = record_keyframe,
		.ctx = &rec,
	};
	int status = script_run(in, name, cfg, out, errf, &hooks);
	if (rec.w) {
		char err[300];
		int rc = trace_writer_close(rec.w, err, sizeof(err));
		if (rec.failed || rc < 0) {
			fprintf(errf, "irqrr: %s: %s\n", path, rc < 0 ? err : "trace write failed");
			status = 2;
		}
	}
	board_trace_free(&rec.bt);
	return status;
}
