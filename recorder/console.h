/* SPDX-License-Identifier: MIT */
/*
 * The live console's input side: irqrr's standard input feeds the guest's
 * UART receiver (docs/recorder.md, "Console input"). On a terminal: raw
 * mode and Ctrl-A escapes (x: stop, r: hang report, h: help, Ctrl-A: a
 * literal Ctrl-A); from a pipe or file: the bytes as they come. The reader
 * thread keeps what the guest has not taken yet; the UART pulls it when its
 * receiver has room (uart.h, rx_pull).
 */
#ifndef IRQRR_CONSOLE_H
#define IRQRR_CONSOLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_ESCAPE 0x01       /* Ctrl-A */
#define CONSOLE_BUF 4096          /* input read but not yet taken by the guest */
#define CONSOLE_UNPULL 16         /* room kept for bytes a FIFO clear gives back */

/* Requests typed on a terminal (console_take_requests) */
#define CONSOLE_REQ_EXIT 1u       /* Ctrl-A x: stop as SIGINT does */
#define CONSOLE_REQ_REPORT 2u     /* Ctrl-A r: a hang report, as SIGUSR1 */

/* The escape filter, pure: bytes typed -> bytes for the guest + requests. */
struct console_escape {
	bool pending;             /* a Ctrl-A was the last byte */
};
/* Filters n bytes of in into out (room for n bytes); returns the bytes
 * for the guest. Requests are or-ed into *requests; *help is set when the
 * user asked for the key list (Ctrl-A h) or typed an unknown escape. */
size_t console_escape_filter(struct console_escape *e, const uint8_t *in, size_t n, uint8_t *out,
			     unsigned *requests, bool *help);
extern const char console_help[];

struct console {
	int fd;                   /* standard input */
	bool tty;                 /* a terminal in raw mode (restored at stop) */
	bool verbose;
	int wakefd;               /* eventfd: stop, or room in buf again */
	atomic_bool stopping;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;     /* buf, head, count, want_room */
	uint8_t buf[CONSOLE_BUF];
	unsigned head, count;
	bool want_room;           /* the reader waits for the guest to take bytes */
	struct console_escape esc;
	atomic_uint requests;     /* CONSOLE_REQ_* not yet taken */
	atomic_ullong received;   /* bytes read from the input (after escapes) */
	/* the owner's hooks, called from the reader thread */
	void (*input)(void *ctx);   /* new bytes in buf: let the UART pull */
	void (*request)(void *ctx); /* a CONSOLE_REQ_* was posted */
	void *ctx;
};

/* Whether fd can feed a console: 1 yes (tty: also whether it is a terminal
 * this process may use, i.e. in the foreground), 0 no (a terminal in the
 * background: reading it would stop the process). */
int console_input_usable(int fd, bool *tty);
/* Starts the reader on fd (raw mode on a terminal); 0 or -1 after one line. */
int console_start(struct console *c, int fd, bool tty, bool verbose, void (*input)(void *), void (*request)(void *),
		  void *ctx);
/* Moves up to max buffered bytes into out (the UART's pull); any thread. */
size_t console_pull(struct console *c, uint8_t *out, size_t max);
/* Puts n pulled bytes back in front (the guest cleared its FIFO); n is at
 * most the UART's FIFO size, for which the reader always leaves room. */
void console_unpull(struct console *c, const uint8_t *b, size_t n);
unsigned console_take_requests(struct console *c);
/* Stops the reader and restores the terminal; safe to call twice or
 * when never started. */
void console_stop(struct console *c);
/* Puts the terminal back now (also done at exit and on fatal signals). */
void console_restore_terminal(void);

#endif
