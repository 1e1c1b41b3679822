/*
 * db.h - the database under a service's store, whichever engine it is:
 * SQLite (one file, the default) or PostgreSQL (a server several instances
 * share). The store files write their SQL once, with ?1..?N parameters,
 * and bind, step and read columns through these functions; only where the
 * engines must differ (a row lock) does a statement carry a second text.
 *
 * Each worker thread owns one connection (struct db). Numbered migrations
 * are applied at start; a write is acknowledged after the COMMIT that holds
 * it: its own transaction, or with group commit (db_batch.c) a batch of
 * the process's writes on one writer connection, each in its own
 * SAVEPOINT. The engines themselves live in db_sqlite.c and db_pg.c.
 */
#ifndef MICROSHOP_DB_H
#define MICROSHOP_DB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

#define DB_MAX_STATEMENTS 48
/* Statement indices from here up belong to common/ (idempotency keys). */
#define DB_STMT_COMMON 40
/* The last one an engine keeps for itself (its schema version). */
#define DB_STMT_ENGINE (DB_MAX_STATEMENTS - 1)
/* The three before it are db_snapshot_begin's and db_snapshot_end's. */
#define DB_STMT_SNAPSHOT (DB_STMT_ENGINE - 3)
#define DB_MAX_PARAMS 12
#define DB_BUSY_TIMEOUT_MS 5000

/* What db_step answers besides a failure (-1). */
#define DB_ROW 1
#define DB_DONE 0

/* "2026-12-01T19:43:30Z" and its NUL. */
#define DB_TIME_LEN 21

struct db;
struct db_stmt;
struct db_batch;

enum db_engine {
	DB_SQLITE,		/* path is a file */
	DB_POSTGRESQL		/* path is a libpq connection URI */
};

/* Which database a service keeps its data in, and how durably. */
struct db_config {
	const char *service;	/* "user", "order": its schema's owner */
	enum db_engine engine;
	const char *path;	/* the file, or the URI without "sqlite:" */
	int synchronous_full;	/* a COMMIT survives power loss (1) or a crash (0) */
	/* Group commit (--batch-max, --batch-wait): at most batch_max writes
	 * per COMMIT (1: a transaction per write; 0: the engine's default,
	 * db_batch_max), and the longest a batch waits for writers already
	 * queued to join it, in microseconds. */
	long batch_max;
	long batch_wait_us;
	struct db_batch *batch;	/* db_batch_start's; NULL: none */
};

/*
 * Read a --db value into out's engine and path: "sqlite:PATH" or a bare
 * PATH (SQLite), or a libpq URI "postgresql://..." / "postgres://..."
 * (PostgreSQL) that carries no password: a password belongs in PGPASSFILE
 * (default ~/.pgpass), never on a command line that every user of the
 * machine can read. Returns 0, or -1 with *why a static reason.
 */
int db_config_parse(const char *value, struct db_config *out, const char **why);

/*
 * A schema: migrations[i] takes it from version i to i + 1, written once
 * per engine; both arrays have n entries, and version k means the same
 * tables on both.
 */
struct db_schema {
	const char *const *sqlite;
	const char *const *postgresql;
	size_t n;
};

/*
 * A statement. postgresql, when set, replaces sql on PostgreSQL (written
 * with $1..$N); otherwise sql serves both, its ?N read as $N there.
 */
struct db_sql {
	const char *sql;
	const char *postgresql;
};

/*
 * Open cfg's database. With migrate set, missing migrations are applied;
 * without, the schema must already be at schema->n (worker threads open
 * after the main thread migrated). Returns NULL after logging why.
 */
struct db *db_open(const struct db_config *cfg, const struct db_schema *schema,
    int migrate);

/*
 * Bring the schema up to date (db_open with migrate set, then close), once
 * at start before any worker opens its own connection. Several instances
 * starting at once on one PostgreSQL database migrate one after another.
 * Returns 0, or -1 after logging why.
 */
int db_migrate(const struct db_config *cfg, const struct db_schema *schema);

/*
 * After every worker's connection is closed: what the engine wants done
 * once at a clean stop (SQLite: checkpoint the WAL away, so that only a
 * crash leaves one for event=crash_recovery to report at the next start).
 */
void db_stop(const struct db_config *cfg);

/*
 * Group commit, after db_migrate and before any worker opens: with
 * cfg->batch_max above 1, open the process's writer connection and set
 * cfg->batch, through which every db_begin_write on cfg then goes.
 * db_batch_stop closes it once no thread writes any more. Returns 0, or
 * -1 after logging why.
 *
 * For tests, MICROSHOP_TEST_HOLD_BATCH=N (1 to the batch size) in the
 * environment makes the first batch wait for N writes, then holds it open
 * forever before its COMMIT, after logging event=batch_held (batch.test
 * kills the service then).
 */
int db_batch_start(struct db_config *cfg, const struct db_schema *schema);

/* Close the writer connection of db_batch_start, if any. */
void db_batch_stop(struct db_config *cfg);

#define DB_BATCH_MAX_SQLITE 64

/*
 * The writes one COMMIT may hold for cfg: its batch_max, or the engine's
 * default when 0: DB_BATCH_MAX_SQLITE on SQLite, 1 on PostgreSQL, where
 * each connection's own COMMIT ran faster than batches on one connection
 * (docs/performance.md).
 */
long db_batch_max(const struct db_config *cfg);

/* Finalise cached statements and close. Accepts NULL. */
void db_close(struct db *db);

/*
 * The cached statement number idx (< DB_MAX_STATEMENTS), prepared from sql
 * on first use, without bindings; a slot asked for again with another sql
 * aborts (db_rows.h shares the slots out). Borrowed from db; use it, then
 * db_reset it. NULL after logging on a failure (db_failure says which).
 */
struct db_stmt *db_stmt(struct db *db, unsigned idx, const struct db_sql *sql);

/*
 * Bind parameter i (1-based). Text and blobs are borrowed until the
 * statement is reset.
 */
void db_bind_int64(struct db_stmt *st, int i, int64_t v);
void db_bind_text(struct db_stmt *st, int i, const char *s);
void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
void db_bind_null(struct db_stmt *st, int i);

/*
 * Run the statement (first call) or move to its next row: DB_ROW, DB_DONE,
 * or -1 after a failure, logged unless it is a constraint (db_failure).
 */
int db_step(struct db_stmt *st);

/* Columns of the current row. Text and blobs live until the next step. */
int64_t db_column_int64(struct db_stmt *st, int col);
const char *db_column_text(struct db_stmt *st, int col);	/* NULL for NULL */
const void *db_column_blob(struct db_stmt *st, int col, size_t *len);

/* Copy text column col of the current row into out (n bytes, truncated). */
void db_column_copy(struct db_stmt *st, int col, char *out, size_t n);

/* Done with the statement: drop its rows and bindings. Accepts NULL. */
void db_reset(struct db_stmt *st);

/* The store answer for the last failure on db. */
enum store_status db_failure(struct db *db);

/*
 * Step a statement that returns no row, then reset it. Returns STORE_OK or
 * the failure.
 */
enum store_status db_exec_stmt(struct db_stmt *st);

/*
 * Step a statement that returns at most one row, then reset it: read(st,
 * out) takes the row. STORE_OK, STORE_NOT_FOUND when there was none, or
 * the failure.
 */
enum store_status db_step_one(struct db_stmt *st,
    void (*read)(struct db_stmt *st, void *out), void *out);

/*
 * Begin a write transaction: STORE_OK or why not. With group commit the
 * write joins the open batch (db_batch.c): until db_end_write, db's
 * statements run on the writer connection, and no other thread writes.
 */
enum store_status db_begin_write(struct db *db);

/*
 * End a write transaction: COMMIT when st is STORE_OK (a failed COMMIT
 * becomes the answer), else ROLLBACK. Returns the store answer. With group
 * commit: RELEASE or ROLLBACK TO the write's SAVEPOINT, then return once
 * the batch's COMMIT returned (its failure is every write's answer, even
 * a refused one's: what refused it may never have been written).
 */
enum store_status db_end_write(struct db *db, enum store_status st);

/*
 * Read in one snapshot until db_snapshot_end: on SQLite a read transaction
 * (one WAL read lock for every statement in it, instead of one each), 0
 * when it began. -1 on PostgreSQL, where BEGIN and COMMIT would be two
 * more round trips to the server, or when BEGIN failed: the reads then
 * run each on its own. No write may begin inside it.
 */
int db_snapshot_begin(struct db *db);
void db_snapshot_end(struct db *db);

/* Now, in UTC, as the stores keep timestamps: "YYYY-MM-DDTHH:MM:SSZ". */
void db_now(char out[DB_TIME_LEN]);

/* Time t in the same form: what a stored timestamp is compared with. */
void db_time(time_t t, char out[DB_TIME_LEN]);

/* 0 if the database answers a trivial query. */
int db_ping(struct db *db);

/*
 * Is the database ready for requests: it answers (db_ping), its schema is
 * migrated to this build's version, and it can be written (one write that
 * changes nothing: a full or read-only disk fails it). Returns 0, or -1
 * with *why a static reason.
 */
int db_ready(struct db *db, const char **why);

/*
 * Register the database's metrics (metrics.h): write transactions' times
 * and SQLite's lock waits. Once, before the workers start.
 */
void db_metrics_register(void);

#endif
