/*
 * http.h - one HTTP exchange over FastCGI: the request as nginx passed it
 * (method, the request URI split into path and query, headers, body read
 * against Content-Length with a limit), and the one answer it gets (status,
 * headers, JSON body), logged as one line when it is sent.
 */
#ifndef MICROSHOP_HTTP_H
#define MICROSHOP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <fcgiapp.h>

#include "config.h"
#include "query.h"
#include "router.h"
#include "token.h"

struct fcgi_service;
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

/*
 * Serve one accepted request: route it through svc's routes, check who is
 * asking (auth.h, with svc's session check), run its handler, answer 404,
 * 405 or 500 where the handler cannot, and log it. req is scratch space owned
 * by the calling worker thread; its body buffer is kept across requests.
 */
void http_serve(struct http_request *req, FCGX_Request *fcgi,
    const struct svc_config *cfg, const struct fcgi_service *svc, void *ctx);

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

enum content_type_check {
	CONTENT_TYPE_OK,
	CONTENT_TYPE_WRONG_TYPE,	/* absent, or not an accepted media type */
	CONTENT_TYPE_WRONG_CHARSET,	/* a charset parameter other than utf-8 */
	CONTENT_TYPE_MALFORMED		/* not type/subtype *( ";" name=value ) */
};

/*
 * Check a Content-Type value (NULL: absent) against types, a
 * NULL-terminated list of accepted media types: the media type must be one
 * of them, and a charset parameter, if any, utf-8 (both case-insensitive,
 * the charset quoted or not; RFC 9110 section 8.3). A JSON body is UTF-8
 * (RFC 8259) and is read as such: a body said to be in another charset
 * would be misread. Other parameters are allowed. Pure; unit-tested.
 */
enum content_type_check http_content_type_check(const char *value,
    const char *const *types);

/*
 * Read the body as a JSON object. content_types is a NULL-terminated list
 * of accepted media types (http_content_type_check). Returns 0 with *out owned by the caller, or -1
 * after answering 400, 413 or 415.
 */
int http_read_json_object(struct http_request *req, const char *const *content_types,
    struct json_object **out);

/* Media types a create (POST) and a merge patch (PATCH) accept. */
extern const char *const http_json_types[];
extern const char *const http_patch_types[];

/*
 * Answer status with a resource's JSON form (borrowed; NULL: 500), its
 * ETag (the quoted version) and, for 201, Location: collection/id.
 */
void http_send_resource(struct http_request *req, int status, struct json_object *body,
    const char *collection, int64_t id, int64_t version);


/*
 * Answer a readiness check: 200 {"status":"ready"} when why is NULL, else
 * 503 "not ready: <why>" with Retry-After: 5.
 */
void http_ready_send(struct http_request *req, const char *why);

/* Answer 200 {"status": status} (a health check). */
void http_send_status(struct http_request *req, const char *status);

/* Path parameter idx as a resource id. Returns 0, or -1 after a 404. */
int http_path_id_or_404(struct http_request *req, size_t idx, int64_t *id);

/* The reason phrase of status ("Not Found"). */
const char *http_status_text(int status);

/*
 * If-Match, compared strongly against the integer versions a service puts in
 * its ETags ("3"). Pure; unit-tested.
 */
#define IF_MATCH_MAX 8

struct if_match {
	int present;		/* the header was sent */
	int any;		/* "*" */
	size_t n;
	int64_t versions[IF_MATCH_MAX];
};

/*
 * Parse an If-Match value (NULL: absent). Returns 0, or -1 if malformed or
 * listing more than IF_MATCH_MAX versions.
 */
int http_if_match_parse(const char *value, struct if_match *out);

/* 1 if a resource at version passes the precondition. */
int http_if_match_allows(const struct if_match *im, int64_t version);

/*
 * Parse If-Match from the request. Returns 0, or -1 after a 400 (malformed)
 * or a 428 (absent while --require-if-match is set).
 */
int http_if_match_or_reply(struct http_request *req, struct if_match *out);

#endif
