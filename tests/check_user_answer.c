/*
 * check_user_answer.c - fcgi-order/user_answer.c: the reading of the user
 * service's answers, which are untrusted input (a 200 means the user
 * exists only when its body is one JSON object holding the very id asked
 * for; a 404 and a 410 are believed whatever their body; anything else is
 * the user service being unavailable), and the names of its states.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "user_client.h"

START_TEST(test_parse_answer)
{
	static const struct {
		long status;
		const char *body;
		enum user_lookup expect;
	} cases[] = {
		{ 200, "{\"id\":42,\"name\":\"Ada\"}", USER_EXISTS },
		{ 200, " {\"id\":42} ", USER_EXISTS },
		{ 200, "{\"name\":\"Ada\",\"id\":42,\"extra\":[1,{\"x\":null}]}", USER_EXISTS },
		{ 404, "", USER_ABSENT },
		{ 404, "{\"status\":404}", USER_ABSENT },
		{ 404, "<html>not json</html>", USER_ABSENT },
		{ 410, "", USER_DELETED },
		{ 410, "{\"status\":410}", USER_DELETED },
		{ 410, "{\"id\":42}", USER_DELETED },
		{ 200, "{\"id\":43}", USER_UNAVAILABLE },		/* another user */
		{ 200, "{\"id\":-42}", USER_UNAVAILABLE },
		{ 200, "{\"user\":{\"id\":42}}", USER_UNAVAILABLE },	/* not at the top */
		/* Wrong types. */
		{ 200, "{\"id\":\"42\"}", USER_UNAVAILABLE },
		{ 200, "{\"id\":42.0}", USER_UNAVAILABLE },
		{ 200, "{\"id\":4.2e1}", USER_UNAVAILABLE },
		{ 200, "{\"id\":true}", USER_UNAVAILABLE },
		{ 200, "{\"id\":null}", USER_UNAVAILABLE },
		{ 200, "{\"id\":[42]}", USER_UNAVAILABLE },
		{ 200, "{\"id\":{\"id\":42}}", USER_UNAVAILABLE },
		{ 200, "{\"name\":\"Ada\"}", USER_UNAVAILABLE },
		{ 200, "[42]", USER_UNAVAILABLE },
		{ 200, "[{\"id\":42}]", USER_UNAVAILABLE },
		{ 200, "42", USER_UNAVAILABLE },
		{ 200, "\"{\\\"id\\\":42}\"", USER_UNAVAILABLE },	/* a string of JSON */
		{ 200, "null", USER_UNAVAILABLE },
		/* Malformed. */
		{ 200, "", USER_UNAVAILABLE },
		{ 200, "{\"id\":42", USER_UNAVAILABLE },		/* truncated */
		{ 200, "{\"id\":42} trailing", USER_UNAVAILABLE },
		{ 200, "{\"id\":42}{\"id\":42}", USER_UNAVAILABLE },
		{ 200, "{'id':42}", USER_UNAVAILABLE },
		{ 200, "{\"id\":042}", USER_UNAVAILABLE },
		{ 200, "{\"id\":42,}", USER_UNAVAILABLE },
		{ 200, "{\"id\":42,\"name\":\"\xff\"}", USER_UNAVAILABLE },	/* not UTF-8 */
		{ 200, "<html>502 Bad Gateway</html>", USER_UNAVAILABLE },
		{ 200, "{\"id\":99999999999999999999}", USER_UNAVAILABLE },
		/* The depth limit: 8 levels, the object itself the first. */
		{ 200, "{\"id\":42,\"x\":[[[[[[[]]]]]]]}", USER_EXISTS },
		{ 200, "{\"id\":42,\"x\":[[[[[[[[]]]]]]]]}", USER_UNAVAILABLE },
		{ 200, "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}},\"id\":42}", USER_UNAVAILABLE },
		/* Not a 200, 404 or 410. */
		{ 201, "{\"id\":42}", USER_UNAVAILABLE },
		{ 204, "", USER_UNAVAILABLE },
		{ 301, "{\"id\":42}", USER_UNAVAILABLE },
		{ 401, "{\"status\":401}", USER_UNAVAILABLE },
		{ 403, "{\"status\":403}", USER_UNAVAILABLE },
		{ 500, "{\"id\":42}", USER_UNAVAILABLE },
		{ 503, "", USER_UNAVAILABLE },
		{ 0, "", USER_UNAVAILABLE },
		{ -1, "{\"id\":42}", USER_UNAVAILABLE },
		{ 20000, "{\"id\":42}", USER_UNAVAILABLE },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum user_lookup got = user_client_parse_answer(cases[i].status, cases[i].body,
		    strlen(cases[i].body), 42);

		ck_assert_msg(got == cases[i].expect, "%ld %s: expected %d, got %d",
		    cases[i].status, cases[i].body, cases[i].expect, got);
	}
}
END_TEST

/* The body is its length's bytes: a NUL inside is not its end, nor is a shorter length. */
START_TEST(test_parse_length)
{
	ck_assert_int_eq(user_client_parse_answer(200, BYTES("{\"id\":42}\0"), 42),
	    USER_UNAVAILABLE);
	ck_assert_int_eq(user_client_parse_answer(200, BYTES("{\"id\":\"4\0\"}"), 42),
	    USER_UNAVAILABLE);
	ck_assert_int_eq(user_client_parse_answer(200, "{\"id\":42}", 8, 42), USER_UNAVAILABLE);
	ck_assert_int_eq(user_client_parse_answer(200, "{\"id\":42}xyz", 9, 42), USER_EXISTS);
	ck_assert_int_eq(user_client_parse_answer(200, "{\"id\":42}", 0, 42), USER_UNAVAILABLE);
}
END_TEST

/* Every id is compared whole, to its last bit. */
START_TEST(test_parse_ids)
{
	static const int64_t ids[] = { 1, 9007199254740993, INT64_MAX };

	for (size_t i = 0; i < N_ELEMS(ids); i++) {
		char body[64];

		snprintf(body, sizeof(body), "{\"id\":%lld}", (long long)ids[i]);
		ck_assert_int_eq(user_client_parse_answer(200, body, strlen(body), ids[i]),
		    USER_EXISTS);
		ck_assert_int_eq(user_client_parse_answer(200, body, strlen(body), ids[i] - 1),
		    USER_UNAVAILABLE);
	}
}
END_TEST

/*
 * A big answer is read like any other (user_client.c stops reading at its
 * own limit): a user whose fields fill 60 KiB still exists; a body of
 * 20 000 nested arrays is refused by the depth limit, not by a crash.
 */
START_TEST(test_parse_big)
{
	size_t n = 60 * 1024;
	char *body = malloc(n + 64);
	int len;

	ck_assert_ptr_nonnull(body);
	len = snprintf(body, n + 64, "{\"name\":\"");
	memset(body + len, 'a', n);
	snprintf(body + len + n, 64, "\",\"id\":7}");
	ck_assert_int_eq(user_client_parse_answer(200, body, strlen(body), 7), USER_EXISTS);

	memset(body, '[', n);
	ck_assert_int_eq(user_client_parse_answer(200, body, n, 7), USER_UNAVAILABLE);
	free(body);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_UP), "up");
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_DOWN), "down");
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_BREAKER_OPEN), "breaker_open");
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_UNKNOWN), "unknown");
	ck_assert_str_eq(user_service_state_name((enum user_service_state)77), "unknown");
}
END_TEST

Suite *
user_answer_suite(void)
{
	Suite *s = suite_create("user_answer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_answer);
	tcase_add_test(tc, test_parse_length);
	tcase_add_test(tc, test_parse_ids);
	tcase_add_test(tc, test_parse_big);
	tcase_add_test(tc, test_state_names);
	suite_add_tcase(s, tc);
	return s;
}
