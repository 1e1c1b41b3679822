/*
 * fuzz_order_api.c - libFuzzer target: the order service's request handling
 * (method, URI, query, headers, body -> answer; orders and the price list)
 * on an in-memory database holding api_fixtures.h's price list and orders.
 * The user service is fake_user_client.c, which answers what the input's
 * X-Fuzz-User-Status and X-Fuzz-User-Body headers say. Input format:
 * fuzz_http.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "api_fixtures.h"
#include "fuzz_http.h"
#include "order_api.h"
#include "order_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 503: the user service is down or answered nonsense; 502 never. */
static const int order_5xx[] = { 503, 0 };

/* The user service is fake_user_client.c: these settings go unread. */
static struct order_settings order_settings;

static struct fuzz_http_target order_target = {
	.harness = {
		.svc = &order_service,
		.own = &order_settings,
		.schema = &order_store_schema,
		.fixtures = order_api_fixtures,
	},
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
