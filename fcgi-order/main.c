/*
 * main.c - microshop-order: read the settings, bring the database schema
 * up to date, then serve /order until SIGTERM.
 */
#include <stdlib.h>

#include <curl/curl.h>

#include "auth.h"
#include "breaker.h"
#include "clock.h"
#include "settings.h"
#include "db.h"
#include "fcgi_loop.h"
#include "log.h"
#include "metrics.h"
#include "order_api.h"
#include "order_store.h"
#include "user_watch.h"

/* Readiness asks the user service at most this often (per process). */
#define USER_READY_PROBE_MS 5000

/* The breaker's state for the metrics: 0 closed, 1 open, 2 half-open. */
static int64_t
breaker_gauge(void)
{
	return (int64_t)breaker_state(order_user_api.breaker, clock_ms());
}

static struct metrics_gauge breaker_metric;

int
main(int argc, char **argv)
{
	struct svc_config cfg;
	struct breaker breaker;
	struct user_watch watch;
	const char *user_api = "http://127.0.0.1:8080";
	long timeout_ms = 1000, breaker_failures = 5, breaker_cooldown_ms = 5000;
	const struct config_option options[] = {
		{ "user-api", CONFIG_STRING, &user_api, 0, 0, "URL",
		  "the user service's HTTP API: http://HOST:PORT, or unix:/path for "
		  "HTTP over a unix socket (default http://127.0.0.1:8080)", NULL },
		{ "user-api-timeout", CONFIG_INT, &timeout_ms, 10, 60000, "MS",
		  "total deadline of one call to the user service, retries included "
		  "(default 1000)", NULL },
		{ "breaker-failures", CONFIG_INT, &breaker_failures, 1, 1000, "N",
		  "consecutive failed calls that open the circuit breaker (default 5)", NULL },
		{ "breaker-cooldown", CONFIG_INT, &breaker_cooldown_ms, 100, 600000, "MS",
		  "how long an open breaker fails fast before one probe call (default 5000)", NULL },
	};
	int rc;

	settings_defaults(&cfg, "order", "/var/lib/microshop-order/order.db");
	switch (settings_parse(&cfg, options, sizeof(options) / sizeof(options[0]), argc, argv)) {
	case CONFIG_OK:
		break;
	case CONFIG_EXIT_SUCCESS:
		return EXIT_SUCCESS;
	case CONFIG_EXIT_FAILURE:
		return EXIT_FAILURE;
	}
	log_init("order", cfg.log_level);

	if (db_migrate(&cfg.db, &order_store_schema) < 0)
		return EXIT_FAILURE;
	if (cfg.migrate_only)
		return EXIT_SUCCESS;
	/* Without its keys a service would take no token: it does not start.
	 * Its private key signs its service tokens to the user service. */
	if (auth_keys_load(&cfg, KEY_SERVICE_TOKENS) < 0)
		return EXIT_FAILURE;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=curl_init_failed");
		return EXIT_FAILURE;
	}
	breaker_init(&breaker, (int)breaker_failures, breaker_cooldown_ms);
	user_watch_init(&watch, USER_READY_PROBE_MS);
	order_user_api.base_url = user_api;
	order_user_api.timeout_ms = timeout_ms;
	order_user_api.breaker = &breaker;
	order_user_api.watch = &watch;
	order_user_api.keys = auth_keyring();
	metrics_gauge_register(&breaker_metric, "microshop_user_service_breaker_state",
	    "The circuit breaker on the user service: 0 closed, 1 open, 2 half-open.",
	    breaker_gauge);
	if (user_client_metrics_register() < 0)
		return EXIT_FAILURE;

	rc = fcgi_loop_run(&cfg, &order_service);
	db_stop(&cfg.db);

	user_watch_destroy(&watch);
	breaker_destroy(&breaker);
	curl_global_cleanup();
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
