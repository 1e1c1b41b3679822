/*
 * check_event_feed.c - fcgi-user/event_feed.c, the feed's state in the
 * process: the wait slots (taken up to their number, refused past it and
 * after a stop), a sleep that ends at its time, at once when this process
 * commits an event (even one committed before it began) and when the
 * service stops; the sweep, due at once, then once an interval (the
 * retention's, at most 60 s), run by one thread, logged and counted when
 * it removed anything; the gauges.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "clock.h"
#include "event_feed.h"
#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "user_events.h"
#include "user_store.h"

/* The counter goes on across tests of one process (CK_FORK=no): compare. */
#define SWEPT "microshop_user_events_swept_total"

static void
setup(void)
{
	log_init("check", LOG_LEVEL_WARN);
	ck_assert_int_eq(event_feed_init(2, 3600), 0);
	metrics_reset();
	event_feed_metrics_register();
}

/* ------------------------------------------------------------------ */
/* Wait slots                                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_slots)
{
	ck_assert_int_eq(event_feed_wait_begin(), 0);
	ck_assert_int_eq(event_feed_wait_begin(), 0);
	ck_assert_double_eq(treq_metric("microshop_user_feed_waiting"), 2);
	/* Every slot taken: the next answers at once. */
	ck_assert_int_eq(event_feed_wait_begin(), -1);
	event_feed_wait_end();
	ck_assert_double_eq(treq_metric("microshop_user_feed_waiting"), 1);
	ck_assert_int_eq(event_feed_wait_begin(), 0);
	event_feed_wait_end();
	event_feed_wait_end();
	ck_assert_double_eq(treq_metric("microshop_user_feed_waiting"), 0);

	/* No slot at all: no long poll ever waits. */
	ck_assert_int_eq(event_feed_init(0, 3600), 0);
	ck_assert_int_eq(event_feed_wait_begin(), -1);
}
END_TEST

START_TEST(test_no_wait_after_stop)
{
	uint64_t gen = event_feed_generation();
	int64_t t0 = clock_ms();

	event_feed_stop();
	ck_assert_int_eq(event_feed_wait_begin(), -1);
	/* A sleep says so at once. */
	ck_assert_int_eq(event_feed_sleep(&gen, 5000), 1);
	ck_assert_int_lt(clock_ms() - t0, 1000);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Sleeping and waking                                                 */
/* ------------------------------------------------------------------ */

START_TEST(test_sleep_times_out)
{
	uint64_t gen = event_feed_generation(), before = gen;
	int64_t t0 = clock_ms(), took;

	ck_assert_int_eq(event_feed_sleep(&gen, 150), 0);
	took = clock_ms() - t0;
	ck_assert_msg(took >= 140 && took < 1000, "slept %lld ms", (long long)took);
	ck_assert_uint_eq(gen, before);
}
END_TEST

START_TEST(test_committed_before_sleep)
{
	uint64_t gen = event_feed_generation(), before = gen;
	int64_t t0 = clock_ms();

	/* An event committed between the read and the sleep is not missed. */
	event_feed_committed();
	ck_assert_int_eq(event_feed_sleep(&gen, 5000), 0);
	ck_assert_int_lt(clock_ms() - t0, 1000);
	ck_assert_uint_eq(gen, before + 1);
}
END_TEST

/* A sleeper in a thread of its own: how it ended, and when. */
struct sleeper {
	int64_t ms;
	int stopping;
	int64_t took_ms;
	uint64_t gen;
};

static void *
sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	int64_t t0 = clock_ms();

	s->stopping = event_feed_sleep(&s->gen, s->ms);
	s->took_ms = clock_ms() - t0;
	return NULL;
}

/* Start n sleepers of 5 s each, and let them fall asleep. */
static void
sleepers_start(struct sleeper *s, pthread_t *t, int n)
{
	for (int i = 0; i < n; i++) {
		s[i] = (struct sleeper){ .ms = 5000, .gen = event_feed_generation() };
		ck_assert_int_eq(pthread_create(&t[i], NULL, sleeper_main, &s[i]), 0);
	}
	usleep(100 * 1000);
}

START_TEST(test_commit_wakes_every_sleeper)
{
	struct sleeper s[3];
	pthread_t t[3];
	uint64_t gen = event_feed_generation();

	sleepers_start(s, t, 3);
	event_feed_committed();
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(s[i].stopping, 0);
		ck_assert_msg(s[i].took_ms < 2000, "woke after %lld ms", (long long)s[i].took_ms);
		ck_assert_uint_eq(s[i].gen, gen + 1);
	}
}
END_TEST

START_TEST(test_stop_wakes_every_sleeper)
{
	struct sleeper s[2];
	pthread_t t[2];

	sleepers_start(s, t, 2);
	event_feed_stop();
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_int_eq(s[i].stopping, 1);
		ck_assert_msg(s[i].took_ms < 2000, "woke after %lld ms", (long long)s[i].took_ms);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* The sweep                                                           */
/* ------------------------------------------------------------------ */

/* A migrated in-memory user database with n users (and their events). */
static struct db *
user_db(int n)
{
	/* db keeps a pointer to its settings: they outlive it. */
	static const struct db_config cfg = { .service = "user", .engine = DB_SQLITE, .path = ":memory:" };
	struct db *db = db_open(&cfg, &user_store_schema, 1);
	struct user_input in;
	struct user u;

	ck_assert_ptr_nonnull(db);
	for (int i = 0; i < n; i++) {
		memset(&in, 0, sizeof(in));
		in.has_name = in.has_email = 1;
		snprintf(in.name, sizeof(in.name), "U%d", i);
		snprintf(in.email, sizeof(in.email), "u%d@example.com", i);
		ck_assert_int_eq(db_begin_write(db), STORE_OK);
		ck_assert_int_eq(db_end_write(db, user_store_insert(db, &in, "customer", &u)),
		    STORE_OK);
	}
	return db;
}

/* Make event seq of db written long ago (slot 20 + seq: a slot no store uses). */
static void
event_aged(struct db *db, int seq)
{
	static struct db_sql sql[3];
	static char text[3][128];
	struct db_stmt *st;

	ck_assert_int_lt(seq, 3);
	snprintf(text[seq], sizeof(text[seq]), "UPDATE user_events SET at = "
	    "'2000-01-01T00:00:00Z' WHERE seq = %d", seq);
	sql[seq].sql = text[seq];
	st = db_stmt(db, 20 + (unsigned)seq, &sql[seq]);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(db_exec_stmt(st), STORE_OK);
}

static int64_t
swept_through(struct db *db)
{
	struct user_events_head h;

	ck_assert_int_eq(user_events_head(db, &h), STORE_OK);
	return h.swept_through;
}

START_TEST(test_sweep_schedule)
{
	struct db *db = user_db(2);
	double swept = treq_metric(SWEPT);
	int64_t t0 = clock_ms();
	const char *log;

	/* Retention 5 s: a sweep at most every 5 s. The first is due at once. */
	ck_assert_int_eq(event_feed_init(2, 5), 0);
	log_init("check", LOG_LEVEL_INFO);
	event_aged(db, 1);
	treq_log_begin();
	ck_assert_int_eq(event_feed_sweep(db, t0), STORE_OK);
	log = treq_log_end();
	ck_assert_int_eq(swept_through(db), 1);
	ck_assert_ptr_nonnull(strstr(log, "event=events_swept removed=1 swept_through=1 "));
	ck_assert_ptr_nonnull(strstr(log, " retention=5"));
	ck_assert_double_eq(treq_metric(SWEPT), swept + 1);

	/* Not due again before the interval: event 2, old now, stays. */
	event_aged(db, 2);
	ck_assert_int_eq(event_feed_sweep(db, t0 + 4999), STORE_OK);
	ck_assert_int_eq(swept_through(db), 1);
	treq_log_begin();
	ck_assert_int_eq(event_feed_sweep(db, t0 + 5000), STORE_OK);
	ck_assert_int_eq(swept_through(db), 2);
	ck_assert_ptr_nonnull(strstr(treq_log_end(), "removed=1 swept_through=2 "));
	ck_assert_double_eq(treq_metric(SWEPT), swept + 2);

	/* A sweep that removes nothing says nothing. */
	treq_log_begin();
	ck_assert_int_eq(event_feed_sweep(db, t0 + 10000), STORE_OK);
	ck_assert_ptr_null(strstr(treq_log_end(), "events_swept"));
	db_close(db);
}
END_TEST

START_TEST(test_sweep_interval_at_most_a_minute)
{
	struct db *db = user_db(1);
	int64_t t0 = clock_ms();

	/* A week's retention: a sweep a minute, not a week. */
	ck_assert_int_eq(event_feed_init(2, 7 * 24 * 3600), 0);
	ck_assert_int_eq(event_feed_sweep(db, t0), STORE_OK);
	event_aged(db, 1);
	ck_assert_int_eq(event_feed_sweep(db, t0 + EVENT_FEED_SWEEP_MAX_S * 1000 - 1), STORE_OK);
	ck_assert_int_eq(swept_through(db), 0);
	ck_assert_int_eq(event_feed_sweep(db, t0 + EVENT_FEED_SWEEP_MAX_S * 1000), STORE_OK);
	ck_assert_int_eq(swept_through(db), 1);
	db_close(db);
}
END_TEST

/* Threads racing for a due sweep: one of them runs it. */
struct racer {
	struct db *db;
	int64_t now;
};

static void *
racer_main(void *arg)
{
	struct racer *r = arg;

	event_feed_sweep(r->db, r->now);
	return NULL;
}

START_TEST(test_sweep_one_thread)
{
	struct racer r[4];
	pthread_t t[4];
	struct db *dbs[4];
	double swept = treq_metric(SWEPT);
	int64_t now = clock_ms();

	/* Each on its own database, each with an old event: only one is swept. */
	for (int i = 0; i < 4; i++) {
		dbs[i] = user_db(1);
		event_aged(dbs[i], 1);
		r[i] = (struct racer){ dbs[i], now };
	}
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer_main, &r[i]), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < 4; i++)
		db_close(dbs[i]);
	ck_assert_double_eq(treq_metric(SWEPT), swept + 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Gauges                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_last_seq_gauge)
{
	ck_assert_double_eq(treq_metric("microshop_user_events_last_seq"), 0);
	event_feed_seen(42);
	ck_assert_double_eq(treq_metric("microshop_user_events_last_seq"), 42);
}
END_TEST

Suite *
event_feed_suite(void)
{
	Suite *s = suite_create("event_feed");
	TCase *tc = tcase_create("feed");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_slots);
	tcase_add_test(tc, test_no_wait_after_stop);
	tcase_add_test(tc, test_sleep_times_out);
	tcase_add_test(tc, test_committed_before_sleep);
	tcase_add_test(tc, test_commit_wakes_every_sleeper);
	tcase_add_test(tc, test_stop_wakes_every_sleeper);
	tcase_add_test(tc, test_sweep_schedule);
	tcase_add_test(tc, test_sweep_interval_at_most_a_minute);
	tcase_add_test(tc, test_sweep_one_thread);
	tcase_add_test(tc, test_last_seq_gauge);
	suite_add_tcase(s, tc);
	return s;
}
