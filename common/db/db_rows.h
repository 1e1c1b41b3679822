/*
 * db_rows.h - the shapes every store's SQL takes, written once: the
 * statement slots each store owns in a connection's cache, a schema from
 * its two engines' migrations, a row read by its key (and a deleted one
 * told apart by its tombstone), the row a write changes read locked and
 * checked against If-Match, a statement run for a key, and a keyset page
 * that reads one row past its limit to say whether another page follows.
 * A store names its statements and reads its columns; these do the rest.
 */
#ifndef MICROSHOP_DB_ROWS_H
#define MICROSHOP_DB_ROWS_H

#include <stdint.h>

#include "db.h"
#include "if_match.h"
#include "store.h"

#define DB_ROWS_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A schema from two arrays of migrations, one per engine: defines name
 * (a const struct db_schema; `static DB_SCHEMA(...)` a static one) and
 * fails to compile unless both arrays have one migration per version.
 */
#define DB_SCHEMA(name, sqlite_migrations, postgresql_migrations) \
	const struct db_schema name = { (sqlite_migrations), (postgresql_migrations), \
	    DB_ROWS_LEN(sqlite_migrations) }; \
	_Static_assert(DB_ROWS_LEN(sqlite_migrations) == DB_ROWS_LEN(postgresql_migrations), \
	    #name ": one migration per version on each engine")

/*
 * The statements of one module: sql[i] is kept in the connection's cache
 * slot first + i. The slots of a connection are shared out in ranges that
 * follow one another: the service's stores from 0 (each store's range
 * ends where the next one's begins), common/'s from DB_STMT_COMMON, the
 * engine's own at DB_STMT_ENGINE.
 */
struct db_stmts {
	const struct db_sql *sql;
	unsigned first, n;
};

_Static_assert(DB_STMT_COMMON < DB_STMT_ENGINE && DB_STMT_ENGINE < DB_MAX_STATEMENTS,
    "the stores' slots, then common/'s, then the engine's");

/*
 * Define name (a static struct db_stmts) for the statements of table, in
 * the slots from first up to, not including, limit (where the next range
 * begins): a table with more statements than its range holds fails to
 * compile.
 */
#define DB_STMTS(name, table, first, limit) \
	_Static_assert((first) < (limit) && (first) + DB_ROWS_LEN(table) <= (limit), \
	    #table ": more statements than the slots from " #first " to " #limit); \
	static const struct db_stmts name = { (table), (first), DB_ROWS_LEN(table) }

/*
 * Statement i of m (db_stmt): borrowed, NULL after a failure. An i past
 * m's table is a bug in the store: it aborts.
 */
struct db_stmt *db_rows_stmt(struct db *db, const struct db_stmts *m, unsigned i);

/* A row's key, bound as ?1: text when it is set (a sku), else id. */
struct db_key {
	int64_t id;
	const char *text;
};

static inline struct db_key
db_key_id(int64_t id)
{
	return (struct db_key){ .id = id };
}

static inline struct db_key
db_key_text(const char *text)
{
	return (struct db_key){ .text = text };
}

/* Reads the current row's columns into out (db_step_one's reader). */
typedef void db_row_read(struct db_stmt *st, void *out);

/*
 * Run statement i of m, which takes key as ?1 and returns at most one row,
 * read into out by read. STORE_NOT_FOUND when there is none.
 */
enum store_status db_rows_one(struct db *db, const struct db_stmts *m, unsigned i,
    struct db_key key, db_row_read *read, void *out);

/*
 * Run statement i of m, which takes key as ?1 and, when text is not NULL,
 * text as ?2, and returns no row.
 */
enum store_status db_rows_exec(struct db *db, const struct db_stmts *m, unsigned i,
    struct db_key key, const char *text);

/* No statement: a table without tombstones. */
#define DB_ROWS_NONE ((unsigned)-1)

/* How a store reads the rows of one of its tables by key. */
struct db_table {
	const struct db_stmts *stmts;
	unsigned get;		/* one row by key (?1) */
	unsigned get_locked;	/* the same, locked until COMMIT on PostgreSQL */
	unsigned tombstone;	/* a row when key ?1 was deleted; DB_ROWS_NONE */
	db_row_read *read;
	int version_col;	/* the row's version, for If-Match */
};

/*
 * The row of key, into out. STORE_NOT_FOUND when there is none; STORE_GONE
 * when there is none but a tombstone says it was deleted.
 */
enum store_status db_rows_get(struct db *db, const struct db_table *t, struct db_key key,
    void *out);

/*
 * Inside a write transaction: the row of key into out, locked (as
 * db_rows_get answers), and STORE_STALE when im does not allow its
 * version.
 */
enum store_status db_rows_current(struct db *db, const struct db_table *t, struct db_key key,
    const struct if_match *im, void *out);

/*
 * Takes one row of a page (the statement stands on it): STORE_OK, or a
 * failure that ends the page.
 */
typedef enum store_status db_page_row(struct db_stmt *st, void *arg);

/*
 * A keyset page: st, a statement of db bound but for its LIMIT (parameter
 * limit_param), runs for limit + 1 rows; row(st, arg) takes each of the
 * first limit, and *more says whether a row followed them. Resets st.
 */
enum store_status db_rows_page(struct db *db, struct db_stmt *st, int limit_param,
    int limit, db_page_row *row, void *arg, int *more);

#endif
