/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the trace reader: open a trace from memory and walk every
 * chunk (info, keyframe, every record), plus the seek functions. Built as a
 * libFuzzer target with -Dfuzz=true (clang), and otherwise as
 * fuzz_reader_replay, which runs the files named on its command line (the
 * seed corpus is a meson test in suite 'fuzz').
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "irqrr/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct trace_reader *r = trace_reader_open_mem(data, size, "fuzz", err, sizeof err);
	if (!r)
		return 0;
	const char *k, *v;
	uint64_t u;
	for (size_t i = 0; trace_reader_config_at(r, i, &k, &v) == 0; i++)
		(void)trace_reader_config_u64(r, k, &u);
	size_t n = trace_reader_chunk_count(r), ch;
	for (size_t i = 0; i < n; i++) {
		struct trace_chunk_info ci;
		if (trace_reader_chunk_info(r, i, &ci) == 0) {
			(void)trace_reader_find_event(r, ci.first_event, &ch);
			(void)trace_reader_find_time(r, ci.last_t, &ch);
		}
		struct trace_chunk *c = trace_reader_load_chunk(r, i);
		if (!c)
			continue;
		size_t kl;
		const uint8_t *kf = trace_chunk_keyframe(c, &kl);
		volatile uint8_t sink = kl ? kf[kl - 1] : 0;
		struct trace_record rec;
		while (trace_chunk_next(c, &rec) == 1)
			if (rec.len)
				sink = rec.data[rec.len - 1];
		(void)sink;
		trace_chunk_free(c);
	}
	trace_reader_close(r);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
int main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			bad = 1;
			continue;
		}
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, got;
		do {
			if (len == cap) {
				cap = cap ? cap * 2 : 65536;
				uint8_t *nb = realloc(buf, cap);
				if (!nb) {
					fprintf(stderr, "out of memory\n");
					return 2;
				}
				buf = nb;
			}
			got = fread(buf + len, 1, cap - len, f);
			len += got;
		} while (got);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	printf("ran %d inputs\n", argc - 1);
	return bad;
}
#endif
