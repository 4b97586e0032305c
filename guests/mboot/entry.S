/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 entry of the project's test kernels. The loader enters
 * mb_entry32 in 32-bit protected mode, paging off (EAX = 0x2badb002,
 * EBX = multiboot info). This KVM emulates guest code and cannot run a
 * 32-bit IRET or INT n, so the 32-bit code only turns on long mode (static
 * identity map of 4 GiB, 2 MiB pages) and jumps to 64-bit code; everything
 * else is 64-bit C on the built-in guests' runtime (../rt.c).
 *
 * APs: the BSP copies mb_tramp_start..mb_tramp_end to MB_TRAMP_ADDR and
 * sends INIT + SIPI (vector MB_TRAMP_ADDR >> 12); the trampoline goes from
 * real mode straight to long mode (PE and PG set together, Intel SDM vol. 3,
 * 10.8.5) and calls mb_ap_main(mb_ap_cpu) on the stack in mb_ap_stack.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x3 /* page-aligned modules, memory info */
#define MB_TRAMP_ADDR 0x1000
#define CR0_PE_ET_NE_PG 0x80000031
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define TRAMP(sym) (MB_TRAMP_ADDR + (sym) - mb_tramp_start)

	.section .mbheader, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text.entry32, "ax"
	.code32
	.globl mb_entry32
mb_entry32:
	cli
	movl	%eax, mb_magic
	movl	%ebx, mb_info
	lgdt	gdt_desc
	movl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	$CR0_PE_ET_NE_PG, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $bsp_long

	.code64
bsp_long:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$bsp_stack_top, %rsp
	movl	mb_magic(%rip), %edi
	movl	mb_info(%rip), %esi
	call	mb_main
1:	cli
	hlt
	jmp	1b

	.globl mb_ap_long	/* where a trampoline lands in 64-bit mode */
mb_ap_long:
ap_long:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	mb_ap_stack(%rip), %rsp
	movl	mb_ap_cpu(%rip), %edi
	call	mb_ap_main
1:	cli
	hlt
	jmp	1b

/* Copied to MB_TRAMP_ADDR; runs in real mode with CS base MB_TRAMP_ADDR and
 * DS base 0 (an AP's state after INIT + SIPI). */
	.section .data.trampoline, "aw"
	.code16
	.globl mb_tramp_start, mb_tramp_end
mb_tramp_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TRAMP(tramp_gdt_desc)
	movl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	$CR0_PE_ET_NE_PG, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $ap_long
	.align 4
tramp_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
mb_tramp_end:
	.code64

	.data
	.globl mb_magic, mb_info, mb_ap_stack, mb_ap_cpu
	.align 8
mb_magic:	.long 0
mb_info:	.long 0
mb_ap_stack:	.quad 0
mb_ap_cpu:	.long 0
	.align 8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

/* Identity map of 4 GiB, 2 MiB pages; the IOAPIC (0xfec00000) and LAPIC
 * (0xfee00000) pages uncached (PCD|PWT). */
	.section .data.pagetables, "aw"
	.align 4096
pml4:
	.quad	pdpt + 0x3
	.fill	511, 8, 0
pdpt:
	.quad	pd + 0x3, pd + 0x1000 + 0x3, pd + 0x2000 + 0x3, pd + 0x3000 + 0x3
	.fill	508, 8, 0
pd:
	.set	i, 0
	.rept	2048
	.if (i == 0x7f6) || (i == 0x7f7)
	.quad	(i << 21) | 0x9b
	.else
	.quad	(i << 21) | 0x83
	.endif
	.set	i, i + 1
	.endr

	.bss
	.align 16
	.space 16384
bsp_stack_top:

	.section .note.GNU-stack, "", @progbits
