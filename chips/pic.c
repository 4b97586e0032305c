/* SPDX-License-Identifier: MIT */
/*
 * Intel 8259A master/slave pair + PIIX/ICH ELCR. See chips/pic.h for the
 * interface and docs/chips-pic.md for every behaviour decision.
 *
 * "DS" below is the Intel 8259A datasheet (order no. 231468); section names
 * follow it. ELCR is from the PIIX/PIIX3 datasheet (ELCR1/ELCR2 registers).
 *
 * Invariants kept after every entry point:
 *  - for level-sensed inputs (ELCR bit, or ICW1.LTIM), irr bit == line bit;
 *  - master line bit 2 == slave INT output (the cascade wire);
 *  - chip[i].out == the chip's INT output (so pic_pair_int() is a load).
 */
#include "pic.h"

#include <string.h>

#define PIC_MASTER 0
#define PIC_SLAVE 1
#define PIC_CASCADE_IR 2

/* ICW1 (A0=0, D4=1) bits. DS "Initialization Command Word 1". */
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SELECT 0x10
#define ICW1_STORED 0x1b /* bits we keep: IC4, SNGL, LTIM, D4 */

/* ICW4 bits. DS "Initialization Command Word 4". */
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

/* OCW2 commands: bits 7:5 = R, SL, EOI. DS "Operation Command Word 2". */
enum ocw2_cmd {
	OCW2_ROTATE_AEOI_CLEAR = 0x00,
	OCW2_NONSPECIFIC_EOI = 0x20,
	OCW2_NOP = 0x40,
	OCW2_SPECIFIC_EOI = 0x60,
	OCW2_ROTATE_AEOI_SET = 0x80,
	OCW2_ROTATE_NONSPECIFIC_EOI = 0xa0,
	OCW2_SET_PRIORITY = 0xc0,
	OCW2_ROTATE_SPECIFIC_EOI = 0xe0,
};

/* OCW3 bits. DS "Operation Command Word 3". */
#define OCW3_SELECT 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

/* PIIX ELCR: IRQ0, 1, 2 and IRQ8, 13 are edge only (read-only 0). */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE 0xde

/* Saved-state layout version (first byte of pic_pair_serialize). Version 2
 * adds the model-variant byte poll_no_0x80 per chip; it is written only
 * when a chip has it set, so default states stay byte-identical to v1. */
#define PIC_STATE_VERSION 1
#define PIC_STATE_VERSION_VARIANTS 2

enum { INIT_READY, INIT_ICW2, INIT_ICW3, INIT_ICW4 };

static uint8_t level_mask(const struct pic *c)
{
	/* DS ICW1 LTIM: "If LTIM = 1, then the 8259A will operate in the
	 * level interrupt mode" for all eight inputs; ELCR selects per input. */
	return (c->icw1 & ICW1_LTIM) ? 0xff : c->elcr;
}

/*
 * Priority level (0 = highest) of the highest-priority set bit of mask,
 * or 8 if none. IR priority_add has level 0 (DS "Rotating priority").
 */
static unsigned priority_of(uint8_t mask, uint8_t priority_add)
{
	/* Rotate so that bit 0 is IR priority_add; the lowest set bit of the
	 * rotated mask is then the highest-priority level. */
	unsigned m = mask, pa = priority_add & 7u;
	unsigned rot = ((m >> pa) | (m << (8 - pa))) & 0xffu;
	return (unsigned)__builtin_ctz(rot | 0x100u); /* 8 when none is set */
}

/* Requests the resolver sees (IRR gated by IMR; DS "Interrupt Mask Register"). */
static uint8_t requests(const struct pic *c)
{
	uint8_t req = c->irr & (uint8_t)~c->imr;
	/* DS "Edge triggered mode": the IR input must stay high until the
	 * first INTA; in the literal variant a withdrawn edge is no request. */
	if (c->literal_edge)
		req &= c->line;
	return req;
}

/*
 * The IR the chip would acknowledge now, or -1 (INT low). DS "Fully nested
 * mode": a request interrupts only if its priority is strictly higher than
 * every in-service level. Inline: out of line, gcc passed the struct's
 * fields one by one (nine arguments, three on the stack) at every call.
 */
static inline __attribute__((always_inline)) int pending_ir(const struct pic *c, int is_master)
{
	uint8_t req = requests(c);
	if (!req) /* most calls: nothing requested */
		return -1;
	uint8_t in_service = c->isr;
	/* DS "Special mask mode": a masked level no longer inhibits lower
	 * priority requests. */
	if (c->special_mask)
		in_service &= (uint8_t)~c->imr;
	unsigned req_lvl = priority_of(req, c->priority_add);
	unsigned cur_lvl = priority_of(in_service, c->priority_add);
	int ir = (int)((req_lvl + c->priority_add) & 7);
	if (req_lvl < cur_lvl)
		return ir;
	/* DS "Special fully nested mode": while a slave is in service, further
	 * requests from that slave are still recognised by the master. Only
	 * the cascade input gets the equal-level exception; master IR3..7 stay
	 * blocked by ISR2 (unlike excluding ISR2 from the scan altogether). */
	if (is_master && c->sfnm && ir == PIC_CASCADE_IR && req_lvl == cur_lvl)
		return ir;
	return -1;
}

/* Drive one input of one chip to level (edge detector / level follower). */
static void chip_set_input(struct pic *c, unsigned ir, int level)
{
	uint8_t bit = (uint8_t)(1u << ir);
	uint8_t was = c->line & bit;
	/* DS "Level triggered mode": IRR follows the IR input; an
	 * edge-triggered input sets IRR on a rising edge (and a literal edge
	 * detector clears it when the line falls again). Split by level: the
	 * hot path of every line drive (docs/PERFORMANCE.md). */
	if (level) {
		c->line |= bit;
		if (!was || (level_mask(c) & bit))
			c->irr |= bit;
	} else {
		c->line &= (uint8_t)~bit;
		if ((level_mask(c) & bit) || (was && c->literal_edge))
			c->irr &= (uint8_t)~bit;
	}
}

/* Re-evaluate both INT outputs and the cascade wire between them. */
static void pair_update(struct pic_pair *p)
{
	struct pic *m = &p->chip[PIC_MASTER], *s = &p->chip[PIC_SLAVE];
	s->out = pending_ir(s, 0) >= 0;
	chip_set_input(m, PIC_CASCADE_IR, s->out);
	m->out = pending_ir(m, 1) >= 0;
	p->slave_stale = 0;
}

/* pair_update after a change of the master's state only: the slave's out
 * and the cascade wire are as the last update left them (the invariants
 * above: driving master IR2 to the slave's unchanged out changes nothing),
 * so only the master's out is re-evaluated. */
static void master_update(struct pic_pair *p)
{
	if (p->slave_stale)
		pair_update(p);
	else
		p->chip[PIC_MASTER].out = pending_ir(&p->chip[PIC_MASTER], 1) >= 0;
}

void pic_pair_set_literal_edge(struct pic_pair *p, uint8_t literal)
{
	p->chip[PIC_MASTER].literal_edge = p->chip[PIC_SLAVE].literal_edge = literal;
	p->slave_stale = 1;
}

/* Keep level-sensed IRR bits equal to their lines after a mode change. */
static void resync_level(struct pic *c)
{
	uint8_t lv = level_mask(c);
	c->irr = (uint8_t)((c->irr & ~lv) | (c->line & lv));
}

/* The acknowledge half of INTA or poll for IR ir on chip c (DS "INTA"). */
static void chip_ack(struct pic *c, unsigned ir)
{
	uint8_t bit = (uint8_t)(1u << ir);
	if (!(level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
	c->acked |= bit;
	if (c->auto_eoi) {
		/* DS "Automatic rotation": rotate-in-AEOI makes the IR just
		 * serviced the lowest priority. */
		if (c->rotate_on_aeoi)
			c->priority_add = (uint8_t)((ir + 1) & 7);
	} else {
		c->isr |= bit;
	}
}

static void chip_reset(struct pic *c, uint8_t imr, uint8_t elcr_mask)
{
	uint8_t line = c->line, literal = c->literal_edge, poll_variant = c->poll_no_0x80;
	memset(c, 0, sizeof(*c));
	c->poll_no_0x80 = poll_variant;
	/* Input levels are wires driven by devices, not chip state: a line
	 * held high across a reset does not produce a new edge. */
	c->line = line;
	c->literal_edge = literal;
	c->imr = imr;
	c->elcr_mask = elcr_mask;
}

void pic_pair_init(struct pic_pair *p, uint8_t imr_reset)
{
	memset(p, 0, sizeof(*p));
	p->imr_reset = imr_reset;
	pic_pair_reset(p);
}

void pic_pair_reset(struct pic_pair *p)
{
	chip_reset(&p->chip[PIC_MASTER], p->imr_reset, ELCR_MASK_MASTER);
	chip_reset(&p->chip[PIC_SLAVE], p->imr_reset, ELCR_MASK_SLAVE);
	pair_update(p);
}

void pic_pair_set_irq(struct pic_pair *p, unsigned irq, int level)
{
	/* Master IR2 is the cascade wire, driven by the slave's INT only; ISA
	 * IRQ2 has no device on a PC (IRQ9 took its place). */
	if (irq >= 16 || irq == PIC_CASCADE_IR)
		return;
	chip_set_input(&p->chip[irq >> 3], irq & 7, level != 0);
	if (irq < 8)
		master_update(p);
	else
		pair_update(p);
}

static void write_icw1(struct pic *c, uint8_t v)
{
	/* DS "Initialization sequence" effects a)-f). */
	c->icw1 = v & ICW1_STORED;
	/* a) edge sense circuit reset: a held-high line must go low and high
	 * again; level inputs keep requesting. */
	c->irr &= level_mask(c);
	resync_level(c);
	c->imr = 0;           /* b) */
	c->priority_add = 0;  /* c) IR7 lowest */
	c->special_mask = 0;  /* e) */
	c->read_isr = 0;      /* e) status read = IRR */
	c->poll = 0;
	if (!(v & ICW1_IC4)) { /* f) ICW4 functions set to zero */
		c->auto_eoi = 0;
		c->sfnm = 0;
	}
	/* ISR is not in the DS list: in-service levels survive ICW1. */
	c->init_state = INIT_ICW2;
}

static void write_icw(struct pic *c, uint8_t v)
{
	switch (c->init_state) {
	case INIT_ICW2:
		c->base = v & 0xf8;
		if (!(c->icw1 & ICW1_SNGL))
			c->init_state = INIT_ICW3;
		else if (c->icw1 & ICW1_IC4)
			c->init_state = INIT_ICW4;
		else
			c->init_state = INIT_READY;
		break;
	case INIT_ICW3:
		/* Contents ignored: the PC wires the slave to master IR2 and
		 * gives it ID 2 whatever software says. */
		c->init_state = (c->icw1 & ICW1_IC4) ? INIT_ICW4 : INIT_READY;
		break;
	default:
		/* uPM (bit0) and buffered mode (bits 3:2) are not modelled:
		 * the chip always behaves as in 8086 mode. */
		c->auto_eoi = (v & ICW4_AEOI) != 0;
		c->sfnm = (v & ICW4_SFNM) != 0;
		c->init_state = INIT_READY;
		break;
	}
}

static void write_ocw2(struct pic *c, uint8_t v)
{
	unsigned n = v & 7;
	unsigned lvl;

	switch (v & 0xe0) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_aeoi = 0;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_aeoi = 1;
		break;
	case OCW2_NONSPECIFIC_EOI:
	case OCW2_ROTATE_NONSPECIFIC_EOI:
		/* Highest-priority ISR bit, over all of ISR (also in SMM). */
		lvl = priority_of(c->isr, c->priority_add);
		if (lvl == 8)
			break;
		n = (lvl + c->priority_add) & 7;
		c->isr &= (uint8_t)~(1u << n);
		if (v & 0x80)
			c->priority_add = (uint8_t)((n + 1) & 7);
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= (uint8_t)~(1u << n);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= (uint8_t)~(1u << n);
		c->priority_add = (uint8_t)((n + 1) & 7);
		break;
	case OCW2_SET_PRIORITY:
		c->priority_add = (uint8_t)((n + 1) & 7);
		break;
	default: /* OCW2_NOP */
		break;
	}
}

static void write_ocw3(struct pic *c, uint8_t v)
{
	if (v & OCW3_ESMM)
		c->special_mask = (v & OCW3_SMM) != 0;
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_POLL)
		c->poll = 1;
}

static int elcr_index(uint16_t port)
{
	if (port == 0x4d0)
		return PIC_MASTER;
	if (port == 0x4d1)
		return PIC_SLAVE;
	return -1;
}

static int chip_index(uint16_t port)
{
	switch (port) {
	case 0x20: case 0x21: return PIC_MASTER;
	case 0xa0: case 0xa1: return PIC_SLAVE;
	default: return -1;
	}
}

bool pic_pair_owns_port(uint16_t port)
{
	return chip_index(port) >= 0 || elcr_index(port) >= 0;
}

bool pic_pair_is_setup_write(uint16_t port, uint8_t value)
{
	int i = chip_index(port);
	return i >= 0 && ((port & 1) || (value & ICW1_SELECT));
}

bool pic_pair_is_eoi_command(uint16_t port, uint8_t value)
{
	/* OCW2 (A0=0, D4:D3 = 00) with EOI (D5) set: non-specific, specific or
	 * rotating EOI */
	return chip_index(port) >= 0 && !(port & 1) && (value & 0x18) == 0 && (value & 0x20);
}

void pic_pair_write(struct pic_pair *p, uint16_t port, uint8_t value)
{
	int i = chip_index(port);
	if (i < 0) {
		i = elcr_index(port);
		if (i < 0)
			return;
		struct pic *c = &p->chip[i];
		c->elcr = value & c->elcr_mask;
		/* The new sense mode applies at once: a level input that is
		 * high requests now; an input turned edge keeps its IRR bit. */
		resync_level(c);
		if (i == PIC_MASTER)
			master_update(p);
		else
			pair_update(p);
		return;
	}
	struct pic *c = &p->chip[i];
	if (port & 1) {
		if (c->init_state != INIT_READY)
			write_icw(c, value);
		else
			c->imr = value; /* OCW1 */
	} else if (value & ICW1_SELECT) {
		write_icw1(c, value);
	} else if (value & OCW3_SELECT) {
		write_ocw3(c, value);
	} else {
		write_ocw2(c, value);
	}
	if (i == PIC_MASTER)
		master_update(p);
	else
		pair_update(p);
}

/* DS "The Poll command": the read is an INTA; word = I 0 0 0 0 W2 W1 W0. */
static uint8_t poll_read(struct pic_pair *p, int i)
{
	struct pic *c = &p->chip[i];
	int ir = pending_ir(c, i == PIC_MASTER);
	c->poll = 0;
	if (ir < 0) /* I = 0; W2:0 undefined in DS, we give 0; KVM/crosvm give 7 */
		return c->poll_no_0x80 ? 0x07 : 0x00;
	/* Per chip: a slave poll does not touch the master's IR2, and a
	 * master poll that finds IR2 does not resolve the slave. */
	chip_ack(c, (unsigned)ir);
	pair_update(p);
	/* Variant (checklist Q2): KVM and crosvm return the level alone. */
	return (uint8_t)(c->poll_no_0x80 ? ir : 0x80 | ir);
}

uint8_t pic_pair_read(struct pic_pair *p, uint16_t port)
{
	int i = chip_index(port);
	if (i < 0) {
		i = elcr_index(port);
		return i < 0 ? 0xff : p->chip[i].elcr;
	}
	struct pic *c = &p->chip[i];
	if (c->poll)
		return poll_read(p, i);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

uint8_t pic_pair_intack(struct pic_pair *p)
{
	struct pic *m = &p->chip[PIC_MASTER], *s = &p->chip[PIC_SLAVE];
	uint8_t vec;
	int ir = pending_ir(m, 1);

	if (ir != PIC_CASCADE_IR) {
		/* the slave is not involved: only the master's state changes */
		if (ir < 0) {
			/* DS: no request at INTA -> IR7 vector, no ISR bit set. */
			vec = (uint8_t)(m->base | 7);
		} else {
			chip_ack(m, (unsigned)ir);
			vec = (uint8_t)(m->base | (unsigned)ir);
		}
		master_update(p);
		return vec;
	}
	/* The master has acknowledged IR2 (ISR2 set) before the slave
	 * answers; a slave without a request answers IR7. */
	chip_ack(m, PIC_CASCADE_IR);
	int sir = pending_ir(s, 0);
	if (sir < 0) {
		vec = (uint8_t)(s->base | 7);
	} else {
		chip_ack(s, (unsigned)sir);
		vec = (uint8_t)(s->base | (unsigned)sir);
	}
	pair_update(p);
	return vec;
}

bool pic_pair_int(const struct pic_pair *p)
{
	return p->chip[PIC_MASTER].out != 0;
}

bool pic_pair_holds(const struct pic_pair *p, unsigned irq)
{
	if (irq >= 16 || irq == PIC_CASCADE_IR)
		return false;
	const struct pic *c = &p->chip[irq >> 3];
	uint8_t bit = (uint8_t)(1u << (irq & 7));
	return (c->irr & bit) && (!c->literal_edge || (c->line & bit));
}

bool pic_pair_level_sensed(const struct pic_pair *p, unsigned irq)
{
	return irq < 16 && (level_mask(&p->chip[irq >> 3]) & (1u << (irq & 7)));
}

int pic_pair_irq_of_vector(const struct pic_pair *p, uint8_t vector)
{
	unsigned ir = vector & 7u;
	/* DS ICW2: T7-T3 of the vector are the base, the IR level fills 2:0 */
	if ((vector & 0xf8) == p->chip[PIC_MASTER].base && ir != PIC_CASCADE_IR)
		return (int)ir;
	if ((vector & 0xf8) == p->chip[PIC_SLAVE].base)
		return (int)(8 + ir);
	return -1;
}

uint16_t pic_pair_holds_mask(const struct pic_pair *p)
{
	uint16_t m = 0;
	for (unsigned i = 0; i < 2; i++) {
		const struct pic *c = &p->chip[i];
		m |= (uint16_t)((c->irr & (c->literal_edge ? c->line : 0xff)) << (8 * i));
	}
	return m & (uint16_t)~(1u << PIC_CASCADE_IR);
}

uint16_t pic_pair_level_mask(const struct pic_pair *p)
{
	uint16_t m = (uint16_t)(level_mask(&p->chip[0]) | level_mask(&p->chip[1]) << 8);
	return m & (uint16_t)~(1u << PIC_CASCADE_IR);
}

/*
 * Why IR ir of chip c (holding an unmasked request) is not the one the chip
 * resolves to: the same scan as pending_ir(), asked for one IR. DS "Fully
 * nested mode": only a strictly higher in-service level blocks, or the
 * same level; "Special mask mode": masked in-service levels do not block;
 * "Special fully nested mode": the master's cascade input is not blocked
 * by its own in-service level.
 */
static enum pic_block chip_why(const struct pic *c, unsigned ir, int is_master, unsigned *blocker_ir)
{
	uint8_t in_service = c->isr;
	if (c->special_mask)
		in_service &= (uint8_t)~c->imr;
	unsigned my_lvl = (ir - c->priority_add) & 7u;
	for (unsigned lvl = 0; lvl <= my_lvl; lvl++) {
		unsigned j = (lvl + c->priority_add) & 7u;
		if (!(in_service & (1u << j)))
			continue;
		if (lvl == my_lvl && is_master && c->sfnm && ir == PIC_CASCADE_IR)
			break;
		*blocker_ir = j;
		return PIC_BLOCK_IN_SERVICE;
	}
	unsigned req_lvl = priority_of(requests(c), c->priority_add);
	if (req_lvl < my_lvl) {
		*blocker_ir = (req_lvl + c->priority_add) & 7u;
		return PIC_BLOCK_HIGHER_REQUEST;
	}
	return PIC_BLOCK_NONE;
}

enum pic_block pic_pair_why(const struct pic_pair *p, unsigned irq, unsigned *blocker)
{
	const struct pic *m = &p->chip[PIC_MASTER];
	unsigned chip = irq >> 3, ir = irq & 7u, j = 0;
	*blocker = irq;
	if (!pic_pair_holds(p, irq))
		return PIC_BLOCK_NO_REQUEST;
	if (p->chip[chip].imr & (1u << ir))
		return PIC_BLOCK_MASKED;
	if (chip == PIC_SLAVE && (m->imr & (1u << PIC_CASCADE_IR))) {
		*blocker = PIC_CASCADE_IR;
		return PIC_BLOCK_CASCADE_MASKED;
	}
	enum pic_block why = chip_why(&p->chip[chip], ir, chip == PIC_MASTER, &j);
	if (why != PIC_BLOCK_NONE) {
		*blocker = chip * 8 + j;
		return why;
	}
	if (chip == PIC_SLAVE) {
		/* The slave answers this IR: now the master must take IR2. */
		why = chip_why(m, PIC_CASCADE_IR, 1, &j);
		*blocker = j;
	}
	return why;
}

static void ser_chip(struct ser *s, struct pic *c)
{
	ser_u8(s, &c->irr);
	ser_u8(s, &c->imr);
	ser_u8(s, &c->isr);
	ser_u8(s, &c->line);
	ser_u8(s, &c->elcr);
	ser_u8(s, &c->elcr_mask);
	ser_u8(s, &c->base);
	ser_u8(s, &c->priority_add);
	ser_u8(s, &c->init_state);
	ser_u8(s, &c->icw1);
	ser_u8(s, &c->read_isr);
	ser_u8(s, &c->poll);
	ser_u8(s, &c->special_mask);
	ser_u8(s, &c->auto_eoi);
	ser_u8(s, &c->rotate_on_aeoi);
	ser_u8(s, &c->sfnm);
	ser_u8(s, &c->literal_edge);
}

static const char *chip_invalid(const struct pic *c, uint8_t elcr_mask)
{
	if (c->init_state > INIT_ICW4)
		return "pic: init_state out of range";
	if (c->icw1 & (uint8_t)~ICW1_STORED)
		return "pic: icw1 has unknown bits";
	if (c->init_state == INIT_ICW3 && (c->icw1 & ICW1_SNGL))
		return "pic: expecting ICW3 in single mode";
	if (c->init_state == INIT_ICW4 && !(c->icw1 & ICW1_IC4))
		return "pic: expecting ICW4 without IC4";
	if (c->base & 7)
		return "pic: vector base not a multiple of 8";
	if (c->priority_add > 7)
		return "pic: priority out of range";
	if (c->elcr_mask != elcr_mask || (c->elcr & (uint8_t)~elcr_mask))
		return "pic: elcr has read-only bits set";
	if (c->read_isr > 1 || c->poll > 1 || c->special_mask > 1 ||
	    c->auto_eoi > 1 || c->rotate_on_aeoi > 1 || c->sfnm > 1 ||
	    c->literal_edge > 1 || c->poll_no_0x80 > 1)
		return "pic: flag not 0 or 1";
	if ((c->irr ^ c->line) & level_mask(c))
		return "pic: level-triggered irr differs from line";
	return NULL;
}

void pic_pair_serialize(struct pic_pair *p, struct ser *s)
{
	struct pic_pair t = *p;
	uint8_t version = p->chip[PIC_MASTER].poll_no_0x80 || p->chip[PIC_SLAVE].poll_no_0x80
				  ? PIC_STATE_VERSION_VARIANTS
				  : PIC_STATE_VERSION;

	ser_u8(s, &version);
	if (s->load && !s->err && version != PIC_STATE_VERSION &&
	    version != PIC_STATE_VERSION_VARIANTS)
		ser_invalid(s, "pic: unknown state version");
	ser_chip(s, &t.chip[PIC_MASTER]);
	ser_chip(s, &t.chip[PIC_SLAVE]);
	ser_u8(s, &t.imr_reset);
	if (s->load) {
		t.chip[PIC_MASTER].poll_no_0x80 = 0;
		t.chip[PIC_SLAVE].poll_no_0x80 = 0;
	}
	if (version == PIC_STATE_VERSION_VARIANTS) {
		ser_u8(s, &t.chip[PIC_MASTER].poll_no_0x80);
		ser_u8(s, &t.chip[PIC_SLAVE].poll_no_0x80);
	}
	if (!s->load || s->err)
		return;

	const char *why = chip_invalid(&t.chip[PIC_MASTER], ELCR_MASK_MASTER);
	if (!why)
		why = chip_invalid(&t.chip[PIC_SLAVE], ELCR_MASK_SLAVE);
	if (!why) {
		/* The cascade wire must match the slave it comes from. */
		struct pic_pair chk = t;
		pair_update(&chk);
		if (chk.chip[PIC_MASTER].line != t.chip[PIC_MASTER].line ||
		    chk.chip[PIC_MASTER].irr != t.chip[PIC_MASTER].irr)
			why = "pic: cascade wire inconsistent with slave";
		t = chk;
	}
	if (why) {
		ser_invalid(s, why);
		return;
	}
	*p = t;
}

static const char *const init_names[] = { "ready", "icw2", "icw3", "icw4" };

static void print_chip(const struct pic *c, const char *name, FILE *f)
{
	fprintf(f, "pic %s: irr=0x%02x isr=0x%02x imr=0x%02x line=0x%02x "
		"elcr=0x%02x base=0x%02x prio=%u init=%s read=%s aeoi=%u "
		"raeoi=%u sfnm=%u smm=%u poll=%u ltim=%u sngl=%u literal=%u "
		"%sint=%u\n",
		name, c->irr, c->isr, c->imr, c->line, c->elcr, c->base,
		c->priority_add,
		c->init_state <= INIT_ICW4 ? init_names[c->init_state] : "?",
		c->read_isr ? "isr" : "irr", c->auto_eoi, c->rotate_on_aeoi,
		c->sfnm, c->special_mask, c->poll,
		(c->icw1 & ICW1_LTIM) ? 1u : 0u,
		(c->icw1 & ICW1_SNGL) ? 1u : 0u, c->literal_edge,
		c->poll_no_0x80 ? "poll_no_0x80=1 " : "", c->out);
}

void pic_pair_print(const struct pic_pair *p, FILE *f)
{
	print_chip(&p->chip[PIC_MASTER], "master", f);
	print_chip(&p->chip[PIC_SLAVE], "slave", f);
	fprintf(f, "pic imr_reset=0x%02x\n", p->imr_reset);
}
