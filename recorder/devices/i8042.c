/* SPDX-License-Identifier: MIT */
/*
 * A minimal 8042 keyboard controller at ports 0x60 (data) and 0x64
 * (status/command): enough for Linux to probe it without hanging and to
 * reboot through it. A PS/2 controller with no keyboard or mouse attached;
 * IRQ1/IRQ12 are never raised.
 *
 * Status (0x64 read): bit 0 output buffer full, bit 1 input buffer full
 * (never: commands complete at once), bit 2 system flag (POST passed),
 * bit 3 last write was a command, bit 4 keyboard not inhibited, bit 5 the
 * output byte came from the aux port (the 0xd3 loop). With nothing to read
 * it is 0x1c after a command (0x14 after data).
 *
 * Controller commands: 0x20 read / 0x60 write the configuration byte,
 * 0xaa self-test (0x55), 0xab/0xa9 interface tests (0x00 = ok),
 * 0xad/0xae disable/enable keyboard (config bit 4), 0xa7/0xa8 disable/
 * enable the aux port (config bit 5), 0xd2/0xd3 loop a byte back as
 * keyboard/aux data. Linux's i8042 driver finds a PS/2 controller, then
 * sees no IRQ12 after the aux loop and concludes there is no AUX port
 * (silently; without bit 5 following it warned "Is this a SiS?" and
 * without the aux status bit it took the loop for broken); 0xd0/0xd1 read/write
 * the output port (bit 0 = 0: reset, bit 1: A20); 0xf0-0xff pulse output
 * lines low for the bits that are 0 (0xfe pulses reset). Bytes written to
 * 0x60 for the keyboard get no answer: the driver's commands time out and
 * it reports no keyboard.
 */
#include <string.h>

#include "reset.h"

#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_CMD 0x08
#define ST_UNLOCKED 0x10
#define ST_AUXDATA 0x20

#define CTR_KBD_DISABLE 0x10
#define CTR_AUX_DISABLE 0x20

void i8042_init(struct i8042 *k)
{
	memset(k, 0, sizeof(*k));
	k->cmd_byte = 0x45;   /* kbd interrupt, system flag, translate (PC default) */
	k->outport = 0x03;    /* reset line inactive (high), A20 on */
}

static void put_out(struct i8042 *k, uint8_t v, bool aux)
{
	k->out = v;
	k->out_full = true;
	k->out_aux = aux;
}

uint8_t i8042_read(struct i8042 *k, uint16_t port)
{
	if (port == 0x64)
		return (uint8_t)((k->out_full ? ST_OBF : 0) | ST_SYS | ST_UNLOCKED |
				 (k->last_was_cmd ? ST_CMD : 0) | (k->out_full && k->out_aux ? ST_AUXDATA : 0));
	k->out_full = false;
	return k->out;
}

static enum reset_request i8042_command(struct i8042 *k, uint8_t cmd)
{
	k->last_was_cmd = true;
	k->pending_cmd = 0;
	switch (cmd) {
	case 0x20: put_out(k, k->cmd_byte, false); break;
	case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
		k->pending_cmd = cmd; /* data byte follows on 0x60 */
		break;
	case 0xaa: put_out(k, 0x55, false); break;
	case 0xa9: case 0xab: put_out(k, 0x00, false); break;
	case 0xa7: k->cmd_byte |= CTR_AUX_DISABLE; break;
	case 0xa8: k->cmd_byte &= (uint8_t)~CTR_AUX_DISABLE; break;
	case 0xad: k->cmd_byte |= CTR_KBD_DISABLE; break;
	case 0xae: k->cmd_byte &= (uint8_t)~CTR_KBD_DISABLE; break;
	case 0xd0: put_out(k, k->outport, false); break;
	default:
		if (cmd >= 0xf0 && !(cmd & 0x1))
			return RESET_REQUESTED; /* pulse the reset line */
		break;
	}
	return RESET_NONE;
}

enum reset_request i8042_write(struct i8042 *k, uint16_t port, uint8_t val)
{
	if (port == 0x64)
		return i8042_command(k, val);
	uint8_t cmd = k->pending_cmd;
	k->pending_cmd = 0;
	k->last_was_cmd = false;
	switch (cmd) {
	case 0x60: k->cmd_byte = val; break;
	case 0xd1:
		k->outport = val;
		if (!(val & 0x1))
			return RESET_REQUESTED;
		break;
	case 0xd2: case 0xd3: put_out(k, val, cmd == 0xd3); break; /* loop back: kbd/aux output buffer */
	default: break; /* to the keyboard (0xd4: to the mouse): nobody answers */
	}
	return RESET_NONE;
}
