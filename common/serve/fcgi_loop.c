/*
 * fcgi_loop.c - listening socket, connections, worker threads and graceful
 * stop; see fcgi_loop.h.
 *
 * libfcgi's own loop ties one thread to one connection for as long as the
 * connection lives, so with nginx's FastCGI keepalive every idle kept
 * connection would hold a worker, and without keepalive every request pays
 * for a connect, an accept and libfcgi's lingering close (shutdown, then
 * wait for the peer's close) during which the worker does nothing else.
 * Here connections and workers are apart: the loop accepts connections
 * itself, and every connection waits in one epoll set, armed one-shot; a
 * worker takes whichever connection has a request, serves that one request
 * with libfcgi (FCGX_Accept_r reads it from the connection it is given) and
 * arms the connection again. A few workers then serve any number of kept
 * connections, and an idle connection costs a file descriptor, not a
 * thread (docs/performance.md has the measurements).
 *
 * Stopping needs no signal sent to a worker, which could interrupt the
 * read() or write() of a request in flight (libfcgi does not retry on
 * EINTR), and no shutdown() of a listening socket that systemd still holds
 * for the next start: a stop pipe in the epoll set wakes every worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "clock.h"
#include "dispatch.h"
#include "fcgi_loop.h"
#include "http.h"
#include "log.h"
#include "db.h"
#include "idempotency.h"
#include "metrics.h"
#include "request_metrics.h"
#include "peers.h"

#define LISTEN_BACKLOG 1024
#define SD_LISTEN_FDS_START 3
/*
 * Connections open at once. Past this the listening socket is left
 * unwatched and new connections wait in its backlog until one closes.
 */
#define MAX_CONNECTIONS 1000
/*
 * A peer that stops sending or reading in the middle of a request frees
 * its worker after this long (nginx's own fastcgi timeouts are 10 s), plus
 * the 2 s libfcgi's close waits for the peer to close first.
 */
#define CONN_IO_TIMEOUT_S 10
/*
 * Stopping, a worker serves what is already waiting and leaves once no
 * connection has had a request for this long.
 */
#define DRAIN_IDLE_MS 100
/* A refused TCP peer is logged at most this often (its count in between). */
#define PEER_LOG_INTERVAL_MS 60000

/* TCP connections closed unread: not from a peer --allow-peers names. */
static struct metrics_counter peers_refused;

/* One FastCGI connection, kept across the requests nginx sends on it. */
struct conn {
	FCGX_Request fcgi;
	struct conn *prev, *next;
};

struct loop {
	const struct svc_config *cfg;
	const struct fcgi_service *svc;
	int listen_fd;
	int epoll_fd;
	int stop_pipe[2];
	atomic_int ready;	/* workers that finished their init */
	atomic_int failed;	/* workers whose init failed */
	atomic_int stopping;	/* set once by SIGTERM/SIGINT */
	atomic_int draining;	/* workers that saw stopping */
	pthread_mutex_t conns_lock;	/* guards conns, n_conns, listen_parked, peer_log */
	struct conn *conns;
	int n_conns;
	int listen_parked;	/* at MAX_CONNECTIONS: listen_fd not armed */
	struct peer_log peer_log;	/* refused peers, when last logged */
	char listen_tag, stop_tag;	/* their addresses mark epoll events */
};

/* 1 if fd is a listening stream socket. */
static int
is_listening_socket(int fd)
{
	int val = 0;
	socklen_t len = sizeof(val);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len) == 0 && val;
}

/* The socket systemd passed by LISTEN_FDS, or -1 when there is none. */
static int
systemd_socket(void)
{
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	char *end;
	long p;

	if (pid == NULL || fds == NULL)
		return -1;
	p = strtol(pid, &end, 10);
	if (*end != '\0' || p != (long)getpid())
		return -1;
	if (strcmp(fds, "1") != 0) {
		log_msg(LOG_LEVEL_ERROR, "event=bad_listen_fds count=%s want=1", fds);
		return -1;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return SD_LISTEN_FDS_START;
}

/*
 * The listening socket: --listen unix:/path or HOST:PORT, else LISTEN_FDS,
 * else fd 0. Returns -1 after logging.
 */
static int
listen_socket_open(const struct svc_config *cfg)
{
	char what[300];
	int fd;

	if (cfg->listen != NULL) {
		const char *addr = cfg->listen;

		if (strncmp(addr, "unix:", 5) == 0) {
			addr += 5;
			if (addr[0] != '/') {
				log_msg(LOG_LEVEL_ERROR, "event=bad_listen listen=%s "
				    "msg=\"unix socket path must be absolute\"",
				    log_value(what, sizeof(what), cfg->listen));
				return -1;
			}
		} else if (strchr(addr, ':') == NULL) {
			log_msg(LOG_LEVEL_ERROR, "event=bad_listen listen=%s "
			    "msg=\"expected unix:/path or HOST:PORT\"",
			    log_value(what, sizeof(what), cfg->listen));
			return -1;
		}
		fd = FCGX_OpenSocket(addr, LISTEN_BACKLOG);
		if (fd < 0) {
			log_msg(LOG_LEVEL_ERROR, "event=listen_failed listen=%s msg=%s",
			    log_value(what, sizeof(what), cfg->listen), strerror(errno));
			return -1;
		}
		/* libfcgi binds with the process umask; nginx's group needs rw. */
		if (strncmp(cfg->listen, "unix:", 5) == 0)
			chmod(addr, 0660);
		return fd;
	}
	fd = systemd_socket();
	if (fd >= 0 && is_listening_socket(fd))
		return fd;
	if (is_listening_socket(STDIN_FILENO))
		return STDIN_FILENO;
	log_msg(LOG_LEVEL_ERROR, "event=no_socket msg=\"give --listen, or start "
	    "under systemd socket activation or spawn-fcgi\"");
	return -1;
}

/* Arm fd for one more event (EPOLLONESHOT): one worker gets it. */
static int
arm(struct loop *loop, int fd, void *tag, int op)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = tag };

	return epoll_ctl(loop->epoll_fd, op, fd, &ev);
}

/* Forget conn, close its descriptor if libfcgi left it open, and free it. */
static void
conn_free(struct loop *loop, struct conn *c)
{
	int rearm;

	if (c->fcgi.ipcFd >= 0)
		close(c->fcgi.ipcFd);
	FCGX_Free(&c->fcgi, 0);
	pthread_mutex_lock(&loop->conns_lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		loop->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	loop->n_conns--;
	rearm = loop->listen_parked;
	loop->listen_parked = 0;
	pthread_mutex_unlock(&loop->conns_lock);
	free(c);
	if (rearm)
		arm(loop, loop->listen_fd, &loop->listen_tag, EPOLL_CTL_MOD);
}

/* Take over an accepted descriptor: a conn, waiting in the epoll set. */
static void
conn_add(struct loop *loop, int fd)
{
	struct timeval timeout = { .tv_sec = CONN_IO_TIMEOUT_S };
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		close(fd);
		return;
	}
	FCGX_InitRequest(&c->fcgi, -1, 0);
	c->fcgi.ipcFd = fd;
	/*
	 * FCGX_Accept_r first finishes the connection's previous request and
	 * closes it unless that request kept it: a new connection counts as
	 * kept until its first request says otherwise. With listen_sock -1,
	 * libfcgi cannot accept a connection of its own when this one turns
	 * out closed: FCGX_Accept_r fails instead.
	 */
	c->fcgi.keepConnection = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	pthread_mutex_lock(&loop->conns_lock);
	c->next = loop->conns;
	if (c->next != NULL)
		c->next->prev = c;
	loop->conns = c;
	loop->n_conns++;
	pthread_mutex_unlock(&loop->conns_lock);
	if (arm(loop, fd, c, EPOLL_CTL_ADD) != 0) {
		log_msg(LOG_LEVEL_ERROR, "event=epoll_add_failed msg=%s", strerror(errno));
		conn_free(loop, c);
	}
}

/*
 * Close a connection from a TCP peer that --allow-peers does not name,
 * before a byte of it is read: count it, and log it unless this peer was
 * logged less than PEER_LOG_INTERVAL_MS ago.
 */
static void
peer_refuse(struct loop *loop, int fd, const struct sockaddr *peer, socklen_t len)
{
	char name[INET6_ADDRSTRLEN];
	long refused = 0;
	int due;

	close(fd);
	metrics_counter_add(&peers_refused, 1);
	pthread_mutex_lock(&loop->conns_lock);
	due = peer_log_due(&loop->peer_log, peer, len, clock_ms(), &refused);
	pthread_mutex_unlock(&loop->conns_lock);
	if (due)
		log_msg(LOG_LEVEL_WARN, "event=peer_refused peer=%s refused=%ld "
		    "msg=\"not in --allow-peers; closed\"",
		    peers_name(peer, len, name, sizeof(name)), refused);
}

/*
 * Accept every connection waiting, up to MAX_CONNECTIONS open, then arm
 * the listening socket again unless the limit parked it.
 */
static void
accept_waiting(struct loop *loop)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		int fd, full;

		pthread_mutex_lock(&loop->conns_lock);
		full = loop->n_conns >= MAX_CONNECTIONS;
		if (full)
			loop->listen_parked = 1;
		pthread_mutex_unlock(&loop->conns_lock);
		if (full) {
			log_msg(LOG_LEVEL_WARN, "event=connections_full max=%d", MAX_CONNECTIONS);
			return;
		}
		fd = accept4(loop->listen_fd, (struct sockaddr *)&peer, &peer_len, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_msg(LOG_LEVEL_ERROR, "event=accept_failed msg=%s",
				    strerror(errno));
			break;
		}
		/* A unix socket's peers pass: its file's permissions guard it. */
		if (!peers_allow(&loop->cfg->allow_peers, (struct sockaddr *)&peer, peer_len)) {
			peer_refuse(loop, fd, (struct sockaddr *)&peer, peer_len);
			continue;
		}
		conn_add(loop, fd);
	}
	arm(loop, loop->listen_fd, &loop->listen_tag, EPOLL_CTL_MOD);
}

/*
 * Serve the request waiting on c, then arm c for the next one, or free it
 * when nginx closed it or did not ask to keep it, or when stopping: nginx
 * then sees the connection closed after a complete answer and does not
 * send another request on it.
 */
static void
conn_serve(struct loop *loop, struct conn *c, struct http_request *req, void *ctx)
{
	if (FCGX_Accept_r(&c->fcgi) < 0) {
		/* Closed by the peer, or not FastCGI: libfcgi closed it. */
		conn_free(loop, c);
		return;
	}
	dispatch_serve(req, &c->fcgi, loop->cfg, loop->svc, ctx);
	FCGX_Finish_r(&c->fcgi);
	if (atomic_load(&loop->stopping) || c->fcgi.ipcFd < 0 ||
	    arm(loop, c->fcgi.ipcFd, c, EPOLL_CTL_MOD) != 0)
		conn_free(loop, c);
}

static void *
worker_main(void *arg)
{
	struct loop *loop = arg;
	struct http_request *req = NULL;
	int acked = 0;
	void *ctx;

	ctx = loop->svc->thread_init(loop->cfg);
	req = calloc(1, sizeof(*req));
	if (req != NULL)
		req->body = malloc(loop->cfg->max_body + 1);
	if (ctx == NULL || req == NULL || req->body == NULL) {
		atomic_fetch_add(&loop->failed, 1);
		goto out;
	}
	atomic_fetch_add(&loop->ready, 1);

	/*
	 * Stopping, the listening socket is out of the epoll set (what waits
	 * in its backlog is the next process's), and the worker goes on
	 * serving the requests already sent on connections it holds, nginx's
	 * fresh ones included, until none comes for DRAIN_IDLE_MS.
	 */
	for (;;) {
		int stopping = atomic_load(&loop->stopping), n, wait_ms;
		struct epoll_event ev;

		if (stopping && !acked) {
			acked = 1;
			atomic_fetch_add(&loop->draining, 1);
		}
		/* Log lines kept under load are written once due, or at once
		 * when stopping (log.h). */
		if (stopping)
			log_flush();
		wait_ms = stopping ? DRAIN_IDLE_MS : log_kept_due_ms();
		n = epoll_wait(loop->epoll_fd, &ev, 1, wait_ms);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_LEVEL_ERROR, "event=epoll_wait_failed msg=%s", strerror(errno));
			break;
		}
		if (n == 0) {
			if (stopping)
				break;
			log_flush();
			continue;
		}
		if (ev.data.ptr == &loop->stop_tag)
			continue;	/* stopping is set: wait with a timeout now */
		if (ev.data.ptr == &loop->listen_tag) {
			if (!stopping)
				accept_waiting(loop);
			continue;
		}
		conn_serve(loop, ev.data.ptr, req, ctx);
	}
out:
	log_flush();
	if (req != NULL)
		free(req->body);
	free(req);
	loop->svc->thread_fini(ctx);
	return NULL;
}

/* The epoll set: the listening socket (one-shot) and the stop pipe (level). */
static int
loop_events_open(struct loop *loop)
{
	struct epoll_event stop = { .events = EPOLLIN, .data.ptr = &loop->stop_tag };
	int flags = fcntl(loop->listen_fd, F_GETFL);

	if (flags < 0 || fcntl(loop->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    pipe2(loop->stop_pipe, O_CLOEXEC) < 0)
		return -1;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0 ||
	    epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->stop_pipe[0], &stop) != 0 ||
	    arm(loop, loop->listen_fd, &loop->listen_tag, EPOLL_CTL_ADD) != 0)
		return -1;
	return 0;
}

int
fcgi_loop_run(const struct svc_config *cfg, const struct fcgi_service *svc)
{
	struct loop loop = { .cfg = cfg, .svc = svc, .listen_fd = -1, .epoll_fd = -1,
	    .stop_pipe = { -1, -1 }, .conns_lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t *threads = NULL;
	/* Every worker serves any request; wait_threads of them are there so
	 * that the requests that wait (settings.h) leave cfg->threads free. */
	long workers = cfg->threads + cfg->wait_threads, started = 0;
	sigset_t stop_signals, old;
	int sig = 0, rc = -1;

	metrics_build_info(cfg->service, PACKAGE_VERSION, MICROSHOP_REVISION);
	request_metrics_register(svc->routes, svc->n_routes, workers);
	metrics_counter_register(&peers_refused, "microshop_fastcgi_peers_refused_total",
	    "TCP connections closed unread: their peer is not in --allow-peers.");
	idempotency_metrics_register();
	db_metrics_register();
	peer_log_init(&loop.peer_log, PEER_LOG_INTERVAL_MS);

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	/* Workers inherit this mask, so only sigwait() below sees the signals. */
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0) {
		log_msg(LOG_LEVEL_ERROR, "event=fcgx_init_failed");
		goto out;
	}
	loop.listen_fd = listen_socket_open(cfg);
	if (loop.listen_fd < 0)
		goto out;
	if (loop_events_open(&loop) != 0) {
		log_msg(LOG_LEVEL_ERROR, "event=socket_setup_failed msg=%s", strerror(errno));
		goto out;
	}

	threads = calloc((size_t)workers, sizeof(*threads));
	if (threads == NULL)
		goto out;
	for (; started < workers; started++)
		if (pthread_create(&threads[started], NULL, worker_main, &loop) != 0)
			break;
	while (atomic_load(&loop.ready) + atomic_load(&loop.failed) < started)
		usleep(1000);
	if (started < workers || atomic_load(&loop.failed) > 0) {
		log_msg(LOG_LEVEL_ERROR, "event=workers_failed started=%ld failed=%d",
		    started, atomic_load(&loop.failed));
		goto stop;
	}

	/*
	 * What the start allocated and freed (the migrations' connection, the
	 * keys, the workers' first statements) stays in the heaps, where
	 * free() keeps it for later: give its pages back, 0.4 MiB of the user
	 * service's resident memory (docs/performance.md).
	 */
	malloc_trim(0);
	log_msg(LOG_LEVEL_INFO, "event=start version=%s threads=%ld wait_threads=%ld db=%s",
	    PACKAGE_VERSION, cfg->threads, cfg->wait_threads, cfg->db.path);
	while (sigwait(&stop_signals, &sig) != 0)
		;
	log_msg(LOG_LEVEL_INFO, "event=stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
	rc = 0;
stop:
	atomic_store(&loop.stopping, 1);
	if (svc->stopping != NULL)
		svc->stopping();
	epoll_ctl(loop.epoll_fd, EPOLL_CTL_DEL, loop.listen_fd, NULL);
	/*
	 * Wake every worker: the pipe stays readable until each has seen
	 * stopping (and waits with a timeout from then on); then it leaves
	 * the set, so that draining workers can sleep.
	 */
	if (write(loop.stop_pipe[1], "x", 1) < 0)
		log_msg(LOG_LEVEL_ERROR, "event=stop_failed msg=%s", strerror(errno));
	while (atomic_load(&loop.draining) < atomic_load(&loop.ready))
		usleep(1000);
	epoll_ctl(loop.epoll_fd, EPOLL_CTL_DEL, loop.stop_pipe[0], NULL);
	for (long i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	/* Requests in flight are answered; idle kept connections are closed. */
	while (loop.conns != NULL)
		conn_free(&loop, loop.conns);
	if (rc == 0)
		log_msg(LOG_LEVEL_INFO, "event=stop");
out:
	free(threads);
	if (loop.epoll_fd >= 0)
		close(loop.epoll_fd);
	if (loop.stop_pipe[0] >= 0) {
		close(loop.stop_pipe[0]);
		close(loop.stop_pipe[1]);
	}
	if (cfg->listen != NULL && loop.listen_fd >= 0) {
		close(loop.listen_fd);
		if (strncmp(cfg->listen, "unix:", 5) == 0)
			unlink(cfg->listen + 5);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
