/* SPDX-License-Identifier: MIT */
/* Model variants as board configuration (chips/variants.h, issue 13). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chips/board.h"
#include "chips/variants.h"

static void test_parse(void **state)
{
	(void)state;
	enum board_variant v;
	unsigned value;
	assert_null(board_variant_parse("pic.poll_no_0x80=1", &v, &value));
	assert_int_equal(v, BOARD_VARIANT_PIC_POLL_NO_0X80);
	assert_int_equal(value, 1);
	assert_null(board_variant_parse("lint0=bsp", &v, &value));
	assert_int_equal(v, BOARD_VARIANT_LINT0);
	assert_int_equal(value, 1);
	assert_string_equal(board_variant_parse("lint0=2", &v, &value), "unknown value for this model key");
	assert_string_equal(board_variant_parse("pic.nope=1", &v, &value), "unknown model key");
	assert_string_equal(board_variant_parse("lint0", &v, &value), "expected KEY=VALUE");
	assert_string_equal(board_variant_key(BOARD_VARIANT_PIT_CW_KEEPS_COUNTING), "pit.cw_keeps_counting");
	assert_string_equal(board_variant_value_name(BOARD_VARIANT_LINT0, 0), "broadcast");
	assert_null(board_variant_value_name(BOARD_VARIANT_LINT0, 2));
}

/* Checklist Q2: the poll word with and without bit 7. */
static uint8_t poll_irq5(unsigned variant)
{
	struct board b;
	board_init_blank(&b);
	assert_int_equal(board_set_variant(&b, BOARD_VARIANT_PIC_POLL_NO_0X80, variant), 0);
	assert_int_equal(board_get_variant(&b, BOARD_VARIANT_PIC_POLL_NO_0X80), variant);
	static const uint8_t init[] = { 0x11, 0x20, 0x04, 0x01 };
	for (unsigned i = 0; i < 4; i++)
		board_pio_write(&b, 0, i ? 0x21 : 0x20, init[i]);
	board_set_irq(&b, 0, 5, 1);
	board_pio_write(&b, 0, 0x20, 0x0c);
	return board_pio_read(&b, 0, 0x20);
}

static void test_poll_variant(void **state)
{
	(void)state;
	assert_int_equal(poll_irq5(0), 0x85);
	assert_int_equal(poll_irq5(1), 0x05);
}

/* A variant is board state: a keyframe carries it, so a replay runs the
 * variants it was recorded with. */
static void test_keyframe_carries_variants(void **state)
{
	(void)state;
	struct board a, b;
	uint8_t buf[4096];
	board_init_blank(&a);
	for (unsigned v = 0; v < BOARD_VARIANTS; v++)
		assert_int_equal(board_set_variant(&a, (enum board_variant)v, 1), 0);
	size_t n = board_save(&a, buf, sizeof(buf));
	assert_true(n > 0);
	board_init_blank(&b);
	assert_null(board_load(&b, buf, n));
	for (unsigned v = 0; v < BOARD_VARIANTS; v++)
		assert_int_equal(board_get_variant(&b, (enum board_variant)v), 1);
	assert_int_equal(board_set_variant(&b, BOARD_VARIANTS, 1), -1);
	assert_int_equal(board_set_variant(&b, BOARD_VARIANT_LINT0, 2), -1);
}

/* A reset (a guest reboot) keeps the board's variants. */
static void test_reset_keeps_variants(void **state)
{
	(void)state;
	struct board b;
	board_init_blank(&b);
	for (unsigned v = 0; v < BOARD_VARIANTS; v++)
		assert_int_equal(board_set_variant(&b, (enum board_variant)v, 1), 0);
	board_reset(&b, 100);
	for (unsigned v = 0; v < BOARD_VARIANTS; v++)
		assert_int_equal(board_get_variant(&b, (enum board_variant)v), 1);
	assert_int_equal(b.s.pic.chip[1].poll_no_0x80, 1);
	assert_int_equal(b.s.pic.chip[1].literal_edge, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_poll_variant),
		cmocka_unit_test(test_keyframe_carries_variants),
		cmocka_unit_test(test_reset_keeps_variants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
