/* SPDX-License-Identifier: MIT */
/*
 * Linux bzImage loader, 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit BOOT PROTOCOL"; field offsets from its "THE REAL-MODE KERNEL
 * HEADER" table and Documentation/arch/x86/zero-page.rst).
 *
 * No real-mode setup code runs: the VMM plays the boot loader and the
 * setup code both. It copies the setup header into a zeroed boot_params,
 * adds the e820 map, command line and initrd, loads the protected-mode
 * kernel at its preferred address and enters it at load address + 0x200
 * in long mode, with the first 4 GiB identity mapped, a GDT holding
 * __BOOT_CS (0x10) and __BOOT_DS (0x18), RSI = boot_params, IF = 0.
 * (This machine's KVM could not run the 16-bit setup code anyway.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#ifdef IRQRR_HAVE_LZMA
#include <elf.h>
#include <lzma.h>
#endif

#include "guests/bootinfo.h"
#include "linuxboot.h"
#include "recorder/vmm.h"

/* Setup header offsets in the image and in boot_params (boot.rst). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_SYSSIZE 0x1f4
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200          /* 2-byte short jump; its 2nd byte ends the header */
#define HDR_MAGIC 0x202         /* "HdrS" */
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24c
#define HDR_INIT_SIZE 0x260

/* boot_params (zero-page.rst) */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define BP_E820_MAX 128

#define XLF_KERNEL_64 0x1
#define LOADED_HIGH 0x1

#define BOOT_CS 0x10
#define BOOT_DS 0x18

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void set32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void set64(uint8_t *p, uint64_t v)
{
	set32(p, (uint32_t)v);
	set32(p + 4, (uint32_t)(v >> 32));
}

int bzimage_parse(const uint8_t *img, size_t size, struct bzimage_info *bi, char *err, size_t errlen)
{
	memset(bi, 0, sizeof(*bi));
	if (size < 0x264 || memcmp(img + HDR_MAGIC, "HdrS", 4) != 0) {
		snprintf(err, errlen, "not a bzImage (no \"HdrS\" setup header at 0x202)");
		return -1;
	}
	bi->version = get16(img + HDR_VERSION);
	if (get16(img + HDR_BOOT_FLAG) != 0xaa55) {
		snprintf(err, errlen, "bad bzImage: boot_flag at 0x1fe is %#x, expected 0xaa55",
			 get16(img + HDR_BOOT_FLAG));
		return -1;
	}
	/* 64-bit entry and xloadflags arrived with protocol 2.12. */
	if (bi->version < 0x020c) {
		snprintf(err, errlen, "boot protocol %u.%02u is too old: the 64-bit entry needs 2.12 or later",
			 bi->version >> 8, bi->version & 0xff);
		return -1;
	}
	bi->xloadflags = get16(img + HDR_XLOADFLAGS);
	if (!(bi->xloadflags & XLF_KERNEL_64)) {
		snprintf(err, errlen, "bzImage has no 64-bit entry point (xloadflags %#x lacks XLF_KERNEL_64): "
			 "a 32-bit kernel cannot run on this VMM", bi->xloadflags);
		return -1;
	}
	bi->setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
	bi->loadflags = img[HDR_LOADFLAGS];
	bi->kernel_alignment = get32(img + HDR_KERNEL_ALIGNMENT);
	bi->relocatable = img[HDR_RELOCATABLE] != 0;
	bi->initrd_addr_max = get32(img + HDR_INITRD_ADDR_MAX);
	bi->cmdline_size = get32(img + HDR_CMDLINE_SIZE);
	bi->pref_address = get64(img + HDR_PREF_ADDRESS);
	bi->init_size = get32(img + HDR_INIT_SIZE);
	bi->header_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];
	if (bi->header_end > 0x264 + 0x100 || bi->header_end < HDR_INIT_SIZE + 4)
		bi->header_end = HDR_INIT_SIZE + 4; /* a sane floor; the jump is only a hint */
	bi->kernel_offset = ((size_t)bi->setup_sects + 1) * 512;
	uint64_t syssize = (uint64_t)get32(img + HDR_SYSSIZE) * 16;
	if (!(bi->loadflags & LOADED_HIGH)) {
		snprintf(err, errlen, "bzImage is not LOADED_HIGH (a zImage): not supported");
		return -1;
	}
	if (bi->kernel_offset >= size || syssize == 0 || syssize > size - bi->kernel_offset) {
		snprintf(err, errlen, "truncated bzImage: %zu bytes, setup %zu + syssize %llu", size,
			 bi->kernel_offset, (unsigned long long)syssize);
		return -1;
	}
	bi->kernel_size = size - bi->kernel_offset;
	if (bi->kernel_alignment == 0 || (bi->kernel_alignment & (bi->kernel_alignment - 1))) {
		snprintf(err, errlen, "bad bzImage: kernel_alignment %#x is not a power of two",
			 bi->kernel_alignment);
		return -1;
	}
	if (bi->init_size < bi->kernel_size)
		bi->init_size = (uint32_t)bi->kernel_size;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int bzimage_plan(const struct bzimage_info *bi, uint64_t ram_size, uint64_t initrd_size,
		 size_t cmdline_len, struct bzimage_layout *lay, char *err, size_t errlen)
{
	memset(lay, 0, sizeof(*lay));
	if (cmdline_len > bi->cmdline_size) {
		snprintf(err, errlen, "--append of %zu bytes is longer than the kernel's cmdline_size %u",
			 cmdline_len, bi->cmdline_size);
		return -1;
	}
	/* Preferred address if it is 1 MiB or more and suitably aligned (the
	 * 64-bit entry runs the kernel where it was loaded); else 1 MiB
	 * rounded up to kernel_alignment. */
	uint64_t addr = bi->pref_address;
	if (addr < 0x100000 || (bi->relocatable && (addr & (bi->kernel_alignment - 1))))
		addr = align_up(0x100000, bi->relocatable ? bi->kernel_alignment : 1);
	lay->kernel_addr = addr;
	lay->kernel_end = addr + bi->init_size;
	if (lay->kernel_end > ram_size) {
		snprintf(err, errlen, "--mem %llu MiB is too small: the kernel needs %#llx-%#llx "
			 "(load address + init_size); use --mem %llu or more",
			 (unsigned long long)(ram_size >> 20), (unsigned long long)addr,
			 (unsigned long long)lay->kernel_end,
			 (unsigned long long)((align_up(lay->kernel_end, 1 << 20) >> 20) + 32 + (initrd_size >> 20)));
		return -1;
	}
	if (initrd_size) {
		uint64_t top = ram_size;
		if ((uint64_t)bi->initrd_addr_max + 1 < top)
			top = (uint64_t)bi->initrd_addr_max + 1;
		uint64_t at = initrd_size <= top ? (top - initrd_size) & ~0xfffull : 0;
		if (initrd_size > top || at < align_up(lay->kernel_end, 0x1000)) {
			snprintf(err, errlen, "--initrd of %llu bytes does not fit between the kernel's end %#llx "
				 "and %#llx (RAM top / initrd_addr_max): use a larger --mem",
				 (unsigned long long)initrd_size, (unsigned long long)lay->kernel_end,
				 (unsigned long long)top);
			return -1;
		}
		lay->initrd_addr = at;
		lay->initrd_size = initrd_size;
	}
	return 0;
}

static void e820_add(uint8_t *zp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t n = zp[BP_E820_ENTRIES];
	if (n >= BP_E820_MAX || size == 0)
		return;
	uint8_t *e = zp + BP_E820_TABLE + 20 * n;
	set64(e, addr);
	set64(e + 8, size);
	set32(e + 16, type);
	zp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

void bzimage_boot_params(uint8_t zp[4096], const uint8_t *img, const struct bzimage_info *bi,
			 const struct bzimage_layout *lay, uint64_t ram_size, uint64_t rsdp_addr)
{
	memset(zp, 0, 4096);
	memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, bi->header_end - HDR_SETUP_SECTS);
	zp[HDR_TYPE_OF_LOADER] = 0xff; /* "undefined" loader */
	set32(zp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
	set32(zp + HDR_RAMDISK_IMAGE, (uint32_t)lay->initrd_addr);
	set32(zp + HDR_RAMDISK_SIZE, (uint32_t)lay->initrd_size);
	if (bi->version >= 0x020e) /* acpi_rsdp_addr: protocol 2.14 */
		set64(zp + BP_ACPI_RSDP_ADDR, rsdp_addr);
	/* The chip MMIO windows (IOAPIC 0xfec00000, HPET 0xfed00000, LAPIC
	 * 0xfee00000) are above RAM_LIMIT, so RAM never covers them. */
	e820_add(zp, 0, LINUX_EBDA_ADDR, E820_RAM);
	e820_add(zp, LINUX_EBDA_ADDR, 0xa0000 - LINUX_EBDA_ADDR, E820_RESERVED);
	e820_add(zp, LINUX_ACPI_ADDR, LINUX_ACPI_SIZE, E820_ACPI);
	e820_add(zp, LINUX_MPTABLE_ADDR, LINUX_MPTABLE_SIZE, E820_RESERVED);
	e820_add(zp, 0x100000, ram_size - 0x100000, E820_RAM);
	e820_add(zp, 0xfec00000, 0x1000, E820_RESERVED);
	e820_add(zp, 0xfee00000, 0x1000, E820_RESERVED);
}

/* --- loading into the VM ------------------------------------------------ */

static void linux_gdt(struct vm *vm)
{
	uint8_t *gdt = vm->ram + GUEST_GDT_ADDR;
	memset(gdt, 0, 0x20);
	set64(gdt + BOOT_CS, 0x00af9a000000ffffull); /* 64-bit code, DPL0 */
	set64(gdt + BOOT_DS, 0x00cf92000000ffffull); /* data, 4 GiB flat */
}

static int linux_bsp_state(struct vm *vm, uint64_t entry)
{
	struct vcpu *v = &vm->vcpu[0];
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return kvm_ioctl_fail("KVM_GET_SREGS");
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = BOOT_CS, .type = 0xb,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = BOOT_DS;
	data.type = 0x3;
	data.l = 0;
	data.db = 1;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.gdt.base = GUEST_GDT_ADDR;
	s.gdt.limit = 0x1f;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr3 = GUEST_PML4_ADDR;
	s.cr4 = 0x20;                      /* PAE */
	s.cr0 = 0x80000033;                /* PG NE ET MP PE */
	s.efer = 0x500;                    /* LMA LME */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return kvm_ioctl_fail("KVM_SET_SREGS");
	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rsp = LINUX_STACK_TOP;
	r.rsi = LINUX_BOOT_PARAMS_ADDR;
	r.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return kvm_ioctl_fail("KVM_SET_REGS");
	/* APs stay in wait-for-SIPI: Linux starts them with INIT/SIPI. */
	return 0;
}

#ifdef IRQRR_HAVE_LZMA
/*
 * Host-side decompression (--kernel-decompress=host). The bzImage's payload
 * (payload_offset/payload_length, protocol 2.08+) is the compressed ELF
 * vmlinux followed by its 4-byte uncompressed size. We do what the
 * in-kernel decompressor's parse_elf() does with KASLR off: copy each
 * PT_LOAD segment to its physical address (p_paddr) and enter at e_entry,
 * the physical address of startup_64 (arch/x86/kernel/head_64.S), which
 * takes the same 64-bit boot protocol state. Nothing in the kernel is
 * changed; KASLR is not applied (the kernel runs where it was linked).
 * Why: this machine's KVM emulates guest ring-0 code, and the XZ
 * decompressor alone would take ~15 minutes there (docs/linux.md).
 */
static int vmlinux_load(struct vm *vm, const char *path, const uint8_t *img, const struct bzimage_info *bi,
			uint64_t *entry)
{
	uint32_t poff = get32(img + HDR_PAYLOAD_OFFSET), plen = get32(img + HDR_PAYLOAD_LENGTH);
	const uint8_t *payload = img + bi->kernel_offset + poff;
	if (poff + (uint64_t)plen > bi->kernel_size || plen < 16) {
		fprintf(stderr, "irqrr: --kernel %s: payload %#x+%#x outside the image\n", path, poff, plen);
		return -1;
	}
	if (memcmp(payload, "\xfd" "7zXZ", 6) != 0) {
		fprintf(stderr, "irqrr: --kernel %s: payload is not XZ-compressed: host decompression supports XZ only; "
			"use --kernel-decompress=guest\n", path);
		return -1;
	}
	uint32_t out_size = get32(payload + plen - 4);
	uint8_t *elf = malloc(out_size ? out_size : 1);
	if (!elf) {
		fprintf(stderr, "irqrr: --kernel %s: out of memory for %u bytes of vmlinux\n", path, out_size);
		return -1;
	}
	size_t in_pos = 0, out_pos = 0;
	uint64_t memlimit = UINT64_MAX;
	lzma_ret lr = lzma_stream_buffer_decode(&memlimit, 0, NULL, payload, &in_pos, plen - 4, elf, &out_pos, out_size);
	if (lr != LZMA_OK || out_pos != out_size) {
		fprintf(stderr, "irqrr: --kernel %s: XZ payload: decode failed (lzma error %d, %zu of %u bytes)\n",
			path, (int)lr, out_pos, out_size);
		free(elf);
		return -1;
	}
	int rc = -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	if (out_size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > out_size) {
		fprintf(stderr, "irqrr: --kernel %s: payload is not an x86-64 ELF vmlinux\n", path);
		goto out;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(elf + eh->e_phoff) + i;
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset + ph->p_filesz > out_size ||
		    ph->p_paddr < 0x100000 || ph->p_paddr + ph->p_memsz > vm->ram_size) {
			fprintf(stderr, "irqrr: --kernel %s: vmlinux segment %u (%#llx+%#llx) does not fit in RAM\n",
				path, i, (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
			goto out;
		}
		memcpy(vm->ram + ph->p_paddr, elf + ph->p_offset, ph->p_filesz);
		memset(vm->ram + ph->p_paddr + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	*entry = eh->e_entry;
	if (*entry < 0x100000 || *entry >= vm->ram_size) {
		fprintf(stderr, "irqrr: --kernel %s: vmlinux entry %#llx is not a physical address in RAM\n", path,
			(unsigned long long)*entry);
		goto out;
	}
	rc = 0;
out:
	free(elf);
	return rc;
}
#endif

int boot_load_bzimage(struct vm *vm, const uint8_t *img, size_t size, const struct recorder_options *o)
{
	const char *path = o->kernel;
	char err[256];
	struct bzimage_info bi;
	struct bzimage_layout lay;
	uint8_t *initrd = NULL;
	size_t initrd_size = 0;
	static char cmdbuf[4096]; /* one VM per process */
	const char *cmdline = cpuid_linux_cmdline(vm, o->append ? o->append : "", cmdbuf, sizeof(cmdbuf));
	int rc = -1;

	if (bzimage_parse(img, size, &bi, err, sizeof(err)) < 0) {
		fprintf(stderr, "irqrr: --kernel %s: %s\n", path, err);
		return -1;
	}
	if (o->initrd && !(initrd = kernel_read_file("--initrd", o->initrd, vm->ram_size, &initrd_size)))
		return -1;
	if (o->initrd && initrd_size == 0) {
		fprintf(stderr, "irqrr: --initrd %s: empty file\n", o->initrd);
		goto out;
	}
	if (bzimage_plan(&bi, vm->ram_size, initrd_size, strlen(cmdline), &lay, err, sizeof(err)) < 0) {
		fprintf(stderr, "irqrr: --kernel %s: %s\n", path, err);
		goto out;
	}
	boot_page_tables(vm);
	linux_gdt(vm);
	uint64_t entry = lay.kernel_addr + 0x200;
	if (o->kernel_decompress_guest) {
		memcpy(vm->ram + lay.kernel_addr, img + bi.kernel_offset, bi.kernel_size);
	} else {
#ifdef IRQRR_HAVE_LZMA
		if (vmlinux_load(vm, path, img, &bi, &entry) < 0)
			goto out;
#else
		fprintf(stderr, "irqrr: --kernel %s: built without liblzma: host decompression unavailable; "
			"use --kernel-decompress=guest\n", path);
		goto out;
#endif
	}
	if (initrd)
		memcpy(vm->ram + lay.initrd_addr, initrd, initrd_size);
	memcpy(vm->ram + LINUX_CMDLINE_ADDR, cmdline, strlen(cmdline) + 1);
	/* BIOS data area: EBDA segment and base memory size in KiB, where
	 * Linux looks for the EBDA (and the MP table scan's first region). */
	vm->ram[0x40e] = (uint8_t)(LINUX_EBDA_ADDR >> 4);
	vm->ram[0x40f] = (uint8_t)(LINUX_EBDA_ADDR >> 12);
	vm->ram[0x413] = (uint8_t)(LINUX_EBDA_ADDR >> 10);
	vm->ram[0x414] = (uint8_t)(LINUX_EBDA_ADDR >> 18);
	/* the HPET table only where the board has the HPET (split irqchip) */
	uint64_t rsdp = acpi_build_hpet(vm->ram, vm->ncpus, vm->split && vm->opt->hpet);
	mptable_build(vm->ram, vm->ncpus);
	bzimage_boot_params(vm->ram + LINUX_BOOT_PARAMS_ADDR, img, &bi, &lay, vm->ram_size, rsdp);
	if (o->verbose)
		fprintf(stderr, "irqrr: bzImage protocol %u.%02u: kernel at %#llx-%#llx, entry %#llx, "
			"initrd at %#llx (%llu bytes), cmdline \"%s\"\n", bi.version >> 8, bi.version & 0xff,
			(unsigned long long)lay.kernel_addr, (unsigned long long)lay.kernel_end,
			(unsigned long long)entry, (unsigned long long)lay.initrd_addr,
			(unsigned long long)lay.initrd_size, cmdline);
	rc = linux_bsp_state(vm, entry);
out:
	free(initrd);
	return rc;
}
