/*
 * idempotency_store.c - the SQL of stored Idempotency-Key answers; see
 * idempotency_store.h.
 */
#include "db_rows.h"
#include "idempotency_store.h"

enum idempotency_sql {
	SQL_FIND,
	SQL_SWEEP,
	SQL_SAVE
};

static const struct db_sql idempotency_sql[] = {
	/* A key stored before keys had owners ('') answers any caller until
	 * it expires; the caller's own comes first. */
	[SQL_FIND] = { "SELECT request_hash, status, location, etag, body"
	    " FROM idempotency_keys WHERE principal IN (?1, '') AND route = ?2 AND key = ?3"
	    " AND created_at > ?4 ORDER BY principal DESC LIMIT 1", NULL },
	[SQL_SWEEP] = { "DELETE FROM idempotency_keys WHERE created_at <= ?1", NULL },
	[SQL_SAVE] = { "INSERT INTO idempotency_keys (principal, route, key,"
	    " request_hash, status, location, etag, body, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", NULL },
};
DB_STMTS(stmts, idempotency_sql, DB_STMT_COMMON, DB_STMT_SNAPSHOT);

enum store_status
idempotency_store_find(struct db *db, const struct idempotency_key *k, int64_t oldest,
    void (*found)(const struct idempotency_answer *a, void *arg), void *arg, int *hit)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_FIND);
	struct idempotency_answer a = { 0 };
	int rc;

	*hit = 0;
	if (st == NULL)
		return db_failure(db);
	db_bind_text(st, 1, k->principal);
	db_bind_text(st, 2, k->route);
	db_bind_text(st, 3, k->key);
	db_bind_int64(st, 4, oldest);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*hit = 1;
		a.hash = db_column_blob(st, 0, &a.hash_len);
		a.status = (int)db_column_int64(st, 1);
		a.location = db_column_text(st, 2);
		a.etag = db_column_text(st, 3);
		a.body = db_column_text(st, 4);
		found(&a, arg);
	}
	db_reset(st);
	return rc >= 0 ? STORE_OK : db_failure(db);
}

enum store_status
idempotency_store_save(struct db *db, const struct idempotency_key *k,
    const struct idempotency_answer *a, int64_t oldest, int64_t now)
{
	struct db_stmt *st;
	enum store_status s;

	if ((st = db_rows_stmt(db, &stmts, SQL_SWEEP)) == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, oldest);
	if ((s = db_exec_stmt(st)) != STORE_OK)
		return s;
	if ((st = db_rows_stmt(db, &stmts, SQL_SAVE)) == NULL)
		return db_failure(db);
	db_bind_text(st, 1, k->principal);
	db_bind_text(st, 2, k->route);
	db_bind_text(st, 3, k->key);
	db_bind_blob(st, 4, a->hash, a->hash_len);
	db_bind_int64(st, 5, a->status);
	db_bind_text(st, 6, a->location);
	db_bind_text(st, 7, a->etag);
	db_bind_text(st, 8, a->body);
	db_bind_int64(st, 9, now);
	s = db_exec_stmt(st);
	/* Only another process can have stored the key meanwhile: retry. */
	return s == STORE_CONFLICT ? STORE_BUSY : s;
}
