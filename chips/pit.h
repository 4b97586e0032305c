/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 programmable interval timer (ports 0x40-0x43) and the PC's
 * port 0x61 (counter 2 gate, speaker enable, OUT2 and refresh read-back).
 * Time is an input: every entry point takes `now` in virtual ns, and the
 * caller guarantees `now` never decreases across calls. Counters 0 and 1 have
 * their gate tied high; counter 2's gate is port 0x61 bit 0.
 * Behaviour choices are documented in docs/chips.md.
 */
#ifndef IRQRR_PIT_H
#define IRQRR_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "ser.h"

struct pit_channel {
	/* Fields are the model's own; see pit.c. Plain integers only. */
	uint8_t control;      /* last control word's bits 5:0 as written */
	uint8_t mode;         /* decoded mode 0..5 */
	uint8_t rw_state;
	uint8_t write_lsb_pending, read_msb_next;
	uint8_t latched_count_state, status_latched, status;
	uint16_t latched_count;
	uint8_t gate;
	uint8_t counting;
	uint8_t null_count;
	uint8_t pad;
	uint32_t count;        /* initial count N (1..0x10000) */
	uint32_t pending_count;/* count written, not yet loaded (0: none) */
	uint8_t write_lsb;     /* first byte of a two-byte write */
	uint8_t out_static;    /* OUT when not counting */
	uint8_t pad2[2];
	uint64_t load_tick;    /* absolute tick at which the count was loaded */
	uint64_t write_time;   /* ns of the count write (for next-CLK load) */
};

struct pit {
	struct pit_channel ch[3];
	uint8_t port61; /* bit0 gate2, bit1 speaker data enable, bits 2/3 stored */
	uint8_t pad[7];
};

void pit_reset(struct pit *p, uint64_t now);
bool pit_owns_port(uint16_t port); /* 0x40-0x43, 0x61 */
void pit_write(struct pit *p, uint64_t now, uint16_t port, uint8_t value);
uint8_t pit_read(struct pit *p, uint64_t now, uint16_t port);
/* OUT level of counter ch at time now (>= the last access time). */
bool pit_out(const struct pit *p, unsigned ch, uint64_t now);
/* First time > now at which OUT of counter ch changes, UINT64_MAX if never
 * (absent new accesses). */
uint64_t pit_next_edge(const struct pit *p, unsigned ch, uint64_t now);
void pit_serialize(struct pit *p, struct ser *s);
/* Readable dump of the counters as seen at time now. */
void pit_print(const struct pit *p, uint64_t now, FILE *f);
#endif
