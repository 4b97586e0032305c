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

static void set_cw_keeps_counting(struct board *b, unsigned v)
{
	b->s.pit.cw_keeps_counting = (uint8_t)v;
	/* the board caches PIT channel 0's next edge; it is unchanged until
	 * the next PIT access, which recomputes it */
}

static void set_poll_no_0x80(struct board *b, unsigned v)
{
	b->s.pic.chip[0].poll_no_0x80 = (uint8_t)v;
	b->s.pic.chip[1].poll_no_0x80 = (uint8_t)v;
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
	{ "pit.cw_keeps_counting", { "0", "1", NULL },
	  "1: a control word that reprograms a running counter with its current "
	  "mode (and BCD setting) does not stop it; it keeps counting its old count "
	  "until the next count write (QEMU/KVM; conformance checklist C3). Default "
	  "0: the 8254 datasheet, counting stops until a new count is written",
	  set_cw_keeps_counting },
	{ "pic.poll_no_0x80", { "0", "1", NULL },
	  "1: the OCW3 poll word is the IR level without bit 7, and 0x07 when "
	  "nothing is pending (KVM/crosvm; checklist Q2). Default 0: the 8259A "
	  "datasheet, bit 7 set when a request was pending, 0x00 otherwise",
	  set_poll_no_0x80 },
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
