/*
 * check_user_client.c - fcgi-order/user_client.c: the order service's
 * calls to the user service, made with libcurl against a small HTTP server
 * of the test's own (script_server.h), on a loopback port or on a unix
 * socket in a temporary folder. The server answers each request as the
 * test's script says (a status and a body, late, never, or slowly) and
 * records what it got: the request line, the headers that matter, and the
 * connection it came on.
 *
 * The jitter of the backoff between two attempts is rand_r's, which this
 * file defines in place of the C library's (user_client.c is linked in
 * statically, and nothing else the runner links calls it): each call is a
 * retry to count, a moment to bring the user service up, and a backoff of
 * no time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>
#include <curl/curl.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "clock.h"
#include "keygen.h"
#include "keyring.h"
#include "metrics.h"
#include "script_server.h"
#include "token.h"
#include "user_client.h"

#define DEADLINE_MS 2000	/* a lookup's, when the server answers at once */
#define SHORT_DEADLINE_MS 200	/* one the server outlasts */
#define LATE_MS 3000		/* a late answer: after any deadline here */
#define COOLDOWN_MS 300		/* the breaker's, and the watch's interval */
#define SLACK_MS 1000		/* what a loaded machine may add to a deadline */
#define RID "4bf92f3577b34da6a3ce929d0e0e4736"
#define USER_7 "{\"id\":7,\"name\":\"Ada\"}"
/* The trace of the request a lookup is made for: the client's. */
#define TRACE_ID "0af7651916cd43dd8448eb211c80319c"
#define CLIENT_PARENT "00-" TRACE_ID "-b7ad6b7169203331-01"
#define CLIENT_STATE "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"

/* ------------------------------------------------------------------ */
/* The backoff's jitter                                               */
/* ------------------------------------------------------------------ */

static int retries;		/* rand_r's calls: one per retry */
static void (*on_retry)(void);	/* called at each; NULL: none */

int
rand_r(unsigned int *seed)
{
	(void)seed;
	retries++;
	if (on_retry != NULL)
		on_retry();
	return 0;
}

/* ------------------------------------------------------------------ */
/* The user service: a server that answers from a script              */
/* ------------------------------------------------------------------ */

static struct server srv;

/*
 * The folder of the unix sockets: user.sock, the server's, and late.sock,
 * a link to it that appears later. The suite's unchecked fixture makes and
 * removes it in the process that forks the tests: a failed check ends a
 * forked test without its teardown.
 */
static char sock_dir[64];

/* The path of socket name in sock_dir, into path (n bytes). */
static void
sock_path(const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", sock_dir, name);
}

/* Remove the sockets of sock_dir. */
static void
sock_remove(void)
{
	char path[128];

	sock_path("user.sock", path, sizeof(path));
	unlink(path);
	sock_path("late.sock", path, sizeof(path));
	unlink(path);
}

/* The path of the server's unix socket, user.sock. */
static const char *
user_sock(void)
{
	static char path[128];

	sock_path("user.sock", path, sizeof(path));
	return path;
}

/* ------------------------------------------------------------------ */
/* The suite: libcurl, the keys, the folder of the unix sockets      */
/* ------------------------------------------------------------------ */

static struct keyring order_keys;	/* signs the service tokens */
static struct keyring user_side;	/* accepts them */

static void
suite_setup(void)
{
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/check_user_client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sock_dir));
	ck_assert_int_eq(keygen_service_keys(&order_keys, &user_side), 0);
}

static void
suite_teardown(void)
{
	keyring_free(&order_keys);
	keyring_free(&user_side);
	sock_remove();
	rmdir(sock_dir);
	curl_global_cleanup();
}

/*
 * Check that auth, an Authorization header's value, is "Bearer T" with T a
 * service token of the order service's, for the user service alone,
 * valid a minute.
 */
static void
check_service_token(const char *auth)
{
	struct token_rules rules = { &user_side, "microshop-user", 900 };
	struct token_claims claims;
	int64_t now = (int64_t)time(NULL);

	ck_assert_msg(strncmp(auth, "Bearer ", 7) == 0, "Authorization: %s", auth);
	ck_assert_int_eq(token_verify(&rules, auth + 7, now, &claims), TOKEN_OK);
	ck_assert_int_eq(claims.role, TOKEN_SERVICE);
	ck_assert_str_eq(claims.service, "microshop-order");
	ck_assert_int_eq(claims.exp - claims.iat, 60);
	rules.self = "microshop-product";
	ck_assert_int_eq(token_verify(&rules, auth + 7, now, &claims), TOKEN_BAD_CLAIMS);
}

/* ------------------------------------------------------------------ */
/* The client                                                         */
/* ------------------------------------------------------------------ */

static struct breaker breaker;
static struct user_watch watch;
static struct user_client_config cfg;
static struct user_client *client;
static int idle_fd = -1;	/* a bound port that does not listen */
static char last_log[16 * 1024];	/* what the last lookup logged */
static struct trace trace;	/* the span lookups are made for */

static void
client_setup(void)
{
	/* A breaker that stays closed, unless a test says otherwise. */
	breaker_init(&breaker, 100, COOLDOWN_MS);
	user_watch_init(&watch, COOLDOWN_MS);
	cfg = (struct user_client_config){ .timeout_ms = DEADLINE_MS, .breaker = &breaker,
	    .watch = &watch, .keys = &order_keys };
	retries = 0;
	on_retry = NULL;
	trace_begin(&trace, CLIENT_PARENT, CLIENT_STATE);
}

static void
client_teardown(void)
{
	user_client_free(client);
	client = NULL;
	server_stop(&srv);
	sock_remove();
	if (idle_fd >= 0)
		close(idle_fd);
	idle_fd = -1;
	user_watch_destroy(&watch);
	breaker_destroy(&breaker);
}

/* The client, of the user service at url, its deadline timeout_ms. */
static void
client_start(const char *url, long timeout_ms)
{
	cfg.base_url = url;
	cfg.timeout_ms = timeout_ms;
	client = user_client_new(&cfg);
	ck_assert_ptr_nonnull(client);
}

/* The breaker, with threshold and cooldown_ms from now on. */
static void
breaker_reset(int threshold, int64_t cooldown_ms)
{
	breaker_destroy(&breaker);
	breaker_init(&breaker, threshold, cooldown_ms);
}

/* A user service on a loopback port answering status and body; a client of it. */
static void
serve(int status, const char *body)
{
	server_start(&srv, NULL);
	server_answers(&srv, status, body);
	client_start(srv.url, DEADLINE_MS);
}

/*
 * Look user id up with request id RID, for the span of trace; what it
 * logged into last_log.
 */
static enum user_lookup
lookup(int64_t id, long *retry_after_s)
{
	enum user_lookup l;

	*retry_after_s = -1;
	treq_log_begin();
	l = user_client_lookup(client, id, RID, &trace, retry_after_s);
	snprintf(last_log, sizeof(last_log), "%s", treq_log_end());
	return l;
}

/* How many times last_log says a lookup failed. */
static int
failures_logged(void)
{
	int n = 0;

	for (const char *p = last_log; (p = strstr(p, "event=user_api_failed")) != NULL; p++)
		n++;
	return n;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ */
/* Lookups                                                            */
/* ------------------------------------------------------------------ */

START_TEST(test_answers)
{
	/* One request each, whatever the answer: only a failure to
	 * connect is tried again. */
	static const struct {
		int status;
		const char *body;
		enum user_lookup expect;
	} cases[] = {
		{ 200, USER_7, USER_EXISTS },
		{ 404, "{\"status\":404}", USER_ABSENT },
		{ 410, "{\"status\":410}", USER_DELETED },
		{ 500, "{\"status\":500}", USER_UNAVAILABLE },
		{ 503, "", USER_UNAVAILABLE },
		{ 429, "", USER_UNAVAILABLE },
		{ 200, "{\"id\":8,\"name\":\"Grace\"}", USER_UNAVAILABLE },	/* another user */
		{ 200, "{\"id\":7", USER_UNAVAILABLE },				/* malformed */
		{ 200, "<html>7</html>", USER_UNAVAILABLE },
		{ 201, USER_7, USER_UNAVAILABLE },
	};

	server_start(&srv, NULL);
	client_start(srv.url, DEADLINE_MS);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int before = server_count(&srv);
		long retry_after;
		enum user_lookup l;
		struct seen r;

		server_answers(&srv, cases[i].status, cases[i].body);
		l = lookup(7, &retry_after);
		ck_assert_msg(l == cases[i].expect, "%d %s: lookup %d, want %d", cases[i].status,
		    cases[i].body, (int)l, (int)cases[i].expect);
		ck_assert_int_eq(server_count(&srv), before + 1);
		ck_assert_int_eq(retries, 0);
		r = server_seen(&srv, before);
		ck_assert_str_eq(r.method, "GET");
		ck_assert_str_eq(r.path, "/user/7");
		if (l == USER_UNAVAILABLE) {
			ck_assert_int_eq(retry_after, 1);
			ck_assert_int_eq(failures_logged(), 1);
			ck_assert_ptr_nonnull(strstr(last_log, "req_id=" RID " trace_id=" TRACE_ID));
		} else {
			ck_assert_str_eq(last_log, "");
		}
	}
}
END_TEST

START_TEST(test_what_is_sent)
{
	char want[TRACEPARENT_LEN + 1];
	long retry_after;
	struct seen r;

	serve(200, USER_7);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	ck_assert_int_eq(user_client_lookup(client, 7, NULL, NULL, &retry_after), USER_EXISTS);
	ck_assert_int_eq(user_client_lookup(client, 7, "-", NULL, &retry_after), USER_EXISTS);
	ck_assert_int_eq(server_count(&srv), 3);
	r = server_seen(&srv, 0);
	check_service_token(r.auth);
	ck_assert_str_eq(r.request_id, RID);
	/* The client's trace, with the request's own span as the parent of
	 * the user service's; the client's tracestate unchanged. */
	snprintf(want, sizeof(want), "00-%s-%s-01", TRACE_ID, trace.span_id);
	ck_assert_str_eq(r.traceparent, want);
	ck_assert_str_ne(trace.span_id, "b7ad6b7169203331");
	ck_assert_str_eq(r.tracestate, CLIENT_STATE);
	/* No request id and no trace: none is made up. */
	for (int i = 1; i < 3; i++) {
		r = server_seen(&srv, i);
		check_service_token(r.auth);
		ck_assert_str_eq(r.request_id, "");
		ck_assert_str_eq(r.traceparent, "");
		ck_assert_str_eq(r.tracestate, "");
	}
	/* The three went over one kept-alive connection. */
	ck_assert_int_eq(server_accepted(&srv), 1);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(server_seen(&srv, i).conn, 1);
}
END_TEST

START_TEST(test_unix_socket)
{
	long retry_after;
	struct seen r;

	server_start(&srv, user_sock());
	server_answers(&srv, 200, USER_7);
	client_start(srv.url, DEADLINE_MS);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	server_answers(&srv, 404, "");
	ck_assert_int_eq(lookup(8, &retry_after), USER_ABSENT);
	ck_assert_int_eq(server_count(&srv), 2);
	r = server_seen(&srv, 0);
	ck_assert_str_eq(r.path, "/user/7");
	check_service_token(r.auth);
	ck_assert_str_eq(r.request_id, RID);
	ck_assert_str_eq(server_seen(&srv, 1).path, "/user/8");
	ck_assert_int_eq(server_accepted(&srv), 1);
}
END_TEST

START_TEST(test_dropped_not_retried)
{
	static const struct step drop = { ACT_DROP, 0, "", 0 };
	long retry_after;

	server_start(&srv, NULL);
	server_script(&srv, &drop, 1);
	client_start(srv.url, DEADLINE_MS);
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(retry_after, 1);
	/* The request reached the service: it is not sent again. */
	ck_assert_int_eq(server_count(&srv), 1);
	ck_assert_int_eq(retries, 0);
	ck_assert_int_eq(failures_logged(), 1);
}
END_TEST

START_TEST(test_refused_retried_twice)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char url[64];
	long retry_after;

	/* A port of the loopback that is bound (no one else takes it) but
	 * does not listen: each connection is refused. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	idle_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(idle_fd, 0);
	ck_assert_int_eq(bind(idle_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(idle_fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	client_start(url, DEADLINE_MS);
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(retries, 2);
	ck_assert_int_eq(retry_after, 1);
	ck_assert_int_eq(failures_logged(), 1);
	ck_assert_ptr_nonnull(strstr(last_log, "req_id=" RID));
}
END_TEST

/* The user service comes up: its socket appears where the client looks. */
static void
service_comes_up(void)
{
	char late[128];

	sock_path("late.sock", late, sizeof(late));
	ck_assert_int_eq(symlink(srv.sock, late), 0);
	on_retry = NULL;
}

START_TEST(test_retry_reaches_late_service)
{
	char late[128], url[160];
	long retry_after;

	server_start(&srv, user_sock());
	server_answers(&srv, 200, USER_7);
	sock_path("late.sock", late, sizeof(late));
	snprintf(url, sizeof(url), "unix:%s", late);
	client_start(url, DEADLINE_MS);
	on_retry = service_comes_up;
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	ck_assert_int_eq(retries, 1);
	ck_assert_int_eq(server_count(&srv), 1);
	check_service_token(server_seen(&srv, 0).auth);
}
END_TEST

/*
 * Check that a lookup of a user service that acts as step, with the short
 * deadline, finds it unavailable at about the deadline (an upper bound on
 * a timeout, not a speed), and does not try again.
 */
static void
check_gives_up(const struct step *step)
{
	long retry_after;
	int64_t began, took;

	server_start(&srv, NULL);
	server_script(&srv, step, 1);
	client_start(srv.url, SHORT_DEADLINE_MS);
	began = clock_ms();
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	took = clock_ms() - began;
	ck_assert_int_lt(took, SHORT_DEADLINE_MS + SLACK_MS);
	ck_assert_int_eq(retry_after, 1);
	ck_assert_int_eq(retries, 0);
	ck_assert_int_eq(failures_logged(), 1);
	server_wait(&srv, 1);
}

START_TEST(test_deadline)
{
	static const struct step late = { ACT_ANSWER, 200, USER_7, LATE_MS };

	check_gives_up(&late);
}
END_TEST

START_TEST(test_slow_body)
{
	/* A good answer, whose last byte would come after the deadline. */
	static const struct step drip = {
		ACT_DRIP, 200, "{\"id\":7,\"name\":\"Ada, whose answer comes a byte at a time\"}", 0
	};

	check_gives_up(&drip);
}
END_TEST

/* {"id":7,"pad":"xx...x"}, size bytes long, into buf. */
static void
padded_user(char *buf, size_t size)
{
	size_t head = strlen("{\"id\":7,\"pad\":\"");

	memset(buf, 'x', size);
	memcpy(buf, "{\"id\":7,\"pad\":\"", head);
	memcpy(buf + size - 2, "\"}", 2);
	buf[size] = '\0';
}

START_TEST(test_oversized_answer)
{
	static char fits[60 * 1024 + 1], too_long[70 * 1024 + 1];
	long retry_after;

	padded_user(fits, sizeof(fits) - 1);
	padded_user(too_long, sizeof(too_long) - 1);
	server_start(&srv, NULL);
	client_start(srv.url, DEADLINE_MS);
	server_answers(&srv, 200, fits);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	/* The same user, padded past 64 KiB: not read. */
	server_answers(&srv, 200, too_long);
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(server_count(&srv), 2);
	ck_assert_int_eq(retries, 0);
	ck_assert_int_eq(failures_logged(), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The breaker                                                        */
/* ------------------------------------------------------------------ */

/*
 * serve() a user service that fails every lookup (500), and open the
 * breaker (threshold 2, cool-down cooldown_ms) with two of them.
 */
static void
serve_breaker_open(int64_t cooldown_ms)
{
	long retry_after;

	serve(500, "");
	breaker_reset(2, cooldown_ms);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(server_count(&srv), 2);
}

START_TEST(test_breaker_fails_fast)
{
	long retry_after;
	struct user_service_report r;

	serve_breaker_open(2500);
	/* The service is not asked, and the caller is told when the
	 * cool-down ends. */
	server_answers(&srv, 200, USER_7);
	ck_assert_int_eq(lookup(7, &retry_after), USER_BREAKER_OPEN);
	ck_assert_int_eq(retry_after, 3);
	ck_assert_int_eq(lookup(8, &retry_after), USER_BREAKER_OPEN);
	ck_assert_int_eq(server_count(&srv), 2);
	user_client_report(client, &r);
	ck_assert_int_eq(r.state, USER_SERVICE_BREAKER_OPEN);
	ck_assert_int_eq(r.breaker, BREAKER_OPEN);
	ck_assert_int_eq(r.last_call, USER_SEEN_DOWN);
}
END_TEST

START_TEST(test_breaker_probe)
{
	long retry_after;
	struct user_service_report r;

	serve_breaker_open(COOLDOWN_MS);
	ck_assert_int_eq(lookup(7, &retry_after), USER_BREAKER_OPEN);
	ck_assert_int_eq(server_count(&srv), 2);
	/* After the cool-down, one probe; it fails: open again at once. */
	pause_ms(COOLDOWN_MS + 50);
	user_client_report(client, &r);
	ck_assert_int_eq(r.breaker, BREAKER_HALF_OPEN);
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(server_count(&srv), 3);
	ck_assert_int_eq(lookup(7, &retry_after), USER_BREAKER_OPEN);
	ck_assert_int_eq(server_count(&srv), 3);
	/* The next probe succeeds: closed. */
	pause_ms(COOLDOWN_MS + 50);
	server_answers(&srv, 200, USER_7);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	ck_assert_int_eq(server_count(&srv), 4);
	user_client_report(client, &r);
	ck_assert_int_eq(r.breaker, BREAKER_CLOSED);
	ck_assert_int_eq(r.state, USER_SERVICE_UP);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	ck_assert_int_eq(server_count(&srv), 5);
}
END_TEST

/* ------------------------------------------------------------------ */
/* What the process knows of the user service                         */
/* ------------------------------------------------------------------ */

START_TEST(test_report)
{
	long retry_after;
	struct user_service_report r;

	server_start(&srv, NULL);
	client_start(srv.url, DEADLINE_MS);
	user_client_report(client, &r);
	ck_assert_int_eq(r.state, USER_SERVICE_UNKNOWN);
	ck_assert_int_eq(r.breaker, BREAKER_CLOSED);
	ck_assert_int_eq(r.last_call, USER_SEEN_NOTHING);
	ck_assert_int_eq(r.last_call_age_ms, 0);
	ck_assert_int_eq(server_count(&srv), 0);

	/* A 404 is an answer: the service is up. */
	server_answers(&srv, 404, "");
	ck_assert_int_eq(lookup(7, &retry_after), USER_ABSENT);
	user_client_report(client, &r);
	ck_assert_int_eq(r.state, USER_SERVICE_UP);
	ck_assert_int_eq(r.last_call, USER_SEEN_UP);
	ck_assert_int_ge(r.last_call_age_ms, 0);

	server_answers(&srv, 502, "");
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	user_client_report(client, &r);
	ck_assert_int_eq(r.state, USER_SERVICE_DOWN);
	ck_assert_int_eq(r.last_call, USER_SEEN_DOWN);
	ck_assert_int_eq(r.breaker, BREAKER_CLOSED);
	/* A report asks nobody. */
	ck_assert_int_eq(server_count(&srv), 2);
}
END_TEST

START_TEST(test_ready_probes)
{
	char want[TRACEPARENT_LEN + 1];
	long retry_after;
	struct seen r;

	serve(200, "{\"status\":\"ok\"}");
	/* Nothing known: a probe of the health endpoint, without a token,
	 * in the readiness check's trace. */
	ck_assert_int_eq(user_client_ready(client, &trace), USER_SERVICE_UP);
	ck_assert_int_eq(server_count(&srv), 1);
	r = server_seen(&srv, 0);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/user/health");
	ck_assert_str_eq(r.auth, "");
	snprintf(want, sizeof(want), "00-%s-%s-01", TRACE_ID, trace.span_id);
	ck_assert_str_eq(r.traceparent, want);
	/* Within the interval: no other probe, whatever the service says. */
	server_answers(&srv, 503, "");
	ck_assert_int_eq(user_client_ready(client, &trace), USER_SERVICE_UP);
	ck_assert_int_eq(server_count(&srv), 1);
	/* After it: a probe, which finds it down. */
	pause_ms(COOLDOWN_MS + 50);
	ck_assert_int_eq(user_client_ready(client, NULL), USER_SERVICE_DOWN);
	ck_assert_int_eq(server_count(&srv), 2);
	ck_assert_str_eq(server_seen(&srv, 1).path, "/user/health");
	ck_assert_str_eq(server_seen(&srv, 1).traceparent, "");
	/* A lookup's verdict is as good as a probe's. */
	server_answers(&srv, 200, USER_7);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	ck_assert_int_eq(user_client_ready(client, &trace), USER_SERVICE_UP);
	ck_assert_int_eq(server_count(&srv), 3);
}
END_TEST

START_TEST(test_ready_probe_not_for_breaker)
{
	long retry_after;

	serve(503, "");
	breaker_reset(1, 2500);
	/* A failed probe does not open the breaker. */
	ck_assert_int_eq(user_client_ready(client, &trace), USER_SERVICE_DOWN);
	ck_assert_int_eq(breaker_state(&breaker, clock_ms()), BREAKER_CLOSED);
	/* A failed lookup does; while it is open, readiness asks nobody. */
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(server_count(&srv), 2);
	pause_ms(COOLDOWN_MS + 50);
	ck_assert_int_eq(user_client_ready(client, &trace), USER_SERVICE_BREAKER_OPEN);
	ck_assert_int_eq(server_count(&srv), 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Metrics                                                            */
/* ------------------------------------------------------------------ */

#define CALLS "microshop_user_service_calls_total{outcome=\"%s\"}"
#define CALL_TIMES "microshop_user_service_call_duration_seconds_count"

/* The count of lookups of outcome name, as rendered. */
static double
calls_of(const char *name)
{
	char series[128];

	snprintf(series, sizeof(series), CALLS, name);
	return treq_metric(series);
}

START_TEST(test_metrics)
{
	static const char *const outcomes[] = {
		"exists", "absent", "deleted", "unavailable", "breaker_open"
	};
	static const struct step script[] = {
		{ ACT_ANSWER, 200, USER_7, 0 },
		{ ACT_ANSWER, 404, "", 0 },
		{ ACT_ANSWER, 410, "", 0 },
		{ ACT_ANSWER, 500, "", 0 },
	};
	double before[N_ELEMS(outcomes)], times;
	long retry_after;

	metrics_reset();
	ck_assert_int_eq(user_client_metrics_register(), 0);
	for (size_t i = 0; i < N_ELEMS(outcomes); i++) {
		before[i] = calls_of(outcomes[i]);
		ck_assert_msg(before[i] >= 0, "no series %s", outcomes[i]);
	}
	times = treq_metric(CALL_TIMES);
	ck_assert(times >= 0);

	server_start(&srv, NULL);
	server_script(&srv, script, N_ELEMS(script));
	client_start(srv.url, DEADLINE_MS);
	breaker_reset(1, 2500);
	ck_assert_int_eq(lookup(7, &retry_after), USER_EXISTS);
	ck_assert_int_eq(lookup(7, &retry_after), USER_ABSENT);
	ck_assert_int_eq(lookup(7, &retry_after), USER_DELETED);
	ck_assert_int_eq(lookup(7, &retry_after), USER_UNAVAILABLE);
	ck_assert_int_eq(lookup(7, &retry_after), USER_BREAKER_OPEN);
	for (size_t i = 0; i < N_ELEMS(outcomes); i++)
		ck_assert_msg(calls_of(outcomes[i]) == before[i] + 1, "%s: %g, was %g",
		    outcomes[i], calls_of(outcomes[i]), before[i]);
	ck_assert(treq_metric(CALL_TIMES) == times + 5);
	metrics_reset();
}
END_TEST

Suite *
user_client_suite(void)
{
	Suite *s = suite_create("user_client");
	TCase *tc = tcase_create("user_client");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, client_setup, client_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_answers);
	tcase_add_test(tc, test_what_is_sent);
	tcase_add_test(tc, test_unix_socket);
	tcase_add_test(tc, test_dropped_not_retried);
	tcase_add_test(tc, test_refused_retried_twice);
	tcase_add_test(tc, test_retry_reaches_late_service);
	tcase_add_test(tc, test_deadline);
	tcase_add_test(tc, test_slow_body);
	tcase_add_test(tc, test_oversized_answer);
	tcase_add_test(tc, test_breaker_fails_fast);
	tcase_add_test(tc, test_breaker_probe);
	tcase_add_test(tc, test_report);
	tcase_add_test(tc, test_ready_probes);
	tcase_add_test(tc, test_ready_probe_not_for_breaker);
	tcase_add_test(tc, test_metrics);
	suite_add_tcase(s, tc);
	return s;
}
