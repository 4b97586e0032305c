/* SPDX-License-Identifier: MIT */
/*
 * Hang capture (docs/hang.md): what the recorder keeps while the guest runs
 * (per-line delivery history, the last board events, the console tail), the
 * vCPU snapshots, and the hang report (text and JSON) with its diagnosis.
 */
#ifndef IRQRR_HANG_H
#define IRQRR_HANG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/kvm.h>

#include "chips/board.h"
#include "chips/event.h"

#define HANG_LINES 24      /* ISA IRQ / GSI n; line 0 is PIT OUT0 (IOAPIC pin 2) */
#define HANG_RING 32       /* last board events kept */
#define HANG_CONSOLE 1024  /* console tail bytes */

struct vm;
struct vcpu;
struct irqbus_subscriber;

/* What the report shows besides the board (whose line history,
 * chips/history.c, answers the diagnosis). */
struct hang_track {
	struct irq_event ring[HANG_RING];
	uint64_t ring_num[HANG_RING];
	unsigned ring_len, ring_head;
	char console[HANG_CONSOLE];
	unsigned console_len, console_head;
};

/* A vCPU's state for the report, taken by its own thread (or after it
 * stopped). */
struct vcpu_snap {
	bool valid;
	char error[96];
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_mp_state mp;
	uint32_t lvt0, lvt1, tpr, svr;
	bool extint_pending;
};

enum hang_cause {
	HANG_WATCHDOG,  /* --hang-timeout without progress */
	HANG_SIGNAL,    /* SIGUSR1: report and go on */
	HANG_SHUTDOWN,  /* KVM_EXIT_SHUTDOWN (triple fault) */
};

/* Process exit status when the watchdog fires or the guest shuts down. */
#define RECORDER_EXIT_HANG 4

/* Called with the bus lock held; num is the event's number in the trace
 * (or the board's own count when not recording). */
void hang_track_event(struct hang_track *t, uint64_t num, const struct irq_event *ev);
void hang_track_console(struct hang_track *t, uint8_t byte);
/* The track as a subscriber of the bus (events and console). */
struct irqbus_subscriber hang_track_subscriber(struct hang_track *t);

/* What the report works from, copied under the bus lock (run.c) after the
 * board was brought to the moment of the report. */
struct hang_snapshot {
	struct board b;
	struct hang_track t;
	uint64_t next_event;
};

/* vcpu.c fills a snapshot with KVM_GET_REGS/SREGS/MP_STATE/LAPIC. */
int vcpu_snapshot(struct vcpu *v, struct vcpu_snap *s);

/* Writes the report of snap (text to `text`, JSON to `json`; either may be
 * NULL); snaps[i] for each vCPU. Each stuck finding is also given to mark
 * (may be NULL), for the trace. Takes no lock. */
void hang_report(struct vm *vm, const struct hang_snapshot *snap, enum hang_cause cause, const char *why,
		 const struct vcpu_snap *snaps, FILE *text, FILE *json, void (*mark)(void *ctx, const char *text),
		 void *mark_ctx);

/* disasm.c: guest memory through the guest's own page tables, and
 * capstone around RIP. */
enum guest_mode { GUEST_REAL, GUEST_PROT16, GUEST_PROT32, GUEST_LONG64, GUEST_COMPAT };
enum guest_mode guest_mode_of(const struct kvm_sregs *s);
const char *guest_mode_name(enum guest_mode m);
/* Linear -> guest physical by the paging mode in sregs. Returns 0, or -1
 * when a level is not present / outside RAM (*why says which). */
int guest_translate(const struct vm *vm, const struct kvm_sregs *s, uint64_t lin, uint64_t *phys,
		    const char **why);
struct disasm_line {
	uint64_t addr;
	uint8_t bytes[16];
	unsigned len;
	char text[192]; /* mnemonic + operands (capstone: 32 + 160) */
	bool current;
};
/* Up to `before` instructions before RIP and `after` from RIP; returns the
 * count (0 with *why set when the bytes at RIP cannot be read). */
unsigned disasm_around_rip(const struct vm *vm, const struct vcpu_snap *s, unsigned before,
			   unsigned after, struct disasm_line *out, const char **why);
/* Up to n (at most GUEST_STACK_MAX) stack words from SS:RSP up, each of the
 * mode's width (8, 4 or 2 bytes), into out; returns how many could be read
 * (0 with *why set when none). A guest's call chain, for the hang report:
 * return addresses among them point into its code. */
#define GUEST_STACK_MAX 64
unsigned guest_stack_words(const struct vm *vm, const struct vcpu_snap *s, uint64_t *out, unsigned n,
			   const char **why);

#endif
