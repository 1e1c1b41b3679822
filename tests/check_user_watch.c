/*
 * check_user_watch.c - fcgi-order/user_watch.c: the last verdict on the
 * user service, and readiness probes at most once per interval, driven
 * with explicit times.
 */
#include <check.h>

#include "check_suites.h"
#include "user_watch.h"

START_TEST(test_last_verdict)
{
	struct user_watch w;
	int64_t age = -1;

	user_watch_init(&w, 5000);
	ck_assert_int_eq(user_watch_last(&w, 1000, &age), USER_SEEN_NOTHING);
	ck_assert_int_eq(age, 0);
	user_watch_record(&w, 1, 1000);
	ck_assert_int_eq(user_watch_last(&w, 1250, &age), USER_SEEN_UP);
	ck_assert_int_eq(age, 250);
	user_watch_record(&w, 0, 2000);
	ck_assert_int_eq(user_watch_last(&w, 9000, &age), USER_SEEN_DOWN);
	ck_assert_int_eq(age, 7000);
	/* A call that ended before the last verdict does not replace it. */
	user_watch_record(&w, 1, 1500);
	ck_assert_int_eq(user_watch_last(&w, 9000, &age), USER_SEEN_DOWN);
	ck_assert_str_eq(user_seen_name(USER_SEEN_NOTHING), "nothing");
	ck_assert_str_eq(user_seen_name(USER_SEEN_UP), "up");
	ck_assert_str_eq(user_seen_name(USER_SEEN_DOWN), "down");
	user_watch_destroy(&w);
}
END_TEST

START_TEST(test_probe_once_per_interval)
{
	struct user_watch w;
	int probes = 0;

	user_watch_init(&w, 5000);
	/* Nothing seen: the first check probes; the others in the interval
	 * do not, even while that probe is in flight. */
	ck_assert_int_eq(user_watch_probe_due(&w, 10000), 1);
	for (int64_t t = 10000; t < 15000; t += 100)
		probes += user_watch_probe_due(&w, t);
	ck_assert_int_eq(probes, 0);
	user_watch_record(&w, 1, 10200);
	/* The interval runs from the verdict as well as from the probe. */
	ck_assert_int_eq(user_watch_probe_due(&w, 15100), 0);
	ck_assert_int_eq(user_watch_probe_due(&w, 15200), 1);
	ck_assert_int_eq(user_watch_probe_due(&w, 15300), 0);
	user_watch_destroy(&w);
}
END_TEST

START_TEST(test_lookups_count_as_verdicts)
{
	struct user_watch w;

	user_watch_init(&w, 5000);
	/* A lookup's verdict, fresh, spares readiness a probe. */
	user_watch_record(&w, 0, 20000);
	ck_assert_int_eq(user_watch_probe_due(&w, 21000), 0);
	ck_assert_int_eq(user_watch_probe_due(&w, 24999), 0);
	ck_assert_int_eq(user_watch_probe_due(&w, 25000), 1);
	/* Lookups going on keep the verdict fresh: no probe. */
	user_watch_record(&w, 1, 26000);
	ck_assert_int_eq(user_watch_probe_due(&w, 30500), 0);
	user_watch_record(&w, 1, 30600);
	ck_assert_int_eq(user_watch_probe_due(&w, 35000), 0);
	ck_assert_int_eq(user_watch_probe_due(&w, 35600), 1);
	user_watch_destroy(&w);
}
END_TEST

Suite *
user_watch_suite(void)
{
	Suite *s = suite_create("user_watch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_last_verdict);
	tcase_add_test(tc, test_probe_once_per_interval);
	tcase_add_test(tc, test_lookups_count_as_verdicts);
	suite_add_tcase(s, tc);
	return s;
}
