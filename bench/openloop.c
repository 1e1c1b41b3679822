/*
 * openloop.c - bench/openloop: a constant-rate (open-loop) HTTP load, for
 * bench/capacity's check of the M/M/c prediction. wrk is closed-loop: a
 * client waits for its answer before it sends again, so a slow server gets
 * fewer requests. Here request i is due at start + i / RATE whatever the
 * server does; it goes out on the first idle kept connection, and its
 * latency counts from when it was due, so that time spent waiting for a
 * connection is counted too (no "coordinated omission").
 *
 *   bench/openloop HOST PORT PATH RATE SECONDS CONNECTIONS [TOKEN]
 *
 * prints one line:
 *
 *   RESULT rate=... sent=... answered=... mean_ms=... p50_ms=... p99_ms=... non2xx=... errors=...
 *
 * Loopback only, bounded: it stops SECONDS after it starts, plus at most
 * 5 s for the last answers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

#define MAX_CONNS 1024
#define DRAIN_S 5

struct conn {
	int fd;
	int busy;
	double due;		/* when its request in flight was due */
	size_t len;
	char buf[16384];
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

/* A whole answer in c->buf: its length, or 0 while incomplete. */
static size_t
answer_length(const struct conn *c)
{
	const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4), *cl;
	size_t head;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = memmem(c->buf, head, "Content-Length: ", 16);
	if (cl == NULL)
		cl = memmem(c->buf, head, "content-length: ", 16);
	if (cl == NULL)
		return head;
	return c->len >= head + strtoul(cl + 16, NULL, 10) ? head + strtoul(cl + 16, NULL, 10) : 0;
}

int
main(int argc, char **argv)
{
	static struct conn conns[MAX_CONNS];
	static char request[4096];
	struct epoll_event ev, events[64];
	double rate, seconds, start, *lat;
	long total, sent = 0, answered = 0, non2xx = 0, errors = 0;
	int port, n_conns, ep, req_len;
	double sum = 0;

	if (argc < 7) {
		fprintf(stderr, "usage: %s HOST PORT PATH RATE SECONDS CONNECTIONS [TOKEN]\n", argv[0]);
		return 2;
	}
	port = atoi(argv[2]);
	rate = atof(argv[4]);
	seconds = atof(argv[5]);
	n_conns = atoi(argv[6]);
	if (rate <= 0 || seconds <= 0 || n_conns < 1 || n_conns > MAX_CONNS)
		return 2;
	req_len = snprintf(request, sizeof(request),
	    "GET %s HTTP/1.1\r\nHost: localhost\r\n%s%s%s\r\n", argv[3],
	    argc > 7 ? "Authorization: Bearer " : "", argc > 7 ? argv[7] : "", argc > 7 ? "\r\n" : "");
	total = (long)(rate * seconds);
	lat = calloc((size_t)total + 1, sizeof(*lat));
	ep = epoll_create1(0);
	if (lat == NULL || ep < 0)
		return 1;
	for (int i = 0; i < n_conns; i++) {
		conns[i].fd = conn_open(argv[1], port);
		if (conns[i].fd < 0) {
			perror("connect");
			return 1;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	start = now_s();
	for (;;) {
		double now = now_s(), next;
		int timeout_ms, n;

		/* Every request that is due goes out on an idle connection. */
		for (int i = 0; i < n_conns && sent < total; i++) {
			double due = start + (double)sent / rate;

			if (due > now)
				break;
			if (conns[i].busy)
				continue;
			if (write(conns[i].fd, request, (size_t)req_len) != req_len) {
				errors++;
				sent++;
				continue;
			}
			conns[i].busy = 1;
			conns[i].due = due;
			conns[i].len = 0;
			sent++;
		}
		if (sent >= total && answered + errors >= sent)
			break;
		if (now > start + seconds + DRAIN_S)
			break;
		/* Sleep until the next request is due, or, when it is due
		 * already and every connection is busy, until an answer. */
		next = start + (double)sent / rate;
		timeout_ms = sent < total ? (int)((next - now) * 1000) : 100;
		if (timeout_ms <= 0) {
			int idle = 0;

			for (int i = 0; i < n_conns; i++)
				idle += !conns[i].busy;
			timeout_ms = idle ? 0 : 100;
		}
		n = epoll_wait(ep, events, 64, timeout_ms);
		for (int e = 0; e < n; e++) {
			struct conn *c = events[e].data.ptr;
			ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			size_t whole;

			if (r <= 0) {
				/* nginx closes a kept connection after keepalive_requests:
				 * only a request in flight is lost. */
				if (c->busy)
					errors++;
				close(c->fd);
				c->busy = 0;
				c->fd = conn_open(argv[1], port);
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (c->fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
					return 1;
				continue;
			}
			c->len += (size_t)r;
			if ((whole = answer_length(c)) == 0)
				continue;
			if (c->len < 12 || c->buf[9] != '2')
				non2xx++;
			lat[answered++] = now_s() - c->due;
			sum += now_s() - c->due;
			c->busy = 0;
			/* nginx ends a kept connection after keepalive_requests,
			 * saying so: take a new one before it is used again. */
			if (memmem(c->buf, whole, "Connection: close", 17) != NULL) {
				close(c->fd);
				c->fd = conn_open(argv[1], port);
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (c->fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
					return 1;
			}
		}
	}
	qsort(lat, (size_t)answered, sizeof(*lat), cmp_double);
	printf("RESULT rate=%.1f sent=%ld answered=%ld mean_ms=%.4f p50_ms=%.4f p99_ms=%.4f "
	    "non2xx=%ld errors=%ld\n", (double)answered / seconds, sent, answered,
	    answered ? sum / (double)answered * 1e3 : 0.0,
	    answered ? lat[answered / 2] * 1e3 : 0.0,
	    answered ? lat[(size_t)((double)answered * 0.99)] * 1e3 : 0.0, non2xx, errors);
	free(lat);
	return 0;
}
