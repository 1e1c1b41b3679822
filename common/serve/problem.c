/*
 * problem.c - RFC 9457 problem responses; see problem.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "http.h"
#include "json_io.h"
#include "problem.h"
#include "store.h"

#define PROBLEM_TYPE_VALIDATION "urn:microshop:problem:validation"

struct json_object *
problem_new(int status, const char *type, const char *detail)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (json_io_add(o, "type", json_object_new_string(type)) < 0 ||
	    json_io_add(o, "title", json_object_new_string(http_status_text(status))) < 0 ||
	    json_io_add(o, "status", json_object_new_int(status)) < 0 ||
	    json_io_add(o, "detail", json_object_new_string(detail)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* One entry of "errors", or NULL. */
static struct json_object *
field_error_new(const struct field_error *e)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (json_io_add(o, "field", json_object_new_string(e->field)) < 0 ||
	    json_io_add(o, "reason", json_object_new_string(e->reason)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *
problem_fields_new(const struct field_errors *fe)
{
	int status = fe->status ? fe->status : 422;
	struct json_object *o = NULL, *list = json_object_new_array();
	int added;

	if (list == NULL)
		goto fail;
	for (size_t i = 0; i < fe->n; i++)
		if (json_io_append(list, field_error_new(&fe->e[i])) < 0)
			goto fail;
	o = problem_new(status, PROBLEM_TYPE_VALIDATION,
	    status == 400 ? "a field has the wrong JSON type"
	    : "the request breaks a rule of the API");
	if (o == NULL)
		goto fail;
	added = json_io_add(o, "errors", list);
	list = NULL;		/* o's now, or released */
	if (added < 0)
		goto fail;
	return o;
fail:
	json_object_put(list);
	json_object_put(o);
	return NULL;
}

/* Answer body (owned; released here), or a 500 when it could not be made. */
static void
problem_send(struct http_request *req, int status, struct json_object *body)
{
	if (body == NULL)
		http_problem_send_internal(req);
	else
		http_send_body(req, status, "application/problem+json", body);
	json_object_put(body);
}

void
http_problem_send(struct http_request *req, int status, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	problem_send(req, status, problem_new(status, "about:blank", detail));
}

void
http_problem_send_fields(struct http_request *req, const struct field_errors *fe)
{
	problem_send(req, fe->status ? fe->status : 422, problem_fields_new(fe));
}

void
store_problem_send(struct http_request *req, enum store_status st, const char *detail)
{
	int status = store_status_http(st);

	switch (st) {
	case STORE_BUSY:
		http_header_add(req, "Retry-After", "1");
		detail = "the database could not complete the request";
		break;
	case STORE_FULL:
		detail = "no space left to store the request; nothing was written";
		break;
	case STORE_UNAVAILABLE:
		http_header_add(req, "Retry-After", "5");
		detail = "the database is unavailable now; nothing was written";
		break;
	case STORE_ERR:
		detail = "the database could not complete the request";
		break;
	default:
		break;
	}
	http_problem_send(req, status, "%s", detail);
}
