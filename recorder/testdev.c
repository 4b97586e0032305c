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

/*
 * Scratch ports 0xe0-0xe3 (QEMU's pc-testdev): read back what was written,
 * any width (pio.c splits wider accesses into bytes). The flush-page port
 * 0xe4-0xe7 accepts writes and does nothing (there is no TLB to flush from
 * here); it reads 0.
 */
void scratch_access(struct vm *vm, uint16_t port, bool write, uint8_t *val)
{
	if (port >= FLUSH_PORT) {
		if (!write)
			*val = 0;
		return;
	}
	if (write)
		vm->scratch[port - SCRATCH_PORT] = *val;
	else
		*val = vm->scratch[port - SCRATCH_PORT];
}
