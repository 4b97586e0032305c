/* SPDX-License-Identifier: MIT */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* the longest line: `board` with each of its keys once (cpus, ioapic, imr,
 * rtc and the model variants) */
#define MAX_TOKENS (5 + BOARD_VARIANTS)

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A number in C syntax (decimal, 0x hex, 0 octal) no larger than max. */
static int number(const char *tok, uint64_t max, const char *what, uint64_t *out,
		  char *err, size_t errlen)
{
	char *end;
	if (!tok)
		return fail(err, errlen, "missing %s", what);
	if (!isdigit((unsigned char)tok[0]))
		return fail(err, errlen, "bad %s '%s': not a number", what, tok);
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 0);
	if (errno == ERANGE || *end != '\0')
		return fail(err, errlen, "bad %s '%s'", what, tok);
	if (v > max) /* the maximum in the base the value was written in */
		return fail(err, errlen,
			    tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')
				    ? "%s %s out of range (max 0x%" PRIx64 ")"
				    : "%s %s out of range (max %" PRIu64 ")",
			    what, tok, max);
	*out = v;
	return 0;
}

static int lvt_value(const char *tok, uint32_t *out, const char *vec, char *err, size_t errlen)
{
	uint64_t v;
	if (!tok)
		return fail(err, errlen, "missing LVT mode (extint|nmi|fixed|masked|VALUE)");
	if (!strcmp(tok, "extint")) {
		*out = APIC_DM_EXTINT << 8;
	} else if (!strcmp(tok, "nmi")) {
		*out = APIC_DM_NMI << 8;
	} else if (!strcmp(tok, "masked")) {
		*out = 1u << 16;
	} else if (!strcmp(tok, "fixed")) {
		uint64_t vector = 0;
		if (vec && number(vec, 0xff, "vector", &vector, err, errlen))
			return -1;
		*out = (uint32_t)vector;
		return vec ? 2 : 1;
	} else {
		if (number(tok, 0xffffffffu, "LVT value", &v, err, errlen))
			return fail(err, errlen, "bad LVT mode '%s' (extint|nmi|fixed [VECTOR]|masked|VALUE)", tok);
		*out = (uint32_t)v;
	}
	return 1;
}

/* A model variant's KEY=VALUE on a board line, parsed by chips/variants.c's
 * board_variant_parse. */
static int board_variant(const char *spec, struct script_cmd *cmd, char *err, size_t errlen)
{
	int keylen = (int)(strchr(spec, '=') - spec);
	enum board_variant v = BOARD_VARIANTS;
	unsigned k;
	if (!board_variant_parse(spec, &v, &k)) {
		if (board_config_set_variant(&cmd->cfg, v, k) > 0) {
			cmd->variants_set |= 1u << v;
			cmd->variant[v] = (uint8_t)k;
		}
		return 0;
	}
	if (v == BOARD_VARIANTS)
		return fail(err, errlen, "board: unknown key '%.*s' (cpus, ioapic, imr, rtc, or a model "
			    "key of irqrr replay --list-models)", keylen, spec);
	char values[64] = "";
	for (k = 0; board_variant_value_name(v, k); k++) {
		size_t used = strlen(values);
		snprintf(values + used, sizeof(values) - used, "%s%s", k ? " or " : "",
			 board_variant_value_name(v, k));
	}
	return fail(err, errlen, "%.*s must be %s", keylen, spec, values);
}

static int board_line(char **tok, int ntok, const struct board_config *base,
		      struct script_cmd *cmd, char *err, size_t errlen)
{
	struct board_config *cfg = &cmd->cfg;
	*cfg = *base;
	for (int i = 1; i < ntok; i++) {
		char *eq = strchr(tok[i], '=');
		uint64_t v;
		if (!eq)
			return fail(err, errlen, "board: expected KEY=VALUE, got '%s'", tok[i]);
		*eq = '\0';
		const char *key = tok[i], *val = eq + 1;
		if (!strcmp(key, "cpus")) {
			if (number(val, UINT8_MAX, "cpus", &v, err, errlen))
				return -1;
			if (v < 1 || v > BOARD_MAX_CPUS)
				return fail(err, errlen, "cpus %s out of range (1..%d)", val, BOARD_MAX_CPUS);
			cfg->ncpus = (uint8_t)v;
		} else if (!strcmp(key, "ioapic")) {
			if (number(val, 0xff, "ioapic version", &v, err, errlen))
				return -1;
			if (v != 0x11 && v != 0x20)
				return fail(err, errlen, "ioapic version must be 0x11 or 0x20");
			cfg->ioapic_version = (uint8_t)v;
		} else if (!strcmp(key, "imr")) {
			if (number(val, 0xff, "imr reset value", &v, err, errlen))
				return -1;
			if (v != 0 && v != 0xff)
				return fail(err, errlen, "imr reset value must be 0x00 or 0xff");
			cfg->pic_imr_reset = (uint8_t)v;
		} else if (!strcmp(key, "rtc")) {
			if (number(val, UINT64_MAX / 2, "rtc epoch", &v, err, errlen))
				return -1;
			cfg->rtc_epoch = v;
		} else {
			*eq = '='; /* the model keys: KEY=VALUE whole */
			if (board_variant(tok[i], cmd, err, errlen))
				return -1;
		}
	}
	return 0;
}

/* The words of a script line before any comment, into buf and tok (NULL
 * after the last): their count, or -1 (err set). */
static int split_words(const char *line, char *buf, size_t buflen, char **tok, char *err, size_t errlen)
{
	int ntok = 0;
	size_t len = strcspn(line, "#"); /* a comment may be as long as it likes */
	if (len >= buflen)
		return fail(err, errlen, "line too long (%zu bytes before any comment; at most %zu)", len,
			    buflen - 1);
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (char *p = strtok(buf, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
		if (ntok == MAX_TOKENS)
			return fail(err, errlen, "too many words");
		tok[ntok++] = p;
	}
	tok[ntok] = NULL;
	return ntok;
}

/* The port and MMIO access commands (out, in, mmiow, mmior, mmiow64,
 * mmior64) into ev, with the word count they take in *want: 1 parsed, 0 not
 * such a command, -1 error (err set). */
static int parse_access(char **tok, struct irq_event *ev, int *want, char *err, size_t errlen)
{
	const char *c = tok[0];
	uint64_t a, v;
	if (!strcmp(c, "out")) {
		if (number(tok[1], 0xffff, "port", &a, err, errlen) ||
		    number(tok[2], 0xff, "value", &v, err, errlen))
			return -1;
		ev->kind = EV_PIO_WRITE;
		ev->u.pio.port = (uint16_t)a;
		ev->u.pio.value = (uint8_t)v;
		*want = 3;
	} else if (!strcmp(c, "in")) {
		if (number(tok[1], 0xffff, "port", &a, err, errlen))
			return -1;
		ev->kind = EV_PIO_READ;
		ev->u.pio.port = (uint16_t)a;
		*want = 2;
	} else if (!strcmp(c, "mmiow")) {
		if (number(tok[1], UINT64_MAX, "address", &a, err, errlen) ||
		    number(tok[2], 0xffffffffu, "value", &v, err, errlen))
			return -1;
		ev->kind = EV_MMIO_WRITE;
		ev->u.mmio.addr = a;
		ev->u.mmio.value = (uint32_t)v;
		*want = 3;
	} else if (!strcmp(c, "mmior")) {
		if (number(tok[1], UINT64_MAX, "address", &a, err, errlen))
			return -1;
		ev->kind = EV_MMIO_READ;
		ev->u.mmio.addr = a;
		*want = 2;
	} else if (!strcmp(c, "mmiow64")) {
		if (number(tok[1], UINT64_MAX, "address", &a, err, errlen) ||
		    number(tok[2], UINT64_MAX, "value", &v, err, errlen))
			return -1;
		ev->kind = EV_MMIO_WRITE64;
		ev->u.mmio64.addr = a;
		ev->u.mmio64.value = v;
		*want = 3;
	} else if (!strcmp(c, "mmior64")) {
		if (number(tok[1], UINT64_MAX, "address", &a, err, errlen))
			return -1;
		ev->kind = EV_MMIO_READ64;
		ev->u.mmio64.addr = a;
		*want = 2;
	} else {
		return 0;
	}
	return 1;
}

int script_parse_line(const char *line, const struct board_config *cfg,
		      struct script_cmd *cmd, char *err, size_t errlen)
{
	char buf[512];
	char *tok[MAX_TOKENS + 1];
	uint64_t a, v;

	memset(cmd, 0, sizeof(*cmd));
	cmd->op = SCRIPT_NONE;
	int ntok = split_words(line, buf, sizeof(buf), tok, err, errlen);
	if (ntok <= 0)
		return ntok;

	const char *c = tok[0];
	struct irq_event *ev = &cmd->ev;
	int want = 0, r; /* want: exact token count expected, 0 = checked below */
	cmd->op = SCRIPT_EVENT;
	if (!strcmp(c, "time")) {
		if (number(tok[1], UINT64_MAX - 1, "time", &a, err, errlen))
			return -1;
		ev->kind = EV_TIME;
		ev->t = a;
		want = 2;
	} else if ((r = parse_access(tok, ev, &want, err, errlen)) != 0) {
		if (r < 0)
			return -1;
	} else if (!strcmp(c, "irq")) {
		if (number(tok[1], BOARD_GSIS - 1, "GSI", &a, err, errlen) ||
		    number(tok[2], 1, "level", &v, err, errlen))
			return -1;
		ev->kind = EV_IRQ;
		ev->u.irq.gsi = (uint8_t)a;
		ev->u.irq.level = (uint8_t)v;
		want = 3;
	} else if (!strcmp(c, "intack")) {
		a = 0;
		if (ntok > 1 && number(tok[1], cfg->ncpus - 1u, "cpu", &a, err, errlen))
			return -1;
		ev->kind = EV_INTACK;
		ev->u.intack.cpu = (uint8_t)a;
		if (ntok > 2)
			return fail(err, errlen, "intack takes at most one argument (CPU)");
	} else if (!strcmp(c, "eoi")) {
		a = 0;
		if (number(tok[1], 0xff, "vector", &v, err, errlen))
			return -1;
		if (ntok > 2 && number(tok[2], cfg->ncpus - 1u, "cpu", &a, err, errlen))
			return -1;
		if (ntok > 3)
			return fail(err, errlen, "eoi takes VECTOR [CPU]");
		ev->kind = EV_EOI;
		ev->u.eoi.vector = (uint8_t)v;
		ev->u.eoi.cpu = (uint8_t)a;
	} else if (!strcmp(c, "lvt0") || !strcmp(c, "lvt1")) {
		uint32_t lvt = 0;
		if (number(tok[1], cfg->ncpus - 1u, "cpu", &a, err, errlen))
			return -1;
		int used = lvt_value(tok[2], &lvt, ntok > 3 ? tok[3] : NULL, err, errlen);
		if (used < 0)
			return -1;
		if (ntok != 2 + used)
			return fail(err, errlen, "%s takes CPU MODE (extint|nmi|fixed [VECTOR]|masked|VALUE)", c);
		ev->kind = EV_LVT;
		ev->u.lvt.cpu = (uint8_t)a;
		ev->u.lvt.pin = c[3] == '1';
		ev->u.lvt.value = lvt;
	} else if (!strcmp(c, "reset")) {
		ev->kind = EV_RESET;
		want = 1;
	} else if (!strcmp(c, "state")) {
		cmd->op = SCRIPT_STATE;
		want = 1;
	} else if (!strcmp(c, "cmos")) {
		if (number(tok[1], 0x7f, "CMOS index", &a, err, errlen) ||
		    number(tok[2], 0xff, "value", &v, err, errlen))
			return -1;
		if (a < 0x0e)
			return fail(err, errlen, "CMOS index 0x%" PRIx64 " is a clock register (RAM is 0x0e..0x7f)", a);
		cmd->op = SCRIPT_CMOS;
		cmd->cmos_index = (uint8_t)a;
		cmd->cmos_value = (uint8_t)v;
		want = 3;
	} else if (!strcmp(c, "fault")) {
		const char *why = ntok == 2 ? board_fault_parse(tok[1], &cmd->fault) : "fault takes one SPEC";
		if (why)
			return fail(err, errlen, "fault %s: %s", ntok == 2 ? tok[1] : "", why);
		cmd->op = SCRIPT_FAULT;
		return 0;
	} else if (!strcmp(c, "board")) {
		cmd->op = SCRIPT_BOARD;
		return board_line(tok, ntok, cfg, cmd, err, errlen);
	} else {
		return fail(err, errlen, "unknown command '%s'", c);
	}
	if (want && ntok != want)
		return fail(err, errlen, "%s takes %d argument%s", c, want - 1, want == 2 ? "" : "s");
	return 0;
}

/* Appends to buf at *n (a snprintf count; < 0 once an append failed). */
static void append_u64(char *buf, size_t len, int *n, const char *fmt, unsigned long long v)
{
	if (*n < 0)
		return;
	size_t pos = (size_t)*n < len ? (size_t)*n : len;
	int k = snprintf(buf + pos, len - pos, fmt, v);
	*n = k < 0 ? k : *n + k;
}

/* An input as its script line: the command word of its kind's row, with a
 * field that is part of the word (lvt0/lvt1's pin) right after it, then the
 * arguments (every other field but the result) in row order. `time` has no
 * field: its argument is the event's t. */
size_t script_format_input(const struct irq_event *ev, char *buf, size_t len)
{
	const struct irq_kind_desc *d = irq_kind_desc(ev->kind);
	if (!d || !d->input)
		return 0;
	int n = snprintf(buf, len, "%s", d->script);
	if (ev->kind == EV_TIME)
		append_u64(buf, len, &n, " %llu", ev->t);
	for (unsigned i = 0; i < d->nfields; i++)
		if (d->fields[i].flags & IRQ_FIELD_IN_WORD)
			append_u64(buf, len, &n, "%llu", irq_event_field(ev, &d->fields[i]));
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct irq_field_desc *f = &d->fields[i];
		if (f->flags & (IRQ_FIELD_RESULT | IRQ_FIELD_IN_WORD))
			continue;
		append_u64(buf, len, &n, f->style == IRQ_FIELD_HEX ? " 0x%llx" : " %llu",
			   irq_event_field(ev, f));
	}
	return n < 0 ? 0 : (size_t)n;
}

size_t script_format_config(const struct board_config *cfg, char *buf, size_t len)
{
	int n = snprintf(buf, len, "board cpus=%u ioapic=0x%x imr=0x%x lint0=%s rtc=%" PRIu64,
			 cfg->ncpus, cfg->ioapic_version, cfg->pic_imr_reset,
			 cfg->lint0_bsp_only ? "bsp" : "broadcast", cfg->rtc_epoch);
	/* the HPET keys only when it is fitted: boards without one keep the
	 * line older irqrr versions read */
	if (n >= 0 && cfg->hpet && (size_t)n < len) {
		int k = snprintf(buf + n, len - (size_t)n, " hpet=on hpet.clock=%s",
				 cfg->hpet_clock == HPET_CLOCK_14MHZ ? "14.318mhz" : "100mhz");
		n = k < 0 ? k : n + k;
	}
	return n < 0 ? 0 : (size_t)n;
}

size_t script_format_board(const struct board_config *cfg, const unsigned *variant, char *buf,
			   size_t len)
{
	size_t n = script_format_config(cfg, buf, len);
	if (n >= len)
		return 0;
	for (unsigned v = 0; variant && n && v < BOARD_VARIANTS; v++) {
		struct board_config scratch = *cfg;
		/* the configuration variants are in the line already */
		if (!variant[v] || board_config_set_variant(&scratch, (enum board_variant)v, variant[v]) != 1)
			continue;
		int k = snprintf(buf + n, len - n, " %s=%s", board_variant_key((enum board_variant)v),
				 board_variant_value_name((enum board_variant)v, variant[v]));
		if (k < 0 || (size_t)k >= len - n)
			return 0;
		n += (size_t)k;
	}
	return n;
}

void board_setup_of(const struct board *b, struct board_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->cfg = b->cfg;
	for (unsigned v = 0; v < BOARD_VARIANTS; v++)
		s->variant[v] = board_get_variant(b, (enum board_variant)v);
	/* each fault as its spec gives it: the progress (count, fired) is the
	 * recording's, the script's starts from zero */
	for (unsigned i = 0; i < board_fault_count(b) && s->nfaults < BOARD_FAULTS_MAX; i++) {
		char spec[BOARD_FAULT_SPEC_MAX];
		board_fault_format(board_fault_at(b, i), spec, sizeof(spec));
		if (!board_fault_parse(spec, &s->fault[s->nfaults]))
			s->nfaults++;
	}
}

int board_setup_init(struct board *b, const struct board_setup *s, irq_event_sink sink, void *ctx)
{
	if (board_init(b, &s->cfg, sink, ctx))
		return -1;
	for (unsigned v = 0; v < BOARD_VARIANTS; v++)
		if (board_set_variant(b, (enum board_variant)v, s->variant[v]) < 0)
			return -1;
	for (unsigned i = 0; i < s->nfaults; i++)
		if (board_add_fault(b, &s->fault[i]))
			return -1;
	return 0;
}

bool board_setup_is_power_on(const struct board_setup *s, const struct board *b)
{
	struct board *fresh = malloc(sizeof(*fresh));
	bool same = fresh && !board_setup_init(fresh, s, NULL, NULL) &&
		    board_state_hash(fresh) == board_state_hash(b);
	free(fresh);
	return same;
}

size_t script_format_setup(const struct board_setup *s, char *buf, size_t len)
{
	size_t n = script_format_board(&s->cfg, s->variant, buf, len);
	if (!n || n + 1 >= len)
		return 0;
	buf[n++] = '\n';
	buf[n] = '\0';
	size_t k = script_format_cmos(&s->cfg, buf + n, len - n);
	if (!k && buf[n])
		return 0;
	n += k;
	for (unsigned i = 0; i < s->nfaults; i++) {
		char spec[BOARD_FAULT_SPEC_MAX];
		board_fault_format(&s->fault[i], spec, sizeof(spec));
		int w = snprintf(buf + n, len - n, "fault %s\n", spec);
		if (w < 0 || (size_t)w >= len - n)
			return 0;
		n += (size_t)w;
	}
	return n;
}

size_t script_format_cmos(const struct board_config *cfg, char *buf, size_t len)
{
	size_t pos = 0;
	if (len)
		buf[0] = '\0';
	for (unsigned i = 0x0e; i < 0x80; i++) {
		if (!cfg->cmos[i])
			continue;
		int n = snprintf(buf + pos, len - pos, "cmos 0x%x 0x%x\n", i, cfg->cmos[i]);
		if (n < 0 || (size_t)n >= len - pos)
			return 0;
		pos += (size_t)n;
	}
	return pos;
}

/* The chips output lines (docs/chips-script.md) are a language of their own,
 * not the table's fields: "vec=", a bare mode and trigger, no cpu on
 * "intack =". Written out per kind. */
size_t script_format_output(const struct irq_event *ev, char *buf, size_t len)
{
	int n;
	switch (ev->kind) {
	case EV_PIO_READ:
		n = snprintf(buf, len, "in 0x%x = 0x%x", ev->u.pio.port, ev->u.pio.value);
		break;
	case EV_MMIO_READ:
		n = snprintf(buf, len, "mmior 0x%" PRIx64 " = 0x%x", ev->u.mmio.addr, ev->u.mmio.value);
		break;
	case EV_MMIO_READ64:
		n = snprintf(buf, len, "mmior64 0x%" PRIx64 " = 0x%" PRIx64, ev->u.mmio64.addr,
			     ev->u.mmio64.value);
		break;
	case EV_INTACK:
		n = snprintf(buf, len, "intack = 0x%x", ev->u.intack.vector);
		break;
	case EV_WIRE: {
		const char *name = board_wire_name(ev->u.wire.id);
		if (name)
			n = snprintf(buf, len, "t=%" PRIu64 " wire %s %u", ev->t, name, ev->u.wire.level);
		else
			n = snprintf(buf, len, "t=%" PRIu64 " wire %u %u", ev->t, ev->u.wire.id, ev->u.wire.level);
		break;
	}
	case EV_APIC_MSG:
		n = snprintf(buf, len, "t=%" PRIu64 " apic dest=0x%x vec=0x%x %s %s destmode=%s pin=%u",
			     ev->t, ev->u.apic.dest, ev->u.apic.vector,
			     apic_delivery_name(ev->u.apic.delivery),
			     ev->u.apic.trigger ? "level" : "edge",
			     ev->u.apic.destmode ? "logical" : "physical", ev->u.apic.pin);
		break;
	case EV_LINT: {
		const char *mode = apic_delivery_name(ev->u.lint.mode);
		if (ev->u.lint.mode == APIC_DM_FIXED)
			n = snprintf(buf, len, "t=%" PRIu64 " lint%u cpu=%u %s vec=0x%x level=%u", ev->t,
				     ev->u.lint.pin, ev->u.lint.cpu, mode, ev->u.lint.vector,
				     ev->u.lint.level);
		else
			n = snprintf(buf, len, "t=%" PRIu64 " lint%u cpu=%u %s level=%u", ev->t,
				     ev->u.lint.pin, ev->u.lint.cpu, mode, ev->u.lint.level);
		break;
	}
	case EV_DEADLINE:
		if (ev->u.deadline.t == UINT64_MAX)
			n = snprintf(buf, len, "t=%" PRIu64 " deadline none", ev->t);
		else
			n = snprintf(buf, len, "t=%" PRIu64 " deadline %" PRIu64, ev->t, ev->u.deadline.t);
		break;
	default:
		return 0;
	}
	return n < 0 ? 0 : (size_t)n;
}

void script_print_sink(void *ctx, const struct irq_event *ev)
{
	char line[160];
	if (script_format_output(ev, line, sizeof(line)))
		fprintf((FILE *)ctx, "%s\n", line);
}

struct run_ctx {
	FILE *out;
	const struct script_hooks *hooks;
};

static void run_sink(void *ctx, const struct irq_event *ev)
{
	struct run_ctx *r = ctx;
	script_print_sink(r->out, ev);
	if (r->hooks && r->hooks->extra_sink)
		r->hooks->extra_sink(r->hooks->ctx, ev);
}

int script_run(FILE *in, const char *name, const struct board_config *cfg0,
	       FILE *out, FILE *errf, const struct script_hooks *hooks)
{
	struct board *b = calloc(1, sizeof(*b));
	struct board_config cfg = *cfg0;
	struct run_ctx rc = { .out = out, .hooks = hooks };
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool started = false;
	int status = 0;
	uint64_t now = 0;
	struct board_fault faults[BOARD_FAULTS_MAX];
	unsigned nfaults = 0;
	uint32_t variants_set = 0; /* the board lines' chip variants so far */
	uint8_t variant[BOARD_VARIANTS] = { 0 };

	if (!b) {
		fprintf(errf, "irqrr: out of memory\n");
		return 2;
	}
	if (board_init(b, &cfg, run_sink, &rc)) {
		fprintf(errf, "irqrr: invalid board configuration\n");
		free(b);
		return 2;
	}
	for (;;) {
		char err[200];
		struct script_cmd cmd;
		ssize_t n = getline(&line, &cap, in);
		if (n < 0)
			break;
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (strlen(line) != (size_t)n) {
			fprintf(errf, "irqrr: %s:%u: NUL byte in line\n", name, lineno);
			status = 2;
			break;
		}
		if (script_parse_line(line, &cfg, &cmd, err, sizeof(err))) {
			fprintf(errf, "irqrr: %s:%u: %s\n", name, lineno, err);
			status = 2;
			break;
		}
		if (cmd.op == SCRIPT_NONE)
			continue;
		if (cmd.op == SCRIPT_FAULT) {
			const char *why = started ? "'fault' must come before the first command"
				: nfaults == BOARD_FAULTS_MAX ? "at most 4 faults" : NULL;
			if (why) {
				fprintf(errf, "irqrr: %s:%u: %s\n", name, lineno, why);
				status = 2;
				break;
			}
			faults[nfaults++] = cmd.fault;
			(void)board_add_fault(b, &cmd.fault);
			continue;
		}
		if (cmd.op == SCRIPT_BOARD || cmd.op == SCRIPT_CMOS) {
			if (cmd.op == SCRIPT_CMOS) {
				cmd.cfg = cfg;
				cmd.cfg.cmos[cmd.cmos_index] = cmd.cmos_value;
			}
			if (started) {
				fprintf(errf, "irqrr: %s:%u: '%s' must come before the first command\n",
					name, lineno, cmd.op == SCRIPT_BOARD ? "board" : "cmos");
				status = 2;
				break;
			}
			cfg = cmd.cfg;
			if (board_init(b, &cfg, run_sink, &rc)) {
				fprintf(errf, "irqrr: %s:%u: invalid board configuration\n", name, lineno);
				status = 2;
				break;
			}
			/* a new board keeps the script's variants (as its configuration) */
			variants_set |= cmd.variants_set;
			for (unsigned v = 0; v < BOARD_VARIANTS; v++) {
				if (cmd.variants_set & (1u << v))
					variant[v] = cmd.variant[v];
				if (variants_set & (1u << v))
					(void)board_set_variant(b, (enum board_variant)v, variant[v]);
			}
			for (unsigned i = 0; i < nfaults; i++) /* a new board keeps the script's faults */
				(void)board_add_fault(b, &faults[i]);
			continue;
		}
		if (!started) {
			started = true;
			if (hooks && hooks->on_config && hooks->on_config(hooks->ctx, b)) {
				status = 2;
				break;
			}
		}
		if (cmd.op == SCRIPT_STATE) {
			fflush(out);
			board_print_state(b, out);
			continue;
		}
		if (cmd.ev.kind == EV_TIME) {
			if (cmd.ev.t < now) {
				fprintf(errf, "irqrr: %s:%u: time %" PRIu64 " is before the current time %" PRIu64 "\n",
					name, lineno, cmd.ev.t, now);
				status = 2;
				break;
			}
			now = cmd.ev.t;
		}
		cmd.ev.t = now;
		if (hooks && hooks->before_input)
			hooks->before_input(hooks->ctx, b);
		if (board_apply(b, &cmd.ev)) {
			fprintf(errf, "irqrr: %s:%u: input out of range\n", name, lineno);
			status = 2;
			break;
		}
	}
	if (status == 0 && ferror(in)) {
		fprintf(errf, "irqrr: %s: read error\n", name);
		status = 2;
	}
	if (status == 0 && !started && hooks && hooks->on_config && hooks->on_config(hooks->ctx, b))
		status = 2;
	free(line);
	free(b);
	return status;
}
