/* SPDX-License-Identifier: MIT */
/* `irqrr run` and `irqrr record`: parse the guest options, run the recorder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chips/fault.h"
#include "chips/variants.h"
#include "cli/cliutil.h"
#include "cli/commands.h"
#include "guests/guests.h"
#include "recorder/recorder.h"

enum {
	OPT_GUEST = 0x100, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_KERNEL_DECOMPRESS, OPT_CPUS, OPT_MEM,
	OPT_IRQCHIP, OPT_TIMEOUT, OPT_LINT0, OPT_LIST, OPT_MODULE,
	OPT_HANG_TIMEOUT, OPT_REPORT, OPT_REPORT_JSON, OPT_RING, OPT_CPUID, OPT_CHUNK_MS,
	OPT_KEYFRAME_WINDOWS, OPT_KEYFRAME_KIB, OPT_RECORDS,
	OPT_MODEL, OPT_HPET, OPT_CONSOLE, OPT_FAULT,
};

/* A number macro as a string, for the help texts. */
#define STR_(x) #x
#define STR(x) STR_(x)

#define GUEST_OPTS                                                                                \
	{ "guest", OPT_GUEST, "NAME", "built-in guest (default: demo; see --list-guests)" },       \
	{ "kernel", OPT_KERNEL, "FILE", "multiboot ELF32 kernel or Linux bzImage (told by its header)" }, \
	{ "append", OPT_APPEND, "STR", "kernel command line" },                                    \
	{ "module", OPT_MODULE, "FILE[,CMDLINE]", "multiboot module (repeatable, up to 16)" },     \
	{ "initrd", OPT_INITRD, "FILE", "initrd of a bzImage" },                                   \
	{ "kernel-decompress", OPT_KERNEL_DECOMPRESS, "host|guest",                                \
	  "bzImage: unpack vmlinux in the VMM (default) or run its\ndecompressor" },               \
	{ "cpus", OPT_CPUS, "N", "vCPUs, 1..min(KVM_CAP_MAX_VCPUS, " STR(RECORDER_MAX_CPUS) ")\n"   \
	  "(default 1; built-in guests at most 8)" },                                               \
	{ "mem", OPT_MEM, "MIB", "guest RAM (default " STR(RECORDER_MEM_MIB_DEFAULT)              \
	  "; below 0xfec00000, at most 4076)" },                                                   \
	{ "irqchip", OPT_IRQCHIP, "split|kernel", "irqrr's chips (default) or KVM's (baseline, no trace)" }, \
	{ "timeout", OPT_TIMEOUT, "SEC", "stop after SEC seconds (exit status 124)" },             \
	{ "cpuid", OPT_CPUID, "auto|host|safe",                                                    \
	  "guest CPUID: as KVM supports it (host), minus what an\n"                                \
	  "emulating KVM cannot run (safe); auto: safe if the CPU\nlacks vmx/svm (default)" },     \
	{ "console", OPT_CONSOLE, "stdin|none",                                                   \
	  "the guest's serial input: standard input (default; on a\n"                            \
	  "terminal: raw mode, C-a x stop, C-a r report, C-a h help)\nor none" },                 \
	{ "lint0", OPT_LINT0, "broadcast|bsp", "PIC INT reaches every vCPU's LINT0 (default) or cpu 0 only" }, \
	{ "hpet", OPT_HPET, "on|off", "the board's HPET at 0xfed00000 and an ACPI HPET table\n"  \
	  "(default on; --irqchip=split only)" },                                                   \
	{ "model", OPT_MODEL, "KEY=VALUE", "run against a model variant of the chips (repeatable;\n" \
	  "irqrr replay --list-models); recorded in the trace" },                                   \
	{ "fault", OPT_FAULT, "SPEC", "inject one chip fault (repeatable, up to 4; docs/faults.md):\n" \
	  "eoi-drop:pin=P[,nth=N], edge-lose:line=L|pin=P[,nth=N],\n"                             \
	  "pit-stop:at=TIME|after=N, rte-mask:pin=P,at=TIME|nth=N\n"                              \
	  "(TIME: N with ns, us, ms or s); recorded in the trace" },                               \
	{ "verbose", 'v', NULL, "log unclaimed ports/MMIO and print exit statistics" },            \
	{ "hang-timeout", OPT_HANG_TIMEOUT, "SEC", "watchdog: no guest progress for SEC s -> hang report, exit 4" }, \
	{ "report", OPT_REPORT, "FILE", "hang report text (default stderr; also on SIGUSR1, triple\nfault)" }, \
	{ "report-json", OPT_REPORT_JSON, "FILE", "hang report as JSON (docs/hang.md)" },           \
	{ "list-guests", OPT_LIST, NULL, "list the built-in guests" }

static const struct cli_opt run_opts[] = { GUEST_OPTS, { NULL, 0, NULL, NULL } };

static const struct cli_opt record_opts[] = {
	{ "output", 'o', "FILE", "trace file (default: irqrr.irqrr; not '-': the writer seeks)" },
	GUEST_OPTS,
	{ "ring", OPT_RING, "MIB", "flight recorder: keep only the newest MIB of trace in\n"
				   "memory, written on exit, hang, SIGUSR1, SIGINT/SIGTERM" },
	{ "chunk-ms", OPT_CHUNK_MS, "MS", "seal a chunk every MS ms of virtual time (default 250;\n"
					  "1..60000): less lost on a kill" },
	{ "keyframe-windows", OPT_KEYFRAME_WINDOWS, "N", "a chunk has a keyframe at least every N chunks (default\n"
							"64; 16 with --ring or --records other than compact;\n"
							"1: every chunk); the others continue the one before:\n"
							"seek and bisect step by keyframes" },
	{ "keyframe-kib", OPT_KEYFRAME_KIB, "KIB", "...or once KIB of records passed since the last one\n"
						   "(default 256; 64 likewise; 1..16384)" },
	{ "records", OPT_RECORDS, "LAYOUT", "compact (default: format 2.4, split and linked records\n"
					    "with compact chunk framing, a keyframe every 64 windows\n"
					    "or 256 KiB unless --keyframe-* or --ring say otherwise:\n"
					    "the smallest), interleaved (format 2.1, read by older\n"
					    "irqrr, ~1.6x larger), split (format 2.2: docs/FORMAT.md\n"
					    "\"Split records\") or linked (format 2.3: split, and each\n"
					    "continuation chunk compressed against its run)" },
	{ NULL, 0, NULL, NULL },
};

#define RUN_EXITS                                                                               \
	"0 when the guest powers off (ACPI PM1a, port 0x604), (v<<1)|1\n"                       \
	"when it writes v to the debug-exit port 0xf4 (QEMU isa-debug-exit: 0 -> 1), 2 VMM\n"   \
	"error, 4 hang (watchdog) or guest shutdown, 124 timeout, 128+N signal N."

static const struct cli_cmd run_cmd = {
	"run", "[OPTIONS]", "Run a guest under KVM with irqrr's chips (or KVM's), without a trace.\n",
	run_opts, NULL, RUN_EXITS,
};

static const struct cli_cmd record_cmd = {
	"record", "[OPTIONS]",
	"Run a guest under KVM with irqrr's chips and record every interrupt event\n"
	"into a trace (irqrr replay, dump, ...).\n",
	record_opts, NULL, RUN_EXITS,
};

static void list_guests(void)
{
	size_t n;
	const struct builtin_guest *g = builtin_guest_list(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-14s %s%s\n", g[i].name, g[i].summary,
		       g[i].min_cpus > 1 ? " (needs --cpus 2)" : "");
}

/* --model KEY=VALUE: checked here, applied to the board by the bus. */
static int parse_model(struct recorder_options *o, const char *spec)
{
	enum board_variant v;
	unsigned value;
	const char *why = board_variant_parse(spec, &v, &value);
	if (why) {
		fprintf(stderr, "irqrr: --model %s: %s (irqrr replay --list-models)\n", spec, why);
		return -1;
	}
	if (o->nmodels == RECORDER_MAX_MODELS) {
		fprintf(stderr, "irqrr: --model %s: at most %d models\n", spec, RECORDER_MAX_MODELS);
		return -1;
	}
	o->models[o->nmodels++] = spec;
	return 0;
}

/* --fault SPEC: checked here, added to the board by the bus. */
static int parse_fault(struct recorder_options *o, const char *spec)
{
	struct board_fault f;
	const char *why = board_fault_parse(spec, &f);
	if (why) {
		fprintf(stderr, "irqrr: --fault %s: %s (docs/faults.md)\n", spec, why);
		return -1;
	}
	if (o->nfaults == BOARD_FAULTS_MAX) {
		fprintf(stderr, "irqrr: --fault %s: at most %d faults\n", spec, BOARD_FAULTS_MAX);
		return -1;
	}
	o->faults[o->nfaults++] = spec;
	return 0;
}

static int parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (!*s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "irqrr: %s %s: expected %u..%u\n", opt, s, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* The index of s among the '|'-separated words of choices, or -1 after a
 * message ("irqrr: --irqchip x: expected split or kernel"). */
static int parse_choice(const char *opt, const char *s, const char *const *words, const char *expected)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return i;
	fprintf(stderr, "irqrr: %s %s: expected %s\n", opt, s, expected);
	return -1;
}

/* A number of seconds or MiB, > 0 and <= max; -1 after a message. */
static int parse_positive(const char *opt, const char *s, const char *what, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end || !(v > 0) || v > max) {
		fprintf(stderr, "irqrr: %s %s: expected a number > 0 (%s)\n", opt, s, what);
		return -1;
	}
	*out = v;
	return 0;
}

static int take_choice_option(struct recorder_options *o, int c, const char *v)
{
	static const char *const irqchips[] = { "split", "kernel", NULL };
	static const char *const lint0s[] = { "broadcast", "bsp", NULL };
	static const char *const cpuids[] = { "auto", "host", "safe", NULL };
	static const char *const decompress[] = { "host", "guest", NULL };
	static const char *const onoff[] = { "off", "on", NULL };
	static const char *const consoles[] = { "stdin", "none", NULL };
	int i;
	switch (c) {
	case OPT_HPET:
		if ((i = parse_choice("--hpet", v, onoff, "on or off")) < 0)
			return 2;
		o->hpet = i == 1;
		return 0;
	case OPT_IRQCHIP:
		if ((i = parse_choice("--irqchip", v, irqchips, "split or kernel")) < 0)
			return 2;
		o->kernel_irqchip = i == 1;
		return 0;
	case OPT_LINT0:
		if ((i = parse_choice("--lint0", v, lint0s, "broadcast or bsp")) < 0)
			return 2;
		o->lint0_bsp = i == 1;
		return 0;
	case OPT_CPUID: {
		static const enum recorder_cpuid modes[] = { RECORDER_CPUID_AUTO, RECORDER_CPUID_HOST, RECORDER_CPUID_SAFE };
		if ((i = parse_choice("--cpuid", v, cpuids, "auto, host or safe")) < 0)
			return 2;
		o->cpuid = modes[i];
		return 0;
	}
	case OPT_CONSOLE:
		if ((i = parse_choice("--console", v, consoles, "stdin or none")) < 0)
			return 2;
		o->console = i ? RECORDER_CONSOLE_NONE : RECORDER_CONSOLE_STDIN;
		return 0;
	default: /* OPT_KERNEL_DECOMPRESS */
		if ((i = parse_choice("--kernel-decompress", v, decompress, "host or guest")) < 0)
			return 2;
		o->kernel_decompress_guest = i == 1;
		return 0;
	}
}

/* One option into o (output: record's -o); 0, or 2 after a message. */
static int take_run_option(struct recorder_options *o, int c, const char *v, const char **output)
{
	double d;
	switch (c) {
	case 'o':
		if (!strcmp(v, "-")) {
			fprintf(stderr, "irqrr: record -o -: a trace cannot go to standard output"
					" (the writer seeks back to it); give a file name\n");
			return 2;
		}
		*output = v;
		return 0;
	case OPT_GUEST: o->guest = v; return 0;
	case OPT_KERNEL: o->kernel = v; return 0;
	case OPT_INITRD: o->initrd = v; return 0;
	case OPT_APPEND: o->append = v; return 0;
	case OPT_REPORT: o->report_path = v; return 0;
	case OPT_REPORT_JSON: o->report_json = v; return 0;
	case 'v': o->verbose = true; return 0;
	case OPT_MODULE:
		if (o->nmodules == RECORDER_MAX_MODULES) {
			fprintf(stderr, "irqrr: --module %s: at most %d modules\n", v, RECORDER_MAX_MODULES);
			return 2;
		}
		o->modules[o->nmodules++] = v;
		return 0;
	case OPT_MODEL: return parse_model(o, v) ? 2 : 0;
	case OPT_FAULT: return parse_fault(o, v) ? 2 : 0;
	/* 1..the board's limit here; a lower KVM_CAP_MAX_VCPUS is named by kvm.c */
	case OPT_CPUS: return parse_uint("--cpus", v, 1, RECORDER_MAX_CPUS, &o->cpus) ? 2 : 0;
	case OPT_MEM: return parse_uint("--mem", v, 1, 1u << 20, &o->mem_mib) ? 2 : 0;
	case OPT_CHUNK_MS: return parse_uint("--chunk-ms", v, 1, 60000, &o->chunk_ms) ? 2 : 0;
	case OPT_KEYFRAME_WINDOWS:
		o->keyframe_given = true;
		return parse_uint("--keyframe-windows", v, 1, 1000000, &o->keyframe_windows) ? 2 : 0;
	case OPT_KEYFRAME_KIB:
		o->keyframe_given = true;
		return parse_uint("--keyframe-kib", v, 1, 16384, &o->keyframe_kib) ? 2 : 0;
	case OPT_RECORDS:
		if (strcmp(v, "split") && strcmp(v, "interleaved") && strcmp(v, "linked") && strcmp(v, "compact")) {
			fprintf(stderr, "irqrr: --records %s: expected split, interleaved, linked or compact\n", v);
			return 2;
		}
		o->split_records = strcmp(v, "interleaved") != 0;
		o->compact_records = !strcmp(v, "compact");
		o->linked_records = !strcmp(v, "linked") || o->compact_records;
		return 0;
	case OPT_TIMEOUT: return parse_positive("--timeout", v, "seconds", 1e12, &o->timeout) ? 2 : 0;
	case OPT_HANG_TIMEOUT:
		return parse_positive("--hang-timeout", v, "seconds", 1e6, &o->hang_timeout) ? 2 : 0;
	case OPT_RING:
		if (parse_positive("--ring", v, "MiB; fractions allowed", 1e6, &d))
			return 2;
		o->ring_mib = d;
		return 0;
	default:
		return take_choice_option(o, c, v);
	}
}

int cmd_run(int argc, char **argv)
{
	bool record = !strcmp(argv[0], "record");
	const struct cli_cmd *cmd = record ? &record_cmd : &run_cmd;
	struct recorder_options o;
	struct cli_parser p;
	const char *output = NULL;
	int c, status;
	recorder_options_default(&o);
	cli_parser_init(&p, cmd, argc, argv);
	while ((c = cli_parser_next(&p, &status)) != -1) {
		if (c == OPT_LIST) {
			list_guests();
			return 0;
		}
		if (take_run_option(&o, c, optarg, &output))
			return 2;
	}
	if (status >= 0)
		return status;
	if (optind < argc) {
		fprintf(stderr, "irqrr: %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	if (record)
		o.trace_path = output ? output : "irqrr.irqrr";
	return recorder_run(&o);
}
