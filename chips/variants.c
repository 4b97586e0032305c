/* SPDX-License-Identifier: MIT */
#include "variants.h"

#include <string.h>

struct variant_info {
	const char *key;
	const char *values[3]; /* index = the value */
	const char *doc;
};

static const struct variant_info table[BOARD_VARIANTS] = {
	[BOARD_VARIANT_PIC_LITERAL_EDGE] = { "pic.literal_edge", { "0", "1", NULL },
	  "1: an edge request withdrawn before INTA is lost and INTA returns the "
	  "spurious IR7/IR15 vector, as the 8259A datasheet describes (default 0: "
	  "the edge stays latched in IRR, what every VMM does)" },
	[BOARD_VARIANT_LINT0] = { "lint0", { "broadcast", "bsp", NULL },
	  "bsp: the PIC's INT reaches vCPU 0 only (the old in-kernel KVM "
	  "behaviour); broadcast: every vCPU whose LVT0 accepts it" },
	[BOARD_VARIANT_PIT_CW_KEEPS_COUNTING] = { "pit.cw_keeps_counting", { "0", "1", NULL },
	  "1: a control word that reprograms a running counter with its current "
	  "mode (and BCD setting) does not stop it; it keeps counting its old count "
	  "until the next count write (QEMU/KVM; conformance checklist C3). Default "
	  "0: the 8254 datasheet, counting stops until a new count is written" },
	[BOARD_VARIANT_PIC_POLL_NO_0X80] = { "pic.poll_no_0x80", { "0", "1", NULL },
	  "1: the OCW3 poll word is the IR level without bit 7, and 0x07 when "
	  "nothing is pending (KVM/crosvm; checklist Q2). Default 0: the 8259A "
	  "datasheet, bit 7 set when a request was pending, 0x00 otherwise" },
	[BOARD_VARIANT_HPET] = { "hpet", { "off", "on", NULL },
	  "on: the board has an IA-PC HPET at 0xfed00000 (docs/chips-hpet.md); "
	  "off (the board's default): that window is not decoded. Board "
	  "configuration, set before the first input (setting it resets the HPET)" },
	[BOARD_VARIANT_HPET_CLOCK] = { "hpet.clock", { "100mhz", "14.318mhz", NULL },
	  "the HPET's counter clock: 100 MHz, period 10 ns (QEMU's; default) or "
	  "14.31818 MHz, period 69.841279 ns (Intel ICH). Set before the first "
	  "input (setting it resets the HPET)" },
	[BOARD_VARIANT_HPET_VAL_SET_ONE_WRITE] = { "hpet.val_set_one_write", { "0", "1", NULL },
	  "1: the HPET's Tn_VAL_SET_CNF clears after any comparator write, so a "
	  "periodic 64-bit accumulator written as two 32-bit halves gets only its "
	  "low half; the high half goes to the period (QEMU; docs/chips-hpet.md "
	  "D1). Default 0: VAL_SET lasts until the value is complete (an 8-byte "
	  "write, the high half, or the low half of a 32-bit comparator)" },
	[BOARD_VARIANT_HPET_QEMU_WRAP] = { "hpet.qemu_wrap", { "0", "1", NULL },
	  "1: a 32-bit HPET one-shot (timer 1, or 32MODE) programmed while the "
	  "low counter will wrap before its match also interrupts at the wrap "
	  "(the counter's low 32 bits at 0xffffffff), once (QEMU's wrap_flag; "
	  "docs/chips-hpet.md D2). Default 0: only the comparator match interrupts" },
	[BOARD_VARIANT_HPET_QEMU_PAST] = { "hpet.qemu_past", { "0", "1", NULL },
	  "1: an HPET one-shot whose comparator is written at or behind the "
	  "counter (signed difference) fires one tick later (QEMU; "
	  "docs/chips-hpet.md D3). Default 0: it fires when the counter comes "
	  "round to it (2^32 ticks in 32-bit mode, never in 64-bit mode)" },
};

const char *board_variant_key(enum board_variant v)
{
	return (unsigned)v < BOARD_VARIANTS ? table[v].key : NULL;
}

const char *board_variant_value_name(enum board_variant v, unsigned value)
{
	if ((unsigned)v >= BOARD_VARIANTS || value >= 2)
		return NULL;
	return table[v].values[value];
}

const char *board_variant_parse(const char *spec, enum board_variant *v, unsigned *value)
{
	const char *eq = strchr(spec, '=');
	if (!eq)
		return "expected KEY=VALUE";
	for (unsigned i = 0; i < BOARD_VARIANTS; i++) {
		if (strlen(table[i].key) != (size_t)(eq - spec) || strncmp(table[i].key, spec, (size_t)(eq - spec)))
			continue;
		*v = (enum board_variant)i;
		for (unsigned k = 0; table[i].values[k]; k++) {
			if (!strcmp(table[i].values[k], eq + 1)) {
				*value = k;
				return NULL;
			}
		}
		return "unknown value for this model key";
	}
	return "unknown model key";
}

int board_config_set_variant(struct board_config *cfg, enum board_variant v, unsigned value)
{
	if (!board_variant_value_name(v, value))
		return -1;
	switch (v) {
	case BOARD_VARIANT_LINT0:
		cfg->lint0_bsp_only = (uint8_t)value;
		return 0;
	case BOARD_VARIANT_HPET:
		cfg->hpet = (uint8_t)value;
		return 0;
	case BOARD_VARIANT_HPET_CLOCK:
		cfg->hpet_clock = (uint8_t)value;
		return 0;
	default:
		return 1;
	}
}

int board_set_variant(struct board *b, enum board_variant v, unsigned value)
{
	int r = board_config_set_variant(&b->cfg, v, value);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (v == BOARD_VARIANT_HPET || v == BOARD_VARIANT_HPET_CLOCK)
			board_hpet_configure(b);
		if (v == BOARD_VARIANT_LINT0)
			board_lint0_changed(b);
		return 0;
	}
	uint8_t x = (uint8_t)value;
	switch (v) {
	case BOARD_VARIANT_PIC_LITERAL_EDGE:
		pic_pair_set_literal_edge(&b->s.pic, x);
		break;
	case BOARD_VARIANT_PIT_CW_KEEPS_COUNTING:
		/* changes no counting now: it acts at the next control word for
		 * channel 0, which recomputes the board's cached next edge */
		b->s.pit.cw_keeps_counting = x;
		break;
	case BOARD_VARIANT_PIC_POLL_NO_0X80:
		b->s.pic.chip[0].poll_no_0x80 = b->s.pic.chip[1].poll_no_0x80 = x;
		break;
	case BOARD_VARIANT_HPET_VAL_SET_ONE_WRITE:
		b->s.hpet.val_set_one_write = x;
		break;
	/* the HPET's armed extra events follow at its next reprogramming */
	case BOARD_VARIANT_HPET_QEMU_WRAP:
		b->s.hpet.qemu_wrap = x;
		break;
	case BOARD_VARIANT_HPET_QEMU_PAST:
		b->s.hpet.qemu_past = x;
		break;
	default:
		return -1;
	}
	return 0;
}

unsigned board_get_variant(const struct board *b, enum board_variant v)
{
	switch (v) {
	case BOARD_VARIANT_PIC_LITERAL_EDGE:
		return b->s.pic.chip[0].literal_edge;
	case BOARD_VARIANT_LINT0:
		return b->cfg.lint0_bsp_only;
	case BOARD_VARIANT_PIT_CW_KEEPS_COUNTING:
		return b->s.pit.cw_keeps_counting;
	case BOARD_VARIANT_PIC_POLL_NO_0X80:
		return b->s.pic.chip[0].poll_no_0x80;
	case BOARD_VARIANT_HPET:
		return b->cfg.hpet;
	case BOARD_VARIANT_HPET_CLOCK:
		return b->cfg.hpet_clock;
	case BOARD_VARIANT_HPET_VAL_SET_ONE_WRITE:
		return b->s.hpet.val_set_one_write;
	case BOARD_VARIANT_HPET_QEMU_WRAP:
		return b->s.hpet.qemu_wrap;
	case BOARD_VARIANT_HPET_QEMU_PAST:
		return b->s.hpet.qemu_past;
	default:
		return 0;
	}
}

void board_variant_list(FILE *f)
{
	for (unsigned i = 0; i < BOARD_VARIANTS; i++) {
		fprintf(f, "%s=", table[i].key);
		for (unsigned k = 0; table[i].values[k]; k++)
			fprintf(f, "%s%s", k ? "|" : "", table[i].values[k]);
		fprintf(f, "\n    %s\n", table[i].doc);
	}
}
