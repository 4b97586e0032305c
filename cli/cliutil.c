/* SPDX-License-Identifier: MIT */
#include "cliutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HELP_COL 22 /* where an option's help text starts */

static const struct cli_opt help_opt = { "help", 'h', NULL, "this text" };

static void add_option(struct cli_parser *p, size_t *n, size_t *s, const struct cli_opt *o)
{
	p->lo[*n] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL, o->key };
	(*n)++;
	if (o->key > 0 && o->key < 0x80) {
		p->so[(*s)++] = (char)o->key;
		if (o->arg)
			p->so[(*s)++] = ':';
	}
}

void cli_parser_init(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv)
{
	size_t n = 0, s = 0;
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	p->so[s++] = ':'; /* a missing value is ':', an unknown option '?' */
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++) {
		if (n == CLI_MAX_OPTS) { /* a programming error: raise CLI_MAX_OPTS */
			fprintf(stderr, "irqrr %s: more than %d options\n", cmd->name, CLI_MAX_OPTS);
			abort();
		}
		add_option(p, &n, &s, o);
	}
	add_option(p, &n, &s, &help_opt);
	p->lo[n] = (struct option){ NULL, 0, NULL, 0 };
	p->so[s] = '\0';
	optind = 1;
	opterr = 0;
}

/* The option as the user typed it, for a message. */
static const char *typed_option(const struct cli_parser *p)
{
	static char buf[3];
	const char *last = p->argv[optind - 1];
	if (optopt && optopt < 0x80 && !(last[0] == '-' && last[1] == '-')) {
		buf[0] = '-';
		buf[1] = (char)optopt;
		buf[2] = '\0';
		return buf;
	}
	return last;
}

int cli_parser_next(struct cli_parser *p, int *status)
{
	const char *cmd = p->cmd->name;
	int c = getopt_long(p->argc, p->argv, p->so, p->lo, NULL);
	*status = -1;
	if (c == 'h') {
		cli_print_help(p->cmd, stdout);
		*status = 0;
		return -1;
	}
	if (c == ':') {
		fprintf(stderr, "irqrr %s: option %s needs a value\n", cmd, typed_option(p));
		*status = 2;
		return -1;
	}
	if (c == '?') {
		fprintf(stderr, "irqrr %s: '%s' is not an option of %s (see irqrr %s --help)\n", cmd,
			typed_option(p), cmd, cmd);
		*status = 2;
		return -1;
	}
	return c;
}

static void print_option(const struct cli_opt *o, FILE *f)
{
	char left[80];
	int n;
	if (o->key > 0 && o->key < 0x80)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
			     o->arg ? o->arg : "");
	else
		n = snprintf(left, sizeof(left), "  --%s%s%s", o->name, o->arg ? " " : "",
			     o->arg ? o->arg : "");
	fputs(left, f);
	if (n >= HELP_COL - 1)
		fprintf(f, "\n%*s", HELP_COL, "");
	else
		fprintf(f, "%*s", HELP_COL - n, "");
	for (const char *h = o->help; *h; h++) {
		fputc(*h, f);
		if (*h == '\n')
			fprintf(f, "%*s", HELP_COL, "");
	}
	fputc('\n', f);
}

void cli_print_help(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: irqrr %s %s\n%s\noptions:\n", cmd->name, cmd->synopsis, cmd->about);
	for (const struct cli_opt *o = cmd->opts; o && o->name; o++)
		print_option(o, f);
	print_option(&help_opt, f);
	if (cmd->notes)
		fprintf(f, "\n%s", cmd->notes);
	fprintf(f, "\nExit status: %s\n", cmd->exits);
}

int cli_usage_error(const struct cli_cmd *cmd, const char *what)
{
	fprintf(stderr, "irqrr %s: expected %s (see irqrr %s --help)\n", cmd->name, what, cmd->name);
	return 2;
}

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

/* Copy fd in to an unlinked file in TMPDIR; its descriptor, or -1 with a
 * message. The file goes away when the descriptor is closed. */
static int spool(int in, const char *name)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], buf[1 << 16];
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/irqrr-spool-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "irqrr: %s: cannot spool to %s: %s\n", name, dir, strerror(errno));
		return -1;
	}
	unlink(path);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			return fd;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(fd, buf, (size_t)n) != n) {
			fprintf(stderr, "irqrr: %s: cannot spool to %s: %s\n", name, dir,
				strerror(errno ? errno : EIO));
			close(fd);
			return -1;
		}
	}
}

/* The path to open for path: itself, or for "-" and pipes a spooled copy
 * (*fd >= 0, to close after the open). NULL on failure. */
static const char *readable_path(const char *path, int *fd, char *buf, size_t len)
{
	struct stat st;
	int in = -1;
	*fd = -1;
	if (!strcmp(path, "-"))
		in = STDIN_FILENO;
	else if (!stat(path, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return strcmp(path, "-") ? path : NULL;
	*fd = spool(in, path);
	if (in != STDIN_FILENO)
		close(in);
	if (*fd < 0)
		return NULL;
	snprintf(buf, len, "/proc/self/fd/%d", *fd);
	return buf;
}

struct trace_reader *cli_open_trace(const char *path, const char *note)
{
	char err[300], fdpath[64];
	int fd;
	const char *real = readable_path(path, &fd, fdpath, sizeof(fdpath));
	if (!real)
		return NULL;
	struct trace_reader *r = trace_reader_open(real, err, sizeof(err));
	if (fd >= 0)
		close(fd); /* the reader holds its own descriptor */
	if (!r) {
		/* "open PATH: ..." names the file already; the rest do not */
		if (strstr(err, path))
			fprintf(stderr, "irqrr: %s\n", err);
		else
			fprintf(stderr, "irqrr: %s: %s\n", path, err);
		if (!strcmp(path, CLI_DEFAULT_TRACE) && access(path, F_OK))
			fprintf(stderr, "irqrr: (%s is the default trace: what `irqrr record` writes"
					" with no -o)\n", CLI_DEFAULT_TRACE);
		return NULL;
	}
	const struct trace_recovery *rec = trace_reader_recovery(r);
	if (rec && rec->message[0])
		fprintf(stderr, "irqrr: %s: %s%s\n", path, rec->message, note);
	return r;
}

int cli_require_events(struct trace_reader *r, const char *path)
{
	if (trace_reader_event_count(r))
		return 0;
	fprintf(stderr, "irqrr: ");
	cli_put_text(stderr, path);
	fprintf(stderr, ": the trace holds no events\n");
	return 2;
}

struct trace_reader *cli_open_events(const char *path, const char *note)
{
	struct trace_reader *r = cli_open_trace(path, note);
	if (r && cli_require_events(r, path)) {
		trace_reader_close(r);
		return NULL;
	}
	return r;
}

int cli_check_stdout(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "irqrr: write error on standard output\n");
		return status > 2 ? status : 2; /* keep 124, 125, ... */
	}
	return status;
}

const char *cli_trace_operand(const struct cli_cmd *cmd, int argc, char **argv)
{
	if (optind == argc)
		return CLI_DEFAULT_TRACE;
	if (optind == argc - 1)
		return argv[optind];
	cli_usage_error(cmd, "one trace file");
	return NULL;
}

static int time_unit(const char *u, uint64_t *mul)
{
	static const struct { const char *name; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(u, units[i].name)) {
			*mul = units[i].ns;
			return 0;
		}
	return -1;
}

int cli_parse_time(const char *cmd, const char *opt, const char *s, uint64_t *ns)
{
	const char *p = s;
	uint64_t whole = 0, frac = 0, scale = 1, mul;
	int digits = 0;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if (whole > (UINT64_MAX - 9) / 10)
			goto bad;
		else
			whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (scale < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	if (!digits || time_unit(p, &mul) || whole > UINT64_MAX / mul)
		goto bad;
	*ns = whole * mul + frac * mul / scale;
	return 0;
bad:
	fprintf(stderr, "irqrr %s: bad time '%s' for %s (examples: 1.5s, 250ms, 20us, 1500ns)\n", cmd,
		s, opt);
	return -1;
}

/* The first event at (after: after) time t, scanning from the chunk
 * trace_reader_find_time names; UINT64_MAX when there is none. */
static int event_at_time(struct trace_reader *r, const char *path, uint64_t t, bool after,
			 uint64_t *num)
{
	size_t ci = 0, n = trace_reader_chunk_count(r);
	struct trace_iter it;
	struct trace_record rec;
	int k;
	*num = UINT64_MAX;
	if (n && trace_reader_find_time(r, t, &ci))
		ci = 0;
	trace_iter_init(&it, r, ci);
	while ((k = trace_iter_next(&it, &rec)) == 1)
		if (after ? rec.t > t : rec.t >= t) {
			*num = rec.num;
			break;
		}
	if (k < 0)
		fprintf(stderr, "irqrr: %s: %s\n", path, trace_iter_error(&it));
	trace_iter_end(&it);
	return k < 0 ? 2 : 0;
}

int cli_time_window(struct trace_reader *r, const char *path, uint64_t from_t, uint64_t to_t,
		    uint64_t *from, uint64_t *to)
{
	uint64_t first, past;
	if (event_at_time(r, path, from_t, false, &first))
		return 2;
	if (to_t == UINT64_MAX)
		past = UINT64_MAX;
	else if (event_at_time(r, path, to_t, true, &past))
		return 2;
	if (first > *from)
		*from = first;
	if (past != UINT64_MAX && past - 1 < *to)
		*to = past ? past - 1 : 0;
	if (past == 0 || first == UINT64_MAX) { /* nothing in the window */
		*from = 1;
		*to = 0;
	}
	return 0;
}

static void put_text(FILE *f, const char *s, bool lines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' && lines)
			fputc(c, f);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

void cli_put_text(FILE *f, const char *s)
{
	put_text(f, s, false);
}

void cli_put_lines(FILE *f, const char *s)
{
	put_text(f, s, true);
}

void cli_put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\u%04x", c);
	}
	fputc('"', f);
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

unsigned cli_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}
