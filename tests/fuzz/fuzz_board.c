/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the board (chips/): the bytes decode into a sequence of
 * board inputs (port and MMIO accesses, line changes, INTACKs, EOIs, LVT
 * writes, time steps up to huge jumps, resets, raw board_apply events).
 * After every step it checks what must always hold:
 *   - save -> load into a fresh board gives the same bytes and deadline (every
 *     16th step also: the same hash, a short buffer and a truncated state
 *     are refused, board_state_size() is what was saved);
 *   - emitted events are well formed, in time order, never after b->s.now;
 *   - board_next_deadline() is after now (or UINT64_MAX);
 *   - reads never return bits the datasheets fix: HPET GCAP_ID and the
 *     reserved bits of GEN_CONF and GINTR_STA, IOREGSEL bits 31:8, the
 *     IOAPIC ID/version/RTE reserved bits, ELCR read-only bits, port 0x61
 *     bits 7:6, the 8254 status byte's copy of the control word.
 * Byte layout (missing bytes read as 0): byte 0 = configuration, then
 * opcode bytes each followed by its arguments (see step()), consumed left
 * to right. Every argument byte is read into a sequenced local: C leaves
 * the order of function arguments and of an operator's operands
 * unspecified (gcc and clang differ), and an input must decode the same
 * in the libFuzzer target (clang) and the plain driver (gcc).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "chips/board.h"
#include "chips/explain.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t u8(struct input *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static uint32_t u32(struct input *in)
{
	uint32_t v = 0;
	for (int k = 0; k < 4; k++)
		v |= (uint32_t)u8(in) << (8 * k);
	return v;
}

static uint64_t u64(struct input *in)
{
	uint64_t lo = u32(in);
	return lo | (uint64_t)u32(in) << 32;
}

/* Every port the board claims, and some it does not. */
static const uint16_t ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
	0x22, 0x23, 0x60, 0x70, 0x71, 0x80, 0x3f8, 0x4d2, 0xffff,
};
#define NPORTS (sizeof ports / sizeof ports[0])

struct fuzz_state {
	struct board b;
	struct board fresh;
	uint64_t last_t;      /* time of the last event emitted */
	unsigned nevents;     /* events emitted in this step */
	/* 8254 read-back: what the next read of a channel must show as status. */
	uint8_t control[3];    /* bits 5:0 of the last control word per channel */
	uint8_t control_known[3];
	uint8_t status_pending[3]; /* 1 expected, 2 latched but not checkable */
	uint8_t status_expect[3];
	uint8_t saved[2][8192];
};

static struct fuzz_state st;

static void check_event(void *ctx, const struct irq_event *ev)
{
	struct fuzz_state *s = ctx;
	const struct board *b = &s->b;
	FUZZ_CHECK(ev->t >= s->last_t, "event kind 0x%x at t=%llu before t=%llu", ev->kind,
		   (unsigned long long)ev->t, (unsigned long long)s->last_t);
	s->last_t = ev->t;
	s->nevents++;
	FUZZ_CHECK(EV_IS_INPUT(ev->kind) || EV_IS_OUTPUT(ev->kind), "kind 0x%x", ev->kind);
	switch (ev->kind) {
	case EV_WIRE:
		FUZZ_CHECK(board_wire_name(ev->u.wire.id) != NULL, "wire id %u", ev->u.wire.id);
		FUZZ_CHECK(ev->u.wire.level <= 1, "wire level %u", ev->u.wire.level);
		break;
	case EV_APIC_MSG:
		FUZZ_CHECK(ev->u.apic.delivery <= 7 && ev->u.apic.destmode <= 1 &&
				   ev->u.apic.trigger <= 1 &&
				   (ev->u.apic.pin < IOAPIC_PINS ||
				    (ev->u.apic.pin >= APIC_MSG_PIN_HPET && ev->u.apic.pin < APIC_MSG_PIN_HPET + HPET_TIMERS)),
			   "apic message dm=%u destmode=%u trigger=%u pin=%u", ev->u.apic.delivery,
			   ev->u.apic.destmode, ev->u.apic.trigger, ev->u.apic.pin);
		break;
	case EV_LINT:
		FUZZ_CHECK(ev->u.lint.cpu < b->cfg.ncpus && ev->u.lint.pin <= 1 &&
				   ev->u.lint.level <= 1 &&
				   /* SMI (2) and INIT (5) are legal LVT0 modes the
				    * board reports as they are (enum lint_mode names
				    * only three); 1, 3, 6 are reserved */
				   ev->u.lint.mode <= 7,
			   "lint cpu=%u pin=%u level=%u mode=%u (ncpus %u)", ev->u.lint.cpu,
			   ev->u.lint.pin, ev->u.lint.level, ev->u.lint.mode, b->cfg.ncpus);
		break;
	case EV_DEADLINE:
		FUZZ_CHECK(ev->u.deadline.t == UINT64_MAX || ev->u.deadline.t > ev->t, "deadline %llu not after t=%llu",
			   (unsigned long long)ev->u.deadline.t, (unsigned long long)ev->t);
		break;
	case EV_IRQ:
		FUZZ_CHECK(ev->u.irq.level <= 1, "irq level %u", ev->u.irq.level);
		break;
	default:
		break;
	}
}

static void check_ioapic_read(const struct board *b, uint32_t off, uint32_t regsel, uint32_t v)
{
	if (off == 0x00) {
		FUZZ_CHECK(!(v >> 8), "IOREGSEL read 0x%x", v);
	} else if (off == 0x10) {
		unsigned idx = regsel & 0xff;
		if (idx == 0x00)
			FUZZ_CHECK(!(v & ~0x0f000000u), "IOAPIC ID read 0x%x", v);
		else if (idx == 0x01)
			FUZZ_CHECK(v == (0x17u << 16 | b->cfg.ioapic_version), "version read 0x%x", v);
		else if (idx == 0x02)
			FUZZ_CHECK(!(v & ~0x0f000000u), "arbitration read 0x%x", v);
		else if (idx >= 0x10 && idx < 0x40 && !(idx & 1))
			FUZZ_CHECK(!(v & ~0x1ffffu), "RTE %u low read 0x%x", (idx - 0x10) / 2, v);
		else if (idx >= 0x10 && idx < 0x40)
			FUZZ_CHECK(!(v & 0x00ffffffu), "RTE %u high read 0x%x", (idx - 0x10) / 2, v);
	}
}

static void pio_write(struct fuzz_state *s, uint64_t now, uint16_t port, uint8_t v)
{
	if (port == 0x43) {
		unsigned sc = v >> 6;
		if (sc == 3) {
			/* read-back: bit 4 clear latches status of the selected channels */
			for (unsigned c = 0; c < 3; c++) {
				if (!(v & (2u << c)) || (v & 0x10))
					continue;
				if (!s->status_pending[c]) {
					s->status_pending[c] = s->control_known[c] ? 1 : 2;
					s->status_expect[c] = s->control[c];
				}
			}
		} else if (v & 0x30) {
			s->control[sc] = v & 0x3f;
			s->control_known[sc] = 1;
			/* Whether a pending status latch survives a new control
			 * word is not checked: its next read is not asserted. */
			if (s->status_pending[sc])
				s->status_pending[sc] = 2;
		}
	}
	board_pio_write(&s->b, now, port, v);
}

static void pio_read(struct fuzz_state *s, uint64_t now, uint16_t port)
{
	uint8_t v = board_pio_read(&s->b, now, port);
	if (port == 0x4d0)
		FUZZ_CHECK(!(v & ~0xf8u), "ELCR1 read 0x%x", v);
	else if (port == 0x4d1)
		FUZZ_CHECK(!(v & ~0xdeu), "ELCR2 read 0x%x", v);
	else if (port == 0x61)
		FUZZ_CHECK(!(v & 0xc0u), "port 0x61 read 0x%x", v);
	else if (port >= 0x40 && port <= 0x42) {
		unsigned c = port - 0x40;
		if (s->status_pending[c] == 1)
			FUZZ_CHECK((v & 0x3f) == s->status_expect[c],
				   "PIT ch%u status 0x%02x, last control word bits 0x%02x", c, v,
				   s->status_expect[c]);
		s->status_pending[c] = 0;
	}
}

static uint32_t lvt_value(struct input *in)
{
	static const uint32_t modes[] = { 0x700, 0x400, 0x10000, 0x10700, 0x8700, 0x200 };
	uint8_t sel = u8(in);
	if (sel < 0xc0)
		return modes[sel % (sizeof modes / sizeof modes[0])];
	if (sel < 0xe0)
		return u8(in); /* fixed, vector */
	return u32(in);
}

/* The board emits every timer edge of a jump (its contract), so a jump of
 * years over a fast periodic PIT is billions of events: walk at most 64
 * deadlines towards *now and stop there, so one input stays fast. Jumps
 * with no timer edge in between go all the way, to UINT64_MAX. */
static void advance_bounded(struct board *b, uint64_t *now)
{
	for (int i = 0; i < 64; i++) {
		uint64_t d = board_next_deadline(b);
		if (d >= *now) {
			board_advance(b, *now);
			return;
		}
		board_advance(b, d);
	}
	*now = b->s.now;
}

/* One input; returns false at the end of the data. */
/* An HPET access anywhere in and just past its window; reads checked for
 * the bits the spec fixes (when the HPET is fitted). */
static void hpet_access(struct board *b, struct input *in, uint64_t now, uint8_t op)
{
	uint32_t lo = u8(in);
	uint32_t off = (lo | (uint32_t)u8(in) << 8) % (HPET_SIZE + 0x10);
	uint64_t v = u64(in), addr = HPET_BASE + off;
	bool wide = op & 0x20;
	if (!(op & 0x80)) {
		if (wide)
			board_mmio_write64(b, now, addr, v);
		else
			board_mmio_write(b, now, addr, (uint32_t)v);
		return;
	}
	v = wide ? board_mmio_read64(b, now, addr) : board_mmio_read(b, now, addr);
	if (!b->cfg.hpet || off % (wide ? 8 : 4) || off >= HPET_SIZE)
		return;
	uint64_t gcap = (uint64_t)hpet_period_fs((enum hpet_clock)b->cfg.hpet_clock) << 32 | 0x8086a201u;
	uint64_t want = off == 4 ? gcap >> 32 : (uint32_t)gcap;
	if (off < 8)
		FUZZ_CHECK(v == (wide ? gcap : want), "GCAP_ID read 0x%llx", (unsigned long long)v);
	if ((off & ~4u) == HPET_GEN_CONF)
		FUZZ_CHECK(!(v & ~3ull), "GEN_CONF read 0x%llx", (unsigned long long)v);
	if ((off & ~4u) == HPET_GINTR_STA)
		FUZZ_CHECK(!(v & ~7ull), "GINTR_STA read 0x%llx", (unsigned long long)v);
}

static bool step(struct fuzz_state *s, struct input *in, uint64_t *now)
{
	if (in->i >= in->n)
		return false;
	struct board *b = &s->b;
	uint8_t op = u8(in);
	switch (op % 16) {
	case 0: {
		uint16_t port = ports[u8(in) % NPORTS];
		pio_write(s, *now, port, u8(in));
		break;
	}
	case 1:
		pio_read(s, *now, ports[u8(in) % NPORTS]);
		break;
	case 2: { /* any offset in and just around the IOAPIC window */
		if (op & 0x40) { /* or the HPET's, 4- and 8-byte accesses */
			hpet_access(b, in, *now, op);
			break;
		}
		uint32_t off = u8(in);
		off |= (uint32_t)(u8(in) & 1) << 8;
		uint32_t regsel = b->s.ioapic.regsel;
		uint32_t v = u32(in);
		if (op & 0x80) {
			v = board_mmio_read(b, *now, IOAPIC_BASE + off - 4);
			if (off >= 4 && off - 4 < IOAPIC_SIZE)
				check_ioapic_read(b, off - 4, regsel, v);
		} else {
			board_mmio_write(b, *now, IOAPIC_BASE + off - 4, v);
		}
		break;
	}
	case 3: { /* indirect register access: IOREGSEL then IOWIN */
		uint32_t sel = u8(in);
		if (op & 0x40)
			sel |= u32(in) & 0xffffff00u; /* upper bits must be ignored */
		board_mmio_write(b, *now, IOAPIC_BASE, sel);
		uint32_t regsel = b->s.ioapic.regsel;
		check_ioapic_read(b, 0, regsel, board_mmio_read(b, *now, IOAPIC_BASE));
		if (op & 0x80)
			board_mmio_write(b, *now, IOAPIC_BASE + 0x10, u32(in));
		else
			check_ioapic_read(b, 0x10, regsel, board_mmio_read(b, *now, IOAPIC_BASE + 0x10));
		break;
	}
	case 4:
		board_set_irq(b, *now, u8(in) % BOARD_GSIS, op >> 7);
		break;
	case 5: { /* pulse */
		unsigned gsi = u8(in) % BOARD_GSIS;
		board_set_irq(b, *now, gsi, 1);
		board_set_irq(b, *now, gsi, 0);
		break;
	}
	case 6:
		board_intack(b, *now, u8(in) % b->cfg.ncpus);
		break;
	case 7: {
		uint8_t vector = u8(in);
		board_eoi(b, *now, vector, u8(in) % b->cfg.ncpus);
		break;
	}
	case 8: {
		unsigned cpu = u8(in) % b->cfg.ncpus;
		board_set_lvt(b, *now, cpu, op >> 7, lvt_value(in));
		break;
	}
	case 9: /* small step */
		*now += (uint64_t)u8(in) * (op & 0x80 ? 1000 : 1);
		board_advance(b, *now);
		break;
	case 10: { /* large jump, saturating */
		uint64_t d = u32(in);
		d <<= u8(in) % 40;
		*now = *now > UINT64_MAX - d ? UINT64_MAX : *now + d;
		advance_bounded(b, now);
		break;
	}
	case 11: { /* to the next deadline, or just past it */
		uint64_t d = board_next_deadline(b);
		if (d != UINT64_MAX) {
			uint64_t extra = op >> 6;
			*now = d > UINT64_MAX - extra ? d : d + extra;
			board_advance(b, *now);
		}
		break;
	}
	case 12: /* a time in the past is the current time */
		board_advance(b, *now / 2);
		break;
	case 13:
		if (op & 0x80)
			board_reset(b, *now);
		else
			pio_write(s, *now, 0x43, u8(in)); /* control words are common */
		break;
	case 14: { /* a raw event through board_apply, fields unchecked */
		struct irq_event ev;
		memset(&ev, 0, sizeof ev);
		ev.kind = u8(in) % 0x0e;
		ev.t = *now;
		uint64_t x = u64(in);
		memcpy(&ev.u, &x, sizeof x);
		uint32_t y = u32(in);
		memcpy((uint8_t *)&ev.u + 8, &y, sizeof y);
		int rc = board_apply(b, &ev);
		FUZZ_CHECK(rc == 0 || rc == -1, "board_apply returned %d", rc);
		FUZZ_CHECK(rc == 0 || !EV_IS_INPUT(ev.kind) || ev.kind == EV_IRQ ||
				   ev.kind == EV_INTACK || ev.kind == EV_LVT,
			   "board_apply rejected kind 0x%x", ev.kind);
		/* Untracked PIT traffic: stop predicting status bytes. A reset
		 * clears every latch; a raw access may have latched a status or
		 * left one latched (a control word keeps it), so until each
		 * channel's next read its status is unknown (2), not absent
		 * (finding 8: 0 here made the harness expect a fresh status
		 * where the board rightly returned one latched before). */
		if (rc == 0 && ev.kind == EV_RESET) {
			memset(s->control_known, 0, sizeof s->control_known);
			memset(s->status_pending, 0, sizeof s->status_pending);
		} else if (rc == 0 && (ev.kind == EV_PIO_WRITE || ev.kind == EV_PIO_READ) &&
			   ev.u.pio.port >= 0x40 && ev.u.pio.port <= 0x43) {
			memset(s->control_known, 0, sizeof s->control_known);
			memset(s->status_pending, 2, sizeof s->status_pending);
		}
		break;
	}
	default: /* PIT programming: control word then count bytes */
		pio_write(s, *now, 0x43, u8(in));
		for (int k = 0; k < 2; k++) {
			uint16_t port = (uint16_t)(0x40 + u8(in) % 3);
			pio_write(s, *now, port, u8(in));
		}
		break;
	}
	if ((op % 16) == 13 && (op & 0x80)) {
		memset(s->control_known, 0, sizeof s->control_known);
		memset(s->status_pending, 0, sizeof s->status_pending);
	}
	if (b->s.now > *now)
		*now = b->s.now;
	return true;
}

/* After every step: save -> load -> save gives the same bytes and the same
 * deadline (the hash is a function of those bytes). The checks that cost a
 * further pass over the state each (size, short buffer, hashes, truncated
 * load) run every 16th step and after the last: serialising is most of
 * this target's time, and every step doing all eight passes kept it at a
 * few hundred inputs a second. */
static void check_board(struct fuzz_state *s, bool full)
{
	const struct board *b = &s->b;
	FUZZ_CHECK(s->last_t <= b->s.now, "event at t=%llu after now=%llu",
		   (unsigned long long)s->last_t, (unsigned long long)b->s.now);
	uint64_t d = board_next_deadline(b);
	FUZZ_CHECK(d == UINT64_MAX || d > b->s.now, "next deadline %llu, now %llu",
		   (unsigned long long)d, (unsigned long long)b->s.now);

	size_t n = board_save(b, s->saved[0], sizeof s->saved[0]);
	FUZZ_CHECK(n > 0, "board_save into %zu bytes failed", sizeof s->saved[0]);
	/* board_load builds the board from the bytes alone (into a zeroed
	 * temporary): s->fresh keeps nothing from the previous step. */
	const char *why = board_load(&s->fresh, s->saved[0], n);
	FUZZ_CHECK(why == NULL, "board_load of a fresh save: %s", why);
	size_t n2 = board_save(&s->fresh, s->saved[1], sizeof s->saved[1]);
	FUZZ_CHECK(n2 == n && !memcmp(s->saved[0], s->saved[1], n), "save/load/save bytes differ");
	FUZZ_CHECK(board_next_deadline(&s->fresh) == d, "deadline differs after load");
	if (!full)
		return;
	/* The diagnosis answers for every line of any state, with and without
	 * history (issue 13): a pending line always has a cause and a text. */
	for (unsigned line = 0; line <= BOARD_GSIS; line++) {
		struct board_why w;
		bool pending = board_explain_line(b, line, NULL, &w);
		FUZZ_CHECK(!pending || (board_cause_key(w.cause) && w.text[0]), "line %u pending without a cause", line);
		FUZZ_CHECK(line < BOARD_GSIS || !pending, "line %u out of range is pending", line);
		pending = board_explain_line(&s->fresh, line, NULL, &w);
		FUZZ_CHECK(!pending || board_cause_key(w.cause), "loaded board: line %u pending without a cause", line);
	}
	FUZZ_CHECK(board_state_size(b) == n, "state size %zu, saved %zu", board_state_size(b), n);
	FUZZ_CHECK(board_state_hash(&s->fresh) == board_state_hash(b), "hash differs after load");
	FUZZ_CHECK(board_save(b, s->saved[1], n - 1) == 0, "board_save into a short buffer");
	/* A truncated keyframe is refused, not half-loaded. */
	FUZZ_CHECK(board_load(&s->fresh, s->saved[0], n - 1 - (n - 1) % 7) != NULL,
		   "board_load accepted a truncated state");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size, 0 };
	struct fuzz_state *s = &st;
	struct board_config cfg;
	board_config_default(&cfg);
	uint8_t c = u8(&in);
	cfg.ncpus = 1 + (c & 3);
	cfg.ioapic_version = c & 4 ? 0x11 : 0x20;
	cfg.pic_imr_reset = c & 8 ? 0xff : 0x00;
	cfg.lint0_bsp_only = (c >> 4) & 1;
	cfg.hpet = (c >> 6) & 1;
	cfg.hpet_clock = (c >> 7) & 1;
	memset(s->control_known, 0, sizeof s->control_known);
	memset(s->status_pending, 0, sizeof s->status_pending);
	s->last_t = 0;
	FUZZ_CHECK(board_init(&s->b, &cfg, check_event, s) == 0, "board_init refused cfg");
	if (c & 0x20)
		board_keep_history(&s->b);
	board_init_blank(&s->fresh);
	uint64_t now = 0;
	unsigned steps = 0;
	while (steps < 4096 && step(s, &in, &now)) {
		steps++;
		check_board(s, steps % 16 == 0 || in.i >= in.n);
	}
	return 0;
}
