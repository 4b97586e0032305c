/* SPDX-License-Identifier: MIT */
/*
 * The port and MMIO map seen by the guest (pio.h). What is registered at
 * start (run.c: devices_register, vcpu_register_board_io):
 *
 *   0xe0-0xe3        scratch: reads back what was written (devices/testdev.c)
 *   0xe4             flush-page port: a 32-bit write of a guest physical address
 *                    makes KVM fault that page in again (devices/testdev.c)
 *   0xf4             debug exit (8/16/32-bit): status (v<<1)|1 (devices/debug_exit.c)
 *   0x510, 0x511     fw_cfg selector (16-bit) and data (devices/fwcfg.c)
 *   0x600-0x603      ACPI PM1a event block (devices/pm.c)
 *   0x604-0x605      ACPI PM1a control: SLP_TYP=5|SLP_EN powers off, status 0 (devices/pm.c)
 *   0x3f8-0x3ff      16550A UART (COM1, IRQ4; devices/uart.c)
 *   0x2000-0x2017    test device: GSI n line level (devices/testdev.c)
 *   0x60, 0x64       i8042 (probe, reset pulse), 0x92 fast A20/reset
 *   board ports      PIC pair, ELCR, PIT, port 0x61 (split irqchip only; vcpu.c)
 *   anything else    reads all-ones, writes ignored (logged once, --verbose)
 *
 * The board's ports are 8-bit devices: a 16/32-bit access to them is split
 * into byte accesses, as for every handler that is not `whole`.
 *
 * MMIO: the IOAPIC window (board_owns_mmio; vcpu.c) takes aligned 32-bit
 * accesses only (82093AA datasheet 3.0: registers are accessed as 32-bit
 * quantities); other sizes or alignments there: writes ignored, reads
 * return 0. The HPET window (0xfed00000, when the board has one: --hpet
 * on; vcpu.c) takes aligned 32- and 64-bit accesses; other sizes or
 * alignments there read all ones and write nothing (docs/chips-hpet.md).
 * Unclaimed MMIO reads all-ones.
 */
#include <stdio.h>
#include <string.h>

#include "pio.h"

void io_map_init(struct io_map *io, bool verbose)
{
	memset(io, 0, sizeof(*io));
	io->verbose = verbose;
}

int io_register_port(struct io_map *io, const struct io_port_handler *h)
{
	if (io->nport == IO_MAX_PORT_HANDLERS)
		return -1;
	io->port[io->nport++] = *h;
	return 0;
}

int io_register_mmio(struct io_map *io, const struct io_mmio_handler *h)
{
	if (io->nmmio == IO_MAX_MMIO_HANDLERS)
		return -1;
	io->mmio[io->nmmio++] = *h;
	return 0;
}

static bool port_claimed(const struct io_port_handler *h, uint16_t port)
{
	return h->claims ? h->claims(port) : port >= h->base && port - h->base < h->count;
}

static void log_unclaimed_port(struct io_map *io, uint16_t port, bool write)
{
	if (!io->verbose)
		return;
	unsigned long bit = 1ul << (port % 64);
	if (atomic_fetch_or(&io->unclaimed_logged[port / 64], bit) & bit)
		return;
	fprintf(stderr, "irqrr: unclaimed port %#x (%s), %s\n", port, write ? "write" : "read",
		write ? "ignored" : "reads all-ones");
}

static void pio_byte(struct io_map *io, struct vcpu *v, uint16_t port, bool write, uint8_t *val)
{
	for (unsigned i = 0; i < io->nport; i++) {
		const struct io_port_handler *h = &io->port[i];
		if (!h->whole && port_claimed(h, port)) {
			h->access(h->ctx, v, port, write, 1, val);
			return;
		}
	}
	if (!write)
		*val = 0xff;
	log_unclaimed_port(io, port, write);
}

void pio_access(struct io_map *io, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	for (unsigned i = 0; i < io->nport; i++) {
		const struct io_port_handler *h = &io->port[i];
		if (h->whole && port == h->base && (write || !h->write_only)) {
			h->access(h->ctx, v, port, write, size, data);
			return;
		}
	}
	for (unsigned i = 0; i < size; i++)
		pio_byte(io, v, (uint16_t)(port + i), write, data + i);
}

void mmio_access(struct io_map *io, struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data)
{
	for (unsigned i = 0; i < io->nmmio; i++) {
		const struct io_mmio_handler *h = &io->mmio[i];
		if (h->claims(addr)) {
			h->access(h->ctx, v, addr, write, len, data);
			return;
		}
	}
	if (!write)
		memset(data, 0xff, len);
	if (io->verbose && atomic_fetch_add(&io->unclaimed_mmio_logged, 1) < 16) {
		fprintf(stderr, "irqrr: unclaimed MMIO %s at %#llx (%u bytes)\n", write ? "write" : "read",
			(unsigned long long)addr, len);
	}
}
