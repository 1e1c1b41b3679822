/*
 * check_dispatch.c - common/serve/dispatch.c: one request from its arrival
 * to its log line. The request URI (none, too long; path and query), the
 * route (404; 405 with Allow), who is asking before anything else (auth.c,
 * with the service's session check), the query's keys (400 malformed, 422
 * unknown or repeated), the handler with the worker's state, a 500 for a
 * handler that did not answer, the request id the answer and the log
 * carry, the trace the request joins or begins, the one logfmt line, nothing of a request left for the next, and
 * around a route marked .snapshot the service's read transaction and the
 * log line kept under load.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "dispatch.h"
#include "http.h"
#include "log.h"
#include "request.h"
#include "service.h"

/* What the handlers saw. */
static struct {
	int calls;
	void *ctx;
	char limit[32];
	int64_t id;
	int authenticated;
	int kept_due;	/* log_kept_due_ms() as the handler began */
} seen;

static void
list(struct http_request *req)
{
	const char *limit = query_get(&req->q, "limit");

	seen.calls++;
	seen.ctx = req->ctx;
	snprintf(seen.limit, sizeof(seen.limit), "%s", limit ? limit : "");
	seen.authenticated = req->auth.exp != 0;
	http_send_status(req, "listed");
}

static void
show(struct http_request *req)
{
	seen.calls++;
	if (http_path_id_or_404(req, 0, &seen.id) == 0)
		http_send_status(req, "shown");
}

static void
create(struct http_request *req)
{
	seen.calls++;
	seen.kept_due = log_kept_due_ms();
	seen.authenticated = req->auth.exp != 0;
	http_send_empty(req, 201);
}

static void
silent(struct http_request *req)
{
	(void)req;
	seen.calls++;
}

/* What the snapshot hooks, the session check and snap saw, in order. */
static char trace[64];

static void
trace_add(const char *what)
{
	size_t n = strlen(trace);

	snprintf(trace + n, sizeof(trace) - n, "%s%s", n > 0 ? " " : "", what);
}

static void
snap(struct http_request *req)
{
	seen.calls++;
	trace_add("handler");
	http_send_status(req, "read");
}

static const char *const list_query[] = { "limit", "after", NULL };

static const struct route routes[] = {
	{ "GET", "/thing", list, list_query, ROUTE_PUBLIC, 0 },
	{ "POST", "/thing", create, NULL, ROUTE_USER, 0 },
	{ "GET", "/thing/silent", silent, NULL, ROUTE_PUBLIC, 0 },
	{ "GET", "/thing/feed", list, list_query, ROUTE_SERVICE, 0 },
	{ "GET", "/thing/{id}", show, NULL, ROUTE_PUBLIC, 0 },
	{ "DELETE", "/thing/{id}", show, NULL, ROUTE_ADMIN, 0 },
	{ "GET", "/snap", snap, list_query, ROUTE_USER, 1 },
	{ "GET", "/snap/public", snap, NULL, ROUTE_PUBLIC, 1 },
};

static int session_calls;

static int
session(struct http_request *req)
{
	(void)req;
	session_calls++;
	trace_add("session");
	return 0;
}

static int snapshot_fails;	/* snapshot_begin answers -1 */

static int
snapshot_begin(struct http_request *req)
{
	(void)req;
	trace_add(snapshot_fails ? "begin-failed" : "begin");
	return snapshot_fails ? -1 : 0;
}

static void
snapshot_end(struct http_request *req)
{
	trace_add(req->status != 0 ? "end-answered" : "end-unanswered");
}

static const struct fcgi_service svc = {
	.routes = routes, .n_routes = N_ELEMS(routes), .session_check = session,
	.snapshot_begin = snapshot_begin, .snapshot_end = snapshot_end
};

static int worker_state;	/* what thread_init would have made */

/* Serve t through svc; returns the answer's status. */
static int
serve(struct treq *t)
{
	memset(&seen, 0, sizeof(seen));
	session_calls = 0;
	trace[0] = '\0';
	dispatch_serve(&t->req, &t->fcgi, &t->cfg, &svc, &worker_state);
	return treq_status(t);
}

START_TEST(test_handler)
{
	struct treq *t = treq_new("GET", "/thing?limit=5", NULL);

	ck_assert_int_eq(serve(t), 200);
	ck_assert_str_eq(treq_json_string(t, "status"), "listed");
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_ptr_eq(seen.ctx, &worker_state);
	ck_assert_str_eq(seen.limit, "5");
	ck_assert_ptr_eq(t->req.match.route, &routes[0]);
	ck_assert_str_eq(t->req.path, "/thing");
	ck_assert_str_eq(t->req.query, "limit=5");
	treq_free(t);

	t = treq_new("GET", "/thing/12", NULL);
	ck_assert_int_eq(serve(t), 200);
	ck_assert_int_eq(seen.id, 12);
	treq_free(t);
}
END_TEST

START_TEST(test_not_found)
{
	static const char *const uris[] = { "/nothing", "/thing/12/more", "/", "/thing/" };

	for (size_t i = 0; i < N_ELEMS(uris); i++) {
		struct treq *t = treq_new("GET", uris[i], NULL);

		ck_assert_msg(serve(t) == 404, "%s: %d", uris[i], t->req.status);
		treq_problem(t, 404, "no such resource");
		ck_assert_int_eq(seen.calls, 0);
		treq_free(t);
	}
}
END_TEST

START_TEST(test_method_not_allowed)
{
	struct treq *t = treq_new("PUT", "/thing", "{}");

	ck_assert_int_eq(serve(t), 405);
	treq_problem(t, 405, "allowed methods: GET, POST");
	ck_assert_pstr_eq(treq_header(t, "Allow"), "GET, POST");
	ck_assert_int_eq(seen.calls, 0);
	treq_free(t);

	t = treq_new("PATCH", "/thing/3", "{}");
	ck_assert_int_eq(serve(t), 405);
	ck_assert_pstr_eq(treq_header(t, "Allow"), "GET, DELETE");
	treq_free(t);
}
END_TEST

/* The query: only the route's keys, each once, well encoded. */
START_TEST(test_query)
{
	static const struct {
		const char *uri;
		int status;
		const char *field;	/* of the 422's error */
	} cases[] = {
		{ "/thing?limit=5&after=x", 200, NULL },
		{ "/thing?", 200, NULL },
		{ "/thing?limt=5", 422, "limt" },
		{ "/thing?limit=5&limit=6", 422, "limit" },
		{ "/thing?limit=%zz", 400, NULL },
		{ "/thing/3?limit=5", 422, "limit" },	/* a route that reads none */
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = treq_new("GET", cases[i].uri, NULL);
		struct json_object *errors, *field;

		ck_assert_msg(serve(t) == cases[i].status, "%s: %d", cases[i].uri, t->req.status);
		if (cases[i].status == 200) {
			ck_assert_int_eq(seen.calls, 1);
		} else {
			ck_assert_int_eq(seen.calls, 0);
			treq_problem(t, cases[i].status, NULL);
		}
		if (cases[i].field != NULL) {
			ck_assert(json_object_object_get_ex(treq_json(t), "errors", &errors));
			ck_assert(json_object_object_get_ex(json_object_array_get_idx(errors, 0),
			    "field", &field));
			ck_assert_str_eq(json_object_get_string(field), cases[i].field);
		}
		treq_free(t);
	}
}
END_TEST

/* Who is asking comes first: a caller without a token learns nothing else. */
START_TEST(test_access_first)
{
	struct treq *t = treq_new("POST", "/thing?bogus=1", "{}");

	ck_assert_int_eq(serve(t), 401);
	ck_assert_int_eq(seen.calls, 0);
	treq_free(t);

	t = treq_new("POST", "/thing", "{}");
	treq_bearer(t, TOKEN_CUSTOMER, 42, 600);
	ck_assert_int_eq(serve(t), 201);
	ck_assert_int_eq(seen.authenticated, 1);
	ck_assert_int_eq(session_calls, 1);
	treq_free(t);

	t = treq_new("DELETE", "/thing/3", NULL);
	treq_bearer(t, TOKEN_CUSTOMER, 42, 600);
	ck_assert_int_eq(serve(t), 403);
	ck_assert_int_eq(seen.calls, 0);
	treq_free(t);

	t = treq_new("DELETE", "/thing/3", NULL);
	treq_bearer(t, TOKEN_ADMIN, 7, 600);
	ck_assert_int_eq(serve(t), 200);
	ck_assert_int_eq(seen.id, 3);
	treq_free(t);
}
END_TEST

/* A route for services: another service's token, and nobody else's. */
START_TEST(test_service_only)
{
	struct treq *t = treq_new("GET", "/thing/feed?limit=3", NULL);

	ck_assert_int_eq(serve(t), 401);
	ck_assert_int_eq(seen.calls, 0);
	treq_free(t);

	/* A user's token, even an admin's, and even with a query the route
	 * would refuse: 403 before anything else, no session looked up. */
	t = treq_new("GET", "/thing/feed?bogus=1", NULL);
	treq_bearer(t, TOKEN_ADMIN, 7, 600);
	ck_assert_int_eq(serve(t), 403);
	treq_problem(t, 403, "this needs a service token");
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(session_calls, 0);
	treq_free(t);

	t = treq_new("GET", "/thing/feed?limit=3", NULL);
	treq_bearer(t, TOKEN_CUSTOMER, 42, 600);
	ck_assert_int_eq(serve(t), 403);
	ck_assert_int_eq(seen.calls, 0);
	treq_free(t);

	t = treq_new("GET", "/thing/feed?limit=3", NULL);
	treq_bearer(t, TOKEN_SERVICE, 0, 60);
	ck_assert_int_eq(serve(t), 200);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_str_eq(seen.limit, "3");
	ck_assert_int_eq(seen.authenticated, 1);
	ck_assert_int_eq(session_calls, 0);
	treq_free(t);
}
END_TEST

/*
 * A route marked .snapshot: the service's read transaction begins before
 * the token's session check and ends once the handler answered, whatever
 * ended the request; other routes have none, and a transaction that could
 * not begin is not ended.
 */
START_TEST(test_snapshot)
{
	static const struct {
		const char *uri;
		int token, fails, status;
		const char *trace;
	} cases[] = {
		{ "/snap?limit=2", 1, 0, 200, "begin session handler end-answered" },
		{ "/snap/public", 0, 0, 200, "begin handler end-answered" },
		{ "/snap", 0, 0, 401, "begin end-answered" },
		{ "/snap?bogus=1", 1, 0, 422, "begin session end-answered" },
		{ "/snap", 1, 1, 200, "begin-failed session handler" },
		{ "/thing?limit=2", 1, 0, 200, "" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = treq_new("GET", cases[i].uri, NULL);

		if (cases[i].token)
			treq_bearer(t, TOKEN_CUSTOMER, 42, 600);
		snapshot_fails = cases[i].fails;
		ck_assert_msg(serve(t) == cases[i].status, "%s: %d", cases[i].uri,
		    t->req.status);
		ck_assert_msg(strcmp(trace, cases[i].trace) == 0, "%s (fails %d): [%s], not [%s]",
		    cases[i].uri, cases[i].fails, trace, cases[i].trace);
		treq_free(t);
	}
	snapshot_fails = 0;
	log_flush();	/* their lines, kept or not, stay out of the next test's */
}
END_TEST

/*
 * The line of a quick read (a .snapshot route) waits for those that follow
 * only under load: alone (the last quick read ended over a millisecond
 * before) it is written as the request ends; and what a thread keeps is
 * written before the handler of any other route runs, which may be slow.
 */
START_TEST(test_log_kept)
{
	struct treq *t = treq_new("GET", "/snap/public", NULL);
	const char *log;
	int due;

	usleep(2000);
	treq_log_begin();
	ck_assert_int_eq(serve(t), 200);
	due = log_kept_due_ms();
	log = treq_log_end();
	ck_assert_int_eq(due, -1);
	ck_assert_ptr_nonnull(strstr(log, "route=/snap/public path=/snap/public status=200 "));
	treq_free(t);

	t = treq_new("POST", "/thing", "{}");
	treq_bearer(t, TOKEN_CUSTOMER, 42, 600);
	treq_log_begin();
	log_line(LOG_LEVEL_INFO, 1, "event=kept");
	ck_assert_int_eq(serve(t), 201);
	log = treq_log_end();
	ck_assert_int_eq(seen.kept_due, -1);
	ck_assert_ptr_nonnull(strstr(log, "event=kept\n"));
	ck_assert_ptr_nonnull(strstr(log, "route=/thing "));
	ck_assert(strstr(log, "event=kept\n") < strstr(log, "route=/thing "));
	treq_free(t);
}
END_TEST

START_TEST(test_unanswered)
{
	struct treq *t = treq_new("GET", "/thing/silent", NULL);
	const char *log;

	treq_log_begin();
	ck_assert_int_eq(serve(t), 500);
	log = treq_log_end();
	treq_problem(t, 500, "the request was not answered");
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_ptr_nonnull(strstr(log, "event=no_answer"));
	ck_assert_ptr_nonnull(strstr(log, "route=/thing/silent"));
	treq_free(t);
}
END_TEST

START_TEST(test_uri)
{
	char long_uri[HTTP_MAX_URI + 2];
	struct treq *t = treq_new("GET", "/thing", NULL);

	treq_param(t, "REQUEST_URI", NULL);
	ck_assert_int_eq(serve(t), 400);
	treq_problem(t, 400, "no request URI");
	treq_reanswer(t);
	treq_param(t, "REQUEST_URI", "thing");
	ck_assert_int_eq(serve(t), 400);
	treq_reanswer(t);
	/* HTTP_MAX_URI bytes are taken; one more is a 414. */
	memset(long_uri, 'a', sizeof(long_uri));
	long_uri[0] = '/';
	long_uri[HTTP_MAX_URI] = '\0';
	treq_param(t, "REQUEST_URI", long_uri);
	ck_assert_int_eq(serve(t), 404);
	treq_reanswer(t);
	long_uri[HTTP_MAX_URI] = 'a';
	long_uri[HTTP_MAX_URI + 1] = '\0';
	treq_param(t, "REQUEST_URI", long_uri);
	ck_assert_int_eq(serve(t), 414);
	treq_problem(t, 414, "longer than 4096 bytes");
	ck_assert_int_eq(seen.calls, 0);
	treq_free(t);
}
END_TEST

/* X-Request-Id when it is well formed, else nginx's $request_id, else "-". */
START_TEST(test_request_id)
{
	struct treq *t = treq_new("GET", "/thing", NULL);

	treq_param(t, "HTTP_X_REQUEST_ID", "client-id.1");
	serve(t);
	ck_assert_pstr_eq(treq_header(t, "X-Request-Id"), "client-id.1");
	treq_reanswer(t);
	treq_param(t, "HTTP_X_REQUEST_ID", "bad id");
	serve(t);
	ck_assert_pstr_eq(treq_header(t, "X-Request-Id"), TREQ_REQUEST_ID);
	treq_reanswer(t);
	treq_param(t, "REQUEST_ID", NULL);
	serve(t);
	ck_assert_pstr_eq(treq_header(t, "X-Request-Id"), "-");
	treq_free(t);
}
END_TEST

/* The field value of key (" key=") in line, into out (n bytes), or "". */
static void
log_field(const char *line, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	out[0] = '\0';
	if ((p = strstr(line, pat)) != NULL)
		snprintf(out, n, "%.*s", (int)strcspn(p + strlen(pat), " \n"), p + strlen(pat));
}

#define CLIENT_TRACE "4bf92f3577b34da6a3ce929d0e0e4736"
#define CLIENT_SPAN "00f067aa0ba902b7"

/*
 * The trace context: a valid traceparent is joined, the request a new
 * span in it; without one, or with one that is not valid, a new trace
 * (the header's ids nowhere on the line); the handler sees the same.
 */
START_TEST(test_trace_context)
{
	static const char *const refused[] = {
		NULL, "00-" CLIENT_TRACE "-" CLIENT_SPAN "-01-more",
		"00-00000000000000000000000000000000-" CLIENT_SPAN "-01",
		"ff-" CLIENT_TRACE "-" CLIENT_SPAN "-01",
	};
	struct treq *t = treq_new("GET", "/thing", NULL);
	char tid[64], sid[64], pid[64], first[64] = "";
	const char *log;

	treq_param(t, "HTTP_TRACEPARENT", "00-" CLIENT_TRACE "-" CLIENT_SPAN "-01");
	treq_log_begin();
	serve(t);
	log = treq_log_end();
	log_field(log, "trace_id", tid, sizeof(tid));
	log_field(log, "span_id", sid, sizeof(sid));
	log_field(log, "parent_span_id", pid, sizeof(pid));
	ck_assert_str_eq(tid, CLIENT_TRACE);
	ck_assert_str_eq(pid, CLIENT_SPAN);
	ck_assert_uint_eq(strlen(sid), 16);
	ck_assert_uint_eq(strspn(sid, "0123456789abcdef"), 16);
	ck_assert_str_ne(sid, CLIENT_SPAN);
	ck_assert_str_eq(t->req.trace.span_id, sid);

	for (size_t i = 0; i < N_ELEMS(refused); i++) {
		treq_reanswer(t);
		treq_param(t, "HTTP_TRACEPARENT", refused[i]);
		treq_log_begin();
		serve(t);
		log = treq_log_end();
		ck_assert_msg(strstr(log, CLIENT_TRACE) == NULL && strstr(log, CLIENT_SPAN) == NULL,
		    "%s: %s", refused[i] ? refused[i] : "(none)", log);
		log_field(log, "trace_id", tid, sizeof(tid));
		log_field(log, "parent_span_id", pid, sizeof(pid));
		ck_assert_uint_eq(strlen(tid), 32);
		ck_assert_uint_eq(strspn(tid, "0123456789abcdef"), 32);
		ck_assert_str_eq(pid, "-");
		/* Each request a trace of its own. */
		ck_assert_str_ne(tid, first);
		snprintf(first, sizeof(first), "%s", tid);
	}
	treq_free(t);
}
END_TEST

/* One logfmt line per request: route pattern, path, status, and who. */
START_TEST(test_log_line)
{
	struct treq *t = treq_new("GET", "/thing/12?", NULL);
	const char *log;

	treq_log_begin();
	serve(t);
	log = treq_log_end();
	ck_assert_ptr_nonnull(strstr(log, "level=info"));
	ck_assert_ptr_nonnull(strstr(log, "req_id=" TREQ_REQUEST_ID " trace_id="));
	ck_assert_ptr_nonnull(strstr(log, " parent_span_id=- method=GET "
	    "route=/thing/{id} path=/thing/12 status=200 dur_us="));
	ck_assert_ptr_nonnull(strstr(log, " who=-\n"));
	ck_assert_ptr_null(strchr(strchr(log, '\n') + 1, '\n'));
	treq_free(t);

	t = treq_new("POST", "/thing", "{}");
	treq_bearer(t, TOKEN_CUSTOMER, 42, 600);
	treq_log_begin();
	serve(t);
	log = treq_log_end();
	ck_assert_ptr_nonnull(strstr(log, "status=201 dur_us="));
	ck_assert_ptr_nonnull(strstr(log, " who=customer:42\n"));
	treq_free(t);

	/* No route: "-"; a client-controlled path is quoted; a 5xx is an error. */
	t = treq_new("GET", "/no thing", NULL);
	treq_log_begin();
	serve(t);
	log = treq_log_end();
	ck_assert_ptr_nonnull(strstr(log, "route=- path=\"/no thing\" status=404"));
	treq_free(t);
	t = treq_new("GET", "/thing/silent", NULL);
	treq_log_begin();
	serve(t);
	log = treq_log_end();
	ck_assert_ptr_nonnull(strstr(log, "level=error"));
	ck_assert_ptr_nonnull(strstr(log, "status=500"));
	treq_free(t);
}
END_TEST

/* The worker's request is reused: nothing of one request is left for the next. */
START_TEST(test_reuse)
{
	struct treq *t = treq_new("GET", "/thing", NULL);
	const char *log;

	treq_reanswer(t);
	/* What a request before could have left behind. */
	t->req.auth.exp = 1;
	t->req.auth.role = TOKEN_ADMIN;
	http_header_add(&t->req, "X-Stale", "1");
	t->req.body_len = 9;
	treq_log_begin();
	ck_assert_int_eq(serve(t), 200);
	log = treq_log_end();
	ck_assert_int_eq(seen.authenticated, 0);
	ck_assert_ptr_null(treq_header(t, "X-Stale"));
	ck_assert_uint_eq(t->req.body_len, 0);
	ck_assert_ptr_nonnull(strstr(log, " who=-\n"));
	treq_free(t);
}
END_TEST

Suite *
dispatch_suite(void)
{
	Suite *s = suite_create("dispatch");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_handler);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_query);
	tcase_add_test(tc, test_access_first);
	tcase_add_test(tc, test_service_only);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_log_kept);
	tcase_add_test(tc, test_unanswered);
	tcase_add_test(tc, test_uri);
	tcase_add_test(tc, test_request_id);
	tcase_add_test(tc, test_log_line);
	tcase_add_test(tc, test_trace_context);
	tcase_add_test(tc, test_reuse);
	suite_add_tcase(s, tc);
	return s;
}
