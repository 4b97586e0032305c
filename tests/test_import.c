/* SPDX-License-Identifier: MIT */
/* The log parsers of irqrr import (import/, docs/import.md, issue 15): the
 * line formats and event mappings, one case each. Real logs are imported
 * and replayed by tests/cli/test_import.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "import/import.h"

/* Parse the lines (NULL-terminated) and finish; returns the log. */
static struct import_log *parse(enum import_format fmt, const char *const *lines, int want_finish)
{
	struct import_log *l = import_log_new(fmt);
	char err[300];
	assert_non_null(l);
	for (size_t i = 0; lines[i]; i++)
		assert_int_equal(import_log_line(l, lines[i], strlen(lines[i]), err, sizeof(err)), 0);
	assert_int_equal(import_log_finish(l, err, sizeof(err)), want_finish);
	return l;
}

/* The i-th input of the log (the parked PIT's first input skipped). */
static struct irq_event input(const struct import_log *l, size_t want)
{
	struct irq_event ev;
	const char *note;
	for (size_t i = 0, k = 0; i < import_log_count(l); i++) {
		if (import_log_item(l, i, &ev, &note) != 0)
			continue;
		if (i == 0 && ev.kind == EV_PIO_WRITE && ev.u.pio.port == 0x43)
			continue; /* the parked PIT */
		if (k++ == want)
			return ev;
	}
	fail_msg("no input %zu", want);
	return ev;
}

static size_t count_kind(const struct import_log *l, unsigned kind)
{
	struct irq_event ev;
	const char *note;
	size_t n = 0;
	for (size_t i = 0; i < import_log_count(l); i++)
		if (import_log_item(l, i, &ev, &note) != 2 && ev.kind == kind)
			n++;
	return n;
}

static void test_qemu_prefixes(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"7026@1796301341.134385:memory_region_ops_write cpu 0 mr 0x55 addr 0x20 value 0x11 size 1 name 'pic'",
		"2026-12-03T12:35:41.000010Z 7026@1796301341.134395:memory_region_ops_read cpu 0 mr 0x55 addr 0x21 value 0xfb size 1 name 'pic'",
		"memory_region_ops_write cpu 0 mr 0x55 addr 0x4d1 value 0xc size 1 name 'elcr'",
		NULL,
	};
	struct import_log *l = parse(IMPORT_QEMU_LOG, lines, 0);
	struct irq_event a = input(l, 0), b = input(l, 1), c = input(l, 2);
	assert_int_equal(a.kind, EV_PIO_WRITE);
	assert_int_equal(a.u.pio.port, 0x20);
	assert_int_equal(b.kind, EV_PIO_READ);
	assert_int_equal(b.u.pio.value, 0xfb);
	assert_int_equal(b.t - a.t, 10000); /* 10 us later */
	assert_int_equal(c.u.pio.port, 0x4d1);
	assert_int_equal(c.t, b.t); /* no time: never backwards */
	assert_int_equal(import_log_summary(l)->unknown, 0);
	import_log_free(l);
}

/* An MSI write in the APIC window right after IOAPIC work is a message;
 * a vCPU's LAPIC register write there is not. */
static void test_qemu_ioapic_message(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"1@1.000000:memory_region_ops_write cpu 0 mr 0x1 addr 0xfec00000 value 0x24 size 4 name 'ioapic'",
		"1@1.000001:memory_region_ops_write cpu 0 mr 0x1 addr 0xfee000b0 value 0x0 size 4 name 'apic-msi'",
		"2@1.000002:x86_gsi_interrupt GSI interrupt #12 level:1",
		"2@1.000003:ioapic_set_irq vector: 12 level: 1",
		"2@1.000004:memory_region_ops_write cpu 0 mr 0x2 addr 0xfee01004 value 0x8922 size 4 name 'apic-msi'",
		"2@1.000005:apic_deliver_irq dest 1 dest_mode 1 delivery_mode 1 vector 34 trigger_mode 1",
		NULL,
	};
	struct import_log *l = parse(IMPORT_QEMU_LOG, lines, 0);
	assert_int_equal(count_kind(l, EV_APIC_MSG), 1);
	struct irq_event ev;
	const char *note;
	size_t i = import_log_count(l);
	while (i-- && (import_log_item(l, i, &ev, &note) != 1))
		;
	assert_int_equal(ev.u.apic.dest, 1);
	assert_int_equal(ev.u.apic.destmode, 1);
	assert_int_equal(ev.u.apic.vector, 0x22);
	assert_int_equal(ev.u.apic.delivery, 1);
	assert_int_equal(ev.u.apic.trigger, 1);
	assert_int_equal(ev.u.apic.pin, IMPORT_PIN_UNKNOWN);
	assert_int_equal(ev.t, input(l, 1).t); /* at the line change's time */
	import_log_free(l);
}

/* Before the first vCPU event: dropped, the lines' levels kept at time 0. */
static void test_qemu_before_reset(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"5@1.000000:x86_gsi_interrupt GSI interrupt #0 level:1",
		"5@1.000001:x86_gsi_interrupt GSI interrupt #4 level:1",
		"5@1.000002:x86_gsi_interrupt GSI interrupt #4 level:0",
		"5@1.000003:memory_region_ops_write cpu -1 mr 0x2 addr 0xfee00000 value 0x0 size 4 name 'apic-msi'",
		"6@2.000000:pic_interrupt irq 7 intno 15",
		"6@2.000001:memory_region_ops_write cpu 0 mr 0x55 addr 0x20 value 0x11 size 1 name 'pic'",
		NULL,
	};
	struct import_log *l = parse(IMPORT_QEMU_LOG, lines, 0);
	struct irq_event a = input(l, 0), b = input(l, 1);
	assert_int_equal(a.kind, EV_IRQ);
	assert_int_equal(a.u.irq.gsi, 0);
	assert_int_equal(a.u.irq.level, 1);
	/* the INTACK came before any vCPU event: dropped too */
	assert_int_equal(b.kind, EV_PIO_WRITE);
	assert_int_equal(count_kind(l, EV_INTACK), 0);
	assert_int_equal(count_kind(l, EV_APIC_MSG), 0);
	assert_int_equal(count_kind(l, EV_IRQ), 1);
	import_log_free(l);
}

static void test_qemu_bad_lines(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"qemu-system-x86_64: terminating on signal 15",
		"1@1.0:x86_gsi_interrupt GSI interrupt #x level:1",
		"1@1.1:some_other_event whatever",
		"1@1.2:x86_gsi_interrupt GSI interrupt #3 level:1",
		"\xff\xfe garbage",
		NULL,
	};
	struct import_log *l = parse(IMPORT_QEMU_LOG, lines, 0);
	const struct import_summary *s = import_log_summary(l);
	assert_int_equal(s->unknown, 2);
	assert_int_equal(s->malformed, 1);
	assert_int_equal(s->nbad, 3);
	assert_int_equal(s->bad_line[0], 1);
	assert_int_equal(s->bad_line[1], 2);
	assert_int_equal(s->bad_line[2], 5);
	import_log_free(l);
	static const char *const none[] = { "hello", "1@1.1:some_other_event x", NULL };
	import_log_free(parse(IMPORT_QEMU_LOG, none, -1));
}

/* Two vCPUs interleaved; the [CPU] column is the host's. A vector the LAPIC
 * accepted is its injection, another one the 8259's INTA. Both formats of
 * kvm_inj_virq. */
static void test_ftrace_vcpus(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"# tracer: nop",
		" qemu-system-x86-10    [001] d..1.   10.000001: kvm_entry: vcpu 0, rip 0xfff0",
		" qemu-system-x86-11    [001] d..1.   10.000002: kvm_entry: vcpu 1, rip 0xfff0",
		" qemu-system-x86-11    [000] ...1.   10.000003: kvm_pic_set_irq: chip 0 pin 0 (edge)",
		" qemu-system-x86-10    [000] .....   10.000004: kvm_apic_accept_irq: apicid 1 vec 48 (Fixed|edge)",
		" qemu-system-x86-11    [001] .....   10.000005: kvm_inj_virq: IRQ 0x30",
		" qemu-system-x86-10    [001] .....   10.000006: kvm_inj_virq: IRQ 0x30",
		" qemu-system-x86-10    [001] .....   10.000007: kvm_inj_virq: IRQ 0x30 [reinjected]",
		" qemu-system-x86-11    [001] .....   10.000008: kvm_inj_virq: irq 8",
		" qemu-system-x86-11    [001] .....   10.000009: kvm_inj_virq: Soft/INTn 0x19",
		NULL,
	};
	struct import_log *l = parse(IMPORT_FTRACE, lines, 0);
	assert_int_equal(count_kind(l, EV_INTACK), 2);
	struct irq_event a = input(l, 0), b = input(l, 1);
	assert_int_equal(a.u.intack.cpu, 0);
	assert_int_equal(a.u.intack.vector, 0x30);
	assert_int_equal(b.u.intack.cpu, 1);
	assert_int_equal(b.u.intack.vector, 8);
	assert_int_equal(import_log_summary(l)->cpus, 2);
	assert_int_equal(import_log_summary(l)->checked,
			 IMPORT_CHECK_PIO_READ | IMPORT_CHECK_MMIO_READ | IMPORT_CHECK_INTACK);
	import_log_free(l);
}

/* trace-cmd report's layout; a line is the OR of its sources; IOAPIC MMIO
 * and LVT0 through kvm_mmio; kvm_eoi. */
static void test_ftrace_report(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"cpus=2",
		" qemu-system-x86-10  [000]    10.000001: kvm_entry:            vcpu 0, rip 0xfff0",
		"     kvm-pit/9-12    [000]    10.000002: kvm_set_irq:          gsi 0 level 1 source 2",
		" qemu-system-x86-10  [000]    10.000003: kvm_set_irq:          gsi 0 level 0 source 0",
		"     kvm-pit/9-12    [000]    10.000004: kvm_set_irq:          gsi 0 level 0 source 2",
		" qemu-system-x86-10  [000]    10.000005: kvm_mmio:             mmio write len 4 gpa 0xfec00000 val 0x1",
		" qemu-system-x86-10  [000]    10.000006: kvm_mmio:             mmio unsatisfied-read len 4 gpa 0xfec00010 val 0x0",
		" qemu-system-x86-10  [000]    10.000007: kvm_mmio:             mmio read len 4 gpa 0xfec00010 val 0x170011",
		" qemu-system-x86-10  [000]    10.000008: kvm_mmio:             mmio write len 4 gpa 0xfee00350 val 0x700",
		" qemu-system-x86-10  [000]    10.000009: kvm_eoi:              apicid 0 vector 48",
		" qemu-system-x86-10  [000]    10.000010: kvm_eoi:              apicid 0 vector -1",
		" qemu-system-x86-10  [000]    10.000011: kvm_pio:              pio_read at 0x40 size 1 count 1 val 0x12 ",
		NULL,
	};
	struct import_log *l = parse(IMPORT_FTRACE, lines, 0);
	struct irq_event ev[7];
	for (size_t i = 0; i < 7; i++)
		ev[i] = input(l, i);
	assert_int_equal(ev[0].u.irq.level, 1);
	assert_int_equal(ev[1].u.irq.level, 1); /* source 2 still asserts it */
	assert_int_equal(ev[2].u.irq.level, 0);
	assert_int_equal(ev[3].kind, EV_MMIO_WRITE);
	assert_int_equal(ev[4].kind, EV_MMIO_READ);
	assert_int_equal(ev[4].u.mmio.value, 0x170011);
	assert_int_equal(ev[5].kind, EV_LVT);
	assert_int_equal(ev[5].u.lvt.value, 0x700);
	assert_int_equal(ev[6].kind, EV_EOI);
	assert_int_equal(ev[6].u.eoi.vector, 48);
	assert_int_equal(count_kind(l, EV_EOI), 1);
	assert_int_equal(import_log_summary(l)->notes, 2); /* the PIT read, the parked PIT */
	assert_string_equal(import_log_tool(l), "trace-cmd report");
	assert_int_equal(import_log_summary(l)->malformed + import_log_summary(l)->unknown, 0);
	import_log_free(l);
}

static void test_checked_words(void **state)
{
	(void)state;
	char buf[80];
	import_checked_format(IMPORT_CHECK_PIO_READ | IMPORT_CHECK_APIC, buf, sizeof(buf));
	assert_string_equal(buf, "pio_read apic");
	assert_int_equal(import_checked_parse(buf), IMPORT_CHECK_PIO_READ | IMPORT_CHECK_APIC);
	import_checked_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_int_equal(import_checked_parse("none"), 0);
	assert_int_equal(import_format_parse("qemu-log"), IMPORT_QEMU_LOG);
	assert_int_equal(import_format_parse("ftrace"), IMPORT_FTRACE);
	assert_int_equal(import_format_parse("vmware"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_prefixes),
		cmocka_unit_test(test_qemu_ioapic_message),
		cmocka_unit_test(test_qemu_before_reset),
		cmocka_unit_test(test_qemu_bad_lines),
		cmocka_unit_test(test_ftrace_vcpus),
		cmocka_unit_test(test_ftrace_report),
		cmocka_unit_test(test_checked_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
