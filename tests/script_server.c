/*
 * script_server.c - a small HTTP server that answers from a script, for
 * the unit tests of the order service's calls to the user service; see
 * script_server.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <check.h>

#include "script_server.h"

/* Wait up to ms for a stop; 1 when one came. */
static int
server_stopping(struct server *s, int ms)
{
	struct pollfd p = { .fd = s->stop[0], .events = POLLIN };

	return poll(&p, 1, ms) != 0;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy the value of header name in head (CRLF lines) into out, or "". */
static void
header_value(const char *head, const char *name, char *out, size_t n)
{
	size_t len = strlen(name);
	const char *line = strstr(head, "\r\n");

	out[0] = '\0';
	while (line != NULL && line[2] != '\r') {
		line += 2;
		if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1 + strspn(line + len + 1, " ");
			const char *end = strstr(v, "\r\n");

			snprintf(out, n, "%.*s", (int)(end - v), v);
			return;
		}
		line = strstr(line, "\r\n");
	}
}

/* Record the request in c->buf; the step that answers it into step. */
static void
server_record(struct server *s, struct conn *c, struct step *step)
{
	struct seen r = { .conn = c->id };
	const char *sp = strchr(c->buf, ' ');
	const char *sp2 = sp != NULL ? strchr(sp + 1, ' ') : NULL;

	if (sp != NULL && sp2 != NULL) {
		snprintf(r.method, sizeof(r.method), "%.*s", (int)(sp - c->buf), c->buf);
		snprintf(r.path, sizeof(r.path), "%.*s", (int)(sp2 - sp - 1), sp + 1);
	}
	header_value(c->buf, "Authorization", r.auth, sizeof(r.auth));
	header_value(c->buf, "X-Request-Id", r.request_id, sizeof(r.request_id));
	header_value(c->buf, "traceparent", r.traceparent, sizeof(r.traceparent));
	header_value(c->buf, "tracestate", r.tracestate, sizeof(r.tracestate));
	pthread_mutex_lock(&s->lock);
	if (s->n_seen < SERVER_SEEN)
		s->seen[s->n_seen] = r;
	s->n_seen++;
	*step = (struct step){ ACT_ANSWER, 500, "", 0 };
	if (s->n_steps > 0) {
		*step = s->script[s->next_step];
		if (s->next_step + 1 < s->n_steps)
			s->next_step++;
	}
	pthread_mutex_unlock(&s->lock);
}

/* Answer the request in c->buf as the script says. */
static void
server_answer(struct server *s, struct conn *c)
{
	struct step step;
	char head[256];
	size_t len;

	server_record(s, c, &step);
	c->len = 0;
	if (step.delay_ms > 0 && server_stopping(s, step.delay_ms))
		return;
	if (step.act == ACT_DROP) {
		conn_close(c);
		return;
	}
	len = strlen(step.body);
	snprintf(head, sizeof(head), "HTTP/1.1 %d Scripted\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", step.status, len);
	if (send_all(c->fd, head, strlen(head)) < 0) {
		conn_close(c);
		return;
	}
	if (step.act == ACT_ANSWER) {
		if (send_all(c->fd, step.body, len) < 0)
			conn_close(c);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (server_stopping(s, DRIP_MS))
			return;
		if (send_all(c->fd, step.body + i, 1) < 0) {
			conn_close(c);
			return;
		}
	}
}

/* Read what c has; answer once a request's head is whole. */
static void
server_read(struct server *s, struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);

	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") != NULL)
		server_answer(s, c);
	else if (c->len == sizeof(c->buf) - 1)
		conn_close(c);
}

static void
server_accept(struct server *s)
{
	/* A client that stops reading (an answer too long) does not
	 * hold the thread past a stop for long. */
	struct timeval tv = { .tv_sec = 2 };
	int fd = accept(s->listen_fd, NULL, NULL);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (size_t i = 0; i < SERVER_CONNS; i++) {
		if (s->conns[i].fd < 0) {
			s->conns[i].fd = fd;
			s->conns[i].len = 0;
			pthread_mutex_lock(&s->lock);
			s->conns[i].id = ++s->accepted;
			pthread_mutex_unlock(&s->lock);
			return;
		}
	}
	close(fd);
}

static void *
server_run(void *arg)
{
	struct server *s = arg;
	struct pollfd p[2 + SERVER_CONNS];
	struct conn *of[2 + SERVER_CONNS];

	for (;;) {
		nfds_t n = 2;

		p[0] = (struct pollfd){ .fd = s->stop[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < SERVER_CONNS; i++) {
			if (s->conns[i].fd >= 0) {
				of[n] = &s->conns[i];
				p[n++] = (struct pollfd){ .fd = s->conns[i].fd, .events = POLLIN };
			}
		}
		if (poll(p, n, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents != 0)
			break;
		if (p[1].revents & POLLIN)
			server_accept(s);
		for (nfds_t i = 2; i < n; i++)
			if (p[i].revents != 0 && of[i]->fd >= 0)
				server_read(s, of[i]);
	}
	for (size_t i = 0; i < SERVER_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	return NULL;
}

/* Start a server on a free loopback port, or on a unix socket. */
void
server_start(struct server *s, const char *unix_path)
{
	int fd;

	*s = (struct server){ .listen_fd = -1 };
	for (size_t i = 0; i < SERVER_CONNS; i++)
		s->conns[i].fd = -1;
	ck_assert_int_eq(pthread_mutex_init(&s->lock, NULL), 0);
	ck_assert_int_eq(pipe(s->stop), 0);
	if (unix_path != NULL) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		ck_assert_uint_lt(strlen(unix_path), sizeof(a.sun_path));
		unlink(unix_path);
		snprintf(s->sock, sizeof(s->sock), "%s", unix_path);
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", s->sock);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		snprintf(s->url, sizeof(s->url), "unix:%s", s->sock);
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof(a);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
		snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	}
	s->listen_fd = fd;
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, server_run, s), 0);
	s->running = 1;
}

void
server_stop(struct server *s)
{
	if (!s->running)
		return;
	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	close(s->listen_fd);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->lock);
	if (s->sock[0] != '\0')
		unlink(s->sock);
	s->running = 0;
}


/* Answer the requests from now on with steps (n of them; the last repeats). */
void
server_script(struct server *s, const struct step *steps, size_t n)
{
	pthread_mutex_lock(&s->lock);
	s->script = steps;
	s->n_steps = n;
	s->next_step = 0;
	pthread_mutex_unlock(&s->lock);
}

/* Answer every request from now on with status and body. */
void
server_answers(struct server *s, int status, const char *body)
{
	pthread_mutex_lock(&s->lock);
	s->answer = (struct step){ ACT_ANSWER, status, body, 0 };
	pthread_mutex_unlock(&s->lock);
	server_script(s, &s->answer, 1);
}

/* A count of s's (&s->n_seen, &s->accepted), read under its lock. */
static int
server_read_count(struct server *s, const int *count)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = *count;
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* How many requests s has read. */
int
server_count(struct server *s)
{
	return server_read_count(s, &s->n_seen);
}

/* How many connections s has accepted. */
int
server_accepted(struct server *s)
{
	return server_read_count(s, &s->accepted);
}

/* The i-th request s read. */
struct seen
server_seen(struct server *s, int i)
{
	struct seen r;

	ck_assert_int_lt(i, SERVER_SEEN);
	ck_assert_int_lt(i, server_count(s));
	pthread_mutex_lock(&s->lock);
	r = s->seen[i];
	pthread_mutex_unlock(&s->lock);
	return r;
}

/*
 * Wait (up to a few seconds) until s has read n requests: a request that
 * the client gave up on at its deadline may still be on its way.
 */
void
server_wait(struct server *s, int n)
{
	for (int i = 0; i < 300 && server_count(s) < n; i++)
		poll(NULL, 0, 10);
	ck_assert_int_eq(server_count(s), n);
}
