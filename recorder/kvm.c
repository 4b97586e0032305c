/* SPDX-License-Identifier: MIT */
/*
 * The VM: /dev/kvm, KVM_CAP_SPLIT_IRQCHIP (or KVM's own chips with
 * --irqchip=kernel), guest RAM. Every ioctl failure names the ioctl.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

/* Guest RAM must stay below the IOAPIC/LAPIC/BIOS window at 0xfec00000. */
#define RAM_LIMIT 0xfec00000ull

int kvm_ioctl_fail(const char *name)
{
	fprintf(stderr, "irqrr: %s: %s\n", name, strerror(errno));
	return -1;
}

static int vm_enable_split_irqchip(struct vm *vm)
{
	struct kvm_enable_cap cap = {.cap = KVM_CAP_SPLIT_IRQCHIP};
	cap.args[0] = BOARD_GSIS; /* GSIs below this may carry level EOIs */
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return kvm_ioctl_fail("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
	return 0;
}

/* KVM's default routing sends GSI n to IOAPIC pin n. Wire it like the board
 * (and a PC with the MP table's IRQ0 override): ISA IRQ0 reaches IOAPIC
 * pin 2, pin 2 has no other source; GSI 0..15 also reach the PIC pair. */
static int vm_kernel_irq_routing(struct vm *vm)
{
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[16 + BOARD_GSIS];
	} t;
	memset(&t, 0, sizeof(t));
	for (unsigned gsi = 0; gsi < BOARD_GSIS; gsi++) {
		struct kvm_irq_routing_entry *e;
		if (gsi < 16) {
			e = &t.e[t.h.nr++];
			e->gsi = gsi;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = gsi % 8;
		}
		if (gsi == 2)
			continue;
		e = &t.e[t.h.nr++];
		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = gsi == 0 ? 2 : gsi;
	}
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &t) < 0)
		return kvm_ioctl_fail("KVM_SET_GSI_ROUTING");
	return 0;
}

static int vm_create_kernel_irqchip(struct vm *vm)
{
	/* SPEAKER_DUMMY: KVM decodes port 0x61 (gate 2, OUT2) itself. */
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return kvm_ioctl_fail("KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return kvm_ioctl_fail("KVM_CREATE_PIT2");
	return vm_kernel_irq_routing(vm);
}

/*
 * Guest RAM is a memfd mapped shared, so that one page's mapping can be
 * replaced in a single mmap(MAP_FIXED) of the same file page: the page-flush
 * port (testdev.c) drops the page from the VMM's page tables, and through
 * the MMU notifier from KVM's (NPT/EPT or shadow), with no instant at which
 * the address is unmapped for another vCPU or thread; the contents stay.
 */
uint8_t *guest_ram_map(uint64_t size, int *fd_out)
{
	int fd = memfd_create("irqrr-guest-ram", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		fprintf(stderr, "irqrr: guest RAM (memfd of %llu MiB): %s\n", (unsigned long long)(size >> 20),
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "irqrr: mmap of %llu MiB guest RAM: %s\n", (unsigned long long)(size >> 20),
			strerror(errno));
		close(fd);
		return NULL;
	}
	*fd_out = fd;
	return p;
}

int guest_ram_flush_page(uint8_t *ram, int fd, uint64_t size, uint64_t gpa)
{
	uint64_t page = gpa & ~(uint64_t)(GUEST_PAGE_SIZE - 1);
	if (page >= size)
		return 0; /* not RAM: nothing is mapped there */
	void *p = mmap(ram + page, GUEST_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE | MAP_FIXED,
		       fd, (off_t)page);
	if (p == MAP_FAILED) {
		fprintf(stderr, "irqrr: page-flush port: remapping guest page %#llx: %s\n",
			(unsigned long long)page, strerror(errno));
		return -1;
	}
	return 1;
}

static int vm_add_ram(struct vm *vm, uint64_t mib)
{
	vm->ram_size = mib << 20;
	if (mib == 0 || vm->ram_size > RAM_LIMIT) {
		fprintf(stderr, "irqrr: --mem %llu: must be 1..%llu MiB (RAM ends below the IOAPIC at 0xfec00000)\n",
			(unsigned long long)mib, RAM_LIMIT >> 20);
		return -1;
	}
	vm->ram = guest_ram_map(vm->ram_size, &vm->ram_fd);
	if (!vm->ram)
		return -1;
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->ram_size,
		.userspace_addr = (uint64_t)(uintptr_t)vm->ram,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return kvm_ioctl_fail("KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/* Documentation/virt/kvm/api.rst, KVM_CREATE_VCPU: KVM_CAP_NR_VCPUS is the
 * recommended number of vCPUs (assume 4 when the cap is absent),
 * KVM_CAP_MAX_VCPUS the maximum possible (assume KVM_CAP_NR_VCPUS when
 * absent). Like QEMU, run anything up to the maximum; a count above the
 * recommendation is only worth a line under --verbose. */
void vm_cpu_limits(int kvm_fd, int *recommended, int *max)
{
	int rec = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	int m = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (rec <= 0)
		rec = 4;
	if (m <= 0)
		m = rec;
	*recommended = rec;
	*max = m;
}

int vm_check_cpu_count(unsigned n, int recommended, int kvm_max, char *err, size_t errlen)
{
	int limit = kvm_max < RECORDER_MAX_CPUS ? kvm_max : RECORDER_MAX_CPUS;
	if (n >= 1 && n <= (unsigned)limit)
		return 0;
	if (n == 0)
		snprintf(err, errlen, "--cpus 0: a VM needs at least 1 vCPU (1..%d here)", limit);
	else if (kvm_max <= RECORDER_MAX_CPUS)
		snprintf(err, errlen, "--cpus %u: this KVM allows at most %d vCPUs (KVM_CAP_MAX_VCPUS; %d recommended)",
			 n, kvm_max, recommended);
	else
		snprintf(err, errlen, "--cpus %u: irqrr runs at most %d vCPUs (the board's limit; KVM allows %d)",
			 n, RECORDER_MAX_CPUS, kvm_max);
	return -1;
}

static int vm_check_cpus(struct vm *vm, unsigned n)
{
	int rec, max;
	char err[160];
	vm_cpu_limits(vm->kvm_fd, &rec, &max);
	if (vm_check_cpu_count(n, rec, max, err, sizeof(err)) < 0) {
		fprintf(stderr, "irqrr: %s\n", err);
		return -1;
	}
	if ((int)n > rec && vm->opt->verbose)
		fprintf(stderr, "irqrr: --cpus %u: more than the %d vCPUs KVM recommends (KVM_CAP_NR_VCPUS; "
			"KVM_CAP_MAX_VCPUS allows %d)\n", n, rec, max);
	return 0;
}

int vm_create(struct vm *vm, const struct recorder_options *o)
{
	memset(vm, 0, sizeof(*vm));
	vm->opt = o;
	vm->kvm_fd = vm->vm_fd = vm->ram_fd = -1;
	vm->split = !o->kernel_irqchip;
	vm->ncpus = o->cpus;
	vm->main_thread = pthread_self();
	pthread_mutex_init(&vm->exit_lock, NULL);
	pthread_mutex_init(&vm->legacy_lock, NULL);
	i8042_init(&vm->i8042);

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		fprintf(stderr, "irqrr: /dev/kvm: %s\n", strerror(errno));
		return -1;
	}
	int api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		fprintf(stderr, "irqrr: KVM_GET_API_VERSION: %d, expected %d\n", api, KVM_API_VERSION);
		return -1;
	}
	if (vm_check_cpus(vm, o->cpus) < 0)
		return -1;
	int rs = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (rs < 0)
		return kvm_ioctl_fail("KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)rs;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return kvm_ioctl_fail("KVM_CREATE_VM");
	/* Split irqchip must be enabled before any vCPU exists. */
	if (vm->split ? vm_enable_split_irqchip(vm) : vm_create_kernel_irqchip(vm))
		return -1;
	if (vm_add_ram(vm, o->mem_mib) < 0)
		return -1;
	/* then the CPUID (cpuid_setup_vm) and the vCPUs (vcpu_create): run.c */
	return 0;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	if (vm->ram_fd >= 0)
		close(vm->ram_fd);
	free(vm->cpuid);
	vm->cpuid = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}

/* The VM's interrupt ioctls for delivery (deliver.h) and the kernel
 * irqchip's lines (irqbus.h). */
static int kvm_signal_msi(void *ctx, const struct kvm_msi *msi)
{
	struct vm *vm = ctx;
	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, msi);
}

static int kvm_set_gsi_routing(void *ctx, const struct kvm_irq_routing *routing)
{
	struct vm *vm = ctx;
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, routing);
}

void vm_deliver_ops(struct vm *vm, struct deliver_ops *ops)
{
	ops->signal_msi = kvm_signal_msi;
	ops->set_gsi_routing = kvm_set_gsi_routing;
	ops->ctx = vm;
}

int vm_irq_line(void *ctx, unsigned gsi, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level l = {.irq = gsi, .level = (uint32_t)level};
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return kvm_ioctl_fail("KVM_IRQ_LINE");
	return 0;
}

void vm_request_exit(struct vm *vm, int status)
{
	pthread_mutex_lock(&vm->exit_lock);
	bool first = !vm->exiting;
	if (first) {
		vm->exiting = true;
		vm->exit_status = status;
	}
	pthread_mutex_unlock(&vm->exit_lock);
	if (!first)
		return;
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].started)
			vcpu_kick(&vm->vcpu[i], VCPU_REQ_STOP);
	pthread_kill(vm->main_thread, SIGUSR2);
}

bool vm_exiting(struct vm *vm)
{
	pthread_mutex_lock(&vm->exit_lock);
	bool e = vm->exiting;
	pthread_mutex_unlock(&vm->exit_lock);
	return e;
}
