/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the chip script language (replayer/script.c): the bytes
 * are a script, run on a fresh board by script_run with its output going to
 * /dev/null; then every line is parsed on its own and every input line that
 * parses is formatted back with script_format_input and parsed again, which
 * must give the same event (the `dump --format script` round trip); a
 * `board` line formats (script_format_board, with the model variants the
 * board lines set so far) to one that parses to the same configuration and
 * variants; a
 * `fault` line formats to its canonical spec, which parses to the same
 * fault.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "replayer/script.h"

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

/* cfg and variant: the board lines' configuration and chip variants so far. */
static uint64_t round_trip(const char *line, struct board_config *cfg, unsigned *variant)
{
	char err[200], buf[512];
	struct script_cmd cmd, again;
	if (script_parse_line(line, cfg, &cmd, err, sizeof err)) {
		FUZZ_CHECK(err[0] && memchr(err, 0, sizeof err), "parse error without a message");
		return 0;
	}
	if (cmd.op == SCRIPT_BOARD) {
		*cfg = cmd.cfg;
		for (unsigned v = 0; v < BOARD_VARIANTS; v++)
			if (cmd.variants_set & (1u << v))
				variant[v] = cmd.variant[v];
		size_t n = script_format_board(cfg, variant, buf, sizeof buf);
		FUZZ_CHECK(n > 0 && n < sizeof buf, "board line of length %zu", n);
		FUZZ_CHECK(script_parse_line(buf, cfg, &again, err, sizeof err) == 0,
			   "'%s' (from '%s') does not parse: %s", buf, line, err);
		FUZZ_CHECK(again.op == SCRIPT_BOARD &&
				   !memcmp(&again.cfg, &cmd.cfg, sizeof cmd.cfg),
			   "'%s' (from '%s') is another configuration", buf, line);
		for (unsigned v = 0; v < BOARD_VARIANTS; v++) {
			unsigned got = again.variants_set & (1u << v) ? again.variant[v] : 0;
			FUZZ_CHECK(got == variant[v], "'%s' (from '%s'): %s=%u, not %u", buf, line,
				   board_variant_key((enum board_variant)v), got, variant[v]);
		}
		return 0;
	}
	if (cmd.op == SCRIPT_FAULT) {
		char spec[BOARD_FAULT_SPEC_MAX];
		board_fault_format(&cmd.fault, spec, sizeof spec);
		snprintf(buf, sizeof buf, "fault %s", spec);
		FUZZ_CHECK(script_parse_line(buf, cfg, &again, err, sizeof err) == 0,
			   "'%s' (from '%s') does not parse: %s", buf, line, err);
		FUZZ_CHECK(again.op == SCRIPT_FAULT && !memcmp(&again.fault, &cmd.fault, sizeof cmd.fault),
			   "'%s' (from '%s') is another fault", buf, line);
		return 0;
	}
	if (cmd.op != SCRIPT_EVENT)
		return 0;
	size_t n = script_format_input(&cmd.ev, buf, sizeof buf);
	FUZZ_CHECK(n > 0 && n < sizeof buf, "input '%s' formats to length %zu", line, n);
	FUZZ_CHECK(script_parse_line(buf, cfg, &again, err, sizeof err) == 0,
		   "'%s' (from '%s') does not parse: %s", buf, line, err);
	FUZZ_CHECK(again.op == SCRIPT_EVENT && irq_event_equal(&again.ev, &cmd.ev),
		   "'%s' (from '%s') parses to another event", buf, line);
	return cmd.ev.kind == EV_TIME ? cmd.ev.t : 0;
}

/* Round-trip every line; returns the largest `time` seen. */
static uint64_t round_trip_all(const uint8_t *data, size_t size)
{
	struct board_config cfg;
	unsigned variant[BOARD_VARIANTS] = { 0 };
	uint64_t max_t = 0;
	board_config_default(&cfg);
	char *copy = malloc(size + 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *line = copy, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		uint64_t t = round_trip(line, &cfg, variant);
		max_t = t > max_t ? t : max_t;
	}
	free(copy);
	return max_t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct board_config cfg;
	board_config_default(&cfg);
	/* The board emits every PIT edge up to a `time` (its contract): a
	 * script that jumps years ahead over a fast periodic timer runs for
	 * ages. Run only scripts whose times stay under a second of virtual
	 * time (docs/FUZZING.md "Time jumps"); parsing is checked regardless. */
	uint64_t max_t = round_trip_all(data, size);
	if (size && max_t <= FUZZ_MAX_VIRTUAL_NS) {
		FILE *in = fmemopen((void *)data, size, "r");
		FUZZ_CHECK(in != NULL, "fmemopen failed");
		int rc = script_run(in, "fuzz", &cfg, devnull(), devnull(), NULL);
		FUZZ_CHECK(rc == 0 || rc == 2, "script_run returned %d", rc);
		fclose(in);
	}

	return 0;
}
