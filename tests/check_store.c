/*
 * check_store.c - common/core/store.c: the one mapping of a store's
 * answer to an HTTP status, every answer of the enum.
 */
#include "check_suites.h"
#include "store.h"

START_TEST(test_status_http)
{
	static const struct {
		enum store_status st;
		int http;
	} cases[] = {
		{ STORE_OK, 200 },
		{ STORE_NOT_FOUND, 404 },
		{ STORE_CONFLICT, 409 },
		{ STORE_STALE, 412 },
		{ STORE_GONE, 410 },
		{ STORE_BUSY, 503 },
		{ STORE_FULL, 507 },
		{ STORE_UNAVAILABLE, 503 },
		{ STORE_ERR, 500 },
		{ (enum store_status)(STORE_ERR + 1), 500 },	/* not an answer */
	};

	/* Every answer of the enum is in the table, in its order. */
	ck_assert_int_eq(N_ELEMS(cases), STORE_ERR + 2);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		ck_assert_int_eq(cases[i].st, (int)i);
		ck_assert_msg(store_status_http(cases[i].st) == cases[i].http,
		    "store_status_http(%d) = %d, want %d", cases[i].st,
		    store_status_http(cases[i].st), cases[i].http);
	}
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_status_http);
	suite_add_tcase(s, tc);
	return s;
}
