/* SPDX-License-Identifier: MIT */
/*
 * Board benchmark: ns per board event on a realistic mixed stream, the one a
 * VMM drives with a Linux-like guest:
 *   - PIT channel 0, mode 2, 1 kHz, through the PIC (LINT0 ExtINT): per tick
 *     the timer thread advances the board to the deadline (OUT0 falls and
 *     rises, INT rises, LINT0 request), the vCPU runs INTACK and writes a
 *     non-specific EOI to port 0x20;
 *   - every 4th tick a counter latch + two reads of port 0x40 (clocksource);
 *   - every 8th tick a level-triggered line (GSI 10) through the IOAPIC: the
 *     device asserts, the APIC message goes out, the handler reads the RTE,
 *     deasserts and the LAPIC EOI reaches the IOAPIC.
 *
 *   bench_board [TICKS (default 10^6)] [RUNS (default 5)] [--trace FILE [--chunk-ms MS] [--stuck-at TICK]]
 *
 * Prints ns/event and ns/input (median of RUNS), events per tick. With
 * --hc LEVEL: the writer compresses with LZ4 HC at LEVEL; the traced run
 * then prints the producer's ns/event and the writer's stalls. With
 * --trace FILE it also writes the stream (one run) as a trace, for the
 * replay and `state --at` benchmarks (bench/run.sh). --chunk-ms MS also
 * starts a chunk whenever MS of virtual time passed since the last one, as
 * the recorder does every 250 ms (recorder/recording.c), for the bisect
 * benchmark (bench/bench_debug.sh). --stuck-at TICK plants a driver bug in
 * the traced run: from that tick on, GSI 10's handler forgets its EOI, so
 * the IOAPIC's remote IRR stays set.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chips/board.h"
#include "irqrr/trace.h"
#include "recorder/recorder.h"

struct counter {
	uint64_t events;
	struct trace_writer *w;
	uint64_t chunk_ns, chunk_t; /* --chunk-ms; time of the last keyframe */
	uint64_t stuck_at;          /* --stuck-at: first tick without GSI 10's EOI */
};

static void count_sink(void *ctx, const struct irq_event *ev)
{
	struct counter *c = ctx;
	c->events++;
	if (c->w)
		trace_writer_append(c->w, ev);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint8_t keyframe[8192];

static void maybe_keyframe(struct counter *c, struct board *b)
{
	if (c->w && (trace_writer_wants_keyframe(c->w) ||
		     (c->chunk_ns && b->s.now - c->chunk_t >= c->chunk_ns))) {
		size_t n = board_save(b, keyframe, sizeof(keyframe));
		trace_writer_begin_chunk(c->w, keyframe, n);
		c->chunk_t = b->s.now;
	}
}

#define IN(call)                             \
	do {                                 \
		maybe_keyframe(c, b);        \
		call;                        \
		inputs++;                    \
	} while (0)

static uint64_t run(struct board *b, struct counter *c, uint64_t ticks)
{
	static const uint16_t port[] = { 0x20, 0x21, 0x21, 0x21, 0xa0, 0xa1, 0xa1, 0xa1 };
	static const uint8_t val[] = { 0x11, 0x30, 0x04, 0x01, 0x11, 0x38, 0x02, 0x01 };
	uint64_t inputs = 0, t = 1000;
	uint32_t rng = 12345;

	for (unsigned i = 0; i < 8; i++)
		IN(board_pio_write(b, t, port[i], val[i]));
	IN(board_pio_write(b, t, 0x43, 0x34));
	IN(board_pio_write(b, t, 0x40, 0xa9));
	IN(board_pio_write(b, t, 0x40, 0x04));
	/* GSI 10: level, active high, vector 0x4a, unmasked */
	IN(board_mmio_write(b, t, IOAPIC_BASE, 0x10 + 2 * 10));
	IN(board_mmio_write(b, t, IOAPIC_BASE + 0x10, 0x804a));
	IN(board_pio_write(b, t, 0xa1, 0x04)); /* PIC: mask IRQ10 */
	for (uint64_t k = 0; k < ticks; k++) {
		uint64_t d = board_next_deadline(b);
		rng = rng * 1103515245u + 12345u;
		t = d + 2000 + ((rng >> 16) & 1023); /* timer thread latency */
		IN(board_advance(b, t));
		t += 3000;
		IN(board_intack(b, t, 0));
		t += 2000;
		IN(board_pio_write(b, t, 0x20, 0x20));
		if ((k & 3) == 0) {
			t += 1000;
			IN(board_pio_write(b, t, 0x43, 0x00));
			IN(board_pio_read(b, t + 500, 0x40));
			IN(board_pio_read(b, t + 1000, 0x40));
		}
		if ((k & 7) == 0) {
			t += 10000;
			IN(board_set_irq(b, t, 10, 1));
			IN(board_mmio_write(b, t + 4000, IOAPIC_BASE, 0x10 + 2 * 10));
			IN(board_mmio_read(b, t + 5000, IOAPIC_BASE + 0x10));
			IN(board_set_irq(b, t + 6000, 10, 0));
			if (k < c->stuck_at)
				IN(board_eoi(b, t + 7000, 0x4a, 0));
		}
	}
	return inputs;
}

int main(int argc, char **argv)
{
	uint64_t ticks = 1000000;
	int runs = 5;
	const char *trace = NULL;
	uint64_t chunk_ms = 0, stuck_at = UINT64_MAX;
	int pos = 0, history = 0, hpet = 0, hc = 0, compact = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace = argv[++i];
		else if (!strcmp(argv[i], "--chunk-ms") && i + 1 < argc)
			chunk_ms = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--history"))
			history = 1; /* the line history, as the recorder keeps it */
		else if (!strcmp(argv[i], "--hpet"))
			hpet = 1; /* an idle HPET on the board, as the recorder fits one */
		else if (!strcmp(argv[i], "--stuck-at") && i + 1 < argc)
			stuck_at = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--hc") && i + 1 < argc)
			hc = atoi(argv[++i]); /* the writer's LZ4 HC level (0: LZ4 fast) */
		else if (!strcmp(argv[i], "--compact"))
			compact = 1; /* format 2.4's layout (split, linked, compact framing), the recorder's */
		else if (pos++ == 0)
			ticks = strtoull(argv[i], NULL, 0);
		else
			runs = atoi(argv[i]);
	}
	if (runs < 1 || runs > 100 || ticks < 1) {
		fprintf(stderr, "usage: bench_board [TICKS] [RUNS] [--history] [--hpet] [--trace FILE [--chunk-ms MS] [--stuck-at TICK] [--hc LEVEL] [--compact]]\n");
		return 2;
	}
	struct board *b = malloc(sizeof(*b));
	double *per_event = calloc((size_t)runs, sizeof(double));
	double *per_input = calloc((size_t)runs, sizeof(double));
	struct board_config cfg;
	uint64_t events = 0, inputs = 0;
	if (!b || !per_event || !per_input)
		return 1;
	board_config_default(&cfg);
	cfg.hpet = (uint8_t)hpet;
	for (int r = 0; r < runs; r++) {
		struct counter c = { 0, NULL, 0, 0, UINT64_MAX };
		board_init(b, &cfg, count_sink, &c);
		if (history)
			board_keep_history(b);
		double t0 = now_s();
		inputs = run(b, &c, ticks);
		double dt = now_s() - t0;
		events = c.events;
		per_event[r] = dt * 1e9 / (double)events;
		per_input[r] = dt * 1e9 / (double)inputs;
	}
	qsort(per_event, (size_t)runs, sizeof(double), cmp_double);
	qsort(per_input, (size_t)runs, sizeof(double), cmp_double);
	printf("board: %" PRIu64 " ticks, %" PRIu64 " inputs, %" PRIu64 " events (%.2f events/tick), %d runs\n",
	       ticks, inputs, events, (double)events / (double)ticks, runs);
	printf("board: median %.2f ns/event, %.2f ns/input (min %.2f, max %.2f ns/event)\n",
	       per_event[runs / 2], per_input[runs / 2], per_event[0], per_event[runs - 1]);
	if (trace) {
		char err[300];
		struct counter c = { 0, NULL, chunk_ms * 1000000, 0, stuck_at };
		const struct trace_kv kv[] = { { "source", "bench_board" } };
		struct trace_writer_opts wo = { .lz4_hc = hc, .split = compact, .linked = compact, .compact = compact };
		if (compact) { /* keyframes as the recorder spaces them in this layout */
			wo.keyframe_chunks = RECORDER_COMPACT_KEYFRAME_WINDOWS;
			wo.keyframe_bytes = (size_t)RECORDER_COMPACT_KEYFRAME_KIB << 10;
		}
		c.w = trace_writer_open(trace, kv, 1, &wo, err, sizeof(err));
		if (!c.w) {
			fprintf(stderr, "bench_board: %s\n", err);
			return 1;
		}
		board_init(b, &cfg, count_sink, &c);
		double t0 = now_s();
		run(b, &c, ticks);
		double t1 = now_s();
		struct trace_writer_stats st;
		if (trace_writer_flush(c.w) == 0) {
			trace_writer_stats(c.w, &st);
			printf("trace: producer %.2f ns/event; %" PRIu64 " chunks, %" PRIu64
			       " stalls (queue full), compression %.1f us/chunk\n",
			       (t1 - t0) * 1e9 / (double)c.events, st.chunks, st.stalls,
			       st.chunks ? (double)st.compress_ns / 1e3 / (double)st.chunks : 0.0);
		}
		if (trace_writer_close(c.w, err, sizeof(err)) < 0) {
			fprintf(stderr, "bench_board: %s\n", err);
			return 1;
		}
		printf("trace: %s, %" PRIu64 " events\n", trace, c.events);
	}
	free(b);
	free(per_event);
	free(per_input);
	return 0;
}
