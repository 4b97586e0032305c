/* SPDX-License-Identifier: MIT */
/* The built-in guests embedded in the irqrr binary. */
#ifndef IRQRR_GUESTS_H
#define IRQRR_GUESTS_H

#include <stddef.h>
#include <stdint.h>

struct builtin_guest {
	const char *name;
	const char *summary;
	const uint8_t *image; /* flat image, loaded and entered at 1 MiB */
	size_t size;
	unsigned min_cpus;    /* the guest fails with fewer */
};

/* NULL when there is no such guest. */
const struct builtin_guest *builtin_guest_find(const char *name);
/* The table, default guest first. */
const struct builtin_guest *builtin_guest_list(size_t *count);

#endif
