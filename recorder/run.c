/* SPDX-License-Identifier: MIT */
/*
 * recorder_run: set up the VM, load the guest, run the vCPUs until the
 * guest exits through port 0xf4, a vCPU fails, --timeout expires or
 * SIGINT/SIGTERM arrives; then finish the trace and report.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guests/guests.h"
#include "vmm.h"


void recorder_options_default(struct recorder_options *o)
{
	memset(o, 0, sizeof(*o));
	o->cpus = 1;
	o->mem_mib = 64;
}

static void uart_irq(void *ctx, int level)
{
	struct vm *vm = ctx;
	irqbus_set_irq(&vm->bus, UART_COM1_IRQ, level);
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;
	if (write(STDOUT_FILENO, &byte, 1) < 0) {
		/* a closed console is not the guest's problem */
	}
	if (vm->bus.rec) {
		pthread_mutex_lock(&vm->bus.lock);
		recording_console(vm->bus.rec, &byte, 1);
		pthread_mutex_unlock(&vm->bus.lock);
	}
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int report_initial_lvts(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		if (vcpu_read_lvt(v, v->lvt) < 0)
			return -1;
		irqbus_set_lvt(&vm->bus, i, 0, v->lvt[0]);
		irqbus_set_lvt(&vm->bus, i, 1, v->lvt[1]);
	}
	return 0;
}

static void print_stats(struct vm *vm, double secs)
{
	static const struct { unsigned reason; const char *name; } names[] = {
		{KVM_EXIT_IO, "io"}, {KVM_EXIT_MMIO, "mmio"}, {KVM_EXIT_IOAPIC_EOI, "ioapic_eoi"},
		{KVM_EXIT_IRQ_WINDOW_OPEN, "irq_window"}, {KVM_EXIT_INTR, "intr"},
	};
	uint64_t total = 0, inj = 0, nmi = 0, lvt = 0;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		for (unsigned r = 0; r < 64; r++)
			total += vm->vcpu[i].exits[r];
		inj += vm->vcpu[i].injections;
		nmi += vm->vcpu[i].nmis;
		lvt += vm->vcpu[i].lvt_reads;
	}
	fprintf(stderr, "irqrr: %llu exits in %.3f s (%.0f/s):", (unsigned long long)total, secs,
		secs > 0 ? (double)total / secs : 0.0);
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		uint64_t c = 0;
		for (unsigned i = 0; i < vm->ncpus; i++)
			c += vm->vcpu[i].exits[names[n].reason];
		fprintf(stderr, " %s %llu", names[n].name, (unsigned long long)c);
	}
	fprintf(stderr, "\nirqrr: extint injections %llu, nmis %llu, lvt reads %llu, msis %llu (%llu undelivered), route updates %llu\n",
		(unsigned long long)inj, (unsigned long long)nmi, (unsigned long long)lvt,
		(unsigned long long)vm->bus.msi_sent, (unsigned long long)vm->bus.msi_undelivered,
		(unsigned long long)vm->bus.route_updates);
}

/* Waits for the end of the run; returns the enum trace_exit_reason. */
static int wait_for_exit(struct vm *vm, const sigset_t *set, double timeout)
{
	double deadline = timeout > 0 ? mono_s() + timeout : 0;
	for (;;) {
		if (vm_exiting(vm))
			return 0;
		struct timespec slice = {.tv_sec = 0, .tv_nsec = 200000000};
		if (deadline) {
			double left = deadline - mono_s();
			if (left <= 0) {
				fprintf(stderr, "irqrr: timeout: the guest ran for %g s without exiting\n", timeout);
				vm_request_exit(vm, RECORDER_EXIT_TIMEOUT);
				return 1;
			}
			if (left < 0.2)
				slice.tv_nsec = (long)(left * 1e9) + 1;
		}
		int sig = sigtimedwait(set, NULL, &slice);
		if (sig == SIGINT || sig == SIGTERM) {
			fprintf(stderr, "irqrr: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
			vm_request_exit(vm, 128 + sig);
			return 2;
		}
	}
}

static int run_vm(struct vm *vm, const struct recorder_options *o, const struct builtin_guest *g)
/* g == NULL: boot o->kernel */
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	int status = RECORDER_EXIT_ERROR, reason = 3;
	if (vm_create(vm, o) < 0 || irqbus_init(&vm->bus, vm) < 0)
		goto out;
	uart_init(&vm->uart, uart_irq, uart_tx, vm);
	fwcfg_init(vm);
	if (g ? boot_load_builtin(vm, g->image, g->size) < 0 : boot_load_kernel(vm, o) < 0)
		goto out;
	if (o->trace_path && recording_open(vm, o->trace_path, &vm->bus.rec) < 0)
		goto out;
	if (irqbus_start(&vm->bus) < 0 || report_initial_lvts(vm) < 0)
		goto out_stop;
	double t0 = mono_s();
	unsigned started = 0;
	for (; started < vm->ncpus; started++)
		if (vcpu_start(&vm->vcpu[started]) < 0)
			break;
	if (started < vm->ncpus)
		vm_request_exit(vm, RECORDER_EXIT_ERROR);
	reason = wait_for_exit(vm, &set, o->timeout);
	for (unsigned i = 0; i < started; i++)
		pthread_join(vm->vcpu[i].thread, NULL);
	double secs = mono_s() - t0;
	pthread_mutex_lock(&vm->exit_lock);
	status = vm->exit_status;
	pthread_mutex_unlock(&vm->exit_lock);
	if (reason == 0 && status == RECORDER_EXIT_ERROR)
		reason = 3;
	if (o->verbose)
		print_stats(vm, secs);
out_stop:
	irqbus_stop(&vm->bus);
	if (vm->bus.rec) {
		pthread_mutex_lock(&vm->bus.lock);
		if (recording_close(vm->bus.rec, reason == 2 ? status - 128 : status, reason) < 0 && status == 0)
			status = RECORDER_EXIT_ERROR;
		vm->bus.rec = NULL;
		pthread_mutex_unlock(&vm->bus.lock);
	}
out:
	vm_destroy(vm);
	/* drop a pending SIGUSR2 from vm_request_exit before unblocking */
	struct timespec zero = {0, 0};
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	while (sigtimedwait(&usr2, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return status;
}

int recorder_run(const struct recorder_options *o)
{
	const struct builtin_guest *g = NULL;
	if (o->kernel && o->guest) {
		fprintf(stderr, "irqrr: --kernel and --guest exclude each other\n");
		return RECORDER_EXIT_ERROR;
	}
	if (!o->kernel && (o->initrd || o->append || o->nmodules)) {
		fprintf(stderr, "irqrr: --initrd, --append and --module need --kernel\n");
		return RECORDER_EXIT_ERROR;
	}
	if (!o->kernel) {
		const char *name = o->guest ? o->guest : "demo";
		g = builtin_guest_find(name);
		if (!g) {
			fprintf(stderr, "irqrr: --guest %s: no such built-in guest (see --list-guests)\n", name);
			return RECORDER_EXIT_ERROR;
		}
		if (o->cpus < g->min_cpus) {
			fprintf(stderr, "irqrr: guest %s needs --cpus %u or more\n", name, g->min_cpus);
			return RECORDER_EXIT_ERROR;
		}
	}
	if (o->trace_path && o->kernel_irqchip) {
		fprintf(stderr, "irqrr: record: --irqchip=kernel keeps the chips in KVM, there is nothing to record\n");
		return RECORDER_EXIT_ERROR;
	}
	static struct vm vm; /* large (per-port log bitmap); one VM per process */
	return run_vm(&vm, o, g);
}
