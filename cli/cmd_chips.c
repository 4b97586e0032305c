/* SPDX-License-Identifier: MIT */
/* irqrr chips [SCRIPT]: drive a bare board from a chip script. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"
#include "commands.h"
#include "replayer/script.h"

static void chips_usage(FILE *f)
{
	fprintf(f,
		"usage: irqrr chips [OPTIONS] [SCRIPT]\n"
		"Drive a bare board (PIC pair + ELCR, IOAPIC, PIT + port 0x61) from a chip\n"
		"script (standard input when SCRIPT is absent or '-') and print reads,\n"
		"INTACK vectors and every output event, one line each.\n\n"
		"options:\n"
		"  --cpus N            vCPUs whose LINT0 the PIC drives (default 1)\n"
		"  --ioapic-version V  0x20 (default, with EOI register) or 0x11\n"
		"  --imr-reset V       PIC IMR after reset: 0x00 (default) or 0xff\n"
		"  --lint0 MODE        broadcast (default) or bsp\n"
		"  --record FILE       also write the run as a trace (replay, dump, ...)\n"
		"  -h, --help          this text\n\n"
		"A 'board cpus=N ioapic=V imr=V lint0=MODE' line at the top of a script\n"
		"overrides these. Language and output: docs/chips-script.md.\n"
		"Exit status: 0 ok, 2 bad script or options (message names the line).\n");
}

static int parse_u8(const char *opt, const char *s, unsigned max, uint8_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v > max) {
		fprintf(stderr, "irqrr chips: bad value '%s' for %s\n", s, opt);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

/* chips --record: the trace is an output file like export's (cliutil.h):
 * never the script itself, and when the script fails (exit 2) no trace of
 * the prefix is left that could pass for a complete one. */
static int run_recorded(FILE *in, const char *name, const struct board_config *cfg,
			const char *rec_path)
{
	const char *inputs[] = { name, NULL };
	struct cli_output out;
	if (in == stdin)
		inputs[0] = NULL;
	if (!strcmp(rec_path, "-")) {
		fprintf(stderr, "irqrr chips: --record needs a file name (standard output has the outputs)\n");
		return 2;
	}
	if (cli_output_open(&out, "chips", rec_path, inputs))
		return 2;
	int status = script_run_record(in, name, cfg, stdout, stderr, cli_output_name(&out), NULL);
	if (cli_output_close(&out, "chips", status == 0))
		status = 2;
	if (status)
		fprintf(stderr, "irqrr chips: %s: no trace written (the run failed)\n", rec_path);
	return status;
}

int cmd_chips(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "ioapic-version", required_argument, NULL, 'v' },
		{ "imr-reset", required_argument, NULL, 'm' },
		{ "lint0", required_argument, NULL, 'l' },
		{ "record", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct board_config cfg;
	const char *rec_path = NULL;
	int c;

	board_config_default(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u8("--cpus", optarg, BOARD_MAX_CPUS, &cfg.ncpus))
				return 2;
			break;
		case 'v':
			if (parse_u8("--ioapic-version", optarg, 0xff, &cfg.ioapic_version))
				return 2;
			break;
		case 'm':
			if (parse_u8("--imr-reset", optarg, 0xff, &cfg.pic_imr_reset))
				return 2;
			break;
		case 'l':
			if (!strcmp(optarg, "bsp")) {
				cfg.lint0_bsp_only = 1;
			} else if (!strcmp(optarg, "broadcast")) {
				cfg.lint0_bsp_only = 0;
			} else {
				fprintf(stderr, "irqrr chips: --lint0 takes broadcast or bsp\n");
				return 2;
			}
			break;
		case 'r':
			rec_path = optarg;
			break;
		case 'h':
			chips_usage(stdout);
			return 0;
		default:
			chips_usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "irqrr chips: one script at most\n");
		return 2;
	}
	struct board b;
	if (board_init(&b, &cfg, NULL, NULL)) {
		fprintf(stderr, "irqrr chips: invalid configuration (cpus 1..%d, ioapic 0x11|0x20, imr 0x00|0xff)\n",
			BOARD_MAX_CPUS);
		return 2;
	}
	const char *name = "<stdin>";
	FILE *in = stdin;
	if (optind < argc && strcmp(argv[optind], "-")) {
		name = argv[optind];
		in = fopen(name, "r");
		if (!in) {
			fprintf(stderr, "irqrr: %s: %s\n", name, strerror(errno));
			return 2;
		}
	}
	int status = rec_path ? run_recorded(in, name, &cfg, rec_path)
			      : script_run(in, name, &cfg, stdout, stderr, NULL);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout) && status == 0) {
		fprintf(stderr, "irqrr: write error on standard output\n");
		status = 2;
	}
	return status;
}
