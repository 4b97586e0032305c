/* SPDX-License-Identifier: MIT */
/*
 * Delivery into KVM: a subscriber of the bus's event stream (irqbus.h)
 * that turns board outputs into KVM actions. It runs with the bus lock held
 * and never calls back into the board:
 *   EV_APIC_MSG  -> KVM_SIGNAL_MSI (level messages first bring KVM's GSI
 *                   routes up to date, so their EOIs come back); KVM's
 *                   answer goes back to the bus (irqbus_msi_result) for the
 *                   trace
 *   EV_LINT      -> ExtINT: the vCPU's extint flag (the vCPU thread runs the
 *                   INTACK); NMI: KVM_NMI from the vCPU's thread; fixed: an
 *                   MSI with the LVT's vector to that vCPU
 *   EV_WIRE pic.int rising -> every vCPU is asked to re-read LVT0/LVT1
 *                   (vcpu.c skips a read KVM's ready_for_interrupt_injection
 *                   makes needless)
 * The two VM ioctls go through an ops table (kvm.c has the real one), so
 * tests drive delivery without KVM (tests/test_recorder.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "deliver.h"
#include "vmm.h"

/* A level-triggered, unmasked entry as the MSI route KVM needs to report its
 * EOIs (0: no route). Only vector, destination, mode and trigger matter. */
static uint64_t route_key(const struct ioapic *io, unsigned pin)
{
	struct ioapic_entry e;
	ioapic_entry_get(io, pin, &e);
	if (!e.level || e.masked)
		return 0;
	/* packed as deliver_sync_routes() unpacks it (the RTE's own layout) */
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
static void deliver_sync_routes(struct delivery *d)
{
	uint64_t key[BOARD_GSIS];
	bool changed = !d->routes_valid;
	for (unsigned pin = 0; pin < BOARD_GSIS; pin++) {
		key[pin] = route_key(&d->bus->board.s.ioapic, pin);
		changed |= key[pin] != d->routed[pin];
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
	if (d->ops->set_gsi_routing(d->ops->ctx, &t.h) < 0) {
		kvm_ioctl_fail("KVM_SET_GSI_ROUTING");
		return;
	}
	memcpy(d->routed, key, sizeof(key));
	d->routes_valid = true;
	d->route_updates++;
}

static void deliver_msi(struct delivery *d, const struct apic_msg *m)
{
	struct kvm_msi msi;
	memset(&msi, 0, sizeof(msi));
	msi_from(m, &msi.address_lo, &msi.data);
	if (m->trigger)
		deliver_sync_routes(d);
	int r = d->ops->signal_msi(d->ops->ctx, &msi);
	if (r < 0 && errno == EPERM) {
		/* -1 from kvm_irq_delivery_to_apic(): no local APIC matched
		 * the destination (a guest may address an APIC ID that does
		 * not exist). Not the VMM's error: counted, and recorded as
		 * the result KVM gave (error, errno EPERM; docs/FORMAT.md). */
		d->msi_nodest++;
	} else if (r < 0) {
		/* a few lines, not one per message: a storm of them over a
		 * serial console once took seconds to write (nested test bed) */
		if (d->msi_errors++ < 5)
			kvm_ioctl_fail("KVM_SIGNAL_MSI");
	} else if (r == 0) {
		d->msi_undelivered++;
	}
	d->msi_sent++;
	irqbus_msi_result(d->bus, m, r);
}

static void deliver_lint(struct delivery *d, const struct irq_event *ev)
{
	unsigned cpu = ev->u.lint.cpu;
	if (cpu >= d->ncpus)
		return;
	struct vcpu *v = &d->vcpu[cpu];
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
			deliver_msi(d, &m);
		}
		break;
	default:
		break;
	}
}

static void deliver_event(void *ctx, uint64_t num, const struct irq_event *ev)
{
	struct delivery *d = ctx;
	(void)num;
	switch (ev->kind) {
	case EV_APIC_MSG:
		deliver_msi(d, &ev->u.apic);
		break;
	case EV_LINT:
		deliver_lint(d, ev);
		break;
	case EV_WIRE:
		/* KVM does not report LVT changes: look when it matters. */
		if (ev->u.wire.id == WIRE_PIC_INT && ev->u.wire.level)
			for (unsigned i = 0; i < d->ncpus; i++)
				vcpu_kick(&d->vcpu[i], VCPU_REQ_LVT);
		break;
	default:
		break;
	}
}

void deliver_init(struct delivery *d, struct irqbus *bus, struct vcpu *vcpus, unsigned ncpus,
		  const struct deliver_ops *ops)
{
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->vcpu = vcpus;
	d->ncpus = ncpus;
	d->ops = ops;
}

struct irqbus_subscriber deliver_subscriber(struct delivery *d)
{
	return (struct irqbus_subscriber){.ctx = d, .event = deliver_event};
}
