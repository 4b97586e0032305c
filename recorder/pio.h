/* SPDX-License-Identifier: MIT */
/*
 * The port and MMIO map: a table of handlers registered at start (the
 * devices, devices/devices.c; the board's ports and IOAPIC window, vcpu.c)
 * and the dispatch of a vCPU's access to them (pio.c). The map knows no
 * device: it passes each access, with the vCPU that made it, to the
 * handler that claims the port or address.
 */
#ifndef IRQRR_PIO_H
#define IRQRR_PIO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct io_port_handler {
	const char *name;
	uint16_t base, count;          /* ports base..base+count-1 */
	bool (*claims)(uint16_t port); /* instead of base and count */
	/* whole: the access at `base` of any size arrives as one call (and
	 * writes only, with write_only); otherwise a wider access is split
	 * into byte accesses at port, port+1, ... in order, as the ISA bus
	 * does for an 8-bit device, and every byte is dispatched on its own */
	bool whole, write_only;
	void (*access)(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data);
	void *ctx;
};

struct io_mmio_handler {
	const char *name;
	bool (*claims)(uint64_t addr);
	void (*access)(void *ctx, struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data);
	void *ctx;
};

#define IO_MAX_PORT_HANDLERS 24
#define IO_MAX_MMIO_HANDLERS 4

struct io_map {
	struct io_port_handler port[IO_MAX_PORT_HANDLERS];
	unsigned nport;
	struct io_mmio_handler mmio[IO_MAX_MMIO_HANDLERS];
	unsigned nmmio;
	bool verbose;              /* log unclaimed ports (once each) and MMIO */
	atomic_ulong unclaimed_logged[65536 / 64];
	atomic_uint unclaimed_mmio_logged; /* vCPU threads race here */
};

void io_map_init(struct io_map *io, bool verbose);
/* Handlers are tried in the order registered; -1 when the table is full. */
int io_register_port(struct io_map *io, const struct io_port_handler *h);
int io_register_mmio(struct io_map *io, const struct io_mmio_handler *h);
void pio_access(struct io_map *io, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data);
void mmio_access(struct io_map *io, struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data);

#endif
