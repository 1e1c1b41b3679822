/*
 * check_request.c - common/serve/request.c: a JSON body read and checked
 * (Content-Length, the size limit, the media type and its charset, an
 * empty or short body, malformed JSON, the nesting limit, a value that is
 * not an object), in the order the checks are made; a path parameter as
 * an id; If-Match and --require-if-match; and the answers of a resource
 * (ETag, Location) and of readiness.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "request.h"

/*
 * Read the body of a POST with content_length and content_type (NULL:
 * none) through http_read_json_object with the types accepted. Returns
 * what it returned; *t is the request, for the answer.
 */
static int
read_body(struct treq **t, const char *body, const char *content_length,
    const char *content_type, const char *const *types, struct json_object **out)
{
	*t = treq_new("POST", "/thing", body);
	treq_param(*t, "CONTENT_LENGTH", content_length);
	treq_param(*t, "CONTENT_TYPE", content_type);
	return http_read_json_object(&(*t)->req, types, out);
}

START_TEST(test_read_object)
{
	static const char body[] = "{\"name\":\"pen\",\"price\":2}";
	struct json_object *o, *v;
	struct treq *t;

	ck_assert_int_eq(read_body(&t, body, "24", "application/json", http_json_types, &o), 0);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "price", &v));
	ck_assert_int_eq(json_object_get_int(v), 2);
	/* The bytes stay in the request (an Idempotency-Key's hash reads them). */
	ck_assert_uint_eq(t->req.body_len, 24);
	ck_assert_mem_eq(t->req.body, body, 24);
	ck_assert_int_eq(t->req.status, 0);
	json_object_put(o);
	treq_free(t);

	/* A charset of utf-8, in any case, is fine; so are other parameters. */
	ck_assert_int_eq(read_body(&t, "{}", "2", "application/json; charset=UTF-8",
	    http_json_types, &o), 0);
	json_object_put(o);
	treq_free(t);
	ck_assert_int_eq(read_body(&t, "{}", "2", "application/merge-patch+json",
	    http_patch_types, &o), 0);
	json_object_put(o);
	treq_free(t);
}
END_TEST

/* Each refusal: the status and the detail, and no object. */
START_TEST(test_refusals)
{
	static const struct {
		const char *body, *length, *type;
		const char *const *types;
		int status;
		const char *detail;
	} cases[] = {
		{ "{}", NULL, "application/json", http_json_types, 400, "Content-Length is required" },
		{ "{}", "", "application/json", http_json_types, 400, "Content-Length is required" },
		{ "{}", "two", "application/json", http_json_types, 400, "invalid Content-Length" },
		{ "{}", "-1", "application/json", http_json_types, 400, "invalid Content-Length" },
		{ "{}", "+2", "application/json", http_json_types, 400, "invalid Content-Length" },
		{ "{}", " 2", "application/json", http_json_types, 400, "invalid Content-Length" },
		{ "{}", "2x", "application/json", http_json_types, 400, "invalid Content-Length" },
		{ "{}", "99999999999999999999", "application/json", http_json_types, 400,
		    "invalid Content-Length" },
		/* Too large is said before the media type is looked at. */
		{ "{}", "65537", "text/plain", http_json_types, 413, "larger than 65536 bytes" },
		{ "{}", "2", NULL, http_json_types, 415, "must be application/json" },
		{ "{}", "2", "text/plain", http_json_types, 415, "must be application/json" },
		{ "{}", "2", "application/merge-patch+json", http_json_types, 415,
		    "must be application/json" },
		{ "{}", "2", "text/plain", http_patch_types, 415,
		    "must be application/merge-patch+json" },
		{ "{}", "2", "application/json; charset=latin1", http_json_types, 415, "UTF-8" },
		{ "{}", "2", "application/json; charset", http_json_types, 415,
		    "not a media type" },
		{ "", "0", "application/json", http_json_types, 400, "empty" },
		{ "{}", "3", "application/json", http_json_types, 400, "shorter than its Content-Length" },
		{ "{\"a\":}", "6", "application/json", http_json_types, 400, "malformed JSON" },
		{ "{\"a\":1,\"a\":2}", "13", "application/json", http_json_types, 400, "malformed JSON" },
		{ "[1]", "3", "application/json", http_json_types, 400, "must be a JSON object" },
		{ "\"x\"", "3", "application/json", http_json_types, 400, "must be a JSON object" },
		{ "null", "4", "application/json", http_json_types, 400, "must be a JSON object" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct json_object *o = (struct json_object *)&o;
		struct treq *t;

		ck_assert_msg(read_body(&t, cases[i].body, cases[i].length, cases[i].type,
		    cases[i].types, &o) == -1, "case %zu accepted", i);
		ck_assert_msg(o == NULL, "case %zu: an object", i);
		treq_problem(t, cases[i].status, cases[i].detail);
		treq_free(t);
	}
}
END_TEST

/* --max-body and --json-max-depth, at their limits. */
START_TEST(test_limits)
{
	static const struct {
		const char *body;
		size_t max_body;
		long depth;
		int status;	/* 0: read */
		const char *detail;
	} cases[] = {
		{ "{\"a\":\"12\"}", 10, 32, 0, NULL },
		{ "{\"a\":\"123\"}", 10, 32, 413, "larger than 10 bytes" },
		/* The object is level 1: three levels are taken at a depth of 3. */
		{ "{\"a\":{\"b\":{}}}", 64, 3, 0, NULL },
		{ "{\"a\":{\"b\":[1]}}", 64, 3, 400, "nesting too deep" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = treq_new("POST", "/thing", cases[i].body);
		struct json_object *o;
		int rc;

		t->cfg.max_body = cases[i].max_body;
		t->cfg.json_max_depth = cases[i].depth;
		rc = http_read_json_object(&t->req, http_json_types, &o);
		ck_assert_msg(rc == (cases[i].status ? -1 : 0), "%s: %d", cases[i].body, rc);
		if (cases[i].status)
			treq_problem(t, cases[i].status, cases[i].detail);
		json_object_put(o);
		treq_free(t);
	}
}
END_TEST

START_TEST(test_path_id)
{
	static const struct {
		const char *param;
		int ok;
		int64_t id;
	} cases[] = {
		{ "42", 1, 42 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "9223372036854775808", 0, 0 },
		{ "042", 0, 0 },
		{ "0", 0, 0 },
		{ "-1", 0, 0 },
		{ "4x", 0, 0 },
		{ "", 0, 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = treq_new("GET", "/thing/x", NULL);
		int64_t id = -7;

		t->req.match.n_params = 1;
		/* Not NUL-terminated in a path: the parameter is its length. */
		t->req.match.params[0].s = cases[i].param;
		t->req.match.params[0].len = strlen(cases[i].param);
		if (cases[i].ok) {
			ck_assert_msg(http_path_id_or_404(&t->req, 0, &id) == 0, "'%s' refused",
			    cases[i].param);
			ck_assert_int_eq(id, cases[i].id);
			ck_assert_int_eq(t->req.status, 0);
		} else {
			ck_assert_msg(http_path_id_or_404(&t->req, 0, &id) == -1, "'%s' taken",
			    cases[i].param);
			treq_problem(t, 404, "no such resource");
		}
		treq_free(t);
	}
}
END_TEST

START_TEST(test_path_id_bounds)
{
	struct treq *t = treq_new("GET", "/thing/12/part/3", NULL);
	int64_t id;

	/* "12/part" with the parameter's length of 2. */
	t->req.match.n_params = 1;
	t->req.match.params[0].s = "12/part";
	t->req.match.params[0].len = 2;
	ck_assert_int_eq(http_path_id_or_404(&t->req, 0, &id), 0);
	ck_assert_int_eq(id, 12);
	/* A parameter the route does not have. */
	ck_assert_int_eq(http_path_id_or_404(&t->req, 1, &id), -1);
	treq_problem(t, 404, NULL);
	treq_free(t);
}
END_TEST

START_TEST(test_if_match)
{
	static const struct {
		const char *value;	/* NULL: absent */
		int required;		/* --require-if-match */
		int status;		/* 0: passed */
		int present, any;
		size_t n;		/* the strong versions read */
	} cases[] = {
		{ NULL, 0, 0, 0, 0, 0 },
		{ NULL, 1, 428, 0, 0, 0 },
		{ "\"3\", \"5\"", 1, 0, 1, 0, 2 },
		{ "*", 1, 0, 1, 1, 0 },
		/* A weak tag is well formed, and never matches. */
		{ "W/\"3\"", 0, 0, 1, 0, 0 },
		/* Malformed: 400, whether required or not. */
		{ "3", 1, 400, 0, 0, 0 },
		{ "\"3", 0, 400, 0, 0, 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = treq_new("PATCH", "/thing/1", "{}");
		struct if_match im;
		int rc;

		treq_param(t, "HTTP_IF_MATCH", cases[i].value);
		t->cfg.require_if_match = cases[i].required;
		rc = http_if_match_or_reply(&t->req, &im);
		ck_assert_msg(rc == (cases[i].status ? -1 : 0), "%s: %d",
		    cases[i].value ? cases[i].value : "(absent)", rc);
		if (cases[i].status == 428) {
			treq_problem(t, 428, "requires If-Match");
		} else if (cases[i].status == 400) {
			treq_problem(t, 400, "malformed If-Match");
		} else {
			ck_assert_int_eq(t->req.status, 0);
			ck_assert_int_eq(im.present, cases[i].present);
			ck_assert_int_eq(im.any, cases[i].any);
			ck_assert_uint_eq(im.n, cases[i].n);
		}
		treq_free(t);
	}
}
END_TEST

START_TEST(test_resource)
{
	struct treq *t = treq_new("POST", "/thing", "{}");
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(7));
	http_send_resource(&t->req, 201, o, "/thing", 7, 3);
	ck_assert_int_eq(treq_status(t), 201);
	ck_assert_pstr_eq(treq_header(t, "Location"), "/thing/7");
	ck_assert_pstr_eq(treq_header(t, "ETag"), "\"3\"");
	ck_assert_pstr_eq(treq_header(t, "Content-Type"), "application/json");
	ck_assert_str_eq(treq_json_string(t, "id"), "7");

	/* Not a creation: no Location. */
	treq_reanswer(t);
	http_send_resource(&t->req, 200, o, "/thing", 7, 4);
	ck_assert_int_eq(treq_status(t), 200);
	ck_assert_ptr_null(treq_header(t, "Location"));
	ck_assert_pstr_eq(treq_header(t, "ETag"), "\"4\"");
	json_object_put(o);

	/* A resource that could not be rendered. */
	treq_reanswer(t);
	http_send_resource(&t->req, 201, NULL, "/thing", 7, 1);
	treq_problem(t, 500, "out of memory");
	ck_assert_ptr_null(treq_header(t, "Location"));
	treq_free(t);
}
END_TEST

START_TEST(test_ready)
{
	struct treq *t = treq_new("GET", "/thing/ready", NULL);

	http_ready_send(&t->req, NULL);
	ck_assert_int_eq(treq_status(t), 200);
	ck_assert_str_eq(treq_json_string(t, "status"), "ready");
	ck_assert_ptr_null(treq_header(t, "Retry-After"));
	treq_reanswer(t);
	http_ready_send(&t->req, "the database is read-only");
	treq_problem(t, 503, "not ready: the database is read-only");
	ck_assert_pstr_eq(treq_header(t, "Retry-After"), "5");
	treq_free(t);
}
END_TEST

Suite *
request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_read_object);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_path_id);
	tcase_add_test(tc, test_path_id_bounds);
	tcase_add_test(tc, test_if_match);
	tcase_add_test(tc, test_resource);
	tcase_add_test(tc, test_ready);
	suite_add_tcase(s, tc);
	return s;
}
