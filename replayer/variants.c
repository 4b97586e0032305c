/* SPDX-License-Identifier: MIT */
#include "variants.h"

#include <string.h>

#include "chips/variants.h"

/* Peer profiles: the variants that reproduce a peer's known departures
 * from the datasheet (docs/import.md), for replaying its imported log. */
static const struct {
	const char *name;
	const char *specs[4];
} profiles[] = {
	{ "qemu", { "pit.cw_keeps_counting=1", NULL } },
	{ "kvm", { "pit.cw_keeps_counting=1", "pic.poll_no_0x80=1", NULL } },
};

const char *variant_parse(struct variant_set *set, const char *spec)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		if (strcmp(spec, profiles[i].name))
			continue;
		for (size_t j = 0; profiles[i].specs[j]; j++) {
			const char *why = variant_parse(set, profiles[i].specs[j]);
			if (why)
				return why;
		}
		return NULL;
	}
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

const char *variant_parse_fault(struct variant_set *set, const char *spec)
{
	struct board_fault f;
	const char *why = board_fault_parse(spec, &f);
	if (why)
		return why;
	if (set->nfaults == BOARD_FAULTS_MAX)
		return "too many --fault options";
	set->faults[set->nfaults++] = f;
	return NULL;
}

void variant_faults_follow(const struct variant_set *set, const struct board *b, struct board *kf)
{
	if (set && set->nfaults && board_fault_count(b) == board_fault_count(kf))
		kf->s.faults = b->s.faults;
}

void variant_apply(const struct variant_set *set, struct board *b)
{
	for (unsigned i = 0; set && i < set->n; i++)
		(void)board_set_variant(b, (enum board_variant)set->v[i].id, set->v[i].value);
	for (unsigned i = 0; set && i < set->nfaults; i++)
		(void)board_add_fault(b, &set->faults[i]); /* beyond 4 in all: not added */
}

void variant_list(FILE *f)
{
	board_variant_list(f);
	fprintf(f, "peer profiles (for imported logs, docs/import.md):\n");
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		fprintf(f, "  %-6s =", profiles[i].name);
		for (size_t j = 0; profiles[i].specs[j]; j++)
			fprintf(f, " %s", profiles[i].specs[j]);
		fprintf(f, "\n");
	}
}
