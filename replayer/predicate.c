/* SPDX-License-Identifier: MIT */
#include "predicate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	uint64_t mul;
	if (!*end || !strcmp(end, "ns"))
		mul = 1;
	else if (!strcmp(end, "us"))
		mul = 1000;
	else if (!strcmp(end, "ms"))
		mul = 1000000;
	else if (!strcmp(end, "s"))
		mul = 1000000000;
	else
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*ns = v * mul;
	return 0;
}

static const struct {
	const char *name;
	enum pred_kind kind;
	int max; /* targets 0..max-1; 0: no target */
} kinds[] = {
	{ "line-undelivered", PRED_LINE_UNDELIVERED, BOARD_GSIS },
	{ "remote-irr", PRED_REMOTE_IRR, IOAPIC_PINS },
	{ "isr-held", PRED_ISR_HELD, 16 },
	{ "no-intack", PRED_NO_INTACK, 0 },
	{ "diverge", PRED_DIVERGE, 0 },
	{ "hpet-status", PRED_HPET_STATUS, HPET_TIMERS },
	{ "hpet-legacy-cut", PRED_HPET_LEGACY_CUT, 0 },
};

const char *predicate_parse(const char *s, struct predicate *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->text, sizeof(p->text), "%s", s);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].name);
		if (strncmp(s, kinds[i].name, n) || (s[n] && s[n] != ':' && s[n] != '>'))
			continue;
		const char *rest = s + n;
		p->kind = kinds[i].kind;
		if (p->kind == PRED_DIVERGE) {
			if (*rest != ':' || !rest[1])
				return "diverge needs model variants: diverge:KEY=VALUE[,KEY=VALUE]";
			char buf[160];
			snprintf(buf, sizeof(buf), "%s", rest + 1);
			for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				const char *why = variant_parse(&p->variants, tok);
				if (why)
					return why;
			}
			return p->variants.n ? NULL : "diverge needs at least one KEY=VALUE";
		}
		if (kinds[i].max) {
			if (*rest != ':')
				return kinds[i].kind == PRED_LINE_UNDELIVERED
					       ? "expected line-undelivered:GSI|any>DURATION"
				       : kinds[i].kind == PRED_REMOTE_IRR
					       ? "expected remote-irr:PIN|any>DURATION"
				       : kinds[i].kind == PRED_HPET_STATUS
					       ? "expected hpet-status:TIMER|any>DURATION (TIMER 0..2)"
					       : "expected isr-held:IRQ|any>DURATION";
			rest++;
			if (!strncmp(rest, "any", 3)) {
				p->target = PRED_ANY;
				rest += 3;
			} else {
				char *end;
				errno = 0;
				long v = strtol(rest, &end, 0);
				if (end == rest || errno || v < 0 || v >= kinds[i].max)
					return kinds[i].kind == PRED_ISR_HELD	 ? "IRQ must be 0..15 or any"
					       : kinds[i].kind == PRED_HPET_STATUS ? "HPET timer must be 0..2 or any"
										  : "GSI/pin must be 0..23 or any";
				if (kinds[i].kind == PRED_ISR_HELD && v == 2)
					return "IRQ 2 is the cascade (master ISR bit 2 belongs to the slave's IRQs 8..15)";
				p->target = (int)v;
				rest = end;
			}
		}
		if (*rest != '>')
			return "expected >DURATION after the predicate (e.g. >10ms)";
		if (parse_duration(rest + 1, &p->duration))
			return "bad duration (examples: 500us, 10ms, 2s, 1500ns)";
		return NULL;
	}
	return "unknown predicate (line-undelivered:, remote-irr:, isr-held:, no-intack>, hpet-status:, "
	       "hpet-legacy-cut>, diverge:)";
}

static void null_sink(void *ctx, const struct irq_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void eval_reset(struct pred_eval *e, const struct predicate *p)
{
	e->p = p;
	e->on = 0;
	e->hit = false;
	memset(e->since, 0, sizeof(e->since));
}

const char *pred_eval_start(struct pred_eval *e, const struct predicate *p, const uint8_t *kf,
			    size_t kflen)
{
	eval_reset(e, p);
	e->b = malloc(sizeof(*e->b));
	if (!e->b)
		return "out of memory";
	board_init_blank(e->b);
	const char *why = kflen ? board_load(e->b, kf, kflen) : "chunk has no keyframe";
	if (why) {
		free(e->b);
		e->b = NULL;
		return why;
	}
	board_set_sink(e->b, null_sink, NULL);
	return NULL;
}

const char *pred_eval_start_cfg(struct pred_eval *e, const struct predicate *p,
				const struct board_config *cfg)
{
	eval_reset(e, p);
	e->b = malloc(sizeof(*e->b));
	if (!e->b)
		return "out of memory";
	if (board_init(e->b, cfg, null_sink, NULL)) {
		free(e->b);
		e->b = NULL;
		return "bad board configuration";
	}
	return NULL;
}

void pred_eval_end(struct pred_eval *e)
{
	free(e->b);
	e->b = NULL;
}

uint32_t pred_state_mask(const struct predicate *p, const struct board *b)
{
	const struct board_state *s = &b->s;
	uint32_t m = 0;
	switch (p->kind) {
	case PRED_LINE_UNDELIVERED:
		m = board_line_levels(b); /* devices, PIT, RTC, HPET as wired now */
		break;
	case PRED_REMOTE_IRR:
		for (unsigned i = 0; i < IOAPIC_PINS; i++)
			if (ioapic_pin_status(&s->ioapic, i) & IOAPIC_PIN_REMOTE_IRR)
				m |= 1u << i;
		break;
	case PRED_ISR_HELD:
		m = board_lines_in_service(b);
		break;
	case PRED_NO_INTACK:
		m = s->pic_int ? 1 : 0;
		break;
	case PRED_HPET_STATUS:
		/* GINTR_STA as the board has settled it (at the HPET's events
		 * and accesses; a disabled level timer's bit shows at the next
		 * access) */
		if (b->cfg.hpet)
			m = (uint32_t)(s->hpet.isr & ((1u << HPET_TIMERS) - 1u));
		break;
	case PRED_HPET_LEGACY_CUT:
		/* legacy route on and timer 0 cannot deliver: IRQ0 is dead */
		if (b->cfg.hpet && hpet_legacy(&s->hpet) &&
		    (!(s->hpet.conf & HPET_ENABLE_CNF) || !(s->hpet.t[0].conf & HPET_TN_INT_ENB)))
			m = 1;
		break;
	case PRED_DIVERGE:
		break;
	}
	return m;
}

uint32_t pred_watch_mask(const struct predicate *p)
{
	if (p->kind == PRED_NO_INTACK || p->kind == PRED_HPET_LEGACY_CUT || p->target == PRED_ANY)
		return (1u << BOARD_GSIS) - 1;
	return 1u << p->target;
}

void pred_eval_restart(struct pred_eval *e, const struct board *b)
{
	*e->b = *b;
	board_set_sink(e->b, null_sink, NULL);
	eval_reset(e, e->p);
}

/* Targets whose "since" restarts at this event: deliveries. */
static uint32_t delivered_mask(const struct pred_eval *e, const struct irq_event *ev)
{
	const struct board_state *s = &e->b->s;
	if (e->p->kind == PRED_NO_INTACK)
		return ev->kind == EV_INTACK ? 1 : 0;
	if (e->p->kind == PRED_REMOTE_IRR) {
		/* an EOI that clears remote IRR while the line is still asserted
		 * re-sends at once: the new message starts a new interval */
		if (ev->kind == EV_APIC_MSG && ev->u.apic.trigger && ev->u.apic.pin < IOAPIC_PINS)
			return 1u << ev->u.apic.pin;
		return 0;
	}
	if (e->p->kind != PRED_LINE_UNDELIVERED)
		return 0;
	if (ev->kind == EV_APIC_MSG) {
		unsigned pin = ev->u.apic.pin;
		uint32_t m = pin < BOARD_GSIS ? 1u << pin : 0;
		if (pin == 2)
			m |= 1; /* ISA IRQ0 reaches pin 2 */
		return m;
	}
	if (ev->kind == EV_INTACK) {
		int irq = pic_pair_irq_of_vector(&s->pic, ev->u.intack.vector);
		if (irq >= 0)
			return 1u << irq;
	}
	return 0;
}

int pred_eval_feed(struct pred_eval *e, uint64_t num, const struct irq_event *ev)
{
	if (e->hit)
		return 0;
	if (EV_IS_INPUT(ev->kind)) {
		int rc = board_apply_bounded(e->b, ev, &e->lim);
		if (rc)
			return rc;
	} else if (EV_IS_OUTPUT(ev->kind)) {
		/* a timed output: the board reaches it at its own time */
		if (ev->t > e->b->s.now) {
			int rc = board_advance_bounded(e->b, ev->t, &e->lim);
			if (rc)
				return rc;
		}
	} else {
		return 0;
	}
	uint64_t t = ev->t;
	uint32_t now_on = pred_state_mask(e->p, e->b);
	uint32_t rise = now_on & ~e->on;
	uint32_t restart = (rise | delivered_mask(e, ev)) & now_on;
	for (uint32_t m = restart; m; m &= m - 1)
		e->since[__builtin_ctz(m)] = t;
	e->on = now_on;
	uint32_t watch = e->on & pred_watch_mask(e->p);
	for (uint32_t m = watch; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctz(m);
		if (t > e->since[i] && t - e->since[i] > e->p->duration) {
			e->hit = true;
			e->hit_num = num;
			e->hit_t = t;
			e->hit_since = e->since[i];
			e->hit_target = (int)i;
			return 1;
		}
	}
	return 0;
}

void pred_eval_describe(const struct pred_eval *e, char *buf, size_t len)
{
	char head[80];
	switch (e->p->kind) {
	case PRED_LINE_UNDELIVERED:
		snprintf(head, sizeof(head), "line %d asserted without a delivery", e->hit_target);
		break;
	case PRED_REMOTE_IRR:
		snprintf(head, sizeof(head), "remote IRR of IOAPIC pin %d set", e->hit_target);
		break;
	case PRED_ISR_HELD:
		snprintf(head, sizeof(head), "PIC ISR bit of IRQ %d set", e->hit_target);
		break;
	case PRED_HPET_STATUS:
		snprintf(head, sizeof(head), "HPET GINTR_STA bit %d (hpet.t%d, level) set", e->hit_target,
			 e->hit_target);
		break;
	case PRED_HPET_LEGACY_CUT:
		snprintf(head, sizeof(head), "IRQ0 cut off by the HPET's legacy route, timer 0 silent");
		break;
	default:
		snprintf(head, sizeof(head), "PIC INT high without an INTACK");
		break;
	}
	snprintf(buf, len, "%s since t=%" PRIu64 " ns: %" PRIu64 " ns > %" PRIu64 " ns at t=%" PRIu64,
		 head, e->hit_since, e->hit_t - e->hit_since, e->p->duration, e->hit_t);
}
