/*
 * user_client.c - calls to the user service's HTTP API; see user_client.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "user_client.h"

#define ANSWER_MAX (64 * 1024)
#define RETRIES_MAX 2
#define BACKOFF_BASE_MS 50
#define BACKOFF_CAP_MS 400
#define SERVICE_TOKEN_TTL 60	/* seconds */
#define SERVICE_NAME "microshop-order"
#define USER_SERVICE_NAME "microshop-user"	/* the audience of its tokens */

struct user_client {
	const struct user_client_config *cfg;
	CURL *curl;
	const char *base;	/* URL prefix: cfg->base_url, or http://localhost */
	const char *unix_path;	/* NULL for TCP */
	unsigned seed;		/* for backoff jitter, per thread */
	int64_t token_exp;	/* of the service token in auth, 0 when none */
	char auth[TOKEN_MAX + 32]; /* "Authorization: Bearer " and it */
	size_t len;
	char answer[ANSWER_MAX];
};

static size_t
answer_write(char *data, size_t size, size_t n, void *arg)
{
	struct user_client *c = arg;
	size_t bytes = size * n;

	/* A longer answer than any user is refused by aborting the transfer. */
	if (bytes > sizeof(c->answer) - 1 - c->len)
		return 0;
	memcpy(c->answer + c->len, data, bytes);
	c->len += bytes;
	return bytes;
}

/* curl's progress callback: a non-zero answer aborts the transfer. */
static int
cancel_check(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	const atomic_int *cancel = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return atomic_load(cancel) != 0;
}

struct user_client *
user_client_new(const struct user_client_config *cfg)
{
	struct user_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = cfg;
	c->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)c;
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		free(c);
		return NULL;
	}
	if (strncmp(cfg->base_url, "unix:", 5) == 0) {
		c->unix_path = cfg->base_url + 5;
		c->base = "http://localhost";
		curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->unix_path);
	} else {
		c->base = cfg->base_url;
	}
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, answer_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	/* The user service is reached directly: a proxy variable in the
	 * environment (http_proxy, all_proxy) must not reroute the call. */
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (cfg->cancel != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, cancel_check);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, (void *)cfg->cancel);
		curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	}
	return c;
}

void
user_client_free(struct user_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

/* 1 for failures that happen before the request reached the service. */
static int
is_connect_failure(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
}

/*
 * GET url once, with what is left of the deadline. Returns the curl code;
 * *status is the HTTP status (0 when none arrived).
 */
static CURLcode
get_once(struct user_client *c, const char *url, struct curl_slist *headers,
    int64_t left_ms, long *status)
{
	CURLcode rc;

	c->len = 0;
	*status = 0;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)left_ms);
	/* Connecting gets at most half the deadline, so a retry still fits. */
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(left_ms / 2 > 0 ? left_ms / 2 : 1));
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	c->answer[c->len] = '\0';
	return rc;
}

/* Sleep a full-jitter backoff for retry n (1-based), within left_ms. */
static void
backoff(struct user_client *c, int n, int64_t left_ms)
{
	int64_t cap = BACKOFF_BASE_MS << n;
	int64_t ms;
	struct timespec ts;

	if (cap > BACKOFF_CAP_MS)
		cap = BACKOFF_CAP_MS;
	ms = rand_r(&c->seed) % (cap + 1);
	if (ms > left_ms)
		ms = left_ms;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * "Authorization: Bearer T" with a service token of this service's own,
 * valid a minute and made again when less than half of that is left (an
 * ES256 signature costs tens of microseconds). Borrowed from c, or NULL.
 */
static const char *
service_token_header(struct user_client *c)
{
	struct token_claims claims = { .role = TOKEN_SERVICE, .iat = (int64_t)time(NULL) };
	char *token;
	int rc;

	if (c->token_exp - claims.iat >= SERVICE_TOKEN_TTL / 2)
		return c->auth;
	c->token_exp = 0;
	claims.exp = claims.iat + SERVICE_TOKEN_TTL;
	snprintf(claims.service, sizeof(claims.service), "%s", SERVICE_NAME);
	token = token_make(c->cfg->keys, &claims, USER_SERVICE_NAME);
	if (token == NULL)
		return NULL;
	rc = snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s", token);
	free(token);
	if (rc <= 0 || (size_t)rc >= sizeof(c->auth))
		return NULL;
	c->token_exp = claims.exp;
	return c->auth;
}

/* list with line appended, or NULL (list released) when memory ran out. */
static struct curl_slist *
header_append(struct curl_slist *list, const char *line)
{
	struct curl_slist *l = curl_slist_append(list, line);

	if (l == NULL)
		curl_slist_free_all(list);
	return l;
}

/*
 * list with the trace context of a call made for trace's span appended:
 * traceparent (this span the parent of the callee's), and the caller's
 * tracestate unchanged when it had one. list itself for a NULL trace;
 * NULL (list released) when memory ran out.
 */
static struct curl_slist *
trace_headers(struct curl_slist *list, const struct trace *trace)
{
	char line[sizeof("traceparent: ") + TRACEPARENT_LEN];
	char state[sizeof("tracestate: ") + TRACESTATE_MAX];

	if (trace == NULL)
		return list;
	memcpy(line, "traceparent: ", sizeof("traceparent: ") - 1);
	trace_parent_format(trace, line + sizeof("traceparent: ") - 1, TRACEPARENT_LEN + 1);
	if ((list = header_append(list, line)) == NULL || trace->state == NULL)
		return list;
	snprintf(state, sizeof(state), "tracestate: %s", trace->state);
	return header_append(list, state);
}

/*
 * The headers of a lookup: Accept, the service token, the caller's request
 * id and trace context. NULL when one could not be made: a lookup without
 * its token would be refused, and one without the request id or the trace
 * untraceable.
 */
static struct curl_slist *
lookup_headers(struct user_client *c, const char *request_id, const struct trace *trace)
{
	struct curl_slist *headers = NULL;
	const char *auth;
	char rid[96];

	if ((auth = service_token_header(c)) == NULL ||
	    (headers = header_append(headers, "Accept: application/json")) == NULL ||
	    (headers = header_append(headers, auth)) == NULL)
		return NULL;
	if (request_id != NULL && strcmp(request_id, "-") != 0) {
		snprintf(rid, sizeof(rid), "X-Request-Id: %s", request_id);
		if ((headers = header_append(headers, rid)) == NULL)
			return NULL;
	}
	return trace_headers(headers, trace);
}

/* trace's id as a log value: "-" for none. */
static const char *
trace_log(const struct trace *trace)
{
	return trace != NULL ? trace->trace_id : "-";
}

/* GET path with retries of connection failures inside the deadline. */
static enum user_lookup
get_checked(struct user_client *c, const char *path, int64_t id, const char *request_id,
    const struct trace *trace, struct curl_slist *headers)
{
	char url[1024];
	int64_t deadline = clock_ms() + c->cfg->timeout_ms;
	long status = 0;
	CURLcode rc = CURLE_OK;
	enum user_lookup result = USER_UNAVAILABLE;

	snprintf(url, sizeof(url), "%s%s", c->base, path);
	for (int attempt = 0; attempt <= RETRIES_MAX; attempt++) {
		int64_t left = deadline - clock_ms();

		if (left <= 0)
			break;
		if (attempt > 0) {
			backoff(c, attempt, left);
			left = deadline - clock_ms();
			if (left <= 0)
				break;
		}
		rc = get_once(c, url, headers, left, &status);
		if (!is_connect_failure(rc))
			break;
	}
	if (rc == CURLE_OK)
		result = user_client_parse_answer(status, c->answer, c->len, id);
	if (result == USER_UNAVAILABLE)
		log_msg(LOG_LEVEL_WARN, "event=user_api_failed req_id=%s trace_id=%s path=%s "
		    "curl=%d status=%ld", request_id ? request_id : "-", trace_log(trace), path,
		    (int)rc, status);
	return result;
}

/* The outcome labels of microshop_user_service_calls_total. */
static const char *const lookup_names[] = {
	[USER_EXISTS] = "exists",
	[USER_ABSENT] = "absent",
	[USER_DELETED] = "deleted",
	[USER_UNAVAILABLE] = "unavailable",
	[USER_BREAKER_OPEN] = "breaker_open",
	NULL
};

/* The lookups, by outcome, and their times. */
static struct metrics_counter_vec calls;
static struct metrics_histogram call_times;

int
user_client_metrics_register(void)
{
	metrics_histogram_register(&call_times, "microshop_user_service_call_duration_seconds",
	    "Lookups in the user service, retries included.");
	return metrics_counter_vec_register(&calls, "microshop_user_service_calls_total",
	    "Lookups of a user in the user service, by outcome.", "outcome", lookup_names);
}

/* Count a lookup that took us microseconds. */
static void
call_count(enum user_lookup l, int64_t us)
{
	metrics_counter_vec_add(&calls, lookup_names[l], 1);
	metrics_histogram_observe(&call_times, us);
}

enum user_lookup
user_client_lookup(struct user_client *c, int64_t id, const char *request_id,
    const struct trace *trace, long *retry_after_s)
{
	char path[64];
	struct curl_slist *headers;
	int64_t wait_ms = 0, began;
	enum user_lookup l;

	*retry_after_s = 1;
	snprintf(path, sizeof(path), "/user/%" PRId64, id);
	/* Made before the breaker is asked: a call it lets through is made. */
	if ((headers = lookup_headers(c, request_id, trace)) == NULL) {
		log_msg(LOG_LEVEL_ERROR, "event=user_api_failed req_id=%s trace_id=%s path=%s "
		    "msg=\"the call's headers could not be made\"",
		    request_id ? request_id : "-", trace_log(trace), path);
		call_count(USER_UNAVAILABLE, 0);
		return USER_UNAVAILABLE;
	}
	if (!breaker_allow(c->cfg->breaker, clock_ms(), &wait_ms)) {
		curl_slist_free_all(headers);
		*retry_after_s = (long)((wait_ms + 999) / 1000);
		if (*retry_after_s < 1)
			*retry_after_s = 1;
		call_count(USER_BREAKER_OPEN, 0);
		return USER_BREAKER_OPEN;
	}
	began = clock_us();
	l = get_checked(c, path, id, request_id, trace, headers);
	curl_slist_free_all(headers);
	breaker_record(c->cfg->breaker, l != USER_UNAVAILABLE, clock_ms());
	user_watch_record(c->cfg->watch, l != USER_UNAVAILABLE, clock_ms());
	call_count(l, clock_us() - began);
	return l;
}

long
user_client_fetch(struct user_client *c, const char *path, long timeout_ms,
    const struct trace *trace, const char **body, size_t *len)
{
	struct curl_slist *headers = lookup_headers(c, NULL, trace);
	char url[1024];
	long status = 0;
	CURLcode rc;

	*body = "";
	*len = 0;
	if (headers == NULL) {
		log_msg(LOG_LEVEL_ERROR, "event=user_api_failed trace_id=%s path=%s "
		    "msg=\"the call's headers could not be made\"", trace_log(trace), path);
		return 0;
	}
	snprintf(url, sizeof(url), "%s%s", c->base, path);
	rc = get_once(c, url, headers, timeout_ms, &status);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK)
		return 0;
	*body = c->answer;
	*len = c->len;
	return status;
}

void
user_client_report(struct user_client *c, struct user_service_report *r)
{
	int64_t now = clock_ms();

	r->breaker = breaker_state(c->cfg->breaker, now);
	r->last_call = user_watch_last(c->cfg->watch, now, &r->last_call_age_ms);
	if (r->breaker == BREAKER_OPEN)
		r->state = USER_SERVICE_BREAKER_OPEN;
	else if (r->last_call == USER_SEEN_UP)
		r->state = USER_SERVICE_UP;
	else if (r->last_call == USER_SEEN_DOWN)
		r->state = USER_SERVICE_DOWN;
	else
		r->state = USER_SERVICE_UNKNOWN;
}

enum user_service_state
user_client_ready(struct user_client *c, const struct trace *trace)
{
	struct user_service_report r;
	struct curl_slist *headers;
	char url[1024];
	long status = 0;
	int up;

	if (breaker_state(c->cfg->breaker, clock_ms()) != BREAKER_OPEN &&
	    user_watch_probe_due(c->cfg->watch, clock_ms())) {
		snprintf(url, sizeof(url), "%s/user/health", c->base);
		/* Without its trace headers (memory), the probe goes all the same:
		 * its verdict matters more than its trace. */
		headers = trace_headers(NULL, trace);
		up = get_once(c, url, headers, c->cfg->timeout_ms, &status) == CURLE_OK &&
		    status == 200;
		curl_slist_free_all(headers);
		user_watch_record(c->cfg->watch, up, clock_ms());
	}
	user_client_report(c, &r);
	return r.state;
}
