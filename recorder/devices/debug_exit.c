/* SPDX-License-Identifier: MIT */
/*
 * Debug exit at port 0xf4 (any width), exactly QEMU's isa-debug-exit:
 * writing v ends the run with process exit status (v << 1) | 1, truncated to
 * 8 bits as exit(3) does. v = 0 exits 1. Every status from this port is odd,
 * so it never looks like success (0, the PM1a power-off in pm.c), like
 * --timeout (124) or like a VMM error (2).
 */
#include "recorder/vmm.h"

void debug_exit_write(struct vm *vm, uint32_t value)
{
	vm_request_exit(vm, (int)(((value << 1) | 1) & 0xff));
}
