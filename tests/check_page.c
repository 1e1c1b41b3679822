/*
 * check_page.c - common/core/page.c: a listing's `limit` and `after` read
 * from the query (the bounds, and an `after` that is no id refused as a
 * 422 naming it), the page body and its items, and the `next` link: what
 * it carries, that reading it back gives the next page's limit, position
 * and filters, and that a page with an item missing is never whole.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "check_suites.h"
#include "page.h"

#define DEF 50
#define MAX 200

/* page_read on qs; the field errors in fe. */
static void
read_qs(const char *qs, struct page *p, struct field_errors *fe)
{
	struct query q;

	ck_assert_msg(query_parse(qs, &q) == QUERY_OK, "query %s", qs);
	field_errors_init(fe);
	page_read(p, &q, DEF, MAX, fe);
}

START_TEST(test_read_valid)
{
	static const struct {
		const char *qs;
		long limit;
		int64_t after;
	} cases[] = {
		{ "", DEF, 0 },
		{ "limit=1", 1, 0 },
		{ "limit=200", MAX, 0 },
		{ "after=0", DEF, 0 },		/* the first page, said outright */
		{ "after=1", DEF, 1 },
		{ "limit=7&after=9223372036854775807", 7, INT64_MAX },
		{ "other=x", DEF, 0 },		/* the route checks the keys, not page */
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct page p;
		struct field_errors fe;

		read_qs(cases[i].qs, &p, &fe);
		ck_assert_msg(fe.n == 0, "%s: %zu errors, first %s", cases[i].qs, fe.n,
		    fe.e[0].field);
		ck_assert_msg(p.limit == cases[i].limit && p.after == cases[i].after,
		    "%s: limit %ld after %lld", cases[i].qs, p.limit, (long long)p.after);
		ck_assert_ptr_null(p.body);
	}
}
END_TEST

/* Each refused value is a 422 naming its parameter; the limit stays sane. */
START_TEST(test_read_refused)
{
	static const struct {
		const char *qs;
		const char *field;
	} cases[] = {
		{ "limit=0", "limit" },
		{ "limit=201", "limit" },
		{ "limit=-1", "limit" },
		{ "limit=", "limit" },
		{ "limit=ten", "limit" },
		{ "limit=1.5", "limit" },
		{ "limit=010", "limit" },
		{ "limit=+5", "limit" },
		{ "limit=99999999999999999999", "limit" },
		{ "after=", "after" },
		{ "after=-5", "after" },
		{ "after=abc", "after" },
		{ "after=00", "after" },
		{ "after=7x", "after" },
		{ "after=9223372036854775808", "after" },
		{ "after=%2012", "after" },	/* " 12" once decoded */
		{ "after=eyJpZCI6N30", "after" },	/* an opaque cursor is no id */
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct page p;
		struct field_errors fe;

		read_qs(cases[i].qs, &p, &fe);
		ck_assert_msg(fe.n == 1 && fe.status == 422 &&
		    strcmp(fe.e[0].field, cases[i].field) == 0,
		    "%s: %zu errors, status %d, field %s", cases[i].qs, fe.n, fe.status,
		    fe.n ? fe.e[0].field : "-");
		ck_assert_msg(p.limit >= 1 && p.limit <= MAX, "%s: limit %ld", cases[i].qs,
		    p.limit);
	}

	/* Both wrong: both named. */
	{
		struct page p;
		struct field_errors fe;

		read_qs("limit=0&after=x", &p, &fe);
		ck_assert_uint_eq(fe.n, 2);
		ck_assert_str_eq(fe.e[0].field, "limit");
		ck_assert_str_eq(fe.e[1].field, "after");
	}
}
END_TEST

START_TEST(test_next_link)
{
	static const char *const carry[] = { "email", "status", NULL };
	struct page p = { .limit = 2, .last_id = 41 };
	struct query q;
	char buf[256];

	/* Only the carried keys that the query holds, percent-encoded. */
	ck_assert_int_eq(query_parse("limit=2&after=7&email=a%2Bb%40x.org&other=1", &q),
	    QUERY_OK);
	ck_assert_int_eq(page_next_link(&p, "/user", &q, carry, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/user?limit=2&after=41&email=a%2Bb%40x.org");

	ck_assert_int_eq(query_parse("", &q), QUERY_OK);
	ck_assert_int_eq(page_next_link(&p, "/order", &q, NULL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/order?limit=2&after=41");

	/* Too small a buffer: -1, for every part that may not fit. */
	ck_assert_int_eq(page_next_link(&p, "/order", &q, NULL, buf, 10), -1);
	ck_assert_int_eq(page_next_link(&p, "/order", &q, NULL, buf, 20), -1);
	ck_assert_int_eq(page_next_link(&p, "/order", &q, NULL, buf, 24), 0);
	ck_assert_int_eq(query_parse("status=paid", &q), QUERY_OK);
	ck_assert_int_eq(page_next_link(&p, "/order", &q, carry, buf, 30), -1);
}
END_TEST

/*
 * The link read back as a request would: the next page's limit, its
 * position after the last item, and the same filters.
 */
START_TEST(test_round_trip)
{
	static const char *const carry[] = { "email", "status", NULL };
	static const char *const values[] = {
		"ada@example.com", "a b&c=d", "100%", "caf\xc3\xa9", "+&?#",
	};

	for (size_t i = 0; i < N_ELEMS(values); i++) {
		struct page p = { .limit = 3, .last_id = 1234567 + (int64_t)i }, back;
		struct field_errors fe;
		struct query q, next;
		char qs[QUERY_MAX_BYTES], link[QUERY_MAX_BYTES * 3];

		qs[0] = '\0';
		ck_assert_int_eq(query_append(qs, sizeof(qs), "email", values[i]), 0);
		ck_assert_int_eq(query_append(qs, sizeof(qs), "status", "paid"), 0);
		ck_assert_int_eq(query_parse(qs, &q), QUERY_OK);
		ck_assert_int_eq(page_next_link(&p, "/x", &q, carry, link, sizeof(link)), 0);
		ck_assert_msg(strncmp(link, "/x?", 3) == 0, "%s", link);
		ck_assert_int_eq(query_parse(link + 3, &next), QUERY_OK);
		field_errors_init(&fe);
		page_read(&back, &next, DEF, MAX, &fe);
		ck_assert_uint_eq(fe.n, 0);
		ck_assert_int_eq(back.limit, 3);
		ck_assert_int_eq(back.after, p.last_id);
		ck_assert_str_eq(query_get(&next, "email"), values[i]);
		ck_assert_str_eq(query_get(&next, "status"), "paid");
	}
}
END_TEST

/* The body: items in order; next only when more follow. */
START_TEST(test_body)
{
	struct page p;
	struct field_errors fe;
	struct query q;
	struct json_object *next, *items;

	read_qs("limit=2", &p, &fe);
	ck_assert_int_eq(query_parse("limit=2", &q), QUERY_OK);
	ck_assert_int_eq(page_open(&p), 0);
	page_add(&p, json_object_new_int(10), 10);
	page_add(&p, json_object_new_int(12), 12);
	ck_assert_int_eq(page_close(&p, 1, "/user", &q, NULL), 0);
	ck_assert_int_eq(p.last_id, 12);
	ck_assert(json_object_object_get_ex(p.body, "items", &items));
	ck_assert_uint_eq(json_object_array_length(items), 2);
	ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(items, 1)), 12);
	ck_assert(json_object_object_get_ex(p.body, "next", &next));
	ck_assert_str_eq(json_object_get_string(next), "/user?limit=2&after=12");
	page_free(&p);
	ck_assert_ptr_null(p.body);
	page_free(&p);			/* again: harmless */

	/* The last page: no next. */
	ck_assert_int_eq(page_open(&p), 0);
	page_add(&p, json_object_new_int(13), 13);
	ck_assert_int_eq(page_close(&p, 0, "/user", &q, NULL), 0);
	ck_assert(!json_object_object_get_ex(p.body, "next", NULL));
	ck_assert_str_eq(json_object_to_json_string_ext(p.body, JSON_C_TO_STRING_PLAIN),
	    "{\"items\":[13]}");
	page_free(&p);
}
END_TEST

/* An item whose builder failed (NULL) fails the page, last page or not. */
START_TEST(test_item_missing)
{
	struct page p = { .limit = 2 };
	struct query q;

	ck_assert_int_eq(query_parse("", &q), QUERY_OK);
	for (int more = 0; more <= 1; more++) {
		ck_assert_int_eq(page_open(&p), 0);
		page_add(&p, json_object_new_int(1), 1);
		page_add(&p, NULL, 2);
		ck_assert_int_eq(page_close(&p, more, "/user", &q, NULL), -1);
		page_free(&p);
	}
	/* page_open starts afresh. */
	ck_assert_int_eq(page_open(&p), 0);
	ck_assert_int_eq(page_close(&p, 0, "/user", &q, NULL), 0);
	page_free(&p);
}
END_TEST

Suite *
page_suite(void)
{
	Suite *s = suite_create("page");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_read_valid);
	tcase_add_test(tc, test_read_refused);
	tcase_add_test(tc, test_next_link);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_body);
	tcase_add_test(tc, test_item_missing);
	suite_add_tcase(s, tc);
	return s;
}
