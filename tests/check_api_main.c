/*
 * check_api_main.c - the runner of the API suites (check_user_api.c,
 * check_order_api.c), each a service's handlers served in-process by
 * request_harness.c, and the helpers they share (check_api.h). Check's
 * environment variables apply (CK_VERBOSITY, CK_FORK=no for valgrind,
 * CK_RUN_SUITE, CK_RUN_CASE). Exits non-zero when any check fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check_api.h"

struct harness_answer api_answer;

int
api_serve(const char *fmt, ...)
{
	char text[16384];
	const char *why;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < sizeof(text), "a request too long for api_serve");
	harness_serve(text, (size_t)n, &api_answer);
	why = harness_answer_problem(&api_answer);
	ck_assert_msg(why == NULL, "%s:\n%s\n--- answer ---\n%.*s", why, text,
	    (int)api_answer.len, api_answer.text);
	return api_answer.status;
}

const char *
api_header(const char *name)
{
	static char value[1024];
	size_t len;
	const char *v = harness_answer_header(&api_answer, name, &len);

	if (v == NULL)
		return NULL;
	snprintf(value, sizeof(value), "%.*s", (int)len, v);
	return value;
}

const char *
api_string(const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(api_answer.json, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t
api_int(const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(api_answer.json, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

long
api_items(void)
{
	struct json_object *v;

	if (!json_object_object_get_ex(api_answer.json, "items", &v) ||
	    !json_object_is_type(v, json_type_array))
		return -1;
	return (long)json_object_array_length(v);
}

const char *
api_error_field(size_t i)
{
	struct json_object *errors, *field;

	if (!json_object_object_get_ex(api_answer.json, "errors", &errors) ||
	    !json_object_is_type(errors, json_type_array) ||
	    i >= json_object_array_length(errors) ||
	    !json_object_object_get_ex(json_object_array_get_idx(errors, i), "field", &field))
		return NULL;
	return json_object_get_string(field);
}

static char api_body_copy[16384];

const char *
api_body(void)
{
	snprintf(api_body_copy, sizeof(api_body_copy), "%.*s", (int)api_answer.body_len,
	    api_answer.body);
	return api_body_copy;
}

void
api_assert_at(int line, int status, const char *type, const char *field)
{
	const char *got_type = api_string("type"), *got_field = api_error_field(0);

	ck_assert_msg(api_answer.status == status, "line %d: status %d, want %d: %s", line,
	    api_answer.status, status, api_body());
	if (type != NULL)
		ck_assert_msg(got_type != NULL && strcmp(got_type, type) == 0,
		    "line %d: type %s, want %s: %s", line, got_type ? got_type : "(none)", type,
		    api_body());
	if (field != NULL)
		ck_assert_msg(got_field != NULL && strcmp(got_field, field) == 0,
		    "line %d: field %s, want %s: %s", line, got_field ? got_field : "(none)",
		    field, api_body());
}

void
api_assert_same_at(int line, const char *first, const char *second)
{
	static char body[sizeof(api_body_copy)];
	int status = api_serve("%s", first);

	memcpy(body, api_body(), sizeof(body));
	api_serve("%s", second);
	ck_assert_msg(api_answer.status == status && strcmp(api_body(), body) == 0,
	    "line %d: %d %s\nthen %d %s", line, status, body, api_answer.status, api_body());
}

int
main(void)
{
	SRunner *sr = srunner_create(user_api_suite());
	int failed;

	srunner_add_suite(sr, order_api_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
