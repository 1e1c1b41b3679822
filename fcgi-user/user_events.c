/*
 * user_events.c - the SQL of the outbox; see user_events.h. The tables are
 * migration 7 of user_store_schema (user_store.c).
 */
#include <string.h>

#include "db_rows.h"
#include "user_events.h"

#define EVENT_COLUMNS "e.seq, e.schema_version, e.type, e.at, e.user_id, e.user_version," \
	" e.status, e.role, e.credential_version"
/* The head as one row, (0, 0) before the first event made the seq row. */
#define HEAD "SELECT coalesce(max(last_seq), 0) AS last_seq," \
	" coalesce(max(swept_through), 0) AS swept_through FROM user_event_seq WHERE id = 1"

enum events_sql {
	SQL_NEXT_SEQ,
	SQL_APPEND,
	SQL_HEAD,
	SQL_READ,
	SQL_SWEEP_FIND,
	SQL_SWEEP_DELETE,
	SQL_SWEPT,
	SQL_SNAPSHOT
};

static const struct db_sql events_sql[] = {
	/*
	 * Seqs are handed out by one row, not by a sequence or AUTOINCREMENT:
	 * on PostgreSQL the upsert's UPDATE locks that row until COMMIT (the first
	 * event's INSERT makes it, and a second first waits on its key until
	 * that commits, then updates it), so writers of events run one after
	 * the other from here on, each commits before the next takes its seq,
	 * and seq order is commit order. A reader that saw seq N committed can
	 * therefore never meet a later commit with a lower seq (which a
	 * sequence, handed out before the commits race, would allow). On
	 * SQLite the one writer gives the same. A rolled-back write rolls its
	 * seq back too: seqs have no gaps.
	 */
	[SQL_NEXT_SEQ] = { "INSERT INTO user_event_seq (id, last_seq, swept_through)"
	    " VALUES (1, 1, 0) ON CONFLICT (id) DO UPDATE"
	    " SET last_seq = user_event_seq.last_seq + 1 RETURNING last_seq", NULL },
	[SQL_APPEND] = { "INSERT INTO user_events (seq, schema_version, type, user_id,"
	    " user_version, status, role, credential_version, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", NULL },
	[SQL_HEAD] = { HEAD, NULL },
	/* One statement, one snapshot: the head and the events after `after`
	 * (none: one row of the head alone). */
	[SQL_READ] = { "SELECT h.last_seq, h.swept_through, " EVENT_COLUMNS
	    " FROM (" HEAD ") AS h LEFT JOIN user_events AS e ON e.seq > ?1"
	    " ORDER BY e.seq LIMIT ?2", NULL },
	/* The feed stays one run of seqs: a sweep removes a prefix of it, up to
	 * the newest event older than the cutoff (an event's at comes from its
	 * writer's clock, which several hosts may not quite agree on). */
	[SQL_SWEEP_FIND] = { "SELECT max(seq) FROM user_events WHERE at < ?1", NULL },
	[SQL_SWEEP_DELETE] = { "DELETE FROM user_events WHERE seq <= ?1 RETURNING seq", NULL },
	[SQL_SWEPT] = { "UPDATE user_event_seq SET swept_through = ?1"
	    " WHERE id = 1 AND swept_through < ?1", NULL },
	/*
	 * Every user after ?1, the deleted ones from their tombstones, and the
	 * last_seq, in one statement: PostgreSQL's READ COMMITTED takes one
	 * snapshot per statement, so these rows are exactly what the events up
	 * to that seq made. Each side is limited before the two are merged,
	 * so that a page sorts at most twice its length. Joined to the head's
	 * row, an empty page still says its seq.
	 */
	[SQL_SNAPSHOT] = { "SELECT h.last_seq, u.id, u.status, u.role, u.credential_version,"
	    " u.version FROM (" HEAD ") AS h LEFT JOIN ("
	    "SELECT * FROM (SELECT id, 'active' AS status, role, credential_version, version"
	    " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2) AS a"
	    " UNION ALL SELECT * FROM (SELECT id, 'deleted', CAST(NULL AS text),"
	    " CAST(NULL AS bigint), CAST(NULL AS bigint)"
	    " FROM deleted_users WHERE id > ?1 ORDER BY id LIMIT ?2) AS d"
	    ") AS u ON 1 = 1 ORDER BY u.id LIMIT ?2", NULL },
};
DB_STMTS(stmts, events_sql, USER_EVENTS_STMT_FIRST, DB_STMT_COMMON);

/* Read the seq a write's event takes. */
static void
seq_read(struct db_stmt *st, void *out)
{
	*(int64_t *)out = db_column_int64(st, 0);
}

enum store_status
user_events_append(struct db *db, enum user_event_type type, const struct user *u)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_NEXT_SEQ);
	char now[DB_TIME_LEN];
	enum store_status s;
	int64_t seq = 0;

	if (st == NULL)
		return db_failure(db);
	if ((s = db_step_one(st, seq_read, &seq)) != STORE_OK)
		return s == STORE_NOT_FOUND ? STORE_ERR : s;	/* RETURNING gives a row */
	if ((st = db_rows_stmt(db, &stmts, SQL_APPEND)) == NULL)
		return db_failure(db);
	db_now(now);
	db_bind_int64(st, 1, seq);
	db_bind_int64(st, 2, USER_EVENT_SCHEMA);
	db_bind_text(st, 3, user_event_type_name(type));
	db_bind_int64(st, 4, u->id);
	db_bind_int64(st, 5, u->version);
	db_bind_text(st, 6, type == USER_EVENT_DELETED ? "deleted" : "active");
	db_bind_text(st, 7, u->role);
	db_bind_int64(st, 8, u->cred_version);
	db_bind_text(st, 9, now);
	return db_exec_stmt(st);
}

/* Read the head's two columns, from column col on. */
static void
head_read_at(struct db_stmt *st, int col, struct user_events_head *h)
{
	h->last_seq = db_column_int64(st, col);
	h->swept_through = db_column_int64(st, col + 1);
}

static void
head_read(struct db_stmt *st, void *out)
{
	head_read_at(st, 0, out);
}

enum store_status
user_events_head(struct db *db, struct user_events_head *out)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_HEAD);
	enum store_status s;

	if (st == NULL)
		return db_failure(db);
	s = db_step_one(st, head_read, out);
	return s == STORE_NOT_FOUND ? STORE_ERR : s;	/* an aggregate gives a row */
}

/* Read the event of a row of SQL_READ (EVENT_COLUMNS from column 2). */
static void
event_read(struct db_stmt *st, struct user_event *e)
{
	e->seq = db_column_int64(st, 2);
	e->schema = db_column_int64(st, 3);
	db_column_copy(st, 4, e->type, sizeof(e->type));
	db_column_copy(st, 5, e->at, sizeof(e->at));
	e->user_id = db_column_int64(st, 6);
	e->user_version = db_column_int64(st, 7);
	db_column_copy(st, 8, e->status, sizeof(e->status));
	db_column_copy(st, 9, e->role, sizeof(e->role));
	e->cred_version = db_column_int64(st, 10);
}

enum store_status
user_events_read(struct db *db, int64_t after, int limit,
    void (*each)(const struct user_event *e, void *arg), void *arg,
    struct user_events_head *head)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_READ);
	struct user_event e;
	int rc, rows = 0;

	memset(head, 0, sizeof(*head));
	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, limit);
	while ((rc = db_step(st)) == DB_ROW) {
		rows++;
		head_read_at(st, 0, head);
		if (db_column_text(st, 2) == NULL)
			continue;	/* no event after `after`: the head alone */
		event_read(st, &e);
		each(&e, arg);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return db_failure(db);
	return rows > 0 ? STORE_OK : STORE_ERR;
}

/* The newest seq older than the cutoff: 0 when there is none (NULL). */
static void
upto_read(struct db_stmt *st, void *out)
{
	*(int64_t *)out = db_column_text(st, 0) != NULL ? db_column_int64(st, 0) : 0;
}

/* Remove every event up to seq upto; *removed counts them. */
static enum store_status
sweep_delete(struct db *db, int64_t upto, int64_t *removed)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_SWEEP_DELETE);
	int rc;

	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, upto);
	while ((rc = db_step(st)) == DB_ROW)
		(*removed)++;
	db_reset(st);
	return rc == DB_DONE ? STORE_OK : db_failure(db);
}

enum store_status
user_events_sweep(struct db *db, const char *before, int64_t *removed,
    int64_t *swept_through)
{
	struct user_events_head head;
	struct db_stmt *st;
	enum store_status s;
	int64_t upto = 0;

	*removed = 0;
	*swept_through = 0;
	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	if ((st = db_rows_stmt(db, &stmts, SQL_SWEEP_FIND)) == NULL)
		return db_end_write(db, db_failure(db));
	db_bind_text(st, 1, before);
	s = db_step_one(st, upto_read, &upto);
	if (s == STORE_OK && upto > 0)
		s = sweep_delete(db, upto, removed);
	if (s == STORE_OK && upto > 0)
		s = db_rows_exec(db, &stmts, SQL_SWEPT, db_key_id(upto), NULL);
	if (s == STORE_OK && (s = user_events_head(db, &head)) == STORE_OK)
		*swept_through = head.swept_through;
	return db_end_write(db, s);
}

/* Read a row of SQL_SNAPSHOT into the caller's each(). */
struct snapshot {
	void (*each)(const struct user_state *s, void *arg);
	void *arg;
	int64_t *seq;
};

static enum store_status
snapshot_row(struct db_stmt *st, void *arg)
{
	struct snapshot *p = arg;
	struct user_state u;

	*p->seq = db_column_int64(st, 0);
	if (db_column_text(st, 1) == NULL)
		return STORE_OK;	/* no user after `after`: the head alone */
	memset(&u, 0, sizeof(u));
	u.id = db_column_int64(st, 1);
	u.deleted = strcmp(db_column_text(st, 2), "deleted") == 0;
	db_column_copy(st, 3, u.role, sizeof(u.role));
	u.cred_version = db_column_int64(st, 4);
	u.version = db_column_int64(st, 5);
	p->each(&u, p->arg);
	return STORE_OK;
}

enum store_status
user_events_snapshot(struct db *db, int64_t after, int limit,
    void (*each)(const struct user_state *s, void *arg), void *arg, int64_t *seq,
    int *more)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_SNAPSHOT);
	struct snapshot p = { each, arg, seq };
	enum store_status s;

	*seq = -1;
	*more = 0;
	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, after);
	s = db_rows_page(db, st, 2, limit, snapshot_row, &p, more);
	/* The head is an aggregate: there is always its row. */
	return s == STORE_OK && *seq < 0 ? STORE_ERR : s;
}
