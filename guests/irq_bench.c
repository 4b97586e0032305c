/* SPDX-License-Identifier: MIT */
/*
 * irq-bench: a fixed, interrupt-heavy workload for benchmarks
 * (bench/bench_record.sh): as fast as it can,
 *   1. ROUNDS level-triggered interrupts from the test device (GSI 10)
 *      through the IOAPIC: assert, deliver, the handler deasserts and EOIs;
 *   2. ROUNDS edge interrupts from the test device (ISA IRQ 3) through the
 *      PIC and LINT0 ExtINT: assert, INTACK, the handler deasserts and EOIs.
 * Its run time measures the cost of the interrupt path, so `run` and `record`
 * (or the split and kernel irqchips) can be compared side by side.
 * With --append "path=NAME" it runs one interrupt path instead (below).
 */
#include "rt.h"

#define ROUNDS 10000
#define VEC_LEVEL 0x40
#define VEC_PIC 0x20
#define LEVEL_GSI 10
#define PIC_IRQ 3

static volatile unsigned level_hits, pic_hits;

static void on_level(struct rt_frame *f)
{
	(void)f;
	level_hits++;
	testdev_set(LEVEL_GSI, 0);
	lapic_eoi();
}

static void on_pic(struct rt_frame *f)
{
	(void)f;
	pic_hits++;
	testdev_set(PIC_IRQ, 0);
	pic_eoi(PIC_IRQ);
}

/* Raise the line, then spin until the handler ran. This KVM's LAPIC acts
 * as if auto-EOI: a level interrupt can be delivered once more before the
 * handler's deassert lands, so wait for "at least one more", not "exactly". */
static bool one_round(volatile unsigned *hits, unsigned line)
{
	unsigned want = *hits + 1;
	testdev_set(line, 1);
	for (unsigned long spin = 0; *hits < want; spin++) {
		if (spin > 100000000ul)
			return false;
		cpu_relax();
	}
	return true;
}


/*
 * --append "path=NAME": one interrupt path only, for bench/bench_exits.sh,
 * which counts the VMM's exits per delivered interrupt under both
 * irqchips. Each path delivers PATH_ROUNDS interrupts (device paths) or
 * PATH_TICKS (timer paths) with the least a driver does per interrupt;
 * path=none delivers nothing (the baseline: set-up and exit).
 *   edge      test device, IOAPIC pin 11 edge: raise, handler EOIs the LAPIC, lower
 *   level     test device, IOAPIC pin 10 level: raise, handler lowers + LAPIC EOI
 *   pic       test device, ISA IRQ 3, PIC + LINT0 ExtINT: raise, handler lowers + PIC EOI
 *   pit       PIT channel 0 at 1 kHz, IOAPIC pin 2 edge: handler LAPIC EOI
 *   pit-pic   PIT channel 0 at 1 kHz, PIC IRQ 0 + ExtINT: handler PIC EOI
 *   rtc       RTC periodic 1024 Hz, IOAPIC pin 8 edge: handler reads
 *             register C + LAPIC EOI (split only: KVM has no RTC)
 *   msi       HPET timer 0 periodic 1 kHz, FSB (MSI) delivery: handler
 *             LAPIC EOI (split with --hpet on only)
 *   hpet      HPET timer 0 periodic 1 kHz, IOAPIC pin 20 level: handler
 *             clears GINTR_STA + LAPIC EOI (split with --hpet on only)
 */
#define PATH_ROUNDS 2000
#define PATH_TICKS 500
#define VEC_PATH 0x50
#define EDGE_GSI 11
#define HPET_BASE 0xfed00000ull

static volatile unsigned path_hits;

static void on_path_lapic(struct rt_frame *f)
{
	(void)f;
	path_hits++;
	lapic_eoi();
}

static void on_path_level(struct rt_frame *f)
{
	(void)f;
	path_hits++;
	testdev_set(LEVEL_GSI, 0);
	lapic_eoi();
}

static void on_path_pic(struct rt_frame *f)
{
	(void)f;
	path_hits++;
	testdev_set(PIC_IRQ, 0);
	pic_eoi(PIC_IRQ);
}

static void on_path_pit_pic(struct rt_frame *f)
{
	(void)f;
	path_hits++;
	pic_eoi(0);
}

static void on_path_rtc(struct rt_frame *f)
{
	(void)f;
	path_hits++;
	outb(0x70, 0x0c);
	(void)inb(0x71);
	lapic_eoi();
}

static void on_path_hpet(struct rt_frame *f)
{
	(void)f;
	path_hits++;
	mmio_write32(HPET_BASE + 0x20, 1); /* GINTR_STA: timer 0's level status */
	lapic_eoi();
}

/* Raise, wait for the handler, lower (edge only: the others lower in it). */
static bool path_round(unsigned line, bool lower)
{
	unsigned want = path_hits + 1;
	testdev_set(line, 1);
	for (unsigned long spin = 0; path_hits < want; spin++) {
		if (spin > 100000000ul)
			return false;
		cpu_relax();
	}
	if (lower)
		testdev_set(line, 0);
	return true;
}

/* A 1 kHz HPET timer 0 (periodic; with VAL_SET, the low then the high half
 * of its 64-bit comparator set both comparator and period). */
static void hpet_start(uint32_t tn_conf)
{
	uint32_t fs = mmio_read32(HPET_BASE + 4); /* GCAP_ID 63:32: period in fs */
	uint32_t period = (uint32_t)(1000000000000ull / fs);
	mmio_write32(HPET_BASE + 0x10, 0); /* halt */
	mmio_write32(HPET_BASE + 0xf0, 0);
	mmio_write32(HPET_BASE + 0xf4, 0);
	mmio_write32(HPET_BASE + 0x110, VEC_PATH);      /* FSB value */
	mmio_write32(HPET_BASE + 0x114, 0xfee00000u);   /* FSB address */
	mmio_write32(HPET_BASE + 0x100, tn_conf | 0x4c); /* periodic, enabled, VAL_SET */
	mmio_write32(HPET_BASE + 0x108, period);
	mmio_write32(HPET_BASE + 0x10c, 0);
	mmio_write32(HPET_BASE + 0x10, 1); /* ENABLE_CNF */
}

static void hpet_stop(void)
{
	mmio_write32(HPET_BASE + 0x10, 0);
	mmio_write32(HPET_BASE + 0x100, 0);
}

static const char *const path_names[] = {"none", "edge", "level", "pic", "pit", "pit-pic", "rtc", "msi", "hpet"};
#define NPATHS (sizeof(path_names) / sizeof(path_names[0]))

/* The path --append names ("path=NAME"), or -1. */
static int path_selected(void)
{
	for (unsigned i = 0; i < NPATHS; i++) {
		char word[16] = "path=";
		unsigned n = 5;
		for (const char *s = path_names[i]; *s; s++)
			word[n++] = *s;
		if (rt_cmdline_has(word))
			return (int)i;
	}
	return -1;
}

__attribute__((noreturn)) static void run_path(int p)
{
	unsigned want = 0;
	lapic_enable();
	ioapic_mask_all();
	pic_init(VEC_PIC, VEC_PIC + 8, false);
	pic_set_mask(0xffff);
	bool ok = true;
	switch (p) {
	case 1: /* edge */
	case 2: /* level */
		rt_set_handler(VEC_PATH, p == 1 ? on_path_lapic : on_path_level);
		ioapic_set_rte(p == 1 ? EDGE_GSI : LEVEL_GSI, VEC_PATH | (p == 2 ? RTE_LEVEL : 0));
		sti();
		for (unsigned i = 0; i < PATH_ROUNDS && ok; i++)
			ok = path_round(p == 1 ? EDGE_GSI : LEVEL_GSI, p == 1);
		cli();
		want = PATH_ROUNDS;
		break;
	case 3: /* pic */
		rt_set_handler(VEC_PIC + PIC_IRQ, on_path_pic);
		lapic_write(LAPIC_LVT0, LVT_EXTINT);
		pic_set_mask((uint16_t)~(1u << PIC_IRQ));
		sti();
		for (unsigned i = 0; i < PATH_ROUNDS && ok; i++)
			ok = path_round(PIC_IRQ, false);
		cli();
		want = PATH_ROUNDS;
		break;
	case 4: /* pit */
	case 5: /* pit-pic */
		if (p == 4) {
			rt_set_handler(VEC_PATH, on_path_lapic);
			ioapic_set_rte(2, VEC_PATH);
		} else {
			rt_set_handler(VEC_PIC, on_path_pit_pic);
			lapic_write(LAPIC_LVT0, LVT_EXTINT);
			pic_set_mask(0xfffe);
		}
		pit_periodic(1000);
		ok = rt_wait_count(&path_hits, PATH_TICKS, 100ul * PATH_TICKS);
		cli();
		pit_stop();
		want = PATH_TICKS;
		break;
	case 6: /* rtc */
		rt_set_handler(VEC_PATH, on_path_rtc);
		outb(0x70, 0x0c);
		(void)inb(0x71);
		ioapic_set_rte(8, VEC_PATH);
		outb(0x70, 0x0a);
		outb(0x71, 0x26); /* 32.768 kHz base, rate 6: 1024 Hz */
		outb(0x70, 0x0b);
		outb(0x71, 0x42); /* PIE, 24-hour */
		ok = rt_wait_count(&path_hits, PATH_TICKS, 100ul * PATH_TICKS);
		cli();
		outb(0x70, 0x0b);
		outb(0x71, 0x02);
		want = PATH_TICKS;
		break;
	case 7: /* msi */
	case 8: /* hpet */
		rt_set_handler(VEC_PATH, p == 7 ? on_path_lapic : on_path_hpet);
		if (p == 8)
			ioapic_set_rte(20, VEC_PATH | RTE_LEVEL | 1u << 13); /* PCI pins: active low */
		hpet_start(p == 7 ? 0x4000u : 0x2u | 20u << 9); /* FSB_EN, or level to pin 20 */
		ok = rt_wait_count(&path_hits, PATH_TICKS, 100ul * PATH_TICKS);
		cli();
		hpet_stop();
		want = PATH_TICKS;
		break;
	default:
		break;
	}
	ioapic_mask_all();
	pic_set_mask(0xffff);
	CHECK(ok && path_hits >= want, "exit-bench path", "%s: %u interrupts", path_names[p], path_hits);
	rt_printf("exit-bench: path=%s interrupts=%u\n", path_names[p], path_hits);
	rt_finish("irq-bench");
}

int guest_main(void)
{
	bool ok = true;
	int path = path_selected();
	if (path >= 0)
		run_path(path);
	lapic_enable();
	ioapic_mask_all();
	pic_init(VEC_PIC, VEC_PIC + 8, false);
	pic_set_mask(0xffff);
	rt_set_handler(VEC_LEVEL, on_level);
	rt_set_handler(VEC_PIC + PIC_IRQ, on_pic);

	ioapic_set_rte(LEVEL_GSI, VEC_LEVEL | RTE_LEVEL);
	sti();
	for (unsigned i = 0; i < ROUNDS && ok; i++)
		ok = one_round(&level_hits, LEVEL_GSI);
	cli();
	CHECK(ok && level_hits >= ROUNDS, "level interrupts via IOAPIC", "%u rounds, %u deliveries",
	      ROUNDS, level_hits);
	ioapic_mask_all();

	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	pic_set_mask((uint16_t)~(1u << PIC_IRQ));
	sti();
	ok = true;
	for (unsigned i = 0; i < ROUNDS && ok; i++)
		ok = one_round(&pic_hits, PIC_IRQ);
	cli();
	CHECK(ok && pic_hits == ROUNDS, "edge interrupts via PIC/ExtINT", "%u rounds, %u deliveries",
	      ROUNDS, pic_hits);
	pic_set_mask(0xffff);
	rt_finish("irq-bench");
}
