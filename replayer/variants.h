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
	/* what-if faults (`replay --fault SPEC`, chips/fault.h): added to the
	 * board of the replay's first keyframe, after any recorded faults */
	unsigned nfaults;
	struct board_fault faults[BOARD_FAULTS_MAX];
};

/* Parse "KEY=VALUE" and add it to the set; returns NULL or an error. */
const char *variant_parse(struct variant_set *set, const char *spec);
/* Parse a --fault SPEC and add it to the set; returns NULL or an error. */
const char *variant_parse_fault(struct variant_set *set, const char *spec);
/* Apply every variant of the set to a loaded board, and add its faults
 * (fresh: a what-if fault's progress is the replay's own). */
void variant_apply(const struct variant_set *set, struct board *b);
/* Before comparing the state a replay reached with a loaded keyframe: the
 * what-if faults' progress is the replay's (copied from b to kf). */
void variant_faults_follow(const struct variant_set *set, const struct board *b, struct board *kf);
/* The table, one line per variant with its values and meaning. */
void variant_list(FILE *f);

#endif
