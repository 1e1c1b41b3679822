/*
 * check_order_api.c - fcgi-order/order_api.c: what each handler decides,
 * served in-process (request_harness.h) on an in-memory database holding
 * api_fixtures.h's price list (BOOK-1, PEN and INK in EUR, HAT in USD, OLD
 * not for sale) and orders (order 1 of user 1, order 2 of user 2). The user service
 * is fake_user_client.c: each request's X-Test-User-Status and
 * X-Test-User-Body say what it answers. Statuses and problem types, ETag,
 * Location and Idempotent-Replayed, who may do what (a customer, an
 * admin, a service, nobody; another customer's order is a 404, like a
 * missing one), what the user service's answer means for an order, the
 * pricing's refusals, the state machine's 403 and 409, the pages' links,
 * readiness in /order/ready and in the metrics' microshop_ready.
 * The events case: what the projection (user_projection.h) decides when
 * the service follows the user events: orders without a call, deleted
 * users refused, revoked tokens refused, readiness by the events' lag.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api_fixtures.h"
#include "check_api.h"
#include "order_api.h"
#include "order_store.h"

#define USER_SAYS(status) "X-Test-User-Status: " status "\n"

/*
 * The user service is fake_user_client.c: these settings go unread but
 * for no_user_events: the handlers' case is the lookup path's (every
 * order asks the user service); the events case below is the
 * projection's.
 */
static struct order_settings order_settings = { .no_user_events = 1 };

static const struct harness_target target = {
	.svc = &order_service,
	.schema = &order_store_schema,
	.own = &order_settings,
	.fixtures = order_api_fixtures,
};

static void
service_up(void)
{
	ck_assert_int_eq(harness_init(&target), 0);
}

static void
service_down(void)
{
	harness_fini();
}

static void
fixtures_up(void)
{
	harness_config()->require_if_match = 0;
	ck_assert_int_eq(harness_reset(), 0);
}

/* ------------------------------------------------------------------ */
/* POST /order                                                        */
/* ------------------------------------------------------------------ */

/* A customer orders for themselves; the price list prices it. */
START_TEST(test_create)
{
	api_serve("POST /order\n" AS("customer") JSON "\n"
	    "{\"items\":[{\"sku\":\"PEN\",\"quantity\":2},{\"sku\":\"INK\",\"quantity\":1}]}");
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_header("Location"), "/order/3");
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	ck_assert_int_eq(api_int("user_id"), 1);
	ck_assert_int_eq(api_int("total_cents"), 2 * 99 + 450);
	ck_assert_str_eq(api_string("currency"), "EUR");
	ck_assert_str_eq(api_string("status"), "pending");

	/* Its own id, said outright, is the same; an admin orders for anyone. */
	api_serve("POST /order\n" AS("customer") JSON "\n"
	    "{\"user_id\":1,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(201, NULL, NULL);
	api_serve("POST /order\n" AS("admin") JSON "\n"
	    "{\"user_id\":2,\"items\":[{\"sku\":\"HAT\",\"quantity\":1}]}");
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_string("currency"), "USD");
	/* A service orders nothing. */
	api_serve("POST /order\n" AS("service") JSON "\n"
	    "{\"user_id\":2,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(403, PROBLEM_BLANK, NULL);
}
END_TEST

/* Another user's id: 404, whether that user exists or not; nothing written. */
START_TEST(test_create_for_another)
{
	api_assert_same("POST /order\n" AS("customer") JSON "\n"
	    "{\"user_id\":999,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}",
	    "POST /order\n" AS("customer") JSON "\n"
	    "{\"user_id\":2,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("GET /order/3\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

/* What the price list refuses names the line. */
START_TEST(test_create_pricing)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
		{ "{\"items\":[{\"sku\":\"NOPE\",\"quantity\":1}]}", "items[0].sku" },
		{ "{\"items\":[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"OLD\",\"quantity\":1}]}",
		  "items[1].sku" },
		{ "{\"items\":[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"HAT\",\"quantity\":1}]}",
		  "items[1].sku" },
		{ "{\"currency\":\"USD\",\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}", "currency" },
		{ "{\"items\":[{\"sku\":\"PEN\",\"quantity\":1,\"unit_price_cents\":1}]}",
		  "items[0].unit_price_cents" },
		{ "{\"items\":[{\"sku\":\"PEN\",\"quantity\":0}]}", "items[0].quantity" },
		{ "{\"items\":[]}", "items" },
		{ "{\"total_cents\":1,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}", "total_cents" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		api_serve("POST /order\n" AS("customer") JSON "\n%s", cases[i].body);
		ck_assert_msg(api_answer.status == 422, "%s: %d", cases[i].body, api_answer.status);
		api_assert(422, PROBLEM_VALIDATION, cases[i].field);
	}
	api_serve("POST /order\n" AS("customer") JSON "\n{\"items\":{}}");
	api_assert(400, PROBLEM_VALIDATION, "items");
	/* None was written. */
	api_serve("GET /order/3\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

/* The user service's answer: a missing or deleted user is the client's 422; no answer, a 503. */
START_TEST(test_create_user_service)
{
	static const char order[] = "{\"user_id\":2,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}";

	api_serve("POST /order\n" USER_SAYS("404") JSON "\n%s", order);
	api_assert(422, PROBLEM_VALIDATION, "user_id");
	ck_assert_ptr_nonnull(strstr(api_body(), "\"no such user\""));
	api_serve("POST /order\n" USER_SAYS("410") JSON "\n%s", order);
	api_assert(422, PROBLEM_VALIDATION, "user_id");
	ck_assert_ptr_nonnull(strstr(api_body(), "\"the user was deleted\""));

	api_serve("POST /order\n" USER_SAYS("503") JSON "\n%s", order);
	api_assert(503, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_header("Retry-After"), "1");
	/* A 200 that does not say so is no answer either. */
	api_serve("POST /order\nX-Test-User-Body: {\"id\":3}\n" JSON "\n%s", order);
	api_assert(503, PROBLEM_BLANK, NULL);
	api_serve("POST /order\nX-Test-User-Body: <html>\n" JSON "\n%s", order);
	api_assert(503, PROBLEM_BLANK, NULL);
	api_serve("GET /order/3\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

/* A retry with the same key is the first answer again, without asking the user service. */
START_TEST(test_create_idempotent)
{
	static const char order[] = "{\"user_id\":2,\"items\":[{\"sku\":\"INK\",\"quantity\":2}]}";
	char first[4096];

	api_serve("POST /order\nIdempotency-Key: order-1\n" JSON "\n%s", order);
	api_assert(201, NULL, NULL);
	snprintf(first, sizeof(first), "%s", api_body());
	api_serve("POST /order\n" USER_SAYS("503") "Idempotency-Key: order-1\n" JSON "\n%s",
	    order);
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_header("Idempotent-Replayed"), "true");
	ck_assert_str_eq(api_header("Location"), "/order/3");
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	ck_assert_str_eq(api_body(), first);

	/* The same key with another body: 422, nothing written. */
	api_serve("POST /order\nIdempotency-Key: order-1\n" JSON "\n"
	    "{\"user_id\":2,\"items\":[{\"sku\":\"INK\",\"quantity\":3}]}");
	api_assert(422, PROBLEM_BLANK, NULL);
	/* Another caller's same key is another key. */
	api_serve("POST /order\n" AS("customer2") "Idempotency-Key: order-1\n" JSON "\n%s",
	    order);
	api_assert(201, NULL, NULL);
	ck_assert_ptr_null(api_header("Idempotent-Replayed"));
	ck_assert_str_eq(api_header("Location"), "/order/4");
	/* A refused request stored nothing: its retry runs again. */
	api_serve("POST /order\n" USER_SAYS("503") "Idempotency-Key: order-2\n" JSON "\n%s",
	    order);
	api_assert(503, NULL, NULL);
	api_serve("POST /order\nIdempotency-Key: order-2\n" JSON "\n%s", order);
	api_assert(201, NULL, NULL);
	ck_assert_ptr_null(api_header("Idempotent-Replayed"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reading orders                                                     */
/* ------------------------------------------------------------------ */

START_TEST(test_get_access)
{
	api_serve("GET /order/1\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	ck_assert_int_eq(api_int("total_cents"), 2500);

	api_assert_same("GET /order/999\n" AS("customer") "\n",
	    "GET /order/2\n" AS("customer") "\n");
	api_assert(404, PROBLEM_BLANK, NULL);

	api_serve("GET /order/2\n" AS("admin") "\n");
	api_assert(200, NULL, NULL);
	api_serve("GET /order/1\n" AS("service") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
	api_serve("GET /order/1\n" AS("none") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	api_serve("GET /order/x1\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_list)
{
	/* A customer's list is their own; another user's is empty, as for one with none. */
	api_serve("GET /order\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 1);
	api_serve("GET /order?user_id=2\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 0);
	api_serve("GET /order?user_id=1\n" AS("customer") "\n");
	ck_assert_int_eq(api_items(), 1);

	api_serve("GET /order\n" AS("admin") "\n");
	ck_assert_int_eq(api_items(), 2);
	ck_assert_ptr_null(api_string("next"));
	api_serve("GET /order?user_id=2\n" AS("admin") "\n");
	ck_assert_int_eq(api_items(), 1);

	/* The filters ride on next. */
	api_serve("GET /order?limit=1&status=pending\n\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 1);
	ck_assert_str_eq(api_string("next"), "/order?limit=1&after=1&status=pending");
	api_serve("GET /order?limit=1&after=1&status=pending\n\n");
	ck_assert_int_eq(api_items(), 1);
	ck_assert_ptr_null(api_string("next"));
	api_serve("GET /order?status=paid\n\n");
	ck_assert_int_eq(api_items(), 0);

	api_serve("GET /order?status=lost\n\n");
	api_assert(422, PROBLEM_VALIDATION, "status");
	api_serve("GET /order?user_id=-1\n\n");
	api_assert(422, PROBLEM_VALIDATION, "user_id");
	api_serve("GET /order?limit=201\n\n");
	api_assert(422, PROBLEM_VALIDATION, "limit");
	api_serve("GET /order\n" AS("service") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* PATCH and DELETE: the state machine                                */
/* ------------------------------------------------------------------ */

START_TEST(test_patch)
{
	/* A customer pays nothing; cancels their own pending order. */
	api_serve("PATCH /order/1\n" AS("customer") MERGE "\n{\"status\":\"paid\"}");
	api_assert(403, PROBLEM_BLANK, NULL);
	api_serve("PATCH /order/2\n" AS("customer") MERGE "\n{\"status\":\"cancelled\"}");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("PATCH /order/1\n" AS("customer") MERGE "If-Match: \"1\"\n\n"
	    "{\"status\":\"cancelled\"}");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_header("ETag"), "\"2\"");
	ck_assert_str_eq(api_string("status"), "cancelled");
	/* From cancelled, nobody moves it: 409, even an admin. */
	api_serve("PATCH /order/1\n" AS("admin") MERGE "\n{\"status\":\"paid\"}");
	api_assert(409, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_string("detail"), "an order that is cancelled cannot become paid");

	/* An admin moves order 2 along; skipping a step is a 409. */
	api_serve("PATCH /order/2\n" AS("admin") MERGE "\n{\"status\":\"shipped\"}");
	api_assert(409, PROBLEM_BLANK, NULL);
	api_serve("PATCH /order/2\n" AS("admin") MERGE "If-Match: \"1\"\n\n{\"status\":\"paid\"}");
	api_assert(200, NULL, NULL);
	api_serve("PATCH /order/2\n" AS("admin") MERGE "If-Match: \"1\"\n\n"
	    "{\"status\":\"shipped\"}");
	api_assert(412, PROBLEM_BLANK, NULL);
	api_serve("PATCH /order/2\n" AS("customer2") MERGE "\n{\"status\":\"cancelled\"}");
	api_assert(403, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_string("detail"), "only an admin may move an order from paid to "
	    "cancelled");

	api_serve("PATCH /order/2\n" AS("admin") MERGE "\n{\"status\":\"lost\"}");
	api_assert(422, PROBLEM_VALIDATION, "status");
	api_serve("PATCH /order/2\n" AS("admin") MERGE "\n{\"total_cents\":1}");
	api_assert(422, PROBLEM_VALIDATION, NULL);
	harness_config()->require_if_match = 1;
	api_serve("PATCH /order/2\n" AS("admin") MERGE "\n{\"status\":\"shipped\"}");
	api_assert(428, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_delete)
{
	api_serve("DELETE /order/1\n" AS("customer") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
	api_serve("DELETE /order/1\n" AS("admin") "If-Match: \"2\"\n\n");
	api_assert(412, PROBLEM_BLANK, NULL);
	api_serve("DELETE /order/1\n" AS("admin") "If-Match: \"1\"\n\n");
	api_assert(204, NULL, NULL);
	ck_assert_uint_eq(api_answer.body_len, 0);
	api_serve("GET /order/1\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);		/* orders keep no tombstone */
	api_serve("DELETE /order/999\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);

	/* Paid is kept: 409, saying why. */
	api_serve("PATCH /order/2\n" MERGE "\n{\"status\":\"paid\"}");
	api_assert(200, NULL, NULL);
	api_serve("DELETE /order/2\n\n");
	api_assert(409, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_string("detail"), "an order that is paid cannot be deleted; "
	    "only pending and cancelled orders can");
}
END_TEST

/* ------------------------------------------------------------------ */
/* The price list                                                     */
/* ------------------------------------------------------------------ */

START_TEST(test_products)
{
	static const char lamp[] = "{\"name\":\"A lamp\",\"unit_price_cents\":2000,"
	    "\"currency\":\"EUR\",\"active\":true}";

	api_serve("PUT /order/products/LAMP\n" AS("customer") JSON "\n%s", lamp);
	api_assert(403, PROBLEM_BLANK, NULL);
	/* If-None-Match: * creates, and only creates. */
	api_serve("PUT /order/products/LAMP\nIf-None-Match: *\n" JSON "\n%s", lamp);
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_header("Location"), "/order/products/LAMP");
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	api_serve("PUT /order/products/LAMP\nIf-None-Match: *\n" JSON "\n%s", lamp);
	api_assert(412, PROBLEM_BLANK, NULL);
	api_serve("PUT /order/products/LAMP\nIf-None-Match: \"1\"\n" JSON "\n%s", lamp);
	api_assert(400, PROBLEM_BLANK, NULL);
	/* If-Match replaces the version it names. */
	api_serve("PUT /order/products/LAMP\nIf-Match: \"1\"\n" JSON "\n"
	    "{\"name\":\"A lamp\",\"unit_price_cents\":2500,\"currency\":\"EUR\",\"active\":true}");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_header("ETag"), "\"2\"");
	ck_assert_ptr_null(api_header("Location"));
	api_serve("PUT /order/products/LAMP\nIf-Match: \"1\"\n" JSON "\n%s", lamp);
	api_assert(412, PROBLEM_BLANK, NULL);
	harness_config()->require_if_match = 1;
	api_serve("PUT /order/products/LAMP\n" JSON "\n%s", lamp);
	api_assert(428, PROBLEM_BLANK, NULL);
	harness_config()->require_if_match = 0;

	/* A sku that breaks the rule, or another than the path's. */
	api_serve("PUT /order/products/BAD$SKU\n" JSON "\n%s", lamp);
	api_assert(422, PROBLEM_VALIDATION, "sku");
	api_serve("PUT /order/products/LAMP\n" JSON "\n{\"sku\":\"PEN\",\"name\":\"A lamp\","
	    "\"unit_price_cents\":2000,\"currency\":\"EUR\",\"active\":true}");
	api_assert(422, PROBLEM_VALIDATION, "sku");

	/* Anyone signed in reads it. */
	api_serve("GET /order/products/LAMP\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_int("unit_price_cents"), 2500);
	ck_assert_str_eq(api_header("ETag"), "\"2\"");
	api_serve("GET /order/products/NOPE\n" AS("customer") "\n");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("GET /order/products/BAD$SKU\n" AS("customer") "\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_product_list)
{
	api_serve("GET /order/products\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 5);
	api_serve("GET /order/products?active=false\n\n");
	ck_assert_int_eq(api_items(), 1);
	api_serve("GET /order/products?active=true&limit=2\n\n");
	ck_assert_int_eq(api_items(), 2);
	ck_assert_str_eq(api_string("next"), "/order/products?limit=2&after=2&active=true");
	api_serve("GET /order/products?active=maybe\n\n");
	api_assert(422, PROBLEM_VALIDATION, "active");
}
END_TEST

START_TEST(test_health)
{
	api_serve("GET /order/health\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_string("status"), "ok");
	ck_assert_str_eq(api_string("user_service"), "up");
	ck_assert_str_eq(api_string("breaker"), "closed");
	api_serve("GET /order/ready\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	api_serve("GET /order/ready\n" AS("none") USER_SAYS("503") "\n");
	api_assert(503, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_header("Retry-After"), "5");
}
END_TEST

/* The metrics say what /order/ready says, last: microshop_ready 1 or 0. */
START_TEST(test_metrics_ready)
{
	const char *tail = "\n# TYPE microshop_ready gauge\nmicroshop_ready 1\n";

	api_serve("GET /order/metrics\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_body() + strlen(api_body()) - strlen(tail), tail);
	api_serve("GET /order/metrics\n" AS("none") USER_SAYS("503") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(api_body(), "\nmicroshop_ready 0\n"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Following the user events: the projection answers                  */
/* ------------------------------------------------------------------ */

/*
 * What the consumer would have applied: the customer (user 1) and the
 * admin (1000) active at credential version 1, customer2 (user 2) at
 * version 2 (a password changed since its token), user 3 deleted.
 */
static const char *const events_sql[] = {
	"INSERT INTO known_users (id, status, role, credential_version, user_version, seq,"
	" updated_at) VALUES (1, 'active', 'customer', 1, 1, 10, 'now'),"
	" (1000, 'active', 'admin', 1, 1, 11, 'now'), (2, 'active', 'customer', 2, 2, 12, 'now'),"
	" (3, 'deleted', 'customer', 1, 1, 13, 'now')"
	" ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
	" credential_version = excluded.credential_version, seq = excluded.seq",
	NULL
};

static struct order_settings events_settings = { .events_max_lag_s = 3 };

static const struct harness_target events_target = {
	.svc = &order_service,
	.schema = &order_store_schema,
	.own = &events_settings,
	.fixtures = order_api_fixtures,
	.sql_fixtures = events_sql,
};

static void
events_up(void)
{
	ck_assert_int_eq(harness_init(&events_target), 0);
}

static void
events_reset(void)
{
	harness_config()->require_if_match = 0;
	atomic_store(&events_settings.consumer.lag_s, 0);
	ck_assert_int_eq(harness_reset(), 0);
}

/* A known user orders without a call: the user service may be down. */
START_TEST(test_events_known_user)
{
	api_serve("POST /order\n" AS("customer") USER_SAYS("503") JSON "\n"
	    "{\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(201, NULL, NULL);
	/* An unknown one is looked up: down, it is a 503. */
	api_serve("POST /order\n" USER_SAYS("503") JSON "\n"
	    "{\"user_id\":77,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(503, PROBLEM_BLANK, NULL);
	/* Looked up and found, it is remembered: the next needs no call. */
	api_serve("POST /order\n" JSON "\n"
	    "{\"user_id\":77,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(201, NULL, NULL);
	api_serve("POST /order\n" USER_SAYS("503") JSON "\n"
	    "{\"user_id\":77,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(201, NULL, NULL);
}
END_TEST

/* A user the projection knows as deleted gets no order, whatever the user service says. */
START_TEST(test_events_deleted_user)
{
	api_serve("POST /order\n" JSON "\n"
	    "{\"user_id\":3,\"items\":[{\"sku\":\"PEN\",\"quantity\":1}]}");
	api_assert(422, PROBLEM_VALIDATION, "user_id");
	ck_assert_ptr_nonnull(strstr(api_body(), "deleted"));
}
END_TEST

/* A token older than the projection's credential version is refused. */
START_TEST(test_events_revoked_token)
{
	api_serve("GET /order\n" AS("customer2") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	ck_assert_ptr_nonnull(strstr(api_header("WWW-Authenticate"), "invalid_token"));
	api_serve("GET /order\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
}
END_TEST

/* Ready needs no user service, but fresh events. */
START_TEST(test_events_ready)
{
	api_serve("GET /order/ready\n" AS("none") USER_SAYS("503") "\n");
	api_assert(200, NULL, NULL);
	atomic_store(&events_settings.consumer.lag_s, 4);
	api_serve("GET /order/ready\n" AS("none") "\n");
	api_assert(503, PROBLEM_BLANK, NULL);
	ck_assert_ptr_nonnull(strstr(api_body(), "behind"));
	api_serve("GET /order/health\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(api_body(), "\"lag_seconds\":4"));
	api_serve("GET /order/metrics\n" AS("none") "\n");
	ck_assert_ptr_nonnull(strstr(api_body(), "\nmicroshop_ready 0\n"));
	atomic_store(&events_settings.consumer.lag_s, 3);
	api_serve("GET /order/metrics\n" AS("none") USER_SAYS("503") "\n");
	ck_assert_ptr_nonnull(strstr(api_body(), "\nmicroshop_ready 1\n"));
}
END_TEST

/* Only an admin lists the orders of deleted users. */
START_TEST(test_events_user_status_filter)
{
	api_serve("GET /order?user_status=deleted\n" AS("customer") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
	api_serve("GET /order?user_status=gone\n" "\n");
	api_assert(422, PROBLEM_VALIDATION, "user_status");
	api_serve("GET /order?user_status=deleted\n" "\n");
	api_assert(200, NULL, NULL);
}
END_TEST

Suite *
order_api_suite(void)
{
	Suite *s = suite_create("order_api");
	TCase *tc = tcase_create("handlers");

	tcase_add_unchecked_fixture(tc, service_up, service_down);
	tcase_add_checked_fixture(tc, fixtures_up, NULL);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_create_for_another);
	tcase_add_test(tc, test_create_pricing);
	tcase_add_test(tc, test_create_user_service);
	tcase_add_test(tc, test_create_idempotent);
	tcase_add_test(tc, test_get_access);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_patch);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_products);
	tcase_add_test(tc, test_product_list);
	tcase_add_test(tc, test_health);
	tcase_add_test(tc, test_metrics_ready);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_unchecked_fixture(tc, events_up, service_down);
	tcase_add_checked_fixture(tc, events_reset, NULL);
	tcase_add_test(tc, test_events_known_user);
	tcase_add_test(tc, test_events_deleted_user);
	tcase_add_test(tc, test_events_revoked_token);
	tcase_add_test(tc, test_events_ready);
	tcase_add_test(tc, test_events_user_status_filter);
	suite_add_tcase(s, tc);
	return s;
}
