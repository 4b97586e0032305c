/* SPDX-License-Identifier: MIT */
/*
 * Guest memory as the vCPU sees it, for the hang report: linear addresses
 * through the guest's page tables (Intel SDM vol. 3, 4.3 32-bit paging,
 * 4.4 PAE paging, 4.5 4-level paging), then capstone around RIP.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "hang.h"
#include "vmm.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define ADDR_MASK 0x000ffffffffff000ull

enum guest_mode guest_mode_of(const struct kvm_sregs *s)
{
	if (!(s->cr0 & CR0_PE))
		return GUEST_REAL;
	if (s->efer & EFER_LMA)
		return s->cs.l ? GUEST_LONG64 : GUEST_COMPAT;
	return s->cs.db ? GUEST_PROT32 : GUEST_PROT16;
}

const char *guest_mode_name(enum guest_mode m)
{
	switch (m) {
	case GUEST_REAL: return "real";
	case GUEST_PROT16: return "protected16";
	case GUEST_PROT32: return "protected32";
	case GUEST_LONG64: return "long64";
	case GUEST_COMPAT: return "compat32";
	}
	return "?";
}

static int read_phys(const struct vm *vm, uint64_t pa, void *buf, size_t n)
{
	if (pa >= vm->ram_size || n > vm->ram_size - pa)
		return -1;
	memcpy(buf, vm->ram + pa, n);
	return 0;
}

static int read_entry(const struct vm *vm, uint64_t pa, unsigned size, uint64_t *e)
{
	uint32_t e32;
	if (size == 4) {
		if (read_phys(vm, pa, &e32, 4) < 0)
			return -1;
		*e = e32;
		return 0;
	}
	return read_phys(vm, pa, e, 8);
}

int guest_translate(const struct vm *vm, const struct kvm_sregs *s, uint64_t lin, uint64_t *phys,
		    const char **why)
{
	static const char *const lvl[] = {"PML4E", "PDPTE", "PDE", "PTE"};
	if (!(s->cr0 & CR0_PG) || !(s->cr0 & CR0_PE)) {
		*phys = lin;
		return 0;
	}
	uint64_t e, table;
	if (s->efer & EFER_LMA) {
		table = s->cr3 & ADDR_MASK;
		for (unsigned l = 0; l < 4; l++) {
			unsigned shift = 39 - 9 * l;
			if (read_entry(vm, table + ((lin >> shift) & 0x1ff) * 8, 8, &e) < 0) {
				*why = "page table outside RAM";
				return -1;
			}
			if (!(e & PTE_P)) {
				*why = lvl[l];
				return -1;
			}
			if ((l == 1 || l == 2) && (e & PTE_PS)) {
				uint64_t mask = (1ull << shift) - 1;
				*phys = (e & ADDR_MASK & ~mask) | (lin & mask);
				return 0;
			}
			table = e & ADDR_MASK;
		}
		*phys = table | (lin & 0xfff);
		return 0;
	}
	lin &= 0xffffffffull;
	if (s->cr4 & CR4_PAE) {
		if (read_entry(vm, (s->cr3 & 0xffffffe0ull) + (lin >> 30) * 8, 8, &e) < 0 || !(e & PTE_P)) {
			*why = "PDPTE";
			return -1;
		}
		if (read_entry(vm, (e & ADDR_MASK) + ((lin >> 21) & 0x1ff) * 8, 8, &e) < 0 || !(e & PTE_P)) {
			*why = "PDE";
			return -1;
		}
		if (e & PTE_PS) {
			*phys = (e & ADDR_MASK & ~0x1fffffull) | (lin & 0x1fffff);
			return 0;
		}
		if (read_entry(vm, (e & ADDR_MASK) + ((lin >> 12) & 0x1ff) * 8, 8, &e) < 0 || !(e & PTE_P)) {
			*why = "PTE";
			return -1;
		}
		*phys = (e & ADDR_MASK) | (lin & 0xfff);
		return 0;
	}
	if (read_entry(vm, (s->cr3 & 0xfffff000ull) + (lin >> 22) * 4, 4, &e) < 0 || !(e & PTE_P)) {
		*why = "PDE";
		return -1;
	}
	if ((e & PTE_PS) && (s->cr4 & CR4_PSE)) {
		/* 4 MiB page; bits 20:13 hold physical address bits 39:32 */
		*phys = (e & 0xffc00000ull) | ((e >> 13) & 0xffull) << 32 | (lin & 0x3fffff);
		return 0;
	}
	if (read_entry(vm, (e & 0xfffff000ull) + ((lin >> 12) & 0x3ff) * 4, 4, &e) < 0 || !(e & PTE_P)) {
		*why = "PTE";
		return -1;
	}
	*phys = (e & 0xfffff000ull) | (lin & 0xfff);
	return 0;
}

/* Reads n bytes at a linear address, page by page; returns how many could
 * be read from the start. */
static size_t read_linear(const struct vm *vm, const struct kvm_sregs *s, uint64_t lin, uint8_t *buf,
			  size_t n, const char **why)
{
	size_t done = 0;
	while (done < n) {
		uint64_t pa, a = lin + done;
		size_t chunk = 0x1000 - (a & 0xfff);
		if (chunk > n - done)
			chunk = n - done;
		if (guest_translate(vm, s, a, &pa, why) < 0)
			break;
		if (read_phys(vm, pa, buf + done, chunk) < 0) {
			*why = "outside guest RAM";
			break;
		}
		done += chunk;
	}
	return done;
}

static void fill_line(struct disasm_line *l, const cs_insn *in, bool current)
{
	l->addr = in->address;
	l->len = in->size < sizeof(l->bytes) ? in->size : sizeof(l->bytes);
	memcpy(l->bytes, in->bytes, l->len);
	snprintf(l->text, sizeof(l->text), "%s%s%s", in->mnemonic, in->op_str[0] ? " " : "", in->op_str);
	l->current = current;
}

unsigned disasm_around_rip(const struct vm *vm, const struct vcpu_snap *s, unsigned before,
			   unsigned after, struct disasm_line *out, const char **why)
{
	enum guest_mode m = guest_mode_of(&s->sregs);
	cs_mode mode = m == GUEST_LONG64 ? CS_MODE_64 : (m == GUEST_PROT32 || m == GUEST_COMPAT) ? CS_MODE_32
										 : CS_MODE_16;
	/* Linear address of CS:RIP; the real-mode base is selector << 4 as KVM keeps it. */
	uint64_t rip = s->regs.rip, lin = (m == GUEST_LONG64 ? 0 : s->sregs.cs.base) + rip;
	enum { BACK = 48, FWD = 15 * 8 };
	uint8_t buf[BACK + FWD];
	*why = "";
	const char *w2 = "";
	size_t back = lin >= BACK ? BACK : (size_t)lin;
	/* what lies before RIP may be unmapped even when RIP is not */
	size_t got_back = read_linear(vm, &s->sregs, lin - back, buf, back, &w2);
	size_t got = read_linear(vm, &s->sregs, lin, buf + back, FWD, why);
	if (got == 0)
		return 0;
	csh h;
	if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK) {
		*why = "capstone cs_open failed";
		return 0;
	}
	unsigned n = 0;
	if (got_back == back && before) {
		/* x86 cannot be decoded backwards: take the earliest start
		 * whose decoding lands exactly on RIP. */
		for (size_t k = back; k > 0; k--) {
			cs_insn *ins;
			size_t cnt = cs_disasm(h, buf + back - k, k, rip - k, 0, &ins);
			size_t sum = 0;
			for (size_t i = 0; i < cnt; i++)
				sum += ins[i].size;
			if (cnt && sum == k) {
				size_t first = cnt > before ? cnt - before : 0;
				for (size_t i = first; i < cnt; i++)
					fill_line(&out[n++], &ins[i], false);
				cs_free(ins, cnt);
				break;
			}
			if (cnt)
				cs_free(ins, cnt);
		}
	}
	cs_insn *ins;
	size_t cnt = cs_disasm(h, buf + back, got, rip, after, &ins);
	for (size_t i = 0; i < cnt; i++)
		fill_line(&out[n++], &ins[i], i == 0);
	if (cnt)
		cs_free(ins, cnt);
	else
		*why = "undecodable bytes at RIP";
	cs_close(&h);
	return n;
}

unsigned guest_stack_words(const struct vm *vm, const struct vcpu_snap *s, uint64_t *out, unsigned n,
			   const char **why)
{
	enum guest_mode m = guest_mode_of(&s->sregs);
	unsigned wsize = m == GUEST_LONG64 ? 8 : (m == GUEST_PROT32 || m == GUEST_COMPAT) ? 4 : 2;
	uint64_t sp = (m == GUEST_LONG64 ? 0 : s->sregs.ss.base) +
		      (m == GUEST_LONG64 ? s->regs.rsp : m == GUEST_PROT16 || m == GUEST_REAL
									 ? s->regs.rsp & 0xffff
									 : s->regs.rsp & 0xffffffff);
	uint8_t buf[GUEST_STACK_MAX * 8];
	if (n > GUEST_STACK_MAX)
		n = GUEST_STACK_MAX;
	*why = "";
	size_t got = read_linear(vm, &s->sregs, sp, buf, (size_t)n * wsize, why) / wsize;
	for (size_t i = 0; i < got; i++) {
		uint64_t v = 0;
		memcpy(&v, buf + i * wsize, wsize); /* x86: little-endian */
		out[i] = v;
	}
	return (unsigned)got;
}
