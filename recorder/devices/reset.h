/* SPDX-License-Identifier: MIT */
/*
 * The two legacy reset devices Linux pokes: the i8042 keyboard controller
 * (i8042.c) and system control port A (port92.c). Pure state machines, so
 * tests run them without KVM; devices.c puts them in the port map.
 */
#ifndef IRQRR_DEVICES_RESET_H
#define IRQRR_DEVICES_RESET_H

#include <stdbool.h>
#include <stdint.h>

/* i8042 (0x60, 0x64) and port 0x92: just enough for Linux's probe and reset. */
struct i8042 {
	uint8_t cmd_byte;     /* controller configuration byte */
	uint8_t pending_cmd;  /* command awaiting its data byte on 0x60, or 0 */
	uint8_t out;          /* output buffer */
	bool out_full;
	bool out_aux;         /* the output byte is aux data (status bit 5) */
	bool last_was_cmd;    /* status bit 3 */
	uint8_t outport;      /* output port (bit 1 = A20) */
};
enum reset_request { RESET_NONE = 0, RESET_REQUESTED = 1 };
void i8042_init(struct i8042 *k);
uint8_t i8042_read(struct i8042 *k, uint16_t port);
enum reset_request i8042_write(struct i8042 *k, uint16_t port, uint8_t val);

struct port92 {
	uint8_t value;        /* bit 1: fast A20 */
};
uint8_t port92_read(const struct port92 *p);
enum reset_request port92_write(struct port92 *p, uint8_t val);

#endif
