/*
 * check_product_store.c - fcgi-order/product_store.c, each test on a fresh
 * database migrated to order_store_schema (the price list is one of its
 * tables): a PUT that creates or replaces, its preconditions (If-Match on
 * a product and on none, If-None-Match: *), reads for the API and for
 * pricing an order, and pages of the list around their limit, after a
 * cursor and filtered by the active flag.
 */
#include <stdio.h>
#include <string.h>

#include "check_store.h"
#include "order_store.h"
#include "product_store.h"

static void
setup(void)
{
	store_fixture_open(&order_store_schema, "order");
}

static struct product
product(const char *sku, const char *name, int64_t cents, int active)
{
	struct product p;

	memset(&p, 0, sizeof(p));
	snprintf(p.sku, sizeof(p.sku), "%s", sku);
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.unit_price_cents = cents;
	snprintf(p.currency, sizeof(p.currency), "EUR");
	p.active = active;
	return p;
}

/* PUT p with If-Match im (NULL: none) and If-None-Match: * when none_match. */
static enum store_status
put(struct product *p, const char *im, int none_match, int *created)
{
	struct if_match m;

	ck_assert_int_eq(if_match_parse(im, &m), 0);
	return product_store_put(test_db, p, &m, none_match, created);
}

static struct product
put_ok(const char *sku, int64_t cents, int active)
{
	struct product p = product(sku, "A product", cents, active);
	int created;

	ck_assert_int_eq(put(&p, NULL, 0, &created), STORE_OK);
	return p;
}

START_TEST(test_put_creates)
{
	struct product p = product("tea-1", "Green tea", 350, 1), got;
	int created = -1;

	ck_assert_int_eq(put(&p, NULL, 0, &created), STORE_OK);
	ck_assert_int_eq(created, 1);
	ck_assert_int_gt(p.id, 0);
	ck_assert_int_eq(p.version, 1);
	ck_assert_str_eq(p.sku, "tea-1");
	ck_assert_str_eq(p.name, "Green tea");
	ck_assert_int_eq(p.unit_price_cents, 350);
	ck_assert_str_eq(p.currency, "EUR");
	ck_assert_int_eq(p.active, 1);
	ck_assert_uint_eq(strlen(p.created_at), DB_TIME_LEN - 1);
	ck_assert_str_eq(p.created_at, p.updated_at);
	ck_assert_int_eq(product_store_get(test_db, "tea-1", &got), STORE_OK);
	ck_assert_int_eq(got.id, p.id);
	ck_assert_str_eq(got.name, "Green tea");
	ck_assert_int_eq(got.version, 1);
}
END_TEST

START_TEST(test_put_replaces)
{
	struct product first = put_ok("tea-1", 350, 1);
	struct product p = product("tea-1", "Black tea", 400, 0);
	int created = -1;

	ck_assert_int_eq(put(&p, NULL, 0, &created), STORE_OK);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(p.id, first.id);
	ck_assert_int_eq(p.version, 2);
	ck_assert_str_eq(p.name, "Black tea");
	ck_assert_int_eq(p.unit_price_cents, 400);
	ck_assert_int_eq(p.active, 0);
	ck_assert_str_eq(p.created_at, first.created_at);
	ck_assert_str_ge(p.updated_at, first.updated_at);
}
END_TEST

START_TEST(test_put_if_none_match)
{
	struct product p = product("tea-1", "Green tea", 350, 1), got;
	int created = -1;

	ck_assert_int_eq(put(&p, NULL, 1, &created), STORE_OK);
	ck_assert_int_eq(created, 1);
	/* There is one now: If-None-Match: * fails, and nothing changes. */
	p = product("tea-1", "Black tea", 400, 1);
	ck_assert_int_eq(put(&p, NULL, 1, &created), STORE_STALE);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(product_store_get(test_db, "tea-1", &got), STORE_OK);
	ck_assert_str_eq(got.name, "Green tea");
	ck_assert_int_eq(got.version, 1);
}
END_TEST

START_TEST(test_put_if_match)
{
	struct product p = product("tea-1", "Green tea", 350, 1), got;
	int created = -1;

	/* If-Match names a current version: there is none yet, any or not. */
	ck_assert_int_eq(put(&p, "\"1\"", 0, &created), STORE_STALE);
	ck_assert_int_eq(put(&p, "*", 0, &created), STORE_STALE);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(product_store_get(test_db, "tea-1", &got), STORE_NOT_FOUND);

	put_ok("tea-1", 350, 1);
	p = product("tea-1", "Black tea", 400, 1);
	ck_assert_int_eq(put(&p, "\"2\"", 0, &created), STORE_STALE);
	ck_assert_int_eq(product_store_get(test_db, "tea-1", &got), STORE_OK);
	ck_assert_int_eq(got.version, 1);
	ck_assert_int_eq(got.unit_price_cents, 350);
	ck_assert_int_eq(put(&p, "\"1\"", 0, &created), STORE_OK);
	ck_assert_int_eq(p.version, 2);
	p = product("tea-1", "White tea", 500, 1);
	ck_assert_int_eq(put(&p, "*", 0, &created), STORE_OK);
	ck_assert_int_eq(p.version, 3);
	ck_assert_int_eq(created, 0);
}
END_TEST

START_TEST(test_get_and_price)
{
	struct product got;

	ck_assert_int_eq(product_store_get(test_db, "tea-1", &got), STORE_NOT_FOUND);
	put_ok("tea-1", 350, 1);
	put_ok("mug", 1200, 0);
	/* Pricing reads inside the order's write transaction. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(product_store_price(test_db, "mug", &got), STORE_OK);
	ck_assert_str_eq(got.sku, "mug");
	ck_assert_int_eq(got.unit_price_cents, 1200);
	ck_assert_int_eq(got.active, 0);
	ck_assert_int_eq(product_store_price(test_db, "Mug", &got), STORE_NOT_FOUND);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
}
END_TEST

struct listed {
	char skus[8][ORDER_SKU_MAX + 1];
	int n;
};

static void
each(const struct product *p, void *arg)
{
	struct listed *l = arg;

	ck_assert_int_lt(l->n, 8);
	snprintf(l->skus[l->n++], sizeof(l->skus[0]), "%s", p->sku);
}

static struct listed
list(int64_t after, int has_active, int active, int limit, int *more)
{
	struct product_filter f = { has_active, active };
	struct listed l = { .n = 0 };
	struct product scratch;

	*more = -1;
	ck_assert_int_eq(product_store_list(test_db, after, &f, limit, &scratch, each, &l, more),
	    STORE_OK);
	return l;
}

START_TEST(test_list)
{
	struct listed l;
	int64_t id_b;
	int more;

	l = list(0, 0, 0, 2, &more);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(more, 0);
	put_ok("a", 1, 1);
	id_b = put_ok("b", 2, 0).id;
	put_ok("c", 3, 1);
	/* Replacing a product keeps its place in the list. */
	put_ok("a", 10, 1);
	l = list(0, 0, 0, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.skus[0], "a");
	ck_assert_str_eq(l.skus[1], "b");
	ck_assert_int_eq(more, 1);
	l = list(id_b, 0, 0, 2, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.skus[0], "c");
	ck_assert_int_eq(more, 0);
	l = list(0, 0, 0, 3, &more);
	ck_assert_int_eq(l.n, 3);
	ck_assert_int_eq(more, 0);
	/* Filtered by the active flag, each way. */
	l = list(0, 1, 1, 1, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.skus[0], "a");
	ck_assert_int_eq(more, 1);
	l = list(0, 1, 1, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_str_eq(l.skus[1], "c");
	ck_assert_int_eq(more, 0);
	l = list(0, 1, 0, 5, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.skus[0], "b");
	ck_assert_int_eq(more, 0);
}
END_TEST

Suite *
product_store_suite(void)
{
	Suite *s = suite_create("product_store");
	TCase *tc = tcase_create("products");

	tcase_add_checked_fixture(tc, setup, store_fixture_clean);
	tcase_add_test(tc, test_put_creates);
	tcase_add_test(tc, test_put_replaces);
	tcase_add_test(tc, test_put_if_none_match);
	tcase_add_test(tc, test_put_if_match);
	tcase_add_test(tc, test_get_and_price);
	tcase_add_test(tc, test_list);
	suite_add_tcase(s, tc);
	return s;
}
