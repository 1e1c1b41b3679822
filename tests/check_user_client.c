/*
 * check_user_client.c - fcgi-order/user_client.c: the reading of the user
 * service's answers, which are untrusted input.
 */
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "user_client.h"

START_TEST(test_parse_answer)
{
	static const struct {
		long status;
		const char *body;
		int expect;
	} cases[] = {
		{ 200, "{\"id\":42,\"name\":\"Ada\"}", 1 },
		{ 200, " {\"id\":42} ", 1 },
		{ 404, "", 0 },
		{ 404, "{\"status\":404}", 0 },
		{ 200, "{\"id\":43}", -1 },		/* another user */
		{ 200, "{\"id\":\"42\"}", -1 },
		{ 200, "{\"id\":42.0}", -1 },
		{ 200, "{\"name\":\"Ada\"}", -1 },
		{ 200, "[42]", -1 },
		{ 200, "42", -1 },
		{ 200, "", -1 },
		{ 200, "{\"id\":42", -1 },		/* truncated */
		{ 200, "{\"id\":42} trailing", -1 },
		{ 200, "<html>502 Bad Gateway</html>", -1 },
		{ 200, "{\"id\":99999999999999999999}", -1 },
		{ 200, "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}},\"id\":42}", -1 },
		{ 201, "{\"id\":42}", -1 },
		{ 500, "{\"id\":42}", -1 },
		{ 503, "", -1 },
		{ 0, "", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = user_client_parse_answer(cases[i].status, cases[i].body,
		    strlen(cases[i].body), 42);

		ck_assert_msg(got == cases[i].expect, "%ld %s: expected %d, got %d",
		    cases[i].status, cases[i].body, cases[i].expect, got);
	}
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_UP), "up");
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_DOWN), "down");
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_BREAKER_OPEN), "breaker_open");
}
END_TEST

Suite *
user_client_suite(void)
{
	Suite *s = suite_create("user_client");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_answer);
	tcase_add_test(tc, test_state_names);
	suite_add_tcase(s, tc);
	return s;
}
