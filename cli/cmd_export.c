/* SPDX-License-Identifier: MIT */
/* irqrr export (Perfetto/Chrome trace-event JSON) and irqrr plot (SVG). */
#include <errno.h>
#include <getopt.h>
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
	bool io;
};

/* -1: go on; else the exit status. */
static int parse_args(int argc, char **argv, const char *usage, bool plot, struct common_args *a)
{
	static const struct option opts[] = {
		{ "perfetto", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "io", no_argument, NULL, 'i' },
		{ "width", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	memset(a, 0, sizeof(*a));
	a->to = UINT64_MAX;
	a->width = 1200;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (plot)
				goto unknown;
			a->out = optarg;
			a->format = a->format ? a->format : "perfetto";
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'F':
			a->format = optarg;
			break;
		case 'f':
			if (cli_parse_u64(cmd, "--from", optarg, &a->from))
				return 2;
			break;
		case 't':
			if (cli_parse_u64(cmd, "--to", optarg, &a->to))
				return 2;
			break;
		case 'i':
			if (plot)
				goto unknown;
			a->io = true;
			break;
		case 'w':
			if (!plot)
				goto unknown;
			if (cli_parse_u64(cmd, "--width", optarg, &a->width))
				return 2;
			if (a->width < PLOT_WIDTH_MIN || a->width > PLOT_WIDTH_MAX) {
				fprintf(stderr, "irqrr %s: --width takes %u..%u pixels\n", cmd,
					PLOT_WIDTH_MIN, PLOT_WIDTH_MAX);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "irqrr %s: option %s needs a value\n", cmd, argv[optind - 1]);
			return 2;
		default:
		unknown:
			fprintf(stderr, "irqrr %s: unknown option '%s' (see irqrr %s --help)\n", cmd,
				argv[optind - 1], cmd);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "irqrr %s: expected one trace file (see irqrr %s --help)\n", cmd, cmd);
		return 2;
	}
	a->trace = argv[optind];
	if (a->from > a->to) {
		fprintf(stderr, "irqrr %s: --from is after --to\n", cmd);
		return 2;
	}
	return -1;
}

int cmd_export(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr export FILE --perfetto OUT.json [--from N] [--to N] [--io]\n"
		"Write events N..M of a trace as Chrome/Perfetto trace-event JSON: open OUT\n"
		"in https://ui.perfetto.dev or chrome://tracing. Tracks: a counter per GSI\n"
		"line, irq0 and pic.int and the PIT deadline; one track per vCPU (INTACK,\n"
		"LINT0, EOI, LVT, console); IOAPIC pins with flows to the receiving vCPUs.\n"
		"  --perfetto OUT   output file ('-': standard output); also -o OUT\n"
		"  --format F       perfetto (the only format; the default)\n"
		"  --from N --to N  event numbers (inclusive), as in irqrr dump\n"
		"  --io             also port and MMIO accesses, on a \"chip I/O\" track\n"
		"Exit status: 0 done, 2 unusable input or output, or only part of the\n"
		"trace could be read (the readable part is written). docs/timeline.md.\n";
	struct common_args a;
	int rc = parse_args(argc, argv, usage, false, &a);
	if (rc >= 0)
		return rc;
	if (a.format && strcmp(a.format, "perfetto") && strcmp(a.format, "json")) {
		fprintf(stderr, "irqrr export: unknown --format '%s' (supported: perfetto)\n", a.format);
		return 2;
	}
	if (!a.out) {
		fprintf(stderr, "irqrr export: no output: give --perfetto OUT.json\n");
		return 2;
	}
	struct trace_reader *r = cli_open_trace(a.trace, " (exporting the readable part)");
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
	rc = export_perfetto(r, &o, out.f, &res);
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
	static const char usage[] =
		"usage: irqrr plot FILE -o OUT.svg [--from N] [--to N] [--width PX]\n"
		"Draw events N..M of a trace as a self-contained SVG: a waveform row per\n"
		"line that changed (GSIs, irq0, pic.int), a marker row per vCPU (INTACK\n"
		"vectors, NMIs, APIC messages), a time axis and a legend.\n"
		"  -o OUT           output file ('-': standard output)\n"
		"  --format F       svg (default), or png when " CONVERT " exists\n"
		"  --from N --to N  event numbers (inclusive)\n"
		"  --width PX       plot area width, 100..20000 (default 1200); a pixel\n"
		"                   holding 2+ transitions is drawn as a band\n"
		"Exit status: 0 done, 2 unusable input or output. docs/timeline.md.\n";
	struct common_args a;
	int rc = parse_args(argc, argv, usage, true, &a);
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
	struct trace_reader *r = cli_open_trace(a.trace, " (exporting the readable part)");
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
