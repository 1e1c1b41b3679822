/*
 * event_feed.c - the event feed's state in this process; see event_feed.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "event_feed.h"
#include "log.h"
#include "metrics.h"
#include "user_events.h"

static struct {
	/* lock guards the rest of the block; cond is on CLOCK_MONOTONIC. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int cond_made;
	uint64_t generation;	/* events committed by this process, as told */
	int stopping;
	long waiters;		/* slots */
	long waiting;		/* slots taken */
	long retention_s;
} feed = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* When the next sweep is due (clock_ms()); 0: at once. */
static _Atomic int64_t next_sweep_ms;
static _Atomic int64_t last_seq_seen;

static struct metrics_gauge last_seq_gauge, waiting_gauge;
static struct metrics_counter swept;

int
event_feed_init(long waiters, long retention_s)
{
	pthread_condattr_t attr;
	int rc;

	pthread_mutex_lock(&feed.lock);
	if (feed.cond_made)
		pthread_cond_destroy(&feed.cond);
	feed.cond_made = 0;
	rc = pthread_condattr_init(&attr);
	if (rc == 0) {
		rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		if (rc == 0)
			rc = pthread_cond_init(&feed.cond, &attr);
		pthread_condattr_destroy(&attr);
	}
	feed.cond_made = rc == 0;
	feed.generation = 0;
	feed.stopping = 0;
	feed.waiters = waiters;
	feed.waiting = 0;
	feed.retention_s = retention_s;
	pthread_mutex_unlock(&feed.lock);
	atomic_store(&next_sweep_ms, 0);
	atomic_store(&last_seq_seen, 0);
	if (rc != 0)
		log_msg(LOG_LEVEL_ERROR, "event=feed_init_failed rc=%d", rc);
	return rc == 0 ? 0 : -1;
}

static int64_t
waiting_read(void *arg)
{
	int64_t n;

	(void)arg;
	pthread_mutex_lock(&feed.lock);
	n = feed.waiting;
	pthread_mutex_unlock(&feed.lock);
	return n;
}

static int64_t
last_seq_read(void *arg)
{
	(void)arg;
	return atomic_load(&last_seq_seen);
}

void
event_feed_metrics_register(void)
{
	metrics_gauge_register(&last_seq_gauge, "microshop_user_events_last_seq",
	    "The newest event's seq, as the database said at the last scrape, feed read "
	    "or sweep.", last_seq_read, NULL);
	metrics_gauge_register(&waiting_gauge, "microshop_user_feed_waiting",
	    "Long polls of GET /user/events waiting for an event now (at most "
	    "--event-waiters).", waiting_read, NULL);
	metrics_counter_register(&swept, "microshop_user_events_swept_total",
	    "Events removed by this process's sweeps, older than --event-retention.");
}

int
event_feed_wait_begin(void)
{
	int rc = -1;

	pthread_mutex_lock(&feed.lock);
	if (!feed.stopping && feed.cond_made && feed.waiting < feed.waiters) {
		feed.waiting++;
		rc = 0;
	}
	pthread_mutex_unlock(&feed.lock);
	return rc;
}

void
event_feed_wait_end(void)
{
	pthread_mutex_lock(&feed.lock);
	feed.waiting--;
	pthread_mutex_unlock(&feed.lock);
}

uint64_t
event_feed_generation(void)
{
	uint64_t g;

	pthread_mutex_lock(&feed.lock);
	g = feed.generation;
	pthread_mutex_unlock(&feed.lock);
	return g;
}

int
event_feed_sleep(uint64_t *generation, int64_t ms)
{
	struct timespec until;
	int stopping;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&feed.lock);
	while (!feed.stopping && feed.generation == *generation && feed.cond_made)
		if (pthread_cond_timedwait(&feed.cond, &feed.lock, &until) == ETIMEDOUT)
			break;
	*generation = feed.generation;
	stopping = feed.stopping;
	pthread_mutex_unlock(&feed.lock);
	return stopping;
}

void
event_feed_committed(void)
{
	pthread_mutex_lock(&feed.lock);
	feed.generation++;
	if (feed.cond_made)
		pthread_cond_broadcast(&feed.cond);
	pthread_mutex_unlock(&feed.lock);
}

void
event_feed_stop(void)
{
	pthread_mutex_lock(&feed.lock);
	feed.stopping = 1;
	if (feed.cond_made)
		pthread_cond_broadcast(&feed.cond);
	pthread_mutex_unlock(&feed.lock);
}

void
event_feed_seen(int64_t last_seq)
{
	atomic_store(&last_seq_seen, last_seq);
}

/* Seconds between two sweeps: min(EVENT_FEED_SWEEP_MAX_S, retention). */
static int64_t
sweep_interval_ms(long retention_s)
{
	return (int64_t)(retention_s < EVENT_FEED_SWEEP_MAX_S ? retention_s
	    : EVENT_FEED_SWEEP_MAX_S) * 1000;
}

enum store_status
event_feed_sweep(struct db *db, int64_t now_ms)
{
	int64_t due = atomic_load(&next_sweep_ms), removed = 0, through = 0;
	char before[DB_TIME_LEN];
	enum store_status s;
	long retention_s;

	pthread_mutex_lock(&feed.lock);
	retention_s = feed.retention_s;
	pthread_mutex_unlock(&feed.lock);
	/* One thread takes the sweep: the others find it no longer due. A
	 * feed never set up (event_feed_init) sweeps nothing. */
	if (retention_s <= 0 || now_ms < due ||
	    !atomic_compare_exchange_strong(&next_sweep_ms, &due,
	    now_ms + sweep_interval_ms(retention_s)))
		return STORE_OK;
	db_time(time(NULL) - retention_s, before);
	s = user_events_sweep(db, before, &removed, &through);
	if (s != STORE_OK) {
		log_msg(LOG_LEVEL_WARN, "event=events_sweep_failed store_status=%d "
		    "msg=\"tried again in %" PRId64 " s\"", (int)s,
		    sweep_interval_ms(retention_s) / 1000);
		return s;
	}
	if (removed > 0) {
		metrics_counter_add(&swept, (uint64_t)removed);
		log_msg(LOG_LEVEL_INFO, "event=events_swept removed=%" PRId64
		    " swept_through=%" PRId64 " before=%s retention=%ld", removed, through,
		    before, retention_s);
	}
	return STORE_OK;
}
