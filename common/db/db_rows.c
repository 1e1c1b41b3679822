/*
 * db_rows.c - the shapes every store's SQL takes; see db_rows.h.
 */
#include <stdlib.h>

#include "db_rows.h"

struct db_stmt *
db_rows_stmt(struct db *db, const struct db_stmts *m, unsigned i)
{
	/* A statement past its module's table is a bug in the store: abort loudly. */
	if (i >= m->n)
		abort();
	return db_stmt(db, m->first + i, &m->sql[i]);
}

/* Statement i of m with key bound as ?1: borrowed, NULL after a failure. */
static struct db_stmt *
keyed(struct db *db, const struct db_stmts *m, unsigned i, struct db_key key)
{
	struct db_stmt *st = db_rows_stmt(db, m, i);

	if (st == NULL)
		return NULL;
	if (key.text != NULL)
		db_bind_text(st, 1, key.text);
	else
		db_bind_int64(st, 1, key.id);
	return st;
}

enum store_status
db_rows_one(struct db *db, const struct db_stmts *m, unsigned i, struct db_key key,
    db_row_read *read, void *out)
{
	struct db_stmt *st = keyed(db, m, i, key);

	return st != NULL ? db_step_one(st, read, out) : db_failure(db);
}

enum store_status
db_rows_exec(struct db *db, const struct db_stmts *m, unsigned i, struct db_key key,
    const char *text)
{
	struct db_stmt *st = keyed(db, m, i, key);

	if (st == NULL)
		return db_failure(db);
	if (text != NULL)
		db_bind_text(st, 2, text);
	return db_exec_stmt(st);
}

/* For a key with no row: STORE_GONE if t keeps a tombstone of it. */
static enum store_status
absent_or_gone(struct db *db, const struct db_table *t, struct db_key key)
{
	struct db_stmt *st;
	int rc;

	if (t->tombstone == DB_ROWS_NONE)
		return STORE_NOT_FOUND;
	if ((st = keyed(db, t->stmts, t->tombstone, key)) == NULL)
		return db_failure(db);
	rc = db_step(st);
	db_reset(st);
	if (rc < 0)
		return db_failure(db);
	return rc == DB_ROW ? STORE_GONE : STORE_NOT_FOUND;
}

/* Read a row of t with statement i (get or get_locked) and read. */
static enum store_status
get_with(struct db *db, const struct db_table *t, unsigned i, struct db_key key,
    db_row_read *read, void *out)
{
	enum store_status s = db_rows_one(db, t->stmts, i, key, read, out);

	return s == STORE_NOT_FOUND ? absent_or_gone(db, t, key) : s;
}

enum store_status
db_rows_get(struct db *db, const struct db_table *t, struct db_key key, void *out)
{
	return get_with(db, t, t->get, key, t->read, out);
}

/* A row read by the table's reader, and its version. */
struct versioned {
	const struct db_table *t;
	void *out;
	int64_t version;
};

static void
versioned_read(struct db_stmt *st, void *arg)
{
	struct versioned *v = arg;

	v->t->read(st, v->out);
	v->version = db_column_int64(st, v->t->version_col);
}

enum store_status
db_rows_current(struct db *db, const struct db_table *t, struct db_key key,
    const struct if_match *im, void *out)
{
	struct versioned v = { t, out, 0 };
	enum store_status s = get_with(db, t, t->get_locked, key, versioned_read, &v);

	if (s == STORE_OK && !if_match_allows(im, v.version))
		return STORE_STALE;
	return s;
}

enum store_status
db_rows_page(struct db *db, struct db_stmt *st, int limit_param, int limit,
    db_page_row *row, void *arg, int *more)
{
	enum store_status s = STORE_OK;
	int rc, n = 0;

	*more = 0;
	/* One row past the page says whether another page follows. */
	db_bind_int64(st, limit_param, (int64_t)limit + 1);
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == limit) {
			*more = 1;
			continue;
		}
		if ((s = row(st, arg)) != STORE_OK)
			break;
		n++;
	}
	db_reset(st);
	if (s != STORE_OK)
		return s;
	return rc == DB_DONE ? STORE_OK : db_failure(db);
}
