/*
 * order_api.h - the HTTP API of the order service: its route table, and
 * its own settings (cfg->own, service.h): how its workers call the user
 * service, and the breaker and watch their calls share.
 */
#ifndef MICROSHOP_ORDER_API_H
#define MICROSHOP_ORDER_API_H

#include "breaker.h"
#include "event_consumer.h"
#include "metrics.h"
#include "fcgi_service.h"
#include "user_client.h"
#include "user_watch.h"

extern const struct fcgi_service order_service;

/*
 * Filled by the options and the start step (main.c) before the workers
 * start; only the breaker and the watch change after, under their locks.
 */
struct order_settings {
	struct user_client_config user_api;	/* each worker's client's */
	long breaker_failures;
	long breaker_cooldown_ms;
	struct breaker breaker;
	struct user_watch watch;
	struct metrics_gauge breaker_gauge;
	/* The user service's events (docs/events.md): followed unless
	 * no_user_events, when every order asks the user service, as before. */
	int no_user_events;
	long events_max_lag_s;	/* /order/ready says behind past it */
	struct event_consumer consumer;
};

/*
 * Register the metrics of the order API's own (lookups the projection
 * avoided). Once, before the workers start.
 */
void order_api_metrics_register(void);

#endif
