/* SPDX-License-Identifier: MIT */
/* Text and JSON renderings of trace records (`irqrr dump`). */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "replay.h"

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

/* "key=value" fields (text) or "\"key\":value" members (json). */
static void fields(struct out *o, const struct trace_record *rec, bool j)
{
	const struct irq_event *e = &rec->ev;
	switch (rec->kind) {
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		fx(o, j, "port", e->u.pio.port);
		fx(o, j, "value", e->u.pio.value);
		break;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
		fx(o, j, "addr", e->u.mmio.addr);
		fx(o, j, "value", e->u.mmio.value);
		break;
	case EV_IRQ:
		fd(o, j, "gsi", e->u.irq.gsi);
		fd(o, j, "level", e->u.irq.level);
		break;
	case EV_INTACK:
		fd(o, j, "cpu", e->u.intack.cpu);
		fx(o, j, "vector", e->u.intack.vector);
		break;
	case EV_EOI:
		fx(o, j, "vector", e->u.eoi.vector);
		fd(o, j, "cpu", e->u.eoi.cpu);
		break;
	case EV_LVT:
		fd(o, j, "cpu", e->u.lvt.cpu);
		fd(o, j, "pin", e->u.lvt.pin);
		fx(o, j, "value", e->u.lvt.value);
		break;
	case EV_WIRE: {
		const char *name = board_wire_name(e->u.wire.id);
		if (name)
			fs(o, j, "wire", name);
		else
			fd(o, j, "wire", e->u.wire.id);
		fd(o, j, "level", e->u.wire.level);
		break;
	}
	case EV_APIC_MSG:
		fx(o, j, "dest", e->u.apic.dest);
		fx(o, j, "vector", e->u.apic.vector);
		fs(o, j, "mode", apic_delivery_name(e->u.apic.delivery));
		fs(o, j, "trigger", e->u.apic.trigger ? "level" : "edge");
		fs(o, j, "destmode", e->u.apic.destmode ? "logical" : "physical");
		fd(o, j, "pin", e->u.apic.pin);
		break;
	case EV_LINT:
		fd(o, j, "cpu", e->u.lint.cpu);
		fd(o, j, "pin", e->u.lint.pin);
		fs(o, j, "mode", apic_delivery_name(e->u.lint.mode));
		fd(o, j, "level", e->u.lint.level);
		if (e->u.lint.mode == APIC_DM_FIXED)
			fx(o, j, "vector", e->u.lint.vector);
		break;
	case EV_DEADLINE:
		if (e->u.deadline.t == UINT64_MAX)
			put(o, j ? ",\"deadline\":null" : " deadline=none");
		else
			fd(o, j, "deadline", e->u.deadline.t);
		break;
	case EV_CTX_CONSOLE:
		if (rec->data && rec->len >= 1) {
			fd(o, j, "cpu", rec->data[0]);
			ftext(o, j, "text", rec->data + 1, rec->len - 1);
		}
		break;
	case EV_CTX_MARK:
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

static const char *kind_name(unsigned kind, char *tmp, size_t len)
{
	const char *n = EV_IS_CONTEXT(kind) ? trace_ctx_kind_name(kind) : irq_event_kind_name(kind);
	if (n)
		return n;
	snprintf(tmp, len, "kind_0x%02x", kind);
	return tmp;
}

size_t record_format_text(const struct trace_record *rec, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char tmp[16];
	if (!len)
		return 0;
	buf[0] = '\0';
	put(&o, "%10" PRIu64 " %6" PRIu64 ".%09" PRIu64 " %-10s", rec->num, rec->t / 1000000000u,
	    rec->t % 1000000000u, kind_name(rec->kind, tmp, sizeof(tmp)));
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
	    kind_name(rec->kind, tmp, sizeof(tmp)));
	fields(&o, rec, true);
	put(&o, "}");
	return o.pos;
}
