/*
 * check_main.c - the unit test runner: every suite in one SRunner. Check's
 * environment variables apply (CK_VERBOSITY, CK_FORK=no for valgrind,
 * CK_RUN_SUITE, CK_RUN_CASE). Exits non-zero when any check fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"

const char *
test_show(const char *s, size_t len, char *buf, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02X", c);
	}
	buf[o] = '\0';
	return buf;
}

int
main(void)
{
	SRunner *sr = srunner_create(text_suite());
	int failed;

	srunner_add_suite(sr, query_suite());
	srunner_add_suite(sr, router_suite());
	srunner_add_suite(sr, json_io_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, peers_suite());
	srunner_add_suite(sr, user_model_suite());
	srunner_add_suite(sr, order_model_suite());
	srunner_add_suite(sr, breaker_suite());
	srunner_add_suite(sr, idempotency_suite());
	srunner_add_suite(sr, user_client_suite());
	srunner_add_suite(sr, user_watch_suite());
	srunner_add_suite(sr, token_suite());
	srunner_add_suite(sr, login_throttle_suite());
	srunner_add_suite(sr, hash_slots_suite());

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
