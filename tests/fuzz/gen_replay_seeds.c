/* SPDX-License-Identifier: MIT */
/*
 * Writes multi-chunk seed traces for fuzz_replay / fuzz_reader: runs a chip
 * script through script_run_record() with a small trace_writer_opts
 * chunk_events, so the trace has many chunks, each opening with a keyframe
 * of the board state at that point (mid-timer, mid-interrupt). The replayer
 * checks every keyframe against its own state, and replays from the middle
 * start at one: mutations of these seeds reach that code, which one-chunk
 * traces never do.
 *   gen_replay_seeds CHUNK_EVENTS SCRIPT OUT.irqrr
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chips/board.h"
#include "irqrr/trace.h"
#include "replayer/script.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s CHUNK_EVENTS SCRIPT OUT.irqrr\n", argv[0]);
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long ev = strtoul(argv[1], &end, 0);
	if (errno || *end || ev < 1 || ev > UINT32_MAX) {
		fprintf(stderr, "%s: bad CHUNK_EVENTS '%s'\n", argv[0], argv[1]);
		return 2;
	}
	FILE *in = fopen(argv[2], "r");
	if (!in) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[2], strerror(errno));
		return 2;
	}
	FILE *out = fopen("/dev/null", "w");
	if (!out) {
		fclose(in);
		return 2;
	}
	struct trace_writer_opts o;
	memset(&o, 0, sizeof o);
	o.chunk_events = (uint32_t)ev;
	struct board_config cfg;
	board_config_default(&cfg);
	int rc = script_run_record(in, argv[2], &cfg, out, stderr, argv[3], &o);
	fclose(out);
	fclose(in);
	return rc;
}
