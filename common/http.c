/*
 * http.c - one HTTP exchange over FastCGI; see http.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "auth.h"
#include "fcgi_loop.h"
#include "http.h"
#include "json_io.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"
#include "query.h"
#include "text.h"

const char *
http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	/* The services never send it; nginx's problem for a header too large
	 * names it so (tests/check_http.c compares them). */
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	}
	return "Unknown";
}

const char *
http_param(const struct http_request *req, const char *name)
{
	return FCGX_GetParam(name, req->fcgi->envp);
}

int
http_header_add(struct http_request *req, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(req->headers) - req->headers_len;
	int n, m;
	va_list ap;

	n = snprintf(req->headers + req->headers_len, room, "%s: ", name);
	if (n < 0 || (size_t)n >= room)
		goto full;
	va_start(ap, fmt);
	m = vsnprintf(req->headers + req->headers_len + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m + 2) >= room)
		goto full;
	memcpy(req->headers + req->headers_len + n + m, "\r\n", 3);
	req->headers_len += (size_t)(n + m + 2);
	return 0;
full:
	req->headers[req->headers_len] = '\0';
	req->headers_full = 1;
	log_msg(LOG_LEVEL_ERROR, "event=header_overflow header=%s", name);
	return -1;
}

void
http_send_body(struct http_request *req, int status, const char *content_type,
    struct json_object *body)
{
	const char *text = NULL;
	size_t len = 0;

	if (body != NULL && (text = json_io_to_string(body, &len)) == NULL) {
		http_problem_send_internal(req);
		return;
	}
	http_send_text(req, status, content_type, text, len);
}

void
http_send_text(struct http_request *req, int status, const char *content_type,
    const char *text, size_t len)
{
	char head[256];
	int head_len;

	if (req->status != 0) {
		log_msg(LOG_LEVEL_ERROR, "event=double_answer status=%d first=%d",
		    status, req->status);
		return;
	}
	if (req->headers_full) {
		/* The answer would lack a header it needs: none of it is sent. */
		req->headers_full = 0;
		req->headers_len = 0;
		http_problem_send_internal(req);
		return;
	}
	req->status = status;

	/* libfcgi's own FCGX_FPrintF knows no %zu: format here instead. */
	head_len = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n%s%s%sContent-Length: %zu\r\nX-Request-Id: %s\r\n",
	    status, http_status_text(status),
	    text != NULL ? "Content-Type: " : "", text != NULL ? content_type : "",
	    text != NULL ? "\r\n" : "", len, req->request_id);
	FCGX_PutStr(head, head_len, req->fcgi->out);
	FCGX_PutStr(req->headers, (int)req->headers_len, req->fcgi->out);
	FCGX_PutStr("\r\n", 2, req->fcgi->out);
	if (len > 0)
		FCGX_PutStr(text, (int)len, req->fcgi->out);
}

void
http_send_json(struct http_request *req, int status, struct json_object *body)
{
	http_send_body(req, status, "application/json", body);
}

void
http_send_empty(struct http_request *req, int status)
{
	http_send_body(req, status, NULL, NULL);
}

/* RFC 9110 section 5.6.2: a token's characters. */
static int
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Read a parameter value at *p, a token or a quoted-string, into buf (n
 * bytes; a longer value is cut, which no charset name of ours is).
 * Advances *p past it. Returns 0, or -1 if malformed.
 */
static int
param_value(const char **p, char *buf, size_t n)
{
	const char *s = *p;
	size_t o = 0;

	if (*s != '"') {
		while (is_tchar(*s)) {
			if (o + 1 < n)
				buf[o++] = *s;
			s++;
		}
		buf[o] = '\0';
		if (s == *p)
			return -1;	/* an empty value */
		*p = s;
		return 0;
	}
	for (s++; *s != '"'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\') {
			c = (unsigned char)*++s;
			if (c == '\0')
				return -1;
		}
		/* qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text. */
		if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		if (o + 1 < n)
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	*p = s + 1;
	return 0;
}

enum content_type_check
http_content_type_check(const char *value, const char *const *types)
{
	enum content_type_check result = CONTENT_TYPE_WRONG_TYPE;
	const char *p;
	size_t len;

	if (value == NULL)
		return CONTENT_TYPE_WRONG_TYPE;
	len = strcspn(value, "; \t");
	for (const char *const *t = types; *t; t++)
		if (strlen(*t) == len && strncasecmp(value, *t, len) == 0)
			result = CONTENT_TYPE_OK;
	if (result != CONTENT_TYPE_OK)
		return result;
	/* parameters = *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] ) */
	for (p = skip_ows(value + len); *p != '\0'; p = skip_ows(p)) {
		const char *name;
		char v[16];

		if (*p != ';')
			return CONTENT_TYPE_MALFORMED;
		p = skip_ows(p + 1);
		if (*p == '\0' || *p == ';')
			continue;
		for (name = p; is_tchar(*p); p++)
			;
		if (p == name || *p != '=')
			return CONTENT_TYPE_MALFORMED;
		len = (size_t)(p - name);
		p++;
		if (param_value(&p, v, sizeof(v)) < 0)
			return CONTENT_TYPE_MALFORMED;
		if (len == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    strcasecmp(v, "utf-8") != 0)
			result = CONTENT_TYPE_WRONG_CHARSET;
	}
	return result;
}

int
http_read_json_object(struct http_request *req, const char *const *content_types,
    struct json_object **out)
{
	const char *cl = http_param(req, "CONTENT_LENGTH");
	const char *err = NULL;
	char *end;
	long long len;
	int got;

	*out = NULL;
	if (cl == NULL || *cl == '\0') {
		http_problem_send(req, 400, "a request body with Content-Length is required");
		return -1;
	}
	errno = 0;
	len = strtoll(cl, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0 || cl[0] < '0' || cl[0] > '9') {
		http_problem_send(req, 400, "invalid Content-Length");
		return -1;
	}
	if ((unsigned long long)len > req->cfg->max_body) {
		http_problem_send(req, 413, "the body is larger than %zu bytes",
		    req->cfg->max_body);
		return -1;
	}
	switch (http_content_type_check(http_param(req, "CONTENT_TYPE"), content_types)) {
	case CONTENT_TYPE_OK:
		break;
	case CONTENT_TYPE_WRONG_CHARSET:
		http_problem_send(req, 415, "the body must be UTF-8: Content-Type may "
		    "name no charset but utf-8");
		return -1;
	case CONTENT_TYPE_MALFORMED:
		http_problem_send(req, 415, "Content-Type is not a media type with "
		    "parameters (type/subtype; name=value)");
		return -1;
	case CONTENT_TYPE_WRONG_TYPE:
		http_problem_send(req, 415, "Content-Type must be %s", content_types[0]);
		return -1;
	}
	if (len == 0) {
		http_problem_send(req, 400, "the request body is empty");
		return -1;
	}
	got = FCGX_GetStr(req->body, (int)len, req->fcgi->in);
	if (got != (int)len) {
		http_problem_send(req, 400, "the body is shorter than its Content-Length");
		return -1;
	}
	req->body_len = (size_t)len;
	if (json_io_parse(req->body, (size_t)len, (int)req->cfg->json_max_depth,
	    out, &err) < 0) {
		http_problem_send(req, 400, "malformed JSON: %s", err);
		return -1;
	}
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		http_problem_send(req, 400, "the body must be a JSON object");
		return -1;
	}
	return 0;
}

const char *const http_json_types[] = { "application/json", NULL };
const char *const http_patch_types[] = {
	"application/merge-patch+json", "application/json", NULL
};

void
http_send_resource(struct http_request *req, int status, struct json_object *body,
    const char *collection, int64_t id, int64_t version)
{
	if (body == NULL) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	if (status == 201)
		http_header_add(req, "Location", "%s/%" PRId64, collection, id);
	http_header_add(req, "ETag", "\"%" PRId64 "\"", version);
	http_send_json(req, status, body);
}

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

void
http_send_status(struct http_request *req, const char *status)
{
	struct json_object *body = json_object_new_object();

	if (body == NULL || json_io_add(body, "status", json_object_new_string(status)) < 0)
		http_problem_send_internal(req);
	else
		http_send_json(req, 200, body);
	json_object_put(body);
}

void
http_ready_send(struct http_request *req, const char *why)
{
	if (why != NULL) {
		http_header_add(req, "Retry-After", "5");
		http_problem_send(req, 503, "not ready: %s", why);
		return;
	}
	http_send_status(req, "ready");
}

int
http_path_id_or_404(struct http_request *req, size_t idx, int64_t *id)
{
	const struct route_param *p = &req->match.params[idx];

	if (idx >= req->match.n_params || text_parse_id(p->s, p->len, id) < 0) {
		http_problem_send(req, 404, "no such resource");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* If-Match                                                          */
/* ---------------------------------------------------------------- */

int
http_if_match_parse(const char *value, struct if_match *out)
{
	const char *p = value;
	size_t tags = 0;

	memset(out, 0, sizeof(*out));
	if (value == NULL)
		return 0;
	out->present = 1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '*') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			return -1;
		out->any = 1;
		return 0;
	}

	/*
	 * A #list: RFC 9110 section 5.6.1.2 has a recipient accept empty
	 * elements ("3",, "4",), but at least one tag must be there.
	 */
	for (;;) {
		int weak = 0;
		const char *open, *close;
		int64_t v;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return tags > 0 ? 0 : -1;
		if (p[0] == 'W' && p[1] == '/') {
			weak = 1;
			p += 2;
		}
		if (*p != '"')
			return -1;
		open = p + 1;
		close = strchr(open, '"');
		if (close == NULL)
			return -1;
		for (const char *c = open; c < close; c++)
			if ((unsigned char)*c < 0x21 || *c == 0x7f)
				return -1;
		tags++;
		/*
		 * A weak or foreign tag never matches strongly. More versions than
		 * fit are refused: dropping one could answer 412 to a tag that
		 * matches.
		 */
		if (!weak && text_parse_id(open, (size_t)(close - open), &v) == 0) {
			if (out->n == IF_MATCH_MAX)
				return -1;
			out->versions[out->n++] = v;
		}
		p = close + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != ',')
			return -1;
	}
}

int
http_if_match_allows(const struct if_match *im, int64_t version)
{
	if (!im->present || im->any)
		return 1;
	for (size_t i = 0; i < im->n; i++)
		if (im->versions[i] == version)
			return 1;
	return 0;
}

int
http_if_match_or_reply(struct http_request *req, struct if_match *out)
{
	if (http_if_match_parse(http_param(req, "HTTP_IF_MATCH"), out) < 0) {
		http_problem_send(req, 400, "malformed If-Match header");
		return -1;
	}
	if (!out->present && req->cfg->require_if_match) {
		http_problem_send(req, 428, "this service requires If-Match with the "
		    "resource's ETag on PATCH and DELETE");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Serving one request                                               */
/* ---------------------------------------------------------------- */

static long
elapsed_us(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000000L +
	    (now.tv_nsec - start->tv_nsec) / 1000L;
}

static void
log_request(const struct http_request *req, long dur_us)
{
	char method[48], path[512], rid[80], who[64];

	/* Who asked, from a verified token only (never the token itself). */
	auth_principal(req, who, sizeof(who));
	if (who[0] == '\0')
		snprintf(who, sizeof(who), "-");
	log_msg(req->status >= 500 ? LOG_LEVEL_ERROR : LOG_LEVEL_INFO,
	    "req_id=%s method=%s route=%s path=%s status=%d dur_us=%ld who=%s",
	    log_value(rid, sizeof(rid), req->request_id),
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
http_serve(struct http_request *req, FCGX_Request *fcgi,
    const struct svc_config *cfg, const struct fcgi_service *svc, void *ctx)
{
	const char *uri, *rid;
	long dur_us;

	clock_gettime(CLOCK_MONOTONIC, &req->start);
	metrics_request_begin();
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
	dur_us = elapsed_us(&req->start);
	metrics_request_end(req, dur_us);
	log_request(req, dur_us);
}
