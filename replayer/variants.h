/* SPDX-License-Identifier: MIT */
/*
 * Model variants for what-if replay (`irqrr replay --model KEY=VALUE`):
 * documented alternative chip behaviours applied to the board after each
 * keyframe is loaded. The replay then shows where the outcome first differs.
 */
#ifndef IRQRR_VARIANTS_H
#define IRQRR_VARIANTS_H

#include <stdio.h>

#include "chips/board.h"

#define VARIANTS_MAX 8

struct variant_set {
	unsigned n;
	struct {
		unsigned id;      /* index in the table */
		unsigned value;
	} v[VARIANTS_MAX];
};

/* Parse "KEY=VALUE" and add it to the set; returns NULL or an error. */
const char *variant_parse(struct variant_set *set, const char *spec);
/* Apply every variant of the set to a loaded board. */
void variant_apply(const struct variant_set *set, struct board *b);
/* The table, one line per variant with its values and meaning. */
void variant_list(FILE *f);

#endif
