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

#include "http.h"
#include "json_io.h"
#include "log.h"
#include "text.h"

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
http_problem_send_internal(struct http_request *req)
{
	static const char body[] = "{\"type\":\"about:blank\",\"title\":\"Internal Server "
	    "Error\",\"status\":500,\"detail\":\"the answer could not be made\"}";

	http_send_text(req, 500, "application/problem+json", body, sizeof(body) - 1);
}
