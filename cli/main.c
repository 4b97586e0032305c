/* SPDX-License-Identifier: MIT */
/* irqrr: record/replay debugger for the x86 interrupt system of VMs. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
#ifdef IRQRR_HAVE_RECORDER
	{ "run", cmd_run, "run a guest (no trace)" },
	{ "record", cmd_run, "run a guest and record its interrupt trace" },
#endif
#ifdef IRQRR_HAVE_REPLAYER
	{ "replay", cmd_replay, "re-execute a trace and verify every output" },
	{ "dump", cmd_dump, "print a trace's events (text, json, script)" },
	{ "info", cmd_info, "print a trace's header, configuration and chunks" },
	{ "stats", cmd_stats, "count events per kind and per IRQ line" },
	{ "state", cmd_state, "print the full chip state after event N" },
	{ "explain", cmd_explain, "why each pending line is not delivered after event N" },
#endif
#ifdef IRQRR_HAVE_DEBUG
	{ "bisect", cmd_bisect, "find the first event where a predicate holds" },
	{ "diff", cmd_diff, "first difference in two traces' interrupt behaviour" },
	{ "reduce", cmd_reduce, "shrink a trace to a minimal chip script (ddmin)" },
#endif
#ifdef IRQRR_HAVE_EXPORT
	{ "export", cmd_export, "write a trace as a Perfetto/Chrome timeline" },
	{ "plot", cmd_plot, "draw line levels and deliveries as SVG" },
#endif
	{ "chips", cmd_chips, "drive a bare board from a chip script" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: irqrr COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'irqrr COMMAND --help' describes a command. Docs: README.md, docs/.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("irqrr %s\n", IRQRR_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "irqrr: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
