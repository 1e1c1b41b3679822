/*
 * request_metrics.c - the requests' metrics; see request_metrics.h.
 *
 * Every series is a slot of a fixed table made at start (routes x status
 * codes, a histogram per route), so counting is one relaxed atomic add and
 * never allocates; rendering walks the tables and leaves out what is zero.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics.h"
#include "problem.h"
#include "request_metrics.h"

#define MAX_ROUTES 16		/* a service's routes; one more for "none" */
#define STATUS_MIN 100
#define STATUS_MAX 599

static struct {
	const struct route *routes;
	size_t n_routes;
	long threads;
	_Atomic uint64_t requests[MAX_ROUTES + 1][STATUS_MAX - STATUS_MIN + 1];
	struct metrics_histogram latency[MAX_ROUTES + 1];
	_Atomic int64_t in_flight;
	struct metrics_family requests_fam, latency_fam, in_flight_fam, workers_fam;
} m;

void
request_metrics_begin(void)
{
	atomic_fetch_add_explicit(&m.in_flight, 1, memory_order_relaxed);
}

void
request_metrics_end(const struct http_request *req, int64_t duration_us)
{
	size_t r = m.n_routes;	/* "none": no route matched */
	int status = req->status;

	if (req->match.route != NULL && m.routes != NULL &&
	    req->match.route >= m.routes && req->match.route < m.routes + m.n_routes)
		r = (size_t)(req->match.route - m.routes);
	if (status < STATUS_MIN || status > STATUS_MAX)
		status = 500;
	atomic_fetch_add_explicit(&m.requests[r][status - STATUS_MIN], 1, memory_order_relaxed);
	metrics_histogram_observe(&m.latency[r], duration_us);
	atomic_fetch_sub_explicit(&m.in_flight, 1, memory_order_relaxed);
}

/* method and route labels of route slot r. */
static void
route_labels(size_t r, char *buf, size_t n)
{
	if (r < m.n_routes)
		snprintf(buf, n, "method=\"%s\",route=\"%s\"", m.routes[r].method,
		    m.routes[r].pattern);
	else
		snprintf(buf, n, "method=\"other\",route=\"none\"");
}

static void
requests_render(FILE *f, const struct metrics_family *fam)
{
	char labels[256];

	for (size_t r = 0; r <= m.n_routes; r++) {
		route_labels(r, labels, sizeof(labels));
		for (int s = STATUS_MIN; s <= STATUS_MAX; s++) {
			uint64_t v = atomic_load_explicit(&m.requests[r][s - STATUS_MIN],
			    memory_order_relaxed);

			if (v > 0)
				fprintf(f, "%s{%s,status=\"%d\"} %" PRIu64 "\n", fam->name, labels,
				    s, v);
		}
	}
}

static void
latency_render(FILE *f, const struct metrics_family *fam)
{
	char labels[256];

	for (size_t r = 0; r <= m.n_routes; r++) {
		if (!metrics_histogram_used(&m.latency[r]))
			continue;
		route_labels(r, labels, sizeof(labels));
		metrics_histogram_render(f, fam->name, labels, &m.latency[r]);
	}
}

static int64_t
busy(void)
{
	return atomic_load_explicit(&m.in_flight, memory_order_relaxed);
}

static void
in_flight_render(FILE *f, const struct metrics_family *fam)
{
	fprintf(f, "%s %" PRId64 "\n", fam->name, busy());
}

static void
workers_render(FILE *f, const struct metrics_family *fam)
{
	int64_t b = busy();

	fprintf(f, "%s{state=\"busy\"} %" PRId64 "\n", fam->name, b);
	fprintf(f, "%s{state=\"idle\"} %" PRId64 "\n", fam->name,
	    m.threads - b > 0 ? m.threads - b : 0);
}

void
request_metrics_register(const struct route *routes, size_t n_routes, long threads)
{
	m.routes = routes;
	m.n_routes = n_routes < MAX_ROUTES ? n_routes : MAX_ROUTES;
	m.threads = threads;
	m.requests_fam = (struct metrics_family){ "microshop_http_requests_total",
	    "Requests answered, by route and status.", "counter", requests_render, NULL };
	m.latency_fam = (struct metrics_family){ "microshop_http_request_duration_seconds",
	    "Time from a request's arrival at the service to its answer, by route.",
	    "histogram", latency_render, NULL };
	m.in_flight_fam = (struct metrics_family){ "microshop_http_requests_in_flight",
	    "Requests being served now (this one included).", "gauge", in_flight_render,
	    NULL };
	m.workers_fam = (struct metrics_family){ "microshop_worker_threads",
	    "Worker threads, busy serving a request or idle.", "gauge", workers_render, NULL };
	metrics_register(&m.requests_fam);
	metrics_register(&m.latency_fam);
	metrics_register(&m.in_flight_fam);
	metrics_register(&m.workers_fam);
}

/*
 * The readiness gauge, rendered after the registry's families. Its value
 * is the scrape's own, not kept in the process, so that concurrent
 * scrapes cannot mix their answers.
 */
static const char ready_family[] =
    "# HELP microshop_ready Whether GET /SERVICE/ready would answer 200 now: 1 ready, 0 not.\n"
    "# TYPE microshop_ready gauge\n"
    "microshop_ready ";

void
request_metrics_send(struct http_request *req, const char *not_ready)
{
	const char *value = not_ready == NULL ? "1\n" : "0\n";
	size_t len = 0, n = sizeof(ready_family) - 1;
	char *text = metrics_render(&len), *all = NULL;

	if (text == NULL || (all = realloc(text, len + n + 3)) == NULL) {
		free(text);
		http_problem_send(req, 500, "out of memory");
		return;
	}
	memcpy(all + len, ready_family, n);
	memcpy(all + len + n, value, 3);
	http_send_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", all, len + n + 2);
	free(all);
}
