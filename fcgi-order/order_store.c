/*
 * order_store.c - the SQL of the order service; see order_store.h.
 */
#include <stdio.h>
#include <string.h>

#include "idempotency.h"
#include "log.h"
#include "order_store.h"

const char *const order_store_migrations[] = {
	/* 1: orders and their lines. Lines are written once, with the order. */
	"CREATE TABLE orders ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  user_id INTEGER NOT NULL CHECK (user_id > 0),"
	"  currency TEXT NOT NULL CHECK (length(currency) = 3),"
	"  total_cents INTEGER NOT NULL CHECK (total_cents >= 0),"
	"  status TEXT NOT NULL CHECK (status IN"
	"    ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX orders_by_user ON orders (user_id, id);"
	"CREATE INDEX orders_by_status ON orders (status, id);"
	"CREATE TABLE order_items ("
	"  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,"
	"  line INTEGER NOT NULL,"
	"  sku TEXT NOT NULL,"
	"  quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 10000),"
	"  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),"
	"  line_total_cents INTEGER NOT NULL,"
	"  PRIMARY KEY (order_id, line)"
	") STRICT, WITHOUT ROWID;",
	/* 2: Idempotency-Key answers of POST /order. */
	IDEMPOTENCY_MIGRATION,
};
const size_t order_store_n_migrations =
    sizeof(order_store_migrations) / sizeof(order_store_migrations[0]);

#define ORDER_COLUMNS "id, user_id, currency, total_cents, status, created_at, updated_at, version"
#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

enum order_sql {
	SQL_INSERT,
	SQL_INSERT_ITEM,
	SQL_GET,
	SQL_ITEMS,
	SQL_LIST,
	SQL_SET_STATUS,
	SQL_DELETE
};

static const char *const order_sql[] = {
	[SQL_INSERT] = "INSERT INTO orders (user_id, currency, total_cents, status,"
	    " created_at, updated_at, version)"
	    " VALUES (?1, ?2, ?3, 'pending', " NOW ", " NOW ", 1) RETURNING " ORDER_COLUMNS,
	[SQL_INSERT_ITEM] = "INSERT INTO order_items (order_id, line, sku, quantity,"
	    " unit_price_cents, line_total_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[SQL_GET] = "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ?1",
	[SQL_ITEMS] = "SELECT sku, quantity, unit_price_cents, line_total_cents"
	    " FROM order_items WHERE order_id = ?1 ORDER BY line",
	[SQL_LIST] = "SELECT " ORDER_COLUMNS " FROM orders WHERE id > ?1"
	    " AND (?2 IS NULL OR user_id = ?2) AND (?3 IS NULL OR status = ?3)"
	    " ORDER BY id LIMIT ?4",
	[SQL_SET_STATUS] = "UPDATE orders SET status = ?2, updated_at = " NOW ","
	    " version = version + 1 WHERE id = ?1 RETURNING " ORDER_COLUMNS,
	[SQL_DELETE] = "DELETE FROM orders WHERE id = ?1",
};

static sqlite3_stmt *
stmt(struct db *db, enum order_sql idx)
{
	return db_stmt(db, idx, order_sql[idx]);
}

/* Read a row of ORDER_COLUMNS (not the lines). */
static void
row_read(sqlite3_stmt *st, struct order *o)
{
	const unsigned char *status = sqlite3_column_text(st, 4);

	o->id = sqlite3_column_int64(st, 0);
	o->user_id = sqlite3_column_int64(st, 1);
	db_column_copy(st, 2, o->currency, sizeof(o->currency));
	o->total_cents = sqlite3_column_int64(st, 3);
	if (status == NULL || order_status_parse((const char *)status, &o->status) < 0)
		o->status = ORDER_PENDING;	/* unreachable: CHECK constraint */
	db_column_copy(st, 5, o->created_at, sizeof(o->created_at));
	db_column_copy(st, 6, o->updated_at, sizeof(o->updated_at));
	o->version = sqlite3_column_int64(st, 7);
	o->n_items = 0;
}

/* Step a statement expected to return at most one row of ORDER_COLUMNS. */
static enum store_status
step_row(struct db *db, sqlite3_stmt *st, struct order *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		row_read(st, out);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			return STORE_OK;
	}
	if (rc == SQLITE_DONE)
		return STORE_NOT_FOUND;
	return db_step_failed(db, rc);
}

static enum store_status
items_read(struct db *db, struct order *o)
{
	sqlite3_stmt *st = stmt(db, SQL_ITEMS);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, o->id);
	o->n_items = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && o->n_items < ORDER_ITEMS_MAX) {
		struct order_item *it = &o->items[o->n_items++];

		db_column_copy(st, 0, it->sku, sizeof(it->sku));
		it->quantity = sqlite3_column_int64(st, 1);
		it->unit_price_cents = sqlite3_column_int64(st, 2);
		it->line_total_cents = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_step_failed(db, rc);
	return STORE_OK;
}

static enum store_status
items_insert(struct db *db, const struct order *o)
{
	for (size_t i = 0; i < o->n_items; i++) {
		const struct order_item *it = &o->items[i];
		sqlite3_stmt *st = stmt(db, SQL_INSERT_ITEM);
		int rc;

		if (st == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, o->id);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		sqlite3_bind_text(st, 3, it->sku, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, it->quantity);
		sqlite3_bind_int64(st, 5, it->unit_price_cents);
		sqlite3_bind_int64(st, 6, it->line_total_cents);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_step_failed(db, rc);
	}
	return STORE_OK;
}

enum store_status
order_store_insert(struct db *db, struct order *o)
{
	struct order row;
	sqlite3_stmt *st = stmt(db, SQL_INSERT);
	enum store_status s;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, o->user_id);
	sqlite3_bind_text(st, 2, o->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, o->total_cents);
	s = step_row(db, st, &row);
	sqlite3_reset(st);
	if (s == STORE_OK) {
		o->id = row.id;
		o->status = row.status;
		o->version = row.version;
		memcpy(o->created_at, row.created_at, sizeof(o->created_at));
		memcpy(o->updated_at, row.updated_at, sizeof(o->updated_at));
		s = items_insert(db, o);
	}
	return s;
}

enum store_status
order_store_get(struct db *db, int64_t id, struct order *out)
{
	sqlite3_stmt *st = stmt(db, SQL_GET);
	enum store_status s;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	s = step_row(db, st, out);
	sqlite3_reset(st);
	return s == STORE_OK ? items_read(db, out) : s;
}

enum store_status
order_store_list(struct db *db, int64_t after, const struct order_filter *f,
    int limit, struct order *o, void (*each)(const struct order *o, void *arg),
    void *arg, int *more)
{
	sqlite3_stmt *st = stmt(db, SQL_LIST);
	enum store_status s = STORE_OK;
	int rc, n = 0;

	*more = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, after);
	if (f->user_id > 0)
		sqlite3_bind_int64(st, 2, f->user_id);
	if (f->has_status)
		sqlite3_bind_text(st, 3, order_status_name(f->status), -1, SQLITE_STATIC);
	/* One row past the page says whether another page follows. */
	sqlite3_bind_int(st, 4, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			*more = 1;
			continue;
		}
		row_read(st, o);
		if ((s = items_read(db, o)) != STORE_OK)
			break;
		each(o, arg);
		n++;
	}
	sqlite3_reset(st);
	if (s != STORE_OK)
		return s;
	return rc == SQLITE_DONE ? STORE_OK : db_step_failed(db, rc);
}

/* Inside a write transaction: read order id's row and check If-Match. */
static enum store_status
current_checked(struct db *db, int64_t id, const struct if_match *im, struct order *cur)
{
	sqlite3_stmt *st = stmt(db, SQL_GET);
	enum store_status s;

	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	s = step_row(db, st, cur);
	sqlite3_reset(st);
	if (s == STORE_OK && !http_if_match_allows(im, cur->version))
		return STORE_STALE;
	return s;
}

enum store_status
order_store_set_status(struct db *db, int64_t id, const struct if_match *im,
    enum order_status to, struct order *out)
{
	sqlite3_stmt *st;
	enum store_status s;
	int rc;

	if ((rc = db_begin_write(db)) != SQLITE_OK)
		return store_status_from_sqlite(rc);
	s = current_checked(db, id, im, out);
	if (s != STORE_OK)
		return db_end_write(db, s);
	if (!order_transition_allowed(out->status, to))
		return db_end_write(db, STORE_CONFLICT);
	st = stmt(db, SQL_SET_STATUS);
	if (st == NULL)
		return db_end_write(db, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, order_status_name(to), -1, SQLITE_STATIC);
	s = step_row(db, st, out);
	sqlite3_reset(st);
	if (s == STORE_OK)
		s = items_read(db, out);
	return db_end_write(db, s);
}

enum store_status
order_store_delete(struct db *db, int64_t id, const struct if_match *im,
    enum order_status *current)
{
	struct order cur;
	sqlite3_stmt *st;
	enum store_status s;
	int rc;

	if ((rc = db_begin_write(db)) != SQLITE_OK)
		return store_status_from_sqlite(rc);
	s = current_checked(db, id, im, &cur);
	if (s != STORE_OK)
		return db_end_write(db, s);
	*current = cur.status;
	if (!order_deletable(cur.status))
		return db_end_write(db, STORE_CONFLICT);
	st = stmt(db, SQL_DELETE);
	if (st == NULL)
		return db_end_write(db, STORE_ERR);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return db_end_write(db, rc == SQLITE_DONE ? STORE_OK : db_step_failed(db, rc));
}
