/* SPDX-License-Identifier: MIT */
/* irqrr: record/replay debugger for the x86 interrupt system of VMs. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cliutil.h"
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
	{ "dump", cmd_dump, "print a trace's events (--format text, json, script, chips)" },
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
	{ "import", cmd_import, "turn a QEMU -trace log or KVM ftrace log into a trace" },
	{ "chips", cmd_chips, "drive a bare board from a chip script" },
	{ "help", NULL, "describe a command: irqrr help COMMAND" },
	{ "version", NULL, "print irqrr's version (also -V, --version)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: irqrr COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRead commands given no FILE read %s from the current directory;\n"
		   "FILE '-' is standard input.\n"
		   "'irqrr help COMMAND' or 'irqrr COMMAND --help' describes a command;\n"
		   "'man irqrr-COMMAND' too. Docs: README.md, docs/user-guide.md.\n"
		   "Exit status: as each command's help says; 2 for a usage error or a\n"
		   "write error on standard output.\n", CLI_DEFAULT_TRACE);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].fn && !strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* irqrr help [COMMAND] */
static int help(int argc, char **argv)
{
	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	const struct command *c = find_command(argv[2]);
	if (!c || argc > 3) {
		fprintf(stderr, argc > 3 ? "irqrr help: one command at most\n"
					 : "irqrr help: unknown command '%s'\n", argv[2]);
		return 2;
	}
	char *args[] = { argv[2], (char *)"--help", NULL };
	return c->fn(2, args);
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
		return help(argc, argv);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
		printf("irqrr %s\n", IRQRR_VERSION);
		return 0;
	}
	const struct command *c = find_command(cmd);
	if (c)
		return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "irqrr: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	/* Every chunk a command reads is decompressed into a fresh buffer of
	 * up to 16 MiB, hundreds of times a second. glibc's defaults map such
	 * a buffer and unmap it at free (or trim the heap under it), so each
	 * chunk's pages fault in again: 8 % of `replay -j 1`'s CPU time on the
	 * benchmark trace (docs/PERFORMANCE.md). Kept in the heap, they are
	 * reused; the peak is still a few chunks. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	return cli_check_stdout(dispatch(argc, argv));
}
