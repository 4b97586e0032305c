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
 */
#include "vmm.h"

#define PM1_SCI_EN 0x0001u
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN 0x2000u
#define PM1_SLP_TYP_S5 5u

void pm1a_access(struct vm *vm, uint16_t port, bool write, uint8_t *val)
{
	unsigned shift = (port - PM1A_CNT_PORT) * 8;
	if (!write) {
		uint16_t r = (uint16_t)((vm->pm1a_cnt & ~PM1_SLP_EN) | PM1_SCI_EN);
		*val = (uint8_t)(r >> shift);
		return;
	}
	uint16_t v = (uint16_t)((vm->pm1a_cnt & ~(0xffu << shift)) | ((unsigned)*val << shift));
	vm->pm1a_cnt = v;
	if ((v & PM1_SLP_EN) && ((v >> PM1_SLP_TYP_SHIFT) & 7) == PM1_SLP_TYP_S5) {
		vm->pm1a_cnt = (uint16_t)(v & ~PM1_SLP_EN);
		vm_request_exit(vm, 0);
	}
}
