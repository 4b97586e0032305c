/* SPDX-License-Identifier: MIT */
/* The multiboot test kernels' runtime, on top of ../rt.h. */
#ifndef IRQRR_GUEST_MB_H
#define IRQRR_GUEST_MB_H

#include "rt.h"

#define MB_BOOT_MAGIC 0x2badb002u

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

extern const struct mb_info *mb_boot_info;

/* fw_cfg (ports 0x510/0x511): item `key`, `len` bytes. */
void fwcfg_read(uint16_t key, void *buf, unsigned len);

/* Starts cpu `cpu` (APIC ID = cpu) with INIT + SIPI; it runs guest_ap(cpu).
 * Returns once the AP has reached 64-bit C code, false after a timeout. */
bool mb_start_ap(unsigned cpu);
/* The same with the kernel's own trampoline already at `tramp` (page-
 * aligned, below 1 MiB): it must end in a far jump to mb_ap_long. */
bool mb_start_ap_at(unsigned cpu, uint32_t tramp);

#endif
