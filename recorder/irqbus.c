/* SPDX-License-Identifier: MIT */
/*
 * The board behind one mutex, driven by the vCPU threads and a timer
 * thread. Virtual time is CLOCK_MONOTONIC ns since VM start, read once per
 * board call while the lock is held, so board time never goes backwards.
 *
 * The sink turns board outputs into KVM actions; it runs with the lock held
 * and never calls back into the board:
 *   EV_APIC_MSG  -> KVM_SIGNAL_MSI (level messages first bring KVM's GSI
 *                   routes up to date, so their EOIs come back)
 *   EV_LINT      -> ExtINT: the vCPU's extint flag (the vCPU thread runs the
 *                   INTACK); NMI: KVM_NMI from the vCPU's thread; fixed: an
 *                   MSI with the LVT's vector to that vCPU
 *   EV_WIRE pic.int rising -> every vCPU re-reads LVT0/LVT1
 *   EV_DEADLINE  -> re-arm the timerfd
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "chips/variants.h"
#include "vmm.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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
	for (;;) {
		uint64_t d = board_next_deadline(b);
		if (d >= now)
			return; /* no timer event before the call's own time */
		uint64_t end = recording_window_end(bus->rec, d);
		if (now < end)
			return;
		if (end - 1 > b->s.now) {
			b->event_num = recording_next_event(bus->rec);
			board_advance(b, end - 1);
		}
		recording_seal(bus->rec, b);
	}
}

/* Lock, timestamp and give the recording its keyframe chance. */
static uint64_t bus_enter(struct irqbus *bus)
{
	pthread_mutex_lock(&bus->lock);
	bus->entered = mono_ns();
	uint64_t now = bus->entered - bus->t0 - bus->lag;
	if (bus->rec) {
		bus_bound_chunk(bus, now);
		recording_before_board_call(bus->rec, &bus->board, now);
		/* the board numbers its events as the trace does (its line
		 * history's `since`, chips/history.c) */
		bus->board.event_num = recording_next_event(bus->rec);
	}
	return now;
}

/* Returns true when the call overran the budget (virtual time slowed). */
static bool bus_leave(struct irqbus *bus)
{
	uint64_t spent = mono_ns() - bus->entered;
	bool over = spent > BUS_CALL_BUDGET_NS;
	if (over)
		bus->lag += spent - BUS_CALL_BUDGET_NS;
	pthread_mutex_unlock(&bus->lock);
	return over;
}

uint64_t irqbus_virtual_now(const struct irqbus *bus)
{
	return mono_ns() - bus->t0 - bus->lag;
}

/* A level-triggered, unmasked entry as the MSI route KVM needs to report its
 * EOIs (0: no route). Only vector, destination, mode and trigger matter. */
static uint64_t route_key(const struct ioapic *io, unsigned pin)
{
	struct ioapic_entry e;
	ioapic_entry_get(io, pin, &e);
	if (!e.level || e.masked)
		return 0;
	/* packed as bus_sync_routes() unpacks it (the RTE's own layout) */
	return (uint64_t)e.vector | (uint64_t)e.delivery << 8 | (uint64_t)e.logical << 11 | 1ull << 15 |
	       (uint64_t)e.dest << 56;
}

static void msi_from(const struct apic_msg *m, uint32_t *addr, uint32_t *data)
{
	*addr = 0xfee00000u | (uint32_t)m->dest << 12 | (uint32_t)(m->destmode & 1) << 2;
	*data = m->vector | (uint32_t)(m->delivery & 7) << 8 | (uint32_t)(m->trigger & 1) << 15;
}

/* Mirror the IOAPIC's level entries into KVM's GSI routing (GSI = pin), so
 * that KVM exits with KVM_EXIT_IOAPIC_EOI for their vectors. Called only
 * when a level message goes out, which is after the guest has written both
 * halves of the entry: no transient route to destination 0, and
 * KVM_SET_GSI_ROUTING (slow here) runs only on a real change. */
static void bus_sync_routes(struct irqbus *bus)
{
	uint64_t key[BOARD_GSIS];
	bool changed = !bus->routes_valid;
	for (unsigned pin = 0; pin < BOARD_GSIS; pin++) {
		key[pin] = route_key(&bus->board.s.ioapic, pin);
		changed |= key[pin] != bus->routed[pin];
	}
	if (!changed)
		return;
	struct {
		struct kvm_irq_routing h;
		struct kvm_irq_routing_entry e[BOARD_GSIS];
	} t;
	memset(&t, 0, sizeof(t));
	for (unsigned pin = 0; pin < BOARD_GSIS; pin++) {
		if (!key[pin])
			continue;
		uint64_t rte = key[pin];
		struct apic_msg m = {
			.dest = (uint8_t)(rte >> 56), .vector = (uint8_t)rte,
			.delivery = (uint8_t)((rte >> 8) & 7), .destmode = (uint8_t)((rte >> 11) & 1),
			.trigger = 1,
		};
		struct kvm_irq_routing_entry *e = &t.e[t.h.nr++];
		e->gsi = pin;
		e->type = KVM_IRQ_ROUTING_MSI;
		msi_from(&m, &e->u.msi.address_lo, &e->u.msi.data);
	}
	if (ioctl(bus->vm->vm_fd, KVM_SET_GSI_ROUTING, &t) < 0) {
		kvm_ioctl_fail("KVM_SET_GSI_ROUTING");
		return;
	}
	memcpy(bus->routed, key, sizeof(key));
	bus->routes_valid = true;
	bus->route_updates++;
}

static void bus_send_msi(struct irqbus *bus, const struct apic_msg *m)
{
	struct kvm_msi msi;
	memset(&msi, 0, sizeof(msi));
	msi_from(m, &msi.address_lo, &msi.data);
	if (m->trigger)
		bus_sync_routes(bus);
	int r = ioctl(bus->vm->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (r < 0 && errno == EPERM) {
		/* -1 from kvm_irq_delivery_to_apic(): no local APIC matched
		 * the destination (a guest may address an APIC ID that does
		 * not exist). Not the VMM's error: counted, and recorded as
		 * the result KVM gave (error, errno EPERM; docs/FORMAT.md). */
		bus->msi_nodest++;
	} else if (r < 0) {
		/* a few lines, not one per message: a storm of them over a
		 * serial console once took seconds to write (nested test bed) */
		if (bus->msi_errors++ < 5)
			kvm_ioctl_fail("KVM_SIGNAL_MSI");
	} else if (r == 0) {
		bus->msi_undelivered++;
	}
	bus->msi_sent++;
	if (bus->rec)
		recording_msi_result(bus->rec, m, r);
}

static void bus_set_deadline(struct irqbus *bus, uint64_t t)
{
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

static void bus_lint(struct irqbus *bus, const struct irq_event *ev)
{
	struct vm *vm = bus->vm;
	unsigned cpu = ev->u.lint.cpu;
	if (cpu >= vm->ncpus)
		return;
	struct vcpu *v = &vm->vcpu[cpu];
	switch (ev->u.lint.mode) {
	case LINT_EXTINT:
		atomic_store(&v->extint, ev->u.lint.level ? 1 : 0);
		if (ev->u.lint.level)
			vcpu_kick(v, 0);
		break;
	case LINT_NMI:
		if (ev->u.lint.level)
			vcpu_kick(v, VCPU_REQ_NMI);
		break;
	case LINT_FIXED:
		if (ev->u.lint.level) {
			struct apic_msg m = {.dest = (uint8_t)cpu, .vector = ev->u.lint.vector,
					     .delivery = APIC_DM_FIXED};
			bus_send_msi(bus, &m);
		}
		break;
	default:
		break;
	}
}

static void bus_sink(void *ctx, const struct irq_event *ev)
{
	struct irqbus *bus = ctx;
	if (bus->track)
		hang_track_event(bus->track, bus->board.last_num, ev);
	if (bus->rec)
		recording_event(bus->rec, ev);
	switch (ev->kind) {
	case EV_APIC_MSG:
		bus_send_msi(bus, &ev->u.apic);
		break;
	case EV_LINT:
		bus_lint(bus, ev);
		break;
	case EV_WIRE:
		if (ev->u.wire.id == WIRE_PIC_INT) {
			bus->pic_int = ev->u.wire.level;
			/* KVM does not report LVT changes: look when it matters. */
			if (ev->u.wire.level)
				for (unsigned i = 0; i < bus->vm->ncpus; i++)
					vcpu_kick(&bus->vm->vcpu[i], VCPU_REQ_LVT);
		}
		break;
	case EV_DEADLINE:
		bus_set_deadline(bus, ev->u.deadline.t);
		break;
	default:
		break;
	}
	/* after the MSI result records the event may have added */
	if (bus->rec)
		bus->board.event_num = recording_next_event(bus->rec);
}

/* run|record --model: the board as a peer's chips behave (a setting of
 * the board, saved with it in every keyframe). */
static int bus_apply_models(struct irqbus *bus)
{
	for (unsigned i = 0; i < bus->vm->opt->nmodels; i++) {
		enum board_variant v;
		unsigned value;
		if (board_variant_parse(bus->vm->opt->models[i], &v, &value) ||
		    board_set_variant(&bus->board, v, value))
			return -1;
	}
	return 0;
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
			uint64_t now = bus_enter(bus);
			board_advance(&bus->board, now);
			/* lag may have grown since the deadline was armed: arm it
			 * again on the current mapping (the board only emits
			 * EV_DEADLINE when the deadline changes). */
			bus_set_deadline(bus, board_next_deadline(&bus->board));
			bool over = bus_leave(bus);
			/* Overloaded: leave the lock to the vCPUs and the main
			 * thread for a moment (a mutex is not fair). */
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

int irqbus_init(struct irqbus *bus, struct vm *vm)
{
	memset(bus, 0, sizeof(*bus));
	bus->vm = vm;
	bus->timerfd = bus->stopfd = -1;
	pthread_mutex_init(&bus->lock, NULL);
	if (!vm->split)
		return 0;
	bus->track = calloc(1, sizeof(*bus->track));
	if (!bus->track) {
		fprintf(stderr, "irqrr: out of memory\n");
		return -1;
	}
	struct board_config cfg;
	board_config_default(&cfg);
	cfg.ncpus = (uint8_t)vm->ncpus;
	cfg.lint0_bsp_only = vm->opt->lint0_bsp ? 1 : 0;
	cfg.hpet = vm->opt->hpet ? 1 : 0;
	/* The RTC starts at the host's wall-clock time: a machine setting,
	 * recorded in every keyframe, so replay never reads a host clock. */
	cfg.rtc_epoch = (uint64_t)time(NULL);
	cmos_set_memory(cfg.cmos, vm->ram_size);
	if (board_init(&bus->board, &cfg, bus_sink, bus) < 0 || bus_apply_models(bus) < 0) {
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

/* Virtual time 0 is now. */
int irqbus_start(struct irqbus *bus)
{
	bus->t0 = mono_ns();
	if (!bus->vm->split)
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
	if (!bus->vm->split) {
		struct kvm_irq_level l = {.irq = gsi, .level = (uint32_t)level};
		if (ioctl(bus->vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
			kvm_ioctl_fail("KVM_IRQ_LINE");
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
	if (!bus->vm->split)
		return;
	uint64_t now = bus_enter(bus);
	board_eoi(&bus->board, now, vector, cpu);
	bus_leave(bus);
}

void irqbus_set_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value)
{
	if (!bus->vm->split)
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
	if (!bus->vm->split || cpu >= bus->vm->ncpus || pin > 1)
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
	if (!bus->vm->split)
		return;
	uint64_t now = bus_enter(bus);
	board_advance(&bus->board, now);
	bus_leave(bus);
}

bool irqbus_pic_int(struct irqbus *bus)
{
	pthread_mutex_lock(&bus->lock);
	bool v = bus->pic_int;
	pthread_mutex_unlock(&bus->lock);
	return v;
}
