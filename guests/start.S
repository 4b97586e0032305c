/* SPDX-License-Identifier: MIT */
/*
 * Guest entry and interrupt stubs. The VMM enters every vCPU here in 64-bit
 * mode with RDI = cpu index, RSI = boot-info address, RSP = that cpu's stack.
 * Only IRETQ is used to return from interrupts: this machine's KVM cannot
 * emulate a 32-bit IRET, INT n or int3 (docs/recorder.md).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	cld
	call	rt_entry
1:	cli
	hlt
	jmp	1b

	.text
/* Vector stubs, 16 bytes apart: push an error code when the CPU does not,
 * then the vector number. */
	.align 16
	.globl rt_stubs
rt_stubs:
	.set v, 0
	.rept 256
	.align 16
	.if (v == 8) || ((v >= 10) && (v <= 14)) || (v == 17) || (v == 21)
	.else
	pushq	$0
	.endif
	pushq	$v
	jmp	common
	.set v, v + 1
	.endr

common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	/* keep the C ABI's 16-byte stack alignment */
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	rt_interrupt
	movq	%rbx, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp
	iretq

	.section .note.GNU-stack, "", @progbits
