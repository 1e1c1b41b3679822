/*
 * check_login_throttle.c - fcgi-user/login_throttle.c: the delays after
 * repeated failed logins of one account, driven with explicit times, and
 * attempts at the same instant from many threads.
 */
#include <pthread.h>

#include <check.h>

#include "check_suites.h"
#include "login_throttle.h"

#define T0 1800000000000LL	/* ms */

static void
throttle_setup(void)
{
	ck_assert_int_eq(login_throttle_init(), 0);
}

/* A failed attempt of email at t, which the throttle must let through. */
static void
failure(const char *email, int64_t t)
{
	ck_assert_int_eq(login_throttle_begin(email, t), 0);
	login_throttle_end(email, LOGIN_FAILED, t);
}

/* What an attempt at t would be told, without trying it. */
static long
peek(const char *email, int64_t t)
{
	long wait = login_throttle_begin(email, t);

	if (wait == 0)
		login_throttle_end(email, LOGIN_UNCHECKED, t);
	return wait;
}

START_TEST(test_free_failures)
{
	for (int i = 0; i < LOGIN_FREE_FAILURES - 1; i++)
		failure("ada@example.com", T0 + i);
	ck_assert_int_eq(peek("ada@example.com", T0 + 10), 0);
	/* The fifth failure in a row: the next try waits 1 s. */
	failure("ada@example.com", T0 + 10);
	ck_assert_int_eq(peek("ada@example.com", T0 + 10), 1);
	ck_assert_int_eq(peek("ada@example.com", T0 + 1009), 1);
	ck_assert_int_eq(peek("ada@example.com", T0 + 1010), 0);
	/* Another account is not slowed. */
	ck_assert_int_eq(peek("grace@example.com", T0 + 10), 0);
}
END_TEST

START_TEST(test_doubling_and_cap)
{
	int64_t t = T0;

	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		failure("ada@example.com", t);
	/* 1, 2, 4, ... s after each further failure, capped. */
	for (long want = 2; want <= 256; want *= 2) {
		t += 100000000;
		failure("ada@example.com", t);
		ck_assert_int_eq(peek("ada@example.com", t), want);
	}
	for (int i = 0; i < 40; i++) {
		t += 100000000;
		failure("ada@example.com", t);
	}
	ck_assert_int_eq(peek("ada@example.com", t), LOGIN_MAX_DELAY_S);
	ck_assert_int_eq(peek("ada@example.com", t + LOGIN_MAX_DELAY_S * 1000 - 1), 1);
	ck_assert_int_eq(peek("ada@example.com", t + LOGIN_MAX_DELAY_S * 1000), 0);
}
END_TEST

START_TEST(test_success_resets)
{
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		failure("ada@example.com", T0);
	ck_assert_int_gt(peek("ada@example.com", T0), 0);
	ck_assert_int_eq(login_throttle_begin("ada@example.com", T0 + 2000), 0);
	login_throttle_end("ada@example.com", LOGIN_SUCCEEDED, T0 + 2000);
	ck_assert_int_eq(peek("ada@example.com", T0 + 2000), 0);
	failure("ada@example.com", T0 + 2001);
	ck_assert_int_eq(peek("ada@example.com", T0 + 2001), 0);
}
END_TEST

START_TEST(test_email_case)
{
	/* ADA@Example.COM is the same account as ada@example.com. */
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		failure(i % 2 ? "ADA@Example.COM" : "ada@example.com", T0);
	ck_assert_int_eq(peek("Ada@EXAMPLE.com", T0), 1);
}
END_TEST

START_TEST(test_unchecked_counts_nothing)
{
	/* An attempt that was let through but not checked (busy) is released. */
	for (int i = 0; i < 3 * LOGIN_FREE_FAILURES; i++) {
		ck_assert_int_eq(login_throttle_begin("ada@example.com", T0), 0);
		login_throttle_end("ada@example.com", LOGIN_UNCHECKED, T0);
	}
	ck_assert_int_eq(peek("ada@example.com", T0), 0);
}
END_TEST

START_TEST(test_pending_counts_as_failure)
{
	/* One at a time: a pending attempt beyond the free ones makes others wait. */
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		ck_assert_int_eq(login_throttle_begin("ada@example.com", T0), 0);
	/* 5 pending: were they all to fail, a sixth would wait 1 s. */
	ck_assert_int_eq(login_throttle_begin("ada@example.com", T0), 1);
	login_throttle_end("ada@example.com", LOGIN_SUCCEEDED, T0 + 5);
	/* One succeeded: the count starts again, and 4 are still pending. */
	ck_assert_int_eq(login_throttle_begin("ada@example.com", T0 + 5), 0);
	ck_assert_int_eq(login_throttle_begin("ada@example.com", T0 + 5), 1);
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		login_throttle_end("ada@example.com", LOGIN_FAILED, T0 + 10);
	/* 5 failures in a row since the success: wait 1 s after the last. */
	ck_assert_int_eq(peek("ada@example.com", T0 + 10), 1);
	ck_assert_int_eq(peek("ada@example.com", T0 + 1010), 0);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Attempts at the same instant                                     */
/* ---------------------------------------------------------------- */

#define RACERS 16

struct race {
	pthread_barrier_t start, done;
	int64_t now_ms;
	long wait[RACERS];
};

struct racer {
	struct race *race;
	int i;
};

/*
 * One guess: all start at the same instant; each that is let through ends
 * as a failure only once every racer has asked, as a password check would
 * still be running.
 */
static void *
racer_run(void *arg)
{
	struct racer *r = arg;
	struct race *race = r->race;

	pthread_barrier_wait(&race->start);
	race->wait[r->i] = login_throttle_begin("ada@example.com", race->now_ms);
	pthread_barrier_wait(&race->done);
	if (race->wait[r->i] == 0)
		login_throttle_end("ada@example.com", LOGIN_FAILED, race->now_ms);
	return NULL;
}

/* RACERS guesses at now_ms; returns how many were let through. */
static int
race_at(int64_t now_ms, long *max_wait)
{
	static struct race race;
	struct racer racers[RACERS];
	pthread_t th[RACERS];
	int allowed = 0;

	race.now_ms = now_ms;
	ck_assert_int_eq(pthread_barrier_init(&race.start, NULL, RACERS), 0);
	ck_assert_int_eq(pthread_barrier_init(&race.done, NULL, RACERS), 0);
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (struct racer){ .race = &race, .i = i };
		ck_assert_int_eq(pthread_create(&th[i], NULL, racer_run, &racers[i]), 0);
	}
	*max_wait = 0;
	for (int i = 0; i < RACERS; i++) {
		pthread_join(th[i], NULL);
		if (race.wait[i] == 0)
			allowed++;
		else if (race.wait[i] > *max_wait)
			*max_wait = race.wait[i];
	}
	pthread_barrier_destroy(&race.start);
	pthread_barrier_destroy(&race.done);
	return allowed;
}

START_TEST(test_race_after_delay)
{
	long max_wait;
	int allowed;

	for (int i = 0; i < LOGIN_FREE_FAILURES; i++)
		failure("ada@example.com", T0);
	/* The delay is over: of RACERS guesses at once, exactly one is checked. */
	allowed = race_at(T0 + 1000, &max_wait);
	ck_assert_msg(allowed == 1, "%d of %d guesses at once were let through", allowed, RACERS);
	/* The others were told the wait a sixth failure brings: 2 s. */
	ck_assert_int_eq(max_wait, 2);
	/* And the next round, after that wait, again exactly one. */
	allowed = race_at(T0 + 3000, &max_wait);
	ck_assert_msg(allowed == 1, "%d of %d guesses at once were let through", allowed, RACERS);
}
END_TEST

START_TEST(test_race_free_failures)
{
	long max_wait;
	int allowed;

	/* A fresh account: as many guesses at once as there are free failures. */
	allowed = race_at(T0, &max_wait);
	ck_assert_msg(allowed == LOGIN_FREE_FAILURES, "%d of %d guesses at once were let through",
	    allowed, RACERS);
	ck_assert_int_eq(max_wait, 1);
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
	tcase_add_test(tc, test_unchecked_counts_nothing);
	tcase_add_test(tc, test_pending_counts_as_failure);
	tcase_add_test(tc, test_race_after_delay);
	tcase_add_test(tc, test_race_free_failures);
	suite_add_tcase(s, tc);
	return s;
}
