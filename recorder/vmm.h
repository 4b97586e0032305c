/* SPDX-License-Identifier: MIT */
/* Internals of the recorder VMM, shared by its files. */
#ifndef IRQRR_VMM_H
#define IRQRR_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "chips/board.h"
#include "linuxboot.h"
#include "recorder.h"
#include "console.h"
#include "uart.h"
#include "hang.h"

struct vm;

/* Requests to a vCPU thread (vcpu.requests bits). */
#define VCPU_REQ_NMI 1u       /* inject an NMI (LINT0/LINT1 in NMI mode) */
#define VCPU_REQ_LVT 2u       /* re-read LVT0/LVT1 and report changes */
#define VCPU_REQ_STOP 4u
#define VCPU_REQ_SNAPSHOT 8u  /* fill *snap for a hang report (hang.h) */

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	atomic_uint requests;
	atomic_uint kick_pending;  /* a kick signal is on its way (vcpu.c) */
	atomic_ullong kicks;       /* kick signals sent */
	uint64_t passes;           /* passes of the vCPU loop */
	atomic_int extint;         /* ExtINT pending on LINT0 (level) */
	uint32_t lvt[2];           /* LVT0/LVT1 as last reported to the board */
	uint64_t exits[64];        /* per KVM_EXIT_* reason */
	uint64_t injections, nmis, lvt_reads;
	uint64_t emufail_done;     /* instructions completed by emufail.c */
	struct vcpu_snap *snap;    /* VCPU_REQ_SNAPSHOT target */
	atomic_uint snap_done;     /* bumped after each snapshot */
};

/* The board and what drives it: one lock, virtual time, outputs to KVM. */
struct irqbus {
	pthread_mutex_t lock;
	struct board board;
	struct vm *vm;
	uint64_t t0;               /* CLOCK_MONOTONIC ns at VM start */
	uint64_t lag;              /* virtual time = monotonic - t0 - lag (irqbus.c: overload) */
	uint64_t entered;          /* monotonic ns when the lock holder's board call began */
	int timerfd, stopfd;
	pthread_t timer_thread;
	bool timer_started;
	uint64_t routed[BOARD_GSIS]; /* level routes given to KVM (0: none) */
	bool routes_valid;
	uint8_t pic_int;
	uint64_t msi_sent, msi_undelivered, route_updates;
	uint64_t msi_nodest; /* KVM_SIGNAL_MSI -1/EPERM: no APIC matched the destination */
	uint64_t msi_errors; /* other KVM_SIGNAL_MSI failures */
	/* recording hook (NULL when only running) */
	struct recording *rec;
	struct hang_track *track;  /* hang report history (hang.h), fed by the sink */
};

struct vm {
	const struct recorder_options *opt;
	int kvm_fd, vm_fd;
	size_t run_size;
	uint8_t *ram;
	uint64_t ram_size;
	int ram_fd;                /* the memfd behind ram (kvm.c) */
	atomic_ulong page_flushes; /* RAM pages remapped by port 0xe4 writes (testdev.c) */
	unsigned ncpus;
	bool split;
	struct vcpu vcpu[RECORDER_MAX_CPUS];
	struct irqbus bus;
	struct uart uart;
	struct console console;    /* stdin -> uart receive (console.c) */
	uint8_t testdev_level[24];
	uint8_t scratch[4];        /* ports 0xe0-0xe3 (testdev.c) */
	uint16_t pm1a_cnt;         /* port 0x604 (pm.c) */
	uint16_t pm1a_en;          /* port 0x602, PM1_EN (pm.c) */
	struct fwcfg_state {       /* ports 0x510/0x511 (fwcfg.c) */
		pthread_mutex_t lock;
		uint16_t key;
		uint32_t offset;
	} fwcfg;
	pthread_t main_thread;
	pthread_mutex_t exit_lock;
	bool exiting;
	int exit_status;
	struct i8042 i8042;        /* legacy_lock */
	struct port92 port92;      /* legacy_lock */
	pthread_mutex_t legacy_lock;
	atomic_ulong unclaimed_logged[65536 / 64];
	atomic_uint unclaimed_mmio_logged; /* vCPU threads race here (pio.c) */
	atomic_ulong progress;     /* guest progress for the watchdog (docs/hang.md) */
	atomic_int shutdown_cpu;   /* 1 + the vCPU that got KVM_EXIT_SHUTDOWN, 0: none */
	struct kvm_cpuid2 *cpuid;  /* the guest's CPUID before per-vCPU IDs (cpuid.c) */
	enum recorder_cpuid cpuid_policy; /* resolved: host or safe */
	char cpuid_masked[256];    /* features "safe" cleared, comma-separated */
	char cpuid_linux_clear[128]; /* "safe": Linux feature numbers for clearcpuid= */
	bool cpuid_tsc_deadline_cap; /* KVM_CAP_TSC_DEADLINE_TIMER */
	bool cpuid_tsc_deadline;   /* the guest's CPUID offers the TSC-deadline timer */
	bool cpuid_hypervisor;     /* CPUID.1:ECX[31] set (cpuid.c) */
};

/* kvm.c */
int kvm_ioctl_fail(const char *name);
int vm_create(struct vm *vm, const struct recorder_options *o);
/* KVM_CAP_NR_VCPUS / KVM_CAP_MAX_VCPUS, with api.rst's defaults when absent. */
void vm_cpu_limits(int kvm_fd, int *recommended, int *max);
/* 0 when --cpus n fits (1..min(KVM_CAP_MAX_VCPUS, RECORDER_MAX_CPUS)); else
 * -1 and one line (without "irqrr: ") naming the limit in err. */
int vm_check_cpu_count(unsigned n, int recommended, int kvm_max, char *err, size_t errlen);
void vm_destroy(struct vm *vm);
/* Ends the run with this status (first caller wins) and wakes everyone. */
void vm_request_exit(struct vm *vm, int status);
bool vm_exiting(struct vm *vm);
/* Guest RAM: a shared memfd mapping (NULL and one error line on failure). */
#define GUEST_PAGE_SIZE 4096u
uint8_t *guest_ram_map(uint64_t size, int *fd);
/* Replaces the mapping of the RAM page holding gpa with a fresh mapping of
 * the same memfd page (contents kept): KVM must fault it in again. A gpa
 * outside RAM is ignored. 1 remapped, 0 not RAM, or -1 with one error line. */
int guest_ram_flush_page(uint8_t *ram, int fd, uint64_t size, uint64_t gpa);

/* boot.c */
int boot_load_builtin(struct vm *vm, const uint8_t *image, size_t size);
void boot_page_tables(struct vm *vm);

/* kernel.c: --kernel FILE. The format is told by its header; each loader
 * gets the whole file. */
enum kernel_format {
	KERNEL_FORMAT_UNKNOWN,
	KERNEL_FORMAT_MULTIBOOT,   /* ELF with a multiboot v1 header (multiboot.c) */
	KERNEL_FORMAT_BZIMAGE,     /* Linux boot protocol "HdrS" (bzimage.c) */
};
enum kernel_format kernel_format_detect(const uint8_t *image, size_t size);
int boot_load_kernel(struct vm *vm, const struct recorder_options *o);
int boot_load_multiboot(struct vm *vm, const uint8_t *image, size_t size,
			const struct recorder_options *o);
int boot_load_bzimage(struct vm *vm, const uint8_t *image, size_t size,
		      const struct recorder_options *o);
/* multiboot.c: the kernel's segments and the VMM's boot area (GDT,
 * information, memory map, module list, strings), exposed for tests. */
struct mb_range {
	uint64_t start, end; /* [start, end), guest physical */
};
#define MB_AREA_DEFAULT 0x9000u
#define MB_LOW_MEM_END 0x9fc00u
#define MB_HIGH_MEM_START 0x100000u
/* Every segment in RAM, none in 0x9fc00-0xfffff (reserved in the memory
 * map), no two overlapping; else -1 and one line naming both ranges. */
int mb_check_segments(const struct mb_range *segs, unsigned n, uint64_t ram_size, char *err, size_t errlen);
/* Where `need` bytes of boot area go: MB_AREA_DEFAULT when no segment is
 * there, else the highest free page-aligned place in 0x1000-0x9fbff, else
 * the first page at or after high_start (the end of the kernel and
 * modules) inside RAM; 0 when there is no room. */
uint64_t mb_place_area(const struct mb_range *segs, unsigned n, uint64_t need, uint64_t high_start,
		       uint64_t ram_size);
/* Reads a whole file for a loader (one error line on failure). */
uint8_t *kernel_read_file(const char *what, const char *path, uint64_t limit, size_t *size);

/* cpuid.c: the guest's CPUID and the --cpuid policy */
const char *cpuid_policy_name(enum recorder_cpuid p);
/* true when /proc/cpuinfo-style flags name vmx or svm (or cannot be read) */
bool cpuid_host_has_hw_virt(const char *cpuinfo_path);
enum recorder_cpuid cpuid_resolve(enum recorder_cpuid requested, bool host_has_hw_virt);
/* Clears the "safe" mask in c; writes the cleared names (comma-separated)
 * to masked and returns how many features were set before. */
size_t cpuid_apply_safe(struct kvm_cpuid2 *c, char *masked, size_t masked_size);
/* The CPU's own CPUID bits the guest may see past KVM_SET_CPUID2. */
struct cpuid_native {
	uint32_t leaf1_ecx, leaf7_ebx, leaf7_ecx;
};
/* "safe" features offered by KVM or the CPU, as Linux feature numbers
 * (comma-separated, for clearcpuid=); returns how many. */
size_t cpuid_linux_clear_list(const struct kvm_cpuid2 *supported, const struct cpuid_native *native, char *out,
			      size_t out_size);
/* A bzImage's command line: append, plus " clearcpuid=..." under "safe"
 * unless append already has a clearcpuid= (buf holds the result). */
const char *cpuid_linux_cmdline(const struct vm *vm, const char *append, char *buf, size_t size);
/* Sets CPUID.1:ECX[24] (TSC-deadline timer) when KVM emulates it
 * (KVM_CAP_TSC_DEADLINE_TIMER); returns whether leaf 1 now offers it. */
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
bool cpuid_offer_tsc_deadline(struct kvm_cpuid2 *c, bool kvm_emulates);
/* Sets CPUID.1:ECX[31] (hypervisor present), as every VMM does: Linux then
 * finds KVM's 0x40000000 leaves (kvm-clock); false without a leaf 1. */
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
bool cpuid_offer_hypervisor(struct kvm_cpuid2 *c);
/* Leaf 0xd made consistent with the features offered (cpuid.c); returns
 * the XCR0 components offered. */
uint64_t cpuid_fix_xsave(struct kvm_cpuid2 *c);
struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd);
int cpuid_setup_vm(struct vm *vm);   /* before the first vCPU */
int cpuid_setup_vcpu(struct vm *vm, struct vcpu *v);

/* emufail.c: completes an int3 / INT n / FWAIT that KVM's emulator failed
 * on (64-bit, CPL 0). 0: done, the vCPU can run on; -1: *why says why not. */
int emufail_complete(struct vcpu *v, const char **why);
/* 0f ae /r with a memory operand (64-bit): its linear address and the
 * instruction length; returns ModRM.reg, or -1 for another form. */
int emufail_mem_operand(const uint8_t *b, unsigned n, const struct kvm_regs *r, const struct kvm_sregs *s,
			uint64_t *addr, unsigned *len);

/* vcpu.c */
int vcpu_create(struct vm *vm, unsigned index);
int vcpu_start(struct vcpu *v);
void vcpu_kick(struct vcpu *v, unsigned request);
int vcpu_read_lvt(struct vcpu *v, uint32_t lvt[2]);
/* Read LVT0/LVT1 now (own thread only) and report changes to the board. */
void vcpu_report_lvt(struct vcpu *v);

/* irqbus.c: every board entry point, locked and timestamped. In kernel
 * irqchip mode only irqbus_set_irq is used (KVM_IRQ_LINE). */
int irqbus_init(struct irqbus *bus, struct vm *vm);
int irqbus_start(struct irqbus *bus);
void irqbus_stop(struct irqbus *bus);
void irqbus_pio_write(struct irqbus *bus, uint16_t port, uint8_t value);
uint8_t irqbus_pio_read(struct irqbus *bus, uint16_t port);
void irqbus_mmio_write(struct irqbus *bus, uint64_t addr, uint32_t value);
uint32_t irqbus_mmio_read(struct irqbus *bus, uint64_t addr);
void irqbus_set_irq(struct irqbus *bus, unsigned gsi, int level);
uint8_t irqbus_intack(struct irqbus *bus, unsigned cpu);
void irqbus_eoi(struct irqbus *bus, uint8_t vector, unsigned cpu);
void irqbus_set_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value);
void irqbus_sync_lvt(struct irqbus *bus, unsigned cpu, unsigned pin, uint32_t value);
void irqbus_advance(struct irqbus *bus);
bool irqbus_pic_int(struct irqbus *bus);
/* Virtual time now (ns since VM start, slowed under overload); lock held. */
uint64_t irqbus_virtual_now(const struct irqbus *bus);

/* pio.c: the port and MMIO map */
void pio_access(struct vcpu *v, uint16_t port, bool write, unsigned size, uint8_t *data);
void mmio_access(struct vcpu *v, uint64_t addr, bool write, unsigned len, uint8_t *data);

/* testdev.c, debug_exit.c */
#define TESTDEV_PORT 0x2000
#define TESTDEV_LINES 24
void testdev_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
#define DEBUG_EXIT_PORT 0xf4
void debug_exit_write(struct vm *vm, uint32_t value);
/* testdev.c: scratch 0xe0-0xe3, flush-page port 0xe4 (QEMU pc-testdev) */
#define SCRATCH_PORT 0xe0
#define FLUSH_PORT 0xe4
void scratch_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
/* A whole access to port 0xe4: a 32-bit write of a guest physical address
 * flushes that page (guest_ram_flush_page); other sizes are ignored,
 * reads return 0. */
void flush_port_access(struct vm *vm, bool write, unsigned size, uint8_t *data);
/* pm.c: ACPI PM1a control register, power-off */
#define PM1A_CNT_PORT 0x604
#define PM1A_EVT_PORT 0x600 /* PM1_STS, PM1_EN */
void pm1a_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
void pm1a_evt_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
/* fwcfg.c: QEMU fw_cfg, legacy I/O interface */
#define FWCFG_SELECTOR_PORT 0x510
#define FWCFG_DATA_PORT 0x511
void fwcfg_init(struct vm *vm);
void fwcfg_access(struct vm *vm, uint16_t port, bool write, unsigned size, uint8_t *data);

/* recording.c: the trace writer hook (see docs/recorder.md) */
struct recording;
int recording_open(struct vm *vm, const char *path, struct recording **out);
void recording_before_board_call(struct recording *r, const struct board *b, uint64_t now);
/* The time before which the open chunk takes records (its first record's
 * time + --chunk-ms; `next` stands for it when the chunk is empty). */
uint64_t recording_window_end(const struct recording *r, uint64_t next);
/* Begin a new chunk with the board's keyframe. */
void recording_seal(struct recording *r, const struct board *b);
void recording_event(struct recording *r, const struct irq_event *ev);
void recording_console(struct recording *r, const uint8_t *bytes, size_t n);
/* Bytes the guest's UART received (EV_CTX_CONSOLE_IN), at most 64. */
void recording_console_in(struct recording *r, const uint8_t *bytes, size_t n);
void recording_msi_result(struct recording *r, const struct apic_msg *m, int result);
int recording_close(struct recording *r, int exit_status, int reason); /* enum trace_exit_reason */
uint64_t recording_next_event(struct recording *r);
void recording_mark(struct recording *r, const char *text);
/* Make the trace on disk complete now (file: flush; ring: dump); 0 or -1. */
int recording_sync(struct recording *r);
/* Main thread, bus lock held: seal the open chunk if it is old (crash consistency). */
void recording_tick(struct recording *r, const struct board *b, uint64_t now);

#endif
