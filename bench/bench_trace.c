/* SPDX-License-Identifier: MIT */
/*
 * Trace writer/reader benchmark on a timer-heavy stream: the PIT ticking at
 * 1 kHz through the PIC (irq0 wire up/down, pic.int, LINT0 ExtINT decision,
 * deadline, INTACK, EOI write to port 0x20, an occasional counter read).
 *
 *   bench_trace [EVENTS (default 10^7)] [RUNS (default 5)] [FILE]
 *
 * Prints: append ns/event (median of RUNS; producer only, and including the
 * final close), compressed bytes/event, decode events/s.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "irqrr/trace.h"

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

/* One tick's worth of events at tick time t; returns how many. */
static size_t tick(struct irq_event *e, uint64_t t, uint64_t n, uint32_t *rng)
{
	size_t k = 0;
	*rng = *rng * 1103515245u + 12345u;
	uint64_t lat = 1500 + ((*rng >> 16) & 511); /* vCPU reaction time */
#define EV(tt, kk) (e[k] = (struct irq_event){ .t = (tt), .kind = (kk) }, &e[k++])
	EV(t, EV_TIME);
	struct irq_event *x = EV(t, EV_WIRE);
	x->u.wire.id = WIRE_IRQ0;
	x->u.wire.level = 1;
	x = EV(t, EV_WIRE);
	x->u.wire.id = WIRE_PIC_INT;
	x->u.wire.level = 1;
	x = EV(t, EV_LINT);
	x->u.lint.mode = LINT_EXTINT;
	x->u.lint.level = 1;
	x = EV(t, EV_DEADLINE);
	x->u.deadline.t = t + 1000000;
	x = EV(t + lat, EV_INTACK);
	x->u.intack.vector = 0x20;
	x = EV(t + lat, EV_WIRE);
	x->u.wire.id = WIRE_PIC_INT;
	x->u.wire.level = 0;
	x = EV(t + lat + 838, EV_WIRE); /* OUT0 low for one 1.193 MHz clock */
	x->u.wire.id = WIRE_IRQ0;
	x->u.wire.level = 0;
	x = EV(t + lat + 4000, EV_PIO_WRITE);
	x->u.pio.port = 0x20;
	x->u.pio.value = 0x20;
	if (n % 10 == 0) {
		x = EV(t + lat + 6000, EV_PIO_WRITE);
		x->u.pio.port = 0x43;
		x->u.pio.value = 0x00;
		x = EV(t + lat + 6500, EV_PIO_READ);
		x->u.pio.port = 0x40;
		x->u.pio.value = (uint8_t)(*rng >> 8);
		x = EV(t + lat + 7000, EV_PIO_READ);
		x->u.pio.port = 0x40;
		x->u.pio.value = (uint8_t)(*rng >> 24);
	}
#undef EV
	return k;
}

int main(int argc, char **argv)
{
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	const char *path = argc > 3 ? argv[3] : "/tmp/bench_trace.irqrr";
	/* a 4th argument "split": format 2.2's split layout (the recorder's) */
	struct trace_writer_opts wo = { .split = argc > 4 && !strcmp(argv[4], "split") };
	if (runs < 1 || runs > 100 || total < 100)
		return 2;
	/* Pre-generate up to 2^20 events; passes over it shift time forward. */
	size_t blk = total < (1u << 20) ? (size_t)total : (1u << 20);
	struct irq_event *evs = malloc((blk + 16) * sizeof *evs);
	if (!evs)
		return 2;
	size_t n = 0;
	uint32_t rng = 1;
	uint64_t ticks = 0;
	while (n < blk) {
		n += tick(evs + n, ticks * 1000000, ticks, &rng);
		ticks++;
	}
	n = blk;
	uint64_t span = ticks * 1000000;
	static uint8_t keyframe[1200];
	memset(keyframe, 0x5a, sizeof keyframe);
	const struct trace_kv kv[] = { { "cpus", "1" }, { "irqchip", "split" }, { "guest", "bench" } };

	double *append_ns = calloc((size_t)runs, sizeof *append_ns);
	double *total_ns = calloc((size_t)runs, sizeof *total_ns);
	for (int r = 0; r < runs; r++) {
		char err[256];
		struct trace_writer *w = trace_writer_open(path, kv, 3, &wo, err, sizeof err);
		if (!w) {
			fprintf(stderr, "bench_trace: %s\n", err);
			return 1;
		}
		double t0 = now_s(), busy = 0;
		uint64_t done = 0, pass = 0;
		while (done < total) {
			size_t m = total - done < n ? (size_t)(total - done) : n;
			double a = now_s();
			for (size_t i = 0; i < m; i++) {
				if (__builtin_expect(trace_writer_wants_keyframe(w), 0))
					trace_writer_begin_chunk(w, keyframe, sizeof keyframe);
				trace_writer_append(w, &evs[i]);
			}
			busy += now_s() - a;
			done += m;
			pass++;
			for (size_t i = 0; i < n; i++) { /* untimed: next pass later in time */
				evs[i].t += span;
				if (evs[i].kind == EV_DEADLINE)
					evs[i].u.deadline.t += span;
			}
		}
		if (trace_writer_close(w, err, sizeof err)) {
			fprintf(stderr, "bench_trace: %s\n", err);
			return 1;
		}
		append_ns[r] = busy * 1e9 / (double)total;
		total_ns[r] = (now_s() - t0) * 1e9 / (double)total;
		for (size_t i = 0; i < n; i++) { /* restore for the next run */
			evs[i].t -= pass * span;
			if (evs[i].kind == EV_DEADLINE)
				evs[i].u.deadline.t -= pass * span;
		}
	}
	qsort(append_ns, (size_t)runs, sizeof *append_ns, cmp_double);
	qsort(total_ns, (size_t)runs, sizeof *total_ns, cmp_double);

	struct stat st;
	stat(path, &st);
	char err[256];
	struct trace_reader *rd = trace_reader_open(path, err, sizeof err);
	if (!rd) {
		fprintf(stderr, "bench_trace: %s\n", err);
		return 1;
	}
	double t0 = now_s();
	uint64_t got = 0, sum = 0;
	for (size_t i = 0; i < trace_reader_chunk_count(rd); i++) {
		struct trace_chunk *c = trace_reader_load_chunk(rd, i);
		if (!c) {
			fprintf(stderr, "bench_trace: %s\n", trace_reader_error(rd));
			return 1;
		}
		struct trace_record rec;
		while (trace_chunk_next(c, &rec) == 1) {
			got++;
			sum += rec.t;
		}
		trace_chunk_free(c);
	}
	double dec = now_s() - t0;
	if (got != total) {
		fprintf(stderr, "bench_trace: read back %" PRIu64 " of %" PRIu64 " events\n", got, total);
		return 1;
	}
	printf("events           %" PRIu64 " (%zu chunks, checksum %" PRIx64 ")\n", total,
	       trace_reader_chunk_count(rd), sum);
	printf("append           %.2f ns/event (median of %d; min %.2f, max %.2f)\n", append_ns[runs / 2],
	       runs, append_ns[0], append_ns[runs - 1]);
	printf("append+close     %.2f ns/event (median, includes draining the LZ4 thread)\n", total_ns[runs / 2]);
	printf("file             %lld bytes, %.3f bytes/event\n", (long long)st.st_size,
	       (double)st.st_size / (double)total);
	printf("decode           %.1f Mevents/s\n", (double)got / dec / 1e6);
	trace_reader_close(rd);
	free(evs);
	free(append_ns);
	free(total_ns);
	if (argc <= 3)
		unlink(path);
	return 0;
}
