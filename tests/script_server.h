/*
 * script_server.h - the user service as the unit tests of the order
 * service's calls to it play it (check_user_client.c, check_event_consumer.c):
 * a small HTTP/1.1 server of the test's own, on a free loopback port or on
 * a unix socket, in a thread of its own. It answers each request as the
 * test's script says (a status and a body, late, never, or slowly) and
 * records what it got: the request line, the headers that matter (the
 * token, the request id, the trace context), and the connection it came
 * on. One request at a time: a late answer holds the others back, as a
 * stop ends it.
 */
#ifndef MICROSHOP_SCRIPT_SERVER_H
#define MICROSHOP_SCRIPT_SERVER_H

#include <pthread.h>
#include <stddef.h>

#include "token.h"
#include "trace.h"

#define SERVER_CONNS 8
#define SERVER_SEEN 32
#define REQUEST_MAX 8192
#define DRIP_MS 50		/* between two bytes of a slow body (ACT_DRIP) */

enum act {
	ACT_ANSWER,		/* status and body */
	ACT_DROP,		/* close the connection without an answer */
	ACT_DRIP		/* the head at once, then the body a byte per DRIP_MS */
};

struct step {
	enum act act;
	int status;
	const char *body;	/* borrowed; must outlive the server */
	int delay_ms;		/* before it acts (a stop ends the wait) */
};

/* One request as the server read it. */
struct seen {
	char method[8];
	char path[128];
	char auth[TOKEN_MAX + 16];	/* Authorization's value; "" when none */
	char request_id[96];		/* X-Request-Id's */
	char traceparent[80];		/* traceparent's; "" when none */
	char tracestate[TRACESTATE_MAX + 8];	/* tracestate's */
	int conn;			/* the connection it came on: 1, 2, ... */
};

struct conn {
	int fd;			/* -1: a free slot */
	int id;
	size_t len;
	char buf[REQUEST_MAX];
};

struct server {
	int running;
	int listen_fd;
	int stop[2];		/* a pipe: a byte on it stops the thread */
	pthread_t thread;
	char sock[108];		/* its unix socket (as long as sun_path); "" on TCP */
	char url[160];		/* the client's base URL */
	struct conn conns[SERVER_CONNS];	/* the thread's alone */
	pthread_mutex_t lock;	/* guards what follows */
	const struct step *script;	/* the last step repeats */
	struct step answer;	/* server_answers' one step */
	size_t n_steps, next_step;
	int n_seen;		/* requests read */
	struct seen seen[SERVER_SEEN];	/* the first ones */
	int accepted;		/* connections */
};

/*
 * Start s on a free loopback port (unix_path NULL), or on a unix socket at
 * unix_path (removed first, if there). s->url is the client's base URL.
 */
void server_start(struct server *s, const char *unix_path);

/* Stop s (when it runs) and remove its socket. */
void server_stop(struct server *s);

/* Answer the requests from now on with steps (n of them; the last repeats). */
void server_script(struct server *s, const struct step *steps, size_t n);

/* Answer every request from now on with status and body. */
void server_answers(struct server *s, int status, const char *body);

/* How many requests s has read. */
int server_count(struct server *s);

/* How many connections s has accepted. */
int server_accepted(struct server *s);

/* The i-th request s read (i < SERVER_SEEN). */
struct seen server_seen(struct server *s, int i);

/*
 * Wait (up to a few seconds) until s has read n requests: a request that
 * the client gave up on at its deadline may still be on its way.
 */
void server_wait(struct server *s, int n);

#endif
