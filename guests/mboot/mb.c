/* SPDX-License-Identifier: MIT */
/*
 * Runtime of the multiboot test kernels: checks what the loader and the
 * board promise (multiboot info, memory map, fw_cfg, scratch ports, serial
 * LSR), then runs guest_main. Exit conventions are kvm-unit-tests' (QEMU's
 * isa-debug-exit): pass is `outl 0, 0xf4` (status 1), failure rt_exit(1)
 * (status 3).
 */
#include "mb.h"

#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
#define MB_TRAMP_ADDR 0x1000u

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

const struct mb_info *mb_boot_info;
static struct bootinfo mb_bootinfo;
static volatile unsigned ap_alive;
static uint8_t ap_stacks[BOOTINFO_MAX_CPUS][16384] __attribute__((aligned(16)));

extern uint32_t mb_ap_cpu;
extern uint64_t mb_ap_stack;
extern char mb_tramp_start[], mb_tramp_end[];

void mb_main(uint32_t magic, uint32_t info);
void mb_ap_main(unsigned cpu);

void rt_exit_pass(void)
{
	outl(0xf4, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void fwcfg_read(uint16_t key, void *buf, unsigned len)
{
	outw(0x510, key);
	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = inb(0x511);
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The value of "key=" in the command line, or -1. */
static long cmdline_value(const char *cmd, const char *key)
{
	for (const char *p = cmd; *p; p++) {
		if (p != cmd && p[-1] != ' ')
			continue;
		const char *k = key, *q = p;
		while (*k && *q == *k)
			k++, q++;
		if (*k || *q != '=')
			continue;
		long v = 0;
		for (q++; *q >= '0' && *q <= '9'; q++)
			v = v * 10 + (*q - '0');
		return v;
	}
	return -1;
}

static void check_memory_map(const struct mb_info *mbi, uint64_t ram)
{
	bool page0 = false, holes_clear = true;
	uint64_t ram_top = 0;
	for (uint32_t off = 0; off + 4 <= mbi->mmap_length;) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(mbi->mmap_addr + off);
		rt_printf("mmap: %#lx-%#lx type %u\n", (unsigned long)e->addr,
			  (unsigned long)(e->addr + e->len - 1), e->type);
		if (e->type == 1) {
			if (e->addr == 0 && e->len >= 0x1000)
				page0 = true;
			static const uint64_t mmio[] = {0xfec00000, 0xfed00000, 0xfee00000};
			for (unsigned i = 0; i < 3; i++)
				if (mmio[i] >= e->addr && mmio[i] < e->addr + e->len)
					holes_clear = false;
			if (e->addr + e->len > ram_top)
				ram_top = e->addr + e->len;
		}
		off += e->size + 4;
	}
	CHECK(page0, "page 0 is RAM in the memory map", "%s", "");
	CHECK(holes_clear, "IOAPIC/HPET/LAPIC pages are not RAM", "%s", "");
	CHECK(ram_top == ram, "memory map ends at the RAM size", "%#lx vs fw_cfg %#lx",
	      (unsigned long)ram_top, (unsigned long)ram);
}

static void check_boot(uint32_t magic, const struct mb_info *mbi, uint64_t ram)
{
	CHECK(magic == MB_BOOT_MAGIC, "multiboot magic in eax", "%#x", magic);
	uint32_t want = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME;
	CHECK((mbi->flags & want) == want, "multiboot info flags", "%#x", mbi->flags);
	CHECK(mbi->mem_lower == 639 && mbi->mem_upper == (ram >> 10) - 1024, "mem_lower/mem_upper",
	      "%u/%u KiB", mbi->mem_lower, mbi->mem_upper);
	const char *name = (const char *)(uintptr_t)mbi->boot_loader_name;
	CHECK(str_eq(name, "irqrr"), "boot loader name", "%s", name);
	const char *cmd = (const char *)(uintptr_t)mbi->cmdline;
	rt_printf("cmdline: %s\n", cmd);
	check_memory_map(mbi, ram);

	long mods = cmdline_value(cmd, "mods");
	if (mods >= 0) {
		uint32_t n = (mbi->flags & MBI_MODS) ? mbi->mods_count : 0;
		CHECK(n == (uint32_t)mods, "module count", "%u, cmdline says %ld", n, mods);
		const struct mb_module *m = (const void *)(uintptr_t)mbi->mods_addr;
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *d = (const uint8_t *)(uintptr_t)m[i].mod_start;
			rt_printf("module %u: %#x-%#x '%s'\n", i, m[i].mod_start, m[i].mod_end,
				  (const char *)(uintptr_t)m[i].string);
			/* The tests load this kernel's own ELF file as module. */
			CHECK(!(m[i].mod_start & 0xfff) && m[i].mod_end > m[i].mod_start &&
			      d[0] == 0x7f && d[1] == 'E' && d[2] == 'L' && d[3] == 'F',
			      "module page-aligned with its contents", "module %u", i);
		}
	}

	char sig[5] = {0};
	fwcfg_read(0x0000, sig, 4);
	CHECK(str_eq(sig, "QEMU"), "fw_cfg signature", "%s", sig);
	uint8_t uuid[16];
	fwcfg_read(0x0002, uuid, sizeof(uuid));
	bool zero = true;
	for (unsigned i = 0; i < sizeof(uuid); i++)
		zero = zero && !uuid[i];
	CHECK(zero, "fw_cfg unknown keys read zeros", "%s", "");

	outl(0xe0, 0x12345678);
	uint32_t s32 = inl(0xe0);
	outb(0xe2, 0xab);
	uint16_t s16 = inw(0xe2);
	outl(0xe4, 0); /* flush page: accepted */
	CHECK(s32 == 0x12345678 && s16 == 0x12ab, "scratch ports 0xe0-0xe3", "%#x, %#x", s32, s16);
	uint8_t lsr = inb(0x3f8 + 5);
	CHECK((lsr & 0x60) == 0x60, "serial LSR transmitter empty", "%#x", lsr);
	CHECK(inw(0x604) & 1, "PM1a SCI_EN reads 1", "%#x", inw(0x604));
}

void mb_main(uint32_t magic, uint32_t info)
{
	const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)info;
	mb_boot_info = mbi;
	uint16_t ncpus = 0;
	uint64_t ram = 0;
	fwcfg_read(0x0005, &ncpus, sizeof(ncpus));
	fwcfg_read(0x0003, &ram, sizeof(ram));
	mb_bootinfo.magic = BOOTINFO_MAGIC;
	mb_bootinfo.ncpus = ncpus;
	mb_bootinfo.irqchip = BOOTINFO_IRQCHIP_SPLIT;
	mb_bootinfo.mem_mib = (uint32_t)(ram >> 20);
	for (unsigned i = 0; i < BOOTINFO_MAX_CPUS; i++)
		mb_bootinfo.apic_id[i] = (uint8_t)i;
	rt_boot = &mb_bootinfo;
	rt_init_bsp();
	rt_printf("multiboot: %u cpu(s) (fw_cfg), %lu MiB\n", ncpus, (unsigned long)(ram >> 20));
	/* exit=N / poweroff=1 on the command line: leave at once that way
	 * (tests of the VMM's exit conventions). */
	const char *cmd = (const char *)(uintptr_t)mbi->cmdline;
	long e = cmdline_value(cmd, "exit");
	if (e >= 0)
		outl(0xf4, (uint32_t)e);
	if (cmdline_value(cmd, "poweroff") == 1)
		rt_poweroff();
	check_boot(magic, mbi, ram);
	int code = guest_main();
	if (code == 0)
		rt_exit_pass();
	rt_exit((unsigned)code);
}

void mb_ap_main(unsigned cpu)
{
	rt_init_ap();
	__atomic_store_n(&ap_alive, cpu, __ATOMIC_RELEASE);
	guest_ap(cpu);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void icr_send(unsigned apic_id, uint32_t low)
{
	lapic_write(0x310, apic_id << 24);
	lapic_write(0x300, low);
	for (int i = 0; i < 1000 && (lapic_read(0x300) & (1u << 12)); i++)
		cpu_relax(); /* delivery status */
}

bool mb_start_ap_at(unsigned cpu, uint32_t tramp)
{
	mb_ap_cpu = cpu;
	mb_ap_stack = (uint64_t)(uintptr_t)(ap_stacks[cpu] + sizeof(ap_stacks[cpu]));
	ap_alive = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	icr_send(cpu, 0x4500);                  /* INIT, level assert */
	rt_io_delay(10);
	icr_send(cpu, 0x4600 | (tramp >> 12));  /* STARTUP */
	for (unsigned long i = 0; i < 20000; i++) {
		if (__atomic_load_n(&ap_alive, __ATOMIC_ACQUIRE) == cpu)
			return true;
		rt_io_delay(1);
	}
	return false;
}

bool mb_start_ap(unsigned cpu)
{
	volatile uint8_t *dst = (volatile uint8_t *)(uintptr_t)MB_TRAMP_ADDR;
	for (char *p = mb_tramp_start; p < mb_tramp_end; p++)
		*dst++ = (uint8_t)*p;
	return mb_start_ap_at(cpu, MB_TRAMP_ADDR);
}
