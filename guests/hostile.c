/* SPDX-License-Identifier: MIT */
/*
 * hostile: a guest that attacks the VMM's device emulation for a while and
 * then powers off. Success is surviving: the VMM must neither crash nor
 * index host memory with anything this guest chooses, must stay responsive,
 * and its trace must replay identical (tests/kvm/hostile, docs/HARDENING.md).
 *
 * Every vCPU (the AP too with --cpus 2) runs the same loop of random
 * operations drawn from a PRNG seeded from the command line (--append
 * "seed=N secs=N ops=N storm=1"; defaults seed=1 secs=3 ops=0; 0 = no
 * limit; each cpu stops at the first limit it reaches; tests bound the run
 * by ops, the work done, whatever the host's speed;
 * storm=1 first sets the PIT to its fastest rate, ~597 kHz, to IOAPIC pin 2
 * and the PIC):
 *   - IN/OUT of 8/16/32 bits, and REP INS/OUTS of 1..64 elements (one
 *     KVM_EXIT_IO with count > 1), at every emulated port, at unaligned
 *     starts so wide accesses straddle devices, at unclaimed ports and at
 *     fully random ports;
 *   - structured sequences: PIC init cut short, ELCR, PIT control words of
 *     any mode (6/7 included), read-back of any counter mask, counter
 *     latches, port 0x61, RTC index/data over all 128 indices with and
 *     without the NMI bit, fw_cfg with random selectors and wide reads, the
 *     UART's registers, i8042 commands, test-device lines;
 *   - IOAPIC MMIO of 1/2/4/8 bytes at any offset of its page, IOREGSEL up
 *     to 0xff, writes to read-only registers and the EOI register; local
 *     APIC MMIO (reads anywhere, writes to a safe set of registers);
 *     MMIO holes above RAM, past the IOAPIC page and the HPET area;
 * with interrupts mostly enabled. Every vector from 0x20 up is handled by
 * one handler that EOIs both PICs and the local APIC, whatever it was:
 * programmed PIT/RTC/UART/LAPIC timer rates and held level lines make
 * interrupt storms. NMIs are acknowledged with an OCW3 poll.
 *
 * The deny list: what would end the run or wreck this guest rather than
 * test the VMM. Offending bytes are rewritten, not skipped, so the access
 * still happens:
 *   - port 0xf4 (debug exit): no write covering it is made;
 *   - PM1a 0x605: SLP_EN (bit 5 of the high byte) is cleared (power-off);
 *   - i8042 0x64: commands 0xf0-0xff (pulse output lines; even = reset) and
 *     0xd1 (write output port; bit 0 clear = reset) become 0xaa;
 *   - port 0x92: bit 0 (fast reset) is cleared;
 *   - vectors below 0x20 are exceptions: ICW2 is forced to >= 0x20 (the
 *     guest tracks each PIC's init sequence under a lock shared by the
 *     cpus), IOAPIC window writes get a vector >= 0x20 and no SMI, INIT or
 *     start-up delivery mode, local APIC LVTs and ICR likewise (ICR: fixed
 *     self-IPIs only).
 */
#include "rt.h"

#define MAX_CPUS 2

static uint64_t seed = 1, secs = 3, max_ops, storm;
static uint64_t tsc_per_ms;
static uint64_t ram_end;
static volatile unsigned stop, ap_done;

struct stats {
	uint64_t ops, outs, ins, reps, rep_elems, mmio_w, mmio_r, irqs, nmis, dropped;
	uint64_t burst; /* interrupts taken during the current operation */
	uint64_t dbs;   /* #DB exceptions: nothing here sets TF or a breakpoint */
	unsigned in_irq, in_nmi; /* handler nesting: each must stay 0 or 1 */
};

/* Forward progress under any interrupt load: past IRQ_BURST interrupts in
 * one operation the handler returns with IF clear (the loop's next sti()
 * opens it again). On a slow KVM (nested SVM under TCG, ~100 us an exit)
 * a storm's handler time exceeds its period, and the guest would run
 * nothing but handlers: the run never reached its end. */
#define IRQ_BURST 8
#define RFLAGS_IF 0x200ull
static struct stats st[MAX_CPUS];

/* The handlers' counters: a cpu past MAX_CPUS (it does not hammer) counts
 * as cpu 0. */
static struct stats *stats_of(unsigned cpu)
{
	return &st[cpu < MAX_CPUS ? cpu : 0];
}

/* ---- PRNG: splitmix64, one stream per cpu ---- */
static uint64_t rng_state[MAX_CPUS];

static uint64_t rnd(unsigned cpu)
{
	uint64_t z = (rng_state[cpu] += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(unsigned cpu, unsigned n) { return (unsigned)(rnd(cpu) % n); }

/* Values that matter to chips more often than uniform ones. */
static uint32_t rvalue(unsigned cpu)
{
	static const uint32_t special[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x11, 0x20,
					   0xffff, 0x8000, 0xffffffff, 0x00010000};
	if (below(cpu, 4) == 0)
		return special[below(cpu, sizeof(special) / sizeof(special[0]))];
	return (uint32_t)rnd(cpu);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

/* ---- command line ---- */
static uint64_t parse_num(const char *s)
{
	uint64_t v = 0;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return v;
		v = v * base + d;
	}
}

static bool word_is(const char *w, const char *key, const char **val)
{
	while (*key && *w == *key) {
		w++;
		key++;
	}
	if (*key || *w != '=')
		return false;
	*val = w + 1;
	return true;
}

static void parse_cmdline(void)
{
	const char *s = rt_boot->cmdline;
	for (unsigned i = 0; i < BOOTINFO_CMDLINE_MAX && s[i];) {
		const char *w = s + i, *val;
		if (word_is(w, "seed", &val))
			seed = parse_num(val);
		else if (word_is(w, "secs", &val))
			secs = parse_num(val);
		else if (word_is(w, "ops", &val))
			max_ops = parse_num(val);
		else if (word_is(w, "storm", &val))
			storm = parse_num(val);
		while (i < BOOTINFO_CMDLINE_MAX && s[i] && s[i] != ' ')
			i++;
		while (i < BOOTINFO_CMDLINE_MAX && s[i] == ' ')
			i++;
	}
}

/* ---- deny list and PIC init tracking ---- */
static volatile unsigned pic_lock;
static struct {
	uint8_t icw1;
	uint8_t state; /* 0 ready, 2 ICW2, 3 ICW3, 4 ICW4: as chips/pic.c */
} pic_track[2];

static void lock_pic(void)
{
	while (__atomic_exchange_n(&pic_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void unlock_pic(void) { __atomic_store_n(&pic_lock, 0, __ATOMIC_RELEASE); }

static bool is_pic_port(uint16_t p) { return p == 0x20 || p == 0x21 || p == 0xa0 || p == 0xa1; }

/* A byte about to be written to port p: rewrite it (deny list), track the
 * PICs' init sequences. Call with pic_lock held when p is a PIC port. */
static void sanitize_byte(uint16_t p, uint8_t *v)
{
	if (is_pic_port(p)) {
		unsigned c = p >= 0xa0;
		if (!(p & 1)) {
			if (*v & 0x10) { /* ICW1 */
				pic_track[c].icw1 = *v;
				pic_track[c].state = 2;
			}
		} else if (pic_track[c].state == 2) {
			if ((*v & 0xf8) < 0x20)
				*v |= 0x20;
			pic_track[c].state = !(pic_track[c].icw1 & 0x02) ? 3 : (pic_track[c].icw1 & 0x01) ? 4 : 0;
		} else if (pic_track[c].state == 3) {
			pic_track[c].state = (pic_track[c].icw1 & 0x01) ? 4 : 0;
		} else if (pic_track[c].state == 4) {
			pic_track[c].state = 0;
		}
	} else if (p == 0x605) {
		*v &= (uint8_t)~0x20; /* SLP_EN */
	} else if (p == 0x64) {
		if (*v >= 0xf0 || *v == 0xd1)
			*v = 0xaa;
	} else if (p == 0x92) {
		*v &= (uint8_t)~0x01;
	}
}

static bool span_covers(uint16_t port, unsigned width, uint16_t target)
{
	return (uint16_t)(target - port) < width;
}

static bool span_has_pic(uint16_t port, unsigned width)
{
	for (unsigned i = 0; i < width; i++)
		if (is_pic_port((uint16_t)(port + i)))
			return true;
	return false;
}

/* Rewrites a `width`-byte value written at `port`; false: do not write. */
static bool sanitize_write(uint16_t port, unsigned width, uint32_t *value)
{
	if (span_covers(port, width, 0xf4))
		return false;
	for (unsigned i = 0; i < width; i++) {
		uint8_t b = (uint8_t)(*value >> (8 * i));
		sanitize_byte((uint16_t)(port + i), &b);
		*value = (*value & ~(0xffu << (8 * i))) | (uint32_t)b << (8 * i);
	}
	return true;
}

/* ---- port I/O ---- */
static void out_w(uint16_t port, unsigned width, uint32_t v)
{
	if (width == 1)
		outb(port, (uint8_t)v);
	else if (width == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

static uint32_t in_w(uint16_t port, unsigned width)
{
	return width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port);
}

static void do_out(unsigned cpu, uint16_t port, unsigned width, uint32_t v)
{
	bool pic = span_has_pic(port, width);
	if (pic)
		lock_pic();
	if (sanitize_write(port, width, &v)) {
		out_w(port, width, v);
		st[cpu].outs++;
	} else {
		st[cpu].dropped++;
	}
	if (pic)
		unlock_pic();
}

static void do_in(unsigned cpu, uint16_t port, unsigned width)
{
	(void)in_w(port, width);
	st[cpu].ins++;
}

static uint8_t rep_buf[MAX_CPUS][64 * 4];

/* REP OUTS / REP INS: one KVM_EXIT_IO with count = n, elements in order. */
static void do_rep(unsigned cpu, uint16_t port, unsigned width, unsigned n, bool write)
{
	uint8_t *buf = rep_buf[cpu];
	bool pic = write && span_has_pic(port, width);
	if (pic)
		lock_pic();
	if (write) {
		for (unsigned i = 0; i < n; i++) {
			uint32_t v = rvalue(cpu);
			if (!sanitize_write(port, width, &v)) {
				st[cpu].dropped++;
				goto out;
			}
			for (unsigned b = 0; b < width; b++)
				buf[i * width + b] = (uint8_t)(v >> (8 * b));
		}
	}
	const void *src = buf;
	void *dst = buf;
	unsigned long cnt = n;
	if (write && width == 1)
		__asm__ volatile("rep outsb" : "+S"(src), "+c"(cnt) : "d"(port) : "memory");
	else if (write && width == 2)
		__asm__ volatile("rep outsw" : "+S"(src), "+c"(cnt) : "d"(port) : "memory");
	else if (write)
		__asm__ volatile("rep outsl" : "+S"(src), "+c"(cnt) : "d"(port) : "memory");
	else if (width == 1)
		__asm__ volatile("rep insb" : "+D"(dst), "+c"(cnt) : "d"(port) : "memory");
	else if (width == 2)
		__asm__ volatile("rep insw" : "+D"(dst), "+c"(cnt) : "d"(port) : "memory");
	else
		__asm__ volatile("rep insl" : "+D"(dst), "+c"(cnt) : "d"(port) : "memory");
	st[cpu].reps++;
	st[cpu].rep_elems += n;
out:
	if (pic)
		unlock_pic();
}

/* Every port a device claims, and a few nobody claims. */
static const uint16_t port_pool[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,             /* PIC pair, ELCR */
	0x40, 0x41, 0x42, 0x43, 0x61,                     /* PIT, port 0x61 */
	0x70, 0x71,                                       /* RTC */
	0x60, 0x64, 0x92,                                 /* i8042, fast A20 */
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,   /* scratch, flush */
	0x510, 0x511,                                     /* fw_cfg */
	0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, /* UART */
	0x600, 0x601, 0x602, 0x603, 0x604, 0x605,         /* PM1a event block, control */
	0x80, 0x3f0, 0xcf8, 0xcfc, 0x22, 0x23, 0x4d2, 0x44, 0x72, 0x2018, 0x1fff, /* unclaimed */
};
#define NPORTS (sizeof(port_pool) / sizeof(port_pool[0]))

static uint16_t random_port(unsigned cpu)
{
	unsigned k = below(cpu, 16);
	if (k == 0)
		return (uint16_t)rnd(cpu); /* anywhere */
	if (k <= 3)
		return (uint16_t)(0x2000 + below(cpu, 24)); /* test device */
	uint16_t p = port_pool[below(cpu, NPORTS)];
	if (k == 4)
		p = (uint16_t)(p - 1 - below(cpu, 3)); /* wide access straddling into it */
	return p;
}

static unsigned random_width(unsigned cpu)
{
	static const unsigned w[] = {1, 1, 1, 2, 4};
	return w[below(cpu, 5)];
}

/* ---- structured sequences ---- */
static void seq_pic(unsigned cpu)
{
	uint16_t base = below(cpu, 2) ? 0xa0 : 0x20;
	unsigned n = below(cpu, 4); /* ICWs after ICW1: 0..3, so often cut short */
	do_out(cpu, base, 1, 0x10 | (rvalue(cpu) & 0x0f));
	for (unsigned i = 0; i < n; i++)
		do_out(cpu, (uint16_t)(base + 1), 1, rvalue(cpu));
	if (below(cpu, 2))
		do_out(cpu, (uint16_t)(0x4d0 + below(cpu, 2)), 1, rvalue(cpu));
	/* OCW2/OCW3 and reads of IRR/ISR/poll */
	do_out(cpu, base, 1, rvalue(cpu) & ~0x10u);
	do_in(cpu, base, 1);
	do_in(cpu, (uint16_t)(base + 1), 1);
}

static void seq_pit(unsigned cpu)
{
	unsigned k = below(cpu, 4);
	if (k == 0) { /* read-back of any counter mask, count and/or status */
		do_out(cpu, 0x43, 1, 0xc0 | (rvalue(cpu) & 0x3f));
	} else if (k == 1) { /* counter latch, incl. SC=3 (the read-back code) */
		do_out(cpu, 0x43, 1, (uint8_t)(below(cpu, 4) << 6));
	} else { /* control word of any mode (6, 7 alias 2, 3), BCD or not, then a count */
		unsigned ch = below(cpu, 3);
		uint8_t cw = (uint8_t)(ch << 6 | (1 + below(cpu, 3)) << 4 | below(cpu, 8) << 1 | below(cpu, 2));
		do_out(cpu, 0x43, 1, cw);
		unsigned n = below(cpu, 3);
		for (unsigned i = 0; i < n; i++)
			do_out(cpu, (uint16_t)(0x40 + ch), 1, rvalue(cpu));
		if (below(cpu, 2))
			do_out(cpu, 0x61, 1, rvalue(cpu));
	}
	unsigned r = below(cpu, 4);
	for (unsigned i = 0; i < r; i++)
		do_in(cpu, (uint16_t)(0x40 + below(cpu, 4)), 1);
	do_in(cpu, 0x61, 1);
}

static void seq_rtc(unsigned cpu)
{
	uint8_t idx = (uint8_t)below(cpu, 256); /* bit 7: NMI disable */
	do_out(cpu, 0x70, 1, idx);
	if (below(cpu, 2))
		do_out(cpu, 0x71, 1, rvalue(cpu));
	do_in(cpu, 0x71, 1);
	do_in(cpu, 0x70, 1);
}

static void seq_fwcfg(unsigned cpu)
{
	uint16_t sel = below(cpu, 2) ? (uint16_t)below(cpu, 0x20) : (uint16_t)rnd(cpu);
	do_out(cpu, 0x510, random_width(cpu), sel);
	unsigned n = below(cpu, 12);
	for (unsigned i = 0; i < n; i++)
		do_in(cpu, 0x511, random_width(cpu));
	if (below(cpu, 2))
		do_rep(cpu, 0x511, random_width(cpu), 1 + below(cpu, 64), false);
	if (below(cpu, 4) == 0)
		do_in(cpu, 0x510, random_width(cpu));
}

/* ---- MMIO ---- */
static void mmio_w(uint64_t a, unsigned width, uint64_t v)
{
	switch (width) {
	case 1: __asm__ volatile("movb %b1, (%0)" : : "r"(a), "q"((uint8_t)v) : "memory"); break;
	case 2: __asm__ volatile("movw %w1, (%0)" : : "r"(a), "r"((uint16_t)v) : "memory"); break;
	case 4: __asm__ volatile("movl %k1, (%0)" : : "r"(a), "r"((uint32_t)v) : "memory"); break;
	default: __asm__ volatile("movq %1, (%0)" : : "r"(a), "r"(v) : "memory"); break;
	}
}

static uint64_t mmio_r(uint64_t a, unsigned width)
{
	uint64_t v = 0;
	switch (width) {
	case 1: { uint8_t b; __asm__ volatile("movb (%1), %0" : "=q"(b) : "r"(a) : "memory"); v = b; break; }
	case 2: { uint16_t w; __asm__ volatile("movw (%1), %0" : "=r"(w) : "r"(a) : "memory"); v = w; break; }
	case 4: { uint32_t l; __asm__ volatile("movl (%1), %0" : "=r"(l) : "r"(a) : "memory"); v = l; break; }
	default: __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory"); break;
	}
	return v;
}

static unsigned mmio_width(unsigned cpu)
{
	static const unsigned w[] = {1, 2, 4, 4, 8};
	return w[below(cpu, 5)];
}

/* A dword that is harmless as an IOAPIC RTE low half or an LVT: vector
 * >= 0x20, delivery mode fixed, lowest priority, NMI or ExtINT. */
static uint32_t safe_vector_dword(uint32_t v)
{
	static const uint8_t dm[8] = {0, 1, 0, 1, 4, 4, 4, 7};
	if ((v & 0xff) < 0x20)
		v |= 0x20;
	return (v & ~0x700u) | (uint32_t)dm[(v >> 8) & 7] << 8;
}

static void do_ioapic(unsigned cpu)
{
	unsigned k = below(cpu, 8);
	if (k < 4) { /* register access through the window: any IOREGSEL */
		uint32_t sel = below(cpu, 2) ? below(cpu, 0x40) : (uint32_t)rvalue(cpu);
		mmio_w(IOAPIC_BASE, 4, sel);
		st[cpu].mmio_w++;
		if (below(cpu, 2)) {
			uint64_t v = safe_vector_dword(rvalue(cpu));
			mmio_w(IOAPIC_BASE + 0x10, 4, v);
			st[cpu].mmio_w++;
		} else {
			(void)mmio_r(IOAPIC_BASE + 0x10, 4);
			st[cpu].mmio_r++;
		}
	} else if (k == 4) { /* the EOI register, any vector */
		mmio_w(IOAPIC_BASE + 0x40, 4, rvalue(cpu) & 0xff);
		st[cpu].mmio_w++;
	} else { /* any offset, any width; writes avoid IOWIN's dword */
		unsigned w = mmio_width(cpu);
		uint64_t off = below(cpu, 0x1000);
		if (below(cpu, 2) && !(off + w > 0x10 && off < 0x14)) {
			mmio_w(IOAPIC_BASE + off, w, rvalue(cpu) | (uint64_t)rvalue(cpu) << 32);
			st[cpu].mmio_w++;
		} else {
			(void)mmio_r(IOAPIC_BASE + off, w);
			st[cpu].mmio_r++;
		}
	}
}

static void do_lapic(unsigned cpu)
{
	if (below(cpu, 2)) {
		unsigned w = mmio_width(cpu);
		(void)mmio_r(LAPIC_BASE + below(cpu, 0x1000 - 8), w);
		st[cpu].mmio_r++;
		return;
	}
	uint32_t v = rvalue(cpu);
	unsigned off;
	switch (below(cpu, 10)) {
	case 0: off = LAPIC_EOI; break;
	case 1: off = 0x80; v &= 0xf0; break;                      /* TPR */
	case 2: off = LAPIC_LVT0; v = safe_vector_dword(v) & 0x1a7ff; break;
	case 3: off = LAPIC_LVT1; v = safe_vector_dword(v) & 0x1a7ff; break;
	case 4: off = 0x320; v = (safe_vector_dword(v) & 0x300ff); break; /* timer: one-shot/periodic */
	case 5: off = 0x380; v &= 0xfffff; break;                   /* initial count */
	case 6: off = 0x3e0; break;                                 /* divide config */
	case 7: off = 0x280; break;                                 /* ESR */
	case 8: off = 0x300; v = 0x40000 | ((v & 0xff) < 0x20 ? 0x20 : (v & 0xff)); break; /* self IPI */
	default: off = LAPIC_SVR; v = 0x100 | (v & 0xf0) | 0x0f; break;
	}
	lapic_write(off, v);
	st[cpu].mmio_w++;
}

/* Unclaimed MMIO: above RAM, past the IOAPIC page, the HPET area, past the
 * local APIC page; unaligned, any width, reads and writes. */
static void do_hole(unsigned cpu)
{
	uint64_t a;
	switch (below(cpu, 4)) {
	case 0: a = ram_end + (rnd(cpu) % (0xfe000000ull - ram_end)); break;
	case 1: a = IOAPIC_BASE + 0x1000 + below(cpu, 0x1000); break;
	case 2: a = 0xfed00000ull + below(cpu, 0x1000); break;
	default: a = IOAPIC_BASE + 0x1000 - 8 + below(cpu, 8); break; /* page-crossing */
	}
	unsigned w = mmio_width(cpu);
	if (below(cpu, 2)) {
		mmio_w(a, w, rnd(cpu));
		st[cpu].mmio_w++;
	} else {
		(void)mmio_r(a, w);
		st[cpu].mmio_r++;
	}
}

/* ---- interrupts ---- */
static void on_irq(struct rt_frame *f)
{
	unsigned cpu = rt_cpu();
	struct stats *s = stats_of(cpu);
	/* interrupt gates clear IF: an interrupt inside this handler was
	 * delivered while the guest blocked it (and unbounded nesting ends
	 * in a stack overrun, then a triple fault; say so instead) */
	if (s->in_irq++) {
		rt_printf("FAIL: cpu %u: interrupt inside an interrupt handler (IF=0), vector %#lx at rip %#lx\n",
			  cpu, (unsigned long)f->vector, (unsigned long)f->rip);
		rt_exit(2);
	}
	s->irqs++;
	if (++s->burst >= IRQ_BURST)
		f->rflags &= ~RFLAGS_IF;
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	lapic_eoi();
	s->in_irq--;
}

static void on_nmi(struct rt_frame *f)
{
	unsigned cpu = rt_cpu();
	struct stats *s = stats_of(cpu);
	/* NMIs are blocked from an NMI's delivery to its handler's IRET
	 * (SDM 3A, 6.7.1): one inside this handler is the hypervisor's */
	if (s->in_nmi++) {
		rt_printf("FAIL: cpu %u: NMI inside the NMI handler (NMI blocking broken) at rip %#lx\n", cpu,
			  (unsigned long)f->rip);
		rt_exit(2);
	}
	s->nmis++;
	outb(0x20, 0x0c); /* OCW3 poll: the read is the INTA (LINT0 in NMI mode) */
	(void)inb(0x20);
	outb(0x20, 0x20);
	/* NMIs ignore IF: a level line held high with LINT0 in NMI mode
	 * raises INT again at every EOI, an NMI storm that on a slow KVM
	 * leaves no time between handlers (nested SVM: 2,500 NMIs/s and no
	 * operation in 40 s); so does an IOAPIC entry in NMI mode on the
	 * PIC's INT (pin 0: 60 s of NMIs, nothing else done). Past the
	 * burst, mask the LINT pins and the IOAPIC; later operations
	 * program them again. */
	if (++s->burst >= IRQ_BURST) {
		lapic_write(LAPIC_LVT0, LVT_MASKED | LVT_EXTINT);
		lapic_write(LAPIC_LVT1, LVT_MASKED | LVT_NMI);
		ioapic_mask_all();
	}
	s->in_nmi--;
}

/* storm=1: the fastest the PIT goes, mode 2 with count 2 (~597 kHz), to
 * IOAPIC pin 2 and through the PIC; re-armed every 64 operations. */
static void arm_storm(unsigned cpu)
{
	ioapic_set_rte(2, 0x30 | (uint64_t)rt_boot->apic_id[cpu] << 56);
	lock_pic();
	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	if (pic_track[0].state == 0)
		outb(0x21, 0xfe);
	unlock_pic();
	outb(0x43, 0x34);
	outb(0x40, 2);
	outb(0x40, 0);
}

/* Nothing in this guest sets RFLAGS.TF or a debug register: a #DB comes
 * from below (a hypervisor's single-step leaking into the guest). Count
 * it, say where once, clear TF and go on: without a handler the #DB ends
 * in a triple fault. */
#define RFLAGS_TF 0x100ull
static void on_debug(struct rt_frame *f)
{
	unsigned cpu = rt_cpu();
	struct stats *s = stats_of(cpu);
	if (s->dbs++ == 0)
		rt_printf("hostile: cpu %u: unexpected #DB at rip %#lx, rflags %#lx (TF from the host's KVM?)\n",
			  cpu, (unsigned long)f->rip, (unsigned long)f->rflags);
	f->rflags &= ~RFLAGS_TF;
}

/* A page fault here is this guest's bug (or the VMM's): say where. */
static void on_page_fault(struct rt_frame *f)
{
	uint64_t cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	rt_printf("FAIL: page fault error %#lx at rip %#lx address %#lx\n", (unsigned long)f->error,
		  (unsigned long)f->rip, (unsigned long)cr2);
	rt_exit(2);
}

/* ---- the loop ---- */
static void one_op(unsigned cpu)
{
	unsigned k = below(cpu, 100);
	st[cpu].burst = 0;
	if (k < 30) {
		do_out(cpu, random_port(cpu), random_width(cpu), rvalue(cpu));
	} else if (k < 45) {
		do_in(cpu, random_port(cpu), random_width(cpu));
	} else if (k < 55) {
		do_rep(cpu, random_port(cpu), random_width(cpu), 1 + below(cpu, 64), below(cpu, 2));
	} else if (k < 60) {
		seq_pic(cpu);
	} else if (k < 66) {
		seq_pit(cpu);
	} else if (k < 71) {
		seq_rtc(cpu);
	} else if (k < 74) {
		seq_fwcfg(cpu);
	} else if (k < 82) {
		do_ioapic(cpu);
	} else if (k < 88) {
		do_lapic(cpu);
	} else if (k < 92) {
		do_hole(cpu);
	} else if (k < 96) {
		testdev_set(below(cpu, 24), (int)below(cpu, 2));
		st[cpu].outs++;
	} else if (k < 98) {
		cli();
	} else {
		sti();
		for (unsigned i = below(cpu, 50); i; i--)
			cpu_relax();
	}
	st[cpu].ops++;
}

static void hammer(unsigned cpu)
{
	rng_state[cpu] = seed * 0x100000001b3ull + cpu;
	uint64_t end = rdtsc() + secs * 1000 * tsc_per_ms;
	sti();
	while (!stop) {
		if (storm && st[cpu].ops % 64 == 0)
			arm_storm(cpu);
		one_op(cpu);
		if ((max_ops && st[cpu].ops >= max_ops) || (secs && (int64_t)(rdtsc() - end) >= 0))
			break;
		if (below(cpu, 8))
			sti(); /* mostly enabled */
	}
	cli();
}

void guest_ap(unsigned cpu)
{
	lapic_enable();
	if (cpu < MAX_CPUS)
		hammer(cpu);
	/* Quiet before the BSP cleans up. */
	lapic_write(LAPIC_LVT0, LVT_MASKED);
	lapic_write(LAPIC_LVT1, LVT_MASKED);
	lapic_write(0x320, LVT_MASKED);
	__atomic_fetch_add(&ap_done, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* PIT channel 2 one-shot of 0xffff ticks (54.9 ms), gated through port
 * 0x61, timed with the TSC before anything else touches the PIT. */
static void calibrate_tsc(void)
{
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0); /* ch 2, lo/hi, mode 0 */
	outb(0x42, 0xff);
	uint64_t t0 = rdtsc();
	outb(0x42, 0xff);
	while (!(inb(0x61) & 0x20))
		cpu_relax();
	uint64_t d = rdtsc() - t0;
	tsc_per_ms = d * PIT_HZ / 0xffff / 1000;
	if (!tsc_per_ms)
		tsc_per_ms = 1;
}

/* The VMM's identity map must cover all of 0-4 GiB (docs/recorder.md):
 * walk this cpu's page tables for the first 2 MiB pages of each GiB, the
 * last ones below the IOAPIC, and the three at 3 GiB the boot GDT used to
 * overwrite (recorder/loaders/boot.c). */
static void check_identity_map(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	const volatile uint64_t *pml4 = (const volatile uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
	const volatile uint64_t *pdpt = (const volatile uint64_t *)(uintptr_t)(pml4[0] & 0xffffffff000ull);
	unsigned bad = 0;
	uint64_t first_bad = 0, bad_entry = 0;
	for (uint64_t va = 0; va < (4ull << 30); va += 2ull << 20) {
		uint64_t pdpte = pdpt[va >> 30];
		const volatile uint64_t *pd = (const volatile uint64_t *)(uintptr_t)(pdpte & 0xffffffff000ull);
		uint64_t e = pd[(va >> 21) & 511];
		if (!(e & 1) || !(e & 0x80) || (e & 0xffffffe00000ull) != va) {
			if (!bad++) {
				first_bad = va;
				bad_entry = e;
			}
		}
	}
	CHECK(bad == 0, "identity map of 4 GiB", "%u bad 2 MiB pages, first at %#lx: entry %#lx", bad,
	      (unsigned long)first_bad, (unsigned long)bad_entry);
}

/* REP INS/OUTS: one KVM_EXIT_IO with count > 1; the VMM must handle every
 * element, in order, each at the same port. */
static void check_rep_io(void)
{
	uint8_t b[8];
	void *dst = b;
	unsigned long n = 8;
	outw(0x510, 0x0000); /* fw_cfg signature, then zeros */
	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"((uint16_t)0x511) : "memory");
	CHECK(b[0] == 'Q' && b[1] == 'E' && b[2] == 'M' && b[3] == 'U' && !b[4] && !b[7], "rep insb fw_cfg",
	      "%02x %02x %02x %02x %02x", b[0], b[1], b[2], b[3], b[4]);
	uint16_t w[2] = {0, 0};
	dst = w;
	n = 2;
	outw(0x510, 0x0000);
	__asm__ volatile("rep insw" : "+D"(dst), "+c"(n) : "d"((uint16_t)0x511) : "memory");
	CHECK(w[0] == ('Q' | 'E' << 8) && w[1] == ('M' | 'U' << 8), "rep insw fw_cfg", "%04x %04x", w[0], w[1]);

	static const uint8_t three[3] = {0x11, 0x22, 0x33};
	outb(0xe0, 0x5a);
	const void *src = three;
	n = 3;
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)0xe1) : "memory");
	CHECK(inb(0xe1) == 0x33 && inb(0xe0) == 0x5a && inb(0xe2) != 0x22, "rep outsb scratch: last element wins",
	      "e0 %02x e1 %02x", inb(0xe0), inb(0xe1));
	static const uint32_t two[2] = {0x01020304, 0xa1b2c3d4};
	src = two;
	n = 2;
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"((uint16_t)0xe0) : "memory");
	CHECK(inl(0xe0) == 0xa1b2c3d4, "rep outsl scratch", "%x", inl(0xe0));

	/* ACPI PM1a event block (recorder/devices/pm.c): no status bit is ever set,
	 * PM1_EN keeps only its defined enable bits */
	outw(0x600, 0xffff);
	outw(0x602, 0xffff);
	uint16_t sts = inw(0x600), en = inw(0x602);
	outw(0x602, 0);
	CHECK(sts == 0 && en == 0x4721 && inw(0x602) == 0, "PM1a event block: PM1_STS 0, PM1_EN bits",
	      "sts %04x en %04x", sts, en);

	/* the board: IMR written three times in order, the last stays */
	static const uint8_t imr[3] = {0xff, 0x00, 0xfb};
	src = imr;
	n = 3;
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)0x21) : "memory");
	CHECK(inb(0x21) == 0xfb, "rep outsb PIC IMR", "%02x", inb(0x21));
	outb(0x21, 0xff);
	/* the test device: 1, 0, 1 leaves GSI 5 high */
	static const uint8_t lvl[3] = {1, 0, 1};
	src = lvl;
	n = 3;
	__asm__ volatile("rep outsb" : "+S"(src), "+c"(n) : "d"((uint16_t)0x2005) : "memory");
	CHECK(inb(0x2005) == 1, "rep outsb test device", "%u", inb(0x2005));
	testdev_set(5, 0);
	uint8_t lsr[4] = {0, 0, 0, 0};
	dst = lsr;
	n = 4;
	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"((uint16_t)0x3fd) : "memory");
	CHECK((lsr[0] & 0x60) == 0x60 && (lsr[3] & 0x60) == 0x60, "rep insb UART LSR", "%02x %02x", lsr[0], lsr[3]);
}

static void quiesce(void)
{
	cli();
	lock_pic();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	pic_track[0].state = pic_track[1].state = 0;
	unlock_pic();
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(0x80, 0);
	lapic_write(LAPIC_LVT0, LVT_MASKED);
	lapic_write(LAPIC_LVT1, LVT_MASKED);
	lapic_write(0x320, LVT_MASKED);
	ioapic_mask_all();
	for (unsigned g = 0; g < 24; g++)
		testdev_set(g, 0);
	outb(0x70, 0x0b);
	outb(0x71, 0x02); /* RTC: no interrupt enables */
	outb(0x3f9, 0x00); /* UART: IER 0, 8N1, DTR|RTS, no loopback */
	outb(0x3fb, 0x03);
	outb(0x3fc, 0x03);
}

int guest_main(void)
{
	parse_cmdline();
	unsigned ncpus = rt_boot->ncpus < MAX_CPUS ? rt_boot->ncpus : MAX_CPUS;
	ram_end = (uint64_t)rt_boot->mem_mib << 20;
	rt_printf("hostile: seed=%lu secs=%lu ops=%lu cpus=%u\n", (unsigned long)seed,
		  (unsigned long)secs, (unsigned long)max_ops, ncpus);
	calibrate_tsc();
	rt_printf("hostile: tsc %lu kHz\n", (unsigned long)tsc_per_ms);
	check_identity_map();
	lapic_enable();
	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	lapic_write(LAPIC_LVT1, LVT_NMI);
	pic_init(0x20, 0x28, false);
	ioapic_mask_all();
	check_rep_io();
	for (unsigned v = 0x20; v < 0x100; v++)
		rt_set_handler(v, on_irq);
	rt_set_handler(2, on_nmi);
	rt_set_handler(14, on_page_fault);
	rt_set_handler(1, on_debug);
	rt_start_aps();
	hammer(0);
	stop = 1;
	for (unsigned long i = 0; ap_done + 1 < ncpus && i < 400000000ul; i++)
		cpu_relax();
	quiesce();
	/* Late deliveries (this KVM can be ~1 ms late) still find a handler. */
	rt_settle(200);
	uint64_t tot[10] = {0};
	for (unsigned c = 0; c < ncpus; c++) {
		const struct stats *s = &st[c];
		rt_printf("hostile: cpu %u: ops %lu outs %lu ins %lu reps %lu (%lu elements) mmio w %lu r %lu "
			  "irqs %lu nmis %lu denied %lu #DB %lu\n", c, (unsigned long)s->ops, (unsigned long)s->outs,
			  (unsigned long)s->ins, (unsigned long)s->reps, (unsigned long)s->rep_elems,
			  (unsigned long)s->mmio_w, (unsigned long)s->mmio_r, (unsigned long)s->irqs,
			  (unsigned long)s->nmis, (unsigned long)s->dropped, (unsigned long)s->dbs);
		tot[0] += s->ops;
		tot[1] += s->irqs;
		tot[2] += s->nmis;
		tot[3] += s->reps;
	}
	CHECK(ap_done + 1 >= ncpus, "every cpu finished", "%u of %u", ap_done + 1, ncpus);
	CHECK(tot[0] > 0 && tot[3] > 0, "operations ran", "%lu ops, %lu rep", (unsigned long)tot[0],
	      (unsigned long)tot[3]);
	rt_printf("hostile: survived: seed=%lu %lu ops, %lu interrupts, %lu NMIs\n", (unsigned long)seed,
		  (unsigned long)tot[0], (unsigned long)tot[1], (unsigned long)tot[2]);
	rt_finish("hostile");
}
