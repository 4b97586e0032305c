/* SPDX-License-Identifier: MIT */
/*
 * The boot-info block the VMM writes at BOOTINFO_ADDR before any vCPU runs;
 * shared by recorder/ and the built-in guests.
 */
#ifndef IRQRR_GUEST_BOOTINFO_H
#define IRQRR_GUEST_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_ADDR 0x7000u
#define BOOTINFO_MAGIC 0x6f627269u /* "irbo" */
#define BOOTINFO_MAX_CPUS 8
#define BOOTINFO_CMDLINE_MAX 256 /* --append for a built-in guest, NUL-terminated */

/* Guest physical layout at entry (identity mapped, 2 MiB pages, 4 GiB). */
#define GUEST_PML4_ADDR 0x1000u  /* PML4, PDPT at +0x1000, 4 PDs after: to 0x6fff */
#define GUEST_PT_END (GUEST_PML4_ADDR + 0x6000u)
#define GUEST_GDT_ADDR 0x8000u   /* was 0x6000, inside the 4th PD: 3 GiB-3.006 GiB unmapped */
#define GUEST_STACK_TOP 0x80000u /* cpu n's stack top: TOP - n * STACK_SIZE */
#define GUEST_STACK_SIZE 0x8000u
#define GUEST_LOAD_ADDR 0x100000u

enum bootinfo_irqchip {
	BOOTINFO_IRQCHIP_SPLIT = 0,  /* PIC/PIT/IOAPIC are irqrr's board */
	BOOTINFO_IRQCHIP_KERNEL = 1, /* KVM's in-kernel chips */
};

struct bootinfo {
	uint32_t magic;
	uint32_t ncpus;
	uint32_t irqchip; /* enum bootinfo_irqchip */
	uint32_t mem_mib;
	uint8_t apic_id[BOOTINFO_MAX_CPUS];
	char cmdline[BOOTINFO_CMDLINE_MAX]; /* --append (built-in guests), "" if none */
};

#endif
