/* SPDX-License-Identifier: MIT */
/*
 * The board's event seam: every input the board receives and every output
 * it produces is one struct irq_event, passed in order to one sink.
 *
 * Kind numbers are part of the trace format (docs/FORMAT.md): never renumber.
 * Inputs carry their result where they have one (a read's value, the vector
 * an INTACK returned), so a replayer re-executes the input and checks the
 * result in the same comparison as any output.
 */
#ifndef IRQRR_EVENT_H
#define IRQRR_EVENT_H

#include <stdbool.h>
#include <stdint.h>

enum irq_event_kind {
	/* inputs (driver -> board) */
	EV_RESET = 0x01,      /* board reset to power-on state */
	EV_TIME = 0x02,       /* advance virtual time to t */
	EV_PIO_WRITE = 0x03,  /* pio.port <- pio.value (8-bit) */
	EV_PIO_READ = 0x04,   /* pio.value = result of reading pio.port */
	EV_MMIO_WRITE = 0x05, /* mmio.addr <- mmio.value (32-bit) */
	EV_MMIO_READ = 0x06,  /* mmio.value = result of reading mmio.addr */
	EV_IRQ = 0x07,        /* device drives GSI/ISA line irq.gsi to irq.level */
	EV_INTACK = 0x08,     /* vCPU intack.cpu runs INTA; intack.vector = result */
	EV_EOI = 0x09,        /* LAPIC EOI broadcast of eoi.vector (from eoi.cpu) */
	EV_LVT = 0x0a,        /* LVT register lvt.pin (0=LVT0/LINT0, 1=LVT1) of lvt.cpu observed = lvt.value */

	/* outputs (board -> world) */
	EV_WIRE = 0x20,     /* board-internal wire wire.id changed to wire.level */
	EV_APIC_MSG = 0x21, /* IOAPIC sent an interrupt message */
	EV_LINT = 0x22,     /* NMI/ExtINT/fixed delivery decision for a vCPU's LINT pin */
	EV_DEADLINE = 0x23, /* board wants to be advanced at deadline.t (UINT64_MAX: none) */
};

#define EV_IS_INPUT(k) ((k) >= EV_RESET && (k) <= EV_LVT)
#define EV_IS_OUTPUT(k) ((k) >= EV_WIRE && (k) <= EV_DEADLINE)

/* Board-internal wires reported by EV_WIRE. */
enum board_wire {
	WIRE_IRQ0 = 0,    /* PIT OUT0 = ISA IRQ0 (PIC IR0, IOAPIC pin 2) */
	WIRE_IRQ8 = 8,    /* RTC IRQ8 (reserved for the RTC model) */
	WIRE_PIC_INT = 32 /* master 8259A INT -> LINT0 (and IOAPIC pin 0) */
};

/* APIC delivery modes, as in the IOAPIC RTE bits 10:8 and MSI data bits 10:8. */
enum apic_delivery {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_EXTINT = 7,
};

/* LINT pin decision modes (EV_LINT lint.mode). */
enum lint_mode {
	LINT_FIXED = 0,
	LINT_NMI = 4,
	LINT_EXTINT = 7,
};

/* One interrupt message on the APIC bus (what KVM_SIGNAL_MSI carries). */
struct apic_msg {
	uint8_t dest;     /* destination (APIC ID or logical MDA) */
	uint8_t vector;
	uint8_t delivery; /* enum apic_delivery */
	uint8_t destmode; /* 0 physical, 1 logical */
	uint8_t trigger;  /* 0 edge, 1 level */
	uint8_t pin;      /* IOAPIC pin that sent it (context for reports) */
};

struct irq_event {
	uint64_t t; /* virtual nanoseconds since board start */
	uint8_t kind;
	union {
		struct { uint16_t port; uint8_t value; } pio;
		struct { uint64_t addr; uint32_t value; } mmio;
		struct { uint8_t gsi; uint8_t level; } irq;
		struct { uint8_t cpu; uint8_t vector; } intack;
		struct { uint8_t vector; uint8_t cpu; } eoi;
		struct { uint8_t cpu; uint8_t pin; uint32_t value; } lvt;
		struct { uint8_t id; uint8_t level; } wire;
		struct apic_msg apic;
		struct { uint8_t cpu; uint8_t pin; uint8_t mode; uint8_t level; uint8_t vector; } lint;
		struct { uint64_t t; } deadline;
	} u;
};

/* Receives every event in board order. Must not call back into the board. */
typedef void (*irq_event_sink)(void *ctx, const struct irq_event *ev);

/* Short stable name of a kind ("pio_write", "apic", ...), or NULL. */
const char *irq_event_kind_name(unsigned kind);
/* Name of a board wire ("irq0", "pic.int"), or NULL. */
const char *board_wire_name(unsigned id);
/* Name of an APIC delivery mode ("fixed", "lowest", "smi", "nmi", "init",
 * "extint", "reserved3", "reserved6"). */
const char *apic_delivery_name(unsigned mode);
/* Field-by-field equality for the kind's fields (padding ignored). */
bool irq_event_equal(const struct irq_event *a, const struct irq_event *b);

#endif
