/*
 * api_fixtures.c - the data the API suites and fuzz targets start from;
 * see api_fixtures.h.
 */
#include <stddef.h>

#include "api_fixtures.h"

#define JSON "Content-Type: application/json\n"

const char *const user_api_fixtures[] = {
	"POST /user\n" JSON "\n"
	"{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\","
	"\"password\":\"" API_FIXTURES_PASSWORD "\"}",
	"POST /user\n" JSON "\n"
	"{\"name\":\"Grace Hopper\",\"email\":\"grace@example.com\","
	"\"password\":\"" API_FIXTURES_PASSWORD "\"}",
	NULL
};

const char *const user_api_sql_fixtures[] = {
	"INSERT INTO users (id, name, email, created_at, updated_at, version, role,"
	" credential_version) VALUES (1000, 'Admin', 'admin@example.com',"
	" '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 1, 'admin', 1)",
	NULL
};

#define PRODUCT(sku, body) "PUT /order/products/" sku "\n" JSON "\n" body

const char *const order_api_fixtures[] = {
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
	"POST /order\n" JSON "\n"
	"{\"user_id\":1,\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2}]}",
	"POST /order\n" JSON "\n"
	"{\"user_id\":2,\"currency\":\"EUR\",\"items\":"
	"[{\"sku\":\"PEN\",\"quantity\":1},{\"sku\":\"INK\",\"quantity\":3}]}",
	NULL
};
