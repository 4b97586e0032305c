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

static FILE *open_output(const char *cmd, const char *path)
{
	if (!strcmp(path, "-"))
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "irqrr %s: cannot write %s: %s\n", cmd, path, strerror(errno));
	return f;
}

/* Close out; on a write error remove a half-written file. 0 or 2. */
static int close_output(const char *cmd, const char *path, FILE *f, bool discard)
{
	int err = 0;
	if (fflush(f) || ferror(f))
		err = errno ? errno : EIO;
	if (f != stdout && fclose(f) && !err)
		err = errno ? errno : EIO;
	if (err)
		fprintf(stderr, "irqrr %s: write error on %s: %s\n", cmd, path, strerror(err));
	if ((err || discard) && strcmp(path, "-"))
		unlink(path);
	return err ? 2 : 0;
}

/* After a complete write: 0 if the whole window was read; 2 if only part
 * of it was (the output keeps that part) or none (the output is removed). */
static int report(const char *trace, const char *out, const struct window_result *res)
{
	if (!res->partial)
		return 0;
	if (!res->events) {
		fprintf(stderr, "irqrr: %s: %s\n", trace, res->message);
		if (strcmp(out, "-"))
			unlink(out);
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

/* -1: go on; else the exit status. */
static int parse_args(int argc, char **argv, const char *usage, bool plot, struct common_args *a)
{
	static const struct option opts[] = {
		{ "perfetto", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "from-time", required_argument, NULL, 'T' },
		{ "to-time", required_argument, NULL, 'U' },
		{ "io", no_argument, NULL, 'i' },
		{ "width", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	memset(a, 0, sizeof(*a));
	a->to = a->to_t = UINT64_MAX;
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
		case 'T':
			if (cli_parse_time(cmd, "--from-time", optarg, &a->from_t))
				return 2;
			break;
		case 'U':
			if (cli_parse_time(cmd, "--to-time", optarg, &a->to_t))
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
	if (optind < argc - 1) {
		fprintf(stderr, "irqrr %s: expected one trace file (see irqrr %s --help)\n", cmd, cmd);
		return 2;
	}
	a->trace = optind < argc ? argv[optind] : CLI_DEFAULT_TRACE;
	if (a->from > a->to || a->from_t > a->to_t) {
		fprintf(stderr, "irqrr %s: --from is after --to\n", cmd);
		return 2;
	}
	return -1;
}

int cmd_export(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr export [FILE] --perfetto OUT.json [--from N] [--to N] [--io]\n"
		"Write events N..M of a trace as Chrome/Perfetto trace-event JSON: open OUT\n"
		"in https://ui.perfetto.dev or chrome://tracing. Tracks: a counter per GSI\n"
		"line, irq0 and pic.int and the PIT deadline; one track per vCPU (INTACK,\n"
		"LINT0, EOI, LVT, console); IOAPIC pins with flows to the receiving vCPUs.\n"
		"  --perfetto OUT   output file ('-': standard output); also -o OUT\n"
		"  --format F       perfetto (the only format; the default)\n"
		"  --from N --to N  event numbers (inclusive), as in irqrr dump\n"
		"  --from-time T --to-time T  virtual times (inclusive): 1.5s, 250ms, 20us\n"
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
	struct trace_reader *r = open_input(&a);
	if (!r)
		return 2;
	FILE *f = open_output("export", a.out);
	if (!f) {
		trace_reader_close(r);
		return 2;
	}
	static char buf[1 << 16];
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	struct export_opts o = { a.from, a.to, a.io, a.trace };
	struct window_result res;
	rc = export_perfetto(r, &o, f, &res);
	trace_reader_close(r);
	if (rc) {
		fprintf(stderr, "irqrr: %s: %s\n", a.trace, res.message);
		close_output("export", a.out, f, true);
		return 2;
	}
	if (close_output("export", a.out, f, false))
		return 2;
	return report(a.trace, a.out, &res);
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
		"usage: irqrr plot [FILE] -o OUT.svg [--from N] [--to N] [--width PX]\n"
		"Draw events N..M of a trace as a self-contained SVG: a waveform row per\n"
		"line that changed (GSIs, irq0, pic.int), a marker row per vCPU (INTACK\n"
		"vectors, NMIs, APIC messages), a time axis and a legend.\n"
		"  -o OUT           output file ('-': standard output)\n"
		"  --format F       svg (default), or png when " CONVERT " exists\n"
		"  --from N --to N  event numbers (inclusive)\n"
		"  --from-time T --to-time T  virtual times (inclusive): 1.5s, 250ms, 20us\n"
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
	struct trace_reader *r = open_input(&a);
	if (!r)
		return 2;
	char svg_path[4096];
	const char *svg_out = a.out;
	if (png) {
		if (snprintf(svg_path, sizeof(svg_path), "%s.tmp.svg", a.out) >= (int)sizeof(svg_path)) {
			fprintf(stderr, "irqrr plot: output name too long\n");
			trace_reader_close(r);
			return 2;
		}
		svg_out = svg_path;
	}
	FILE *f = open_output("plot", svg_out);
	if (!f) {
		trace_reader_close(r);
		return 2;
	}
	struct plot_opts o = { a.from, a.to, (unsigned)a.width, a.trace };
	struct window_result res;
	rc = plot_svg(r, &o, f, &res);
	trace_reader_close(r);
	if (rc) {
		fprintf(stderr, "irqrr: %s: %s\n", a.trace, res.message);
		close_output("plot", svg_out, f, true);
		return 2;
	}
	if (close_output("plot", svg_out, f, false))
		return 2;
	if (png) {
		int ok = svg_to_png(svg_path, a.out);
		unlink(svg_path);
		if (ok) {
			fprintf(stderr, "irqrr plot: %s failed to make %s from the SVG\n", CONVERT, a.out);
			return 2;
		}
		fprintf(stderr, "irqrr plot: %s made by %s from the SVG\n", a.out, CONVERT);
	}
	return report(a.trace, a.out, &res);
}
