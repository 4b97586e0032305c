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
#include "recorder/loaders/linuxboot.h"
#include "recorder.h"
#include "recorder/devices/reset.h"
#include "recorder/devices/uart.h"
#include "console.h"
#include "deliver.h"
#include "hang.h"
#include "irqbus.h"
#include "pio.h"

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
	uint64_t lvt_skips;        /* LVT re-reads KVM's exit made needless (vcpu.c) */
	uint64_t emufail_done;     /* instructions completed by emufail.c */
	struct vcpu_snap *snap;    /* VCPU_REQ_SNAPSHOT target */
	atomic_uint snap_done;     /* bumped after each snapshot */
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
	struct irqbus bus;         /* the board behind its lock (irqbus.c) */
	struct delivery deliver;    /* board outputs into KVM, a bus subscriber (deliver.c) */
	struct io_map io;          /* ports and MMIO, registered at start (pio.c) */
	struct recording *rec;     /* the trace, a bus subscriber (NULL when only running) */
	struct hang_track *track;  /* hang report history, a bus subscriber (hang.c) */
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
/* The VM, its irqchip mode and RAM; no vCPU yet (cpuid_setup_vm, then
 * vcpu_create for each). */
int vm_create(struct vm *vm, const struct recorder_options *o);
/* The VM ioctls delivery uses (deliver.h), and KVM_IRQ_LINE for the
 * kernel irqchip (irqbus_config.irq_line). */
void vm_deliver_ops(struct vm *vm, struct deliver_ops *ops);
int vm_irq_line(void *ctx, unsigned gsi, int level);
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

/* loaders/boot.c */
int boot_load_builtin(struct vm *vm, const uint8_t *image, size_t size);
void boot_page_tables(struct vm *vm);

/* loaders/kernel.c: --kernel FILE. The format is told by its header; each loader
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
/* loaders/multiboot.c: the kernel's segments and the VMM's boot area (GDT,
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
/* loaders/readfile.c: reads a whole file for a loader (one error line on failure). */
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
/* MAXPHYADDR as the guest's CPUID tells it (0x80000008 EAX[7:0]); 0 if absent. */
unsigned cpuid_maxphyaddr(struct kvm_cpuid2 *c);
#define CPUID_DESCRIPTIVE_LEAVES 4 /* 0x80000002..0x80000005 */
unsigned cpuid_fill_descriptive(struct kvm_cpuid2 *c, const uint32_t host[CPUID_DESCRIPTIVE_LEAVES * 4]);
/* Leaf 0xd made consistent with the features offered (cpuid.c); returns
 * the XCR0 components offered. */
uint64_t cpuid_fix_xsave(struct kvm_cpuid2 *c);
struct kvm_cpuid2 *cpuid_get_supported(int kvm_fd);
int cpuid_setup_vm(struct vm *vm);   /* before the first vCPU */
int cpuid_setup_vcpu(struct vm *vm, struct vcpu *v);
/* The MTRRs firmware would leave (loaders/mtrr.c): fills out[] (at most
 * FIRMWARE_MTRRS_MAX) for a CPU with MAXPHYADDR bits; returns the count. */
struct firmware_msr {
	uint32_t index;
	uint64_t value;
};
#define FIRMWARE_MTRRS_MAX 16
unsigned firmware_mtrrs(unsigned maxphyaddr, struct firmware_msr *out);
int vcpu_set_firmware_mtrrs(struct vm *vm, struct vcpu *v);

/* emufail.c: completes an int3 / INT n / FWAIT that KVM's emulator failed
 * on (64-bit, CPL 0). 0: done, the vCPU can run on; -1: *why says why not. */
int emufail_complete(struct vcpu *v, const char **why);
/* 0f ae /r with a memory operand (64-bit): its linear address and the
 * instruction length; returns ModRM.reg, or -1 for another form. */
int emufail_mem_operand(const uint8_t *b, unsigned n, const struct kvm_regs *r, const struct kvm_sregs *s,
			uint64_t *addr, unsigned *len);

/* kick.c: a request bit and, if needed, a signal to the vCPU's thread */
void vcpu_kick(struct vcpu *v, unsigned request);
void vcpu_kick_thread_is(struct vcpu *v); /* the calling thread runs v */
void vcpu_kick_install(void);             /* the signal's handler */

/* vcpu.c */
int vcpu_create(struct vm *vm, unsigned index);
int vcpu_start(struct vcpu *v);
/* The board's ports and IOAPIC window in the map, with the vCPUs' LVT
 * policy around PIC writes (split irqchip). */
int vcpu_register_board_io(struct vm *vm, struct io_map *io);
int vcpu_read_lvt(struct vcpu *v, uint32_t lvt[2]);
/* Read LVT0/LVT1 now (own thread only) and report changes to the board. */
void vcpu_report_lvt(struct vcpu *v);

/* devices/devices.c: the devices in the port map, in dispatch order */
int devices_register(struct vm *vm, struct io_map *io);

/* devices/testdev.c, devices/debug_exit.c */
#define TESTDEV_PORT 0x2000
#define TESTDEV_LINES 24
void testdev_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
#define DEBUG_EXIT_PORT 0xf4
void debug_exit_write(struct vm *vm, uint32_t value);
/* devices/testdev.c: scratch 0xe0-0xe3, flush-page port 0xe4 (QEMU pc-testdev) */
#define SCRATCH_PORT 0xe0
#define FLUSH_PORT 0xe4
void scratch_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
/* A whole access to port 0xe4: a 32-bit write of a guest physical address
 * flushes that page (guest_ram_flush_page); other sizes are ignored,
 * reads return 0. */
void flush_port_access(struct vm *vm, bool write, unsigned size, uint8_t *data);
/* devices/pm.c: ACPI PM1a control register, power-off */
#define PM1A_CNT_PORT 0x604
#define PM1A_EVT_PORT 0x600 /* PM1_STS, PM1_EN */
void pm1a_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
void pm1a_evt_access(struct vm *vm, uint16_t port, bool write, uint8_t *val);
/* devices/fwcfg.c: QEMU fw_cfg, legacy I/O interface */
#define FWCFG_SELECTOR_PORT 0x510
#define FWCFG_DATA_PORT 0x511
void fwcfg_init(struct vm *vm);
void fwcfg_access(struct vm *vm, uint16_t port, bool write, unsigned size, uint8_t *data);

/* recording.c: the trace, a subscriber of the bus (docs/recorder.md). Its
 * calls other than open are made with the bus lock held. */
struct recording;
int recording_open(struct vm *vm, const char *path, const struct board *b, struct recording **out);
/* The subscriber (events, MSI results, console) and the log (event
 * numbers, chunk bounds) to give the bus. */
struct irqbus_subscriber recording_subscriber(struct recording *r);
const struct irqbus_log *recording_log(struct recording *r);
int recording_close(struct recording *r, int exit_status, int reason); /* enum trace_exit_reason */
uint64_t recording_next_event(struct recording *r);
void recording_mark(struct recording *r, const char *text);
/* Make the trace on disk complete now (file: flush; ring: dump); 0 or -1. */
int recording_sync(struct recording *r);
/* Main thread: seal the open chunk if it is old (crash consistency). */
void recording_tick(struct recording *r, const struct board *b, uint64_t now);

#endif
