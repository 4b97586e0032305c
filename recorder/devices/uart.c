/* SPDX-License-Identifier: MIT */
/*
 * 16550A UART, as far as a console needs: transmission is instantaneous
 * (THRE and TEMT are always set after a write), receive has a 16-byte FIFO.
 * Interrupt identification follows the 16550A datasheet's priority table:
 * line status > received data > THR empty > modem status. The IRQ reaches
 * the bus only while MCR OUT2 is set, as on the PC.
 *
 * Receive: bytes from the source (the console) enter only when the
 * receiver has room, so the line never overruns: the guest sets the pace.
 * With the FIFO enabled, "received data available" (IIR 0x4) stands for a
 * FIFO at or above its trigger level (FCR bits 7:6: 1, 4, 8, 14 bytes) and
 * "character timeout" (IIR 0xc) for fewer bytes waiting; the datasheet's
 * four character times of line silence are taken as over at once (the
 * source has nothing more to send at that moment). Both clear as the
 * FIFO is read below the level / empty.
 */
#include <string.h>

#include "uart.h"

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LCR_DLAB 0x80

void uart_init(struct uart *u, void (*set_irq)(void *, int), void (*tx)(void *, uint8_t), void *ctx)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = 0xb0; /* DCD, DSR, CTS */
	u->dll = 0x0c; /* 9600 baud */
	u->set_irq = set_irq;
	u->tx = tx;
	u->ctx = ctx;
}

static const uint8_t rx_trigger_levels[4] = {1, 4, 8, 14};

/* IIR identification bits 3:0 (1 = nothing pending). */
static uint8_t uart_iid(const struct uart *u)
{
	if ((u->ier & IER_RLS) && (u->lsr & LSR_OE))
		return 0x06;
	if ((u->ier & IER_RDA) && u->rx_count)
		return (u->fcr & 1) && u->rx_count < rx_trigger_levels[u->fcr >> 6] ? 0x0c : 0x04;
	if ((u->ier & IER_THRE) && u->thr_int)
		return 0x02;
	if ((u->ier & IER_MS) && (u->msr & 0x0f))
		return 0x00;
	return 0x01;
}

static void uart_update_irq(struct uart *u)
{
	int level = !(uart_iid(u) & 1) && (u->mcr & MCR_OUT2);
	if (level != u->irq_level) {
		u->irq_level = level;
		u->set_irq(u->ctx, level);
	}
}

static void rx_push(struct uart *u, uint8_t b, bool from_src)
{
	if (u->rx_count == UART_FIFO) {
		u->lsr |= LSR_OE;
		return;
	}
	unsigned slot = (u->rx_head + u->rx_count++) % UART_FIFO;
	u->rx[slot] = b;
	u->rx_src[slot] = from_src;
	u->lsr |= LSR_DR;
}

/* FCR bit 1: the FIFO's source bytes go back to the source, in order. */
static void rx_clear(struct uart *u)
{
	uint8_t back[UART_FIFO];
	size_t n = 0;
	for (unsigned i = 0; i < u->rx_count; i++) {
		unsigned slot = (u->rx_head + i) % UART_FIFO;
		if (u->rx_src[slot])
			back[n++] = u->rx[slot];
	}
	u->rx_count = 0;
	u->lsr &= (uint8_t)~LSR_DR;
	if (n && u->src)
		u->src->unpull(u->ctx, back, n);
}

unsigned uart_rx_room(const struct uart *u)
{
	unsigned cap = (u->fcr & 1) ? UART_FIFO : 1;
	if (!u->src || (u->mcr & MCR_LOOP) || u->rx_count >= cap)
		return 0;
	return cap - u->rx_count;
}

/* Lock held: take from the source what the receiver has room for. */
static void rx_refill(struct uart *u)
{
	uint8_t b[UART_FIFO];
	unsigned room = uart_rx_room(u);
	size_t n = room ? u->src->pull(u->ctx, b, room) : 0;
	for (size_t i = 0; i < n; i++)
		rx_push(u, b[i], true);
}

static uint8_t loop_msr(uint8_t mcr)
{
	/* loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
	return (uint8_t)(((mcr & 1) << 5) | ((mcr & 2) << 3) | ((mcr & 4) << 4) | ((mcr & 8) << 4));
}

void uart_write(struct uart *u, unsigned off, uint8_t value)
{
	pthread_mutex_lock(&u->lock);
	switch (off & 7) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->dll = value;
		} else {
			if (u->mcr & MCR_LOOP)
				rx_push(u, value, false);
			else
				u->tx(u->ctx, value);
			u->thr_int = true; /* sent at once: THR is empty again */
		}
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = value;
		} else {
			/* Enabling ETBEI with THR empty raises THRE at once. */
			if ((value & IER_THRE) && !(u->ier & IER_THRE))
				u->thr_int = true;
			u->ier = value & 0x0f;
		}
		break;
	case 2:
		u->fcr = value & 0xc9;
		if (value & 0x02) /* clear RX FIFO */
			rx_clear(u);
		break;
	case 3:
		u->lcr = value;
		break;
	case 4: {
		u->mcr = value & 0x1f;
		if (u->mcr & MCR_LOOP) {
			uint8_t m = loop_msr(u->mcr);
			u->msr = (uint8_t)(m | (((m ^ u->msr) >> 4) & 0x0b));
		} else {
			u->msr = (uint8_t)(0xb0 | (u->msr & 0x0f));
		}
		break;
	}
	case 5: /* LSR is read-only (factory test only) */
		break;
	case 6:
		break;
	case 7:
		u->scr = value;
		break;
	}
	rx_refill(u); /* FIFO enabled or cleared, loopback left */
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

uint8_t uart_read(struct uart *u, unsigned off)
{
	uint8_t v = 0xff;
	pthread_mutex_lock(&u->lock);
	switch (off & 7) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
		} else if (u->rx_count) {
			v = u->rx[u->rx_head];
			if (u->rx_src[u->rx_head] && u->src)
				u->src->taken(u->ctx, v);
			u->rx_head = (u->rx_head + 1) % UART_FIFO;
			if (--u->rx_count == 0)
				u->lsr &= (uint8_t)~LSR_DR;
		} else {
			v = 0;
		}
		break;
	case 1:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2: {
		uint8_t iid = uart_iid(u);
		v = (uint8_t)(iid | ((u->fcr & 1) ? 0xc0 : 0));
		if (iid == 0x02)
			u->thr_int = false; /* reading IIR with THRE shown clears it */
		break;
	}
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		v = u->lsr;
		u->lsr &= (uint8_t)~LSR_OE;
		break;
	case 6:
		v = u->msr;
		u->msr &= 0xf0;
		break;
	case 7:
		v = u->scr;
		break;
	}
	if ((off & 7) == 0)
		rx_refill(u); /* a byte taken: room for the next */
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return v;
}

void uart_receive(struct uart *u, uint8_t byte)
{
	pthread_mutex_lock(&u->lock);
	rx_push(u, byte, false);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

void uart_set_rx_source(struct uart *u, const struct uart_rx_source *src)
{
	pthread_mutex_lock(&u->lock);
	u->src = src;
	pthread_mutex_unlock(&u->lock);
}

void uart_rx_poll(struct uart *u)
{
	pthread_mutex_lock(&u->lock);
	rx_refill(u);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}
