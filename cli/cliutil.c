/* SPDX-License-Identifier: MIT */
#include "cliutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool cli_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static const char *input_named_by(const char *path, const char *const *inputs)
{
	for (size_t i = 0; inputs && inputs[i]; i++)
		if (strcmp(inputs[i], "-") && cli_same_file(path, inputs[i]))
			return inputs[i];
	return NULL;
}

/* A new file next to path, for an atomic replace; -1 if none can be made. */
static int open_temp_beside(struct cli_output *o, const struct stat *existing)
{
	if (snprintf(o->tmp, sizeof(o->tmp), "%s.irqrr-XXXXXX", o->path) >= (int)sizeof(o->tmp)) {
		o->tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		o->tmp[0] = '\0';
		return -1;
	}
	/* mkstemp makes 0600; give the file the mode a plain create (or the
	 * file it replaces) would have */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, existing ? existing->st_mode & 07777 : 0666 & ~mask)) {
		close(fd);
		unlink(o->tmp);
		o->tmp[0] = '\0';
		return -1;
	}
	return fd;
}

int cli_output_open(struct cli_output *o, const char *cmd, const char *path,
		    const char *const *inputs)
{
	struct stat st;
	int fd;
	memset(o, 0, sizeof(*o));
	o->path = path;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	const char *in = input_named_by(path, inputs);
	if (in) {
		fprintf(stderr, "irqrr %s: %s: is the input %s; give another output file\n", cmd, path,
			in);
		return -1;
	}
	bool exists = !lstat(path, &st);
	if (!exists && errno != ENOENT) {
		fd = -1;
	} else if (exists && S_ISREG(st.st_mode) && access(path, W_OK)) {
		fd = -1; /* a file we may not write is not replaced either */
	} else if (!exists || S_ISREG(st.st_mode)) {
		fd = open_temp_beside(o, exists ? &st : NULL);
		/* a directory we may not create in: write an existing file in place */
		if (fd < 0 && exists)
			fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && ftruncate(fd, 0)) {
			int e = errno; /* a symlink to a regular file we may not truncate */
			close(fd);
			fd = -1;
			errno = e;
		}
	}
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "irqrr %s: cannot write %s: %s\n", cmd, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (o->tmp[0])
			unlink(o->tmp);
		return -1;
	}
	return 0;
}

int cli_temp_output(struct cli_output *o, const char *cmd, const char *suffix)
{
	const char *dir = getenv("TMPDIR");
	memset(o, 0, sizeof(*o));
	if (!dir || !*dir)
		dir = "/tmp";
	int n = snprintf(o->tmp, sizeof(o->tmp), "%s/irqrr-%s-XXXXXX%s", dir, cmd, suffix);
	int fd = n > 0 && n < (int)sizeof(o->tmp) ? mkstemps(o->tmp, (int)strlen(suffix)) : -1;
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "irqrr %s: cannot create a temporary file in %s: %s\n", cmd, dir,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		return -1;
	}
	o->path = o->tmp;
	return 0;
}

const char *cli_output_name(const struct cli_output *o)
{
	return o->tmp[0] ? o->tmp : o->path;
}

int cli_output_close(struct cli_output *o, const char *cmd, bool keep)
{
	int err = 0;
	struct stat st;
	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		err = errno ? errno : EIO;
	/* an incomplete output written in place (through a symlink) must not
	 * pass for a complete one: empty it */
	if (!keep && !o->tmp[0] && o->f != stdout && !fstat(fileno(o->f), &st) &&
	    S_ISREG(st.st_mode) && ftruncate(fileno(o->f), 0) && !err)
		err = errno;
	if (o->f != stdout && fclose(o->f) && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (!err && keep && o->tmp[0] && rename(o->tmp, o->path))
		err = errno;
	if (err)
		fprintf(stderr, "irqrr %s: write error on %s: %s\n", cmd, o->path, strerror(err));
	if (o->tmp[0] && (err || !keep))
		unlink(o->tmp);
	return err ? 2 : 0;
}
