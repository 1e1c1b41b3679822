/*
 * db_batch.c - group commit: the write transactions of a process's threads
 * share one writer connection, and one COMMIT (one fsync) acknowledges a
 * batch of them; see db.h.
 *
 * A write joins the open batch: the first one runs BEGIN (IMMEDIATE on
 * SQLite), every one runs inside its own SAVEPOINT, so that a write that
 * fails (a conflict, a constraint, a 422 found late) rolls back alone.
 * The batch lock is held from db_begin_write to db_end_write: the writes'
 * statements run one thread at a time on the writer connection, as
 * SQLite's single writer would run them anyway.
 *
 * The first write to end leads: it waits (at most --batch-wait) for the
 * writers already queued to join, then runs the COMMIT without the lock.
 * Writers that arrive during the COMMIT queue; when it returns, the leader
 * hands every member its answer and the queued writers form the next
 * batch. So under load a batch holds whatever arrived during one fsync,
 * and alone a write commits at once: no delay is added to wait for
 * writers that may never come.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "db_driver.h"
#include "log.h"
#include "metrics.h"

/* A write in the open batch, waiting for its COMMIT (on its thread's stack). */
struct batch_write {
	struct batch_write *next;
	enum store_status status;
	int done;
};

struct db_batch {
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* a write joined, a batch committed */
	struct db *writer;
	long max_writes;
	int64_t max_wait_us;
	long hold_at;			/* MICROSHOP_TEST_HOLD_BATCH; 0: none */
	/* The open batch, under lock: */
	int open;			/* BEGIN ran on writer */
	int led;			/* its first write leads it */
	int committing;			/* the leader runs COMMIT, lock released */
	int doomed;			/* its transaction may be lost: no more joins */
	long queued;			/* writers waiting to join */
	long writes;			/* writes in it */
	int64_t began_us;
	struct batch_write *members;
};

static struct metrics_counter batches, batched_writes;

void
db_batch_metrics_register(void)
{
	metrics_counter_register(&batches, "microshop_db_batches_total",
	    "COMMITs of group commit, each for a batch of writes.");
	metrics_counter_register(&batched_writes, "microshop_db_batch_writes_total",
	    "Writes acknowledged by group commit (divided by the batches: "
	    "writes per COMMIT).");
}

struct db *
db_batch_writer(const struct db_batch *b)
{
	return b->writer;
}

/* Wait on changed until at most deadline_us of clock_us (0: no deadline). */
static void
wait_changed(struct db_batch *b, int64_t deadline_us)
{
	struct timespec ts;

	if (deadline_us == 0) {
		pthread_cond_wait(&b->changed, &b->lock);
		return;
	}
	ts.tv_sec = deadline_us / 1000000;
	ts.tv_nsec = (deadline_us % 1000000) * 1000;
	pthread_cond_timedwait(&b->changed, &b->lock, &ts);
}

/* The first write of a batch: BEGIN on the writer. Under lock. */
static int
batch_open(struct db_batch *b)
{
	if (b->writer->driver->begin_write(b->writer) < 0)
		return -1;
	b->open = 1;
	b->doomed = 0;
	b->writes = 0;
	b->began_us = clock_us();
	return 0;
}

enum store_status
db_batch_begin(struct db *db)
{
	struct db_batch *b = db->cfg->batch;
	struct db *w = b->writer;

	pthread_mutex_lock(&b->lock);
	b->queued++;
	/* A doomed batch takes no more writes: one could outlive it. */
	while (b->committing || (b->open && (b->writes >= b->max_writes || b->doomed)))
		wait_changed(b, 0);
	b->queued--;
	if (!b->open && batch_open(b) < 0)
		goto fail;
	if (w->driver->exec(w, "SAVEPOINT batched_write") < 0) {
		/* A batch with no write yet has no leader to end it. Else the
		 * transaction may be gone (a connection lost and made again, a
		 * rollback SQLite made itself): its COMMIT must not acknowledge. */
		if (b->writes == 0) {
			w->driver->rollback(w);
			b->open = 0;
		} else {
			b->doomed = 1;
		}
		goto fail;
	}
	db->writing_on = w;
	return STORE_OK;	/* the lock is held until db_batch_end */
fail:
	db->failure = w->failure;
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->lock);
	return db->failure;
}

/* Keep the write (RELEASE) or undo it alone (ROLLBACK TO). Under lock. */
static enum store_status
savepoint_end(struct db_batch *b, enum store_status st)
{
	struct db *w = b->writer;

	if (st == STORE_OK && w->driver->exec(w, "RELEASE batched_write") < 0)
		st = w->failure;
	if (st != STORE_OK && (w->driver->exec(w, "ROLLBACK TO batched_write") < 0 ||
	    w->driver->exec(w, "RELEASE batched_write") < 0))
		b->doomed = 1;
	return st;
}

/*
 * The test hook: hold the batch open, before its COMMIT, once it has
 * hold_at writes, until the process is killed. Under lock.
 */
static void
hold_for_test(struct db_batch *b)
{
	while (b->writes < b->hold_at)
		wait_changed(b, 0);
	b->committing = 1;
	log_msg(LOG_LEVEL_WARN, "event=batch_held writes=%ld", b->writes);
	pthread_mutex_unlock(&b->lock);
	for (;;)
		pause();
}

/*
 * Lead the open batch: let the queued writers join (at most max_wait_us
 * after BEGIN, at most max_writes), COMMIT without the lock, then answer
 * every member. Under lock.
 */
static void
lead(struct db_batch *b)
{
	struct db *w = b->writer;
	int64_t deadline = b->began_us + b->max_wait_us;
	enum store_status outcome;

	while (!b->doomed && b->queued > 0 && b->writes < b->max_writes &&
	    clock_us() < deadline)
		wait_changed(b, deadline);
	if (b->hold_at > 0)
		hold_for_test(b);
	b->committing = 1;
	outcome = b->doomed ? STORE_ERR : STORE_OK;
	pthread_mutex_unlock(&b->lock);
	outcome = db_commit_or_rollback(w, outcome);
	pthread_mutex_lock(&b->lock);
	metrics_counter_add(&batches, 1);
	metrics_counter_add(&batched_writes, b->writes);
	for (struct batch_write *m = b->members; m != NULL; m = m->next) {
		/* A refusal read from writes that never committed is no answer. */
		if (outcome != STORE_OK)
			m->status = outcome;
		m->done = 1;
	}
	b->members = NULL;
	b->open = b->led = b->committing = 0;
	b->writes = 0;
	pthread_cond_broadcast(&b->changed);
}

enum store_status
db_batch_end(struct db *db, enum store_status st)
{
	struct db_batch *b = db->cfg->batch;
	struct batch_write me = { .next = b->members };

	me.status = savepoint_end(b, st);
	b->members = &me;
	b->writes++;
	db->writing_on = NULL;
	if (!b->led) {
		b->led = 1;
		lead(b);
	} else {
		pthread_cond_broadcast(&b->changed);
		while (!me.done)
			wait_changed(b, 0);
	}
	pthread_mutex_unlock(&b->lock);
	return me.status;
}

/* The test hook's N: a number of writes from 1 to max. */
static int
hold_parse(const char *s, long max, long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 || n > max)
		return -1;
	*out = (long)n;
	return 0;
}

long
db_batch_max(const struct db_config *cfg)
{
	if (cfg->batch_max > 0)
		return cfg->batch_max;
	return cfg->engine == DB_POSTGRESQL ? 1 : DB_BATCH_MAX_SQLITE;
}

int
db_batch_start(struct db_config *cfg, const struct db_schema *schema)
{
	struct db_batch *b;
	pthread_condattr_t attr;
	const char *hold = getenv("MICROSHOP_TEST_HOLD_BATCH");
	long max_writes = db_batch_max(cfg), hold_at = 0;

	if (max_writes <= 1)
		return 0;
	if (hold != NULL && hold_parse(hold, max_writes, &hold_at) < 0) {
		log_msg(LOG_LEVEL_ERROR, "event=group_commit_failed msg=\"MICROSHOP_TEST_HOLD_BATCH"
		    " is a number of writes from 1 to --batch-max\"");
		return -1;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "event=group_commit_failed msg=\"out of memory\"");
		return -1;
	}
	if ((b->writer = db_open(cfg, schema, 0)) == NULL) {
		free(b);
		return -1;
	}
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);	/* clock_us's */
	pthread_cond_init(&b->changed, &attr);
	pthread_condattr_destroy(&attr);
	b->max_writes = max_writes;
	b->max_wait_us = cfg->batch_wait_us;
	b->hold_at = hold_at;
	cfg->batch = b;
	log_msg(LOG_LEVEL_INFO, "event=group_commit batch_max=%ld batch_wait_us=%ld%s",
	    b->max_writes, cfg->batch_wait_us, b->hold_at > 0 ? " test_hold=on" : "");
	return 0;
}

void
db_batch_stop(struct db_config *cfg)
{
	struct db_batch *b = cfg->batch;

	if (b == NULL)
		return;
	cfg->batch = NULL;
	db_close(b->writer);
	pthread_cond_destroy(&b->changed);
	pthread_mutex_destroy(&b->lock);
	free(b);
}
