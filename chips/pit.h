/* SPDX-License-Identifier: MIT */
/*
 * Intel 8254 programmable interval timer (ports 0x40-0x43) and the PC's
 * port 0x61 (counter 2 gate, speaker enable, OUT2 and refresh read-back).
 * Time is an input: every entry point takes `now` in virtual ns, and the
 * caller guarantees `now` never decreases across calls. Counters 0 and 1 have
 * their gate tied high; counter 2's gate is port 0x61 bit 0.
 * Behaviour choices are documented in docs/chips-pit.md.
 */
#ifndef IRQRR_PIT_H
#define IRQRR_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "ser.h"

struct pit_channel {
	/* Plain integers only; semantics in chips/pit.c and docs/chips-pit.md.
	 * Counts are effective values: 1..0x10000 (binary) or 1..10000 (BCD,
	 * held in decimal). */
	uint8_t control;        /* control word bits 5:0 exactly as written */
	uint8_t mode;           /* decoded mode 0..5 (6/7 alias 2/3) */
	uint8_t wr_msb;         /* write flip-flop: next byte is the MSB */
	uint8_t wr_lsb;         /* LSB of a two-byte write in progress */
	uint8_t rd_msb;         /* read flip-flop: next unlatched read is MSB */
	uint8_t latch_bytes;    /* count latch bytes left to read (0: none) */
	uint16_t latch;         /* latched count, as read (BCD-encoded if BCD) */
	uint8_t status_latched;
	uint8_t status;
	uint8_t gate;           /* GATE input level */
	uint8_t null_count;     /* NULL COUNT until the scheduled load (if any) */
	uint8_t cr_valid;       /* a complete count was written since the CW */
	uint8_t running;        /* CE decrements on every CLK from load_tick */
	uint8_t paused;         /* modes 0/4: stopped by GATE low, resumable */
	uint8_t tc;             /* modes 0/1/4/5: terminal count already passed */
	uint8_t out;            /* OUT while not running */
	uint8_t pend;           /* a CE load of pend_count at pend_tick is due */
	uint8_t pend_run;       /* counting after that load (else paused) */
	uint8_t pad;
	uint32_t cr;            /* count register (effective), if cr_valid */
	uint32_t count;         /* CE value at load_tick (running) */
	uint32_t phase;         /* mode 3: ticks already elapsed in the cycle */
	uint32_t hold;          /* CE value while not running */
	uint32_t pend_count;
	uint32_t pend_phase;
	uint64_t load_tick;     /* absolute CLK tick of the segment's load */
	uint64_t pend_tick;     /* absolute CLK tick of the due load */
};

struct pit {
	struct pit_channel ch[3];
	uint8_t port61; /* bit0 gate2, bit1 speaker data enable, bits 2/3 stored */
	/* Model variant (not DS): a control word that reprograms a running
	 * counter with its current mode does not stop it (QEMU/KVM, C3). */
	uint8_t cw_keeps_counting;
	uint8_t pad[6];
};

/* Power-on state, model variants off. */
void pit_init(struct pit *p, uint64_t now);
/* Reset to the power-on state, keeping the model variant (cw_keeps_counting). */
void pit_reset(struct pit *p, uint64_t now);
bool pit_owns_port(uint16_t port); /* 0x40-0x43, 0x61 */
/* Whether a write can change channel 0's counting (its OUT and next edge):
 * a count for it, or a control word that programs it. A counter latch or
 * read-back command, port 0x61 and the other channels' ports leave it as it
 * was (a read never changes it). */
bool pit_write_moves_ch0(uint16_t port, uint8_t value);
/* The write that parks channel 0 with OUT0 low for good: a control word
 * for mode 0 with no count after it (the 8254 does not count until a count
 * is written, and OUT0 is low from the control word on). */
void pit_park_ch0(uint16_t *port, uint8_t *value);
/* Channel 0's GATE goes low for good (an injected fault, chips/fault.h):
 * counting stops as the datasheet describes for GATE low. */
void pit_stop_ch0(struct pit *p, uint64_t now);
void pit_write(struct pit *p, uint64_t now, uint16_t port, uint8_t value);
uint8_t pit_read(struct pit *p, uint64_t now, uint16_t port);
/* OUT level of counter ch at time now (>= the last access time). */
bool pit_out(const struct pit *p, unsigned ch, uint64_t now);
/* First time > now at which OUT of counter ch changes, UINT64_MAX if never
 * (absent new accesses). */
uint64_t pit_next_edge(const struct pit *p, unsigned ch, uint64_t now);
/* Both at once (one conversion of now, one view of the counter):
 * pit_out(), and pit_next_edge() in *next. */
bool pit_out_next_edge(const struct pit *p, unsigned ch, uint64_t now, uint64_t *next);
/* Counter ch counting periodically at time now with no load still to come
 * (modes 2 and 3, count >= 2): true, with the ticks OUT stays low and high
 * in each period; false otherwise. Until an access changes the counter,
 * each edge's successor is the edge's tick plus *low (OUT fell) or *high
 * (OUT rose). */
bool pit_periodic(const struct pit *p, unsigned ch, uint64_t now, uint32_t *low, uint32_t *high);
void pit_serialize(struct pit *p, struct ser *s);
/* Readable dump of the counters as seen at time now. */
void pit_print(const struct pit *p, uint64_t now, FILE *f);
#endif
