/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "guests.h"

#define IMAGE(id) extern const uint8_t guest_image_##id[]; extern const size_t guest_image_##id##_size;
IMAGE(demo)
IMAGE(pit_modes)
IMAGE(ioapic_level)
IMAGE(pic_modes)
IMAGE(lint0_nmi)
IMAGE(smp)
IMAGE(irq_bench)
IMAGE(bug_noeoi)
IMAGE(bug_lvt0)
IMAGE(bug_vector)
IMAGE(hostile)
IMAGE(echo)
IMAGE(hpet)
#undef IMAGE

static struct builtin_guest table[] = {
	{"demo", "PIT at 1 kHz via PIC/LINT0 then IOAPIC, level line with EOI (default)", guest_image_demo, 0, 1},
	{"pit-modes", "8254 read-back, mode 0 one-shot, latch, LSB access, channel 2 via port 0x61", guest_image_pit_modes, 0, 1},
	{"ioapic-level", "82093AA registers, level re-delivery, edge, logical destinations", guest_image_ioapic_level, 0, 1},
	{"pic-modes", "8259A poll, rotation, specific EOI, special mask, AEOI, ELCR level", guest_image_pic_modes, 0, 1},
	{"lint0-nmi", "LVT0 NMI on every cpu, PIT through the PIC, poll acknowledge", guest_image_lint0_nmi, 0, 2},
	{"smp", "IOAPIC to physical/logical destinations, lowest priority, 2 cpus", guest_image_smp, 0, 2},
	{"irq-bench", "benchmark: 10000 level IRQs via IOAPIC, 10000 edge IRQs via PIC/ExtINT", guest_image_irq_bench, 0, 1},
	/* buggy guests: each hangs on purpose, for the watchdog (docs/hang.md) */
	{"bug-noeoi", "BUG: level line whose handler forgets the EOI (IOAPIC, then PIC); hangs", guest_image_bug_noeoi, 0, 1},
	{"bug-lvt0", "BUG: masks LVT0 while relying on the PIC timer; hangs", guest_image_bug_lvt0, 0, 1},
	{"bug-vector", "BUG: reprograms an IOAPIC vector while remote IRR is set; hangs", guest_image_bug_vector, 0, 1},
	/* robustness: random port/MMIO/rep-I/O attack (docs/HARDENING.md) */
	{"hostile", "hammers every port and the IOAPIC/LAPIC MMIO at random (--append \"seed=N secs=N\")", guest_image_hostile, 0, 1},
	/* console input: echoes COM1's received bytes until 0x04 (docs/recorder.md) */
	{"echo", "echoes what the serial port receives (stdin) until Ctrl-D (0x04); --append slow", guest_image_echo, 0, 1},
	{"hpet", "HPET: periodic, one-shot, 32-bit, level/edge, FSB, legacy replacement (split irqchip)", guest_image_hpet, 0, 1},
};

static void fill_sizes(void)
{
	table[0].size = guest_image_demo_size;
	table[1].size = guest_image_pit_modes_size;
	table[2].size = guest_image_ioapic_level_size;
	table[3].size = guest_image_pic_modes_size;
	table[4].size = guest_image_lint0_nmi_size;
	table[5].size = guest_image_smp_size;
	table[6].size = guest_image_irq_bench_size;
	table[7].size = guest_image_bug_noeoi_size;
	table[8].size = guest_image_bug_lvt0_size;
	table[9].size = guest_image_bug_vector_size;
	table[10].size = guest_image_hostile_size;
	table[11].size = guest_image_echo_size;
	table[12].size = guest_image_hpet_size;
}

const struct builtin_guest *builtin_guest_list(size_t *count)
{
	fill_sizes();
	*count = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct builtin_guest *builtin_guest_find(const char *name)
{
	size_t n;
	const struct builtin_guest *g = builtin_guest_list(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].name, name))
			return &g[i];
	return NULL;
}
