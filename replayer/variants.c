/* SPDX-License-Identifier: MIT */
#include "variants.h"

#include <string.h>

#include "chips/variants.h"

const char *variant_parse(struct variant_set *set, const char *spec)
{
	enum board_variant v;
	unsigned value;
	const char *why = board_variant_parse(spec, &v, &value);
	if (why) {
		/* the chips' message, with where to look */
		if (!strcmp(why, "expected KEY=VALUE"))
			return "expected KEY=VALUE (irqrr replay --list-models)";
		if (!strcmp(why, "unknown value for this model key"))
			return "unknown value for this model key (irqrr replay --list-models)";
		return "unknown model key (irqrr replay --list-models)";
	}
	if (set->n == VARIANTS_MAX)
		return "too many --model options";
	set->v[set->n].id = v;
	set->v[set->n].value = value;
	set->n++;
	return NULL;
}

void variant_apply(const struct variant_set *set, struct board *b)
{
	for (unsigned i = 0; set && i < set->n; i++)
		(void)board_set_variant(b, (enum board_variant)set->v[i].id, set->v[i].value);
}

void variant_list(FILE *f)
{
	board_variant_list(f);
}
