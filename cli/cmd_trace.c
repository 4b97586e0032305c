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
#include "chips/pic.h"
#include "replayer/replay.h"
#include "replayer/script.h"

/* Option keys shared by the trace commands; each command's table says
 * which of them it takes (cli/cliutil.h). */
enum {
	OPT_FROM = 0x100, OPT_TO, OPT_FROM_TIME, OPT_TO_TIME, OPT_FORMAT, OPT_AT, OPT_STATS,
	OPT_MODEL, OPT_LIST_MODELS, OPT_GIT_BISECT, OPT_JSON, OPT_KIND, OPT_GSI, OPT_CPU,
	OPT_VECTOR, OPT_FAULT,
};

#define O_FROM { "from", OPT_FROM, "N", "first event number (default 0)" }
#define O_TO { "to", OPT_TO, "N", "last event number, inclusive (default: the last)" }
#define O_FROM_TIME                                                                          \
	{ "from-time", OPT_FROM_TIME, "T",                                                  \
	  "first virtual time, as dump's time column: 1.5s, 250ms,\n20us, 1500ns" }
#define O_TO_TIME { "to-time", OPT_TO_TIME, "T", "last virtual time (inclusive)" }
#define O_JSON { "json", OPT_JSON, NULL, "print the result as one JSON object" }

/* Which records dump prints: every condition given must hold. */
struct record_filter {
	bool kinds[256], any_kind;
	int gsi, cpu, vector; /* -1: any */
};

struct trace_args {
	const char *path;
	uint64_t from, to, at;
	uint64_t from_t, to_t;
	int have_at, have_time;
	const char *format;
	int stats; /* replay: print events/s */
	int quiet;
	int json;
	int git_bisect;
	unsigned jobs; /* replay: -j; 0: the online CPUs */
	struct variant_set variants;
	struct record_filter filter;
};

static int parse_kinds(struct record_filter *f, const char *list)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *k = strtok(buf, ","); k; k = strtok(NULL, ",")) {
		unsigned i;
		for (i = 0; i < 256; i++) {
			const char *n = record_kind_name(i);
			if (n && !strcmp(n, k))
				break;
		}
		if (i == 256) {
			fprintf(stderr, "irqrr dump: unknown kind '%s' (the kind column of dump:"
					" irq, intack, apic, pio_write, console, ...)\n", k);
			return -1;
		}
		f->kinds[i] = f->any_kind = true;
	}
	return 0;
}

static int parse_small(const char *cmd, const char *opt, const char *s, uint64_t max, int *out)
{
	uint64_t v;
	if (cli_parse_u64(cmd, opt, s, &v))
		return -1;
	if (v > max) {
		fprintf(stderr, "irqrr %s: %s %s out of range (max %" PRIu64 ")\n", cmd, opt, s, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* One option into a; 0, or 2 after a message. */
static int take_option(struct trace_args *a, const char *cmd, int key, const char *v)
{
	const char *why;
	switch (key) {
	case OPT_FROM: return cli_parse_u64(cmd, "--from", v, &a->from) ? 2 : 0;
	case OPT_TO: return cli_parse_u64(cmd, "--to", v, &a->to) ? 2 : 0;
	case OPT_AT: a->have_at = 1; return cli_parse_u64(cmd, "--at", v, &a->at) ? 2 : 0;
	case OPT_FROM_TIME: a->have_time = 1; return cli_parse_time(cmd, "--from-time", v, &a->from_t) ? 2 : 0;
	case OPT_TO_TIME: a->have_time = 1; return cli_parse_time(cmd, "--to-time", v, &a->to_t) ? 2 : 0;
	case OPT_FORMAT: a->format = v; return 0;
	case OPT_STATS: a->stats = 1; return 0;
	case 'q': a->quiet = 1; return 0;
	case 'j': {
		uint64_t n;
		if (cli_parse_u64(cmd, "-j", v, &n))
			return 2;
		if (n < 1 || n > 1024) {
			fprintf(stderr, "irqrr %s: -j %s: the number of threads is 1..1024\n", cmd, v);
			return 2;
		}
		a->jobs = (unsigned)n;
		return 0;
	}
	case OPT_JSON: a->json = 1; return 0;
	case OPT_GIT_BISECT: a->git_bisect = 1; return 0;
	case OPT_KIND: return parse_kinds(&a->filter, v) ? 2 : 0;
	case OPT_GSI: return parse_small(cmd, "--gsi", v, BOARD_GSIS - 1, &a->filter.gsi) ? 2 : 0;
	case OPT_CPU: return parse_small(cmd, "--cpu", v, BOARD_MAX_CPUS - 1, &a->filter.cpu) ? 2 : 0;
	case OPT_VECTOR: return parse_small(cmd, "--vector", v, 0xff, &a->filter.vector) ? 2 : 0;
	case OPT_MODEL:
		why = variant_parse(&a->variants, v);
		if (why)
			fprintf(stderr, "irqrr %s: --model %s: %s\n", cmd, v, why);
		return why ? 2 : 0;
	case OPT_FAULT:
		why = variant_parse_fault(&a->variants, v);
		if (why)
			fprintf(stderr, "irqrr %s: --fault %s: %s (docs/faults.md)\n", cmd, v, why);
		return why ? 2 : 0;
	case OPT_LIST_MODELS:
		variant_list(stdout);
		return 0;
	default:
		return 2;
	}
}

/* -1: go on with a filled in; else the exit status. */
static int parse_trace_args(const struct cli_cmd *cmd, int argc, char **argv, struct trace_args *a)
{
	struct cli_parser p;
	int c, status;
	memset(a, 0, sizeof(*a));
	a->to = a->to_t = UINT64_MAX;
	a->filter.gsi = a->filter.cpu = a->filter.vector = -1;
	cli_parser_init(&p, cmd, argc, argv);
	while ((c = cli_parser_next(&p, &status)) != -1) {
		int rc = take_option(a, cmd->name, c, optarg);
		if (rc || c == OPT_LIST_MODELS)
			return rc;
	}
	if (status >= 0)
		return status;
	a->path = cli_trace_operand(cmd, argc, argv);
	if (!a->path)
		return 2;
	if (a->from > a->to || a->from_t > a->to_t) {
		fprintf(stderr, "irqrr %s: --from%s is after --to%s\n", cmd->name,
			a->from > a->to ? "" : "-time", a->from > a->to ? "" : "-time");
		return 2;
	}
	return -1;
}

/* Open a's trace and narrow a's event range to its time window. With
 * need_events, an empty trace or window is refused (cli_require_events). */
static struct trace_reader *open_window(struct trace_args *a, bool need_events)
{
	struct trace_reader *r = cli_open_trace(a->path, "");
	if (!r)
		return NULL;
	if ((need_events && cli_require_events(r, a->path)) ||
	    (a->have_time && cli_time_window(r, a->path, a->from_t, a->to_t, &a->from, &a->to))) {
		trace_reader_close(r);
		return NULL;
	}
	if (need_events && a->from > a->to) {
		fprintf(stderr, "irqrr: %s: no events in the time window\n", a->path);
		trace_reader_close(r);
		return NULL;
	}
	return r;
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

/* An imported trace: what the peer's log let replay check. */
static void print_imported(const struct replay_result *res, FILE *f)
{
	if (res->imported)
		fprintf(f, "imported trace: %" PRIu64 " results and outputs of the peer checked, %" PRIu64
			   " not checked (the log cannot show them: irqrr info, import.lost)\n",
			res->checked, res->unchecked);
}

static const struct cli_opt replay_opts[] = {
	O_FROM, O_TO, O_FROM_TIME, O_TO_TIME,
	{ "model", OPT_MODEL, "KEY=VALUE",
	  "replay with an alternative chip behaviour (what-if);\nrepeatable; --list-models shows them" },
	{ "list-models", OPT_LIST_MODELS, NULL, "list the --model keys and values" },
	{ "fault", OPT_FAULT, "SPEC", "replay with an injected chip fault (what-if; repeatable;\ndocs/faults.md)" },
	{ "stats", OPT_STATS, NULL, "print events/s" },
	{ "git-bisect", OPT_GIT_BISECT, NULL, "exit 125 instead of 2 or 3 (git bisect skip)" },
	{ "jobs", 'j', "N", "replay on N threads (default: the online CPUs;\n1: serial); the result is the same" },
	{ "quiet", 'q', NULL, "no summary line" },
	O_JSON,
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd replay_cmd = {
	"replay", "[OPTIONS] [FILE]",
	"Re-execute a trace's inputs against the chip models and check every\n"
	"output. Replay starts at the keyframe of the chunk holding --from.\n",
	replay_opts,
	"--json prints {\"result\": \"identical\"|\"diverged\"|\"unusable\"|\"unverified\",\n"
	"\"events\", \"inputs\", \"context\", \"chunks\", \"first\", \"last\",\n"
	"\"divergence_at\", \"not_verified\", \"message\"}.\n",
	"0 identical, 1 divergence (report on stderr), 2 unusable input,\n"
	"3 identical where checked, but the reader's recovery skipped damaged chunks\n"
	"in the range and their events were not verified (stderr says which; a torn\n"
	"tail is not counted). --git-bisect: 125 for 2 and 3.",
};

/* rc: the exit status (REPLAY_EXIT_UNVERIFIED included). */
static void replay_print_json(int rc, const struct replay_result *res)
{
	static const char *const names[] = { "identical", "diverged", "unusable", "unverified" };
	printf("{\"result\":\"%s\",\"events\":%" PRIu64 ",\"inputs\":%" PRIu64
	       ",\"context\":%" PRIu64 ",\"chunks\":%" PRIu64 ",\"first\":%" PRIu64
	       ",\"last\":%" PRIu64,
	       names[rc < 0 || rc > 3 ? 2 : rc], res->events, res->inputs, res->context, res->chunks,
	       res->first, res->last);
	if (rc == REPLAY_DIVERGED && res->div)
		printf(",\"divergence_at\":%" PRIu64 ",\"t\":%" PRIu64, res->div->num, res->div->t);
	if (res->imported)
		printf(",\"checked\":%" PRIu64 ",\"unchecked\":%" PRIu64, res->checked, res->unchecked);
	if (rc == REPLAY_EXIT_UNVERIFIED) {
		printf(",\"not_verified\":");
		cli_put_json_string(stdout, res->unverified);
	}
	if (rc == REPLAY_UNUSABLE) {
		printf(",\"message\":");
		cli_put_json_string(stdout, res->message);
	}
	printf("}\n");
}

/* The summary of replay_trace's outcome rc; returns the exit status. */
static int replay_print_summary(int rc, const struct replay_result *res, const struct trace_args *a)
{
	if (rc == REPLAY_IDENTICAL && res->gaps)
		rc = REPLAY_EXIT_UNVERIFIED;
	if (a->json)
		replay_print_json(rc, res);
	else if ((rc == REPLAY_IDENTICAL || rc == REPLAY_EXIT_UNVERIFIED) && !a->quiet)
		print_identical(res);
	if (!a->json && !a->quiet && (rc == REPLAY_IDENTICAL || rc == REPLAY_EXIT_UNVERIFIED))
		print_imported(res, stdout);
	else if (!a->json && rc == REPLAY_DIVERGED)
		print_imported(res, stderr);
	if (rc == REPLAY_EXIT_UNVERIFIED) {
		fprintf(stderr, "irqrr: %s: not verified: %s\n", a->path, res->unverified);
	} else if (rc == REPLAY_DIVERGED) {
		if (res->div)
			replay_print_divergence(res->div, stderr);
		else
			fprintf(stderr, "irqrr: divergence (out of memory for the report)\n");
	} else if (rc != REPLAY_IDENTICAL) {
		fprintf(stderr, "irqrr: %s: %s\n", a->path, res->message);
	}
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct trace_args a;
	int rc = parse_trace_args(&replay_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc == 2 && a.git_bisect ? 125 : rc;
	struct trace_reader *r = open_window(&a, true);
	if (!r)
		return a.git_bisect ? 125 : 2;
	struct replay_opts o;
	struct replay_result res;
	replay_opts_default(&o);
	o.from = a.from;
	o.to = a.to;
	o.variants = &a.variants;
	o.jobs = a.jobs ? a.jobs : cli_online_cpus();
	int tty = isatty(STDERR_FILENO) && !a.quiet;
	if (tty && trace_reader_chunk_count(r) > 16)
		o.progress = progress_bar;
	double t0 = now_s();
	rc = replay_trace(r, &o, &res);
	double dt = now_s() - t0;
	if (o.progress)
		fprintf(stderr, "\r\033[K");
	rc = replay_print_summary(rc, &res, &a);
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

/* The `board` line (with the model variants), and `cmos` lines for the CMOS
 * RAM bytes the recorder set, from the first chunk's keyframe (c: the
 * keyframe of the run holding chunk ci, docs/FORMAT.md "Chunk"); a warning
 * when the rest of the state is not the power-on state a script starts
 * from. */
static void dump_script_header(const struct trace_chunk *c, const struct trace_args *a, size_t ci)
{
	size_t kflen;
	const uint8_t *kf = trace_chunk_keyframe(c, &kflen);
	struct board *b = malloc(sizeof(*b));
	static struct board_setup setup;
	static char lines[SCRIPT_SETUP_MAX];
	if (!b || !kflen) {
		free(b);
		return;
	}
	board_init_blank(b);
	if (!board_load(b, kf, kflen)) {
		board_setup_of(b, &setup);
		script_format_setup(&setup, lines, sizeof(lines));
		printf("# irqrr dump --format script %s\n%s", a->path, lines);
		/* power-on with the trace's variants and faults, as the script's
		 * board and fault lines make it */
		if (!board_setup_is_power_on(&setup, b) || a->from)
			fprintf(stderr, "irqrr dump: warning: chunk %zu does not start at power-on;"
					" a script cannot express the chip state there,"
					" so `irqrr chips` may print different outputs\n", ci);
	}
	free(b);
}

static const struct cli_opt dump_opts[] = {
	{ "format", OPT_FORMAT, "F", "text (default), json, script or chips" },
	O_FROM, O_TO, O_FROM_TIME, O_TO_TIME,
	{ "kind", OPT_KIND, "K[,K...]", "only records of these kinds (dump's kind column)" },
	{ "gsi", OPT_GSI, "N", "only records about GSI N: irq lines, IOAPIC messages\nfrom pin N" },
	{ "line", OPT_GSI, "N", "the same as --gsi" },
	{ "cpu", OPT_CPU, "N", "only records about vCPU N (intack, eoi, lvt, lint, console)" },
	{ "vector", OPT_VECTOR, "V", "only records carrying vector V (intack, eoi, apic, lint)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd dump_cmd = {
	"dump", "[OPTIONS] [FILE]",
	"Print a trace's records: text (one a line: number, time in s, kind,\n"
	"fields), json (JSON lines), script (the inputs as a chip script, which\n"
	"`irqrr chips` turns back into the recorded outputs) or chips (the\n"
	"recorded outputs as `irqrr chips` prints them).\n",
	dump_opts,
	"Filters (--kind, --gsi, --cpu, --vector) apply to text and json; a record\n"
	"is printed when it meets every filter given.\n",
	"0 done, 2 unusable input or options, or a write error.",
};

/* The field of rec that --gsi, --cpu or --vector look at (its kind's row
 * names it by role); -1 if none. A console record's cpu is its first byte. */
static int record_field(const struct trace_record *rec, enum irq_field_role role)
{
	unsigned v;
	if (rec->kind == EV_CTX_CONSOLE && role == IRQ_ROLE_CPU)
		return rec->data && rec->len ? rec->data[0] : -1;
	if (EV_IS_CONTEXT(rec->kind) || !irq_event_role(&rec->ev, role, &v))
		return -1;
	return (int)v;
}

static bool filter_match(const struct record_filter *f, const struct trace_record *rec)
{
	return (!f->any_kind || f->kinds[rec->kind & 0xff]) &&
	       (f->gsi < 0 || record_field(rec, IRQ_ROLE_GSI) == f->gsi) &&
	       (f->cpu < 0 || record_field(rec, IRQ_ROLE_CPU) == f->cpu) &&
	       (f->vector < 0 || record_field(rec, IRQ_ROLE_VECTOR) == f->vector);
}

enum dump_format { DUMP_TEXT, DUMP_JSON, DUMP_SCRIPT, DUMP_CHIPS };

static int dump_format_of(const struct trace_args *a, enum dump_format *fmt)
{
	static const char *const names[] = { "text", "json", "script", "chips" };
	bool filtered = a->filter.any_kind || a->filter.gsi >= 0 || a->filter.cpu >= 0 ||
			a->filter.vector >= 0;
	*fmt = DUMP_TEXT;
	for (unsigned i = 0; a->format && i < 4; i++)
		if (!strcmp(a->format, names[i]))
			*fmt = (enum dump_format)i;
	if (a->format && strcmp(a->format, names[*fmt])) {
		fprintf(stderr, "irqrr dump: --format takes text, json, script or chips\n");
		return 2;
	}
	if (filtered && *fmt >= DUMP_SCRIPT) {
		fprintf(stderr, "irqrr dump: --kind, --gsi, --cpu and --vector apply to --format text"
				" and json (a filtered script would not replay)\n");
		return 2;
	}
	return 0;
}

static void dump_record(enum dump_format fmt, const struct trace_args *a,
			const struct trace_record *rec, struct script_state *ss)
{
	char line[1200];
	switch (fmt) {
	case DUMP_TEXT:
	case DUMP_JSON:
		if (!filter_match(&a->filter, rec))
			return;
		if (fmt == DUMP_TEXT)
			record_format_text(rec, line, sizeof(line));
		else
			record_format_json(rec, line, sizeof(line));
		puts(line);
		break;
	case DUMP_CHIPS:
		if (script_format_output(&rec->ev, line, sizeof(line)) && !EV_IS_CONTEXT(rec->kind))
			puts(line);
		break;
	case DUMP_SCRIPT:
		dump_script_record(rec, ss, stdout);
		break;
	}
}

/* Dump the records from chunk `first` on, a->from to a->to: 0, or 2 on a
 * read error (message printed). */
static int dump_records(struct trace_reader *r, size_t first, enum dump_format fmt,
			const struct trace_args *a, struct script_state *ss)
{
	struct trace_iter it;
	struct trace_record rec;
	const struct trace_chunk *c;
	int k;
	trace_iter_init(&it, r, first);
	if (fmt == DUMP_SCRIPT && (c = trace_iter_chunk(&it))) {
		/* a continuation chunk: the board line from its run's keyframe */
		size_t kflen, start;
		struct trace_chunk *sc = NULL;
		trace_chunk_keyframe(c, &kflen);
		if (!kflen && (start = trace_reader_run_start(r, first)) != first)
			sc = trace_reader_load_chunk(r, start);
		dump_script_header(sc ? sc : c, a, first);
		trace_chunk_free(sc);
	}
	while ((k = trace_iter_next(&it, &rec)) == 1 && rec.num <= a->to)
		if (rec.num >= a->from)
			dump_record(fmt, a, &rec, ss);
	if (k < 0)
		fprintf(stderr, "irqrr: %s: %s\n", a->path, trace_iter_error(&it));
	trace_iter_end(&it);
	return k < 0 ? 2 : 0;
}

int cmd_dump(int argc, char **argv)
{
	struct trace_args a;
	enum dump_format fmt;
	int rc = parse_trace_args(&dump_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (dump_format_of(&a, &fmt))
		return 2;
	struct trace_reader *r = open_window(&a, false);
	if (!r)
		return 2;
	size_t first = 0, n = trace_reader_chunk_count(r);
	struct script_state ss = { 0, 0 };
	if (a.from > a.to) { /* an empty time window */
		first = n;
	} else if (a.from && trace_reader_find_event(r, a.from, &first)) {
		fprintf(stderr, "irqrr: %s: event %" PRIu64 " is not in the trace\n", a.path, a.from);
		trace_reader_close(r);
		return 2;
	}
	rc = dump_records(r, first, fmt, &a, &ss);
	trace_reader_close(r);
	return rc;
}

/* -------------------------------------------------------------------- info */

static const struct cli_opt info_opts[] = { O_JSON, { NULL, 0, NULL, NULL } };

static const struct cli_cmd info_cmd = {
	"info", "[OPTIONS] [FILE]",
	"Print a trace's header, configuration, chunks and sizes. Bytes of the\n"
	"configuration outside printable ASCII are shown as \\xNN.\n",
	info_opts,
	"--json prints {\"file\", \"format\", \"configuration\": {KEY: VALUE},\n"
	"\"chunks\": [{\"seq\", \"offset\", \"first\", \"events\", \"first_t\", \"last_t\",\n"
	"\"raw\", \"stored\"}], \"events\", \"first_t\", \"last_t\", \"raw\", \"stored\",\n"
	"\"recovery\"}, the chunks all listed.\n",
	"0 done, 2 unusable input or a write error.",
};

struct info_totals {
	uint64_t raw, comp, t0, t1;
};

static void info_chunk_json(const struct trace_chunk_info *ci, size_t i)
{
	printf("%s{\"seq\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"first\":%" PRIu64 ",\"events\":%u"
	       ",\"first_t\":%" PRIu64 ",\"last_t\":%" PRIu64 ",\"raw\":%u,\"stored\":%u}",
	       i ? "," : "", ci->seq, ci->offset, ci->first_event, ci->count, ci->first_t, ci->last_t,
	       ci->raw_size, ci->comp_size);
}

static void info_chunk_text(const struct trace_chunk_info *ci, size_t i, size_t n)
{
	if (n <= 40 || i < 20 || i >= n - 20)
		printf("  %6" PRIu64 " %#12" PRIx64 " %12" PRIu64 " %8u %16" PRIu64 " %16" PRIu64
		       " %9u %9u\n",
		       ci->seq, ci->offset, ci->first_event, ci->count, ci->first_t, ci->last_t,
		       ci->raw_size, ci->comp_size);
	else if (i == 20)
		printf("  ... (%zu chunks not shown)\n", n - 40);
}

static void info_chunks(struct trace_reader *r, bool json, struct info_totals *tot)
{
	size_t n = trace_reader_chunk_count(r);
	if (json) {
		printf(",\"chunks\":[");
	} else {
		printf("chunks: %zu\n", n);
		printf("  %6s %12s %12s %8s %16s %16s %9s %9s\n", "seq", "offset", "first", "events",
		       "first t (ns)", "last t (ns)", "raw", "stored");
	}
	for (size_t i = 0; i < n; i++) {
		struct trace_chunk_info ci;
		if (trace_reader_chunk_info(r, i, &ci)) {
			if (!json)
				printf("  chunk %zu: %s\n", i, trace_reader_error(r));
			continue;
		}
		if (i == 0)
			tot->t0 = ci.first_t;
		tot->t1 = ci.last_t;
		tot->raw += ci.raw_size;
		tot->comp += ci.comp_size;
		if (json)
			info_chunk_json(&ci, i);
		else
			info_chunk_text(&ci, i, n);
	}
	if (json)
		printf("]");
}

static void info_config(struct trace_reader *r, bool json)
{
	printf(json ? ",\"configuration\":{" : "configuration:\n");
	for (size_t i = 0, shown = 0; i < trace_reader_config_count(r); i++) {
		const char *k, *v;
		if (trace_reader_config_at(r, i, &k, &v))
			continue;
		if (json) {
			printf(shown++ ? "," : "");
			cli_put_json_string(stdout, k);
			putchar(':');
			cli_put_json_string(stdout, v);
		} else {
			printf("  ");
			cli_put_text(stdout, k);
			printf(" = ");
			cli_put_text(stdout, v);
			putchar('\n');
		}
	}
	if (json)
		printf("}");
}

static void info_totals(struct trace_reader *r, bool json, const struct info_totals *t)
{
	uint64_t events = trace_reader_event_count(r);
	const struct trace_recovery *rec = trace_reader_recovery(r);
	const char *recovery = rec && rec->message[0] ? rec->message : "none needed";
	if (json) {
		printf(",\"events\":%" PRIu64 ",\"first_t\":%" PRIu64 ",\"last_t\":%" PRIu64
		       ",\"raw\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"recovery\":",
		       events, t->t0, t->t1, t->raw, t->comp);
		cli_put_json_string(stdout, recovery);
		printf("}\n");
		return;
	}
	printf("events: %" PRIu64 "\n", events);
	printf("virtual time: %" PRIu64 " .. %" PRIu64 " ns (%.6f s)\n", t->t0, t->t1,
	       (double)(t->t1 - t->t0) / 1e9);
	printf("payload: %" PRIu64 " bytes raw, %" PRIu64 " stored", t->raw, t->comp);
	if (t->comp)
		printf(" (ratio %.2f)", (double)t->raw / (double)t->comp);
	if (events)
		printf(", %.3f stored bytes/event", (double)t->comp / (double)events);
	printf("\nrecovery: %s\n", recovery);
}

int cmd_info(int argc, char **argv)
{
	struct trace_args a;
	struct info_totals tot = { 0, 0, 0, 0 };
	int rc = parse_trace_args(&info_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = cli_open_trace(a.path, "");
	if (!r)
		return 2;
	unsigned major, minor;
	trace_reader_version(r, &major, &minor);
	if (a.json) {
		printf("{\"file\":");
		cli_put_json_string(stdout, a.path);
		printf(",\"format\":\"%u.%u\"", major, minor);
	} else {
		printf("file: ");
		cli_put_text(stdout, a.path);
		printf("\nformat: %u.%u\n", major, minor);
	}
	info_config(r, a.json);
	info_chunks(r, a.json, &tot);
	info_totals(r, a.json, &tot);
	trace_reader_close(r);
	return 0;
}

/* ------------------------------------------------------------------- stats */

static const struct cli_opt stats_opts[] = {
	O_FROM, O_TO, O_FROM_TIME, O_TO_TIME, O_JSON, { NULL, 0, NULL, NULL },
};

static const struct cli_cmd stats_cmd = {
	"stats", "[OPTIONS] [FILE]",
	"Count events per kind, per IRQ line and per vector; interrupt rates;\n"
	"INTACK / EOI balance.\n",
	stats_opts,
	"--json prints {\"events\", \"seconds\", \"kinds\": {KIND: N}, \"lines\":\n"
	"[{\"gsi\", \"asserted\", \"deasserted\"}], \"irq0_rises\", \"vectors\": [{\"vector\",\n"
	"\"intack\", \"apic\", \"eoi\"}], \"spurious_candidates\", \"pic_eois\",\n"
	"\"extint_requests\", \"nmis\"}.\n",
	"0 done, 2 unusable input or a write error.",
};

struct line_stats {
	uint64_t asserts, deasserts;
};

struct trace_stats {
	uint64_t kinds[256], intack_vec[256], msg_vec[256], eoi_vec[256];
	struct line_stats lines[BOARD_GSIS];
	uint64_t irq0_rises, nmis, extint_req, pic_eoi, spurious, total;
	uint64_t t_first, t_last;
};

static void stats_count(struct trace_stats *st, const struct trace_record *rec)
{
	const struct irq_event *e = &rec->ev;
	st->total++;
	st->kinds[rec->kind & 0xff]++;
	if (rec->t < st->t_first)
		st->t_first = rec->t;
	if (rec->t > st->t_last)
		st->t_last = rec->t;
	switch (rec->kind) {
	case EV_IRQ:
		if (e->u.irq.gsi < BOARD_GSIS) {
			if (e->u.irq.level)
				st->lines[e->u.irq.gsi].asserts++;
			else
				st->lines[e->u.irq.gsi].deasserts++;
		}
		break;
	case EV_WIRE:
		if (e->u.wire.id == WIRE_IRQ0 && e->u.wire.level)
			st->irq0_rises++;
		break;
	case EV_INTACK:
		st->intack_vec[e->u.intack.vector]++;
		if ((e->u.intack.vector & 7) == 7)
			st->spurious++; /* candidates: IR7/IR15 also serve real devices */
		break;
	case EV_APIC_MSG:
		st->msg_vec[e->u.apic.vector]++;
		break;
	case EV_EOI:
		st->eoi_vec[e->u.eoi.vector]++;
		break;
	case EV_LINT:
		if (e->u.lint.mode == APIC_DM_NMI)
			st->nmis++;
		else if (e->u.lint.mode == APIC_DM_EXTINT && e->u.lint.level)
			st->extint_req++;
		break;
	case EV_PIO_WRITE:
		if (pic_pair_is_eoi_command(e->u.pio.port, e->u.pio.value))
			st->pic_eoi++;
		break;
	default:
		break;
	}
}

/* Count the records from chunk `first` on in a's range: 0, or 2 on a read
 * error (message printed). */
static int stats_records(struct trace_reader *r, size_t first, const struct trace_args *a,
			 struct trace_stats *st)
{
	struct trace_iter it;
	struct trace_record rec;
	int k;
	trace_iter_init(&it, r, first);
	while ((k = trace_iter_next(&it, &rec)) == 1 && rec.num <= a->to)
		if (rec.num >= a->from)
			stats_count(st, &rec);
	if (k < 0)
		fprintf(stderr, "irqrr: %s: %s\n", a->path, trace_iter_error(&it));
	trace_iter_end(&it);
	return k < 0 ? 2 : 0;
}

static double stats_seconds(const struct trace_stats *st)
{
	return st->t_last > st->t_first && st->t_first != UINT64_MAX
		       ? (double)(st->t_last - st->t_first) / 1e9
		       : 0;
}

static void stats_print_text(const struct trace_stats *st)
{
	double secs = stats_seconds(st);
	printf("events: %" PRIu64 " over %.6f s of virtual time\n", st->total, secs);
	printf("per kind:\n");
	for (unsigned k = 0; k < 256; k++) {
		if (!st->kinds[k])
			continue;
		char buf[16];
		printf("  %-12s %12" PRIu64, record_kind_label(k, buf, sizeof(buf)), st->kinds[k]);
		if (secs > 0)
			printf("  %12.1f/s", (double)st->kinds[k] / secs);
		printf("\n");
	}
	printf("lines (device-driven):\n");
	for (unsigned g = 0; g < BOARD_GSIS; g++)
		if (st->lines[g].asserts || st->lines[g].deasserts)
			printf("  gsi %-2u asserted %" PRIu64 " deasserted %" PRIu64 "\n", g,
			       st->lines[g].asserts, st->lines[g].deasserts);
	printf("  irq0 (PIT OUT0) rising edges %" PRIu64, st->irq0_rises);
	if (secs > 0)
		printf(" (%.1f Hz)", (double)st->irq0_rises / secs);
	printf("\n");
	printf("vectors:       intack   apic-msgs        eois\n");
	for (unsigned v = 0; v < 256; v++)
		if (st->intack_vec[v] || st->msg_vec[v] || st->eoi_vec[v])
			printf("  0x%02x %12" PRIu64 " %11" PRIu64 " %11" PRIu64 "\n", v,
			       st->intack_vec[v], st->msg_vec[v], st->eoi_vec[v]);
	printf("balance: %" PRIu64 " INTACKs (%" PRIu64 " with a vector ending in 7: spurious candidates)"
	       ", %" PRIu64 " PIC EOI commands, %" PRIu64 " ExtINT requests, %" PRIu64 " LINT0 NMIs\n",
	       st->kinds[EV_INTACK], st->spurious, st->pic_eoi, st->extint_req, st->nmis);
	printf("         %" PRIu64 " APIC messages, %" PRIu64 " APIC EOIs\n", st->kinds[EV_APIC_MSG],
	       st->kinds[EV_EOI]);
}

static void stats_print_json(const struct trace_stats *st)
{
	const char *sep = "";
	printf("{\"events\":%" PRIu64 ",\"seconds\":%.9f,\"kinds\":{", st->total, stats_seconds(st));
	for (unsigned k = 0; k < 256; k++)
		if (st->kinds[k]) {
			char buf[16];
			printf("%s\"%s\":%" PRIu64, sep, record_kind_label(k, buf, sizeof(buf)), st->kinds[k]);
			sep = ",";
		}
	printf("},\"lines\":[");
	sep = "";
	for (unsigned g = 0; g < BOARD_GSIS; g++)
		if (st->lines[g].asserts || st->lines[g].deasserts) {
			printf("%s{\"gsi\":%u,\"asserted\":%" PRIu64 ",\"deasserted\":%" PRIu64 "}", sep,
			       g, st->lines[g].asserts, st->lines[g].deasserts);
			sep = ",";
		}
	printf("],\"irq0_rises\":%" PRIu64 ",\"vectors\":[", st->irq0_rises);
	sep = "";
	for (unsigned v = 0; v < 256; v++)
		if (st->intack_vec[v] || st->msg_vec[v] || st->eoi_vec[v]) {
			printf("%s{\"vector\":%u,\"intack\":%" PRIu64 ",\"apic\":%" PRIu64
			       ",\"eoi\":%" PRIu64 "}",
			       sep, v, st->intack_vec[v], st->msg_vec[v], st->eoi_vec[v]);
			sep = ",";
		}
	printf("],\"spurious_candidates\":%" PRIu64 ",\"pic_eois\":%" PRIu64
	       ",\"extint_requests\":%" PRIu64 ",\"nmis\":%" PRIu64 "}\n",
	       st->spurious, st->pic_eoi, st->extint_req, st->nmis);
}

int cmd_stats(int argc, char **argv)
{
	struct trace_args a;
	int rc = parse_trace_args(&stats_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	struct trace_reader *r = open_window(&a, false);
	if (!r)
		return 2;
	struct trace_stats *st = calloc(1, sizeof(*st));
	size_t n = trace_reader_chunk_count(r), first = 0;
	if (!st) {
		trace_reader_close(r);
		fprintf(stderr, "irqrr: out of memory\n");
		return 2;
	}
	st->t_first = UINT64_MAX;
	if (a.from > a.to || (a.from && trace_reader_find_event(r, a.from, &first)))
		first = n;
	rc = stats_records(r, first, &a, st);
	if (a.json)
		stats_print_json(st);
	else
		stats_print_text(st);
	free(st);
	trace_reader_close(r);
	return rc;
}

/* ------------------------------------------------------------------- state */

static const struct cli_opt state_opts[] = {
	{ "at", OPT_AT, "N", "the event after which to show the state (required)" },
	O_JSON,
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd state_cmd = {
	"state", "--at N [OPTIONS] [FILE]",
	"Print the full chip state after event N, found by seeking to the\n"
	"nearest keyframe (not by replaying from the start).\n",
	state_opts,
	"--json prints {\"at\", \"state_hash\", \"state\": [LINE...]}: the lines\n"
	"of the text layout (docs/chips-script.md), and a hash that is equal\n"
	"for equal states.\n",
	"0 done, 2 unusable input, no such event, or a write error.",
};

/* The state as JSON: its text layout, line by line. */
static int state_print_json(const struct board *b, uint64_t at)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return 2;
	board_print_state(b, m);
	if (fclose(m)) {
		free(text);
		return 2;
	}
	printf("{\"at\":%" PRIu64 ",\"state_hash\":\"%016" PRIx64 "\",\"state\":[", at,
	       board_state_hash(b));
	const char *sep = "";
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), sep = ",") {
		printf("%s", sep);
		cli_put_json_string(stdout, line);
	}
	printf("]}\n");
	free(text);
	return 0;
}

int cmd_state(int argc, char **argv)
{
	struct trace_args a;
	int rc = parse_trace_args(&state_cmd, argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (!a.have_at) {
		fprintf(stderr, "irqrr state: --at N is required\n");
		return 2;
	}
	struct trace_reader *r = cli_open_events(a.path, "");
	if (!r)
		return 2;
	struct board *b = malloc(sizeof(*b));
	char err[300];
	if (!b) {
		trace_reader_close(r);
		return 2;
	}
	board_init_blank(b);
	rc = 0;
	if (replay_state_at(r, a.at, b, err, sizeof(err))) {
		fprintf(stderr, "irqrr: %s: %s\n", a.path, err);
		rc = 2;
	} else if (a.json) {
		rc = state_print_json(b, a.at);
	} else {
		printf("state after event %" PRIu64 ":\n", a.at);
		board_print_state(b, stdout);
	}
	free(b);
	trace_reader_close(r);
	return rc;
}
