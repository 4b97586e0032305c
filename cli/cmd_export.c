/* SPDX-License-Identifier: MIT */
/* irqrr export (Perfetto protobuf or Chrome trace-event JSON) and irqrr plot (SVG). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cliutil.h"
#include "commands.h"
#include "replayer/export.h"

#define CONVERT "/usr/bin/convert"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* After a complete write: whether the window was read in full (0), in part
 * (2; the output keeps that part) or not at all (2; the output is dropped). */
static int window_status(const char *trace, const char *out, const struct window_result *res,
			 bool *keep)
{
	*keep = true;
	if (!res->partial)
		return 0;
	if (!res->events) {
		fprintf(stderr, "irqrr: %s: %s\n", trace, res->message);
		*keep = false;
	} else {
		fprintf(stderr, "irqrr: %s: %s (%s holds them)\n", trace, res->message, out);
	}
	return 2;
}

struct common_args {
	const char *trace, *out, *format;
	uint64_t from, to, width;
	uint64_t from_t, to_t; /* --from-time, --to-time */
	bool io;
};

/* The trace, narrowed to the time window; NULL after a message (an empty
 * trace is refused, as by every command that needs events). */
static struct trace_reader *open_input(struct common_args *a)
{
	struct trace_reader *r = cli_open_trace(a->trace, " (exporting the readable part)");
	if (r && (cli_require_events(r, a->trace) ||
		  ((a->from_t || a->to_t != UINT64_MAX) &&
		   cli_time_window(r, a->trace, a->from_t, a->to_t, &a->from, &a->to)))) {
		trace_reader_close(r);
		return NULL;
	}
	if (r && a->from > a->to) {
		fprintf(stderr, "irqrr: %s: no events in the time window\n", a->trace);
		trace_reader_close(r);
		return NULL;
	}
	return r;
}

enum { OPT_PERFETTO = 0x100, OPT_FORMAT, OPT_FROM, OPT_TO, OPT_FROM_TIME, OPT_TO_TIME, OPT_IO,
       OPT_WIDTH };

#define O_WINDOW                                                                              \
	{ "from", OPT_FROM, "N", "first event number (default 0), as in irqrr dump" },         \
	{ "to", OPT_TO, "N", "last event number, inclusive (default: the last)" },             \
	{ "from-time", OPT_FROM_TIME, "T", "first virtual time: 1.5s, 250ms, 20us, 1500ns" }, \
	{ "to-time", OPT_TO_TIME, "T", "last virtual time (inclusive)" }

static const struct cli_opt export_opts[] = {
	{ "perfetto", OPT_PERFETTO, "OUT", "output file ('-': standard output)" },
	{ "output", 'o', "OUT", "the same as --perfetto" },
	{ "format", OPT_FORMAT, "F", "pftrace (protobuf; the default for OUT ending in\n"
				     ".pftrace or .perfetto-trace) or json (the default\n"
				     "otherwise; \"perfetto\" is the same)" },
	O_WINDOW,
	{ "io", OPT_IO, NULL, "also port and MMIO accesses, on a \"chip I/O\" track" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd export_cmd = {
	"export", "[FILE] --perfetto OUT.pftrace|OUT.json [OPTIONS]",
	"Write events N..M of a trace for https://ui.perfetto.dev: as Perfetto's\n"
	"protobuf TrackEvent format (OUT.pftrace: 5x smaller than the JSON, 14\n"
	"bytes an event on a timer-heavy trace) or as Chrome trace-event JSON\n"
	"(OUT.json; also for chrome://tracing). Tracks: a counter per GSI line,\n"
	"wire (irq0, pic.int, hpet.tN) and the next deadline; one track per vCPU\n"
	"(INTACK, LINT0, EOI, LVT, console); APIC messages (IOAPIC pins, HPET FSB)\n"
	"per vector (protobuf) or per pin (JSON), with flows to each receiving\n"
	"vCPU (protobuf: also from the line's rise). Check a .pftrace with\n"
	"protoc --decode_raw.\n",
	export_opts,
	"docs/timeline.md.\n",
	"0 done, 2 unusable input or output, or only part of the\n"
	"trace could be read (the readable part is written).",
};

static const struct cli_opt plot_opts[] = {
	{ "output", 'o', "OUT", "output file ('-': standard output)" },
	{ "format", OPT_FORMAT, "F", "svg (default), or png when " CONVERT " exists" },
	O_WINDOW,
	{ "width", OPT_WIDTH, "PX", "plot area width, 100..20000 (default 1200); a pixel\n"
				    "holding 2+ transitions is drawn as a band" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd plot_cmd = {
	"plot", "[FILE] -o OUT.svg [OPTIONS]",
	"Draw events N..M of a trace as a self-contained SVG: a waveform row per\n"
	"line that changed (GSIs, irq0, pic.int), a marker row per vCPU (INTACK\n"
	"vectors, NMIs, APIC messages), a time axis and a legend.\n",
	plot_opts,
	"docs/timeline.md.\n",
	"0 done, 2 unusable input or output.",
};

/* One option into a; 0, or 2 after a message. */
static int take_option(struct common_args *a, const char *cmd, int key, const char *v)
{
	switch (key) {
	case OPT_PERFETTO:
		a->out = v;
		a->format = a->format ? a->format : "perfetto";
		return 0;
	case 'o': a->out = v; return 0;
	case OPT_FORMAT: a->format = v; return 0;
	case OPT_FROM: return cli_parse_u64(cmd, "--from", v, &a->from) ? 2 : 0;
	case OPT_TO: return cli_parse_u64(cmd, "--to", v, &a->to) ? 2 : 0;
	case OPT_FROM_TIME: return cli_parse_time(cmd, "--from-time", v, &a->from_t) ? 2 : 0;
	case OPT_TO_TIME: return cli_parse_time(cmd, "--to-time", v, &a->to_t) ? 2 : 0;
	case OPT_IO: a->io = true; return 0;
	case OPT_WIDTH:
		if (cli_parse_u64(cmd, "--width", v, &a->width))
			return 2;
		if (a->width >= PLOT_WIDTH_MIN && a->width <= PLOT_WIDTH_MAX)
			return 0;
		fprintf(stderr, "irqrr %s: --width takes %u..%u pixels\n", cmd, PLOT_WIDTH_MIN,
			PLOT_WIDTH_MAX);
		return 2;
	default:
		return 2;
	}
}

/* -1: go on; else the exit status. */
static int parse_args(const struct cli_cmd *cmd, int argc, char **argv, struct common_args *a)
{
	struct cli_parser p;
	int c, status;
	memset(a, 0, sizeof(*a));
	a->to = a->to_t = UINT64_MAX;
	a->width = 1200;
	cli_parser_init(&p, cmd, argc, argv);
	while ((c = cli_parser_next(&p, &status)) != -1)
		if (take_option(a, cmd->name, c, optarg))
			return 2;
	if (status >= 0)
		return status;
	if (!(a->trace = cli_trace_operand(cmd, argc, argv)))
		return 2;
	if (a->from > a->to || a->from_t > a->to_t) {
		fprintf(stderr, "irqrr %s: --from is after --to\n", cmd->name);
		return 2;
	}
	return -1;
}

/* protobuf or JSON: --format, else the output's name (a JSON default keeps
 * what "--perfetto OUT" wrote before the protobuf export existed). */
static int export_format(const struct common_args *a, bool *proto)
{
	if (!a->format || !strcmp(a->format, "perfetto")) {
		*proto = ends_with(a->out, ".pftrace") || ends_with(a->out, ".perfetto-trace");
		return 0;
	}
	if (!strcmp(a->format, "json")) {
		*proto = false;
		return 0;
	}
	if (!strcmp(a->format, "pftrace") || !strcmp(a->format, "protobuf") ||
	    !strcmp(a->format, "proto")) {
		*proto = true;
		return 0;
	}
	fprintf(stderr, "irqrr export: unknown --format '%s' (supported: pftrace, json)\n",
		a->format);
	return 2;
}

int cmd_export(int argc, char **argv)
{
	struct common_args a;
	int rc = parse_args(&export_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (!a.out) {
		fprintf(stderr, "irqrr export: no output: give --perfetto OUT.pftrace (or OUT.json)\n");
		return 2;
	}
	bool proto;
	if (export_format(&a, &proto))
		return 2;
	struct trace_reader *r = open_input(&a);
	if (!r)
		return 2;
	const char *inputs[] = { a.trace, NULL };
	struct cli_output out;
	if (cli_output_open(&out, "export", a.out, inputs)) {
		trace_reader_close(r);
		return 2;
	}
	static char buf[1 << 16];
	setvbuf(out.f, buf, _IOFBF, sizeof(buf));
	struct export_opts o = { a.from, a.to, a.io, a.trace };
	struct window_result res;
	rc = proto ? export_pftrace(r, &o, out.f, &res, NULL) : export_perfetto(r, &o, out.f, &res);
	trace_reader_close(r);
	if (rc) {
		fprintf(stderr, "irqrr: %s: %s\n", a.trace, res.message);
		cli_output_close(&out, "export", false);
		return 2;
	}
	bool keep;
	int status = window_status(a.trace, a.out, &res, &keep);
	return cli_output_close(&out, "export", keep) ? 2 : status;
}

/* Render an SVG file to PNG with ImageMagick, when it is installed. */
static int svg_to_png(const char *svg, const char *png)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *const args[] = { (char *)CONVERT, (char *)svg, (char *)png, NULL };
		execv(CONVERT, args);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int cmd_plot(int argc, char **argv)
{
	struct common_args a;
	int rc = parse_args(&plot_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (!a.out) {
		fprintf(stderr, "irqrr plot: no output: give -o OUT.svg\n");
		return 2;
	}
	bool png;
	if (a.format)
		png = !strcmp(a.format, "png");
	else
		png = ends_with(a.out, ".png");
	if (a.format && !png && strcmp(a.format, "svg")) {
		fprintf(stderr, "irqrr plot: unknown --format '%s' (supported: svg, png)\n", a.format);
		return 2;
	}
	if (png && access(CONVERT, X_OK)) {
		fprintf(stderr, "irqrr plot: only SVG output is supported here (PNG needs %s,"
				" which is not installed): use -o FILE.svg\n", CONVERT);
		return 2;
	}
	if (png && !strcmp(a.out, "-")) {
		fprintf(stderr, "irqrr plot: PNG needs a file name, not '-'\n");
		return 2;
	}
	if (png && cli_same_file(a.out, a.trace)) {
		fprintf(stderr, "irqrr plot: %s: is the input %s; give another output file\n", a.out,
			a.trace);
		return 2;
	}
	struct trace_reader *r = open_input(&a);
	if (!r)
		return 2;
	/* PNG: the SVG goes to a temporary file of our own, which convert reads */
	const char *inputs[] = { a.trace, NULL };
	struct cli_output out;
	if (png && cli_temp_output(&out, "plot", ".svg")) {
		trace_reader_close(r);
		return 2;
	}
	if (!png && cli_output_open(&out, "plot", a.out, inputs)) {
		trace_reader_close(r);
		return 2;
	}
	struct plot_opts o = { a.from, a.to, (unsigned)a.width, a.trace };
	struct window_result res;
	rc = plot_svg(r, &o, out.f, &res);
	trace_reader_close(r);
	if (rc) {
		fprintf(stderr, "irqrr: %s: %s\n", a.trace, res.message);
		cli_output_close(&out, "plot", false);
		return 2;
	}
	bool keep;
	int status = window_status(a.trace, a.out, &res, &keep);
	if (cli_output_close(&out, "plot", keep || png))
		return 2;
	if (png) {
		int bad = keep ? svg_to_png(out.tmp, a.out) : 0;
		unlink(out.tmp);
		if (bad) {
			fprintf(stderr, "irqrr plot: %s failed to make %s from the SVG\n", CONVERT, a.out);
			return 2;
		}
		if (keep)
			fprintf(stderr, "irqrr plot: %s made by %s from the SVG\n", a.out, CONVERT);
	}
	return status;
}
