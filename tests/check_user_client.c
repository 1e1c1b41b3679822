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
		enum user_lookup expect;
	} cases[] = {
		{ 200, "{\"id\":42,\"name\":\"Ada\"}", USER_EXISTS },
		{ 200, " {\"id\":42} ", USER_EXISTS },
		{ 404, "", USER_ABSENT },
		{ 404, "{\"status\":404}", USER_ABSENT },
		{ 410, "", USER_DELETED },
		{ 410, "{\"status\":410}", USER_DELETED },
		{ 200, "{\"id\":43}", USER_UNAVAILABLE },		/* another user */
		{ 200, "{\"id\":\"42\"}", USER_UNAVAILABLE },
		{ 200, "{\"id\":42.0}", USER_UNAVAILABLE },
		{ 200, "{\"name\":\"Ada\"}", USER_UNAVAILABLE },
		{ 200, "[42]", USER_UNAVAILABLE },
		{ 200, "42", USER_UNAVAILABLE },
		{ 200, "", USER_UNAVAILABLE },
		{ 200, "{\"id\":42", USER_UNAVAILABLE },		/* truncated */
		{ 200, "{\"id\":42} trailing", USER_UNAVAILABLE },
		{ 200, "<html>502 Bad Gateway</html>", USER_UNAVAILABLE },
		{ 200, "{\"id\":99999999999999999999}", USER_UNAVAILABLE },
		{ 200, "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}},\"id\":42}", USER_UNAVAILABLE },
		{ 201, "{\"id\":42}", USER_UNAVAILABLE },
		{ 500, "{\"id\":42}", USER_UNAVAILABLE },
		{ 503, "", USER_UNAVAILABLE },
		{ 0, "", USER_UNAVAILABLE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum user_lookup got = user_client_parse_answer(cases[i].status, cases[i].body,
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
	ck_assert_str_eq(user_service_state_name(USER_SERVICE_UNKNOWN), "unknown");
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
