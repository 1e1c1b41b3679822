/*
 * check_event_consumer.c - fcgi-order/event_consumer.c: the thread that
 * follows the user service's events, run as main.c runs it (a copy of the
 * workers' client config, of a user service on a unix socket, signing
 * with the service's key; the order database's config) against the
 * scripted user service of script_server.h and a real SQLite order
 * database in a file, which the test reads through a connection of its
 * own. A batch is applied and the cursor moves, with one log line; a
 * deletion cancels its user's pending orders; a 410 makes it resync from
 * the snapshot's pages and continue from the first page's sequence; a
 * feed without a cursor starts from the snapshot; an answer with a gap
 * (or a 503) is not applied; a batch another instance applied first is
 * not applied twice; a stop ends a poll that waits; and each poll is a
 * trace of its own, named on the lines about it.
 *
 * In this runner, rand_r is check_user_client.c's (a backoff of no time):
 * every wait here also allows the real jitter of the consumer's backoff.
 */
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>

#include "breaker.h"
#include "check_request_support.h"
#include "check_suites.h"
#include "clock.h"
#include "event_consumer.h"
#include "keygen.h"
#include "keyring.h"
#include "metrics.h"
#include "order_rows.h"
#include "order_store.h"
#include "product_store.h"
#include "script_server.h"
#include "token.h"
#include "trace.h"
#include "user_projection.h"
#include "user_watch.h"

#define WAIT_MS 8000		/* for the consumer to get somewhere */
#define HOLD_MS 30000		/* an answer held back: a poll that waits */
#define STOP_MS 1500		/* what a stop may take */

/* The feed's answers. */
#define AT "2026-12-02T20:00:00Z"
#define OLD "2020-01-01T00:00:00Z"
#define OLD_S 1577836800	/* OLD in Unix seconds */
#define EVENT_AT(seq, id, type, status, cred, at) "{\"seq\":" #seq ",\"schema\":1," \
    "\"type\":\"user." type "\",\"at\":\"" at "\",\"user_id\":" #id "," \
    "\"user_version\":" #cred ",\"status\":\"" status "\",\"role\":\"customer\"," \
    "\"credential_version\":" #cred "}"
#define UPDATED(seq, id, cred) EVENT_AT(seq, id, "updated", "active", cred, AT)
#define CREATED(seq, id) EVENT_AT(seq, id, "created", "active", 1, AT)
#define DELETED(seq, id) EVENT_AT(seq, id, "deleted", "deleted", 1, AT)
/* Events and rows are joined with "," into one argument. */
#define BATCH(last, events) "{\"events\":[" events "],\"last_seq\":" #last \
    ",\"oldest_seq\":1}"
#define ACTIVE_ROW(id, cred) "{\"id\":" #id ",\"status\":\"active\",\"role\":\"customer\"," \
    "\"credential_version\":" #cred ",\"version\":" #cred "}"
#define DELETED_ROW(id) "{\"id\":" #id ",\"status\":\"deleted\"}"
#define PAGE(seq, more, rows) "{\"users\":[" rows "],\"seq\":" #seq ",\"more\":" more "}"
#define GONE "{\"type\":\"about:blank\",\"title\":\"Gone\",\"status\":410," \
    "\"detail\":\"the events after 10 are no longer kept\",\"oldest_seq\":30}"

#define ANSWER(body) { ACT_ANSWER, 200, body, 0 }
/* A poll that waits until the test stops the consumer. */
#define HOLD { ACT_ANSWER, 200, BATCH(0, ""), HOLD_MS }

/* ------------------------------------------------------------------ */
/* The suite: libcurl, the keys, a folder for the socket and database */
/* ------------------------------------------------------------------ */

static struct keyring order_keys;	/* signs the service tokens */
static struct keyring user_side;	/* accepts them */
static char dir[64];
static char sock[128], db_path[128];

/* Remove the database's files and the socket from dir. */
static void
files_remove(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[160];

	for (size_t i = 0; i < N_ELEMS(suffixes); i++) {
		snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
		unlink(path);
	}
	unlink(sock);
}

static void
suite_setup(void)
{
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	snprintf(dir, sizeof(dir), "%s/check_event_consumer.XXXXXX",
	    getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 24 ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/user.sock", dir);
	snprintf(db_path, sizeof(db_path), "%s/order.db", dir);
	ck_assert_int_eq(keygen_service_keys(&order_keys, &user_side), 0);
}

static void
suite_teardown(void)
{
	keyring_free(&order_keys);
	keyring_free(&user_side);
	files_remove();
	rmdir(dir);
	curl_global_cleanup();
}

/* ------------------------------------------------------------------ */
/* The consumer, its database and its user service                    */
/* ------------------------------------------------------------------ */

static struct server srv;
static struct breaker breaker;
static struct user_watch watch;
static struct db_config db_cfg;
static struct db *db;			/* the test's own connection */
static struct event_consumer ec;	/* large: a batch and a page */
static int capturing;			/* the log is being caught */
static char logged[16 * 1024];		/* what the consumer logged */

static void
setup(void)
{
	struct product p = { .sku = "tea", .name = "Green tea", .unit_price_cents = 350,
	    .currency = "EUR", .active = 1 };
	struct if_match none;
	int created;

	files_remove();
	metrics_reset();
	/* The log, from the migrations on, is the test's to read. */
	treq_log_begin();
	capturing = 1;
	breaker_init(&breaker, 5, 5000);
	user_watch_init(&watch, 5000);
	db_cfg = (struct db_config){ .service = "order", .engine = DB_SQLITE, .path = db_path };
	db = db_open(&db_cfg, &order_store_schema, 1);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(if_match_parse(NULL, &none), 0);
	ck_assert_int_eq(product_store_put(db, &p, &none, 0, &created), STORE_OK);
	server_start(&srv, sock);
	/* As main.c sets it: the workers' client config, the database's,
	 * the poll's wait and the batch. */
	memset(&ec, 0, sizeof(ec));
	ec.client = (struct user_client_config){ .base_url = srv.url, .timeout_ms = 2000,
	    .breaker = &breaker, .watch = &watch, .keys = &order_keys };
	ec.db = &db_cfg;
	ec.wait_s = 0;
	ec.batch = USER_FEED_BATCH_MAX;
	logged[0] = '\0';
}

/* Stop the consumer (if it runs) and keep what it logged. */
static void
consumer_stop(void)
{
	event_consumer_stop(&ec);
	if (capturing) {
		snprintf(logged, sizeof(logged), "%s", treq_log_end());
		capturing = 0;
	}
}

static void
teardown(void)
{
	consumer_stop();
	server_stop(&srv);
	if (db != NULL)
		db_end_write(db, STORE_ERR);	/* nothing when no write is open */
	db_close(db);
	db = NULL;
	user_watch_destroy(&watch);
	breaker_destroy(&breaker);
	files_remove();
}

/* Start the consumer, with the server answering steps. */
static void
consumer_start(const struct step *steps, size_t n)
{
	server_script(&srv, steps, n);
	ck_assert_int_eq(event_consumer_start(&ec), 0);
}

static void
pause_ms(int ms)
{
	poll(NULL, 0, ms);
}

static int64_t
db_cursor(void)
{
	int64_t seq;

	ck_assert_int_eq(user_projection_cursor(db, &seq), STORE_OK);
	return seq;
}

/* Wait until the database's cursor is want; fails the test after WAIT_MS. */
static void
wait_cursor(int64_t want)
{
	int64_t until = clock_ms() + WAIT_MS;

	while (db_cursor() != want && clock_ms() < until)
		pause_ms(10);
	ck_assert_int_eq(db_cursor(), want);
}

/* Wait until the server has read n requests (not more: it is held). */
static void
wait_requests(int n)
{
	int64_t until = clock_ms() + WAIT_MS;

	while (server_count(&srv) < n && clock_ms() < until)
		pause_ms(10);
	ck_assert_int_ge(server_count(&srv), n);
}

/* The path of the i-th request the user service read. */
static const char *
path_of(int i)
{
	static struct seen r;

	r = server_seen(&srv, i);
	ck_assert_str_eq(r.method, "GET");
	return r.path;
}

/* The request asked the feed for what follows after. */
static void
check_poll(int i, int64_t after)
{
	char want[128];

	snprintf(want, sizeof(want), "/user/events?after=%" PRId64 "&limit=%d&wait=0", after,
	    USER_FEED_BATCH_MAX);
	ck_assert_str_eq(path_of(i), want);
}

/* The request asked for the snapshot's page after after_id. */
static void
check_page_asked(int i, int64_t after_id)
{
	char want[128];

	snprintf(want, sizeof(want), "/user/events/snapshot?after=%" PRId64 "&limit=%d",
	    after_id, USER_SNAPSHOT_PAGE_MAX);
	ck_assert_str_eq(path_of(i), want);
}

/* The projection's row of user id. */
/* Users 7 and 8 known (active, credential version 1), the cursor at 10. */
static void
cursor_at_10(void)
{
	struct user_fact f[] = {
		{ .id = 7, .role = "customer", .cred_version = 1, .user_version = 1, .seq = 9 },
		{ .id = 8, .role = "customer", .cred_version = 1, .user_version = 1, .seq = 10 },
	};
	int64_t cancelled;

	ck_assert_int_eq(user_projection_apply(db, USER_CURSOR_NONE, 10, f, 2, &cancelled),
	    STORE_OK);
}

static void
check_order(int64_t id, enum order_status status, const char *reason)
{
	static struct order o;

	ck_assert_int_eq(order_store_get(db, id, &o), STORE_OK);
	ck_assert_msg(o.status == status, "order %lld: %s, want %s", (long long)id,
	    order_status_name(o.status), order_status_name(status));
	ck_assert_str_eq(o.cancel_reason, reason);
}

/* "Bearer T", T a service token of the order service's for the user service. */
static void
check_service_token(const char *auth)
{
	struct token_rules rules = { &user_side, "microshop-user", 900 };
	struct token_claims claims;

	ck_assert_msg(strncmp(auth, "Bearer ", 7) == 0, "Authorization: %s", auth);
	ck_assert_int_eq(token_verify(&rules, auth + 7, (int64_t)time(NULL), &claims), TOKEN_OK);
	ck_assert_int_eq(claims.role, TOKEN_SERVICE);
	ck_assert_str_eq(claims.service, "microshop-order");
}

/*
 * The first two polls (the first applied a batch) are each a trace of
 * their own, begun by the consumer: a traceparent of version 00, sampled,
 * with a trace id and a parent span of its own; the batch's log line
 * names the first one's trace and span.
 */
static void
check_poll_traces(void)
{
	struct trace_parent p[2];
	char want[128];

	for (int i = 0; i < 2; i++) {
		struct seen r = server_seen(&srv, i);

		ck_assert_int_eq(strlen(r.traceparent), TRACEPARENT_LEN);
		ck_assert_msg(strncmp(r.traceparent, "00-", 3) == 0, "%s", r.traceparent);
		ck_assert_int_eq(trace_parent_parse(r.traceparent, &p[i]), 0);
		ck_assert_uint_eq(p[i].flags, TRACE_FLAG_SAMPLED);
		ck_assert_str_eq(r.tracestate, "");
	}
	ck_assert_str_ne(p[0].trace_id, p[1].trace_id);
	ck_assert_str_ne(p[0].parent_id, p[1].parent_id);
	snprintf(want, sizeof(want), "last_seq=13 trace_id=%s span_id=%s\n", p[0].trace_id,
	    p[0].parent_id);
	ck_assert_msg(strstr(logged, want) != NULL, "want %s in %s", want, logged);
}

/* ------------------------------------------------------------------ */
/* Following the feed                                                 */
/* ------------------------------------------------------------------ */

START_TEST(test_applies_batch)
{
	static const struct step script[] = {
		ANSWER(BATCH(13, UPDATED(11, 7, 2) "," CREATED(12, 9) "," CREATED(13, 10))),
		HOLD,
	};

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_cursor(13);
	wait_requests(2);
	ck_assert_int_eq(order_rows_known(db, 7).cred_version, 2);
	ck_assert_int_eq(order_rows_known(db, 7).seq, 11);
	ck_assert_int_eq(order_rows_known(db, 9).seq, 12);
	ck_assert_int_eq(order_rows_known(db, 10).seq, 13);
	ck_assert_int_eq(order_rows_known(db, 8).seq, 10);
	/* What the workers read: following, caught up. */
	ck_assert_int_eq(atomic_load(&ec.state), CONSUMER_FOLLOWING);
	ck_assert_int_eq(atomic_load(&ec.cursor), 13);
	ck_assert_int_eq(atomic_load(&ec.last_seq), 13);
	ck_assert_int_eq(event_consumer_lag_events(&ec), 0);
	ck_assert_int_eq(atomic_load(&ec.lag_s), 0);
	ck_assert(treq_metric("microshop_order_events_applied_total") >= 3);
	consumer_stop();

	/* Asked from the cursor, then from where the batch left it, each
	 * call with the order service's own token. */
	check_poll(0, 10);
	check_poll(1, 13);
	check_service_token(server_seen(&srv, 0).auth);
	check_service_token(server_seen(&srv, 1).auth);
	/* One line for the batch, with its range. */
	ck_assert_msg(strstr(logged, "event=events_applied from=11 to=13 events=3 cancelled=0"
	    " last_seq=13") != NULL, "%s", logged);
	check_poll_traces();
}
END_TEST

/* Behind: the lag in events, and in seconds the age of the last one applied. */
START_TEST(test_behind)
{
	static const struct step script[] = {
		ANSWER(BATCH(20, EVENT_AT(11, 7, "updated", "active", 2, OLD) ","
		    EVENT_AT(12, 8, "updated", "active", 2, OLD))),
		HOLD,
	};
	int64_t lag, age;

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_cursor(12);
	wait_requests(2);
	ck_assert_int_eq(atomic_load(&ec.last_seq), 20);
	ck_assert_int_eq(event_consumer_lag_events(&ec), 8);
	lag = atomic_load(&ec.lag_s);
	age = (int64_t)time(NULL) - OLD_S;
	ck_assert_msg(lag >= age - 2 && lag <= age + 2, "lag %" PRId64 " s, events %" PRId64
	    " s old", lag, age);
	ck_assert(treq_metric("microshop_order_events_lag_events") == 8);
	ck_assert(treq_metric("microshop_order_events_lag_seconds") == (double)lag);
	/* Each event's delay, from its time to its application. */
	ck_assert(treq_metric("microshop_order_events_delay_seconds_count") >= 2);
	ck_assert_msg(treq_metric("microshop_order_events_delay_seconds_sum") >= 2.0 * (age - 2),
	    "delays: %g s", treq_metric("microshop_order_events_delay_seconds_sum"));
	check_poll(1, 12);
}
END_TEST

START_TEST(test_deletion_cancels)
{
	static const struct step script[] = { ANSWER(BATCH(11, DELETED(11, 7))), HOLD };
	int64_t pending1, pending2, paid, other;
	struct if_match none;
	struct order o;

	cursor_at_10();
	pending1 = order_rows_pending(db, 7);
	paid = order_rows_pending(db, 7);
	pending2 = order_rows_pending(db, 7);
	other = order_rows_pending(db, 8);
	ck_assert_int_eq(if_match_parse(NULL, &none), 0);
	ck_assert_int_eq(order_store_set_status(db, paid, &none, ORDER_PAID, ORDER_ACTOR_ADMIN,
	    &o), STORE_OK);
	consumer_start(script, N_ELEMS(script));
	wait_cursor(11);
	ck_assert_int_eq(order_rows_known(db, 7).deleted, 1);
	check_order(pending1, ORDER_CANCELLED, "user_deleted");
	check_order(pending2, ORDER_CANCELLED, "user_deleted");
	check_order(paid, ORDER_PAID, "");
	check_order(other, ORDER_PENDING, "");
	consumer_stop();
	ck_assert_msg(strstr(logged, "event=events_applied from=11 to=11 events=1 cancelled=2")
	    != NULL, "%s", logged);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Resyncing                                                          */
/* ------------------------------------------------------------------ */

/*
 * A cursor older than the feed keeps: the snapshot's two pages, then the
 * events from the first page's sequence on, each applied to a user only
 * when newer than what the pages said of them.
 */
START_TEST(test_resync_on_410)
{
	static const struct step script[] = {
		{ ACT_ANSWER, 410, GONE, 0 },
		ANSWER(PAGE(40, "true", ACTIVE_ROW(3, 1) "," DELETED_ROW(5))),
		ANSWER(PAGE(42, "false", ACTIVE_ROW(8, 4))),
		/* 41 is older than page 2's word on user 8; 42 newer than page 1's on 3. */
		ANSWER(BATCH(43, UPDATED(41, 8, 3) "," UPDATED(42, 3, 2) "," CREATED(43, 9))),
		HOLD,
	};
	int64_t order;

	cursor_at_10();
	order = order_rows_pending(db, 5);
	consumer_start(script, N_ELEMS(script));
	wait_cursor(43);
	wait_requests(5);
	consumer_stop();

	check_poll(0, 10);
	check_page_asked(1, 0);
	check_page_asked(2, 5);
	check_poll(3, 40);
	check_poll(4, 43);
	ck_assert_int_eq(order_rows_known(db, 3).cred_version, 2);
	ck_assert_int_eq(order_rows_known(db, 3).seq, 42);
	ck_assert_int_eq(order_rows_known(db, 5).deleted, 1);
	check_order(order, ORDER_CANCELLED, "user_deleted");
	ck_assert_int_eq(order_rows_known(db, 8).cred_version, 4);
	ck_assert_int_eq(order_rows_known(db, 8).seq, 42);
	ck_assert_int_eq(order_rows_known(db, 9).seq, 43);
	ck_assert(treq_metric("microshop_order_events_resyncs_total") >= 1);
	ck_assert_msg(strstr(logged, "event=events_resync cursor=10") != NULL, "%s", logged);
	ck_assert_msg(strstr(logged, "event=events_resynced seq=40 users=3 cancelled=1") != NULL,
	    "%s", logged);
	ck_assert_msg(strstr(logged, "event=events_applied from=41 to=43 events=3") != NULL,
	    "%s", logged);
}
END_TEST

/*
 * The user database restored from an older copy: its feed ends at 5,
 * behind the cursor at 10. The resync forgets the old history (user 7 is
 * not in the restored database; user 8 was known at seq 10, which would
 * hide every fact of the new one below it), and the event 6 that follows
 * raises user 8's credential version. Before the fix the projection still
 * said "credential version 1, seq 10" for user 8.
 */
START_TEST(test_resync_restored)
{
	static const struct step script[] = {
		{ ACT_ANSWER, 410, "{\"type\":\"about:blank\",\"title\":\"Gone\",\"status\":410,"
		  "\"detail\":\"the feed never had seq 10\",\"oldest_seq\":1,\"last_seq\":5}", 0 },
		ANSWER(PAGE(5, "false", ACTIVE_ROW(8, 1))),
		ANSWER(BATCH(6, UPDATED(6, 8, 2))),
		HOLD,
	};

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_cursor(6);
	wait_requests(4);
	consumer_stop();

	check_poll(3, 6);
	ck_assert_int_eq(order_rows_known(db, 8).cred_version, 2);
	ck_assert_int_eq(order_rows_known(db, 8).seq, 6);
	ck_assert(order_rows_unknown(db, 7));
	ck_assert_msg(strstr(logged, "event=events_history_changed cursor=10 snapshot_seq=5")
	    != NULL, "%s", logged);
}
END_TEST

/* No cursor yet: the snapshot first, then the events after it. */
START_TEST(test_starts_from_snapshot)
{
	static const struct step script[] = {
		ANSWER(PAGE(12, "false", ACTIVE_ROW(7, 1) "," DELETED_ROW(8))),
		ANSWER(BATCH(13, UPDATED(13, 7, 2))),
		HOLD,
	};

	ck_assert_int_eq(db_cursor(), USER_CURSOR_NONE);
	consumer_start(script, N_ELEMS(script));
	wait_cursor(13);
	wait_requests(3);
	consumer_stop();
	check_page_asked(0, 0);
	check_poll(1, 12);
	check_poll(2, 13);
	ck_assert_int_eq(order_rows_known(db, 7).cred_version, 2);
	ck_assert_int_eq(order_rows_known(db, 8).deleted, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* What is not applied                                                */
/* ------------------------------------------------------------------ */

/* An answer with a gap, or not a 200: nothing applied, the cursor kept. */
START_TEST(test_gap_not_applied)
{
	static const struct step script[] = {
		ANSWER(BATCH(13, CREATED(12, 9) "," CREATED(13, 10))),	/* 11 missing */
		{ ACT_ANSWER, 503, "{\"status\":503}", 0 },
		/* Late enough for the test to look before it is applied. */
		{ ACT_ANSWER, 200, BATCH(12, CREATED(11, 9) "," CREATED(12, 10)), 1000 },
		HOLD,
	};

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_requests(3);
	ck_assert_int_eq(db_cursor(), 10);
	ck_assert(order_rows_unknown(db, 9));
	ck_assert(order_rows_unknown(db, 10));
	ck_assert_int_eq(atomic_load(&ec.state), CONSUMER_UNREACHABLE);
	check_poll(0, 10);
	check_poll(1, 10);
	check_poll(2, 10);
	/* Then the whole batch. */
	wait_cursor(12);
	ck_assert_int_eq(order_rows_known(db, 9).seq, 11);
	consumer_stop();
	ck_assert_msg(strstr(logged, "event=events_bad_answer") != NULL &&
	    strstr(logged, "out of sequence") != NULL && strstr(logged, "status=503") != NULL,
	    "%s", logged);
	ck_assert_msg(strstr(logged, "event=events_applied from=11 to=12 events=2") != NULL,
	    "%s", logged);
}
END_TEST

/*
 * Another instance applied the batch while this one fetched it: the
 * compare-and-set refuses it here, and the next poll is from where the
 * other left the cursor.
 */
START_TEST(test_applied_elsewhere)
{
	static const struct step script[] = {
		{ ACT_ANSWER, 200, BATCH(12, DELETED(11, 7) "," UPDATED(12, 8, 2)), 1000 },
		HOLD,
	};
	struct user_fact f[] = {
		{ .id = 9, .role = "customer", .cred_version = 1, .user_version = 1, .seq = 11 },
		{ .id = 10, .role = "customer", .cred_version = 1, .user_version = 1, .seq = 12 },
	};
	int64_t order, cancelled;

	cursor_at_10();
	order = order_rows_pending(db, 7);
	consumer_start(script, N_ELEMS(script));
	wait_requests(1);
	ck_assert_int_eq(user_projection_apply(db, 10, 12, f, 2, &cancelled), STORE_OK);
	wait_requests(2);
	check_poll(1, 12);
	consumer_stop();
	ck_assert_int_eq(db_cursor(), 12);
	ck_assert_int_eq(order_rows_known(db, 7).deleted, 0);
	ck_assert_int_eq(order_rows_known(db, 8).cred_version, 1);
	check_order(order, ORDER_PENDING, "");
	ck_assert_msg(strstr(logged, "event=events_applied") == NULL, "%s", logged);
}
END_TEST

/*
 * A poll answered at once with nothing (every wait slot of the user
 * service taken, --event-waiters 0, or --events-wait 0) is not followed
 * at once by the next: the consumer would spin, thousands of calls a
 * second through nginx (seen: 16 000 in 3 s with --event-waiters 0).
 */
START_TEST(test_empty_answers_paced)
{
	static const struct step script[] = { ANSWER(BATCH(10, "")) };
	int n;

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_requests(1);
	pause_ms(1000);
	n = server_count(&srv);
	consumer_stop();
	ck_assert_msg(n <= 1 + 1000 / EVENT_CONSUMER_POLL_MIN_MS + 1,
	    "%d polls in a second, each answered at once with nothing", n);
	ck_assert_int_eq(db_cursor(), 10);
}
END_TEST

/*
 * A batch it cannot read (here an event of a later schema) stops the
 * consumer there, and its lag in seconds grows from the last time it was
 * up to date, so that /order/ready says "behind" (docs/events.md, the
 * failure modes), where it used to stay at 0.
 */
START_TEST(test_unreadable_batch_behind)
{
	static const struct step script[] = {
		ANSWER(BATCH(11, "{\"seq\":11,\"schema\":2,\"type\":\"user.updated\",\"at\":\""
		    AT "\",\"user_id\":7,\"user_version\":2,\"status\":\"active\","
		    "\"role\":\"customer\",\"credential_version\":2}")),
	};
	int64_t until;

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_requests(1);
	until = clock_ms() + WAIT_MS;
	while (atomic_load(&ec.lag_s) < 2 && clock_ms() < until)
		pause_ms(50);
	consumer_stop();
	ck_assert_msg(atomic_load(&ec.lag_s) >= 2, "lag %lld s, stuck for %d polls",
	    (long long)atomic_load(&ec.lag_s), server_count(&srv));
	ck_assert_int_eq(db_cursor(), 10);
	ck_assert_int_eq(order_rows_known(db, 7).cred_version, 1);
	ck_assert_msg(strstr(logged, "event=events_bad_answer") != NULL, "%s", logged);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Stopping                                                           */
/* ------------------------------------------------------------------ */

/* A poll that waits (its wait the most the flag allows) ends with a stop. */
START_TEST(test_stop_while_polling)
{
	static const struct step script[] = { HOLD };
	int64_t began, took;

	cursor_at_10();
	ec.wait_s = 5;
	consumer_start(script, N_ELEMS(script));
	wait_requests(1);
	ck_assert_str_eq(path_of(0), "/user/events?after=10&limit=100&wait=5");
	pause_ms(300);
	began = clock_ms();
	consumer_stop();
	took = clock_ms() - began;
	ck_assert_msg(took < STOP_MS, "the stop took %" PRId64 " ms", took);
	ck_assert_int_eq(ec.running, 0);
	/* A stop is no outage: nothing said of the feed being unreachable. */
	ck_assert_msg(strstr(logged, "events_unreachable") == NULL, "%s", logged);
	ck_assert_int_eq(db_cursor(), 10);
}
END_TEST

/*
 * The signals blocked in the thread named name of this process, from
 * /proc (its SigBlk mask); the check fails when there is no such thread.
 */
static unsigned long long
blocked_in(const char *name)
{
	char path[300], line[128];
	unsigned long long mask = 0;
	int found = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	FILE *f;

	ck_assert_ptr_nonnull(d);
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		found = fgets(line, sizeof(line), f) != NULL && strncmp(line, name, strlen(name)) == 0 &&
		    line[strlen(name)] == '\n';
		fclose(f);
		if (!found)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "SigBlk: %llx", &mask) == 1)
				break;
		fclose(f);
	}
	closedir(d);
	ck_assert_msg(found, "no thread named %s", name);
	return mask;
}

/*
 * The stop signals are the main thread's (fcgi_loop.c waits for them):
 * the consumer, started before they are blocked there, blocks them
 * itself, or a SIGTERM delivered to it would be lost and the service
 * would never stop (seen under valgrind: user.test waited for ever).
 */
START_TEST(test_signals_blocked)
{
	static const struct step script[] = { HOLD };
	unsigned long long mask;

	cursor_at_10();
	consumer_start(script, N_ELEMS(script));
	wait_requests(1);
	mask = blocked_in(EVENT_CONSUMER_THREAD);
	ck_assert_msg(mask & (1ULL << (SIGTERM - 1)), "SIGTERM not blocked: %llx", mask);
	ck_assert_msg(mask & (1ULL << (SIGINT - 1)), "SIGINT not blocked: %llx", mask);
	consumer_stop();
}
END_TEST

/* A consumer that never started stops at once. */
START_TEST(test_stop_not_started)
{
	event_consumer_stop(&ec);
	ck_assert_int_eq(ec.running, 0);
}
END_TEST

Suite *
event_consumer_suite(void)
{
	Suite *s = suite_create("event_consumer");
	TCase *tc = tcase_create("event_consumer");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_applies_batch);
	tcase_add_test(tc, test_behind);
	tcase_add_test(tc, test_deletion_cancels);
	tcase_add_test(tc, test_resync_on_410);
	tcase_add_test(tc, test_resync_restored);
	tcase_add_test(tc, test_starts_from_snapshot);
	tcase_add_test(tc, test_gap_not_applied);
	tcase_add_test(tc, test_applied_elsewhere);
	tcase_add_test(tc, test_empty_answers_paced);
	tcase_add_test(tc, test_unreadable_batch_behind);
	tcase_add_test(tc, test_stop_while_polling);
	tcase_add_test(tc, test_signals_blocked);
	tcase_add_test(tc, test_stop_not_started);
	suite_add_tcase(s, tc);
	return s;
}
