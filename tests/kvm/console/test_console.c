/* SPDX-License-Identifier: MIT */
/*
 * Offline tests of console input: the Ctrl-A escape filter (console.c) and
 * the 16550's receiver fed from a source (uart.c): bytes enter only when
 * there is room, in order, never overrun; a FIFO clear gives unread bytes
 * back; IIR tells data-available from character-timeout by the trigger
 * level; loopback disconnects the line. No KVM needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recorder/console.h"
#include "recorder/devices/uart.h"

static void test_escape_filter(void **state)
{
	(void)state;
	struct console_escape e = {0};
	uint8_t out[64];
	unsigned req = 0;
	bool help = false;
	const uint8_t in[] = "a\x01\x01" "b\x03\x01xc\x01r";
	size_t n = console_escape_filter(&e, in, sizeof(in) - 1, out, &req, &help);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\x01" "b\x03" "c", 5); /* Ctrl-C is the guest's */
	assert_int_equal(req, CONSOLE_REQ_EXIT | CONSOLE_REQ_REPORT);
	assert_false(help);
	/* an escape split across two reads */
	req = 0;
	assert_int_equal(console_escape_filter(&e, (const uint8_t *)"z\x01", 2, out, &req, &help), 1);
	assert_true(e.pending);
	assert_int_equal(console_escape_filter(&e, (const uint8_t *)"\x01", 1, out, &req, &help), 1);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(console_escape_filter(&e, (const uint8_t *)"\x01h\x01q", 4, out, &req, &help), 0);
	assert_true(help);
	assert_int_equal(req, 0);
}

/* A source of 40 bytes 0..39; what the guest took, in order. */
struct src {
	uint8_t data[64];
	size_t head, len;
	uint8_t taken[64];
	size_t ntaken;
	int level;
	unsigned irq_changes;
};

static size_t src_pull(void *ctx, uint8_t *buf, size_t max)
{
	struct src *s = ctx;
	size_t n = 0;
	while (n < max && s->head < s->len)
		buf[n++] = s->data[s->head++];
	return n;
}

static void src_unpull(void *ctx, const uint8_t *buf, size_t n)
{
	struct src *s = ctx;
	assert_true(s->head >= n);
	s->head -= n;
	assert_memory_equal(s->data + s->head, buf, n);
}

static void src_taken(void *ctx, uint8_t b)
{
	struct src *s = ctx;
	s->taken[s->ntaken++] = b;
}

static void src_irq(void *ctx, int level)
{
	struct src *s = ctx;
	s->level = level;
	s->irq_changes++;
}

static void src_tx(void *ctx, uint8_t b)
{
	(void)ctx;
	(void)b;
}

static const struct uart_rx_source source = {src_pull, src_unpull, src_taken};

static void test_uart_receive_paced(void **state)
{
	(void)state;
	static struct src s;
	static struct uart u;
	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < 40; i++)
		s.data[i] = (uint8_t)i;
	s.len = 40;
	uart_init(&u, src_irq, src_tx, &s);
	uart_set_rx_source(&u, &source);
	uart_rx_poll(&u);
	assert_int_equal(u.rx_count, 1);            /* no FIFO: the RBR only */
	uart_write(&u, 2, 0xc7);                      /* FIFO on, cleared, trigger 14 */
	assert_int_equal(u.rx_count, 16);           /* the cleared byte came back, in front */
	assert_int_equal(s.head, 16);
	assert_int_equal(s.level, 0);               /* no IER, no OUT2 */
	uart_write(&u, 4, 0x08);                      /* OUT2 */
	uart_write(&u, 1, 0x01);                      /* received-data interrupt */
	assert_int_equal(s.level, 1);
	assert_int_equal(uart_read(&u, 2) & 0x0f, 0x04); /* at/above the trigger level */
	for (unsigned i = 0; i < 40; i++) {
		assert_true(uart_read(&u, 5) & 0x01); /* DR */
		assert_int_equal(uart_read(&u, 0), i);
		unsigned left = 40 - i - 1;
		assert_int_equal(u.rx_count, left < 16 ? left : 16);
		if (left && left < 14)
			assert_int_equal(uart_read(&u, 2) & 0x0f, 0x0c); /* character timeout */
	}
	assert_int_equal(uart_read(&u, 5) & 0x03, 0);      /* no data, never an overrun */
	assert_int_equal(uart_read(&u, 2) & 0x0f, 0x01);
	assert_int_equal(s.level, 0);
	assert_int_equal(s.ntaken, 40);
	assert_memory_equal(s.taken, s.data, 40);
	/* loopback: the line is disconnected, no byte enters */
	s.len = 45;
	uart_write(&u, 4, 0x18);
	uart_rx_poll(&u);
	assert_int_equal(u.rx_count, 0);
	uart_write(&u, 0, 0x55);                      /* looped back, not the source's */
	assert_int_equal(uart_read(&u, 0), 0x55);
	assert_int_equal(s.ntaken, 40);
	uart_write(&u, 4, 0x08);                      /* back on the line */
	assert_int_equal(u.rx_count, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_filter),
		cmocka_unit_test(test_uart_receive_paced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
