/*
 * metrics.c - per-process metrics, atomically counted; see metrics.h.
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

#define MAX_ROUTES 16		/* a service's routes; one more for "none" */
#define STATUS_MIN 100
#define STATUS_MAX 599

static const double bucket_le[METRICS_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5
};

static const char *const call_outcomes[] = {
	"exists", "absent", "deleted", "unavailable", "breaker_open"
};
#define N_OUTCOMES (sizeof(call_outcomes) / sizeof(call_outcomes[0]))

static struct {
	const char *service;
	const struct route *routes;
	size_t n_routes;
	long threads;
	_Atomic uint64_t requests[MAX_ROUTES + 1][STATUS_MAX - STATUS_MIN + 1];
	struct metrics_histogram latency[MAX_ROUTES + 1];
	_Atomic int64_t in_flight;
	_Atomic uint64_t idempotency_replays;
	_Atomic uint64_t sqlite_busy_retries;
	_Atomic uint64_t peers_refused;
	struct metrics_histogram sqlite_tx;
	_Atomic uint64_t user_calls[N_OUTCOMES];
	struct metrics_histogram user_call_latency;
	int (*breaker_state)(void);
} m;

void
metrics_init(const char *service, const struct route *routes, size_t n_routes, long threads)
{
	m.service = service;
	m.routes = routes;
	m.n_routes = n_routes < MAX_ROUTES ? n_routes : MAX_ROUTES;
	m.threads = threads;
}

void
metrics_histogram_observe(struct metrics_histogram *h, int64_t us)
{
	size_t b = 0;

	while (b < METRICS_BUCKETS && (double)us > bucket_le[b] * 1e6)
		b++;
	atomic_fetch_add_explicit(&h->counts[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(us > 0 ? us : 0), memory_order_relaxed);
}

void
metrics_request_begin(void)
{
	atomic_fetch_add_explicit(&m.in_flight, 1, memory_order_relaxed);
}

void
metrics_request_end(const struct http_request *req, int64_t duration_us)
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

void
metrics_idempotency_replay(void)
{
	atomic_fetch_add_explicit(&m.idempotency_replays, 1, memory_order_relaxed);
}

void
metrics_sqlite_busy_retry(void)
{
	atomic_fetch_add_explicit(&m.sqlite_busy_retries, 1, memory_order_relaxed);
}

void
metrics_sqlite_transaction(int64_t us)
{
	metrics_histogram_observe(&m.sqlite_tx, us);
}

void
metrics_peer_refused(void)
{
	atomic_fetch_add_explicit(&m.peers_refused, 1, memory_order_relaxed);
}

void
metrics_user_call(const char *outcome, int64_t us)
{
	for (size_t i = 0; i < N_OUTCOMES; i++)
		if (strcmp(outcome, call_outcomes[i]) == 0)
			atomic_fetch_add_explicit(&m.user_calls[i], 1, memory_order_relaxed);
	metrics_histogram_observe(&m.user_call_latency, us);
}

void
metrics_breaker_state_fn(int (*state)(void))
{
	m.breaker_state = state;
}

static uint64_t
load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The series of histogram h, with labels (without braces; may be ""). */
static void
histogram(FILE *f, const char *name, const char *labels, struct metrics_histogram *h)
{
	uint64_t cumulative = 0;
	const char *sep = labels[0] ? "," : "";

	for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
		cumulative += load(&h->counts[b]);
		if (b < METRICS_BUCKETS)
			fprintf(f, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, labels, sep,
			    bucket_le[b], cumulative);
		else
			fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep,
			    cumulative);
	}
	fprintf(f, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", (double)load(&h->sum_us) / 1e6);
	fprintf(f, "%s_count%s%s%s %" PRIu64 "\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", cumulative);
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
render_requests(FILE *f)
{
	char labels[256];
	int64_t busy = atomic_load_explicit(&m.in_flight, memory_order_relaxed);

	head(f, "microshop_http_requests_total", "counter",
	    "Requests answered, by route and status.");
	for (size_t r = 0; r <= m.n_routes; r++) {
		route_labels(r, labels, sizeof(labels));
		for (int s = STATUS_MIN; s <= STATUS_MAX; s++) {
			uint64_t v = load(&m.requests[r][s - STATUS_MIN]);

			if (v > 0)
				fprintf(f, "microshop_http_requests_total{%s,status=\"%d\"} %" PRIu64 "\n",
				    labels, s, v);
		}
	}
	head(f, "microshop_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival at the service to its answer, by route.");
	for (size_t r = 0; r <= m.n_routes; r++) {
		uint64_t any = 0;

		for (size_t b = 0; b <= METRICS_BUCKETS; b++)
			any += load(&m.latency[r].counts[b]);
		if (any == 0)
			continue;
		route_labels(r, labels, sizeof(labels));
		histogram(f, "microshop_http_request_duration_seconds", labels, &m.latency[r]);
	}
	head(f, "microshop_http_requests_in_flight", "gauge",
	    "Requests being served now (this one included).");
	fprintf(f, "microshop_http_requests_in_flight %" PRId64 "\n", busy);
	head(f, "microshop_worker_threads", "gauge",
	    "Worker threads, busy serving a request or idle.");
	fprintf(f, "microshop_worker_threads{state=\"busy\"} %" PRId64 "\n", busy);
	fprintf(f, "microshop_worker_threads{state=\"idle\"} %" PRId64 "\n",
	    m.threads - busy > 0 ? m.threads - busy : 0);
	head(f, "microshop_fastcgi_peers_refused_total", "counter",
	    "TCP connections closed unread: their peer is not in --allow-peers.");
	fprintf(f, "microshop_fastcgi_peers_refused_total %" PRIu64 "\n", load(&m.peers_refused));
}

static void
render_store(FILE *f)
{
	head(f, "microshop_idempotency_replays_total", "counter",
	    "Creates answered again from an Idempotency-Key's stored answer.");
	fprintf(f, "microshop_idempotency_replays_total %" PRIu64 "\n",
	    load(&m.idempotency_replays));
	head(f, "microshop_sqlite_busy_retries_total", "counter",
	    "Times SQLite found the database locked and waited to retry.");
	fprintf(f, "microshop_sqlite_busy_retries_total %" PRIu64 "\n",
	    load(&m.sqlite_busy_retries));
	head(f, "microshop_sqlite_transaction_duration_seconds", "histogram",
	    "Write transactions, from BEGIN IMMEDIATE to COMMIT or ROLLBACK.");
	histogram(f, "microshop_sqlite_transaction_duration_seconds", "", &m.sqlite_tx);
}

static void
render_user_calls(FILE *f)
{
	head(f, "microshop_user_service_calls_total", "counter",
	    "Lookups of a user in the user service, by outcome.");
	for (size_t i = 0; i < N_OUTCOMES; i++)
		fprintf(f, "microshop_user_service_calls_total{outcome=\"%s\"} %" PRIu64 "\n",
		    call_outcomes[i], load(&m.user_calls[i]));
	head(f, "microshop_user_service_call_duration_seconds", "histogram",
	    "Lookups in the user service, retries included.");
	histogram(f, "microshop_user_service_call_duration_seconds", "", &m.user_call_latency);
	head(f, "microshop_user_service_breaker_state", "gauge",
	    "The circuit breaker on the user service: 0 closed, 1 open, 2 half-open.");
	fprintf(f, "microshop_user_service_breaker_state %d\n", m.breaker_state());
}

char *
metrics_render(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	head(f, "microshop_build_info", "gauge", "The running build: always 1.");
	fprintf(f, "microshop_build_info{service=\"%s\",version=\"%s\",revision=\"%s\"} 1\n",
	    m.service ? m.service : "", PACKAGE_VERSION, MICROSHOP_REVISION);
	render_requests(f);
	render_store(f);
	if (m.breaker_state != NULL)
		render_user_calls(f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void
metrics_send(struct http_request *req)
{
	size_t len = 0;
	char *text = metrics_render(&len);

	if (text == NULL) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	http_send_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}
