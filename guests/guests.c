/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "guests.h"

#define IMAGE(id) extern const uint8_t guest_image_##id[]; extern const size_t guest_image_##id##_size;
IMAGE(demo)
#undef IMAGE

static struct builtin_guest table[] = {
	{"demo", "PIT at 1 kHz via PIC/LINT0 then IOAPIC, level line with EOI (default)", guest_image_demo, 0, 1},
};

static void fill_sizes(void)
{
	table[0].size = guest_image_demo_size;
}

const struct builtin_guest *builtin_guest_list(size_t *count)
{
	fill_sizes();
	*count = sizeof(table) / sizeof(table[0]);
	return table;
}

const struct builtin_guest *builtin_guest_find(const char *name)
{
	size_t n;
	const struct builtin_guest *g = builtin_guest_list(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].name, name))
			return &g[i];
	return NULL;
}
