/*
 * dispatch.c - one request from its arrival to its log line; see
 * dispatch.h.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "clock.h"
#include "dispatch.h"
#include "http.h"
#include "log.h"
#include "request_metrics.h"
#include "fcgi_service.h"
#include "problem.h"
#include "query.h"
#include "text.h"
#include "trace.h"

/* Parse the query into req->q and check its keys. Returns 0, or -1 answered. */
static int
query_or_reply(struct http_request *req, const char *const *allowed)
{
	static const char *const none[] = { NULL };
	struct query *q = &req->q;
	struct field_errors fe;
	enum query_error qe;
	const char *bad;

	if ((qe = query_parse(req->query, q)) != QUERY_OK) {
		http_problem_send(req, 400, "%s", query_strerror(qe));
		return -1;
	}
	if ((qe = query_check_keys(q, allowed ? allowed : none, &bad)) != QUERY_OK) {
		field_errors_init(&fe);
		field_errors_add(&fe, 422, bad, "%s", query_strerror(qe));
		http_problem_send_fields(req, &fe);
		return -1;
	}
	return 0;
}

/*
 * Under load, the log line of a request of a .snapshot route (a quick
 * read) waits in its thread for the lines that follow, to be written with
 * them (log_line, at most LOG_KEEP_MS late): when the quick request before
 * it ended less than QUICK_GAP_US before, that is at a thousand of them a
 * second or more. Slower, each line is written as its request ends, as
 * every other line always is.
 */
#define QUICK_GAP_US 1000
static _Atomic int64_t quick_last_end_us;

static long
elapsed_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L +
	    (now.tv_nsec - start->tv_nsec) / 1000L;
}

/* The request's line; keep: it may wait for the lines that follow. */
static void
log_request(const struct http_request *req, long dur_us, int keep)
{
	char method[48], path[512], rid[80], who[64];

	/* Who asked, from a verified token only (never the token itself). */
	auth_principal(req, who, sizeof(who));
	if (who[0] == '\0')
		snprintf(who, sizeof(who), "-");
	log_line(req->status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO,
	    keep && req->status < 500,
	    "req_id=%s trace_id=%s span_id=%s parent_span_id=%s method=%s route=%s "
	    "path=%s status=%d dur_us=%ld who=%s",
	    log_value(rid, sizeof(rid), req->request_id),
	    req->trace.trace_id, req->trace.span_id, trace_parent_log(&req->trace),
	    log_value(method, sizeof(method), req->method),
	    req->match.route != NULL ? req->match.route->pattern : "-",
	    log_value(path, sizeof(path), req->path),
	    req->status, dur_us, who);
}

/* Split REQUEST_URI into req->path and req->query. Returns 0, or -1 on 414. */
static int
request_uri_split(struct http_request *req, const char *uri)
{
	size_t len = strlen(uri);
	char *q;

	if (len > HTTP_MAX_URI)
		return -1;
	memcpy(req->uri, uri, len + 1);
	q = strchr(req->uri, '?');
	if (q != NULL) {
		*q = '\0';
		req->query = q + 1;
	} else {
		req->query = "";
	}
	req->path = req->uri;
	return 0;
}

void
dispatch_serve(struct http_request *req, FCGX_Request *fcgi,
    const struct svc_config *cfg, const struct fcgi_service *svc, void *ctx)
{
	const char *uri, *rid;
	int snapshot = 0, quick = 0, keep = 0;
	long dur_us;

	clock_gettime(CLOCK_MONOTONIC, &req->start);
	request_metrics_begin();
	req->fcgi = fcgi;
	req->cfg = cfg;
	req->ctx = ctx;
	req->status = 0;
	req->headers_full = 0;
	req->headers_len = 0;
	req->headers[0] = '\0';
	req->body_len = 0;
	memset(&req->auth, 0, sizeof(req->auth));
	req->match.route = NULL;
	req->path = "";
	req->query = "";
	req->uri[0] = '\0';

	req->method = http_param(req, "REQUEST_METHOD");
	if (req->method == NULL)
		req->method = "";
	rid = http_param(req, "HTTP_X_REQUEST_ID");
	if (!text_request_id_ok(rid))
		rid = http_param(req, "REQUEST_ID");
	req->request_id = text_request_id_ok(rid) ? rid : "-";
	/* The caller's trace, or a new one: this request is a span of it. */
	trace_begin(&req->trace, http_param(req, "HTTP_TRACEPARENT"),
	    http_param(req, "HTTP_TRACESTATE"));

	uri = http_param(req, "REQUEST_URI");
	if (uri == NULL || uri[0] != '/') {
		http_problem_send(req, 400, "no request URI");
		goto out;
	}
	if (request_uri_split(req, uri) < 0) {
		http_problem_send(req, 414, "the request URI is longer than %d bytes",
		    HTTP_MAX_URI);
		goto out;
	}

	switch (router_match(svc->routes, svc->n_routes, req->method, req->path, &req->match)) {
	case ROUTE_NOT_FOUND:
		http_problem_send(req, 404, "no such resource");
		break;
	case ROUTE_METHOD_NOT_ALLOWED:
		http_header_add(req, "Allow", "%s", req->match.allow);
		http_problem_send(req, 405, "allowed methods: %s", req->match.allow);
		break;
	case ROUTE_FOUND:
		quick = req->match.route->snapshot;
		if (!quick)
			log_flush();	/* nothing kept waits while this one may */
		if (quick && svc->snapshot_begin != NULL)
			snapshot = svc->snapshot_begin(req) == 0;
		/* Who is asking comes first: nothing about a request is looked
		 * at for a caller who may not make it. */
		if (auth_or_reply(req, svc->session_check) < 0 || query_or_reply(req, req->match.route->query) < 0)
			break;
		req->match.route->handler(req);
		if (req->status == 0) {
			log_msg(LOG_LEVEL_ERROR, "event=no_answer req_id=%s route=%s",
			    req->request_id, req->match.route->pattern);
			http_problem_send(req, 500, "the request was not answered");
		}
		break;
	}
out:
	if (snapshot)
		svc->snapshot_end(req);
	if (quick) {
		int64_t now = clock_us();

		keep = now - atomic_exchange(&quick_last_end_us, now) < QUICK_GAP_US;
	}
	dur_us = elapsed_us(&req->start);
	request_metrics_end(req, dur_us);
	log_request(req, dur_us, keep);
}
