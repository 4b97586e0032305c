/* SPDX-License-Identifier: MIT */
/*
 * The built-in guests' runtime: port and MMIO access, a polled 16550 console,
 * an IDT of IRETQ stubs, and helpers for the PC's PIC, PIT, IOAPIC and the
 * local APIC. Freestanding, 64-bit, ring 0.
 */
#ifndef IRQRR_GUEST_RT_H
#define IRQRR_GUEST_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"

/* Each guest defines guest_main (runs on cpu 0; its return value is the
 * exit code), and may define guest_ap (runs on the other cpus after
 * rt_start_aps()). */
int guest_main(void);
void guest_ap(unsigned cpu);

extern const struct bootinfo *rt_boot;

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
/* sti;hlt: the STI shadow makes "enable and wait" atomic. */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

/* Console (COM1, polled) and exit. Failure: rt_exit(code) writes code to
 * the debug-exit port 0xf4 (status (code<<1)|1, always odd). Success:
 * rt_exit_pass(), which powers off through ACPI PM1a (status 0) in the
 * built-in guests and writes 0 to port 0xf4 (status 1, the kvm-unit-tests
 * convention) in the multiboot kernels (guests/mboot/mb.c). */
void rt_putc(char c);
void rt_puts(const char *s);
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void rt_exit(unsigned code);
__attribute__((noreturn)) void rt_poweroff(void);
__attribute__((noreturn)) void rt_exit_pass(void);
/* Set up this cpu's IDT (and, on the BSP, the console): rt_entry does it
 * for the built-in guests; other entry paths call these. */
void rt_init_bsp(void);
void rt_init_ap(void);

/* Self-checks: CHECK prints "PASS: name" or "FAIL: name: ..." and counts. */
extern unsigned rt_failures;
void rt_check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHECK(cond, name, ...) rt_check((cond), (name), __VA_ARGS__)
/* A datasheet behaviour KVM's in-kernel chips are known not to have: a
 * CHECK under the split irqchip (irqrr's board), a "KNOWN" note when it
 * fails under --irqchip=kernel. */
void rt_check_datasheet(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHECK_DATASHEET(cond, name, ...) rt_check_datasheet((cond), (name), __VA_ARGS__)
/* A host-KVM bug, probed, not assumed: Linux 6.1's in-kernel 8259 returns
 * the OCW3 poll byte without bit 7 when it returns a request (8259A
 * datasheet, "Poll command": bit 7 set means an interrupt). Under
 * --irqchip=kernel, rt_probe_poll_bit7() polls a request on IR3 (master
 * initialised, IR3 free, LVT0 not NMI) and prints a "HOSTBUG:" line when
 * bit 7 is missing; rt_poll_is(got, want) then accepts `want` without
 * bit 7. Under the split irqchip the board answers and nothing is excused. */
void rt_probe_poll_bit7(void);
bool rt_poll_is(uint8_t got, uint8_t want);
/* Prints the summary line and exits: rt_exit_pass() when nothing failed,
 * else rt_exit(1) (status 3). */
__attribute__((noreturn)) void rt_finish(const char *guest);

/* Interrupts. The handler runs with IF=0 and returns with IRETQ. */
struct rt_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rdi, rsi, rdx, rcx, rax, vector, error, rip, cs, rflags, rsp, ss;
};
typedef void (*rt_handler)(struct rt_frame *f);
void rt_set_handler(unsigned vector, rt_handler h);
unsigned rt_cpu(void); /* this cpu's index, from its LAPIC ID */
/* Whether --append holds WORD as a space-separated word. */
bool rt_cmdline_has(const char *word);
void rt_start_aps(void); /* release the other cpus into guest_ap() */

/* Local APIC (xAPIC MMIO at 0xfee00000). kvm_pvm's LAPIC behaves as if in
 * auto-EOI mode (a real one, hardware or the nested test bed's, keeps ISR
 * and remote IRR until the EOI; docs/recorder.md): handlers write EOI
 * (correct everywhere) and nothing may depend on ISR being set. */
#define LAPIC_BASE 0xfee00000ull
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xb0
#define LAPIC_LDR 0xd0
#define LAPIC_DFR 0xe0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT0 0x350
#define LAPIC_LVT1 0x360
#define LVT_MASKED 0x10000u
#define LVT_EXTINT 0x700u
#define LVT_NMI 0x400u
static inline uint32_t lapic_read(unsigned off) { return mmio_read32(LAPIC_BASE + off); }
static inline void lapic_write(unsigned off, uint32_t v) { mmio_write32(LAPIC_BASE + off, v); }
static inline void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
void lapic_enable(void); /* SVR enable, spurious vector 0xff */

/* 8259A pair. */
void pic_init(uint8_t master_base, uint8_t slave_base, bool auto_eoi);
void pic_set_mask(uint16_t mask); /* bit n masks IRQ n */
void pic_eoi(unsigned irq);       /* non-specific EOI(s) */

/* 8254 channel 0. */
#define PIT_HZ 1193182u
void pit_periodic(unsigned hz);   /* mode 2 */
void pit_stop(void);              /* mode 0 with no count: OUT0 stays low */
uint16_t pit_read_count(unsigned ch);

/* 82093AA IOAPIC. */
#define IOAPIC_BASE 0xfec00000ull
#define RTE_MASKED (1ull << 16)
#define RTE_LEVEL (1ull << 15)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LOGICAL (1ull << 11)
uint32_t ioapic_read(unsigned reg);
void ioapic_write(unsigned reg, uint32_t v);
uint64_t ioapic_get_rte(unsigned pin);
void ioapic_set_rte(unsigned pin, uint64_t rte); /* high dword first */
void ioapic_mask_all(void);

/* The VMM's test device: drive GSI n to level with one byte write. */
static inline void testdev_set(unsigned gsi, int level) { outb((uint16_t)(0x2000 + gsi), (uint8_t)level); }

/* Wait (halting) until *counter reaches target or `budget` halts pass. */
bool rt_wait_count(volatile unsigned *counter, unsigned target, unsigned long budget);

/* n VM exits (~9 us each here; in-kernel devices would not exit). */
void rt_io_delay(unsigned n);
/* rt_io_delay with interrupts enabled, then IF=0 again. */
void rt_settle(unsigned n);

#endif
