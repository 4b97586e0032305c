/* SPDX-License-Identifier: MIT */
/*
 * Test device, ports 0x2000 + n for GSI n (n < 24): a byte write of 1 or 0
 * drives the line high or low; a read returns the level last written. The
 * board call completes before the vCPU resumes, so the guest sees the effect
 * of its write on its next instruction.
 */
#include <stdio.h>
#include <string.h>

#include "recorder/vmm.h"

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
 * any width (pio.c splits wider accesses into bytes). Bytes of the
 * flush-page port 0xe5-0xe7 and reads of 0xe4 read 0, writes are ignored.
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

/*
 * The flush-page port 0xe4 as QEMU's pc-testdev defines it: a 32-bit write
 * of a guest physical address makes the page that holds it inaccessible and
 * accessible again in the VMM's mapping of guest RAM. The guest cannot see
 * it, but KVM loses its mapping of that page (MMU notifier), so the guest's
 * next access to it exits to KVM's page-fault path. kvm-unit-tests use it to
 * take that fault in the middle of an event delivery (an IDT or stack page:
 * x86/eventinj.c). Here the page is remapped in one step (kvm.c).
 */
void flush_port_access(struct vm *vm, bool write, unsigned size, uint8_t *data)
{
	if (!write) {
		memset(data, 0, size);
		return;
	}
	if (size != 4)
		return; /* QEMU accepts only 32-bit accesses here */
	uint32_t gpa;
	memcpy(&gpa, data, 4);
	int r = guest_ram_flush_page(vm->ram, vm->ram_fd, vm->ram_size, gpa);
	if (r < 0) {
		vm_request_exit(vm, RECORDER_EXIT_ERROR);
		return;
	}
	if (r == 0)
		return; /* not RAM */
	if (atomic_fetch_add(&vm->page_flushes, 1) == 0 && vm->opt->verbose)
		fprintf(stderr, "irqrr: page-flush port: guest page %#x remapped, KVM must fault it in again "
			"(logged once)\n", gpa & ~(GUEST_PAGE_SIZE - 1));
}
