/* SPDX-License-Identifier: MIT */
/*
 * ACPI PM1a control register (PM1a_CNT_BLK) at port 0x604, 16 bits, as the
 * FADT describes it (ACPI 6.5, 4.8.2.1.1, table 4.13): writing SLP_EN
 * (bit 13) with SLP_TYP (bits 12:10) = 5 enters S5, which here ends the run
 * with exit status 0 (the only way a guest reports success with status 0).
 * Other sleep types are not supported: the write is kept, nothing happens.
 * SCI_EN (bit 0) reads 1: the machine is always in ACPI mode. SLP_EN is
 * write-only and reads 0. A 16-bit access arrives as two byte accesses
 * (pio.c), low byte first; the sleep request is acted on after each byte.
 *
 * The PM1a event block (PM1a_EVT_BLK, 4 bytes at port 0x600; ACPI 6.5,
 * 4.8.3.1): PM1_STS at 0x600 and PM1_EN at 0x602, 16 bits each. This
 * machine has no fixed-event hardware (no PM timer, no power or sleep
 * button, no RTC alarm wired to the SCI), so no status bit is ever set and
 * writes of 1 to clear them have nothing to clear; PM1_EN keeps its
 * defined enable bits (TMR_EN 0, GBL_EN 5, PWRBTN_EN 8, SLPBTN_EN 9,
 * RTC_EN 10, PCIEXP_WAKE_DIS 14) and reads reserved bits as 0. Without it
 * ports 0x600-0x603 read all-ones and Linux logged "ACPI Error: Could not
 * disable RealTimeClock events".
 */
#include "recorder/vmm.h"

#define PM1_SCI_EN 0x0001u
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN 0x2000u
#define PM1_SLP_TYP_S5 5u

#define PM1_EN_DEFINED 0x4721u

/* reg with its byte at bit `shift` replaced: 16-bit registers arrive a
 * byte at a time (pio.c) */
static uint16_t set_byte(uint16_t reg, unsigned shift, uint8_t v)
{
	return (uint16_t)((reg & ~(0xffu << shift)) | ((unsigned)v << shift));
}

void pm1a_evt_access(struct vm *vm, uint16_t port, bool write, uint8_t *val)
{
	unsigned off = port - PM1A_EVT_PORT;
	if (off < 2) { /* PM1_STS: never set, write-1-to-clear */
		if (!write)
			*val = 0;
		return;
	}
	unsigned shift = (off - 2) * 8;
	if (!write) {
		*val = (uint8_t)(vm->pm1a_en >> shift);
		return;
	}
	vm->pm1a_en = (uint16_t)(set_byte(vm->pm1a_en, shift, *val) & PM1_EN_DEFINED);
}

void pm1a_access(struct vm *vm, uint16_t port, bool write, uint8_t *val)
{
	unsigned shift = (port - PM1A_CNT_PORT) * 8;
	if (!write) {
		uint16_t r = (uint16_t)((vm->pm1a_cnt & ~PM1_SLP_EN) | PM1_SCI_EN);
		*val = (uint8_t)(r >> shift);
		return;
	}
	uint16_t v = set_byte(vm->pm1a_cnt, shift, *val);
	vm->pm1a_cnt = v;
	if ((v & PM1_SLP_EN) && ((v >> PM1_SLP_TYP_SHIFT) & 7) == PM1_SLP_TYP_S5) {
		vm->pm1a_cnt = (uint16_t)(v & ~PM1_SLP_EN);
		vm_request_exit(vm, 0);
	}
}
