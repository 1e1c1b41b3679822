/*
 * db.h - SQLite connections for the services: open with WAL, foreign keys,
 * a busy timeout and synchronous=FULL; numbered migrations applied at start
 * through PRAGMA user_version; write transactions with BEGIN IMMEDIATE; and
 * a cache of prepared statements per connection. The SQL itself lives in
 * each service's store file.
 */
#ifndef MICROSHOP_DB_H
#define MICROSHOP_DB_H

#include <stddef.h>

#include <sqlite3.h>

#include "config.h"
#include "store.h"

#define DB_MAX_STATEMENTS 32
/* Statement indices from here up belong to common/ (idempotency keys). */
#define DB_STMT_COMMON 24
#define DB_BUSY_TIMEOUT_MS 5000

struct db;

/*
 * Open cfg->db_path with cfg->synchronous_full. migrations[i] is the SQL that takes the schema from version i
 * to i + 1. With migrate set, missing ones are applied, each in its own
 * transaction; without, the schema must already be at n (worker threads
 * open after the main thread migrated). Returns NULL after logging why.
 */
struct db *db_open(const struct svc_config *cfg, const char *const *migrations,
    size_t n, int migrate);

/*
 * Bring the schema of cfg->db_path up to date (db_open with migrate set,
 * then close), once at start before any worker opens its own connection.
 * Returns 0, or -1 after logging why.
 */
int db_migrate(const struct svc_config *cfg, const char *const *migrations, size_t n);

/*
 * After every worker's connection is closed: open the database once more,
 * alone, and close it, which checkpoints the WAL into the database and
 * deletes it. Workers closing at the same moment may each leave it to
 * another; a clean stop then leaves no WAL, and only a crash does (what
 * event=crash_recovery reports at the next start). The WAL this open finds
 * is the workers' own and is logged at debug level, not as a crash.
 */
void db_checkpoint_at_exit(const struct svc_config *cfg);

/* Finalise cached statements and close. Accepts NULL. */
void db_close(struct db *db);

/*
 * The cached statement number idx (< DB_MAX_STATEMENTS), prepared from sql
 * on first use. Returned reset, with bindings cleared; borrowed from db.
 * NULL after logging on a prepare error.
 */
sqlite3_stmt *db_stmt(struct db *db, unsigned idx, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Return an SQLite result code. */
int db_begin_write(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * End a write transaction: COMMIT when st is STORE_OK (a failed COMMIT
 * becomes the answer), else ROLLBACK. Returns the store answer.
 */
enum store_status db_end_write(struct db *db, enum store_status st);

/* The store answer for a failed step; logs what is not a constraint. */
enum store_status db_step_failed(struct db *db, int rc);

/* Copy text column col of the current row into out (n bytes, truncated). */
void db_column_copy(sqlite3_stmt *st, int col, char *out, size_t n);

/* 0 if the database answers a trivial query. */
int db_ping(struct db *db);

/*
 * Is the database ready for requests: it answers (db_ping), its schema is
 * migrated to this build's version, and it can be written (one write that
 * changes nothing: a full or read-only disk fails it). Returns 0, or -1
 * with *why a static reason.
 */
int db_ready(struct db *db, const char **why);

/* The connection, for sqlite3_errmsg() and sqlite3_changes(). */
sqlite3 *db_handle(struct db *db);

#endif
