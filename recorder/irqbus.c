/* SPDX-License-Identifier: MIT */
/*
 * The board behind one mutex, driven by the vCPU threads and a timer
 * thread. Virtual time is CLOCK_MONOTONIC ns since VM start, read once per
 * board call while the lock is held, so board time never goes backwards.
 *
 * The sink hands every board output to the subscribers (irqbus.h), in the
 * order they subscribed, with the lock held; none calls back into the
 * board. The bus keeps for itself what it needs to drive the board:
 *   EV_WIRE pic.int -> irqbus_pic_int()
 *   EV_DEADLINE     -> re-arm the timerfd
 * Delivery into KVM is deliver.c's subscriber; the trace's numbering and
 * chunking come from the log (recording.c).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "chips/variants.h"
#include "irqbus.h"

static uint64_t mono_ns(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t bus_clock(const struct irqbus *bus)
{
	return bus->cfg.clock(bus->cfg.ctx);
}

/* Overload: a board call may take at most this long before virtual time
 * falls behind the host's clock. A guest can program the PIT to ~597 kHz
 * (mode 2, count 2), i.e. ~1.2 million OUT0 edges per second, each with
 * its outputs, trace records and kicks: more than the host processes in
 * real time. Were virtual time the host's clock, every board call would
 * owe an ever larger backlog of edges, hold the lock for ever longer, and
 * the VMM would stop answering SIGINT and --timeout (the hostile guest's
 * storm=1 run did, tests/kvm/hostile/stop.sh). Instead, the time a call
 * spends beyond the budget is added to `lag`: virtual time runs slower
 * while the guest asks for more than the host can emulate, as if ticks
 * were lost, and each call owes at most about one budget of virtual time.
 * Replay is unaffected: the trace carries the times the board was given. */
#define BUS_CALL_BUDGET_NS 5000000ull

/* A board call may advance time a long way (a vCPU or the timer thread
 * late: 13.5 ms of 1 kHz ticks in one call on the nested test bed) and emit
 * timer events over all of it. Advance in steps instead, sealing a chunk
 * after each, so that a chunk's records stay within --chunk-ms of its
 * first one (recording.c). The steps are EV_TIME inputs like any other:
 * the outputs are the same, and replay re-executes them. */
static void bus_bound_chunk(struct irqbus *bus, uint64_t now)
{
	struct board *b = &bus->board;
	const struct irqbus_log *log = bus->log;
	for (;;) {
		uint64_t d = board_next_deadline(b);
		if (d >= now)
			return; /* no timer event before the call's own time */
		uint64_t end = log->window_end(log->ctx, d);
		if (now < end)
			return;
		if (end - 1 > b->s.now) {
			b->event_num = log->next_event(log->ctx);
			board_advance(b, end - 1);
		}
		log->seal(log->ctx, b);
	}
}

/* A mutex is not fair: the thread that unlocks it takes it again before
 * a waiter it woke has run. The timer thread takes the lock again as soon
 * as a call ends while it owes timer edges (a guest's PIT storm: ~600,000
 * MSIs a second on kvm_pvm), and then the main thread waited 1-5 s for
 * the lock with SIGINT pending, and a vCPU as long for its next exit.
 * Whoever has to wait says so, and the timer thread lets it go first
 * (bus_let_waiters_in). */
static void bus_lock(struct irqbus *bus)
{
	if (pthread_mutex_trylock(&bus->lock) == 0)
		return;
	atomic_fetch_add_explicit(&bus->waiting, 1, memory_order_relaxed);
	pthread_mutex_lock(&bus->lock);
	atomic_fetch_sub_explicit(&bus->waiting, 1, memory_order_relaxed);
}

/* After a timer call: while another thread waits for the lock, give it
 * the time to take it (at most ~1 ms: the timer edges are owed). */
static void bus_let_waiters_in(struct irqbus *bus)
{
	if (!atomic_load_explicit(&bus->waiting, memory_order_relaxed))
		return;
	uint64_t until = mono_ns(NULL) + 1000000;
	while (atomic_load_explicit(&bus->waiting, memory_order_relaxed) && mono_ns(NULL) < until)
		sched_yield();
}

/* Lock, timestamp and give the recording its keyframe chance. */
static uint64_t bus_enter(struct irqbus *bus)
{
	bus_lock(bus);
	bus->entered = bus_clock(bus);
	uint64_t now = bus->entered - bus->t0 - bus->lag;
	if (bus->log) {
		bus_bound_chunk(bus, now);
		bus->log->before_call(bus->log->ctx, &bus->board, now);
		/* the board numbers its events as the trace does (its line
		 * history's `since`, chips/history.c) */
		bus->board.event_num = bus->log->next_event(bus->log->ctx);
	}
	return now;
}

/* Returns true when the call overran the budget (virtual time slowed). */
static bool bus_leave(struct irqbus *bus)
{
	uint64_t spent = bus_clock(bus) - bus->entered;
	bool over = spent > BUS_CALL_BUDGET_NS;
	if (over)
		bus->lag += spent - BUS_CALL_BUDGET_NS;
	pthread_mutex_unlock(&bus->lock);
	return over;
}

uint64_t irqbus_virtual_now(const struct irqbus *bus)
{
	return bus_clock(bus) - bus->t0 - bus->lag;
}

static void bus_set_deadline(struct irqbus *bus, uint64_t t)
{
	bus->armed = t;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (t != UINT64_MAX) {
		uint64_t abs = bus->t0 + bus->lag + t;
		its.it_value.tv_sec = (time_t)(abs / 1000000000ull);
		its.it_value.tv_nsec = (long)(abs % 1000000000ull);
	}
	if (timerfd_settime(bus->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		fprintf(stderr, "irqrr: timerfd_settime: %s\n", strerror(errno));
}

static void bus_sink(void *ctx, const struct irq_event *ev)
{
	struct irqbus *bus = ctx;
	for (unsigned i = 0; i < bus->nsub; i++)
		if (bus->sub[i].event)
			bus->sub[i].event(bus->sub[i].ctx, bus->board.last_num, ev);
	switch (ev->kind) {
	case EV_WIRE:
		if (ev->u.wire.id == WIRE_PIC_INT)
			bus->pic_int = ev->u.wire.level;
		break;
	case EV_DEADLINE:
		bus_set_deadline(bus, ev->u.deadline.t);
		break;
	default:
		break;
	}
	/* after the MSI result records the event may have added */
	if (bus->log)
		bus->board.event_num = bus->log->next_event(bus->log->ctx);
}

void irqbus_msi_result(struct irqbus *bus, const struct apic_msg *m, int result)
{
	for (unsigned i = 0; i < bus->nsub; i++)
		if (bus->sub[i].msi_result)
			bus->sub[i].msi_result(bus->sub[i].ctx, m, result);
}

/* run|record --model: the board as a peer's chips behave (a setting of
 * the board, saved with it in every keyframe). */
static int bus_apply_models(struct irqbus *bus)
{
	for (unsigned i = 0; i < bus->cfg.nmodels; i++) {
		enum board_variant v;
		unsigned value;
		if (board_variant_parse(bus->cfg.models[i], &v, &value) ||
		    board_set_variant(&bus->board, v, value))
			return -1;
	}
	return 0;
}

/* run|record --fault: faults the board injects (saved with it in every
 * keyframe, so a replay applies them as recorded). */
static int bus_add_faults(struct irqbus *bus)
{
	for (unsigned i = 0; i < bus->cfg.nfaults; i++) {
		struct board_fault f;
		if (board_fault_parse(bus->cfg.faults[i], &f) || board_add_fault(&bus->board, &f))
			return -1;
	}
	return 0;
}

/* The timer thread feeds the board each passed deadline exactly, as the
 * chips' timers fire: at their deadline. How late the host woke the thread
 * is interrupt latency, which the vCPU's next input (INTA, EOI) carries with
 * its own time; the board's time needs no host noise. So a periodic timer's
 * next deadline is a period after the time record, and the trace's
 * timestamps repeat (docs/PERFORMANCE.md, "Exact timer deadlines"). The
 * outputs are those of one advance to now: each edge happens at its own
 * time either way. After BUS_EXACT_STEPS deadlines in one call (a PIT at
 * ~597 kHz, a recorder far behind) the board is advanced to now as before,
 * so a call's cost stays bounded. */
#define BUS_EXACT_STEPS 64

bool irqbus_timer_expired(struct irqbus *bus)
{
	uint64_t now = bus_enter(bus);
	struct board *b = &bus->board;
	uint64_t d;
	unsigned steps = 0;
	while ((d = board_next_deadline(b)) <= now && d > b->s.now && steps < BUS_EXACT_STEPS) {
		if (steps++ && bus->log)
			b->event_num = bus->log->next_event(bus->log->ctx);
		board_advance(b, d);
	}
	if (d <= now) {
		if (steps && bus->log)
			b->event_num = bus->log->next_event(bus->log->ctx);
		board_advance(b, now);
	}
	/* lag may have grown since the deadline was armed: arm it again on
	 * the current mapping (the board only emits EV_DEADLINE when the
	 * deadline changes). */
	bus_set_deadline(bus, board_next_deadline(&bus->board));
	return bus_leave(bus);
}

static void *timer_thread(void *arg)
{
	struct irqbus *bus = arg;
	struct pollfd p[2] = {{.fd = bus->timerfd, .events = POLLIN}, {.fd = bus->stopfd, .events = POLLIN}};
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			uint64_t n;
			if (read(bus->timerfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
				break;
			bool over = irqbus_timer_expired(bus);
			bus_let_waiters_in(bus);
			/* Overloaded: pause 1 ms, the lock and the CPU left to
			 * the vCPUs and the main thread (HARDENING.md, bug 1). */
			if (over && poll(&p[1], 1, 1) > 0)
				break;
		}
	}
	return NULL;
}

/* The PC/AT CMOS memory-size bytes firmware-less guests may read:
 * 0x15/0x16 base memory (KiB), 0x17/0x18 and 0x30/0x31 extended memory
 * above 1 MiB (KiB, at most 0xffff), 0x34/0x35 memory above 16 MiB (64 KiB
 * units, below 4 GiB), 0x5b-0x5d memory above 4 GiB (64 KiB units). */
static void cmos_set_memory(uint8_t *cmos, uint64_t ram)
{
	uint64_t ext_kib = ram > (1u << 20) ? (ram - (1u << 20)) >> 10 : 0;
	uint64_t below4g = ram < 0xc0000000ull ? ram : 0xc0000000ull;
	uint64_t above16m = below4g > (16u << 20) ? (below4g - (16u << 20)) >> 16 : 0;
	uint64_t above4g = ram > 0xc0000000ull ? (ram - 0xc0000000ull) >> 16 : 0;
	if (ext_kib > 0xffff)
		ext_kib = 0xffff;
	if (above16m > 0xffff)
		above16m = 0xffff;
	cmos[0x15] = 0x80; /* 640 KiB */
	cmos[0x16] = 0x02;
	cmos[0x17] = (uint8_t)ext_kib;
	cmos[0x18] = (uint8_t)(ext_kib >> 8);
	cmos[0x30] = (uint8_t)ext_kib;
	cmos[0x31] = (uint8_t)(ext_kib >> 8);
	cmos[0x34] = (uint8_t)above16m;
	cmos[0x35] = (uint8_t)(above16m >> 8);
	cmos[0x5b] = (uint8_t)above4g;
	cmos[0x5c] = (uint8_t)(above4g >> 8);
	cmos[0x5d] = (uint8_t)(above4g >> 16);
}

int irqbus_init(struct irqbus *bus, const struct irqbus_config *c)
{
	memset(bus, 0, sizeof(*bus));
	bus->cfg = *c;
	if (!bus->cfg.clock)
		bus->cfg.clock = mono_ns;
	bus->armed = UINT64_MAX;
	bus->timerfd = bus->stopfd = -1;
	pthread_mutex_init(&bus->lock, NULL);
	if (c->kernel_irqchip)
		return 0;
	struct board_config cfg;
	board_config_default(&cfg);
	cfg.ncpus = (uint8_t)c->ncpus;
	cfg.lint0_bsp_only = c->lint0_bsp ? 1 : 0;
	cfg.hpet = c->hpet ? 1 : 0;
	/* The RTC starts at the host's wall-clock time (run.c): a machine
	 * setting, recorded in every keyframe, so replay never reads a host
	 * clock. */
	cfg.rtc_epoch = c->rtc_epoch;
	cmos_set_memory(cfg.cmos, c->ram_size);
	if (board_init(&bus->board, &cfg, bus_sink, bus) < 0 || bus_apply_models(bus) < 0 ||
	    bus_add_faults(bus) < 0) {
		fprintf(stderr, "irqrr: board_init: invalid configuration\n");
		return -1;
	}
	/* the hang report's diagnosis (docs/hang.md) */
	board_keep_history(&bus->board);
	bus->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	bus->stopfd = eventfd(0, EFD_CLOEXEC);
	if (bus->timerfd < 0 || bus->stopfd < 0) {
		fprintf(stderr, "irqrr: timerfd/eventfd: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int irqbus_subscribe(struct irqbus *bus, const struct irqbus_subscriber *s)
{
	if (bus->nsub == IRQBUS_MAX_SUBSCRIBERS)
		return -1;
	bus->sub[bus->nsub++] = *s;
	return 0;
}

void irqbus_detach(struct irqbus *bus, const void *ctx)
{
	unsigned n = 0;
	for (unsigned i = 0; i < bus->nsub; i++)
		if (bus->sub[i].ctx != ctx)
			bus->sub[n++] = bus->sub[i];
	bus->nsub = n;
	if (bus->log && bus->log->ctx == ctx)
		bus->log = NULL;
}

void irqbus_set_log(struct irqbus *bus, const struct irqbus_log *log)
{
	bus->log = log;
}

/* Virtual time 0 is now. */
int irqbus_start(struct irqbus *bus)
{
	bus->t0 = bus_clock(bus);
	if (bus->cfg.kernel_irqchip)
		return 0;
	int e = pthread_create(&bus->timer_thread, NULL, timer_thread, bus);
	if (e) {
		fprintf(stderr, "irqrr: pthread_create(timer): %s\n", strerror(e));
		return -1;
	}
	bus->timer_started = true;
	return 0;
}

void irqbus_stop(struct irqbus *bus)
{
	if (bus->timer_started) {
		uint64_t one = 1;
		if (write(bus->stopfd, &one, sizeof(one)) < 0)
			fprintf(stderr, "irqrr: eventfd write: %s\n", strerror(errno));
		pthread_join(bus->timer_thread, NULL);
		bus->timer_started = false;
	}
	if (bus->timerfd >= 0)
		close(bus->timerfd);
	if (bus->stopfd >= 0)
		close(bus->stopfd);
	bus->timerfd = bus->stopfd = -1;
}

void irqbus_pio_write(struct irqbus *bus, uint16_t port, uint8_t value)
{
	uint64_t now = bus_enter(bus);
	board_pio_write(&bus->board, now, port, value);
	bus_leave(bus);
}

uint8_t irqbus_pio_read(struct irqbus *bus, uint16_t port)
{
	uint64_t now = bus_enter(bus);
	uint8_t v = board_pio_read(&bus->board, now, port);
	bus_leave(bus);
	return v;
}

void irqbus_mmio_write(struct irqbus *bus, uint64_t addr, uint32_t value)
{
	uint64_t now = bus_enter(bus);
	board_mmio_write(&bus->board, now, addr, value);
	bus_leave(bus);
}

uint32_t irqbus_mmio_read(struct irqbus *bus, uint64_t addr)
{
	uint64_t now = bus_enter(bus);
	uint32_t v = board_mmio_read(&bus->board, now, addr);
	bus_leave(bus);
	return v;
}

void irqbus_mmio_write64(struct irqbus *bus, uint64_t addr, uint64_t value)
{
	uint64_t now = bus_enter(bus);
	board_mmio_write64(&bus->board, now, addr, value);
	bus_leave(bus);
}

uint64_t irqbus_mmio_read64(struct irqbus *bus, uint64_t addr)
{
	uint64_t now = bus_enter(bus);
	uint64_t v = board_mmio_read64(&bus->board, now, addr);
	bus_leave(bus);
	return v;
}

void irqbus_set_irq(struct irqbus *bus, unsigned gsi, int level)
{
	if (bus->cfg.kernel_irqchip) {
		bus->cfg.irq_line(bus->cfg.ctx, gsi, level);
		return;
	}
	uint64_t now = bus_enter(bus);
	board_set_irq(&bus->board, now, gsi, level);
	bus_leave(bus);
}

uint8_t irqbus_intack(struct irqbus *bus, unsigned cpu)
{
	uint64_t now = bus_enter(bus);
	uint8_t v = board_intack(&bus->board, now, cpu);
	bus_leave(bus);
	return v;
}

void irqbus_eoi(struct irqbus *bus, uint8_t vector, unsigned cpu)
{
	if (bus->cfg.kernel_irqchip)
		return;
	uint64_t now = bus_enter(bus);
	board_eoi(&bus->board, now, vector, cpu);
	bus_leave(bus);
}

void irqbus_set_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value)
{
	if (bus->cfg.kernel_irqchip)
		return;
	uint64_t now = bus_enter(bus);
	board_set_lvt(&bus->board, now, cpu, pin, value);
	bus_leave(bus);
}

/* An LVT the hang report's vCPU snapshot saw and the board has not (KVM
 * does not report LVT writes; the vCPUs look when the PIC's INT rises):
 * give it to the board as vcpu_report_lvt() would, an EV_LVT input, so the
 * report and `irqrr explain` of the trace read the same LVT0. */
void irqbus_sync_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value)
{
	if (bus->cfg.kernel_irqchip || cpu >= bus->cfg.ncpus || pin > 1)
		return;
	uint64_t now = bus_enter(bus);
	if (bus->board.s.lvt[cpu][pin] != value)
		board_set_lvt(&bus->board, now, cpu, pin, value);
	bus_leave(bus);
}

/* Advance the board to now (an EV_TIME input): used before a hang report,
 * so the trace reaches the moment the hang was detected. */
void irqbus_advance(struct irqbus *bus)
{
	if (bus->cfg.kernel_irqchip)
		return;
	uint64_t now = bus_enter(bus);
	board_advance(&bus->board, now);
	bus_leave(bus);
}

bool irqbus_pic_int(struct irqbus *bus)
{
	bus_lock(bus);
	bool v = bus->pic_int;
	pthread_mutex_unlock(&bus->lock);
	return v;
}

/* Console bytes to the subscribers that take them (output, or input the
 * guest read), under the lock; no lock when none does. */
static void bus_console_bytes(struct irqbus *bus, bool input, const uint8_t *bytes, size_t n)
{
	void (*hook[IRQBUS_MAX_SUBSCRIBERS])(void *, const uint8_t *, size_t);
	bool any = false;
	for (unsigned i = 0; i < bus->nsub; i++) {
		hook[i] = input ? bus->sub[i].console_in : bus->sub[i].console;
		any |= hook[i] != NULL;
	}
	if (!any)
		return;
	bus_lock(bus);
	for (unsigned i = 0; i < bus->nsub; i++)
		if (hook[i])
			hook[i](bus->sub[i].ctx, bytes, n);
	pthread_mutex_unlock(&bus->lock);
}

void irqbus_console(struct irqbus *bus, const uint8_t *bytes, size_t n)
{
	bus_console_bytes(bus, false, bytes, n);
}

void irqbus_console_in(struct irqbus *bus, const uint8_t *bytes, size_t n)
{
	bus_console_bytes(bus, true, bytes, n);
}

void irqbus_locked(struct irqbus *bus, void (*fn)(void *ctx, struct board *b), void *ctx)
{
	bus_lock(bus);
	fn(ctx, &bus->board);
	pthread_mutex_unlock(&bus->lock);
}

bool irqbus_trylocked(struct irqbus *bus, void (*fn)(void *ctx, struct board *b), void *ctx)
{
	if (pthread_mutex_trylock(&bus->lock))
		return false;
	fn(ctx, &bus->board);
	pthread_mutex_unlock(&bus->lock);
	return true;
}
