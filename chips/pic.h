/* SPDX-License-Identifier: MIT */
/*
 * Intel 8259A programmable interrupt controller, master/slave pair as wired
 * in a PC (slave INT -> master IR2), plus the PIIX/ICH ELCR (0x4d0/0x4d1).
 * Pure state machine: no time, no I/O. Ports: 0x20, 0x21, 0xa0, 0xa1,
 * 0x4d0, 0x4d1. Behaviour choices are documented in docs/chips-pic.md.
 */
#ifndef IRQRR_PIC_H
#define IRQRR_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "ser.h"

struct pic {
	uint8_t irr, imr, isr;
	uint8_t line;         /* last input levels (edge detector) */
	uint8_t elcr, elcr_mask;
	uint8_t base;         /* ICW2 & 0xf8 */
	uint8_t priority_add; /* IR with highest priority */
	uint8_t init_state;   /* 0 ready; 1 expect ICW2; 2 ICW3; 3 ICW4 */
	uint8_t icw1;         /* last ICW1 (SNGL, IC4, LTIM bits) */
	uint8_t read_isr;     /* OCW3 RR/RIS: 1 read ISR at A0=0, 0 read IRR */
	uint8_t poll;         /* OCW3 poll pending */
	uint8_t special_mask;
	uint8_t auto_eoi;
	uint8_t rotate_on_aeoi;
	uint8_t sfnm;         /* special fully nested mode */
	uint8_t literal_edge; /* 1: a withdrawn edge request is lost (DS), 0: latched */
	uint8_t poll_no_0x80; /* 1: poll word without bit 7 (KVM/crosvm), 0: DS */
	uint8_t out;          /* INT output (derived cache, not saved) */
	uint8_t acked;        /* IRs acknowledged (INTA or poll) since the owner
	                       * last cleared it (bookkeeping, not saved) */
};

struct pic_pair {
	struct pic chip[2]; /* 0 master (0x20), 1 slave (0xa0) */
	uint8_t imr_reset;  /* IMR value at reset: a machine property */
	uint8_t slave_stale; /* the slave's out may not follow its state (a
			      * variant changed under it): the next update of
			      * either chip re-evaluates both (not saved) */
};

void pic_pair_init(struct pic_pair *p, uint8_t imr_reset);
void pic_pair_reset(struct pic_pair *p);
/* ISA line irq (0..15) driven to level. Line 2 of the master is the cascade. */
void pic_pair_set_irq(struct pic_pair *p, unsigned irq, int level);
/* Byte write/read on one of the pair's ports; other ports are ignored/0xff. */
void pic_pair_write(struct pic_pair *p, uint16_t port, uint8_t value);
uint8_t pic_pair_read(struct pic_pair *p, uint16_t port);
/* INTA cycle pair: returns the vector (spurious base+7 when nothing). */
uint8_t pic_pair_intack(struct pic_pair *p);
/* The literal-edge variant (chips/variants.c) of both chips: changes no
 * output now, the next update of the pair re-evaluates them. */
void pic_pair_set_literal_edge(struct pic_pair *p, uint8_t literal);
/* Master INT output level. */
bool pic_pair_int(const struct pic_pair *p);
bool pic_pair_owns_port(uint16_t port);
/* A write that sets a chip up or unmasks it: ICW1 or a write to the A0=1
 * port (IMR, or an ICW2-4 in an init sequence). */
bool pic_pair_is_setup_write(uint16_t port, uint8_t value);
/* An EOI command: OCW2 with EOI set (non-specific, specific or rotating). */
bool pic_pair_is_eoi_command(uint16_t port, uint8_t value);

/* Why ISA line irq (0..15, not 2) is not acknowledged by the next INTA
 * (DS "Interrupt sequence", "Fully nested mode"). */
enum pic_block {
	PIC_BLOCK_NONE,            /* the request reaches INT: the next INTA takes it */
	PIC_BLOCK_NO_REQUEST,      /* no request held (IRR bit clear) */
	PIC_BLOCK_MASKED,          /* its IMR bit (blocker = irq) */
	PIC_BLOCK_CASCADE_MASKED,  /* a slave line, the master's IMR bit 2 (blocker = 2) */
	PIC_BLOCK_IN_SERVICE,      /* an in-service level of same or higher priority */
	PIC_BLOCK_HIGHER_REQUEST,  /* a higher-priority request goes first */
};
/* *blocker: the ISA irq (0..15; 2 = the master's IR2) that blocks. */
enum pic_block pic_pair_why(const struct pic_pair *p, unsigned irq, unsigned *blocker);
/* The chip holds a request for irq (IRR bit; in the literal-edge variant
 * only while the input is still high). */
bool pic_pair_holds(const struct pic_pair *p, unsigned irq);
/* irq's input is level-sensed (ELCR bit or ICW1 LTIM). */
bool pic_pair_level_sensed(const struct pic_pair *p, unsigned irq);
/* The ISA irq (0..15) an INTA vector names by the chips' vector bases, or
 * -1 (the master's IR2 is the cascade: its lines answer with the slave's
 * vectors). A spurious IR7/IR15 vector names irq 7/15. */
int pic_pair_irq_of_vector(const struct pic_pair *p, uint8_t vector);
/* The same for all 16 irqs at once (bit n = irq n; bit 2, the cascade,
 * never set). */
uint16_t pic_pair_holds_mask(const struct pic_pair *p);
uint16_t pic_pair_level_mask(const struct pic_pair *p);
void pic_pair_serialize(struct pic_pair *p, struct ser *s);
/* Readable register dump (layout in docs/chips-pic.md). */
void pic_pair_print(const struct pic_pair *p, FILE *f);
#endif
