/*
 * openloop.c - bench/openloop: an open-loop HTTP load, for bench/capacity's
 * check of the queueing network's open-loop predictions. wrk is closed-loop:
 * a client waits for its answer before it sends again, so a slow server
 * gets fewer requests. Here requests arrive as a Poisson process of RATE a
 * second (exponential gaps from a fixed seed: the arrivals the open network
 * assumes) whatever the server does; each goes out on the first idle kept
 * connection, and its latency counts from when it was due, so that time
 * spent waiting for a connection is counted too (no "coordinated
 * omission").
 *
 *   bench/openloop HOST PORT WORKLOAD RATE SECONDS CONNECTIONS [TOKEN]
 *
 * WORKLOAD is a path (a GET of it), or get-user, get-order, post-order or
 * mix, made as bench/wrk.lua makes them (ids 1..BENCH_USERS, BENCH_ORDERS,
 * skus BOOK-1..BENCH_PRODUCTS from the environment; mix: 40 % get-user,
 * 40 % get-order, 10 % a page of users, 10 % post-order).
 * OPENLOOP_ARRIVALS=even spaces the arrivals evenly instead. Prints one
 * line:
 *
 *   RESULT rate=... sent=... answered=... mean_ms=... p50_ms=... p99_ms=... late_ms=... non2xx=... errors=...
 *
 * late_ms is the mean time from a request's due time to its sending: the
 * generator's own delay (timer wake-ups, every connection busy), counted in
 * the latencies.
 *
 * The generator sleeps until the next arrival with a nanosecond timeout and
 * a timer slack of 1 ns: with millisecond timeouts it would spin whenever
 * the next request is due within a millisecond, and take a core from the
 * server it measures.
 *
 * Loopback only, bounded: it stops SECONDS after it starts, plus at most
 * 5 s for the last answers.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define MAX_CONNS 1024
#define DRAIN_S 5

enum workload { PATH, GET_USER, GET_ORDER, POST_ORDER, MIX };

/* What the requests are: the workload and the ids it draws from. */
struct load {
	enum workload workload;
	const char *path;	/* PATH */
	char auth[1024];	/* the Authorization header line, or "" */
	long users, orders, products;
	uint64_t rng;		/* xorshift64 state */
};

struct conn {
	int fd;
	int busy;
	double due;		/* when its request in flight was due */
	size_t len;
	char buf[16384];
};

/* Where the connections go. */
struct target {
	const char *host;
	int port;
	int ep;			/* the epoll instance that watches them */
};

static int
conn_open(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/*
 * c on a new connection, watched by the epoll instance, with nothing in
 * flight: at the start, and when nginx ended the last one (after
 * keepalive_requests). -1 when the server cannot be reached.
 */
static int
conn_attach(struct conn *c, const struct target *t)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (c->fd >= 0)
		close(c->fd);
	c->busy = 0;
	c->len = 0;
	c->fd = conn_open(t->host, t->port);
	return c->fd < 0 || epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0 ? -1 : 0;
}

/* A whole answer in c->buf: its length, or 0 while incomplete. */
static size_t
answer_length(const struct conn *c)
{
	const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4), *cl;
	size_t head, whole;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = memmem(c->buf, head, "Content-Length: ", 16);
	if (cl == NULL)
		cl = memmem(c->buf, head, "content-length: ", 16);
	if (cl == NULL)
		return head;
	whole = head + strtoul(cl + 16, NULL, 10);
	return c->len >= whole ? whole : 0;
}

/* xorshift64: the next number in [0, 1). */
static double
uniform(struct load *l)
{
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 7;
	l->rng ^= l->rng << 17;
	return (double)(l->rng >> 11) / 9007199254740992.0;
}

/* An id in 1..n. */
static long
pick(struct load *l, long n)
{
	return 1 + (long)(uniform(l) * (double)n);
}

static long
env_long(const char *name, long fallback)
{
	const char *v = getenv(name);

	return v != NULL && atol(v) > 0 ? atol(v) : fallback;
}

static int
parse_workload(struct load *l, const char *w)
{
	static const struct { const char *name; enum workload w; } names[] = {
		{ "get-user", GET_USER }, { "get-order", GET_ORDER },
		{ "post-order", POST_ORDER }, { "mix", MIX },
	};

	l->path = w;
	if (w[0] == '/') {
		l->workload = PATH;
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(w, names[i].name) == 0) {
			l->workload = names[i].w;
			return 0;
		}
	return -1;
}

/* The next request into buf: its length (0 when it does not fit). */
static int
make_request(struct load *l, char *buf, size_t size)
{
	enum workload w = l->workload;
	char path[128], body[160];
	const char *p = path;
	int n, draw;

	if (w == MIX) {
		draw = (int)(uniform(l) * 100);
		w = draw < 40 ? GET_USER : draw < 80 ? GET_ORDER : draw < 90 ? PATH : POST_ORDER;
		if (w == PATH)
			snprintf(path, sizeof(path), "/user?limit=50&after=%ld",
			    pick(l, l->users > 50 ? l->users - 50 : 1) - 1);
	} else if (w == PATH)
		p = l->path;
	if (w == GET_USER)
		snprintf(path, sizeof(path), "/user/%ld", pick(l, l->users));
	else if (w == GET_ORDER)
		snprintf(path, sizeof(path), "/order/%ld", pick(l, l->orders));
	if (w != POST_ORDER)
		n = snprintf(buf, size, "GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n", p, l->auth);
	else {
		int body_len = snprintf(body, sizeof(body),
		    "{\"user_id\":%ld,\"items\":[{\"sku\":\"BOOK-%ld\",\"quantity\":%ld}]}",
		    pick(l, l->users), pick(l, l->products), pick(l, 5));

		n = snprintf(buf, size, "POST /order HTTP/1.1\r\nHost: localhost\r\n%s"
		    "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		    l->auth, body_len, body);
	}
	return n > 0 && (size_t)n < size ? n : 0;
}

/* The gap to the next arrival: exponential (Poisson arrivals) or even. */
static double
next_gap(struct load *l, double rate, int even)
{
	return even ? 1.0 / rate : -log(1.0 - uniform(l)) / rate;
}

int
main(int argc, char **argv)
{
	static struct conn conns[MAX_CONNS];
	static char request[4096];
	struct epoll_event events[64];
	struct load load = { .rng = 0x9e3779b97f4a7c15ULL };
	struct target target;
	double rate, seconds, start, next_due, *lat, late = 0, sum = 0;
	long total, sent = 0, answered = 0, non2xx = 0, errors = 0;
	int n_conns, even;

	if (argc < 7 || parse_workload(&load, argv[3]) < 0) {
		fprintf(stderr, "usage: %s HOST PORT PATH|get-user|get-order|post-order|mix "
		    "RATE SECONDS CONNECTIONS [TOKEN]\n", argv[0]);
		return 2;
	}
	target.host = argv[1];
	target.port = atoi(argv[2]);
	rate = atof(argv[4]);
	seconds = atof(argv[5]);
	n_conns = atoi(argv[6]);
	if (rate <= 0 || seconds <= 0 || n_conns < 1 || n_conns > MAX_CONNS)
		return 2;
	/* The same header on every request: made once. */
	if (argc > 7 && (size_t)snprintf(load.auth, sizeof(load.auth),
	    "Authorization: Bearer %s\r\n", argv[7]) >= sizeof(load.auth))
		return 2;
	load.users = env_long("BENCH_USERS", 10000);
	load.orders = env_long("BENCH_ORDERS", 10000);
	load.products = env_long("BENCH_PRODUCTS", 100);
	even = getenv("OPENLOOP_ARRIVALS") != NULL && strcmp(getenv("OPENLOOP_ARRIVALS"), "even") == 0;
	/* Wake-ups on time: the default slack is 50 us, a request's time. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	total = (long)(rate * seconds);
	lat = calloc((size_t)total + 1, sizeof(*lat));
	target.ep = epoll_create1(0);
	if (lat == NULL || target.ep < 0)
		return 1;
	for (int i = 0; i < n_conns; i++) {
		conns[i].fd = -1;
		if (conn_attach(&conns[i], &target) < 0) {
			perror("connect");
			return 1;
		}
	}
	start = now_s();
	next_due = start + next_gap(&load, rate, even);
	for (;;) {
		double now = now_s(), wait_s;
		struct timespec timeout;
		int n, idle = 0;

		/* Every request that is due goes out on an idle connection. */
		for (int i = 0; i < n_conns && sent < total && next_due <= now; i++) {
			int len;

			if (conns[i].busy)
				continue;
			len = make_request(&load, request, sizeof(request));
			if (len == 0 || write(conns[i].fd, request, (size_t)len) != len)
				errors++;
			else {
				conns[i].busy = 1;
				conns[i].due = next_due;
				conns[i].len = 0;
			}
			late += now - next_due;
			sent++;
			next_due += next_gap(&load, rate, even);
		}
		if (sent >= total && answered + errors >= sent)
			break;
		if (now > start + seconds + DRAIN_S)
			break;
		/* Sleep until the next request is due, or, when it is due
		 * already and every connection is busy, until an answer. */
		for (int i = 0; i < n_conns; i++)
			idle += !conns[i].busy;
		wait_s = sent < total ? next_due - now_s() : 0.1;
		if (wait_s <= 0)
			wait_s = idle ? 0 : 0.1;
		timeout.tv_sec = (time_t)wait_s;
		timeout.tv_nsec = (long)((wait_s - (double)timeout.tv_sec) * 1e9);
		n = epoll_pwait2(target.ep, events, 64, &timeout, NULL);
		for (int e = 0; e < n; e++) {
			struct conn *c = events[e].data.ptr;
			ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			size_t whole;
			double done;

			if (r <= 0) {
				/* nginx closes a kept connection after keepalive_requests:
				 * only a request in flight is lost. */
				if (c->busy)
					errors++;
				if (conn_attach(c, &target) < 0)
					return 1;
				continue;
			}
			c->len += (size_t)r;
			if ((whole = answer_length(c)) == 0)
				continue;
			if (c->len < 12 || c->buf[9] != '2')
				non2xx++;
			done = now_s();
			lat[answered++] = done - c->due;
			sum += done - c->due;
			c->busy = 0;
			/* nginx ends a kept connection after keepalive_requests,
			 * saying so: take a new one before it is used again. */
			if (memmem(c->buf, whole, "Connection: close", 17) != NULL &&
			    conn_attach(c, &target) < 0)
				return 1;
		}
	}
	qsort(lat, (size_t)answered, sizeof(*lat), cmp_double);
	printf("RESULT rate=%.1f sent=%ld answered=%ld mean_ms=%.4f p50_ms=%.4f "
	    "p99_ms=%.4f late_ms=%.4f non2xx=%ld errors=%ld\n", (double)answered / seconds, sent,
	    answered, answered ? sum / (double)answered * 1e3 : 0.0,
	    answered ? lat[answered / 2] * 1e3 : 0.0,
	    answered ? lat[(size_t)((double)answered * 0.99)] * 1e3 : 0.0,
	    sent ? late / (double)sent * 1e3 : 0.0, non2xx, errors);
	free(lat);
	return 0;
}
