/*
 * problem.h - errors as RFC 9457 application/problem+json: one place that
 * builds every error a client sees, from a status and a detail, from the
 * field errors validation found (field_errors.h), or from a store's answer
 * (store.h).
 */
#ifndef MICROSHOP_PROBLEM_H
#define MICROSHOP_PROBLEM_H

#include <stddef.h>

#include "field_errors.h"
#include "store.h"

struct http_request;
struct json_object;

/*
 * The problem document of status: type, title, status, detail. NULL when
 * memory runs out. Caller owns it.
 */
struct json_object *problem_new(int status, const char *type, const char *detail);

/* The document of a field errors answer, with "errors"; likewise. */
struct json_object *problem_fields_new(const struct field_errors *fe);

/* Answer status with type "about:blank", its title, and detail. */
void http_problem_send(struct http_request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Answer fe->status with the list of field errors under "errors". */
void http_problem_send_fields(struct http_request *req, const struct field_errors *fe);

/* Answer a failed store call as a problem; detail says what was refused. */
void store_problem_send(struct http_request *req, enum store_status st,
    const char *detail);

#endif
