/*
 * check_store.h - the store test runner (check_store_main.c): its suites,
 * one per source file under test (check_db.c for db.c and the engines,
 * check_user_store.c, ...), and the fixture they share (store_fixture.c):
 * a fresh database per test on the engine the runner was started for,
 * SQLite (":memory:", or a file in a folder of its own when a test needs
 * to open it twice) or the PostgreSQL server MICROSHOP_TEST_POSTGRESQL
 * names.
 */
#ifndef MICROSHOP_CHECK_STORE_H
#define MICROSHOP_CHECK_STORE_H

#include <check.h>

#include "check_suites.h"
#include "db.h"

Suite *db_suite(void);
Suite *db_rows_suite(void);
Suite *user_store_suite(void);
Suite *user_events_suite(void);
Suite *order_store_suite(void);
Suite *product_store_suite(void);
Suite *idempotency_store_suite(void);
Suite *user_projection_suite(void);

/*
 * Choose the engine from the environment, once, before any suite runs: on
 * PostgreSQL, create the runner's own database (a unique name) on the
 * server. Prints which engine the tests run on. Returns 0, or -1 after
 * saying why (a server named but not reached).
 */
int store_fixture_start(void);

/* Drop the database store_fixture_start created, if any. */
void store_fixture_stop(void);

/* The engine of this run. */
enum db_engine store_fixture_engine(void);

/*
 * 1 if each test runs in a process of its own (not CK_FORK=no, as under
 * valgrind): only then can a test expect an abort.
 */
int store_fixture_forks(void);

/*
 * A fresh, empty database for a test of service ("user", "order", any
 * name): on SQLite ":memory:", or with on_file set a new file; on
 * PostgreSQL the runner's database with its schema dropped and made again.
 * Borrowed until store_fixture_clean. Fails the test when it cannot.
 */
const struct db_config *store_fixture_fresh(const char *service, int on_file);

/*
 * A config for the same database as the last store_fixture_fresh (a second
 * connection, or a reopening). Borrowed until store_fixture_clean.
 */
const struct db_config *store_fixture_again(void);

/*
 * The test's database: store_fixture_fresh(service, 0) opened and migrated
 * to schema, in test_db. Fails the test when it cannot.
 */
extern struct db *test_db;
void store_fixture_open(const struct db_schema *schema, const char *service);

/*
 * PostgreSQL only: run sql on the test's database from a connection of its
 * own (not test_db's). Fails the test when it fails.
 */
void store_fixture_server(const char *sql);

/*
 * A checked fixture's teardown: roll back a write left open by a failed
 * check, close test_db, and remove what store_fixture_fresh made.
 */
void store_fixture_clean(void);

/*
 * Run sql (no parameters; rows past the first are dropped) on test_db in
 * statement slot STORE_FIXTURE_SLOT + n (n < 4: slots no store uses), one
 * text per slot in a test. Returns the first column of the first row as
 * an integer (0 without a row), and fails the test when the statement
 * fails.
 */
#define STORE_FIXTURE_SLOT 20
long long store_fixture_query(unsigned n, const char *sql);

#endif
