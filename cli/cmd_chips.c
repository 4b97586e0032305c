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

enum { OPT_CPUS = 0x100, OPT_IOAPIC, OPT_IMR, OPT_LINT0, OPT_RECORD };

static const struct cli_opt chips_opts[] = {
	{ "cpus", OPT_CPUS, "N", "vCPUs whose LINT0 the PIC drives, 1..64 (default 1)" },
	{ "ioapic-version", OPT_IOAPIC, "V", "0x20 (default, with EOI register) or 0x11" },
	{ "imr-reset", OPT_IMR, "V", "PIC IMR after reset: 0x00 (default) or 0xff" },
	{ "lint0", OPT_LINT0, "MODE", "broadcast (default) or bsp" },
	{ "record", OPT_RECORD, "FILE", "also write the run as a trace (replay, dump, ...)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd chips_cmd = {
	"chips", "[OPTIONS] [SCRIPT]",
	"Drive a bare board (PIC pair + ELCR, IOAPIC, PIT + port 0x61, RTC; the HPET\n"
	"with 'board hpet=on') from a chip\n"
	"script (standard input when SCRIPT is absent or '-') and print reads,\n"
	"INTACK vectors and every output event, one line each.\n",
	chips_opts,
	"A 'board cpus=N ioapic=V imr=V lint0=MODE hpet=on|off' line at the top of a script\n"
	"overrides these; it also takes every model key of 'irqrr replay --list-models'\n"
	"(KEY=VALUE). Language and output: docs/chips-script.md.\n",
	"0 ok, 2 bad script or options (message names the line), or a write error.",
};

/* A value among the few a board setting allows (min..max, or exactly
 * one of a and b when a != b). */
static int parse_setting(const char *opt, const char *s, unsigned min, unsigned max,
			 const char *allowed, uint8_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || *end || !*s || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "irqrr chips: --%s %s: expected %s\n", opt, s, allowed);
		return -1;
	}
	*out = (uint8_t)v;
	return 0;
}

static int take_chips_option(int c, const char *v, struct board_config *cfg, const char **rec)
{
	switch (c) {
	case OPT_CPUS:
		return parse_setting("cpus", v, 1, BOARD_MAX_CPUS, "1..64", &cfg->ncpus);
	case OPT_IOAPIC:
		if (parse_setting("ioapic-version", v, 0, 0xff, "0x11 or 0x20", &cfg->ioapic_version))
			return -1;
		if (cfg->ioapic_version == 0x11 || cfg->ioapic_version == 0x20)
			return 0;
		fprintf(stderr, "irqrr chips: --ioapic-version %s: expected 0x11 or 0x20\n", v);
		return -1;
	case OPT_IMR:
		if (parse_setting("imr-reset", v, 0, 0xff, "0x00 or 0xff", &cfg->pic_imr_reset))
			return -1;
		if (cfg->pic_imr_reset == 0 || cfg->pic_imr_reset == 0xff)
			return 0;
		fprintf(stderr, "irqrr chips: --imr-reset %s: expected 0x00 or 0xff\n", v);
		return -1;
	case OPT_LINT0:
		if (strcmp(v, "bsp") && strcmp(v, "broadcast")) {
			fprintf(stderr, "irqrr chips: --lint0 %s: expected broadcast or bsp\n", v);
			return -1;
		}
		cfg->lint0_bsp_only = !strcmp(v, "bsp");
		return 0;
	case OPT_RECORD:
		if (!strcmp(v, "-")) { /* standard output carries the outputs */
			fprintf(stderr, "irqrr chips: --record -: a trace cannot go to standard output"
					" (the writer seeks back to it); give a file name\n");
			return -1;
		}
		*rec = v;
		return 0;
	default:
		return -1;
	}
}

/* Run the script (trace: also record it there, or NULL); its messages
 * quote the script's text, so they reach the terminal escaped (\xNN), as
 * dump shows a trace's bytes. */
static int run_script(FILE *in, const char *name, const struct board_config *cfg,
		      const char *trace)
{
	char *msgs = NULL;
	size_t len = 0;
	FILE *errf = open_memstream(&msgs, &len);
	if (!errf)
		errf = stderr;
	int status = trace ? script_run_record(in, name, cfg, stdout, errf, trace, NULL)
			   : script_run(in, name, cfg, stdout, errf, NULL);
	if (errf != stderr) {
		if (!fclose(errf))
			cli_put_lines(stderr, msgs);
		free(msgs);
	}
	return status;
}

/* chips --record: the trace is an output file like export's (cliutil.h):
 * never the script itself, and when the script fails (exit 2) no trace of
 * the prefix is left that could pass for a complete one. */
static int run_recorded(FILE *in, const char *name, const struct board_config *cfg,
			const char *rec_path)
{
	const char *inputs[] = { in == stdin ? NULL : name, NULL };
	struct cli_output out;
	if (cli_output_open(&out, "chips", rec_path, inputs))
		return 2;
	int status = run_script(in, name, cfg, cli_output_name(&out));
	if (cli_output_close(&out, "chips", status == 0))
		status = 2;
	if (status)
		fprintf(stderr, "irqrr chips: %s: no trace written (the run failed)\n", rec_path);
	return status;
}

int cmd_chips(int argc, char **argv)
{
	struct board_config cfg;
	struct cli_parser p;
	const char *rec_path = NULL;
	int c, status;

	board_config_default(&cfg);
	cli_parser_init(&p, &chips_cmd, argc, argv);
	while ((c = cli_parser_next(&p, &status)) != -1)
		if (take_chips_option(c, optarg, &cfg, &rec_path))
			return 2;
	if (status >= 0)
		return status;
	if (argc - optind > 1)
		return cli_usage_error(&chips_cmd, "one script at most");
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
			fprintf(stderr, "irqrr: ");
			cli_put_text(stderr, name);
			fprintf(stderr, ": %s\n", strerror(errno));
			return 2;
		}
	}
	status = rec_path ? run_recorded(in, name, &cfg, rec_path) : run_script(in, name, &cfg, NULL);
	if (in != stdin)
		fclose(in);
	return status; /* main() checks standard output */
}
