/* SPDX-License-Identifier: MIT */
/* Fuzz target: KVM ftrace logs (import/ftrace.c); body in fuzz_import.inc. */
#define IMPORT_FMT IMPORT_FTRACE
#include "fuzz_import.inc"
