/*
 * check_login_throttle.c - fcgi-user/login_throttle.c: the delays after
 * repeated failed logins of one account, driven with explicit times.
 */
#include <check.h>

#include "check_suites.h"
#include "login_throttle.h"

#define T0 1800000000000LL	/* ms */

static void
throttle_setup(void)
{
	ck_assert_int_eq(login_throttle_init(), 0);
}

START_TEST(test_free_failures)
{
	for (int i = 0; i < LOGIN_FREE_FAILURES - 1; i++)
		login_throttle_record("ada@example.com", 0, T0 + i);
	ck_assert_int_eq(login_throttle_check("ada@example.com", T0 + 10), 0);
	/* The fifth failure in a row: the next try waits 1 s. */
	login_throttle_record("ada@example.com", 0, T0 + 10);
	ck_assert_int_eq(login_throttle_check("ada@example.com", T0 + 10), 1);
	ck_assert_int_eq(login_throttle_check("ada@example.com", T0 + 1009), 1);
	ck_assert_int_eq(login_throttle_check("ada@example.com", T0 + 1010), 0);
	/* Another account is not slowed. */
	ck_assert_int_eq(login_throttle_check("grace@example.com", T0 + 10), 0);
}
END_TEST

START_TEST(test_doubling_and_cap)
{
	int64_t t = T0;

	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		login_throttle_record("ada@example.com", 0, t);
	/* 1, 2, 4, ... s after each further failure, capped. */
	for (long want = 2; want <= 256; want *= 2) {
		t += 100000000;
		login_throttle_record("ada@example.com", 0, t);
		ck_assert_int_eq(login_throttle_check("ada@example.com", t), want);
	}
	for (int i = 0; i < 40; i++) {
		t += 100000000;
		login_throttle_record("ada@example.com", 0, t);
	}
	ck_assert_int_eq(login_throttle_check("ada@example.com", t), LOGIN_MAX_DELAY_S);
	ck_assert_int_eq(login_throttle_check("ada@example.com",
	    t + LOGIN_MAX_DELAY_S * 1000 - 1), 1);
	ck_assert_int_eq(login_throttle_check("ada@example.com", t + LOGIN_MAX_DELAY_S * 1000), 0);
}
END_TEST

START_TEST(test_success_resets)
{
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		login_throttle_record("ada@example.com", 0, T0);
	ck_assert_int_gt(login_throttle_check("ada@example.com", T0), 0);
	login_throttle_record("ada@example.com", 1, T0 + 2000);
	ck_assert_int_eq(login_throttle_check("ada@example.com", T0 + 2000), 0);
	login_throttle_record("ada@example.com", 0, T0 + 2001);
	ck_assert_int_eq(login_throttle_check("ada@example.com", T0 + 2001), 0);
}
END_TEST

START_TEST(test_email_case)
{
	/* ADA@Example.COM is the same account as ada@example.com. */
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		login_throttle_record(i % 2 ? "ADA@Example.COM" : "ada@example.com", 0, T0);
	ck_assert_int_eq(login_throttle_check("Ada@EXAMPLE.com", T0), 1);
}
END_TEST

Suite *
login_throttle_suite(void)
{
	Suite *s = suite_create("login_throttle");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, throttle_setup, NULL);
	tcase_add_test(tc, test_free_failures);
	tcase_add_test(tc, test_doubling_and_cap);
	tcase_add_test(tc, test_success_resets);
	tcase_add_test(tc, test_email_case);
	suite_add_tcase(s, tc);
	return s;
}
