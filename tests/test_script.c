/* SPDX-License-Identifier: MIT */
/* The chip script language: parsing, errors, output format, round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "replayer/script.h"

static struct board_config cfg1;

static int setup(void **state)
{
	board_config_default(&cfg1);
	return 0;
}

static void parse_ok(const char *line, struct script_cmd *cmd)
{
	char err[200] = "";
	if (script_parse_line(line, &cfg1, cmd, err, sizeof(err)))
		fail_msg("'%s': %s", line, err);
}

static const char *parse_err(const char *line, const struct board_config *cfg)
{
	static char err[200];
	struct script_cmd cmd;
	err[0] = '\0';
	assert_int_equal(script_parse_line(line, cfg ? cfg : &cfg1, &cmd, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	return err;
}

static void every_command_parses(void **state)
{
	struct script_cmd c;
	parse_ok("time 1000", &c);
	assert_int_equal(c.ev.kind, EV_TIME);
	assert_int_equal(c.ev.t, 1000);
	parse_ok("out 0x20 0x11", &c);
	assert_int_equal(c.ev.kind, EV_PIO_WRITE);
	assert_int_equal(c.ev.u.pio.port, 0x20);
	assert_int_equal(c.ev.u.pio.value, 0x11);
	parse_ok("  in\t0x61  # comment", &c);
	assert_int_equal(c.ev.kind, EV_PIO_READ);
	assert_int_equal(c.ev.u.pio.port, 0x61);
	parse_ok("mmiow 0xfec00010 0x00010031", &c);
	assert_int_equal(c.ev.kind, EV_MMIO_WRITE);
	assert_int_equal(c.ev.u.mmio.addr, 0xfec00010);
	assert_int_equal(c.ev.u.mmio.value, 0x10031);
	parse_ok("mmior 0xfec00000", &c);
	assert_int_equal(c.ev.kind, EV_MMIO_READ);
	parse_ok("irq 16 1", &c);
	assert_int_equal(c.ev.kind, EV_IRQ);
	assert_int_equal(c.ev.u.irq.gsi, 16);
	assert_int_equal(c.ev.u.irq.level, 1);
	parse_ok("intack", &c);
	assert_int_equal(c.ev.kind, EV_INTACK);
	assert_int_equal(c.ev.u.intack.cpu, 0);
	parse_ok("eoi 0x31", &c);
	assert_int_equal(c.ev.kind, EV_EOI);
	assert_int_equal(c.ev.u.eoi.vector, 0x31);
	parse_ok("lvt0 0 nmi", &c);
	assert_int_equal(c.ev.kind, EV_LVT);
	assert_int_equal(c.ev.u.lvt.value, 0x400);
	parse_ok("lvt0 0 extint", &c);
	assert_int_equal(c.ev.u.lvt.value, 0x700);
	parse_ok("lvt0 0 masked", &c);
	assert_int_equal(c.ev.u.lvt.value, 0x10000);
	parse_ok("lvt0 0 fixed 0x41", &c);
	assert_int_equal(c.ev.u.lvt.value, 0x41);
	parse_ok("lvt1 0 0x10400", &c);
	assert_int_equal(c.ev.u.lvt.pin, 1);
	assert_int_equal(c.ev.u.lvt.value, 0x10400);
	parse_ok("reset", &c);
	assert_int_equal(c.ev.kind, EV_RESET);
	parse_ok("state", &c);
	assert_int_equal(c.op, SCRIPT_STATE);
	parse_ok("# only a comment", &c);
	assert_int_equal(c.op, SCRIPT_NONE);
	parse_ok("", &c);
	assert_int_equal(c.op, SCRIPT_NONE);
	/* C number syntax: decimal, hex, octal */
	parse_ok("out 32 017", &c);
	assert_int_equal(c.ev.u.pio.port, 32);
	assert_int_equal(c.ev.u.pio.value, 15);
	parse_ok("board cpus=4 ioapic=0x11 imr=0xff lint0=bsp", &c);
	assert_int_equal(c.op, SCRIPT_BOARD);
	assert_int_equal(c.cfg.ncpus, 4);
	assert_int_equal(c.cfg.ioapic_version, 0x11);
	assert_int_equal(c.cfg.pic_imr_reset, 0xff);
	assert_int_equal(c.cfg.lint0_bsp_only, 1);
}

static void bad_lines_name_the_problem(void **state)
{
	assert_non_null(strstr(parse_err("frobnicate 1", NULL), "unknown command"));
	assert_non_null(strstr(parse_err("out 0x20", NULL), "missing value"));
	assert_non_null(strstr(parse_err("out 0x20 0x100", NULL), "out of range"));
	assert_non_null(strstr(parse_err("out 0x10000 1", NULL), "out of range"));
	assert_non_null(strstr(parse_err("out 0x20 1 2", NULL), "takes 2 arguments"));
	assert_non_null(strstr(parse_err("in", NULL), "missing port"));
	assert_non_null(strstr(parse_err("in zz", NULL), "not a number"));
	assert_non_null(strstr(parse_err("in 0x2g", NULL), "bad port"));
	assert_non_null(strstr(parse_err("irq 24 1", NULL), "out of range"));
	assert_non_null(strstr(parse_err("irq 3 2", NULL), "out of range"));
	assert_non_null(strstr(parse_err("intack 1", NULL), "out of range")); /* 1 cpu */
	assert_non_null(strstr(parse_err("eoi 0x100", NULL), "out of range"));
	assert_non_null(strstr(parse_err("lvt0 0 sideways", NULL), "bad LVT mode"));
	assert_non_null(strstr(parse_err("lvt0 0", NULL), "missing LVT mode"));
	assert_non_null(strstr(parse_err("time -5", NULL), "not a number"));
	assert_non_null(strstr(parse_err("time 99999999999999999999999", NULL), "bad time"));
	assert_non_null(strstr(parse_err("board cpus=0", NULL), "cpus"));
	assert_non_null(strstr(parse_err("board cpus=65", NULL), "out of range"));
	assert_non_null(strstr(parse_err("board ioapic=0x12", NULL), "0x11 or 0x20"));
	assert_non_null(strstr(parse_err("board colour=blue", NULL), "unknown key"));
	assert_non_null(strstr(parse_err("board cpus", NULL), "KEY=VALUE"));
	char longline[600];
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_non_null(strstr(parse_err(longline, NULL), "too long"));
}

/* Run a script from a string; returns the status, output in *out. */
static int run(const char *script, char **out, char **err)
{
	size_t olen, elen;
	FILE *in = fmemopen((void *)script, strlen(script), "r");
	FILE *o = open_memstream(out, &olen), *e = open_memstream(err, &elen);
	assert_non_null(in);
	int rc = script_run(in, "t.script", &cfg1, o, e, NULL);
	fclose(in);
	fclose(o);
	fclose(e);
	return rc;
}

static void errors_stop_with_the_line_number(void **state)
{
	char *out, *err;
	assert_int_equal(run("out 0x21 0xff\nin 0x21\nbogus\nin 0x21\n", &out, &err), 2);
	assert_string_equal(err, "irqrr: t.script:3: unknown command 'bogus'\n");
	assert_string_equal(out, "in 0x21 = 0xff\n"); /* output up to the error stays */
	free(out);
	free(err);
	assert_int_equal(run("time 100\ntime 50\n", &out, &err), 2);
	assert_non_null(strstr(err, "t.script:2: time 50 is before the current time 100"));
	free(out);
	free(err);
	assert_int_equal(run("in 0x20\nboard cpus=2\n", &out, &err), 2);
	assert_non_null(strstr(err, "t.script:2: 'board' must come before"));
	free(out);
	free(err);
	assert_int_equal(run("in 0x20\n\0in 0x21\n", &out, &err), 0); /* fmemopen stops at NUL */
	free(out);
	free(err);
}

static const char linux_pit_10ms[] =
	"out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n"
	"out 0xa0 0x11\nout 0xa1 0x38\nout 0xa1 0x02\nout 0xa1 0x01\n"
	"out 0x43 0x34\nout 0x40 0xa9\nout 0x40 0x04\n"
	"time 10000000\n";

static unsigned count_lines(const char *text, const char *needle)
{
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* The acceptance scenario: exactly 10 IRQ0 rising edges in 10 ms. */
static void linux_pic_pit_prints_ten_rising_edges(void **state)
{
	char *out, *err;
	assert_int_equal(run(linux_pit_10ms, &out, &err), 0);
	assert_int_equal(count_lines(out, " wire irq0 1\n"), 10);
	assert_int_equal(count_lines(out, " wire irq0 0\n"), 10);
	/* The first: load on CLK 1, rise after 1193 CLKs: tick 1194 at 1000686 ns. */
	assert_non_null(strstr(out, "t=1000686 wire irq0 1\nt=1000686 wire pic.int 1\n"
				    "t=1000686 lint0 cpu=0 extint level=1\n"));
	assert_string_equal(err, "");
	free(out);
	free(err);
}

static void output_line_formats(void **state)
{
	char *out, *err;
	const char *s = "board cpus=2\n"
			"out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n"
			"mmiow 0xfec00000 0x12\nmmiow 0xfec00010 0x8931\n"  /* pin 1: level, logical, lowest */
			"mmiow 0xfec00000 0x13\nmmiow 0xfec00010 0x03000000\n"
			"lvt0 1 nmi\n"
			"time 5\nirq 1 1\n"
			"in 0x20\nmmior 0xfec00010\nintack 1\n";
	assert_int_equal(run(s, &out, &err), 0);
	assert_string_equal(out,
			    "t=5 apic dest=0x3 vec=0x31 lowest level destmode=logical pin=1\n"
			    "t=5 wire pic.int 1\n"
			    "t=5 lint0 cpu=0 extint level=1\n"
			    "t=5 lint0 cpu=1 nmi level=1\n"
			    "in 0x20 = 0x2\n"
			    "mmior 0xfec00010 = 0x3000000\n"
			    "intack = 0x31\n"
			    "t=5 wire pic.int 0\n"
			    "t=5 lint0 cpu=0 extint level=0\n");
	free(out);
	free(err);
}

/* Every input formatted back parses to the same event. */
static void format_input_round_trips(void **state)
{
	static const char *lines[] = {
		"reset", "time 123456789", "out 0x4d1 0xde", "in 0x61", "mmiow 0xfec00040 0x31",
		"mmior 0xfec00010", "irq 23 1", "intack 0", "eoi 0xff 0", "lvt0 0 0x10700",
		"lvt1 0 0x400",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct script_cmd a, b;
		char buf[128];
		parse_ok(lines[i], &a);
		assert_true(script_format_input(&a.ev, buf, sizeof(buf)) > 0);
		parse_ok(buf, &b);
		assert_true(irq_event_equal(&a.ev, &b.ev));
	}
	struct irq_event out = { .kind = EV_WIRE };
	char buf[64];
	assert_int_equal(script_format_input(&out, buf, sizeof(buf)), 0);
	struct board_config c;
	board_config_default(&c);
	c.ncpus = 3;
	c.lint0_bsp_only = 1;
	script_format_config(&c, buf, sizeof(buf));
	struct script_cmd b;
	parse_ok(buf, &b);
	assert_int_equal(b.cfg.ncpus, 3);
	assert_int_equal(b.cfg.lint0_bsp_only, 1);
	/* CMOS RAM bytes are configuration too */
	char cmos[256];
	assert_int_equal(script_format_cmos(&c, cmos, sizeof(cmos)), 0);
	c.cmos[0x15] = 0x80;
	c.cmos[0x7f] = 0x01;
	assert_true(script_format_cmos(&c, cmos, sizeof(cmos)) > 0);
	assert_string_equal(cmos, "cmos 0x15 0x80\ncmos 0x7f 0x1\n");
	assert_int_equal(script_format_cmos(&c, cmos, 10), 0);
}

/* The board line takes every model variant of chips/variants.c by its key
 * and value names: the configuration ones into cfg, the chips' ones into
 * the command; a bad key or value is an error naming it. */
static void board_line_takes_the_model_variants(void **state)
{
	(void)state;
	struct script_cmd c;
	parse_ok("board hpet=on hpet.qemu_wrap=1 pic.poll_no_0x80=0 lint0=bsp", &c);
	assert_int_equal(c.op, SCRIPT_BOARD);
	assert_int_equal(c.cfg.hpet, 1);
	assert_int_equal(c.cfg.lint0_bsp_only, 1);
	assert_int_equal(c.variants_set, (1u << BOARD_VARIANT_HPET_QEMU_WRAP) |
						 (1u << BOARD_VARIANT_PIC_POLL_NO_0X80));
	assert_int_equal(c.variant[BOARD_VARIANT_HPET_QEMU_WRAP], 1);
	assert_int_equal(c.variant[BOARD_VARIANT_PIC_POLL_NO_0X80], 0);
	/* every key of the table, with each of its values */
	for (unsigned v = 0; v < BOARD_VARIANTS; v++) {
		for (unsigned k = 0; board_variant_value_name((enum board_variant)v, k); k++) {
			char line[100];
			snprintf(line, sizeof(line), "board %s=%s", board_variant_key((enum board_variant)v),
				 board_variant_value_name((enum board_variant)v, k));
			parse_ok(line, &c);
			struct board_config cfg = cfg1;
			if (board_config_set_variant(&cfg, (enum board_variant)v, k) == 0) {
				assert_memory_equal(&c.cfg, &cfg, sizeof(cfg));
				assert_int_equal(c.variants_set, 0);
			} else {
				assert_int_equal(c.variants_set, 1u << v);
				assert_int_equal(c.variant[v], k);
			}
		}
	}
	assert_string_equal(parse_err("board hpet.qemu_wrap=2", NULL), "hpet.qemu_wrap must be 0 or 1");
	assert_string_equal(parse_err("board hpet.clock=1ghz", NULL),
			    "hpet.clock must be 100mhz or 14.318mhz");
	assert_non_null(strstr(parse_err("board hpet.qemu_wrapped=1", NULL),
			       "unknown key 'hpet.qemu_wrapped'"));
	assert_non_null(strstr(parse_err("board pic.literal_edge", NULL), "KEY=VALUE"));
	/* the longest board line: every key once */
	parse_ok("board cpus=2 ioapic=0x11 imr=0xff rtc=0 pic.literal_edge=1 lint0=bsp "
		 "pit.cw_keeps_counting=1 pic.poll_no_0x80=1 hpet=on hpet.clock=14.318mhz "
		 "hpet.val_set_one_write=1 hpet.qemu_wrap=1 hpet.qemu_past=1", &c);
	assert_int_equal(c.variants_set, (1u << BOARD_VARIANTS) - 1 - (1u << BOARD_VARIANT_LINT0) -
						 (1u << BOARD_VARIANT_HPET) - (1u << BOARD_VARIANT_HPET_CLOCK));
}

/* A board line's variant reaches the board the script runs on, and a later
 * board line keeps it unless it sets it again (checklist Q2: the poll word). */
static void board_line_variants_reach_the_board(void **state)
{
	(void)state;
	static const char pic[] = "out 0x20 0x11\nout 0x21 0x20\nout 0x21 0x04\nout 0x21 0x01\n"
				  "irq 5 1\nout 0x20 0x0c\nin 0x20\n";
	static const struct { const char *board; const char *poll; } cases[] = {
		{ "", "in 0x20 = 0x85\n" },
		{ "board pic.poll_no_0x80=1\n", "in 0x20 = 0x5\n" },
		{ "board pic.poll_no_0x80=1\nboard cpus=2\n", "in 0x20 = 0x5\n" },
		{ "board pic.poll_no_0x80=1\nboard pic.poll_no_0x80=0\n", "in 0x20 = 0x85\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char script[512], *out, *err;
		snprintf(script, sizeof(script), "%s%s", cases[i].board, pic);
		assert_int_equal(run(script, &out, &err), 0);
		assert_string_equal(err, "");
		assert_non_null(strstr(out, cases[i].poll));
		free(out);
		free(err);
	}
	char *out, *err;
	assert_int_equal(run("board hpet=on\nboard hpet.qemu_past=yes\n", &out, &err), 2);
	assert_string_equal(err, "irqrr: t.script:2: hpet.qemu_past must be 0 or 1\n");
	free(out);
	free(err);
}

/* script_format_board: the configuration line and the chips' variants that
 * are not 0, which parse back to the same. */
static void format_board_writes_the_variants(void **state)
{
	(void)state;
	char buf[400];
	unsigned variant[BOARD_VARIANTS] = { 0 };
	struct board_config c = cfg1;
	c.hpet = 1;
	c.lint0_bsp_only = 1;
	variant[BOARD_VARIANT_HPET_QEMU_PAST] = 1;
	variant[BOARD_VARIANT_PIT_CW_KEEPS_COUNTING] = 1;
	variant[BOARD_VARIANT_LINT0] = 1; /* configuration: the line has lint0= already */
	assert_true(script_format_board(&c, variant, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "board cpus=1 ioapic=0x20 imr=0x0 lint0=bsp rtc=1767225600 hpet=on "
				 "hpet.clock=100mhz pit.cw_keeps_counting=1 hpet.qemu_past=1");
	struct script_cmd b;
	parse_ok(buf, &b);
	assert_memory_equal(&b.cfg, &c, sizeof(c));
	assert_int_equal(b.variants_set, (1u << BOARD_VARIANT_HPET_QEMU_PAST) |
						 (1u << BOARD_VARIANT_PIT_CW_KEEPS_COUNTING));
	assert_int_equal(script_format_board(&c, variant, buf, 100), 0); /* too small */
	char plain[400];
	script_format_config(&c, plain, sizeof(plain));
	script_format_board(&c, NULL, buf, sizeof(buf));
	assert_string_equal(buf, plain);
}

/* `cmos` sets a power-on CMOS byte (configuration): it reads back, the board
 * starts at power-on with it, and it must precede the first command. */
static void cmos_lines_configure_the_board(void **state)
{
	char *out, *err;
	assert_int_equal(run("cmos 0x34 0x12\nboard cpus=2\nout 0x70 0x34\nin 0x71\n", &out, &err), 0);
	assert_string_equal(out, "in 0x71 = 0x12\n");
	free(out);
	free(err);
	assert_int_equal(run("in 0x71\ncmos 0x34 0x12\n", &out, &err), 2);
	assert_non_null(strstr(err, "t.script:2: 'cmos' must come before the first command"));
	free(out);
	free(err);
	assert_non_null(strstr(parse_err("cmos 0x0a 1", NULL), "clock register"));
	assert_non_null(strstr(parse_err("cmos 0x80 1", NULL), "out of range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_command_parses),
		cmocka_unit_test(bad_lines_name_the_problem),
		cmocka_unit_test(errors_stop_with_the_line_number),
		cmocka_unit_test(linux_pic_pit_prints_ten_rising_edges),
		cmocka_unit_test(output_line_formats),
		cmocka_unit_test(format_input_round_trips),
		cmocka_unit_test(cmos_lines_configure_the_board),
		cmocka_unit_test(board_line_takes_the_model_variants),
		cmocka_unit_test(board_line_variants_reach_the_board),
		cmocka_unit_test(format_board_writes_the_variants),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
