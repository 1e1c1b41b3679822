/*
 * check_http.c - common/serve/http.c: a request's FastCGI parameters, the
 * answer's header lines and what happens when they do not fit, the one
 * answer a request gets (its Status line, Content-Type, Content-Length and
 * X-Request-Id; a second answer is dropped), and the answers made without
 * memory (the internal 500).
 */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "http.h"

START_TEST(test_param)
{
	struct treq *t = treq_new("GET", "/thing", NULL);

	treq_param(t, "HTTP_IF_MATCH", "\"3\"");
	ck_assert_pstr_eq(http_param(&t->req, "HTTP_IF_MATCH"), "\"3\"");
	ck_assert_pstr_eq(http_param(&t->req, "REQUEST_METHOD"), "GET");
	ck_assert_ptr_null(http_param(&t->req, "HTTP_IF"));
	ck_assert_ptr_null(http_param(&t->req, "HTTP_IF_NONE_MATCH"));
	treq_free(t);
}
END_TEST

START_TEST(test_answer)
{
	struct treq *t = treq_new("POST", "/thing", "{}");
	size_t len;

	http_send_text(&t->req, 201, "text/plain", "hello", 5);
	ck_assert_int_eq(treq_status(t), 201);
	ck_assert_int_eq(t->req.status, 201);
	ck_assert(strncmp((const char *)t->answer, "Status: 201 Created\r\n", 21) == 0);
	ck_assert_pstr_eq(treq_header(t, "Content-Type"), "text/plain");
	ck_assert_pstr_eq(treq_header(t, "Content-Length"), "5");
	ck_assert_pstr_eq(treq_header(t, "X-Request-Id"), TREQ_REQUEST_ID);
	ck_assert_mem_eq(treq_body(t, &len), "hello", 5);
	ck_assert_uint_eq(len, 5);
	treq_free(t);
}
END_TEST

START_TEST(test_no_body)
{
	struct treq *t = treq_new("DELETE", "/thing/1", NULL);
	size_t len;

	http_send_empty(&t->req, 204);
	ck_assert_int_eq(treq_status(t), 204);
	ck_assert_ptr_null(treq_header(t, "Content-Type"));
	ck_assert_pstr_eq(treq_header(t, "Content-Length"), "0");
	treq_body(t, &len);
	ck_assert_uint_eq(len, 0);
	treq_free(t);
}
END_TEST

START_TEST(test_json_and_status)
{
	struct treq *t = treq_new("GET", "/thing", NULL);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string("caf\xc3\xa9 \"x\""));
	http_send_json(&t->req, 200, o);
	json_object_put(o);
	ck_assert_int_eq(treq_status(t), 200);
	ck_assert_pstr_eq(treq_header(t, "Content-Type"), "application/json");
	ck_assert_str_eq(treq_json_string(t, "name"), "caf\xc3\xa9 \"x\"");

	treq_reanswer(t);
	http_send_status(&t->req, "ok");
	ck_assert_int_eq(treq_status(t), 200);
	ck_assert_str_eq(treq_json_string(t, "status"), "ok");
	ck_assert_int_eq(json_object_object_length(treq_json(t)), 1);
	treq_free(t);
}
END_TEST

/* The headers added go out in order, each once, after the fixed ones. */
START_TEST(test_headers)
{
	struct treq *t = treq_new("POST", "/thing", "{}");

	ck_assert_int_eq(http_header_add(&t->req, "Location", "/thing/%d", 7), 0);
	ck_assert_int_eq(http_header_add(&t->req, "ETag", "\"%d\"", 1), 0);
	ck_assert_str_eq(t->req.headers, "Location: /thing/7\r\nETag: \"1\"\r\n");
	http_send_empty(&t->req, 201);
	ck_assert_int_eq(treq_status(t), 201);
	ck_assert_pstr_eq(treq_header(t, "Location"), "/thing/7");
	ck_assert_pstr_eq(treq_header(t, "ETag"), "\"1\"");
	ck_assert_int_eq(treq_header_count(t, "Location"), 1);
	ck_assert_ptr_nonnull(strstr((const char *)t->answer, "X-Request-Id: " TREQ_REQUEST_ID
	    "\r\nLocation: /thing/7\r\nETag: \"1\"\r\n\r\n"));
	treq_free(t);
}
END_TEST

/*
 * A header that does not fit: -1, and whatever the answer was to be, it
 * is the internal 500 without any of the headers added.
 */
START_TEST(test_headers_full)
{
	struct treq *t = treq_new("POST", "/thing", "{}");
	char big[HTTP_MAX_HEADERS];
	int added = 0;

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(http_header_add(&t->req, "Location", "/thing/1"), 0);
	treq_log_begin();
	ck_assert_int_eq(http_header_add(&t->req, "X-Big", "%s", big), -1);
	ck_assert_ptr_nonnull(strstr(treq_log_end(), "event=header_overflow header=X-Big"));
	ck_assert_int_eq(t->req.headers_full, 1);
	/* What fitted before is kept as it was, with nothing of the rest. */
	ck_assert_str_eq(t->req.headers, "Location: /thing/1\r\n");
	/* A caller that goes on: the answer is still the 500. */
	http_send_empty(&t->req, 201);
	treq_problem(t, 500, "could not be made");
	ck_assert_ptr_null(treq_header(t, "Location"));

	/* Exactly full: the last header that fits, then one byte more. */
	treq_reanswer(t);
	while (http_header_add(&t->req, "A", "b") == 0)
		added++;
	ck_assert_int_eq(added, (HTTP_MAX_HEADERS - 1) / 6);
	treq_free(t);
}
END_TEST

/* One request, one answer: a second one is logged and dropped. */
START_TEST(test_double_answer)
{
	struct treq *t = treq_new("GET", "/thing", NULL);
	size_t first;

	http_send_status(&t->req, "ok");
	first = (size_t)(t->out.wrNext - t->answer);
	treq_log_begin();
	http_send_empty(&t->req, 204);
	ck_assert_ptr_nonnull(strstr(treq_log_end(), "event=double_answer status=204 first=200"));
	ck_assert_uint_eq((size_t)(t->out.wrNext - t->answer), first);
	ck_assert_int_eq(treq_status(t), 200);
	treq_free(t);
}
END_TEST

START_TEST(test_internal)
{
	struct treq *t = treq_new("GET", "/thing", NULL);

	http_problem_send_internal(&t->req);
	treq_problem(t, 500, "the answer could not be made");
	ck_assert_str_eq(treq_json_string(t, "type"), "about:blank");
	treq_free(t);
}
END_TEST

Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_param);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_no_body);
	tcase_add_test(tc, test_json_and_status);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_headers_full);
	tcase_add_test(tc, test_double_answer);
	tcase_add_test(tc, test_internal);
	suite_add_tcase(s, tc);
	return s;
}
