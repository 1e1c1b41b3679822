/*
 * store_fixture.c - a fresh database per store test (check_store.h): the
 * engine chosen once from the environment, SQLite's ":memory:" or a file
 * in a folder of its own, or a database of the runner's own on the
 * PostgreSQL server MICROSHOP_TEST_POSTGRESQL names, its schema dropped
 * and made again for each test (far faster than a database per test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "check_store.h"

#define FIXTURE_ENV "MICROSHOP_TEST_POSTGRESQL"

struct db *test_db;

static enum db_engine engine = DB_SQLITE;
static char pg_test[1024];	/* conninfo of the runner's database */
static char pg_admin[1024];	/* conninfo of the database that holds it */
static char pg_name[64];	/* its name */

/* The test's database and what store_fixture_fresh made for it. */
static struct db_config cfg;
static char sqlite_dir[256];
static char sqlite_path[300];
static struct db_sql raw[4];

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * uri (a libpq URI or key=value string) as key='value' pairs, with dbname
 * set to dbname, or kept (else "postgres") when dbname is NULL, into out
 * (n bytes). Returns 0, or -1 when uri does not parse or out is too small.
 */
static int
conninfo_with(const char *uri, const char *dbname, char *out, size_t n)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &err);
	const char *db = dbname;
	size_t o = 0;
	int rc = 0;

	if (opts == NULL) {
		fprintf(stderr, "check_store: %s: %s", FIXTURE_ENV, err ? err : "out of memory\n");
		PQfreemem(err);
		return -1;
	}
	for (PQconninfoOption *p = opts; p->keyword != NULL; p++)
		if (dbname == NULL && strcmp(p->keyword, "dbname") == 0 && p->val != NULL)
			db = p->val;
	out[0] = '\0';
	for (PQconninfoOption *p = opts; p->keyword != NULL && rc == 0; p++) {
		const char *v = strcmp(p->keyword, "dbname") == 0 ? (db ? db : "postgres") : p->val;

		if (v == NULL)
			continue;
		if (o + strlen(p->keyword) + 4 >= n) {
			rc = -1;
			break;
		}
		o += (size_t)snprintf(out + o, n - o, "%s%s='", o ? " " : "", p->keyword);
		for (const char *c = v; *c != '\0' && rc == 0; c++) {
			if (o + 4 >= n)
				rc = -1;
			else if (*c == '\'' || *c == '\\')
				o += (size_t)snprintf(out + o, n - o, "\\%c", *c);
			else
				out[o++] = *c;
		}
		if (rc == 0)
			out[o++] = '\'';
		out[o] = '\0';
	}
	PQconninfoFree(opts);
	if (rc < 0)
		fprintf(stderr, "check_store: %s: too long\n", FIXTURE_ENV);
	return rc;
}

/* Run sql on the database of conninfo. Returns 0, or -1 after saying why. */
static int
pg_run(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *res = NULL;
	int rc = -1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "check_store: %s: %s", FIXTURE_ENV, PQerrorMessage(c));
		goto out;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "check_store: %s: %s", sql, PQerrorMessage(c));
		goto out;
	}
	rc = 0;
out:
	PQclear(res);
	PQfinish(c);
	return rc;
}

/* The server's version, for the line that says where the tests run. */
static void
pg_version(char *out, size_t n)
{
	PGconn *c = PQconnectdb(pg_test);

	snprintf(out, n, "%s", "?");
	if (PQstatus(c) == CONNECTION_OK)
		snprintf(out, n, "%s", PQparameterStatus(c, "server_version"));
	PQfinish(c);
}

int
store_fixture_start(void)
{
	const char *uri = getenv(FIXTURE_ENV);
	char sql[128], version[64];

	if (uri == NULL) {
		printf("check_store: on SQLite %s only, a fresh :memory: database per test "
		    "(%s=postgresql://USER@HOST:PORT runs them on PostgreSQL)\n",
		    sqlite3_libversion(), FIXTURE_ENV);
		return 0;
	}
	engine = DB_POSTGRESQL;
	if (*uri == '\0') {
		fprintf(stderr, "check_store: %s is set but names no server\n", FIXTURE_ENV);
		return -1;
	}
	snprintf(pg_name, sizeof(pg_name), "microshop_check_store_%ld", (long)getpid());
	if (conninfo_with(uri, NULL, pg_admin, sizeof(pg_admin)) < 0 ||
	    conninfo_with(uri, pg_name, pg_test, sizeof(pg_test)) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", pg_name);
	if (pg_run(pg_admin, sql) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_name);
	if (pg_run(pg_admin, sql) < 0)
		return -1;
	pg_version(version, sizeof(version));
	printf("check_store: on PostgreSQL %s, in database %s (%s), its schema made again "
	    "for each test\n", version, pg_name, FIXTURE_ENV);
	return 0;
}

void
store_fixture_stop(void)
{
	char sql[128];

	if (engine != DB_POSTGRESQL || pg_name[0] == '\0')
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_name);
	pg_run(pg_admin, sql);
}

enum db_engine
store_fixture_engine(void)
{
	return engine;
}

int
store_fixture_forks(void)
{
	const char *f = getenv("CK_FORK");

	return f == NULL || strcmp(f, "no") != 0;
}

const struct db_config *
store_fixture_fresh(const char *service, int on_file)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.service = service;
	cfg.engine = engine;
	cfg.synchronous_full = 1;
	if (engine == DB_POSTGRESQL) {
		ck_assert_msg(pg_run(pg_test, "DROP SCHEMA IF EXISTS public CASCADE;"
		    " CREATE SCHEMA public") == 0, "cannot empty database %s", pg_name);
		cfg.path = pg_test;
	} else if (on_file) {
		snprintf(sqlite_dir, sizeof(sqlite_dir), "%s/check_store.XXXXXX",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
		ck_assert_msg(mkdtemp(sqlite_dir) != NULL, "cannot make %s", sqlite_dir);
		snprintf(sqlite_path, sizeof(sqlite_path), "%s/test.db", sqlite_dir);
		cfg.path = sqlite_path;
	} else {
		cfg.path = ":memory:";
	}
	return &cfg;
}

const struct db_config *
store_fixture_again(void)
{
	return &cfg;
}

void
store_fixture_open(const struct db_schema *schema, const char *service)
{
	test_db = db_open(store_fixture_fresh(service, 0), schema, 1);
	ck_assert_msg(test_db != NULL, "a fresh %s database did not open",
	    engine == DB_POSTGRESQL ? "PostgreSQL" : "SQLite");
}

void
store_fixture_server(const char *sql)
{
	ck_assert_msg(engine == DB_POSTGRESQL && pg_run(pg_test, sql) == 0, "%s: failed", sql);
}

void
store_fixture_clean(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[320];

	if (test_db != NULL)
		db_end_write(test_db, STORE_ERR);	/* nothing when no write is open */
	db_close(test_db);
	test_db = NULL;
	memset(raw, 0, sizeof(raw));
	if (sqlite_dir[0] != '\0') {
		for (size_t i = 0; i < N_ELEMS(suffixes); i++) {
			snprintf(path, sizeof(path), "%s%s", sqlite_path, suffixes[i]);
			unlink(path);
		}
		rmdir(sqlite_dir);
		sqlite_dir[0] = '\0';
	}
}

long long
store_fixture_query(unsigned n, const char *sql)
{
	struct db_stmt *st;
	long long v = 0;
	int rc;

	ck_assert_uint_lt(n, N_ELEMS(raw));
	ck_assert_msg(raw[n].sql == NULL || strcmp(raw[n].sql, sql) == 0,
	    "raw slot %u holds another statement", n);
	raw[n].sql = sql;
	st = db_stmt(test_db, STORE_FIXTURE_SLOT + n, &raw[n]);
	ck_assert_msg(st != NULL, "%s: not prepared", sql);
	rc = db_step(st);
	if (rc == DB_ROW)
		v = (long long)db_column_int64(st, 0);
	db_reset(st);
	ck_assert_msg(rc >= 0, "%s: failed (%d)", sql, db_failure(test_db));
	return v;
}
