/*
 * check_request_metrics.c - common/serve/request_metrics.c: requests
 * counted by route and status (a request without a route of the table
 * under "none", a status out of range as a 500, a zero left out), the
 * latency histogram of each route and its buckets, the requests in flight
 * and the workers busy and idle, and GET /SERVICE/metrics's answer with
 * its readiness last.
 *
 * The tables are the process's: every check compares what is rendered
 * before and after, so that requests counted by other tests (dispatch's,
 * under CK_FORK=no) do not matter.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "http.h"
#include "metrics.h"
#include "request_metrics.h"

#define THREADS 4

static const struct route routes[] = {
	{ "GET", "/thing", NULL, NULL, ROUTE_PUBLIC, 0 },
	{ "POST", "/thing", NULL, NULL, ROUTE_USER, 0 },
	{ "GET", "/thing/{id}", NULL, NULL, ROUTE_PUBLIC, 0 },
};

static void
setup(void)
{
	metrics_reset();
	request_metrics_register(routes, N_ELEMS(routes), THREADS);
}

/* A request on route (NULL: none matched) answered status after us. */
static void
answered(const struct route *route, int status, int64_t us)
{
	static struct http_request req;

	req.match.route = route;
	req.status = status;
	request_metrics_begin();
	request_metrics_end(&req, us);
}

/* The value of a series, 0 when not rendered (a count of zero is left out). */
static double
count(const char *name)
{
	double v = treq_metric(name);

	return v < 0 ? 0 : v;
}

#define REQS "microshop_http_requests_total"
#define GET_THING "{method=\"GET\",route=\"/thing\","
#define POST_THING "{method=\"POST\",route=\"/thing\","
#define NONE "{method=\"other\",route=\"none\","

START_TEST(test_counts)
{
	double get200 = count(REQS GET_THING "status=\"200\"}");
	double get404 = count(REQS GET_THING "status=\"404\"}");
	double post201 = count(REQS POST_THING "status=\"201\"}");

	answered(&routes[0], 200, 10);
	answered(&routes[0], 200, 10);
	answered(&routes[0], 404, 10);
	answered(&routes[1], 201, 10);
	ck_assert_double_eq(count(REQS GET_THING "status=\"200\"}"), get200 + 2);
	ck_assert_double_eq(count(REQS GET_THING "status=\"404\"}"), get404 + 1);
	ck_assert_double_eq(count(REQS POST_THING "status=\"201\"}"), post201 + 1);
	/* A status no request got is not rendered at all. */
	ck_assert_double_eq(treq_metric(REQS GET_THING "status=\"418\"}"), -1);
	ck_assert_double_eq(treq_metric(REQS POST_THING "status=\"200\"}"), -1);
}
END_TEST

/* No route of the table, and statuses out of range. */
START_TEST(test_none)
{
	static const struct route elsewhere = { "GET", "/thing", NULL, NULL, ROUTE_PUBLIC, 0 };
	double none404 = count(REQS NONE "status=\"404\"}");
	double none500 = count(REQS NONE "status=\"500\"}");
	double get200 = count(REQS GET_THING "status=\"200\"}");
	double get500 = count(REQS GET_THING "status=\"500\"}");

	answered(NULL, 404, 10);
	/* A route with the same method and pattern, but not of the table. */
	answered(&elsewhere, 404, 10);
	ck_assert_double_eq(count(REQS NONE "status=\"404\"}"), none404 + 2);
	ck_assert_double_eq(count(REQS GET_THING "status=\"200\"}"), get200);
	answered(NULL, 0, 10);
	answered(NULL, 99, 10);
	answered(NULL, 600, 10);
	answered(&routes[0], 0, 10);
	ck_assert_double_eq(count(REQS NONE "status=\"500\"}"), none500 + 3);
	ck_assert_double_eq(count(REQS GET_THING "status=\"500\"}"), get500 + 1);
	/* The edges of the range are their own. */
	answered(NULL, 100, 10);
	answered(NULL, 599, 10);
	ck_assert_double_eq(count(REQS NONE "status=\"500\"}"), none500 + 3);
	ck_assert(count(REQS NONE "status=\"100\"}") >= 1);
	ck_assert(count(REQS NONE "status=\"599\"}") >= 1);
}
END_TEST

#define LAT "microshop_http_request_duration_seconds"
#define ID_LABELS "method=\"GET\",route=\"/thing/{id}\""

START_TEST(test_latency)
{
	static const char *const le[] = { "0.0001", "0.00025", "0.0025", "0.005", "2.5", "+Inf" };
	/* What 50 us, 3 ms and 3 s add to each bucket (they are cumulative). */
	static const double added[] = { 1, 1, 1, 2, 2, 3 };
	double before[N_ELEMS(le)], sum, n;
	char name[160];

	for (size_t i = 0; i < N_ELEMS(le); i++) {
		snprintf(name, sizeof(name), LAT "_bucket{" ID_LABELS ",le=\"%s\"}", le[i]);
		before[i] = count(name);
	}
	sum = count(LAT "_sum{" ID_LABELS "}");
	n = count(LAT "_count{" ID_LABELS "}");
	answered(&routes[2], 200, 50);
	answered(&routes[2], 200, 3000);
	answered(&routes[2], 404, 3000000);
	for (size_t i = 0; i < N_ELEMS(le); i++) {
		snprintf(name, sizeof(name), LAT "_bucket{" ID_LABELS ",le=\"%s\"}", le[i]);
		ck_assert_msg(count(name) == before[i] + added[i], "le=%s: %g, was %g", le[i],
		    count(name), before[i]);
	}
	ck_assert_double_eq_tol(count(LAT "_sum{" ID_LABELS "}"), sum + 3.00305, 1e-6);
	ck_assert_double_eq(count(LAT "_count{" ID_LABELS "}"), n + 3);
	/* One histogram per route, not per status. */
	ck_assert_double_eq(treq_metric(LAT "_count{" ID_LABELS ",status=\"404\"}"), -1);
}
END_TEST

#define IN_FLIGHT "microshop_http_requests_in_flight"
#define BUSY "microshop_worker_threads{state=\"busy\"}"
#define IDLE "microshop_worker_threads{state=\"idle\"}"

START_TEST(test_in_flight)
{
	static struct http_request req;
	double base = treq_metric(IN_FLIGHT);

	ck_assert(base >= 0);
	ck_assert_double_eq(treq_metric(BUSY), base);
	request_metrics_begin();
	request_metrics_begin();
	ck_assert_double_eq(treq_metric(IN_FLIGHT), base + 2);
	ck_assert_double_eq(treq_metric(BUSY), base + 2);
	ck_assert_double_eq(treq_metric(IDLE), base + 2 < THREADS ? THREADS - base - 2 : 0);
	/* More requests than workers (a gauge read mid-change): idle is never negative. */
	for (int i = 0; i < THREADS; i++)
		request_metrics_begin();
	ck_assert_double_eq(treq_metric(IDLE), 0);
	req.status = 200;
	for (int i = 0; i < THREADS + 2; i++)
		request_metrics_end(&req, 1);
	ck_assert_double_eq(treq_metric(IN_FLIGHT), base);
}
END_TEST

START_TEST(test_send)
{
	struct treq *t = treq_new("GET", "/thing/metrics", NULL);
	const char *body, *help, *type;
	size_t len;

	answered(&routes[0], 200, 10);
	request_metrics_send(&t->req, NULL);
	ck_assert_int_eq(treq_status(t), 200);
	ck_assert_pstr_eq(treq_header(t, "Content-Type"),
	    "text/plain; version=0.0.4; charset=utf-8");
	body = treq_body(t, &len);
	ck_assert(strncmp(body, "# HELP microshop_build_info ", 28) == 0);
	help = strstr(body, "# HELP " REQS " Requests answered, by route and status.\n");
	type = strstr(body, "# TYPE " REQS " counter\n");
	ck_assert(help != NULL && type != NULL && help < type);
	ck_assert_ptr_nonnull(strstr(body, "# TYPE " LAT " histogram\n"));
	ck_assert_ptr_nonnull(strstr(body, "# TYPE " IN_FLIGHT " gauge\n"));
	ck_assert_ptr_nonnull(strstr(body, "# TYPE microshop_worker_threads gauge\n"));
	/* In the order of registration. */
	ck_assert(strstr(body, "# TYPE " REQS) < strstr(body, "# TYPE " LAT));
	ck_assert(strstr(body, "# TYPE " LAT) < strstr(body, "# TYPE " IN_FLIGHT));
	ck_assert_ptr_nonnull(strstr(body, "\n" REQS GET_THING "status=\"200\"} "));
	ck_assert(body[len - 1] == '\n');
	treq_free(t);
}
END_TEST

/* Readiness comes last, as the caller found it: ready 1, any reason not 0. */
START_TEST(test_send_ready)
{
	static const char tail[] = "\n# HELP microshop_ready Whether GET /SERVICE/ready would "
	    "answer 200 now: 1 ready, 0 not.\n# TYPE microshop_ready gauge\nmicroshop_ready ";
	const char *not_ready[] = { NULL, "the database cannot be written" };

	for (size_t i = 0; i < N_ELEMS(not_ready); i++) {
		struct treq *t = treq_new("GET", "/thing/metrics", NULL);
		const char *body;
		size_t len, n = sizeof(tail) - 1;

		request_metrics_send(&t->req, not_ready[i]);
		ck_assert_int_eq(treq_status(t), 200);
		body = treq_body(t, &len);
		ck_assert_uint_gt(len, n + 2);
		ck_assert(memcmp(body + len - n - 2, tail, n) == 0);
		ck_assert_int_eq(body[len - 2], i == 0 ? '1' : '0');
		ck_assert_int_eq(body[len - 1], '\n');
		/* Never a reason: a label of free text would be a series per reason. */
		ck_assert_ptr_null(memmem(body, len, "cannot be written", 17));
		treq_free(t);
	}
}
END_TEST

/* A service's first 16 routes have their own series; any after, "none". */
START_TEST(test_routes_max)
{
	static struct route many[17];
	static char patterns[17][16];
	double last, none;

	for (size_t i = 0; i < N_ELEMS(many); i++) {
		snprintf(patterns[i], sizeof(patterns[i]), "/r%zu", i);
		many[i] = (struct route){ "GET", patterns[i], NULL, NULL, ROUTE_PUBLIC, 0 };
	}
	metrics_reset();
	request_metrics_register(many, N_ELEMS(many), THREADS);
	last = count(REQS "{method=\"GET\",route=\"/r15\",status=\"200\"}");
	none = count(REQS NONE "status=\"200\"}");
	answered(&many[15], 200, 10);
	answered(&many[16], 200, 10);
	ck_assert_double_eq(count(REQS "{method=\"GET\",route=\"/r15\",status=\"200\"}"),
	    last + 1);
	ck_assert_double_eq(count(REQS NONE "status=\"200\"}"), none + 1);
	ck_assert_double_eq(treq_metric(REQS "{method=\"GET\",route=\"/r16\",status=\"200\"}"), -1);
	/* Back to the table of the other tests (CK_FORK=no). */
	setup();
}
END_TEST

Suite *
request_metrics_suite(void)
{
	Suite *s = suite_create("request_metrics");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_none);
	tcase_add_test(tc, test_latency);
	tcase_add_test(tc, test_in_flight);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_send_ready);
	tcase_add_test(tc, test_routes_max);
	suite_add_tcase(s, tc);
	return s;
}
