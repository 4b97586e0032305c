/* SPDX-License-Identifier: MIT */
/*
 * Offline tests of the --cpuid policy (recorder/cpuid.c): which bits "safe"
 * clears, the names it records, the XSAVE leaf, the auto rule (safe when
 * the CPU flags name neither vmx nor svm) and the TSC-deadline bit; and of
 * what a guest as users bring it meets (issue 12): the --cpus limits, the
 * MADT at 64 vCPUs, the page-flush port's remapping. No KVM needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "recorder/vmm.h"

struct cpuid_buf {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[8];
};

static void add(struct cpuid_buf *b, uint32_t fn, uint32_t idx, uint32_t eax, uint32_t ebx, uint32_t ecx,
		uint32_t edx)
{
	struct kvm_cpuid_entry2 *e = &b->e[b->h.nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

static void test_safe_mask_bits(void **state)
{
	(void)state;
	struct cpuid_buf b;
	memset(&b, 0, sizeof(b));
	add(&b, 1, 0, 0xb00f21, 0x01020800, 0xffffffff, 0x078bfbff);
	add(&b, 7, 0, 1, 0xffffffff, 0xffffffff, 0x20000000);
	add(&b, 7, 1, 0, 0xffffffff, 0, 0);
	add(&b, 0xd, 0, 0xe7, 0x980, 0x980, 0);
	add(&b, 0x80000001, 0, 0, 0, 0x393, 0x23d3fbff);
	char names[256];
	size_t n = cpuid_apply_safe(&b.h, names, sizeof(names));
	assert_int_equal(n, 23);
	/* leaf 1 ECX: pclmulqdq 1, ssse3 9, cx16 13, sse4_1 19, sse4_2 20, movbe 22,
	 * popcnt 23, aes 25, xsave 26, osxsave 27, avx 28, f16c 29, rdrand 30
	 * cleared; sse3 (0), x2apic (21), hypervisor (31) kept */
	assert_int_equal(b.e[0].ecx, 0xffffffffu & ~(1u << 1 | 1u << 9 | 1u << 13 | 1u << 19 | 1u << 20 | 1u << 22 |
						   1u << 23 | 0x3fu << 25));
	assert_int_equal(b.e[0].edx, 0x078bfbff);
	/* leaf 7.0 EBX: fsgsbase 0, avx2 5, invpcid 10, avx512f 16, rdseed 18, smap 20,
	 * sha_ni 29; ECX: pku 3, gfni 8, rdpid 22 */
	assert_int_equal(b.e[1].ebx,
			 0xffffffffu & ~(1u | 1u << 5 | 1u << 10 | 1u << 16 | 1u << 18 | 1u << 20 | 1u << 29));
	assert_int_equal(b.e[1].ecx, 0xffffffffu & ~(1u << 3 | 1u << 8 | 1u << 22));
	assert_int_equal(b.e[1].edx, 0x20000000);
	assert_int_equal(b.e[2].ebx, 0xffffffff); /* subleaf 1 is another register set */
	assert_int_equal(b.e[3].eax | b.e[3].ebx | b.e[3].ecx | b.e[3].edx, 0);
	assert_int_equal(b.e[4].ecx, 0x393);
	assert_string_equal(names, "cx16,pclmulqdq,ssse3,sse4_1,sse4_2,aes,movbe,popcnt,xsave,osxsave,avx,f16c,"
				   "rdrand,fsgsbase,avx2,invpcid,avx512f,rdseed,smap,sha_ni,gfni,pku,rdpid");
}

/* This machine's KVM (kvm_pvm) reports only cx16 and gfni of the list. */
static void test_safe_mask_names_only_what_was_set(void **state)
{
	(void)state;
	struct cpuid_buf b;
	memset(&b, 0, sizeof(b));
	add(&b, 1, 0, 0xb00f21, 0x01020800, 0x81202000, 0x078bfbff);
	add(&b, 7, 0, 1, 0x01800002, 0x104, 0x20000000);
	char names[256];
	assert_int_equal(cpuid_apply_safe(&b.h, names, sizeof(names)), 2);
	assert_string_equal(names, "cx16,gfni");
	assert_int_equal(b.e[0].ecx, 0x81200000);
	assert_int_equal(b.e[1].ebx, 0x01800002);
	assert_int_equal(b.e[1].ecx, 0x004);
	/* nothing to clear: empty list */
	assert_int_equal(cpuid_apply_safe(&b.h, names, sizeof(names)), 0);
	assert_string_equal(names, "");
	/* a short buffer truncates, never overflows */
	add(&b, 1, 0, 0, 0, 0xffffffff, 0);
	char small[8];
	memset(small, 'x', sizeof(small));
	assert_int_equal(cpuid_apply_safe(&b.h, small, sizeof(small)), 13);
	assert_int_equal(strlen(small), 7);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_auto_rule(void **state)
{
	(void)state;
	char path[] = "/tmp/irqrr-cpuinfo-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr cx16 hypervisor\n");
	assert_false(cpuid_host_has_hw_virt(path));
	write_file(path, "processor\t: 0\nflags\t\t: fpu vme vmx cx16\n");
	assert_true(cpuid_host_has_hw_virt(path));
	write_file(path, "processor\t: 0\nflags\t\t: fpu svm\nvmx flags\t: vnmi\n");
	assert_true(cpuid_host_has_hw_virt(path));
	/* "vmx flags" alone (a line that is not "flags") does not count */
	write_file(path, "processor\t: 0\nflags\t\t: fpu\nvmx flags\t: vnmi\n");
	assert_false(cpuid_host_has_hw_virt(path));
	unlink(path);
	/* unreadable: assume hardware KVM */
	assert_true(cpuid_host_has_hw_virt(path));

	assert_int_equal(cpuid_resolve(RECORDER_CPUID_AUTO, false), RECORDER_CPUID_SAFE);
	assert_int_equal(cpuid_resolve(RECORDER_CPUID_AUTO, true), RECORDER_CPUID_HOST);
	assert_int_equal(cpuid_resolve(RECORDER_CPUID_HOST, false), RECORDER_CPUID_HOST);
	assert_int_equal(cpuid_resolve(RECORDER_CPUID_SAFE, true), RECORDER_CPUID_SAFE);
	assert_string_equal(cpuid_policy_name(RECORDER_CPUID_SAFE), "safe");
	assert_string_equal(cpuid_policy_name(RECORDER_CPUID_HOST), "host");
}

/* clearcpuid= numbers: bits KVM reports or the CPU has natively (this
 * KVM passes the unreported ones through), in Linux's word*32+bit. */
static void test_linux_clear_list(void **state)
{
	(void)state;
	struct cpuid_buf b;
	memset(&b, 0, sizeof(b));
	add(&b, 1, 0, 0xb00f21, 0x01020800, 0x81202000, 0x078bfbff); /* kvm_pvm: cx16 (+ gfni in leaf 7) */
	add(&b, 7, 0, 1, 0x01800002, 0x104, 0x20000000);
	struct cpuid_native nat = {.leaf1_ecx = 0xf7f83203, .leaf7_ebx = 0xf1bf03ab, .leaf7_ecx = 0x00400004};
	char list[128];
	assert_int_equal(cpuid_linux_clear_list(&b.h, &nat, list, sizeof(list)), 20);
	/* no osxsave (CR4 clear), no invpcid in this native view */
	assert_string_equal(list, "141,129,137,147,148,153,150,151,154,156,157,158,288,293,304,306,308,317,520,534");
	struct cpuid_native none = {0};
	assert_int_equal(cpuid_linux_clear_list(&b.h, &none, list, sizeof(list)), 2);
	assert_string_equal(list, "141,520");

	static struct vm vm;
	char buf[256];
	vm.cpuid_policy = RECORDER_CPUID_SAFE;
	snprintf(vm.cpuid_linux_clear, sizeof(vm.cpuid_linux_clear), "141,154");
	assert_string_equal(cpuid_linux_cmdline(&vm, "console=ttyS0", buf, sizeof(buf)),
			    "console=ttyS0 clearcpuid=141,154");
	assert_string_equal(cpuid_linux_cmdline(&vm, "", buf, sizeof(buf)), "clearcpuid=141,154");
	/* the user's own clearcpuid= wins */
	assert_string_equal(cpuid_linux_cmdline(&vm, "clearcpuid=1 quiet", buf, sizeof(buf)), "clearcpuid=1 quiet");
	/* too long for the buffer: unchanged rather than cut */
	assert_string_equal(cpuid_linux_cmdline(&vm, "0123456789", buf, 12), "0123456789");
	vm.cpuid_policy = RECORDER_CPUID_HOST;
	assert_string_equal(cpuid_linux_cmdline(&vm, "quiet", buf, sizeof(buf)), "quiet");
}

/* The operand decoder behind the VMM's ldmxcsr/stmxcsr (recorder/emufail.c),
 * on the instruction that stopped Linux in kernel_fpu_begin() and on the
 * other addressing forms. */
static void test_mxcsr_operand(void **state)
{
	(void)state;
	struct kvm_regs r;
	struct kvm_sregs s;
	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	r.rsp = 0xffffc90000003e80;
	r.rip = 0xffffffff81040b5e;
	r.rax = 0x100;
	r.r9 = 0x2000;
	s.gs.base = 0xffff88800f800000;
	uint64_t ea;
	unsigned len;
	static const uint8_t ld_rsp4[] = {0x0f, 0xae, 0x54, 0x24, 0x04, 0x83, 0xe3}; /* ldmxcsr [rsp+4] */
	assert_int_equal(emufail_mem_operand(ld_rsp4, sizeof(ld_rsp4), &r, &s, &ea, &len), 2);
	assert_int_equal(ea, 0xffffc90000003e84);
	assert_int_equal(len, 5);
	static const uint8_t st_rip[] = {0x0f, 0xae, 0x1d, 0x10, 0x00, 0x00, 0x00}; /* stmxcsr [rip+0x10] */
	assert_int_equal(emufail_mem_operand(st_rip, sizeof(st_rip), &r, &s, &ea, &len), 3);
	assert_int_equal(len, 7);
	assert_int_equal(ea, 0xffffffff81040b5e + 7 + 0x10);
	static const uint8_t ld_gs_r9[] = {0x65, 0x41, 0x0f, 0xae, 0x51, 0xf8}; /* ldmxcsr gs:[r9-8] */
	assert_int_equal(emufail_mem_operand(ld_gs_r9, sizeof(ld_gs_r9), &r, &s, &ea, &len), 2);
	assert_int_equal(ea, 0xffff88800f800000 + 0x2000 - 8);
	assert_int_equal(len, 6);
	static const uint8_t ld_sib[] = {0x0f, 0xae, 0x14, 0x85, 0x00, 0x10, 0x00, 0x00}; /* [rax*4+0x1000] */
	assert_int_equal(emufail_mem_operand(ld_sib, sizeof(ld_sib), &r, &s, &ea, &len), 2);
	assert_int_equal(ea, 0x400 + 0x1000);
	assert_int_equal(len, 8);
	static const uint8_t mfence[] = {0x0f, 0xae, 0xf0};
	assert_int_equal(emufail_mem_operand(mfence, sizeof(mfence), &r, &s, &ea, &len), -1);
	assert_int_equal(emufail_mem_operand(ld_rsp4, 4, &r, &s, &ea, &len), -1); /* truncated */
}

/* CPUID.1:ECX[24]: set when KVM_CAP_TSC_DEADLINE_TIMER says KVM emulates
 * the TSC-deadline timer (Debian 12's 6.1 reports ECX without it), kept when
 * KVM already reports it (6.15+), never invented; "safe" keeps it. */
static void test_tsc_deadline(void **state)
{
	(void)state;
	struct cpuid_buf b;
	memset(&b, 0, sizeof(b));
	add(&b, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65);
	add(&b, 1, 0, 0x830f10, 0x00000800, 0xfed83203, 0x178bfbff); /* bit 24 clear, as before 6.15 */
	add(&b, 7, 0, 0, 0x219c91a9, 0x400004, 0);
	struct cpuid_buf c = b;
	assert_false(cpuid_offer_tsc_deadline(&c.h, false));
	assert_memory_equal(&c, &b, sizeof(b));
	assert_true(cpuid_offer_tsc_deadline(&b.h, true));
	assert_int_equal(b.e[1].ecx, 0xfed83203u | CPUID_1_ECX_TSC_DEADLINE);
	assert_int_equal(b.e[0].ecx, 0x444d4163); /* other leaves untouched */
	assert_int_equal(b.e[2].ebx, 0x219c91a9);
	/* already reported (kvm_pvm on 6.18: 0x81202000): kept either way */
	struct cpuid_buf d;
	memset(&d, 0, sizeof(d));
	add(&d, 1, 0, 0xb00f21, 0x01020800, 0x81202000, 0x078bfbff);
	assert_true(cpuid_offer_tsc_deadline(&d.h, false));
	assert_int_equal(d.e[0].ecx, 0x81202000);
	/* the safe mask leaves it alone */
	char names[256];
	cpuid_apply_safe(&b.h, names, sizeof(names));
	assert_true(b.e[1].ecx & CPUID_1_ECX_TSC_DEADLINE);
	/* no leaf 1 at all: nothing to offer */
	struct cpuid_buf e;
	memset(&e, 0, sizeof(e));
	add(&e, 0, 0, 0xd, 0, 0, 0);
	assert_false(cpuid_offer_tsc_deadline(&e.h, true));
}

/* --cpus: 1..min(KVM_CAP_MAX_VCPUS, RECORDER_MAX_CPUS); KVM_CAP_NR_VCPUS
 * (recommended) is no limit. One line naming the limit in decimal. */
/* CPUID.1:ECX[31] is set for every guest: without it Linux never reads
 * KVM's 0x40000000 leaves (no kvm-clock; TSC calibrated against the PIT;
 * measured on the nested test bed, docs/linux.md). */
static void test_hypervisor_bit(void **state)
{
	(void)state;
	struct cpuid_buf b = {.h.nent = 0};
	add(&b, 0, 0, 0xd, 0, 0, 0);
	add(&b, 1, 0, 0, 0, 0x00000001, 0);
	assert_true(cpuid_offer_hypervisor(&b.h));
	assert_int_equal(b.e[1].ecx, 0x80000001u);
	assert_int_equal(b.e[0].ecx, 0);
	struct cpuid_buf none = {.h.nent = 0};
	add(&none, 0, 0, 0, 0, 0, 0);
	assert_false(cpuid_offer_hypervisor(&none.h));
}

/* Name and L1 cache leaves: the host's where KVM lists a leaf all zero,
 * KVM's where it says something, nothing beyond the maximum leaf. */
static void test_fill_descriptive(void **state)
{
	(void)state;
	uint32_t host[CPUID_DESCRIPTIVE_LEAVES * 4];
	for (unsigned i = 0; i < CPUID_DESCRIPTIVE_LEAVES * 4; i++)
		host[i] = 0x41414100u + i;
	struct cpuid_buf b = {.h.nent = 0};
	add(&b, 0x80000000, 0, 0x80000004, 0, 0, 0);
	add(&b, 0x80000002, 0, 0, 0, 0, 0);
	add(&b, 0x80000003, 0, 0, 0, 7, 0);          /* KVM said something: kept */
	add(&b, 0x80000004, 0, 0, 0, 0, 0);
	add(&b, 0x80000005, 0, 0, 0, 0, 0);          /* beyond the maximum leaf */
	assert_int_equal(cpuid_fill_descriptive(&b.h, host), 2);
	assert_int_equal(b.e[1].eax, 0x41414100u);
	assert_int_equal(b.e[1].edx, 0x41414103u);
	assert_int_equal(b.e[2].eax, 0);
	assert_int_equal(b.e[2].ecx, 7);
	assert_int_equal(b.e[3].ebx, 0x41414109u);
	assert_int_equal(b.e[4].eax, 0);
	struct cpuid_buf none = {.h.nent = 0};
	add(&none, 1, 0, 0, 0, 0, 0);
	assert_int_equal(cpuid_fill_descriptive(&none.h, host), 0);
}

/* Leaf 0xd agrees with the features offered (SDM vol. 2A, CPUID leaf 0DH):
 * the numbers are the nested test bed's (EPYC under QEMU: x87|SSE|AVX,
 * AVX at offset 576 size 256), with an AVX-512 component offered by the
 * leaf but not by leaf 7. */
static void test_fix_xsave(void **state)
{
	(void)state;
	struct cpuid_buf b = {.h.nent = 0};
	add(&b, 1, 0, 0, 0, (1u << 26) | (1u << 28), 0);      /* xsave, avx */
	add(&b, 7, 0, 0, 0, 0, 0);                             /* no avx512f */
	add(&b, 0xd, 0, 0x27, 0x240, 0x999, 0);                /* x87 SSE AVX opmask */
	add(&b, 0xd, 1, 0x5, 0x340, 0, 0);                     /* xsaveopt, xgetbv1 */
	add(&b, 0xd, 2, 0x100, 0x240, 0, 0);
	add(&b, 0xd, 5, 0x40, 0x340, 0, 0);
	assert_int_equal(cpuid_fix_xsave(&b.h), 0x7);
	assert_int_equal(b.e[2].eax, 0x7);                     /* opmask dropped: no avx512f */
	assert_int_equal(b.e[2].edx, 0);
	assert_int_equal(b.e[2].ecx, 832);                     /* 576 + AVX's 256 */
	assert_int_equal(b.e[2].ebx, 576);                     /* XCR0 at reset: x87 */
	assert_int_equal(b.e[3].ebx, 0);                       /* no XSAVES/XSAVEC */
	assert_int_equal(b.e[4].eax, 0x100);                   /* AVX's sub-leaf kept */
	assert_int_equal(b.e[5].eax, 0);                       /* opmask's emptied */
	assert_int_equal(b.e[5].ebx, 0);
	/* without XSAVE in leaf 1, the whole leaf is empty */
	b.e[0].ecx = 1u << 28;
	assert_int_equal(cpuid_fix_xsave(&b.h), 0);
	for (unsigned i = 2; i < b.h.nent; i++)
		assert_int_equal(b.e[i].eax | b.e[i].ebx | b.e[i].ecx | b.e[i].edx, 0);
}

static void test_cpu_count(void **state)
{
	(void)state;
	char err[160];
	/* kvm_pvm here: NR_VCPUS 2, MAX_VCPUS 1024 */
	assert_int_equal(vm_check_cpu_count(3, 2, 1024, err, sizeof(err)), 0);
	assert_int_equal(vm_check_cpu_count(1, 2, 1024, err, sizeof(err)), 0);
	assert_int_equal(vm_check_cpu_count(RECORDER_MAX_CPUS, 2, 1024, err, sizeof(err)), 0);
	assert_int_equal(vm_check_cpu_count(RECORDER_MAX_CPUS + 1, 2, 1024, err, sizeof(err)), -1);
	assert_string_equal(err, "--cpus 65: irqrr runs at most 64 vCPUs (the board's limit; KVM allows 1024)");
	/* a KVM below the board's limit names its own */
	assert_int_equal(vm_check_cpu_count(12, 4, 12, err, sizeof(err)), 0);
	assert_int_equal(vm_check_cpu_count(13, 4, 12, err, sizeof(err)), -1);
	assert_string_equal(err, "--cpus 13: this KVM allows at most 12 vCPUs (KVM_CAP_MAX_VCPUS; 4 recommended)");
	assert_int_equal(vm_check_cpu_count(0, 2, 1024, err, sizeof(err)), -1);
	assert_string_equal(err, "--cpus 0: a VM needs at least 1 vCPU (1..64 here)");
	assert_int_equal(vm_check_cpu_count(0, 4, 12, err, sizeof(err)), -1);
	assert_string_equal(err, "--cpus 0: a VM needs at least 1 vCPU (1..12 here)");
	assert_int_equal(vm_check_cpu_count(4000000000u, 2, 1024, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 64 vCPUs"));
	assert_null(strchr(err, '\n'));
}

/* With the board's 64 vCPUs the MADT (8 bytes a vCPU) must not run into
 * another ACPI table (recorder/loaders/acpi.c puts it last). */
static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_acpi_max_cpus(void **state)
{
	(void)state;
	uint8_t *mem = calloc(1, 1 << 20);
	assert_non_null(mem);
	uint64_t rsdp = acpi_build(mem, RECORDER_MAX_CPUS);
	const uint8_t *rsdt = mem + rd32le(mem + rsdp + 16);
	unsigned n = (rd32le(rsdt + 4) - 36) / 4, seen = 0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *t = mem + rd32le(rsdt + 36 + 4 * i);
		assert_int_equal(acpi_checksum(t, rd32le(t + 4)), 0);
		if (!memcmp(t, "APIC", 4)) {
			assert_int_equal(rd32le(t + 4), 44 + RECORDER_MAX_CPUS * 8 + 12 + 2 * 10 + 6);
			assert_int_equal(t[44 + 63 * 8 + 3], 63); /* last vCPU's APIC ID */
			seen++;
		} else if (!memcmp(t, "FACP", 4)) {
			const uint8_t *dsdt = mem + rd32le(t + 40);
			assert_memory_equal(dsdt, "DSDT", 4);
			assert_int_equal(acpi_checksum(dsdt, rd32le(dsdt + 4)), 0);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	free(mem);
}

/* Is the page at p in this process's page tables? (/proc/self/pagemap
 * bit 63, readable without privileges.) */
static bool page_present(const void *p)
{
	FILE *f = fopen("/proc/self/pagemap", "rb");
	assert_non_null(f);
	uint64_t e = 0;
	long page = sysconf(_SC_PAGESIZE);
	assert_int_equal(fseek(f, (long)((uintptr_t)p / (uintptr_t)page * 8), SEEK_SET), 0);
	assert_int_equal(fread(&e, sizeof(e), 1, f), 1);
	fclose(f);
	return e >> 63;
}

static unsigned ram_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	char line[512];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "irqrr-guest-ram") != NULL;
	fclose(f);
	return n;
}

/* The page-flush port's work (recorder/kvm.c): the page leaves the VMM's
 * page tables -- so KVM's MMU notifier drops it from KVM's too -- and keeps
 * its contents; the mapping stays one VMA however often pages are flushed. */
/* The MTRRs irqrr leaves as firmware would (loaders/mtrr.c): default WB
 * with fixed ranges on, the VGA hole UC, the APIC/HPET window UC, masks
 * cut to MAXPHYADDR. */
static void test_firmware_mtrrs(void **state)
{
	(void)state;
	struct firmware_msr fw[FIRMWARE_MTRRS_MAX];
	unsigned n = firmware_mtrrs(48, fw);
	assert_true(n <= FIRMWARE_MTRRS_MAX);
	uint64_t v[0x300] = {0};
	bool set[0x300] = {0};
	for (unsigned i = 0; i < n; i++) {
		assert_true(fw[i].index < 0x300);
		v[fw[i].index] = fw[i].value;
		set[fw[i].index] = true;
	}
	assert_true(set[0x2ff]);
	assert_int_equal(v[0x2ff], 0xc06);                      /* E | FE | WB */
	assert_int_equal(v[0x250], 0x0606060606060606ull);      /* 0-0x7ffff WB */
	assert_int_equal(v[0x258], 0x0606060606060606ull);      /* 0x80000-0x9ffff WB */
	assert_true(set[0x259]);
	assert_int_equal(v[0x259], 0);                          /* 0xa0000-0xbffff UC */
	for (unsigned i = 0x268; i <= 0x26f; i++)
		assert_int_equal(v[i], 0x0606060606060606ull);
	assert_int_equal(v[0x200], 0xfec00000ull);              /* base, type UC */
	assert_int_equal(v[0x201], 0xffffffc00000ull | 0x800);  /* 4 MiB, valid */
	/* the variable range covers the IOAPIC, HPET and LAPIC pages only */
	uint64_t mask = v[0x201] & ~0xfffull;
	for (uint64_t a = 0xfec00000; a <= 0xfee00000; a += 0x100000)
		assert_int_equal(a & mask, v[0x200] & mask);
	assert_int_not_equal(0xfebff000 & mask, v[0x200] & mask);
	assert_int_not_equal(0xff000000 & mask, v[0x200] & mask);
	firmware_mtrrs(0, fw); /* no CPUID leaf: 36 bits */
	for (unsigned i = 0; i < n; i++)
		if (fw[i].index == 0x201)
			assert_int_equal(fw[i].value, 0xfffc00000ull | 0x800);
	/* the firmware's MSR writes must be ones KVM takes: in range, the
	 * default type last (enabling with the ranges already set) */
	assert_int_equal(fw[n - 1].index, 0x2ff);
}

static void test_flush_page(void **state)
{
	(void)state;
	int fd = -1;
	const uint64_t size = 16 * GUEST_PAGE_SIZE;
	uint8_t *ram = guest_ram_map(size, &fd);
	assert_non_null(ram);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < size; i++)
		ram[i] = (uint8_t)(i * 7 + 1);
	assert_true(page_present(ram + 3 * GUEST_PAGE_SIZE));
	assert_true(page_present(ram + 4 * GUEST_PAGE_SIZE));
	assert_int_equal(ram_mappings(), 1);
	assert_int_equal(guest_ram_flush_page(ram, fd, size, 3 * GUEST_PAGE_SIZE + 0x123), 1);
	assert_false(page_present(ram + 3 * GUEST_PAGE_SIZE));
	assert_true(page_present(ram + 2 * GUEST_PAGE_SIZE)); /* only that page */
	assert_true(page_present(ram + 4 * GUEST_PAGE_SIZE));
	for (unsigned i = 0; i < size; i++)
		if (ram[i] != (uint8_t)(i * 7 + 1))
			fail_msg("byte %#x changed by the flush", i);
	assert_true(page_present(ram + 3 * GUEST_PAGE_SIZE)); /* faulted in again */
	for (unsigned p = 0; p < 16; p += 2)
		assert_int_equal(guest_ram_flush_page(ram, fd, size, p * GUEST_PAGE_SIZE), 1);
	assert_int_equal(ram_mappings(), 1);
	/* outside RAM: nothing to do */
	assert_int_equal(guest_ram_flush_page(ram, fd, size, size), 0);
	assert_int_equal(guest_ram_flush_page(ram, fd, size, 0xfee00000), 0);
	assert_int_equal(ram[size - 1], (uint8_t)((size - 1) * 7 + 1));
	munmap(ram, size);
	close(fd);
}

/* Multiboot segments below 1 MiB (recorder/loaders/multiboot.c): loaded where
 * they do not overlap the VMM's boot area, which moves out of their way;
 * refused only in the reserved 0x9fc00-0xfffff, past RAM or on each other. */
static void test_multiboot_low_segments(void **state)
{
	(void)state;
	char err[200];
	const uint64_t ram = 128ull << 20;
	/* a unit-test kernel: real-mode code at 0x8000, the rest at 4 MiB */
	struct mb_range kut[] = {{0x8000, 0x8200}, {0x400000, 0x452000}};
	assert_int_equal(mb_check_segments(kut, 2, ram, err, sizeof(err)), 0);
	assert_int_equal(mb_place_area(kut, 2, 0x500, 0x452000, ram), MB_AREA_DEFAULT);
	/* 0x8000-0x9fff covers the default area: it goes to the top of low memory */
	struct mb_range big[] = {{0x8000, 0xa000}, {0x100000, 0x120000}};
	assert_int_equal(mb_check_segments(big, 2, ram, err, sizeof(err)), 0);
	assert_int_equal(mb_place_area(big, 2, 0x500, 0x120000, ram), 0x9f000);
	assert_int_equal(mb_place_area(big, 2, 0x1000, 0x120000, ram), 0x9e000);
	/* segments up to the top of low memory: the next hole below them */
	struct mb_range top[] = {{0x9000, 0x9fc00}};
	assert_int_equal(mb_place_area(top, 1, 0x800, 0x100000, ram), 0x8000);
	/* all of low memory taken: after the kernel and modules */
	struct mb_range low[] = {{0x0, 0x9fc00}, {0x100000, 0x180123}};
	assert_int_equal(mb_check_segments(low, 2, ram, err, sizeof(err)), 0);
	assert_int_equal(mb_place_area(low, 2, 0x500, 0x190010, ram), 0x191000);
	/* and no room there either */
	assert_int_equal(mb_place_area(low, 2, 0x500, ram - 0x100, ram), 0);
	/* a string part larger than low memory goes high */
	assert_int_equal(mb_place_area(kut, 2, 0xa0000, 0x452000, ram), 0x452000);
	/* refused: the reserved EBDA/VGA/BIOS range, past RAM, overlapping */
	struct mb_range vga[] = {{0x9f000, 0xa1000}};
	assert_int_equal(mb_check_segments(vga, 1, ram, err, sizeof(err)), -1);
	assert_string_equal(err, "ELF segment 0x9f000-0xa0fff overlaps 0x9fc00-0xfffff (EBDA, VGA, BIOS), "
				 "which the memory map does not offer as RAM (nor is it RAM on a PC)");
	struct mb_range bios[] = {{0xf0000, 0x100000}};
	assert_int_equal(mb_check_segments(bios, 1, ram, err, sizeof(err)), -1);
	struct mb_range below[] = {{0x9f000, 0x9fc00}, {0x100000, 0x101000}};
	assert_int_equal(mb_check_segments(below, 2, ram, err, sizeof(err)), 0);
	struct mb_range past[] = {{0x7fff000, 0x8001000}};
	assert_int_equal(mb_check_segments(past, 1, ram, err, sizeof(err)), -1);
	assert_string_equal(err, "ELF segment 0x7fff000-0x8000fff ends past guest RAM (0x8000000 bytes; raise --mem)");
	struct mb_range twice[] = {{0x8000, 0x9000}, {0x100000, 0x200000}, {0x8800, 0x8900}};
	assert_int_equal(mb_check_segments(twice, 3, ram, err, sizeof(err)), -1);
	assert_string_equal(err, "ELF segment 0x8800-0x88ff overlaps segment 0x8000-0x8fff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_mask_bits),
		cmocka_unit_test(test_safe_mask_names_only_what_was_set),
		cmocka_unit_test(test_auto_rule),
		cmocka_unit_test(test_linux_clear_list),
		cmocka_unit_test(test_mxcsr_operand),
		cmocka_unit_test(test_tsc_deadline),
		cmocka_unit_test(test_hypervisor_bit),
		cmocka_unit_test(test_fix_xsave),
		cmocka_unit_test(test_cpu_count),
		cmocka_unit_test(test_acpi_max_cpus),
		cmocka_unit_test(test_fill_descriptive),
		cmocka_unit_test(test_firmware_mtrrs),
		cmocka_unit_test(test_flush_page),
		cmocka_unit_test(test_multiboot_low_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
