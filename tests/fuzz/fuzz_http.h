/*
 * fuzz_http.h - a service's request handling without a socket, for the
 * libFuzzer targets: a fuzz input read as a few HTTP requests, each served
 * by dispatch_serve() over in-memory libfcgi streams against an in-memory
 * SQLite database, and each answer checked to be well-formed.
 *
 * An input is up to FUZZ_HTTP_MAX_REQUESTS requests separated by a line
 * "%%". A request is "METHOD TARGET", header lines "Name: value", an empty
 * line, and the body. Headers become FastCGI parameters as nginx passes
 * them (Content-Type and Content-Length as CONTENT_TYPE and CONTENT_LENGTH,
 * any other as HTTP_NAME); a body without Content-Length gets its own
 * length, as nginx gives a chunked body. Headers starting "X-Fuzz-" are
 * the harness's own (fuzz_http_header()). A request without Authorization
 * carries a valid token of the caller "X-Fuzz-As" names: admin (the
 * default; user 1000, whom the target's sql_fixtures must make where the
 * service checks that a token's user exists), customer (user 1),
 * customer2 (user 2), service, or none.
 */
#ifndef MICROSHOP_FUZZ_HTTP_H
#define MICROSHOP_FUZZ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "fcgi_service.h"

struct db_schema;

#define FUZZ_HTTP_MAX_REQUESTS 4

struct fuzz_http_target {
	const struct fcgi_service *svc;
	const struct db_schema *schema;
	void *own;		/* the service's own settings (cfg->own) */
	/* Requests served before each input, so that it finds rows to read,
	 * then SQL run on the database (what the API cannot make). */
	const char *const *fixtures;
	const char *const *sql_fixtures;
	/* Statuses a well-behaved service may answer a hostile request with
	 * besides 2xx and 4xx (0-terminated); 500 never is one. */
	const int *allowed_5xx;
};

/* Set up once per process: the database and the worker's state. */
void fuzz_http_init(const struct fuzz_http_target *t);

/*
 * Empty the database, serve the fixtures, then serve the input's requests,
 * aborting on an answer that is not well-formed.
 */
void fuzz_http_run(const uint8_t *data, size_t size);

/* The value of the harness's header name in the request being served. */
const char *fuzz_http_header(const char *name);

#endif
