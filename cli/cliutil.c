/* SPDX-License-Identifier: MIT */
#include "cliutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || !*s || s[0] == '-') {
		fprintf(stderr, "irqrr %s: bad value '%s' for %s\n", cmd, s, opt);
		return -1;
	}
	*out = v;
	return 0;
}

struct trace_reader *cli_open_trace(const char *path, const char *note)
{
	char err[300];
	struct trace_reader *r = trace_reader_open(path, err, sizeof(err));
	if (!r) {
		/* "open PATH: ..." names the file already; the rest do not */
		if (strstr(err, path))
			fprintf(stderr, "irqrr: %s\n", err);
		else
			fprintf(stderr, "irqrr: %s: %s\n", path, err);
		return NULL;
	}
	const struct trace_recovery *rec = trace_reader_recovery(r);
	if (rec && rec->message[0])
		fprintf(stderr, "irqrr: %s: %s%s\n", path, rec->message, note);
	return r;
}
