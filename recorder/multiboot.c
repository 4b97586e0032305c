/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 loader (Multiboot Specification 0.6.96): an ELF32 kernel with
 * a multiboot header in its first 8 KiB, loaded by its PT_LOAD program
 * headers and entered as the specification's section 3.2 says:
 *   32-bit protected mode, paging off, IF=0; CS a flat 4 GiB execute/read
 *   segment (selector 0x08), DS/ES/FS/GS/SS flat read/write (0x10), and a
 *   GDT holding exactly those at MB_GDT_ADDR (the kernel must load its own
 *   before reloading a segment); EAX = 0x2BADB002, EBX = the multiboot
 *   information structure. Only the BSP runs; APs wait for INIT/SIPI from
 *   the guest (KVM_MP_STATE_UNINITIALIZED), as on a PC.
 *
 * Guest physical layout (docs/guests.md has the user's view):
 *   0x0000-0x8fff   free (SIPI trampolines; nothing of ours is there)
 *   0x9000-0x9fbff  GDT, multiboot info, memory map, module list, strings
 *   0x9fc00-0xfffff reserved in the memory map (EBDA, VGA, BIOS holes)
 *   0x100000-       the kernel's segments (at or above 1 MiB), then the
 *                   modules, each page-aligned, in --module order
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define MB_HEADER_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_SEARCH_LIMIT 8192
#define MB_HF_PAGE_ALIGN (1u << 0)  /* modules page-aligned: always done */
#define MB_HF_MEMINFO (1u << 1)     /* mem_* and mmap: always given */
#define MB_HF_VIDEO (1u << 2)
#define MB_HF_AOUT_KLUDGE (1u << 16)

#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define MB_GDT_ADDR 0x9000u
#define MB_INFO_ADDR 0x9040u
#define MB_MMAP_ADDR 0x9100u
#define MB_MODS_ADDR 0x9200u
#define MB_STRINGS_ADDR 0x9400u
#define MB_AREA_END 0x9fc00u
#define LOW_MEM_END 0x9fc00u       /* 639 KiB of conventional memory */
#define HIGH_MEM_START 0x100000u

/* Multiboot information structure, the part irqrr fills (spec 3.3). */
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe[6];
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap_entry {
	uint32_t size; /* of the rest of the entry: 20 */
	uint64_t addr, len;
	uint32_t type; /* 1 RAM, 2 reserved */
} __attribute__((packed));

struct mb_loader {
	struct vm *vm;
	const char *path;
	uint32_t strings; /* next free byte of the string area */
	uint64_t end;     /* end of the highest loaded byte (kernel, modules) */
};

__attribute__((format(printf, 2, 3)))
static int mb_error(const struct mb_loader *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "irqrr: %s: ", l->path);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

static int mb_find_header(struct mb_loader *l, const uint8_t *img, size_t size, uint32_t *flags)
{
	size_t limit = size < MB_SEARCH_LIMIT ? size : MB_SEARCH_LIMIT;
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		uint32_t h[3];
		memcpy(h, img + off, sizeof(h));
		if (h[0] != MB_HEADER_MAGIC || h[0] + h[1] + h[2] != 0)
			continue;
		*flags = h[1];
		if (h[1] & MB_HF_AOUT_KLUDGE)
			return mb_error(l, "multiboot header flag bit 16 (a.out kludge) is not supported: "
				"irqrr loads ELF program headers only");
		uint32_t unknown = h[1] & 0xffffu & ~(MB_HF_PAGE_ALIGN | MB_HF_MEMINFO);
		if (unknown) {
			unsigned bit = (unsigned)__builtin_ctz(unknown);
			if (bit == 2)
				return mb_error(l, "multiboot header requires flag bit 2 (video mode table): irqrr has no display");
			return mb_error(l, "multiboot header requires flag bit %u, which irqrr does not know (header flags %#x)",
					bit, h[1]);
		}
		return 0;
	}
	return mb_error(l, "no multiboot header (magic 0x1badb002 with a valid checksum) in the first 8 KiB");
}

/* Loads the PT_LOAD segments and finds the physical entry point. */
static int mb_load_elf(struct mb_loader *l, const uint8_t *img, size_t size, uint32_t *entry_out)
{
	struct vm *vm = l->vm;
	Elf32_Ehdr eh;
	if (size < sizeof(eh) || memcmp(img, ELFMAG, SELFMAG) != 0)
		return mb_error(l, "not an ELF file (multiboot kernels must be ELF32)");
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS32)
		return mb_error(l, "%s ELF: multiboot v1 needs ELF32 (objcopy -O elf32-i386)",
			eh.e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "unknown-class");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_386 || eh.e_type != ET_EXEC)
		return mb_error(l, "ELF32 machine %u type %u: expected a little-endian i386 executable",
			eh.e_machine, eh.e_type);
	if (eh.e_phnum == 0 || eh.e_phentsize != sizeof(Elf32_Phdr) ||
	    (uint64_t)eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf32_Phdr) > size)
		return mb_error(l, "bad ELF program header table (offset %#x, %u entries)",
			eh.e_phoff, eh.e_phnum);

	uint32_t entry = 0;
	unsigned loaded = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		uint64_t pa = ph.p_paddr, end = pa + ph.p_memsz;
		if ((uint64_t)ph.p_offset + ph.p_filesz > size || ph.p_filesz > ph.p_memsz)
			return mb_error(l, "ELF segment %u: file bytes %#llx past the end of the file or its memory size",
				i, (unsigned long long)ph.p_offset + ph.p_filesz);
		if (pa < HIGH_MEM_START)
			return mb_error(l, "ELF segment at %#llx: below 1 MiB (multiboot kernels load at or above 0x100000)",
				(unsigned long long)pa);
		if (end > vm->ram_size)
			return mb_error(l, "ELF segment ends at %#llx, past guest RAM (%#llx bytes; raise --mem)",
				(unsigned long long)end, (unsigned long long)vm->ram_size);
		memcpy(vm->ram + pa, img + ph.p_offset, ph.p_filesz);
		memset(vm->ram + pa + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry = (uint32_t)(pa + (eh.e_entry - ph.p_vaddr));
		if (end > l->end)
			l->end = end;
		loaded++;
	}
	if (!loaded)
		return mb_error(l, "no loadable ELF segment");
	if (!entry)
		return mb_error(l, "ELF entry point %#x is outside every loaded segment", eh.e_entry);
	*entry_out = entry;
	return 0;
}

/* Copies a NUL-terminated string into the string area; 0 when full. */
static uint32_t mb_string(struct mb_loader *l, const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a), n = alen + blen + 1;
	if (l->strings + n > MB_AREA_END) {
		fprintf(stderr, "irqrr: multiboot command lines and module strings exceed %u bytes\n",
			MB_AREA_END - MB_STRINGS_ADDR);
		return 0;
	}
	uint32_t at = l->strings;
	memcpy(l->vm->ram + at, a, alen);
	memcpy(l->vm->ram + at + alen, b, blen);
	l->vm->ram[at + alen + blen] = 0;
	l->strings += (uint32_t)n;
	return at;
}

static int mb_load_modules(struct mb_loader *l, const struct recorder_options *o, struct mb_info *mbi)
{
	struct vm *vm = l->vm;
	for (unsigned i = 0; i < o->nmodules; i++) {
		const char *arg = o->modules[i];
		const char *comma = strchr(arg, ',');
		size_t plen = comma ? (size_t)(comma - arg) : strlen(arg);
		char *path = strndup(arg, plen);
		if (!path || !*path) {
			free(path);
			fprintf(stderr, "irqrr: --module '%s': expected FILE[,CMDLINE]\n", arg);
			return -1;
		}
		uint64_t start = (l->end + 0xfff) & ~0xfffull;
		size_t size;
		uint8_t *data = kernel_read_file("--module", path, start < vm->ram_size ? vm->ram_size - start : 0, &size);
		if (!data) {
			free(path);
			return -1;
		}
		memcpy(vm->ram + start, data, size);
		free(data);
		/* The module's string: its file name, then its command line
		 * (as GRUB's "module FILE ARGS" line). */
		const char *args = comma ? comma + 1 : "";
		char *sep_args = malloc(strlen(args) + 2);
		if (!sep_args) {
			free(path);
			return -1;
		}
		snprintf(sep_args, strlen(args) + 2, "%s%s", *args ? " " : "", args);
		uint32_t str = mb_string(l, path, sep_args, strlen(sep_args));
		free(sep_args);
		free(path);
		if (!str)
			return -1;
		struct mb_module m = {
			.mod_start = (uint32_t)start, .mod_end = (uint32_t)(start + size), .string = str,
		};
		memcpy(vm->ram + MB_MODS_ADDR + i * sizeof(m), &m, sizeof(m));
		l->end = start + size;
	}
	if (o->nmodules) {
		mbi->flags |= MBI_MODS;
		mbi->mods_count = o->nmodules;
		mbi->mods_addr = MB_MODS_ADDR;
	}
	return 0;
}

/* The memory map (spec 3.3, "mmap_*"): RAM is type 1, the rest type 2. */
static void mb_memory_map(struct vm *vm, struct mb_info *mbi)
{
	const struct { uint64_t addr, len; uint32_t type; } map[] = {
		{0, LOW_MEM_END, 1},                                    /* conventional */
		{LOW_MEM_END, 0xa0000 - LOW_MEM_END, 2},                /* EBDA */
		{0xf0000, 0x10000, 2},                                  /* BIOS area */
		{HIGH_MEM_START, vm->ram_size - HIGH_MEM_START, 1},     /* extended */
		{0xfec00000, 0x1000, 2},                                /* IOAPIC */
		{0xfed00000, 0x1000, 2},                                /* HPET */
		{0xfee00000, 0x1000, 2},                                /* LAPIC */
	};
	uint32_t n = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].len == 0 || map[i].len > (1ull << 32))
			continue; /* --mem 1: no extended memory */
		struct mb_mmap_entry e = {.size = 20, .addr = map[i].addr, .len = map[i].len, .type = map[i].type};
		memcpy(vm->ram + MB_MMAP_ADDR + n * sizeof(e), &e, sizeof(e));
		n++;
	}
	mbi->flags |= MBI_MEM | MBI_MMAP;
	mbi->mem_lower = LOW_MEM_END >> 10;
	mbi->mem_upper = (uint32_t)((vm->ram_size - HIGH_MEM_START) >> 10);
	mbi->mmap_addr = MB_MMAP_ADDR;
	mbi->mmap_length = n * (uint32_t)sizeof(struct mb_mmap_entry);
}

static int mb_cpu_state(struct vm *vm, uint32_t entry)
{
	struct vcpu *v = &vm->vcpu[0];
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return kvm_ioctl_fail("KVM_GET_SREGS");
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = 0x10;
	data.type = 0x3;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.gdt.base = MB_GDT_ADDR;
	s.gdt.limit = 0x17;
	s.idt.base = 0;
	s.idt.limit = 0x3ff;
	s.cr0 = 0x11;  /* PE ET; paging off */
	s.cr3 = 0;
	s.cr4 = 0;
	s.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return kvm_ioctl_fail("KVM_SET_SREGS");
	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rax = MB_BOOT_MAGIC;
	r.rbx = MB_INFO_ADDR;
	r.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return kvm_ioctl_fail("KVM_SET_REGS");
	return 0;
}

int boot_load_multiboot(struct vm *vm, const uint8_t *image, size_t size, const struct recorder_options *o)
{
	struct mb_loader l = {.vm = vm, .path = o->kernel, .strings = MB_STRINGS_ADDR, .end = HIGH_MEM_START};
	uint32_t hflags; /* bits 0 and 1 are always honoured */
	if (o->initrd) {
		fprintf(stderr, "irqrr: --initrd is for Linux bzImages: give a multiboot kernel its files with --module FILE[,CMDLINE]\n");
		return -1;
	}
	if (vm->ram_size < 2u << 20) {
		fprintf(stderr, "irqrr: --mem %llu: a multiboot kernel needs at least 2 MiB\n",
			(unsigned long long)(vm->ram_size >> 20));
		return -1;
	}
	if (mb_find_header(&l, image, size, &hflags) < 0)
		return -1;
	uint32_t entry = 0;
	if (mb_load_elf(&l, image, size, &entry) < 0)
		return -1;

	struct mb_info mbi;
	memset(&mbi, 0, sizeof(mbi));
	mb_memory_map(vm, &mbi);
	/* The command line starts with the kernel's file name, as GRUB and
	 * QEMU's -kernel give it (unit-test kernels skip argv[0]). */
	const char *append = o->append ? o->append : "";
	char *tail = malloc(strlen(append) + 2);
	if (!tail)
		return -1;
	snprintf(tail, strlen(append) + 2, "%s%s", *append ? " " : "", append);
	mbi.cmdline = mb_string(&l, o->kernel, tail, strlen(tail));
	free(tail);
	mbi.boot_loader_name = mb_string(&l, "irqrr", "", 0);
	if (!mbi.cmdline || !mbi.boot_loader_name)
		return -1;
	mbi.flags |= MBI_CMDLINE | MBI_LOADER_NAME;
	if (mb_load_modules(&l, o, &mbi) < 0)
		return -1;
	memcpy(vm->ram + MB_INFO_ADDR, &mbi, sizeof(mbi));

	uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull};
	memcpy(vm->ram + MB_GDT_ADDR, gdt, sizeof(gdt));
	return mb_cpu_state(vm, entry);
}
