/*
 * check_core_main.c - the unit test runner of common/core/: its suites in
 * one SRunner, in a binary linked with the core library alone (and json-c
 * and Check), so that a dependency of the core on an outer layer fails to
 * link. Check's environment variables apply (CK_VERBOSITY, CK_FORK=no for
 * valgrind, CK_RUN_SUITE, CK_RUN_CASE). Exits non-zero when any check fails.
 */
#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner *sr = srunner_create(text_suite());
	int failed;

	srunner_add_suite(sr, query_suite());
	srunner_add_suite(sr, router_suite());
	srunner_add_suite(sr, json_io_suite());
	srunner_add_suite(sr, field_errors_suite());
	srunner_add_suite(sr, if_match_suite());
	srunner_add_suite(sr, media_type_suite());
	srunner_add_suite(sr, http_status_suite());
	srunner_add_suite(sr, peers_suite());
	srunner_add_suite(sr, page_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, trace_suite());

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
