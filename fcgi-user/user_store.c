/*
 * user_store.c - the SQL of the user service; see user_store.h.
 */
#include <stdio.h>
#include <string.h>

#include "idempotency.h"
#include "log.h"
#include "user_store.h"

const char *const user_store_migrations[] = {
	/* 1: users. AUTOINCREMENT so that a deleted id is never handed out
	 * again; NOCASE makes the email unique regardless of ASCII case. */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL COLLATE NOCASE UNIQUE,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL"
	") STRICT;",
	/* 2: tombstones. A deleted user leaves its id and when, nothing
	 * personal: orders that name the id can still be explained (410). */
	"CREATE TABLE deleted_users ("
	"  id INTEGER PRIMARY KEY,"
	"  deleted_at TEXT NOT NULL"
	") STRICT;",
	/* 3: Idempotency-Key answers of POST /user. */
	IDEMPOTENCY_MIGRATION,
	/* 4: logins. An Argon2id hash in libsodium's encoded form (its
	 * parameters travel with it); '' for users from before, who cannot
	 * log in until an admin sets a password. The role is never set
	 * through the API: only microshop-user --create-admin makes admins. */
	"ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'customer'"
	"  CHECK (role IN ('customer', 'admin'));",
};
const size_t user_store_n_migrations =
    sizeof(user_store_migrations) / sizeof(user_store_migrations[0]);

#define USER_COLUMNS "id, name, email, created_at, updated_at, version, role"
#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

enum user_sql {
	SQL_INSERT,
	SQL_GET,
	SQL_LIST,
	SQL_UPDATE,
	SQL_DELETE,
	SQL_TOMBSTONE,
	SQL_IS_DELETED,
	SQL_CREDENTIALS
};

static const char *const user_sql[] = {
	[SQL_INSERT] = "INSERT INTO users (name, email, password_hash, role, created_at,"
	    " updated_at, version) VALUES (?1, ?2, ?3, ?4, " NOW ", " NOW ", 1)"
	    " RETURNING " USER_COLUMNS,
	[SQL_GET] = "SELECT " USER_COLUMNS " FROM users WHERE id = ?1",
	[SQL_LIST] = "SELECT " USER_COLUMNS " FROM users"
	    " WHERE id > ?1 AND (?2 IS NULL OR email = ?2) ORDER BY id LIMIT ?3",
	[SQL_UPDATE] = "UPDATE users SET name = ?2, email = ?3,"
	    " password_hash = coalesce(?4, password_hash), updated_at = " NOW ","
	    " version = version + 1 WHERE id = ?1 RETURNING " USER_COLUMNS,
	[SQL_DELETE] = "DELETE FROM users WHERE id = ?1",
	[SQL_TOMBSTONE] = "INSERT INTO deleted_users (id, deleted_at) VALUES (?1, " NOW ")",
	[SQL_IS_DELETED] = "SELECT 1 FROM deleted_users WHERE id = ?1",
	[SQL_CREDENTIALS] = "SELECT id, role, password_hash FROM users WHERE email = ?1",
};

static sqlite3_stmt *
stmt(struct db *db, enum user_sql idx)
{
	return db_stmt(db, idx, user_sql[idx]);
}

/* Read a row of USER_COLUMNS. */
static void
row_read(sqlite3_stmt *st, struct user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	db_column_copy(st, 1, u->name, sizeof(u->name));
	db_column_copy(st, 2, u->email, sizeof(u->email));
	db_column_copy(st, 3, u->created_at, sizeof(u->created_at));
	db_column_copy(st, 4, u->updated_at, sizeof(u->updated_at));
	u->version = sqlite3_column_int64(st, 5);
	db_column_copy(st, 6, u->role, sizeof(u->role));
}

/* Step a statement expected to return one row into out. */
static enum store_status
step_row(struct db *db, sqlite3_stmt *st, struct user *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		row_read(st, out);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			return STORE_OK;
	}
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return db_step_failed(db, rc);
}

enum store_status
user_store_insert(struct db *db, const struct user_input *in, const char *role,
    struct user *out)
{
	sqlite3_stmt *st = stmt(db, SQL_INSERT);
	enum store_status s;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->password_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
	s = step_row(db, st, out);
	sqlite3_reset(st);
	return s;
}

/*
 * Step statement idx, which takes the id as ?1, once. Returns SQLite's
 * code, or SQLITE_ERROR when the statement could not be prepared.
 */
static int
step_with_id(struct db *db, enum user_sql idx, int64_t id)
{
	sqlite3_stmt *st = stmt(db, idx);
	int rc;

	if (st == NULL)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

/* For an id not in users: STORE_GONE if it has a tombstone. */
static enum store_status
absent_or_gone(struct db *db, int64_t id)
{
	int rc = step_with_id(db, SQL_IS_DELETED, id);

	if (rc == SQLITE_ROW)
		return STORE_GONE;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : db_step_failed(db, rc);
}

enum store_status
user_store_get(struct db *db, int64_t id, struct user *out)
{
	sqlite3_stmt *st = stmt(db, SQL_GET);
	enum store_status s;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	s = step_row(db, st, out);
	sqlite3_reset(st);
	return s == STORE_NOT_FOUND ? absent_or_gone(db, id) : s;
}

enum store_status
user_store_list(struct db *db, int64_t after, const char *email, int limit,
    void (*each)(const struct user *u, void *arg), void *arg, int *more)
{
	sqlite3_stmt *st = stmt(db, SQL_LIST);
	struct user u;
	int rc, n = 0;

	*more = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, after);
	if (email != NULL)
		sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	/* One row past the page says whether another page follows. */
	sqlite3_bind_int(st, 3, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			*more = 1;
			continue;
		}
		row_read(st, &u);
		each(&u, arg);
		n++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : db_step_failed(db, rc);
}

/*
 * Inside a write transaction: read user id into cur and check If-Match.
 */
static enum store_status
current_checked(struct db *db, int64_t id, const struct if_match *im, struct user *cur)
{
	enum store_status s = user_store_get(db, id, cur);

	if (s == STORE_OK && !http_if_match_allows(im, cur->version))
		return STORE_STALE;
	return s;
}

enum store_status
user_store_update(struct db *db, int64_t id, const struct if_match *im,
    const struct user_input *in, struct user *out)
{
	struct user cur;
	const char *name, *email;
	sqlite3_stmt *st;
	enum store_status s;
	int rc;

	if ((rc = db_begin_write(db)) != SQLITE_OK)
		return store_status_from_sqlite(rc);
	s = current_checked(db, id, im, &cur);
	if (s != STORE_OK)
		return db_end_write(db, s);

	name = in->has_name ? in->name : cur.name;
	email = in->has_email ? in->email : cur.email;
	if (strcmp(name, cur.name) == 0 && strcmp(email, cur.email) == 0 &&
	    !in->has_password) {
		*out = cur;
		return db_end_write(db, STORE_OK);
	}
	st = stmt(db, SQL_UPDATE);
	if (st == NULL)
		return db_end_write(db, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, email, -1, SQLITE_TRANSIENT);
	if (in->has_password)
		sqlite3_bind_text(st, 4, in->password_hash, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	s = step_row(db, st, out);
	sqlite3_reset(st);
	return db_end_write(db, s);
}

/* Run statement idx, which takes the id as ?1 and returns no row. */
static enum store_status
exec_id(struct db *db, enum user_sql idx, int64_t id)
{
	int rc = step_with_id(db, idx, id);

	return rc == SQLITE_DONE ? STORE_OK : db_step_failed(db, rc);
}

enum store_status
user_store_delete(struct db *db, int64_t id, const struct if_match *im)
{
	struct user cur;
	enum store_status s;
	int rc;

	if ((rc = db_begin_write(db)) != SQLITE_OK)
		return store_status_from_sqlite(rc);
	s = current_checked(db, id, im, &cur);
	if (s != STORE_OK)
		return db_end_write(db, s);
	if ((s = exec_id(db, SQL_DELETE, id)) == STORE_OK)
		s = exec_id(db, SQL_TOMBSTONE, id);
	return db_end_write(db, s);
}

enum store_status
user_store_credentials(struct db *db, const char *email, struct user_credentials *out)
{
	sqlite3_stmt *st = stmt(db, SQL_CREDENTIALS);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		db_column_copy(st, 1, out->role, sizeof(out->role));
		db_column_copy(st, 2, out->password_hash, sizeof(out->password_hash));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	return rc == SQLITE_DONE ? STORE_NOT_FOUND : db_step_failed(db, rc);
}
