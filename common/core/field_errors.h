/*
 * field_errors.h - the list of what validation found wrong, field by
 * field, that a request's readers fill in (json_io.h's field readers, the
 * models) before a 400 or 422 is answered (problem.h). Pure.
 */
#ifndef MICROSHOP_FIELD_ERRORS_H
#define MICROSHOP_FIELD_ERRORS_H

#include <stddef.h>

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

#endif
