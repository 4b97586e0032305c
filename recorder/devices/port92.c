/* SPDX-License-Identifier: MIT */
/*
 * System control port A (0x92, "fast A20"): bit 1 is the A20 gate, stored
 * and read back (the VMM never masks A20: guests run in long mode); bit 0
 * written as 1 resets the machine (PS/2 "fast reset"), which ends the run
 * like the i8042 reset pulse. Other bits are stored.
 */
#include "reset.h"

uint8_t port92_read(const struct port92 *p)
{
	return p->value;
}

enum reset_request port92_write(struct port92 *p, uint8_t val)
{
	p->value = (uint8_t)(val & ~0x1);
	return (val & 0x1) ? RESET_REQUESTED : RESET_NONE;
}
