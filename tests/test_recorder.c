/* SPDX-License-Identifier: MIT */
/*
 * The recorder's bus without KVM (docs/recorder.md): the bus (recorder/irqbus.c)
 * with a fake clock, delivery (recorder/deliver.c) through fake VM ioctls,
 * vCPUs that are never started (a kick only sets their request bits, the
 * ExtINT flag is theirs to read), and the trace (recorder/recording.c) as
 * the recorder writes it. No /dev/kvm is opened.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "irqrr/trace.h"
#include "recorder/vmm.h"
#include "replayer/replay.h"

#define MAX_MSI 4096

/* ------------------------------------------------------------ fake KVM */

struct fake_kvm {
	unsigned nmsi;
	struct kvm_msi msi[MAX_MSI];
	unsigned total_msi;        /* also past MAX_MSI */
	unsigned nrouting;         /* KVM_SET_GSI_ROUTING calls */
	struct kvm_irq_routing_entry routes[BOARD_GSIS];
	unsigned nroutes;
	int result;                /* what KVM_SIGNAL_MSI returns; 0 in the struct: 1 */
};

static int fake_signal_msi(void *ctx, const struct kvm_msi *msi)
{
	struct fake_kvm *k = ctx;
	if (k->nmsi < MAX_MSI)
		k->msi[k->nmsi++] = *msi;
	k->total_msi++;
	if (k->result < 0)
		errno = EPERM; /* no APIC matched the destination */
	return k->result ? k->result : 1; /* delivered */
}

static int fake_set_gsi_routing(void *ctx, const struct kvm_irq_routing *r)
{
	struct fake_kvm *k = ctx;
	k->nrouting++;
	k->nroutes = r->nr;
	memcpy(k->routes, r->entries, r->nr * sizeof(r->entries[0]));
	return 0;
}

static uint8_t msi_vector(const struct kvm_msi *m)
{
	return (uint8_t)m->data;
}

static bool msi_level(const struct kvm_msi *m)
{
	return (m->data >> 15) & 1;
}

/* The fake clock (CLOCK_MONOTONIC ns as the bus reads it). */
static uint64_t fake_now;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

/* MSI results as a subscriber sees them (what the trace records). */
struct results {
	unsigned n;
	int last;
};

static void count_result(void *ctx, const struct apic_msg *m, int result)
{
	struct results *r = ctx;
	(void)m;
	r->n++;
	r->last = result;
}

struct rig {
	struct vm vm;
	struct fake_kvm kvm;
	struct deliver_ops ops;
	struct recorder_options opt;
	struct results results;
};

/* The VM as run.c sets it up under the split irqchip, with fakes below the
 * bus. real_clock: the host's clock (the storm test); else fake_now. */
static struct rig *rig_new(unsigned ncpus, bool real_clock)
{
	struct rig *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	recorder_options_default(&r->opt);
	r->opt.cpus = ncpus;
	struct vm *vm = &r->vm;
	vm->opt = &r->opt;
	vm->ncpus = ncpus;
	vm->split = true;
	vm->ram_size = 128u << 20;
	vm->main_thread = pthread_self();
	pthread_mutex_init(&vm->exit_lock, NULL);
	for (unsigned i = 0; i < ncpus; i++) {
		vm->vcpu[i].vm = vm;
		vm->vcpu[i].index = i;
	}
	fake_now = 0;
	const struct irqbus_config cfg = {
		.ncpus = ncpus,
		.ram_size = vm->ram_size,
		.rtc_epoch = 1700000000,
		.clock = real_clock ? NULL : fake_clock,
	};
	assert_int_equal(irqbus_init(&vm->bus, &cfg), 0);
	r->ops = (struct deliver_ops){.signal_msi = fake_signal_msi, .set_gsi_routing = fake_set_gsi_routing,
				      .ctx = &r->kvm};
	deliver_init(&vm->deliver, &vm->bus, vm->vcpu, ncpus, &r->ops);
	return r;
}

static void rig_subscribe(struct rig *r)
{
	struct irqbus_subscriber res = {.ctx = &r->results, .msi_result = count_result};
	struct irqbus_subscriber d = deliver_subscriber(&r->vm.deliver);
	assert_int_equal(irqbus_subscribe(&r->vm.bus, &res), 0);
	assert_int_equal(irqbus_subscribe(&r->vm.bus, &d), 0);
}

static void rig_free(struct rig *r)
{
	irqbus_stop(&r->vm.bus);
	free(r);
}

/* IOAPIC redirection entry `pin`: vector, level or edge, unmasked, to APIC 0. */
static void ioapic_route(struct irqbus *bus, unsigned pin, uint8_t vector, bool level)
{
	irqbus_mmio_write(bus, IOAPIC_BASE, 0x11 + 2 * pin);
	irqbus_mmio_write(bus, IOAPIC_BASE + 0x10, 0);
	irqbus_mmio_write(bus, IOAPIC_BASE, 0x10 + 2 * pin);
	irqbus_mmio_write(bus, IOAPIC_BASE + 0x10, vector | (level ? 1u << 15 : 0));
}

/* PIT channel 0, LSB/MSB, mode 2, count n. */
static void pit_mode2(struct irqbus *bus, uint16_t n)
{
	irqbus_pio_write(bus, 0x43, 0x34);
	irqbus_pio_write(bus, 0x40, (uint8_t)n);
	irqbus_pio_write(bus, 0x40, (uint8_t)(n >> 8));
}

/* Linux's i8259A init: master base 0x30, slave 0x38, all masked but the cascade. */
static void pic_init(struct irqbus *bus)
{
	static const uint16_t port[] = {0x20, 0x21, 0x21, 0x21, 0xa0, 0xa1, 0xa1, 0xa1, 0x21, 0xa1};
	static const uint8_t val[] = {0x11, 0x30, 0x04, 0x01, 0x11, 0x38, 0x02, 0x01, 0xfb, 0xff};
	for (unsigned i = 0; i < sizeof(port) / sizeof(port[0]); i++)
		irqbus_pio_write(bus, port[i], val[i]);
}

/* Expire the timer at its deadlines until one more MSI went out (mode 2:
 * OUT0 falls one count before it rises, and the IOAPIC sees the rising
 * edge); returns the board time of the delivery. */
static uint64_t expire_until_msi(struct rig *r)
{
	struct irqbus *bus = &r->vm.bus;
	unsigned before = r->kvm.nmsi;
	for (unsigned i = 0; i < 4 && r->kvm.nmsi == before; i++) {
		assert_true(bus->armed != UINT64_MAX);
		fake_now = bus->armed;
		irqbus_timer_expired(bus);
	}
	assert_int_equal(r->kvm.nmsi, before + 1);
	return bus->board.s.now;
}

/* ------------------------------------------------------------ tests */

/* The bus arms its timer for the board's next deadline; the timer's
 * expiry advances the board there (PIT OUT0 edge -> IOAPIC pin 2 -> one
 * MSI) and re-arms it for the next period. An expiry that comes early
 * delivers nothing. */
static void timer_expiry_delivers_and_rearms(void **state)
{
	(void)state;
	struct rig *r = rig_new(1, false);
	struct irqbus *bus = &r->vm.bus;
	rig_subscribe(r);
	ioapic_route(bus, 2, 0x30, false);
	pit_mode2(bus, 1193); /* ~1 ms */
	uint64_t first = bus->armed;
	assert_true(first != UINT64_MAX);
	assert_in_range(first, 900000, 1100000);
	assert_int_equal(r->kvm.nmsi, 0);

	fake_now = first - 1000; /* early: the timerfd raced a re-arm */
	irqbus_timer_expired(bus);
	assert_int_equal(r->kvm.nmsi, 0);
	assert_int_equal(bus->armed, first);

	uint64_t t1 = expire_until_msi(r);
	assert_in_range(t1, 900000, 1100000);
	assert_int_equal(msi_vector(&r->kvm.msi[0]), 0x30);
	assert_false(msi_level(&r->kvm.msi[0]));
	assert_int_equal(r->kvm.nrouting, 0); /* edge: no GSI route needed */
	assert_int_equal(r->results.n, 1);   /* KVM's answer went to the subscribers */
	assert_int_equal(r->vm.deliver.msi_sent, 1);
	assert_true(bus->armed > t1 && bus->armed < t1 + 1100000);
	uint64_t t2 = expire_until_msi(r);
	uint64_t period = t2 - t1;
	assert_in_range(period, 999000, 1001000); /* 1193 counts of 838 ns */

	/* three periods late: every edge is delivered, in one call */
	fake_now = t2 + 3 * period;
	irqbus_timer_expired(bus);
	assert_int_equal(r->kvm.nmsi, 5);
	assert_true(bus->armed > fake_now);
	rig_free(r);
}

/* A timer expiry the host serves late (150 us here) feeds the board the
 * passed deadlines themselves, not the host's now (docs/PERFORMANCE.md,
 * "Exact timer deadlines"): the board's time is the last edge's, so the
 * next deadline is the rest of the period after it, whatever the lateness;
 * the same MSI goes out. */
static void late_expiry_feeds_exact_deadlines(void **state)
{
	(void)state;
	struct rig *r = rig_new(1, false);
	struct irqbus *bus = &r->vm.bus;
	rig_subscribe(r);
	ioapic_route(bus, 2, 0x30, false);
	pit_mode2(bus, 1193);
	uint64_t first = bus->armed; /* OUT0 falls; it rises one count later */
	fake_now = first + 150000;
	irqbus_timer_expired(bus);
	assert_int_equal(r->kvm.nmsi, 1);
	uint64_t t = bus->board.s.now;
	assert_in_range(t, first + 800, first + 900); /* the rising edge, not now */
	assert_in_range(bus->armed - t, 998000, 1000000);
	/* the next one, served 300 us late: the same distance */
	uint64_t second = bus->armed;
	fake_now = second + 300000;
	irqbus_timer_expired(bus);
	assert_int_equal(r->kvm.nmsi, 2);
	assert_in_range(bus->board.s.now, second + 800, second + 900);
	assert_in_range(bus->armed - bus->board.s.now, 998000, 1000000);
	rig_free(r);
}

/* A vCPU saw ExtINT pending and runs its INTACK, but the level request was
 * withdrawn in between: the flag dropped, and the INTACK answers the
 * master's spurious vector (IR7) without setting an ISR bit. */
static void intack_racing_a_withdrawn_request(void **state)
{
	(void)state;
	struct rig *r = rig_new(1, false);
	struct irqbus *bus = &r->vm.bus;
	struct vcpu *v = &r->vm.vcpu[0];
	rig_subscribe(r);
	pic_init(bus);
	irqbus_pio_write(bus, 0x4d0, 0x08); /* ELCR: IRQ3 level */
	irqbus_pio_write(bus, 0x21, 0xf3);  /* unmask IRQ3 (and the cascade) */
	irqbus_set_lvt(bus, 0, 0, 0x700);   /* LVT0: ExtINT */
	atomic_store(&v->requests, 0);

	fake_now = 1000;
	irqbus_set_irq(bus, 3, 1);
	assert_true(irqbus_pic_int(bus));
	assert_int_equal(atomic_load(&v->extint), 1);
	/* INT rose: the vCPU is asked to look at its LVTs (KVM reports no LVT write) */
	assert_true(atomic_load(&v->requests) & VCPU_REQ_LVT);

	fake_now = 2000;
	irqbus_set_irq(bus, 3, 0); /* withdrawn before the INTACK */
	assert_false(irqbus_pic_int(bus));
	assert_int_equal(atomic_load(&v->extint), 0);

	fake_now = 3000;
	assert_int_equal(irqbus_intack(bus, 0), 0x37);
	assert_int_equal(bus->board.s.pic.chip[0].isr, 0);
	assert_int_equal(r->kvm.nmsi, 0);

	/* the request again, and an INTACK in time: IRQ3's vector, in service */
	fake_now = 4000;
	irqbus_set_irq(bus, 3, 1);
	assert_int_equal(atomic_load(&v->extint), 1);
	assert_int_equal(irqbus_intack(bus, 0), 0x33);
	assert_int_equal(bus->board.s.pic.chip[0].isr, 0x08);
	rig_free(r);
}

/* A level pin: its first message brings KVM's GSI routes up to date (so
 * its EOI comes back); an EOI while the line is still asserted sends it
 * again (remote IRR), without a new route; an EOI after the line fell
 * sends nothing. */
static void eoi_of_a_level_pin(void **state)
{
	(void)state;
	struct rig *r = rig_new(1, false);
	struct irqbus *bus = &r->vm.bus;
	rig_subscribe(r);
	ioapic_route(bus, 9, 0x41, true);

	fake_now = 1000;
	irqbus_set_irq(bus, 9, 1);
	assert_int_equal(r->kvm.nmsi, 1);
	assert_int_equal(msi_vector(&r->kvm.msi[0]), 0x41);
	assert_true(msi_level(&r->kvm.msi[0]));
	assert_int_equal(r->kvm.nrouting, 1);
	assert_int_equal(r->kvm.nroutes, 1);
	assert_int_equal(r->kvm.routes[0].gsi, 9);
	assert_int_equal(r->kvm.routes[0].type, KVM_IRQ_ROUTING_MSI);
	assert_int_equal(r->kvm.routes[0].u.msi.data & 0xff, 0x41);

	/* asserted again while remote IRR is set: coalesced, nothing sent */
	fake_now = 2000;
	irqbus_set_irq(bus, 9, 1);
	assert_int_equal(r->kvm.nmsi, 1);

	fake_now = 3000;
	irqbus_eoi(bus, 0x41, 0);
	assert_int_equal(r->kvm.nmsi, 2);
	assert_int_equal(msi_vector(&r->kvm.msi[1]), 0x41);
	assert_int_equal(r->kvm.nrouting, 1); /* the routes did not change */
	assert_int_equal(r->vm.deliver.route_updates, 1);

	fake_now = 4000;
	irqbus_set_irq(bus, 9, 0);
	irqbus_eoi(bus, 0x41, 0);
	assert_int_equal(r->kvm.nmsi, 2);

	/* an EOI of another vector leaves a pending pin alone */
	fake_now = 5000;
	irqbus_set_irq(bus, 9, 1);
	assert_int_equal(r->kvm.nmsi, 3);
	irqbus_eoi(bus, 0x42, 0);
	assert_int_equal(r->kvm.nmsi, 3);
	rig_free(r);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The timer thread on the host's clock under the fastest PIT (mode 2,
 * count 2: ~597 kHz of OUT0 edges, each an MSI): vCPU-side calls still get
 * the lock, and irqbus_stop ends the thread within a bound (tests/kvm/hostile
 * runs the same storm in a guest). */
static void stop_during_a_storm(void **state)
{
	(void)state;
	struct rig *r = rig_new(1, true);
	struct irqbus *bus = &r->vm.bus;
	rig_subscribe(r);
	assert_int_equal(irqbus_start(bus), 0); /* virtual time 0: before any board call */
	ioapic_route(bus, 2, 0x30, false);
	pit_mode2(bus, 2);
	double until = mono_s() + 0.3;
	unsigned reads = 0;
	while (mono_s() < until) {
		(void)irqbus_pio_read(bus, 0x61); /* a vCPU polling port 0x61 */
		reads++;
	}
	assert_true(reads > 10);
	double t = mono_s();
	irqbus_stop(bus);
	double took = mono_s() - t;
	assert_true(took < 0.5);
	unsigned sent = r->kvm.total_msi;
	assert_true(sent > 100);
	/* stopped means stopped: no expiry after the join */
	struct timespec ms = {0, 20000000};
	nanosleep(&ms, NULL);
	assert_int_equal(r->kvm.total_msi, sent);
	rig_free(r);
}

/* The flight recorder: a 1 ms chunk window, a ring far smaller than the
 * run, and one board call that owes 13.5 ms of timer events (a late timer
 * thread). Every chunk's records lie within the window of its first one,
 * the ring kept only the newest chunks, starting at a keyframe (it drops
 * a keyframe chunk with its continuations), and the dump replays
 * identically. */
static void ring_sealing(void **state)
{
	(void)state;
	char path[] = "/tmp/irqrr-test-recorder-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	struct rig *r = rig_new(1, false);
	struct irqbus *bus = &r->vm.bus;
	r->opt.ring_mib = 0.01; /* ~10 KiB */
	r->opt.chunk_ms = 1;
	r->opt.trace_path = path;
	struct recording *rec;
	assert_int_equal(recording_open(&r->vm, path, &bus->board, &rec), 0);
	struct irqbus_subscriber rs = recording_subscriber(rec);
	assert_int_equal(irqbus_subscribe(bus, &rs), 0);
	irqbus_set_log(bus, recording_log(rec));
	rig_subscribe(r);

	ioapic_route(bus, 2, 0x30, false);
	pit_mode2(bus, 1193);
	for (unsigned i = 0; i < 400; i++) {
		fake_now = bus->armed;
		irqbus_timer_expired(bus);
		if (i % 7 == 0)
			(void)irqbus_pio_read(bus, 0x61);
		if (i == 200) { /* one call 13.5 ms late */
			fake_now += 13500000;
			irqbus_timer_expired(bus);
		}
	}
	assert_int_equal(r->results.n, r->kvm.total_msi);
	uint64_t events = recording_next_event(rec);
	irqbus_detach(bus, rec);
	assert_null(bus->log);
	assert_int_equal(recording_close(rec, 0, 0), 0);

	char err[256];
	struct trace_reader *tr = trace_reader_open(path, err, sizeof(err));
	assert_non_null(tr);
	size_t n = trace_reader_chunk_count(tr);
	assert_true(n >= 2);
	struct trace_chunk_info first, ci;
	assert_int_equal(trace_reader_chunk_info(tr, 0, &first), 0);
	assert_true(first.first_event > 0); /* the oldest chunks were dropped */
	uint8_t kf[8192];
	size_t kfl;
	/* whole runs: the ring starts at a keyframe; continuations follow */
	assert_int_equal(trace_reader_load_keyframe(tr, 0, kf, sizeof(kf), &kfl), 0);
	assert_true(kfl > 0);
	size_t continuations = 0;
	for (size_t i = 1; i < n; i++) {
		assert_int_equal(trace_reader_load_keyframe(tr, i, kf, sizeof(kf), &kfl), 0);
		continuations += kfl == 0;
	}
	assert_true(continuations > 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(trace_reader_chunk_info(tr, i, &ci), 0);
		assert_true(ci.last_t - ci.first_t < 1000000);
	}
	assert_true(ci.first_event + ci.count <= events + 1);

	struct replay_opts o;
	replay_opts_default(&o);
	struct replay_result res;
	replay_trace(tr, &o, &res);
	assert_int_equal(res.outcome, REPLAY_IDENTICAL);
	assert_true(res.events > 100);
	replay_result_free(&res);
	trace_reader_close(tr);
	unlink(path);
	rig_free(r);
}

/* Format 2.1's recorder records (docs/FORMAT.md): console bytes written as
 * one record per run, cut by any other record, after a newline, at 256
 * bytes and by the timer tick 100 ms after the run's first byte; msi_result only for a message KVM did not
 * deliver. The board's event numbers stay the trace's, and it replays. */
static void density_records_layout(bool split, bool linked, bool compact)
{
	char path[] = "/tmp/irqrr-test-recorder-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct rig *r = rig_new(1, false);
	struct irqbus *bus = &r->vm.bus;
	r->opt.trace_path = path;
	/* the recorder's default is compact (recorder_options_default) */
	assert_true(r->opt.split_records && r->opt.linked_records && r->opt.compact_records);
	r->opt.split_records = split;     /* --records split */
	r->opt.linked_records = linked;   /* --records linked (split too) */
	r->opt.compact_records = compact; /* --records compact (linked too) */
	struct recording *rec;
	assert_int_equal(recording_open(&r->vm, path, &bus->board, &rec), 0);
	struct irqbus_subscriber rs = recording_subscriber(rec);
	assert_int_equal(irqbus_subscribe(bus, &rs), 0);
	irqbus_set_log(bus, recording_log(rec));
	rig_subscribe(r);
	ioapic_route(bus, 2, 0x30, false);
	pit_mode2(bus, 11932); /* 10 ms */

	fake_now = 1000000;
	irqbus_console(bus, (const uint8_t *)"ab", 2);
	irqbus_console(bus, (const uint8_t *)"c", 1);
	uint64_t n = recording_next_event(rec); /* the pending run comes first */
	(void)irqbus_pio_read(bus, 0x61);       /* cuts it: "abc" before */
	assert_int_equal(recording_next_event(rec), n + 1);
	irqbus_console(bus, (const uint8_t *)"de", 2);
	fake_now += 50000000;
	recording_tick(rec, &bus->board, fake_now); /* 50 ms: no cut */
	irqbus_console(bus, (const uint8_t *)"f", 1);
	fake_now += 60000000;
	recording_tick(rec, &bus->board, fake_now); /* 110 ms after "d": cut */
	irqbus_console(bus, (const uint8_t *)"g\nh", 3); /* cut after the newline */
	irqbus_console(bus, (const uint8_t *)"i\n", 2);
	unsigned delivered = 0;
	for (unsigned i = 0; i < 10; i++) { /* delivered: no records */
		fake_now = bus->armed;
		irqbus_timer_expired(bus);
	}
	delivered = r->kvm.total_msi;
	assert_true(delivered >= 2);
	r->kvm.result = -1; /* KVM refuses the next ones */
	for (unsigned i = 0; i < 6; i++) {
		fake_now = bus->armed;
		irqbus_timer_expired(bus);
	}
	unsigned failed = r->kvm.total_msi - delivered;
	assert_true(failed >= 2);
	uint8_t many[64];
	memset(many, 'x', sizeof(many));
	for (unsigned i = 0; i < 5; i++) /* 320 bytes: 256 and 64 */
		irqbus_console(bus, many, sizeof(many));
	irqbus_detach(bus, rec);
	assert_int_equal(recording_close(rec, 0, 0), 0);

	char err[256];
	struct trace_reader *tr = trace_reader_open(path, err, sizeof(err));
	assert_non_null(tr);
	unsigned maj, min;
	trace_reader_version(tr, &maj, &min);
	/* 2.1's denser records, 2.2's split layout, 2.3's linked chunks, 2.4's compact framing */
	assert_int_equal(min, compact ? 4 : linked ? 3 : split ? 2 : 1);
	assert_int_equal(trace_reader_features(tr), compact ? 7u : linked ? 3u : split ? 1u : 0u);
	assert_string_equal(trace_reader_config(tr, "msi_results"), "failures");
	struct trace_iter it;
	struct trace_record x;
	char texts[10][300];
	size_t ntext = 0, nmsi = 0, pio_at = 0, abc_at = 0;
	trace_iter_init(&it, tr, 0);
	while (trace_iter_next(&it, &x) == 1) {
		if (x.kind == EV_CTX_CONSOLE) {
			assert_true(x.len >= 2 && x.len <= 257 && x.data[0] == 0 && ntext < 10);
			memcpy(texts[ntext], x.data + 1, x.len - 1);
			texts[ntext][x.len - 1] = 0;
			if (!strcmp(texts[ntext], "abc"))
				abc_at = x.num;
			ntext++;
		} else if (x.kind == EV_PIO_READ && x.ev.u.pio.port == 0x61) {
			pio_at = x.num;
			assert_int_equal(x.num, n); /* the number the board was given */
		} else if (x.kind == EV_CTX_MSI_RESULT) {
			struct trace_ctx_msi m;
			assert_int_equal(trace_ctx_msi_unpack(x.data, x.len, &m), 0);
			assert_int_equal(m.result, TRACE_MSI_ERROR);
			nmsi++;
		}
	}
	trace_iter_end(&it);
	assert_int_equal(ntext, 6);
	assert_string_equal(texts[0], "abc");
	assert_int_equal(abc_at + 1, pio_at);
	assert_string_equal(texts[1], "def");
	assert_string_equal(texts[2], "g\n");
	assert_string_equal(texts[3], "hi\n");
	assert_int_equal(strlen(texts[4]), 256);
	assert_int_equal(strlen(texts[5]), 64);
	assert_int_equal(nmsi, failed);

	struct replay_opts o;
	replay_opts_default(&o);
	struct replay_result res;
	replay_trace(tr, &o, &res);
	assert_int_equal(res.outcome, REPLAY_IDENTICAL);
	replay_result_free(&res);
	trace_reader_close(tr);
	unlink(path);
	rig_free(r);
}

static void density_records(void **state)
{
	(void)state;
	density_records_layout(true, false, false);
}

/* The same with --records interleaved: format 2.1's header. */
static void density_records_interleaved(void **state)
{
	(void)state;
	density_records_layout(false, false, false);
}

/* The same with --records linked: format 2.3's header. */
static void density_records_linked(void **state)
{
	(void)state;
	density_records_layout(true, true, false);
}

/* The same with --records compact, the default: format 2.4's header. */
static void density_records_compact(void **state)
{
	(void)state;
	density_records_layout(true, true, true);
}

int main(void)
{
	/* vm_request_exit (a failing trace) signals the main thread */
	signal(SIGUSR2, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timer_expiry_delivers_and_rearms),
		cmocka_unit_test(late_expiry_feeds_exact_deadlines),
		cmocka_unit_test(intack_racing_a_withdrawn_request),
		cmocka_unit_test(eoi_of_a_level_pin),
		cmocka_unit_test(stop_during_a_storm),
		cmocka_unit_test(ring_sealing),
		cmocka_unit_test(density_records),
		cmocka_unit_test(density_records_interleaved),
		cmocka_unit_test(density_records_linked),
		cmocka_unit_test(density_records_compact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
