/* SPDX-License-Identifier: MIT */
#include "variants.h"

#include <stdlib.h>
#include <string.h>

struct variant {
	const char *key;
	const char *values[3]; /* value names; index = the value */
	const char *doc;
	void (*apply)(struct board *b, unsigned value);
};

static void set_literal_edge(struct board *b, unsigned v)
{
	b->s.pic.chip[0].literal_edge = (uint8_t)v;
	b->s.pic.chip[1].literal_edge = (uint8_t)v;
}

static void set_lint0(struct board *b, unsigned v)
{
	b->cfg.lint0_bsp_only = (uint8_t)v;
}

static const struct variant table[] = {
	{ "pic.literal_edge", { "0", "1", NULL },
	  "1: an edge request withdrawn before INTA is lost and INTA returns the "
	  "spurious IR7/IR15 vector, as the 8259A datasheet describes (default 0: "
	  "the edge stays latched in IRR, what every VMM does)",
	  set_literal_edge },
	{ "lint0", { "broadcast", "bsp", NULL },
	  "bsp: the PIC's INT reaches vCPU 0 only (the old in-kernel KVM "
	  "behaviour); broadcast: every vCPU whose LVT0 accepts it",
	  set_lint0 },
};

#define NVARIANTS (sizeof(table) / sizeof(table[0]))

const char *variant_parse(struct variant_set *set, const char *spec)
{
	const char *eq = strchr(spec, '=');
	if (!eq)
		return "expected KEY=VALUE (irqrr replay --list-models)";
	for (unsigned i = 0; i < NVARIANTS; i++) {
		if (strlen(table[i].key) != (size_t)(eq - spec) || strncmp(table[i].key, spec, (size_t)(eq - spec)))
			continue;
		for (unsigned v = 0; v < 3 && table[i].values[v]; v++) {
			if (strcmp(table[i].values[v], eq + 1))
				continue;
			if (set->n == VARIANTS_MAX)
				return "too many --model options";
			set->v[set->n].id = i;
			set->v[set->n].value = v;
			set->n++;
			return NULL;
		}
		return "unknown value for this model key (irqrr replay --list-models)";
	}
	return "unknown model key (irqrr replay --list-models)";
}

void variant_apply(const struct variant_set *set, struct board *b)
{
	for (unsigned i = 0; set && i < set->n; i++)
		table[set->v[i].id].apply(b, set->v[i].value);
}

void variant_list(FILE *f)
{
	for (unsigned i = 0; i < NVARIANTS; i++) {
		fprintf(f, "%s=", table[i].key);
		for (unsigned v = 0; v < 3 && table[i].values[v]; v++)
			fprintf(f, "%s%s", v ? "|" : "", table[i].values[v]);
		fprintf(f, "\n    %s\n", table[i].doc);
	}
}
