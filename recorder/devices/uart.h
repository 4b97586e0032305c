/* SPDX-License-Identifier: MIT */
/* 16550A UART (COM1 at 0x3f8, IRQ4) whose transmitter is the console. */
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
	void *ctx;
};

void uart_init(struct uart *u, void (*set_irq)(void *, int), void (*tx)(void *, uint8_t), void *ctx);
/* One byte access at offset 0..7 from the base. */
void uart_write(struct uart *u, unsigned off, uint8_t value);
uint8_t uart_read(struct uart *u, unsigned off);
/* A byte arrives on the line; dropped (overrun) when the FIFO is full. */
void uart_receive(struct uart *u, uint8_t byte);

#endif
