/* SPDX-License-Identifier: MIT */
/* Text and JSON renderings of trace records (`irqrr dump`, the hang report's
 * last events). In format/ so that the recorder prints a record as dump does
 * without linking the replayer. */
#ifndef IRQRR_EVENTFMT_H
#define IRQRR_EVENTFMT_H

#include <stddef.h>

#include "irqrr/trace.h"

/* A record kind's name, board or context ("irq", "console"), or NULL. */
const char *record_kind_name(unsigned kind);
/* The same, or "kind_0xNN" in buf for a kind this irqrr does not know (as
 * dump and stats show it). */
const char *record_kind_label(unsigned kind, char *buf, size_t len);

/* One-line text of a record (`dump --format text`), and JSON. */
size_t record_format_text(const struct trace_record *rec, char *buf, size_t len);
size_t record_format_json(const struct trace_record *rec, char *buf, size_t len);

#endif
