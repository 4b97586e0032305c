/* SPDX-License-Identifier: MIT */
/* Field parsing over one log line: bounded, no NUL needed, no locale. */
#include "import_internal.h"

#include <string.h>

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

void cur_space(struct cur *c)
{
	while (c->p < c->e && is_space(*c->p))
		c->p++;
}

bool cur_at_end(struct cur *c)
{
	cur_space(c);
	return c->p == c->e;
}

bool cur_lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);
	cur_space(c);
	if ((size_t)(c->e - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

bool cur_find(struct cur *c, const char *s)
{
	size_t n = strlen(s);
	for (const char *q = c->p; (size_t)(c->e - q) >= n; q++)
		if (!memcmp(q, s, n)) {
			c->p = q + n;
			return true;
		}
	return false;
}

static int digit(char ch, int base)
{
	int d = ch >= '0' && ch <= '9'   ? ch - '0'
		: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
					 : 99;
	return d < base ? d : -1;
}

bool cur_u64(struct cur *c, uint64_t *v, int base, uint64_t max)
{
	cur_space(c);
	if (c->e - c->p >= 2 && c->p[0] == '0' && (c->p[1] == 'x' || c->p[1] == 'X')) {
		c->p += 2;
		base = 16;
	} else if (!base) {
		base = 10;
	}
	uint64_t x = 0;
	const char *start = c->p;
	int d;
	while (c->p < c->e && (d = digit(*c->p, base)) >= 0) {
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		x = x * (uint64_t)base + (uint64_t)d;
		c->p++;
	}
	if (c->p == start || x > max)
		return false;
	*v = x;
	return true;
}

bool cur_i64(struct cur *c, int64_t *v)
{
	cur_space(c);
	bool neg = c->p < c->e && *c->p == '-';
	uint64_t x;
	if (neg)
		c->p++;
	if (!cur_u64(c, &x, 10, (uint64_t)INT64_MAX))
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

size_t cur_ident(struct cur *c, const char **s)
{
	const char *start = c->p;
	while (c->p < c->e && (digit(*c->p, 36) >= 0 || *c->p == '_' ||
			       (*c->p >= 'g' && *c->p <= 'z') || (*c->p >= 'G' && *c->p <= 'Z')))
		c->p++;
	*s = start;
	return (size_t)(c->p - start);
}

bool cur_seconds(struct cur *c, uint64_t *ns)
{
	uint64_t sec, frac = 0;
	if (!cur_u64(c, &sec, 10, UINT64_MAX / 1000000000u - 1))
		return false;
	if (c->p < c->e && *c->p == '.') {
		c->p++;
		unsigned digits = 0;
		while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (uint64_t)(*c->p - '0');
				digits++;
			}
			c->p++;
		}
		if (!digits)
			return false;
		while (digits++ < 9)
			frac *= 10;
	}
	*ns = sec * 1000000000u + frac;
	return true;
}
