/*
 * check_store_main.c - the unit test runner of the stores and the database
 * under them: db.c with its two engines, db_rows.c, user_store,
 * user_events, order_store, product_store, user_projection and
 * idempotency_store, each test on a fresh database. On SQLite by default;
 * on PostgreSQL when MICROSHOP_TEST_POSTGRESQL names a server (a libpq URI
 * of a user who may create databases), and then a server that cannot be
 * reached fails the run. Linked without
 * common/serve: a store that needs the serving layer fails to link.
 * Check's environment variables apply (CK_VERBOSITY, CK_FORK=no for
 * valgrind, CK_RUN_SUITE, CK_RUN_CASE). Exits non-zero when any check
 * fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_store.h"
#include "log.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	/* The failures the tests cause on purpose log at the error level. */
	log_init("check_store", LOG_LEVEL_ERROR);
	if (store_fixture_start() < 0)
		return EXIT_FAILURE;
	if (!store_fixture_forks())
		printf("check_store: CK_FORK=no: the tests that expect an abort are left out\n");
	fflush(stdout);
	sr = srunner_create(db_suite());
	srunner_add_suite(sr, db_rows_suite());
	srunner_add_suite(sr, user_store_suite());
	srunner_add_suite(sr, user_events_suite());
	srunner_add_suite(sr, order_store_suite());
	srunner_add_suite(sr, product_store_suite());
	srunner_add_suite(sr, user_projection_suite());
	srunner_add_suite(sr, idempotency_store_suite());

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	store_fixture_stop();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
