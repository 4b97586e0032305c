/* SPDX-License-Identifier: MIT */
/*
 * Model variants: documented departures from the datasheets that peers
 * (QEMU, KVM, crosvm) make, as board configuration. Set through this API
 * only (never by writing chip fields); saved with the chips' state in every
 * keyframe (so a replay runs the variants it was recorded with), named in a
 * trace's header as "model.KEY", usable live (`run|record --model`) and in
 * replay (`replay --model`, what-if).
 */
#ifndef IRQRR_VARIANTS_CHIPS_H
#define IRQRR_VARIANTS_CHIPS_H

#include <stdio.h>

#include "board.h"

enum board_variant {
	BOARD_VARIANT_PIC_LITERAL_EDGE,   /* "pic.literal_edge" 0|1 */
	BOARD_VARIANT_LINT0,              /* "lint0" broadcast|bsp */
	BOARD_VARIANT_PIT_CW_KEEPS_COUNTING, /* "pit.cw_keeps_counting" 0|1 */
	BOARD_VARIANT_PIC_POLL_NO_0X80,   /* "pic.poll_no_0x80" 0|1 */
	BOARD_VARIANT_HPET,               /* "hpet" off|on (board configuration) */
	BOARD_VARIANT_HPET_CLOCK,         /* "hpet.clock" 100mhz|14.318mhz */
	BOARD_VARIANT_HPET_VAL_SET_ONE_WRITE, /* "hpet.val_set_one_write" 0|1 */
	BOARD_VARIANT_HPET_QEMU_WRAP,     /* "hpet.qemu_wrap" 0|1 */
	BOARD_VARIANT_HPET_QEMU_PAST,     /* "hpet.qemu_past" 0|1 */
	BOARD_VARIANTS
};

/* "KEY" and the name of each value (index = value; NULL-terminated). */
const char *board_variant_key(enum board_variant v);
const char *board_variant_value_name(enum board_variant v, unsigned value);
/* Parse "KEY=VALUE". Returns NULL, or a message naming what is wrong (with
 * a known key and an unknown value, *v is that key's variant). */
const char *board_variant_parse(const char *spec, enum board_variant *v, unsigned *value);
/* The variants that are board configuration (lint0, hpet, hpet.clock: fields
 * of struct board_config) set in cfg: returns 0; 1 (cfg untouched) for a
 * variant of the chips' state, set on a board only; -1 for an unknown
 * variant or value. */
int board_config_set_variant(struct board_config *cfg, enum board_variant v, unsigned value);
/* Returns 0, or -1 for an unknown variant or value. */
int board_set_variant(struct board *b, enum board_variant v, unsigned value);
unsigned board_get_variant(const struct board *b, enum board_variant v);
/* The table: one line per variant, its values and meaning. */
void board_variant_list(FILE *f);

#endif
