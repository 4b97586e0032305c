/* SPDX-License-Identifier: MIT */
/* Board wiring, event seam, keyframes and determinism. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chips/board.h"
#include "chips/rules.h"
#include "chips/clock.h"
#include "chips/variants.h"

#define CAP_MAX 200000

struct capture {
	unsigned n;
	struct irq_event ev[CAP_MAX];
};

static void capture_sink(void *ctx, const struct irq_event *ev)
{
	struct capture *c = ctx;
	if (c->n < CAP_MAX)
		c->ev[c->n++] = *ev;
}

static struct capture *cap_new(void)
{
	struct capture *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	return c;
}

static unsigned count_kind(const struct capture *c, unsigned kind)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->ev[i].kind == kind;
	return n;
}

static const struct irq_event *find_nth(const struct capture *c, unsigned kind, unsigned nth)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == kind && nth-- == 0)
			return &c->ev[i];
	return NULL;
}

static void init_board(struct board *b, struct capture *c, unsigned ncpus)
{
	struct board_config cfg;
	board_config_default(&cfg);
	cfg.ncpus = (uint8_t)ncpus;
	assert_int_equal(board_init(b, &cfg, capture_sink, c), 0);
}

/* Linux's i8259A init: master 0x11,0x30,0x04,0x01; slave 0x11,0x38,0x02,0x01. */
static void linux_pic_init(struct board *b, uint64_t t)
{
	static const uint16_t port[] = { 0x20, 0x21, 0x21, 0x21, 0xa0, 0xa1, 0xa1, 0xa1 };
	static const uint8_t val[] = { 0x11, 0x30, 0x04, 0x01, 0x11, 0x38, 0x02, 0x01 };
	for (unsigned i = 0; i < 8; i++)
		board_pio_write(b, t, port[i], val[i]);
}

/* Channel 0, LSB/MSB, mode 2, count n, written at t. */
static void pit_mode2(struct board *b, uint64_t t, uint16_t n)
{
	board_pio_write(b, t, 0x43, 0x34);
	board_pio_write(b, t, 0x40, (uint8_t)n);
	board_pio_write(b, t, 0x40, (uint8_t)(n >> 8));
}

static void ten_irq0_edges_in_10ms(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	pit_mode2(&b, 0, 1193); /* 1 kHz */
	board_advance(&b, 10000000);

	unsigned rises = 0;
	for (unsigned i = 0; i < c->n; i++) {
		const struct irq_event *e = &c->ev[i];
		if (e->kind == EV_WIRE && e->u.wire.id == WIRE_IRQ0 && e->u.wire.level == 1) {
			/* 8254 mode 2: the count loads on the first CLK after the
			 * write (tick 1); OUT rises every N CLKs after that. */
			assert_int_equal(e->t, pit_tick_time(1 + 1193ull * (rises + 1)));
			rises++;
		}
	}
	assert_int_equal(rises, 10);
	/* The first edge raises the PIC's INT and asks cpu 0 for ExtINT. */
	const struct irq_event *w = find_nth(c, EV_LINT, 0);
	assert_non_null(w);
	assert_int_equal(w->u.lint.cpu, 0);
	assert_int_equal(w->u.lint.mode, APIC_DM_EXTINT);
	assert_int_equal(w->u.lint.level, 1);
	assert_int_equal(w->t, pit_tick_time(1 + 1193));
	free(c);
}

static void intack_and_eoi_cycle(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	pit_mode2(&b, 0, 1193);
	board_advance(&b, 1100000);
	assert_true(b.s.pic_int);
	c->n = 0;
	assert_int_equal(board_intack(&b, 1100000, 0), 0x30);
	/* echo first, then the INT falling edge and the ExtINT withdrawal */
	assert_int_equal(c->ev[0].kind, EV_INTACK);
	assert_int_equal(c->ev[0].u.intack.vector, 0x30);
	assert_int_equal(c->ev[1].kind, EV_WIRE);
	assert_int_equal(c->ev[1].u.wire.id, WIRE_PIC_INT);
	assert_int_equal(c->ev[1].u.wire.level, 0);
	assert_int_equal(c->ev[2].kind, EV_LINT);
	assert_int_equal(c->ev[2].u.lint.level, 0);
	board_pio_write(&b, 1100000, 0x20, 0x20); /* EOI */
	/* The next tick interrupts again. */
	board_advance(&b, 2100000);
	assert_true(b.s.pic_int);
	assert_int_equal(board_intack(&b, 2100000, 0), 0x30);
	free(c);
}

/* A spurious INTACK: nothing pending gives master base + 7. */
static void spurious_intack(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	assert_int_equal(board_intack(&b, 5, 0), 0x37);
	free(c);
}

static void ioapic_rte(struct board *b, uint64_t t, unsigned pin, uint64_t rte)
{
	board_mmio_write(b, t, IOAPIC_BASE, 0x10 + 2 * pin);
	board_mmio_write(b, t, IOAPIC_BASE + 0x10, (uint32_t)rte);
	board_mmio_write(b, t, IOAPIC_BASE, 0x11 + 2 * pin);
	board_mmio_write(b, t, IOAPIC_BASE + 0x10, (uint32_t)(rte >> 32));
}

/* ISA IRQ0 reaches IOAPIC pin 2 (the MADT interrupt source override). */
static void pit_through_ioapic_pin2(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	board_pio_write(&b, 0, 0x21, 0xff); /* PIC masked, as Linux does */
	ioapic_rte(&b, 0, 2, 0x0000000000000031ull);
	pit_mode2(&b, 0, 1193);
	board_advance(&b, 3000000);
	assert_int_equal(count_kind(c, EV_APIC_MSG), 2);
	const struct irq_event *m = find_nth(c, EV_APIC_MSG, 1);
	assert_int_equal(m->u.apic.vector, 0x31);
	assert_int_equal(m->u.apic.pin, 2);
	assert_int_equal(m->u.apic.trigger, 0);
	assert_int_equal(m->u.apic.delivery, APIC_DM_FIXED);
	assert_int_equal(m->t, pit_tick_time(1 + 2 * 1193ull));
	/* INT never rose: the PIC kept IRR0 but IMR masks it. */
	assert_int_equal(b.s.pic_int, 0);
	free(c);
}

/* PCI GSIs 16-23 are active low: an active-low level RTE sees the device's
 * assertion; EOI with the line still asserted re-delivers. */
static void pci_gsi_active_low_level(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	/* vector 0x40, level, active low, unmasked */
	ioapic_rte(&b, 0, 16, 0x40 | (1u << 15) | (1u << 13));
	assert_int_equal(count_kind(c, EV_APIC_MSG), 0);
	board_set_irq(&b, 10, 16, 1);
	assert_int_equal(count_kind(c, EV_APIC_MSG), 1);
	assert_int_equal(find_nth(c, EV_APIC_MSG, 0)->u.apic.trigger, 1);
	board_eoi(&b, 20, 0x40, 0);
	assert_int_equal(count_kind(c, EV_APIC_MSG), 2);
	board_set_irq(&b, 30, 16, 0);
	board_eoi(&b, 40, 0x40, 0);
	assert_int_equal(count_kind(c, EV_APIC_MSG), 2);
	free(c);
}

/* ISA line n reaches PIC input n and IOAPIC pin n. */
static void isa_line_reaches_both_chips(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	ioapic_rte(&b, 0, 4, 0x34);
	board_set_irq(&b, 100, 4, 1);
	assert_int_equal(count_kind(c, EV_APIC_MSG), 1);
	assert_int_equal(find_nth(c, EV_APIC_MSG, 0)->u.apic.pin, 4);
	assert_true(b.s.pic_int);
	assert_int_equal(board_intack(&b, 200, 0), 0x34);
	/* slave line 12 */
	board_set_irq(&b, 300, 12, 1);
	board_pio_write(&b, 300, 0x20, 0x20);
	assert_int_equal(board_intack(&b, 400, 0), 0x3c);
	free(c);
}

/* LVT0 in NMI mode on every vCPU: each sees an NMI on the INT rising edge
 * (the 2010 proposal's scenario); with --lint0=bsp only cpu 0 does. */
static void lint0_nmi_broadcast_and_bsp(void **state)
{
	for (unsigned bsp_only = 0; bsp_only < 2; bsp_only++) {
		struct board b;
		struct board_config cfg;
		struct capture *c = cap_new();
		board_config_default(&cfg);
		cfg.ncpus = 3;
		cfg.lint0_bsp_only = (uint8_t)bsp_only;
		assert_int_equal(board_init(&b, &cfg, capture_sink, c), 0);
		linux_pic_init(&b, 0);
		for (unsigned cpu = 0; cpu < 3; cpu++)
			board_set_lvt(&b, 0, cpu, 0, APIC_DM_NMI << 8);
		board_set_irq(&b, 10, 1, 1);
		unsigned nmis = 0;
		for (unsigned i = 0; i < c->n; i++)
			if (c->ev[i].kind == EV_LINT && c->ev[i].u.lint.mode == APIC_DM_NMI) {
				assert_int_equal(c->ev[i].u.lint.level, 1);
				nmis++;
			}
		assert_int_equal(nmis, bsp_only ? 1 : 3);
		free(c);
	}
}

/* LVT0 unmasked to ExtINT while INT is high: the level consumer sees it;
 * masked again: withdrawn. An NMI-mode LVT written while INT is high sees
 * no edge (SDM: NMI LINT is edge-sensitive). */
static void lvt_change_while_int_high(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 2);
	linux_pic_init(&b, 0);
	board_set_irq(&b, 10, 3, 1);
	c->n = 0;
	board_set_lvt(&b, 20, 1, 0, APIC_DM_EXTINT << 8);
	assert_int_equal(count_kind(c, EV_LINT), 1);
	assert_int_equal(find_nth(c, EV_LINT, 0)->u.lint.cpu, 1);
	assert_int_equal(find_nth(c, EV_LINT, 0)->u.lint.level, 1);
	board_set_lvt(&b, 30, 1, 0, (1u << 16) | (APIC_DM_EXTINT << 8));
	assert_int_equal(count_kind(c, EV_LINT), 2);
	assert_int_equal(find_nth(c, EV_LINT, 1)->u.lint.level, 0);
	board_set_lvt(&b, 40, 1, 0, APIC_DM_NMI << 8);
	assert_int_equal(count_kind(c, EV_LINT), 2);
	free(c);
}

/* Every input is echoed once, after the timed outputs it revealed. */
static void input_echo_order(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	pit_mode2(&b, 0, 1193);
	c->n = 0;
	uint8_t v = board_pio_read(&b, 1500000, 0x20); /* IRR */
	assert_int_equal(v, 0x01);
	/* falling edge, rising edge (+ INT, LINT0) came before the read echo */
	unsigned i = 0;
	for (; c->ev[i].kind != EV_PIO_READ; i++)
		assert_true(EV_IS_OUTPUT(c->ev[i].kind));
	assert_true(i >= 3);
	assert_int_equal(c->ev[i].t, 1500000);
	assert_int_equal(c->ev[i].u.pio.value, 0x01);
	free(c);
}

static void time_never_goes_backwards(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	board_advance(&b, 1000);
	board_pio_write(&b, 10, 0x21, 0xff);
	assert_int_equal(c->ev[c->n - 1].t, 1000);
	assert_int_equal(b.s.now, 1000);
	free(c);
}

static void apply_rejects_bad_inputs(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 2);
	struct irq_event e = { .kind = EV_IRQ };
	e.u.irq.gsi = 24;
	assert_int_equal(board_apply(&b, &e), -1);
	e.kind = EV_INTACK;
	e.u.intack.cpu = 2;
	assert_int_equal(board_apply(&b, &e), -1);
	e.kind = EV_WIRE;
	assert_int_equal(board_apply(&b, &e), -1);
	e.kind = 0x7f;
	assert_int_equal(board_apply(&b, &e), -1);
	assert_int_equal(c->n, 0);
	free(c);
}

/* ---- determinism ---- */

static uint64_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* A random but plausible input: mostly chip ports, some nonsense. */
static void random_input(uint64_t *rng, uint64_t *t, struct irq_event *e)
{
	static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,
					  0x40, 0x41, 0x42, 0x43, 0x61, 0x80 };
	static const uint8_t ioregs[] = { 0x00, 0x01, 0x02, 0x10, 0x11, 0x14, 0x15, 0x18, 0x19, 0x30, 0x3f, 0x40 };
	memset(e, 0, sizeof(*e));
	*t += rng_next(rng) % 200000;
	e->t = *t;
	switch (rng_next(rng) % 10) {
	case 0:
		e->kind = EV_TIME;
		break;
	case 1:
	case 2:
		e->kind = EV_PIO_WRITE;
		e->u.pio.port = ports[rng_next(rng) % 12];
		e->u.pio.value = (uint8_t)rng_next(rng);
		break;
	case 3:
		e->kind = EV_PIO_READ;
		e->u.pio.port = ports[rng_next(rng) % 12];
		break;
	case 4:
		e->kind = EV_MMIO_WRITE;
		e->u.mmio.addr = IOAPIC_BASE + (rng_next(rng) % 2 ? 0 : 0x10);
		e->u.mmio.value = e->u.mmio.addr == IOAPIC_BASE ? ioregs[rng_next(rng) % 12]
								 : (uint32_t)rng_next(rng) & 0x1ffff;
		break;
	case 5:
		e->kind = EV_MMIO_READ;
		e->u.mmio.addr = IOAPIC_BASE + 0x10;
		break;
	case 6:
		e->kind = EV_IRQ;
		e->u.irq.gsi = (uint8_t)(rng_next(rng) % 24);
		e->u.irq.level = (uint8_t)(rng_next(rng) & 1);
		break;
	case 7:
		e->kind = EV_INTACK;
		e->u.intack.cpu = (uint8_t)(rng_next(rng) % 2);
		break;
	case 8:
		e->kind = EV_EOI;
		e->u.eoi.vector = (uint8_t)(0x30 + rng_next(rng) % 32);
		break;
	default:
		e->kind = EV_LVT;
		e->u.lvt.cpu = (uint8_t)(rng_next(rng) % 2);
		e->u.lvt.value = (uint32_t)((rng_next(rng) % 2) << 16 | (rng_next(rng) % 2 ? 0x700 : 0x400));
		break;
	}
}

static uint64_t hash_events(const struct capture *c, unsigned from)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned i = from; i < c->n; i++) {
		const struct irq_event *e = &c->ev[i];
		uint64_t words[4] = { e->t, e->kind, 0, 0 };
		switch (e->kind) {
		case EV_PIO_READ: case EV_PIO_WRITE: words[2] = e->u.pio.port; words[3] = e->u.pio.value; break;
		case EV_MMIO_READ: case EV_MMIO_WRITE: words[2] = e->u.mmio.addr; words[3] = e->u.mmio.value; break;
		case EV_INTACK: words[2] = e->u.intack.vector; break;
		case EV_WIRE: words[2] = e->u.wire.id; words[3] = e->u.wire.level; break;
		case EV_APIC_MSG: words[2] = e->u.apic.vector | e->u.apic.dest << 8 | e->u.apic.delivery << 16; break;
		case EV_LINT: words[2] = e->u.lint.cpu | e->u.lint.mode << 8; words[3] = e->u.lint.level; break;
		case EV_DEADLINE: words[2] = e->u.deadline.t; break;
		default: break;
		}
		for (unsigned w = 0; w < 4; w++) {
			h ^= words[w];
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

#define RANDOM_INPUTS 20000

/* Inputs [from, to) of the sequence the seed defines; returns the last time. */
static uint64_t run_random(struct board *b, uint64_t seed, unsigned from, unsigned to)
{
	uint64_t rng = seed, t = 0;
	struct irq_event e;
	for (unsigned i = 0; i < to; i++) {
		random_input(&rng, &t, &e);
		if (i >= from)
			assert_int_equal(board_apply(b, &e), 0);
	}
	return t;
}

static void seeded_random_run_is_deterministic(void **state)
{
	struct capture *c1 = cap_new(), *c2 = cap_new();
	struct board b1, b2;
	init_board(&b1, c1, 2);
	init_board(&b2, c2, 2);
	linux_pic_init(&b1, 0);
	linux_pic_init(&b2, 0);
	pit_mode2(&b1, 0, 500);
	pit_mode2(&b2, 0, 500);
	run_random(&b1, 42, 0, RANDOM_INPUTS);
	run_random(&b2, 42, 0, RANDOM_INPUTS);
	assert_int_equal(c1->n, c2->n);
	assert_true(c1->n > RANDOM_INPUTS);
	assert_true(count_kind(c1, EV_APIC_MSG) > 0);
	assert_true(count_kind(c1, EV_LINT) > 0);
	assert_int_equal(hash_events(c1, 0), hash_events(c2, 0));
	assert_int_equal(board_state_hash(&b1), board_state_hash(&b2));
	free(c1);
	free(c2);
}

/* Every event the board emits, input echo or output, has zero bytes
 * outside t, kind and its kind's fields (chips/event.c's rows): the
 * replayer's compare takes four equal words for equal events
 * (replayer/replay.c cmp_sink), and the board now stores its events as
 * words (irq_event_set), so a layout slip there would show here. */
static void emitted_events_zero_outside_fields(void **state)
{
	struct capture *c = cap_new();
	struct board b;
	init_board(&b, c, 2);
	linux_pic_init(&b, 0);
	pit_mode2(&b, 0, 500);
	run_random(&b, 7, 0, RANDOM_INPUTS);
	uint64_t seen = 0;
	for (unsigned i = 0; i < c->n; i++) {
		const struct irq_event *e = &c->ev[i];
		const struct irq_kind_desc *d = irq_kind_desc(e->kind);
		uint8_t used[sizeof(*e)] = { 0 };
		assert_non_null(d);
		memset(used, 1, offsetof(struct irq_event, kind) + 1);
		for (unsigned f = 0; f < d->nfields; f++)
			memset(used + d->fields[f].offset, 1, d->fields[f].size);
		const uint8_t *bytes = (const uint8_t *)e;
		for (size_t k = 0; k < sizeof(*e); k++)
			if (!used[k] && bytes[k])
				fail_msg("event %u (%s): byte %zu is 0x%02x", i, d->name, k, bytes[k]);
		seen |= 1ull << e->kind;
	}
	static const unsigned kinds[] = { EV_TIME, EV_PIO_WRITE, EV_PIO_READ, EV_MMIO_WRITE, EV_MMIO_READ,
					  EV_IRQ, EV_INTACK, EV_EOI, EV_LVT, EV_WIRE, EV_APIC_MSG, EV_LINT,
					  EV_DEADLINE };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!(seen & 1ull << kinds[k]))
			fail_msg("no %s event", irq_kind_desc(kinds[k])->name);
	free(c);
}

/* The board keeps PIT channel 0's next edge and OUT0 across the accesses
 * that cannot change them (reads, latch and read-back commands, the other
 * channels, port 0x61) without recomputing them: after every random PIT
 * access, often between a count write and its load, the deadline and the
 * wire state equal those of a board loaded from a keyframe (which computes
 * them from the PIT). */
static void pit_caches_hold_across_reads_and_latches(void **state)
{
	static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
	static const uint8_t cws[] = { 0x00, 0x34, 0x30, 0x36, 0x3a, 0x12, 0x16, 0x40, 0x80,
				       0xc2, 0xe2, 0xd2, 0xde, 0x04, 0x14 };
	struct capture *c1 = cap_new();
	struct board *b = malloc(sizeof(*b)), *fresh = malloc(sizeof(*fresh));
	uint8_t buf[8192];
	uint64_t rng = 99, t = 0;
	assert_non_null(b);
	assert_non_null(fresh);
	init_board(b, c1, 1);
	linux_pic_init(b, 0);
	pit_mode2(b, 0, 3);
	for (unsigned i = 0; i < 20000; i++) {
		t += rng_next(&rng) % 3000; /* a PIT clock is 838 ns */
		uint16_t port = ports[rng_next(&rng) % 5];
		if (rng_next(&rng) % 2) {
			uint8_t v = port == 0x43 ? cws[rng_next(&rng) % 15] : (uint8_t)(rng_next(&rng) % 8);
			board_pio_write(b, t, port, v);
		} else {
			(void)board_pio_read(b, t, port);
		}
		size_t n = board_save(b, buf, sizeof(buf));
		assert_true(n > 0);
		board_init_blank(fresh);
		assert_null(board_load(fresh, buf, n));
		assert_int_equal(board_next_deadline(b), board_next_deadline(fresh));
		assert_int_equal(board_line_levels(b), board_line_levels(fresh));
	}
	free(b);
	free(fresh);
	free(c1);
}

/* Save mid-way, load into a fresh board, continue: identical outputs. */
static void keyframe_continue_is_identical(void **state)
{
	struct capture *c1 = cap_new(), *c2 = cap_new();
	struct board b1, b2;
	uint8_t buf[8192];
	init_board(&b1, c1, 2);
	linux_pic_init(&b1, 0);
	pit_mode2(&b1, 0, 777);
	run_random(&b1, 7, 0, RANDOM_INPUTS / 2);
	size_t n = board_save(&b1, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(n, board_state_size(&b1));
	uint64_t h_saved = board_state_hash(&b1);
	unsigned mark = c1->n;
	uint64_t t1 = run_random(&b1, 7, RANDOM_INPUTS / 2, RANDOM_INPUTS);

	init_board(&b2, c2, 1); /* different config: the keyframe carries it */
	assert_null(board_load(&b2, buf, n));
	assert_int_equal(b2.cfg.ncpus, 2);
	assert_int_equal(board_state_hash(&b2), h_saved);
	uint64_t t2 = run_random(&b2, 7, RANDOM_INPUTS / 2, RANDOM_INPUTS);
	assert_int_equal(t1, t2);
	assert_int_equal(hash_events(c1, mark), hash_events(c2, 0));
	assert_int_equal(board_state_hash(&b1), board_state_hash(&b2));
	free(c1);
	free(c2);
}

/* A keyframe whose IRQ0 wire disagrees with PIT OUT0 is not a state the
 * board can be in (board_save asserts it): board_load refuses it, instead of
 * a later save asserting on it (a fuzzed trace found this: its PIT was only
 * read after the keyframe, and a read does not recompute OUT0). */
static void load_rejects_irq0_not_out0(void **state)
{
	(void)state;
	struct board b;
	struct capture *c = cap_new();
	uint8_t buf[8192];
	const uint64_t now = 0x0123456789abull; /* found in the saved bytes */
	init_board(&b, c, 1);
	board_advance(&b, now);
	assert_int_equal(b.s.now, now);
	size_t n = board_save(&b, buf, sizeof(buf));
	size_t at = 0;
	while (at + 8 <= n && memcmp(buf + at, &now, 8))
		at++;
	assert_true(at + 21 <= n);
	size_t irq0 = at + 8 + 8 + 4; /* now, deadline, lines, then irq0 */
	assert_int_equal(buf[irq0], b.s.irq0);
	buf[irq0] ^= 1;
	const char *why = board_load(&b, buf, n);
	assert_non_null(why);
	assert_non_null(strstr(why, "OUT0"));
	free(c);
}

static void load_rejects_bad_state(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	uint8_t buf[8192];
	init_board(&b, c, 1);
	size_t n = board_save(&b, buf, sizeof(buf));
	uint64_t h = board_state_hash(&b);
	for (size_t cut = 0; cut < n; cut++)
		assert_non_null(board_load(&b, buf, cut));
	buf[0] ^= 1;
	assert_non_null(board_load(&b, buf, n));
	buf[0] ^= 1;
	buf[6] = 0; /* ncpus 0 */
	assert_non_null(board_load(&b, buf, n));
	assert_int_equal(board_state_hash(&b), h); /* failed loads change nothing */
	assert_int_equal(board_save(&b, buf, 3), 0);
	free(c);
}

/* Virtual time far in the future: still exact, no overflow. */
static void ten_years_of_time(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	const uint64_t ten_years = 10ull * 365 * 24 * 3600 * 1000000000ull;
	init_board(&b, c, 1);
	board_advance(&b, ten_years);
	board_pio_write(&b, ten_years, 0x21, 0xff);
	pit_mode2(&b, ten_years, 1193);
	c->n = 0;
	board_advance(&b, ten_years + 5500000);
	unsigned rises = 0;
	uint64_t k0 = pit_ticks_at(ten_years) + 1;
	for (unsigned i = 0; i < c->n; i++)
		if (c->ev[i].kind == EV_WIRE && c->ev[i].u.wire.level == 1) {
			rises++;
			assert_int_equal(c->ev[i].t, pit_tick_time(k0 + 1193ull * rises));
		}
	assert_int_equal(rises, 5);
	free(c);
}


/* RTC periodic interrupt (register A RS=6: 1024 Hz, B PIE) -> ISA IRQ8 ->
 * PIC slave IR0 (vector 0x38) and IOAPIC pin 8; reading register C
 * acknowledges it. The edges come at their own exact times. */
static void rtc_periodic_reaches_irq8(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	ioapic_rte(&b, 0, 8, 0x48);
	board_pio_write(&b, 0, 0x70, 0x0a);
	board_pio_write(&b, 0, 0x71, 0x26);
	board_pio_write(&b, 0, 0x70, 0x0b);
	board_pio_write(&b, 0, 0x71, 0x42); /* PIE, 24h */
	uint64_t d = board_next_deadline(&b);
	assert_true(d > 0 && d <= 1000000000ull / 1024 + 1);
	board_advance(&b, 2000000);
	const struct irq_event *w = find_nth(c, EV_WIRE, 0);
	assert_non_null(w);
	assert_int_equal(w->u.wire.id, WIRE_IRQ8);
	assert_int_equal(w->u.wire.level, 1);
	assert_int_equal(w->t, d);
	const struct irq_event *m = find_nth(c, EV_APIC_MSG, 0);
	assert_non_null(m);
	assert_int_equal(m->u.apic.pin, 8);
	assert_int_equal(m->u.apic.vector, 0x48);
	assert_int_equal(m->t, d);
	/* the IRQ stays asserted until register C is read: one edge only */
	assert_int_equal(count_kind(c, EV_APIC_MSG), 1);
	assert_int_equal(board_intack(&b, 2000000, 0), 0x38);
	board_pio_write(&b, 2000000, 0x70, 0x0c);
	assert_int_equal(board_pio_read(&b, 2000000, 0x71) & 0xc0, 0xc0); /* IRQF, PF */
	assert_int_equal(b.s.irq8, 0);
	/* keyframes carry the RTC: save, load, continue identically */
	uint8_t buf[8192];
	size_t n = board_save(&b, buf, sizeof(buf));
	struct board b2;
	struct capture *c2 = cap_new();
	init_board(&b2, c2, 1);
	assert_null(board_load(&b2, buf, n));
	unsigned mark = c->n;
	board_advance(&b, 5000000);
	board_advance(&b2, 5000000);
	assert_int_equal(c->n - mark, c2->n);
	for (unsigned i = 0; i < c2->n; i++)
		assert_true(irq_event_equal(&c->ev[mark + i], &c2->ev[i]));
	assert_int_equal(board_state_hash(&b), board_state_hash(&b2));
	free(c);
	free(c2);
}

/* Regression (fuzz_board): UINT64_MAX is both "no deadline" and a time a
 * trace or driver can ask for; advancing to it with nothing scheduled hit
 * the `e > now` assertion in advance_to (abort in every non-release build). */
static void advance_to_end_of_time(void **state)
{
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	board_advance(&b, UINT64_MAX);
	assert_true(b.s.now == UINT64_MAX);
	board_advance(&b, UINT64_MAX);
	board_pio_write(&b, UINT64_MAX, 0x21, 0xff);
	assert_true(board_next_deadline(&b) == UINT64_MAX);
	for (unsigned i = 0; i < c->n; i++)
		assert_true(c->ev[i].kind != EV_WIRE);
	free(c);
}


/* Keyframes of older traces still load: version 2 (no CMOS configuration)
 * and version 1 (no RTC). Built from a version 3 state by cutting out what
 * the older layouts did not have (docs/chips.md, "Keyframes"). */
static void older_state_versions_load(void **state)
{
	struct board b, old;
	struct capture *c = cap_new();
	uint8_t v3[8192], v2[8192], v1[8192];
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	pit_mode2(&b, 0, 1193);
	board_advance(&b, 3000000);
	size_t n3 = board_save(&b, v3, sizeof(v3));
	const size_t hdr = 4 + 2 + 4; /* magic, version, 4 config bytes */
	const size_t epoch_end = hdr + 8, cmos_end = epoch_end + 114;
	/* v3: without the 3 HPET configuration bytes (this board has none) */
	/* v4: without the fault count, the last byte of a board with no HPET */
	uint8_t v5[8192], v4[8192];
	size_t n5 = board_save(&b, v5, sizeof(v5));
	assert_int_equal(v5[4], 6);
	assert_int_equal(v5[n5 - 1], 0);
	/* v5: the same bytes as 6 (an rte-mask fault's `held` meant more) */
	v5[4] = 5;
	init_board(&old, c, 1);
	assert_null(board_load(&old, v5, n5));
	assert_int_equal(board_state_hash(&old), board_state_hash(&b));
	size_t n4 = n5 - 1;
	memcpy(v4, v5, n4);
	v4[4] = 4;
	init_board(&old, c, 1);
	assert_null(board_load(&old, v4, n4));
	assert_int_equal(board_state_hash(&old), board_state_hash(&b));
	memcpy(v3, v4, cmos_end);
	memcpy(v3 + cmos_end, v4 + cmos_end + 3, n4 - cmos_end - 3);
	n3 = n4 - 3;
	v3[4] = 3;
	init_board(&old, c, 1);
	assert_null(board_load(&old, v3, n3));
	assert_int_equal(old.cfg.hpet, 0);
	assert_int_equal(board_state_hash(&old), board_state_hash(&b));

	/* v2: without the 114 CMOS configuration bytes */
	memcpy(v2, v3, epoch_end);
	memcpy(v2 + epoch_end, v3 + cmos_end, n3 - cmos_end);
	size_t n2 = n3 - 114;
	v2[4] = 2;
	init_board(&old, c, 1);
	assert_null(board_load(&old, v2, n2));
	assert_int_equal(board_state_hash(&old), board_state_hash(&b)); /* CMOS was zero */

	/* v1: also without the epoch, the irq8 byte and the RTC section */
	struct ser rtc = { .buf = NULL, .len = SIZE_MAX };
	rtc_serialize(&b.s.rtc, &rtc);
	const size_t wires = 8 + 8 + 4 + 2; /* now, deadline, lines, irq0, pic_int */
	size_t n1 = 0;
	memcpy(v1, v2, hdr);
	n1 = hdr;
	memcpy(v1 + n1, v2 + epoch_end, wires);
	n1 += wires;
	size_t rest = epoch_end + wires + 1; /* past irq8: LVTs, PIC, PIT, IOAPIC */
	memcpy(v1 + n1, v2 + rest, n2 - rest - rtc.pos);
	n1 += n2 - rest - rtc.pos;
	v1[4] = 1;
	assert_null(board_load(&old, v1, n1));
	assert_int_equal(old.cfg.rtc_epoch, BOARD_RTC_EPOCH_DEFAULT);
	assert_int_equal(old.s.now, b.s.now);
	assert_int_equal(old.s.pic.chip[0].base, 0x30);
	assert_int_equal(pit_next_edge(&old.s.pit, 0, old.s.now), pit_next_edge(&b.s.pit, 0, b.s.now));

	/* a future version is refused */
	v4[4] = 9;
	assert_non_null(board_load(&old, v4, n4));
	free(c);
}


/* ---- the HPET on the board (docs/chips-hpet.md, checklist H) ---- */

static void init_hpet_board(struct board *b, struct capture *c)
{
	struct board_config cfg;
	board_config_default(&cfg);
	cfg.hpet = 1;
	assert_int_equal(board_init(b, &cfg, capture_sink, c), 0);
}

/* HB1: LEG_RT_CNF cuts PIT OUT0 and the RTC off lines 0 and 8 at once (a
 * high OUT0 falls at the PIC), and gives them back when cleared. */
static void hpet_legacy_cuts_pit_and_rtc(void **state)
{
	(void)state;
	struct board b;
	struct capture *c = cap_new();
	init_hpet_board(&b, c);
	linux_pic_init(&b, 0);
	pit_mode2(&b, 0, 1193);
	board_pio_write(&b, 0, 0x70, 0x0b);
	board_pio_write(&b, 0, 0x71, 0x42); /* RTC PIE */
	board_advance(&b, 1500000);
	assert_true(board_line_level(&b, 0));
	assert_true(board_line_level(&b, 8));
	board_mmio_write(&b, 1500000, HPET_BASE + HPET_GEN_CONF, HPET_LEG_RT_CNF);
	assert_false(board_line_level(&b, 0));
	assert_false(board_line_level(&b, 8));
	assert_int_equal(b.s.pic.chip[0].line & 1, 0); /* the PIC input fell */
	assert_int_equal(b.s.pic.chip[1].line & 1, 0);
	board_mmio_write64(&b, 1500000, HPET_BASE + HPET_GEN_CONF, 0);
	assert_true(board_line_level(&b, 0));
	assert_true(board_line_level(&b, 8));
	free(c);
}

/* HB2: timer 0 in legacy mode reaches the PIC's IR0 as an edge (INTACK
 * returns the IRQ0 vector), and the board's deadline is the HPET's. */
static void hpet_legacy_timer0_irq0(void **state)
{
	(void)state;
	struct board b;
	struct capture *c = cap_new();
	init_hpet_board(&b, c);
	linux_pic_init(&b, 0);
	board_mmio_write(&b, 0, HPET_BASE + 0x100, HPET_TN_INT_ENB);
	board_mmio_write64(&b, 0, HPET_BASE + 0x108, 5000);
	board_mmio_write(&b, 0, HPET_BASE + HPET_GEN_CONF, HPET_LEG_RT_CNF | HPET_ENABLE_CNF);
	assert_int_equal(board_next_deadline(&b), 50000);
	board_advance(&b, 60000);
	const struct irq_event *w = find_nth(c, EV_WIRE, 0);
	assert_non_null(w);
	assert_int_equal(w->u.wire.id, WIRE_HPET0);
	assert_int_equal(w->t, 50000);
	assert_true(b.s.pic_int);
	assert_int_equal(board_intack(&b, 60000, 0), 0x30);
	assert_int_equal(board_next_deadline(&b), UINT64_MAX);
	free(c);
}

/* HB3: an FSB message goes out through the board's message path, and a
 * keyframe taken mid-way replays the same messages. */
static void hpet_fsb_message_and_keyframe(void **state)
{
	(void)state;
	struct board b, k;
	struct capture *c = cap_new(), *d = cap_new();
	uint8_t buf[4096];
	init_hpet_board(&b, c);
	board_mmio_write64(&b, 0, HPET_BASE + 0x110, 0xfee0200000000061ull);
	board_mmio_write64(&b, 0, HPET_BASE + 0x100, HPET_TN_FSB_EN | HPET_TN_INT_ENB | HPET_TN_TYPE | HPET_TN_VAL_SET);
	board_mmio_write64(&b, 0, HPET_BASE + 0x108, 10000); /* 100 us */
	board_mmio_write(&b, 0, HPET_BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
	board_advance(&b, 150000);
	size_t n = board_save(&b, buf, sizeof buf);
	assert_true(n > 0);
	board_init_blank(&k);
	board_set_sink(&k, capture_sink, d);
	assert_null(board_load(&k, buf, n));
	unsigned before = count_kind(c, EV_APIC_MSG);
	assert_int_equal(before, 1);
	const struct irq_event *m = find_nth(c, EV_APIC_MSG, 0);
	assert_int_equal(m->u.apic.dest, 2);
	assert_int_equal(m->u.apic.vector, 0x61);
	assert_int_equal(m->u.apic.pin, APIC_MSG_PIN_HPET);
	board_advance(&b, 1000000);
	board_advance(&k, 1000000);
	assert_int_equal(count_kind(c, EV_APIC_MSG) - before, 9);
	assert_int_equal(count_kind(d, EV_APIC_MSG), 9);
	assert_int_equal(board_state_hash(&b), board_state_hash(&k));
	free(c);
	free(d);
}

/* HB4: without the HPET fitted its window is not decoded. */
static void hpet_absent(void **state)
{
	(void)state;
	struct board b;
	struct capture *c = cap_new();
	init_board(&b, c, 1);
	assert_false(board_decodes_mmio(&b, HPET_BASE));
	assert_int_equal(board_mmio_read(&b, 0, HPET_BASE), 0xffffffffu);
	assert_int_equal(board_mmio_read64(&b, 0, HPET_BASE), UINT64_MAX);
	board_mmio_write(&b, 0, HPET_BASE + HPET_GEN_CONF, 1);
	assert_int_equal(b.s.hpet.conf, 0);
	free(c);
}

/* board_rule (chips/rules.h): the datasheet rule behind an answer names the
 * rule in force and the state it read. */
static void datasheet_rules(void **state)
{
	(void)state;
	struct capture *c = calloc(1, sizeof(*c));
	struct board b;
	char buf[512];
	assert_non_null(c);
	init_board(&b, c, 1);
	linux_pic_init(&b, 0);
	struct irq_event rd = { .kind = EV_PIO_READ, .u.pio = { .port = 0x20 } };
	assert_true(board_rule(&b, &rd, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "OCW3 RR/RIS: an A0=0 read returns the IRR"));
	board_pio_write(&b, 0, 0x20, 0x0c); /* OCW3 poll */
	board_set_irq(&b, 0, 5, 1);
	assert_true(board_rule(&b, &rd, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "poll command"));
	assert_non_null(strstr(buf, "master IRR 0x20"));
	rd.u.pio.port = 0xa1;
	assert_true(board_rule(&b, &rd, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "slave IMR was 0x00"));
	struct irq_event ia = { .kind = EV_INTACK };
	assert_true(board_rule(&b, &ia, NULL, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "8259A INTA"));
	/* a port the board does not own: no rule, unless an output has one */
	rd.u.pio.port = 0x3f8;
	assert_int_equal(board_rule(&b, &rd, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	struct irq_event msg = { .kind = EV_APIC_MSG };
	assert_true(board_rule(&b, &rd, &msg, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "82093AA"));
	/* a short buffer truncates */
	assert_int_equal(board_rule(&b, &ia, NULL, buf, 8), 7);
	free(c);
}

/* HB5: the HPET variants D2/D3 on the board: set by board_set_variant,
 * saved in the configuration byte (bits) and the HPET's state, a keyframe
 * replays the wrap interrupt; a board without the HPET keeps the bits. */
static void hpet_variants_keyframe(void **state)
{
	(void)state;
	struct board b, k;
	struct capture *c = cap_new(), *d = cap_new();
	uint8_t buf[4096];
	init_hpet_board(&b, c);
	assert_int_equal(board_set_variant(&b, BOARD_VARIANT_HPET_QEMU_WRAP, 1), 0);
	assert_int_equal(board_set_variant(&b, BOARD_VARIANT_HPET_QEMU_PAST, 1), 0);
	/* timer 1 on FSB, one-shot, 32-bit: wrap at tick 0xff, match at 0x200 */
	board_mmio_write64(&b, 0, HPET_BASE + 0x130, 0xfee0000000000061ull);
	board_mmio_write64(&b, 0, HPET_BASE + HPET_MAIN_CNT, 0xffffff00u);
	board_mmio_write(&b, 0, HPET_BASE + 0x120, HPET_TN_FSB_EN | HPET_TN_INT_ENB);
	board_mmio_write(&b, 0, HPET_BASE + 0x128, 0x100);
	board_mmio_write(&b, 0, HPET_BASE + HPET_GEN_CONF, HPET_ENABLE_CNF);
	board_advance(&b, 1000);
	size_t n = board_save(&b, buf, sizeof buf);
	assert_true(n > 0);
	board_init_blank(&k);
	board_set_sink(&k, capture_sink, d);
	assert_null(board_load(&k, buf, n));
	assert_int_equal(board_get_variant(&k, BOARD_VARIANT_HPET_QEMU_WRAP), 1);
	assert_int_equal(board_get_variant(&k, BOARD_VARIANT_HPET_QEMU_PAST), 1);
	assert_int_equal(board_get_variant(&k, BOARD_VARIANT_HPET_VAL_SET_ONE_WRITE), 0);
	board_advance(&b, 10000);
	board_advance(&k, 10000);
	/* the wrap (2550 ns) and the match (5120 ns) */
	assert_int_equal(count_kind(c, EV_APIC_MSG), 2);
	assert_int_equal(count_kind(d, EV_APIC_MSG), 2);
	assert_int_equal(find_nth(d, EV_APIC_MSG, 0)->t, 2550);
	assert_int_equal(find_nth(d, EV_APIC_MSG, 1)->t, 5120);
	assert_int_equal(board_state_hash(&b), board_state_hash(&k));
	/* a board without the HPET: the bits survive a keyframe */
	struct board o, p;
	init_board(&o, c, 1);
	assert_int_equal(board_set_variant(&o, BOARD_VARIANT_HPET_QEMU_PAST, 1), 0);
	n = board_save(&o, buf, sizeof buf);
	board_init_blank(&p);
	assert_null(board_load(&p, buf, n));
	assert_int_equal(board_get_variant(&p, BOARD_VARIANT_HPET_QEMU_PAST), 1);
	assert_int_equal(board_get_variant(&p, BOARD_VARIANT_HPET_QEMU_WRAP), 0);
	free(c);
	free(d);
}

/* ---- runs (board_set_run_sink) ---- */

struct runs {
	struct capture *c;
	struct board *b;
	unsigned nruns, longest;
	unsigned stop_after; /* set board.stop once this many events came (0: never) */
};

static void runs_sink(void *ctx, const struct irq_event *ev, size_t n)
{
	struct runs *r = ctx;
	assert_true(n >= 1);
	r->nruns++;
	if (n > r->longest)
		r->longest = (unsigned)n;
	for (size_t i = 0; i < n; i++)
		capture_sink(r->c, &ev[i]);
	if (r->stop_after && r->c->n >= r->stop_after)
		r->b->stop = 1;
}

/* A PIT at 1 kHz through the PIC and IOAPIC pin 2, a few inputs, then one
 * second of edges in one time advance. */
static unsigned drive_for_runs(struct board *b)
{
	linux_pic_init(b, 0);
	pit_mode2(b, 0, 1193);
	board_mmio_write(b, 0, 0xfec00000, 0x14);
	board_mmio_write(b, 0, 0xfec00010, 0x30);
	board_set_irq(b, 500, 3, 1);
	(void)board_intack(b, 1500000, 0);
	board_eoi(b, 1600000, 0x30, 0);
	board_pio_write(b, 1700000, 0x20, 0x20);
	board_advance(b, 1000000000);
	return 8 + 3 + 2 + 4 + 1; /* the inputs */
}

/* A run sink receives what a per-event sink receives, in the same order and
 * numbered alike (the line history too); one run per input, a long time
 * advance in several runs of at most BOARD_OUT_MAX. */
static void run_sink_sees_the_event_sequence(void **state)
{
	for (unsigned hist = 0; hist < 2; hist++) {
		struct board *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
		struct capture *ca = cap_new(), *cb = cap_new();
		struct runs r = { .c = cb, .b = b };
		assert_non_null(a);
		assert_non_null(b);
		init_board(a, ca, 1);
		init_board(b, NULL, 1);
		board_set_run_sink(b, runs_sink, &r);
		if (hist) {
			board_keep_history(a);
			board_keep_history(b);
		}
		unsigned inputs = drive_for_runs(a);
		assert_int_equal(drive_for_runs(b), inputs);
		assert_true(ca->n > 3 * BOARD_OUT_MAX);
		assert_int_equal(cb->n, ca->n);
		assert_memory_equal(cb->ev, ca->ev, ca->n * sizeof(ca->ev[0]));
		assert_int_equal(b->event_num, a->event_num);
		assert_int_equal(b->last_num, a->last_num);
		assert_memory_equal(&b->hist, &a->hist, sizeof(a->hist));
		if (hist) /* each event goes out as it is emitted, but for those the input holds */
			assert_true(r.nruns > ca->n / 2);
		else
			assert_true(r.nruns > inputs && r.nruns < inputs + ca->n / (BOARD_OUT_MAX / 2));
		assert_true(r.longest <= BOARD_OUT_MAX);
		assert_int_equal(b->nout, 0);
		free(a);
		free(b);
		free(ca);
		free(cb);
	}
}

/* A run sink's board.stop ends a long time advance within a run's length. */
static void run_sink_stop_ends_the_advance(void **state)
{
	struct board *b = malloc(sizeof(*b));
	struct capture *c = cap_new();
	struct runs r = { .c = c, .b = b, .stop_after = 100 };
	assert_non_null(b);
	init_board(b, NULL, 1);
	board_set_run_sink(b, runs_sink, &r);
	(void)drive_for_runs(b);
	assert_true(c->n >= 100 && c->n <= 100 + 2 * BOARD_OUT_MAX);
	free(b);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_irq0_edges_in_10ms),
		cmocka_unit_test(datasheet_rules),
		cmocka_unit_test(intack_and_eoi_cycle),
		cmocka_unit_test(spurious_intack),
		cmocka_unit_test(pit_through_ioapic_pin2),
		cmocka_unit_test(pci_gsi_active_low_level),
		cmocka_unit_test(isa_line_reaches_both_chips),
		cmocka_unit_test(lint0_nmi_broadcast_and_bsp),
		cmocka_unit_test(lvt_change_while_int_high),
		cmocka_unit_test(input_echo_order),
		cmocka_unit_test(time_never_goes_backwards),
		cmocka_unit_test(apply_rejects_bad_inputs),
		cmocka_unit_test(seeded_random_run_is_deterministic),
		cmocka_unit_test(pit_caches_hold_across_reads_and_latches),
		cmocka_unit_test(load_rejects_irq0_not_out0),
		cmocka_unit_test(keyframe_continue_is_identical),
		cmocka_unit_test(load_rejects_bad_state),
		cmocka_unit_test(ten_years_of_time),
		cmocka_unit_test(rtc_periodic_reaches_irq8),
		cmocka_unit_test(older_state_versions_load),
		cmocka_unit_test(advance_to_end_of_time),
		cmocka_unit_test(hpet_legacy_cuts_pit_and_rtc),
		cmocka_unit_test(hpet_legacy_timer0_irq0),
		cmocka_unit_test(hpet_fsb_message_and_keyframe),
		cmocka_unit_test(hpet_absent),
		cmocka_unit_test(emitted_events_zero_outside_fields),
		cmocka_unit_test(hpet_variants_keyframe),
		cmocka_unit_test(run_sink_sees_the_event_sequence),
		cmocka_unit_test(run_sink_stop_ends_the_advance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
