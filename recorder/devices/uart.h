/* SPDX-License-Identifier: MIT */
/* 16550A UART (COM1 at 0x3f8, IRQ4) whose transmitter is the console and
 * whose receiver takes bytes from a source when it has room (console.h). */
#ifndef IRQRR_UART_H
#define IRQRR_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_FIFO 16

struct uart {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thr_int;             /* THR-empty interrupt pending */
	uint8_t rx[UART_FIFO];
	unsigned rx_head, rx_count;
	int irq_level;
	/* the IRQ line and the console, owned by the caller */
	void (*set_irq)(void *ctx, int level);
	void (*tx)(void *ctx, uint8_t byte);
	const struct uart_rx_source *src; /* NULL: nothing on the line */
	bool rx_src[UART_FIFO];    /* which FIFO bytes came from src (not loopback) */
	void *ctx;
};

/* Where received bytes come from (the console); called with the lock held. */
struct uart_rx_source {
	/* the receiver has room: up to max bytes, which arrive now */
	size_t (*pull)(void *ctx, uint8_t *buf, size_t max);
	/* the guest cleared the receive FIFO before reading these: the source
	 * sends them again later (to the guest, a line that was slower) */
	void (*unpull)(void *ctx, const uint8_t *buf, size_t n);
	/* the guest read this byte from the RBR */
	void (*taken)(void *ctx, uint8_t byte);
};

void uart_init(struct uart *u, void (*set_irq)(void *, int), void (*tx)(void *, uint8_t), void *ctx);
/* One byte access at offset 0..7 from the base. */
void uart_write(struct uart *u, unsigned off, uint8_t value);
uint8_t uart_read(struct uart *u, unsigned off);
/* A byte arrives on the line; dropped (overrun) when the FIFO is full. */
void uart_receive(struct uart *u, uint8_t byte);
/* Sets the receive source (before the guest runs). */
void uart_set_rx_source(struct uart *u, const struct uart_rx_source *src);
/* The source has new bytes: take what fits into the receiver now. */
void uart_rx_poll(struct uart *u);
/* How many more bytes the receiver holds: 16 with the FIFO enabled (FCR
 * bit 0), 1 (the RBR) without, 0 in loopback (the line is disconnected). */
unsigned uart_rx_room(const struct uart *u);

#endif
