/*
 * http.h - one HTTP exchange over FastCGI: the request as nginx passed it
 * (method, the request URI split into path and query, headers, body read
 * against Content-Length with a limit), and the one answer it gets (status,
 * headers, JSON body). dispatch.h serves a request from its arrival to
 * its log line.
 */
#ifndef MICROSHOP_HTTP_H
#define MICROSHOP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <fcgiapp.h>

#include "settings.h"
#include "http_status.h"
#include "query.h"
#include "router.h"
#include "token.h"
#include "trace.h"

struct json_object;

#define HTTP_MAX_URI 4096
#define HTTP_MAX_HEADERS 1024

struct http_request {
	FCGX_Request *fcgi;
	const struct svc_config *cfg;
	void *ctx;		/* the service's per-thread state */
	const char *method;
	const char *path;	/* the request URI before '?' */
	const char *query;	/* after '?', "" when none */
	struct query q;		/* query, parsed and checked against the route's */
	const char *request_id;	/* never NULL */
	struct trace trace;	/* its trace, and its own span in it (trace.h) */
	struct token_claims auth; /* the caller, once auth_or_reply passed */
	struct route_match match;
	int status;		/* 0 until answered */
	int headers_full;	/* a header did not fit: the answer becomes a 500 */
	size_t headers_len;
	char headers[HTTP_MAX_HEADERS];
	char uri[HTTP_MAX_URI + 1];
	struct timespec start;
	char *body;		/* the worker's buffer of cfg->max_body + 1 bytes */
	size_t body_len;	/* bytes read into body */
};

/* A FastCGI parameter ("HTTP_IF_MATCH"), or NULL. Borrowed. */
const char *http_param(const struct http_request *req, const char *name);

/*
 * Add a response header line. Returns 0, or -1 when out of room: the
 * answer, whatever it was to be, is then a 500 problem, since it would be
 * wrong without the header (a caller may go on as if it fitted).
 */
int http_header_add(struct http_request *req, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Answer status with body (borrowed; NULL sends an empty body). A body
 * whose text cannot be made (memory) is a 500 problem instead.
 */
void http_send_body(struct http_request *req, int status, const char *content_type,
    struct json_object *body);
/* Answer status with text[0..len) (NULL: no body, no Content-Type). */
void http_send_text(struct http_request *req, int status, const char *content_type,
    const char *text, size_t len);
void http_send_json(struct http_request *req, int status, struct json_object *body);
void http_send_empty(struct http_request *req, int status);

/* Answer 200 {"status": status} (a health check). */
void http_send_status(struct http_request *req, const char *status);

/*
 * Answer 500 with a problem that needs no memory: for when an answer could
 * not be made (memory ran out, a header did not fit). Never a partial one.
 */
void http_problem_send_internal(struct http_request *req);

#endif
