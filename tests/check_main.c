/*
 * check_main.c - the unit test runner of the layers above the core and of
 * the services (check_core_main.c runs the core's): their suites in one
 * SRunner. Check's
 * environment variables apply (CK_VERBOSITY, CK_FORK=no for valgrind,
 * CK_RUN_SUITE, CK_RUN_CASE). Exits non-zero when any check fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner *sr = srunner_create(settings_suite());
	int failed;

	srunner_add_suite(sr, user_model_suite());
	srunner_add_suite(sr, order_model_suite());
	srunner_add_suite(sr, breaker_suite());
	srunner_add_suite(sr, idempotency_suite());
	srunner_add_suite(sr, user_answer_suite());
	srunner_add_suite(sr, user_feed_suite());
	srunner_add_suite(sr, user_watch_suite());
	srunner_add_suite(sr, token_suite());
	srunner_add_suite(sr, login_throttle_suite());
	srunner_add_suite(sr, hash_slots_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, problem_suite());
	srunner_add_suite(sr, request_suite());
	srunner_add_suite(sr, keyring_suite());
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, dispatch_suite());
	srunner_add_suite(sr, request_metrics_suite());
	srunner_add_suite(sr, service_suite());
	srunner_add_suite(sr, password_suite());
	srunner_add_suite(sr, admin_suite());
	srunner_add_suite(sr, event_feed_suite());
	srunner_add_suite(sr, user_client_suite());
	srunner_add_suite(sr, event_consumer_suite());

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
