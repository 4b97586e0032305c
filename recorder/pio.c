/* SPDX-License-Identifier: MIT */
/*
 * The port and MMIO map seen by the guest.
 *
 *   0xe0-0xe3        scratch: reads back what was written (testdev.c)
 *   0xe4             flush-page port: a 32-bit write of a guest physical address
 *                    makes KVM fault that page in again (testdev.c)
 *   0xf4             debug exit (8/16/32-bit): status (v<<1)|1 (debug_exit.c)
 *   0x510, 0x511     fw_cfg selector (16-bit) and data (fwcfg.c)
 *   0x604-0x605      ACPI PM1a control: SLP_TYP=5|SLP_EN powers off, status 0 (pm.c)
 *   0x3f8-0x3ff      16550A UART (COM1, IRQ4)
 *   0x2000-0x2017    test device: GSI n line level
 *   0x60, 0x64       i8042 (probe, reset pulse), 0x92 fast A20/reset
 *   board ports      PIC pair, ELCR, PIT, port 0x61 (split irqchip only)
 *   anything else    reads all-ones, writes ignored (logged once, --verbose)
 *
 * The board's ports are 8-bit devices. A 16/32-bit access to them is split
 * into byte accesses at port, port+1, ... in order, as the ISA bus does for
 * an 8-bit device; every byte is then dispatched on its own.
 *
 * MMIO: the IOAPIC window (board_owns_mmio) takes aligned 32-bit accesses
 * only (82093AA datasheet 3.0: registers are accessed as 32-bit quantities);
 * other sizes or alignments there: writes ignored, reads return 0.
 * The HPET window (0xfed00000, when the board has one: --hpet on) takes
 * aligned 32- and 64-bit accesses; other sizes or alignments there read all
 * ones and write nothing (docs/chips-hpet.md).
 * Unclaimed MMIO reads all-ones.
 */
#include <stdio.h>
#include <string.h>

#include "vmm.h"

static void log_unclaimed_port(struct vm *vm, uint16_t port, bool write)
{
	if (!vm->opt->verbose)
		return;
	unsigned long bit = 1ul << (port % 64);
	if (atomic_fetch_or(&vm->unclaimed_logged[port / 64], bit) & bit)
		return;
	fprintf(stderr, "irqrr: unclaimed port %#x (%s), %s\n", port, write ? "write" : "read",
		write ? "ignored" : "reads all-ones");
}

static void legacy_reset(struct vm *vm, uint16_t port, uint8_t val)
{
	fprintf(stderr, "irqrr: guest requested reset (port %#x value %#x): ending the run, status %d\n",
		port, val, RECORDER_EXIT_RESET);
	vm_request_exit(vm, RECORDER_EXIT_RESET);
}

static bool legacy_port(struct vm *vm, uint16_t port, bool write, uint8_t *val)
{
	if (port != 0x60 && port != 0x64 && port != 0x92)
		return false;
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
	return true;
}

static void pio_byte(struct vcpu *v, uint16_t port, bool write, uint8_t *val)
{
	struct vm *vm = v->vm;
	if (legacy_port(vm, port, write, val))
		return;
	if (port >= UART_COM1_BASE && port < UART_COM1_BASE + 8) {
		if (write)
			uart_write(&vm->uart, port - UART_COM1_BASE, *val);
		else
			*val = uart_read(&vm->uart, port - UART_COM1_BASE);
	} else if (port >= TESTDEV_PORT && port < TESTDEV_PORT + TESTDEV_LINES) {
		testdev_access(vm, port, write, val);
	} else if (port >= SCRATCH_PORT && port < FLUSH_PORT + 4) {
		scratch_access(vm, port, write, val);
	} else if (port == PM1A_CNT_PORT || port == PM1A_CNT_PORT + 1) {
		pm1a_access(vm, port, write, val);
	} else if (port >= PM1A_EVT_PORT && port < PM1A_EVT_PORT + 4) {
		pm1a_evt_access(vm, port, write, val);
	} else if (vm->split && board_owns_port(port)) {
		if (write && pic_pair_is_setup_write(port, *val)) {
			/* KVM does not report LVT changes. A guest programs
			 * LVT0 before it sets up or unmasks the PIC: bring the
			 * board's view up to date before INT can rise. */
			vcpu_report_lvt(v);
			for (unsigned i = 0; i < vm->ncpus; i++)
				if (&vm->vcpu[i] != v)
					vcpu_kick(&vm->vcpu[i], VCPU_REQ_LVT);
		}
		if (write) {
			irqbus_pio_write(&vm->bus, port, *val);
			/* A guest programming the PIC while its INT is up may
			 * have just changed LVT0 too: look again. */
			if (irqbus_pic_int(&vm->bus))
				vcpu_kick(v, VCPU_REQ_LVT);
		} else {
			*val = irqbus_pio_read(&vm->bus, port);
		}
	} else {
		if (!write)
			*val = 0xff;
		log_unclaimed_port(vm, port, write);
	}
}

void pio_access(struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	if (port == DEBUG_EXIT_PORT && write) {
		uint32_t value = 0;
		memcpy(&value, data, size <= 4 ? size : 4);
		debug_exit_write(v->vm, value);
		return;
	}
	if (port == FLUSH_PORT) {
		flush_port_access(v->vm, write, size, data);
		return;
	}
	if (port == FWCFG_SELECTOR_PORT || port == FWCFG_DATA_PORT) {
		fwcfg_access(v->vm, port, write, size, data);
		return;
	}
	for (unsigned i = 0; i < size; i++)
		pio_byte(v, (uint16_t)(port + i), write, data + i);
}

/* The HPET's window: 4- and 8-byte aligned accesses reach the board. */
static void hpet_access(struct vm *vm, uint64_t addr, bool write, unsigned len, uint8_t *data)
{
	if ((len != 4 && len != 8) || (addr & (len - 1))) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	if (len == 8) {
		uint64_t val;
		if (write) {
			memcpy(&val, data, 8);
			irqbus_mmio_write64(&vm->bus, addr, val);
		} else {
			val = irqbus_mmio_read64(&vm->bus, addr);
			memcpy(data, &val, 8);
		}
		return;
	}
	uint32_t val;
	if (write) {
		memcpy(&val, data, 4);
		irqbus_mmio_write(&vm->bus, addr, val);
	} else {
		val = irqbus_mmio_read(&vm->bus, addr);
		memcpy(data, &val, 4);
	}
}

void mmio_access(struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data)
{
	struct vm *vm = v->vm;
	/* the board's configuration is fixed once the VM runs: no lock */
	if (vm->split && !board_owns_mmio(addr) && board_decodes_mmio(&vm->bus.board, addr)) {
		hpet_access(vm, addr, write, len, data);
		return;
	}
	if (vm->split && board_owns_mmio(addr)) {
		if (len != 4 || (addr & 3)) {
			if (!write)
				memset(data, 0, len);
			return;
		}
		uint32_t val;
		if (write) {
			memcpy(&val, data, 4);
			irqbus_mmio_write(&vm->bus, addr, val);
		} else {
			val = irqbus_mmio_read(&vm->bus, addr);
			memcpy(data, &val, 4);
		}
		return;
	}
	if (!write)
		memset(data, 0xff, len);
	if (vm->opt->verbose && atomic_fetch_add(&vm->unclaimed_mmio_logged, 1) < 16) {
		fprintf(stderr, "irqrr: unclaimed MMIO %s at %#llx (%u bytes)\n", write ? "write" : "read",
			(unsigned long long)addr, len);
	}
}
