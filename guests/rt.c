/* SPDX-License-Identifier: MIT */
#include <stdarg.h>

#include "rt.h"

#define COM1 0x3f8

const struct bootinfo *rt_boot = (const struct bootinfo *)(uintptr_t)BOOTINFO_ADDR;
unsigned rt_failures;

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};

extern char rt_stubs[];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static rt_handler handlers[256];
static volatile unsigned ap_go;
static volatile unsigned console_lock;

__attribute__((weak)) void guest_ap(unsigned cpu)
{
	(void)cpu;
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void idt_load(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(d));
}

static void idt_build(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(rt_stubs + 16 * v);
		idt[v].off0 = (uint16_t)a;
		idt[v].sel = 0x08;
		idt[v].ist = 0;
		idt[v].type = 0x8e; /* present, DPL0, 64-bit interrupt gate */
		idt[v].off1 = (uint16_t)(a >> 16);
		idt[v].off2 = (uint32_t)(a >> 32);
		idt[v].zero = 0;
	}
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts: the console is polled */
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01); /* 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0x07);
	outb(COM1 + 4, 0x03);
}

void rt_init_bsp(void)
{
	idt_build();
	idt_load();
	serial_init();
}

void rt_init_ap(void)
{
	idt_load();
}

void rt_entry(uint64_t cpu, uint64_t bootinfo);
void rt_entry(uint64_t cpu, uint64_t bootinfo)
{
	(void)bootinfo;
	if (cpu != 0) {
		while (!ap_go)
			cpu_relax();
		rt_init_ap();
		guest_ap((unsigned)cpu);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	rt_init_bsp();
	int code = guest_main();
	if (code == 0)
		rt_exit_pass();
	rt_exit((unsigned)code);
}

void rt_start_aps(void)
{
	ap_go = 1;
}

unsigned rt_cpu(void)
{
	uint8_t id = (uint8_t)(lapic_read(LAPIC_ID) >> 24);
	for (unsigned i = 0; i < rt_boot->ncpus && i < BOOTINFO_MAX_CPUS; i++)
		if (rt_boot->apic_id[i] == id)
			return i;
	return 0;
}

void rt_set_handler(unsigned vector, rt_handler h)
{
	handlers[vector & 0xff] = h;
}

void rt_interrupt(struct rt_frame *f);
void rt_interrupt(struct rt_frame *f)
{
	unsigned v = (unsigned)f->vector & 0xff;
	if (handlers[v]) {
		handlers[v](f);
		return;
	}
	if (v < 32) {
		rt_printf("FAIL: exception %u error %#lx at rip %#lx\n", v,
			  (unsigned long)f->error, (unsigned long)f->rip);
		rt_exit(2);
	}
	rt_printf("FAIL: unexpected interrupt vector %#x on cpu %u\n", v, rt_cpu());
	rt_exit(3);
}

static void lock_console(void)
{
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void unlock_console(void)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

static void putc_raw(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

void rt_putc(char c)
{
	putc_raw(c);
}

void rt_puts(const char *s)
{
	while (*s)
		putc_raw(*s++);
}

static void put_num(uint64_t v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		unsigned d = (unsigned)(v % base);
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (n < width--)
		putc_raw(pad);
	while (n)
		putc_raw(buf[--n]);
}

/* %s %c %d %u %x %p, with 'l' and '#', '0' and a width. */
static void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_raw(*fmt);
			continue;
		}
		bool alt = false, lng = false;
		char pad = ' ';
		int width = 0;
		fmt++;
		if (*fmt == '#') { alt = true; fmt++; }
		if (*fmt == '0') { pad = '0'; fmt++; }
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') { lng = true; fmt++; }
		switch (*fmt) {
		case 's': { const char *s = va_arg(ap, const char *); rt_puts(s ? s : "(null)"); break; }
		case 'c': putc_raw((char)va_arg(ap, int)); break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
			if (v < 0) { putc_raw('-'); v = -v; }
			put_num((uint64_t)v, 10, width, pad);
			break;
		}
		case 'u': put_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 10, width, pad); break;
		case 'p': alt = true; lng = true; /* fall through */
		case 'x':
			if (alt) rt_puts("0x");
			put_num(lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned), 16, width, pad);
			break;
		case '%': putc_raw('%'); break;
		default: putc_raw('?'); break;
		}
	}
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lock_console();
	vprint(fmt, ap);
	unlock_console();
	va_end(ap);
}

static void vcheck(bool ok, bool known, const char *name, const char *fmt, va_list ap)
{
	lock_console();
	rt_puts(ok ? "PASS: " : known ? "KNOWN: KVM's in-kernel chip differs from the datasheet: " : "FAIL: ");
	rt_puts(name);
	if (fmt && *fmt) {
		rt_puts(" (");
		vprint(fmt, ap);
		rt_puts(")");
	}
	rt_puts("\n");
	unlock_console();
	if (!ok && !known)
		rt_failures++;
}

void rt_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcheck(ok, false, name, fmt, ap);
	va_end(ap);
}

void rt_check_datasheet(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vcheck(ok, rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL, name, fmt, ap);
	va_end(ap);
}

void rt_exit(unsigned code)
{
	outb(0xf4, (uint8_t)code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void rt_poweroff(void)
{
	outw(0x604, 0x3400); /* PM1a_CNT: SLP_EN | SLP_TYP 5 (S5) */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Built-in guests report success by powering off (exit status 0); the
 * multiboot kernels override this with QEMU's debug-exit convention. */
__attribute__((weak)) void rt_exit_pass(void)
{
	rt_poweroff();
}

void rt_finish(const char *guest)
{
	if (rt_failures)
		rt_printf("%s: FAILED (%u checks)\n", guest, rt_failures);
	else
		rt_printf("%s: all checks passed\n", guest);
	if (!rt_failures)
		rt_exit_pass();
	rt_exit(1);
}

void lapic_enable(void)
{
	lapic_write(LAPIC_SVR, 0x1ff);
}

void pic_init(uint8_t master_base, uint8_t slave_base, bool auto_eoi)
{
	uint8_t icw4 = auto_eoi ? 0x03 : 0x01;
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 needed */
	outb(0x21, master_base);
	outb(0x21, 0x04); /* slave on IR2 */
	outb(0x21, icw4);
	outb(0xa0, 0x11);
	outb(0xa1, slave_base);
	outb(0xa1, 0x02); /* slave ID 2 */
	outb(0xa1, icw4);
}

void pic_set_mask(uint16_t mask)
{
	outb(0x21, (uint8_t)mask);
	outb(0xa1, (uint8_t)(mask >> 8));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

void pit_periodic(unsigned hz)
{
	unsigned div = (PIT_HZ + hz / 2) / hz;
	outb(0x43, 0x34); /* channel 0, lo/hi, mode 2, binary */
	outb(0x40, (uint8_t)div);
	outb(0x40, (uint8_t)(div >> 8));
}

void pit_stop(void)
{
	outb(0x43, 0x30); /* mode 0, no count written: OUT0 low, counting stops */
}

uint16_t pit_read_count(unsigned ch)
{
	outb(0x43, (uint8_t)(ch << 6)); /* counter latch */
	uint8_t lo = inb((uint16_t)(0x40 + ch));
	uint8_t hi = inb((uint16_t)(0x40 + ch));
	return (uint16_t)(lo | hi << 8);
}

uint32_t ioapic_read(unsigned reg)
{
	mmio_write32(IOAPIC_BASE, reg);
	return mmio_read32(IOAPIC_BASE + 0x10);
}

void ioapic_write(unsigned reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

uint64_t ioapic_get_rte(unsigned pin)
{
	uint64_t lo = ioapic_read(0x10 + 2 * pin);
	uint64_t hi = ioapic_read(0x11 + 2 * pin);
	return lo | hi << 32;
}

void ioapic_set_rte(unsigned pin, uint64_t rte)
{
	/* Mask first so that no half-written entry can fire. */
	ioapic_write(0x10 + 2 * pin, (uint32_t)rte | (uint32_t)RTE_MASKED);
	ioapic_write(0x11 + 2 * pin, (uint32_t)(rte >> 32));
	ioapic_write(0x10 + 2 * pin, (uint32_t)rte);
}

void ioapic_mask_all(void)
{
	unsigned n = ((ioapic_read(1) >> 16) & 0xff) + 1;
	for (unsigned p = 0; p < n; p++)
		ioapic_write(0x10 + 2 * p, (uint32_t)RTE_MASKED);
}

bool rt_wait_count(volatile unsigned *counter, unsigned target, unsigned long budget)
{
	while (*counter < target) {
		if (budget-- == 0)
			return false;
		sti_hlt();
	}
	return true;
}

void rt_io_delay(unsigned n)
{
	while (n--)
		(void)inb(0x2017); /* a test-device read: one VM exit */
}

void rt_settle(unsigned n)
{
	sti();
	rt_io_delay(n);
	cli();
}

bool rt_cmdline_has(const char *word)
{
	const char *s = rt_boot->cmdline;
	for (unsigned i = 0; i < BOOTINFO_CMDLINE_MAX && s[i];) {
		unsigned n = 0;
		while (word[n] && i + n < BOOTINFO_CMDLINE_MAX && s[i + n] == word[n])
			n++;
		if (!word[n] && (i + n == BOOTINFO_CMDLINE_MAX || s[i + n] == ' ' || !s[i + n]))
			return true;
		while (i < BOOTINFO_CMDLINE_MAX && s[i] && s[i] != ' ')
			i++;
		while (i < BOOTINFO_CMDLINE_MAX && s[i] == ' ')
			i++;
	}
	return false;
}

static bool host_poll_no_bit7;

void rt_probe_poll_bit7(void)
{
	if (rt_boot->irqchip != BOOTINFO_IRQCHIP_KERNEL)
		return;
	uint8_t imr = inb(0x21);
	outb(0x21, (uint8_t)~(1u << 3));
	testdev_set(3, 0);
	testdev_set(3, 1);
	outb(0x20, 0x0c);
	uint8_t p = inb(0x20);
	testdev_set(3, 0);
	outb(0x20, 0x63); /* specific EOI of IR3: the datasheet's poll set ISR3 */
	outb(0x21, imr);
	host_poll_no_bit7 = p == 0x03;
	if (host_poll_no_bit7)
		rt_puts("HOSTBUG: KVM's in-kernel 8259 returns the poll byte without bit 7 (poll 0x03 for IR3)\n");
}

bool rt_poll_is(uint8_t got, uint8_t want)
{
	return got == want || (host_poll_no_bit7 && got == (want & 0x7f));
}
