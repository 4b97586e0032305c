/* SPDX-License-Identifier: MIT */
/* The recorder VMM: runs a guest under KVM with the board as its PIC/PIT/IOAPIC. */
#ifndef IRQRR_RECORDER_H
#define IRQRR_RECORDER_H

#include <stdbool.h>

/* Process exit statuses besides the guest's own. */
#define RECORDER_EXIT_ERROR 2     /* the VMM failed (setup, KVM, emulation) */
/* 4: hang detected or guest shutdown, a hang report was written (hang.h);
 * even, so no debug-exit status ((v<<1)|1) can be mistaken for it */
#define RECORDER_EXIT_RESET 6     /* the guest reset the machine (i8042 pulse, port 0x92) */
#define RECORDER_EXIT_TIMEOUT 124 /* --timeout expired (as timeout(1)) */
#define RECORDER_EXIT_SIGNAL 130  /* SIGINT/SIGTERM */

/* vCPUs: the board's limit (chips/board.h BOARD_MAX_CPUS); KVM_CAP_MAX_VCPUS
 * may lower it (kvm.c). Built-in guests run up to BOOTINFO_MAX_CPUS. */
#define RECORDER_MAX_CPUS 64
#define RECORDER_MAX_MODULES 16
#define RECORDER_MAX_MODELS 8

/* --cpuid: the guest's CPUID (recorder/cpuid.c, docs/recorder.md) */
enum recorder_cpuid {
	RECORDER_CPUID_AUTO,     /* safe when the host CPU has no vmx/svm, else host */
	RECORDER_CPUID_HOST,     /* what KVM_GET_SUPPORTED_CPUID reports */
	RECORDER_CPUID_SAFE,     /* minus instructions an emulating KVM cannot run */
};

/* --console: where the guest's UART receives from (recorder/console.h) */
enum recorder_console {
	RECORDER_CONSOLE_STDIN,  /* standard input (default; not a background terminal) */
	RECORDER_CONSOLE_NONE,   /* nothing: the receiver stays empty */
};

#define RECORDER_CHUNK_MS_DEFAULT 250
/* A sealed window carries a keyframe only every 16 windows or 64 KiB of
 * records (docs/PERFORMANCE.md, "Trace density"; the others are
 * continuation chunks, docs/FORMAT.md). */
#define RECORDER_KEYFRAME_WINDOWS_DEFAULT 16
#define RECORDER_KEYFRAME_KIB_DEFAULT 64
/* --records compact (format 2.4, the smallest recordings): longer runs,
 * unless --keyframe-windows/--keyframe-kib say otherwise (docs/PERFORMANCE.md,
 * "Compact linked framing") */
#define RECORDER_COMPACT_KEYFRAME_WINDOWS 64
#define RECORDER_COMPACT_KEYFRAME_KIB 256
/* Sealed chunks are compressed with LZ4 HC at this level on the writer's
 * background thread (same LZ4 block format and decoder): ~9% smaller
 * recordings for ~0.1 ms of that thread per chunk (docs/PERFORMANCE.md). */
#define RECORDER_LZ4_HC_LEVEL 9
/* --mem default, QEMU's: unit-test kernels assume 128 MiB (docs/recorder.md) */
#define RECORDER_MEM_MIB_DEFAULT 128

struct recorder_options {
	const char *guest;       /* built-in guest name; NULL: default (demo) */
	const char *kernel;      /* bzImage or multiboot ELF (kernel.c) */
	const char *initrd;
	const char *append;      /* kernel command line */
	bool kernel_decompress_guest; /* bzImage: run its own decompressor (default: host) */
	const char *modules[RECORDER_MAX_MODULES]; /* multiboot: "FILE[,CMDLINE]" */
	unsigned nmodules;
	unsigned cpus;           /* 1..RECORDER_MAX_CPUS (and KVM's limit) */
	unsigned mem_mib;        /* guest RAM below 0xfec00000 */
	bool kernel_irqchip;     /* --irqchip=kernel: KVM's PIC/PIT/IOAPIC */
	bool lint0_bsp;          /* --lint0=bsp */
	bool hpet;               /* --hpet on|off: the board's HPET and the ACPI HPET
				  * table (split irqchip only; default on) */
	bool verbose;
	double timeout;          /* seconds; 0: none */
	const char *trace_path;  /* record to this file; NULL: just run */
	double hang_timeout;     /* --hang-timeout SEC: watchdog (docs/hang.md); 0: off */
	const char *report_path; /* --report FILE: text hang report (default stderr) */
	const char *report_json; /* --report-json FILE */
	double ring_mib;         /* --ring MIB: flight recorder; 0: whole trace to file */
	unsigned chunk_ms;       /* --chunk-ms: seal a chunk every MS of virtual time (1..) */
	unsigned keyframe_windows; /* --keyframe-windows: a keyframe at least every N chunks */
	unsigned keyframe_kib;   /* --keyframe-kib: ...or after KIB of records */
	bool split_records;      /* --records split: format 2.2's split layout */
	bool linked_records;     /* --records linked: format 2.3's linked chunks (with split) */
	bool compact_records;    /* --records compact: format 2.4's compact framing (with linked) */
	bool keyframe_given;     /* --keyframe-windows or --keyframe-kib was given */
	enum recorder_cpuid cpuid;
	enum recorder_console console;
	const char *models[RECORDER_MAX_MODELS]; /* --model KEY=VALUE (chips/variants.h) */
	unsigned nmodels;
	const char *faults[4]; /* --fault SPEC (chips/fault.h, BOARD_FAULTS_MAX) */
	unsigned nfaults;
};

void recorder_options_default(struct recorder_options *o);
/* Runs the guest to its exit; returns the process exit status: the guest's
 * debug-exit status, or one of RECORDER_EXIT_*. Errors go to stderr. */
int recorder_run(const struct recorder_options *o);

#endif
