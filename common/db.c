/*
 * db.c - SQLite connections, migrations, transactions and the statement
 * cache; see db.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "db.h"
#include "metrics.h"

#define DB_HEAP_LIMIT (6 * 1024 * 1024)
#include "log.h"

struct db {
	sqlite3 *conn;
	sqlite3_stmt *stmts[DB_MAX_STATEMENTS];
	char *path;
	int on_disk;		/* dev and ino are those of the file opened */
	dev_t dev;
	ino_t ino;
	int holds_write_lock;
	int64_t write_began_us;	/* for the transaction time metric */
	size_t n_migrations;	/* the schema version this code wants */
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
static pthread_mutex_t db_write_lock = PTHREAD_MUTEX_INITIALIZER;

static void
write_lock_release(struct db *db)
{
	if (db->holds_write_lock) {
		db->holds_write_lock = 0;
		metrics_sqlite_transaction(clock_us() - db->write_began_us);
		pthread_mutex_unlock(&db_write_lock);
	}
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
	metrics_sqlite_busy_retry();
	sqlite3_sleep(delay);
	return 1;
}

static int
exec(struct db *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK) {
		char what[256];

		log_msg(LOG_LEVEL_ERROR, "event=sql_error rc=%d msg=%s", rc,
		    log_value(what, sizeof(what), err ? err : sqlite3_errstr(rc)));
	}
	sqlite3_free(err);
	return rc;
}

static int
user_version(struct db *db, long *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->conn, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
migrate_to(struct db *db, const char *const *migrations, size_t n)
{
	long version;

	if (user_version(db, &version) != SQLITE_OK)
		return -1;
	if (version > (long)n) {
		log_msg(LOG_LEVEL_ERROR, "event=schema_too_new version=%ld known=%zu",
		    version, n);
		return -1;
	}
	for (size_t i = (size_t)version; i < n; i++) {
		char pragma[64];

		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
		if (db_begin_write(db) != SQLITE_OK)
			return -1;
		if (exec(db, migrations[i]) != SQLITE_OK || exec(db, pragma) != SQLITE_OK ||
		    db_commit(db) != SQLITE_OK) {
			db_rollback(db);
			return -1;
		}
		log_msg(LOG_LEVEL_INFO, "event=migration version=%zu", i + 1);
	}
	return 0;
}

struct db *
db_open(const struct svc_config *cfg, const char *const *migrations, size_t n,
    int migrate)
{
	const char *path = cfg->db_path;
	struct db *db = calloc(1, sizeof(*db));
	long version = 0;
	char what[512];
	struct stat st;
	int rc;

	if (db == NULL)
		return NULL;
	db->n_migrations = n;
	rc = sqlite3_open_v2(path, &db->conn,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=db_open_failed path=%s msg=%s",
		    log_value(what, sizeof(what), path), sqlite3_errstr(rc));
		goto fail;
	}
	db->path = strdup(path);
	if (db->path != NULL && stat(path, &st) == 0) {
		db->on_disk = 1;
		db->dev = st.st_dev;
		db->ino = st.st_ino;
	}
	/*
	 * SQLite falls back to read-only when the file cannot be written (a
	 * read-only disk that still holds the -wal and -shm files): a service
	 * that cannot write must not start as if it could.
	 */
	if (sqlite3_db_readonly(db->conn, "main") == 1) {
		log_msg(LOG_LEVEL_ERROR, "event=db_read_only path=%s",
		    log_value(what, sizeof(what), path));
		goto fail;
	}
	sqlite3_extended_result_codes(db->conn, 1);
	sqlite3_busy_handler(db->conn, busy_wait, NULL);
	/*
	 * WAL lets readers run beside the one writer. synchronous=FULL syncs
	 * the WAL at every COMMIT, so an acknowledged write survives power
	 * loss; NORMAL syncs only at checkpoints, so the last writes before a
	 * power loss (never a crash of the process) can be lost.
	 */
	if (exec(db, "PRAGMA journal_mode = WAL") != SQLITE_OK ||
	    exec(db, cfg->synchronous_full ? "PRAGMA synchronous = FULL"
	    : "PRAGMA synchronous = NORMAL") != SQLITE_OK ||
	    exec(db, "PRAGMA foreign_keys = ON") != SQLITE_OK)
		goto fail;

	if (migrate) {
		if (migrate_to(db, migrations, n) < 0)
			goto fail;
	} else if (user_version(db, &version) != SQLITE_OK || version != (long)n) {
		log_msg(LOG_LEVEL_ERROR, "event=schema_mismatch version=%ld want=%zu",
		    version, n);
		goto fail;
	}
	return db;
fail:
	log_msg(LOG_LEVEL_ERROR, "event=db_unusable path=%s",
	    log_value(what, sizeof(what), path));
	db_close(db);
	return NULL;
}

/*
 * Set while db_checkpoint_at_exit runs, after every worker has been joined:
 * a WAL it finds was left by this process's own workers closing together,
 * not by a crash.
 */
static int db_exiting;

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
	if (db_exiting)
		log_msg(LOG_LEVEL_DEBUG, "event=exit_checkpoint detail=%s",
		    log_value(v, sizeof(v), msg));
	else
		log_msg(LOG_LEVEL_WARN, "event=crash_recovery detail=%s",
		    log_value(v, sizeof(v), msg));
}

int
db_migrate(const struct svc_config *cfg, const char *const *migrations, size_t n)
{
	struct db *db;

	/*
	 * Every worker thread has its own connection, and each connection its
	 * own page cache (2 MB by default), so ten threads would keep ten
	 * copies of the same pages. The soft limit on SQLite's memory for the
	 * whole process makes the caches give pages back past it; a page read
	 * again comes from the kernel's page cache.
	 */
	sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);	/* before SQLite starts */
	sqlite3_soft_heap_limit64(DB_HEAP_LIMIT);
	db = db_open(cfg, migrations, n, 1);

	db_close(db);
	return db != NULL ? 0 : -1;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < DB_MAX_STATEMENTS; i++)
		sqlite3_finalize(db->stmts[i]);
	sqlite3_close(db->conn);
	free(db->path);
	free(db);
}

sqlite3_stmt *
db_stmt(struct db *db, unsigned idx, const char *sql)
{
	sqlite3_stmt *st;

	if (idx >= DB_MAX_STATEMENTS)
		return NULL;
	st = db->stmts[idx];
	if (st == NULL) {
		int rc = sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL);
		if (rc != SQLITE_OK) {
			char what[256];

			log_msg(LOG_LEVEL_ERROR, "event=sql_prepare_failed idx=%u msg=%s",
			    idx, log_value(what, sizeof(what), sqlite3_errmsg(db->conn)));
			return NULL;
		}
		db->stmts[idx] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int
db_begin_write(struct db *db)
{
	int rc;

	pthread_mutex_lock(&db_write_lock);
	db->holds_write_lock = 1;
	db->write_began_us = clock_us();
	rc = exec(db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		write_lock_release(db);
	return rc;
}

int
db_commit(struct db *db)
{
	int rc = exec(db, "COMMIT");

	/* A COMMIT that failed with SQLITE_BUSY leaves the transaction open. */
	if (sqlite3_get_autocommit(db->conn))
		write_lock_release(db);
	return rc;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->conn))
		exec(db, "ROLLBACK");
	write_lock_release(db);
}

enum store_status
db_end_write(struct db *db, enum store_status st)
{
	int rc;

	if (st != STORE_OK) {
		db_rollback(db);
		return st;
	}
	rc = db_commit(db);
	if (rc != SQLITE_OK) {
		db_rollback(db);
		return store_status_from_sqlite(rc);
	}
	return STORE_OK;
}

enum store_status
db_step_failed(struct db *db, int rc)
{
	if ((rc & 0xff) != SQLITE_CONSTRAINT) {
		char what[256];

		log_msg(LOG_LEVEL_ERROR, "event=sql_step_failed rc=%d msg=%s", rc,
		    log_value(what, sizeof(what), sqlite3_errmsg(db->conn)));
	}
	return store_status_from_sqlite(rc);
}

void
db_column_copy(sqlite3_stmt *st, int col, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(out, n, "%s", t ? (const char *)t : "");
}

int
db_ping(struct db *db)
{
	sqlite3_stmt *st;
	struct stat sb;
	int rc;

	/*
	 * A connection keeps working on a file that was deleted or replaced
	 * under it, and every write would then be lost: that is a database
	 * that does not answer.
	 */
	if (db->on_disk && (stat(db->path, &sb) != 0 || sb.st_dev != db->dev ||
	    sb.st_ino != db->ino))
		return -1;
	st = db_stmt(db, DB_MAX_STATEMENTS - 1, "SELECT count(*) FROM sqlite_schema");
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
db_ready(struct db *db, const char **why)
{
	char pragma[64];
	long version = -1;
	int rc;

	*why = NULL;
	if (db_ping(db) < 0) {
		*why = "the database does not answer";
		return -1;
	}
	if (user_version(db, &version) != SQLITE_OK || version != (long)db->n_migrations) {
		*why = "the database schema is not the one this build wants";
		return -1;
	}
	/* A write that changes nothing, but needs the disk: a page of the WAL. */
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %ld", version);
	if ((rc = db_begin_write(db)) == SQLITE_OK) {
		if ((rc = exec(db, pragma)) == SQLITE_OK)
			rc = db_commit(db);
		if (rc != SQLITE_OK)
			db_rollback(db);
	}
	if (rc != SQLITE_OK) {
		*why = "the database cannot be written";
		return -1;
	}
	return 0;
}

void
db_checkpoint_at_exit(const struct svc_config *cfg)
{
	sqlite3 *conn = NULL;

	db_exiting = 1;
	if (sqlite3_open_v2(cfg->db_path, &conn, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		sqlite3_exec(conn, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(conn);
}

sqlite3 *
db_handle(struct db *db)
{
	return db->conn;
}
