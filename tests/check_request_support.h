/*
 * check_request_support.h - one request of the serving layer made in
 * memory, for the unit tests of common/serve: its FastCGI parameters and
 * its body read through libfcgi's own streams over memory, and the answer
 * it got read back (status, headers, JSON body, problem). Also the token
 * keys, loaded once per process as a service loads them (auth_keys_load),
 * and tokens of each kind of caller signed with them.
 *
 * A treq's request is ready for the functions of http.h, request.h,
 * problem.h, auth.h and idempotency.h as they are (method, path and query
 * split as dispatch_serve splits them, a request id, the body buffer, the
 * service's settings), or for dispatch_serve itself.
 */
#ifndef MICROSHOP_CHECK_REQUEST_SUPPORT_H
#define MICROSHOP_CHECK_REQUEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "http.h"
#include "settings.h"
#include "token.h"

struct json_object;

#define TREQ_PARAMS 32
#define TREQ_ANSWER (256 * 1024)
#define TREQ_REQUEST_ID "0123456789abcdef0123456789abcdef"

struct treq {
	struct svc_config cfg;	/* settings_defaults, with the test keys */
	struct http_request req;
	FCGX_Request fcgi;
	FCGX_Stream in, out;
	char *env[TREQ_PARAMS + 1];	/* "NAME=value", owned */
	size_t n_env;
	char *body;		/* what the in stream reads; owned */
	unsigned char *answer;	/* what the out stream got; owned */
	int overflow;		/* the answer did not fit TREQ_ANSWER */
	char value[1024];	/* treq_header's last answer */
	struct json_object *json; /* treq_json's last answer; owned */
};

/*
 * A request for method and uri ("/thing?x=1"), with body (NULL: none)
 * readable from its stream and, when there is one, CONTENT_LENGTH and
 * CONTENT_TYPE application/json as nginx passes them. Caller frees it with
 * treq_free. Fails the test when memory runs out.
 */
struct treq *treq_new(const char *method, const char *uri, const char *body);
void treq_free(struct treq *t);

/* Set FastCGI parameter name ("HTTP_IF_MATCH") to value; NULL removes it. */
void treq_param(struct treq *t, const char *name, const char *value);

/*
 * Send a token of role: a customer's or admin's (user id, credential
 * version 1) signed with the service's key, or a service's
 * ("microshop-order") signed with the calling service's; ttl seconds from
 * now (a user token lives at most 900, a service token 300), or expired 10
 * seconds ago when ttl is negative.
 */
void treq_bearer(struct treq *t, enum token_role role, int64_t user_id, int64_t ttl);

/*
 * Ready t for another answer to the same request: the answer read so far
 * and req's answer state are forgotten (not the parameters).
 */
void treq_reanswer(struct treq *t);

/*
 * The answer: its status, after checking that it is one well-formed
 * answer (a Status line that says req.status, CRLF headers, an empty line,
 * a body of Content-Length bytes).
 */
int treq_status(struct treq *t);

/* The value of the answer's header name, or NULL. Valid until the next call. */
const char *treq_header(struct treq *t, const char *name);

/* How many of the answer's header lines are named name. */
int treq_header_count(struct treq *t, const char *name);

/* The answer's body and its length. Borrowed from t. */
const char *treq_body(struct treq *t, size_t *len);

/* The answer's body as JSON (the test fails when it is not). Borrowed from t. */
struct json_object *treq_json(struct treq *t);

/* Member name of the answer's JSON object, as a string ("" when absent). */
const char *treq_json_string(struct treq *t, const char *name);

/*
 * Check that the answer is a problem (RFC 9457) of status: that status,
 * application/problem+json, type, the status's title, status, and a
 * detail that contains detail_part (NULL: any).
 */
void treq_problem(struct treq *t, int status, const char *detail_part);

/* The service's settings with the test keys loaded (auth_keys_load), once. */
void treq_keys(struct svc_config *cfg);

/*
 * The value of series ("name{labels}", or a name alone) in the process's
 * rendered metrics (metrics_render), or -1 when it is not rendered.
 */
double treq_metric(const char *series);

/*
 * Catch what is written to stderr (the log) from now until treq_log_end,
 * which returns it (NUL-terminated, at most 16 KiB; borrowed until the
 * next treq_log_begin).
 */
void treq_log_begin(void);
const char *treq_log_end(void);

#endif
