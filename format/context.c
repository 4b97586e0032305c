/* SPDX-License-Identifier: MIT */
/* Context record payloads (docs/FORMAT.md "Context records") and names. */
#include "irqrr/trace.h"
#include "trace_internal.h"

size_t trace_ctx_msi_pack(uint8_t *b, const struct trace_ctx_msi *m)
{
	b[0] = m->msg.dest;
	b[1] = m->msg.vector;
	b[2] = m->msg.delivery;
	b[3] = m->msg.destmode;
	b[4] = m->msg.trigger;
	b[5] = m->msg.pin;
	b[6] = m->result;
	b[7] = m->err;
	return TRACE_CTX_MSI_LEN;
}

int trace_ctx_msi_unpack(const uint8_t *b, size_t len, struct trace_ctx_msi *m)
{
	if (len != TRACE_CTX_MSI_LEN)
		return -1;
	m->msg.dest = b[0];
	m->msg.vector = b[1];
	m->msg.delivery = b[2];
	m->msg.destmode = b[3];
	m->msg.trigger = b[4];
	m->msg.pin = b[5];
	m->result = b[6];
	m->err = b[7];
	return 0;
}

size_t trace_ctx_exit_pack(uint8_t *b, uint8_t reason, int32_t status)
{
	b[0] = reason;
	put_le32(b + 1, (uint32_t)status);
	return TRACE_CTX_EXIT_LEN;
}

int trace_ctx_exit_unpack(const uint8_t *b, size_t len, uint8_t *reason, int32_t *status)
{
	if (len != TRACE_CTX_EXIT_LEN)
		return -1;
	*reason = b[0];
	uint32_t u = get_le32(b + 1);
	*status = u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
	return 0;
}

size_t trace_ctx_vcpu_pack(uint8_t *b, uint8_t cpu, uint32_t reason, uint64_t count)
{
	b[0] = cpu;
	put_le32(b + 1, reason);
	put_le64(b + 5, count);
	return TRACE_CTX_VCPU_LEN;
}

int trace_ctx_vcpu_unpack(const uint8_t *b, size_t len, uint8_t *cpu, uint32_t *reason, uint64_t *count)
{
	if (len != TRACE_CTX_VCPU_LEN)
		return -1;
	*cpu = b[0];
	*reason = get_le32(b + 1);
	*count = get_le64(b + 5);
	return 0;
}

const char *trace_ctx_kind_name(unsigned kind)
{
	switch (kind) {
	case EV_CTX_CONSOLE: return "console";
	case EV_CTX_MSI_RESULT: return "msi_result";
	case EV_CTX_MARK: return "mark";
	case EV_CTX_EXIT: return "exit";
	case EV_CTX_VCPU: return "vcpu";
	case EV_CTX_CONSOLE_IN: return "console_in";
	default: return NULL;
	}
}

const char *trace_status_name(int status)
{
	switch (status) {
	case TRACE_OK: return "ok";
	case TRACE_E_IO: return "i/o error";
	case TRACE_E_NOMEM: return "out of memory";
	case TRACE_E_NOT_TRACE: return "not an irqrr trace";
	case TRACE_E_VERSION: return "needs a newer irqrr";
	case TRACE_E_CHECKSUM: return "checksum mismatch";
	case TRACE_E_CORRUPT: return "corrupt";
	case TRACE_E_TRUNCATED: return "truncated";
	case TRACE_E_RANGE: return "out of range";
	case TRACE_E_INVAL: return "invalid argument";
	default: return "unknown error";
	}
}
