/* SPDX-License-Identifier: MIT */
/*
 * One thread per vCPU. Every vCPU ioctl is issued from the vCPU's own
 * thread; other threads ask for work with a request bit and a kick (kick.c).
 *
 * ExtINT (LINT0 in virtual-wire mode): while the board says LINT0 ExtINT is
 * pending for this vCPU, the thread runs the INTACK cycle and KVM_INTERRUPT
 * only when run->ready_for_interrupt_injection is 1 (KVM_INTERRUPT succeeds
 * but wedges the vector when LINT0 is masked or not ExtINT), otherwise it
 * sets request_interrupt_window and waits for KVM_EXIT_IRQ_WINDOW_OPEN.
 *
 * LVT re-reads (VCPU_REQ_LVT, on every rising edge of the PIC's INT): KVM
 * reports no LVT writes, so the board's view of LVT0 is refreshed with
 * KVM_GET_MSRS + KVM_GET_LAPIC when it matters. One case needs no read:
 * the vCPU thread has just returned from KVM_RUN (an exit or a kick), the board
 * already has LVT0 as ExtINT, unmasked, and KVM said at that exit
 * ready_for_interrupt_injection = 1. KVM computes that flag as
 * kvm_vcpu_ready_for_interrupt_injection(), which is 0 unless LINT0
 * accepts a PIC interrupt (LVT0 ExtINT and unmasked, or the APIC hardware-
 * disabled, which the board counts as LVT0 = 0x700 too), and a vCPU's LVT
 * changes only while its own thread is inside KVM_RUN: the read would
 * give the board the delivery decision it already has. LVT1 and LVT0's
 * other bits are picked up by the next read (PIC set-up, an INT edge that
 * finds the flag 0, the 100 ms look while INT stays up). After a snapshot
 * (a hang report may hand its LVTs to the board) the next edge reads.
 *
 * Progress for the hang watchdog (docs/hang.md): every exit except a kick
 * (EINTR, KVM_EXIT_INTR), and every injection, bumps vm->progress.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "chips/hpet.h"
#include "pio.h"
#include "vmm.h"

#define MSR_IA32_APICBASE 0x1b
#define APICBASE_ENABLE (1ull << 11)

int vcpu_create(struct vm *vm, unsigned index)
{
	struct vcpu *v = &vm->vcpu[index];
	v->vm = vm;
	v->index = index;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0)
		return kvm_ioctl_fail("KVM_CREATE_VCPU");
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return kvm_ioctl_fail("mmap(kvm_run)");
	}
	if (cpuid_setup_vcpu(vm, v) < 0)
		return -1;
	return vcpu_set_firmware_mtrrs(vm, v);
}

int vcpu_set_firmware_mtrrs(struct vm *vm, struct vcpu *v)
{
	struct firmware_msr fw[FIRMWARE_MTRRS_MAX];
	unsigned n = firmware_mtrrs(cpuid_maxphyaddr(vm->cpuid), fw);
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[FIRMWARE_MTRRS_MAX];
	} msrs;
	memset(&msrs, 0, sizeof(msrs));
	msrs.h.nmsrs = n;
	for (unsigned i = 0; i < n; i++) {
		msrs.e[i].index = fw[i].index;
		msrs.e[i].data = fw[i].value;
	}
	int r = ioctl(v->fd, KVM_SET_MSRS, &msrs);
	if (r < 0)
		return kvm_ioctl_fail("KVM_SET_MSRS(MTRRs)");
	/* KVM_SET_MSRS stops at the first MSR it refuses: a KVM without MTRR
	 * emulation leaves the guest with "MTRRs disabled", as before. */
	if ((unsigned)r != n && v->index == 0 && vm->opt->verbose)
		fprintf(stderr, "irqrr: KVM took %d of %u firmware MTRRs (MSR 0x%x refused)\n", r, n, fw[r].index);
	return 0;
}

/* LVT0/LVT1 as the board should see them. A hardware-disabled APIC passes
 * LINT0 straight through as ExtINT (Intel SDM vol. 3, 10.4.3), so it counts
 * as LVT0 = 0x700 and LVT1 = NMI (0x400). */
int vcpu_read_lvt(struct vcpu *v, uint32_t lvt[2])
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} msrs = {.h = {.nmsrs = 1}, .e = {.index = MSR_IA32_APICBASE}};
	if (ioctl(v->fd, KVM_GET_MSRS, &msrs) != 1)
		return kvm_ioctl_fail("KVM_GET_MSRS(IA32_APIC_BASE)");
	if (!(msrs.e.data & APICBASE_ENABLE)) {
		lvt[0] = 0x700;
		lvt[1] = 0x400;
		return 0;
	}
	struct kvm_lapic_state la;
	if (ioctl(v->fd, KVM_GET_LAPIC, &la) < 0)
		return kvm_ioctl_fail("KVM_GET_LAPIC");
	memcpy(&lvt[0], la.regs + 0x350, 4);
	memcpy(&lvt[1], la.regs + 0x360, 4);
	v->lvt_reads++;
	return 0;
}

/* LVT0 as the board takes it for the PIC: ExtINT, not masked. */
static bool lvt_takes_extint(uint32_t lvt0)
{
	return !(lvt0 & 0x10000u) && ((lvt0 >> 8) & 7u) == 7u;
}

void vcpu_report_lvt(struct vcpu *v)
{
	uint32_t lvt[2];
	if (vcpu_read_lvt(v, lvt) < 0) {
		vm_request_exit(v->vm, RECORDER_EXIT_ERROR);
		return;
	}
	for (unsigned pin = 0; pin < 2; pin++) {
		if (lvt[pin] != v->lvt[pin]) {
			v->lvt[pin] = lvt[pin];
			irqbus_set_lvt(&v->vm->bus, v->index, pin, lvt[pin]);
		}
	}
}

/*
 * The board in the port map (split irqchip): its ports and the IOAPIC
 * window, with the vCPU's LVT policy around them. KVM does not report LVT
 * changes; a guest programs LVT0 before it sets up or unmasks the PIC.
 */
static void board_port_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	struct vm *vm = ctx;
	(void)size;
	if (!write) {
		*val = irqbus_pio_read(&vm->bus, port);
		return;
	}
	if (pic_pair_is_setup_write(port, *val)) {
		/* bring the board's view up to date before INT can rise */
		vcpu_report_lvt(v);
		for (unsigned i = 0; i < vm->ncpus; i++)
			if (&vm->vcpu[i] != v)
				vcpu_kick(&vm->vcpu[i], VCPU_REQ_LVT);
	}
	irqbus_pio_write(&vm->bus, port, *val);
	/* A guest programming the PIC while its INT is up may have just
	 * changed LVT0 too: look again. */
	if (irqbus_pic_int(&vm->bus))
		vcpu_kick(v, VCPU_REQ_LVT);
}

static void board_mmio_io(void *ctx, struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data)
{
	struct vm *vm = ctx;
	(void)v;
	if (len != 4 || (addr & 3)) {
		if (!write)
			memset(data, 0, len);
		return;
	}
	uint32_t val;
	if (write) {
		memcpy(&val, data, 4);
		irqbus_mmio_write(&vm->bus, addr, val);
	} else {
		val = irqbus_mmio_read(&vm->bus, addr);
		memcpy(data, &val, 4);
	}
}

/* The HPET's window (registered only when the board has one): aligned 4-
 * and 8-byte accesses reach the board; other sizes or alignments read all
 * ones and write nothing (docs/chips-hpet.md). */
static bool hpet_window(uint64_t addr)
{
	return addr >= HPET_BASE && addr < HPET_BASE + HPET_SIZE;
}

static void hpet_mmio_io(void *ctx, struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data)
{
	struct vm *vm = ctx;
	(void)v;
	if ((len != 4 && len != 8) || (addr & (len - 1))) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	if (len == 8) {
		uint64_t val;
		if (write) {
			memcpy(&val, data, 8);
			irqbus_mmio_write64(&vm->bus, addr, val);
		} else {
			val = irqbus_mmio_read64(&vm->bus, addr);
			memcpy(data, &val, 8);
		}
		return;
	}
	board_mmio_io(ctx, v, addr, write, len, data);
}

int vcpu_register_board_io(struct vm *vm, struct io_map *io)
{
	const struct io_port_handler p = {.name = "board", .claims = board_owns_port, .access = board_port_io,
					  .ctx = vm};
	const struct io_mmio_handler m = {.name = "ioapic", .claims = board_owns_mmio, .access = board_mmio_io,
					  .ctx = vm};
	const struct io_mmio_handler h = {.name = "hpet", .claims = hpet_window, .access = hpet_mmio_io,
					  .ctx = vm};
	if (io_register_port(io, &p) < 0 || io_register_mmio(io, &m) < 0)
		return -1;
	/* the board's configuration is fixed from here on */
	if (vm->split && board_decodes_mmio(&vm->bus.board, HPET_BASE) && io_register_mmio(io, &h) < 0)
		return -1;
	return 0;
}

static void vcpu_internal_error(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_regs r;
	fprintf(stderr, "irqrr: cpu %u: KVM_EXIT_INTERNAL_ERROR suberror %u", v->index, run->internal.suberror);
	for (unsigned i = 0; i < run->internal.ndata && i < 16; i++)
		fprintf(stderr, " %#llx", (unsigned long long)run->internal.data[i]);
	if (ioctl(v->fd, KVM_GET_REGS, &r) == 0)
		fprintf(stderr, " rip %#llx", (unsigned long long)r.rip);
	fprintf(stderr, "%s\n", run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
		? " (instruction emulation failed: this KVM emulates guest code, see docs/recorder.md)" : "");
}

/* Returns false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vm *vm = v->vm;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		/* REP INS/OUTS arrive as one exit with count > 1: every
		 * element in order, at the same port. The guest chooses the
		 * count (RCX); KVM bounds it to the data page, but the VMM
		 * does not index past its mapping on KVM's word alone. */
		uint64_t span = (uint64_t)run->io.count * run->io.size;
		if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
		    run->io.data_offset > vm->run_size || span > vm->run_size - run->io.data_offset) {
			fprintf(stderr, "irqrr: cpu %u: KVM_EXIT_IO port %#x size %u count %u at offset %llu: "
				"outside the %zu-byte kvm_run mapping\n", v->index, run->io.port, run->io.size,
				run->io.count, (unsigned long long)run->io.data_offset, vm->run_size);
			break;
		}
		for (uint32_t i = 0; i < run->io.count; i++)
			pio_access(&vm->io, v, run->io.port, run->io.direction == KVM_EXIT_IO_OUT, run->io.size,
				   (uint8_t *)run + run->io.data_offset + (size_t)i * run->io.size);
		return true;
	}
	case KVM_EXIT_MMIO:
		if (run->mmio.len > sizeof(run->mmio.data)) {
			fprintf(stderr, "irqrr: cpu %u: KVM_EXIT_MMIO at %#llx of %u bytes (at most %zu)\n", v->index,
				(unsigned long long)run->mmio.phys_addr, run->mmio.len, sizeof(run->mmio.data));
			break;
		}
		mmio_access(&vm->io, v, run->mmio.phys_addr, run->mmio.is_write, run->mmio.len, run->mmio.data);
		return true;
	case KVM_EXIT_IOAPIC_EOI:
		irqbus_eoi(&vm->bus, run->eoi.vector, v->index);
		return true;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; never here. */
		return true;
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "irqrr: cpu %u: guest shutdown (triple fault)\n", v->index);
		atomic_store(&vm->shutdown_cpu, (int)v->index + 1);
		vm_request_exit(vm, RECORDER_EXIT_HANG); /* the report follows (run.c) */
		return false;
	case KVM_EXIT_INTERNAL_ERROR: {
		const char *why;
		if (emufail_complete(v, &why) == 0)
			return true;
		vcpu_internal_error(v);
		break;
	}
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, "irqrr: cpu %u: KVM_EXIT_FAIL_ENTRY reason %#llx\n", v->index,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		fprintf(stderr, "irqrr: cpu %u: system event %u\n", v->index, run->system_event.type);
		break;
	default:
		fprintf(stderr, "irqrr: cpu %u: unexpected KVM exit reason %u\n", v->index, run->exit_reason);
		break;
	}
	vm_request_exit(vm, RECORDER_EXIT_ERROR);
	return false;
}

/* Where a vCPU was when the run ended (--verbose): for a guest that hangs
 * or runs out of --timeout, the first thing to look at. */
static void vcpu_print_rip(struct vcpu *v, const char *what)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	fprintf(stderr, "irqrr: cpu %u %s at rip %#llx rsp %#llx rflags %#llx cr0 %#llx cr3 %#llx cr4 %#llx\n",
		v->index, what, (unsigned long long)r.rip, (unsigned long long)r.rsp,
		(unsigned long long)r.rflags, (unsigned long long)s.cr0, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;
	bool injected = false; /* KVM_INTERRUPT issued, no KVM_RUN since */
	bool fresh = false;    /* the last KVM_RUN returned through KVM's post-run save */
	bool lvt_mirrored = true; /* v->lvt is what the board has */

	vcpu_kick_thread_is(v);
	for (;;) {
		v->passes++;
		atomic_store(&v->kick_pending, 0);
		unsigned req = atomic_exchange(&v->requests, 0);
		if ((req & VCPU_REQ_STOP) || vm_exiting(vm)) {
			if (vm->opt->verbose)
				vcpu_print_rip(v, "stopped");
			break;
		}
		if (req & VCPU_REQ_LVT) {
			if (fresh && lvt_mirrored && run->ready_for_interrupt_injection &&
			    lvt_takes_extint(v->lvt[0])) {
				v->lvt_skips++;
			} else {
				vcpu_report_lvt(v);
				lvt_mirrored = true;
			}
		}
		if ((req & VCPU_REQ_SNAPSHOT) && v->snap) {
			vcpu_snapshot(v, v->snap);
			atomic_fetch_add(&v->snap_done, 1);
			/* a hang report may give the board the snapshot's LVTs
			 * (run.c, take_snapshot): v->lvt is no longer sure to be
			 * the board's until the next read */
			lvt_mirrored = false;
		}
		if (req & VCPU_REQ_NMI) {
			if (ioctl(v->fd, KVM_NMI, 0) < 0) {
				kvm_ioctl_fail("KVM_NMI");
				vm_request_exit(vm, RECORDER_EXIT_ERROR);
				break;
			}
			v->nmis++;
		}
		run->request_interrupt_window = 0;
		if (atomic_load(&v->extint) && !injected) {
			if (run->ready_for_interrupt_injection) {
				struct kvm_interrupt irq = {.irq = irqbus_intack(&vm->bus, v->index)};
				if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0) {
					kvm_ioctl_fail("KVM_INTERRUPT");
					vm_request_exit(vm, RECORDER_EXIT_ERROR);
					break;
				}
				injected = true;
				v->injections++;
				atomic_fetch_add(&vm->progress, 1);
			} else {
				run->request_interrupt_window = 1;
			}
		}
		int r = ioctl(v->fd, KVM_RUN, 0);
		run->immediate_exit = 0;
		injected = false;
		/* an exit or a kick's EINTR: both leave KVM_RUN through
		 * post_kvm_run_save(), which sets ready_for_interrupt_injection */
		fresh = r == 0 || errno == EINTR;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->exits[KVM_EXIT_INTR]++;
				continue;
			}
			kvm_ioctl_fail("KVM_RUN");
			vm_request_exit(vm, RECORDER_EXIT_ERROR);
			break;
		}
		v->exits[run->exit_reason < 64 ? run->exit_reason : 63]++;
		if (run->exit_reason != KVM_EXIT_INTR)
			atomic_fetch_add(&vm->progress, 1);
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

int vcpu_snapshot(struct vcpu *v, struct vcpu_snap *s)
{
	memset(s, 0, sizeof(*s));
	const char *what = NULL;
	struct kvm_lapic_state la;
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0)
		what = "KVM_GET_REGS";
	else if (ioctl(v->fd, KVM_GET_SREGS, &s->sregs) < 0)
		what = "KVM_GET_SREGS";
	else if (ioctl(v->fd, KVM_GET_MP_STATE, &s->mp) < 0)
		what = "KVM_GET_MP_STATE";
	else if (v->vm->split && ioctl(v->fd, KVM_GET_LAPIC, &la) < 0)
		what = "KVM_GET_LAPIC";
	if (what) {
		snprintf(s->error, sizeof(s->error), "%s: %s", what, strerror(errno));
		return -1;
	}
	if (v->vm->split) {
		memcpy(&s->lvt0, la.regs + 0x350, 4);
		memcpy(&s->lvt1, la.regs + 0x360, 4);
		memcpy(&s->tpr, la.regs + 0x80, 4);
		memcpy(&s->svr, la.regs + 0xf0, 4);
	}
	s->extint_pending = atomic_load(&v->extint) != 0;
	s->valid = true;
	return 0;
}

int vcpu_start(struct vcpu *v)
{
	vcpu_kick_install();
	v->started = true;
	int e = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (e) {
		v->started = false;
		fprintf(stderr, "irqrr: pthread_create(vcpu %u): %s\n", v->index, strerror(e));
		return -1;
	}
	return 0;
}
