/* SPDX-License-Identifier: MIT */
/*
 * Motorola MC146818A real-time clock + CMOS RAM, as wired in a PC: index
 * port 0x70 (bits 6:0 select one of 128 bytes, bit 7 is the PC's NMI mask),
 * data port 0x71, IRQ output to ISA IRQ8.
 * Time is an input: every entry point takes `now` in virtual ns, and the
 * caller guarantees `now` never decreases across calls. The time base is a
 * 32.768 kHz crystal on an absolute grid (cycle k at ceil(k * 1e9 / 32768)).
 * Behaviour choices are documented in docs/chips-rtc.md.
 */
#ifndef IRQRR_RTC_H
#define IRQRR_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "ser.h"

#define RTC_HZ 32768u
/* The CMOS byte that keeps the century (BCD or binary as the date), by PC
 * convention; firmware names it in the ACPI FADT's CENTURY field. */
#define RTC_CMOS_CENTURY 0x32

struct rtc {
	/* The 128 bytes as of time tick `anchor`: 0x00-0x09 time/alarm bytes
	 * as the guest sees them, 0x0a register A without UIP, 0x0b register
	 * B, 0x0c the PF/AF/UF flags latched by `anchor` (IRQF is derived),
	 * 0x0d always 0x80, 0x0e-0x7f RAM (0x32: century). */
	uint8_t cmos[128];
	uint8_t index;      /* port 0x70 bits 6:0 */
	uint8_t nmi_masked; /* port 0x70 bit 7 */
	uint8_t pad[6];
	uint32_t phase;     /* divider running: chain count at cycle T is (T + phase) mod 2^15 */
	uint32_t hold;      /* divider stopped or in reset: the held chain count */
	uint64_t anchor;    /* 32.768 kHz cycle of the last settle */
};

/* Power-on: the battery-backed clock already running at epoch_seconds (Unix
 * time, UTC) at virtual time 0, A = 0x26, B = 0x02, RAM zero. */
void rtc_init(struct rtc *r, uint64_t epoch_seconds);
bool rtc_owns_port(uint16_t port); /* 0x70, 0x71 */
void rtc_write(struct rtc *r, uint64_t now, uint16_t port, uint8_t v);
uint8_t rtc_read(struct rtc *r, uint64_t now, uint16_t port);
/* For the VMM before the guest runs: stores RAM byte 0x0e-0x7f (0x32 is the
 * century the clock counts from). Indices 0x00-0x0d and >= 0x80 are ignored. */
void rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t v);
/* IRQ output (logical "asserted" level) at time now. */
bool rtc_irq(const struct rtc *r, uint64_t now);
/* First time > now at which the IRQ output changes absent accesses,
 * UINT64_MAX if never. */
uint64_t rtc_next_edge(const struct rtc *r, uint64_t now);
/* Port 0x70 bit 7 as last written: 1 = NMI disabled. */
bool rtc_nmi_masked(const struct rtc *r);
void rtc_serialize(struct rtc *r, struct ser *s);
void rtc_print(const struct rtc *r, uint64_t now, FILE *f);

/* Exact conversions on the 32.768 kHz grid (used by tests and the dump). */
uint64_t rtc_cycles_at(uint64_t t);   /* floor(t * 32768 / 1e9) */
uint64_t rtc_cycle_time(uint64_t k);  /* ceil(k * 1e9 / 32768), saturating */

#endif
