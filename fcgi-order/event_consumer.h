/*
 * event_consumer.h - the order service's follower of the user service's
 * events: one thread per process that long-polls the feed through the
 * user service's HTTP API, applies each batch to the projection
 * (user_projection.h) in one transaction with its effects and the cursor,
 * and resyncs from the snapshot when the feed answers 410. What it knows
 * (the cursor, the lag, its state) is read by the workers for /health,
 * /ready and the metrics. docs/events.md has the design.
 */
#ifndef MICROSHOP_EVENT_CONSUMER_H
#define MICROSHOP_EVENT_CONSUMER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "db.h"
#include "metrics.h"
#include "trace.h"
#include "user_client.h"
#include "user_feed.h"

enum consumer_state {
	CONSUMER_STARTING,	/* no answer from the feed yet */
	CONSUMER_FOLLOWING,	/* its last call was answered */
	CONSUMER_RESYNCING,	/* reading the snapshot */
	CONSUMER_UNREACHABLE	/* its last call was not answered */
};

struct event_consumer {
	/* Set before event_consumer_start. */
	struct user_client_config client;	/* a copy of the workers', with cancel */
	const struct db_config *db;
	long wait_s;		/* how long one poll of the feed may wait */
	long batch;		/* events asked for at once */

	/* The thread's. */
	pthread_t thread;
	int running;
	atomic_int stop;
	unsigned seed;
	int64_t fresh_ms;	/* wall clock: the last turn that left it up to date */
	struct trace trace;	/* the turn's: each turn is a trace (trace.h) */
	struct user_feed_batch events;
	struct user_snapshot_page page;

	/* What the workers read. */
	atomic_int state;
	atomic_llong cursor;	/* the last sequence applied; -1 before any */
	atomic_llong last_seq;	/* the newest the feed had at its last answer */
	/* How old the events waiting are: the oldest fetched, until applied;
	 * then, while more wait, the age of the last applied; 0 caught up;
	 * stuck at a batch it cannot read, the time since it was up to date. */
	atomic_llong lag_s;

	struct metrics_gauge lag_events_gauge, lag_seconds_gauge;
};

/*
 * The least time between the starts of two polls that found nothing: a
 * poll the user service answered at once (no wait slot free, or
 * --events-wait 0) is not followed at once by the next.
 */
#define EVENT_CONSUMER_POLL_MIN_MS 200

/* The consumer thread's name (ps -L, /proc/PID/task/TID/comm). */
#define EVENT_CONSUMER_THREAD "order-events"

/*
 * Register the consumer's metrics and start its thread, every signal
 * blocked in it (the stop signals are the main thread's). 0, or -1.
 */
int event_consumer_start(struct event_consumer *ec);

/* Stop the thread (within about a second) and wait for it. */
void event_consumer_stop(struct event_consumer *ec);

/* Events the feed has that are not applied yet (0 before the first answer). */
int64_t event_consumer_lag_events(const struct event_consumer *ec);

const char *consumer_state_name(enum consumer_state s);

#endif
