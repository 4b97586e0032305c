/* SPDX-License-Identifier: MIT */
/*
 * The memory types firmware leaves in the MTRRs (Intel SDM vol. 3A, 12.11;
 * AMD APM vol. 2, 7.7). A vCPU starts with them all zero (KVM: MTRRdefType
 * E = 0, "all memory UC"), which a BIOS never hands an OS: Linux then says
 * "Disabled" for the MTRRs and "x86/PAT: MTRRs disabled, skipping PAT
 * initialization too" and runs without PAT. irqrr plays the firmware's
 * part for every guest it boots, on every vCPU:
 *   - MTRRdefType: enabled, fixed ranges enabled, default write-back;
 *   - fixed ranges: 0-0x9ffff write-back (RAM), 0xa0000-0xbffff uncached
 *     (the legacy VGA hole), 0xc0000-0xfffff write-back (irqrr keeps its
 *     ACPI and MP tables there, in RAM: there is no ROM);
 *   - variable range 0: 0xfec00000-0xfeffffff uncached, the IOAPIC, HPET
 *     and local APIC pages (4 MiB, aligned).
 * KVM keeps these per vCPU and takes them through KVM_SET_MSRS.
 */
#include "vmm.h"

#define MTRR_PHYSBASE0 0x200u
#define MTRR_PHYSMASK0 0x201u
#define MTRR_FIX64K_00000 0x250u
#define MTRR_FIX16K_80000 0x258u
#define MTRR_FIX16K_A0000 0x259u
#define MTRR_FIX4K_C0000 0x268u /* .. 0x26f */
#define MTRR_DEF_TYPE 0x2ffu

#define TYPE_UC 0x00u
#define TYPE_WB 0x06u
#define ALL(t) (0x0101010101010101ull * (t)) /* eight 1-byte range types */
#define DEF_E (1u << 11)
#define DEF_FE (1u << 10)
#define MASK_VALID (1u << 11)

#define MMIO_UC_BASE 0xfec00000ull
#define MMIO_UC_SIZE 0x00400000ull

unsigned firmware_mtrrs(unsigned maxphyaddr, struct firmware_msr *out)
{
	if (maxphyaddr < 36 || maxphyaddr > 52)
		maxphyaddr = 36; /* CPUID 0x80000008 missing or odd: the SDM's default */
	uint64_t phys = (1ull << maxphyaddr) - 1;
	unsigned n = 0;
	out[n++] = (struct firmware_msr){MTRR_FIX64K_00000, ALL(TYPE_WB)};
	out[n++] = (struct firmware_msr){MTRR_FIX16K_80000, ALL(TYPE_WB)};
	out[n++] = (struct firmware_msr){MTRR_FIX16K_A0000, ALL(TYPE_UC)};
	for (unsigned i = 0; i < 8; i++)
		out[n++] = (struct firmware_msr){MTRR_FIX4K_C0000 + i, ALL(TYPE_WB)};
	out[n++] = (struct firmware_msr){MTRR_PHYSBASE0, MMIO_UC_BASE | TYPE_UC};
	out[n++] = (struct firmware_msr){MTRR_PHYSMASK0, (~(MMIO_UC_SIZE - 1) & phys) | MASK_VALID};
	out[n++] = (struct firmware_msr){MTRR_DEF_TYPE, DEF_E | DEF_FE | TYPE_WB};
	return n;
}
