/*
 * fuzz_http.h - the libFuzzer targets of a service's request handling: a
 * fuzz input read as a few HTTP requests, each served in-process by
 * request_harness.h, and each answer checked to be well-formed.
 *
 * An input is up to FUZZ_HTTP_MAX_REQUESTS requests separated by a line
 * "%%", each in request_harness.h's format, whose own headers start
 * "X-Fuzz-": X-Fuzz-As names the caller (admin when absent), and
 * fake_user_client.c reads X-Fuzz-User-Status and X-Fuzz-User-Body.
 * Before each input, the database is emptied and the target's fixtures
 * served (harness_reset).
 */
#ifndef MICROSHOP_FUZZ_HTTP_H
#define MICROSHOP_FUZZ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "request_harness.h"

#define FUZZ_HTTP_MAX_REQUESTS 4

struct fuzz_http_target {
	struct harness_target harness;	/* its own_prefix is set to "X-Fuzz-" */
	/* Statuses a well-behaved service may answer a hostile request with
	 * besides 2xx and 4xx (0-terminated); 500 never is one. */
	const int *allowed_5xx;
};

/* Set up once per process: the harness, for t (borrowed). */
void fuzz_http_init(struct fuzz_http_target *t);

/*
 * Reset the harness (its database and fixtures), then serve the input's
 * requests, aborting on an answer that is not well-formed.
 */
void fuzz_http_run(const uint8_t *data, size_t size);

#endif
