/* SPDX-License-Identifier: MIT */
/*
 * The hostile-trace corpus (docs/HARDENING.md, "Hostile traces"): forged
 * traces whose checksums are all valid, so they reach past the reader's CRC
 * checks into the replayer and the commands. Each file is made the same way
 * every time from the code below (no randomness), written into OUTDIR:
 *   gen_hostile_traces OUTDIR
 * A file is either a driven board's honest recording with forged records
 * appended (the writer checksums whatever it is given), or a recording
 * whose bytes are patched afterwards with every CRC recomputed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chips/board.h"
#include "format/trace_internal.h"
#include "irqrr/trace.h"

struct forge {
	struct trace_writer *w;
	struct board b;
	uint8_t *kf;
	int failed;
	uint64_t split_in; /* outputs until a flush in mid-input (0: none) */
};

static void forge_sink(void *ctx, const struct irq_event *ev)
{
	struct forge *f = ctx;
	if (trace_writer_append(f->w, ev) < 0)
		f->failed = 1;
	/* as the writer does at 16 MiB: the rest of this input's outputs go
	 * to a chunk with an empty keyframe */
	if (f->split_in && EV_IS_OUTPUT(ev->kind) && !--f->split_in && trace_writer_flush(f->w) < 0)
		f->failed = 1;
}

static const struct trace_kv default_kv[] = {
	{ "source", "gen_hostile_traces" },
	{ "cpus", "1" },
	{ "irqchip", "board" },
};

static int forge_open(struct forge *f, const char *dir, const char *name,
		      const struct trace_kv *kv, size_t nkv, const struct trace_writer_opts *o,
		      size_t ring_bytes)
{
	char path[4096], err[300];
	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!kv) {
		kv = default_kv;
		nkv = sizeof(default_kv) / sizeof(default_kv[0]);
	}
	struct board_config cfg;
	board_config_default(&cfg);
	board_init(&f->b, &cfg, forge_sink, f);
	f->kf = malloc(board_state_size(&f->b));
	f->w = ring_bytes ? trace_writer_open_ring(path, kv, nkv, ring_bytes, o, err, sizeof(err))
			  : trace_writer_open(path, kv, nkv, o, err, sizeof(err));
	if (!f->w || !f->kf) {
		fprintf(stderr, "gen_hostile_traces: %s\n", f->w ? "out of memory" : err);
		free(f->kf);
		return -1;
	}
	return 0;
}

/* An honest input: applied to the board, a keyframe first when the
 * writer wants one, the board's outputs recorded. */
static void forge_input(struct forge *f, struct irq_event ev)
{
	if (trace_writer_wants_keyframe(f->w)) {
		size_t n = board_save(&f->b, f->kf, board_state_size(&f->b));
		if (trace_writer_begin_chunk(f->w, f->kf, n) < 0)
			f->failed = 1;
	}
	if (board_apply(&f->b, &ev))
		f->failed = 1;
}

/* A forged record: written as is, the board never sees it. */
static void forge_raw(struct forge *f, struct irq_event ev)
{
	if (trace_writer_append(f->w, &ev) < 0)
		f->failed = 1;
}

static int forge_close(struct forge *f, const char *name)
{
	char err[300];
	int rc = trace_writer_close(f->w, err, sizeof(err));
	free(f->kf);
	if (rc < 0 || f->failed) {
		fprintf(stderr, "gen_hostile_traces: %s: %s\n", name, rc < 0 ? err : "forging failed");
		return -1;
	}
	return 0;
}

static struct irq_event pio_write(uint64_t t, uint16_t port, uint8_t v)
{
	struct irq_event ev = { .t = t, .kind = EV_PIO_WRITE };
	ev.u.pio.port = port;
	ev.u.pio.value = v;
	return ev;
}

static struct irq_event at_time(uint64_t t)
{
	struct irq_event ev = { .t = t, .kind = EV_TIME };
	return ev;
}

static struct irq_event intack(uint64_t t)
{
	struct irq_event ev = { .t = t, .kind = EV_INTACK };
	return ev;
}

/* The PIC pair as Linux sets it up (vectors 0x30/0x38). */
static void setup_pic(struct forge *f)
{
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
	};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		forge_input(f, pio_write(0, seq[i][0], seq[i][1]));
}

/* PIT channel 0, mode 2, the given count. */
static void setup_pit(struct forge *f, uint64_t t, uint16_t count)
{
	forge_input(f, pio_write(t, 0x43, 0x34));
	forge_input(f, pio_write(t, 0x40, (uint8_t)count));
	forge_input(f, pio_write(t, 0x40, (uint8_t)(count >> 8)));
}

/* n 1 ms ticks, each taken and acknowledged, from t; returns the end time. */
static uint64_t ticks(struct forge *f, uint64_t t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		t += 1000000;
		forge_input(f, at_time(t));
		forge_input(f, intack(t));
		forge_input(f, pio_write(t, 0x20, 0x20));
	}
	return t;
}

/* ------------------------------------------------------ recorded, then forged */

/* The reproducer: PIT at count 2 (~597 kHz), then one record that
 * jumps time to near 2^64 ns: honouring it would take ~10^16 timer edges. */
static int gen_time_jump(const char *dir, const char *name, uint64_t jump_to, unsigned before)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	uint64_t t = ticks(&f, 0, before);
	setup_pit(&f, t + 1000, 2);
	forge_raw(&f, at_time(jump_to));
	forge_raw(&f, intack(jump_to));
	return forge_close(&f, name);
}

/* Many chunks, then the jump in the middle of the trace with honest-looking
 * records after it: state/bisect/reduce reach the jump from a keyframe. */
static int gen_time_jump_mid(const char *dir, const char *name)
{
	struct trace_writer_opts o = { .chunk_events = 200 };
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, &o, 0))
		return -1;
	setup_pic(&f);
	uint64_t t = ticks(&f, 0, 100);
	setup_pit(&f, t + 1000, 2);
	forge_raw(&f, at_time(UINT64_MAX / 2));
	for (int i = 0; i < 50; i++) {
		forge_raw(&f, intack(UINT64_MAX / 2 + (uint64_t)i));
		forge_raw(&f, pio_write(UINT64_MAX / 2 + (uint64_t)i, 0x20, 0x20));
	}
	return forge_close(&f, name);
}

/* Many forged jumps, each bounded on its own by the trace's size: a bound
 * per input would cost (jumps x records), quadratic; the bound is on all
 * the inputs of a run (bounded.h). Each 10 ms step at count 2 emits some
 * 10^4 outputs, well under the bound. */
static int gen_many_jumps(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	setup_pit(&f, 1000, 2);
	for (uint64_t i = 1; i <= 100000; i++)
		forge_raw(&f, at_time(i * 10000000));
	return forge_close(&f, name);
}

/* The jump made by an INTACK's time (any input advances the board). */
static int gen_jump_by_intack(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	setup_pit(&f, 1000, 2);
	forge_raw(&f, intack(UINT64_MAX));
	return forge_close(&f, name);
}

/* Inputs whose time goes backwards, and a deadline at the end of time. */
static int gen_time_backwards(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	uint64_t t = ticks(&f, 0, 20);
	setup_pit(&f, t, 1193);
	forge_raw(&f, at_time(t - 5000000));
	forge_raw(&f, intack(3));
	struct irq_event d = { .t = 2, .kind = EV_DEADLINE };
	d.u.deadline.t = UINT64_MAX - 1;
	forge_raw(&f, d);
	forge_raw(&f, at_time(UINT64_MAX));
	return forge_close(&f, name);
}

/* Inputs the board refuses (GSI, cpu, LVT pin out of range), and a huge
 * run of outputs that no input produced. */
static int gen_bad_inputs(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	ticks(&f, 0, 5);
	struct irq_event irq = { .t = 10000000, .kind = EV_IRQ };
	irq.u.irq.gsi = 200;
	irq.u.irq.level = 7;
	forge_raw(&f, irq);
	struct irq_event ia = { .t = 10000000, .kind = EV_INTACK };
	ia.u.intack.cpu = 250;
	forge_raw(&f, ia);
	struct irq_event lvt = { .t = 10000000, .kind = EV_LVT };
	lvt.u.lvt.cpu = 0;
	lvt.u.lvt.pin = 9;
	forge_raw(&f, lvt);
	for (int i = 0; i < 100000; i++) {
		struct irq_event w = { .t = 10000000, .kind = EV_WIRE };
		w.u.wire.id = (uint8_t)i;
		w.u.wire.level = (uint8_t)(i & 1);
		forge_raw(&f, w);
	}
	return forge_close(&f, name);
}

/* Terminal escapes in the configuration and in context records. */
static int gen_escapes(const char *dir, const char *name)
{
	static const struct trace_kv kv[] = {
		{ "source", "\033]0;pwned\007\033[2J\033[31mred" },
		{ "cpus", "1" },
		{ "\033[1mkey", "bell\007 backspace\b\b cr\r nl\n tab\t del\177 c1\302\233" },
		{ "irqchip", "board" },
	};
	struct forge f;
	if (forge_open(&f, dir, name, kv, sizeof(kv) / sizeof(kv[0]), NULL, 0))
		return -1;
	setup_pic(&f);
	uint64_t t = ticks(&f, 0, 5);
	static const char console[] = "\0\033[2J\033]0;title\007\033[6n";
	if (trace_writer_context(f.w, t, EV_CTX_CONSOLE, console, sizeof(console) - 1) < 0 ||
	    trace_writer_context(f.w, t, EV_CTX_MARK, "\033[31mmark\033[0m\r\n", 15) < 0)
		f.failed = 1;
	ticks(&f, t, 5);
	return forge_close(&f, name);
}

/* A first chunk without a keyframe (the writer opens one when a record
 * comes before any begin_chunk), and keyframes of garbage. */
static int gen_no_keyframe(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	forge_raw(&f, pio_write(0, 0x20, 0x11));
	forge_raw(&f, at_time(1000));
	return forge_close(&f, name);
}

static int gen_bogus_keyframes(const char *dir, const char *name)
{
	struct trace_writer_opts o = { .chunk_events = 100 };
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, &o, 0))
		return -1;
	setup_pic(&f);
	uint64_t t = ticks(&f, 0, 50);
	/* a keyframe of the right length with every byte 0xff, one of a
	 * wrong length, then one the right length of a real state with its
	 * chip bytes flipped */
	size_t n = board_save(&f.b, f.kf, board_state_size(&f.b));
	uint8_t *junk = malloc(n + 7);
	if (!junk)
		return -1;
	memset(junk, 0xff, n + 7);
	trace_writer_begin_chunk(f.w, junk, n);
	forge_raw(&f, at_time(t + 1));
	trace_writer_begin_chunk(f.w, junk, n + 7);
	forge_raw(&f, at_time(t + 2));
	memcpy(junk, f.kf, n);
	for (size_t i = n / 4; i < n; i += 3)
		junk[i] ^= 0xa5;
	trace_writer_begin_chunk(f.w, junk, n);
	forge_raw(&f, at_time(t + 3));
	forge_raw(&f, intack(t + 3));
	free(junk);
	return forge_close(&f, name);
}

/* A flight-recorder trace: the ring dropped the oldest chunks, so the
 * first event number is far above 0 (progress and summary must still
 * count what is in the file). Honest: replays identical. */
static int gen_ring(const char *dir, const char *name)
{
	struct trace_writer_opts o = { .chunk_events = 3000 };
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, &o, 96 << 10))
		return -1;
	setup_pic(&f);
	setup_pit(&f, 0, 1193);
	ticks(&f, 1500000, 40000);
	return forge_close(&f, name);
}

/* An honest multi-chunk trace, the base of the patched files below. */
static int gen_plain(const char *dir, const char *name, unsigned nticks, uint32_t chunk_events)
{
	struct trace_writer_opts o = { .chunk_events = chunk_events };
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, &o, 0))
		return -1;
	setup_pic(&f);
	setup_pit(&f, 0, 1193);
	ticks(&f, 1500000, nticks);
	return forge_close(&f, name);
}

/* Three chunks: set-up and ticks; IRQ0 masked at the PIC; then 100 ms of
 * time with no INTACK. Honest: the PIC's INT stays low (no-intack>5ms never
 * holds). gen_damaged_mask() then damages the middle chunk: a reader that
 * carried its board across the gap would still see IRQ0 unmasked. */
static int gen_mask_then_idle(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	setup_pit(&f, 0, 1193);
	uint64_t t = ticks(&f, 1500000, 20);
	size_t n = board_save(&f.b, f.kf, board_state_size(&f.b));
	trace_writer_begin_chunk(f.w, f.kf, n);
	forge_input(&f, pio_write(t, 0x21, 0x01));
	forge_input(&f, at_time(t + 1000000));
	n = board_save(&f.b, f.kf, board_state_size(&f.b));
	trace_writer_begin_chunk(f.w, f.kf, n);
	for (int i = 2; i <= 100; i++)
		forge_input(&f, at_time(t + (uint64_t)i * 1000000));
	return forge_close(&f, name);
}

/* Four chunks: set-up and ticks; ticks; one 50 ms step whose outputs run
 * on into a chunk with an empty keyframe (as at the 16 MiB limit); ticks.
 * Honest: replays identical. gen_damaged_before_continuation() damages the
 * second chunk: its continuation then has no state to start from. */
static int gen_continuation(const char *dir, const char *name)
{
	struct forge f;
	if (forge_open(&f, dir, name, NULL, 0, NULL, 0))
		return -1;
	setup_pic(&f);
	setup_pit(&f, 0, 1193);
	uint64_t t = ticks(&f, 1500000, 20);
	size_t n = board_save(&f.b, f.kf, board_state_size(&f.b));
	trace_writer_begin_chunk(f.w, f.kf, n);
	t = ticks(&f, t, 10);
	forge_input(&f, pio_write(t, 0x21, 0x01)); /* IRQ0 masked: no INTACK due */
	f.split_in = 40;
	forge_input(&f, at_time(t + 50000000));
	n = board_save(&f.b, f.kf, board_state_size(&f.b));
	trace_writer_begin_chunk(f.w, f.kf, n);
	forge_input(&f, pio_write(t + 50000000, 0x21, 0x00));
	ticks(&f, t + 50000000, 10);
	return forge_close(&f, name);
}

/* ------------------------------------------------------------ patched bytes */

struct file {
	uint8_t *p;
	size_t len;
};

static int file_read(const char *dir, const char *name, struct file *fl)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	fl->p = malloc((size_t)len);
	fl->len = (size_t)len;
	int rc = fl->p && fread(fl->p, 1, fl->len, f) == fl->len ? 0 : -1;
	fclose(f);
	return rc;
}

static int file_write(const char *dir, const char *name, const struct file *fl)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fwrite(fl->p, 1, fl->len, f) == fl->len ? 0 : -1;
	return fclose(f) || rc ? -1 : 0;
}

static uint64_t index_offset(const struct file *fl)
{
	return get_le64(fl->p + fl->len - TRAILER_LEN);
}

/* File offset of chunk i's header, from the index. */
static uint64_t chunk_offset(const struct file *fl, size_t i)
{
	return get_le64(fl->p + index_offset(fl) + 8 + INDEX_ENTRY_LEN * i);
}

static void seal_chunk_header(uint8_t *h)
{
	put_le32(h + 60, trace_crc32c(0, h, 60));
}

/* Index entry i mirrors its chunk header; index CRC and trailer redone. */
static void seal_footer(struct file *fl, size_t i)
{
	uint64_t io = index_offset(fl);
	uint8_t *idx = fl->p + io, *h = fl->p + chunk_offset(fl, i);
	uint32_t n = get_le32(idx + 4);
	uint8_t *e = idx + 8 + INDEX_ENTRY_LEN * i;
	put_le64(e + 8, get_le64(h + 16));
	put_le64(e + 16, get_le64(h + 32));
	put_le64(e + 24, get_le64(h + 40));
	put_le32(e + 32, get_le32(h + 24));
	put_le32(idx + 8 + INDEX_ENTRY_LEN * n, trace_crc32c(0, idx, 8 + INDEX_ENTRY_LEN * n));
	uint64_t total = 0;
	for (uint32_t k = 0; k < n; k++)
		total += get_le32(idx + 8 + INDEX_ENTRY_LEN * k + 32);
	uint8_t *tr = fl->p + fl->len - TRAILER_LEN;
	put_le64(tr + 8, total);
	put_le32(tr + 20, trace_crc32c(0, tr, 20));
}

/* Chunk 0 claims 2^32-1 records; first_event of the last chunk near 2^64. */
static int gen_huge_counts(const char *dir, const char *base)
{
	struct file fl;
	if (file_read(dir, base, &fl))
		return -1;
	uint8_t *h = fl.p + chunk_offset(&fl, 0);
	put_le32(h + 24, UINT32_MAX);
	seal_chunk_header(h);
	seal_footer(&fl, 0);
	int rc = file_write(dir, "huge-event-count.irqrr", &fl);
	free(fl.p);
	if (rc || file_read(dir, base, &fl))
		return -1;
	size_t last = get_le32(fl.p + index_offset(&fl) + 4) - 1;
	h = fl.p + chunk_offset(&fl, last);
	put_le64(h + 16, UINT64_MAX - 3);
	seal_chunk_header(h);
	seal_footer(&fl, last);
	rc = file_write(dir, "huge-first-event.irqrr", &fl);
	free(fl.p);
	return rc;
}

/* Damage (a broken chunk header, no footer) at the start, in the middle and
 * at the tail: recovery skips the first two and reports the torn tail. */
static int gen_damaged(const char *dir, const char *base)
{
	static const struct {
		const char *name;
		int which; /* 0 first, 1 middle, 2 torn tail */
	} cases[] = {
		{ "damaged-first-chunk.irqrr", 0 },
		{ "damaged-middle-chunk.irqrr", 1 },
		{ "torn-tail.irqrr", 2 },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct file fl;
		if (file_read(dir, base, &fl))
			return -1;
		size_t n = get_le32(fl.p + index_offset(&fl) + 4);
		uint64_t end = index_offset(&fl);
		if (cases[k].which == 2) {
			end = chunk_offset(&fl, n - 1) + 100;
		} else {
			uint64_t off = chunk_offset(&fl, cases[k].which ? n / 2 : 0);
			fl.p[off + 1] ^= 0xff; /* the chunk magic */
		}
		fl.len = end; /* no index, no trailer: the reader scans */
		int rc = file_write(dir, cases[k].name, &fl);
		free(fl.p);
		if (rc)
			return -1;
	}
	return 0;
}

/* mask-then-idle.irqrr with its middle chunk (the mask) damaged. */
static int gen_damaged_mask(const char *dir, const char *base)
{
	struct file fl;
	if (file_read(dir, base, &fl))
		return -1;
	uint64_t off = chunk_offset(&fl, 1);
	fl.p[off + 1] ^= 0xff;
	fl.len = index_offset(&fl);
	int rc = file_write(dir, "damaged-hides-mask.irqrr", &fl);
	free(fl.p);
	return rc;
}

/* continuation.irqrr with its second chunk damaged. */
static int gen_damaged_before_continuation(const char *dir, const char *base)
{
	struct file fl;
	if (file_read(dir, base, &fl))
		return -1;
	uint64_t off = chunk_offset(&fl, 1);
	fl.p[off + 1] ^= 0xff;
	fl.len = index_offset(&fl);
	int rc = file_write(dir, "damaged-before-continuation.irqrr", &fl);
	free(fl.p);
	return rc;
}

/* continuation.irqrr whose continuation chunk (2) says its last record is
 * 1 ns later than it is: every check of the chunk holds (header, index and
 * payload checksums), its decoder stops at the end with "last record's time
 * disagrees with the chunk header". */
static int gen_bad_continuation_end(const char *dir, const char *base)
{
	struct file fl;
	if (file_read(dir, base, &fl))
		return -1;
	uint8_t *h = fl.p + chunk_offset(&fl, 2);
	put_le64(h + 40, get_le64(h + 40) + 1);
	seal_chunk_header(h);
	seal_footer(&fl, 2);
	int rc = file_write(dir, "bad-continuation-end.irqrr", &fl);
	free(fl.p);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	const char *d = argv[1];
	int bad = 0;
	bad |= gen_time_jump(d, "time-jump-pit-count2.irqrr", UINT64_MAX - 2, 0);
	bad |= gen_time_jump(d, "time-jump-after-ticks.irqrr", UINT64_MAX / 3, 30);
	bad |= gen_time_jump_mid(d, "time-jump-mid-trace.irqrr");
	bad |= gen_time_backwards(d, "time-backwards.irqrr");
	bad |= gen_many_jumps(d, "time-jumps-many.irqrr");
	bad |= gen_jump_by_intack(d, "time-jump-by-intack.irqrr");
	bad |= gen_bad_inputs(d, "bad-inputs.irqrr");
	bad |= gen_escapes(d, "escapes-in-strings.irqrr");
	bad |= gen_no_keyframe(d, "no-keyframe.irqrr");
	bad |= gen_bogus_keyframes(d, "bogus-keyframes.irqrr");
	bad |= gen_ring(d, "ring.irqrr");
	bad |= gen_plain(d, "plain.irqrr", 3000, 1000);
	bad |= gen_huge_counts(d, "plain.irqrr");
	bad |= gen_damaged(d, "plain.irqrr");
	bad |= gen_mask_then_idle(d, "mask-then-idle.irqrr");
	bad |= gen_damaged_mask(d, "mask-then-idle.irqrr");
	bad |= gen_continuation(d, "continuation.irqrr");
	bad |= gen_damaged_before_continuation(d, "continuation.irqrr");
	bad |= gen_bad_continuation_end(d, "continuation.irqrr");
	return bad ? 1 : 0;
}
