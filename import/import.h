/* SPDX-License-Identifier: MIT */
/*
 * Import of a peer's log (QEMU's -trace log, KVM tracepoints as tracefs or
 * `trace-cmd report` print them) as an irqrr trace (docs/import.md).
 *
 * A log is fed line by line to a parser for its format; the parser turns
 * each line it understands into items: board inputs (what the guest and the
 * devices did to the chips), outputs the peer's chips produced, and notes
 * (context records: accesses to chips the import does not replay, such as
 * the PIT). import_log_finish() orders time; import_log_write() writes the
 * trace, with a board run alongside for the keyframes, exactly as
 * `irqrr chips --record` writes a script's run. No line crashes a parser:
 * what it does not understand is counted, with the first line numbers.
 */
#ifndef IRQRR_IMPORT_H
#define IRQRR_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "chips/event.h"
#include "irqrr/trace.h"

enum import_format {
	IMPORT_QEMU_LOG,
	IMPORT_FTRACE,
};

/* Output kinds and input results the log shows (the trace header's
 * `import.checked`); everything else the board emits is unchecked. */
#define IMPORT_CHECK_PIO_READ 0x01  /* the value of a port read */
#define IMPORT_CHECK_MMIO_READ 0x02 /* the value of an IOAPIC read */
#define IMPORT_CHECK_INTACK 0x04    /* the vector an INTACK returned */
#define IMPORT_CHECK_APIC 0x08      /* IOAPIC messages */

/* In an imported trace's APIC message: the IOAPIC pin is not in the log. */
#define IMPORT_PIN_UNKNOWN 0xff

#define IMPORT_BAD_LINES 5

struct import_summary {
	uint64_t lines;      /* lines read */
	uint64_t events;     /* lines that were events of the format */
	uint64_t used;       /* of them, events that became items */
	uint64_t inputs, outputs, notes;
	uint64_t unknown;    /* lines not in the format at all */
	uint64_t malformed;  /* events of a kind the parser knows, whose fields do not parse */
	uint64_t bad_line[IMPORT_BAD_LINES]; /* the first unknown or malformed lines */
	unsigned nbad;
	uint64_t dropped;    /* items dropped: duplicates, events before the machine reset */
	unsigned cpus;       /* vCPUs seen (at least 1) */
	unsigned checked;    /* IMPORT_CHECK_* */
	int timed;           /* 1: the log had timestamps */
};

struct import_log;

struct import_log *import_log_new(enum import_format fmt);
void import_log_free(struct import_log *l);
/* One line of the log (without its newline; it may hold any bytes).
 * 0, or -1 when out of memory or past the item limit (message in err). */
int import_log_line(struct import_log *l, const char *line, size_t len, char *err, size_t errlen);
/* After the last line: 0, or -1 with a message (no interrupt event at all). */
int import_log_finish(struct import_log *l, char *err, size_t errlen);
const struct import_summary *import_log_summary(const struct import_log *l);
/* The header's description of the log: the source's name, the events
 * found, what the log cannot show. */
const char *import_log_events_found(const struct import_log *l);
const char *import_log_lost(const struct import_log *l);
const char *import_log_time(const struct import_log *l);
const char *import_log_tool(const struct import_log *l); /* version, or "" */
/* Walk the finished items (for tests and the fuzzer); returns the count. */
size_t import_log_count(const struct import_log *l);
/* Item i: 0 input, 1 output, 2 note (text in *note). */
int import_log_item(const struct import_log *l, size_t i, struct irq_event *ev, const char **note);

/* Write the trace. name: the log's name for the header. 0, or -1 with a
 * message in err. */
int import_log_write(struct import_log *l, const char *path, const char *name,
		     const struct trace_writer_opts *opts, char *err, size_t errlen);

/* The format's name (`qemu-log`, `ftrace`), and back (-1: unknown). */
const char *import_format_name(enum import_format fmt);
int import_format_parse(const char *name);
/* "pio_read mmio_read intack apic" for a set of IMPORT_CHECK_* bits, and
 * back (unknown words are ignored). */
void import_checked_format(unsigned checked, char *buf, size_t len);
unsigned import_checked_parse(const char *text);

#endif
