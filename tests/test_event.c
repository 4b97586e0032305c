/* SPDX-License-Identifier: MIT */
/* The table of event kinds (chips/event.c): one row per kind, fields that
 * lie inside struct irq_event, and an irq_event_equal that reads them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "irqrr/trace.h"

static const unsigned board_kinds[] = {
	EV_RESET, EV_TIME, EV_PIO_WRITE, EV_PIO_READ, EV_MMIO_WRITE, EV_MMIO_READ, EV_IRQ,
	EV_INTACK, EV_EOI, EV_LVT, EV_MMIO_WRITE64, EV_MMIO_READ64, EV_WIRE, EV_APIC_MSG,
	EV_LINT, EV_DEADLINE,
};
#define NKINDS (sizeof(board_kinds) / sizeof(board_kinds[0]))

static bool is_board_kind(unsigned k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (board_kinds[i] == k)
			return true;
	return false;
}

/* Every kind of enum irq_event_kind has its row, and no other number has
 * one; a row says its own kind and which way it flows. */
static void every_kind_has_one_row(void **state)
{
	(void)state;
	for (unsigned k = 0; k < 256; k++) {
		const struct irq_kind_desc *d = irq_kind_desc(k);
		if (!is_board_kind(k)) {
			assert_null(d);
			assert_null(irq_event_kind_name(k));
			continue;
		}
		assert_non_null(d);
		assert_int_equal(d->kind, k);
		assert_int_equal(d->input, EV_IS_INPUT(k));
		assert_int_equal(!d->input, EV_IS_OUTPUT(k));
		assert_ptr_equal(irq_event_kind_name(k), d->name);
		/* inputs are script commands; outputs are not */
		if (d->input)
			assert_non_null(d->script);
		else
			assert_null(d->script);
	}
}

/* Names are non-empty and unique, also against the context kinds: dump's
 * --kind finds a kind by its name. */
static void names_unique(void **state)
{
	(void)state;
	const char *names[256];
	unsigned n = 0;
	for (unsigned k = 0; k < 256; k++) {
		const char *name = EV_IS_CONTEXT(k) ? trace_ctx_kind_name(k) : irq_event_kind_name(k);
		if (!name)
			continue;
		assert_true(name[0] != '\0');
		for (unsigned i = 0; i < n; i++)
			assert_string_not_equal(names[i], name);
		names[n++] = name;
	}
	assert_int_equal(n, NKINDS + 6);
}

/* Each field is a member of the union: inside struct irq_event, after its
 * kind byte, of a C integer size; a row's fields do not overlap, their
 * names are unique, and a role appears at most once. */
static void fields_inside_event(void **state)
{
	(void)state;
	for (size_t i = 0; i < NKINDS; i++) {
		const struct irq_kind_desc *d = irq_kind_desc(board_kinds[i]);
		assert_true(d->nfields <= IRQ_KIND_MAX_FIELDS);
		unsigned roles = 0;
		for (unsigned a = 0; a < d->nfields; a++) {
			const struct irq_field_desc *f = &d->fields[a];
			assert_non_null(f->name);
			assert_true(f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8);
			assert_true(f->offset >= offsetof(struct irq_event, u));
			assert_true(f->offset + f->size <= sizeof(struct irq_event));
			assert_int_equal(f->offset % f->size, 0);
			if (f->role != IRQ_ROLE_NONE) {
				assert_false(roles & (1u << f->role));
				roles |= 1u << f->role;
			}
			/* a result is an input's, and only an input's fields are script words */
			if (f->flags & (IRQ_FIELD_RESULT | IRQ_FIELD_IN_WORD))
				assert_true(d->input);
			for (unsigned b = 0; b < a; b++) {
				const struct irq_field_desc *g = &d->fields[b];
				assert_string_not_equal(f->name, g->name);
				assert_true(f->offset + f->size <= g->offset ||
					    g->offset + g->size <= f->offset);
			}
		}
	}
}

/* The switch irq_event_equal was before the table: every member of the
 * kind's union struct, and nothing else. The table must list them all. */
static bool equal_by_members(const struct irq_event *a, const struct irq_event *b)
{
	if (a->t != b->t || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case EV_RESET:
	case EV_TIME:
		return true;
	case EV_PIO_WRITE:
	case EV_PIO_READ:
		return a->u.pio.port == b->u.pio.port && a->u.pio.value == b->u.pio.value;
	case EV_MMIO_WRITE:
	case EV_MMIO_READ:
		return a->u.mmio.addr == b->u.mmio.addr && a->u.mmio.value == b->u.mmio.value;
	case EV_MMIO_WRITE64:
	case EV_MMIO_READ64:
		return a->u.mmio64.addr == b->u.mmio64.addr && a->u.mmio64.value == b->u.mmio64.value;
	case EV_IRQ:
		return a->u.irq.gsi == b->u.irq.gsi && a->u.irq.level == b->u.irq.level;
	case EV_INTACK:
		return a->u.intack.cpu == b->u.intack.cpu && a->u.intack.vector == b->u.intack.vector;
	case EV_EOI:
		return a->u.eoi.vector == b->u.eoi.vector && a->u.eoi.cpu == b->u.eoi.cpu;
	case EV_LVT:
		return a->u.lvt.cpu == b->u.lvt.cpu && a->u.lvt.pin == b->u.lvt.pin &&
		       a->u.lvt.value == b->u.lvt.value;
	case EV_WIRE:
		return a->u.wire.id == b->u.wire.id && a->u.wire.level == b->u.wire.level;
	case EV_APIC_MSG:
		return !memcmp(&a->u.apic, &b->u.apic, sizeof(a->u.apic));
	case EV_LINT:
		return a->u.lint.cpu == b->u.lint.cpu && a->u.lint.pin == b->u.lint.pin &&
		       a->u.lint.mode == b->u.lint.mode && a->u.lint.level == b->u.lint.level &&
		       a->u.lint.vector == b->u.lint.vector;
	case EV_DEADLINE:
		return a->u.deadline.t == b->u.deadline.t;
	default:
		return false;
	}
}

/* Field by field, as the table lists them. */
static bool equal_by_table(const struct irq_event *a, const struct irq_event *b)
{
	const struct irq_kind_desc *d = irq_kind_desc(a->kind);
	if (a->t != b->t || a->kind != b->kind || !d)
		return false;
	for (unsigned i = 0; i < d->nfields; i++)
		if (irq_event_field(a, &d->fields[i]) != irq_event_field(b, &d->fields[i]))
			return false;
	return true;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_bytes(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)next_random();
}

/* Random events and random changes to them (a byte anywhere, padding
 * included; a field of the row; the kind; the time): irq_event_equal, the
 * table's comparison and the member-by-member switch all agree. */
static void equal_agrees_with_fields(void **state)
{
	(void)state;
	unsigned equal = 0, differ = 0;
	for (unsigned n = 0; n < 200000; n++) {
		struct irq_event a, b;
		random_bytes(&a, sizeof(a));
		a.kind = (uint8_t)(n % 8 == 7 ? next_random() : board_kinds[next_random() % NKINDS]);
		b = a;
		const struct irq_kind_desc *d = irq_kind_desc(a.kind);
		switch (next_random() % 5) {
		case 0: /* any byte, padding included */
			((uint8_t *)&b)[next_random() % sizeof(b)] ^= (uint8_t)(1u << (next_random() % 8));
			break;
		case 1: /* a field of the row */
			if (d && d->nfields) {
				const struct irq_field_desc *f = &d->fields[next_random() % d->nfields];
				((uint8_t *)&b)[f->offset + next_random() % f->size] ^= 0x01;
			}
			break;
		case 2:
			b.kind = (uint8_t)board_kinds[next_random() % NKINDS];
			break;
		case 3:
			b.t ^= 1;
			break;
		default: /* unchanged */
			break;
		}
		bool want = equal_by_members(&a, &b);
		assert_int_equal(irq_event_equal(&a, &b), want);
		assert_int_equal(equal_by_table(&a, &b), want);
		assert_true(!d || irq_event_equal(&a, &a));
		if (want)
			equal++;
		else
			differ++;
	}
	/* both outcomes were met often */
	assert_true(equal > 10000 && differ > 10000);
}

/* irq_event_field reads the member at its size, zero-extended. */
static void field_values(void **state)
{
	(void)state;
	struct irq_event e;
	memset(&e, 0xff, sizeof(e));
	e.kind = EV_MMIO_WRITE;
	e.u.mmio.addr = 0xfec00010;
	e.u.mmio.value = 0x80000001u;
	const struct irq_kind_desc *d = irq_kind_desc(EV_MMIO_WRITE);
	assert_int_equal(irq_event_field(&e, &d->fields[0]), 0xfec00010);
	assert_int_equal(irq_event_field(&e, &d->fields[1]), 0x80000001u);
	e.kind = EV_PIO_WRITE;
	e.u.pio.port = 0x4d1;
	e.u.pio.value = 0xde;
	d = irq_kind_desc(EV_PIO_WRITE);
	assert_int_equal(irq_event_field(&e, &d->fields[0]), 0x4d1);
	assert_int_equal(irq_event_field(&e, &d->fields[1]), 0xde);
	e.kind = EV_DEADLINE;
	e.u.deadline.t = UINT64_MAX;
	assert_true(irq_event_field(&e, &irq_kind_desc(EV_DEADLINE)->fields[0]) == UINT64_MAX);
}

/* The fields dump's --cpu, --gsi and --vector look at. */
static void roles(void **state)
{
	(void)state;
	struct irq_event e;
	unsigned v;
	memset(&e, 0, sizeof(e));
	e.kind = EV_APIC_MSG;
	e.u.apic.pin = 9;
	e.u.apic.vector = 0x41;
	e.u.apic.dest = 3;
	assert_true(irq_event_role(&e, IRQ_ROLE_GSI, &v));
	assert_int_equal(v, 9);
	assert_true(irq_event_role(&e, IRQ_ROLE_VECTOR, &v));
	assert_int_equal(v, 0x41);
	assert_false(irq_event_role(&e, IRQ_ROLE_CPU, &v));
	e.kind = EV_EOI;
	e.u.eoi.vector = 0x30;
	e.u.eoi.cpu = 2;
	assert_true(irq_event_role(&e, IRQ_ROLE_CPU, &v));
	assert_int_equal(v, 2);
	assert_true(irq_event_role(&e, IRQ_ROLE_VECTOR, &v));
	assert_int_equal(v, 0x30);
	e.kind = EV_IRQ;
	e.u.irq.gsi = 14;
	assert_true(irq_event_role(&e, IRQ_ROLE_GSI, &v));
	assert_int_equal(v, 14);
	e.kind = EV_WIRE; /* a wire id is not a GSI */
	assert_false(irq_event_role(&e, IRQ_ROLE_GSI, &v));
	e.kind = 0x30;
	assert_false(irq_event_role(&e, IRQ_ROLE_CPU, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_has_one_row),
		cmocka_unit_test(names_unique),
		cmocka_unit_test(fields_inside_event),
		cmocka_unit_test(equal_agrees_with_fields),
		cmocka_unit_test(field_values),
		cmocka_unit_test(roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
