/* SPDX-License-Identifier: MIT */
/*
 * Console input (console.h). One reader thread per run. On a terminal the
 * terminal goes into raw mode (no echo, no line editing, no signal keys:
 * Ctrl-C reaches the guest, as on a serial line) with output processing
 * kept (a guest's "\n" still starts a new line), and is put back on every
 * way out: console_stop(), exit(), and the fatal signals (the previous
 * handler, e.g. a sanitizer's, runs next).
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console.h"

const char console_help[] =
	"irqrr console keys: C-a x stop (as SIGINT)   C-a r hang report (as SIGUSR1)\r\n"
	"                    C-a C-a send C-a          C-a h this help\r\n";

size_t console_escape_filter(struct console_escape *e, const uint8_t *in, size_t n, uint8_t *out,
			     unsigned *requests, bool *help)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];
		if (!e->pending) {
			if (b == CONSOLE_ESCAPE)
				e->pending = true;
			else
				out[k++] = b;
			continue;
		}
		e->pending = false;
		switch (b) {
		case CONSOLE_ESCAPE: out[k++] = b; break;
		case 'x': case 'X': *requests |= CONSOLE_REQ_EXIT; break;
		case 'r': case 'R': *requests |= CONSOLE_REQ_REPORT; break;
		default: *help = true; break; /* h, ?, or an unknown key */
		}
	}
	return k;
}

/* The terminal as found, for every way out (one terminal per process). */
static struct termios saved_termios;
static volatile sig_atomic_t raw_fd = -1;
static const int fatal_signals[] = {SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NFATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction old_actions[NFATAL];

void console_restore_terminal(void)
{
	int fd = raw_fd;
	if (fd >= 0) {
		tcsetattr(fd, TCSANOW, &saved_termios);
		raw_fd = -1;
	}
}

static void fatal_signal(int sig)
{
	console_restore_terminal(); /* tcsetattr is async-signal-safe */
	for (size_t i = 0; i < NFATAL; i++)
		if (fatal_signals[i] == sig)
			sigaction(sig, &old_actions[i], NULL);
	/* a fault re-executes and reaches the old handler; the others are sent again */
	if (sig == SIGHUP || sig == SIGQUIT || sig == SIGABRT)
		raise(sig);
}

static int terminal_raw(int fd)
{
	static bool atexit_done;
	struct termios t;
	if (tcgetattr(fd, &saved_termios) < 0) {
		fprintf(stderr, "irqrr: console: tcgetattr: %s\n", strerror(errno));
		return -1;
	}
	t = saved_termios;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (!atexit_done) {
		atexit(console_restore_terminal);
		atexit_done = true;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFATAL; i++) {
		/* a signal ignored by whoever started irqrr stays ignored */
		sigaction(fatal_signals[i], NULL, &old_actions[i]);
		if (old_actions[i].sa_handler != SIG_IGN)
			sigaction(fatal_signals[i], &sa, NULL);
	}
	raw_fd = fd;
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		fprintf(stderr, "irqrr: console: tcsetattr: %s\n", strerror(errno));
		raw_fd = -1;
		return -1;
	}
	return 0;
}

static void terminal_restore(void)
{
	console_restore_terminal();
	for (size_t i = 0; i < NFATAL; i++)
		sigaction(fatal_signals[i], &old_actions[i], NULL);
}

int console_input_usable(int fd, bool *tty)
{
	*tty = isatty(fd);
	if (!*tty)
		return 1;
	pid_t fg = tcgetpgrp(fd);
	return fg >= 0 && fg == getpgrp();
}

/* Appends guest bytes to buf (the caller made sure they fit). */
static void buffer_put(struct console *c, const uint8_t *b, size_t n)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < n; i++)
		c->buf[(c->head + c->count++) % CONSOLE_BUF] = b[i];
	pthread_mutex_unlock(&c->lock);
	atomic_fetch_add(&c->received, n);
}

static size_t buffer_room(struct console *c)
{
	pthread_mutex_lock(&c->lock);
	size_t room = c->count + CONSOLE_UNPULL < CONSOLE_BUF ? CONSOLE_BUF - CONSOLE_UNPULL - c->count : 0;
	c->want_room = room == 0;
	pthread_mutex_unlock(&c->lock);
	return room;
}

size_t console_pull(struct console *c, uint8_t *out, size_t max)
{
	size_t n = 0;
	bool wake;
	pthread_mutex_lock(&c->lock);
	while (n < max && c->count) {
		out[n++] = c->buf[c->head];
		c->head = (c->head + 1) % CONSOLE_BUF;
		c->count--;
	}
	wake = n && c->want_room;
	if (wake)
		c->want_room = false;
	pthread_mutex_unlock(&c->lock);
	if (wake) {
		uint64_t one = 1;
		if (write(c->wakefd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow here; nothing to do */
		}
	}
	return n;
}

void console_unpull(struct console *c, const uint8_t *b, size_t n)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = n; i-- > 0 && c->count < CONSOLE_BUF;) {
		c->head = (c->head + CONSOLE_BUF - 1) % CONSOLE_BUF;
		c->buf[c->head] = b[i];
		c->count++;
	}
	pthread_mutex_unlock(&c->lock);
}

unsigned console_take_requests(struct console *c)
{
	return atomic_exchange(&c->requests, 0);
}

/* One read from the input: 1 go on, 0 end of input. */
static int console_read_once(struct console *c, size_t room)
{
	uint8_t in[256], out[256];
	ssize_t n = read(c->fd, in, room < sizeof(in) ? room : sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		if (c->verbose || n < 0)
			fprintf(stderr, "irqrr: console: end of input%s%s; the guest keeps running\n",
				n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		return 0;
	}
	unsigned req = 0;
	bool help = false;
	size_t k = c->tty ? console_escape_filter(&c->esc, in, (size_t)n, out, &req, &help) : (size_t)n;
	if (help && write(STDERR_FILENO, console_help, sizeof(console_help) - 1) < 0) {
		/* stderr gone: nothing to tell */
	}
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	if (k) {
		buffer_put(c, c->tty ? out : in, k);
		c->input(c->ctx);
	}
	if (req) {
		atomic_fetch_or(&c->requests, req);
		c->request(c->ctx);
	}
	pthread_setcancelstate(old, NULL);
	return 1;
}

static void *console_thread(void *arg)
{
	struct console *c = arg;
	bool eof = false;
	while (!atomic_load(&c->stopping)) {
		size_t room = eof ? 0 : buffer_room(c);
		struct pollfd p[2] = {{.fd = c->wakefd, .events = POLLIN}, {.fd = room ? c->fd : -1, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			uint64_t v;
			if (read(c->wakefd, &v, sizeof(v)) < 0) {
				/* a spurious wake: poll again */
			}
			continue;
		}
		if (p[1].revents && !console_read_once(c, room))
			eof = true;
	}
	return NULL;
}

int console_start(struct console *c, int fd, bool tty, bool verbose, void (*input)(void *), void (*request)(void *),
		  void *ctx)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->fd = fd;
	c->verbose = verbose;
	c->input = input;
	c->request = request;
	c->ctx = ctx;
	c->wakefd = eventfd(0, EFD_CLOEXEC);
	if (c->wakefd < 0) {
		fprintf(stderr, "irqrr: console: eventfd: %s\n", strerror(errno));
		return -1;
	}
	if (tty) {
		if (terminal_raw(fd) < 0)
			goto fail;
		c->tty = true;
		if (verbose)
			fprintf(stderr, "irqrr: console: the terminal is the guest's serial line (C-a h: keys)\r\n");
	}
	int r = pthread_create(&c->thread, NULL, console_thread, c);
	if (r) {
		fprintf(stderr, "irqrr: console: pthread_create: %s\n", strerror(r));
		goto fail;
	}
	c->started = true;
	return 0;
fail:
	if (c->tty)
		terminal_restore();
	c->tty = false;
	close(c->wakefd);
	c->wakefd = -1;
	return -1;
}

void console_stop(struct console *c)
{
	if (!c->started)
		return; /* never started, or a failed start cleaned up after itself */
	atomic_store(&c->stopping, true);
	uint64_t one = 1;
	if (write(c->wakefd, &one, sizeof(one)) < 0) {
		/* cannot fail for an eventfd far from its maximum */
	}
	/* a read() of an input another process drains may not return: the
	 * thread is cancellable only in poll() and read() */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	if (pthread_timedjoin_np(c->thread, NULL, &until)) {
		pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
	}
	c->started = false;
	if (c->tty) {
		terminal_restore();
		c->tty = false;
	}
	close(c->wakefd);
	c->wakefd = -1;
}
