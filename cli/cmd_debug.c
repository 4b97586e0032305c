/* SPDX-License-Identifier: MIT */
/* Offline debugging commands: bisect, diff, reduce (docs/debugging.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cliutil.h"
#include "commands.h"
#include "replayer/bisect.h"
#include "replayer/diff.h"
#include "replayer/reduce.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ bisect */

int cmd_bisect(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr bisect FILE --until PREDICATE [--from N] [--to N] [--linear] [--stats]\n"
		"Find the first event at which PREDICATE holds; print it, the events\n"
		"before it and the chip state there. Predicates (docs/debugging.md):\n"
		"  line-undelivered:GSI|any>DURATION   remote-irr:PIN|any>DURATION\n"
		"  isr-held:IRQ|any>DURATION           no-intack>DURATION\n"
		"  diverge:KEY=VALUE[,KEY=VALUE]       (irqrr replay --list-models)\n"
		"DURATION: 500us, 10ms, 2s, 1500ns.\n"
		"Chunks no longer than DURATION whose keyframes show the condition clear\n"
		"at both ends are passed over undecoded; --linear decodes every event\n"
		"(same answer, slower). --stats prints events, chunks and time.\n"
		"Exit status: 0 found, 1 not found, 2 unusable input.\n";
	static const struct option opts[] = {
		{ "until", required_argument, NULL, 'u' }, { "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },    { "stats", no_argument, NULL, 's' },
		{ "linear", no_argument, NULL, 'l' },      { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct predicate p;
	uint64_t from = 0, to = UINT64_MAX;
	const char *until = NULL;
	int c, stats = 0;
	unsigned flags = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': until = optarg; break;
		case 'f': if (cli_parse_u64("bisect", "--from", optarg, &from)) return 2; break;
		case 't': if (cli_parse_u64("bisect", "--to", optarg, &to)) return 2; break;
		case 's': stats = 1; break;
		case 'l': flags |= BISECT_LINEAR; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "irqrr bisect: expected one trace file\n");
		return 2;
	}
	if (!until) {
		fprintf(stderr, "irqrr bisect: --until PREDICATE is required\n");
		return 2;
	}
	const char *why = predicate_parse(until, &p);
	if (why) {
		fprintf(stderr, "irqrr bisect: --until %s: %s\n", until, why);
		return 2;
	}
	if (from > to) {
		fprintf(stderr, "irqrr bisect: --from is after --to\n");
		return 2;
	}
	const char *path = argv[optind];
	struct trace_reader *r = cli_open_trace(path, "");
	if (!r)
		return 2;
	struct bisect_result *res = malloc(sizeof(*res));
	if (!res) {
		trace_reader_close(r);
		fprintf(stderr, "irqrr: out of memory\n");
		return 2;
	}
	double t0 = now_s();
	int rc = bisect_trace(r, &p, from, to, flags, res);
	double dt = now_s() - t0;
	if (rc == BISECT_FOUND)
		bisect_print(res, &p, stdout);
	else if (rc == BISECT_NOT_FOUND)
		printf("not found: %s does not hold in events %" PRIu64 "..%s (%" PRIu64 " events checked, "
		       "%" PRIu64 " chunks passed over by keyframe)\n",
		       p.text, from, to == UINT64_MAX ? "end" : "--to", res->scanned, res->skipped);
	else
		fprintf(stderr, "irqrr: %s: %s\n", path, res->message);
	if (stats && rc != BISECT_UNUSABLE)
		printf("bisect: %" PRIu64 " events in %" PRIu64 " chunks decoded, %" PRIu64
		       " chunks passed over by keyframe, %.3f s (%.1f Mevents/s decoded)\n",
		       res->scanned, res->chunks, res->skipped, dt, dt > 0 ? (double)res->scanned / dt / 1e6 : 0.0);
	bisect_result_free(res);
	free(res);
	trace_reader_close(r);
	return rc;
}

/* -------------------------------------------------------------------- diff */

int cmd_diff(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr diff A B [--tolerance DURATION]\n"
		"Compare two traces' interrupt behaviour (APIC messages, INTACKs, EOIs,\n"
		"LINT decisions, LVTs, device lines, chip register writes) as sequences;\n"
		"times are compared relative to each trace's first such event, within\n"
		"the tolerance (default 100us). Reports the first difference.\n"
		"Exit status: 0 same, 1 different, 2 unusable input.\n";
	static const struct option opts[] = {
		{ "tolerance", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t tol = 100000;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			if (parse_duration(optarg, &tol)) {
				fprintf(stderr, "irqrr diff: bad --tolerance '%s' (examples: 0, 50us, 2ms)\n",
					optarg);
				return 2;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "irqrr diff: expected two trace files\n");
		return 2;
	}
	const char *na = argv[optind], *nb = argv[optind + 1];
	struct trace_reader *a = cli_open_trace(na, "");
	if (!a)
		return 2;
	struct trace_reader *b = cli_open_trace(nb, "");
	if (!b) {
		trace_reader_close(a);
		return 2;
	}
	struct diff_result *res = malloc(sizeof(*res));
	int rc = 2;
	if (!res) {
		fprintf(stderr, "irqrr: out of memory\n");
	} else {
		rc = diff_traces(a, na, b, nb, tol, res);
		if (rc == DIFF_SAME)
			printf("same: %" PRIu64 " interrupt events match (tolerance %" PRIu64 " ns)\n",
			       res->index, tol);
		else if (rc == DIFF_DIFFERENT)
			diff_print(res, na, nb, tol, stdout);
		else
			fprintf(stderr, "irqrr: %s\n", res->message);
	}
	free(res);
	trace_reader_close(a);
	trace_reader_close(b);
	return rc;
}

/* ------------------------------------------------------------------ reduce */

/* The trace a user records the reduced script into: SCRIPT without its
 * ".script" suffix, plus ".irqrr" (never the script itself). */
static void reduce_trace_name(const char *script, char *buf, size_t len)
{
	size_t n = strlen(script), sfx = strlen(".script");
	if (n > sfx && !strcmp(script + n - sfx, ".script"))
		n -= sfx;
	snprintf(buf, len, "%.*s.irqrr", (int)n, script);
}

int cmd_reduce(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr reduce FILE --until PREDICATE -o SCRIPT [--max-tests N] [--max-time SEC]\n"
		"Shrink the trace's inputs (up to the predicate's first hit) to a\n"
		"minimal chip script that `irqrr chips` runs from power-on and that still\n"
		"satisfies PREDICATE (same syntax as bisect). The script is recorded and\n"
		"checked before it is written. Budget: --max-tests (default 5000) candidate\n"
		"runs, --max-time (default 120) seconds; past it the result is smaller\n"
		"but not 1-minimal.\n"
		"Exit status: 0 written, 1 the trace never satisfies PREDICATE, 2 unusable.\n";
	static const struct option opts[] = {
		{ "until", required_argument, NULL, 'u' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-tests", required_argument, NULL, 'n' },
		{ "max-time", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct predicate p;
	struct reduce_opts ro;
	const char *until = NULL, *outp = NULL;
	uint64_t v;
	int c;
	reduce_opts_default(&ro);
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': until = optarg; break;
		case 'o': outp = optarg; break;
		case 'n':
			if (cli_parse_u64("reduce", "--max-tests", optarg, &v))
				return 2;
			ro.max_tests = v;
			break;
		case 'T':
			if (cli_parse_u64("reduce", "--max-time", optarg, &v))
				return 2;
			ro.max_seconds = (double)v;
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "irqrr reduce: expected one trace file\n");
		return 2;
	}
	if (!until || !outp) {
		fprintf(stderr, "irqrr reduce: --until PREDICATE and -o SCRIPT are required\n");
		return 2;
	}
	const char *why = predicate_parse(until, &p);
	if (why) {
		fprintf(stderr, "irqrr reduce: --until %s: %s\n", until, why);
		return 2;
	}
	const char *path = argv[optind];
	const char *inputs[] = { path, NULL };
	if (cli_same_file(outp, path)) {
		fprintf(stderr, "irqrr reduce: %s: is the input %s; give another output file\n", outp,
			path);
		return 2;
	}
	struct trace_reader *r = cli_open_trace(path, "");
	if (!r)
		return 2;
	struct reduce_result res;
	int rc = reduce_trace(r, &p, &ro, &res);
	trace_reader_close(r);
	if (rc == REDUCE_NOT_FOUND) {
		printf("not found: %s never holds in %s\n", p.text, path);
		return 1;
	}
	if (rc != REDUCE_OK) {
		fprintf(stderr, "irqrr: %s: %s\n", path, res.message);
		return 2;
	}
	struct cli_output out;
	if (cli_output_open(&out, "reduce", outp, inputs)) {
		reduce_result_free(&res);
		return 2;
	}
	bool wrote = fputs(res.script, out.f) >= 0;
	if (cli_output_close(&out, "reduce", wrote) || !wrote) {
		reduce_result_free(&res);
		return 2;
	}
	if (!res.power_on)
		printf("note: %s does not start at power-on (ring mode); the script starts from power-on"
		       " and the predicate was checked on the script itself\n",
		       path);
	char trace_out[4096];
	reduce_trace_name(outp, trace_out, sizeof(trace_out));
	printf("first hit in the trace: event %" PRIu64 "\n", res.first_hit);
	printf("reduced %zu inputs to %zu (%s) in %" PRIu64 " tests, %.3f s\n", res.inputs_prefix,
	       res.inputs_kept, res.minimal ? "1-minimal" : "budget reached, not 1-minimal", res.tests,
	       res.seconds);
	printf("verified: `irqrr chips --record %s %s` records a trace in which %s holds at event"
	       " %" PRIu64 "\n", trace_out, outp, p.text, res.verified_hit);
	printf("wrote %s\n", outp);
	reduce_result_free(&res);
	return 0;
}
