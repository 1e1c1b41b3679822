/*
 * user_client.h - the order service's only way to learn about users: the
 * user service's HTTP API, called with libcurl. One client per worker
 * thread (its curl handle keeps its connection); one breaker per process.
 *
 * Each lookup has a total deadline; a connection failure of the GET is
 * retried at most twice, after a full-jitter exponential backoff, inside
 * that deadline. The answer is untrusted input: anything but a 200 with a
 * JSON object holding the asked-for id, a 404 or a 410 counts as the user
 * service being unavailable. The transport is user_client.c; what an
 * answer means, user_answer.c (fuzzed alone: tests/fuzz).
 */
#ifndef MICROSHOP_USER_CLIENT_H
#define MICROSHOP_USER_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "keyring.h"
#include "token.h"
#include "trace.h"
#include "user_watch.h"

struct user_client_config {
	const char *base_url;	/* http://127.0.0.1:8080, or unix:/path/to.sock */
	long timeout_ms;	/* the total deadline of one lookup */
	struct breaker *breaker;
	struct user_watch *watch;	/* what the calls last found */
	const struct keyring *keys;	/* signs the service token of each call */
	/* When set (not NULL), a call in flight ends within about a second of
	 * *cancel becoming non-zero: the event consumer's, at shutdown. */
	const atomic_int *cancel;
};

enum user_lookup {
	USER_EXISTS,
	USER_ABSENT,		/* 404: there never was such a user */
	USER_DELETED,		/* 410: the user was deleted */
	USER_UNAVAILABLE,	/* unreachable, timed out, 5xx, or a bad answer */
	USER_BREAKER_OPEN	/* failed fast: the breaker is open */
};

struct user_client;

/* A client for one thread; NULL on failure. cfg is borrowed. */
struct user_client *user_client_new(const struct user_client_config *cfg);

/* Accepts NULL. */
void user_client_free(struct user_client *c);

/*
 * Does user id exist? The call carries a service token of its own (role
 * service, valid a minute), never a customer's: a token it sent cannot be
 * replayed against anything but GET /user/{id}. request_id (or NULL) is
 * forwarded as X-Request-Id; trace (or NULL), the span the call is made
 * for, as traceparent (and its tracestate, when it has one): the user
 * service's span for the lookup is a child of it.
 * On USER_UNAVAILABLE and USER_BREAKER_OPEN, *retry_after_s says when a
 * client may try again.
 */
enum user_lookup user_client_lookup(struct user_client *c, int64_t id,
    const char *request_id, const struct trace *trace, long *retry_after_s);

/*
 * GET path (with its query) once, with this service's token and trace's
 * traceparent (as a lookup's), within timeout_ms: the event consumer's
 * call (event_consumer.h). Returns the HTTP status, or 0 when no whole
 * answer came (unreachable, timed out, longer than a client keeps,
 * cancelled); *body (NUL-terminated) and *len borrow the answer until the
 * client's next call. Counts for neither the breaker nor the watch: they
 * are about the lookups orders wait for.
 */
long user_client_fetch(struct user_client *c, const char *path, long timeout_ms,
    const struct trace *trace, const char **body, size_t *len);

enum user_service_state {
	USER_SERVICE_UP,
	USER_SERVICE_DOWN,
	USER_SERVICE_BREAKER_OPEN,
	USER_SERVICE_UNKNOWN	/* no call has reached a verdict yet */
};

/* What this process knows of the user service, without asking it. */
struct user_service_report {
	/* breaker_open while the breaker fails calls fast, else the last
	 * call's verdict (unknown before any) */
	enum user_service_state state;
	enum breaker_state breaker;
	enum user_seen last_call;	/* a lookup's or a readiness probe's */
	int64_t last_call_age_ms;	/* 0 when there was none */
};

/* Fill r from the breaker and the watch; calls nobody (for /health). */
void user_client_report(struct user_client *c, struct user_service_report *r);

/*
 * The user service's state for a readiness check: the report's, unless
 * its last verdict is older than the watch's interval: then a probe of
 * its health endpoint, within the lookup deadline, at most one per
 * interval per process (user_watch_probe_due), with trace's traceparent
 * (trace: the readiness check's; NULL: none). A probe does not count for
 * the breaker; its verdict counts for the next report.
 */
enum user_service_state user_client_ready(struct user_client *c, const struct trace *trace);

const char *user_service_state_name(enum user_service_state s);

/*
 * Read a user service answer about user id: USER_EXISTS, USER_ABSENT,
 * USER_DELETED, or USER_UNAVAILABLE for anything else. Pure; unit-tested.
 */
enum user_lookup user_client_parse_answer(long status, const char *body, size_t len,
    int64_t id);

/*
 * Register the lookups' metrics (metrics.h): their count by outcome and
 * their times. Once, before the workers start. 0, or -1 (memory).
 */
int user_client_metrics_register(void);

#endif
