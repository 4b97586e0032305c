/* SPDX-License-Identifier: MIT */
/* Delivery into KVM: the bus subscriber that turns board outputs into
 * KVM_SIGNAL_MSI, GSI routes and vCPU kicks (deliver.c). */
#ifndef IRQRR_DELIVER_H
#define IRQRR_DELIVER_H

#include <stdint.h>

#include <linux/kvm.h>

#include "chips/board.h"
#include "irqbus.h"

struct vcpu;

/* The VM ioctls delivery needs; both return what ioctl() returns (errno
 * set on -1). kvm.c's deliver_kvm_ops issues them on the VM fd. */
struct deliver_ops {
	int (*signal_msi)(void *ctx, const struct kvm_msi *msi);
	int (*set_gsi_routing)(void *ctx, const struct kvm_irq_routing *routing);
	void *ctx;
};

struct delivery {
	struct irqbus *bus;
	struct vcpu *vcpu;
	unsigned ncpus;
	const struct deliver_ops *ops;
	uint64_t routed[BOARD_GSIS]; /* level routes given to KVM (0: none) */
	bool routes_valid;
	uint64_t msi_sent, msi_undelivered, route_updates;
	uint64_t msi_nodest; /* KVM_SIGNAL_MSI -1/EPERM: no APIC matched the destination */
	uint64_t msi_errors; /* other KVM_SIGNAL_MSI failures */
};

void deliver_init(struct delivery *d, struct irqbus *bus, struct vcpu *vcpus, unsigned ncpus,
		  const struct deliver_ops *ops);
struct irqbus_subscriber deliver_subscriber(struct delivery *d);

#endif
