/*
 * user_projection.c - the SQL of the users the order service knows and of
 * the feed's cursor; see user_projection.h. The tables are migrations of
 * order_store.c's schema (one database, one schema).
 */
#include <string.h>

#include "db_rows.h"
#include "product_store.h"
#include "user_projection.h"

#define KNOWN_COLUMNS "status, role, credential_version, seq"
#define FEED "'user'"

enum projection_sql {
	SQL_GET,
	SQL_GET_SHARED,
	SQL_LEARN,
	SQL_APPLY,
	SQL_CANCEL_PENDING,
	SQL_CURSOR,
	SQL_CURSOR_MOVE,
	SQL_CURSOR_START,
	SQL_FORGET
};

static const struct db_sql projection_sql[] = {
	[SQL_GET] = { "SELECT " KNOWN_COLUMNS " FROM known_users WHERE id = ?1", NULL },
	/* An order being written holds its user's row until COMMIT, so that a
	 * deletion applied at the same moment waits for it, then cancels it. */
	[SQL_GET_SHARED] = { "SELECT " KNOWN_COLUMNS " FROM known_users WHERE id = ?1",
	    "SELECT " KNOWN_COLUMNS " FROM known_users WHERE id = $1 FOR SHARE" },
	/* A lookup's answer never overwrites what the feed said. */
	[SQL_LEARN] = { "INSERT INTO known_users (id, status, role, credential_version,"
	    " user_version, seq, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)"
	    " ON CONFLICT (id) DO NOTHING", NULL },
	/* Newer news replaces older; a deletion is never undone. */
	[SQL_APPLY] = { "INSERT INTO known_users (id, status, role, credential_version,"
	    " user_version, seq, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (id) DO UPDATE SET status = excluded.status, role = excluded.role,"
	    " credential_version = excluded.credential_version,"
	    " user_version = excluded.user_version, seq = excluded.seq,"
	    " updated_at = excluded.updated_at"
	    " WHERE known_users.seq < excluded.seq AND known_users.status <> 'deleted'", NULL },
	/* Only pending orders: once cancelled, an order is never cancelled
	 * again, which makes a deletion applied twice harmless. */
	[SQL_CANCEL_PENDING] = { "UPDATE orders SET status = 'cancelled',"
	    " cancel_reason = 'user_deleted', updated_at = ?2, version = version + 1"
	    " WHERE user_id = ?1 AND status = 'pending' RETURNING id", NULL },
	[SQL_CURSOR] = { "SELECT seq FROM event_cursor WHERE feed = " FEED, NULL },
	/* The compare-and-set that lets one instance only apply a batch. */
	[SQL_CURSOR_MOVE] = { "UPDATE event_cursor SET seq = ?2, updated_at = ?3"
	    " WHERE feed = " FEED " AND seq = ?1 RETURNING seq", NULL },
	[SQL_CURSOR_START] = { "INSERT INTO event_cursor (feed, seq, updated_at)"
	    " VALUES (" FEED ", ?1, ?2) ON CONFLICT (feed) DO NOTHING RETURNING seq", NULL },
	/* What another history said, deletions too: the new one says it all
	 * again, and an order for a user it has not said yet is looked up. */
	[SQL_FORGET] = { "DELETE FROM known_users", NULL },
};
DB_STMTS(stmts, projection_sql, USER_PROJECTION_STMT_FIRST, DB_STMT_COMMON);

/* Read a row of KNOWN_COLUMNS. */
static void
known_read(struct db_stmt *st, void *row)
{
	struct user_known *k = row;
	const char *status = db_column_text(st, 0);

	k->deleted = status != NULL && strcmp(status, "deleted") == 0;
	db_column_copy(st, 1, k->role, sizeof(k->role));
	k->cred_version = db_column_int64(st, 2);
	k->seq = db_column_int64(st, 3);
}

enum store_status
user_projection_get(struct db *db, int64_t id, struct user_known *out)
{
	return db_rows_one(db, &stmts, SQL_GET, db_key_id(id), known_read, out);
}

/* Bind f's columns from ?1: id, status, role, credential and user versions. */
static void
fact_bind(struct db_stmt *st, const struct user_fact *f)
{
	db_bind_int64(st, 1, f->id);
	db_bind_text(st, 2, f->deleted ? "deleted" : "active");
	db_bind_text(st, 3, f->role);
	db_bind_int64(st, 4, f->cred_version);
	db_bind_int64(st, 5, f->user_version);
}

enum store_status
user_projection_check(struct db *db, const struct user_fact *f, int64_t id,
    struct user_known *out)
{
	struct db_stmt *st;
	char now[DB_TIME_LEN];
	enum store_status s;

	if (f != NULL) {
		if ((st = db_rows_stmt(db, &stmts, SQL_LEARN)) == NULL)
			return db_failure(db);
		db_now(now);
		fact_bind(st, f);
		db_bind_text(st, 6, now);
		if ((s = db_exec_stmt(st)) != STORE_OK)
			return s;
	}
	return db_rows_one(db, &stmts, SQL_GET_SHARED, db_key_id(id), known_read, out);
}

enum store_status
user_projection_cursor(struct db *db, int64_t *seq)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_CURSOR);
	int rc;

	if (st == NULL)
		return db_failure(db);
	*seq = USER_CURSOR_NONE;
	if ((rc = db_step(st)) == DB_ROW)
		*seq = db_column_int64(st, 0);
	db_reset(st);
	return rc >= 0 ? STORE_OK : db_failure(db);
}

/* Run st (bound) to its end; *rows counts what it returned. */
static enum store_status
rows_count(struct db *db, struct db_stmt *st, int64_t *rows)
{
	int rc;

	while ((rc = db_step(st)) == DB_ROW)
		(*rows)++;
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : db_failure(db);
}

/* The compare-and-set: STORE_STALE when the cursor is not at from. */
static enum store_status
cursor_move(struct db *db, int64_t from, int64_t to, const char *now)
{
	struct db_stmt *st;
	int64_t moved = 0;
	enum store_status s;

	if (from == USER_CURSOR_NONE) {
		if ((st = db_rows_stmt(db, &stmts, SQL_CURSOR_START)) == NULL)
			return db_failure(db);
		db_bind_int64(st, 1, to);
		db_bind_text(st, 2, now);
	} else {
		if ((st = db_rows_stmt(db, &stmts, SQL_CURSOR_MOVE)) == NULL)
			return db_failure(db);
		db_bind_int64(st, 1, from);
		db_bind_int64(st, 2, to);
		db_bind_text(st, 3, now);
	}
	if ((s = rows_count(db, st, &moved)) != STORE_OK)
		return s;
	return moved == 1 ? STORE_OK : STORE_STALE;
}

/* One fact into the projection, and a deletion's effect on the orders. */
static enum store_status
fact_apply(struct db *db, const struct user_fact *f, const char *now, int64_t *cancelled)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_APPLY);
	enum store_status s;

	if (st == NULL)
		return db_failure(db);
	fact_bind(st, f);
	db_bind_int64(st, 6, f->seq);
	db_bind_text(st, 7, now);
	if ((s = db_exec_stmt(st)) != STORE_OK || !f->deleted)
		return s;
	if ((st = db_rows_stmt(db, &stmts, SQL_CANCEL_PENDING)) == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, f->id);
	db_bind_text(st, 2, now);
	return rows_count(db, st, cancelled);
}

static enum store_status
facts_apply(struct db *db, const struct user_fact *facts, size_t n, const char *now,
    int64_t *cancelled)
{
	enum store_status s = STORE_OK;

	for (size_t i = 0; i < n && s == STORE_OK; i++)
		s = fact_apply(db, &facts[i], now, cancelled);
	return s;
}

enum store_status
user_projection_apply(struct db *db, int64_t from, int64_t to,
    const struct user_fact *facts, size_t n, int64_t *cancelled)
{
	char now[DB_TIME_LEN];
	enum store_status s;

	*cancelled = 0;
	db_now(now);
	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	/* First, so that a second instance stops before doing any work. */
	if ((s = cursor_move(db, from, to, now)) == STORE_OK)
		s = facts_apply(db, facts, n, now, cancelled);
	if (s != STORE_OK)
		*cancelled = 0;
	return db_end_write(db, s);
}

enum store_status
user_projection_apply_page(struct db *db, const struct user_fact *facts, size_t n,
    int forget, int64_t *cancelled)
{
	char now[DB_TIME_LEN];
	struct db_stmt *st;
	enum store_status s;

	*cancelled = 0;
	db_now(now);
	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	if (forget) {
		if ((st = db_rows_stmt(db, &stmts, SQL_FORGET)) == NULL)
			return db_end_write(db, db_failure(db));
		if ((s = db_exec_stmt(st)) != STORE_OK)
			return db_end_write(db, s);
	}
	s = facts_apply(db, facts, n, now, cancelled);
	if (s != STORE_OK)
		*cancelled = 0;
	return db_end_write(db, s);
}
