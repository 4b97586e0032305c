/* SPDX-License-Identifier: MIT */
/*
 * Built-in guests start directly in 64-bit long mode (no firmware, no
 * real-mode trampoline): this machine's KVM emulates guest code and cannot
 * run 32-bit IRET, so there is no point booting through protected mode.
 *
 * Machine state at entry (guests/bootinfo.h has the addresses):
 *   identity map of the first 4 GiB with 2 MiB pages, the 0xfec00000
 *   (IOAPIC) and 0xfee00000 (LAPIC) pages uncached (PCD|PWT);
 *   GDT: 0x08 64-bit code, 0x10 data; CR0 PE|MP|ET|NE|WP|PG, CR4 PAE,
 *   EFER LME|LMA; RFLAGS 0x2 (IF=0);
 *   RIP = load address, RSP = per-cpu stack, RDI = cpu index,
 *   RSI = boot-info address. Every vCPU starts there at once (APs are made
 *   RUNNABLE; no INIT/SIPI needed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "guests/bootinfo.h"
#include "recorder/vmm.h"

#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PWT 0x8ull
#define PTE_PCD 0x10ull
#define PTE_PS 0x80ull

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

void boot_page_tables(struct vm *vm)
{
	uint8_t *pml4 = vm->ram + GUEST_PML4_ADDR;
	uint8_t *pdpt = pml4 + 0x1000;
	put64(pml4, (GUEST_PML4_ADDR + 0x1000) | PTE_P | PTE_W);
	for (uint64_t g = 0; g < 4; g++) {
		uint64_t pd_addr = GUEST_PML4_ADDR + 0x2000 + g * 0x1000;
		put64(pdpt + 8 * g, pd_addr | PTE_P | PTE_W);
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) | (i << 21);
			uint64_t flags = PTE_P | PTE_W | PTE_PS;
			if (pa == 0xfec00000ull || pa == 0xfee00000ull)
				flags |= PTE_PCD | PTE_PWT;
			put64(vm->ram + pd_addr + 8 * i, pa | flags);
		}
	}
}

/* The page tables, the boot info and the GDT must not overlap. */
_Static_assert(GUEST_PT_END <= BOOTINFO_ADDR, "page tables overlap the boot info");
_Static_assert(BOOTINFO_ADDR + sizeof(struct bootinfo) <= GUEST_GDT_ADDR, "boot info overlaps the GDT");
_Static_assert(GUEST_GDT_ADDR + 0x1000 <= GUEST_STACK_TOP - BOOTINFO_MAX_CPUS * GUEST_STACK_SIZE,
	       "GDT overlaps the stacks");

static void boot_gdt(struct vm *vm)
{
	uint8_t *gdt = vm->ram + GUEST_GDT_ADDR;
	put64(gdt + 0x00, 0);
	put64(gdt + 0x08, 0x00af9a000000ffffull); /* 64-bit code, DPL0 */
	put64(gdt + 0x10, 0x00cf92000000ffffull); /* data, 4 GiB */
}

static void boot_info(struct vm *vm)
{
	struct bootinfo bi = {
		.magic = BOOTINFO_MAGIC,
		.ncpus = vm->ncpus,
		.irqchip = vm->split ? BOOTINFO_IRQCHIP_SPLIT : BOOTINFO_IRQCHIP_KERNEL,
		.mem_mib = (uint32_t)(vm->ram_size >> 20),
	};
	for (unsigned i = 0; i < vm->ncpus; i++)
		bi.apic_id[i] = (uint8_t)i; /* KVM's default APIC ID is the vcpu id */
	if (vm->opt->append) /* checked to fit by recorder_run */
		snprintf(bi.cmdline, sizeof(bi.cmdline), "%s", vm->opt->append);
	memcpy(vm->ram + BOOTINFO_ADDR, &bi, sizeof(bi));
}

static int boot_vcpu_state(struct vm *vm, struct vcpu *v, uint64_t entry)
{
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return kvm_ioctl_fail("KVM_GET_SREGS");
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = 0x10;
	data.type = 0x3;
	data.l = 0;
	data.db = 1;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.gdt.base = GUEST_GDT_ADDR;
	s.gdt.limit = 0x17;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr3 = GUEST_PML4_ADDR;
	s.cr4 = 0x20;                      /* PAE */
	s.cr0 = 0x80010033;                /* PG WP NE ET MP PE */
	s.efer = 0x500;                    /* LMA LME */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return kvm_ioctl_fail("KVM_SET_SREGS");

	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rsp = GUEST_STACK_TOP - (uint64_t)v->index * GUEST_STACK_SIZE;
	r.rdi = v->index;
	r.rsi = BOOTINFO_ADDR;
	r.rflags = 0x2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return kvm_ioctl_fail("KVM_SET_REGS");

	if (v->index) {
		struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_RUNNABLE};
		if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
			return kvm_ioctl_fail("KVM_SET_MP_STATE");
	}
	return 0;
}

int boot_load_builtin(struct vm *vm, const uint8_t *image, size_t size)
{
	if (vm->ncpus > BOOTINFO_MAX_CPUS) {
		/* the boot info's APIC ID table and the stacks below 0x80000 */
		fprintf(stderr, "irqrr: --cpus %u: built-in guests run at most %d vCPUs (--kernel takes more)\n",
			vm->ncpus, BOOTINFO_MAX_CPUS);
		return -1;
	}
	uint64_t stack_bottom = GUEST_STACK_TOP - (uint64_t)vm->ncpus * GUEST_STACK_SIZE;
	if (GUEST_LOAD_ADDR + size + (1u << 20) > vm->ram_size || stack_bottom < 0x10000) {
		fprintf(stderr, "irqrr: guest image of %zu bytes does not fit in %llu MiB\n", size,
			(unsigned long long)(vm->ram_size >> 20));
		return -1;
	}
	boot_page_tables(vm);
	boot_gdt(vm);
	boot_info(vm);
	memcpy(vm->ram + GUEST_LOAD_ADDR, image, size);
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (boot_vcpu_state(vm, &vm->vcpu[i], GUEST_LOAD_ADDR) < 0)
			return -1;
	return 0;
}

