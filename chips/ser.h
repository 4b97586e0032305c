/* SPDX-License-Identifier: MIT */
/*
 * One function per chip describes its saved-state layout, used both to save
 * and to load (so the two can never drift apart). All values little-endian.
 * A load past the end, or a chip's own validation failure, sets err.
 */
#ifndef IRQRR_SER_H
#define IRQRR_SER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ser {
	uint8_t *buf;  /* save: destination (may be NULL to measure); load: source */
	size_t len;    /* capacity (save) or available bytes (load) */
	size_t pos;    /* bytes produced / consumed so far */
	int load;      /* 0 save, 1 load */
	const char *err; /* first error, NULL if none */
};

static inline void ser_bytes(struct ser *s, void *p, size_t n)
{
	uint8_t *v = p;
	if (s->err)
		return;
	if (s->load) {
		if (s->len - s->pos < n || s->pos > s->len) {
			s->err = "state truncated";
			return;
		}
		memcpy(v, s->buf + s->pos, n);
	} else if (s->buf) {
		if (s->len - s->pos < n || s->pos > s->len) {
			s->err = "state buffer too small";
			return;
		}
		memcpy(s->buf + s->pos, v, n);
	}
	s->pos += n;
}

static inline void ser_u8(struct ser *s, uint8_t *v) { ser_bytes(s, v, 1); }

static inline void ser_u16(struct ser *s, uint16_t *v)
{
	uint8_t b[2] = { (uint8_t)*v, (uint8_t)(*v >> 8) };
	ser_bytes(s, b, 2);
	if (s->load && !s->err)
		*v = (uint16_t)(b[0] | b[1] << 8);
}

static inline void ser_u32(struct ser *s, uint32_t *v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(*v >> (8 * i));
	ser_bytes(s, b, 4);
	if (s->load && !s->err) {
		uint32_t x = 0;
		for (int i = 0; i < 4; i++)
			x |= (uint32_t)b[i] << (8 * i);
		*v = x;
	}
}

static inline void ser_u64(struct ser *s, uint64_t *v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(*v >> (8 * i));
	ser_bytes(s, b, 8);
	if (s->load && !s->err) {
		uint64_t x = 0;
		for (int i = 0; i < 8; i++)
			x |= (uint64_t)b[i] << (8 * i);
		*v = x;
	}
}

/* Mark a load invalid (value out of range for the chip). */
static inline void ser_invalid(struct ser *s, const char *why)
{
	if (!s->err)
		s->err = why;
}

#endif
