/* SPDX-License-Identifier: MIT */
/* Offline trace commands: replay, dump, info, stats, state. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cliutil.h"
#include "commands.h"
#include "replayer/replay.h"
#include "replayer/script.h"

/* Common option parsing: FILE, --from, --to, --format, --at, -h. */
struct trace_args {
	const char *path;
	uint64_t from, to, at;
	int have_at;
	const char *format;
	int stats; /* replay: print events/s */
	int quiet;
	int list_models;
	int git_bisect;
	struct variant_set variants;
};

static int parse_trace_args(int argc, char **argv, const char *usage, struct trace_args *a)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "at", required_argument, NULL, 'a' },
		{ "stats", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "model", required_argument, NULL, 'm' },
		{ "list-models", no_argument, NULL, 'L' },
		{ "git-bisect", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	memset(a, 0, sizeof(*a));
	a->to = UINT64_MAX;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_u64(cmd, "--from", optarg, &a->from))
				return 2;
			break;
		case 't':
			if (cli_parse_u64(cmd, "--to", optarg, &a->to))
				return 2;
			break;
		case 'a':
			if (cli_parse_u64(cmd, "--at", optarg, &a->at))
				return 2;
			a->have_at = 1;
			break;
		case 'F':
			a->format = optarg;
			break;
		case 's':
			a->stats = 1;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'm': {
			const char *why = variant_parse(&a->variants, optarg);
			if (why) {
				fprintf(stderr, "irqrr %s: --model %s: %s\n", cmd, optarg, why);
				return 2;
			}
			break;
		}
		case 'L':
			a->list_models = 1;
			return 0;
		case 'g':
			a->git_bisect = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "irqrr %s: expected one trace file\n", cmd);
		fputs(usage, stderr);
		return 2;
	}
	if (a->from > a->to) {
		fprintf(stderr, "irqrr %s: --from is after --to\n", cmd);
		return 2;
	}
	a->path = argv[optind];
	return -1;
}

/* ------------------------------------------------------------------ replay */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The count is the summary's (board events checked); the percentage is of
 * the records (events and context) in the chunks to replay. */
static void progress_bar(void *ctx, uint64_t events, uint64_t records_done, uint64_t records_total)
{
	(void)ctx;
	if (!records_total)
		return;
	if (records_done > records_total)
		records_done = records_total;
	unsigned pct = (unsigned)(records_done * 100 / records_total);
	fprintf(stderr, "\rreplaying: %3u%% (%" PRIu64 " events)", pct, events);
}

/* Exit status: identical where checked, but damaged chunks skipped. */
#define REPLAY_EXIT_UNVERIFIED 3

/* "events" are board events (inputs and outputs), as in the progress line;
 * context records (console, marks, ...) are never replayed: say so. */
static void print_identical(const struct replay_result *res)
{
	printf("identical: %" PRIu64 " events (%" PRIu64 " inputs) in %" PRIu64
	       " chunks, events %" PRIu64 "..%" PRIu64,
	       res->events, res->inputs, res->chunks, res->first, res->last);
	if (res->context)
		printf("; %" PRIu64 " context record%s not replayed", res->context,
		       res->context == 1 ? "" : "s");
	printf("\n");
}

int cmd_replay(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr replay [OPTIONS] FILE\n"
		"Re-execute a trace's inputs against the chip models and check every\n"
		"output. Replay starts at the keyframe of the chunk holding --from.\n"
		"  --from N, --to N   event range (default: the whole trace)\n"
		"  --model KEY=VALUE  replay with an alternative chip behaviour (what-if);\n"
		"                     repeatable; --list-models shows them\n"
		"  --stats            print events/s\n"
		"  --git-bisect       exit 125 instead of 2 for unusable input\n"
		"  -q                 no summary line\n"
		"Exit status: 0 identical, 1 divergence (report on stderr), 2 unusable input,\n"
		"3 identical where checked, but the reader's recovery skipped damaged chunks\n"
		"in the range and their events were not verified (stderr says which; a torn\n"
		"tail is not counted). --git-bisect: 125 for 2 and 3.\n";
	struct trace_args a;
	int rc = parse_trace_args(argc, argv, usage, &a);
	if (a.list_models) {
		variant_list(stdout);
		return 0;
	}
	if (rc >= 0)
		return rc == 2 && a.git_bisect ? 125 : rc;
	struct trace_reader *r = cli_open_trace(a.path, "");
	if (!r)
		return a.git_bisect ? 125 : 2;
	struct replay_opts o;
	struct replay_result res;
	replay_opts_default(&o);
	o.from = a.from;
	o.to = a.to;
	o.variants = &a.variants;
	int tty = isatty(STDERR_FILENO) && !a.quiet;
	if (tty && trace_reader_chunk_count(r) > 16)
		o.progress = progress_bar;
	double t0 = now_s();
	rc = replay_trace(r, &o, &res);
	double dt = now_s() - t0;
	if (o.progress)
		fprintf(stderr, "\r\033[K");
	switch (rc) {
	case REPLAY_IDENTICAL:
		if (!a.quiet)
			print_identical(&res);
		if (res.gaps) {
			fprintf(stderr, "irqrr: %s: not verified: %s\n", a.path, res.unverified);
			rc = REPLAY_EXIT_UNVERIFIED;
		}
		break;
	case REPLAY_DIVERGED:
		if (res.div)
			replay_print_divergence(res.div, stderr);
		else
			fprintf(stderr, "irqrr: divergence (out of memory for the report)\n");
		break;
	default:
		fprintf(stderr, "irqrr: %s: %s\n", a.path, res.message);
		break;
	}
	if (a.stats && dt > 0)
		printf("replay: %.1f Mevents/s (%" PRIu64 " events in %.3f s)\n",
		       (double)res.events / dt / 1e6, res.events, dt);
	replay_result_free(&res);
	trace_reader_close(r);
	if (a.git_bisect && (rc == REPLAY_UNUSABLE || rc == REPLAY_EXIT_UNVERIFIED))
		return 125;
	return rc;
}

/* -------------------------------------------------------------------- dump */

struct script_state {
	uint64_t now;
	int started;
};

static void dump_script_record(const struct trace_record *rec, struct script_state *s, FILE *f)
{
	char line[200];
	if (!EV_IS_INPUT(rec->kind))
		return;
	if (rec->t != s->now || !s->started) {
		if (rec->kind != EV_TIME)
			fprintf(f, "time %" PRIu64 "\n", rec->t);
		s->now = rec->t;
	}
	s->started = 1;
	if (script_format_input(&rec->ev, line, sizeof(line)))
		fprintf(f, "%s\n", line);
}

/* The `board` line, and `cmos` lines for the CMOS RAM bytes the recorder
 * set, from the first chunk's keyframe; a warning when the rest of the state
 * is not the power-on state a script starts from. */
static void dump_script_header(struct trace_chunk *c, const struct trace_args *a, size_t ci)
{
	size_t kflen;
	char line[200];
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	struct board *b = malloc(sizeof(*b)), *fresh = malloc(sizeof(*fresh));
	if (!b || !fresh || !kflen) {
		free(b);
		free(fresh);
		return;
	}
	board_init_blank(b);
	if (!board_load(b, kf, kflen) && !board_init(fresh, &b->cfg, NULL, NULL)) {
		static char cmos[128 * 20];
		script_format_config(&b->cfg, line, sizeof(line));
		script_format_cmos(&b->cfg, cmos, sizeof(cmos));
		printf("# irqrr dump --format script %s\n%s\n%s", a->path, line, cmos);
		if (board_state_hash(fresh) != board_state_hash(b) || a->from)
			fprintf(stderr, "irqrr dump: warning: chunk %zu does not start at power-on;"
					" a script cannot express the chip state there,"
					" so `irqrr chips` may print different outputs\n", ci);
	}
	free(b);
	free(fresh);
}

int cmd_dump(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr dump [--format text|json|script|chips] [--from N] [--to N] FILE\n"
		"Print a trace's records: text (one a line: number, time in s, kind,\n"
		"fields), json (JSON lines), script (the inputs as a chip script, which\n"
		"`irqrr chips` turns back into the recorded outputs) or chips (the\n"
		"recorded outputs as `irqrr chips` prints them).\n";
	struct trace_args a;
	int rc = parse_trace_args(argc, argv, usage, &a);
	if (rc >= 0)
		return rc;
	enum { TEXT, JSON, SCRIPT, CHIPS } fmt = TEXT;
	if (a.format && !strcmp(a.format, "json"))
		fmt = JSON;
	else if (a.format && !strcmp(a.format, "script"))
		fmt = SCRIPT;
	else if (a.format && !strcmp(a.format, "chips"))
		fmt = CHIPS;
	else if (a.format && strcmp(a.format, "text")) {
		fprintf(stderr, "irqrr dump: --format takes text, json, script or chips\n");
		return 2;
	}
	struct trace_reader *r = cli_open_trace(a.path, "");
	if (!r)
		return 2;
	size_t first = 0, n = trace_reader_chunk_count(r);
	struct script_state ss = { 0, 0 };
	int status = 0;
	if (a.from && trace_reader_find_event(r, a.from, &first)) {
		fprintf(stderr, "irqrr: %s: event %" PRIu64 " is not in the trace\n", a.path, a.from);
		trace_reader_close(r);
		return 2;
	}
	for (size_t ci = first; ci < n && status == 0; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		char line[1200];
		int k;
		if (!c) {
			fprintf(stderr, "irqrr: %s: %s\n", a.path, trace_reader_error(r));
			status = 2;
			break;
		}
		if (fmt == SCRIPT && ci == first)
			dump_script_header(c, &a, ci);
		while ((k = trace_chunk_next(c, &rec)) == 1) {
			if (rec.num < a.from)
				continue;
			if (rec.num > a.to)
				break;
			if (fmt == TEXT) {
				record_format_text(&rec, line, sizeof(line));
				puts(line);
			} else if (fmt == JSON) {
				record_format_json(&rec, line, sizeof(line));
				puts(line);
			} else if (fmt == CHIPS) {
				if (script_format_output(&rec.ev, line, sizeof(line)) && !EV_IS_CONTEXT(rec.kind))
					puts(line);
			} else {
				dump_script_record(&rec, &ss, stdout);
			}
		}
		if (k < 0) {
			fprintf(stderr, "irqrr: %s: %s\n", a.path, trace_chunk_error(c));
			status = 2;
		}
		bool past = k == 1 && rec.num > a.to;
		trace_chunk_free(c);
		if (past)
			break;
	}
	if (fflush(stdout) && !status) {
		fprintf(stderr, "irqrr: write error on standard output\n");
		status = 2;
	}
	trace_reader_close(r);
	return status;
}

/* -------------------------------------------------------------------- info */

int cmd_info(int argc, char **argv)
{
	static const char usage[] = "usage: irqrr info FILE\n"
				    "Print a trace's header, configuration, chunks and sizes.\n";
	struct trace_args a;
	int rc = parse_trace_args(argc, argv, usage, &a);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = cli_open_trace(a.path, "");
	if (!r)
		return 2;
	unsigned major, minor;
	trace_reader_version(r, &major, &minor);
	printf("file: %s\nformat: %u.%u\n", a.path, major, minor);
	printf("configuration:\n");
	for (size_t i = 0; i < trace_reader_config_count(r); i++) {
		const char *k, *v;
		if (!trace_reader_config_at(r, i, &k, &v))
			printf("  %s = %s\n", k, v);
	}
	size_t n = trace_reader_chunk_count(r);
	uint64_t raw = 0, comp = 0, t0 = 0, t1 = 0;
	printf("chunks: %zu\n", n);
	printf("  %6s %12s %12s %8s %16s %16s %9s %9s\n", "seq", "offset", "first", "events",
	       "first t (ns)", "last t (ns)", "raw", "stored");
	for (size_t i = 0; i < n; i++) {
		struct trace_chunk_info ci;
		if (trace_reader_chunk_info(r, i, &ci)) {
			printf("  chunk %zu: %s\n", i, trace_reader_error(r));
			continue;
		}
		if (i == 0)
			t0 = ci.first_t;
		t1 = ci.last_t;
		raw += ci.raw_size;
		comp += ci.comp_size;
		if (n <= 40 || i < 20 || i >= n - 20)
			printf("  %6" PRIu64 " %#12" PRIx64 " %12" PRIu64 " %8u %16" PRIu64 " %16" PRIu64
			       " %9u %9u\n",
			       ci.seq, ci.offset, ci.first_event, ci.count, ci.first_t, ci.last_t,
			       ci.raw_size, ci.comp_size);
		else if (i == 20)
			printf("  ... (%zu chunks not shown)\n", n - 40);
	}
	uint64_t events = trace_reader_event_count(r);
	printf("events: %" PRIu64 "\n", events);
	printf("virtual time: %" PRIu64 " .. %" PRIu64 " ns (%.6f s)\n", t0, t1, (double)(t1 - t0) / 1e9);
	printf("payload: %" PRIu64 " bytes raw, %" PRIu64 " stored", raw, comp);
	if (comp)
		printf(" (ratio %.2f)", (double)raw / (double)comp);
	if (events)
		printf(", %.3f stored bytes/event", (double)comp / (double)events);
	printf("\n");
	const struct trace_recovery *rec = trace_reader_recovery(r);
	printf("recovery: %s\n", rec && rec->message[0] ? rec->message : "none needed");
	trace_reader_close(r);
	return 0;
}

/* ------------------------------------------------------------------- stats */

struct line_stats {
	uint64_t asserts, deasserts;
};

int cmd_stats(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr stats [--from N] [--to N] FILE\n"
		"Count events per kind, per IRQ line and per vector; interrupt rates;\n"
		"INTACK / EOI balance.\n";
	struct trace_args a;
	int rc = parse_trace_args(argc, argv, usage, &a);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = cli_open_trace(a.path, "");
	if (!r)
		return 2;
	static uint64_t kinds[256], intack_vec[256], msg_vec[256], eoi_vec[256];
	static struct line_stats lines[BOARD_GSIS];
	uint64_t irq0_rises = 0, nmis = 0, extint_req = 0, pic_eoi = 0, spurious = 0, total = 0;
	uint64_t t_first = UINT64_MAX, t_last = 0;
	size_t n = trace_reader_chunk_count(r), first = 0;
	int status = 0;
	memset(kinds, 0, sizeof(kinds));
	if (a.from && trace_reader_find_event(r, a.from, &first))
		first = n;
	for (size_t ci = first; ci < n; ci++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, ci);
		struct trace_record rec;
		int k;
		if (!c) {
			fprintf(stderr, "irqrr: %s: %s\n", a.path, trace_reader_error(r));
			status = 2;
			break;
		}
		while ((k = trace_chunk_next(c, &rec)) == 1) {
			if (rec.num < a.from)
				continue;
			if (rec.num > a.to)
				break;
			const struct irq_event *e = &rec.ev;
			total++;
			kinds[rec.kind & 0xff]++;
			if (rec.t < t_first)
				t_first = rec.t;
			if (rec.t > t_last)
				t_last = rec.t;
			switch (rec.kind) {
			case EV_IRQ:
				if (e->u.irq.gsi < BOARD_GSIS) {
					if (e->u.irq.level)
						lines[e->u.irq.gsi].asserts++;
					else
						lines[e->u.irq.gsi].deasserts++;
				}
				break;
			case EV_WIRE:
				if (e->u.wire.id == WIRE_IRQ0 && e->u.wire.level)
					irq0_rises++;
				break;
			case EV_INTACK:
				intack_vec[e->u.intack.vector]++;
				if ((e->u.intack.vector & 7) == 7)
					spurious++; /* candidates: IR7/IR15 also serve real devices */
				break;
			case EV_APIC_MSG:
				msg_vec[e->u.apic.vector]++;
				break;
			case EV_EOI:
				eoi_vec[e->u.eoi.vector]++;
				break;
			case EV_LINT:
				if (e->u.lint.mode == APIC_DM_NMI)
					nmis++;
				else if (e->u.lint.mode == APIC_DM_EXTINT && e->u.lint.level)
					extint_req++;
				break;
			case EV_PIO_WRITE:
				/* OCW2 EOI commands: bits 4:3 = 00 and bit 5 (EOI) set */
				if ((e->u.pio.port == 0x20 || e->u.pio.port == 0xa0) &&
				    (e->u.pio.value & 0x18) == 0 && (e->u.pio.value & 0x20))
					pic_eoi++;
				break;
			default:
				break;
			}
		}
		bool past = k == 1 && rec.num > a.to;
		if (k < 0) {
			fprintf(stderr, "irqrr: %s: %s\n", a.path, trace_chunk_error(c));
			status = 2;
		}
		trace_chunk_free(c);
		if (past || status)
			break;
	}
	double secs = t_last > t_first && t_first != UINT64_MAX ? (double)(t_last - t_first) / 1e9 : 0;
	printf("events: %" PRIu64 " over %.6f s of virtual time\n", total, secs);
	printf("per kind:\n");
	for (unsigned k = 0; k < 256; k++) {
		if (!kinds[k])
			continue;
		const char *name = EV_IS_CONTEXT(k) ? trace_ctx_kind_name(k) : irq_event_kind_name(k);
		printf("  %-12s %12" PRIu64, name ? name : "?", kinds[k]);
		if (secs > 0)
			printf("  %12.1f/s", (double)kinds[k] / secs);
		printf("\n");
	}
	printf("lines (device-driven):\n");
	for (unsigned g = 0; g < BOARD_GSIS; g++)
		if (lines[g].asserts || lines[g].deasserts)
			printf("  gsi %-2u asserted %" PRIu64 " deasserted %" PRIu64 "\n", g, lines[g].asserts,
			       lines[g].deasserts);
	printf("  irq0 (PIT OUT0) rising edges %" PRIu64, irq0_rises);
	if (secs > 0)
		printf(" (%.1f Hz)", (double)irq0_rises / secs);
	printf("\n");
	printf("vectors:       intack   apic-msgs        eois\n");
	for (unsigned v = 0; v < 256; v++)
		if (intack_vec[v] || msg_vec[v] || eoi_vec[v])
			printf("  0x%02x %12" PRIu64 " %11" PRIu64 " %11" PRIu64 "\n", v, intack_vec[v],
			       msg_vec[v], eoi_vec[v]);
	uint64_t intacks = kinds[EV_INTACK];
	printf("balance: %" PRIu64 " INTACKs (%" PRIu64 " with a vector ending in 7: spurious candidates)"
	       ", %" PRIu64 " PIC EOI commands, %" PRIu64 " ExtINT requests, %" PRIu64 " LINT0 NMIs\n",
	       intacks, spurious, pic_eoi, extint_req, nmis);
	printf("         %" PRIu64 " APIC messages, %" PRIu64 " APIC EOIs\n", kinds[EV_APIC_MSG],
	       kinds[EV_EOI]);
	trace_reader_close(r);
	return status;
}

/* ------------------------------------------------------------------- state */

int cmd_state(int argc, char **argv)
{
	static const char usage[] =
		"usage: irqrr state --at N FILE\n"
		"Print the full chip state after event N, found by seeking to the\n"
		"nearest keyframe (not by replaying from the start).\n";
	struct trace_args a;
	int rc = parse_trace_args(argc, argv, usage, &a);
	if (rc >= 0)
		return rc;
	if (!a.have_at) {
		fprintf(stderr, "irqrr state: --at N is required\n");
		return 2;
	}
	struct trace_reader *r = cli_open_trace(a.path, "");
	if (!r)
		return 2;
	struct board *b = malloc(sizeof(*b));
	char err[300];
	if (!b) {
		trace_reader_close(r);
		return 2;
	}
	board_init_blank(b);
	if (replay_state_at(r, a.at, b, err, sizeof(err))) {
		fprintf(stderr, "irqrr: %s: %s\n", a.path, err);
		free(b);
		trace_reader_close(r);
		return 2;
	}
	printf("state after event %" PRIu64 ":\n", a.at);
	board_print_state(b, stdout);
	free(b);
	trace_reader_close(r);
	return 0;
}
