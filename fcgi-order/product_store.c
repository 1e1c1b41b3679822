/*
 * product_store.c - the SQL of the price list; see product_store.h.
 */
#include <string.h>

#include "db_rows.h"
#include "product_store.h"

#define PRODUCT_COLUMNS "id, sku, name, unit_price_cents, currency, active, created_at," \
	" updated_at, version"

enum product_sql {
	SQL_GET,
	SQL_GET_LOCKED,
	SQL_PRICE,
	SQL_INSERT,
	SQL_UPDATE,
	SQL_LIST
};

static const struct db_sql product_sql[] = {
	[SQL_GET] = {
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = ?1", NULL },
	/* A PUT reads the row it replaces under a lock (PostgreSQL: until
	 * COMMIT; SQLite's writer holds the whole file). */
	[SQL_GET_LOCKED] = {
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = ?1",
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = $1 FOR UPDATE" },
	/* An order reads its prices under a shared lock: a PUT of the
	 * product waits for the order's COMMIT. */
	[SQL_PRICE] = {
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = ?1",
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE sku = $1 FOR SHARE" },
	[SQL_INSERT] = {
	    "INSERT INTO products (sku, name, unit_price_cents, currency, active,"
	    " created_at, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1)"
	    " RETURNING " PRODUCT_COLUMNS, NULL },
	[SQL_UPDATE] = {
	    "UPDATE products SET name = ?2, unit_price_cents = ?3, currency = ?4,"
	    " active = ?5, updated_at = ?6, version = version + 1 WHERE sku = ?1"
	    " RETURNING " PRODUCT_COLUMNS, NULL },
	[SQL_LIST] = {
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE id > ?1"
	    " AND (?2 IS NULL OR active = ?2) ORDER BY id LIMIT ?3",
	    "SELECT " PRODUCT_COLUMNS " FROM products WHERE id > $1"
	    " AND ($2::integer IS NULL OR active = $2) ORDER BY id LIMIT $3" },
};
DB_STMTS(stmts, product_sql, PRODUCT_STMT_FIRST, USER_PROJECTION_STMT_FIRST);

/* Read a row of PRODUCT_COLUMNS. */
static void
row_read(struct db_stmt *st, void *row)
{
	struct product *p = row;

	p->id = db_column_int64(st, 0);
	db_column_copy(st, 1, p->sku, sizeof(p->sku));
	db_column_copy(st, 2, p->name, sizeof(p->name));
	p->unit_price_cents = db_column_int64(st, 3);
	db_column_copy(st, 4, p->currency, sizeof(p->currency));
	p->active = db_column_int64(st, 5) != 0;
	db_column_copy(st, 6, p->created_at, sizeof(p->created_at));
	db_column_copy(st, 7, p->updated_at, sizeof(p->updated_at));
	p->version = db_column_int64(st, 8);
}

/* Products are known by their sku, and never deleted. */
static const struct db_table products = {
	.stmts = &stmts,
	.get = SQL_GET,
	.get_locked = SQL_GET_LOCKED,
	.tombstone = DB_ROWS_NONE,
	.read = row_read,
	.version_col = 8,	/* of PRODUCT_COLUMNS */
};

enum store_status
product_store_get(struct db *db, const char *sku, struct product *out)
{
	return db_rows_get(db, &products, db_key_text(sku), out);
}

enum store_status
product_store_price(struct db *db, const char *sku, struct product *out)
{
	return db_rows_one(db, &stmts, SQL_PRICE, db_key_text(sku), row_read, out);
}

/* Write p with statement idx (SQL_INSERT or SQL_UPDATE); out is the row written. */
static enum store_status
write_with(struct db *db, enum product_sql idx, const struct product *p,
    struct product *out)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, idx);
	char now[DB_TIME_LEN];

	if (st == NULL)
		return db_failure(db);
	db_now(now);
	db_bind_text(st, 1, p->sku);
	db_bind_text(st, 2, p->name);
	db_bind_int64(st, 3, p->unit_price_cents);
	db_bind_text(st, 4, p->currency);
	db_bind_int64(st, 5, p->active);
	db_bind_text(st, 6, now);
	return db_step_one(st, row_read, out);
}

enum store_status
product_store_put(struct db *db, struct product *p, const struct if_match *im,
    int none_match, int *created)
{
	struct product cur;
	enum store_status s;

	*created = 0;
	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	/* STORE_STALE when im does not allow the current version. */
	s = db_rows_current(db, &products, db_key_text(p->sku), im, &cur);
	if (s == STORE_OK) {
		s = none_match ? STORE_STALE : write_with(db, SQL_UPDATE, p, &cur);
	} else if (s == STORE_NOT_FOUND) {
		/* If-Match names a current version: none when there is no product. */
		if (im->present) {
			s = STORE_STALE;
		} else {
			s = write_with(db, SQL_INSERT, p, &cur);
			/* Only another instance can have created the sku since the
			 * read (PostgreSQL locks no absent row): a retry replaces it. */
			if (s == STORE_CONFLICT)
				s = STORE_BUSY;
			*created = s == STORE_OK;
		}
	}
	if ((s = db_end_write(db, s)) == STORE_OK)
		*p = cur;
	return s;
}

/* The caller's scratch product and callback, for each product of a page. */
struct page {
	struct product *p;
	void (*each)(const struct product *p, void *arg);
	void *arg;
};

static enum store_status
page_row(struct db_stmt *st, void *arg)
{
	struct page *pg = arg;

	row_read(st, pg->p);
	pg->each(pg->p, pg->arg);
	return STORE_OK;
}

enum store_status
product_store_list(struct db *db, int64_t after, const struct product_filter *f,
    int limit, struct product *p, void (*each)(const struct product *p, void *arg),
    void *arg, int *more)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_LIST);
	struct page pg = { p, each, arg };

	*more = 0;
	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, after);
	if (f->has_active)
		db_bind_int64(st, 2, f->active);
	else
		db_bind_null(st, 2);
	return db_rows_page(db, st, 3, limit, page_row, &pg, more);
}
