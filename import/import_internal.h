/* SPDX-License-Identifier: MIT */
/* Shared by the import parsers (qemu_log.c, ftrace.c) and import.c. */
#ifndef IRQRR_IMPORT_INTERNAL_H
#define IRQRR_IMPORT_INTERNAL_H

#include <stdbool.h>

#include "import.h"

/* At most this many items (inputs, outputs, notes) in one import: about
 * 100 bytes each, so about 420 MiB. A longer log is refused with a message
 * (cut it to the part of interest). */
#define IMPORT_MAX_ITEMS (4u << 20)
#define IMPORT_NOTE_LEN 56
#define IMPORT_THREADS 256
#define IMPORT_NAMES 48

enum item_what { ITEM_INPUT, ITEM_OUTPUT, ITEM_NOTE };
/* Where an access came from (QEMU logs have two events for some). */
enum item_origin { ORIGIN_ACCESS, ORIGIN_CHIP_EVENT };

struct import_item {
	uint64_t t;       /* raw log time in ns (before finish), then trace time */
	uint64_t line;
	uint8_t what;     /* enum item_what */
	uint8_t origin;   /* enum item_origin */
	uint8_t before_reset; /* QEMU: before the first vCPU event */
	struct irq_event ev;
	char note[IMPORT_NOTE_LEN];
};

/* A thread of the peer (QEMU thread id, ftrace task pid). */
struct import_thread {
	uint64_t id;
	int cpu;          /* vCPU it runs, -1 unknown */
	int ioapic;       /* QEMU: last event was the IOAPIC's (its MSI writes are messages) */
	uint8_t pending_vec[32]; /* ftrace: vectors accepted by its LAPIC, not yet injected */
};

struct import_log {
	enum import_format fmt;
	struct import_item *items;
	size_t n, cap;
	struct import_summary sum;
	uint64_t lineno;
	uint64_t t_now;   /* raw time of the current line (ns), valid if has_t */
	bool has_t;
	bool finished;
	bool reset_seen;  /* QEMU: a vCPU event was seen (the machine reset is over) */
	bool chip_access; /* QEMU: memory_region_ops accesses to the chips were seen */
	bool kernel_chips;/* ftrace: the in-kernel PIC/IOAPIC raised lines */
	bool has_inputs;
	uint8_t pic_int;  /* QEMU: last x86_pic_interrupt level */
	bool inj_format_new, inj_format_old; /* ftrace: kvm_inj_virq's format seen */
	uint32_t sources[24]; /* ftrace: kvm_set_irq sources asserting each GSI */
	uint8_t pending[64][32]; /* ftrace: vectors accepted by each LAPIC, not yet injected */
	struct import_thread threads[IMPORT_THREADS];
	unsigned nthreads;
	const char *names[IMPORT_NAMES]; /* events that became items, in order */
	unsigned nnames;
	char events[600], lost[600], time[200], tool[80];
};

/* Line parsers: 1 the line was an event that gave items, 0 an event this
 * import does not use, 2 a line of the format that is no event (a
 * header), -1 not a line of the format, -2 an event whose
 * fields do not parse, -3 out of memory / too many items. */
int qemu_log_parse_line(struct import_log *l, const char *line, size_t len);
int ftrace_parse_line(struct import_log *l, const char *line, size_t len);
/* After the last line: the format's header texts and checks. */
void qemu_log_finish(struct import_log *l);
void ftrace_finish(struct import_log *l);

/* Items at the current line's time. 0, or -3. */
int import_add(struct import_log *l, enum item_what what, const struct irq_event *ev);
int import_add_origin(struct import_log *l, enum item_what what, const struct irq_event *ev,
		      enum item_origin origin);
int import_note(struct import_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void import_event_used(struct import_log *l, const char *name);
struct import_thread *import_thread(struct import_log *l, uint64_t id);

/* A cursor over one line (not NUL-terminated). */
struct cur {
	const char *p, *e;
};
void cur_space(struct cur *c);
/* Skip spaces, then the literal s: true if it was there. */
bool cur_lit(struct cur *c, const char *s);
/* Advance past the first occurrence of s: true if found. */
bool cur_find(struct cur *c, const char *s);
/* Skip spaces, then an unsigned number (0x hex or decimal; base 16 if hex
 * forced) up to max: true on success. */
bool cur_u64(struct cur *c, uint64_t *v, int base, uint64_t max);
/* A signed decimal number. */
bool cur_i64(struct cur *c, int64_t *v);
/* The identifier [A-Za-z0-9_]+ at c, advanced past: its length (0: none). */
size_t cur_ident(struct cur *c, const char **s);
/* Decimal "SEC.FRAC" as ns (FRAC of 1..9 digits). */
bool cur_seconds(struct cur *c, uint64_t *ns);
bool cur_at_end(struct cur *c);

#endif
