/* SPDX-License-Identifier: MIT */
#include "event.h"

#include <stddef.h>

const char *irq_event_kind_name(unsigned kind)
{
	switch (kind) {
	case EV_RESET: return "reset";
	case EV_TIME: return "time";
	case EV_PIO_WRITE: return "pio_write";
	case EV_PIO_READ: return "pio_read";
	case EV_MMIO_WRITE: return "mmio_write";
	case EV_MMIO_READ: return "mmio_read";
	case EV_IRQ: return "irq";
	case EV_INTACK: return "intack";
	case EV_EOI: return "eoi";
	case EV_LVT: return "lvt";
	case EV_WIRE: return "wire";
	case EV_APIC_MSG: return "apic";
	case EV_LINT: return "lint";
	case EV_DEADLINE: return "deadline";
	default: return NULL;
	}
}

const char *board_wire_name(unsigned id)
{
	switch (id) {
	case WIRE_IRQ0: return "irq0";
	case WIRE_IRQ8: return "irq8";
	case WIRE_PIC_INT: return "pic.int";
	default: return NULL;
	}
}

const char *apic_delivery_name(unsigned mode)
{
	static const char *const names[8] = {
		"fixed", "lowest", "smi", "reserved3", "nmi", "init", "reserved6", "extint",
	};
	return names[mode & 7];
}

bool irq_event_equal(const struct irq_event *a, const struct irq_event *b)
{
	if (a->t != b->t || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case EV_RESET:
	case EV_TIME:
		return true;
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		return a->u.pio.port == b->u.pio.port && a->u.pio.value == b->u.pio.value;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
		return a->u.mmio.addr == b->u.mmio.addr && a->u.mmio.value == b->u.mmio.value;
	case EV_IRQ:
		return a->u.irq.gsi == b->u.irq.gsi && a->u.irq.level == b->u.irq.level;
	case EV_INTACK:
		return a->u.intack.cpu == b->u.intack.cpu && a->u.intack.vector == b->u.intack.vector;
	case EV_EOI:
		return a->u.eoi.vector == b->u.eoi.vector && a->u.eoi.cpu == b->u.eoi.cpu;
	case EV_LVT:
		return a->u.lvt.cpu == b->u.lvt.cpu && a->u.lvt.pin == b->u.lvt.pin &&
		       a->u.lvt.value == b->u.lvt.value;
	case EV_WIRE:
		return a->u.wire.id == b->u.wire.id && a->u.wire.level == b->u.wire.level;
	case EV_APIC_MSG:
		return a->u.apic.dest == b->u.apic.dest && a->u.apic.vector == b->u.apic.vector &&
		       a->u.apic.delivery == b->u.apic.delivery &&
		       a->u.apic.destmode == b->u.apic.destmode &&
		       a->u.apic.trigger == b->u.apic.trigger && a->u.apic.pin == b->u.apic.pin;
	case EV_LINT:
		return a->u.lint.cpu == b->u.lint.cpu && a->u.lint.pin == b->u.lint.pin &&
		       a->u.lint.mode == b->u.lint.mode && a->u.lint.level == b->u.lint.level &&
		       a->u.lint.vector == b->u.lint.vector;
	case EV_DEADLINE:
		return a->u.deadline.t == b->u.deadline.t;
	default:
		return false;
	}
}
