/* SPDX-License-Identifier: MIT */
/*
 * mb-lowmem: what a kernel as users bring it (kvm-unit-tests style) relies
 * on, beyond the devices:
 *  - an ELF segment below 1 MiB: real-mode code at 0x8000 and zero-fill up
 *    to 0xa000, over the VMM's default boot area at 0x9000 (mboot_lowmem.ld).
 *    The loader must load it and put its own structures elsewhere. The APs
 *    are started by SIPI straight into that code (vector 0x08): no copy.
 *  - the default RAM size (ram_mib=N on the command line: fw_cfg must say N).
 *  - the TSC-deadline timer when CPUID.1:ECX[24] offers it.
 *  - the page-flush port 0xe4: contents kept, and an interrupt delivered
 *    through a flushed IDT, handler and stack page.
 */
#include "mb.h"

#define LOW_TRAMP 0x8000u
#define PIN_FLUSH 13
#define VEC_FLUSH 0x51
#define VEC_TIMER 0x52
#define LAPIC_LVTT 0x320
#define LVTT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define LOW_PATTERN_WORDS 64

/* The low segment: SIPI lands at 0x8000 in real mode (CS base 0x8000, IP 0);
 * the code runs at its link address, so absolute DS-relative operands work
 * with DS = 0. It counts itself in, then goes straight to long mode (PE and
 * PG together, Intel SDM vol. 3, 10.8.5) on the BSP's page tables. */
__asm__(
	"	.pushsection .lowmem, \"ax\"\n"
	"	.code16\n"
	"	.globl low_tramp\n"
	"low_tramp:\n"
	"	cli\n"
	"	xorw	%ax, %ax\n"
	"	movw	%ax, %ds\n"
	"	lock incl low_entered\n"
	"	lgdtl	low_gdt_desc\n"
	"	movl	$0x20, %eax\n"           /* CR4.PAE */
	"	movl	%eax, %cr4\n"
	"	movl	low_cr3, %eax\n"
	"	movl	%eax, %cr3\n"
	"	movl	$0xc0000080, %ecx\n"     /* EFER.LME */
	"	rdmsr\n"
	"	orl	$0x100, %eax\n"
	"	wrmsr\n"
	"	movl	$0x80000031, %eax\n"     /* PG NE ET PE */
	"	movl	%eax, %cr0\n"
	"	ljmpl	$0x08, $mb_ap_long\n"
	"	.code64\n"
	"	.align 8\n"
	"low_gdt:\n"
	"	.quad	0, 0x00af9a000000ffff, 0x00cf92000000ffff\n"
	"low_gdt_desc:\n"
	"	.word	23\n"
	"	.long	low_gdt\n"
	"	.globl low_cr3, low_entered, low_pattern\n"
	"	.align 4\n"
	"low_cr3:	.long 0\n"
	"low_entered:	.long 0\n"
	"low_pattern:\n"
	"	.set	i, 0\n"
	"	.rept	64\n"
	"	.long	0x10c0de00 + i\n"
	"	.set	i, i + 1\n"
	"	.endr\n"
	"	.popsection\n"
	"	.pushsection .lowbss, \"aw\", @nobits\n"
	"	.globl low_zero\n"
	"low_zero:\n"
	"	.space	0x1d00\n"
	"	.popsection\n");

extern char __lowmem_start[], __lowmem_end[], low_tramp[], low_zero[];
extern volatile uint32_t low_cr3, low_entered;
extern const uint32_t low_pattern[LOW_PATTERN_WORDS];

static volatile unsigned aps_up, flush_hits, timer_hits;
static volatile uint64_t timer_tsc;
static uint8_t flush_buf[2 * 4096] __attribute__((aligned(4096)));

void guest_ap(unsigned cpu)
{
	(void)cpu;
	__atomic_fetch_add(&aps_up, 1, __ATOMIC_SEQ_CST);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint32_t cpuid1_ecx(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c;
}

static bool outside_low_segment(uint64_t addr, uint64_t len)
{
	return addr + len <= (uintptr_t)__lowmem_start || addr >= (uintptr_t)__lowmem_end;
}

static unsigned cstrlen(const char *s)
{
	unsigned n = 0;
	while (s[n])
		n++;
	return n;
}

static void check_low_segment(void)
{
	const struct mb_info *mbi = mb_boot_info;
	bool same = true;
	for (unsigned i = 0; i < LOW_PATTERN_WORDS; i++)
		same = same && low_pattern[i] == 0x10c0de00u + i;
	CHECK((uintptr_t)low_tramp == LOW_TRAMP && same, "ELF segment at 0x8000 loaded",
	      "code at %#lx, pattern %s", (unsigned long)(uintptr_t)low_tramp, same ? "intact" : "wrong");
	bool zero = true;
	for (char *p = low_zero; p < __lowmem_end; p++)
		zero = zero && *p == 0;
	CHECK(zero && (uintptr_t)__lowmem_end > 0x9040, "its zero-fill up to the segment end (over 0x9000) reads 0",
	      "segment %#lx-%#lx", (unsigned long)(uintptr_t)__lowmem_start, (unsigned long)(uintptr_t)__lowmem_end);
	const char *cmd = (const char *)(uintptr_t)mbi->cmdline;
	const char *name = (const char *)(uintptr_t)mbi->boot_loader_name;
	bool apart = outside_low_segment((uintptr_t)mbi, sizeof(*mbi)) &&
		     outside_low_segment(mbi->mmap_addr, mbi->mmap_length) &&
		     outside_low_segment(mbi->cmdline, cstrlen(cmd) + 1) &&
		     outside_low_segment(mbi->boot_loader_name, cstrlen(name) + 1);
	CHECK(apart, "multiboot information placed outside the kernel's segment", "info at %#lx, cmdline %#x",
	      (unsigned long)(uintptr_t)mbi, mbi->cmdline);
}

static long cmdline_number(const char *key)
{
	const char *cmd = (const char *)(uintptr_t)mb_boot_info->cmdline;
	for (const char *p = cmd; *p; p++) {
		if (p != cmd && p[-1] != ' ')
			continue;
		const char *k = key, *q = p;
		while (*k && *q == *k)
			k++, q++;
		if (*k || *q != '=')
			continue;
		long v = 0;
		for (q++; *q >= '0' && *q <= '9'; q++)
			v = v * 10 + (*q - '0');
		return v;
	}
	return -1;
}

static void check_ram(void)
{
	long want = cmdline_number("ram_mib");
	if (want < 0)
		return;
	uint64_t ram = 0;
	fwcfg_read(0x0003, &ram, sizeof(ram));
	CHECK(ram == (uint64_t)want << 20, "RAM size", "%lu MiB, expected %ld", (unsigned long)(ram >> 20), want);
}

static void on_timer(struct rt_frame *f)
{
	(void)f;
	timer_tsc = rdtsc();
	timer_hits++;
	lapic_eoi();
}

/* Intel SDM vol. 3, 11.5.4.1: LVT timer mode 10b arms on a write of
 * IA32_TSC_DEADLINE, fires once the TSC reaches it, then the MSR reads 0. */
static void check_tsc_deadline(void)
{
	if (!(cpuid1_ecx() & CPUID_1_ECX_TSC_DEADLINE)) {
		rt_printf("tsc-deadline: not offered in CPUID\n");
		return;
	}
	rt_printf("tsc-deadline: offered in CPUID\n");
	rt_set_handler(VEC_TIMER, on_timer);
	lapic_write(LAPIC_LVTT, VEC_TIMER | LVTT_TSC_DEADLINE);
	CHECK((lapic_read(LAPIC_LVTT) & (3u << 17)) == LVTT_TSC_DEADLINE, "LVT timer takes TSC-deadline mode",
	      "%#x", lapic_read(LAPIC_LVTT));
	uint64_t deadline = rdtsc() + 2000000;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	sti();
	for (unsigned long i = 0; i < 200000 && !timer_hits; i++)
		rt_io_delay(1);
	rt_io_delay(100);
	cli();
	CHECK(timer_hits == 1, "TSC-deadline timer fires once", "%u", timer_hits);
	CHECK(timer_tsc >= deadline, "not before its deadline", "%ld cycles after it",
	      (long)(timer_tsc - deadline));
	CHECK(rdmsr(MSR_TSC_DEADLINE) == 0, "IA32_TSC_DEADLINE reads 0 once fired", "%#lx",
	      (unsigned long)rdmsr(MSR_TSC_DEADLINE));
	lapic_write(LAPIC_LVTT, LVT_MASKED);
}

static void on_flush_vec(struct rt_frame *f)
{
	(void)f;
	flush_hits++;
	lapic_eoi();
}

static void flush_page(const volatile void *p)
{
	outl(0xe4, (uint32_t)(uintptr_t)p);
}

/* kvm-unit-tests' eventinj flushes the IDT and stack pages so that KVM
 * takes a page fault while delivering the event: the delivery must still
 * land, and flushing never changes memory. */
static void check_flush_port(void)
{
	for (unsigned i = 0; i < sizeof(flush_buf); i++)
		flush_buf[i] = (uint8_t)(i * 13 + 5);
	flush_page(flush_buf + 4096 + 100);
	flush_page(flush_buf);
	bool same = true;
	for (unsigned i = 0; i < sizeof(flush_buf); i++)
		same = same && flush_buf[i] == (uint8_t)(i * 13 + 5);
	CHECK(same, "flushed pages keep their contents", "%s", "");

	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	rt_set_handler(VEC_FLUSH, on_flush_vec);
	ioapic_set_rte(PIN_FLUSH, VEC_FLUSH | (uint64_t)rt_boot->apic_id[0] << 56);
	unsigned local = 0;
	for (unsigned round = 0; round < 3; round++) {
		flush_page((const void *)(uintptr_t)idtr.base);
		flush_page((const void *)(uintptr_t)&on_flush_vec);
		flush_page(&local);
		sti();
		testdev_set(PIN_FLUSH, 1);
		rt_io_delay(200);
		cli();
		testdev_set(PIN_FLUSH, 0);
		local++;
	}
	CHECK(flush_hits == 3 && local == 3, "interrupts through flushed IDT, handler and stack pages",
	      "%u of 3", flush_hits);
	ioapic_set_rte(PIN_FLUSH, RTE_MASKED);
}

static void start_aps_low(void)
{
	unsigned n = rt_boot->ncpus;
	if (n < 2)
		return;
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	low_cr3 = (uint32_t)cr3;
	unsigned started = 0;
	for (unsigned cpu = 1; cpu < n && cpu < BOOTINFO_MAX_CPUS; cpu++)
		started += mb_start_ap_at(cpu, LOW_TRAMP);
	for (unsigned long i = 0; aps_up < n - 1 && i < 100000000ul; i++)
		cpu_relax();
	CHECK(started == n - 1 && aps_up == n - 1 && low_entered == n - 1,
	      "APs started by SIPI into the loaded segment at 0x8000", "%u started, %u up, %u entered of %u",
	      started, aps_up, low_entered, n - 1);
}

int guest_main(void)
{
	lapic_enable();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	ioapic_mask_all();
	check_low_segment();
	check_ram();
	check_flush_port();
	check_tsc_deadline();
	start_aps_low();
	rt_finish("mb-lowmem");
}
