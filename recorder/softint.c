/* SPDX-License-Identifier: MIT */
/*
 * int3 and INT n that an emulating KVM cannot deliver.
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

/* The failed instruction as a software interrupt: its vector and length,
 * or false. */
static bool softint_decode(const struct kvm_run *run, unsigned *vector, unsigned *len)
{
	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    !(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES))
		return false;
	const uint8_t *b = run->emulation_failure.insn_bytes;
	unsigned n = run->emulation_failure.insn_size;
	if (n >= 1 && b[0] == 0xcc) {
		*vector = 3;
		*len = 1;
		return true;
	}
	if (n >= 2 && b[0] == 0xcd) {
		*vector = b[1];
		*len = 2;
		return true;
	}
	return false;
}

int softint_complete(struct vcpu *v, const char **why)
{
	struct vm *vm = v->vm;
	unsigned vector, len;
	*why = "not int3 / int n";
	if (!softint_decode(v->run, &vector, &len))
		return -1;
	struct kvm_regs r;
	struct kvm_sregs s;
	*why = "KVM_GET_REGS/KVM_GET_SREGS failed";
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	*why = "not 64-bit mode at CPL 0";
	if (guest_mode_of(&s) != GUEST_LONG64 || (s.cs.selector & 3))
		return -1;
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
	uint64_t frame[5] = {r.rip + len, s.cs.selector, r.rflags, r.rsp, s.ss.selector};
	rsp -= sizeof(frame);
	*why = "stack not writable";
	if (linear_rw(vm, &s, rsp, frame, sizeof(frame), true) < 0)
		return -1;
	r.rsp = rsp;
	r.rip = handler;
	r.rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | (type == 0xe ? RFLAGS_IF : 0));
	*why = "KVM_SET_REGS failed";
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -1;
	v->softints++;
	if (vm->opt->verbose && v->softints <= 4)
		fprintf(stderr, "irqrr: cpu %u: %s at %#llx delivered by the VMM (vector %u -> %#llx%s)\n", v->index,
			vector == 3 && len == 1 ? "int3" : "int n", (unsigned long long)(frame[0] - len), vector,
			(unsigned long long)handler, v->softints == 4 ? "; further ones not shown" : "");
	return 0;
}
