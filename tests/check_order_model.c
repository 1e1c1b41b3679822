/*
 * check_order_model.c - fcgi-order/order_model.c: the status state machine,
 * currency and sku rules, totals with overflow checks, and the reading of
 * POST and PATCH bodies.
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

START_TEST(test_totals)
{
	static struct order o;

	memset(&o, 0, sizeof(o));
	o.n_items = 2;
	o.items[0] = (struct order_item){ "a", 2, 1250, 0 };
	o.items[1] = (struct order_item){ "b", 3, 99, 0 };
	ck_assert_int_eq(order_compute_totals(&o), 0);
	ck_assert_int_eq(o.items[0].line_total_cents, 2500);
	ck_assert_int_eq(o.items[1].line_total_cents, 297);
	ck_assert_int_eq(o.total_cents, 2797);

	/* A product past int64 is refused... */
	o.n_items = 1;
	o.items[0] = (struct order_item){ "a", INT64_MAX / 2 + 1, 2, 0 };
	ck_assert_int_eq(order_compute_totals(&o), -1);
	/* ...and so is a sum past int64. */
	o.n_items = 2;
	o.items[0] = (struct order_item){ "a", INT64_MAX, 1, 0 };
	o.items[1] = (struct order_item){ "b", 1, 1, 0 };
	ck_assert_int_eq(order_compute_totals(&o), -1);
	o.items[1] = (struct order_item){ "b", 0, 1, 0 };
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

START_TEST(test_create_read)
{
	static struct order o;
	static const struct {
		const char *body;
		int status;		/* 0: accepted */
		const char *field;
	} cases[] = {
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":2,\"unit_price_cents\":5}]}", 0, NULL },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":2,\"unit_price_cents\":5,\"line_total_cents\":1}],\"id\":3,\"status\":\"paid\",\"total_cents\":1,\"version\":9}", 0, NULL },
		{ "{\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}]}", 422, "user_id" },
		{ "{\"user_id\":\"7\",\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}]}", 400, "user_id" },
		{ "{\"user_id\":0,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}]}", 422, "user_id" },
		{ "{\"user_id\":99999999999999999999,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}]}", 422, "user_id" },
		{ "{\"user_id\":7,\"currency\":\"eur\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}]}", 422, "currency" },
		{ "{\"user_id\":7,\"currency\":null,\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}]}", 400, "currency" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[]}", 422, "items" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":\"a\"}", 400, "items" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[[]]}", 400, "items[0]" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":0,\"unit_price_cents\":1}]}", 422, "items[0].quantity" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1.0,\"unit_price_cents\":1}]}", 400, "items[0].quantity" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":-1}]}", 422, "items[0].unit_price_cents" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a b\",\"quantity\":1,\"unit_price_cents\":1}]}", 422, "items[0].sku" },
		{ "{\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\",\"quantity\":1,\"unit_price_cents\":1}],\"note\":1}", 422, "note" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct field_errors fe = create_read(cases[i].body, &o);

		if (cases[i].status == 0) {
			ck_assert_msg(fe.n == 0, "%s: refused (%s: %s)", cases[i].body,
			    fe.e[0].field, fe.e[0].reason);
			ck_assert_int_eq(o.status, ORDER_PENDING);
			ck_assert_int_eq(o.user_id, 7);
			ck_assert_str_eq(o.currency, "EUR");
			ck_assert_uint_eq(o.n_items, 1);
			ck_assert_int_eq(o.items[0].line_total_cents, 10);
			ck_assert_int_eq(o.total_cents, 10);
			continue;
		}
		ck_assert_msg(fe.n > 0 && fe.status == cases[i].status,
		    "%s: expected %d, got %d", cases[i].body, cases[i].status, fe.status);
		ck_assert_msg(strcmp(fe.e[0].field, cases[i].field) == 0,
		    "%s: expected field %s, got %s", cases[i].body, cases[i].field, fe.e[0].field);
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
	o.n_items = 1;
	o.items[0] = (struct order_item){ "a", 2, 3, 6 };
	o.total_cents = 6;
	o.version = 3;
	memcpy(o.created_at, "2026-01-02T03:04:05Z", 21);
	memcpy(o.updated_at, "2026-01-02T03:04:06Z", 21);
	j = order_to_json(&o);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_io_to_string(j, &len),
	    "{\"id\":5,\"user_id\":7,\"currency\":\"EUR\",\"items\":[{\"sku\":\"a\","
	    "\"quantity\":2,\"unit_price_cents\":3,\"line_total_cents\":6}],"
	    "\"total_cents\":6,\"status\":\"shipped\",\"created_at\":\"2026-01-02T03:04:05Z\","
	    "\"updated_at\":\"2026-01-02T03:04:06Z\",\"version\":3}");
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
	tcase_add_test(tc, test_patch_read);
	tcase_add_test(tc, test_to_json);
	suite_add_tcase(s, tc);
	return s;
}
