/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for a Linux guest (ACPI 6.x spec, chapter 5.2): RSDP
 * (revision 2, with the XSDT), RSDT, XSDT, FADT (revision 6), FACS, MADT and
 * a DSDT holding only \_S5 (so Linux's power-off writes SLP_TYP=5|SLP_EN to
 * PM1a_CNT at port 0x604). All in 0xe0000-0xeffff, which the e820 map marks
 * ACPI; the RSDP is also found by Linux's scan of 0xe0000-0xfffff.
 *
 * The machine described: LAPIC per vCPU (APIC ID = vCPU index), one I/O
 * APIC at 0xfec00000 with GSI base 0, the 8259 pair (PCAT_COMPAT), ISA IRQ0
 * on GSI 2, the SCI on IRQ 9 (level, active high; it never fires: PM1a_EVT
 * has status and enable registers but no event source, pm.c), no PM timer, no reset register (Linux
 * falls back to the i8042 pulse), 8042 and legacy devices present.
 */
#include <string.h>

#include "linuxboot.h"
#include "chips/rtc.h"

/* Table addresses inside the ACPI area. */
#define RSDP_ADDR (LINUX_ACPI_ADDR + 0x000)
#define FACS_ADDR (LINUX_ACPI_ADDR + 0x040) /* 64-byte aligned (5.2.10) */
#define RSDT_ADDR (LINUX_ACPI_ADDR + 0x080)
#define XSDT_ADDR (LINUX_ACPI_ADDR + 0x0c0)
#define FADT_ADDR (LINUX_ACPI_ADDR + 0x100)
#define DSDT_ADDR (LINUX_ACPI_ADDR + 0x240)
#define HPET_ADDR (LINUX_ACPI_ADDR + 0x2c0) /* 56 bytes, before the MADT */
#define MADT_ADDR (LINUX_ACPI_ADDR + 0x300) /* last: grows by 8 bytes a vCPU */

#define SDT_HEADER_LEN 36
#define FADT_LEN 276          /* revision 6 (ACPI 6.0+) */
#define HPET_TABLE_LEN 56     /* IA-PC HPET 1.0a, 3.2.4 */

static const char oem_id[6] = {'I', 'R', 'Q', 'R', 'R', ' '};
static const char oem_table_id[8] = {'I', 'R', 'Q', 'R', 'R', 'V', 'M', ' '};

uint8_t acpi_checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return (uint8_t)(0x100 - s);
}

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

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* System description table header (5.2.6); checksum set by sdt_finish. */
static void sdt_header(uint8_t *t, const char sig[4], uint8_t revision)
{
	memcpy(t, sig, 4);
	t[8] = revision;
	memcpy(t + 10, oem_id, 6);
	memcpy(t + 16, oem_table_id, 8);
	put32(t + 24, 1);             /* OEM revision */
	memcpy(t + 28, "IRQR", 4);    /* creator ID */
	put32(t + 32, 1);             /* creator revision */
}

static void sdt_finish(uint8_t *t, uint32_t len)
{
	put32(t + 4, len);
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* Generic Address Structure (5.2.3.2), system I/O space. */
static void gas_io(uint8_t *g, uint16_t port, uint8_t bits)
{
	g[0] = 1;          /* SystemIO */
	g[1] = bits;       /* register bit width */
	g[2] = 0;          /* bit offset */
	g[3] = bits == 16 ? 2 : bits == 32 ? 3 : 1; /* access size: word/dword/byte */
	put64(g + 4, port);
}

static void build_facs(uint8_t *t)
{
	memset(t, 0, 64);
	memcpy(t, "FACS", 4);
	put32(t + 4, 64);
	t[32] = 2;                    /* version */
}

static void build_dsdt(uint8_t *t)
{
	/* Name (_S5_, Package (4) { 5, 5, 0, 0 }): SLP_TYPa = SLP_TYPb = 5.
	 * NameOp, NameSeg, PackageOp, PkgLength (1 byte, counts itself),
	 * NumElements, BytePrefix 5, BytePrefix 5, ZeroOp, ZeroOp. */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_',
		0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	};
	sdt_header(t, "DSDT", 2);
	memcpy(t + SDT_HEADER_LEN, aml, sizeof(aml));
	sdt_finish(t, SDT_HEADER_LEN + sizeof(aml));
}

static void build_fadt(uint8_t *t)
{
	memset(t, 0, FADT_LEN);
	sdt_header(t, "FACP", 6);
	put32(t + 36, FACS_ADDR);                 /* FIRMWARE_CTRL */
	put32(t + 40, DSDT_ADDR);                 /* DSDT */
	t[45] = 0;                                /* Preferred_PM_Profile: unspecified */
	put16(t + 46, ACPI_SCI_IRQ);              /* SCI_INT */
	/* SMI_CMD = 0: the system is always in ACPI mode (no transition). */
	put32(t + 56, ACPI_PM1A_EVT_PORT);        /* PM1a_EVT_BLK */
	put32(t + 64, ACPI_PM1A_CNT_PORT);        /* PM1a_CNT_BLK */
	t[88] = 4;                                /* PM1_EVT_LEN */
	t[89] = 2;                                /* PM1_CNT_LEN */
	/* no PM timer, no GPE blocks */
	put16(t + 96, 101);                       /* P_LVL2_LAT > 100: no C2 */
	put16(t + 98, 1001);                      /* P_LVL3_LAT > 1000: no C3 */
	t[108] = RTC_CMOS_CENTURY;                /* CENTURY: the board's RTC keeps it */
	put16(t + 109, 0x0003);                   /* IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042 */
	/* Flags: WBINVD, PROC_C1, PWR_BUTTON and SLP_BUTTON (no fixed
	 * buttons); HW_REDUCED_ACPI (bit 20) off. */
	put32(t + 112, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5));
	t[131] = 0;                               /* FADT minor version */
	/* X_FIRMWARE_CTRL stays 0: with both set Linux lists the FACS twice */
	put64(t + 140, DSDT_ADDR);                /* X_DSDT */
	gas_io(t + 148, ACPI_PM1A_EVT_PORT, 32);  /* X_PM1a_EVT_BLK */
	gas_io(t + 172, ACPI_PM1A_CNT_PORT, 16);  /* X_PM1a_CNT_BLK */
	sdt_finish(t, FADT_LEN);
}

static uint32_t build_madt(uint8_t *t, unsigned ncpus)
{
	sdt_header(t, "APIC", 3);
	put32(t + 36, 0xfee00000);                /* local APIC address */
	put32(t + 40, 1);                         /* PCAT_COMPAT: 8259s present */
	uint8_t *e = t + 44;
	for (unsigned i = 0; i < ncpus; i++) {    /* Processor Local APIC */
		memset(e, 0, 8);
		e[0] = 0;
		e[1] = 8;
		e[2] = (uint8_t)i;                /* ACPI processor UID */
		e[3] = (uint8_t)i;                /* APIC ID */
		put32(e + 4, 1);                  /* enabled */
		e += 8;
	}
	memset(e, 0, 12);                         /* I/O APIC */
	e[0] = 1;
	e[1] = 12;
	e[2] = LINUX_IOAPIC_ID(ncpus);
	put32(e + 4, 0xfec00000);
	put32(e + 8, 0);                          /* GSI base */
	e += 12;
	/* Interrupt Source Overrides: flags bits 0-1 polarity (01 high),
	 * bits 2-3 trigger (01 edge, 11 level). */
	static const struct { uint8_t irq; uint32_t gsi; uint16_t flags; } iso[] = {
		{0, 2, 0x0005},                   /* PIT: ISA IRQ0 -> GSI 2, edge high */
		{ACPI_SCI_IRQ, ACPI_SCI_IRQ, 0x000d}, /* SCI: level, active high */
	};
	for (size_t i = 0; i < sizeof(iso) / sizeof(iso[0]); i++) {
		memset(e, 0, 10);
		e[0] = 2;
		e[1] = 10;
		e[2] = 0;                         /* bus: ISA */
		e[3] = iso[i].irq;
		put32(e + 4, iso[i].gsi);
		put16(e + 8, iso[i].flags);
		e += 10;
	}
	memset(e, 0, 6);                          /* Local APIC NMI: LINT1 of all */
	e[0] = 4;
	e[1] = 6;
	e[2] = 0xff;
	put16(e + 3, 0x0005);                     /* edge, active high */
	e[5] = 1;                                 /* LINT1 */
	e += 6;
	uint32_t len = (uint32_t)(e - t);
	sdt_finish(t, len);
	return len;
}

/* The HPET description table (IA-PC HPET 1.0a, 3.2.4): the block at
 * 0xfed00000 as chips/hpet.c models it (its GCAP_ID low 32 bits as the
 * Event Timer Block ID: 3 timers, 64-bit counter, legacy replacement
 * capable, vendor 0x8086). Linux uses it as clocksource and, until the
 * LAPIC timer takes over, as the legacy-mode clock event device. */
static void build_hpet(uint8_t *t)
{
	sdt_header(t, "HPET", 1);
	put32(t + 36, 0x8086a201u);
	/* Base Address: a Generic Address Structure in system memory */
	t[40] = 0;  /* address space: system memory */
	t[41] = 64; /* register bit width */
	t[42] = 0;  /* bit offset */
	t[43] = 0;  /* access size: undefined (32- and 64-bit both work) */
	put64(t + 44, 0xfed00000u);
	t[52] = 0;             /* HPET number */
	put16(t + 53, 0x0080); /* minimum clock ticks in periodic mode (ICH's) */
	t[55] = 0;             /* no page protection guarantee */
	sdt_finish(t, HPET_TABLE_LEN);
}

uint64_t acpi_build(uint8_t *mem, unsigned ncpus)
{
	return acpi_build_hpet(mem, ncpus, false);
}

uint64_t acpi_build_hpet(uint8_t *mem, unsigned ncpus, bool hpet)
{
	uint8_t *base = mem + LINUX_ACPI_ADDR;
	memset(base, 0, LINUX_ACPI_SIZE);

	build_facs(mem + FACS_ADDR);
	build_dsdt(mem + DSDT_ADDR);
	build_fadt(mem + FADT_ADDR);
	build_madt(mem + MADT_ADDR, ncpus);

	if (hpet)
		build_hpet(mem + HPET_ADDR);
	static const uint32_t tables[] = {FADT_ADDR, MADT_ADDR, HPET_ADDR};
	const unsigned n = sizeof(tables) / sizeof(tables[0]) - (hpet ? 0 : 1);
	uint8_t *rsdt = mem + RSDT_ADDR, *xsdt = mem + XSDT_ADDR;
	sdt_header(rsdt, "RSDT", 1);
	sdt_header(xsdt, "XSDT", 1);
	for (unsigned i = 0; i < n; i++) {
		put32(rsdt + SDT_HEADER_LEN + 4 * i, tables[i]);
		put64(xsdt + SDT_HEADER_LEN + 8 * i, tables[i]);
	}
	sdt_finish(rsdt, SDT_HEADER_LEN + 4 * n);
	sdt_finish(xsdt, SDT_HEADER_LEN + 8 * n);

	/* RSDP (5.2.5.3): checksum over the first 20 bytes (ACPI 1.0 part),
	 * extended checksum over all 36. */
	uint8_t *rsdp = mem + RSDP_ADDR;
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, oem_id, 6);
	rsdp[15] = 2;                             /* revision: ACPI 2.0+ */
	put32(rsdp + 16, RSDT_ADDR);
	put32(rsdp + 20, 36);
	put64(rsdp + 24, XSDT_ADDR);
	rsdp[8] = acpi_checksum(rsdp, 20);
	rsdp[32] = acpi_checksum(rsdp, 36);
	return RSDP_ADDR;
}
