/* SPDX-License-Identifier: MIT */
/*
 * `irqrr explain [--at N] [--line L] [--json] [FILE]`: why each pending line
 * is not delivered after event N, asked of the board (chips/explain.h)
 * replayed to that event with its line history (replayer/board_at.h). The
 * live hang report asks the same query (recorder/hang.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chips/explain.h"
#include "cliutil.h"
#include "commands.h"
#include "replayer/board_at.h"

enum { OPT_AT = 0x100, OPT_LINE, OPT_JSON };

static const struct cli_opt explain_opts[] = {
	{ "at", OPT_AT, "N", "after event N (default: the last event)" },
	{ "line", OPT_LINE, "L", "only line L (ISA IRQ / GSI 0..23)" },
	{ "json", OPT_JSON, NULL, "print the result as one JSON object" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd explain_cmd = {
	"explain", "[OPTIONS] [FILE]",
	"Why each pending interrupt line is not delivered after event N: the\n"
	"cause key of docs/hang.md, the event that began the blocking state, one\n"
	"sentence. A line is pending when the chips hold a request for it that no\n"
	"INTACK, poll read or IOAPIC message has delivered. Works on recorded\n"
	"traces, ring dumps and `chips --record` traces (the history starts at the\n"
	"trace's first chunk). Causes that need vCPU registers (if_clear,\n"
	"extint_not_ready) are the live hang report's only. A line whose state an\n"
	"injected fault made (record --fault, docs/faults.md) names the fault, and\n"
	"each fault of the trace is listed (FAULT: what it did by then).\n",
	explain_opts,
	"--json prints {\"at\": N, \"diagnosis\": [{\"line\", \"cause\", \"stuck\", \"since\",\n"
	"\"text\"}], \"faults\": [{\"fired\", \"text\"}]}; \"since\" is null when no event\n"
	"of the trace began it.\n",
	"0 explained (also when nothing is pending), 2 unusable input or options.",
};

struct explain_args {
	const char *path;
	uint64_t at, line;
	int have_at, have_line, json;
};

/* -1: go on; else the exit status. */
static int parse_explain_args(int argc, char **argv, struct explain_args *a)
{
	struct cli_parser p;
	int c, status;
	memset(a, 0, sizeof(*a));
	cli_parser_init(&p, &explain_cmd, argc, argv);
	while ((c = cli_parser_next(&p, &status)) != -1) {
		if (c == OPT_AT && !cli_parse_u64("explain", "--at", optarg, &a->at))
			a->have_at = 1;
		else if (c == OPT_LINE && !cli_parse_u64("explain", "--line", optarg, &a->line))
			a->have_line = 1;
		else if (c == OPT_JSON)
			a->json = 1;
		else
			return 2;
	}
	if (status >= 0)
		return status;
	if (!(a->path = cli_trace_operand(&explain_cmd, argc, argv)))
		return 2;
	if (a->have_line && a->line >= BOARD_GSIS) {
		fprintf(stderr, "irqrr explain: --line %" PRIu64 ": lines are 0..%u\n", a->line, BOARD_GSIS - 1);
		return 2;
	}
	return -1;
}

static bool cause_is_stuck(enum board_cause c)
{
	return c != BOARD_CAUSE_UNDELIVERED && c != BOARD_CAUSE_NONE;
}

static void print_json(const struct board *b, const struct explain_args *a, uint64_t at)
{
	printf("{\"at\": %" PRIu64 ", \"diagnosis\": [", at);
	unsigned k = 0;
	for (unsigned line = 0; line < BOARD_GSIS; line++) {
		struct board_why w;
		if ((a->have_line && line != a->line) || !board_explain_line(b, line, NULL, &w))
			continue;
		printf("%s{\"line\": %u, \"cause\": \"%s\", \"stuck\": %s, \"since\": ", k++ ? ", " : "", line,
		       board_cause_key(w.cause), cause_is_stuck(w.cause) ? "true" : "false");
		if (w.since == BOARD_NO_EVENT)
			fputs("null", stdout);
		else
			printf("%" PRIu64, w.since);
		fputs(", \"text\": ", stdout);
		cli_put_json_string(stdout, w.text);
		fputc('}', stdout);
	}
	/* injected faults (--fault): what each did by then */
	printf("], \"faults\": [");
	for (unsigned i = 0; i < board_fault_count(b); i++) {
		char text[200];
		board_fault_describe(board_fault_at(b, i), text, sizeof(text));
		printf("%s{\"fired\": %s, \"text\": ", i ? ", " : "", board_fault_at(b, i)->fired ? "true" : "false");
		cli_put_json_string(stdout, text);
		fputc('}', stdout);
	}
	printf("]}\n");
}

static void print_text(const struct board *b, const struct explain_args *a, const struct board_at_result *res)
{
	printf("after event %" PRIu64 " (t=%" PRIu64 " ns)", res->at, b->s.now);
	if (res->first)
		printf(", history from event %" PRIu64 " (the trace's first chunk)", res->first);
	printf("\n");
	unsigned k = 0;
	for (unsigned line = 0; line < BOARD_GSIS; line++) {
		struct board_why w;
		if ((a->have_line && line != a->line) || !board_explain_line(b, line, NULL, &w))
			continue;
		char since[32] = "since unknown";
		if (w.since != BOARD_NO_EVENT)
			snprintf(since, sizeof(since), "since %" PRIu64, w.since);
		printf("%-7s %-15s %-14s %s\n", cause_is_stuck(w.cause) ? "STUCK" : "PENDING", board_cause_key(w.cause),
		       since, w.text);
		k++;
	}
	if (!k)
		printf("no pending line%s: every request was delivered\n", a->have_line ? " of those asked" : "");
	if (!k && a->have_line) {
		/* a line asked about that is not pending may carry a note: a
		 * latent remote IRR, an HPET level timer holding it, the HPET's
		 * legacy route cutting its timer off (chips/explain.h) */
		struct board_why w;
		(void)board_explain_line(b, (unsigned)a->line, NULL, &w);
		if (w.cause != BOARD_CAUSE_NONE)
			printf("%-7s %-15s %-14s %s\n", "NOTE", board_cause_key(w.cause), "", w.text);
	}
	for (unsigned i = 0; i < board_fault_count(b); i++) {
		char text[200];
		board_fault_describe(board_fault_at(b, i), text, sizeof(text));
		printf("FAULT   %s\n", text);
	}
}

int cmd_explain(int argc, char **argv)
{
	struct explain_args a;
	int rc = parse_explain_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = cli_open_events(a.path, "");
	if (!r)
		return 2;
	struct board *b = malloc(sizeof(*b));
	struct board_at_result res;
	char err[300];
	uint64_t last = board_at_last_event(r);
	int status = 0;
	if (!b) {
		fprintf(stderr, "irqrr explain: out of memory\n");
		status = 2;
	} else if (last == UINT64_MAX) {
		fprintf(stderr, "irqrr: %s: the trace holds no events\n", a.path);
		status = 2;
	} else {
		board_init_blank(b);
		if (board_at(r, a.have_at ? a.at : last, b, &res, err, sizeof(err))) {
			fprintf(stderr, "irqrr: %s: %s\n", a.path, err);
			status = 2;
		}
	}
	if (!status) {
		if (res.diverged != UINT64_MAX)
			fprintf(stderr, "irqrr explain: %s: warning: the chips do not reproduce event %" PRIu64
				" (see irqrr replay): explanations after it may be wrong\n", a.path, res.diverged);
		if (a.json)
			print_json(b, &a, res.at);
		else
			print_text(b, &a, &res);
	}
	free(b);
	trace_reader_close(r);
	return status;
}
