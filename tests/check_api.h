/*
 * check_api.h - what the API suites (check_user_api.c, check_order_api.c)
 * share: their requests served by request_harness.h, each answer checked
 * to be well-formed, and short ways to read it. check_api_main.c runs
 * them and holds these helpers.
 */
#ifndef MICROSHOP_CHECK_API_H
#define MICROSHOP_CHECK_API_H

#include <stddef.h>
#include <stdint.h>

#include "check_suites.h"
#include "request_harness.h"

#define PROBLEM_BLANK "about:blank"
#define PROBLEM_VALIDATION "urn:microshop:problem:validation"

/* Header lines of a request. */
#define JSON "Content-Type: application/json\n"
#define MERGE "Content-Type: application/merge-patch+json\n"
#define AS(who) "X-Test-As: " who "\n"	/* the caller: request_harness.h */

/* The answer of the last api_serve (request_harness.h). */
extern struct harness_answer api_answer;

/*
 * Serve the request that fmt makes (request_harness.h's format, whose own
 * headers start "X-Test-": "X-Test-As: customer"), asserting that its
 * answer is well-formed. Returns its status.
 */
int api_serve(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Serve request first, then second, and assert that both get the same
 * answer, word for word: someone else's resource is answered as a
 * missing one. api_answer is then the second's.
 */
#define api_assert_same(first, second) api_assert_same_at(__LINE__, first, second)
void api_assert_same_at(int line, const char *first, const char *second);

/* The answer's header name, copied (until the next call), or NULL. */
const char *api_header(const char *name);

/* The answer body's member key as a string (NULL when absent or not one). */
const char *api_string(const char *key);

/* The answer body's member key as an integer (-1 when absent or not one). */
int64_t api_int(const char *key);

/* How many entries the body's "items" has (-1: none). */
long api_items(void);

/* The field the body's errors[i] names, or NULL. */
const char *api_error_field(size_t i);

/*
 * Assert the last answer: its status, and for an error its problem type
 * (PROBLEM_BLANK or PROBLEM_VALIDATION); with a field, that errors[0]
 * names it. Where is the caller's line, for the message.
 */
#define api_assert(status, type, field) api_assert_at(__LINE__, status, type, field)
void api_assert_at(int line, int status, const char *type, const char *field);

/* The body of the last answer, copied (until the next call). */
const char *api_body(void);

#endif
