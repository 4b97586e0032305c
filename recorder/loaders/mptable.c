/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor Specification 1.4 tables (chapter 4): the MP
 * floating pointer structure in the BIOS ROM area (0xf0000, which Linux
 * scans) and the configuration table after it. Linux uses them with
 * `acpi=off` (or when it finds no MADT).
 *
 * Entries: one processor per vCPU (APIC ID = index, the BSP flagged), bus 0
 * "ISA", the I/O APIC (ID after the CPUs', 0xfec00000), I/O interrupt
 * assignments for the 8259 output on INTIN0 (ExtINT) and ISA IRQs 0-15
 * (IRQ0 -> INTIN2, IRQ2 -- the cascade -- has none, IRQ n -> INTIN n),
 * and local interrupts LINT0 = ExtINT, LINT1 = NMI on every LAPIC.
 * Feature byte 2 bit 7 (IMCRP) is 0: virtual wire mode, no IMCR.
 */
#include <string.h>

#include "linuxboot.h"

#define MPF_ADDR LINUX_MPTABLE_ADDR
#define MPC_ADDR (LINUX_MPTABLE_ADDR + 0x10)

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINTR = 3, MP_LINTR = 4 };
enum { MP_INT = 0, MP_NMI = 1, MP_SMI = 2, MP_EXTINT = 3 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t *mp_intr(uint8_t *e, uint8_t kind, uint8_t type, uint8_t irq, uint8_t dest, uint8_t pin)
{
	e[0] = kind;
	e[1] = type;
	put16(e + 2, 0);   /* polarity/trigger: conform to the bus (ISA: edge, high) */
	e[4] = 0;          /* source bus: ISA */
	e[5] = irq;
	e[6] = dest;       /* I/O APIC ID, or 0xff = every local APIC */
	e[7] = pin;
	return e + 8;
}

void mptable_build(uint8_t *mem, unsigned ncpus)
{
	uint8_t *mpf = mem + MPF_ADDR, *mpc = mem + MPC_ADDR;
	uint8_t ioapic = LINUX_IOAPIC_ID(ncpus);
	memset(mpf, 0, LINUX_MPTABLE_SIZE);

	memcpy(mpc, "PCMP", 4);
	mpc[6] = 4;                               /* spec revision 1.4 */
	memcpy(mpc + 8, "IRQRR   ", 8);           /* OEM ID */
	memcpy(mpc + 16, "IRQRR VM    ", 12);     /* product ID */
	put32(mpc + 36, 0xfee00000);              /* local APIC address */
	uint8_t *e = mpc + 44;
	uint16_t count = 0;
	for (unsigned i = 0; i < ncpus; i++, count++) {
		memset(e, 0, 20);
		e[0] = MP_PROCESSOR;
		e[1] = (uint8_t)i;                /* local APIC ID */
		e[2] = 0x14;                      /* local APIC version (integrated) */
		e[3] = (uint8_t)(0x1 | (i == 0 ? 0x2 : 0)); /* EN, BP */
		put32(e + 4, 0x600);              /* CPU signature: family 6 */
		put32(e + 8, 0x201);              /* features: FPU, APIC */
		e += 20;
	}
	e[0] = MP_BUS;
	e[1] = 0;
	memcpy(e + 2, "ISA   ", 6);
	e += 8;
	count++;
	e[0] = MP_IOAPIC;
	e[1] = ioapic;
	e[2] = 0x11;                              /* 82093AA version */
	e[3] = 0x1;                               /* EN */
	put32(e + 4, 0xfec00000);
	e += 8;
	count++;
	e = mp_intr(e, MP_IOINTR, MP_EXTINT, 0, ioapic, 0);
	count++;
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		e = mp_intr(e, MP_IOINTR, MP_INT, irq, ioapic, irq == 0 ? 2 : irq);
		count++;
	}
	e = mp_intr(e, MP_LINTR, MP_EXTINT, 0, 0xff, 0);
	e = mp_intr(e, MP_LINTR, MP_NMI, 0, 0xff, 1);
	count += 2;
	uint16_t len = (uint16_t)(e - mpc);
	put16(mpc + 4, len);
	put16(mpc + 34, count);
	mpc[7] = acpi_checksum(mpc, len);

	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, MPC_ADDR);
	mpf[8] = 1;                               /* length in 16-byte units */
	mpf[9] = 4;                               /* spec revision 1.4 */
	/* feature bytes 1-5 all 0: config table present, virtual wire mode */
	mpf[10] = acpi_checksum(mpf, 16);
}
