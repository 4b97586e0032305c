/* SPDX-License-Identifier: MIT */
/*
 * Test device, ports 0x2000 + n for GSI n (n < 24): a byte write of 1 or 0
 * drives the line high or low; a read returns the level last written. The
 * board call completes before the vCPU resumes, so the guest sees the effect
 * of its write on its next instruction.
 */
#include "vmm.h"

void testdev_access(struct vm *vm, uint16_t port, bool write, uint8_t *val)
{
	unsigned gsi = port - TESTDEV_PORT;
	if (!write) {
		*val = vm->testdev_level[gsi];
		return;
	}
	vm->testdev_level[gsi] = *val & 1;
	irqbus_set_irq(&vm->bus, gsi, *val & 1);
}
