/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the replay engine (replayer/replay.c): the bytes are a
 * trace (the seed corpus holds valid traces of real board runs, which the
 * fuzzer mutates; with -Dfuzz=true the reader skips CRCs so mutations reach
 * keyframes and records). Replays it whole and from a middle event, prints
 * any divergence, and loads the state at a few events. Whatever the input:
 * no crash, an outcome of identical / diverged / unusable, a divergence
 * record exactly when diverged, a message exactly when unusable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "irqrr/trace.h"
#include "replayer/replay.h"

#define FUZZ_MAX_VIRTUAL_NS 1000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull(void)
{
	static FILE *f;
	if (!f)
		f = fopen("/dev/null", "w");
	FUZZ_CHECK(f != NULL, "cannot open /dev/null");
	return f;
}

static void replay_once(struct trace_reader *r, uint64_t from)
{
	struct replay_opts o;
	struct replay_result res;
	replay_opts_default(&o);
	o.from = from;
	int rc = replay_trace(r, &o, &res);
	FUZZ_CHECK(rc == (int)res.outcome, "replay_trace returned %d, outcome %d", rc, res.outcome);
	switch (res.outcome) {
	case REPLAY_IDENTICAL:
		FUZZ_CHECK(res.div == NULL, "identical with a divergence");
		break;
	case REPLAY_DIVERGED:
		FUZZ_CHECK(res.div != NULL, "diverged without a divergence");
		replay_print_divergence(res.div, devnull());
		break;
	case REPLAY_UNUSABLE:
		FUZZ_CHECK(res.div == NULL && res.message[0], "unusable without a message");
		break;
	default:
		FUZZ_CHECK(0, "outcome %d", res.outcome);
	}
	replay_result_free(&res);
}

static uint64_t max_record_time(struct trace_reader *r)
{
	uint64_t max_t = 0;
	for (size_t i = 0; i < trace_reader_chunk_count(r); i++) {
		struct trace_chunk *c = trace_reader_load_chunk(r, i);
		struct trace_record rec;
		if (!c)
			continue;
		while (trace_chunk_next(c, &rec) == 1)
			max_t = rec.t > max_t ? rec.t : max_t;
		trace_chunk_free(c);
	}
	return max_t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct trace_reader *r = trace_reader_open_mem(data, size, "fuzz", err, sizeof err);
	if (!r)
		return 0;
	/* Replaying re-creates every PIT edge up to each recorded time, so a
	 * forged record years ahead over a fast timer takes ages (not a crash;
	 * docs/FUZZING.md "Time jumps"): replay only traces whose records stay
	 * within a second of virtual time. */
	if (max_record_time(r) > FUZZ_MAX_VIRTUAL_NS) {
		trace_reader_close(r);
		return 0;
	}
	uint64_t events = trace_reader_event_count(r);
	replay_once(r, 0);
	if (events > 1)
		replay_once(r, events / 2);

	struct board *b = malloc(sizeof *b);
	FUZZ_CHECK(b != NULL, "out of memory");
	const uint64_t at[] = { 0, events / 3, events ? events - 1 : 0, events };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		board_init_blank(b);
		if (replay_state_at(r, at[i], b, err, sizeof err) == 0)
			board_print_state(b, devnull());
		else
			FUZZ_CHECK(err[0], "state_at failed without a message");
	}
	free(b);
	trace_reader_close(r);
	return 0;
}
