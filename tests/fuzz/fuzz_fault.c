/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the --fault SPEC grammar (chips/fault.c): the bytes (up
 * to 255, cut at the first NUL) are a spec. A refused spec has a one-line
 * message. An accepted one formats to its canonical form, which parses to
 * the same fault and formats to itself; it is added to a fresh board that
 * then runs a short fixed workload touching every hook (PIT ticks, a level
 * and an edge line on its target, EOIs, a reset): the fault fires at most
 * once, and the state saves, loads and saves again to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_check.h"
#include "chips/board.h"
#include "chips/explain.h"
#include "chips/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void null_sink(void *ctx, const struct irq_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void check_saves(const struct board *b)
{
	static uint8_t s1[8192], s2[8192];
	static struct board l;
	size_t n = board_save(b, s1, sizeof(s1));
	FUZZ_CHECK(n > 0 && n == board_state_size(b), "save: %zu bytes", n);
	board_init_blank(&l);
	const char *why = board_load(&l, s1, n);
	FUZZ_CHECK(!why, "load: %s", why);
	FUZZ_CHECK(board_save(&l, s2, sizeof(s2)) == n && !memcmp(s1, s2, n), "save after load differs");
}

static void workload(struct board *b, unsigned pin)
{
	uint64_t t = 1000;
	/* PIT channel 0, mode 2, 10 kHz */
	board_pio_write(b, t, 0x43, 0x34);
	board_pio_write(b, t, 0x40, 119);
	board_pio_write(b, t, 0x40, 0);
	/* the target pin level-triggered, vector 0x40; pin 2 edge, 0x30 */
	board_mmio_write(b, t, IOAPIC_BASE, 0x10 + 2 * pin);
	board_mmio_write(b, t, IOAPIC_BASE + 0x10, 0x8040);
	board_mmio_write(b, t, IOAPIC_BASE, 0x10 + 2 * 2);
	board_mmio_write(b, t, IOAPIC_BASE + 0x10, pin == 2 ? 0x8040 : 0x0030);
	for (unsigned k = 0; k < 12; k++) {
		t += 100000;
		board_set_irq(b, t, pin, 1);
		board_set_irq(b, t + 10, pin, 0);
		board_eoi(b, t + 20, 0x40, 0);
		board_eoi(b, t + 30, 0x30, 0);
		if (k == 6) {
			check_saves(b);
			board_reset(b, t + 40);
			board_mmio_write(b, t + 50, IOAPIC_BASE, 0x10 + 2 * pin);
			board_mmio_write(b, t + 50, IOAPIC_BASE + 0x10, 0x8040);
		}
	}
	board_advance(b, 3000000000ull);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board b;
	char spec[256], canon[BOARD_FAULT_SPEC_MAX], again[BOARD_FAULT_SPEC_MAX];
	struct board_fault f, g;
	if (size >= sizeof(spec))
		size = sizeof(spec) - 1;
	memcpy(spec, data, size);
	spec[size] = 0;
	const char *why = board_fault_parse(spec, &f);
	if (why) {
		FUZZ_CHECK(why[0] && !strchr(why, '\n'), "refusal without a one-line message");
		return 0;
	}
	size_t n = board_fault_format(&f, canon, sizeof(canon));
	FUZZ_CHECK(n < sizeof(canon), "canonical spec of %zu bytes", n);
	why = board_fault_parse(canon, &g);
	FUZZ_CHECK(!why, "canonical spec %s refused: %s", canon, why);
	FUZZ_CHECK(!memcmp(&f, &g, sizeof(f)), "%s parses to another fault", canon);
	board_fault_format(&g, again, sizeof(again));
	FUZZ_CHECK(!strcmp(canon, again), "%s formats as %s", canon, again);

	struct board_config cfg;
	board_config_default(&cfg);
	FUZZ_CHECK(board_init(&b, &cfg, null_sink, NULL) == 0, "board_init");
	board_keep_history(&b);
	FUZZ_CHECK(board_add_fault(&b, &f) == 0, "board_add_fault refused %s", canon);
	workload(&b, f.target);
	FUZZ_CHECK(board_faults_fired(&b) <= 1, "fired %u times", board_faults_fired(&b));
	const struct board_fault *h = board_fault_at(&b, 0);
	FUZZ_CHECK(!h->nth || h->count <= h->nth, "count %llu past nth %llu", (unsigned long long)h->count,
		   (unsigned long long)h->nth);
	char text[200];
	board_fault_describe(h, text, sizeof(text));
	FUZZ_CHECK(text[0] && !strchr(text, '\n'), "description");
	for (unsigned line = 0; line < BOARD_GSIS; line++) {
		struct board_why w;
		board_explain_line(&b, line, NULL, &w);
	}
	check_saves(&b);
	return 0;
}
