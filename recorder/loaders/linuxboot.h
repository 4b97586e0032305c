/* SPDX-License-Identifier: MIT */
/*
 * Booting a Linux bzImage: the loader (bzimage.c) and the firmware tables it
 * leaves in the BIOS area (acpi.c, mptable.c); the two legacy reset devices
 * Linux pokes are in ../devices/reset.h. The builders write into a buffer
 * that stands for guest memory, so tests run them without KVM.
 */
#ifndef IRQRR_LINUXBOOT_H
#define IRQRR_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest physical layout for a Linux boot (below 1 MiB). */
#define LINUX_BOOT_PARAMS_ADDR 0x10000u /* the zero page, 4 KiB */
#define LINUX_CMDLINE_ADDR 0x20000u     /* up to cmdline_size + 1 bytes */
#define LINUX_STACK_TOP 0x80000u
#define LINUX_EBDA_ADDR 0x9fc00u        /* RAM ends here below 1 MiB */
#define LINUX_ACPI_ADDR 0xe0000u        /* RSDP, then the tables: 0xe0000-0xeffff */
#define LINUX_ACPI_SIZE 0x10000u
#define LINUX_MPTABLE_ADDR 0xf0000u     /* MP floating pointer + config table */
#define LINUX_MPTABLE_SIZE 0x10000u

/* The setup header fields the loader uses (Documentation/arch/x86/boot.rst). */
struct bzimage_info {
	uint16_t version;          /* boot protocol, e.g. 0x020f */
	uint8_t setup_sects;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t kernel_alignment;
	bool relocatable;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;     /* without the NUL */
	uint64_t pref_address;
	uint32_t init_size;
	size_t header_end;         /* setup header: 0x1f1 .. header_end */
	size_t kernel_offset;      /* protected-mode kernel in the file */
	size_t kernel_size;
};

/* Where everything goes, computed from the image, RAM and initrd sizes. */
struct bzimage_layout {
	uint64_t kernel_addr;      /* load address; entry = kernel_addr + 0x200 */
	uint64_t kernel_end;       /* kernel_addr + init_size */
	uint64_t initrd_addr;      /* 0 when no initrd */
	uint64_t initrd_size;
};

/* Parse and check the header; on error writes one line to err. */
int bzimage_parse(const uint8_t *img, size_t size, struct bzimage_info *bi, char *err, size_t errlen);
int bzimage_plan(const struct bzimage_info *bi, uint64_t ram_size, uint64_t initrd_size,
		 size_t cmdline_len, struct bzimage_layout *lay, char *err, size_t errlen);
/* Fill the 4 KiB zero page (boot_params). */
void bzimage_boot_params(uint8_t zp[4096], const uint8_t *img, const struct bzimage_info *bi,
			 const struct bzimage_layout *lay, uint64_t ram_size, uint64_t rsdp_addr);

/* e820 types */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3

/* ACPI tables at LINUX_ACPI_ADDR: mem is guest memory from phys 0 (at least
 * 1 MiB). Returns the RSDP's physical address. */
uint64_t acpi_build(uint8_t *mem, unsigned ncpus);
/* The same, with an ACPI HPET table for the board's HPET when hpet. */
uint64_t acpi_build_hpet(uint8_t *mem, unsigned ncpus, bool hpet);
/* MP spec 1.4 floating pointer + configuration table at LINUX_MPTABLE_ADDR. */
void mptable_build(uint8_t *mem, unsigned ncpus);
/* The (only) I/O APIC's ID in both tables: after the CPUs' APIC IDs. */
#define LINUX_IOAPIC_ID(ncpus) ((uint8_t)(ncpus))
/* The ACPI SCI (declared level, active high, in the MADT and FADT). */
#define ACPI_SCI_IRQ 9
/* PM1a control block (the power-off register, see docs/linux.md). */
#define ACPI_PM1A_CNT_PORT 0x604
#define ACPI_PM1A_EVT_PORT 0x600

uint8_t acpi_checksum(const uint8_t *p, size_t n);

#endif
