/*
 * event_consumer.c - the thread that follows the user service's events;
 * see event_consumer.h.
 *
 * Each turn reads the cursor from the database (not from memory: another
 * instance may have moved it), asks the feed for what follows it, and
 * applies the batch with user_projection_apply, whose compare-and-set on
 * the cursor makes a batch that two instances both fetched take effect
 * once. A failed turn waits a full-jitter backoff; a stop ends the wait.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "event_consumer.h"
#include "order_store.h"
#include "trace.h"
#include "user_projection.h"

#define BACKOFF_FIRST_MS 200
#define BACKOFF_CAP_MS 5000
#define CALL_SLACK_MS 2000	/* a poll's deadline: its wait and this */

static struct metrics_counter applied, resyncs, cancelled_orders;
static struct metrics_histogram delays;

const char *
consumer_state_name(enum consumer_state s)
{
	switch (s) {
	case CONSUMER_STARTING:
		return "starting";
	case CONSUMER_FOLLOWING:
		return "following";
	case CONSUMER_RESYNCING:
		return "resyncing";
	case CONSUMER_UNREACHABLE:
		return "unreachable";
	}
	return "starting";
}

int64_t
event_consumer_lag_events(const struct event_consumer *ec)
{
	int64_t last = atomic_load(&ec->last_seq), cursor = atomic_load(&ec->cursor);

	return cursor < 0 || last < cursor ? 0 : last - cursor;
}

static int64_t
lag_events_read(void *arg)
{
	return event_consumer_lag_events(arg);
}

static int64_t
lag_seconds_read(void *arg)
{
	const struct event_consumer *ec = arg;

	return atomic_load(&ec->lag_s);
}

/* Sleep ms, or less when the consumer is told to stop. */
static void
pause_ms(struct event_consumer *ec, int64_t ms)
{
	struct timespec step = { 0, 100 * 1000000L };

	for (int64_t slept = 0; slept < ms && !atomic_load(&ec->stop); slept += 100)
		nanosleep(&step, NULL);
}

/*
 * Now in milliseconds on the wall clock: an event's time is the user
 * service's wall clock, which clock.h's monotonic one is not comparable to.
 */
static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How old an event of time at (Unix seconds) is now; 0 for one ahead. */
static int64_t
age_s(int64_t at)
{
	int64_t now = wall_ms() / 1000;

	return now > at ? now - at : 0;
}

/*
 * A 200 this consumer cannot read (an event of a schema it does not
 * know, say) stops it there until it is upgraded: what waits is at least
 * as old as its last turn that left it up to date, and its lag grows
 * from then on, so that /order/ready says behind. An answer that does
 * not come (the user service away) does not: the projection serves.
 */
static void
stuck(struct event_consumer *ec)
{
	int64_t since = (wall_ms() - ec->fresh_ms) / 1000;

	if (since > atomic_load(&ec->lag_s))
		atomic_store(&ec->lag_s, since);
}

/*
 * An answer of the feed or the snapshot that is not a 200 this consumer
 * can read (why says what is wrong with a 200): logged, and a 200 makes
 * it stuck. Returns -1, a failed turn.
 */
static int
bad_answer(struct event_consumer *ec, const char *path, long status, const char *why)
{
	log_msg(LOG_LEVEL_WARN, "event=events_bad_answer path=%s status=%ld msg=\"%s\""
	    " trace_id=%s span_id=%s", path, status, status == 200 ? why : "not 200",
	    ec->trace.trace_id, ec->trace.span_id);
	if (status == 200)
		stuck(ec);
	return -1;
}

/*
 * GET path; 0 with the answer's status, body and length, or -1 (no whole
 * answer) after marking the feed unreachable.
 */
static int
fetch(struct event_consumer *ec, struct user_client *client, const char *path,
    long *status, const char **body, size_t *len)
{
	long timeout = ec->wait_s * 1000 + ec->client.timeout_ms + CALL_SLACK_MS;

	*status = user_client_fetch(client, path, timeout, &ec->trace, body, len);
	if (*status == 0) {
		if (!atomic_load(&ec->stop))
			log_msg(LOG_LEVEL_WARN, "event=events_unreachable path=%s trace_id=%s "
			    "span_id=%s", path, ec->trace.trace_id, ec->trace.span_id);
		atomic_store(&ec->state, CONSUMER_UNREACHABLE);
		return -1;
	}
	return 0;
}

/*
 * Read every page of the snapshot into the projection, then move the
 * cursor from `from` to the sequence the first page is consistent with:
 * each later page is at least as new, and the events after that sequence,
 * read again, are skipped by each user's own sequence where they are
 * older than what a page said. 0, or -1.
 */
static int
resync(struct event_consumer *ec, struct db *db, struct user_client *client, int64_t from)
{
	struct user_snapshot_page *p = &ec->page;
	int64_t after_id = 0, start = -1, users = 0, cancelled = 0, c;
	int forget;
	char path[128];
	const char *body, *why = NULL;
	size_t len;
	long status;

	atomic_store(&ec->state, CONSUMER_RESYNCING);
	metrics_counter_add(&resyncs, 1);
	log_msg(LOG_LEVEL_INFO, "event=events_resync cursor=%" PRId64 " trace_id=%s span_id=%s",
	    from, ec->trace.trace_id, ec->trace.span_id);
	do {
		snprintf(path, sizeof(path), "/user/events/snapshot?after=%" PRId64 "&limit=%d",
		    after_id, USER_SNAPSHOT_PAGE_MAX);
		if (fetch(ec, client, path, &status, &body, &len) < 0)
			return -1;
		if (status != 200 || user_feed_read_snapshot(body, len, after_id,
		    USER_SNAPSHOT_PAGE_MAX, p, &why) < 0)
			return bad_answer(ec, path, status, why);
		/* A snapshot behind the cursor is another history (the user
		 * database restored or replaced): its first page forgets the
		 * old one, whose higher sequences would hide the new facts. */
		forget = start < 0 && from != USER_CURSOR_NONE && p->seq < from;
		if (start < 0)
			start = p->seq;
		if (user_projection_apply_page(db, p->facts, p->n, forget, &c) != STORE_OK)
			return -1;
		if (forget)
			log_msg(LOG_LEVEL_WARN, "event=events_history_changed cursor=%" PRId64
			    " snapshot_seq=%" PRId64 " msg=\"the user service's feed is behind "
			    "this cursor: the projection is rebuilt\" trace_id=%s span_id=%s",
			    from, p->seq, ec->trace.trace_id, ec->trace.span_id);
		cancelled += c;
		users += (int64_t)p->n;
		if (p->n > 0)
			after_id = p->facts[p->n - 1].id;
	} while (p->more && !atomic_load(&ec->stop));
	if (atomic_load(&ec->stop))
		return 0;
	ec->fresh_ms = wall_ms();
	metrics_counter_add(&cancelled_orders, (uint64_t)cancelled);
	if (user_projection_apply(db, from, start, NULL, 0, &c) != STORE_OK) {
		/* Another instance moved the cursor first: it goes on from there. */
		log_msg(LOG_LEVEL_INFO, "event=events_resync_superseded seq=%" PRId64
		    " users=%" PRId64 " cancelled=%" PRId64 " trace_id=%s span_id=%s", start,
		    users, cancelled, ec->trace.trace_id, ec->trace.span_id);
		return 0;
	}
	atomic_store(&ec->cursor, start);
	log_msg(LOG_LEVEL_INFO, "event=events_resynced seq=%" PRId64 " users=%" PRId64
	    " cancelled=%" PRId64 " trace_id=%s span_id=%s", start, users, cancelled,
	    ec->trace.trace_id, ec->trace.span_id);
	return 0;
}

/* A batch applied: the counters, the lag, one log line. */
static void
batch_applied(struct event_consumer *ec, int64_t from, const struct user_feed_batch *b,
    int64_t cancelled)
{
	int64_t now_ms = wall_ms(), to = b->facts[b->n - 1].seq;

	metrics_counter_add(&applied, b->n);
	metrics_counter_add(&cancelled_orders, (uint64_t)cancelled);
	/* A clock of the user service's ahead of this one's is no negative delay. */
	for (size_t i = 0; i < b->n; i++)
		metrics_histogram_observe(&delays, now_ms > b->at[i] * 1000 ?
		    (now_ms - b->at[i] * 1000) * 1000 : 0);
	atomic_store(&ec->cursor, to);
	ec->fresh_ms = now_ms;
	/* Still behind: the events waiting are at most as old as the last one
	 * applied. Caught up: nothing waits. */
	atomic_store(&ec->lag_s, to < b->last_seq ? age_s(b->at[b->n - 1]) : 0);
	log_msg(LOG_LEVEL_INFO, "event=events_applied from=%" PRId64 " to=%" PRId64
	    " events=%zu cancelled=%" PRId64 " last_seq=%" PRId64 " trace_id=%s span_id=%s",
	    from + 1, to, b->n, cancelled, b->last_seq, ec->trace.trace_id, ec->trace.span_id);
}

/*
 * One turn: read the cursor, poll the feed, apply or resync. 0, or -1.
 * Each turn is a trace of its own, begun here (nobody asked for it): its
 * calls to the user service carry it, and so do its log lines.
 */
static int
turn(struct event_consumer *ec, struct db *db, struct user_client *client)
{
	struct user_feed_batch *b = &ec->events;
	int64_t cursor, cancelled;
	char path[128];
	const char *body, *why = NULL;
	size_t len;
	long status;
	enum store_status s;
	int64_t began = clock_ms();

	trace_new(&ec->trace);
	if (user_projection_cursor(db, &cursor) != STORE_OK)
		return -1;
	atomic_store(&ec->cursor, cursor);
	if (cursor == USER_CURSOR_NONE)
		return resync(ec, db, client, cursor);
	snprintf(path, sizeof(path), "/user/events?after=%" PRId64 "&limit=%ld&wait=%ld",
	    cursor, ec->batch, ec->wait_s);
	if (fetch(ec, client, path, &status, &body, &len) < 0)
		return -1;
	if (status == 410)
		return resync(ec, db, client, cursor);
	if (status != 200 || user_feed_read_events(body, len, cursor, (size_t)ec->batch, b,
	    &why) < 0) {
		atomic_store(&ec->state, CONSUMER_UNREACHABLE);
		return bad_answer(ec, path, status, why);
	}
	atomic_store(&ec->state, CONSUMER_FOLLOWING);
	atomic_store(&ec->last_seq, b->last_seq);
	if (b->n == 0) {
		atomic_store(&ec->lag_s, 0);
		ec->fresh_ms = wall_ms();
		/* Answered at once (no wait slot free there, or no wait asked):
		 * the next poll not at once, or this thread would spin. */
		pause_ms(ec, EVENT_CONSUMER_POLL_MIN_MS - (clock_ms() - began));
		return 0;
	}
	/* Until it is applied, the lag is the age of the oldest event waiting. */
	atomic_store(&ec->lag_s, age_s(b->at[0]));
	s = user_projection_apply(db, cursor, b->facts[b->n - 1].seq, b->facts, b->n,
	    &cancelled);
	if (s == STORE_STALE)	/* another instance applied them first */
		return 0;
	if (s != STORE_OK) {
		log_msg(LOG_LEVEL_WARN, "event=events_apply_failed from=%" PRId64 " http=%d"
		    " trace_id=%s span_id=%s", cursor + 1, store_status_http(s),
		    ec->trace.trace_id, ec->trace.span_id);
		return -1;
	}
	batch_applied(ec, cursor, b, cancelled);
	return 0;
}

static void *
consumer_main(void *arg)
{
	struct event_consumer *ec = arg;
	struct db *db = NULL;
	struct user_client *client = NULL;
	int64_t backoff = BACKOFF_FIRST_MS;

	while (!atomic_load(&ec->stop)) {
		if (db == NULL)
			db = db_open(ec->db, &order_store_schema, 0);
		if (client == NULL)
			client = user_client_new(&ec->client);
		if (db != NULL && client != NULL && turn(ec, db, client) == 0) {
			backoff = BACKOFF_FIRST_MS;
			continue;
		}
		pause_ms(ec, rand_r(&ec->seed) % (backoff + 1));
		backoff = backoff * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : backoff * 2;
	}
	user_client_free(client);
	db_close(db);
	return NULL;
}

int
event_consumer_start(struct event_consumer *ec)
{
	sigset_t all, old;
	int rc;

	atomic_init(&ec->stop, 0);
	atomic_init(&ec->state, CONSUMER_STARTING);
	atomic_init(&ec->cursor, -1);
	atomic_init(&ec->last_seq, 0);
	atomic_init(&ec->lag_s, 0);
	ec->client.cancel = &ec->stop;
	ec->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)ec;
	ec->fresh_ms = wall_ms();
	metrics_counter_register(&applied, "microshop_order_events_applied_total",
	    "User events applied to the projection.");
	metrics_counter_register(&resyncs, "microshop_order_events_resyncs_total",
	    "Times the projection was rebuilt from the user service's snapshot.");
	metrics_counter_register(&cancelled_orders, "microshop_order_events_cancelled_orders_total",
	    "Pending orders cancelled because their user was deleted.");
	metrics_histogram_register(&delays, "microshop_order_events_delay_seconds",
	    "From an event's time (whole seconds) to its application.");
	metrics_gauge_register(&ec->lag_events_gauge, "microshop_order_events_lag_events",
	    "Events the feed had at its last answer that are not applied yet.",
	    lag_events_read, ec);
	metrics_gauge_register(&ec->lag_seconds_gauge, "microshop_order_events_lag_seconds",
	    "While behind, the age of the last event applied (stuck at one it cannot "
	    "read: the time since it was up to date); 0 when caught up.",
	    lag_seconds_read, ec);
	/* Made with every signal blocked, which it keeps: SIGTERM is the main
	 * thread's, waited for once the service runs (fcgi_loop.c), and a stop
	 * signal delivered to this thread instead would be lost. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&ec->thread, NULL, consumer_main, ec);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_msg(LOG_LEVEL_ERROR, "event=events_thread_failed");
		return -1;
	}
	pthread_setname_np(ec->thread, EVENT_CONSUMER_THREAD);
	ec->running = 1;
	return 0;
}

void
event_consumer_stop(struct event_consumer *ec)
{
	if (!ec->running)
		return;
	atomic_store(&ec->stop, 1);
	pthread_join(ec->thread, NULL);
	ec->running = 0;
}
