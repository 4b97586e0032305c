/* SPDX-License-Identifier: MIT */
/* `irqrr run` and `irqrr record`: parse the guest options, run the recorder. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "guests/guests.h"
#include "recorder/recorder.h"

enum {
	OPT_GUEST = 0x100, OPT_KERNEL, OPT_INITRD, OPT_APPEND, OPT_KERNEL_DECOMPRESS, OPT_CPUS, OPT_MEM,
	OPT_IRQCHIP, OPT_TIMEOUT, OPT_LINT0, OPT_LIST, OPT_MODULE,
	OPT_HANG_TIMEOUT, OPT_REPORT, OPT_REPORT_JSON, OPT_RING, OPT_CPUID, OPT_CHUNK_MS,
};

static void run_usage(FILE *f, bool record)
{
	fprintf(f,
		"usage: irqrr %s [options]\n"
		"%s"
		"  --guest NAME         built-in guest (default: demo; see --list-guests)\n"
		"  --kernel FILE        multiboot ELF32 kernel or Linux bzImage (told by its header)\n"
		"  --append STR         kernel command line\n"
		"  --module FILE[,CMDLINE]  multiboot module (repeatable, up to 16)\n"
		"  --initrd FILE        initrd of a bzImage\n"
		"  --kernel-decompress host|guest   bzImage: unpack vmlinux in the VMM (default) or run its decompressor\n"
		"  --cpus N             vCPUs (default 1)\n"
		"  --mem MIB            guest RAM (default 64)\n"
		"  --irqchip split|kernel   irqrr's chips (default) or KVM's (baseline, no trace)\n"
		"  --timeout SEC        stop after SEC seconds (exit status 124)\n"
		"  --cpuid auto|host|safe   guest CPUID: as KVM supports it (host), minus what an emulating\n"
		"                       KVM cannot run (safe); auto: safe if the CPU lacks vmx/svm (default)\n"
		"  --lint0 broadcast|bsp    PIC INT reaches every vCPU's LINT0 (default) or cpu 0 only\n"
		"  --verbose            log unclaimed ports/MMIO and print exit statistics\n"
		"  --hang-timeout SEC   watchdog: no guest progress for SEC s -> hang report, exit 4\n"
		"  --report FILE        hang report text (default stderr; also on SIGUSR1, triple fault)\n"
		"  --report-json FILE   hang report as JSON (docs/hang.md)\n"
		"%s"
		"  --list-guests        list the built-in guests\n"
		"Exit status: 0 when the guest powers off (ACPI PM1a, port 0x604), (v<<1)|1 when it\n"
		"writes v to the debug-exit port 0xf4 (QEMU isa-debug-exit: 0 -> 1),\n"
		"2 VMM error, 4 hang (watchdog) or guest shutdown, 124 timeout, 128+N signal N.\n",
		record ? "record" : "run",
		record ? "  -o, --output FILE    trace file (default: irqrr.irqrr)\n" : "",
		record ? "  --ring MIB           flight recorder: keep only the newest MIB of trace in memory,\n"
			 "                       written on exit, hang, SIGUSR1, SIGINT/SIGTERM\n"
			 "  --chunk-ms MS        seal a chunk (with a keyframe) every MS ms of virtual time\n"
			 "                       (default 250; 1..60000): less lost on a kill, and bisect\n"
			 "                       passes over chunks shorter than a predicate's duration\n" : "");
}

static void list_guests(void)
{
	size_t n;
	const struct builtin_guest *g = builtin_guest_list(&n);
	for (size_t i = 0; i < n; i++)
		printf("%-14s %s%s\n", g[i].name, g[i].summary,
		       g[i].min_cpus > 1 ? " (needs --cpus 2)" : "");
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

int cmd_run(int argc, char **argv)
{
	bool record = !strcmp(argv[0], "record");
	struct recorder_options o;
	recorder_options_default(&o);
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"guest", required_argument, NULL, OPT_GUEST},
		{"kernel", required_argument, NULL, OPT_KERNEL},
		{"initrd", required_argument, NULL, OPT_INITRD},
		{"append", required_argument, NULL, OPT_APPEND},
		{"kernel-decompress", required_argument, NULL, OPT_KERNEL_DECOMPRESS},
		{"module", required_argument, NULL, OPT_MODULE},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"mem", required_argument, NULL, OPT_MEM},
		{"irqchip", required_argument, NULL, OPT_IRQCHIP},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"lint0", required_argument, NULL, OPT_LINT0},
		{"verbose", no_argument, NULL, 'v'},
		{"list-guests", no_argument, NULL, OPT_LIST},
		{"hang-timeout", required_argument, NULL, OPT_HANG_TIMEOUT},
		{"report", required_argument, NULL, OPT_REPORT},
		{"report-json", required_argument, NULL, OPT_REPORT_JSON},
		{"ring", required_argument, NULL, OPT_RING},
		{"chunk-ms", required_argument, NULL, OPT_CHUNK_MS},
		{"cpuid", required_argument, NULL, OPT_CPUID},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *output = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, record ? "o:vh" : "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!record) {
				fprintf(stderr, "irqrr: run: -o is for `irqrr record`\n");
				return 2;
			}
			if (!strcmp(optarg, "-")) {
				fprintf(stderr, "irqrr: record -o -: a trace cannot go to standard output"
						" (the writer seeks back to it); give a file name\n");
				return 2;
			}
			output = optarg;
			break;
		case OPT_GUEST: o.guest = optarg; break;
		case OPT_KERNEL: o.kernel = optarg; break;
		case OPT_INITRD: o.initrd = optarg; break;
		case OPT_APPEND: o.append = optarg; break;
		case OPT_KERNEL_DECOMPRESS:
			if (strcmp(optarg, "host") && strcmp(optarg, "guest")) {
				fprintf(stderr, "irqrr: --kernel-decompress %s: expected host or guest\n", optarg);
				return 2;
			}
			o.kernel_decompress_guest = !strcmp(optarg, "guest");
			break;
		case OPT_MODULE:
			if (o.nmodules == RECORDER_MAX_MODULES) {
				fprintf(stderr, "irqrr: --module %s: at most %d modules\n", optarg, RECORDER_MAX_MODULES);
				return 2;
			}
			o.modules[o.nmodules++] = optarg;
			break;
		case OPT_CPUS:
			if (parse_uint("--cpus", optarg, 1, 64, &o.cpus) < 0)
				return 2;
			break;
		case OPT_MEM:
			if (parse_uint("--mem", optarg, 1, 1u << 20, &o.mem_mib) < 0)
				return 2;
			break;
		case OPT_IRQCHIP:
			if (!strcmp(optarg, "split")) {
				o.kernel_irqchip = false;
			} else if (!strcmp(optarg, "kernel")) {
				o.kernel_irqchip = true;
			} else {
				fprintf(stderr, "irqrr: --irqchip %s: expected split or kernel\n", optarg);
				return 2;
			}
			break;
		case OPT_TIMEOUT: {
			char *end;
			o.timeout = strtod(optarg, &end);
			if (!*optarg || *end || !(o.timeout > 0)) {
				fprintf(stderr, "irqrr: --timeout %s: expected seconds > 0\n", optarg);
				return 2;
			}
			break;
		}
		case OPT_HANG_TIMEOUT:
		case OPT_RING: {
			char *end;
			double v = strtod(optarg, &end);
			const char *name = c == OPT_RING ? "--ring" : "--hang-timeout";
			if (!*optarg || *end || !(v > 0) || v > 1e6) {
				fprintf(stderr, "irqrr: %s %s: expected a number > 0%s\n", name, optarg,
					c == OPT_RING ? " (MiB; fractions allowed)" : " (seconds)");
				return 2;
			}
			if (c == OPT_RING && !record) {
				fprintf(stderr, "irqrr: run: --ring is for `irqrr record`\n");
				return 2;
			}
			if (c == OPT_RING)
				o.ring_mib = v;
			else
				o.hang_timeout = v;
			break;
		}
		case OPT_CHUNK_MS:
			if (!record) {
				fprintf(stderr, "irqrr: run: --chunk-ms is for `irqrr record`\n");
				return 2;
			}
			if (parse_uint("--chunk-ms", optarg, 1, 60000, &o.chunk_ms))
				return 2;
			break;
		case OPT_REPORT: o.report_path = optarg; break;
		case OPT_REPORT_JSON: o.report_json = optarg; break;
		case OPT_LINT0:
			if (!strcmp(optarg, "bsp")) {
				o.lint0_bsp = true;
			} else if (!strcmp(optarg, "broadcast")) {
				o.lint0_bsp = false;
			} else {
				fprintf(stderr, "irqrr: --lint0 %s: expected broadcast or bsp\n", optarg);
				return 2;
			}
			break;
		case OPT_CPUID:
			if (!strcmp(optarg, "auto")) {
				o.cpuid = RECORDER_CPUID_AUTO;
			} else if (!strcmp(optarg, "host")) {
				o.cpuid = RECORDER_CPUID_HOST;
			} else if (!strcmp(optarg, "safe")) {
				o.cpuid = RECORDER_CPUID_SAFE;
			} else {
				fprintf(stderr, "irqrr: --cpuid %s: expected auto, host or safe\n", optarg);
				return 2;
			}
			break;
		case 'v': o.verbose = true; break;
		case OPT_LIST: list_guests(); return 0;
		case 'h': run_usage(stdout, record); return 0;
		default: run_usage(stderr, record); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "irqrr: %s: unexpected argument '%s'\n", argv[0], argv[optind]);
		return 2;
	}
	if (record)
		o.trace_path = output ? output : "irqrr.irqrr";
	return recorder_run(&o);
}
