/*
 * check_alloc.c - the answers the services build, when memory runs out:
 * for N = 1, 2, ... the Nth allocation fails (alloc_fail.h), alone and
 * with every one after it, and each builder must give either the whole
 * answer or a clean failure (NULL, -1), and each answer sent must be
 * either the whole answer or a 500 problem, never one with a member, an
 * item, a header or a body missing; and nothing may leak. The builders:
 * the user's (and its events' and snapshot's), the order's and the product's
 * JSON forms, problems, pages,
 * the JSON text itself.
 *
 * Its own runner: the binary is linked with --wrap of the allocator and
 * with json-c's static archive (tests/Makefile.am), which check_unit is not.
 * Other suites of the same kind register in main() below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <fcgiapp.h>
#include <json-c/json.h>

#include "alloc_fail.h"
#include "http.h"
#include "json_io.h"
#include "order_model.h"
#include "page.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "user_model.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
/* More allocations than any builder here makes: the loop must end first. */
#define ALLOC_MAX 1000

/* The compact text of o, or "(null)"; a copy the caller frees. Disarmed. */
static char *
text_of(struct json_object *o)
{
	const char *t;
	size_t len = 0;

	if (o == NULL)
		return strdup("(null)");
	t = json_io_to_string(o, &len);
	return t != NULL ? strndup(t, len) : strdup("(no text)");
}

static const char *const modes[] = { "failing", "and all after it failing" };

/*
 * Run build(arg) with the nth allocation failing (alone, then with all
 * after it), for every n until it makes fewer than n: each result must be
 * NULL or print as want, and leave nothing allocated once released.
 */
static void
each_failure(struct json_object *(*build)(void *arg), void *arg, const char *what)
{
	struct json_object *o = build(arg);
	char *want = text_of(o), *got;
	long n = 0, leaked;

	json_object_put(o);
	for (int from_on = 0; from_on <= 1; from_on++) {
		for (n = 1; n < ALLOC_MAX; n++) {
			int fired;

			alloc_fail_arm(n, from_on);
			o = build(arg);
			fired = alloc_fail_disarm();
			got = text_of(o);
			json_object_put(o);
			leaked = alloc_fail_leaked();
			ck_assert_msg(o == NULL || strcmp(got, want) == 0,
			    "%s, allocation %ld %s: %s, want NULL or %s", what, n,
			    modes[from_on], got, want);
			ck_assert_msg(leaked == 0, "%s, allocation %ld %s: %ld blocks leaked",
			    what, n, modes[from_on], leaked);
			free(got);
			if (!fired)
				break;
		}
		ck_assert_msg(n > 1 && n < ALLOC_MAX, "%s: %ld allocations", what, n - 1);
	}
	free(want);
}

/* ------------------------------------------------------------------ */
/* Builders                                                            */
/* ------------------------------------------------------------------ */

static const struct user ada = {
	.id = 7, .name = "Ada Lovelace", .email = "ada@example.com",
	.created_at = "2026-01-02T03:04:05Z", .updated_at = "2026-01-02T03:04:06Z",
	.version = 3, .role = "customer",
};

static struct json_object *
build_user(void *arg)
{
	return user_to_json(arg);
}

START_TEST(test_user_to_json)
{
	each_failure(build_user, (void *)&ada, "user_to_json");
}
END_TEST

static struct json_object *
build_event(void *arg)
{
	return user_event_to_json(arg);
}

START_TEST(test_user_event_to_json)
{
	static const struct user_event e = {
		.seq = 12, .schema = 1, .type = "user.updated", .at = "2026-12-01T19:43:30Z",
		.user_id = 4, .user_version = 2, .status = "active", .role = "admin",
		.cred_version = 3,
	};

	each_failure(build_event, (void *)&e, "user_event_to_json");
}
END_TEST

static struct json_object *
build_state(void *arg)
{
	return user_state_to_json(arg);
}

/* A snapshot's users: an active one (five members), a deleted one (two). */
START_TEST(test_user_state_to_json)
{
	static const struct user_state active = { 1, 0, "customer", 2, 3 };
	static const struct user_state deleted = { 2, 1, "", 0, 0 };

	each_failure(build_state, (void *)&active, "user_state_to_json (active)");
	each_failure(build_state, (void *)&deleted, "user_state_to_json (deleted)");
}
END_TEST

static struct json_object *
build_order(void *arg)
{
	return order_to_json(arg);
}

/* An order of three lines, one from before the price list (no name). */
START_TEST(test_order_to_json)
{
	static struct order o;

	o.id = 5;
	o.user_id = 7;
	memcpy(o.currency, "EUR", 4);
	o.status = ORDER_PAID;
	o.n_items = 3;
	o.items[0] = (struct order_item){ .sku = "BOOK-1", .name = "A book", .quantity = 2,
	    .unit_price_cents = 1250, .line_total_cents = 2500 };
	o.items[1] = (struct order_item){ .sku = "PEN", .name = "A pen with a name long "
	    "enough to be kept apart from its object", .quantity = 3,
	    .unit_price_cents = 99, .line_total_cents = 297 };
	o.items[2] = (struct order_item){ .sku = "OLD", .quantity = 1,
	    .unit_price_cents = 5, .line_total_cents = 5 };
	o.total_cents = 2802;
	o.version = 2;
	memcpy(o.created_at, "2026-01-02T03:04:05Z", 21);
	memcpy(o.updated_at, "2026-01-02T03:04:06Z", 21);
	each_failure(build_order, &o, "order_to_json");
}
END_TEST

static struct json_object *
build_product(void *arg)
{
	return product_to_json(arg);
}

START_TEST(test_product_to_json)
{
	static const struct product p = {
		.id = 4, .sku = "BOOK-1", .name = "A book", .unit_price_cents = 1250,
		.currency = "EUR", .active = 1, .created_at = "2026-01-02T03:04:05Z",
		.updated_at = "2026-01-02T03:04:06Z", .version = 2,
	};

	each_failure(build_product, (void *)&p, "product_to_json");
}
END_TEST

static struct json_object *
build_problem(void *arg)
{
	(void)arg;
	return problem_new(404, "about:blank", "no such user");
}

static struct json_object *
build_problem_fields(void *arg)
{
	return problem_fields_new(arg);
}

START_TEST(test_problem_new)
{
	struct field_errors fe;

	each_failure(build_problem, NULL, "problem_new");
	field_errors_init(&fe);
	field_errors_add(&fe, 422, "name", "must not be empty");
	field_errors_add(&fe, 422, "email", "has an invalid domain");
	field_errors_add(&fe, 422, "password", "is required");
	each_failure(build_problem_fields, &fe, "problem_fields_new");
}
END_TEST

/* A page of three users and a next link, as GET /user builds it. */
static struct json_object *
build_page(void *arg)
{
	const struct query *q = arg;
	struct page p;
	struct field_errors fe;
	struct json_object *body;
	static const char *const carry[] = { "email", NULL };

	field_errors_init(&fe);
	page_read(&p, q, 50, 200, &fe);
	if (page_open(&p) < 0)
		return NULL;
	for (int64_t id = 1; id <= 3; id++) {
		struct user u = ada;

		u.id = id;
		page_add(&p, user_to_json(&u), id);
	}
	if (page_close(&p, 1, "/user", q, carry) < 0) {
		page_free(&p);
		return NULL;
	}
	body = p.body;
	p.body = NULL;
	return body;
}

START_TEST(test_page)
{
	struct query q;

	ck_assert_int_eq(query_parse("limit=3&email=ada%40example.com", &q), QUERY_OK);
	each_failure(build_page, &q, "a page of users");
}
END_TEST

/* json-c's serialiser: the whole text, or NULL. */
START_TEST(test_to_string)
{
	struct json_object *o = user_to_json(&ada);
	char *want = text_of(o);
	long n;

	json_object_put(o);
	for (n = 1; n < ALLOC_MAX; n++) {
		const char *t;
		size_t len = 0;
		int fired, same;
		long leaked;

		o = user_to_json(&ada);	/* fresh: the text is kept once made */
		alloc_fail_arm(n, 0);
		t = json_io_to_string(o, &len);
		fired = alloc_fail_disarm();
		same = t != NULL && len == strlen(want) && memcmp(t, want, len) == 0;
		json_object_put(o);
		leaked = alloc_fail_leaked();
		ck_assert_msg(t == NULL || same,
		    "json_io_to_string, allocation %ld failing: not the whole text", n);
		ck_assert_msg(leaked == 0, "json_io_to_string, allocation %ld failing: "
		    "%ld blocks leaked", n, leaked);
		if (!fired)
			break;
	}
	ck_assert_msg(n > 1 && n < ALLOC_MAX, "json_io_to_string: %ld allocations", n - 1);
	free(want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Answers                                                             */
/* ------------------------------------------------------------------ */

static unsigned char out_buf[64 * 1024];
static FCGX_Stream out;
static FCGX_Request fcgi;

static void
out_full(FCGX_Stream *s, int do_close)
{
	(void)do_close;
	s->isClosed = 1;
}

/* A request whose answer is written to out_buf. */
static void
answer_begin(struct http_request *req)
{
	memset(&out, 0, sizeof(out));
	out.wrNext = out_buf;
	out.stop = out_buf + sizeof(out_buf);
	out.emptyBuffProc = out_full;
	memset(&fcgi, 0, sizeof(fcgi));
	fcgi.out = &out;
	memset(req, 0, sizeof(*req));
	req->fcgi = &fcgi;
	req->request_id = "t";
}

/* What was written, as a string the caller frees. */
static char *
answer_text(void)
{
	return strndup((const char *)out_buf, (size_t)(out.wrNext - out_buf));
}

/*
 * 1 if answer is a 500 problem, complete: its Content-Length is its body's
 * length, and the body a problem of status 500.
 */
static int
is_500_problem(const char *answer)
{
	const char *body = strstr(answer, "\r\n\r\n");
	struct json_object *o = NULL;
	const char *err;
	unsigned long cl;
	int ok;

	if (strncmp(answer, "Status: 500 ", 12) != 0 || body == NULL ||
	    strstr(answer, "Content-Type: application/problem+json\r\n") == NULL)
		return 0;
	body += 4;
	if (sscanf(strstr(answer, "Content-Length: ") + 16, "%lu", &cl) != 1 ||
	    cl != strlen(body) || json_io_parse(body, cl, 8, &o, &err) < 0)
		return 0;
	ok = json_object_is_type(o, json_type_object) &&
	    json_object_get_int(json_object_object_get(o, "status")) == 500;
	json_object_put(o);
	return ok;
}

/*
 * Answer through send(req) with the nth allocation failing, for every n
 * until it makes fewer than n: each answer must be the whole one, or a
 * complete 500 problem.
 */
static void
each_answer_failure(void (*send)(struct http_request *req), const char *what)
{
	static struct http_request req;
	char *want, *got;
	long n;

	answer_begin(&req);
	send(&req);
	want = answer_text();
	for (int from_on = 0; from_on <= 1; from_on++) {
		for (n = 1; n < ALLOC_MAX; n++) {
			long leaked;
			int fired;

			answer_begin(&req);
			alloc_fail_arm(n, from_on);
			send(&req);
			fired = alloc_fail_disarm();
			leaked = alloc_fail_leaked();
			got = answer_text();
			ck_assert_msg(strcmp(got, want) == 0 || is_500_problem(got),
			    "%s, allocation %ld %s:\n%s\nwant:\n%s", what, n, modes[from_on],
			    got, want);
			ck_assert_msg(leaked == 0, "%s, allocation %ld %s: %ld blocks leaked",
			    what, n, modes[from_on], leaked);
			free(got);
			if (!fired)
				break;
		}
		ck_assert_msg(n > 1 && n < ALLOC_MAX, "%s: %ld allocations", what, n - 1);
	}
	free(want);
}

static void
send_problem(struct http_request *req)
{
	http_problem_send(req, 404, "no such user");
}

static void
send_problem_fields(struct http_request *req)
{
	struct field_errors fe;

	field_errors_init(&fe);
	field_errors_add(&fe, 422, "name", "must not be empty");
	field_errors_add(&fe, 400, "email", "must be a string");
	http_problem_send_fields(req, &fe);
}

static void
send_user(struct http_request *req)
{
	struct json_object *body = user_to_json(&ada);

	http_send_resource(req, 201, body, "/user", ada.id, ada.version);
	json_object_put(body);
}

static void
send_ready(struct http_request *req)
{
	http_ready_send(req, NULL);
}

static void
send_status(struct http_request *req)
{
	http_send_status(req, "ok");
}

START_TEST(test_answers)
{
	each_answer_failure(send_problem, "http_problem_send");
	each_answer_failure(send_problem_fields, "http_problem_send_fields");
	each_answer_failure(send_user, "a created user (http_send_resource)");
	each_answer_failure(send_ready, "http_ready_send");
	each_answer_failure(send_status, "http_send_status");
}
END_TEST

/* A header that does not fit: a 500 problem, not an answer without it. */
START_TEST(test_header_overflow)
{
	static struct http_request req;
	char value[200];
	char *got;
	int added = 0;

	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	answer_begin(&req);
	while (http_header_add(&req, "X-Filler", "%s", value) == 0)
		added++;
	http_send_status(&req, "ok");
	got = answer_text();
	ck_assert_msg(added > 0 && is_500_problem(got), "after %d headers: %s", added, got);
	ck_assert_msg(strstr(got, "X-Filler") == NULL, "no header of the lost answer: %s", got);
	free(got);
}
END_TEST

static Suite *
answers_suite(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc;

	tc = tcase_create("builders");
	tcase_add_test(tc, test_user_to_json);
	tcase_add_test(tc, test_user_event_to_json);
	tcase_add_test(tc, test_user_state_to_json);
	tcase_add_test(tc, test_order_to_json);
	tcase_add_test(tc, test_product_to_json);
	tcase_add_test(tc, test_problem_new);
	tcase_add_test(tc, test_page);
	tcase_add_test(tc, test_to_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_header_overflow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(answers_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
