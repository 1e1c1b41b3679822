/*
 * check_order_model.c - fcgi-order/order_model.c: the status state machine
 * and who may make each move, currency, sku and product name rules, totals
 * with overflow checks, the reading of POST, PATCH and PUT bodies, the
 * pricing of an order from the price list, and the JSON forms.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "json_io.h"
#include "order_model.h"

#define OK ORDER_MOVE_OK
#define NO ORDER_MOVE_REFUSED
#define ADMIN_ONLY ORDER_MOVE_FORBIDDEN

/*
 * The state machine with who may make each move: what a customer and what
 * an admin asking for it get. NO is the state machine's refusal for
 * anyone; ADMIN_ONLY a move a customer may not make.
 */
static const struct {
	enum order_status from, to;
	enum order_move customer, admin;
} moves[] = {
	{ ORDER_PENDING, ORDER_PAID, ADMIN_ONLY, OK },
	{ ORDER_PENDING, ORDER_CANCELLED, OK, OK },
	{ ORDER_PENDING, ORDER_PENDING, NO, NO },
	{ ORDER_PENDING, ORDER_SHIPPED, NO, NO },
	{ ORDER_PENDING, ORDER_DELIVERED, NO, NO },
	{ ORDER_PAID, ORDER_SHIPPED, ADMIN_ONLY, OK },
	{ ORDER_PAID, ORDER_CANCELLED, ADMIN_ONLY, OK },
	{ ORDER_PAID, ORDER_PENDING, NO, NO },
	{ ORDER_PAID, ORDER_PAID, NO, NO },
	{ ORDER_PAID, ORDER_DELIVERED, NO, NO },
	{ ORDER_SHIPPED, ORDER_DELIVERED, ADMIN_ONLY, OK },
	{ ORDER_SHIPPED, ORDER_PENDING, NO, NO },
	{ ORDER_SHIPPED, ORDER_PAID, NO, NO },
	{ ORDER_SHIPPED, ORDER_SHIPPED, NO, NO },
	{ ORDER_SHIPPED, ORDER_CANCELLED, NO, NO },
	{ ORDER_DELIVERED, ORDER_PENDING, NO, NO },
	{ ORDER_DELIVERED, ORDER_PAID, NO, NO },
	{ ORDER_DELIVERED, ORDER_SHIPPED, NO, NO },
	{ ORDER_DELIVERED, ORDER_DELIVERED, NO, NO },
	{ ORDER_DELIVERED, ORDER_CANCELLED, NO, NO },
	{ ORDER_CANCELLED, ORDER_PENDING, NO, NO },
	{ ORDER_CANCELLED, ORDER_PAID, NO, NO },
	{ ORDER_CANCELLED, ORDER_SHIPPED, NO, NO },
	{ ORDER_CANCELLED, ORDER_DELIVERED, NO, NO },
	{ ORDER_CANCELLED, ORDER_CANCELLED, NO, NO },
};

START_TEST(test_transitions)
{
	size_t n = sizeof(moves) / sizeof(moves[0]);

	/* Every pair of the 5 statuses is listed exactly once. */
	ck_assert_uint_eq(n, (size_t)ORDER_STATUS_COUNT * ORDER_STATUS_COUNT);
	for (size_t i = 0; i < n; i++) {
		const char *from = order_status_name(moves[i].from);
		const char *to = order_status_name(moves[i].to);

		ck_assert_msg(order_move_check(moves[i].from, moves[i].to,
		    ORDER_ACTOR_CUSTOMER) == moves[i].customer,
		    "a customer's %s -> %s: expected %d", from, to, moves[i].customer);
		ck_assert_msg(order_move_check(moves[i].from, moves[i].to,
		    ORDER_ACTOR_ADMIN) == moves[i].admin,
		    "an admin's %s -> %s: expected %d", from, to, moves[i].admin);
		ck_assert_msg(order_transition_allowed(moves[i].from, moves[i].to) ==
		    (moves[i].admin == OK), "%s -> %s allowed for someone", from, to);
	}
	ck_assert_int_eq(order_transition_allowed(ORDER_STATUS_COUNT, ORDER_PAID), 0);
	ck_assert_int_eq(order_move_check(ORDER_PENDING, ORDER_STATUS_COUNT,
	    ORDER_ACTOR_ADMIN), ORDER_MOVE_REFUSED);
	ck_assert_int_eq(order_move_check(ORDER_PENDING, ORDER_CANCELLED,
	    ORDER_ACTOR_COUNT), ORDER_MOVE_FORBIDDEN);
}
END_TEST

START_TEST(test_status_names)
{
	enum order_status s;

	for (unsigned i = 0; i < ORDER_STATUS_COUNT; i++) {
		ck_assert_int_eq(order_status_parse(order_status_name((enum order_status)i), &s), 0);
		ck_assert_int_eq(s, (int)i);
	}
	ck_assert_int_eq(order_status_parse("Paid", &s), -1);
	ck_assert_int_eq(order_status_parse("", &s), -1);
	ck_assert_ptr_null(order_status_name(ORDER_STATUS_COUNT));
	ck_assert_int_eq(order_deletable(ORDER_PENDING), 1);
	ck_assert_int_eq(order_deletable(ORDER_CANCELLED), 1);
	ck_assert_int_eq(order_deletable(ORDER_PAID), 0);
	ck_assert_int_eq(order_deletable(ORDER_SHIPPED), 0);
	ck_assert_int_eq(order_deletable(ORDER_DELIVERED), 0);
}
END_TEST

START_TEST(test_currency_and_sku)
{
	static const struct { const char *s; int ok; } currencies[] = {
		{ "EUR", 1 }, { "USD", 1 }, { "eur", 0 }, { "EU", 0 }, { "EURO", 0 },
		{ "E1R", 0 }, { "", 0 }, { "ÉUR", 0 },
	};
	static const struct { const char *s; int ok; } skus[] = {
		{ "a", 1 }, { "BOOK-1", 1 }, { "pen.blue_2", 1 }, { "", 0 }, { "a b", 0 },
		{ "a/b", 0 }, { "é", 0 }, { "a\tb", 0 },
		{ "0123456789012345678901234567890123456789012345678901234567890123", 1 },
		{ "01234567890123456789012345678901234567890123456789012345678901234", 0 },
	};

	for (size_t i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
		ck_assert_msg(order_currency_ok(currencies[i].s, strlen(currencies[i].s)) ==
		    currencies[i].ok, "currency '%s'", currencies[i].s);
	for (size_t i = 0; i < sizeof(skus) / sizeof(skus[0]); i++)
		ck_assert_msg(order_sku_ok(skus[i].s, strlen(skus[i].s)) == skus[i].ok,
		    "sku '%s'", skus[i].s);
}
END_TEST

#define LINE(sku_, q, price) \
	(struct order_item){ .sku = sku_, .quantity = (q), .unit_price_cents = (price) }

START_TEST(test_totals)
{
	static struct order o;

	memset(&o, 0, sizeof(o));
	o.n_items = 2;
	o.items[0] = LINE("a", 2, 1250);
	o.items[1] = LINE("b", 3, 99);
	ck_assert_int_eq(order_compute_totals(&o), 0);
	ck_assert_int_eq(o.items[0].line_total_cents, 2500);
	ck_assert_int_eq(o.items[1].line_total_cents, 297);
	ck_assert_int_eq(o.total_cents, 2797);

	/* A product past int64 is refused... */
	o.n_items = 1;
	o.items[0] = LINE("a", INT64_MAX / 2 + 1, 2);
	ck_assert_int_eq(order_compute_totals(&o), -1);
	/* ...and so is a sum past int64. */
	o.n_items = 2;
	o.items[0] = LINE("a", INT64_MAX, 1);
	o.items[1] = LINE("b", 1, 1);
	ck_assert_int_eq(order_compute_totals(&o), -1);
	o.items[1] = LINE("b", 0, 1);
	ck_assert_int_eq(order_compute_totals(&o), 0);
	ck_assert_int_eq(o.total_cents, INT64_MAX);
}
END_TEST

/* Parse text, read it as a POST body; return the field errors. */
static struct field_errors
create_read(const char *text, struct order *o)
{
	struct json_object *body = NULL;
	struct field_errors fe;
	const char *err;

	ck_assert_msg(json_io_parse(text, strlen(text), 32, &body, &err) == 0, "%s", text);
	field_errors_init(&fe);
	order_create_read(body, o, &fe);
	json_object_put(body);
	return fe;
}

/* 1 if fe names field. */
static int
names(const struct field_errors *fe, const char *field)
{
	for (size_t i = 0; i < fe->n; i++)
		if (strcmp(fe->e[i].field, field) == 0)
			return 1;
	return 0;
}

START_TEST(test_create_read)
{
	static struct order o;
	static const struct {
		const char *body;
		int status;		/* 0: accepted */
		const char *field;
		const char *currency;	/* when accepted: the client's, or "" */
	} cases[] = {
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":2}]}", 0, NULL, "" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":2}]}", 0, NULL, "EUR" },
		/* Server-owned members that are not prices are ignored. */
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":2,\"name\":\"x\"}],\"id\":3,\"status\":\"paid\",\"version\":9,\"created_at\":\"x\",\"updated_at\":\"x\"}", 0, NULL, "" },
		/* Prices and totals are the service's: each is a 422 naming it. */
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":2,\"unit_price_cents\":0}]}", 422, "items[0].unit_price_cents", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":2},{\"sku\":\"b\",\"quantity\":1,\"line_total_cents\":1}]}", 422, "items[1].line_total_cents", NULL },
		{ "{\"user_id\":7,\"total_cents\":1,\"items\":[{\"sku\":\"a\",\"quantity\":2}]}", 422, "total_cents", NULL },
		{ "{\"items\":[{\"sku\":\"a\",\"quantity\":1}]}", 422, "user_id", NULL },
		{ "{\"user_id\":\"7\",\"items\":[{\"sku\":\"a\",\"quantity\":1}]}", 400, "user_id", NULL },
		{ "{\"user_id\":0,\"items\":[{\"sku\":\"a\",\"quantity\":1}]}", 422, "user_id", NULL },
		{ "{\"user_id\":99999999999999999999,\"items\":[{\"sku\":\"a\",\"quantity\":1}]}", 422, "user_id", NULL },
		{ "{\"user_id\":7,\"currency\":\"eur\",\"items\":[{\"sku\":\"a\",\"quantity\":1}]}", 422, "currency", NULL },
		{ "{\"user_id\":7,\"currency\":null,\"items\":[{\"sku\":\"a\",\"quantity\":1}]}", 400, "currency", NULL },
		{ "{\"user_id\":7,\"items\":[]}", 422, "items", NULL },
		{ "{\"user_id\":7,\"items\":\"a\"}", 400, "items", NULL },
		{ "{\"user_id\":7,\"items\":[[]]}", 400, "items[0]", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":0}]}", 422, "items[0].quantity", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":1.0}]}", 400, "items[0].quantity", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\"}]}", 422, "items[0].quantity", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a b\",\"quantity\":1}]}", 422, "items[0].sku", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":1,\"price\":1}]}", 422, "price", NULL },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"a\",\"quantity\":1}],\"note\":1}", 422, "note", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct field_errors fe = create_read(cases[i].body, &o);

		if (cases[i].status == 0) {
			ck_assert_msg(fe.n == 0, "%s: refused (%s: %s)", cases[i].body,
			    fe.e[0].field, fe.e[0].reason);
			ck_assert_int_eq(o.status, ORDER_PENDING);
			ck_assert_int_eq(o.user_id, 7);
			ck_assert_str_eq(o.currency, cases[i].currency);
			ck_assert_uint_eq(o.n_items, 1);
			ck_assert_str_eq(o.items[0].sku, "a");
			ck_assert_int_eq(o.items[0].quantity, 2);
			/* Nothing priced yet, whatever the body said. */
			ck_assert_str_eq(o.items[0].name, "");
			ck_assert_int_eq(o.items[0].unit_price_cents, 0);
			ck_assert_int_eq(o.total_cents, 0);
			continue;
		}
		ck_assert_msg(fe.n > 0 && fe.status == cases[i].status,
		    "%s: expected %d, got %d", cases[i].body, cases[i].status, fe.status);
		ck_assert_msg(names(&fe, cases[i].field), "%s: expected field %s, got %s",
		    cases[i].body, cases[i].field, fe.e[0].field);
	}
}
END_TEST

/* The price list of test_price, looked up by sku. */
static const struct product price_list[] = {
	{ .sku = "BOOK-1", .name = "A book", .unit_price_cents = 1250, .currency = "EUR", .active = 1 },
	{ .sku = "PEN", .name = "A pen", .unit_price_cents = 99, .currency = "EUR", .active = 1 },
	{ .sku = "OLD", .name = "Gone", .unit_price_cents = 5, .currency = "EUR", .active = 0 },
	{ .sku = "HAT", .name = "A hat", .unit_price_cents = 700, .currency = "USD", .active = 1 },
	{ .sku = "MAX", .name = "Dear", .unit_price_cents = 1000000000, .currency = "EUR", .active = 1 },
};

static int lookups;

static int
list_lookup(void *arg, const char *sku, struct product *p)
{
	(void)arg;
	lookups++;
	if (strcmp(sku, "FAIL") == 0)
		return -1;
	for (size_t i = 0; i < N_ELEMS(price_list); i++) {
		if (strcmp(price_list[i].sku, sku) == 0) {
			*p = price_list[i];
			return 1;
		}
	}
	return 0;
}

START_TEST(test_price)
{
	static struct order o;
	static struct product scratch;
	static const struct {
		const char *body;
		int rc;
		const char *field;	/* NULL: priced */
		const char *currency;
		int64_t total;
	} cases[] = {
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2},{\"sku\":\"PEN\",\"quantity\":3}]}", 0, NULL, "EUR", 2797 },
		/* The reproduction of the review: the list's price, not 0. */
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":10000}]}", 0, NULL, "EUR", 12500000 },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}", 0, NULL, "EUR", 99 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"HAT\",\"quantity\":1}]}", 0, NULL, "USD", 700 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"MAX\",\"quantity\":10000}]}", 0, NULL, "EUR", 10000000000000LL },
		{ "{\"user_id\":7,\"currency\":\"USD\",\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}", 0, "currency", NULL, 0 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"NOPE\",\"quantity\":1}]}", 0, "items[1].sku", NULL, 0 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"OLD\",\"quantity\":1}]}", 0, "items[0].sku", NULL, 0 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"HAT\",\"quantity\":1}]}", 0, "items[1].sku", NULL, 0 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"HAT\",\"quantity\":1},{\"sku\":\"PEN\",\"quantity\":1}]}", 0, "items[1].sku", NULL, 0 },
		{ "{\"user_id\":7,\"items\":[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"FAIL\",\"quantity\":1}]}", -1, NULL, NULL, 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct field_errors fe = create_read(cases[i].body, &o);
		int rc;

		ck_assert_msg(fe.n == 0, "%s: refused", cases[i].body);
		lookups = 0;
		rc = order_price(&o, list_lookup, NULL, &scratch, &fe);
		ck_assert_msg(rc == cases[i].rc, "%s: returned %d", cases[i].body, rc);
		if (rc < 0)
			continue;
		ck_assert_int_eq(lookups, (int)o.n_items);
		if (cases[i].field != NULL) {
			ck_assert_msg(fe.n > 0 && fe.status == 422 && names(&fe, cases[i].field),
			    "%s: expected a 422 naming %s, got %zu errors (%s)", cases[i].body,
			    cases[i].field, fe.n, fe.n > 0 ? fe.e[0].field : "");
			continue;
		}
		ck_assert_msg(fe.n == 0, "%s: refused (%s: %s)", cases[i].body,
		    fe.e[0].field, fe.e[0].reason);
		ck_assert_str_eq(o.currency, cases[i].currency);
		ck_assert_int_eq(o.total_cents, cases[i].total);
		for (size_t j = 0; j < o.n_items; j++) {
			struct product p;

			ck_assert_int_eq(list_lookup(NULL, o.items[j].sku, &p), 1);
			ck_assert_str_eq(o.items[j].name, p.name);
			ck_assert_int_eq(o.items[j].unit_price_cents, p.unit_price_cents);
			ck_assert_int_eq(o.items[j].line_total_cents,
			    p.unit_price_cents * o.items[j].quantity);
		}
	}
}
END_TEST

START_TEST(test_product_name)
{
	static const struct { const char *s; const char *want; } cases[] = {
		{ "A book", "A book" }, { "  Ein Buch \t", "Ein Buch" }, { "Caf\xc3\xa9", "Caf\xc3\xa9" },
		{ "", NULL }, { "   ", NULL }, { "a\x01" "b", NULL }, { "\xc3", NULL },
		{ "a\xc2\x85" "b", NULL },
	};
	char out[PRODUCT_NAME_MAX_BYTES + 1], long_name[4 * (TEXT_NAME_MAX_CHARS + 1)];
	const char *why;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int rc = text_name_check(cases[i].s, strlen(cases[i].s), out, &why);

		if (cases[i].want == NULL) {
			ck_assert_msg(rc == -1, "'%s' accepted", cases[i].s);
		} else {
			ck_assert_msg(rc == 0, "'%s' refused: %s", cases[i].s, why);
			ck_assert_str_eq(out, cases[i].want);
		}
	}
	/* 100 characters of 4 bytes each fit; 101 do not. */
	for (size_t i = 0; i <= TEXT_NAME_MAX_CHARS; i++)
		memcpy(long_name + 4 * i, "\xf0\x9f\x93\x9a", 4);
	ck_assert_int_eq(text_name_check(long_name, 4 * TEXT_NAME_MAX_CHARS, out, &why), 0);
	ck_assert_uint_eq(strlen(out), PRODUCT_NAME_MAX_BYTES);
	ck_assert_int_eq(text_name_check(long_name, sizeof(long_name), out, &why), -1);
}
END_TEST

START_TEST(test_product_put_read)
{
	static const struct {
		const char *body;
		int status;		/* 0: accepted */
		const char *field;
	} cases[] = {
		{ "{\"name\":\" A book \",\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true}", 0, NULL },
		/* What a GET answered may be sent back. */
		{ "{\"id\":4,\"sku\":\"BOOK-1\",\"name\":\"A book\",\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true,\"version\":2,\"created_at\":\"x\",\"updated_at\":\"x\"}", 0, NULL },
		{ "{\"sku\":\"PEN\",\"name\":\"A book\",\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true}", 422, "sku" },
		{ "{\"sku\":1,\"name\":\"A book\",\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true}", 400, "sku" },
		{ "{\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true}", 422, "name" },
		{ "{\"name\":\"\",\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true}", 422, "name" },
		{ "{\"name\":\"a\\u0000b\",\"unit_price_cents\":1250,\"currency\":\"EUR\",\"active\":true}", 422, "name" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":-1,\"currency\":\"EUR\",\"active\":true}", 422, "unit_price_cents" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1000000001,\"currency\":\"EUR\",\"active\":true}", 422, "unit_price_cents" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":12.5,\"currency\":\"EUR\",\"active\":true}", 400, "unit_price_cents" },
		{ "{\"name\":\"A book\",\"currency\":\"EUR\",\"active\":true}", 422, "unit_price_cents" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1,\"currency\":\"eur\",\"active\":true}", 422, "currency" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1,\"active\":true}", 422, "currency" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1,\"currency\":\"EUR\"}", 422, "active" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1,\"currency\":\"EUR\",\"active\":1}", 400, "active" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1,\"currency\":\"EUR\",\"active\":null}", 400, "active" },
		{ "{\"name\":\"A book\",\"unit_price_cents\":1,\"currency\":\"EUR\",\"active\":true,\"stock\":3}", 422, "stock" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct json_object *body = NULL;
		struct field_errors fe;
		struct product p;
		const char *err;

		ck_assert_int_eq(json_io_parse(cases[i].body, strlen(cases[i].body), 8, &body, &err), 0);
		memset(&p, 0, sizeof(p));
		memcpy(p.sku, "BOOK-1", 7);
		field_errors_init(&fe);
		product_put_read(body, &p, &fe);
		json_object_put(body);
		if (cases[i].status == 0) {
			ck_assert_msg(fe.n == 0, "%s: refused (%s: %s)", cases[i].body,
			    fe.e[0].field, fe.e[0].reason);
			ck_assert_str_eq(p.sku, "BOOK-1");
			ck_assert_str_eq(p.name, "A book");
			ck_assert_int_eq(p.unit_price_cents, 1250);
			ck_assert_str_eq(p.currency, "EUR");
			ck_assert_int_eq(p.active, 1);
			continue;
		}
		ck_assert_msg(fe.n > 0 && fe.status == cases[i].status && names(&fe, cases[i].field),
		    "%s: expected %d naming %s, got %d naming %s", cases[i].body,
		    cases[i].status, cases[i].field, fe.status, fe.n > 0 ? fe.e[0].field : "");
	}
}
END_TEST

START_TEST(test_patch_read)
{
	static const struct {
		const char *body;
		int status;
		enum order_status to;
	} cases[] = {
		{ "{\"status\":\"paid\"}", 0, ORDER_PAID },
		{ "{\"status\":\"cancelled\",\"version\":3}", 0, ORDER_CANCELLED },
		{ "{\"status\":\"lost\"}", 422, 0 },
		{ "{\"status\":\"paid\\u0000x\"}", 422, 0 },
		{ "{\"status\":null}", 400, 0 },
		{ "{\"status\":1}", 400, 0 },
		{ "{}", 422, 0 },
		{ "{\"status\":\"paid\",\"items\":[]}", 422, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *body = NULL;
		struct field_errors fe;
		enum order_status to = ORDER_PENDING;
		const char *err;

		ck_assert_int_eq(json_io_parse(cases[i].body, strlen(cases[i].body), 8, &body, &err), 0);
		field_errors_init(&fe);
		order_patch_read(body, &to, &fe);
		json_object_put(body);
		if (cases[i].status == 0) {
			ck_assert_msg(fe.n == 0, "%s refused", cases[i].body);
			ck_assert_int_eq(to, cases[i].to);
		} else {
			ck_assert_msg(fe.n > 0 && fe.status == cases[i].status,
			    "%s: expected %d, got %d", cases[i].body, cases[i].status, fe.status);
		}
	}
}
END_TEST

START_TEST(test_to_json)
{
	static struct order o;
	struct json_object *j;
	size_t len;

	memset(&o, 0, sizeof(o));
	o.id = 5;
	o.user_id = 7;
	memcpy(o.currency, "EUR", 4);
	o.status = ORDER_SHIPPED;
	o.n_items = 2;
	o.items[0] = (struct order_item){ .sku = "a", .name = "A \"book\"", .quantity = 2,
	    .unit_price_cents = 3, .line_total_cents = 6 };
	/* A line from before the price list: no name. */
	o.items[1] = (struct order_item){ .sku = "b", .quantity = 1, .unit_price_cents = 4,
	    .line_total_cents = 4 };
	o.total_cents = 10;
	o.version = 3;
	memcpy(o.created_at, "2026-01-02T03:04:05Z", 21);
	memcpy(o.updated_at, "2026-01-02T03:04:06Z", 21);
	j = order_to_json(&o);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_io_to_string(j, &len),
	    "{\"id\":5,\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\","
	    "\"name\":\"A \\\"book\\\"\",\"quantity\":2,\"unit_price_cents\":3,"
	    "\"line_total_cents\":6},{\"sku\":\"b\",\"name\":null,\"quantity\":1,"
	    "\"unit_price_cents\":4,\"line_total_cents\":4}],"
	    "\"total_cents\":10,\"status\":\"shipped\",\"created_at\":\"2026-01-02T03:04:05Z\","
	    "\"updated_at\":\"2026-01-02T03:04:06Z\",\"version\":3}");
	json_object_put(j);
}
END_TEST

START_TEST(test_product_to_json)
{
	static const struct product p = {
		.id = 4, .sku = "BOOK-1", .name = "A book", .unit_price_cents = 1250,
		.currency = "EUR", .active = 0, .created_at = "2026-01-02T03:04:05Z",
		.updated_at = "2026-01-02T03:04:06Z", .version = 2,
	};
	struct json_object *j = product_to_json(&p);
	size_t len;

	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_io_to_string(j, &len),
	    "{\"id\":4,\"sku\":\"BOOK-1\",\"name\":\"A book\",\"unit_price_cents\":1250,"
	    "\"currency\":\"EUR\",\"active\":false,\"created_at\":\"2026-01-02T03:04:05Z\","
	    "\"updated_at\":\"2026-01-02T03:04:06Z\",\"version\":2}");
	json_object_put(j);
}
END_TEST

Suite *
order_model_suite(void)
{
	Suite *s = suite_create("order_model");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_transitions);
	tcase_add_test(tc, test_status_names);
	tcase_add_test(tc, test_currency_and_sku);
	tcase_add_test(tc, test_totals);
	tcase_add_test(tc, test_create_read);
	tcase_add_test(tc, test_price);
	tcase_add_test(tc, test_product_name);
	tcase_add_test(tc, test_product_put_read);
	tcase_add_test(tc, test_patch_read);
	tcase_add_test(tc, test_to_json);
	tcase_add_test(tc, test_product_to_json);
	suite_add_tcase(s, tc);
	return s;
}
