/* SPDX-License-Identifier: MIT */
/*
 * IA-PC HPET (High Precision Event Timers) specification 1.0a: one block of
 * a 64-bit main counter and HPET_TIMERS comparators, MMIO at 0xfed00000
 * (1 KiB of registers). Pure state machine, time is an input: every entry
 * point takes `now` in virtual ns and the caller guarantees `now` never
 * decreases across calls. The chip reports its interrupt outputs as
 * questions (hpet_line, the pulses hpet_advance returns, hpet_fsb_msg); the
 * board (chips/board.c) routes them. Behaviour decisions: docs/chips-hpet.md.
 *
 * Timers (GCAP_ID NUM_TIM_CAP = 2):
 *   timer 0: 64-bit, periodic-capable, FSB-capable
 *   timer 1: 32-bit, one-shot only, FSB-capable
 *   timer 2: 64-bit, one-shot only, no FSB
 * each with INT_ROUTE_CAP = IOAPIC pins 20..23.
 */
#ifndef IRQRR_HPET_H
#define IRQRR_HPET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ser.h"

#define HPET_BASE 0xfed00000u
#define HPET_SIZE 0x400u
#define HPET_TIMERS 3

/* Counter clocks (board configuration `hpet.clock`). */
enum hpet_clock {
	HPET_CLOCK_100MHZ = 0, /* period 10,000,000 fs (QEMU's; the default) */
	HPET_CLOCK_14MHZ = 1,  /* 14.31818 MHz, period 69,841,279 fs (ICH) */
};

/* Register offsets (spec 1.0a table 2). */
enum {
	HPET_GCAP_ID = 0x000,
	HPET_GEN_CONF = 0x010,
	HPET_GINTR_STA = 0x020,
	HPET_MAIN_CNT = 0x0f0,
	HPET_TIMER0 = 0x100, /* timer n at 0x100 + 0x20 * n */
	HPET_TN_CONF = 0x00,
	HPET_TN_CMP = 0x08,
	HPET_TN_FSB = 0x10,
};

/* GEN_CONF bits. */
#define HPET_ENABLE_CNF 0x1u
#define HPET_LEG_RT_CNF 0x2u

/* Tn_CONF_CAP bits. */
#define HPET_TN_INT_TYPE 0x002u  /* 1 = level */
#define HPET_TN_INT_ENB 0x004u
#define HPET_TN_TYPE 0x008u      /* 1 = periodic */
#define HPET_TN_PER_CAP 0x010u
#define HPET_TN_SIZE_CAP 0x020u  /* 1 = 64-bit */
#define HPET_TN_VAL_SET 0x040u
#define HPET_TN_32MODE 0x100u
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_ROUTE_MASK (0x1fu << HPET_TN_ROUTE_SHIFT)
#define HPET_TN_FSB_EN 0x4000u
#define HPET_TN_FSB_CAP 0x8000u
#define HPET_ROUTE_CAP 0x00f00000u /* IOAPIC pins 20..23 */

struct hpet_timer {
	uint64_t conf;      /* the writable Tn_CONF bits as stored */
	uint64_t cmp;       /* comparator (the periodic accumulator), as of `settled` */
	uint64_t period;    /* periodic: the last value written to the comparator */
	uint64_t fsb;       /* Tn_FSB_ROUTE: address in 63:32, value in 31:0 */
	uint64_t last_fire; /* tick of the last delivered edge/FSB interrupt (storm cap) */
	uint8_t fired;      /* last_fire is valid */
	/* variant hpet.qemu_wrap (D2): a 32-bit one-shot armed with the low
	 * counter's wrap before its match interrupts at the wrap, once */
	uint8_t wrap_armed;
	/* variant hpet.qemu_past (D3): a one-shot comparator written behind the
	 * counter fires at tick force_at (one tick after the write), once */
	uint8_t forced;
	uint8_t pad[5];
	uint64_t force_at;
};

struct hpet {
	uint64_t conf;      /* GEN_CONF bits 1:0 */
	uint64_t isr;       /* GINTR_STA: level status, bit n = timer n */
	uint64_t counter;   /* MAIN_CNT while halted */
	uint64_t offset;    /* while running: MAIN_CNT = offset + tick (mod 2^64) */
	uint64_t settled;   /* clock tick up to which the timers' matches are applied */
	uint8_t clock;      /* enum hpet_clock (configuration, kept by reset) */
	/* model variant (docs/chips-hpet.md D1): VAL_SET clears after any
	 * comparator write, also a 64-bit accumulator's low half (QEMU) */
	uint8_t val_set_one_write;
	/* model variants (docs/chips-hpet.md D2, D3), QEMU's: an extra
	 * interrupt at the 32-bit wrap; a comparator in the past fires one
	 * tick later */
	uint8_t qemu_wrap;
	uint8_t qemu_past;
	uint8_t pad[4];
	struct hpet_timer t[HPET_TIMERS];
};

/* Power-on state with the given clock, the variants off. */
void hpet_init(struct hpet *h, enum hpet_clock clock);
/* Power-on state; keeps the clock and the variants. */
void hpet_reset(struct hpet *h);

/* One access. size is 4 or 8; a misaligned access or another size reads all
 * ones and writes nothing. Offsets are relative to HPET_BASE. A write may
 * change interrupt outputs: the caller re-reads hpet_line() afterwards. */
void hpet_write(struct hpet *h, uint64_t now, uint32_t offset, unsigned size, uint64_t value);
uint64_t hpet_read(struct hpet *h, uint64_t now, uint32_t offset, unsigned size);

/* Apply the matches up to `now`. Returns the timers (bit n) that deliver an
 * edge-triggered or FSB interrupt at exactly `now` (their pulse). */
unsigned hpet_advance(struct hpet *h, uint64_t now);
/* First time > now at which an interrupt output changes or pulses, absent
 * accesses; UINT64_MAX if never. */
uint64_t hpet_next_event(const struct hpet *h, uint64_t now);

/* Level output of timer n (level-triggered, enabled, status set, not FSB). */
bool hpet_line(const struct hpet *h, unsigned n);
/* Where timer n's interrupt goes now. */
enum hpet_route_kind { HPET_ROUTE_NONE, HPET_ROUTE_GSI, HPET_ROUTE_FSB };
enum hpet_route_kind hpet_route(const struct hpet *h, unsigned n, unsigned *gsi);
/* Legacy replacement on: PIT and RTC outputs are cut off from IRQ0/IRQ8. */
bool hpet_legacy(const struct hpet *h);
/* Timer n's FSB message: the MSI address and data of Tn_FSB_ROUTE. */
void hpet_fsb_msg(const struct hpet *h, unsigned n, uint32_t *addr, uint32_t *data);

/* Exact conversions on the counter clock's grid. */
uint64_t hpet_ticks_at(enum hpet_clock c, uint64_t t);   /* floor(t * F / 1e9) */
uint64_t hpet_tick_time(enum hpet_clock c, uint64_t k);  /* ceil(k * 1e9 / F), saturating */
uint64_t hpet_hz(enum hpet_clock c);
uint32_t hpet_period_fs(enum hpet_clock c);

void hpet_serialize(struct hpet *h, struct ser *s);
void hpet_print(const struct hpet *h, uint64_t now, FILE *f);

#endif
