/* SPDX-License-Identifier: MIT */
/*
 * Intel 82093AA I/O APIC, 24 pins, MMIO at 0xfec00000 (offsets: 0x00
 * IOREGSEL, 0x10 IOWIN, 0x40 EOI register when version >= 0x20). Pure state
 * machine: outputs are APIC messages written to the caller's array.
 *
 * Pin contract: ioapic_set_irq() takes the ELECTRICAL level of the pin. The
 * chip treats a pin as asserted when (level XOR RTE bit 13 INTPOL) == 1
 * (82093AA 3.2.4: INTPOL 0 = high active, 1 = low active). The board turns
 * logical device levels into electrical ones: ISA GSIs 0-15 are active high,
 * PCI GSIs 16-23 active low (so the board drives them high when idle,
 * including right after ioapic_init/ioapic_reset, which leave every level 0).
 * Behaviour decisions: docs/chips-ioapic.md.
 */
#ifndef IRQRR_IOAPIC_H
#define IRQRR_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "event.h"
#include "ser.h"

#define IOAPIC_PINS 24
#define IOAPIC_BASE 0xfec00000u
#define IOAPIC_SIZE 0x100u

struct ioapic {
	uint64_t rte[IOAPIC_PINS];
	uint32_t level;   /* electrical pin levels, bit n = pin n high */
	uint32_t regsel;  /* IOREGSEL (8 bits used) */
	uint8_t id;       /* 4-bit APIC ID */
	uint8_t version;  /* 0x11 or 0x20 */
	uint8_t pad[6];
};

/* version: 0x11 (82093AA, no EOI register) or 0x20 (ICH-style, EOI register
 * at 0x40); any other value is taken as 0x20. */
void ioapic_init(struct ioapic *s, uint8_t version);
/* Power-on state; keeps the version. */
void ioapic_reset(struct ioapic *s);
/* Each returns the number of messages written to out (out has room for
 * IOAPIC_PINS messages). */
/* (inline below: the board drives a pin on every line change) */
unsigned ioapic_mmio_write(struct ioapic *s, uint32_t offset, uint32_t value, struct apic_msg *out);

/* DS 3.2.4 bit 16, the redirection entry's mask */
#define IOAPIC_RTE_MASKED (1ull << 16)
/* The part of ioapic_set_irq() after an unmasked pin's level was set (old:
 * the levels before). */
unsigned ioapic_level_changed(struct ioapic *s, unsigned pin, uint32_t old, struct apic_msg *out);

/* Sets pin's electrical level. A masked pin sends nothing now, edge or
 * level (DS 3.2.4 bit 16: an edge is "not delivered or held pending"; a
 * level entry is serviced again when unmasked): its level is all it
 * updates, inline (docs/PERFORMANCE.md). */
static inline unsigned ioapic_set_irq(struct ioapic *s, unsigned pin, int level, struct apic_msg *out)
{
	if (pin >= IOAPIC_PINS)
		return 0;
	uint32_t old = s->level;
	s->level = (old & ~(1u << pin)) | (uint32_t)(level != 0) << pin;
	if (s->rte[pin] & IOAPIC_RTE_MASKED)
		return 0;
	return ioapic_level_changed(s, pin, old, out);
}
uint32_t ioapic_mmio_read(struct ioapic *s, uint32_t offset);
/* The pin whose redirection entry's low dword (vector, mode, mask) a write
 * at offset would change now, or -1. */
int ioapic_mmio_write_rte_lo(const struct ioapic *s, uint32_t offset);
/* LAPIC EOI broadcast of a vector (also what the EOI register does). */
unsigned ioapic_eoi(struct ioapic *s, uint8_t vector, struct apic_msg *out);
/* One redirection entry as the chip acts on it (DS 3.2.4). */
struct ioapic_entry {
	uint8_t vector;
	uint8_t delivery;   /* enum apic_delivery */
	uint8_t dest;
	bool logical;
	bool level;         /* effectively level-triggered (fixed/lowest with bit 15) */
	bool masked;
	bool remote_irr;
	bool asserted;      /* input level XOR polarity */
};
void ioapic_entry_get(const struct ioapic *s, unsigned pin, struct ioapic_entry *e);
/* The same, as bits for the hot path: IOAPIC_PIN_REMOTE_IRR, _MASKED, and
 * _HELD (a level entry keeps an asserted pin's request: masked, or its
 * Remote IRR awaits the EOI). */
/* A read of the version register: IOWIN (offset 0x10) while IOREGSEL
 * selects register 0x01. Its low byte is the chip's version (0x11 on the
 * 82093AA and KVM's, 0x20 on ICH and QEMU's). */
static inline bool ioapic_is_version_read(uint32_t regsel, uint64_t offset)
{
	return offset == 0x10 && (regsel & 0xffu) == 0x01;
}
/* A write that sets IOREGSEL (offset 0x00). */
static inline bool ioapic_is_regsel_write(uint64_t offset)
{
	return offset == 0x00;
}

#define IOAPIC_PIN_REMOTE_IRR 1u
#define IOAPIC_PIN_MASKED 2u
#define IOAPIC_PIN_HELD 4u
unsigned ioapic_pin_status(const struct ioapic *s, unsigned pin);

/* Saves, or loads and validates (on error sets ser->err, *s unchanged). */
void ioapic_serialize(struct ioapic *s, struct ser *ser);
/* Readable register dump. */
void ioapic_print(const struct ioapic *s, FILE *f);
#endif
