/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 loader (Multiboot Specification 0.6.96): an ELF32 kernel with
 * a multiboot header in its first 8 KiB, loaded by its PT_LOAD program
 * headers and entered as the specification's section 3.2 says:
 *   32-bit protected mode, paging off, IF=0; CS a flat 4 GiB execute/read
 *   segment (selector 0x08), DS/ES/FS/GS/SS flat read/write (0x10), and a
 *   GDT holding exactly those at the start of the boot area (the kernel
 *   must load its own before reloading a segment); EAX = 0x2BADB002,
 *   EBX = the multiboot information structure. Only the BSP runs; APs wait
 *   for INIT/SIPI from the guest (KVM_MP_STATE_UNINITIALIZED), as on a PC.
 *
 * Guest physical layout (docs/guests.md has the user's view):
 *   0x0000-0x9fbff  RAM: the kernel's segments may lie here (real-mode code
 *                   such as a unit-test kernel's at 0x8000, SIPI targets)
 *   0x9000-         the boot area: GDT, multiboot info, memory map, module
 *                   list, strings. The only thing the VMM puts in guest RAM
 *                   for a multiboot kernel. Where the kernel's segments
 *                   cover it, it moves (mb_place_area): to the highest free
 *                   pages below 0x9fc00, else after the kernel and modules.
 *                   Spec 3.3: the information "may be placed anywhere in
 *                   memory by the boot loader (with the exception of the
 *                   memory reserved for the kernel and boot modules)".
 *   0x9fc00-0xfffff reserved in the memory map (EBDA, VGA, BIOS): no segment
 *   0x100000-       the kernel's high segments, then the modules, each
 *                   page-aligned, in --module order
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "recorder/vmm.h"

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

/* The boot area: offsets from its base (mb_place_area). */
#define MB_GDT_OFF 0x000u
#define MB_INFO_OFF 0x040u
#define MB_MMAP_OFF 0x100u
#define MB_MODS_OFF 0x200u         /* RECORDER_MAX_MODULES entries of 16 bytes */
#define MB_STRINGS_OFF 0x400u
#define MB_AREA_LOW_FLOOR 0x1000u  /* never page 0 (real-mode IVT, BIOS data) */
#define LOW_MEM_END MB_LOW_MEM_END /* 639 KiB of conventional memory */
#define HIGH_MEM_START MB_HIGH_MEM_START
_Static_assert(MB_MODS_OFF + RECORDER_MAX_MODULES * 16 <= MB_STRINGS_OFF, "module list overlaps the strings");

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

/* A module read into guest RAM, its string still to be written. */
struct mb_loaded_module {
	uint32_t start, end;
	const char *path; /* strndup'ed */
	const char *args; /* after the comma of --module, or "" */
};

struct mb_loader {
	struct vm *vm;
	const char *path;
	struct mb_range *segs;  /* the kernel's PT_LOAD segments, physical */
	unsigned nsegs;
	uint32_t area;          /* base of the boot area */
	uint32_t strings;       /* next free byte of its string part */
	uint32_t area_end;
	uint64_t end;           /* end of the highest loaded byte (kernel, modules) */
	struct mb_loaded_module mods[RECORDER_MAX_MODULES];
	unsigned nmods;
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

static bool mb_range_free(const struct mb_range *segs, unsigned n, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < n; i++)
		if (start < segs[i].end && segs[i].start < end)
			return false;
	return true;
}

int mb_check_segments(const struct mb_range *segs, unsigned n, uint64_t ram_size, char *err, size_t errlen)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = segs[i].start, b = segs[i].end;
		if (b > ram_size) {
			snprintf(err, errlen, "ELF segment %#llx-%#llx ends past guest RAM (%#llx bytes; raise --mem)",
				 (unsigned long long)a, (unsigned long long)b - 1, (unsigned long long)ram_size);
			return -1;
		}
		if (a < HIGH_MEM_START && b > LOW_MEM_END) {
			snprintf(err, errlen, "ELF segment %#llx-%#llx overlaps %#x-%#x (EBDA, VGA, BIOS), "
				 "which the memory map does not offer as RAM (nor is it RAM on a PC)",
				 (unsigned long long)a, (unsigned long long)b - 1, LOW_MEM_END, HIGH_MEM_START - 1);
			return -1;
		}
		for (unsigned j = 0; j < i; j++) {
			if (a < segs[j].end && segs[j].start < b) {
				snprintf(err, errlen, "ELF segment %#llx-%#llx overlaps segment %#llx-%#llx",
					 (unsigned long long)a, (unsigned long long)b - 1,
					 (unsigned long long)segs[j].start, (unsigned long long)segs[j].end - 1);
				return -1;
			}
		}
	}
	return 0;
}

uint64_t mb_place_area(const struct mb_range *segs, unsigned n, uint64_t need, uint64_t high_start, uint64_t ram_size)
{
	if (MB_AREA_DEFAULT + need <= LOW_MEM_END && mb_range_free(segs, n, MB_AREA_DEFAULT, MB_AREA_DEFAULT + need))
		return MB_AREA_DEFAULT;
	/* Highest first: kernels put their own low-memory things (SIPI
	 * trampolines, real-mode code) near the bottom. */
	if (need <= LOW_MEM_END - MB_AREA_LOW_FLOOR)
		for (uint64_t a = (LOW_MEM_END - need) & ~0xfffull; a >= MB_AREA_LOW_FLOOR; a -= 0x1000)
			if (mb_range_free(segs, n, a, a + need))
				return a;
	uint64_t a = (high_start + 0xfff) & ~0xfffull;
	if (a >= HIGH_MEM_START && a + need <= ram_size && mb_range_free(segs, n, a, a + need))
		return a;
	return 0;
}

static int mb_read_elf_header(struct mb_loader *l, const uint8_t *img, size_t size, Elf32_Ehdr *eh)
{
	if (size < sizeof(*eh) || memcmp(img, ELFMAG, SELFMAG) != 0)
		return mb_error(l, "not an ELF file (multiboot kernels must be ELF32)");
	memcpy(eh, img, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS32)
		return mb_error(l, "%s ELF: multiboot v1 needs ELF32 (objcopy -O elf32-i386)",
			eh->e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "unknown-class");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_386 || eh->e_type != ET_EXEC)
		return mb_error(l, "ELF32 machine %u type %u: expected a little-endian i386 executable",
			eh->e_machine, eh->e_type);
	if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > size)
		return mb_error(l, "bad ELF program header table (offset %#x, %u entries)",
			eh->e_phoff, eh->e_phnum);
	return 0;
}

static Elf32_Phdr mb_phdr(const uint8_t *img, const Elf32_Ehdr *eh, unsigned i)
{
	Elf32_Phdr ph;
	memcpy(&ph, img + eh->e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* Collects the PT_LOAD segments (physical ranges), checks them and finds
 * the physical entry point; copies nothing yet. */
static int mb_read_segments(struct mb_loader *l, const uint8_t *img, size_t size, uint32_t *entry_out)
{
	Elf32_Ehdr eh;
	if (mb_read_elf_header(l, img, size, &eh) < 0)
		return -1;
	l->segs = calloc(eh.e_phnum, sizeof(*l->segs));
	if (!l->segs)
		return mb_error(l, "out of memory");
	uint32_t entry = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph = mb_phdr(img, &eh, i);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if ((uint64_t)ph.p_offset + ph.p_filesz > size || ph.p_filesz > ph.p_memsz)
			return mb_error(l, "ELF segment %u: file bytes %#llx past the end of the file or its memory size",
				i, (unsigned long long)ph.p_offset + ph.p_filesz);
		l->segs[l->nsegs++] = (struct mb_range){ph.p_paddr, (uint64_t)ph.p_paddr + ph.p_memsz};
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry = (uint32_t)(ph.p_paddr + (eh.e_entry - ph.p_vaddr));
	}
	if (!l->nsegs)
		return mb_error(l, "no loadable ELF segment");
	char err[200];
	if (mb_check_segments(l->segs, l->nsegs, l->vm->ram_size, err, sizeof(err)) < 0)
		return mb_error(l, "%s", err);
	if (!entry)
		return mb_error(l, "ELF entry point %#x is outside every loaded segment", eh.e_entry);
	for (unsigned i = 0; i < l->nsegs; i++)
		if (l->segs[i].end > l->end)
			l->end = l->segs[i].end;
	*entry_out = entry;
	return 0;
}

static void mb_copy_segments(struct mb_loader *l, const uint8_t *img)
{
	Elf32_Ehdr eh;
	memcpy(&eh, img, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph = mb_phdr(img, &eh, i);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		memcpy(l->vm->ram + ph.p_paddr, img + ph.p_offset, ph.p_filesz);
		memset(l->vm->ram + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
}

/* "a" or "a b", NUL-terminated: what mb_string writes. */
static size_t mb_string_size(const char *a, const char *b)
{
	return strlen(a) + (*b ? 1 + strlen(b) : 0) + 1;
}

/* Copies "a" or "a b" into the string part of the boot area (sized for
 * them all by mb_area_need). */
static uint32_t mb_string(struct mb_loader *l, const char *a, const char *b)
{
	uint32_t at = l->strings;
	size_t alen = strlen(a);
	uint8_t *p = l->vm->ram + at;
	memcpy(p, a, alen);
	p += alen;
	if (*b) {
		*p++ = ' ';
		memcpy(p, b, strlen(b));
		p += strlen(b);
	}
	*p = 0;
	l->strings += (uint32_t)mb_string_size(a, b);
	return at;
}

/* Reads the --module files into RAM, each on a page boundary after the
 * kernel's (or the previous module's) last byte. */
static int mb_load_modules(struct mb_loader *l, const struct recorder_options *o)
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
		struct mb_loaded_module *m = &l->mods[l->nmods++];
		m->path = path;
		m->args = comma ? comma + 1 : "";
		uint64_t start = (l->end + 0xfff) & ~0xfffull;
		size_t size;
		uint8_t *data = kernel_read_file("--module", path, start < vm->ram_size ? vm->ram_size - start : 0, &size);
		if (!data)
			return -1;
		memcpy(vm->ram + start, data, size);
		free(data);
		m->start = (uint32_t)start;
		m->end = (uint32_t)(start + size);
		l->end = start + size;
	}
	return 0;
}

static void mb_free(struct mb_loader *l)
{
	for (unsigned i = 0; i < l->nmods; i++)
		free((char *)l->mods[i].path);
	free(l->segs);
}

/* Bytes of boot area needed: the fixed part and every string. */
static uint64_t mb_area_need(const struct mb_loader *l, const char *append)
{
	uint64_t n = MB_STRINGS_OFF + mb_string_size(l->path, append) + mb_string_size("irqrr", "");
	for (unsigned i = 0; i < l->nmods; i++)
		n += mb_string_size(l->mods[i].path, l->mods[i].args);
	return n;
}

static int mb_place(struct mb_loader *l, const char *append)
{
	uint64_t need = mb_area_need(l, append);
	uint64_t at = mb_place_area(l->segs, l->nsegs, need, l->end, l->vm->ram_size);
	if (!at)
		return mb_error(l, "no room for the multiboot information (%llu bytes) beside the kernel's segments "
			"below %#x, nor after the kernel and modules (raise --mem)", (unsigned long long)need, LOW_MEM_END);
	l->area = (uint32_t)at;
	l->strings = l->area + MB_STRINGS_OFF;
	l->area_end = (uint32_t)(at + need);
	if (at != MB_AREA_DEFAULT && l->vm->opt->verbose)
		fprintf(stderr, "irqrr: multiboot: the kernel's segments cover %#x: boot information at %#x-%#x\n",
			MB_AREA_DEFAULT, l->area, l->area_end - 1);
	return 0;
}

static void mb_module_list(struct mb_loader *l, struct mb_info *mbi)
{
	for (unsigned i = 0; i < l->nmods; i++) {
		const struct mb_loaded_module *lm = &l->mods[i];
		struct mb_module m = {
			.mod_start = lm->start, .mod_end = lm->end, .string = mb_string(l, lm->path, lm->args),
		};
		memcpy(l->vm->ram + l->area + MB_MODS_OFF + i * sizeof(m), &m, sizeof(m));
	}
	if (l->nmods) {
		mbi->flags |= MBI_MODS;
		mbi->mods_count = l->nmods;
		mbi->mods_addr = l->area + MB_MODS_OFF;
	}
}

/* The memory map (spec 3.3, "mmap_*"): RAM is type 1, the rest type 2. */
static void mb_memory_map(struct mb_loader *l, struct mb_info *mbi)
{
	struct vm *vm = l->vm;
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
		memcpy(vm->ram + l->area + MB_MMAP_OFF + n * sizeof(e), &e, sizeof(e));
		n++;
	}
	mbi->flags |= MBI_MEM | MBI_MMAP;
	mbi->mem_lower = LOW_MEM_END >> 10;
	mbi->mem_upper = (uint32_t)((vm->ram_size - HIGH_MEM_START) >> 10);
	mbi->mmap_addr = l->area + MB_MMAP_OFF;
	mbi->mmap_length = n * (uint32_t)sizeof(struct mb_mmap_entry);
}

/* The information structure and everything it points to, in the area. */
static void mb_write_info(struct mb_loader *l, const char *append)
{
	struct mb_info mbi;
	memset(&mbi, 0, sizeof(mbi));
	mb_memory_map(l, &mbi);
	/* The command line starts with the kernel's file name, as GRUB and
	 * QEMU's -kernel give it (unit-test kernels skip argv[0]). */
	mbi.cmdline = mb_string(l, l->path, append);
	mbi.boot_loader_name = mb_string(l, "irqrr", "");
	mbi.flags |= MBI_CMDLINE | MBI_LOADER_NAME;
	mb_module_list(l, &mbi);
	memcpy(l->vm->ram + l->area + MB_INFO_OFF, &mbi, sizeof(mbi));
	uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull};
	memcpy(l->vm->ram + l->area + MB_GDT_OFF, gdt, sizeof(gdt));
}

static int mb_cpu_state(struct vm *vm, uint32_t entry, uint32_t area)
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
	s.gdt.base = area + MB_GDT_OFF;
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
	r.rbx = area + MB_INFO_OFF;
	r.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return kvm_ioctl_fail("KVM_SET_REGS");
	return 0;
}

static int mb_load(struct mb_loader *l, const uint8_t *image, size_t size, const struct recorder_options *o,
		   uint32_t *entry)
{
	uint32_t hflags; /* bits 0 and 1 are always honoured */
	const char *append = o->append ? o->append : "";
	if (mb_find_header(l, image, size, &hflags) < 0 || mb_read_segments(l, image, size, entry) < 0)
		return -1;
	mb_copy_segments(l, image);
	if (mb_load_modules(l, o) < 0 || mb_place(l, append) < 0)
		return -1;
	mb_write_info(l, append);
	return 0;
}

int boot_load_multiboot(struct vm *vm, const uint8_t *image, size_t size, const struct recorder_options *o)
{
	struct mb_loader l = {.vm = vm, .path = o->kernel, .end = HIGH_MEM_START};
	if (o->initrd) {
		fprintf(stderr, "irqrr: --initrd is for Linux bzImages: give a multiboot kernel its files with --module FILE[,CMDLINE]\n");
		return -1;
	}
	if (vm->ram_size < 2u << 20) {
		fprintf(stderr, "irqrr: --mem %llu: a multiboot kernel needs at least 2 MiB\n",
			(unsigned long long)(vm->ram_size >> 20));
		return -1;
	}
	uint32_t entry = 0;
	int r = mb_load(&l, image, size, o, &entry);
	if (r == 0)
		r = mb_cpu_state(vm, entry, l.area);
	mb_free(&l);
	return r;
}
