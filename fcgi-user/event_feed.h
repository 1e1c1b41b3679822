/*
 * event_feed.h - the user service's event feed (GET /user/events), what of
 * it lives in the process rather than in the database:
 *
 *   - the wait slots: a long poll waits for an event only while it holds
 *     one of `waiters` slots, and the service runs that many worker
 *     threads more than --threads (svc_config.wait_threads), so that at
 *     least --threads workers are never inside a long poll; a poll that
 *     finds every slot taken answers at once;
 *   - the wake-up: a worker that committed an event says so, and every
 *     waiter of this process re-reads at once (a waiter re-reads every
 *     EVENT_FEED_TICK_MS anyway, for events other processes commit);
 *   - the stop: SIGTERM (fcgi_service.stopping) ends every wait, and no
 *     new one begins;
 *   - the sweep of events older than the retention, at start and then at
 *     most once every min(60 s, retention) per process, run by whichever
 *     request finds it due (a feed read or a user write): no thread of
 *     its own;
 *   - the feed's metrics.
 *
 * One feed per process; every function may be called from any thread.
 */
#ifndef MICROSHOP_EVENT_FEED_H
#define MICROSHOP_EVENT_FEED_H

#include <stdint.h>

#include "db.h"
#include "store.h"

/* A waiting long poll reads the database again this often. */
#define EVENT_FEED_TICK_MS 100
/* The longest sweep interval, seconds (shorter when the retention is). */
#define EVENT_FEED_SWEEP_MAX_S 60

/*
 * Set the feed up (again, for the tests: no wait may be in progress):
 * waiters slots, events kept retention_s seconds, the first sweep due at
 * once, not stopping. 0, or -1 when the system refuses (logged).
 */
int event_feed_init(long waiters, long retention_s);

/* Register the feed's metrics (metrics.h), once, before the workers start. */
void event_feed_metrics_register(void);

/*
 * Take a wait slot: 0, then event_feed_wait_end() when the wait is over;
 * or -1 when every slot is taken or the service is stopping (answer at
 * once then).
 */
int event_feed_wait_begin(void);
void event_feed_wait_end(void);

/* What a waiter compares with: events committed by this process so far. */
uint64_t event_feed_generation(void);

/*
 * Sleep until this process commits an event after *generation, the
 * service stops, or ms pass; *generation is then the current one.
 * Returns 1 when the service is stopping, else 0.
 */
int event_feed_sleep(uint64_t *generation, int64_t ms);

/* A worker of this process committed an event (or may have): wake every waiter. */
void event_feed_committed(void);

/* The service is stopping: end every wait, begin no other. */
void event_feed_stop(void);

/* The newest seq the database was seen at, for microshop_user_events_last_seq. */
void event_feed_seen(int64_t last_seq);

/*
 * When a sweep is due at now_ms (clock_ms()) and no other thread took it:
 * remove the events older than the retention on db (user_events_sweep),
 * log a line when it removed any, count them. Returns STORE_OK when there
 * was nothing to do, or the sweep's answer (a failure is logged, and the
 * next sweep is tried an interval later).
 */
enum store_status event_feed_sweep(struct db *db, int64_t now_ms);

#endif
