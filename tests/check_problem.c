/*
 * check_problem.c - common/serve/problem.c: the RFC 9457 documents (type,
 * title, status, detail; the validation problem's list of field errors and
 * its status), the answers made of them, and store_problem_send's answer
 * to each store status, with the detail a client may see and Retry-After
 * where a retry can succeed.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "http.h"
#include "problem.h"

/* Member name of o as a string, or "" when absent. */
static const char *
member(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : "";
}

START_TEST(test_problem_new)
{
	struct json_object *o = problem_new(404, "about:blank", "no such user");

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_object_length(o), 4);
	ck_assert_str_eq(member(o, "type"), "about:blank");
	ck_assert_str_eq(member(o, "title"), "Not Found");
	ck_assert_str_eq(member(o, "status"), "404");
	ck_assert_str_eq(member(o, "detail"), "no such user");
	json_object_put(o);
}
END_TEST

START_TEST(test_fields_new)
{
	struct field_errors fe;
	struct json_object *o, *errors, *e;

	field_errors_init(&fe);
	field_errors_add(&fe, 422, "email", "must contain @");
	field_errors_add(&fe, 422, "name", "is too long");
	o = problem_fields_new(&fe);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(member(o, "type"), "urn:microshop:problem:validation");
	ck_assert_str_eq(member(o, "title"), "Unprocessable Content");
	ck_assert_str_eq(member(o, "status"), "422");
	ck_assert_str_eq(member(o, "detail"), "the request breaks a rule of the API");
	ck_assert(json_object_object_get_ex(o, "errors", &errors));
	ck_assert_uint_eq(json_object_array_length(errors), 2);
	e = json_object_array_get_idx(errors, 0);
	ck_assert_int_eq(json_object_object_length(e), 2);
	ck_assert_str_eq(member(e, "field"), "email");
	ck_assert_str_eq(member(e, "reason"), "must contain @");
	ck_assert_str_eq(member(json_object_array_get_idx(errors, 1), "field"), "name");
	json_object_put(o);

	/* A wrong JSON type makes it a 400, which says so. */
	field_errors_add(&fe, 400, "age", "must be an integer");
	o = problem_fields_new(&fe);
	ck_assert_str_eq(member(o, "status"), "400");
	ck_assert_str_eq(member(o, "title"), "Bad Request");
	ck_assert_str_eq(member(o, "detail"), "a field has the wrong JSON type");
	json_object_put(o);

	/* A list without a status yet is a 422, with no errors listed. */
	field_errors_init(&fe);
	o = problem_fields_new(&fe);
	ck_assert_str_eq(member(o, "status"), "422");
	ck_assert(json_object_object_get_ex(o, "errors", &errors));
	ck_assert_uint_eq(json_object_array_length(errors), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_send)
{
	struct treq *t = treq_new("GET", "/thing/7", NULL);
	char long_detail[600];

	http_problem_send(&t->req, 409, "thing %d is %s", 7, "taken");
	treq_problem(t, 409, NULL);
	ck_assert_str_eq(treq_json_string(t, "detail"), "thing 7 is taken");
	ck_assert_str_eq(treq_json_string(t, "type"), "about:blank");

	/* A detail is cut to 511 bytes, never overflowing. */
	treq_reanswer(t);
	memset(long_detail, 'd', sizeof(long_detail) - 1);
	long_detail[sizeof(long_detail) - 1] = '\0';
	http_problem_send(&t->req, 400, "%s", long_detail);
	treq_problem(t, 400, NULL);
	ck_assert_uint_eq(strlen(treq_json_string(t, "detail")), 511);
	treq_free(t);
}
END_TEST

START_TEST(test_send_fields)
{
	struct treq *t = treq_new("POST", "/thing", "{}");
	struct field_errors fe;
	struct json_object *errors;

	field_errors_init(&fe);
	field_errors_add(&fe, 422, "name", "is required");
	http_problem_send_fields(&t->req, &fe);
	treq_problem(t, 422, "breaks a rule");
	ck_assert(json_object_object_get_ex(treq_json(t), "errors", &errors));
	ck_assert_uint_eq(json_object_array_length(errors), 1);

	treq_reanswer(t);
	field_errors_add(&fe, 400, "price", "must be a number");
	http_problem_send_fields(&t->req, &fe);
	treq_problem(t, 400, "wrong JSON type");
	treq_free(t);
}
END_TEST

/*
 * Each store status: its HTTP status, the detail the client sees (the
 * caller's, or for a failure of the database a fixed one that says
 * nothing of its insides), and Retry-After where a retry can succeed.
 */
START_TEST(test_store_statuses)
{
	static const struct {
		enum store_status st;
		int status;
		const char *detail;
		const char *retry_after;
	} cases[] = {
		{ STORE_NOT_FOUND, 404, "the caller's detail", NULL },
		{ STORE_CONFLICT, 409, "the caller's detail", NULL },
		{ STORE_STALE, 412, "the caller's detail", NULL },
		{ STORE_GONE, 410, "the caller's detail", NULL },
		{ STORE_BUSY, 503, "the database could not complete the request", "1" },
		{ STORE_FULL, 507, "no space left to store the request; nothing was written",
		    NULL },
		{ STORE_UNAVAILABLE, 503, "the database is unavailable now; nothing was written",
		    "5" },
		{ STORE_ERR, 500, "the database could not complete the request", NULL },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = treq_new("PATCH", "/thing/1", "{}");
		const char *ra;

		store_problem_send(&t->req, cases[i].st, "the caller's detail");
		treq_problem(t, cases[i].status, NULL);
		ck_assert_msg(strcmp(treq_json_string(t, "detail"), cases[i].detail) == 0,
		    "store status %d: detail \"%s\"", (int)cases[i].st,
		    treq_json_string(t, "detail"));
		ra = treq_header(t, "Retry-After");
		if (cases[i].retry_after == NULL)
			ck_assert_msg(ra == NULL, "store status %d: Retry-After %s",
			    (int)cases[i].st, ra);
		else
			ck_assert_pstr_eq(ra, cases[i].retry_after);
		treq_free(t);
	}
}
END_TEST

Suite *
problem_suite(void)
{
	Suite *s = suite_create("problem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_problem_new);
	tcase_add_test(tc, test_fields_new);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_send_fields);
	tcase_add_test(tc, test_store_statuses);
	suite_add_tcase(s, tc);
	return s;
}
