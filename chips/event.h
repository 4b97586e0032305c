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
#include <stddef.h>
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
	EV_MMIO_WRITE64 = 0x0b, /* mmio64.addr <- mmio64.value (64-bit; format 2) */
	EV_MMIO_READ64 = 0x0c,  /* mmio64.value = result of a 64-bit read of mmio64.addr */

	/* outputs (board -> world) */
	EV_WIRE = 0x20,     /* board-internal wire wire.id changed to wire.level */
	EV_APIC_MSG = 0x21, /* IOAPIC sent an interrupt message */
	EV_LINT = 0x22,     /* NMI/ExtINT/fixed delivery decision for a vCPU's LINT pin */
	EV_DEADLINE = 0x23, /* board wants to be advanced at deadline.t (UINT64_MAX: none) */
};

#define EV_IS_INPUT(k) ((k) >= EV_RESET && (k) <= EV_MMIO_READ64)
#define EV_IS_OUTPUT(k) ((k) >= EV_WIRE && (k) <= EV_DEADLINE)

/* Board-internal wires reported by EV_WIRE. */
enum board_wire {
	WIRE_IRQ0 = 0,    /* PIT OUT0 = ISA IRQ0 (PIC IR0, IOAPIC pin 2) */
	WIRE_IRQ8 = 8,    /* RTC IRQ8 (reserved for the RTC model) */
	WIRE_PIC_INT = 32, /* master 8259A INT -> LINT0 (and IOAPIC pin 0) */
	WIRE_HPET0 = 40,   /* HPET timer n's interrupt output: id 40 + n (a level,
			    * or a 1-then-0 pulse at one time for an edge) */
};

/* apic_msg.pin of an HPET timer's FSB message: 0x40 + timer (not an IOAPIC pin). */
#define APIC_MSG_PIN_HPET 0x40

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
		struct { uint64_t addr; uint64_t value; } mmio64;
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

/* Store an event as four 64-bit words: t, kind (the padding zero), u0 and
 * u1 (the union's bytes 0-7 and 8-15, its first field in the low byte). A reader that loads the event by words (the replayer's
 * compare, right after the board emits it) then reads whole stores: an
 * event built field by field with byte stores over a zeroed struct made
 * each such load wait for the stores to retire (a store-forwarding stall
 * per emitted event). */
static inline void irq_event_set(struct irq_event *ev, uint64_t t, unsigned kind, uint64_t u0,
				 uint64_t u1)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* word by word: through an array on the stack, the compiler loaded
	 * the words back as one 16-byte load spanning two stores, the very
	 * stall this avoids */
	uint8_t *p = (uint8_t *)ev;
	uint64_t k = kind;
	_Static_assert(sizeof(*ev) == 32, "an event is four words");
	__builtin_memcpy(p, &t, 8);
	__builtin_memcpy(p + 8, &k, 8);
	__builtin_memcpy(p + 16, &u0, 8);
	__builtin_memcpy(p + 24, &u1, 8);
#else
	uint8_t *p = (uint8_t *)ev;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->t = t;
	ev->kind = (uint8_t)kind;
	for (unsigned i = 0; i < 8; i++) {
		p[16 + i] = (uint8_t)(u0 >> (8 * i));
		p[24 + i] = (uint8_t)(u1 >> (8 * i));
	}
#endif
}

/* ------------------------------------------------------ the table of kinds
 *
 * One row per board kind (chips/event.c) says what the kind is called, which
 * way it flows, and which fields of the union it carries, in the order the
 * text and JSON dumps print them. The dumps, the chip script's input lines,
 * irq_event_equal and the dump filters read the rows instead of repeating a
 * switch per kind. The binary encoding (format/) stays hand-written: it is
 * the file format, on the hot path, and its checks name each kind's fields.
 */

/* How a field's value is printed. */
enum irq_field_style {
	IRQ_FIELD_HEX,      /* 0x.. in text and script, decimal in JSON */
	IRQ_FIELD_DEC,      /* decimal everywhere */
	IRQ_FIELD_WIRE,     /* board_wire_name(), or decimal for an unnamed wire */
	IRQ_FIELD_DELIVERY, /* apic_delivery_name() */
	IRQ_FIELD_TRIGGER,  /* "edge" (0) or "level" */
	IRQ_FIELD_DESTMODE, /* "physical" (0) or "logical" */
	IRQ_FIELD_DEADLINE, /* decimal ns; UINT64_MAX prints "none" (JSON null) */
};

/* What a field is about: dump's --cpu, --gsi and --vector ask by role. A
 * kind carries each role in at most one field. */
enum irq_field_role {
	IRQ_ROLE_NONE,
	IRQ_ROLE_CPU,    /* a vCPU number */
	IRQ_ROLE_GSI,    /* a GSI / IOAPIC pin */
	IRQ_ROLE_VECTOR, /* an interrupt vector */
};

/* enum irq_field_flags */
#define IRQ_FIELD_RESULT 0x01   /* an input's result (a read's value, the vector
				 * INTACK returned): no argument of its script line */
#define IRQ_FIELD_IN_WORD 0x02  /* part of the script command word (lvt0, lvt1) */
#define IRQ_FIELD_IF_FIXED 0x04 /* printed only when the kind's delivery-mode
				 * field is APIC_DM_FIXED (EV_LINT's vector) */

struct irq_field_desc {
	const char *name; /* the key dump prints ("port", "vector", ...) */
	uint16_t offset;  /* of the member in struct irq_event */
	uint8_t size;     /* its bytes: 1, 2, 4 or 8 */
	uint8_t style;    /* enum irq_field_style */
	uint8_t role;     /* enum irq_field_role */
	uint8_t flags;    /* IRQ_FIELD_* */
};

#define IRQ_KIND_MAX_FIELDS 6

struct irq_kind_desc {
	uint8_t kind;        /* enum irq_event_kind */
	bool input;          /* driver -> board (else board -> world) */
	const char *name;    /* stable short name: dump's kind column, --kind */
	const char *script;  /* an input's chip script command ("out", ...), else NULL */
	uint8_t nfields;
	struct irq_field_desc fields[IRQ_KIND_MAX_FIELDS]; /* in dump order */
};

/* The row of a board kind, or NULL for any other number. */
const struct irq_kind_desc *irq_kind_desc(unsigned kind);
/* The value of field f of ev (f from ev's kind's row), zero-extended. */
uint64_t irq_event_field(const struct irq_event *ev, const struct irq_field_desc *f);
/* The value of ev's field with the given role; false when its kind has none. */
bool irq_event_role(const struct irq_event *ev, enum irq_field_role role, unsigned *v);

/* Receives every event in board order. Must not call back into the board. */
typedef void (*irq_event_sink)(void *ctx, const struct irq_event *ev);
/* Receives the same events as runs ev[0..n): each input's (its time
 * advance's outputs, its echo, the outputs it caused, EV_DEADLINE) in one
 * call, a long time advance's in several. For a driver that only compares
 * or counts (the replayer): one call per input instead of one per event.
 * Must not call back into the board nor renumber its events. */
typedef void (*irq_event_run_sink)(void *ctx, const struct irq_event *ev, size_t n);

/* Short stable name of a kind ("pio_write", "apic", ...), or NULL. */
const char *irq_event_kind_name(unsigned kind);
/* Name of a board wire ("irq0", "pic.int"), or NULL. */
const char *board_wire_name(unsigned id);
/* Name of an APIC delivery mode ("fixed", "lowest", "smi", "nmi", "init",
 * "extint", "reserved3", "reserved6"). */
const char *apic_delivery_name(unsigned mode);
/* Equal time, kind, and every field of the kind's row (padding ignored);
 * false for a kind without a row. */
bool irq_event_equal(const struct irq_event *a, const struct irq_event *b);

#endif
