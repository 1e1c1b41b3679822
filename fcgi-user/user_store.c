/*
 * user_store.c - the SQL of the user service; see user_store.h.
 */
#include <stdio.h>
#include <string.h>

#include "db_rows.h"
#include "idempotency_store.h"
#include "log.h"
#include "user_events.h"
#include "user_store.h"

/*
 * The outbox's seq row, at migration 7, on both engines. The users a
 * database holds already when it gets the outbox have no event: their
 * changes stand as seq 1, swept at once, so that a consumer that starts
 * from seq 0 is answered 410 and reads them from the snapshot. An empty
 * database gets no row (it reads as seq 0; the first event makes it), so
 * that a database only migrated holds no row at all (what
 * script/sqlite-to-postgresql copies into).
 */
#define EVENT_SEQ_FIRST_ROW \
	"INSERT INTO user_event_seq (id, last_seq, swept_through) SELECT 1, 1, 1" \
	" WHERE EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM deleted_users);"

static const char *const migrations_sqlite[] = {
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
	/* 5: Idempotency-Keys belong to their caller and route. */
	IDEMPOTENCY_MIGRATION_OWNED("POST /user"),
	/* 6: the credential version, carried by every token as "cv": a
	 * password, email or role change and a logout raise it, and a token
	 * with an older one is refused (docs/security.md). */
	("ALTER TABLE users ADD COLUMN credential_version INTEGER NOT NULL DEFAULT 1"
	 "  CHECK (credential_version >= 1);"),
	/* 7: the outbox (user_events.c): one row (id 1) hands out the events'
	 * seqs and says how far they were swept; each change to a user appends
	 * an event in its own transaction. */
	"CREATE TABLE user_event_seq ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  last_seq INTEGER NOT NULL,"
	"  swept_through INTEGER NOT NULL CHECK (swept_through <= last_seq)"
	") STRICT;"
	EVENT_SEQ_FIRST_ROW
	"CREATE TABLE user_events ("
	"  seq INTEGER PRIMARY KEY,"
	"  schema_version INTEGER NOT NULL,"
	"  type TEXT NOT NULL"
	"    CHECK (type IN ('user.created', 'user.updated', 'user.deleted')),"
	"  user_id INTEGER NOT NULL,"
	"  user_version INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('active', 'deleted')),"
	"  role TEXT NOT NULL,"
	"  credential_version INTEGER NOT NULL,"
	"  at TEXT NOT NULL"
	") STRICT;"
	"CREATE INDEX user_events_at ON user_events (at);",
};

/*
 * The same schema on PostgreSQL, version for version. An identity column
 * never hands a deleted id out again; the email is unique under ASCII case
 * folding (lower() in the C collation folds A-Z only), as NOCASE is;
 * timestamps stay text in the API's own format on both engines.
 */
static const char *const migrations_postgresql[] = {
	"CREATE TABLE users ("
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  name text NOT NULL,"
	"  email text NOT NULL,"
	"  created_at text NOT NULL,"
	"  updated_at text NOT NULL,"
	"  version bigint NOT NULL"
	");"
	"CREATE UNIQUE INDEX users_email ON users (lower(email COLLATE \"C\"));",
	"CREATE TABLE deleted_users ("
	"  id bigint PRIMARY KEY,"
	"  deleted_at text NOT NULL"
	");",
	IDEMPOTENCY_MIGRATION_PG,
	"ALTER TABLE users ADD COLUMN password_hash text NOT NULL DEFAULT '';"
	"ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'customer'"
	"  CHECK (role IN ('customer', 'admin'));",
	IDEMPOTENCY_MIGRATION_OWNED_PG("POST /user"),
	("ALTER TABLE users ADD COLUMN credential_version bigint NOT NULL DEFAULT 1"
	 "  CHECK (credential_version >= 1);"),
	"CREATE TABLE user_event_seq ("
	"  id integer PRIMARY KEY CHECK (id = 1),"
	"  last_seq bigint NOT NULL,"
	"  swept_through bigint NOT NULL CHECK (swept_through <= last_seq)"
	");"
	EVENT_SEQ_FIRST_ROW
	"CREATE TABLE user_events ("
	"  seq bigint PRIMARY KEY,"
	"  schema_version integer NOT NULL,"
	"  type text NOT NULL"
	"    CHECK (type IN ('user.created', 'user.updated', 'user.deleted')),"
	"  user_id bigint NOT NULL,"
	"  user_version bigint NOT NULL,"
	"  status text NOT NULL CHECK (status IN ('active', 'deleted')),"
	"  role text NOT NULL,"
	"  credential_version bigint NOT NULL,"
	"  at text NOT NULL"
	");"
	"CREATE INDEX user_events_at ON user_events (at);",
};

DB_SCHEMA(user_store_schema, migrations_sqlite, migrations_postgresql);

#define USER_COLUMNS "id, name, email, created_at, updated_at, version, role, credential_version"
#define CREDENTIAL_COLUMNS "id, role, password_hash, email, credential_version"
/* The email as both engines compare it: ASCII case folded. */
#define PG_EMAIL_IS(p) "lower(email COLLATE \"C\") = lower(" p " COLLATE \"C\")"

enum user_sql {
	SQL_INSERT,
	SQL_GET,
	SQL_GET_LOCKED,
	SQL_LIST,
	SQL_UPDATE,
	SQL_DELETE,
	SQL_TOMBSTONE,
	SQL_IS_DELETED,
	SQL_CREDENTIALS,
	SQL_CREDENTIALS_BY_ID,
	SQL_SESSION,
	SQL_LOGOUT
};

static const struct db_sql user_sql[] = {
	[SQL_INSERT] = { "INSERT INTO users (name, email, password_hash, role, created_at,"
	    " updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1)"
	    " RETURNING " USER_COLUMNS, NULL },
	[SQL_GET] = { "SELECT " USER_COLUMNS " FROM users WHERE id = ?1", NULL },
	/* A write reads the row it changes under a lock: SQLite's writer holds
	 * the whole file, PostgreSQL locks the row until COMMIT. */
	[SQL_GET_LOCKED] = { "SELECT " USER_COLUMNS " FROM users WHERE id = ?1",
	    "SELECT " USER_COLUMNS " FROM users WHERE id = $1 FOR UPDATE" },
	[SQL_LIST] = { "SELECT " USER_COLUMNS " FROM users"
	    " WHERE id > ?1 AND (?2 IS NULL OR email = ?2) ORDER BY id LIMIT ?3",
	    "SELECT " USER_COLUMNS " FROM users WHERE id > $1"
	    " AND ($2::text IS NULL OR " PG_EMAIL_IS("$2") ") ORDER BY id LIMIT $3" },
	[SQL_UPDATE] = { "UPDATE users SET name = ?2, email = ?3,"
	    " password_hash = coalesce(?4, password_hash), role = ?5, updated_at = ?6,"
	    " version = version + 1, credential_version = credential_version + ?7"
	    " WHERE id = ?1 RETURNING " USER_COLUMNS, NULL },
	[SQL_DELETE] = { "DELETE FROM users WHERE id = ?1", NULL },
	[SQL_TOMBSTONE] = { "INSERT INTO deleted_users (id, deleted_at) VALUES (?1, ?2)", NULL },
	[SQL_IS_DELETED] = { "SELECT 1 FROM deleted_users WHERE id = ?1", NULL },
	[SQL_CREDENTIALS] = { "SELECT " CREDENTIAL_COLUMNS " FROM users WHERE email = ?1",
	    "SELECT " CREDENTIAL_COLUMNS " FROM users WHERE " PG_EMAIL_IS("$1") },
	[SQL_CREDENTIALS_BY_ID] = { "SELECT " CREDENTIAL_COLUMNS " FROM users WHERE id = ?1",
	    NULL },
	[SQL_SESSION] = { "SELECT credential_version, role FROM users WHERE id = ?1", NULL },
	[SQL_LOGOUT] = { "UPDATE users SET credential_version = credential_version + 1"
	    " WHERE id = ?1 RETURNING " USER_COLUMNS, NULL },
};
DB_STMTS(stmts, user_sql, 0, USER_EVENTS_STMT_FIRST);

/* Read a row of USER_COLUMNS. */
static void
row_read(struct db_stmt *st, void *row)
{
	struct user *u = row;

	u->id = db_column_int64(st, 0);
	db_column_copy(st, 1, u->name, sizeof(u->name));
	db_column_copy(st, 2, u->email, sizeof(u->email));
	db_column_copy(st, 3, u->created_at, sizeof(u->created_at));
	db_column_copy(st, 4, u->updated_at, sizeof(u->updated_at));
	u->version = db_column_int64(st, 5);
	db_column_copy(st, 6, u->role, sizeof(u->role));
	u->cred_version = db_column_int64(st, 7);
}

/* A deleted user leaves a tombstone: reading it again is STORE_GONE. */
static const struct db_table users = {
	.stmts = &stmts,
	.get = SQL_GET,
	.get_locked = SQL_GET_LOCKED,
	.tombstone = SQL_IS_DELETED,
	.read = row_read,
	.version_col = 5,	/* of USER_COLUMNS */
};

enum store_status
user_store_insert(struct db *db, const struct user_input *in, const char *role,
    struct user *out)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_INSERT);
	char now[DB_TIME_LEN];
	enum store_status s;

	if (st == NULL)
		return db_failure(db);
	db_now(now);
	db_bind_text(st, 1, in->name);
	db_bind_text(st, 2, in->email);
	db_bind_text(st, 3, in->password_hash);
	db_bind_text(st, 4, role);
	db_bind_text(st, 5, now);
	if ((s = db_step_one(st, row_read, out)) != STORE_OK)
		return s;
	return user_events_append(db, USER_EVENT_CREATED, out);
}

enum store_status
user_store_get(struct db *db, int64_t id, struct user *out)
{
	return db_rows_get(db, &users, db_key_id(id), out);
}

/* The caller's callback, for each user of a page. */
struct page {
	void (*each)(const struct user *u, void *arg);
	void *arg;
};

static enum store_status
page_row(struct db_stmt *st, void *arg)
{
	struct page *p = arg;
	struct user u;

	row_read(st, &u);
	p->each(&u, p->arg);
	return STORE_OK;
}

enum store_status
user_store_list(struct db *db, int64_t after, const char *email, int limit,
    void (*each)(const struct user *u, void *arg), void *arg, int *more)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_LIST);
	struct page p = { each, arg };

	*more = 0;
	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, after);
	db_bind_text(st, 2, email);
	return db_rows_page(db, st, 3, limit, page_row, &p, more);
}

enum store_status
user_store_update(struct db *db, int64_t id, const struct if_match *im,
    const struct user_input *in, struct user *out)
{
	struct user cur;
	const char *name, *email, *role;
	char now[DB_TIME_LEN];
	struct db_stmt *st;
	enum store_status s;
	int credentials;

	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	s = db_rows_current(db, &users, db_key_id(id), im, &cur);
	if (s != STORE_OK)
		return db_end_write(db, s);

	name = in->has_name ? in->name : cur.name;
	email = in->has_email ? in->email : cur.email;
	role = in->has_role ? in->role : cur.role;
	/* What a token stands on changed: every token of the user ends. */
	credentials = in->has_password || strcmp(email, cur.email) != 0 ||
	    strcmp(role, cur.role) != 0;
	if (strcmp(name, cur.name) == 0 && !credentials) {
		*out = cur;
		return db_end_write(db, STORE_OK);
	}
	if ((st = db_rows_stmt(db, &stmts, SQL_UPDATE)) == NULL)
		return db_end_write(db, db_failure(db));
	db_now(now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, email);
	db_bind_text(st, 4, in->has_password ? in->password_hash : NULL);
	db_bind_text(st, 5, role);
	db_bind_text(st, 6, now);
	db_bind_int64(st, 7, credentials);
	if ((s = db_step_one(st, row_read, out)) == STORE_OK)
		s = user_events_append(db, USER_EVENT_UPDATED, out);
	return db_end_write(db, s);
}

enum store_status
user_store_delete(struct db *db, int64_t id, const struct if_match *im)
{
	struct user cur;
	char now[DB_TIME_LEN];
	enum store_status s;

	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	s = db_rows_current(db, &users, db_key_id(id), im, &cur);
	if (s != STORE_OK)
		return db_end_write(db, s);
	db_now(now);
	if ((s = db_rows_exec(db, &stmts, SQL_DELETE, db_key_id(id), NULL)) == STORE_OK)
		s = db_rows_exec(db, &stmts, SQL_TOMBSTONE, db_key_id(id), now);
	if (s == STORE_OK)
		s = user_events_append(db, USER_EVENT_DELETED, &cur);
	return db_end_write(db, s);
}

/* Read a row of CREDENTIAL_COLUMNS. */
static void
credentials_read(struct db_stmt *st, void *row)
{
	struct user_credentials *c = row;

	c->id = db_column_int64(st, 0);
	db_column_copy(st, 1, c->role, sizeof(c->role));
	db_column_copy(st, 2, c->password_hash, sizeof(c->password_hash));
	db_column_copy(st, 3, c->email, sizeof(c->email));
	c->cred_version = db_column_int64(st, 4);
}

enum store_status
user_store_credentials(struct db *db, const char *email, struct user_credentials *out)
{
	return db_rows_one(db, &stmts, SQL_CREDENTIALS, db_key_text(email), credentials_read,
	    out);
}

enum store_status
user_store_credentials_by_id(struct db *db, int64_t id, struct user_credentials *out)
{
	return db_rows_one(db, &stmts, SQL_CREDENTIALS_BY_ID, db_key_id(id), credentials_read,
	    out);
}

/* Read a row of SQL_SESSION. */
static void
session_read(struct db_stmt *st, void *row)
{
	struct user_session *s = row;

	s->cred_version = db_column_int64(st, 0);
	db_column_copy(st, 1, s->role, sizeof(s->role));
}

enum store_status
user_store_session(struct db *db, int64_t id, struct user_session *out)
{
	return db_rows_one(db, &stmts, SQL_SESSION, db_key_id(id), session_read, out);
}

enum store_status
user_store_logout(struct db *db, int64_t id)
{
	struct user u;
	enum store_status s;

	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	s = db_rows_one(db, &stmts, SQL_LOGOUT, db_key_id(id), row_read, &u);
	/* A user deleted meanwhile has no token left to end: nothing changed. */
	if (s == STORE_NOT_FOUND)
		return db_end_write(db, STORE_OK);
	if (s == STORE_OK)
		s = user_events_append(db, USER_EVENT_UPDATED, &u);
	return db_end_write(db, s);
}
