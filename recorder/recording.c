/* SPDX-License-Identifier: MIT */
/*
 * `irqrr record`: the board's event stream into a trace (include/irqrr/trace.h)
 * through the board-to-trace adapter (format/board_trace.h). A subscriber of
 * the bus (irqbus.h): every writer call happens with the bus lock held (the
 * writer is single producer): board events, MSI results and console bytes
 * from the bus, marks, syncs and the exit record under irqbus_locked().
 *
 * As the bus's log, it numbers the board's events as the trace does, and
 * before each board call starts a new chunk with a keyframe (board_save)
 * whenever the writer wants one, so every chunk replays on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

#include "format/board_trace.h"
#include "irqrr/trace.h"

/* Console batching (docs/FORMAT.md, "Writer behaviour"): the guest's UART
 * output is written as one console record per run of bytes, not one per
 * byte. A run ends before any other record is appended (board event or
 * context record), so the console text keeps its place among the board's
 * events; and after a newline, at RECORDING_CONSOLE_MAX bytes,
 * RECORDING_CONSOLE_NS after its first byte (checked at the next byte and by
 * the timer tick: less than a chunk's window, whose records a killed
 * recorder loses anyway), before a chunk is sealed, at a sync and at the
 * end. */
#define RECORDING_CONSOLE_MAX 256
#define RECORDING_CONSOLE_NS 100000000ull /* 100 ms of virtual time */

struct recording {
	struct vm *vm;
	const struct board *board; /* read under the bus lock */
	struct irqbus_log log;
	struct trace_writer *w;
	struct board_trace bt;     /* the board-to-trace adapter (format/) */
	bool failed;
	uint64_t chunk_ns; /* --chunk-ms */
	unsigned faults_noted; /* fired faults already marked in the trace */
	/* Console output not yet written: one EV_CTX_CONSOLE record for a run
	 * of bytes (cpu byte first), at the time of its first byte. */
	uint8_t con[1 + RECORDING_CONSOLE_MAX];
	size_t con_len; /* bytes after the cpu byte */
	uint64_t con_t;
};

/* A chunk's records lie within --chunk-ms (250 ms) of virtual time of its
 * first one: the chunk is sealed before the first board call at or past
 * that (the bus splits a call that would emit timer events past it,
 * irqbus.c), or by the timer thread when the guest is quiet. A recorder
 * that is killed loses only the last chunk plus what the writer queue held
 * (docs/hang.md, crash consistency), and `bisect` passes over chunks no
 * longer than a predicate's duration by their keyframes (docs/debugging.md). */
static void recording_fail(struct recording *r, const char *what, int status)
{
	if (r->failed)
		return;
	r->failed = true;
	fprintf(stderr, "irqrr: trace %s: %s (%s)\n", what, trace_writer_error(r->w),
		trace_status_name(status));
	vm_request_exit(r->vm, RECORDER_EXIT_ERROR);
}

/* Write the pending console run, if any. */
static void recording_console_flush(struct recording *r)
{
	if (!r->con_len)
		return;
	size_t n = r->con_len + 1;
	r->con_len = 0;
	if (r->failed)
		return;
	r->con[0] = 0; /* cpu: the UART does not know; 0 */
	int s = trace_writer_context(r->w, r->con_t, EV_CTX_CONSOLE, r->con, n);
	if (s < 0)
		recording_fail(r, "console", s);
}

/* The keyframe policy: --keyframe-windows N (1: a keyframe in every chunk,
 * the policy off) and --keyframe-kib (--records compact, the default: 64
 * and 256 unless given, or --ring, whose dumps drop whole runs: 16 and
 * 64 keep its granularity); LZ4 HC, as the recorder produces in
 * real time (a chunk per 250 ms of guest time, or 256 KiB): the writer
 * thread keeps up and the producer never waits for it. */
static struct trace_writer_opts recording_writer_opts(const struct recorder_options *o)
{
	struct trace_writer_opts wo = {.lz4_hc = RECORDER_LZ4_HC_LEVEL, .split = o->split_records,
				     .linked = o->linked_records, .compact = o->compact_records};
	unsigned windows = o->keyframe_windows ? o->keyframe_windows : RECORDER_KEYFRAME_WINDOWS_DEFAULT;
	unsigned kib = o->keyframe_kib ? o->keyframe_kib : RECORDER_KEYFRAME_KIB_DEFAULT;
	if (o->compact_records && !o->keyframe_given && !(o->ring_mib > 0)) { /* the smallest: longer runs */
		windows = RECORDER_COMPACT_KEYFRAME_WINDOWS;
		kib = RECORDER_COMPACT_KEYFRAME_KIB;
	}
	if (windows > 1) {
		wo.keyframe_chunks = windows;
		wo.keyframe_bytes = (size_t)kib << 10;
	}
	return wo;
}

int recording_open(struct vm *vm, const char *path, const struct board *b, struct recording **out)
{
	struct recording *r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->vm = vm;
	r->board = b;
	r->chunk_ns = (uint64_t)(vm->opt->chunk_ms ? vm->opt->chunk_ms : RECORDER_CHUNK_MS_DEFAULT) * 1000000ull;
	char cpus[16], mem[16], err[256];
	snprintf(cpus, sizeof(cpus), "%u", vm->ncpus);
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)(vm->ram_size >> 20));
	struct trace_kv kv[] = {
		{"recorder", "irqrr-vmm"},
		/* --kernel: the file, not the default built-in guest's name */
		{vm->opt->kernel ? "kernel" : "guest",
		 vm->opt->kernel ? vm->opt->kernel : vm->opt->guest ? vm->opt->guest : "demo"},
		{"cpus", cpus},
		{"mem_mib", mem},
		{"irqchip", "split"},
		{"lint0", b->cfg.lint0_bsp_only ? "bsp" : "broadcast"},
		{"time", "CLOCK_MONOTONIC ns since VM start"},
		{"cpuid", cpuid_policy_name(vm->cpuid_policy)},
		{"cpuid_cleared", vm->cpuid_masked},
		{"cpuid_linux_clearcpuid", vm->cpuid_linux_clear},
		/* format 2.1: a KVM_SIGNAL_MSI that delivered has no msi_result
		 * record; only the others do (docs/FORMAT.md) */
		{"msi_results", "failures"},
	};
	struct trace_kv all[sizeof(kv) / sizeof(kv[0]) + BOARD_TRACE_HEADER_EXTRA];
	char keys[BOARD_TRACE_HEADER_ROWS][BOARD_TRACE_KEY_MAX];
	size_t nkv = board_trace_header(kv, sizeof(kv) / sizeof(kv[0]), b, all, keys);
	if (vm->opt->ring_mib > 0) {
		/* Flight recorder: newest chunks in memory. Raw chunks of 1/8 of
		 * the ring (4 KiB..256 KiB), so the ring keeps several chunks and
		 * drops history in small steps. */
		size_t max = (size_t)(vm->opt->ring_mib * 1048576.0);
		struct trace_writer_opts wo = recording_writer_opts(vm->opt);
		wo.chunk_bytes = max / 8;
		if (wo.chunk_bytes < 4096)
			wo.chunk_bytes = 4096;
		if (wo.chunk_bytes > 256 * 1024)
			wo.chunk_bytes = 256 * 1024;
		r->w = trace_writer_open_ring(path, all, nkv, max, &wo, err, sizeof(err));
	}
	else {
		struct trace_writer_opts wo = recording_writer_opts(vm->opt);
		r->w = trace_writer_open(path, all, nkv, &wo, err, sizeof(err));
	}
	if (!r->w || board_trace_init(&r->bt, r->w, b) < 0) {
		fprintf(stderr, "irqrr: %s\n", r->w ? "out of memory" : err);
		if (r->w)
			trace_writer_close(r->w, NULL, 0);
		free(r);
		return -1;
	}
	*out = r;
	return 0;
}

static uint64_t recording_window_end(const struct recording *r, uint64_t next)
{
	uint64_t first;
	if (!trace_writer_chunk_first_t(r->w, &first))
		first = next;
	return first + r->chunk_ns;
}

static void recording_seal(struct recording *r, const struct board *b)
{
	recording_console_flush(r);
	if (r->failed)
		return;
	int s = board_trace_seal(&r->bt, b);
	if (s < 0)
		recording_fail(r, "keyframe", s);
}

/* now: the time of the call about to be made. */
static void recording_before_board_call(struct recording *r, const struct board *b, uint64_t now)
{
	if (r->failed)
		return;
	if (now < b->s.now)
		now = b->s.now; /* the board treats a past time as its own */
	if (trace_writer_wants_keyframe(r->w) || now >= recording_window_end(r, now))
		recording_seal(r, b);
}

/* A --fault fired: a mark after the event in which it acted ("fault:
 * --fault eoi-drop:pin=4,nth=3: EOI #3 (vector 0x31) of pin 4 dropped at
 * t=... ns"), for `irqrr dump`. Context only: replay applies the fault
 * from the keyframes. */
static void recording_note_faults(struct recording *r)
{
	for (unsigned i = 0; i < board_fault_count(r->board); i++) {
		const struct board_fault *f = board_fault_at(r->board, i);
		char text[200];
		if (!f->fired || ((r->faults_noted >> i) & 1u))
			continue;
		r->faults_noted |= 1u << i;
		memcpy(text, "fault: ", 7);
		board_fault_describe(f, text + 7, sizeof(text) - 7);
		recording_mark(r, text);
	}
}

static void recording_event(struct recording *r, const struct irq_event *ev)
{
	recording_console_flush(r);
	if (r->failed)
		return;
	int s = board_trace_event(&r->bt, ev);
	if (s < 0)
		recording_fail(r, "append", s);
	if (board_faults_fired(r->board) != (unsigned)__builtin_popcount(r->faults_noted))
		recording_note_faults(r);
}

static uint64_t recording_now(struct recording *r)
{
	/* board time: never before the last event */
	return r->board->s.now;
}

static void recording_console(struct recording *r, const uint8_t *bytes, size_t n)
{
	if (r->failed || n > 64)
		return;
	uint64_t now = recording_now(r);
	if (r->con_len && (r->con_len + n > RECORDING_CONSOLE_MAX || now - r->con_t >= RECORDING_CONSOLE_NS))
		recording_console_flush(r);
	if (!r->con_len)
		r->con_t = now;
	for (size_t i = 0; i < n; i++) {
		r->con[1 + r->con_len++] = bytes[i];
		if (bytes[i] == '\n' && i + 1 < n) {
			recording_console_flush(r);
			r->con_t = now;
		}
	}
	if (r->con_len && r->con[r->con_len] == '\n')
		recording_console_flush(r);
}

/* Bytes the guest's UART received (EV_CTX_CONSOLE_IN), at most 64. */
static void recording_console_in(struct recording *r, const uint8_t *bytes, size_t n)
{
	recording_console_flush(r);
	if (r->failed || n > 64)
		return;
	int s = trace_writer_context(r->w, recording_now(r), EV_CTX_CONSOLE_IN, bytes, n);
	if (s < 0)
		recording_fail(r, "console input", s);
}

/* Only the messages KVM did not deliver get a record ("msi_results":
 * "failures" in the header): the apic record before it says which message
 * was sent, and a delivered one needs nothing more. */
static void recording_msi_result(struct recording *r, const struct apic_msg *m, int result)
{
	if (r->failed || result > 0)
		return;
	recording_console_flush(r);
	if (r->failed)
		return;
	struct trace_ctx_msi c = {.msg = *m};
	c.result = result > 0 ? TRACE_MSI_DELIVERED : result == 0 ? TRACE_MSI_NOT_DELIVERED : TRACE_MSI_ERROR;
	c.err = (uint8_t)(result < 0 ? errno : 0);
	uint8_t buf[TRACE_CTX_MSI_LEN];
	size_t n = trace_ctx_msi_pack(buf, &c);
	int s = trace_writer_context(r->w, recording_now(r), EV_CTX_MSI_RESULT, buf, n);
	if (s < 0)
		recording_fail(r, "msi result", s);
}

void recording_tick(struct recording *r, const struct board *b, uint64_t now)
{
	/* A quiet guest makes no board calls: seal its last events anyway. */
	if (r->con_len && now - r->con_t >= RECORDING_CONSOLE_NS)
		recording_console_flush(r);
	uint64_t first;
	if (!r->failed && trace_writer_chunk_first_t(r->w, &first) && now >= first + r->chunk_ns)
		recording_seal(r, b);
}

/* A pending console run is written before the next board event: count it. */
uint64_t recording_next_event(struct recording *r)
{
	return trace_writer_event_count(r->w) + (r->con_len ? 1 : 0);
}

void recording_mark(struct recording *r, const char *text)
{
	recording_console_flush(r);
	if (r->failed)
		return;
	int s = trace_writer_context(r->w, recording_now(r), EV_CTX_MARK, text, strlen(text));
	if (s < 0)
		recording_fail(r, "mark", s);
}

int recording_sync(struct recording *r)
{
	recording_console_flush(r);
	if (r->failed)
		return -1;
	int s = r->vm->opt->ring_mib > 0 ? trace_writer_dump(r->w) : trace_writer_flush(r->w);
	if (s < 0) {
		recording_fail(r, r->vm->opt->ring_mib > 0 ? "ring dump" : "flush", s);
		return -1;
	}
	return 0;
}

int recording_close(struct recording *r, int exit_status, int reason)
{
	char err[256];
	uint8_t buf[TRACE_CTX_EXIT_LEN];
	recording_console_flush(r);
	if (!r->failed) {
		size_t n = trace_ctx_exit_pack(buf, (uint8_t)reason, exit_status);
		trace_writer_context(r->w, recording_now(r), EV_CTX_EXIT, buf, n);
	}
	int s = trace_writer_close(r->w, err, sizeof(err));
	if (s < 0 && !r->failed) /* a failure is reported once */
		fprintf(stderr, "irqrr: %s\n", err);
	board_trace_free(&r->bt);
	free(r);
	return s < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ the bus's view */

static void sub_event(void *ctx, uint64_t num, const struct irq_event *ev)
{
	(void)num;
	recording_event(ctx, ev);
}

static void sub_msi_result(void *ctx, const struct apic_msg *m, int result)
{
	recording_msi_result(ctx, m, result);
}

static void sub_console(void *ctx, const uint8_t *bytes, size_t n)
{
	recording_console(ctx, bytes, n);
}

static void sub_console_in(void *ctx, const uint8_t *bytes, size_t n)
{
	recording_console_in(ctx, bytes, n);
}

struct irqbus_subscriber recording_subscriber(struct recording *r)
{
	return (struct irqbus_subscriber){.ctx = r, .event = sub_event, .msi_result = sub_msi_result,
					  .console = sub_console, .console_in = sub_console_in};
}

static uint64_t log_next_event(void *ctx)
{
	return recording_next_event(ctx);
}

static uint64_t log_window_end(void *ctx, uint64_t next)
{
	return recording_window_end(ctx, next);
}

static void log_seal(void *ctx, const struct board *b)
{
	recording_seal(ctx, b);
}

static void log_before_call(void *ctx, const struct board *b, uint64_t now)
{
	recording_before_board_call(ctx, b, now);
}

const struct irqbus_log *recording_log(struct recording *r)
{
	r->log = (struct irqbus_log){.ctx = r, .next_event = log_next_event, .window_end = log_window_end,
				     .seal = log_seal, .before_call = log_before_call};
	return &r->log;
}
