/* SPDX-License-Identifier: MIT */
/* Fuzz target: QEMU -trace logs (import/qemu_log.c); body in fuzz_import.inc. */
#define IMPORT_FMT IMPORT_QEMU_LOG
#include "fuzz_import.inc"
