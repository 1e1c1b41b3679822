/*
 * metrics.h - the service's counters, gauges and histograms, per process,
 * kept with atomic operations (any worker thread adds to them, none locks),
 * and rendered in the Prometheus text exposition format (version 0.0.4)
 * for GET /SERVICE/metrics. docs/operations.md lists every metric.
 */
#ifndef MICROSHOP_METRICS_H
#define MICROSHOP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "router.h"

struct http_request;

/* Histogram buckets, seconds; +Inf is implied. */
#define METRICS_BUCKETS 14

struct metrics_histogram {
	_Atomic uint64_t counts[METRICS_BUCKETS + 1];	/* not cumulative */
	_Atomic uint64_t sum_us;
};

/* Once, before the workers start: the service's name, routes and threads. */
void metrics_init(const char *service, const struct route *routes, size_t n_routes,
    long threads);

/* A request is being served (a worker is busy) / was answered. */
void metrics_request_begin(void);
void metrics_request_end(const struct http_request *req, int64_t duration_us);

void metrics_histogram_observe(struct metrics_histogram *h, int64_t us);

/* Events counted where they happen. */
void metrics_idempotency_replay(void);
void metrics_sqlite_busy_retry(void);
void metrics_sqlite_transaction(int64_t us);
/* A TCP connection closed at once: its peer is not in --allow-peers. */
void metrics_peer_refused(void);

/*
 * The order service's calls to the user service: one per lookup, with its
 * outcome ("exists", "absent", "deleted", "unavailable", "breaker_open").
 */
void metrics_user_call(const char *outcome, int64_t us);

/* The breaker's state for the gauge: 0 closed, 1 open, 2 half-open. */
void metrics_breaker_state_fn(int (*state)(void));

/* Answer GET /SERVICE/metrics: 200, text/plain; version=0.0.4. */
void metrics_send(struct http_request *req);

/*
 * Render every metric into a buffer the caller frees. *len its length.
 * NULL when out of memory.
 */
char *metrics_render(size_t *len);

#endif
