/*
 * request_metrics.h - the metrics of the requests a service serves: a
 * count by route and status, the latency by route, the requests in flight
 * and the worker threads busy or idle; and GET /SERVICE/metrics, which
 * renders every registered metric (metrics.h) and whether the service is
 * ready.
 */
#ifndef MICROSHOP_REQUEST_METRICS_H
#define MICROSHOP_REQUEST_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "router.h"

struct http_request;

/* Once, before the workers start: register the families of these routes. */
void request_metrics_register(const struct route *routes, size_t n_routes, long threads);

/* A request is being served (a worker is busy) / was answered. */
void request_metrics_begin(void);
void request_metrics_end(const struct http_request *req, int64_t duration_us);

/*
 * Answer GET /SERVICE/metrics: 200, text/plain; version=0.0.4. Last comes
 * microshop_ready: 1 when not_ready is NULL, else 0. The caller finds
 * not_ready as its GET /SERVICE/ready does, at each scrape, so that an
 * alert on readiness needs no prober of its own.
 */
void request_metrics_send(struct http_request *req, const char *not_ready);

#endif
