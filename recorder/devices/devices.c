/* SPDX-License-Identifier: MIT */
/*
 * The guest-facing devices in the port map (recorder/pio.h), registered at
 * start in the order the map tries them. Each device keeps its own access
 * function; the handlers here only adapt them to the map. The legacy reset
 * devices (i8042, port 0x92) share one lock and end the run on a reset.
 */
#include <stdio.h>
#include <string.h>

#include "recorder/pio.h"
#include "recorder/vmm.h"

static void debug_exit_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	(void)v;
	(void)port;
	(void)write;
	uint32_t value = 0;
	memcpy(&value, data, size <= 4 ? size : 4);
	debug_exit_write(ctx, value);
}

static void flush_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	(void)v;
	(void)port;
	flush_port_access(ctx, write, size, data);
}

static void fwcfg_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	(void)v;
	fwcfg_access(ctx, port, write, size, data);
}

static void legacy_reset(struct vm *vm, uint16_t port, uint8_t val)
{
	fprintf(stderr, "irqrr: guest requested reset (port %#x value %#x): ending the run, status %d\n",
		port, val, RECORDER_EXIT_RESET);
	vm_request_exit(vm, RECORDER_EXIT_RESET);
}

static bool legacy_claims(uint16_t port)
{
	return port == 0x60 || port == 0x64 || port == 0x92;
}

static void legacy_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	struct vm *vm = ctx;
	(void)v;
	(void)size;
	enum reset_request r = RESET_NONE;
	pthread_mutex_lock(&vm->legacy_lock);
	if (port == 0x92) {
		if (write)
			r = port92_write(&vm->port92, *val);
		else
			*val = port92_read(&vm->port92);
	} else if (write) {
		r = i8042_write(&vm->i8042, port, *val);
	} else {
		*val = i8042_read(&vm->i8042, port);
	}
	pthread_mutex_unlock(&vm->legacy_lock);
	if (r == RESET_REQUESTED)
		legacy_reset(vm, port, *val);
}

static void uart_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	struct uart *u = ctx;
	(void)v;
	(void)size;
	if (write)
		uart_write(u, port - UART_COM1_BASE, *val);
	else
		*val = uart_read(u, port - UART_COM1_BASE);
}

static void testdev_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	(void)v;
	(void)size;
	testdev_access(ctx, port, write, val);
}

static void scratch_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	(void)v;
	(void)size;
	scratch_access(ctx, port, write, val);
}

static void pm1a_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	(void)v;
	(void)size;
	pm1a_access(ctx, port, write, val);
}

static void pm1a_evt_io(void *ctx, struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *val)
{
	(void)v;
	(void)size;
	pm1a_evt_access(ctx, port, write, val);
}

int devices_register(struct vm *vm, struct io_map *io)
{
	const struct io_port_handler h[] = {
		/* whole accesses, at their first port */
		{.name = "debug-exit", .base = DEBUG_EXIT_PORT, .count = 1, .whole = true, .write_only = true,
		 .access = debug_exit_io, .ctx = vm},
		{.name = "flush-page", .base = FLUSH_PORT, .count = 1, .whole = true, .access = flush_io, .ctx = vm},
		{.name = "fw_cfg selector", .base = FWCFG_SELECTOR_PORT, .count = 1, .whole = true,
		 .access = fwcfg_io, .ctx = vm},
		{.name = "fw_cfg data", .base = FWCFG_DATA_PORT, .count = 1, .whole = true, .access = fwcfg_io,
		 .ctx = vm},
		/* byte devices */
		{.name = "i8042/port92", .claims = legacy_claims, .access = legacy_io, .ctx = vm},
		{.name = "uart", .base = UART_COM1_BASE, .count = 8, .access = uart_io, .ctx = &vm->uart},
		{.name = "testdev", .base = TESTDEV_PORT, .count = TESTDEV_LINES, .access = testdev_io, .ctx = vm},
		{.name = "scratch", .base = SCRATCH_PORT, .count = FLUSH_PORT + 4 - SCRATCH_PORT, .access = scratch_io,
		 .ctx = vm},
		{.name = "pm1a_cnt", .base = PM1A_CNT_PORT, .count = 2, .access = pm1a_io, .ctx = vm},
		{.name = "pm1a_evt", .base = PM1A_EVT_PORT, .count = 4, .access = pm1a_evt_io, .ctx = vm},
	};
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (io_register_port(io, &h[i]) < 0)
			return -1;
	return 0;
}
