/* SPDX-License-Identifier: MIT */
/*
 * Debug exit at port 0xf4 (any width). Writing v ends the run with process
 * exit status (v << 1) | 1, as QEMU's isa-debug-exit, except that v = 0
 * exits 0: a passing guest makes `irqrr run` succeed. A failing guest can
 * never look like success (odd) or like --timeout (124, even).
 */
#include "vmm.h"

void debug_exit_write(struct vm *vm, uint32_t value)
{
	vm_request_exit(vm, value == 0 ? 0 : (int)(((value << 1) | 1) & 0xff));
}
