/* SPDX-License-Identifier: MIT */
/*
 * hpet: the board's IA-PC HPET (docs/chips-hpet.md) through its registers:
 * capabilities, the main counter (halted writes, running writes ignored),
 * comparator read-back (64-bit, 32-bit timer 1, 32MODE), level delivery on
 * IOAPIC pin 20 and GINTR_STA (set without INT_ENB, write 1 to clear, a
 * line re-delivered until cleared), periodic edge in legacy replacement
 * (timer 0 -> IRQ0/pin 2, the PIT cut off), the 32-bit timer 1 one-shot on
 * IRQ8 across the low counter's wrap, 32MODE periodic with VAL_SET (Linux's
 * sequence), and FSB messages (edge one-shot, periodic, level). Time is
 * measured on the HPET's own counter, so the checks hold at any speed.
 *
 * Under --irqchip kernel the board is KVM's, which has no HPET: the window
 * reads all ones, and the guest checks that and stops there.
 */
#include "rt.h"

#define HPET 0xfed00000ull
#define GCAP 0x000
#define GEN_CONF 0x010
#define GINTR_STA 0x020
#define MAIN_CNT 0x0f0
#define TCONF(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))
#define TFSB(n) (0x110 + 0x20 * (n))

#define ENABLE 1u
#define LEGACY 2u
#define T_LEVEL 0x002u
#define T_ENB 0x004u
#define T_PERIODIC 0x008u
#define T_PER_CAP 0x010u
#define T_SIZE_CAP 0x020u
#define T_VAL_SET 0x040u
#define T_32MODE 0x100u
#define T_ROUTE(p) ((uint64_t)(p) << 9)
#define T_FSB_EN 0x4000u
#define T_FSB_CAP 0x8000u

#define RTE_ACTIVE_LOW (1ull << 13)
#define VEC_IRQ0 0x40  /* IOAPIC pin 2 */
#define VEC_IRQ8 0x41  /* IOAPIC pin 8 */
#define VEC_PIN20 0x42 /* IOAPIC pin 20, level, active low */
#define VEC_FSB 0x43

static inline uint64_t rd64(unsigned off) { return *(volatile uint64_t *)(HPET + off); }
static inline void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(HPET + off) = v; }
static inline uint32_t rd32(unsigned off) { return mmio_read32(HPET + off); }
static inline void wr32(unsigned off, uint32_t v) { mmio_write32(HPET + off, v); }

static uint64_t tpm; /* counter ticks per millisecond */
static uint64_t dest;

static volatile unsigned irq0_hits, irq8_hits, pin20_hits, fsb_hits;
static volatile unsigned pin20_clear_at; /* the handler clears GINTR_STA bit 2 at this hit */
static volatile unsigned pin20_sta_seen;
static volatile uint64_t irq0_cmp[16];

static void on_irq0(struct rt_frame *f)
{
	(void)f;
	if (irq0_hits < 16)
		irq0_cmp[irq0_hits] = rd64(TCMP(0));
	irq0_hits++;
	lapic_eoi();
}

static void on_irq8(struct rt_frame *f)
{
	(void)f;
	irq8_hits++;
	lapic_eoi();
}

static void on_pin20(struct rt_frame *f)
{
	(void)f;
	if (rd32(GINTR_STA) & 4)
		pin20_sta_seen++;
	if (++pin20_hits >= pin20_clear_at)
		wr32(GINTR_STA, 4);
	lapic_eoi();
}

static void on_fsb(struct rt_frame *f)
{
	(void)f;
	fsb_hits++;
	lapic_eoi();
}

/* Wait, interrupts enabled, until the running counter has moved `ticks` on
 * (or `*counter` reached `target`, when counter is not NULL). Bounded by a
 * number of reads in case the counter does not run. Waits for a count get
 * 2 s of counter time: the counter is the host's time, and a vCPU the host
 * does not run for a while (a loaded machine; seen: 300 ms) misses edges,
 * which coalesce in the local APIC's IRR, while the board sends every one. */
static bool wait_ticks(uint64_t ticks, volatile unsigned *counter, unsigned target)
{
	uint64_t start = rd64(MAIN_CNT);
	bool ok = false;
	sti();
	for (unsigned long i = 0; i < 2000000; i++) {
		if (counter && *counter >= target) {
			ok = true;
			break;
		}
		if (rd64(MAIN_CNT) - start >= ticks) {
			/* an interrupt taken during that read counts */
			ok = !counter || *counter >= target;
			break;
		}
	}
	cli();
	return ok;
}

/* Program a timer against a halted counter, as Linux does (its periodic
 * set-up stops the counter): a VM exit may take longer than the delta
 * (the nested test bed), and a comparator written behind the counter
 * fires only after a wrap (D3). hold() halts the counter, go() restarts
 * it with GEN_CONF's other bits. */
static uint64_t held_conf;

static void hold(void)
{
	held_conf = rd64(GEN_CONF);
	wr64(GEN_CONF, held_conf & ~(uint64_t)ENABLE);
}

static void go(void)
{
	wr64(GEN_CONF, held_conf | ENABLE);
}

static void stop_all(void)
{
	for (unsigned n = 0; n < 3; n++)
		wr64(TCONF(n), 0);
	wr32(GINTR_STA, 7);
}

static bool test_caps(void)
{
	uint64_t cap = rd64(GCAP);
	if (rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL) {
		CHECK(cap == ~0ull, "no HPET under --irqchip kernel (KVM has none)", "GCAP_ID %#lx",
		      (unsigned long)cap);
		return false;
	}
	uint32_t period = (uint32_t)(cap >> 32);
	CHECK((cap & 0xff) == 1 && ((cap >> 8) & 0x1f) == 2 && (cap & (1u << 13)) && (cap & (1u << 15)) &&
	      ((cap >> 16) & 0xffff) == 0x8086, "GCAP_ID: rev 1, 3 timers, 64-bit, legacy capable, 8086",
	      "%#lx", (unsigned long)cap);
	CHECK(period == 10000000u || period == 69841279u, "counter period", "%u fs", period);
	if (period != 10000000u && period != 69841279u)
		return false;
	tpm = 1000000000000ull / period;
	uint64_t c0 = rd64(TCONF(0)), c1 = rd64(TCONF(1)), c2 = rd64(TCONF(2));
	CHECK((c0 & (T_PER_CAP | T_SIZE_CAP | T_FSB_CAP)) == (T_PER_CAP | T_SIZE_CAP | T_FSB_CAP) &&
	      (c1 & (T_PER_CAP | T_SIZE_CAP | T_FSB_CAP)) == T_FSB_CAP &&
	      (c2 & (T_PER_CAP | T_SIZE_CAP | T_FSB_CAP)) == T_SIZE_CAP && (c0 >> 32) == 0x00f00000u,
	      "timer capabilities", "t0 %#lx t1 %#lx t2 %#lx", (unsigned long)c0, (unsigned long)c1,
	      (unsigned long)c2);
	return true;
}

static void test_counter(void)
{
	wr64(GEN_CONF, 0);
	wr64(MAIN_CNT, 0x123400000000ull);
	uint64_t c = rd64(MAIN_CNT);
	CHECK(c == 0x123400000000ull, "MAIN_CNT written while halted", "%#lx", (unsigned long)c);
	rt_io_delay(20);
	CHECK(rd64(MAIN_CNT) == c, "MAIN_CNT does not move while halted", "%#lx", (unsigned long)rd64(MAIN_CNT));
	wr64(GEN_CONF, ENABLE);
	wait_ticks(tpm / 10, NULL, 0);
	wr64(MAIN_CNT, 5); /* ignored while running (D12) */
	uint64_t r = rd64(MAIN_CNT);
	CHECK(r > 0x123400000000ull, "MAIN_CNT runs, a write while running is ignored", "%#lx", (unsigned long)r);
	wr64(GEN_CONF, 0);
	c = rd64(MAIN_CNT);
	rt_io_delay(20);
	CHECK(rd64(MAIN_CNT) == c && c >= r, "disabling keeps the value reached", "%#lx then %#lx",
	      (unsigned long)c, (unsigned long)rd64(MAIN_CNT));
	/* 32-bit halves */
	wr32(MAIN_CNT, 0x89abcdef);
	wr32(MAIN_CNT + 4, 0x7);
	CHECK(rd64(MAIN_CNT) == 0x789abcdefull && rd32(MAIN_CNT + 4) == 7, "MAIN_CNT 32-bit halves", "%#lx",
	      (unsigned long)rd64(MAIN_CNT));
	wr64(MAIN_CNT, 0);
}

static void test_comparators(void)
{
	wr64(TCMP(0), 0x123456789abcdef0ull);
	CHECK(rd64(TCMP(0)) == 0x123456789abcdef0ull, "timer 0 64-bit comparator read-back", "%#lx",
	      (unsigned long)rd64(TCMP(0)));
	wr32(TCMP(0) + 4, 0x0badcafe);
	CHECK(rd64(TCMP(0)) == 0x0badcafe9abcdef0ull, "timer 0 comparator high half", "%#lx",
	      (unsigned long)rd64(TCMP(0)));
	wr64(TCMP(1), 0xffffffff00001234ull);
	CHECK(rd64(TCMP(1)) == 0x1234, "timer 1 is 32-bit: high half reads 0", "%#lx", (unsigned long)rd64(TCMP(1)));
	wr64(TCONF(0), T_32MODE);
	CHECK(rd64(TCMP(0)) == 0x9abcdef0ull && (rd64(TCONF(0)) & T_32MODE), "32MODE truncates timer 0",
	      "cmp %#lx conf %#lx", (unsigned long)rd64(TCMP(0)), (unsigned long)rd64(TCONF(0)));
	wr32(TCMP(0) + 4, 0x55);
	CHECK(rd32(TCMP(0) + 4) == 0, "32MODE: high-half write ignored", "%#x", rd32(TCMP(0) + 4));
	wr64(TCONF(0), T_ROUTE(21));
	wr64(TCONF(0), T_ROUTE(5)); /* not in INT_ROUTE_CAP: not stored (D10) */
	CHECK(((rd64(TCONF(0)) >> 9) & 0x1f) == 21, "INT_ROUTE outside the cap is not stored", "conf %#lx",
	      (unsigned long)rd64(TCONF(0)));
	wr64(TCONF(1), T_SIZE_CAP | T_PER_CAP | T_PERIODIC);
	CHECK(!(rd64(TCONF(1)) & (T_SIZE_CAP | T_PER_CAP | T_PERIODIC)), "timer 1: no periodic mode, caps read-only",
	      "conf %#lx", (unsigned long)rd64(TCONF(1)));
	stop_all();
}

/* Timer 2, one-shot 64-bit, level on IOAPIC pin 20 (active low: wired-OR
 * with the PCI INTx). */
static void test_level(void)
{
	ioapic_set_rte(20, VEC_PIN20 | RTE_LEVEL | RTE_ACTIVE_LOW | dest);
	wr64(GEN_CONF, ENABLE);
	/* a status bit is set at the match with INT_ENB clear (D4), no interrupt */
	hold();
	wr64(TCONF(2), T_LEVEL | T_ROUTE(20));
	wr64(TCMP(2), rd64(MAIN_CNT) + tpm / 2);
	go();
	wait_ticks(tpm, NULL, 0);
	uint32_t sta = rd32(GINTR_STA);
	CHECK(sta == 4 && pin20_hits == 0, "level match with INT_ENB clear: status set, no interrupt",
	      "GINTR_STA %#x, %u interrupts", sta, pin20_hits);
	wr32(GINTR_STA, 0);
	CHECK(rd32(GINTR_STA) == 4, "GINTR_STA: writing 0 clears nothing", "%#x", rd32(GINTR_STA));
	/* enabling a timer whose status is set raises its line; the handler
	 * leaves the status set once: the line stays asserted and the IOAPIC
	 * delivers again after the EOI */
	pin20_clear_at = 2;
	wr64(TCONF(2), T_LEVEL | T_ENB | T_ROUTE(20));
	bool got = wait_ticks(2000 * tpm, &pin20_hits, 2);
	wait_ticks(2 * tpm, NULL, 0);
	unsigned n = pin20_hits;
	/* an EOI at injection (kvm_pvm) lets one more through (docs/recorder.md) */
	CHECK(got && n >= 2 && n <= 3 && pin20_sta_seen >= 2,
	      "level: enabling a set status interrupts, re-delivered until GINTR_STA cleared",
	      "%u interrupts, status seen set in %u", n, pin20_sta_seen);
	wait_ticks(3 * tpm, NULL, 0);
	CHECK(pin20_hits == n && rd32(GINTR_STA) == 0 && !(ioapic_get_rte(20) & RTE_REMOTE_IRR),
	      "level: quiet once cleared, 64-bit one-shot does not fire again",
	      "%u more, GINTR_STA %#x, rte %#lx", pin20_hits - n, rd32(GINTR_STA),
	      (unsigned long)ioapic_get_rte(20));
	/* a second one-shot, cleared at the first delivery */
	pin20_clear_at = pin20_hits + 1;
	n = pin20_hits;
	hold();
	wr64(TCMP(2), rd64(MAIN_CNT) + tpm / 2);
	go();
	got = wait_ticks(2000 * tpm, &pin20_hits, n + 1);
	wait_ticks(2 * tpm, NULL, 0);
	CHECK(got && pin20_hits - n <= 2 && rd32(GINTR_STA) == 0, "level one-shot, cleared in the handler",
	      "%u interrupts, GINTR_STA %#x", pin20_hits - n, rd32(GINTR_STA));
	/* level -> edge clears the status and drops the line (D5) */
	hold();
	wr64(TCONF(2), T_LEVEL | T_ROUTE(20));
	wr64(TCMP(2), rd64(MAIN_CNT) + tpm / 4);
	go();
	wait_ticks(tpm, NULL, 0);
	bool set = rd32(GINTR_STA) == 4;
	wr64(TCONF(2), T_ROUTE(20));
	CHECK(set && rd32(GINTR_STA) == 0, "level -> edge clears the status bit", "was %d, now %#x", set,
	      rd32(GINTR_STA));
	stop_all();
	ioapic_set_rte(20, RTE_MASKED);
}

/* Legacy replacement: timer 0 periodic edge on IRQ0 (pin 2), whatever its
 * INT_ROUTE says; the PIT cut off. */
static void test_legacy_periodic(void)
{
	ioapic_set_rte(2, VEC_IRQ0 | dest);
	ioapic_set_rte(8, VEC_IRQ8 | dest);
	/* the PIT at 1 kHz on IRQ0, cut off by LEG_RT_CNF */
	wr64(GEN_CONF, ENABLE | LEGACY);
	pit_periodic(1000);
	irq0_hits = 0;
	wait_ticks(10 * tpm, NULL, 0);
	CHECK(irq0_hits == 0, "legacy replacement cuts the PIT off IRQ0", "%u interrupts in 10 ms", irq0_hits);
	wr64(GEN_CONF, ENABLE);
	bool got = wait_ticks(2000 * tpm, &irq0_hits, 3);
	CHECK(got, "the PIT reaches IRQ0 again without legacy replacement", "%u interrupts", irq0_hits);
	pit_stop();
	wait_ticks(2 * tpm, NULL, 0);

	wr64(GEN_CONF, ENABLE | LEGACY);
	irq0_hits = 0;
	uint64_t period = tpm;
	hold();
	wr64(TCONF(0), T_PERIODIC | T_VAL_SET | T_ENB | T_ROUTE(20));
	uint64_t first = rd64(MAIN_CNT) + period;
	wr64(TCMP(0), first);
	wr64(TCMP(0), period);
	go();
	got = wait_ticks(2000 * period, &irq0_hits, 10);
	wr64(TCONF(0), 0);
	/* each handler reads the comparator some time after its match (two
	 * may read the same value when the vCPU was late): on the grid
	 * first + k * period, never behind, and moving on */
	bool steps = irq0_cmp[9] > irq0_cmp[0];
	for (unsigned i = 0; i < 10; i++) {
		if (irq0_cmp[i] <= first || (irq0_cmp[i] - first) % period ||
		    (i && irq0_cmp[i] < irq0_cmp[i - 1]))
			steps = false;
	}
	CHECK(got && steps, "periodic timer 0 in legacy mode on IRQ0; the comparator steps by the period",
	      "%u interrupts, cmp %#lx %#lx %#lx", irq0_hits, (unsigned long)irq0_cmp[0],
	      (unsigned long)irq0_cmp[1], (unsigned long)irq0_cmp[2]);
	CHECK(rd32(GINTR_STA) == 0, "edge timers leave GINTR_STA clear", "%#x", rd32(GINTR_STA));
	unsigned n = irq0_hits;
	wait_ticks(5 * period, NULL, 0);
	CHECK(irq0_hits - n <= 1, "periodic stops when disabled", "%u more", irq0_hits - n);

	/* 32MODE periodic with VAL_SET, as Linux programs it */
	irq0_hits = 0;
	hold();
	wr64(TCONF(0), T_PERIODIC | T_VAL_SET | T_32MODE | T_ENB);
	wr32(TCMP(0), (uint32_t)rd64(MAIN_CNT) + (uint32_t)period);
	wr32(TCMP(0), (uint32_t)period);
	go();
	got = wait_ticks(2000 * period, &irq0_hits, 5);
	wr64(TCONF(0), 0);
	CHECK(got, "32MODE periodic with VAL_SET (Linux's sequence)", "%u interrupts", irq0_hits);
	stop_all();
}

/* The 32-bit timer 1: a one-shot on IRQ8 that matches after the low
 * counter wraps, once (no extra wrap interrupt: D2), while the 64-bit main
 * counter carries. */
static void test_32bit_wrap(void)
{
	wr64(GEN_CONF, LEGACY);
	wr64(MAIN_CNT, 0xffffffffull - tpm);
	irq8_hits = 0;
	wr64(TCONF(1), T_ENB);
	wr64(TCMP(1), tpm); /* 2 ms from now, after the wrap */
	wr64(GEN_CONF, ENABLE | LEGACY);
	bool got = wait_ticks(2000 * tpm, &irq8_hits, 1);
	uint64_t at = rd64(MAIN_CNT);
	wait_ticks(5 * tpm, NULL, 0);
	CHECK(got && irq8_hits == 1 && at > 0xffffffffull + tpm,
	      "32-bit one-shot on IRQ8: one interrupt after the wrap, none at it",
	      "%u interrupts, counter %#lx", irq8_hits, (unsigned long)at);
	CHECK(rd64(TCMP(1)) == tpm, "one-shot comparator unchanged after the match", "%#lx",
	      (unsigned long)rd64(TCMP(1)));
	stop_all();
	wr64(GEN_CONF, 0);
	wr64(MAIN_CNT, 0);
	ioapic_set_rte(2, RTE_MASKED);
	ioapic_set_rte(8, RTE_MASKED);
}

/* FSB delivery: a message to this cpu's local APIC, no IOAPIC pin. */
static void test_fsb(void)
{
	uint64_t route = (uint64_t)(0xfee00000u | (uint32_t)rt_boot->apic_id[0] << 12) << 32 | VEC_FSB;
	wr64(GEN_CONF, ENABLE);
	wr64(TFSB(1), route);
	CHECK(rd64(TFSB(1)) == route, "FSB route read-back", "%#lx", (unsigned long)rd64(TFSB(1)));
	fsb_hits = 0;
	hold();
	wr64(TCONF(1), T_FSB_EN | T_ENB);
	wr32(TCMP(1), (uint32_t)rd64(MAIN_CNT) + (uint32_t)(tpm / 2));
	go();
	bool got = wait_ticks(2000 * tpm, &fsb_hits, 1);
	wait_ticks(2 * tpm, NULL, 0);
	CHECK(got && fsb_hits == 1 && rd32(GINTR_STA) == 0, "FSB edge one-shot: one message",
	      "%u messages, GINTR_STA %#x", fsb_hits, rd32(GINTR_STA));
	/* level FSB: one message, the status bit set, no line (D11) */
	hold();
	wr64(TCONF(1), T_FSB_EN | T_ENB | T_LEVEL);
	wr32(TCMP(1), (uint32_t)rd64(MAIN_CNT) + (uint32_t)(tpm / 2));
	go();
	got = wait_ticks(2000 * tpm, &fsb_hits, 2);
	wait_ticks(2 * tpm, NULL, 0);
	CHECK(got && fsb_hits == 2 && rd32(GINTR_STA) == 2, "FSB level one-shot: one message, status set",
	      "%u messages, GINTR_STA %#x", fsb_hits, rd32(GINTR_STA));
	wr32(GINTR_STA, 2);
	wr64(TCONF(1), 0);
	/* timer 0 periodic over FSB */
	wr64(TFSB(0), route);
	fsb_hits = 0;
	hold();
	wr64(TCONF(0), T_PERIODIC | T_VAL_SET | T_ENB | T_FSB_EN);
	wr64(TCMP(0), rd64(MAIN_CNT) + tpm);
	wr64(TCMP(0), tpm);
	go();
	got = wait_ticks(2000 * tpm, &fsb_hits, 5);
	wr64(TCONF(0), 0);
	CHECK(got, "FSB periodic timer 0", "%u messages", fsb_hits);
	stop_all();
	wr64(GEN_CONF, 0);
}

int guest_main(void)
{
	rt_printf("hpet: %s irqchip\n", rt_boot->irqchip == BOOTINFO_IRQCHIP_KERNEL ? "kernel" : "split");
	lapic_enable();
	pic_init(0x20, 0x28, false);
	pic_set_mask(0xffff);
	ioapic_mask_all();
	dest = (uint64_t)rt_boot->apic_id[0] << 56;
	rt_set_handler(VEC_IRQ0, on_irq0);
	rt_set_handler(VEC_IRQ8, on_irq8);
	rt_set_handler(VEC_PIN20, on_pin20);
	rt_set_handler(VEC_FSB, on_fsb);
	if (test_caps()) {
		test_counter();
		test_comparators();
		test_level();
		test_legacy_periodic();
		test_32bit_wrap();
		test_fsb();
	}
	rt_finish("hpet");
}
