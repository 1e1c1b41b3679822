/*
 * fuzz_order_api.c - libFuzzer target: the order service's request handling
 * (method, URI, query, headers, body -> answer; orders and the price list)
 * on an in-memory database.
 * The user service is fake_user_client.c, which answers what the input's
 * X-Fuzz-User-Status and X-Fuzz-User-Body headers say. Input format:
 * fuzz_http.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_http.h"
#include "order_api.h"
#include "order_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PRODUCT(sku, body) \
	"PUT /order/products/" sku "\nContent-Type: application/json\n\n" body

/* A price list (one product in USD, one not for sale), and two orders. */
static const char *const order_fixtures[] = {
	PRODUCT("BOOK-1", "{\"name\":\"A book\",\"unit_price_cents\":1250,"
	    "\"currency\":\"EUR\",\"active\":true}"),
	PRODUCT("PEN", "{\"name\":\"A pen\",\"unit_price_cents\":99,"
	    "\"currency\":\"EUR\",\"active\":true}"),
	PRODUCT("INK", "{\"name\":\"Ink\",\"unit_price_cents\":450,"
	    "\"currency\":\"EUR\",\"active\":true}"),
	PRODUCT("HAT", "{\"name\":\"A hat\",\"unit_price_cents\":700,"
	    "\"currency\":\"USD\",\"active\":true}"),
	PRODUCT("OLD", "{\"name\":\"Gone\",\"unit_price_cents\":1000000000,"
	    "\"currency\":\"EUR\",\"active\":false}"),
	"POST /order\nContent-Type: application/json\n\n"
	"{\"user_id\":1,\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2}]}",
	"POST /order\nContent-Type: application/json\n\n"
	"{\"user_id\":2,\"currency\":\"EUR\",\"items\":"
	"[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"INK\",\"quantity\":3}]}",
	NULL
};

/* 503: the user service is down or answered nonsense; 502 never. */
static const int order_5xx[] = { 503, 0 };

/* The user service is fake_user_client.c: its settings go unread. */
static struct order_settings order_settings;

static struct fuzz_http_target order_target = {
	.svc = &order_service,
	.own = &order_settings,
	.schema = &order_store_schema,
	.fixtures = order_fixtures,
	.allowed_5xx = order_5xx,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_http_init(&order_target);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_http_run(data, size);
	return 0;
}
