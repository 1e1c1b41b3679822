/*
 * problem.c - RFC 9457 problem responses; see problem.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "http.h"
#include "problem.h"

#define PROBLEM_TYPE_VALIDATION "urn:microshop:problem:validation"

void
field_errors_init(struct field_errors *fe)
{
	fe->status = 0;
	fe->n = 0;
}

void
field_errors_add(struct field_errors *fe, int status, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	if (fe->status != 400)
		fe->status = status;
	if (fe->n == FIELD_ERRORS_MAX)
		return;
	snprintf(fe->e[fe->n].field, sizeof(fe->e[fe->n].field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(fe->e[fe->n].reason, sizeof(fe->e[fe->n].reason), fmt, ap);
	va_end(ap);
	fe->n++;
}

/* A new problem object, or NULL on allocation failure. Caller owns it. */
static struct json_object *
problem_new(int status, const char *type, const char *detail)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "title", json_object_new_string(http_status_text(status)));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	return o;
}

static void
problem_send(struct http_request *req, int status, struct json_object *body)
{
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
	int status = fe->status ? fe->status : 422;
	struct json_object *o, *list;

	o = problem_new(status, PROBLEM_TYPE_VALIDATION,
	    status == 400 ? "a field has the wrong JSON type"
	    : "the request breaks a rule of the API");
	list = json_object_new_array();
	if (o == NULL || list == NULL) {
		json_object_put(list);
		problem_send(req, status, o);
		return;
	}
	for (size_t i = 0; i < fe->n; i++) {
		struct json_object *e = json_object_new_object();

		if (e == NULL)
			continue;
		json_object_object_add(e, "field", json_object_new_string(fe->e[i].field));
		json_object_object_add(e, "reason", json_object_new_string(fe->e[i].reason));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "errors", list);
	problem_send(req, status, o);
}
