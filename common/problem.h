/*
 * problem.h - errors as RFC 9457 application/problem+json: one place that
 * builds every error a client sees, and the list of field errors that
 * validation fills in before a 400 or 422 is answered.
 */
#ifndef MICROSHOP_PROBLEM_H
#define MICROSHOP_PROBLEM_H

#include <stddef.h>

struct http_request;
struct json_object;

#define FIELD_ERRORS_MAX 8

struct field_error {
	char field[48];
	char reason[160];
};

struct field_errors {
	int status;		/* 400 if any field has the wrong type, else 422 */
	size_t n;
	struct field_error e[FIELD_ERRORS_MAX];
};

void field_errors_init(struct field_errors *fe);

/*
 * Record that field breaks a rule. status is 400 for a wrong JSON type and
 * 422 for a well-typed value that breaks a rule; the highest-priority status
 * (400) wins. Past FIELD_ERRORS_MAX entries the rest are dropped.
 */
void field_errors_add(struct field_errors *fe, int status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The problem document of status: type, title, status, detail. NULL when
 * memory runs out. Caller owns it.
 */
struct json_object *problem_new(int status, const char *type, const char *detail);

/* The document of a field errors answer, with "errors"; likewise. */
struct json_object *problem_fields_new(const struct field_errors *fe);

/*
 * Answer 500 with a problem that needs no memory: for when an answer could
 * not be made (memory ran out, a header did not fit). Never a partial one.
 */
void http_problem_send_internal(struct http_request *req);

/* Answer status with type "about:blank", its title, and detail. */
void http_problem_send(struct http_request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Answer fe->status with the list of field errors under "errors". */
void http_problem_send_fields(struct http_request *req, const struct field_errors *fe);

#endif
