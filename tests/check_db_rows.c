/*
 * check_db_rows.c - common/db/db_rows.c, on a table of its own: a
 * module's statements in its own slots, a row by id or by text key, a
 * deleted row told apart by its tombstone, the locked row checked against
 * If-Match, a statement run for a key, and the keyset page (every count of
 * rows around its limit, the cursor, a row that fails).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_store.h"
#include "db_rows.h"

static const char *const rows_sqlite[] = {
	"CREATE TABLE items ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  version INTEGER NOT NULL,"
	"  note TEXT"
	") STRICT;"
	"CREATE TABLE gone (id INTEGER PRIMARY KEY) STRICT;",
};
static const char *const rows_postgresql[] = {
	"CREATE TABLE items ("
	"  id bigint PRIMARY KEY,"
	"  key text NOT NULL UNIQUE,"
	"  version bigint NOT NULL,"
	"  note text"
	");"
	"CREATE TABLE gone (id bigint PRIMARY KEY);",
};
static DB_SCHEMA(rows_schema, rows_sqlite, rows_postgresql);

enum { SQL_GET, SQL_GET_LOCKED, SQL_BY_KEY, SQL_BY_KEY_LOCKED, SQL_GONE, SQL_NOTE,
	SQL_UNGONE, SQL_PAGE, SQL_INSERT };

#define COLUMNS "id, key, version, note"
static const struct db_sql rows_sql[] = {
	[SQL_GET] = { "SELECT " COLUMNS " FROM items WHERE id = ?1", NULL },
	[SQL_GET_LOCKED] = { "SELECT " COLUMNS " FROM items WHERE id = ?1",
	    "SELECT " COLUMNS " FROM items WHERE id = $1 FOR UPDATE" },
	[SQL_BY_KEY] = { "SELECT " COLUMNS " FROM items WHERE key = ?1", NULL },
	[SQL_BY_KEY_LOCKED] = { "SELECT " COLUMNS " FROM items WHERE key = ?1",
	    "SELECT " COLUMNS " FROM items WHERE key = $1 FOR UPDATE" },
	[SQL_GONE] = { "SELECT 1 FROM gone WHERE id = ?1", NULL },
	[SQL_NOTE] = { "UPDATE items SET note = ?2 WHERE id = ?1", NULL },
	[SQL_UNGONE] = { "DELETE FROM gone WHERE id = ?1", NULL },
	[SQL_PAGE] = { "SELECT " COLUMNS " FROM items WHERE id > ?1 ORDER BY id LIMIT ?2",
	    NULL },
	[SQL_INSERT] = { "INSERT INTO items (id, key, version) VALUES (?1, ?2, ?3)", NULL },
};
/* In slots 5.. (as a second store of a service would be). */
DB_STMTS(stmts, rows_sql, 5, DB_STMT_COMMON);

struct item {
	int64_t id;
	char key[16];
	int64_t version;
	char note[16];
};

static void
item_read(struct db_stmt *st, void *out)
{
	struct item *it = out;

	it->id = db_column_int64(st, 0);
	db_column_copy(st, 1, it->key, sizeof(it->key));
	it->version = db_column_int64(st, 2);
	db_column_copy(st, 3, it->note, sizeof(it->note));
}

static const struct db_table by_id = {
	&stmts, SQL_GET, SQL_GET_LOCKED, SQL_GONE, item_read, 2 };
static const struct db_table by_key = {
	&stmts, SQL_BY_KEY, SQL_BY_KEY_LOCKED, DB_ROWS_NONE, item_read, 2 };

static void
add(int64_t id, const char *key, int64_t version)
{
	struct db_stmt *st = db_rows_stmt(test_db, &stmts, SQL_INSERT);

	ck_assert_ptr_nonnull(st);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, key);
	db_bind_int64(st, 3, version);
	ck_assert_int_eq(db_exec_stmt(st), STORE_OK);
}

static void
setup(void)
{
	store_fixture_open(&rows_schema, "test");
	add(1, "one", 1);
	add(2, "two", 7);
	store_fixture_query(0, "INSERT INTO gone (id) VALUES (3)");
}

START_TEST(test_slots)
{
	struct db_stmt *st = db_rows_stmt(test_db, &stmts, SQL_GONE);

	/* Statement i of the module is the connection's slot first + i. */
	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_eq(db_stmt(test_db, 5 + SQL_GONE, &rows_sql[SQL_GONE]), st);
	db_reset(st);
}
END_TEST

START_TEST(test_past_table_aborts)
{
	db_rows_stmt(test_db, &stmts, SQL_INSERT + 1);
}
END_TEST

START_TEST(test_get)
{
	struct item it = { 0 };

	ck_assert_int_eq(db_rows_get(test_db, &by_id, db_key_id(2), &it), STORE_OK);
	ck_assert_int_eq(it.id, 2);
	ck_assert_str_eq(it.key, "two");
	ck_assert_int_eq(db_rows_get(test_db, &by_id, db_key_id(4), &it), STORE_NOT_FOUND);
	/* Absent, with a tombstone. */
	ck_assert_int_eq(db_rows_get(test_db, &by_id, db_key_id(3), &it), STORE_GONE);
	/* A text key; a table without tombstones. */
	ck_assert_int_eq(db_rows_get(test_db, &by_key, db_key_text("one"), &it), STORE_OK);
	ck_assert_int_eq(it.id, 1);
	ck_assert_int_eq(db_rows_get(test_db, &by_key, db_key_text("three"), &it),
	    STORE_NOT_FOUND);
	ck_assert_int_eq(db_rows_one(test_db, &stmts, SQL_BY_KEY, db_key_text("two"), item_read,
	    &it), STORE_OK);
	ck_assert_int_eq(it.version, 7);
}
END_TEST

START_TEST(test_current)
{
	static const struct { const char *if_match; enum store_status want; } cases[] = {
		{ NULL, STORE_OK },
		{ "\"7\"", STORE_OK },
		{ "*", STORE_OK },
		{ "\"1\", \"7\"", STORE_OK },
		{ "\"6\"", STORE_STALE },
		{ "\"8\"", STORE_STALE },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct if_match im;
		struct item it = { 0 };

		ck_assert_int_eq(if_match_parse(cases[i].if_match, &im), 0);
		ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
		ck_assert_msg(db_rows_current(test_db, &by_id, db_key_id(2), &im, &it) ==
		    cases[i].want, "If-Match %s", cases[i].if_match ? cases[i].if_match : "absent");
		ck_assert_int_eq(it.version, 7);	/* read, stale or not */
		ck_assert_int_eq(db_rows_current(test_db, &by_key, db_key_text("two"), &im, &it),
		    cases[i].want);
		ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	}
}
END_TEST

START_TEST(test_current_absent)
{
	struct if_match im;
	struct item it;

	ck_assert_int_eq(if_match_parse("*", &im), 0);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(db_rows_current(test_db, &by_id, db_key_id(3), &im, &it), STORE_GONE);
	ck_assert_int_eq(db_rows_current(test_db, &by_id, db_key_id(9), &im, &it),
	    STORE_NOT_FOUND);
	ck_assert_int_eq(db_rows_current(test_db, &by_key, db_key_text("nine"), &im, &it),
	    STORE_NOT_FOUND);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
}
END_TEST

START_TEST(test_exec)
{
	struct item it;

	ck_assert_int_eq(db_rows_exec(test_db, &stmts, SQL_NOTE, db_key_id(1), "noted"),
	    STORE_OK);
	ck_assert_int_eq(db_rows_get(test_db, &by_id, db_key_id(1), &it), STORE_OK);
	ck_assert_str_eq(it.note, "noted");
	/* Without a text: the key alone. */
	ck_assert_int_eq(db_rows_exec(test_db, &stmts, SQL_UNGONE, db_key_id(3), NULL), STORE_OK);
	ck_assert_int_eq(db_rows_get(test_db, &by_id, db_key_id(3), &it), STORE_NOT_FOUND);
	/* A statement that returns a row is not one to run for none. */
	ck_assert_int_eq(db_rows_exec(test_db, &stmts, SQL_GET, db_key_id(1), NULL), STORE_ERR);
}
END_TEST

/* A page's rows, as their ids; a row with id fail_at fails the page. */
struct seen {
	int64_t ids[8];
	int n;
	int64_t fail_at;
};

static enum store_status
page_row(struct db_stmt *st, void *arg)
{
	struct seen *s = arg;
	struct item it;

	item_read(st, &it);
	if (it.id == s->fail_at)
		return STORE_FULL;
	ck_assert_int_lt(s->n, 8);
	s->ids[s->n++] = it.id;
	return STORE_OK;
}

static enum store_status
page(int64_t after, int limit, struct seen *s, int *more)
{
	struct db_stmt *st = db_rows_stmt(test_db, &stmts, SQL_PAGE);

	ck_assert_ptr_nonnull(st);
	s->n = 0;
	db_bind_int64(st, 1, after);
	return db_rows_page(test_db, st, 2, limit, page_row, s, more);
}

START_TEST(test_page_counts)
{
	char key[16];

	/* Every number of rows from 0 to 5 against limits 1 to 4. */
	store_fixture_query(1, "DELETE FROM items");
	for (int rows = 0; rows <= 5; rows++) {
		if (rows > 0) {
			snprintf(key, sizeof(key), "k%d", rows);
			add(rows, key, 1);
		}
		for (int limit = 1; limit <= 4; limit++) {
			struct seen s = { .fail_at = -1 };
			int more = -1;

			ck_assert_int_eq(page(0, limit, &s, &more), STORE_OK);
			ck_assert_msg(s.n == (rows < limit ? rows : limit),
			    "%d rows, limit %d: %d delivered", rows, limit, s.n);
			ck_assert_msg(more == (rows > limit), "%d rows, limit %d: more %d", rows,
			    limit, more);
			for (int i = 0; i < s.n; i++)
				ck_assert_int_eq(s.ids[i], i + 1);
		}
	}
}
END_TEST

START_TEST(test_page_after)
{
	struct seen s = { .fail_at = -1 };
	int more;

	add(5, "five", 1);
	add(9, "nine", 1);
	ck_assert_int_eq(page(1, 2, &s, &more), STORE_OK);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.ids[0], 2);
	ck_assert_int_eq(s.ids[1], 5);
	ck_assert_int_eq(more, 1);
	ck_assert_int_eq(page(5, 2, &s, &more), STORE_OK);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.ids[0], 9);
	ck_assert_int_eq(more, 0);
	ck_assert_int_eq(page(9, 2, &s, &more), STORE_OK);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(more, 0);
}
END_TEST

START_TEST(test_page_row_fails)
{
	struct seen s = { .fail_at = 2 };
	int more = -1;

	add(5, "five", 1);
	/* The row's failure ends the page: nothing after it is delivered. */
	ck_assert_int_eq(page(0, 10, &s, &more), STORE_FULL);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(more, 0);
	/* The statement was reset: it runs again. */
	s.fail_at = -1;
	ck_assert_int_eq(page(0, 10, &s, &more), STORE_OK);
	ck_assert_int_eq(s.n, 3);
}
END_TEST

Suite *
db_rows_suite(void)
{
	Suite *s = suite_create("db_rows");
	TCase *tc = tcase_create("rows");

	tcase_add_checked_fixture(tc, setup, store_fixture_clean);
	tcase_add_test(tc, test_slots);
	if (store_fixture_forks())
		tcase_add_test_raise_signal(tc, test_past_table_aborts, SIGABRT);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_current);
	tcase_add_test(tc, test_current_absent);
	tcase_add_test(tc, test_exec);
	tcase_add_test(tc, test_page_counts);
	tcase_add_test(tc, test_page_after);
	tcase_add_test(tc, test_page_row_fails);
	suite_add_tcase(s, tc);
	return s;
}
