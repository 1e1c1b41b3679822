/*
 * check_order_store.c - fcgi-order/order_store.c, each test on a fresh
 * database migrated to order_store_schema with a small price list: an
 * order priced from it and inserted with its lines (or refused, with
 * nothing written), reads, every status move the state machine allows and
 * some it refuses (to anyone, or to a customer), If-Match, deletes (which
 * take the lines along), pages of the list around their limit, after a
 * cursor and filtered by user, status, and the user's deletion as the
 * projection knows it, and (SQLite) reads in one snapshot while another
 * connection writes.
 */
#include <stdio.h>
#include <string.h>

#include "check_store.h"
#include "order_store.h"
#include "product_store.h"
#include "user_projection.h"

static void
price_list(const char *sku, const char *name, int64_t cents, const char *currency,
    int active)
{
	struct product p;
	struct if_match none;
	int created;

	memset(&p, 0, sizeof(p));
	snprintf(p.sku, sizeof(p.sku), "%s", sku);
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.unit_price_cents = cents;
	snprintf(p.currency, sizeof(p.currency), "%s", currency);
	p.active = active;
	ck_assert_int_eq(if_match_parse(NULL, &none), 0);
	ck_assert_int_eq(product_store_put(test_db, &p, &none, 0, &created), STORE_OK);
}

static void
prices(void)
{
	price_list("tea", "Green tea", 350, "EUR", 1);
	price_list("mug", "Mug", 1200, "EUR", 1);
	price_list("old", "Old mug", 100, "EUR", 0);
	price_list("usd", "Import", 500, "USD", 1);
}

static void
setup(void)
{
	store_fixture_open(&order_store_schema, "order");
	prices();
}

/* On a file, where a second connection can write beside test_db. */
static void
setup_file(void)
{
	test_db = db_open(store_fixture_fresh("order", 1), &order_store_schema, 1);
	ck_assert_ptr_nonnull(test_db);
	prices();
}

struct line {
	const char *sku;
	int64_t quantity;
};

/*
 * Insert an order of user_id with lines, as the API does: in a write
 * transaction of its own. fe says what the pricing refused.
 */
static enum store_status
add(int64_t user_id, const struct line *lines, size_t n, struct order *o,
    struct field_errors *fe)
{
	struct product scratch;
	enum store_status s;

	memset(o, 0, sizeof(*o));
	o->user_id = user_id;
	o->n_items = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(o->items[i].sku, sizeof(o->items[i].sku), "%s", lines[i].sku);
		o->items[i].quantity = lines[i].quantity;
	}
	field_errors_init(fe);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	s = order_store_insert(test_db, o, &scratch, fe);
	return db_end_write(test_db, s);
}

static struct order *
add_ok(int64_t user_id, struct order *o)
{
	static const struct line one[] = { { "tea", 1 } };
	struct field_errors fe;

	ck_assert_int_eq(add(user_id, one, 1, o, &fe), STORE_OK);
	return o;
}

static struct if_match
if_match(const char *value)
{
	struct if_match im;

	ck_assert_int_eq(if_match_parse(value, &im), 0);
	return im;
}

/* ------------------------------------------------------------------ */
/* Insert and get                                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_insert)
{
	static const struct line lines[] = { { "tea", 3 }, { "mug", 2 } };
	struct field_errors fe;
	struct order o, got;

	ck_assert_int_eq(add(7, lines, 2, &o, &fe), STORE_OK);
	ck_assert_uint_eq(fe.n, 0);
	ck_assert_int_gt(o.id, 0);
	ck_assert_int_eq(o.user_id, 7);
	ck_assert_str_eq(o.currency, "EUR");
	ck_assert_int_eq(o.status, ORDER_PENDING);
	ck_assert_int_eq(o.total_cents, 3 * 350 + 2 * 1200);
	ck_assert_int_eq(o.version, 1);
	ck_assert_uint_eq(strlen(o.created_at), DB_TIME_LEN - 1);
	ck_assert_str_eq(o.created_at, o.updated_at);
	ck_assert_uint_eq(o.n_items, 2);

	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(order_store_get(test_db, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.id, o.id);
	ck_assert_int_eq(got.total_cents, o.total_cents);
	ck_assert_str_eq(got.created_at, o.created_at);
	/* The lines, in their order, with what their products were. */
	ck_assert_uint_eq(got.n_items, 2);
	ck_assert_str_eq(got.items[0].sku, "tea");
	ck_assert_str_eq(got.items[0].name, "Green tea");
	ck_assert_int_eq(got.items[0].quantity, 3);
	ck_assert_int_eq(got.items[0].unit_price_cents, 350);
	ck_assert_int_eq(got.items[0].line_total_cents, 1050);
	ck_assert_str_eq(got.items[1].sku, "mug");
	ck_assert_int_eq(got.items[1].line_total_cents, 2400);
}
END_TEST

START_TEST(test_insert_refused)
{
	static const struct line unknown[] = { { "tea", 1 }, { "nope", 1 } };
	static const struct line inactive[] = { { "old", 1 } };
	static const struct line currencies[] = { { "tea", 1 }, { "usd", 1 } };
	static const struct {
		const struct line *lines;
		size_t n;
		const char *field;
	} cases[] = {
		{ unknown, 2, "items[1].sku" },
		{ inactive, 1, "items[0].sku" },
		{ currencies, 2, "items[1].sku" },
	};
	struct field_errors fe;
	struct order o;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		ck_assert_int_eq(add(7, cases[i].lines, cases[i].n, &o, &fe), STORE_CONFLICT);
		ck_assert_uint_eq(fe.n, 1);
		ck_assert_str_eq(fe.e[0].field, cases[i].field);
	}
	/* Nothing was written. */
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM orders"), 0);
	ck_assert_int_eq(store_fixture_query(1, "SELECT count(*) FROM order_items"), 0);
}
END_TEST

START_TEST(test_get_absent)
{
	struct order o;

	ck_assert_int_eq(order_store_get(test_db, 1, &o), STORE_NOT_FOUND);
	add_ok(7, &o);
	ck_assert_int_eq(order_store_get(test_db, o.id + 1, &o), STORE_NOT_FOUND);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Status moves                                                        */
/* ------------------------------------------------------------------ */

struct move {
	enum order_status to;
	enum order_actor who;
	enum store_status want;
	enum order_status after;	/* the status the answer holds */
};

/* Each from a new pending order; a refused move leaves the order as it was. */
static const struct {
	const char *name;
	struct move m[9];
	size_t n;
} paths[] = {
	{ "to delivered", {
		{ ORDER_SHIPPED, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_PENDING },
		{ ORDER_PENDING, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_PENDING },
		/* A move only an admin may make, asked by a customer. */
		{ ORDER_PAID, ORDER_ACTOR_CUSTOMER, STORE_CONFLICT, ORDER_PENDING },
		{ ORDER_PAID, ORDER_ACTOR_ADMIN, STORE_OK, ORDER_PAID },
		{ ORDER_DELIVERED, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_PAID },
		{ ORDER_SHIPPED, ORDER_ACTOR_ADMIN, STORE_OK, ORDER_SHIPPED },
		{ ORDER_CANCELLED, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_SHIPPED },
		{ ORDER_DELIVERED, ORDER_ACTOR_ADMIN, STORE_OK, ORDER_DELIVERED },
		{ ORDER_PENDING, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_DELIVERED },
	}, 9 },
	{ "cancelled by its customer", {
		{ ORDER_CANCELLED, ORDER_ACTOR_CUSTOMER, STORE_OK, ORDER_CANCELLED },
		{ ORDER_PAID, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_CANCELLED },
		{ ORDER_CANCELLED, ORDER_ACTOR_ADMIN, STORE_CONFLICT, ORDER_CANCELLED },
	}, 3 },
	{ "paid, then cancelled", {
		{ ORDER_PAID, ORDER_ACTOR_ADMIN, STORE_OK, ORDER_PAID },
		{ ORDER_CANCELLED, ORDER_ACTOR_CUSTOMER, STORE_CONFLICT, ORDER_PAID },
		{ ORDER_CANCELLED, ORDER_ACTOR_ADMIN, STORE_OK, ORDER_CANCELLED },
	}, 3 },
};

START_TEST(test_moves)
{
	struct if_match none = if_match(NULL);
	const struct move *m = paths[_i].m;
	struct order o, got;
	int64_t version = 1;

	add_ok(7, &o);
	for (size_t i = 0; i < paths[_i].n; i++) {
		enum store_status s = order_store_set_status(test_db, o.id, &none, m[i].to,
		    m[i].who, &got);

		ck_assert_msg(s == m[i].want, "%s: move %zu to %s: %d, not %d", paths[_i].name, i,
		    order_status_name(m[i].to), s, m[i].want);
		ck_assert_int_eq(got.status, m[i].after);
		if (s == STORE_OK) {
			version++;
			ck_assert_uint_eq(got.n_items, 1);	/* the lines come along */
			ck_assert_str_eq(got.items[0].sku, "tea");
		}
		ck_assert_int_eq(got.version, version);
	}
	ck_assert_int_eq(order_store_get(test_db, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.version, version);
}
END_TEST

START_TEST(test_move_if_match)
{
	struct if_match old = if_match("\"1\""), any = if_match("*");
	struct order o, got;

	add_ok(7, &o);
	ck_assert_int_eq(order_store_set_status(test_db, o.id, &old, ORDER_PAID,
	    ORDER_ACTOR_ADMIN, &got), STORE_OK);
	ck_assert_int_eq(got.version, 2);
	ck_assert_int_eq(order_store_set_status(test_db, o.id, &old, ORDER_SHIPPED,
	    ORDER_ACTOR_ADMIN, &got), STORE_STALE);
	ck_assert_int_eq(order_store_get(test_db, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.status, ORDER_PAID);
	ck_assert_int_eq(order_store_set_status(test_db, o.id, &any, ORDER_SHIPPED,
	    ORDER_ACTOR_ADMIN, &got), STORE_OK);
	ck_assert_int_eq(got.version, 3);
	ck_assert_int_eq(order_store_set_status(test_db, o.id + 1, &any, ORDER_PAID,
	    ORDER_ACTOR_ADMIN, &got), STORE_NOT_FOUND);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Delete                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_delete)
{
	struct if_match none = if_match(NULL);
	enum order_status current = ORDER_STATUS_COUNT;
	struct order o, other;

	add_ok(7, &o);
	add_ok(8, &other);
	ck_assert_int_eq(order_store_delete(test_db, o.id, &none, &current), STORE_OK);
	ck_assert_int_eq(current, ORDER_PENDING);
	/* No tombstone: a deleted order is not found. */
	ck_assert_int_eq(order_store_get(test_db, o.id, &o), STORE_NOT_FOUND);
	ck_assert_int_eq(order_store_delete(test_db, o.id, &none, &current), STORE_NOT_FOUND);
	/* Its lines went with it; the other order's stay. */
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM order_items"), 1);
	ck_assert_int_eq(order_store_get(test_db, other.id, &o), STORE_OK);
	ck_assert_uint_eq(o.n_items, 1);
}
END_TEST

START_TEST(test_delete_by_status)
{
	static const struct {
		enum order_status to;
		enum store_status want;
	} cases[] = {
		{ ORDER_PAID, STORE_CONFLICT },
		{ ORDER_CANCELLED, STORE_OK },
	};
	struct if_match none = if_match(NULL);

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum order_status current = ORDER_STATUS_COUNT;
		struct order o;

		add_ok(7, &o);
		ck_assert_int_eq(order_store_set_status(test_db, o.id, &none, cases[i].to,
		    ORDER_ACTOR_ADMIN, &o), STORE_OK);
		ck_assert_int_eq(order_store_delete(test_db, o.id, &none, &current),
		    cases[i].want);
		ck_assert_int_eq(current, cases[i].to);
		ck_assert_int_eq(order_store_get(test_db, o.id, &o),
		    cases[i].want == STORE_OK ? STORE_NOT_FOUND : STORE_OK);
	}
}
END_TEST

START_TEST(test_delete_if_match)
{
	struct if_match old = if_match("\"2\""), cur = if_match("\"1\"");
	enum order_status current;
	struct order o;

	add_ok(7, &o);
	ck_assert_int_eq(order_store_delete(test_db, o.id, &old, &current), STORE_STALE);
	ck_assert_int_eq(order_store_get(test_db, o.id, &o), STORE_OK);
	ck_assert_int_eq(order_store_delete(test_db, o.id, &cur, &current), STORE_OK);
}
END_TEST

/* ------------------------------------------------------------------ */
/* List                                                                */
/* ------------------------------------------------------------------ */

struct listed {
	int64_t ids[16];
	size_t lines[16];
	int n;
};

static void
each(const struct order *o, void *arg)
{
	struct listed *l = arg;

	ck_assert_int_lt(l->n, 16);
	l->lines[l->n] = o->n_items;
	l->ids[l->n++] = o->id;
}

static struct listed
list_filtered(int64_t after, const struct order_filter *f, int limit, int *more)
{
	struct listed l = { .n = 0 };
	static struct order scratch;

	*more = -1;
	ck_assert_int_eq(order_store_list(test_db, after, f, limit, &scratch, each, &l, more),
	    STORE_OK);
	return l;
}

static struct listed
list(int64_t after, int64_t user_id, const enum order_status *status, int limit, int *more)
{
	struct order_filter f = { .user_id = user_id, .has_status = status != NULL,
	    .status = status ? *status : ORDER_PENDING };

	return list_filtered(after, &f, limit, more);
}

START_TEST(test_list)
{
	static const enum order_status paid = ORDER_PAID, pending = ORDER_PENDING;
	struct if_match none = if_match(NULL);
	int64_t ids[5];
	struct listed l;
	struct order o;
	int more;

	l = list(0, 0, NULL, 2, &more);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(more, 0);
	/* Users 1, 2, 1, 2, 1; orders 2 and 3 paid. */
	for (int i = 0; i < 5; i++)
		ids[i] = add_ok(1 + i % 2, &o)->id;
	for (int i = 1; i <= 2; i++)
		ck_assert_int_eq(order_store_set_status(test_db, ids[i], &none, ORDER_PAID,
		    ORDER_ACTOR_ADMIN, &o), STORE_OK);

	l = list(0, 0, NULL, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], ids[0]);
	ck_assert_int_eq(l.ids[1], ids[1]);
	ck_assert_uint_eq(l.lines[1], 1);	/* each with its lines */
	ck_assert_int_eq(more, 1);
	l = list(ids[3], 0, NULL, 2, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], ids[4]);
	ck_assert_int_eq(more, 0);
	l = list(0, 0, NULL, 5, &more);
	ck_assert_int_eq(l.n, 5);
	ck_assert_int_eq(more, 0);
	l = list(0, 0, NULL, 4, &more);
	ck_assert_int_eq(more, 1);

	l = list(0, 1, NULL, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], ids[0]);
	ck_assert_int_eq(l.ids[1], ids[2]);
	ck_assert_int_eq(more, 1);
	l = list(ids[2], 1, NULL, 2, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], ids[4]);
	ck_assert_int_eq(more, 0);

	l = list(0, 0, &paid, 10, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], ids[1]);
	ck_assert_int_eq(l.ids[1], ids[2]);
	l = list(0, 2, &pending, 10, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], ids[3]);
	l = list(0, 3, NULL, 10, &more);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(more, 0);
}
END_TEST

/*
 * Only the orders of the users the projection knows as deleted
 * (user_projection.h): the ones their deletion left, for an admin to
 * settle, and the ones it cancelled.
 */
START_TEST(test_list_user_deleted)
{
	struct user_fact facts[] = {
		{ .id = 1, .role = "customer", .cred_version = 1, .seq = 1 },
		{ .id = 2, .deleted = 1, .role = "customer", .cred_version = 1, .seq = 2 },
		{ .id = 3, .deleted = 1, .seq = 3 },
	};
	struct order_filter f = { .user_deleted = 1 };
	struct if_match none = if_match(NULL);
	int64_t ids[6], cancelled;
	struct listed l;
	struct order o;
	int more;

	/* Users 1 (active), 2 (deleted), 3 (deleted), 4 (unknown), 2, 2;
	 * order 5 paid before its user's deletion. */
	for (int i = 0; i < 6; i++)
		ids[i] = add_ok(i < 4 ? 1 + i : 2, &o)->id;
	ck_assert_int_eq(order_store_set_status(test_db, ids[5], &none, ORDER_PAID,
	    ORDER_ACTOR_ADMIN, &o), STORE_OK);
	l = list_filtered(0, &f, 10, &more);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(user_projection_apply(test_db, USER_CURSOR_NONE, 3, facts, 3,
	    &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 3);

	l = list_filtered(0, &f, 10, &more);
	ck_assert_int_eq(l.n, 4);
	ck_assert_int_eq(l.ids[0], ids[1]);
	ck_assert_int_eq(l.ids[1], ids[2]);
	ck_assert_int_eq(l.ids[2], ids[4]);
	ck_assert_int_eq(l.ids[3], ids[5]);
	ck_assert_int_eq(more, 0);
	/* Paged, and with the other filters. */
	l = list_filtered(0, &f, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(more, 1);
	l = list_filtered(ids[2], &f, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], ids[4]);
	ck_assert_int_eq(more, 0);
	f.has_status = 1;
	f.status = ORDER_PAID;
	l = list_filtered(0, &f, 10, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], ids[5]);
	f.has_status = 0;
	f.user_id = 3;
	l = list_filtered(0, &f, 10, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], ids[2]);
	f.user_id = 1;
	l = list_filtered(0, &f, 10, &more);
	ck_assert_int_eq(l.n, 0);
	/* Without the filter: every order. */
	l = list(0, 0, NULL, 10, &more);
	ck_assert_int_eq(l.n, 6);
}
END_TEST

/*
 * SQLite: the reads between db_snapshot_begin and _end see the
 * database as the first of them found it, whatever another connection
 * commits meanwhile; after the end, the reads see that commit, and the
 * connection writes again (no transaction left open).
 */
START_TEST(test_snapshot)
{
	struct db *other = db_open(store_fixture_again(), &order_store_schema, 0);
	struct if_match none = if_match(NULL);
	struct order o, got;

	ck_assert_ptr_nonnull(other);
	add_ok(7, &o);
	ck_assert_int_eq(db_snapshot_begin(test_db), 0);
	ck_assert_int_eq(order_store_get(test_db, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.status, ORDER_PENDING);
	ck_assert_int_eq(order_store_set_status(other, o.id, &none, ORDER_PAID,
	    ORDER_ACTOR_ADMIN, &got), STORE_OK);
	ck_assert_int_eq(order_store_get(test_db, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.status, ORDER_PENDING);
	ck_assert_int_eq(got.version, 1);
	db_snapshot_end(test_db);

	ck_assert_int_eq(order_store_get(test_db, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.status, ORDER_PAID);
	ck_assert_int_eq(order_store_set_status(test_db, o.id, &none, ORDER_SHIPPED,
	    ORDER_ACTOR_ADMIN, &got), STORE_OK);
	ck_assert_int_eq(order_store_get(other, o.id, &got), STORE_OK);
	ck_assert_int_eq(got.status, ORDER_SHIPPED);
	db_close(other);
}
END_TEST

Suite *
order_store_suite(void)
{
	Suite *s = suite_create("order_store");
	TCase *write = tcase_create("insert_get_delete");
	TCase *move = tcase_create("status");
	TCase *list_tc = tcase_create("list");
	TCase *snapshot = tcase_create("snapshot");

	tcase_add_checked_fixture(write, setup, store_fixture_clean);
	tcase_add_test(write, test_insert);
	tcase_add_test(write, test_insert_refused);
	tcase_add_test(write, test_get_absent);
	tcase_add_test(write, test_delete);
	tcase_add_test(write, test_delete_by_status);
	tcase_add_test(write, test_delete_if_match);
	suite_add_tcase(s, write);

	tcase_add_checked_fixture(move, setup, store_fixture_clean);
	tcase_add_loop_test(move, test_moves, 0, N_ELEMS(paths));
	tcase_add_test(move, test_move_if_match);
	suite_add_tcase(s, move);

	tcase_add_checked_fixture(list_tc, setup, store_fixture_clean);
	tcase_add_test(list_tc, test_list);
	tcase_add_test(list_tc, test_list_user_deleted);
	suite_add_tcase(s, list_tc);

	/* Snapshots are SQLite's alone (db_snapshot_begin). */
	if (store_fixture_engine() == DB_SQLITE) {
		tcase_add_checked_fixture(snapshot, setup_file, store_fixture_clean);
		tcase_add_test(snapshot, test_snapshot);
		suite_add_tcase(s, snapshot);
	}
	return s;
}
