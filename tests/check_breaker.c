/*
 * check_breaker.c - fcgi-order/breaker.c: the circuit breaker's state
 * changes, driven with explicit times.
 */
#include <check.h>

#include "breaker.h"
#include "check_suites.h"

START_TEST(test_opens_after_threshold)
{
	struct breaker b;
	int64_t wait = 0;

	breaker_init(&b, 3, 5000);
	ck_assert_int_eq(breaker_state(&b, 0), BREAKER_CLOSED);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(breaker_allow(&b, 0, &wait), 1);
		breaker_record(&b, 0, 0);
	}
	ck_assert_int_eq(breaker_state(&b, 0), BREAKER_CLOSED);
	/* A success in between resets the count of consecutive failures. */
	breaker_record(&b, 1, 0);
	for (int i = 0; i < 2; i++)
		breaker_record(&b, 0, 10);
	ck_assert_int_eq(breaker_state(&b, 10), BREAKER_CLOSED);
	breaker_record(&b, 0, 100);
	ck_assert_int_eq(breaker_state(&b, 100), BREAKER_OPEN);

	/* Open: fail fast, saying how long is left of the cool-down. */
	ck_assert_int_eq(breaker_allow(&b, 1100, &wait), 0);
	ck_assert_int_eq(wait, 4000);
	ck_assert_int_eq(breaker_allow(&b, 5099, &wait), 0);
	ck_assert_int_eq(wait, 1);
	breaker_destroy(&b);
}
END_TEST

START_TEST(test_half_open_probe)
{
	struct breaker b;
	int64_t wait = 0;

	breaker_init(&b, 1, 1000);
	breaker_record(&b, 0, 0);
	ck_assert_int_eq(breaker_state(&b, 999), BREAKER_OPEN);
	ck_assert_int_eq(breaker_state(&b, 1000), BREAKER_HALF_OPEN);

	/* After the cool-down exactly one probe goes through. */
	ck_assert_int_eq(breaker_allow(&b, 1000, &wait), 1);
	ck_assert_int_eq(breaker_allow(&b, 1001, &wait), 0);
	ck_assert_int_eq(breaker_allow(&b, 1500, &wait), 0);

	/* The probe fails: open again for a whole cool-down. */
	breaker_record(&b, 0, 1600);
	ck_assert_int_eq(breaker_state(&b, 1600), BREAKER_OPEN);
	ck_assert_int_eq(breaker_allow(&b, 2599, &wait), 0);
	ck_assert_int_eq(breaker_allow(&b, 2600, &wait), 1);

	/* The probe succeeds: closed, every call goes through. */
	breaker_record(&b, 1, 2700);
	ck_assert_int_eq(breaker_state(&b, 2700), BREAKER_CLOSED);
	ck_assert_int_eq(breaker_allow(&b, 2700, &wait), 1);
	ck_assert_int_eq(breaker_allow(&b, 2700, &wait), 1);
	breaker_destroy(&b);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(breaker_state_name(BREAKER_CLOSED), "closed");
	ck_assert_str_eq(breaker_state_name(BREAKER_OPEN), "open");
	ck_assert_str_eq(breaker_state_name(BREAKER_HALF_OPEN), "half_open");
}
END_TEST

Suite *
breaker_suite(void)
{
	Suite *s = suite_create("breaker");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_opens_after_threshold);
	tcase_add_test(tc, test_half_open_probe);
	tcase_add_test(tc, test_state_names);
	suite_add_tcase(s, tc);
	return s;
}
