/* SPDX-License-Identifier: MIT */
/*
 * Kicking a vCPU: a request bit plus, when the vCPU thread may be inside
 * KVM_RUN, a signal and run->immediate_exit, so a kick between two KVM_RUNs
 * is not lost. The bottom of the recorder: the bus's delivery, the devices
 * (through vm_request_exit), the vCPU threads and the main thread kick; it
 * calls nobody.
 */
#include <signal.h>
#include <string.h>

#include "vmm.h"

/* A real-time signal: SIGUSR1 belongs to the user (hang report, docs/hang.md). */
#define VCPU_KICK_SIGNAL SIGRTMIN

static __thread struct vcpu *current_vcpu;

void vcpu_kick_thread_is(struct vcpu *v)
{
	current_vcpu = v;
}

/*
 * At most one kick is in flight per vCPU. The kick signal is a real-time
 * one, and real-time signals queue: a kick per board output (a PIT storm
 * raises the PIC's INT ~600,000 times a second, each asking for an LVT
 * read) queued signals faster than the vCPU thread could take them, and
 * the thread spent all its time in the signal handler, never leaving
 * KVM_RUN's return path: the VMM wedged, deaf to --timeout and SIGINT
 * (docs/HARDENING.md). Ordering: the kicker publishes its request before
 * it tests kick_pending; the vCPU thread clears kick_pending before it
 * reads the requests. A kicker that finds a kick pending therefore knows
 * that the vCPU has yet to clear it, and will read the new request after.
 */
void vcpu_kick(struct vcpu *v, unsigned request)
{
	atomic_fetch_or(&v->requests, request);
	if (v == current_vcpu || !v->started)
		return; /* handled before our next KVM_RUN */
	if (atomic_exchange(&v->kick_pending, 1))
		return;
	v->run->immediate_exit = 1;
	atomic_fetch_add(&v->kicks, 1);
	pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

static void kick_handler(int sig)
{
	(void)sig;
}

void vcpu_kick_install(void)
{
	static bool handler_installed;
	if (handler_installed)
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	handler_installed = true;
}
