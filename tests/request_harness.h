/*
 * request_harness.h - a service's routes served in-process, without a
 * socket: what the API fuzz targets (fuzz/fuzz_http.c) and the API suites
 * (check_user_api.c, check_order_api.c) share. It owns:
 *
 *   - the request, written as text: "METHOD TARGET", header lines
 *     "Name: value", an empty line, and the body. Headers become FastCGI
 *     parameters as nginx passes them (Content-Type and Content-Length as
 *     CONTENT_TYPE and CONTENT_LENGTH, a name of letters, digits and '-'
 *     as HTTP_NAME, any other dropped); a body without Content-Length
 *     gets its own length, as nginx gives a chunked body. A header whose
 *     name starts with the target's own prefix ("X-Test-") is the
 *     harness's: harness_header() reads it, the service never sees it.
 *   - who calls: a request without Authorization carries a valid token of
 *     the caller its own header "As" names: admin (the default; user 1000,
 *     whom the target's sql_fixtures must make where the service checks
 *     that a token's user exists), customer (user 1), customer2 (user 2),
 *     service (a service token of microshop-order), or none. The users'
 *     tokens are of credential version 1 and valid for a day; the keys
 *     are made once per process.
 *   - libfcgi's streams, in memory: the body to read, and the answer
 *     written into a buffer that grows (up to 4 MiB);
 *   - the database: a shared-cache in-memory SQLite database, migrated
 *     by harness_init and kept open by the harness; harness_reset empties
 *     it and serves the target's fixtures. The service's own thread_init
 *     opens the worker's connection to it, as a worker opens the file.
 *   - the answer read back: status, head, body and its JSON, and whether
 *     it is one well-formed FastCGI responder answer.
 *
 * One target at a time per process; the harness is not thread-safe.
 */
#ifndef MICROSHOP_REQUEST_HARNESS_H
#define MICROSHOP_REQUEST_HARNESS_H

#include <stddef.h>

#include "service.h"

struct db_schema;
struct json_object;

struct harness_target {
	const struct fcgi_service *svc;
	const struct db_schema *schema;
	void *own;		/* the service's own settings (cfg->own) */
	/* Requests harness_reset serves (each must answer 2xx), so that a
	 * test finds rows to read, then SQL it runs on the database (what the
	 * API cannot make). NULL-terminated; either may be NULL. */
	const char *const *fixtures;
	const char *const *sql_fixtures;
	/* How the harness's own header names start: "X-Test-" when NULL. */
	const char *own_prefix;
};

/* One answer; its pointers are valid until the next harness_serve. */
struct harness_answer {
	int status;
	const char *text;		/* all of it: head, empty line, body */
	size_t len;
	const char *body;		/* after the empty line */
	size_t body_len;
	struct json_object *json;	/* the body parsed, or NULL; the harness's */
	const struct route *route;	/* the route the request matched, or NULL */
};

/*
 * Set up for target t (borrowed; it must outlive harness_fini): the keys
 * and tokens (once per process), the database, migrated, and the
 * worker's state. Logs at level error only. Returns 0, or -1 after
 * saying why on stderr.
 */
int harness_init(const struct harness_target *t);

/* Release what harness_init made but the keys and tokens. */
void harness_fini(void);

/* The configuration the requests are served with, to change (borrowed). */
struct svc_config *harness_config(void);

/*
 * Empty every table, serve the fixtures, run the SQL fixtures. Returns 0,
 * or -1 after saying on stderr which one failed.
 */
int harness_reset(void);

/*
 * Serve the request text[0..len) (the format above) and read its answer
 * into a. Returns the status.
 */
int harness_serve(const char *text, size_t len, struct harness_answer *a);

/*
 * The value of the harness's own header name (without the prefix: "As")
 * in the request being served, or NULL. For what stands in for another
 * service (fake_user_client.c) during a request.
 */
const char *harness_header(const char *name);

/* The value of header name in a's head (*len its length), or NULL. */
const char *harness_answer_header(const struct harness_answer *a, const char *name,
    size_t *len);

/*
 * Whether a is one well-formed answer: a Status line that is the
 * request's status, headers without a bare CR or LF or another control
 * byte, a Content-Length that is the body's, an error's body an
 * application/problem+json object with its status, title and type, a
 * success's body one JSON value (or the metrics' text). Returns NULL, or
 * what is wrong (static).
 */
const char *harness_answer_problem(const struct harness_answer *a);

#endif
