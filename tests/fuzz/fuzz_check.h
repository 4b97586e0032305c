/* SPDX-License-Identifier: MIT */
/* Invariant checks shared by the fuzz targets: a failed check prints what
 * broke and aborts, which libFuzzer (and the plain driver's test) reports
 * as a crash with the input saved. Active in every build, unlike assert. */
#ifndef IRQRR_FUZZ_CHECK_H
#define IRQRR_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                      \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, \
				__LINE__, #cond);                                  \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)

#endif
