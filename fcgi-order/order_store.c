/*
 * order_store.c - the SQL of the order service; see order_store.h.
 */
#include <stdio.h>
#include <string.h>

#include "db_rows.h"
#include "idempotency_store.h"
#include "log.h"
#include "order_store.h"
#include "product_store.h"

static const char *const migrations_sqlite[] = {
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
	/* 3: the price list, and the name of its product in each line. The
	 * lines written before keep the prices their clients sent, and no
	 * name. */
	"CREATE TABLE products ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  sku TEXT NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),"
	"  name TEXT NOT NULL,"
	"  unit_price_cents INTEGER NOT NULL"
	"    CHECK (unit_price_cents BETWEEN 0 AND 1000000000),"
	"  currency TEXT NOT NULL CHECK (length(currency) = 3),"
	"  active INTEGER NOT NULL CHECK (active IN (0, 1)),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX products_by_active ON products (active, id);"
	"ALTER TABLE order_items ADD COLUMN name TEXT;",
	/* 4: Idempotency-Keys belong to their caller and route. */
	IDEMPOTENCY_MIGRATION_OWNED("POST /order"),
	/* 5: the users the order service knows (user_projection.c), the
	 * user service's event feed's cursor, and why an order was cancelled
	 * when the service itself cancelled it. */
	"ALTER TABLE orders ADD COLUMN cancel_reason TEXT"
	"  CHECK (cancel_reason IN ('user_deleted'));"
	"CREATE TABLE known_users ("
	"  id INTEGER PRIMARY KEY CHECK (id > 0),"
	"  status TEXT NOT NULL CHECK (status IN ('active', 'deleted')),"
	"  role TEXT NOT NULL,"
	"  credential_version INTEGER NOT NULL,"
	"  user_version INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL CHECK (seq >= 0),"
	"  updated_at TEXT NOT NULL"
	") STRICT;"
	"CREATE TABLE event_cursor ("
	"  feed TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL CHECK (seq >= 0),"
	"  updated_at TEXT NOT NULL"
	") STRICT;",
};

/* The same schema on PostgreSQL, version for version. */
static const char *const migrations_postgresql[] = {
	"CREATE TABLE orders ("
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  user_id bigint NOT NULL CHECK (user_id > 0),"
	"  currency text NOT NULL CHECK (length(currency) = 3),"
	"  total_cents bigint NOT NULL CHECK (total_cents >= 0),"
	"  status text NOT NULL CHECK (status IN"
	"    ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),"
	"  created_at text NOT NULL,"
	"  updated_at text NOT NULL,"
	"  version bigint NOT NULL"
	");"
	"CREATE INDEX orders_by_user ON orders (user_id, id);"
	"CREATE INDEX orders_by_status ON orders (status, id);"
	"CREATE TABLE order_items ("
	"  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,"
	"  line integer NOT NULL,"
	"  sku text NOT NULL,"
	"  quantity bigint NOT NULL CHECK (quantity BETWEEN 1 AND 10000),"
	"  unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),"
	"  line_total_cents bigint NOT NULL,"
	"  PRIMARY KEY (order_id, line)"
	");",
	IDEMPOTENCY_MIGRATION_PG,
	"CREATE TABLE products ("
	"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	"  sku text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),"
	"  name text NOT NULL,"
	"  unit_price_cents bigint NOT NULL"
	"    CHECK (unit_price_cents BETWEEN 0 AND 1000000000),"
	"  currency text NOT NULL CHECK (length(currency) = 3),"
	"  active integer NOT NULL CHECK (active IN (0, 1)),"
	"  created_at text NOT NULL,"
	"  updated_at text NOT NULL,"
	"  version bigint NOT NULL"
	");"
	"CREATE INDEX products_by_active ON products (active, id);"
	"ALTER TABLE order_items ADD COLUMN name text;",
	IDEMPOTENCY_MIGRATION_OWNED_PG("POST /order"),
	"ALTER TABLE orders ADD COLUMN cancel_reason text"
	"  CHECK (cancel_reason IN ('user_deleted'));"
	"CREATE TABLE known_users ("
	"  id bigint PRIMARY KEY CHECK (id > 0),"
	"  status text NOT NULL CHECK (status IN ('active', 'deleted')),"
	"  role text NOT NULL,"
	"  credential_version bigint NOT NULL,"
	"  user_version bigint NOT NULL,"
	"  seq bigint NOT NULL CHECK (seq >= 0),"
	"  updated_at text NOT NULL"
	");"
	"CREATE TABLE event_cursor ("
	"  feed text PRIMARY KEY,"
	"  seq bigint NOT NULL CHECK (seq >= 0),"
	"  updated_at text NOT NULL"
	");",
};

DB_SCHEMA(order_store_schema, migrations_sqlite, migrations_postgresql);

#define ORDER_COLUMNS "id, user_id, currency, total_cents, status, created_at, updated_at, version," \
    " cancel_reason"

enum order_sql {
	SQL_INSERT,
	SQL_INSERT_ITEM,
	SQL_GET,
	SQL_GET_LOCKED,
	SQL_ITEMS,
	SQL_LIST,
	SQL_SET_STATUS,
	SQL_DELETE
};

static const struct db_sql order_sql[] = {
	[SQL_INSERT] = { "INSERT INTO orders (user_id, currency, total_cents, status,"
	    " created_at, updated_at, version)"
	    " VALUES (?1, ?2, ?3, 'pending', ?4, ?4, 1) RETURNING " ORDER_COLUMNS, NULL },
	[SQL_INSERT_ITEM] = { "INSERT INTO order_items (order_id, line, sku, name, quantity,"
	    " unit_price_cents, line_total_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", NULL },
	[SQL_GET] = { "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ?1", NULL },
	/* A write reads the row it changes under a lock: SQLite's writer holds
	 * the whole file, PostgreSQL locks the row until COMMIT. */
	[SQL_GET_LOCKED] = { "SELECT " ORDER_COLUMNS " FROM orders WHERE id = ?1",
	    "SELECT " ORDER_COLUMNS " FROM orders WHERE id = $1 FOR UPDATE" },
	[SQL_ITEMS] = { "SELECT sku, name, quantity, unit_price_cents, line_total_cents"
	    " FROM order_items WHERE order_id = ?1 ORDER BY line", NULL },
	[SQL_LIST] = { "SELECT " ORDER_COLUMNS " FROM orders WHERE id > ?1"
	    " AND (?2 IS NULL OR user_id = ?2) AND (?3 IS NULL OR status = ?3)"
	    " AND (?5 = 0 OR user_id IN (SELECT id FROM known_users WHERE status = 'deleted'))"
	    " ORDER BY id LIMIT ?4",
	    "SELECT " ORDER_COLUMNS " FROM orders WHERE id > $1"
	    " AND ($2::bigint IS NULL OR user_id = $2) AND ($3::text IS NULL OR status = $3)"
	    " AND ($5 = 0 OR user_id IN (SELECT id FROM known_users WHERE status = 'deleted'))"
	    " ORDER BY id LIMIT $4" },
	[SQL_SET_STATUS] = { "UPDATE orders SET status = ?2, updated_at = ?3,"
	    " version = version + 1 WHERE id = ?1 RETURNING " ORDER_COLUMNS, NULL },
	[SQL_DELETE] = { "DELETE FROM orders WHERE id = ?1", NULL },
};
DB_STMTS(stmts, order_sql, 0, PRODUCT_STMT_FIRST);

/* Read a row of ORDER_COLUMNS (not the lines). */
static void
row_read(struct db_stmt *st, void *row)
{
	struct order *o = row;
	const char *status = db_column_text(st, 4);

	o->id = db_column_int64(st, 0);
	o->user_id = db_column_int64(st, 1);
	db_column_copy(st, 2, o->currency, sizeof(o->currency));
	o->total_cents = db_column_int64(st, 3);
	if (status == NULL || order_status_parse(status, &o->status) < 0)
		o->status = ORDER_PENDING;	/* unreachable: CHECK constraint */
	db_column_copy(st, 5, o->created_at, sizeof(o->created_at));
	db_column_copy(st, 6, o->updated_at, sizeof(o->updated_at));
	o->version = db_column_int64(st, 7);
	db_column_copy(st, 8, o->cancel_reason, sizeof(o->cancel_reason));	/* NULL: "" */
	o->n_items = 0;
}

/* A deleted order leaves nothing. */
static const struct db_table orders = {
	.stmts = &stmts,
	.get = SQL_GET,
	.get_locked = SQL_GET_LOCKED,
	.tombstone = DB_ROWS_NONE,
	.read = row_read,
	.version_col = 7,	/* of ORDER_COLUMNS */
};

static enum store_status
items_read(struct db *db, struct order *o)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_ITEMS);
	int rc;

	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, o->id);
	o->n_items = 0;
	while ((rc = db_step(st)) == DB_ROW && o->n_items < ORDER_ITEMS_MAX) {
		struct order_item *it = &o->items[o->n_items++];

		db_column_copy(st, 0, it->sku, sizeof(it->sku));
		db_column_copy(st, 1, it->name, sizeof(it->name));	/* NULL: "" */
		it->quantity = db_column_int64(st, 2);
		it->unit_price_cents = db_column_int64(st, 3);
		it->line_total_cents = db_column_int64(st, 4);
	}
	db_reset(st);
	return rc >= 0 ? STORE_OK : db_failure(db);
}

static enum store_status
items_insert(struct db *db, const struct order *o)
{
	for (size_t i = 0; i < o->n_items; i++) {
		const struct order_item *it = &o->items[i];
		struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_INSERT_ITEM);
		enum store_status s;

		if (st == NULL)
			return db_failure(db);
		db_bind_int64(st, 1, o->id);
		db_bind_int64(st, 2, (int64_t)i + 1);
		db_bind_text(st, 3, it->sku);
		db_bind_text(st, 4, it->name);
		db_bind_int64(st, 5, it->quantity);
		db_bind_int64(st, 6, it->unit_price_cents);
		db_bind_int64(st, 7, it->line_total_cents);
		if ((s = db_exec_stmt(st)) != STORE_OK)
			return s;
	}
	return STORE_OK;
}

/* order_price's lookup: the product of sku, in the write transaction. */
static int
price_lookup(void *arg, const char *sku, struct product *p)
{
	switch (product_store_price(arg, sku, p)) {
	case STORE_OK:
		return 1;
	case STORE_NOT_FOUND:
		return 0;
	default:
		return -1;
	}
}

/* Read the inserted row into the order being written; its lines stay. */
static void
inserted_read(struct db_stmt *st, void *row)
{
	struct order *o = row;
	size_t n = o->n_items;

	row_read(st, o);
	o->n_items = n;
}

enum store_status
order_store_insert(struct db *db, struct order *o, struct product *p,
    struct field_errors *fe)
{
	struct db_stmt *st;
	char now[DB_TIME_LEN];
	enum store_status s;

	if (order_price(o, price_lookup, db, p, fe) < 0)
		return db_failure(db);
	if (fe->n > 0)
		return STORE_CONFLICT;
	if ((st = db_rows_stmt(db, &stmts, SQL_INSERT)) == NULL)
		return db_failure(db);
	db_now(now);
	db_bind_int64(st, 1, o->user_id);
	db_bind_text(st, 2, o->currency);
	db_bind_int64(st, 3, o->total_cents);
	db_bind_text(st, 4, now);
	s = db_step_one(st, inserted_read, o);
	if (s == STORE_OK)
		s = items_insert(db, o);
	return s;
}

enum store_status
order_store_get(struct db *db, int64_t id, struct order *out)
{
	enum store_status s = db_rows_get(db, &orders, db_key_id(id), out);

	return s == STORE_OK ? items_read(db, out) : s;
}

/* The caller's scratch order and callback, for each order of a page. */
struct page {
	struct db *db;
	struct order *o;
	void (*each)(const struct order *o, void *arg);
	void *arg;
};

static enum store_status
page_row(struct db_stmt *st, void *arg)
{
	struct page *p = arg;
	enum store_status s;

	row_read(st, p->o);
	if ((s = items_read(p->db, p->o)) == STORE_OK)
		p->each(p->o, p->arg);
	return s;
}

enum store_status
order_store_list(struct db *db, int64_t after, const struct order_filter *f,
    int limit, struct order *o, void (*each)(const struct order *o, void *arg),
    void *arg, int *more)
{
	struct db_stmt *st = db_rows_stmt(db, &stmts, SQL_LIST);
	struct page p = { db, o, each, arg };

	*more = 0;
	if (st == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, after);
	if (f->user_id > 0)
		db_bind_int64(st, 2, f->user_id);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, f->has_status ? order_status_name(f->status) : NULL);
	db_bind_int64(st, 5, f->user_deleted);
	return db_rows_page(db, st, 4, limit, page_row, &p, more);
}

enum store_status
order_store_set_status(struct db *db, int64_t id, const struct if_match *im,
    enum order_status to, enum order_actor who, struct order *out)
{
	char now[DB_TIME_LEN];
	struct db_stmt *st;
	enum store_status s;

	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	s = db_rows_current(db, &orders, db_key_id(id), im, out);
	if (s != STORE_OK)
		return db_end_write(db, s);
	if (order_move_check(out->status, to, who) != ORDER_MOVE_OK)
		return db_end_write(db, STORE_CONFLICT);
	if ((st = db_rows_stmt(db, &stmts, SQL_SET_STATUS)) == NULL)
		return db_end_write(db, db_failure(db));
	db_now(now);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, order_status_name(to));
	db_bind_text(st, 3, now);
	s = db_step_one(st, row_read, out);
	if (s == STORE_OK)
		s = items_read(db, out);
	return db_end_write(db, s);
}

enum store_status
order_store_delete(struct db *db, int64_t id, const struct if_match *im,
    enum order_status *current)
{
	struct order cur;
	enum store_status s;

	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	s = db_rows_current(db, &orders, db_key_id(id), im, &cur);
	if (s != STORE_OK)
		return db_end_write(db, s);
	*current = cur.status;
	if (!order_deletable(cur.status))
		return db_end_write(db, STORE_CONFLICT);
	return db_end_write(db, db_rows_exec(db, &stmts, SQL_DELETE, db_key_id(id), NULL));
}
