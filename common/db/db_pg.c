/*
 * db_pg.c - the PostgreSQL engine: a libpq connection per worker thread to
 * the database --db names, statements prepared on the server once per
 * connection, the schema version in a one-row table, migrations under an
 * advisory lock (several instances may start at once), and a lost
 * connection re-opened at the next request, the one that found it lost
 * having been answered 503.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "db_driver.h"
#include "log.h"

/* Any constant: the advisory lock that serialises migrations. */
#define PG_MIGRATION_LOCK 0x6d73686f70L

struct pg {
	PGconn *conn;
	unsigned generation;	/* +1 at each (re)connection */
	int in_transaction;	/* BEGIN ran; no COMMIT or ROLLBACK yet */
};

struct pg_stmt {
	char name[16];
	char *sql;		/* with $N parameters */
	unsigned prepared;	/* the generation it was prepared in; 0: not */
	PGresult *res;
	int row, n_rows;
	unsigned char *blob;	/* the last bytea column read, decoded */
};

static PGconn *
conn_of(struct db *db)
{
	return ((struct pg *)db->conn)->conn;
}

/* The store answer for a failed command, from its SQLSTATE. */
static enum store_status
status_of(PGconn *conn, const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) != CONNECTION_OK || state == NULL)
		return STORE_UNAVAILABLE;
	if (strncmp(state, "23", 2) == 0)		/* integrity constraint */
		return STORE_CONFLICT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
	    strcmp(state, "53300") == 0)	/* serialization, deadlock, lock,
						 * cancelled, too many connections */
		return STORE_BUSY;
	if (strcmp(state, "53100") == 0)		/* disk full */
		return STORE_FULL;
	if (strcmp(state, "25006") == 0 || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0 || strncmp(state, "53", 2) == 0)
		return STORE_UNAVAILABLE;	/* read-only, connection, shutdown,
						 * resources */
	return STORE_ERR;
}

/* Log a failed command (not a constraint: that is the client's) and fail. */
static int
failed(struct db *db, const PGresult *res, const char *event)
{
	enum store_status st = status_of(conn_of(db), res);
	char what[256];

	if (st != STORE_CONFLICT) {
		const char *msg = res != NULL ? PQresultErrorMessage(res) : "";

		if (*msg == '\0')
			msg = PQerrorMessage(conn_of(db));
		log_msg(LOG_LEVEL_ERROR, "event=%s sqlstate=%s msg=%s", event,
		    res != NULL && PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL ?
		    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "none",
		    log_value(what, sizeof(what), msg));
	}
	return db_fail(db, st);
}

/* The server's notices ("relation exists, skipping") as log lines, not stderr. */
static void
notice(void *arg, const char *msg)
{
	char what[256];

	(void)arg;
	log_msg(LOG_LEVEL_DEBUG, "event=db_notice msg=%s", log_value(what, sizeof(what), msg));
}

/*
 * A connection lost since the last request (the server restarted, a
 * failover, a network cut) is re-opened here, before its next use; its
 * prepared statements went with it. Not inside a transaction: what it
 * wrote died with the old connection, and the statements after it would
 * run on the new one each in a transaction of its own, and the COMMIT
 * would find none open and answer with a warning only. The transaction
 * fails to its end; the next one connects again.
 */
static int
connected(struct db *db)
{
	struct pg *p = db->conn;
	char what[256];

	if (PQstatus(p->conn) == CONNECTION_OK)
		return 0;
	if (p->in_transaction)
		return db_fail(db, STORE_UNAVAILABLE);
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=db_reconnect_failed msg=%s",
		    log_value(what, sizeof(what), PQerrorMessage(p->conn)));
		return db_fail(db, STORE_UNAVAILABLE);
	}
	p->generation++;
	log_msg(LOG_LEVEL_WARN, "event=db_reconnected");
	return 0;
}

/* Run SQL that answers no rows (or rows nobody reads). */
static int
pg_exec(struct db *db, const char *sql)
{
	PGresult *res;
	int rc = 0;

	if (connected(db) < 0)
		return -1;
	res = PQexec(conn_of(db), sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = failed(db, res, "sql_error");
	PQclear(res);
	return rc;
}

static int
pg_open(struct db *db)
{
	/*
	 * --db is expanded in place of dbname; what follows it overrides it,
	 * what precedes it is a default it may override.
	 *
	 * The defaults bound every wait on the network well inside nginx's
	 * 10 s fastcgi_read_timeout, so that a request is answered 503, never
	 * left to nginx's 504 or to TCP's own timeouts (minutes): 2 s to
	 * connect to each host of a multi-host --db (libpq tries them in
	 * turn); a server that stops answering is given up 4 s after its last
	 * packet, whether data is unacknowledged (tcp_user_timeout) or the
	 * connection waits for an answer (keepalives: after 2 s idle, a probe
	 * a second, 2 lost). A query the server is working on keeps answering
	 * the probes, however long it takes. tests/ha/faults.test cuts the
	 * primary off under load.
	 */
	const char *const keys[] = { "connect_timeout", "keepalives",
	    "keepalives_idle", "keepalives_interval", "keepalives_count",
	    "tcp_user_timeout", "dbname", "fallback_application_name", NULL };
	char app[64];
	const char *values[] = { "2", "1", "2", "1", "2", "4000", db->cfg->path,
	    app, NULL };
	struct pg *p = calloc(1, sizeof(*p));
	char what[256];

	if (p == NULL)
		return db_fail(db, STORE_ERR);
	db->conn = p;
	snprintf(app, sizeof(app), "microshop-%s", db->cfg->service);
	p->conn = PQconnectdbParams(keys, values, 1);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=db_open_failed msg=%s",
		    log_value(what, sizeof(what), p->conn != NULL ?
		    PQerrorMessage(p->conn) : "out of memory"));
		return db_fail(db, STORE_UNAVAILABLE);
	}
	p->generation = 1;
	PQsetNoticeProcessor(p->conn, notice, NULL);
	/*
	 * --synchronous normal trades the same thing on both engines: a COMMIT
	 * that returns before its WAL is on disk, so a crash of the server
	 * (never of the service) can lose the last writes.
	 */
	if (!db->cfg->synchronous_full && pg_exec(db, "SET synchronous_commit = off") < 0)
		return -1;
	return 0;
}

static void
pg_close(struct db *db)
{
	struct pg *p = db->conn;

	if (p == NULL)
		return;
	PQfinish(p->conn);
	free(p);
}

/* sql with each ?N written $N (no statement here has a '?' in a literal). */
static char *
dollar_params(const char *sql)
{
	char *out = strdup(sql);
	int quoted = 0;

	if (out == NULL)
		return NULL;
	for (char *c = out; *c != '\0'; c++) {
		if (*c == '\'')
			quoted = !quoted;
		else if (*c == '?' && !quoted && c[1] >= '1' && c[1] <= '9')
			*c = '$';
	}
	return out;
}

static int
pg_prepare(struct db_stmt *st, const struct db_sql *sql)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return db_fail(st->db, STORE_ERR);
	s->sql = sql->postgresql != NULL ? strdup(sql->postgresql) : dollar_params(sql->sql);
	if (s->sql == NULL) {
		free(s);
		return db_fail(st->db, STORE_ERR);
	}
	snprintf(s->name, sizeof(s->name), "s%u", st->idx);
	st->impl = s;
	return 0;
}

static void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt *s = st->impl;

	PQclear(s->res);
	s->res = NULL;
	PQfreemem(s->blob);
	s->blob = NULL;
	s->row = s->n_rows = 0;
}

static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = st->impl;

	pg_reset(st);
	free(s->sql);
	free(s);
}

/* Prepare on the server, once per connection. */
static int
server_prepared(struct db_stmt *st)
{
	struct pg *p = st->db->conn;
	struct pg_stmt *s = st->impl;
	PGresult *res;
	int rc = 0;

	if (s->prepared == p->generation)
		return 0;
	res = PQprepare(p->conn, s->name, s->sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = failed(st->db, res, "sql_prepare_failed");
	else
		s->prepared = p->generation;
	PQclear(res);
	return rc;
}

/* Bind st->params (integers as text, blobs as binary) and run. */
static int
run(struct db_stmt *st)
{
	struct pg_stmt *s = st->impl;
	const char *values[DB_MAX_PARAMS];
	int lengths[DB_MAX_PARAMS], formats[DB_MAX_PARAMS];
	char ints[DB_MAX_PARAMS][24];
	ExecStatusType rs;

	if (connected(st->db) < 0 || server_prepared(st) < 0)
		return -1;
	for (int i = 0; i < st->n_params; i++) {
		const struct db_param *prm = &st->params[i];

		values[i] = NULL;
		lengths[i] = 0;
		formats[i] = 0;
		switch (prm->kind) {
		case DB_PARAM_INT:
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)prm->i);
			values[i] = ints[i];
			break;
		case DB_PARAM_TEXT:
			values[i] = prm->p;
			break;
		case DB_PARAM_BLOB:
			values[i] = prm->p;
			lengths[i] = (int)prm->n;
			formats[i] = 1;
			break;
		case DB_PARAM_NULL:
			break;
		}
	}
	s->res = PQexecPrepared(conn_of(st->db), s->name, st->n_params, values, lengths,
	    formats, 0);
	rs = PQresultStatus(s->res);
	if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK)
		return failed(st->db, s->res, "sql_step_failed");
	s->n_rows = PQntuples(s->res);
	s->row = -1;
	return 0;
}

static int
pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = st->impl;

	if (!st->started && run(st) < 0)
		return -1;
	if (s->res == NULL)
		return db_fail(st->db, STORE_ERR);
	PQfreemem(s->blob);
	s->blob = NULL;
	if (s->row + 1 < s->n_rows) {
		s->row++;
		return DB_ROW;
	}
	s->row = s->n_rows;
	return DB_DONE;
}

static const char *
pg_column_text(struct db_stmt *st, int col)
{
	struct pg_stmt *s = st->impl;

	if (s->res == NULL || s->row < 0 || s->row >= s->n_rows ||
	    PQgetisnull(s->res, s->row, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static int64_t
pg_column_int64(struct db_stmt *st, int col)
{
	const char *v = pg_column_text(st, col);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

static const void *
pg_column_blob(struct db_stmt *st, int col, size_t *len)
{
	struct pg_stmt *s = st->impl;
	const char *v = pg_column_text(st, col);

	*len = 0;
	if (v == NULL)
		return NULL;
	PQfreemem(s->blob);
	s->blob = PQunescapeBytea((const unsigned char *)v, len);
	return s->blob;
}

static int
pg_begin_write(struct db *db)
{
	struct pg *p = db->conn;

	if (pg_exec(db, "BEGIN") < 0)
		return -1;
	p->in_transaction = 1;
	return 0;
}

static int
pg_commit(struct db *db)
{
	struct pg *p = db->conn;
	PGresult *res;
	int rc = 0;

	p->in_transaction = 0;
	res = PQexec(conn_of(db), "COMMIT");

	/* COMMIT of a transaction that failed answers ROLLBACK, not an error. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = failed(db, res, "sql_commit_failed");
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = db_fail(db, STORE_ERR);
	PQclear(res);
	return rc;
}

static void
pg_rollback(struct db *db)
{
	struct pg *p = db->conn;

	p->in_transaction = 0;
	if (PQtransactionStatus(conn_of(db)) != PQTRANS_IDLE)
		PQclear(PQexec(conn_of(db), "ROLLBACK"));
}

/*
 * The schema's version and the service it belongs to, from the one-row
 * table microshop_schema. *version is -1 when the table has no row.
 */
static int
schema_version(struct db *db, long *version)
{
	PGresult *res;
	int rc = 0;

	*version = -1;
	if (connected(db) < 0)
		return -1;
	res = PQexec(conn_of(db), "SELECT service, version FROM microshop_schema");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = failed(db, res, "schema_unreadable");
	} else if (PQntuples(res) == 1) {
		if (strcmp(PQgetvalue(res, 0, 0), db->cfg->service) != 0) {
			char what[64];

			/* Two services on one database would mix their tables. */
			log_msg(LOG_LEVEL_ERROR, "event=db_of_another_service service=%s",
			    log_value(what, sizeof(what), PQgetvalue(res, 0, 0)));
			rc = db_fail(db, STORE_ERR);
		} else {
			*version = strtol(PQgetvalue(res, 0, 1), NULL, 10);
		}
	}
	PQclear(res);
	return rc;
}

static int
migrate(struct db *db)
{
	const struct db_schema *s = db->schema;
	char sql[160];
	long version;

	snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%ld)", PG_MIGRATION_LOCK);
	if (pg_begin_write(db) < 0 || pg_exec(db, sql) < 0 ||
	    pg_exec(db, "CREATE TABLE IF NOT EXISTS microshop_schema ("
	    " service text NOT NULL, version integer NOT NULL)") < 0 ||
	    schema_version(db, &version) < 0)
		goto fail;
	if (version < 0) {
		snprintf(sql, sizeof(sql), "INSERT INTO microshop_schema VALUES ('%s', 0)",
		    db->cfg->service);	/* "user" or "order": ours, not input */
		if (pg_exec(db, sql) < 0)
			goto fail;
		version = 0;
	}
	if (version > (long)s->n) {
		log_msg(LOG_LEVEL_ERROR, "event=schema_too_new version=%ld known=%zu",
		    version, s->n);
		db_fail(db, STORE_ERR);
		goto fail;
	}
	for (size_t i = (size_t)version; i < s->n; i++) {
		snprintf(sql, sizeof(sql), "UPDATE microshop_schema SET version = %zu", i + 1);
		if (pg_exec(db, s->postgresql[i]) < 0 || pg_exec(db, sql) < 0)
			goto fail;
		log_msg(LOG_LEVEL_INFO, "event=migration version=%zu", i + 1);
	}
	/* Every migration in one transaction: all of them, or none. */
	if (pg_commit(db) < 0)
		goto fail;
	return 0;
fail:
	pg_rollback(db);
	return -1;
}

static int
pg_schema_check(struct db *db, int want_migrate)
{
	long version;

	if (want_migrate)
		return migrate(db);
	if (schema_version(db, &version) < 0)
		return -1;
	if (version != (long)db->schema->n) {
		log_msg(LOG_LEVEL_ERROR, "event=schema_mismatch version=%ld want=%zu",
		    version, db->schema->n);
		return db_fail(db, STORE_ERR);
	}
	return 0;
}

static int
pg_ping(struct db *db)
{
	return pg_exec(db, "SELECT 1");
}

static int
pg_write_probe(struct db *db)
{
	if (pg_begin_write(db) < 0 ||
	    pg_exec(db, "UPDATE microshop_schema SET version = version") < 0 ||
	    pg_commit(db) < 0) {
		pg_rollback(db);
		return -1;
	}
	return 0;
}

static void
pg_stop(const struct db_config *cfg)
{
	(void)cfg;	/* the server keeps its own house */
}

const struct db_driver db_pg_driver = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.step = pg_step,
	.reset = pg_reset,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.column_blob = pg_column_blob,
	.exec = pg_exec,
	.begin_write = pg_begin_write,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.schema_check = pg_schema_check,
	.ping = pg_ping,
	.write_probe = pg_write_probe,
	.stop = pg_stop,
};
