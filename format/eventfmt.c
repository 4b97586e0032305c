/* SPDX-License-Identifier: MIT */
/* Text and JSON renderings of trace records (`irqrr dump`, the hang report). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eventfmt.h"

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n < o->len - o->pos ? (size_t)n : o->len - o->pos - 1;
}

/* Printable bytes: text as-is, others as \xNN (JSON: \u00NN). */
static void put_bytes(struct out *o, const uint8_t *p, size_t n, bool json)
{
	for (size_t i = 0; i < n && o->pos + 8 < o->len; i++) {
		uint8_t c = p[i];
		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			put(o, "%c", c);
		else if (c == '\n')
			put(o, "\\n");
		else if (json)
			put(o, "\\u%04x", c);
		else
			put(o, "\\x%02x", c);
	}
}

static const char *exit_reason_name(unsigned r)
{
	static const char *const names[] = { "normal", "timeout", "signal", "error", "triple-fault" };
	return r < 5 ? names[r] : "unknown";
}

static const char *msi_result_name(unsigned r)
{
	static const char *const names[] = { "delivered", "not-delivered", "error" };
	return r < 3 ? names[r] : "unknown";
}

/* Numbers: hex in text, decimal in JSON (fx); decimal in both (fd). */
static void fx(struct out *o, bool json, const char *k, unsigned long long v)
{
	put(o, json ? ",\"%s\":%llu" : " %s=0x%llx", k, v);
}

static void fd(struct out *o, bool json, const char *k, unsigned long long v)
{
	put(o, json ? ",\"%s\":%llu" : " %s=%llu", k, v);
}

static void fs(struct out *o, bool json, const char *k, const char *v)
{
	put(o, json ? ",\"%s\":\"%s\"" : " %s=%s", k, v);
}

static void ftext(struct out *o, bool json, const char *k, const uint8_t *p, size_t n)
{
	put(o, json ? ",\"%s\":\"" : " %s=\"", k);
	put_bytes(o, p, n, json);
	put(o, "\"");
}

/* One field of a board event, as its kind's row says to print it. */
static void board_field(struct out *o, bool j, const struct irq_field_desc *f, uint64_t v)
{
	const char *wire;
	switch (f->style) {
	case IRQ_FIELD_HEX:
		fx(o, j, f->name, v);
		break;
	case IRQ_FIELD_WIRE:
		if ((wire = board_wire_name((unsigned)v)))
			fs(o, j, f->name, wire);
		else
			fd(o, j, f->name, v);
		break;
	case IRQ_FIELD_DELIVERY:
		fs(o, j, f->name, apic_delivery_name((unsigned)v));
		break;
	case IRQ_FIELD_TRIGGER:
		fs(o, j, f->name, v ? "level" : "edge");
		break;
	case IRQ_FIELD_DESTMODE:
		fs(o, j, f->name, v ? "logical" : "physical");
		break;
	case IRQ_FIELD_DEADLINE:
		if (v == UINT64_MAX)
			put(o, j ? ",\"%s\":null" : " %s=none", f->name);
		else
			fd(o, j, f->name, v);
		break;
	default:
		fd(o, j, f->name, v);
		break;
	}
}

/* A board event's fields, from its kind's row. */
static void board_fields(struct out *o, const struct irq_kind_desc *d, const struct irq_event *e,
			 bool j)
{
	uint64_t mode = APIC_DM_FIXED;
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct irq_field_desc *f = &d->fields[i];
		uint64_t v = irq_event_field(e, f);
		if (f->style == IRQ_FIELD_DELIVERY)
			mode = v;
		if (!(f->flags & IRQ_FIELD_IF_FIXED) || mode == APIC_DM_FIXED)
			board_field(o, j, f, v);
	}
}

/* "key=value" fields (text) or "\"key\":value" members (json). Context
 * records carry payloads, not the union: they are decoded here by kind. */
static void fields(struct out *o, const struct trace_record *rec, bool j)
{
	const struct irq_kind_desc *d = irq_kind_desc(rec->kind);
	if (d) {
		board_fields(o, d, &rec->ev, j);
		return;
	}
	switch (rec->kind) {
	case EV_CTX_CONSOLE:
		if (rec->data && rec->len >= 1) {
			fd(o, j, "cpu", rec->data[0]);
			ftext(o, j, "text", rec->data + 1, rec->len - 1);
		}
		break;
	case EV_CTX_MARK:
	case EV_CTX_CONSOLE_IN:
		if (rec->data)
			ftext(o, j, "text", rec->data, rec->len);
		break;
	case EV_CTX_MSI_RESULT: {
		struct trace_ctx_msi m;
		if (rec->data && !trace_ctx_msi_unpack(rec->data, rec->len, &m)) {
			fx(o, j, "dest", m.msg.dest);
			fx(o, j, "vector", m.msg.vector);
			fs(o, j, "mode", apic_delivery_name(m.msg.delivery));
			fs(o, j, "result", msi_result_name(m.result));
			if (m.err)
				fd(o, j, "errno", m.err);
		}
		break;
	}
	case EV_CTX_EXIT: {
		uint8_t reason;
		int32_t status;
		if (rec->data && !trace_ctx_exit_unpack(rec->data, rec->len, &reason, &status)) {
			fs(o, j, "reason", exit_reason_name(reason));
			put(o, j ? ",\"status\":%d" : " status=%d", (int)status);
		}
		break;
	}
	case EV_CTX_VCPU: {
		uint8_t cpu;
		uint32_t reason;
		uint64_t count;
		if (rec->data && !trace_ctx_vcpu_unpack(rec->data, rec->len, &cpu, &reason, &count)) {
			fd(o, j, "cpu", cpu);
			fd(o, j, "exit_reason", reason);
			fd(o, j, "count", count);
		}
		break;
	}
	default:
		if (EV_IS_CONTEXT(rec->kind))
			fd(o, j, "bytes", rec->len);
		break;
	}
}

const char *record_kind_name(unsigned kind)
{
	return EV_IS_CONTEXT(kind) ? trace_ctx_kind_name(kind) : irq_event_kind_name(kind);
}

const char *record_kind_label(unsigned kind, char *buf, size_t len)
{
	const char *n = record_kind_name(kind);
	if (n)
		return n;
	snprintf(buf, len, "kind_0x%02x", kind);
	return buf;
}

size_t record_format_text(const struct trace_record *rec, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char tmp[16];
	if (!len)
		return 0;
	buf[0] = '\0';
	put(&o, "%10" PRIu64 " %6" PRIu64 ".%09" PRIu64 " %-10s", rec->num, rec->t / 1000000000u,
	    rec->t % 1000000000u, record_kind_label(rec->kind, tmp, sizeof(tmp)));
	fields(&o, rec, false);
	return o.pos;
}

size_t record_format_json(const struct trace_record *rec, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char tmp[16];
	if (!len)
		return 0;
	buf[0] = '\0';
	put(&o, "{\"n\":%" PRIu64 ",\"t\":%" PRIu64 ",\"kind\":\"%s\"", rec->num, rec->t,
	    record_kind_label(rec->kind, tmp, sizeof(tmp)));
	fields(&o, rec, true);
	put(&o, "}");
	return o.pos;
}
