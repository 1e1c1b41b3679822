/*
 * check_hash_slots.c - fcgi-user/hash_slots.c: how many threads password
 * work gets (a table), and who gets a slot when: checks before new hashes,
 * a check taking a waiting new hash's place, the limits and the wait.
 * The threads here hold slots without hashing: the order is the point.
 */
#include <pthread.h>
#include <time.h>

#include <check.h>

#include "check_suites.h"
#include "clock.h"
#include "hash_slots.h"

START_TEST(test_plan)
{
	static const struct {
		long cpus, slots, threads;	/* in; threads 0: no --threads */
		int rc;
		long want_threads, want_slots, want_workers;
	} cases[] = {
		/* By default: one thread per CPU, two per slot. */
		{ 2, 2, 0, 0, 6, 2, 4 },
		{ 1, 1, 0, 0, 3, 1, 2 },
		{ 0, 1, 0, 0, 3, 1, 2 },	/* sysconf failed: one CPU */
		{ 2, 511, 0, 0, 1024, 511, 1022 },
		/* More than the threads a service runs: refused, saying how many. */
		{ 2, 512, 0, -1, 1026, 0, 0 },
		{ 2, 1024, 0, -1, 2050, 0, 0 },
		/* --threads given: password work never takes all of them. */
		{ 2, 1024, 8, 0, 8, 7, 7 },
		{ 2, 2, 3, 0, 3, 2, 2 },
		{ 2, 4, 2, 0, 2, 1, 1 },
		{ 2, 2, 1, 0, 1, 1, 1 },	/* one thread: its only one */
		{ 2, 2, 100, 0, 100, 2, 4 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct hash_slots_config c = { 0 };
		long threads = cases[i].threads;
		int rc = hash_slots_plan(cases[i].cpus, cases[i].slots, 1024, &threads, &c);

		ck_assert_msg(rc == cases[i].rc && threads == cases[i].want_threads &&
		    (rc < 0 || (c.slots == cases[i].want_slots && c.workers == cases[i].want_workers)),
		    "case %zu: cpus %ld slots %ld threads %ld -> rc %d threads %ld slots %ld "
		    "workers %ld", i, cases[i].cpus, cases[i].slots, cases[i].threads, rc,
		    threads, c.slots, c.workers);
	}
}
END_TEST

/* ---------------------------------------------------------------- */
/* Who gets a slot                                                  */
/* ---------------------------------------------------------------- */

static pthread_mutex_t order_lock = PTHREAD_MUTEX_INITIALIZER;
static char order[8];
static int n_order;

struct taker {
	enum hash_work work;
	char name;
	long hold_ms;		/* how long it keeps a slot it gets */
	int rc;
	int64_t waited_ms;
	pthread_t th;
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *
taker_run(void *arg)
{
	struct taker *t = arg;
	int64_t t0 = clock_ms();

	t->rc = hash_slot_take(t->work);
	t->waited_ms = clock_ms() - t0;
	if (t->rc == 0) {
		pthread_mutex_lock(&order_lock);
		order[n_order++] = t->name;
		pthread_mutex_unlock(&order_lock);
		sleep_ms(t->hold_ms);
		hash_slot_give();
	}
	return NULL;
}

/* Start t, and wait until it waits for a slot (or has its answer). */
static void
start_waiting(struct taker *t, enum hash_work work, char name)
{
	long before = hash_slots_waiting(work);

	t->work = work;
	t->name = name;
	t->rc = 99;
	ck_assert_int_eq(pthread_create(&t->th, NULL, taker_run, t), 0);
	for (int i = 0; i < 2000 && hash_slots_waiting(work) == before; i++)
		sleep_ms(1);
	ck_assert_int_eq(hash_slots_waiting(work), before + 1);
}

static void
slots_setup(long slots, long workers, long wait_ms)
{
	struct hash_slots_config c = { .slots = slots, .workers = workers, .wait_ms = wait_ms };

	ck_assert_int_eq(hash_slots_init(&c), 0);
	n_order = 0;
}

START_TEST(test_check_goes_first)
{
	struct taker n1 = { .hold_ms = 10 }, n2 = { .hold_ms = 10 }, c1 = { .hold_ms = 10 };

	slots_setup(1, 4, 5000);
	ck_assert_int_eq(hash_slot_take(HASH_NEW), 0);
	/* Two new hashes wait, then a check: the freed slot goes to the check. */
	start_waiting(&n1, HASH_NEW, 'n');
	start_waiting(&n2, HASH_NEW, 'n');
	start_waiting(&c1, HASH_CHECK, 'c');
	hash_slot_give();
	pthread_join(c1.th, NULL);
	pthread_join(n1.th, NULL);
	pthread_join(n2.th, NULL);
	ck_assert_int_eq(c1.rc, 0);
	ck_assert_int_eq(n1.rc, 0);
	ck_assert_int_eq(n2.rc, 0);
	order[n_order] = '\0';
	ck_assert_str_eq(order, "cnn");
}
END_TEST

START_TEST(test_check_takes_a_waiting_place)
{
	struct taker n1 = { .hold_ms = 0 }, c1 = { .hold_ms = 0 }, c2 = { 0 }, n2 = { 0 };

	/* One slot, two places: a new hash holds the slot, another waits. */
	slots_setup(1, 2, 5000);
	ck_assert_int_eq(hash_slot_take(HASH_NEW), 0);
	start_waiting(&n1, HASH_NEW, 'n');
	/* Every place is taken; a check takes the waiting new hash's. */
	start_waiting(&c1, HASH_CHECK, 'c');
	pthread_join(n1.th, NULL);
	ck_assert_int_eq(n1.rc, -1);
	ck_assert_msg(n1.waited_ms < 1000, "the new hash left after %lld ms",
	    (long long)n1.waited_ms);
	/* No waiting new hash left to give way: another check or new hash is refused at once. */
	c2.work = HASH_CHECK;
	taker_run(&c2);
	ck_assert_int_eq(c2.rc, -1);
	ck_assert_int_lt(c2.waited_ms, 1000);
	n2.work = HASH_NEW;
	taker_run(&n2);
	ck_assert_int_eq(n2.rc, -1);
	hash_slot_give();
	pthread_join(c1.th, NULL);
	ck_assert_int_eq(c1.rc, 0);
	/* Everything given back: both places are free again. */
	ck_assert_int_eq(hash_slot_take(HASH_NEW), 0);
	start_waiting(&n1, HASH_NEW, 'n');
	hash_slot_give();
	pthread_join(n1.th, NULL);
	ck_assert_int_eq(n1.rc, 0);
}
END_TEST

START_TEST(test_slots_bound_hashes)
{
	struct taker w = { 0 };

	/* Two slots: two at once, a third waits for one to be given. */
	slots_setup(2, 4, 5000);
	ck_assert_int_eq(hash_slot_take(HASH_CHECK), 0);
	ck_assert_int_eq(hash_slot_take(HASH_NEW), 0);
	start_waiting(&w, HASH_CHECK, 'c');
	ck_assert_int_eq(n_order, 0);
	hash_slot_give();
	pthread_join(w.th, NULL);
	ck_assert_int_eq(w.rc, 0);
	hash_slot_give();
}
END_TEST

START_TEST(test_wait_runs_out)
{
	struct taker n = { 0 }, c = { 0 };

	slots_setup(1, 3, 200);
	ck_assert_int_eq(hash_slot_take(HASH_CHECK), 0);
	n.work = HASH_NEW;
	c.work = HASH_CHECK;
	ck_assert_int_eq(pthread_create(&n.th, NULL, taker_run, &n), 0);
	taker_run(&c);
	pthread_join(n.th, NULL);
	ck_assert_int_eq(c.rc, -1);
	ck_assert_int_eq(n.rc, -1);
	ck_assert_msg(c.waited_ms >= 190 && c.waited_ms < 2000, "waited %lld ms",
	    (long long)c.waited_ms);
	/* Their places were given back. */
	hash_slot_give();
	ck_assert_int_eq(hash_slot_take(HASH_NEW), 0);
	ck_assert_int_eq(hash_slot_take(HASH_NEW), -1);	/* the wait runs out again */
	hash_slot_give();
}
END_TEST

Suite *
hash_slots_suite(void)
{
	Suite *s = suite_create("hash_slots");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_plan);
	tcase_add_test(tc, test_check_goes_first);
	tcase_add_test(tc, test_check_takes_a_waiting_place);
	tcase_add_test(tc, test_slots_bound_hashes);
	tcase_add_test(tc, test_wait_runs_out);
	suite_add_tcase(s, tc);
	return s;
}
