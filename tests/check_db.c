/*
 * check_db.c - common/db/db.c and its engines (db_sqlite.c, db_pg.c), on
 * the engine of the run: opening and migrating (a fresh database, one
 * already migrated, one behind, one newer than the build, a migration that
 * fails, a database that cannot be reached), statements (the cache, each
 * engine's own text, parameters and columns of every type), one-row
 * statements, write transactions (COMMIT, ROLLBACK, what another
 * connection sees), constraints answered STORE_CONFLICT, and readiness.
 * The write tests run again with group commit (db_batch.c), where a write
 * is a SAVEPOINT in a batch on the process's writer connection, and
 * threads writing at once keep exactly the writes that succeeded.
 * A few tests are one engine's own: a replaced SQLite file, a cut
 * PostgreSQL connection, a PostgreSQL database of another service.
 * db_config_parse is tested in check_settings.c.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check_store.h"
#include "db_rows.h"

#define THINGS_SQLITE \
	"CREATE TABLE things (" \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  name TEXT NOT NULL UNIQUE," \
	"  n INTEGER," \
	"  score INTEGER NOT NULL DEFAULT 0 CHECK (score >= 0)," \
	"  data BLOB" \
	") STRICT;"
#define THINGS_POSTGRESQL \
	"CREATE TABLE things (" \
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY," \
	"  name text NOT NULL UNIQUE," \
	"  n bigint," \
	"  score bigint NOT NULL DEFAULT 0 CHECK (score >= 0)," \
	"  data bytea" \
	");"

static const char *const things_sqlite[] = {
	THINGS_SQLITE,
	"CREATE TABLE marks (thing_id INTEGER NOT NULL REFERENCES things (id)) STRICT;",
};
static const char *const things_postgresql[] = {
	THINGS_POSTGRESQL,
	"CREATE TABLE marks (thing_id bigint NOT NULL REFERENCES things (id));",
};

/* Version 2, the build's. */
static DB_SCHEMA(things, things_sqlite, things_postgresql);
/* Version 1 of the same schema: an older build. */
static const struct db_schema things_v1 = { things_sqlite, things_postgresql, 1 };

static const char *const broken_sqlite[] = { THINGS_SQLITE, "CREATE TABLE oops (" };
static const char *const broken_postgresql[] = { THINGS_POSTGRESQL, "CREATE TABLE oops (" };
/* Its second migration fails. */
static DB_SCHEMA(broken, broken_sqlite, broken_postgresql);

static const struct db_sql insert_sql = {
	"INSERT INTO things (name, n, data) VALUES (?1, ?2, ?3) RETURNING id", NULL };
static const struct db_sql count_sql = { "SELECT count(*) FROM things", NULL };
static const struct db_sql get_sql = {
	"SELECT name, n, data, score FROM things WHERE id = ?1", NULL };

/* Insert a thing on db: its id, or -1 with *st the answer. */
static int64_t
insert(struct db *db, const char *name, int64_t n, enum store_status *st)
{
	struct db_stmt *s = db_stmt(db, 0, &insert_sql);
	int64_t id = -1;
	int rc;

	ck_assert_ptr_nonnull(s);
	db_bind_text(s, 1, name);
	db_bind_int64(s, 2, n);
	db_bind_null(s, 3);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_reset(s);
	*st = rc == DB_ROW ? STORE_OK : db_failure(db);
	return id;
}

static int64_t
insert_ok(struct db *db, const char *name, int64_t n)
{
	enum store_status st;
	int64_t id = insert(db, name, n, &st);

	ck_assert_msg(st == STORE_OK, "insert %s: %d", name, st);
	return id;
}

static int64_t
count(struct db *db)
{
	struct db_stmt *s = db_stmt(db, 1, &count_sql);
	int64_t n;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(db_step(s), DB_ROW);
	n = db_column_int64(s, 0);
	db_reset(s);
	return n;
}

static void
setup(void)
{
	store_fixture_open(&things, "test");
}

/* ------------------------------------------------------------------ */
/* Opening and migrating                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_open_fresh)
{
	const char *why = "unset";

	test_db = db_open(store_fixture_fresh("test", 0), &things, 1);
	ck_assert_ptr_nonnull(test_db);
	ck_assert_int_eq(db_ready(test_db, &why), 0);
	ck_assert_ptr_null(why);
	/* Both migrations ran: a mark must name a thing. */
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM marks"), 0);
	ck_assert_int_eq(count(test_db), 0);
}
END_TEST

/*
 * Migrate cfg's database to first, keep a row, migrate it to second: the
 * row is still there.
 */
static void
migrated_keeps(const struct db_config *cfg, const struct db_schema *first,
    const struct db_schema *second)
{
	ck_assert_int_eq(db_migrate(cfg, first), 0);
	test_db = db_open(cfg, first, 0);
	ck_assert_ptr_nonnull(test_db);
	insert_ok(test_db, "kept", 1);
	db_close(test_db);
	ck_assert_int_eq(db_migrate(cfg, second), 0);
	test_db = db_open(cfg, second, 0);
	ck_assert_ptr_nonnull(test_db);
	ck_assert_int_eq(count(test_db), 1);
}

/* Migrating again finds nothing to do. */
START_TEST(test_open_migrated)
{
	migrated_keeps(store_fixture_fresh("test", 1), &things, &things);
}
END_TEST

START_TEST(test_open_behind)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);

	ck_assert_int_eq(db_migrate(cfg, &things_v1), 0);
	/* A worker does not migrate: a database behind the build is refused. */
	ck_assert_ptr_null(db_open(cfg, &things, 0));
	/* The next migration keeps what version 1 held. */
	migrated_keeps(cfg, &things_v1, &things);
}
END_TEST

START_TEST(test_open_newer_refused)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);

	ck_assert_int_eq(db_migrate(cfg, &things), 0);
	/* An older build must not serve a database a newer one migrated. */
	ck_assert_ptr_null(db_open(cfg, &things_v1, 1));
	ck_assert_ptr_null(db_open(cfg, &things_v1, 0));
	ck_assert_int_eq(db_migrate(cfg, &things_v1), -1);
	test_db = db_open(cfg, &things, 0);
	ck_assert_ptr_nonnull(test_db);
}
END_TEST

START_TEST(test_migration_fails)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);
	struct db *v1;

	ck_assert_ptr_null(db_open(cfg, &broken, 1));
	/*
	 * SQLite applies each migration in a transaction of its own, so the
	 * first stays; PostgreSQL applies them all in one, so none does.
	 */
	v1 = db_open(cfg, &things_v1, 0);
	if (store_fixture_engine() == DB_SQLITE)
		ck_assert_ptr_nonnull(v1);
	else
		ck_assert_ptr_null(v1);
	db_close(v1);
	/* A good build migrates it after all. */
	ck_assert_int_eq(db_migrate(cfg, &things), 0);
	test_db = db_open(cfg, &things, 0);
	ck_assert_ptr_nonnull(test_db);
}
END_TEST

START_TEST(test_open_unreachable)
{
	const struct db_config *fresh = store_fixture_fresh("test", 0);
	struct db_config cfg = *fresh;
	char path[1100];

	if (cfg.engine == DB_SQLITE)
		snprintf(path, sizeof(path), "/nonexistent/folder/test.db");
	else
		snprintf(path, sizeof(path), "%s port=1", fresh->path);	/* the last wins */
	cfg.path = path;
	ck_assert_ptr_null(db_open(&cfg, &things, 1));
	ck_assert_int_eq(db_migrate(&cfg, &things), -1);
}
END_TEST

/* PostgreSQL: one database holds one service's tables. */
START_TEST(test_open_other_service)
{
	const struct db_config *fresh = store_fixture_fresh("test", 0);
	struct db_config cfg = *fresh;

	ck_assert_int_eq(db_migrate(&cfg, &things), 0);
	cfg.service = "other";
	ck_assert_ptr_null(db_open(&cfg, &things, 1));
	ck_assert_ptr_null(db_open(&cfg, &things, 0));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Statements, parameters and columns                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_columns)
{
	static const unsigned char blob[] = { 0x00, 0xff, 0x27, 0x5c, 0x00, 0x80, 'x' };
	static const char name[] = "Zo\xc3\xab 'quoted' \\ ?1";
	static const struct db_sql ins = {
		"INSERT INTO things (name, n, data) VALUES (?1, ?2, ?3) RETURNING id", NULL };
	const int64_t values[] = { INT64_MAX, INT64_MIN, 0, -1 };
	struct db_stmt *st;
	char copy[8];
	size_t len;

	for (size_t i = 0; i < N_ELEMS(values); i++) {
		const void *p;
		int64_t id;

		st = db_stmt(test_db, 2, &ins);
		ck_assert_ptr_nonnull(st);
		snprintf(copy, sizeof(copy), "n%zu", i);
		db_bind_text(st, 1, i == 0 ? name : copy);
		db_bind_int64(st, 2, values[i]);
		if (i == 0)
			db_bind_blob(st, 3, blob, sizeof(blob));
		else
			db_bind_null(st, 3);
		ck_assert_int_eq(db_step(st), DB_ROW);
		id = db_column_int64(st, 0);
		db_reset(st);

		st = db_stmt(test_db, 3, &get_sql);
		ck_assert_ptr_nonnull(st);
		db_bind_int64(st, 1, id);
		ck_assert_int_eq(db_step(st), DB_ROW);
		ck_assert_int_eq(db_column_int64(st, 1), values[i]);
		ck_assert_int_eq(db_column_int64(st, 3), 0);	/* the default */
		p = db_column_blob(st, 2, &len);
		if (i == 0) {
			ck_assert_str_eq(db_column_text(st, 0), name);
			ck_assert_uint_eq(len, sizeof(blob));
			ck_assert_mem_eq(p, blob, sizeof(blob));
			/* A copy is cut to its buffer, and ends in NUL. */
			db_column_copy(st, 0, copy, sizeof(copy));
			ck_assert_str_eq(copy, "Zo\xc3\xab 'q");
		} else {
			ck_assert_ptr_null(p);
			ck_assert_uint_eq(len, 0);
		}
		ck_assert_int_eq(db_step(st), DB_DONE);
		db_reset(st);
	}
}
END_TEST

START_TEST(test_null_text)
{
	static const struct db_sql sql = { "SELECT CAST(NULL AS TEXT), CAST(?1 AS TEXT)", NULL };
	struct db_stmt *st = db_stmt(test_db, 2, &sql);
	char copy[8] = "dirty";

	ck_assert_ptr_nonnull(st);
	db_bind_text(st, 1, NULL);	/* NULL text binds SQL NULL */
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_ptr_null(db_column_text(st, 0));
	ck_assert_ptr_null(db_column_text(st, 1));
	db_column_copy(st, 0, copy, sizeof(copy));
	ck_assert_str_eq(copy, "");
	ck_assert_int_eq(db_column_int64(st, 0), 0);
	db_reset(st);
}
END_TEST

START_TEST(test_rows_in_order)
{
	static const struct db_sql sql = { "SELECT name FROM things WHERE n >= ?1 ORDER BY id",
	    NULL };
	static const char *const names[] = { "a", "b", "c", "d" };
	struct db_stmt *st;

	for (size_t i = 0; i < N_ELEMS(names); i++)
		insert_ok(test_db, names[i], (int64_t)i);
	st = db_stmt(test_db, 2, &sql);
	ck_assert_ptr_nonnull(st);
	db_bind_int64(st, 1, 1);
	for (size_t i = 1; i < N_ELEMS(names); i++) {
		ck_assert_int_eq(db_step(st), DB_ROW);
		ck_assert_str_eq(db_column_text(st, 0), names[i]);
	}
	ck_assert_int_eq(db_step(st), DB_DONE);
	db_reset(st);
}
END_TEST

START_TEST(test_statement_cached)
{
	static const struct db_sql sql = { "SELECT CAST(?1 AS TEXT) || '!'", NULL };
	struct db_stmt *first = db_stmt(test_db, 2, &sql), *again;

	ck_assert_ptr_nonnull(first);
	db_bind_text(first, 1, "one");
	ck_assert_int_eq(db_step(first), DB_ROW);
	ck_assert_str_eq(db_column_text(first, 0), "one!");
	/* Asked for again before its reset: the same statement, reset. */
	again = db_stmt(test_db, 2, &sql);
	ck_assert_ptr_eq(again, first);
	db_bind_text(again, 1, "two");
	ck_assert_int_eq(db_step(again), DB_ROW);
	ck_assert_str_eq(db_column_text(again, 0), "two!");
	db_reset(again);
	db_reset(NULL);
}
END_TEST

START_TEST(test_engine_text)
{
	/* ?N in a literal stays as it is; PostgreSQL reads the others as $N. */
	static const struct db_sql both = { "SELECT '?1', CAST(?1 AS TEXT), CAST(?2 AS TEXT)",
	    NULL };
	/* A second text replaces the first on PostgreSQL. */
	static const struct db_sql own = { "SELECT 'sqlite'", "SELECT 'postgresql'" };
	struct db_stmt *st = db_stmt(test_db, 2, &both);

	ck_assert_ptr_nonnull(st);
	db_bind_text(st, 1, "one");
	db_bind_text(st, 2, "two");
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_column_text(st, 0), "?1");
	ck_assert_str_eq(db_column_text(st, 1), "one");
	ck_assert_str_eq(db_column_text(st, 2), "two");
	db_reset(st);
	st = db_stmt(test_db, 3, &own);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_str_eq(db_column_text(st, 0),
	    store_fixture_engine() == DB_SQLITE ? "sqlite" : "postgresql");
	db_reset(st);
}
END_TEST

START_TEST(test_prepare_fails)
{
	static const struct db_sql bad = { "SELECT FROM WHERE", NULL };
	static const struct db_sql fine = { "SELECT 1", NULL };
	struct db_stmt *st;

	/* PostgreSQL prepares on the server at the first step. */
	st = db_stmt(test_db, 2, &bad);
	if (st != NULL)
		ck_assert_int_eq(db_step(st), -1);
	ck_assert_int_eq(db_failure(test_db), STORE_ERR);
	db_reset(st);
	ck_assert_ptr_null(db_stmt(test_db, DB_MAX_STATEMENTS, &fine));
	ck_assert_int_eq(db_failure(test_db), STORE_ERR);
	/* The connection still works. */
	ck_assert_ptr_nonnull(db_stmt(test_db, 3, &fine));
	ck_assert_int_eq(db_ping(test_db), 0);
}
END_TEST

/* One slot asked for with two statements: two modules' ranges overlap. */
START_TEST(test_slot_taken_aborts)
{
	static const struct db_sql one = { "SELECT 1", NULL };
	static const struct db_sql two = { "SELECT 2", NULL };

	ck_assert_ptr_nonnull(db_stmt(test_db, 2, &one));
	db_stmt(test_db, 2, &two);
}
END_TEST

/* ------------------------------------------------------------------ */
/* One-row statements                                                  */
/* ------------------------------------------------------------------ */

static void
read_name(struct db_stmt *st, void *out)
{
	db_column_copy(st, 0, out, 32);
}

START_TEST(test_step_one)
{
	static const struct db_sql sql = { "SELECT name FROM things WHERE n = ?1", NULL };
	char name[32] = "untouched";
	struct db_stmt *st;

	insert_ok(test_db, "one", 1);
	insert_ok(test_db, "two", 2);
	insert_ok(test_db, "two again", 2);
	st = db_stmt(test_db, 2, &sql);
	db_bind_int64(st, 1, 1);
	ck_assert_int_eq(db_step_one(st, read_name, name), STORE_OK);
	ck_assert_str_eq(name, "one");
	st = db_stmt(test_db, 2, &sql);
	db_bind_int64(st, 1, 3);
	strcpy(name, "untouched");
	ck_assert_int_eq(db_step_one(st, read_name, name), STORE_NOT_FOUND);
	ck_assert_str_eq(name, "untouched");
	/* More than one row is not what the statement promised. */
	st = db_stmt(test_db, 2, &sql);
	db_bind_int64(st, 1, 2);
	ck_assert_int_eq(db_step_one(st, read_name, name), STORE_ERR);
}
END_TEST

START_TEST(test_exec_stmt)
{
	static const struct db_sql upd = { "UPDATE things SET n = n + 1 WHERE name = ?1", NULL };
	static const struct db_sql sel = { "SELECT 1", NULL };
	struct db_stmt *st;

	insert_ok(test_db, "a", 1);
	st = db_stmt(test_db, 2, &upd);
	db_bind_text(st, 1, "a");
	ck_assert_int_eq(db_exec_stmt(st), STORE_OK);
	ck_assert_int_eq(store_fixture_query(0, "SELECT n FROM things WHERE name = 'a'"), 2);
	/* A statement run for no row that returns one. */
	ck_assert_int_eq(db_exec_stmt(db_stmt(test_db, 3, &sel)), STORE_ERR);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Constraints                                                         */
/* ------------------------------------------------------------------ */

START_TEST(test_constraints_conflict)
{
	static const struct db_sql score = { "UPDATE things SET score = ?2 WHERE id = ?1", NULL };
	static const struct db_sql null_name = { "UPDATE things SET name = NULL WHERE id = ?1",
	    NULL };
	static const struct db_sql mark = { "INSERT INTO marks (thing_id) VALUES (?1)", NULL };
	enum store_status st;
	struct db_stmt *s;
	int64_t id = insert_ok(test_db, "unique", 1);

	/* UNIQUE */
	ck_assert_int_eq(insert(test_db, "unique", 2, &st), -1);
	ck_assert_int_eq(st, STORE_CONFLICT);
	/* CHECK */
	s = db_stmt(test_db, 2, &score);
	db_bind_int64(s, 1, id);
	db_bind_int64(s, 2, -1);
	ck_assert_int_eq(db_exec_stmt(s), STORE_CONFLICT);
	/* NOT NULL */
	s = db_stmt(test_db, 3, &null_name);
	db_bind_int64(s, 1, id);
	ck_assert_int_eq(db_exec_stmt(s), STORE_CONFLICT);
	/* FOREIGN KEY (SQLite's are on) */
	s = db_stmt(test_db, 4, &mark);
	db_bind_int64(s, 1, id + 100);
	ck_assert_int_eq(db_exec_stmt(s), STORE_CONFLICT);
	s = db_stmt(test_db, 4, &mark);
	db_bind_int64(s, 1, id);
	ck_assert_int_eq(db_exec_stmt(s), STORE_OK);
	ck_assert_int_eq(count(test_db), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Write transactions                                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_write_commit)
{
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	insert_ok(test_db, "a", 1);
	insert_ok(test_db, "b", 2);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	ck_assert_int_eq(count(test_db), 2);
	/* The next write can begin: the first one ended. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
}
END_TEST

START_TEST(test_write_rollback)
{
	enum store_status st;

	insert_ok(test_db, "before", 0);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	insert_ok(test_db, "a", 1);
	ck_assert_int_eq(count(test_db), 2);
	/* A refusal the store decided ends the write with nothing kept. */
	ck_assert_int_eq(db_end_write(test_db, STORE_STALE), STORE_STALE);
	ck_assert_int_eq(count(test_db), 1);

	/* So does a statement that failed, with what came before it. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	insert_ok(test_db, "b", 1);
	insert(test_db, "before", 2, &st);
	ck_assert_int_eq(st, STORE_CONFLICT);
	ck_assert_int_eq(db_end_write(test_db, st), STORE_CONFLICT);
	ck_assert_int_eq(count(test_db), 1);
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM things WHERE name = 'b'"),
	    0);
}
END_TEST

START_TEST(test_write_not_begun)
{
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_ERR);
	ck_assert_int_eq(db_end_write(test_db, STORE_NOT_FOUND), STORE_NOT_FOUND);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Group commit                                                        */
/* ------------------------------------------------------------------ */

static struct db_config batched_cfg;

/* test_db writes through a batch of at most 8 writes (on a file). */
static void
setup_batched(void)
{
	batched_cfg = *store_fixture_fresh("test", 1);
	ck_assert_int_eq(db_migrate(&batched_cfg, &things), 0);
	batched_cfg.batch_max = 8;
	batched_cfg.batch_wait_us = 2000;
	ck_assert_int_eq(db_batch_start(&batched_cfg, &things), 0);
	ck_assert_ptr_nonnull(batched_cfg.batch);
	test_db = db_open(&batched_cfg, &things, 0);
	ck_assert_ptr_nonnull(test_db);
}

static void
teardown_batched(void)
{
	db_end_write(test_db, STORE_ERR);
	db_close(test_db);
	test_db = NULL;
	db_batch_stop(&batched_cfg);
	store_fixture_clean();
}

#define BATCH_THREADS 8
#define BATCH_WRITES 30

/*
 * One thread's writes, each its own transaction: write i inserts a thing,
 * and keeps it unless i % 3 == 1 (the store refuses it: STORE_STALE) or
 * i % 5 == 2 (a second insert of the same name: a constraint). Counts
 * the answers that were not what the write asked for.
 */
static void *
batch_writer(void *arg)
{
	long t = (long)arg, wrong = 0;
	struct db *db = db_open(&batched_cfg, &things, 0);
	enum store_status st, want;
	char name[32];

	for (int i = 0; db != NULL && i < BATCH_WRITES; i++) {
		snprintf(name, sizeof(name), "t%ld-%d", t, i);
		if (db_begin_write(db) != STORE_OK) {
			wrong++;
			continue;
		}
		insert(db, name, i, &st);
		want = i % 3 == 1 ? STORE_STALE : STORE_OK;
		if (st == STORE_OK && i % 5 == 2 && want == STORE_OK) {
			insert(db, name, i, &st);
			want = STORE_CONFLICT;
		}
		if (st == STORE_OK)
			st = want;
		wrong += db_end_write(db, st) != want;
	}
	db_close(db);
	return (void *)(db != NULL ? wrong : -1);
}

START_TEST(test_batch_threads)
{
	pthread_t th[BATCH_THREADS];
	long kept = 0, wrong = 0;
	void *r;

	for (long t = 0; t < BATCH_THREADS; t++)
		ck_assert_int_eq(pthread_create(&th[t], NULL, batch_writer, (void *)t), 0);
	for (long t = 0; t < BATCH_THREADS; t++) {
		pthread_join(th[t], &r);
		wrong += (long)r;
	}
	for (int i = 0; i < BATCH_WRITES; i++)
		kept += i % 3 != 1 && i % 5 != 2;
	ck_assert_int_eq(wrong, 0);
	ck_assert_int_eq(count(test_db), kept * BATCH_THREADS);
	/* A refused write's thing is nowhere, whatever its batch kept. */
	ck_assert_int_eq(store_fixture_query(0,
	    "SELECT count(*) FROM things WHERE n % 3 = 1 OR n % 5 = 2"), 0);
}
END_TEST

START_TEST(test_batch_off)
{
	struct db_config one = *store_fixture_fresh("test", 1);

	one.batch_max = 1;
	ck_assert_int_eq(db_batch_start(&one, &things), 0);
	ck_assert_ptr_null(one.batch);
	db_batch_stop(&one);
}
END_TEST

START_TEST(test_write_seen_after_commit)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);
	struct db *other;

	test_db = db_open(cfg, &things, 1);
	ck_assert_ptr_nonnull(test_db);
	other = db_open(store_fixture_again(), &things, 0);
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	insert_ok(test_db, "a", 1);
	ck_assert_int_eq(count(other), 0);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	ck_assert_int_eq(count(other), 1);
	db_close(other);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Readiness                                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_ready)
{
	const char *why = "unset";

	ck_assert_int_eq(db_ping(test_db), 0);
	ck_assert_int_eq(db_ready(test_db, &why), 0);
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(test_ready_schema_moved_on)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);
	const char *why = NULL;

	ck_assert_int_eq(db_migrate(cfg, &things_v1), 0);
	test_db = db_open(cfg, &things_v1, 0);
	ck_assert_ptr_nonnull(test_db);
	ck_assert_int_eq(db_ready(test_db, &why), 0);
	/* A newer build migrated the database under this connection. */
	ck_assert_int_eq(db_migrate(cfg, &things), 0);
	ck_assert_int_eq(db_ping(test_db), 0);
	ck_assert_int_eq(db_ready(test_db, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "schema"));
}
END_TEST

START_TEST(test_now)
{
	char now[DB_TIME_LEN];

	db_now(now);
	ck_assert_uint_eq(strlen(now), DB_TIME_LEN - 1);
	for (size_t i = 0; i < DB_TIME_LEN - 1; i++) {
		const char *form = "dddd-dd-ddTdd:dd:ddZ";

		if (form[i] == 'd')
			ck_assert_msg(now[i] >= '0' && now[i] <= '9', "%s", now);
		else
			ck_assert_msg(now[i] == form[i], "%s", now);
	}
	/* Any time in the same form, and the forms order as the times do. */
	db_time(0, now);
	ck_assert_str_eq(now, "1970-01-01T00:00:00Z");
	db_time(1796154210, now);
	ck_assert_str_eq(now, "2026-12-01T19:43:30Z");
	ck_assert_int_lt(strcmp("2026-12-01T19:43:29Z", now), 0);
	db_close(NULL);
}
END_TEST

/* SQLite: a file deleted under an open connection does not answer. */
START_TEST(test_sqlite_file_replaced)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);
	const char *why = NULL;

	test_db = db_open(cfg, &things, 1);
	ck_assert_ptr_nonnull(test_db);
	ck_assert_int_eq(unlink(cfg->path), 0);
	ck_assert_int_eq(db_ping(test_db), -1);
	ck_assert_int_eq(db_failure(test_db), STORE_UNAVAILABLE);
	ck_assert_int_eq(db_begin_write(test_db), STORE_UNAVAILABLE);
	ck_assert_int_eq(db_ready(test_db, &why), -1);
	ck_assert_str_eq(why, "the database does not answer");
}
END_TEST

/* Ends the write transaction of the connection arg after 300 ms. */
static void *
commit_later(void *arg)
{
	usleep(300 * 1000);
	ck_assert_int_eq(sqlite3_exec(arg, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	return NULL;
}

/*
 * SQLite: a new file is switched to WAL while another connection writes
 * it, as when instances start together on one new file. The switch must
 * wait for the writer, not fail: on the code before, it answered
 * SQLITE_BUSY at once and the instance stopped (event=db_unusable).
 */
START_TEST(test_sqlite_wal_switch_waits)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);
	sqlite3 *other;
	pthread_t th;

	ck_assert_int_eq(sqlite3_open(cfg->path, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(pthread_create(&th, NULL, commit_later, other), 0);
	test_db = db_open(cfg, &things, 1);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(sqlite3_close(other), SQLITE_OK);
	ck_assert_ptr_nonnull(test_db);
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM marks"), 0);
}
END_TEST

/* PostgreSQL: a cut connection fails one call, then is opened again. */
START_TEST(test_pg_connection_cut)
{
	static const struct db_sql sql = { "SELECT count(*) FROM things", NULL };
	struct db_stmt *st;

	insert_ok(test_db, "a", 1);
	/* Waits (up to 5 s) until the other connection's server process ended. */
	store_fixture_server("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
	    " WHERE datname = current_database() AND pid <> pg_backend_pid()");
	st = db_stmt(test_db, 2, &sql);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(db_step(st), -1);
	ck_assert_int_eq(db_failure(test_db), STORE_UNAVAILABLE);
	db_reset(st);
	/* The next call connects again, and prepares its statements again. */
	st = db_stmt(test_db, 2, &sql);
	ck_assert_int_eq(db_step(st), DB_ROW);
	ck_assert_int_eq(db_column_int64(st, 0), 1);
	db_reset(st);
	ck_assert_int_eq(count(test_db), 1);
}
END_TEST

/*
 * PostgreSQL: a connection cut inside a write transaction takes the write
 * with it, and the transaction fails to its end: no statement after the
 * cut connects again (each would be a transaction of its own, kept) and
 * the COMMIT does not answer STORE_OK. On the code before, the next
 * statement connected again and was kept, and the COMMIT, finding no
 * transaction, got a warning only and answered STORE_OK.
 */
START_TEST(test_pg_cut_inside_write)
{
	enum store_status st;

	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	insert_ok(test_db, "lost", 1);
	store_fixture_server("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
	    " WHERE datname = current_database() AND pid <> pg_backend_pid()");
	ck_assert_int_eq(insert(test_db, "found the cut", 2, &st), -1);
	ck_assert_int_eq(st, STORE_UNAVAILABLE);
	ck_assert_int_eq(insert(test_db, "after it", 3, &st), -1);
	ck_assert_int_eq(st, STORE_UNAVAILABLE);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_UNAVAILABLE);
	/* The next transaction connects again, and finds nothing kept. */
	ck_assert_int_eq(count(test_db), 0);
}
END_TEST

Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *open = tcase_create("open");
	TCase *stmts = tcase_create("statements");
	TCase *writes = tcase_create("writes");
	TCase *batched = tcase_create("group commit");
	TCase *ready = tcase_create("ready");

	/* The tests that open their own database clean up the same way. */
	tcase_add_checked_fixture(open, NULL, store_fixture_clean);
	tcase_add_test(open, test_open_fresh);
	tcase_add_test(open, test_open_migrated);
	tcase_add_test(open, test_open_behind);
	tcase_add_test(open, test_open_newer_refused);
	tcase_add_test(open, test_migration_fails);
	tcase_add_test(open, test_open_unreachable);
	tcase_add_test(open, test_write_seen_after_commit);
	tcase_add_test(open, test_ready_schema_moved_on);
	if (store_fixture_engine() == DB_POSTGRESQL)
		tcase_add_test(open, test_open_other_service);
	else {
		tcase_add_test(open, test_sqlite_file_replaced);
		tcase_add_test(open, test_sqlite_wal_switch_waits);
	}
	suite_add_tcase(s, open);

	tcase_add_checked_fixture(stmts, setup, store_fixture_clean);
	tcase_add_test(stmts, test_columns);
	tcase_add_test(stmts, test_null_text);
	tcase_add_test(stmts, test_rows_in_order);
	tcase_add_test(stmts, test_statement_cached);
	tcase_add_test(stmts, test_engine_text);
	tcase_add_test(stmts, test_prepare_fails);
	tcase_add_test(stmts, test_step_one);
	tcase_add_test(stmts, test_exec_stmt);
	tcase_add_test(stmts, test_constraints_conflict);
	/* An abort ends the runner itself without fork (CK_FORK=no). */
	if (store_fixture_forks())
		tcase_add_test_raise_signal(stmts, test_slot_taken_aborts, SIGABRT);
	suite_add_tcase(s, stmts);

	tcase_add_checked_fixture(writes, setup, store_fixture_clean);
	tcase_add_test(writes, test_write_commit);
	tcase_add_test(writes, test_write_rollback);
	tcase_add_test(writes, test_write_not_begun);
	suite_add_tcase(s, writes);

	tcase_add_checked_fixture(batched, setup_batched, teardown_batched);
	tcase_add_test(batched, test_write_commit);
	tcase_add_test(batched, test_write_rollback);
	tcase_add_test(batched, test_write_not_begun);
	tcase_add_test(batched, test_batch_threads);
	suite_add_tcase(s, batched);
	tcase_add_test(open, test_batch_off);

	tcase_add_checked_fixture(ready, setup, store_fixture_clean);
	tcase_add_test(ready, test_ready);
	tcase_add_test(ready, test_now);
	if (store_fixture_engine() == DB_POSTGRESQL) {
		tcase_add_test(ready, test_pg_connection_cut);
		tcase_add_test(ready, test_pg_cut_inside_write);
	}
	suite_add_tcase(s, ready);
	return s;
}
