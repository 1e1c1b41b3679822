/*
 * db_sqlite.c - the SQLite engine: one file per service, opened with WAL,
 * foreign keys, a counted busy timeout and the chosen synchronous mode;
 * one writer at a time per process; the schema version in PRAGMA
 * user_version; crash recovery reported from SQLite's own log.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "db_driver.h"
#include "log.h"

/* Each connection's page cache, in KiB (PRAGMA cache_size = -N). */
#define DB_CACHE_KIB 128
#define STR_(x) #x
#define STR(x) STR_(x)

struct lite {
	sqlite3 *conn;
	int on_disk;		/* dev and ino are those of the file opened */
	dev_t dev;
	ino_t ino;
	int holds_write_lock;
};

/*
 * One writer at a time per process. SQLite lets only one connection write
 * anyway; without this lock the others wait in the busy handler, which
 * sleeps and polls (1, 2, 5, 10 ... 100 ms), so a write that loses the race
 * a few times waits far longer than the writes ahead of it took. Queueing
 * on a mutex hands the lock straight to the next writer: measured on
 * POST /user at 64 connections, p99 went from hundreds of milliseconds to
 * 14 ms (docs/performance.md). The busy timeout still covers writers in
 * other processes (a second instance, the sqlite3 shell).
 */
static pthread_mutex_t lite_write_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Set while lite_stop runs, after every worker has been joined: a WAL it
 * finds was left by this process's own workers closing together, not by a
 * crash.
 */
static int lite_stopping;

static sqlite3 *
conn_of(struct db *db)
{
	return ((struct lite *)db->conn)->conn;
}

/* The store answer for an SQLite result code. */
static enum store_status
status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return STORE_CONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	case SQLITE_FULL:
		return STORE_FULL;
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return STORE_UNAVAILABLE;
	}
	return STORE_ERR;
}

/* Log a failure (a constraint is the client's, not worth a line) and fail. */
static int
failed(struct db *db, int rc, const char *event)
{
	if ((rc & 0xff) != SQLITE_CONSTRAINT) {
		char what[256];

		log_msg(LOG_LEVEL_ERROR, "event=%s rc=%d msg=%s", event, rc,
		    log_value(what, sizeof(what), sqlite3_errmsg(conn_of(db))));
	}
	return db_fail(db, status_of(rc));
}

/*
 * SQLite's own busy timeout, counted: wait 1, 2, 5, 10, ... 100 ms between
 * tries (the delays of sqlite3_busy_timeout) until DB_BUSY_TIMEOUT_MS.
 */
static int
busy_wait(void *arg, int tries)
{
	static const int delay_ms[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 };
	const size_t n = sizeof(delay_ms) / sizeof(delay_ms[0]);
	int waited = 0, delay;

	(void)arg;
	for (int i = 0; i < tries; i++)
		waited += delay_ms[(size_t)i < n ? (size_t)i : n - 1];
	delay = delay_ms[(size_t)tries < n ? (size_t)tries : n - 1];
	if (waited + delay > DB_BUSY_TIMEOUT_MS)
		delay = DB_BUSY_TIMEOUT_MS - waited;
	if (delay <= 0)
		return 0;
	db_busy_retry_count();
	sqlite3_sleep(delay);
	return 1;
}

/*
 * SQLite's own log, for the one notice an operator needs: a WAL recovered
 * when the database is opened, which happens only when the process that
 * wrote it did not close it (a crash, SIGKILL, power loss) and tells how
 * many committed frames were replayed.
 */
static void
sqlite_log(void *arg, int code, const char *msg)
{
	char v[512];

	(void)arg;
	if (code != SQLITE_NOTICE_RECOVER_WAL)
		return;
	if (lite_stopping)
		log_msg(LOG_LEVEL_DEBUG, "event=exit_checkpoint detail=%s",
		    log_value(v, sizeof(v), msg));
	else
		log_msg(LOG_LEVEL_WARN, "event=crash_recovery detail=%s",
		    log_value(v, sizeof(v), msg));
}

static void
lite_init(void)
{
	/*
	 * No memory statistics: with them every allocation of every
	 * connection takes one global mutex (Debian's SQLite has no lookaside
	 * memory, so that is several per row read), and the worker threads
	 * met there 0.6 times per GET /user/{id} (a futex each); without
	 * them, 0.08 (docs/performance.md). What bounds SQLite's memory is
	 * then each connection's own cache (lite_open), not a soft heap limit
	 * for the process, which needs the statistics.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);	/* both before SQLite starts */
	sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
}

/* The end of an sqlite3_exec: 0, or its failure logged and recorded. */
static int
exec_result(struct db *db, int rc, char *err)
{
	char what[256];

	if (rc == SQLITE_OK)
		return 0;
	log_msg(LOG_LEVEL_ERROR, "event=sql_error rc=%d msg=%s", rc,
	    log_value(what, sizeof(what), err ? err : sqlite3_errstr(rc)));
	sqlite3_free(err);
	return db_fail(db, status_of(rc));
}

static int
lite_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(conn_of(db), sql, NULL, NULL, &err);

	return exec_result(db, rc, err);
}

/*
 * lite_exec for a statement that reads the file and then writes it, as
 * the switch to WAL does (it reads the header, then writes the format
 * bytes). SQLite does not call the busy handler when a read wants to
 * become a write while another connection writes (two such readers would
 * wait for each other forever): it answers SQLITE_BUSY at once. The failed
 * statement holds no lock, so waiting as the busy handler would and trying
 * again is safe. Instances starting together on one new file did fail
 * here, about one start in a hundred (tests/integration/lifecycle.test).
 */
static int
lite_exec_upgrading(struct db *db, const char *sql)
{
	char *err = NULL;
	int rc, tries = 0;

	while (((rc = sqlite3_exec(conn_of(db), sql, NULL, NULL, &err)) & 0xff) ==
	    SQLITE_BUSY && busy_wait(NULL, tries++)) {
		sqlite3_free(err);
		err = NULL;
	}
	return exec_result(db, rc, err);
}

static int
lite_open(struct db *db)
{
	const char *path = db->cfg->path;
	struct lite *l = calloc(1, sizeof(*l));
	char what[512];
	struct stat sb;
	int rc;

	if (l == NULL)
		return db_fail(db, STORE_ERR);
	db->conn = l;
	rc = sqlite3_open_v2(path, &l->conn,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=db_open_failed path=%s msg=%s",
		    log_value(what, sizeof(what), path), sqlite3_errstr(rc));
		return db_fail(db, STORE_UNAVAILABLE);
	}
	if (stat(path, &sb) == 0) {
		l->on_disk = 1;
		l->dev = sb.st_dev;
		l->ino = sb.st_ino;
	}
	/*
	 * SQLite falls back to read-only when the file cannot be written (a
	 * read-only disk that still holds the -wal and -shm files): a service
	 * that cannot write must not start as if it could.
	 */
	if (sqlite3_db_readonly(l->conn, "main") == 1) {
		log_msg(LOG_LEVEL_ERROR, "event=db_read_only path=%s",
		    log_value(what, sizeof(what), path));
		return db_fail(db, STORE_UNAVAILABLE);
	}
	sqlite3_extended_result_codes(l->conn, 1);
	sqlite3_busy_handler(l->conn, busy_wait, NULL);
	/*
	 * WAL lets readers run beside the one writer. synchronous=FULL syncs
	 * the WAL at every COMMIT, so an acknowledged write survives power
	 * loss; NORMAL syncs only at checkpoints, so the last writes before a
	 * power loss (never a crash of the process) can be lost.
	 */
	/*
	 * Every worker thread has its own connection, and each connection its
	 * own page cache (2 MB by default): the user service's six threads
	 * kept six copies of the same pages, most of its memory. DB_CACHE_KIB
	 * holds the upper levels of the B-trees that every lookup goes
	 * through; a leaf read again comes from the kernel's page cache (one
	 * pread; docs/performance.md).
	 */
	if (lite_exec_upgrading(db, "PRAGMA journal_mode = WAL") < 0 ||
	    lite_exec(db, db->cfg->synchronous_full ? "PRAGMA synchronous = FULL"
	    : "PRAGMA synchronous = NORMAL") < 0 ||
	    lite_exec(db, "PRAGMA foreign_keys = ON") < 0 ||
	    lite_exec(db, "PRAGMA cache_size = -" STR(DB_CACHE_KIB)) < 0)
		return -1;
	return 0;
}

static void
lite_close(struct db *db)
{
	struct lite *l = db->conn;

	if (l == NULL)
		return;
	sqlite3_close(l->conn);
	free(l);
}

static int
lite_prepare(struct db_stmt *st, const struct db_sql *sql)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(conn_of(st->db), sql->sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &s, NULL);

	if (rc != SQLITE_OK)
		return failed(st->db, rc, "sql_prepare_failed");
	st->impl = s;
	return 0;
}

static void
lite_finalize(struct db_stmt *st)
{
	sqlite3_finalize(st->impl);
}

static void
bind_params(struct db_stmt *st)
{
	sqlite3_stmt *s = st->impl;

	for (int i = 0; i < st->n_params; i++) {
		const struct db_param *p = &st->params[i];

		switch (p->kind) {
		case DB_PARAM_INT:
			sqlite3_bind_int64(s, i + 1, p->i);
			break;
		case DB_PARAM_TEXT:
			sqlite3_bind_text(s, i + 1, p->p, (int)p->n, SQLITE_STATIC);
			break;
		case DB_PARAM_BLOB:
			sqlite3_bind_blob(s, i + 1, p->p, (int)p->n, SQLITE_STATIC);
			break;
		case DB_PARAM_NULL:
			sqlite3_bind_null(s, i + 1);
			break;
		}
	}
}

static int
lite_step(struct db_stmt *st)
{
	int rc;

	if (!st->started)
		bind_params(st);
	rc = sqlite3_step(st->impl);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return failed(st->db, rc, "sql_step_failed");
}

static void
lite_reset(struct db_stmt *st)
{
	sqlite3_reset(st->impl);
	sqlite3_clear_bindings(st->impl);
}

static int64_t
lite_column_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(st->impl, col);
}

static const char *
lite_column_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->impl, col);
}

static const void *
lite_column_blob(struct db_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st->impl, col);

	*len = (size_t)sqlite3_column_bytes(st->impl, col);
	return p;
}

static void
write_lock_release(struct lite *l)
{
	if (l->holds_write_lock) {
		l->holds_write_lock = 0;
		pthread_mutex_unlock(&lite_write_lock);
	}
}

/*
 * A connection keeps working on a file that was deleted or replaced under
 * it, and every write would then be lost: that is a database that does
 * not answer.
 */
static int
file_replaced(struct db *db)
{
	struct lite *l = db->conn;
	struct stat sb;

	return l->on_disk && (stat(db->cfg->path, &sb) != 0 || sb.st_dev != l->dev ||
	    sb.st_ino != l->ino);
}

static int
lite_begin_write(struct db *db)
{
	struct lite *l = db->conn;

	if (file_replaced(db)) {
		log_msg(LOG_LEVEL_ERROR, "event=db_file_replaced");
		return db_fail(db, STORE_UNAVAILABLE);
	}
	pthread_mutex_lock(&lite_write_lock);
	l->holds_write_lock = 1;
	if (lite_exec(db, "BEGIN IMMEDIATE") < 0) {
		write_lock_release(l);
		return -1;
	}
	return 0;
}

static int
lite_commit(struct db *db)
{
	struct lite *l = db->conn;
	int rc = lite_exec(db, "COMMIT");

	/* A COMMIT that failed with SQLITE_BUSY leaves the transaction open. */
	if (sqlite3_get_autocommit(l->conn))
		write_lock_release(l);
	return rc;
}

static void
lite_rollback(struct db *db)
{
	struct lite *l = db->conn;

	if (!sqlite3_get_autocommit(l->conn))
		sqlite3_exec(l->conn, "ROLLBACK", NULL, NULL, NULL);
	write_lock_release(l);
}

/*
 * The schema version. Read by every health and readiness check, so from
 * the connection's statement cache rather than prepared each time.
 */
static int
user_version(struct db *db, long *out)
{
	static const struct db_sql sql = { "PRAGMA user_version", NULL };
	struct db_stmt *st = db_stmt(db, DB_STMT_ENGINE, &sql);
	int rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_column_int64(st, 0);
	db_reset(st);
	if (rc == DB_ROW)
		return 0;
	return rc < 0 ? -1 : db_fail(db, STORE_ERR);
}

static int
schema_mismatch(struct db *db, long version)
{
	log_msg(LOG_LEVEL_ERROR, "event=schema_mismatch version=%ld want=%zu",
	    version, db->schema->n);
	return db_fail(db, STORE_ERR);
}

/*
 * Apply the next missing migration, if any: *done says whether there was
 * none. The version is read inside the write transaction, so that
 * instances starting together on one file apply each migration once.
 */
static int
migrate_one(struct db *db, int *done)
{
	const struct db_schema *s = db->schema;
	char pragma[64];
	long version;

	if (lite_begin_write(db) < 0)
		return -1;
	if (user_version(db, &version) < 0)
		goto fail;
	if (version >= (long)s->n) {
		*done = 1;
		if (lite_commit(db) < 0)
			goto fail;
		if (version == (long)s->n)
			return 0;
		/* A newer build migrated it: this one must not serve it. */
		log_msg(LOG_LEVEL_ERROR, "event=schema_too_new version=%ld known=%zu",
		    version, s->n);
		return db_fail(db, STORE_ERR);
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %ld", version + 1);
	if (lite_exec(db, s->sqlite[version]) < 0 || lite_exec(db, pragma) < 0 ||
	    lite_commit(db) < 0)
		goto fail;
	log_msg(LOG_LEVEL_INFO, "event=migration version=%ld", version + 1);
	return 0;
fail:
	lite_rollback(db);
	return -1;
}

static int
lite_schema_check(struct db *db, int migrate)
{
	long version = -1;
	int done = 0;

	if (!migrate) {
		if (user_version(db, &version) < 0)
			return -1;
		return version == (long)db->schema->n ? 0 : schema_mismatch(db, version);
	}
	while (!done)
		if (migrate_one(db, &done) < 0)
			return -1;
	return 0;
}

static int
lite_ping(struct db *db)
{
	long version;

	if (file_replaced(db))
		return db_fail(db, STORE_UNAVAILABLE);
	return user_version(db, &version);
}

static int
lite_write_probe(struct db *db)
{
	char pragma[64];
	long version;

	/* A write that changes nothing, but needs the disk: a page of the WAL. */
	if (user_version(db, &version) < 0)
		return -1;
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %ld", version);
	if (lite_begin_write(db) < 0)
		return -1;
	if (lite_exec(db, pragma) < 0 || lite_commit(db) < 0) {
		lite_rollback(db);
		return -1;
	}
	return 0;
}

/*
 * After every worker's connection is closed: open the database once more,
 * alone, and close it, which checkpoints the WAL into the database and
 * deletes it. Workers closing at the same moment may each leave it to
 * another; a clean stop then leaves no WAL, and only a crash does.
 */
static void
lite_stop(const struct db_config *cfg)
{
	sqlite3 *conn = NULL;

	lite_stopping = 1;
	if (sqlite3_open_v2(cfg->path, &conn, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		sqlite3_exec(conn, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(conn);
}

const struct db_driver db_sqlite_driver = {
	.name = "sqlite",
	.init = lite_init,
	.open = lite_open,
	.close = lite_close,
	.prepare = lite_prepare,
	.finalize = lite_finalize,
	.step = lite_step,
	.reset = lite_reset,
	.column_int64 = lite_column_int64,
	.column_text = lite_column_text,
	.column_blob = lite_column_blob,
	.exec = lite_exec,
	.begin_write = lite_begin_write,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.schema_check = lite_schema_check,
	.ping = lite_ping,
	.write_probe = lite_write_probe,
	.stop = lite_stop,
};
