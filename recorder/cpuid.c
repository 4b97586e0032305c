/* SPDX-License-Identifier: MIT */
/*
 * The guest's CPUID: KVM_GET_SUPPORTED_CPUID, per-vCPU APIC IDs, and the
 * --cpuid policy (docs/recorder.md, docs/linux.md).
 *
 * "host" hands the guest everything KVM says it supports: right for a
 * hardware-assisted KVM, which runs guest instructions natively.
 *
 * "safe" clears the features whose instructions an emulating KVM cannot
 * execute (kvm_pvm on the development machines runs guest ring-0 code
 * through KVM's x86 instruction emulator, which has no cmpxchg16b, popcnt,
 * movbe, xsave family, clac/stac, rdrand, ...). A guest that honours CPUID
 * then takes its fallback paths: Linux picks fxsave, __sw_hweight, the
 * single-word SLUB cmpxchg, no SMAP, and so on.
 *
 * "auto" (the default) picks "safe" when the host CPU has no hardware
 * virtualization (no vmx or svm flag in /proc/cpuinfo): a KVM without VT-x
 * or AMD-V can only be emulating. Otherwise "host".
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

enum { REG_EAX, REG_EBX, REG_ECX, REG_EDX };

/* What "safe" clears: instructions the emulator lacks, and the features
 * that only make sense with them (AVX and friends need XSAVE). */
static const struct cpuid_mask_bit {
	uint32_t leaf;
	uint8_t reg, bit;
	const char *name; /* as in Linux's /proc/cpuinfo */
} safe_mask[] = {
	{1, REG_ECX, 13, "cx16"},        /* lock cmpxchg16b (SLUB double cmpxchg) */
	{1, REG_ECX, 1, "pclmulqdq"},    /* SIMD crypto/CRC: kernel_fpu_begin + SSE */
	{1, REG_ECX, 9, "ssse3"},        /* blake2s (random.c) takes its SSSE3 path */
	{1, REG_ECX, 19, "sse4_1"},
	{1, REG_ECX, 20, "sse4_2"},      /* crc32 instruction */
	{1, REG_ECX, 25, "aes"},
	{1, REG_ECX, 22, "movbe"},
	{1, REG_ECX, 23, "popcnt"},      /* hweight alternatives */
	{1, REG_ECX, 26, "xsave"},       /* xsave/xrstor: Linux falls back to fxsave */
	{1, REG_ECX, 27, "osxsave"},
	{1, REG_ECX, 28, "avx"},         /* needs xsave */
	{1, REG_ECX, 29, "f16c"},
	{1, REG_ECX, 30, "rdrand"},      /* early entropy, arch_get_random */
	{7, REG_EBX, 0, "fsgsbase"},     /* rd/wr{fs,gs}base in context switch */
	{7, REG_EBX, 5, "avx2"},
	{7, REG_EBX, 10, "invpcid"},
	{7, REG_EBX, 16, "avx512f"},
	{7, REG_EBX, 18, "rdseed"},
	{7, REG_EBX, 20, "smap"},        /* clac/stac around user accesses */
	{7, REG_EBX, 29, "sha_ni"},
	{7, REG_ECX, 8, "gfni"},
	{7, REG_ECX, 3, "pku"},          /* rdpkru/wrpkru */
	{7, REG_ECX, 22, "rdpid"},
};

/* Linux's feature number (arch/x86/include/asm/cpufeatures.h: word * 32 +
 * bit) for clearcpuid=: word 4 is CPUID 1 ECX, word 9 CPUID 7.0 EBX,
 * word 16 CPUID 7.0 ECX. */
static unsigned linux_feature_number(const struct cpuid_mask_bit *m)
{
	unsigned word = m->leaf == 1 ? 4 : m->reg == REG_EBX ? 9 : 16;
	return word * 32 + m->bit;
}
#define SAFE_MASK_N (sizeof(safe_mask) / sizeof(safe_mask[0]))

const char *cpuid_policy_name(enum recorder_cpuid p)
{
	switch (p) {
	case RECORDER_CPUID_HOST: return "host";
	case RECORDER_CPUID_SAFE: return "safe";
	default: return "auto";
	}
}

bool cpuid_host_has_hw_virt(const char *cpuinfo_path)
{
	FILE *f = fopen(cpuinfo_path, "r");
	if (!f)
		return true; /* cannot tell: assume hardware KVM, the common case */
	char line[8192];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *t = strtok(line + 5, " \t\n:"); t; t = strtok(NULL, " \t\n"))
			if (!strcmp(t, "vmx") || !strcmp(t, "svm"))
				found = true;
		break; /* the first CPU's flags stand for all */
	}
	fclose(f);
	return found;
}

enum recorder_cpuid cpuid_resolve(enum recorder_cpuid requested, bool host_has_hw_virt)
{
	if (requested != RECORDER_CPUID_AUTO)
		return requested;
	return host_has_hw_virt ? RECORDER_CPUID_HOST : RECORDER_CPUID_SAFE;
}

static uint32_t *cpuid_reg(struct kvm_cpuid_entry2 *e, unsigned reg)
{
	switch (reg) {
	case REG_EAX: return &e->eax;
	case REG_EBX: return &e->ebx;
	case REG_ECX: return &e->ecx;
	default: return &e->edx;
	}
}

size_t cpuid_apply_safe(struct kvm_cpuid2 *c, char *masked, size_t masked_size)
{
	size_t len = 0;
	if (masked_size)
		masked[0] = '\0';
	unsigned cleared = 0;
	for (size_t m = 0; m < SAFE_MASK_N; m++) {
		bool was_set = false;
		for (unsigned i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];
			if (e->function != safe_mask[m].leaf || (e->function == 7 && e->index != 0))
				continue;
			uint32_t *r = cpuid_reg(e, safe_mask[m].reg);
			if (*r & (1u << safe_mask[m].bit))
				was_set = true;
			*r &= ~(1u << safe_mask[m].bit);
		}
		if (was_set) {
			cleared++;
			int n = snprintf(masked + len, masked_size > len ? masked_size - len : 0, "%s%s",
					 len ? "," : "", safe_mask[m].name);
			if (n > 0)
				len += (size_t)n;
		}
	}
	/* The XSAVE leaf describes state components the guest may no longer
	 * enable: empty it, as CPUs without XSAVE report. */
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0xd)
			c->entries[i].eax = c->entries[i].ebx = c->entries[i].ecx = c->entries[i].edx = 0;
	if (masked_size && len >= masked_size)
		masked[masked_size - 1] = '\0';
	return cleared;
}

static uint32_t entry_reg(const struct kvm_cpuid2 *c, uint32_t leaf, unsigned reg)
{
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		if (e.function == leaf && (leaf != 7 || e.index == 0))
			return *cpuid_reg(&e, reg);
	}
	return 0;
}

size_t cpuid_linux_clear_list(const struct kvm_cpuid2 *supported, const struct cpuid_native *native, char *out,
			      size_t out_size)
{
	size_t len = 0, count = 0;
	if (out_size)
		out[0] = '\0';
	for (size_t m = 0; m < SAFE_MASK_N; m++) {
		const struct cpuid_mask_bit *b = &safe_mask[m];
		uint32_t nat = b->leaf == 1 ? native->leaf1_ecx : b->reg == REG_EBX ? native->leaf7_ebx : native->leaf7_ecx;
		uint32_t bit = 1u << b->bit;
		if (!((entry_reg(supported, b->leaf, b->reg) | nat) & bit))
			continue;
		int n = snprintf(out + len, out_size > len ? out_size - len : 0, "%s%u", len ? "," : "",
				 linux_feature_number(b));
		if (n > 0)
			len += (size_t)n;
		count++;
	}
	if (out_size && len >= out_size)
		out[out_size - 1] = '\0';
	return count;
}

const char *cpuid_linux_cmdline(const struct vm *vm, const char *append, char *buf, size_t size)
{
	if (vm->cpuid_policy != RECORDER_CPUID_SAFE || !vm->cpuid_linux_clear[0] || strstr(append, "clearcpuid="))
		return append;
	int n = snprintf(buf, size, "%s%sclearcpuid=%s", append, append[0] ? " " : "", vm->cpuid_linux_clear);
	return n > 0 && (size_t)n < size ? buf : append;
}

struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd)
{
	for (unsigned n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c) {
			fprintf(stderr, "irqrr: KVM_GET_SUPPORTED_CPUID: out of memory\n");
			return NULL;
		}
		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			break;
	}
	kvm_ioctl_fail("KVM_GET_SUPPORTED_CPUID");
	return NULL;
}

/*
 * Documentation/virt/kvm/api.rst, "Known KVM API problems", x86,
 * KVM_GET_SUPPORTED_CPUID: CPUID[EAX=1]:ECX[24] (TSC_DEADLINE) is not
 * reported (before Linux 6.15), yet may be enabled when
 * KVM_CAP_TSC_DEADLINE_TIMER is present and the local APIC is emulated in
 * the kernel, which it always is here (split or kernel irqchip). Arming the
 * timer is a WRMSR to IA32_TSC_DEADLINE, which KVM handles itself under
 * every --cpuid policy, so "safe" keeps it too.
 */
bool cpuid_offer_tsc_deadline(struct kvm_cpuid2 *c, bool kvm_emulates)
{
	bool offered = false;
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != 1)
			continue;
		if (kvm_emulates)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		offered = e->ecx & CPUID_1_ECX_TSC_DEADLINE;
	}
	return offered;
}

/*
 * CPUID.1:ECX[31], "hypervisor": reserved for software on real CPUs (SDM
 * vol. 2A, CPUID, Table 3-10: "Not Used. Always returns 0"), set by every
 * VMM for its guests. KVM_GET_SUPPORTED_CPUID does not report it (KVM
 * leaves it to the VMM; kvm_pvm happens to set it), and without it Linux
 * never reads KVM's 0x40000000 leaves: no kvm-clock, and the TSC is then
 * calibrated against the PIT in tight timing windows (docs/linux.md).
 */
bool cpuid_offer_hypervisor(struct kvm_cpuid2 *c)
{
	bool offered = false;
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function != 1)
			continue;
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
		offered = true;
	}
	return offered;
}

static struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t leaf, uint32_t index)
{
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == leaf && c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

unsigned cpuid_maxphyaddr(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = c ? cpuid_find(c, 0x80000008, 0) : NULL;
	return e ? e->eax & 0xff : 0;
}

/*
 * The processor's name (0x80000002-0x80000004) and its L1 cache and TLB
 * description (0x80000005, AMD; reserved on Intel): KVM_GET_SUPPORTED_CPUID
 * reports these leaves zero (Linux 6.1 KVM, measured in the test bed), a
 * VMM fills them as it likes. Like QEMU's -cpu host, irqrr gives the
 * host's own where KVM left a leaf it lists all zero. Linux otherwise
 * names the CPU "AMD 17/01" and sizes its 2M/4M TLB from nothing.
 * host[4i..4i+3] = the host CPU's CPUID(0x80000002 + i) EAX..EDX.
 * Returns the leaves filled.
 */
unsigned cpuid_fill_descriptive(struct kvm_cpuid2 *c, const uint32_t host[CPUID_DESCRIPTIVE_LEAVES * 4])
{
	struct kvm_cpuid_entry2 *max = cpuid_find(c, 0x80000000, 0);
	unsigned filled = 0;
	for (unsigned i = 0; i < CPUID_DESCRIPTIVE_LEAVES; i++) {
		uint32_t leaf = 0x80000002 + i;
		struct kvm_cpuid_entry2 *e = cpuid_find(c, leaf, 0);
		if (!max || max->eax < leaf || !e || e->eax || e->ebx || e->ecx || e->edx)
			continue;
		const uint32_t *h = host + 4 * i;
		e->eax = h[0];
		e->ebx = h[1];
		e->ecx = h[2];
		e->edx = h[3];
		filled += (h[0] | h[1] | h[2] | h[3]) != 0;
	}
	return filled;
}

/* The feature flag each XSAVE state component needs (SDM vol. 1, 13.2,
 * and Linux's xsave_cpuid_features[]): a component whose instructions are
 * hidden must not be offered in XCR0 either. */
static const struct xsave_component_need {
	uint8_t component;
	uint32_t leaf;
	uint8_t reg, bit;
} xsave_needs[] = {
	{2, 1, REG_ECX, 28},      /* AVX (YMM_Hi128) */
	{3, 7, REG_EBX, 14},      /* MPX BNDREGS */
	{4, 7, REG_EBX, 14},      /* MPX BNDCSR */
	{5, 7, REG_EBX, 16},      /* AVX-512 opmask */
	{6, 7, REG_EBX, 16},      /* AVX-512 ZMM_Hi256 */
	{7, 7, REG_EBX, 16},      /* AVX-512 Hi16_ZMM */
	{9, 7, REG_ECX, 3},       /* PKRU */
	{17, 7, REG_EDX, 24},     /* AMX tile config */
	{18, 7, REG_EDX, 24},     /* AMX tile data */
};

static bool cpuid_has(struct kvm_cpuid2 *c, uint32_t leaf, unsigned reg, unsigned bit)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, leaf, 0);
	return e && (*cpuid_reg(e, reg) & (1u << bit));
}

/* Standard-format XSAVE area size for the components in mask (SDM vol. 1,
 * 13.4.3: legacy region and header are 576 bytes; component i >= 2 lies
 * at CPUID.(0xd,i).EBX with size CPUID.(0xd,i).EAX). */
static uint32_t xsave_size(struct kvm_cpuid2 *c, uint64_t mask)
{
	uint32_t size = 576;
	for (unsigned i = 2; i < 64; i++) {
		struct kvm_cpuid_entry2 *e;
		if (!(mask & (1ull << i)) || !(e = cpuid_find(c, 0xd, i)))
			continue;
		if (e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

/*
 * Makes leaf 0xd agree with the rest of the guest's CPUID (SDM vol. 2A,
 * CPUID leaf 0DH): no XSAVE, no leaf; a component is offered in XCR0 only
 * when its feature flag is; a sub-leaf describes only an offered
 * component; 0xd.0 ECX is the size for every offered component, EBX the
 * size for XCR0 at reset (x87 only: 576; KVM recomputes it on XSETBV);
 * 0xd.1 EBX (XSAVES/XSAVEC) the compacted size for XCR0 | IA32_XSS at
 * reset, 576 too. Returns the user components offered (0xd.0 EDX:EAX).
 */
uint64_t cpuid_fix_xsave(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *l0 = cpuid_find(c, 0xd, 0), *l1 = cpuid_find(c, 0xd, 1);
	bool xsave = cpuid_has(c, 1, REG_ECX, 26);
	uint64_t user = 0, sup = 0;
	if (xsave && l0) {
		user = (uint64_t)l0->edx << 32 | l0->eax;
		for (size_t n = 0; n < sizeof(xsave_needs) / sizeof(xsave_needs[0]); n++)
			if (!cpuid_has(c, xsave_needs[n].leaf, xsave_needs[n].reg, xsave_needs[n].bit))
				user &= ~(1ull << xsave_needs[n].component);
	}
	if (xsave && l1 && (l1->eax & (1u << 3))) /* XSAVES: supervisor components */
		sup = (uint64_t)l1->edx << 32 | l1->ecx;
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		bool keep = xsave && e->function == 0xd &&
			    (e->index <= 1 || (e->index < 64 && ((user | sup) & (1ull << e->index))));
		if (e->function == 0xd && !keep)
			e->eax = e->ebx = e->ecx = e->edx = 0;
	}
	if (!xsave || !l0)
		return 0;
	l0->eax = (uint32_t)user;
	l0->edx = (uint32_t)(user >> 32);
	l0->ecx = xsave_size(c, user);
	l0->ebx = 576;
	if (l1) {
		l1->ecx = (uint32_t)sup;
		l1->edx = (uint32_t)(sup >> 32);
		l1->ebx = (l1->eax & ((1u << 1) | (1u << 3))) ? 576 : 0;
	}
	return user;
}

static int cpuid_tsc_deadline(struct vm *vm)
{
	int cap = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER);
	if (cap < 0)
		return kvm_ioctl_fail("KVM_CHECK_EXTENSION(KVM_CAP_TSC_DEADLINE_TIMER)");
	vm->cpuid_tsc_deadline_cap = cap > 0;
	vm->cpuid_tsc_deadline = cpuid_offer_tsc_deadline(vm->cpuid, cap > 0);
	return 0;
}

int cpuid_setup_vm(struct vm *vm)
{
	vm->cpuid = cpuid_get_supported(vm->kvm_fd);
	if (!vm->cpuid)
		return -1;
	enum recorder_cpuid req = vm->opt->cpuid;
	vm->cpuid_policy = cpuid_resolve(req, req == RECORDER_CPUID_AUTO ? cpuid_host_has_hw_virt("/proc/cpuinfo") : true);
	vm->cpuid_masked[0] = '\0';
	vm->cpuid_linux_clear[0] = '\0';
	if (vm->cpuid_policy == RECORDER_CPUID_SAFE) {
		/* Bits KVM does not report reach the guest from the CPU itself on
		 * kvm_pvm (measured: KVM_SET_CPUID2 decides only the bits KVM
		 * knows; leaf 7 is the host's): what the host CPU has, the guest
		 * sees, and only the guest can be told to ignore it. */
		struct cpuid_native nat = {0};
		unsigned a, b, c, d;
		if (__get_cpuid_count(1, 0, &a, &b, &c, &d))
			nat.leaf1_ecx = c;
		if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
			nat.leaf7_ebx = b;
			nat.leaf7_ecx = c;
		}
		cpuid_linux_clear_list(vm->cpuid, &nat, vm->cpuid_linux_clear, sizeof(vm->cpuid_linux_clear));
		cpuid_apply_safe(vm->cpuid, vm->cpuid_masked, sizeof(vm->cpuid_masked));
	}
	if (cpuid_tsc_deadline(vm) < 0)
		return -1;
	vm->cpuid_hypervisor = cpuid_offer_hypervisor(vm->cpuid);
	uint32_t host[CPUID_DESCRIPTIVE_LEAVES * 4] = {0};
	for (unsigned i = 0; i < CPUID_DESCRIPTIVE_LEAVES; i++) {
		uint32_t *h = host + 4 * i;
		if (!__get_cpuid(0x80000002 + i, &h[0], &h[1], &h[2], &h[3]))
			memset(h, 0, 4 * sizeof(*h));
	}
	unsigned named = cpuid_fill_descriptive(vm->cpuid, host);
	if (vm->opt->verbose && named)
		fprintf(stderr, "irqrr: cpuid: %u of the name and L1 cache leaves from the host CPU\n", named);
	uint64_t xcr0 = cpuid_fix_xsave(vm->cpuid);
	if (vm->opt->verbose)
		fprintf(stderr, "irqrr: cpuid: hypervisor bit %s; XSAVE components 0x%llx\n",
			vm->cpuid_hypervisor ? "set" : "absent (no leaf 1)", (unsigned long long)xcr0);
	if (vm->opt->verbose)
		fprintf(stderr, "irqrr: cpuid: tsc_deadline_timer %s (KVM_CAP_TSC_DEADLINE_TIMER %s)\n",
			vm->cpuid_tsc_deadline ? "offered" : "not offered",
			vm->cpuid_tsc_deadline_cap ? "present" : "absent");
	if (vm->opt->verbose)
		fprintf(stderr, "irqrr: --cpuid %s%s: %s%s%s%s\n", cpuid_policy_name(vm->cpuid_policy),
			req == RECORDER_CPUID_AUTO ? " (auto)" : "",
			vm->cpuid_policy == RECORDER_CPUID_SAFE ? "cleared " : "as KVM supports it",
			vm->cpuid_policy == RECORDER_CPUID_SAFE ? (vm->cpuid_masked[0] ? vm->cpuid_masked : "nothing") : "",
			vm->cpuid_linux_clear[0] ? "; a Linux guest also gets clearcpuid=" : "", vm->cpuid_linux_clear);
	return 0;
}

int cpuid_setup_vcpu(struct vm *vm, struct vcpu *v)
{
	struct kvm_cpuid2 *c = vm->cpuid;
	size_t size = sizeof(*c) + c->nent * sizeof(c->entries[0]);
	struct kvm_cpuid2 *mine = malloc(size);
	if (!mine)
		return -1;
	memcpy(mine, c, size);
	for (unsigned i = 0; i < mine->nent; i++) {
		struct kvm_cpuid_entry2 *e = &mine->entries[i];
		if (e->function == 1) {
			/* initial APIC ID, logical processor count */
			e->ebx = (e->ebx & 0x0000ffffu) | (v->index << 24) | (vm->ncpus << 16);
		} else if (e->function == 0xb || e->function == 0x1f) {
			e->edx = v->index; /* x2APIC ID */
		}
	}
	int r = ioctl(v->fd, KVM_SET_CPUID2, mine);
	free(mine);
	if (r < 0)
		return kvm_ioctl_fail("KVM_SET_CPUID2");
	return 0;
}
