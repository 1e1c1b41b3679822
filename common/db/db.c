/*
 * db.c - the engine-neutral half of the database: connections and their
 * statement cache, parameters, rows, write transactions and readiness, on
 * top of the engine chosen by --db; see db.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "clock.h"
#include "db_driver.h"
#include "log.h"
#include "metrics.h"

/* 1 if the libpq connection string conninfo sets a password. */
static int
conninfo_has_password(const char *conninfo, int *bad)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	int found = 0;

	*bad = opts == NULL;
	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && *o->val != '\0')
			found = 1;
	PQconninfoFree(opts);
	return found;
}

int
db_config_parse(const char *value, struct db_config *out, const char **why)
{
	int bad;

	*why = NULL;
	if (strncmp(value, "postgresql://", 13) == 0 || strncmp(value, "postgres://", 11) == 0) {
		if (conninfo_has_password(value, &bad)) {
			*why = "a password does not belong on the command line: "
			    "put it in PGPASSFILE (default ~/.pgpass)";
			return -1;
		}
		if (bad) {
			*why = "not a PostgreSQL connection URI";
			return -1;
		}
		out->engine = DB_POSTGRESQL;
		out->path = value;
		return 0;
	}
	if (strncmp(value, "sqlite:", 7) == 0) {
		value += 7;
	} else if (strstr(value, "://") != NULL) {
		/* mysql://... is not a file to create. */
		*why = "not an SQLite path (sqlite:PATH) nor a postgresql:// URI";
		return -1;
	}
	if (*value == '\0') {
		*why = "no database file";
		return -1;
	}
	out->engine = DB_SQLITE;
	out->path = value;
	return 0;
}

static const struct db_driver *
driver_of(const struct db_config *cfg)
{
	return cfg->engine == DB_POSTGRESQL ? &db_pg_driver : &db_sqlite_driver;
}

static pthread_once_t drivers_once = PTHREAD_ONCE_INIT;

static void
drivers_init(void)
{
	if (db_sqlite_driver.init != NULL)
		db_sqlite_driver.init();
	if (db_pg_driver.init != NULL)
		db_pg_driver.init();
}

int
db_fail(struct db *db, enum store_status st)
{
	db->failure = st;
	return -1;
}

struct db *
db_open(const struct db_config *cfg, const struct db_schema *schema, int migrate)
{
	struct db *db = calloc(1, sizeof(*db));
	char what[512];

	pthread_once(&drivers_once, drivers_init);
	if (db == NULL)
		return NULL;
	db->driver = driver_of(cfg);
	db->cfg = cfg;
	db->schema = schema;
	if (db->driver->open(db) == 0 && db->driver->schema_check(db, migrate) == 0)
		return db;
	log_msg(LOG_LEVEL_ERROR, "event=db_unusable engine=%s db=%s", db->driver->name,
	    log_value(what, sizeof(what), cfg->path));
	db_close(db);
	return NULL;
}

int
db_migrate(const struct db_config *cfg, const struct db_schema *schema)
{
	struct db *db = db_open(cfg, schema, 1);

	db_close(db);
	return db != NULL ? 0 : -1;
}

void
db_stop(const struct db_config *cfg)
{
	driver_of(cfg)->stop(cfg);
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < DB_MAX_STATEMENTS; i++) {
		if (db->stmts[i] != NULL) {
			db->driver->finalize(db->stmts[i]);
			free(db->stmts[i]);
		}
	}
	db->driver->close(db);
	free(db);
}

struct db_stmt *
db_stmt(struct db *db, unsigned idx, const struct db_sql *sql)
{
	struct db_stmt *st;

	if (db->writing_on != NULL)
		db = db->writing_on;
	if (idx >= DB_MAX_STATEMENTS) {
		db_fail(db, STORE_ERR);
		return NULL;
	}
	st = db->stmts[idx];
	if (st == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL) {
			db_fail(db, STORE_ERR);
			return NULL;
		}
		st->db = db;
		st->idx = idx;
		st->sql = sql;
		if (db->driver->prepare(st, sql) < 0) {
			free(st);
			return NULL;
		}
		db->stmts[idx] = st;
	}
	/* Two modules in one slot (their ranges overlap): abort loudly. */
	if (st->sql != sql)
		abort();
	db_reset(st);
	return st;
}

static struct db_param *
param(struct db_stmt *st, int i)
{
	/* An index out of range is a bug in a store's SQL table: abort loudly. */
	if (i < 1 || i > DB_MAX_PARAMS)
		abort();
	if (i > st->n_params)
		st->n_params = i;
	return &st->params[i - 1];
}

void
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct db_param *p = param(st, i);

	p->kind = DB_PARAM_INT;
	p->i = v;
}

void
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	struct db_param *p = param(st, i);

	p->kind = s != NULL ? DB_PARAM_TEXT : DB_PARAM_NULL;
	p->p = s;
	p->n = s != NULL ? strlen(s) : 0;
}

void
db_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	struct db_param *p = param(st, i);

	p->kind = DB_PARAM_BLOB;
	p->p = v;
	p->n = n;
}

void
db_bind_null(struct db_stmt *st, int i)
{
	param(st, i)->kind = DB_PARAM_NULL;
}

int
db_step(struct db_stmt *st)
{
	int rc = st->db->driver->step(st);

	st->started = 1;
	return rc;
}

int64_t
db_column_int64(struct db_stmt *st, int col)
{
	return st->db->driver->column_int64(st, col);
}

const char *
db_column_text(struct db_stmt *st, int col)
{
	return st->db->driver->column_text(st, col);
}

const void *
db_column_blob(struct db_stmt *st, int col, size_t *len)
{
	return st->db->driver->column_blob(st, col, len);
}

void
db_column_copy(struct db_stmt *st, int col, char *out, size_t n)
{
	const char *t = db_column_text(st, col);

	snprintf(out, n, "%s", t != NULL ? t : "");
}

void
db_reset(struct db_stmt *st)
{
	if (st == NULL)
		return;
	st->db->driver->reset(st);
	memset(st->params, 0, sizeof(st->params));
	st->n_params = 0;
	st->started = 0;
}

enum store_status
db_failure(struct db *db)
{
	if (db->writing_on != NULL)
		return db->writing_on->failure;
	return db->failure;
}

enum store_status
db_exec_stmt(struct db_stmt *st)
{
	int rc = db_step(st);

	db_reset(st);
	if (rc == DB_DONE)
		return STORE_OK;
	return rc == DB_ROW ? STORE_ERR : db_failure(st->db);
}

enum store_status
db_step_one(struct db_stmt *st, void (*read)(struct db_stmt *st, void *out), void *out)
{
	struct db *db = st->db;
	int rc = db_step(st), found = 0;

	if (rc == DB_ROW) {
		read(st, out);
		found = 1;
		rc = db_step(st);
	}
	db_reset(st);
	if (rc == DB_DONE)
		return found ? STORE_OK : STORE_NOT_FOUND;
	return rc == DB_ROW ? STORE_ERR : db_failure(db);
}

/* Does db write through the process's batch (not being its writer)? */
static int
batched(const struct db *db)
{
	return db->cfg->batch != NULL && db_batch_writer(db->cfg->batch) != db;
}

enum store_status
db_begin_write(struct db *db)
{
	enum store_status st = STORE_OK;

	db->write_began_us = clock_us();
	if (batched(db))
		st = db_batch_begin(db);
	else if (db->driver->begin_write(db) < 0)
		st = db->failure;
	db->in_write = st == STORE_OK;
	return st;
}

/* Write transactions' times (both engines), and SQLite's waits. */
static struct metrics_histogram transactions;
static struct metrics_counter busy_retries;

void
db_metrics_register(void)
{
	metrics_counter_register(&busy_retries, "microshop_sqlite_busy_retries_total",
	    "Times SQLite found the database locked and waited to retry.");
	metrics_histogram_register(&transactions, "microshop_sqlite_transaction_duration_seconds",
	    "Write transactions, from BEGIN IMMEDIATE to COMMIT or ROLLBACK "
	    "(with group commit: a write, from joining its batch to the batch's COMMIT).");
	db_batch_metrics_register();
}

void
db_busy_retry_count(void)
{
	metrics_counter_add(&busy_retries, 1);
}

enum store_status
db_commit_or_rollback(struct db *db, enum store_status st)
{
	if (st == STORE_OK && db->driver->commit(db) < 0)
		st = db->failure;
	if (st != STORE_OK)
		db->driver->rollback(db);
	return st;
}

enum store_status
db_end_write(struct db *db, enum store_status st)
{
	if (!db->in_write)
		return st != STORE_OK ? st : STORE_ERR;
	if (db->writing_on != NULL)
		st = db_batch_end(db, st);
	else
		st = db_commit_or_rollback(db, st);
	db->in_write = 0;
	metrics_histogram_observe(&transactions, clock_us() - db->write_began_us);
	return st;
}

/* A deferred BEGIN: the first SELECT takes the snapshot. */
static const struct db_sql snapshot_sql[] = {
	{ "BEGIN", NULL }, { "COMMIT", NULL }, { "ROLLBACK", NULL },
};

/* Run snapshot statement i. */
static enum store_status
snapshot_run(struct db *db, unsigned i)
{
	struct db_stmt *st = db_stmt(db, DB_STMT_SNAPSHOT + i, &snapshot_sql[i]);

	return st != NULL ? db_exec_stmt(st) : db_failure(db);
}

int
db_snapshot_begin(struct db *db)
{
	if (db->cfg->engine != DB_SQLITE)
		return -1;
	return snapshot_run(db, 0) == STORE_OK ? 0 : -1;
}

void
db_snapshot_end(struct db *db)
{
	/* A read transaction's COMMIT only lets its locks go; should it fail
	 * all the same, the ROLLBACK keeps the connection out of it. */
	if (snapshot_run(db, 1) != STORE_OK)
		snapshot_run(db, 2);
}

void
db_now(char out[DB_TIME_LEN])
{
	db_time(time(NULL), out);
}

void
db_time(time_t t, char out[DB_TIME_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, DB_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
db_ping(struct db *db)
{
	return db->driver->ping(db);
}

int
db_ready(struct db *db, const char **why)
{
	*why = NULL;
	if (db_ping(db) < 0) {
		*why = "the database does not answer";
		return -1;
	}
	if (db->driver->schema_check(db, 0) < 0) {
		*why = "the database schema is not the one this build wants";
		return -1;
	}
	if (db->driver->write_probe(db) < 0) {
		*why = "the database cannot be written";
		return -1;
	}
	return 0;
}
