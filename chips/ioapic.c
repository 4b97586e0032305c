/* SPDX-License-Identifier: MIT */
/*
 * Intel 82093AA I/O APIC. "DS" below is the 82093AA datasheet (order no.
 * 290566); section numbers are its own. Every behaviour decision is listed,
 * with its test, in docs/chips-ioapic.md.
 *
 * The chip has no notion of time: delivery is instantaneous, so the only
 * state besides the registers is the electrical level of each pin.
 *
 * Invariant kept by every entry point (and checked on load): an entry that
 * is effectively level-triggered, unmasked and asserted has Remote IRR set;
 * Remote IRR is never set on an entry that is effectively edge-triggered.
 */
#include "chips/ioapic.h"

#include <inttypes.h>
#include <string.h>

/* DS 3.1 direct (memory-mapped) registers, offsets from the base. */
enum {
	IOAPIC_OFF_IOREGSEL = 0x00,
	IOAPIC_OFF_IOWIN = 0x10,
	IOAPIC_OFF_EOI = 0x40, /* ICH-style parts (version >= 0x20) only */
};

/* DS 3.2 indirect registers, selected by IOREGSEL. */
enum {
	IOAPIC_REG_ID = 0x00,
	IOAPIC_REG_VER = 0x01,
	IOAPIC_REG_ARB = 0x02,
	IOAPIC_REG_RTE0 = 0x10,
	IOAPIC_REG_RTE_END = IOAPIC_REG_RTE0 + 2 * IOAPIC_PINS, /* 0x40 */
};

#define IOAPIC_VERSION_82093AA 0x11
#define IOAPIC_VERSION_EOIREG 0x20
#define IOAPIC_MAX_ENTRY ((uint32_t)(IOAPIC_PINS - 1))

/* DS 3.2.4 redirection table entry fields. */
#define RTE_VECTOR 0xffull
#define RTE_DM_SHIFT 8
#define RTE_DM_MASK 0x7u
#define RTE_DESTMODE (1ull << 11)
#define RTE_DELIVS (1ull << 12)
#define RTE_INTPOL (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED IOAPIC_RTE_MASKED
#define RTE_DEST_SHIFT 56
/* Bits software can write: 11:0, 13, 15, 16, 63:56. Bits 12 and 14 are
 * read-only (DS 3.2.4); 55:17 are reserved and, by our choice, read 0. */
#define RTE_WRITABLE 0xff0000000001afffull
#define RTE_RESET RTE_MASKED /* DS 3.2.4: default xxx1 xxxx xxxx xxxxh */

static unsigned rte_dm(uint64_t rte)
{
	return (unsigned)(rte >> RTE_DM_SHIFT) & RTE_DM_MASK;
}

/* DS 3.2.4 delivery mode: SMI, NMI, INIT and ExtINT "require an edge
 * trigger mode". We treat them as edge whatever bit 15 says, so Remote IRR
 * is never set for them (no EOI would ever clear it). Bit 15 still reads
 * back as written. Reserved modes 3 and 6 never deliver, so they are edge
 * too. Only fixed and lowest priority can be level-triggered. */
static bool rte_is_level(uint64_t rte)
{
	unsigned dm = rte_dm(rte);
	return (rte & RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
}

/* DS 3.2.4 lists 011 and 110 as reserved: the chip sends nothing for them
 * (no APIC message is defined), the entry behaves as edge and stays quiet. */
static bool rte_dm_reserved(uint64_t rte)
{
	unsigned dm = rte_dm(rte);
	return dm == 3 || dm == 6;
}

/* Whether pin is asserted with the electrical levels `level`. */
static bool level_asserted(uint32_t level, unsigned pin, uint64_t rte)
{
	unsigned line = (level >> pin) & 1u;
	unsigned pol = (rte & RTE_INTPOL) ? 1u : 0u;
	return (line ^ pol) != 0;
}

static bool pin_asserted(const struct ioapic *s, unsigned pin, uint64_t rte)
{
	return level_asserted(s->level, pin, rte);
}

/*
 * Sends pin's message. The destination is the whole 8-bit field 63:56 in
 * both modes. DS 3.2.4 decodes only 59:56 as a physical APIC ID and asks
 * software to keep 63:60 zero, so for conforming software the two agree;
 * using 8 bits matches xAPIC IDs (a VM can have IDs >= 16) and what
 * KVM_SIGNAL_MSI carries (address bits 19:12).
 */
static unsigned ioapic_deliver(struct ioapic *s, unsigned pin, struct apic_msg *out)
{
	uint64_t rte = s->rte[pin];
	bool level = rte_is_level(rte);

	if (rte_dm_reserved(rte))
		return 0;
	out->dest = (uint8_t)(rte >> RTE_DEST_SHIFT);
	out->vector = (uint8_t)(rte & RTE_VECTOR);
	out->delivery = (uint8_t)rte_dm(rte);
	out->destmode = (rte & RTE_DESTMODE) ? 1 : 0;
	out->trigger = level ? 1 : 0;
	out->pin = (uint8_t)pin;
	/* DS 3.2.4 bit 14: set when the local APIC accepts the level message.
	 * The chip cannot see acceptance (KVM_SIGNAL_MSI's result is context,
	 * not input), so a sent level message counts as accepted. */
	if (level)
		s->rte[pin] |= RTE_REMOTE_IRR;
	return 1;
}

/* Level entry: deliver while asserted, unmasked and Remote IRR clear. */
static unsigned ioapic_service_level(struct ioapic *s, unsigned pin, struct apic_msg *out)
{
	uint64_t rte = s->rte[pin];

	if (!rte_is_level(rte) || (rte & (RTE_MASKED | RTE_REMOTE_IRR)))
		return 0;
	if (!pin_asserted(s, pin, rte))
		return 0;
	return ioapic_deliver(s, pin, out);
}

void ioapic_entry_get(const struct ioapic *s, unsigned pin, struct ioapic_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (pin >= IOAPIC_PINS)
		return;
	uint64_t rte = s->rte[pin];
	e->vector = (uint8_t)(rte & RTE_VECTOR);
	e->delivery = (uint8_t)rte_dm(rte);
	e->dest = (uint8_t)(rte >> RTE_DEST_SHIFT);
	e->logical = (rte & RTE_DESTMODE) != 0;
	e->level = rte_is_level(rte);
	e->masked = (rte & RTE_MASKED) != 0;
	e->remote_irr = (rte & RTE_REMOTE_IRR) != 0;
	e->asserted = pin_asserted(s, pin, rte);
}

unsigned ioapic_pin_status(const struct ioapic *s, unsigned pin)
{
	if (pin >= IOAPIC_PINS)
		return 0;
	uint64_t rte = s->rte[pin];
	unsigned st = ((rte & RTE_REMOTE_IRR) ? IOAPIC_PIN_REMOTE_IRR : 0) | ((rte & RTE_MASKED) ? IOAPIC_PIN_MASKED : 0);
	if (st && rte_is_level(rte) && pin_asserted(s, pin, rte))
		st |= IOAPIC_PIN_HELD;
	return st;
}

void ioapic_init(struct ioapic *s, uint8_t version)
{
	memset(s, 0, sizeof(*s));
	s->version = version == IOAPIC_VERSION_82093AA ? IOAPIC_VERSION_82093AA
						       : IOAPIC_VERSION_EOIREG;
	ioapic_reset(s);
}

void ioapic_reset(struct ioapic *s)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		s->rte[i] = RTE_RESET;
	s->level = 0;
	s->regsel = 0;
	s->id = 0;
}

unsigned ioapic_level_changed(struct ioapic *s, unsigned pin, uint32_t old, struct apic_msg *out)
{
	uint64_t rte = s->rte[pin];
	if (rte_is_level(rte))
		return ioapic_service_level(s, pin, out);
	/* an edge entry delivers on the pin's assertion (DS 3.2.4 bit 15) */
	if (!level_asserted(old, pin, rte) && pin_asserted(s, pin, rte))
		return ioapic_deliver(s, pin, out);
	return 0;
}

unsigned ioapic_eoi(struct ioapic *s, uint8_t vector, struct apic_msg *out)
{
	unsigned n = 0;

	/* DS 3.2.4 bit 14: an EOI with a matching vector clears Remote IRR.
	 * Entries without Remote IRR (edge vectors: KVM also exits for those)
	 * are untouched. Re-deliveries come out in pin order. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = s->rte[pin];
		if (!(rte & RTE_REMOTE_IRR) || (uint8_t)(rte & RTE_VECTOR) != vector)
			continue;
		s->rte[pin] = rte & ~RTE_REMOTE_IRR;
		n += ioapic_service_level(s, pin, out + n);
	}
	return n;
}

static unsigned ioapic_write_rte(struct ioapic *s, unsigned pin, bool high, uint32_t value,
				 struct apic_msg *out)
{
	uint64_t old = s->rte[pin];
	uint64_t rte;
	bool was, now;

	if (high)
		rte = (old & 0xffffffffull) | (uint64_t)value << 32;
	else
		rte = (old & ~0xffffffffull) | value;
	/* DS 3.2.4: bits 12 and 14 are read-only; reserved bits dropped. */
	rte = (rte & RTE_WRITABLE) | (old & RTE_REMOTE_IRR);
	/* Remote IRR is "undefined for edge triggered interrupts" (DS 3.2.4);
	 * Linux's pre-0x20 EOI emulation (edge then level) relies on the write
	 * clearing it, as every emulator does. */
	if (!rte_is_level(rte))
		rte &= ~RTE_REMOTE_IRR;
	was = pin_asserted(s, pin, old);
	s->rte[pin] = rte;
	now = pin_asserted(s, pin, rte);

	if (rte_is_level(rte))
		return ioapic_service_level(s, pin, out);
	/* The pin is electrical: flipping INTPOL can turn a steady level into
	 * an assertion, which an unmasked edge entry delivers. */
	if (!was && now && !(rte & RTE_MASKED))
		return ioapic_deliver(s, pin, out);
	return 0;
}

static uint32_t ioapic_read_window(const struct ioapic *s)
{
	uint32_t idx = s->regsel;

	switch (idx) {
	case IOAPIC_REG_ID:
		return (uint32_t)s->id << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_MAX_ENTRY << 16 | s->version;
	case IOAPIC_REG_ARB:
		/* DS 3.2.3: the arbitration ID is loaded from the ID; bus
		 * arbitration (which rotates it) is not modelled. */
		return (uint32_t)s->id << 24;
	default:
		break;
	}
	if (idx >= IOAPIC_REG_RTE0 && idx < IOAPIC_REG_RTE_END) {
		uint64_t rte = s->rte[(idx - IOAPIC_REG_RTE0) / 2];
		return (idx & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
	}
	/* 0x03-0x0f and 0x40-0xff: undefined in DS 3.2; read 0. */
	return 0;
}

static unsigned ioapic_write_window(struct ioapic *s, uint32_t value, struct apic_msg *out)
{
	uint32_t idx = s->regsel;

	if (idx == IOAPIC_REG_ID) {
		s->id = (uint8_t)((value >> 24) & 0xf); /* DS 3.2.1: bits 27:24 */
		return 0;
	}
	if (idx >= IOAPIC_REG_RTE0 && idx < IOAPIC_REG_RTE_END)
		return ioapic_write_rte(s, (idx - IOAPIC_REG_RTE0) / 2, idx & 1, value, out);
	/* VER and ARB are read-only; reserved indices ignore writes. */
	return 0;
}

unsigned ioapic_mmio_write(struct ioapic *s, uint32_t offset, uint32_t value, struct apic_msg *out)
{
	switch (offset) {
	case IOAPIC_OFF_IOREGSEL:
		/* DS 3.1.1: bits 7:0 select; 31:8 reserved, read back as 0. */
		s->regsel = value & 0xff;
		return 0;
	case IOAPIC_OFF_IOWIN:
		return ioapic_write_window(s, value, out);
	case IOAPIC_OFF_EOI:
		/* The 82093AA (0x11) has no EOI register: ignored there. */
		if (s->version >= IOAPIC_VERSION_EOIREG)
			return ioapic_eoi(s, (uint8_t)value, out);
		return 0;
	default:
		return 0;
	}
}

int ioapic_mmio_write_rte_lo(const struct ioapic *s, uint32_t offset)
{
	uint32_t idx = s->regsel;
	if (offset != IOAPIC_OFF_IOWIN || idx < IOAPIC_REG_RTE0 || idx >= IOAPIC_REG_RTE_END || (idx & 1))
		return -1;
	return (int)(idx - IOAPIC_REG_RTE0) / 2;
}

uint32_t ioapic_mmio_read(struct ioapic *s, uint32_t offset)
{
	switch (offset) {
	case IOAPIC_OFF_IOREGSEL:
		return s->regsel;
	case IOAPIC_OFF_IOWIN:
		return ioapic_read_window(s);
	default:
		return 0; /* includes the write-only EOI register */
	}
}

#define IOAPIC_STATE_LAYOUT 1

static const char *ioapic_check(const struct ioapic *s)
{
	if (s->version != IOAPIC_VERSION_82093AA && s->version != IOAPIC_VERSION_EOIREG)
		return "ioapic: version is neither 0x11 nor 0x20";
	if (s->id > 0xf)
		return "ioapic: id wider than 4 bits";
	if (s->regsel > 0xff)
		return "ioapic: regsel wider than 8 bits";
	if (s->level >> IOAPIC_PINS)
		return "ioapic: level set on a pin that does not exist";
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = s->rte[pin];
		if (rte & ~(RTE_WRITABLE | RTE_REMOTE_IRR))
			return "ioapic: rte has reserved or delivery-status bits set";
		if ((rte & RTE_REMOTE_IRR) && !rte_is_level(rte))
			return "ioapic: rte has remote irr set on an edge entry";
		if (rte_is_level(rte) && !(rte & (RTE_MASKED | RTE_REMOTE_IRR)) &&
		    pin_asserted(s, pin, rte))
			return "ioapic: level rte asserted and unmasked but not delivered";
	}
	return NULL;
}

void ioapic_serialize(struct ioapic *s, struct ser *ser)
{
	struct ioapic t;
	uint8_t layout = IOAPIC_STATE_LAYOUT;
	const char *why;

	if (ser->load)
		memset(&t, 0, sizeof(t));
	else
		t = *s;
	ser_u8(ser, &layout);
	ser_u8(ser, &t.version);
	ser_u8(ser, &t.id);
	ser_u32(ser, &t.regsel);
	ser_u32(ser, &t.level);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		ser_u64(ser, &t.rte[pin]);
	if (!ser->load || ser->err)
		return;
	if (layout != IOAPIC_STATE_LAYOUT) {
		ser_invalid(ser, "ioapic: unknown state layout");
		return;
	}
	why = ioapic_check(&t);
	if (why) {
		ser_invalid(ser, why);
		return;
	}
	*s = t;
}

static const char *const ioapic_dm_names[8] = {
	"fixed", "lowest", "smi", "reserved3", "nmi", "init", "reserved6", "extint",
};

void ioapic_print(const struct ioapic *s, FILE *f)
{
	fprintf(f, "ioapic id=0x%x version=0x%02x regsel=0x%02x\n", (unsigned)s->id,
		(unsigned)s->version, (unsigned)s->regsel);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = s->rte[pin];
		fprintf(f,
			"pin %u: vec=0x%02x %s %s dest=0x%02x %s %s masked=%u irr=%u line=%u raw=0x%016" PRIx64
			"\n",
			pin, (unsigned)(rte & RTE_VECTOR), ioapic_dm_names[rte_dm(rte)],
			(rte & RTE_DESTMODE) ? "logical" : "phys",
			(unsigned)(rte >> RTE_DEST_SHIFT), (rte & RTE_LEVEL) ? "level" : "edge",
			(rte & RTE_INTPOL) ? "low" : "high", (rte & RTE_MASKED) ? 1u : 0u,
			(rte & RTE_REMOTE_IRR) ? 1u : 0u, (s->level >> pin) & 1u, rte);
	}
}
