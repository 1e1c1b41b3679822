/*
 * fuzz_user_api.c - libFuzzer target: the user service's request handling
 * (method, URI, query, headers, body -> answer) on an in-memory database
 * holding api_fixtures.h's users. Input format: fuzz_http.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "api_fixtures.h"
#include "fuzz_http.h"
#include "login_throttle.h"
#include "password.h"
#include "user_api.h"
#include "user_store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int user_5xx[] = { 503, 0 };

static struct fuzz_http_target user_target = {
	.harness = {
		.svc = &user_service,
		.schema = &user_store_schema,
		.fixtures = user_api_fixtures,
		.sql_fixtures = user_api_sql_fixtures,
	},
	.allowed_5xx = user_5xx,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The cheapest Argon2id libsodium takes: the fuzzer wants speed. */
	struct password_config pc = {
		.opslimit = 1, .memlimit = 8 * 1024,
		.slots = { .slots = 1, .workers = 1, .wait_ms = 1000 }
	};

	if (password_init(&pc) < 0 || login_throttle_init() < 0)
		return 1;
	fuzz_http_init(&user_target);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_http_run(data, size);
	return 0;
}
