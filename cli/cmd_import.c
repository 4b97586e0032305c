/* SPDX-License-Identifier: MIT */
/* irqrr import --from qemu-log|ftrace LOG -o OUT: a peer's log as a trace
 * (docs/import.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliutil.h"
#include "commands.h"
#include "import/import.h"

enum { OPT_FROM = 0x100 };

static const struct cli_opt import_opts[] = {
	{ "from", OPT_FROM, "FORMAT", "qemu-log (QEMU -trace log, -D FILE) or ftrace (KVM\n"
				      "tracepoints: tracefs trace file or trace-cmd report)" },
	{ "output", 'o', "FILE", "the trace to write (required)" },
	{ "quiet", 'q', NULL, "no summary line (warnings still go to standard error)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_cmd import_cmd = {
	"import", "--from FORMAT [OPTIONS] LOG -o OUT.irqrr",
	"Turn a peer's log into an irqrr trace: its inputs are what the guest and\n"
	"the devices did to the interrupt chips (PIC/ELCR ports, IOAPIC MMIO, line\n"
	"changes, INTACKs, EOIs, LVT0/LVT1 writes), its recorded outputs what the\n"
	"peer's chips answered (read values, INTACK vectors, IOAPIC messages where\n"
	"the log shows them). LOG '-' is standard input.\n"
	"'irqrr replay OUT' then checks the peer against the datasheet board and\n"
	"names the first difference; '--model qemu' / '--model kvm' replay under\n"
	"the peer's known departures. explain, dump, plot, bisect, reduce work too.\n",
	import_opts,
	"The header records the source, the events found, what is checked\n"
	"(import.checked) and what the log could not show (import.lost): irqrr info.\n"
	"For QEMU trace the events pic_* ioapic_* apic_* memory_region_ops_*\n"
	"x86_*interrupt* (with -msg timestamp=on for time); for KVM the events\n"
	"kvm_pio kvm_mmio kvm_set_irq kvm_pic_set_irq kvm_ioapic_set_irq\n"
	"kvm_apic_accept_irq kvm_inj_virq kvm_eoi kvm_entry. Lines not understood\n"
	"are counted in a warning with their first line numbers. Formats and\n"
	"mapping: docs/import.md.\n",
	"0 written (perhaps with warnings), 2 unusable log (no interrupt event, unreadable)\n"
	"or bad options.",
};

static void print_warning(const char *path, const struct import_summary *s)
{
	uint64_t bad = s->unknown + s->malformed;
	if (!bad)
		return;
	fprintf(stderr, "irqrr import: warning: ");
	cli_put_text(stderr, path);
	fprintf(stderr, ": %" PRIu64 " line%s not understood (%" PRIu64 " not in the format, %" PRIu64
			" malformed events), first at line",
		bad, bad == 1 ? "" : "s", s->unknown, s->malformed);
	for (unsigned i = 0; i < s->nbad; i++)
		fprintf(stderr, "%s %" PRIu64, i ? "," : (s->nbad > 1 ? "s" : ""), s->bad_line[i]);
	fprintf(stderr, "\n");
}

/* Read LOG line by line into the parser. 0, or 2 with a message. */
static int read_log(FILE *in, const char *name, struct import_log *l)
{
	char *line = NULL, err[300];
	size_t cap = 0;
	ssize_t n;
	int status = 0;
	while ((n = getline(&line, &cap, in)) >= 0) {
		if (import_log_line(l, line, (size_t)n, err, sizeof(err))) {
			fprintf(stderr, "irqrr import: ");
			cli_put_text(stderr, name);
			fprintf(stderr, ": %s\n", err);
			status = 2;
			break;
		}
	}
	if (!status && ferror(in)) {
		fprintf(stderr, "irqrr import: ");
		cli_put_text(stderr, name);
		fprintf(stderr, ": read error: %s\n", strerror(errno));
		status = 2;
	}
	free(line);
	return status;
}

static int import_run(FILE *in, const char *name, int fmt, const char *out_path, bool quiet)
{
	struct import_log *l = import_log_new((enum import_format)fmt);
	char err[400];
	if (!l) {
		fprintf(stderr, "irqrr import: out of memory\n");
		return 2;
	}
	int status = read_log(in, name, l);
	int finished = status ? 0 : import_log_finish(l, err, sizeof(err));
	const struct import_summary *s = import_log_summary(l);
	print_warning(name, s);
	if (finished) {
		fprintf(stderr, "irqrr import: ");
		cli_put_text(stderr, name);
		fprintf(stderr, ": %s\n", err);
		status = 2;
	}
	if (!status) {
		const char *inputs[] = { in == stdin ? NULL : name, NULL };
		struct cli_output out;
		if (cli_output_open(&out, "import", out_path, inputs)) {
			status = 2;
		} else {
			if (import_log_write(l, cli_output_name(&out), name, NULL, err, sizeof(err))) {
				fprintf(stderr, "irqrr import: %s\n", err);
				status = 2;
			}
			if (cli_output_close(&out, "import", status == 0))
				status = 2;
		}
	}
	if (!status && !quiet) {
		char checked[80];
		import_checked_format(s->checked, checked, sizeof(checked));
		printf("imported %" PRIu64 " of %" PRIu64 " lines: %" PRIu64 " inputs, %" PRIu64
		       " outputs, %" PRIu64 " notes, %u vCPU%s; checked: %s\n",
		       s->used, s->lines, s->inputs, s->outputs, s->notes, s->cpus,
		       s->cpus == 1 ? "" : "s", checked);
	}
	import_log_free(l);
	return status;
}

int cmd_import(int argc, char **argv)
{
	struct cli_parser p;
	const char *out_path = NULL;
	int c, status, fmt = -1;
	bool quiet = false;
	cli_parser_init(&p, &import_cmd, argc, argv);
	while ((c = cli_parser_next(&p, &status)) != -1) {
		if (c == OPT_FROM) {
			fmt = import_format_parse(optarg);
			if (fmt < 0) {
				fprintf(stderr, "irqrr import: --from %s: expected qemu-log or ftrace\n",
					optarg);
				return 2;
			}
		} else if (c == 'o') {
			out_path = optarg;
		} else if (c == 'q') {
			quiet = true;
		}
	}
	if (status >= 0)
		return status;
	if (fmt < 0)
		return cli_usage_error(&import_cmd, "--from qemu-log|ftrace");
	if (!out_path)
		return cli_usage_error(&import_cmd, "-o OUT.irqrr");
	if (!strcmp(out_path, "-")) {
		fprintf(stderr, "irqrr import: -o -: a trace cannot go to standard output"
				" (the writer seeks back to it); give a file name\n");
		return 2;
	}
	if (argc - optind != 1)
		return cli_usage_error(&import_cmd, "one LOG (or '-')");
	const char *name = argv[optind];
	FILE *in = stdin;
	if (strcmp(name, "-")) {
		in = fopen(name, "r");
		if (!in) {
			fprintf(stderr, "irqrr import: ");
			cli_put_text(stderr, name);
			fprintf(stderr, ": %s\n", strerror(errno));
			return 2;
		}
	} else {
		name = "<stdin>";
	}
	status = import_run(in, name, fmt, out_path, quiet);
	if (in != stdin)
		fclose(in);
	return status;
}
