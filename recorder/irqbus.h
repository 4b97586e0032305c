/* SPDX-License-Identifier: MIT */
/*
 * The bus: the board behind one lock, virtual time, and the board's event
 * stream handed to subscribers. Every board input of the recorder goes
 * through one of the irqbus_* entry points; the bus lock is taken nowhere
 * else (irqbus_locked gives others a moment under it). The bus knows
 * nothing of KVM: delivery into KVM (deliver.c), the trace (recording.c)
 * and the hang history (hang.c) subscribe to its events. Layers:
 * docs/recorder.md.
 */
#ifndef IRQRR_IRQBUS_H
#define IRQRR_IRQBUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/board.h"

/* One reader of the board's event stream; every hook is optional and runs
 * with the bus lock held, in the order of subscription. */
struct irqbus_subscriber {
	void *ctx;
	/* a board event; num: its number in the trace (the board's count
	 * when not recording) */
	void (*event)(void *ctx, uint64_t num, const struct irq_event *ev);
	/* what KVM answered to an APIC message (irqbus_msi_result) */
	void (*msi_result)(void *ctx, const struct apic_msg *m, int result);
	/* console bytes (irqbus_console) */
	void (*console)(void *ctx, const uint8_t *bytes, size_t n);
	/* bytes the guest's UART received (irqbus_console_in) */
	void (*console_in)(void *ctx, const uint8_t *bytes, size_t n);
};

/* The trace's side of the bus (recording.c): event numbers and chunk
 * bounds. All hooks are required; lock held. */
struct irqbus_log {
	void *ctx;
	uint64_t (*next_event)(void *ctx);
	/* the time before which the open chunk takes records (next stands
	 * for its first record when it is empty) */
	uint64_t (*window_end)(void *ctx, uint64_t next);
	void (*seal)(void *ctx, const struct board *b);
	void (*before_call)(void *ctx, const struct board *b, uint64_t now);
};

struct irqbus_config {
	bool kernel_irqchip;  /* the chips are KVM's: no board, irqbus_set_irq -> irq_line */
	unsigned ncpus;
	bool lint0_bsp;
	bool hpet;            /* the board's HPET (--hpet on) */
	uint64_t ram_size;    /* for the CMOS memory-size bytes */
	uint64_t rtc_epoch;   /* the RTC's start (wall-clock seconds) */
	const char *const *models; /* --model KEY=VALUE (chips/variants.h) */
	unsigned nmodels;
	const char *const *faults; /* --fault SPEC (chips/fault.h) */
	unsigned nfaults;
	/* the host side: CLOCK_MONOTONIC ns (NULL: the real clock), and
	 * KVM_IRQ_LINE for the kernel irqchip */
	uint64_t (*clock)(void *ctx);
	int (*irq_line)(void *ctx, unsigned gsi, int level);
	void *ctx;
};

#define IRQBUS_MAX_SUBSCRIBERS 4

struct irqbus {
	pthread_mutex_t lock;
	_Atomic unsigned waiting;  /* threads blocked on the lock (irqbus.c: bus_lock) */
	struct board board;
	struct irqbus_config cfg;
	uint64_t t0;               /* clock at VM start */
	uint64_t lag;              /* virtual time = clock - t0 - lag (irqbus.c: overload) */
	uint64_t entered;          /* clock when the lock holder's board call began */
	uint64_t armed;            /* the virtual time the timer is armed for (UINT64_MAX: none) */
	int timerfd, stopfd;
	pthread_t timer_thread;
	bool timer_started;
	uint8_t pic_int;
	struct irqbus_subscriber sub[IRQBUS_MAX_SUBSCRIBERS];
	unsigned nsub;
	const struct irqbus_log *log; /* NULL when only running */
};

int irqbus_init(struct irqbus *bus, const struct irqbus_config *cfg);
/* Before irqbus_start. -1 when the table is full. */
int irqbus_subscribe(struct irqbus *bus, const struct irqbus_subscriber *s);
void irqbus_set_log(struct irqbus *bus, const struct irqbus_log *log);
/* Lock held (irqbus_locked): drop the subscriber and the log of ctx (a
 * trace about to be closed). */
void irqbus_detach(struct irqbus *bus, const void *ctx);
/* Virtual time 0 is now; the timer thread runs (split irqchip). */
int irqbus_start(struct irqbus *bus);
void irqbus_stop(struct irqbus *bus);

/* Board inputs, locked and timestamped. In kernel irqchip mode only
 * irqbus_set_irq does anything (KVM_IRQ_LINE). */
void irqbus_pio_write(struct irqbus *bus, uint16_t port, uint8_t value);
uint8_t irqbus_pio_read(struct irqbus *bus, uint16_t port);
void irqbus_mmio_write(struct irqbus *bus, uint64_t addr, uint32_t value);
uint32_t irqbus_mmio_read(struct irqbus *bus, uint64_t addr);
/* 64-bit accesses (the HPET's registers) */
void irqbus_mmio_write64(struct irqbus *bus, uint64_t addr, uint64_t value);
uint64_t irqbus_mmio_read64(struct irqbus *bus, uint64_t addr);
void irqbus_set_irq(struct irqbus *bus, unsigned gsi, int level);
uint8_t irqbus_intack(struct irqbus *bus, unsigned cpu);
void irqbus_eoi(struct irqbus *bus, uint8_t vector, unsigned cpu);
void irqbus_set_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value);
/* set_lvt only when the board's LVT differs (the hang report's snapshot). */
void irqbus_sync_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value);
/* Advance the board to now (an EV_TIME input). */
void irqbus_advance(struct irqbus *bus);
/* What the timer thread does when its timerfd fires: advance to now and
 * re-arm. Returns true when the call overran its budget. */
bool irqbus_timer_expired(struct irqbus *bus);
bool irqbus_pic_int(struct irqbus *bus);
/* Virtual time now (ns since VM start, slowed under overload). */
uint64_t irqbus_virtual_now(const struct irqbus *bus);

/* Console bytes to the subscribers (under the lock, when any listens). */
void irqbus_console(struct irqbus *bus, const uint8_t *bytes, size_t n);
/* Bytes the guest read from its UART (the console's input), to the
 * subscribers under the lock. */
void irqbus_console_in(struct irqbus *bus, const uint8_t *bytes, size_t n);
/* From a subscriber's event hook (lock held): KVM's answer to message m. */
void irqbus_msi_result(struct irqbus *bus, const struct apic_msg *m, int result);
/* fn(ctx, board) with the lock held: a snapshot, a trace sync or close. */
void irqbus_locked(struct irqbus *bus, void (*fn)(void *ctx, struct board *b), void *ctx);
/* The same only when the lock is free now; false when it was not. */
bool irqbus_trylocked(struct irqbus *bus, void (*fn)(void *ctx, struct board *b), void *ctx);

#endif
