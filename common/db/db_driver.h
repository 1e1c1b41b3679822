/*
 * db_driver.h - what an engine gives db.c: the connection and statement
 * structures both sides see, and the table of functions each engine
 * (db_sqlite.c, db_pg.c) fills in. Not for the stores: they use db.h.
 */
#ifndef MICROSHOP_DB_DRIVER_H
#define MICROSHOP_DB_DRIVER_H

#include "db.h"


enum db_param_kind { DB_PARAM_NULL, DB_PARAM_INT, DB_PARAM_TEXT, DB_PARAM_BLOB };

struct db_param {
	enum db_param_kind kind;
	int64_t i;
	const void *p;
	size_t n;
};

struct db_stmt {
	struct db *db;
	unsigned idx;
	const struct db_sql *sql;	/* what it was prepared from */
	void *impl;			/* the engine's prepared statement */
	int n_params;			/* highest parameter bound */
	struct db_param params[DB_MAX_PARAMS];
	int started;			/* executed: db_step moves through rows */
};

struct db {
	const struct db_driver *driver;
	void *conn;			/* the engine's connection */
	const struct db_config *cfg;
	const struct db_schema *schema;
	struct db_stmt *stmts[DB_MAX_STATEMENTS];
	enum store_status failure;	/* of the last failed call */
	int in_write;
	int64_t write_began_us;		/* for the transaction time metric */
	/* While a batched write is open (db_batch.c): the writer connection
	 * its statements run on. NULL otherwise. */
	struct db *writing_on;
};

/*
 * Every function that can fail returns 0, or -1 after setting db->failure
 * (and logging what is not a constraint).
 */
struct db_driver {
	const char *name;
	/* Once per process, before the first open; may be NULL. */
	void (*init)(void);
	int (*open)(struct db *db);
	void (*close)(struct db *db);
	int (*prepare)(struct db_stmt *st, const struct db_sql *sql);
	void (*finalize)(struct db_stmt *st);
	/* DB_ROW, DB_DONE or -1; the first call binds st->params and runs. */
	int (*step)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	int64_t (*column_int64)(struct db_stmt *st, int col);
	const char *(*column_text)(struct db_stmt *st, int col);
	const void *(*column_blob)(struct db_stmt *st, int col, size_t *len);
	/* Run SQL that answers no rows (SAVEPOINT, RELEASE, ROLLBACK TO). */
	int (*exec)(struct db *db, const char *sql);
	int (*begin_write)(struct db *db);
	int (*commit)(struct db *db);
	void (*rollback)(struct db *db);
	/* Migrate (migrate set) or check the schema version. */
	int (*schema_check)(struct db *db, int migrate);
	int (*ping)(struct db *db);
	/* One write that changes nothing. */
	int (*write_probe)(struct db *db);
	void (*stop)(const struct db_config *cfg);
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

/* Set db->failure to st and return -1: the drivers' failure path. */
int db_fail(struct db *db, enum store_status st);

/*
 * Group commit (db_batch.c): begin a write on db's batch (db->cfg->batch),
 * and end it, answered after the COMMIT that holds it.
 */
enum store_status db_batch_begin(struct db *db);
struct db *db_batch_writer(const struct db_batch *b);
enum store_status db_batch_end(struct db *db, enum store_status st);

/* Register the group commit's metrics. */
void db_batch_metrics_register(void);

/* COMMIT when st is STORE_OK (a failed COMMIT becomes the answer), else
 * ROLLBACK: db_end_write's ending, and a batch's. */
enum store_status db_commit_or_rollback(struct db *db, enum store_status st);

/* SQLite waited for a lock (db.c counts it for the metrics). */
void db_busy_retry_count(void);

#endif
