/* SPDX-License-Identifier: MIT */
/*
 * Instructions an emulating KVM fails on, completed by the VMM: int3,
 * INT n and FWAIT.
 *
 * The development machines' KVM (kvm_pvm) runs guest ring-0 code through
 * KVM's instruction emulator, whose protected-mode software-interrupt path
 * is unimplemented: `int3` (0xcc) and `int n` (0xcd ib) end in
 * KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_EMULATION. Linux executes
 * int3 in alternative_instructions()'s self-test and in text_poke_bp()
 * (static keys, ftrace), so it cannot boot past "x86/fpu: ..." without it.
 *
 * The VMM completes the instruction as the CPU would (Intel SDM vol. 3,
 * 6.14 "Exception and interrupt handling in 64-bit mode"): read the 16-byte
 * IDT gate, pick the stack (IST entry from the TSS, else the current one),
 * align it to 16 bytes, push SS, RSP, RFLAGS, CS and the address of the
 * next instruction, clear TF/NT/RF (and IF for an interrupt gate), and
 * continue at the gate's handler. Handled: 64-bit mode, CPL 0, a present
 * 64-bit gate whose selector is the current CS. Anything else stays an
 * error. The guest's memory is changed only by these pushes, exactly as the
 * instruction would; no guest code is touched.
 *
 * FWAIT (0x9b; Linux's fpu__drop() runs one for every exiting task) only
 * checks for a pending unmasked x87 exception (FSW.ES): with one, #MF (16)
 * is a fault at the FWAIT; without, it is a no-op and RIP moves past it.
 * 0x9b is always an instruction of its own ("finit" is FWAIT; FNINIT).
 *
 * LDMXCSR / STMXCSR m32 (0f ae /2, /3; Linux's kernel_fpu_begin() loads
 * the default MXCSR): the memory operand's address is decoded from
 * ModRM/SIB/displacement (64-bit addressing, REX, FS/GS overrides), MXCSR
 * goes through KVM_GET_FPU/KVM_SET_FPU. A reserved MXCSR bit (#GP) is
 * left to the error path.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hang.h"
#include "vmm.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)

static int linear_rw(const struct vm *vm, const struct kvm_sregs *s, uint64_t lin, void *buf, size_t n,
		     bool write)
{
	uint8_t *p = buf;
	while (n) {
		uint64_t pa;
		const char *why;
		if (guest_translate(vm, s, lin, &pa, &why) < 0)
			return -1;
		size_t chunk = 0x1000 - (lin & 0xfff);
		if (chunk > n)
			chunk = n;
		if (pa >= vm->ram_size || chunk > vm->ram_size - pa)
			return -1;
		if (write)
			memcpy(vm->ram + pa, p, chunk);
		else
			memcpy(p, vm->ram + pa, chunk);
		lin += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

enum emufail_insn { INSN_NONE, INSN_INT, INSN_FWAIT, INSN_MXCSR };

/* The memory operand of a 64-bit instruction: its linear address and the
 * instruction's length, from the bytes at RIP. Returns the ModRM reg
 * field, or -1 when the form is not handled. */
int emufail_mem_operand(const uint8_t *b, unsigned n, const struct kvm_regs *r, const struct kvm_sregs *s,
			uint64_t *addr, unsigned *len)
{
	const uint64_t gpr[16] = {r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
				  r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15};
	unsigned i = 0, rex = 0;
	uint64_t seg = 0;
	for (; i < n; i++) {
		if (b[i] == 0x64)
			seg = s->fs.base;
		else if (b[i] == 0x65)
			seg = s->gs.base;
		else if (b[i] != 0x26 && b[i] != 0x2e && b[i] != 0x36 && b[i] != 0x3e)
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 3 > n || b[i] != 0x0f || b[i + 1] != 0xae)
		return -1;
	i += 2;
	unsigned modrm = b[i++], mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
	if (mod == 3)
		return -1;
	uint64_t ea = 0;
	bool rip_rel = false;
	if (rm == 4) { /* SIB */
		if (i >= n)
			return -1;
		unsigned sib = b[i++], scale = sib >> 6, index = ((sib >> 3) & 7) | (rex & 2) << 2;
		unsigned base = (sib & 7) | (rex & 1) << 3;
		if (index != 4)
			ea += gpr[index] << scale;
		if ((sib & 7) == 5 && mod == 0)
			mod = 2; /* disp32, no base */
		else
			ea += gpr[base];
	} else if (rm == 5 && mod == 0) {
		rip_rel = true;
		mod = 2;
	} else {
		ea += gpr[rm | (rex & 1) << 3];
	}
	unsigned dlen = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (i + dlen > n)
		return -1;
	if (dlen == 1)
		ea += (uint64_t)(int64_t)(int8_t)b[i];
	else if (dlen == 4)
		ea += (uint64_t)(int64_t)(int32_t)le(b + i, 4);
	i += dlen;
	if (rip_rel)
		ea += r->rip + i;
	*addr = seg + ea;
	*len = i;
	return (int)reg;
}

/* The failed instruction: a software interrupt (its vector) or FWAIT, and
 * its length. */
static enum emufail_insn emufail_decode(const struct kvm_run *run, unsigned *vector, unsigned *len)
{
	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    !(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))
		return INSN_NONE;
	const uint8_t *b = run->emulation_failure.insn_bytes;
	unsigned n = run->emulation_failure.insn_size;
	*len = 1;
	if (n >= 1 && b[0] == 0xcc) {
		*vector = 3;
		return INSN_INT;
	}
	if (n >= 1 && b[0] == 0x9b) {
		*vector = 16; /* #MF, if an x87 exception is pending */
		return INSN_FWAIT;
	}
	for (unsigned i = 0; i + 2 < n && i < 4; i++) /* prefixes, then 0f ae */
		if (b[i] == 0x0f && b[i + 1] == 0xae && ((b[i + 2] >> 3) & 7) >= 2 && ((b[i + 2] >> 3) & 7) <= 3 &&
		    b[i + 2] < 0xc0)
			return INSN_MXCSR;
	if (n >= 2 && b[0] == 0xcd) {
		*vector = b[1];
		*len = 2;
		return INSN_INT;
	}
	return INSN_NONE;
}

/* Delivers vector through the IDT with return address ret (64-bit, CPL 0). */
static int deliver(struct vcpu *v, struct kvm_regs *rp, const struct kvm_sregs *sp, unsigned vector,
		   uint64_t ret, const char **why)
{
	struct vm *vm = v->vm;
	struct kvm_regs r = *rp;
	struct kvm_sregs s = *sp;
	uint8_t gate[16];
	*why = "IDT gate beyond the IDT limit or unreadable";
	if ((uint32_t)vector * 16 + 15 > s.idt.limit || linear_rw(vm, &s, s.idt.base + vector * 16u, gate, 16, false) < 0)
		return -1;
	unsigned sel = (unsigned)le(gate + 2, 2), ist = gate[4] & 7, type = gate[5] & 0xf;
	*why = "IDT gate not present, not a 64-bit interrupt/trap gate, or another code segment";
	if (!(gate[5] & 0x80) || (type != 0xe && type != 0xf) || sel != s.cs.selector)
		return -1;
	uint64_t handler = le(gate, 2) | le(gate + 6, 2) << 16 | le(gate + 8, 4) << 32;
	uint64_t rsp = r.rsp;
	if (ist) {
		uint8_t b[8];
		*why = "TSS IST entry unreadable";
		if (linear_rw(vm, &s, s.tr.base + 0x24 + 8 * (ist - 1), b, 8, false) < 0)
			return -1;
		rsp = le(b, 8);
	}
	rsp &= ~0xfull;
	uint64_t frame[5] = {ret, s.cs.selector, r.rflags, r.rsp, s.ss.selector};
	rsp -= sizeof(frame);
	*why = "stack not writable";
	if (linear_rw(vm, &s, rsp, frame, sizeof(frame), true) < 0)
		return -1;
	r.rsp = rsp;
	r.rip = handler;
	r.rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | (type == 0xe ? RFLAGS_IF : 0));
	*rp = r;
	return 0;
}

int emufail_complete(struct vcpu *v, const char **why)
{
	unsigned vector, len;
	*why = "not int3, int n or fwait";
	enum emufail_insn insn = emufail_decode(v->run, &vector, &len);
	if (insn == INSN_NONE)
		return -1;
	struct kvm_regs r;
	struct kvm_sregs s;
	*why = "KVM_GET_REGS/KVM_GET_SREGS failed";
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	*why = "not 64-bit mode at CPL 0";
	if (guest_mode_of(&s) != GUEST_LONG64 || (s.cs.selector & 3))
		return -1;
	uint64_t at = r.rip;
	const char *what = insn == INSN_FWAIT ? "fwait" : insn == INSN_MXCSR ? "ldmxcsr/stmxcsr"
			   : vector == 3 && len == 1 ? "int3" : "int n";
	if (insn == INSN_MXCSR) {
		const struct kvm_run *run = v->run;
		uint64_t ea;
		int op = emufail_mem_operand(run->emulation_failure.insn_bytes, run->emulation_failure.insn_size, &r,
					    &s, &ea, &len);
		struct kvm_fpu fpu;
		*why = "ldmxcsr/stmxcsr operand not decoded, or KVM_GET_FPU failed";
		if (op < 0 || ioctl(v->fd, KVM_GET_FPU, &fpu) < 0)
			return -1;
		uint8_t m[4];
		if (op == 2) {
			*why = "ldmxcsr: operand unreadable or reserved MXCSR bits (#GP)";
			if (linear_rw(v->vm, &s, ea, m, 4, false) < 0 || le(m, 4) > 0xffff)
				return -1;
			fpu.mxcsr = (uint32_t)le(m, 4);
			what = "ldmxcsr";
			*why = "KVM_SET_FPU failed";
			if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
				return -1;
		} else {
			memcpy(m, &fpu.mxcsr, 4);
			what = "stmxcsr";
			*why = "stmxcsr: operand not writable";
			if (linear_rw(v->vm, &s, ea, m, 4, true) < 0)
				return -1;
		}
		r.rip += len;
	} else if (insn == INSN_FWAIT) {
		struct kvm_fpu fpu;
		*why = "KVM_GET_FPU failed";
		if (ioctl(v->fd, KVM_GET_FPU, &fpu) < 0)
			return -1;
		if (fpu.fsw & 0x80) { /* ES: #MF is a fault, RIP stays at the FWAIT */
			if (deliver(v, &r, &s, vector, r.rip, why) < 0)
				return -1;
		} else {
			r.rip += len;
		}
	} else if (deliver(v, &r, &s, vector, r.rip + len, why) < 0) {
		return -1;
	}
	*why = "KVM_SET_REGS failed";
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -1;
	v->emufail_done++;
	if (v->vm->opt->verbose && v->emufail_done <= 4)
		fprintf(stderr, "irqrr: cpu %u: %s at %#llx completed by the VMM (-> %#llx)%s\n", v->index, what,
			(unsigned long long)at, (unsigned long long)r.rip,
			v->emufail_done == 4 ? "; further ones not shown" : "");
	return 0;
}
