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

#include <stdlib.h>
#include <sys/stat.h>

#include "guests/bootinfo.h"
#include "guests/guests.h"
#include "vmm.h"

/* enum trace_exit_reason values (include/irqrr/trace.h; the writer may be
 * absent from this build) */
#define TRACE_EXIT_TIMEOUT_REASON 1
#define TRACE_EXIT_TRIPLE_REASON 4


void recorder_options_default(struct recorder_options *o)
{
	memset(o, 0, sizeof(*o));
	o->cpus = 1;
	o->mem_mib = RECORDER_MEM_MIB_DEFAULT;
	o->chunk_ms = RECORDER_CHUNK_MS_DEFAULT;
	o->keyframe_windows = RECORDER_KEYFRAME_WINDOWS_DEFAULT;
	o->keyframe_kib = RECORDER_KEYFRAME_KIB_DEFAULT;
	/* format 2.4's compact linked framing: the smallest recordings, replayed
	 * at the interleaved layout's cost (docs/PERFORMANCE.md) */
	o->split_records = o->linked_records = o->compact_records = true;
	o->hpet = true;
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
	/* to the trace and the hang report's console tail */
	irqbus_console(&vm->bus, &byte, 1);
}

/* The UART's receive source: what the console read. A byte is recorded
 * when the guest reads it from the RBR: what the guest received. */
static size_t uart_rx_pull(void *ctx, uint8_t *buf, size_t max)
{
	struct vm *vm = ctx;
	return console_pull(&vm->console, buf, max);
}

static void uart_rx_unpull(void *ctx, const uint8_t *buf, size_t n)
{
	struct vm *vm = ctx;
	console_unpull(&vm->console, buf, n);
}

static void uart_rx_taken(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;
	irqbus_console_in(&vm->bus, &byte, 1);
}

static const struct uart_rx_source console_source = {uart_rx_pull, uart_rx_unpull, uart_rx_taken};

static void console_input(void *ctx)
{
	struct vm *vm = ctx;
	uart_rx_poll(&vm->uart);
}

static void console_request(void *ctx)
{
	struct vm *vm = ctx;
	pthread_kill(vm->main_thread, SIGUSR2); /* wait_for_exit takes the request */
}

/* --console stdin: standard input feeds the UART receiver, unless it is a
 * terminal this process does not own (a background job: reading it would
 * stop the process, raw mode would change it under the shell's feet). */
static int console_setup(struct vm *vm, const struct recorder_options *o)
{
	bool tty;
	if (o->console == RECORDER_CONSOLE_NONE)
		return 0;
	if (!console_input_usable(STDIN_FILENO, &tty)) {
		if (o->verbose)
			fprintf(stderr, "irqrr: console: standard input is a terminal in the background: no console input\n");
		return 0;
	}
	if (console_start(&vm->console, STDIN_FILENO, tty, o->verbose, console_input, console_request, vm) < 0)
		return -1;
	uart_set_rx_source(&vm->uart, &console_source);
	uart_rx_poll(&vm->uart);
	return 0;
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
	uint64_t total = 0, inj = 0, nmi = 0, lvt = 0, lvt_skips = 0, kicks = 0, passes = 0;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		for (unsigned r = 0; r < 64; r++)
			total += vm->vcpu[i].exits[r];
		inj += vm->vcpu[i].injections;
		nmi += vm->vcpu[i].nmis;
		lvt += vm->vcpu[i].lvt_reads;
		lvt_skips += vm->vcpu[i].lvt_skips;
		kicks += atomic_load(&vm->vcpu[i].kicks);
		passes += vm->vcpu[i].passes;
	}
	fprintf(stderr, "irqrr: %llu exits in %.3f s (%.0f/s):", (unsigned long long)total, secs,
		secs > 0 ? (double)total / secs : 0.0);
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		uint64_t c = 0;
		for (unsigned i = 0; i < vm->ncpus; i++)
			c += vm->vcpu[i].exits[names[n].reason];
		fprintf(stderr, " %s %llu", names[n].name, (unsigned long long)c);
	}
	fprintf(stderr, "\nirqrr: extint injections %llu, nmis %llu, lvt reads %llu (%llu skipped), msis %llu (%llu undelivered, %llu to no APIC, %llu failed), route updates %llu\n",
		(unsigned long long)inj, (unsigned long long)nmi, (unsigned long long)lvt, (unsigned long long)lvt_skips,
		(unsigned long long)vm->deliver.msi_sent, (unsigned long long)vm->deliver.msi_undelivered,
		(unsigned long long)vm->deliver.msi_nodest, (unsigned long long)vm->deliver.msi_errors,
		(unsigned long long)vm->deliver.route_updates);
	/* At most one kick signal in flight per vCPU (vcpu.c): kicks <= passes + cpus. */
	fprintf(stderr, "irqrr: kick signals %llu, vCPU loop passes %llu, page flushes %lu\n", (unsigned long long)kicks,
		(unsigned long long)passes, atomic_load(&vm->page_flushes));
	if (vm->bus.lag)
		fprintf(stderr, "irqrr: overload: virtual time fell %.3f s behind the host clock (irqbus.c)\n",
			(double)vm->bus.lag / 1e9);
}

/* Report files: opened before the guest starts (an unwritable path fails
 * then), rewritten by each report, removed if no report was written - but
 * only a regular file this run created: never a device node (--report
 * /dev/null), a symlink or a file that was there. */
struct report_file {
	FILE *f;
	bool made;        /* created by this run */
	dev_t dev;        /* and which file it is */
	ino_t ino;
};

struct report_files {
	struct report_file text, json;
	bool written;
};

static int report_file_open(struct report_file *rf, const char *opt, const char *path)
{
	struct stat st;
	memset(rf, 0, sizeof(*rf));
	if (!path)
		return 0;
	bool existed = !lstat(path, &st) || errno != ENOENT;
	if (!(rf->f = fopen(path, "w"))) {
		fprintf(stderr, "irqrr: %s %s: %s\n", opt, path, strerror(errno));
		return -1;
	}
	if (!existed && !fstat(fileno(rf->f), &st) && S_ISREG(st.st_mode)) {
		rf->made = true;
		rf->dev = st.st_dev;
		rf->ino = st.st_ino;
	}
	return 0;
}

static void report_file_close(struct report_file *rf, const char *path, bool written)
{
	struct stat st;
	bool discard = rf->f && !fclose(rf->f) && !written && rf->made;
	rf->f = NULL;
	if (discard && !lstat(path, &st) && S_ISREG(st.st_mode) && st.st_dev == rf->dev &&
	    st.st_ino == rf->ino)
		unlink(path);
}

static int report_files_open(struct report_files *rf, const struct recorder_options *o)
{
	memset(rf, 0, sizeof(*rf));
	if (report_file_open(&rf->text, "--report", o->report_path) ||
	    report_file_open(&rf->json, "--report-json", o->report_json))
		return -1;
	return 0;
}

static void report_files_close(struct report_files *rf, const struct recorder_options *o)
{
	report_file_close(&rf->text, o->report_path, rf->written);
	report_file_close(&rf->json, o->report_json, rf->written);
}

struct report_snap {
	struct vm *vm;
	struct hang_snapshot *snap;
};

static void copy_snapshot(void *ctx, struct board *b)
{
	struct report_snap *r = ctx;
	r->snap->b = *b;
	if (r->vm->track)
		r->snap->t = *r->vm->track;
	r->snap->next_event = r->vm->rec ? recording_next_event(r->vm->rec) : b->event_num;
}

struct report_mark {
	struct vm *vm;
	const char *text;
};

static void mark_locked(void *ctx, struct board *b)
{
	struct report_mark *m = ctx;
	(void)b;
	recording_mark(m->vm->rec, m->text);
}

static void report_mark(void *ctx, const char *text)
{
	struct report_mark m = {.vm = ctx, .text = text};
	irqbus_locked(&m.vm->bus, mark_locked, &m);
}

/* The board at the moment of the report, with what the vCPU snapshots
 * saw of LVT0/LVT1, copied under the bus lock. */
static int take_snapshot(struct vm *vm, const struct vcpu_snap *snaps, struct hang_snapshot *snap)
{
	/* An LVT the snapshot saw and the board has not (KVM does not report
	 * LVT writes): given to the board as an EV_LVT input, so the report
	 * and `irqrr explain` of the trace read the same LVT0. */
	for (unsigned cpu = 0; cpu < vm->ncpus; cpu++) {
		if (!snaps[cpu].valid)
			continue;
		irqbus_sync_lvt(&vm->bus, cpu, 0, snaps[cpu].lvt0);
		irqbus_sync_lvt(&vm->bus, cpu, 1, snaps[cpu].lvt1);
	}
	/* The trace (and the durations the report and `irqrr bisect`
	 * compute) must reach the moment the hang was detected, not stop at
	 * the guest's last chip access. */
	irqbus_advance(&vm->bus);
	struct report_snap r = {.vm = vm, .snap = snap};
	irqbus_locked(&vm->bus, copy_snapshot, &r);
	return 0;
}

static void write_report(struct vm *vm, struct report_files *rf, enum hang_cause cause, const char *why,
			 const struct vcpu_snap *snaps)
{
	struct hang_snapshot *snap = calloc(1, sizeof(*snap));
	if (!snap) {
		fprintf(stderr, "irqrr: hang report: out of memory\n");
		return;
	}
	take_snapshot(vm, snaps, snap);
	FILE *files[2] = {rf->text.f, rf->json.f};
	for (int i = 0; i < 2; i++) {
		if (files[i] && rf->written) { /* each report replaces the previous one */
			rewind(files[i]);
			if (ftruncate(fileno(files[i]), 0) < 0)
				fprintf(stderr, "irqrr: report: ftruncate: %s\n", strerror(errno));
		}
	}
	hang_report(vm, snap, cause, why, snaps, rf->text.f ? rf->text.f : stderr, rf->json.f,
		    vm->rec ? report_mark : NULL, vm);
	free(snap);
	rf->written = true;
	for (int i = 0; i < 2; i++)
		if (files[i] && ferror(files[i]))
			fprintf(stderr, "irqrr: writing the %s report failed\n", i ? "JSON" : "text");
}

static void sync_locked(void *ctx, struct board *b)
{
	struct vm *vm = ctx;
	(void)b;
	if (recording_sync(vm->rec) == 0)
		fprintf(stderr, "irqrr: SIGUSR1: hang report written, trace %s synced\n", vm->opt->trace_path);
}

static void tick_locked(void *ctx, struct board *b)
{
	struct vm *vm = ctx;
	recording_tick(vm->rec, b, irqbus_virtual_now(&vm->bus));
}

/* SIGUSR1: snapshot every running vCPU from its own thread, report, make the
 * trace on disk complete, and go on. */
static void report_running(struct vm *vm, struct report_files *rf)
{
	static struct vcpu_snap snaps[RECORDER_MAX_CPUS]; /* a late vCPU may still write */
	unsigned seen[RECORDER_MAX_CPUS];
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		memset(&snaps[i], 0, sizeof(snaps[i]));
		snprintf(snaps[i].error, sizeof(snaps[i].error), "vCPU thread did not answer within 1 s");
		seen[i] = atomic_load(&v->snap_done);
		v->snap = &snaps[i];
		vcpu_kick(v, VCPU_REQ_SNAPSHOT);
	}
	double until = mono_s() + 1.0;
	for (unsigned i = 0; i < vm->ncpus; i++)
		while (atomic_load(&vm->vcpu[i].snap_done) == seen[i] && mono_s() < until) {
			struct timespec ms = {0, 1000000};
			nanosleep(&ms, NULL);
		}
	write_report(vm, rf, HANG_SIGNAL, "SIGUSR1: report requested, the guest keeps running", snaps);
	if (vm->rec) {
		irqbus_locked(&vm->bus, sync_locked, vm);
	} else {
		fprintf(stderr, "irqrr: SIGUSR1: hang report written\n");
	}
}

#define END_NORMAL 0
#define END_TIMEOUT 1
#define END_SIGNAL 2
#define END_HANG 5 /* the watchdog fired (trace exit reason: timeout) */

/* Waits for the end of the run; returns END_*. */
static int wait_for_exit(struct vm *vm, const sigset_t *set, const struct recorder_options *o,
			 struct report_files *rf)
{
	double now = mono_s();
	double deadline = o->timeout > 0 ? now + o->timeout : 0;
	unsigned long progress = atomic_load(&vm->progress);
	double progress_t = now;
	for (;;) {
		if (vm_exiting(vm))
			return END_NORMAL;
		struct timespec slice = {.tv_sec = 0, .tv_nsec = 100000000};
		now = mono_s();
		if (deadline) {
			double left = deadline - now;
			if (left <= 0) {
				fprintf(stderr, "irqrr: timeout: the guest ran for %g s without exiting\n", o->timeout);
				vm_request_exit(vm, RECORDER_EXIT_TIMEOUT);
				return END_TIMEOUT;
			}
			if (left < 0.1)
				slice.tv_nsec = (long)(left * 1e9) + 1;
		}
		if (o->hang_timeout > 0) {
			unsigned long p = atomic_load(&vm->progress);
			if (p != progress) {
				progress = p;
				progress_t = now;
			} else if (now - progress_t >= o->hang_timeout) {
				fprintf(stderr, "irqrr: hang: no guest progress (no VM exit but kicks, no injection) for %g s\n",
					o->hang_timeout);
				vm_request_exit(vm, RECORDER_EXIT_HANG);
				return END_HANG;
			}
		}
		/* Only if the board is free: a busy board seals its chunks
		 * itself (recording_before_board_call), and waiting here for
		 * a lock the vCPU and timer threads keep taking would delay
		 * the --timeout and signal checks (waits of 200 ms were seen
		 * under the hostile guest's PIT storm). */
		if (vm->rec)
			irqbus_trylocked(&vm->bus, tick_locked, vm);
		/* KVM reports no LVT write, and a vCPU halted in the kernel
		 * makes no exit: while the PIC's INT is up, look at LVT0/LVT1
		 * every slice, so a masking (or unmasking) done after the rise
		 * reaches the board within 100 ms, not only at a hang report.
		 * INT stays up only while nobody takes the INTACK. */
		if (vm->split && irqbus_pic_int(&vm->bus))
			for (unsigned i = 0; i < vm->ncpus; i++)
				vcpu_kick(&vm->vcpu[i], VCPU_REQ_LVT);
		int sig = sigtimedwait(set, NULL, &slice);
		unsigned req = console_take_requests(&vm->console);
		if (req & CONSOLE_REQ_EXIT) {
			fprintf(stderr, "\nirqrr: console: C-a x: stopping\n");
			vm_request_exit(vm, 128 + SIGINT);
			return END_SIGNAL;
		}
		if ((req & CONSOLE_REQ_REPORT) && sig != SIGINT && sig != SIGTERM)
			sig = SIGUSR1; /* a stop that came with it wins */
		if (sig == SIGINT || sig == SIGTERM) {
			fprintf(stderr, "irqrr: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
			vm_request_exit(vm, 128 + sig);
			return END_SIGNAL;
		}
		if (sig == SIGUSR1) {
			if (vm->split)
				report_running(vm, rf);
			else
				fprintf(stderr, "irqrr: SIGUSR1: no hang report under --irqchip=kernel (the chips are KVM's)\n");
		}
	}
}

struct trace_close {
	struct vm *vm;
	int status, reason;
	bool failed;
};

static void close_locked(void *ctx, struct board *b)
{
	struct trace_close *c = ctx;
	(void)b;
	irqbus_detach(&c->vm->bus, c->vm->rec);
	c->failed = recording_close(c->vm->rec, c->status, c->reason) < 0;
	c->vm->rec = NULL;
}

/* The VM, its vCPUs, the bus and what subscribes to it, the port map. */
static int vm_setup(struct vm *vm, const struct recorder_options *o, struct deliver_ops *kvm_ops)
{
	if (vm_create(vm, o) < 0 || cpuid_setup_vm(vm) < 0)
		return -1;
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vcpu_create(vm, i) < 0)
			return -1;
	const struct irqbus_config cfg = {
		.kernel_irqchip = !vm->split,
		.ncpus = vm->ncpus,
		.lint0_bsp = o->lint0_bsp,
		.hpet = o->hpet,
		.ram_size = vm->ram_size,
		/* the RTC starts at the host's wall-clock time */
		.rtc_epoch = (uint64_t)time(NULL),
		.models = o->models,
		.nmodels = o->nmodels,
		.faults = o->faults,
		.nfaults = o->nfaults,
		.irq_line = vm_irq_line,
		.ctx = vm,
	};
	if (irqbus_init(&vm->bus, &cfg) < 0)
		return -1;
	io_map_init(&vm->io, o->verbose);
	if (devices_register(vm, &vm->io) < 0)
		return -1;
	if (!vm->split)
		return 0;
	if (vcpu_register_board_io(vm, &vm->io) < 0)
		return -1;
	vm->track = calloc(1, sizeof(*vm->track));
	if (!vm->track) {
		fprintf(stderr, "irqrr: out of memory\n");
		return -1;
	}
	/* the order of the subscribers is the order the old sink kept: the
	 * hang history, the trace (subscribed after the guest is loaded),
	 * then delivery into KVM */
	vm_deliver_ops(vm, kvm_ops);
	deliver_init(&vm->deliver, &vm->bus, vm->vcpu, vm->ncpus, kvm_ops);
	struct irqbus_subscriber track = hang_track_subscriber(vm->track);
	return irqbus_subscribe(&vm->bus, &track);
}

static int run_vm(struct vm *vm, const struct recorder_options *o, const struct builtin_guest *g)
/* g == NULL: boot o->kernel */
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGUSR1); /* hang report on demand; vCPU kicks use SIGRTMIN */
	pthread_sigmask(SIG_BLOCK, &set, &old);

	int status = RECORDER_EXIT_ERROR, reason = 3;
	double t_stop = 0, t_joined = 0;
	struct report_files rf;
	if (report_files_open(&rf, o) < 0)
		goto out;
	struct deliver_ops kvm_ops;
	if (vm_setup(vm, o, &kvm_ops) < 0)
		goto out;
	uart_init(&vm->uart, uart_irq, uart_tx, vm);
	fwcfg_init(vm);
	if (g ? boot_load_builtin(vm, g->image, g->size) < 0 : boot_load_kernel(vm, o) < 0)
		goto out;
	if (o->trace_path) {
		if (recording_open(vm, o->trace_path, &vm->bus.board, &vm->rec) < 0)
			goto out;
		struct irqbus_subscriber rec = recording_subscriber(vm->rec);
		irqbus_subscribe(&vm->bus, &rec);
		irqbus_set_log(&vm->bus, recording_log(vm->rec));
	}
	if (vm->split) {
		struct irqbus_subscriber d = deliver_subscriber(&vm->deliver);
		irqbus_subscribe(&vm->bus, &d);
	}
	if (irqbus_start(&vm->bus) < 0 || report_initial_lvts(vm) < 0 || console_setup(vm, o) < 0)
		goto out_stop;
	double t0 = mono_s();
	unsigned started = 0;
	for (; started < vm->ncpus; started++)
		if (vcpu_start(&vm->vcpu[started]) < 0)
			break;
	if (started < vm->ncpus)
		vm_request_exit(vm, RECORDER_EXIT_ERROR);
	int end = wait_for_exit(vm, &set, o, &rf);
	t_stop = mono_s();
	console_stop(&vm->console); /* no input after the end; the terminal back */
	for (unsigned i = 0; i < started; i++)
		pthread_join(vm->vcpu[i].thread, NULL);
	t_joined = mono_s();
	int shut = atomic_load(&vm->shutdown_cpu);
	if ((end == END_HANG || shut) && vm->split && started == vm->ncpus) {
		/* the vCPU threads are gone: their fds are free for the snapshot */
		static struct vcpu_snap snaps[RECORDER_MAX_CPUS];
		for (unsigned i = 0; i < vm->ncpus; i++)
			vcpu_snapshot(&vm->vcpu[i], &snaps[i]);
		char why[96];
		if (shut)
			snprintf(why, sizeof(why), "cpu %d: KVM_EXIT_SHUTDOWN (triple fault)", shut - 1);
		else
			snprintf(why, sizeof(why), "no guest progress for %g s", o->hang_timeout);
		write_report(vm, &rf, shut ? HANG_SHUTDOWN : HANG_WATCHDOG, why, snaps);
	}
	reason = end == END_HANG ? TRACE_EXIT_TIMEOUT_REASON : shut ? TRACE_EXIT_TRIPLE_REASON : end;
	double secs = mono_s() - t0;
	pthread_mutex_lock(&vm->exit_lock);
	status = vm->exit_status;
	pthread_mutex_unlock(&vm->exit_lock);
	if (reason == 0 && status == RECORDER_EXIT_ERROR)
		reason = 3;
	if (o->verbose)
		print_stats(vm, secs);
out_stop:
	console_stop(&vm->console);
	irqbus_stop(&vm->bus);
	double t_timer = mono_s();
	if (vm->rec) {
		struct trace_close c = {.vm = vm, .status = reason == 2 ? status - 128 : status, .reason = reason};
		irqbus_locked(&vm->bus, close_locked, &c);
		if (c.failed && status == 0)
			status = RECORDER_EXIT_ERROR;
	}
	/* where a stop spends its time (a SIGINT must end the run within 1 s) */
	if (o->verbose && t_stop > 0)
		fprintf(stderr, "irqrr: stop: vCPUs joined %.0f ms, timer thread %.0f ms, trace closed %.0f ms after the end was decided\n",
			(t_joined - t_stop) * 1e3, (t_timer - t_stop) * 1e3, (mono_s() - t_stop) * 1e3);
out:
	report_files_close(&rf, o);
	vm_destroy(vm);
	free(vm->track);
	vm->track = NULL;
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
	/* A closed standard output (`irqrr record ... | head`) is the console's
	 * loss, not a reason to die before the trace is closed: uart_tx
	 * ignores the write error. */
	signal(SIGPIPE, SIG_IGN);
	if (o->kernel && o->guest) {
		fprintf(stderr, "irqrr: --kernel and --guest exclude each other\n");
		return RECORDER_EXIT_ERROR;
	}
	if (!o->kernel && (o->initrd || o->nmodules)) {
		fprintf(stderr, "irqrr: --initrd and --module need --kernel\n");
		return RECORDER_EXIT_ERROR;
	}
	/* A built-in guest reads --append from its boot info (e.g. hostile's seed=). */
	if (!o->kernel && o->append && strlen(o->append) >= BOOTINFO_CMDLINE_MAX) {
		fprintf(stderr, "irqrr: --append: a built-in guest's command line is limited to %d bytes\n",
			BOOTINFO_CMDLINE_MAX - 1);
		return RECORDER_EXIT_ERROR;
	}
	if (!o->kernel) {
		const char *name = o->guest ? o->guest : "demo";
		g = builtin_guest_find(name);
		if (!g) {
			fprintf(stderr, "irqrr: --guest %s: no such built-in guest (see --list-guests)\n", name);
			return RECORDER_EXIT_ERROR;
		}
		if (o->cpus && o->cpus < g->min_cpus) { /* 0: kvm.c names the limits */
			fprintf(stderr, "irqrr: guest %s needs --cpus %u or more\n", name, g->min_cpus);
			return RECORDER_EXIT_ERROR;
		}
	}
	if (o->kernel_irqchip && o->hang_timeout > 0) {
		fprintf(stderr, "irqrr: --hang-timeout needs the split irqchip (with --irqchip=kernel the chips are KVM's)\n");
		return RECORDER_EXIT_ERROR;
	}
	if (o->kernel_irqchip && o->nfaults) {
		fprintf(stderr, "irqrr: --fault needs the split irqchip (with --irqchip=kernel the chips are KVM's)\n");
		return RECORDER_EXIT_ERROR;
	}
	if (o->ring_mib > 0 && !o->trace_path) {
		fprintf(stderr, "irqrr: --ring is for `irqrr record`\n");
		return RECORDER_EXIT_ERROR;
	}
	if (o->trace_path && o->kernel_irqchip) {
		fprintf(stderr, "irqrr: record: --irqchip=kernel keeps the chips in KVM, there is nothing to record\n");
		return RECORDER_EXIT_ERROR;
	}
	static struct vm vm; /* large (per-port log bitmap); one VM per process */
	return run_vm(&vm, o, g);
}
