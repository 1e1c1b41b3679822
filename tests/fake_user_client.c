/*
 * fake_user_client.c - the order service's user client when its requests
 * are served by request_harness.h (the fuzz targets, check_order_api.c):
 * instead of calling the user service, it reads the answer the request
 * chose in the harness's own headers (User-Status, default 200; User-Body,
 * default {"id":ID}) through the real user_client_parse_answer(), so that
 * hostile answers reach the order handlers as they would from the network.
 * Linked before liborder.a, so that the archive's transport is never
 * pulled in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request_harness.h"
#include "user_client.h"

struct user_client {
	int unused;
};

struct user_client *
user_client_new(const struct user_client_config *cfg)
{
	(void)cfg;
	return calloc(1, sizeof(struct user_client));
}

void
user_client_free(struct user_client *c)
{
	free(c);
}

static long
answer_status(void)
{
	const char *s = harness_header("User-Status");

	return s != NULL ? strtol(s, NULL, 10) : 200;
}

enum user_lookup
user_client_lookup(struct user_client *c, int64_t id, const char *request_id,
    const struct trace *trace, long *retry_after_s)
{
	const char *body = harness_header("User-Body");
	char own[64];

	(void)c;
	(void)request_id;
	(void)trace;
	*retry_after_s = 1;
	if (body == NULL) {
		snprintf(own, sizeof(own), "{\"id\":%" PRId64 "}", id);
		body = own;
	}
	return user_client_parse_answer(answer_status(), body, strlen(body), id);
}

void
user_client_report(struct user_client *c, struct user_service_report *r)
{
	int up = answer_status() == 200;

	(void)c;
	r->state = up ? USER_SERVICE_UP : USER_SERVICE_DOWN;
	r->breaker = BREAKER_CLOSED;
	r->last_call = up ? USER_SEEN_UP : USER_SEEN_DOWN;
	r->last_call_age_ms = 0;
}

enum user_service_state
user_client_ready(struct user_client *c, const struct trace *trace)
{
	struct user_service_report r;

	(void)trace;
	user_client_report(c, &r);
	return r.state;
}

/*
 * The event consumer's call (event_consumer.c, linked because order_api.c
 * reads its state): the harness runs no consumer, so no call is answered.
 */
long
user_client_fetch(struct user_client *c, const char *path, long timeout_ms,
    const struct trace *trace, const char **body, size_t *len)
{
	(void)c;
	(void)path;
	(void)timeout_ms;
	(void)trace;
	*body = "";
	*len = 0;
	return 0;
}
