/*
 * main.c - microshop-order: its own options (how it calls the user
 * service and follows its events) and the steps only it takes at start
 * and stop (the user client, the event consumer's thread); service_main
 * (service.h) runs the rest: settings, schema, keys, serving /order until
 * SIGTERM.
 */
#include <stdlib.h>

#include <curl/curl.h>

#include "clock.h"
#include "log.h"
#include "order_api.h"
#include "order_store.h"
#include "service.h"

/* Readiness asks the user service at most this often (per process). */
#define USER_READY_PROBE_MS 5000

/*
 * Worker threads per CPU when --threads is not given. A write waits on its
 * thread for its COMMIT, and other writes go on meanwhile only on other
 * threads. On SQLite a batch (group commit, db_batch.c) holds at most as
 * many writes as there are threads: with 1 per CPU batches stay near 2
 * writes, with 8 they hold about 10. On PostgreSQL each thread's COMMIT
 * waits for the server's WAL flush, which the server shares between the
 * commits that wait at once: 8 per CPU doubled POST /order there. Reads
 * pay a little for the extra threads (docs/performance.md).
 */
#define ORDER_THREADS_PER_CPU 8

/* The breaker's state for the metrics: 0 closed, 1 open, 2 half-open. */
static int64_t
breaker_gauge_read(void *breaker)
{
	return (int64_t)breaker_state(breaker, clock_ms());
}

/*
 * The user service's client: libcurl, the breaker, the watch, metrics;
 * then the thread that follows the user events, with a client of its own.
 */
static int
order_start(const struct svc_config *cfg)
{
	struct order_settings *os = cfg->own;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=curl_init_failed");
		return -1;
	}
	breaker_init(&os->breaker, (int)os->breaker_failures, os->breaker_cooldown_ms);
	user_watch_init(&os->watch, USER_READY_PROBE_MS);
	os->user_api.breaker = &os->breaker;
	os->user_api.watch = &os->watch;
	os->user_api.keys = auth_keyring();
	metrics_gauge_register(&os->breaker_gauge, "microshop_user_service_breaker_state",
	    "The circuit breaker on the user service: 0 closed, 1 open, 2 half-open.",
	    breaker_gauge_read, &os->breaker);
	order_api_metrics_register();
	if (user_client_metrics_register() < 0)
		return -1;
	if (os->no_user_events)
		return 0;
	os->consumer.client = os->user_api;
	os->consumer.db = &cfg->db;
	return event_consumer_start(&os->consumer);
}

static void
order_stop(const struct svc_config *cfg)
{
	struct order_settings *os = cfg->own;

	event_consumer_stop(&os->consumer);
	user_watch_destroy(&os->watch);
	breaker_destroy(&os->breaker);
	curl_global_cleanup();
}

int
main(int argc, char **argv)
{
	struct order_settings os = {
		.user_api = { .base_url = "http://127.0.0.1:8080", .timeout_ms = 1000 },
		.breaker_failures = 5,
		.breaker_cooldown_ms = 5000,
		.events_max_lag_s = 30,
		.consumer = { .wait_s = 5, .batch = USER_FEED_BATCH_MAX },
	};
	const struct config_option options[] = {
		{ "user-api", CONFIG_STRING, &os.user_api.base_url, 0, 0, "URL",
		  "the user service's HTTP API: http://HOST:PORT, or unix:/path for "
		  "HTTP over a unix socket (default http://127.0.0.1:8080)", NULL },
		{ "user-api-timeout", CONFIG_INT, &os.user_api.timeout_ms, 10, 60000, "MS",
		  "total deadline of one call to the user service, retries included "
		  "(default 1000)", NULL },
		{ "breaker-failures", CONFIG_INT, &os.breaker_failures, 1, 1000, "N",
		  "consecutive failed calls that open the circuit breaker (default 5)", NULL },
		{ "breaker-cooldown", CONFIG_INT, &os.breaker_cooldown_ms, 100, 600000, "MS",
		  "how long an open breaker fails fast before one probe call (default 5000)", NULL },
		{ "no-user-events", CONFIG_BOOL, &os.no_user_events, 0, 0, NULL,
		  "do not follow the user service's events: every order asks the user "
		  "service whether its user exists, and no token is checked for revocation", NULL },
		{ "events-wait", CONFIG_INT, &os.consumer.wait_s, 0, 5, "S",
		  "how long one poll of the user events may wait for one (default 5)", NULL },
		{ "events-batch", CONFIG_INT, &os.consumer.batch, 1, USER_FEED_BATCH_MAX, "N",
		  "user events asked for and applied at once (default 100)", NULL },
		{ "events-max-lag", CONFIG_INT, &os.events_max_lag_s, 1, 86400, "S",
		  "/order/ready answers 503 (behind) while the user events applied last "
		  "are older than this and more wait (default 30)", NULL },
	};
	const struct service order = {
		.name = "order",
		.db_path = "/var/lib/microshop-order/order.db",
		.schema = &order_store_schema,
		.key_use = KEY_SERVICE_TOKENS,	/* its key signs its calls to the user service */
		.serving = &order_service,
		.options = options,
		.n_options = sizeof(options) / sizeof(options[0]),
		.own = &os,
		.threads_per_cpu = ORDER_THREADS_PER_CPU,
		.start = order_start,
		.stop = order_stop,
	};

	return service_main(&order, argc, argv);
}
