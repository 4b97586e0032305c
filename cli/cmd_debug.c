/* SPDX-License-Identifier: MIT */
/* Offline debugging commands: bisect, diff, reduce (docs/debugging.md). */
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

enum { OPT_UNTIL = 0x100, OPT_FROM, OPT_TO, OPT_STATS, OPT_LINEAR, OPT_JSON, OPT_TOLERANCE,
       OPT_MAX_TESTS, OPT_MAX_TIME, OPT_ANY_CAUSE };

#define O_JSON { "json", OPT_JSON, NULL, "print the result as one JSON object" }

static const struct cli_opt bisect_opts[] = {
	{ "until", OPT_UNTIL, "PREDICATE", "the condition to find (required; below)" },
	{ "from", OPT_FROM, "N", "first event number (default 0)" },
	{ "to", OPT_TO, "N", "last event number, inclusive (default: the last)" },
	{ "linear", OPT_LINEAR, NULL, "decode every event (same answer, slower)" },
	{ "jobs", 'j', "N", "diverge: replay on N threads (default: the online\nCPUs; 1: serial); the answer is the same" },
	{ "stats", OPT_STATS, NULL, "print events, chunks and time" },
	O_JSON,
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd bisect_cmd = {
	"bisect", "--until PREDICATE [OPTIONS] [FILE]",
	"Find the first event at which PREDICATE holds; print it, the events\n"
	"before it and the chip state there.\n",
	bisect_opts,
	"Predicates (docs/debugging.md):\n"
	"  line-undelivered:GSI|any>DURATION   remote-irr:PIN|any>DURATION\n"
	"  isr-held:IRQ|any>DURATION           no-intack>DURATION\n"
	"  hpet-status:TIMER|any>DURATION      hpet-legacy-cut>DURATION\n"
	"  diverge:KEY=VALUE[,KEY=VALUE]       (irqrr replay --list-models)\n"
	"DURATION: 500us, 10ms, 2s, 1500ns.\n"
	"Chunks no longer than DURATION whose keyframes show the condition clear\n"
	"at both ends are passed over undecoded; --linear decodes every event.\n"
	"--json prints {\"result\": \"found\"|\"not-found\"|\"unusable\", \"predicate\",\n"
	"\"event\", \"t\", \"why\", \"scanned\", \"chunks\", \"skipped\", \"message\"}.\n",
	"0 found, 1 not found, 2 unusable input.",
};

static void bisect_print_json(int rc, const struct bisect_result *res, const struct predicate *p)
{
	static const char *const names[] = { "found", "not-found", "unusable" };
	printf("{\"result\":\"%s\",\"predicate\":", names[rc < 0 || rc > 2 ? 2 : rc]);
	cli_put_json_string(stdout, p->text);
	if (rc == BISECT_FOUND) {
		printf(",\"event\":%" PRIu64 ",\"t\":%" PRIu64 ",\"why\":", res->num, res->t);
		cli_put_json_string(stdout, res->why);
	}
	printf(",\"scanned\":%" PRIu64 ",\"chunks\":%" PRIu64 ",\"skipped\":%" PRIu64, res->scanned,
	       res->chunks, res->skipped);
	if (rc != BISECT_FOUND && rc != BISECT_NOT_FOUND) {
		printf(",\"message\":");
		cli_put_json_string(stdout, res->message);
	}
	printf("}\n");
}

struct bisect_args {
	const char *path, *until;
	uint64_t from, to;
	int stats, json;
	unsigned flags;
	unsigned jobs; /* -j; 0: the online CPUs */
};

/* -1: go on; else the exit status. */
static int bisect_parse(int argc, char **argv, struct bisect_args *a, struct predicate *p)
{
	struct cli_parser ps;
	int c, status;
	memset(a, 0, sizeof(*a));
	a->to = UINT64_MAX;
	cli_parser_init(&ps, &bisect_cmd, argc, argv);
	while ((c = cli_parser_next(&ps, &status)) != -1) {
		switch (c) {
		case OPT_UNTIL: a->until = optarg; break;
		case OPT_FROM: if (cli_parse_u64("bisect", "--from", optarg, &a->from)) return 2; break;
		case OPT_TO: if (cli_parse_u64("bisect", "--to", optarg, &a->to)) return 2; break;
		case OPT_STATS: a->stats = 1; break;
		case OPT_LINEAR: a->flags |= BISECT_LINEAR; break;
		case OPT_JSON: a->json = 1; break;
		case 'j': {
			uint64_t n;
			if (cli_parse_u64("bisect", "-j", optarg, &n))
				return 2;
			if (n < 1 || n > 1024) {
				fprintf(stderr, "irqrr bisect: -j %s: the number of threads is 1..1024\n", optarg);
				return 2;
			}
			a->jobs = (unsigned)n;
			break;
		}
		}
	}
	if (status >= 0)
		return status;
	if (!(a->path = cli_trace_operand(&bisect_cmd, argc, argv)))
		return 2;
	if (!a->until) {
		fprintf(stderr, "irqrr bisect: --until PREDICATE is required\n");
		return 2;
	}
	const char *why = predicate_parse(a->until, p);
	if (why) {
		fprintf(stderr, "irqrr bisect: --until %s: %s\n", a->until, why);
		return 2;
	}
	p->jobs = a->jobs ? a->jobs : cli_online_cpus();
	if (a->from > a->to) {
		fprintf(stderr, "irqrr bisect: --from is after --to\n");
		return 2;
	}
	return -1;
}

static void bisect_report(int rc, const struct bisect_args *a, const struct predicate *p,
			  const struct bisect_result *res, double dt)
{
	if (a->json)
		bisect_print_json(rc, res, p);
	else if (rc == BISECT_FOUND)
		bisect_print(res, p, stdout);
	else if (rc == BISECT_NOT_FOUND)
		printf("not found: %s does not hold in events %" PRIu64 "..%s (%" PRIu64 " events checked, "
		       "%" PRIu64 " chunks passed over by keyframe)\n",
		       p->text, a->from, a->to == UINT64_MAX ? "end" : "--to", res->scanned, res->skipped);
	if (rc != BISECT_FOUND && rc != BISECT_NOT_FOUND)
		fprintf(stderr, "irqrr: %s: %s\n", a->path, res->message);
	if (a->stats && rc != BISECT_UNUSABLE)
		printf("bisect: %" PRIu64 " events in %" PRIu64 " chunks decoded, %" PRIu64
		       " chunks passed over by keyframe, %.3f s (%.1f Mevents/s decoded)\n",
		       res->scanned, res->chunks, res->skipped, dt, dt > 0 ? (double)res->scanned / dt / 1e6 : 0.0);
}

int cmd_bisect(int argc, char **argv)
{
	struct bisect_args a;
	struct predicate p;
	int rc = bisect_parse(argc, argv, &a, &p);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = cli_open_events(a.path, "");
	if (!r)
		return 2;
	struct bisect_result *res = malloc(sizeof(*res));
	if (!res) {
		trace_reader_close(r);
		fprintf(stderr, "irqrr: out of memory\n");
		return 2;
	}
	double t0 = now_s();
	rc = bisect_trace(r, &p, a.from, a.to, a.flags, res);
	bisect_report(rc, &a, &p, res, now_s() - t0);
	bisect_result_free(res);
	free(res);
	trace_reader_close(r);
	return rc;
}

/* -------------------------------------------------------------------- diff */

static const struct cli_opt diff_opts[] = {
	{ "tolerance", OPT_TOLERANCE, "DURATION", "how far times may differ (default 100us)" },
	O_JSON,
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd diff_cmd = {
	"diff", "[OPTIONS] A B",
	"Compare two traces' interrupt behaviour (APIC messages, INTACKs, EOIs,\n"
	"LINT decisions, LVTs, device lines, chip register writes) as sequences;\n"
	"each event's time since the previous matched event, in each trace, is\n"
	"compared within the tolerance. Reports the first difference.\n",
	diff_opts,
	"--json prints {\"result\": \"same\"|\"different\"|\"unusable\", \"matched\",\n"
	"\"tolerance_ns\", \"a\": {\"event\", \"t\"}, \"b\": {...}, \"message\"}; an \"a\" or\n"
	"\"b\" is null when that trace ended first.\n",
	"0 same, 1 different, 2 unusable input.",
};

static void diff_side_json(const char *name, const struct diff_side *s)
{
	printf(",\"%s\":", name);
	if (s->has)
		printf("{\"event\":%" PRIu64 ",\"t\":%" PRIu64 "}", s->rec.num, s->rec.t);
	else
		printf("null");
}

static void diff_print_json(int rc, const struct diff_result *res, uint64_t tol)
{
	static const char *const names[] = { "same", "different", "unusable" };
	printf("{\"result\":\"%s\",\"matched\":%" PRIu64 ",\"tolerance_ns\":%" PRIu64,
	       names[rc < 0 || rc > 2 ? 2 : rc], res->index, tol);
	if (rc == DIFF_DIFFERENT) {
		diff_side_json("a", &res->a);
		diff_side_json("b", &res->b);
	} else if (rc != DIFF_SAME) {
		printf(",\"message\":");
		cli_put_json_string(stdout, res->message);
	}
	printf("}\n");
}

static void diff_report(int rc, const struct diff_result *res, const char *na, const char *nb,
			uint64_t tol, int json)
{
	if (json)
		diff_print_json(rc, res, tol);
	else if (rc == DIFF_SAME)
		printf("same: %" PRIu64 " interrupt events match (tolerance %" PRIu64 " ns)\n",
		       res->index, tol);
	else if (rc == DIFF_DIFFERENT)
		diff_print(res, na, nb, tol, stdout);
	if (rc != DIFF_SAME && rc != DIFF_DIFFERENT)
		fprintf(stderr, "irqrr: %s\n", res->message);
}

/* -1: go on; else the exit status. */
static int diff_parse(int argc, char **argv, uint64_t *tol, int *json)
{
	struct cli_parser ps;
	int c, status;
	cli_parser_init(&ps, &diff_cmd, argc, argv);
	while ((c = cli_parser_next(&ps, &status)) != -1) {
		if (c == OPT_JSON) {
			*json = 1;
		} else if (parse_duration(optarg, tol)) {
			fprintf(stderr, "irqrr diff: bad --tolerance '%s' (examples: 0, 50us, 2ms)\n", optarg);
			return 2;
		}
	}
	if (status >= 0)
		return status;
	if (optind != argc - 2)
		return cli_usage_error(&diff_cmd, "two trace files");
	return -1;
}

int cmd_diff(int argc, char **argv)
{
	uint64_t tol = 100000;
	int json = 0, rc = diff_parse(argc, argv, &tol, &json);
	if (rc >= 0)
		return rc;
	const char *na = argv[optind], *nb = argv[optind + 1];
	if (!strcmp(na, "-") && !strcmp(nb, "-")) {
		fprintf(stderr, "irqrr diff: only one of A and B can be standard input\n");
		return 2;
	}
	struct trace_reader *a = cli_open_trace(na, "");
	if (!a)
		return 2;
	struct trace_reader *b = cli_open_trace(nb, "");
	if (!b || cli_require_events(a, na) || cli_require_events(b, nb)) {
		trace_reader_close(a);
		if (b)
			trace_reader_close(b);
		return 2;
	}
	struct diff_result *res = malloc(sizeof(*res));
	rc = 2;
	if (!res) {
		fprintf(stderr, "irqrr: out of memory\n");
	} else {
		rc = diff_traces(a, na, b, nb, tol, res);
		diff_report(rc, res, na, nb, tol, json);
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

static const struct cli_opt reduce_opts[] = {
	{ "until", OPT_UNTIL, "PREDICATE", "the condition to keep (required; as in bisect)" },
	{ "output", 'o', "SCRIPT", "where to write the script (required; '-': standard\noutput, the summary then going to standard error)" },
	{ "max-tests", OPT_MAX_TESTS, "N", "candidate runs at most (default 5000)" },
	{ "max-time", OPT_MAX_TIME, "SEC", "seconds at most (default 120)" },
	{ "any-cause", OPT_ANY_CAUSE, NULL, "keep the symptom only: a candidate may show it for\nanother cause than the trace (see above)" },
	O_JSON,
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd reduce_cmd = {
	"reduce", "--until PREDICATE -o SCRIPT [OPTIONS] [FILE]",
	"Shrink the trace's inputs (up to the predicate's first hit) to a\n"
	"minimal chip script that `irqrr chips` runs from power-on and that still\n"
	"satisfies PREDICATE (same syntax as bisect). The script is recorded and\n"
	"checked before it is written. Past the budget (--max-tests, --max-time)\n"
	"the result is smaller but not 1-minimal. --max-time also bounds the\n"
	"search for the first hit and each candidate run; no run may make the\n"
	"chips emit more outputs than the trace holds records. Checking the\n"
	"script is outside the budget. Temporary traces go to TMPDIR (default\n"
	"/tmp).\n"
	"For line-undelivered and remote-irr, a candidate must also show the\n"
	"trace's cause at its first hit (what `irqrr explain` names: the cause\n"
	"key and any injected fault), so a line masked by a fault is not reduced\n"
	"to one the guest never unmasked; --any-cause drops that condition.\n",
	reduce_opts,
	"--json prints {\"result\": \"written\"|\"not-found\"|\"unusable\", \"predicate\",\n"
	"\"first_hit\", \"inputs\", \"kept\", \"minimal\", \"tests\", \"seconds\",\n"
	"\"verified_hit\", \"power_on\", \"cause\", \"output\", \"message\"}.\n",
	"0 written, 1 the trace never satisfies PREDICATE, 2 unusable input.",
};

struct reduce_args {
	const char *path, *until, *out;
	int json;
	struct reduce_opts ro;
};

/* -1: go on; else the exit status. */
static int reduce_parse(int argc, char **argv, struct reduce_args *a, struct predicate *p)
{
	struct cli_parser ps;
	int c, status;
	uint64_t v;
	memset(a, 0, sizeof(*a));
	reduce_opts_default(&a->ro);
	cli_parser_init(&ps, &reduce_cmd, argc, argv);
	while ((c = cli_parser_next(&ps, &status)) != -1) {
		switch (c) {
		case OPT_UNTIL: a->until = optarg; break;
		case 'o': a->out = optarg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_ANY_CAUSE: a->ro.any_cause = true; break;
		case OPT_MAX_TESTS:
			if (cli_parse_u64("reduce", "--max-tests", optarg, &v))
				return 2;
			a->ro.max_tests = v;
			break;
		case OPT_MAX_TIME:
			if (cli_parse_u64("reduce", "--max-time", optarg, &v))
				return 2;
			a->ro.max_seconds = (double)v;
			break;
		}
	}
	if (status >= 0)
		return status;
	if (!(a->path = cli_trace_operand(&reduce_cmd, argc, argv)))
		return 2;
	if (!a->until || !a->out) {
		fprintf(stderr, "irqrr reduce: --until PREDICATE and -o SCRIPT are required\n");
		return 2;
	}
	const char *why = predicate_parse(a->until, p);
	if (why) {
		fprintf(stderr, "irqrr reduce: --until %s: %s\n", a->until, why);
		return 2;
	}
	if (strcmp(a->out, "-") && strcmp(a->path, "-") && cli_same_file(a->out, a->path)) {
		/* refused before the work, as cli_output_open would after it */
		fprintf(stderr, "irqrr reduce: %s: is the input %s; give another output file\n",
			a->out, a->path);
		return 2;
	}
	return -1;
}

static void reduce_print_json(FILE *f, int rc, const struct reduce_args *a,
			      const struct predicate *p, const struct reduce_result *res)
{
	static const char *const names[] = { "written", "not-found", "unusable" };
	fprintf(f, "{\"result\":\"%s\",\"predicate\":", names[rc < 0 || rc > 2 ? 2 : rc]);
	cli_put_json_string(f, p->text);
	if (rc == 0) {
		fprintf(f, ",\"first_hit\":%" PRIu64 ",\"inputs\":%zu,\"kept\":%zu,\"minimal\":%s"
			   ",\"tests\":%" PRIu64 ",\"seconds\":%.3f,\"verified_hit\":%" PRIu64
			   ",\"power_on\":%s",
			res->first_hit, res->inputs_prefix, res->inputs_kept,
			res->minimal ? "true" : "false", res->tests, res->seconds, res->verified_hit,
			res->power_on ? "true" : "false");
		fprintf(f, ",\"cause\":");
		cli_put_json_string(f, res->cause);
		fprintf(f, ",\"output\":");
		cli_put_json_string(f, a->out);
	} else if (rc == 2) {
		fprintf(f, ",\"message\":");
		cli_put_json_string(f, res->message);
	}
	fprintf(f, "}\n");
}

static void reduce_print_text(FILE *f, const struct reduce_args *a, const struct predicate *p,
			      const struct reduce_result *res)
{
	if (!res->power_on)
		fprintf(f, "note: %s does not start at power-on (ring mode); the script starts from"
			   " power-on and the predicate was checked on the script itself\n",
			a->path);
	fprintf(f, "first hit in the trace: event %" PRIu64 "\n", res->first_hit);
	fprintf(f, "reduced %zu inputs to %zu (%s) in %" PRIu64 " tests, %.3f s\n",
		res->inputs_prefix, res->inputs_kept,
		res->minimal ? "1-minimal" : "budget reached, not 1-minimal", res->tests, res->seconds);
	if (res->cause[0])
		fprintf(f, "cause kept: %s\n", res->cause);
	/* -o -: the user saves the script first; name it SCRIPT */
	bool to_file = strcmp(a->out, "-");
	char trace[4096];
	reduce_trace_name(to_file ? a->out : "reduced.script", trace, sizeof(trace));
	fprintf(f, "verified: `irqrr chips --record %s %s` records a trace in which %s holds at"
		   " event %" PRIu64 "\n",
		trace, to_file ? a->out : "SCRIPT", p->text, res->verified_hit);
	if (to_file)
		fprintf(f, "wrote %s\n", a->out);
}

/* Write the script ('-': standard output) as an output file (cliutil.h):
 * 0, or 2 after a message. */
static int reduce_write(const struct reduce_args *a, const char *script)
{
	const char *inputs[] = { a->path, NULL };
	struct cli_output out;
	if (cli_output_open(&out, "reduce", a->out, inputs))
		return 2;
	bool wrote = fputs(script, out.f) >= 0;
	return cli_output_close(&out, "reduce", wrote) || !wrote ? 2 : 0;
}

int cmd_reduce(int argc, char **argv)
{
	struct reduce_args a;
	struct predicate p;
	struct reduce_result res;
	int rc = reduce_parse(argc, argv, &a, &p);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = cli_open_events(a.path, "");
	if (!r)
		return 2;
	FILE *report = strcmp(a.out, "-") ? stdout : stderr;
	rc = reduce_trace(r, &p, &a.ro, &res);
	trace_reader_close(r);
	rc = rc == REDUCE_OK ? 0 : rc == REDUCE_NOT_FOUND ? 1 : 2;
	if (rc == 0)
		rc = reduce_write(&a, res.script);
	if (a.json)
		reduce_print_json(report, rc, &a, &p, &res);
	else if (rc == 1)
		fprintf(report, "not found: %s never holds in %s\n", p.text, a.path);
	else if (rc == 0)
		reduce_print_text(report, &a, &p, &res);
	if (rc == 2 && res.message[0])
		fprintf(stderr, "irqrr: %s: %s\n", a.path, res.message);
	reduce_result_free(&res);
	return rc;
}
