/* SPDX-License-Identifier: MIT */
/*
 * The walk over a trace's records across chunk boundaries, which replay,
 * diff, export, reduce and the CLI's dump, stats and time windows share.
 * Built on the reader's public API only.
 */
#include <stdio.h>
#include <string.h>

#include "irqrr/trace.h"

void trace_iter_init(struct trace_iter *it, struct trace_reader *r, size_t first)
{
	memset(it, 0, sizeof *it);
	it->r = r;
	it->ci = first;
	it->nchunks = trace_reader_chunk_count(r);
}

static int iter_fail(struct trace_iter *it, int status, const char *msg)
{
	snprintf(it->err, sizeof it->err, "%s", msg);
	it->status = status;
	return status;
}

/* Have chunk it->ci in memory: 1, 0 past the last chunk, or the failure. */
static int iter_load(struct trace_iter *it)
{
	if (it->status)
		return it->status;
	if (it->c)
		return 1;
	if (it->ci >= it->nchunks)
		return 0;
	it->c = trace_reader_load_chunk(it->r, it->ci);
	if (!it->c)
		return iter_fail(it, TRACE_ITER_E_LOAD, trace_reader_error(it->r));
	return 1;
}

int trace_iter_next(struct trace_iter *it, struct trace_record *rec)
{
	int k;
	while ((k = iter_load(it)) == 1) {
		k = trace_chunk_next(it->c, rec);
		if (k == 1)
			return 1;
		if (k < 0)
			return iter_fail(it, TRACE_ITER_E_RECORD, trace_chunk_error(it->c));
		trace_chunk_free(it->c);
		it->c = NULL;
		it->ci++;
	}
	return k;
}

const struct trace_chunk *trace_iter_chunk(struct trace_iter *it)
{
	if (!it->c)
		(void)iter_load(it);
	return it->c;
}

size_t trace_iter_chunk_index(const struct trace_iter *it) { return it->ci; }

const char *trace_iter_error(const struct trace_iter *it) { return it->err; }

void trace_iter_end(struct trace_iter *it)
{
	trace_chunk_free(it->c);
	it->c = NULL;
	it->ci = it->nchunks;
}
