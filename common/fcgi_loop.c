/*
 * fcgi_loop.c - listening socket, worker threads and graceful stop; see
 * fcgi_loop.h.
 *
 * Workers do not block inside libfcgi's accept(): they poll() the listening
 * socket (made non-blocking) together with a stop pipe, and call
 * FCGX_Accept_r only when a connection is waiting. Stopping then needs no
 * signal sent to a worker, which could interrupt the read() or write() of a
 * request in flight (libfcgi does not retry on EINTR), and no shutdown() of
 * a listening socket that systemd still holds for the next start.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi_loop.h"
#include "http.h"
#include "log.h"

#define LISTEN_BACKLOG 1024
#define SD_LISTEN_FDS_START 3

struct loop {
	const struct svc_config *cfg;
	const struct fcgi_service *svc;
	int listen_fd;
	int stop_pipe[2];
	atomic_int ready;	/* workers that finished their init */
	atomic_int failed;	/* workers whose init failed */
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

static void *
worker_main(void *arg)
{
	struct loop *loop = arg;
	struct http_request *req = NULL;
	FCGX_Request fcgi;
	void *ctx;
	int initialised = 0;

	ctx = loop->svc->thread_init(loop->cfg);
	req = calloc(1, sizeof(*req));
	if (req != NULL)
		req->body = malloc(loop->cfg->max_body + 1);
	if (ctx == NULL || req == NULL || req->body == NULL ||
	    FCGX_InitRequest(&fcgi, loop->listen_fd, 0) != 0) {
		atomic_fetch_add(&loop->failed, 1);
		goto out;
	}
	initialised = 1;
	atomic_fetch_add(&loop->ready, 1);

	for (;;) {
		/*
		 * With fastcgi_keep_conn on, libfcgi keeps the connection open
		 * and the next request arrives on it rather than by accept().
		 * The nginx site leaves keep_conn off: a kept connection ties
		 * up one worker while it idles.
		 */
		struct pollfd pfd[2] = {
			{ .fd = fcgi.ipcFd >= 0 ? fcgi.ipcFd : loop->listen_fd,
			  .events = POLLIN },
			{ .fd = loop->stop_pipe[0], .events = POLLIN },
		};
		int rc;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_LEVEL_ERROR, "event=poll_failed msg=%s", strerror(errno));
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents == 0)
			continue;

		rc = FCGX_Accept_r(&fcgi);
		if (rc < 0) {
			/* Another worker took the connection first. */
			if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR ||
			    rc == -ECONNABORTED)
				continue;
			log_msg(LOG_LEVEL_ERROR, "event=accept_failed rc=%d", rc);
			break;
		}
		http_serve(req, &fcgi, loop->cfg, loop->svc->routes,
		    loop->svc->n_routes, ctx);
		FCGX_Finish_r(&fcgi);
	}
out:
	if (initialised)
		FCGX_Free(&fcgi, 1);
	if (req != NULL)
		free(req->body);
	free(req);
	loop->svc->thread_fini(ctx);
	return NULL;
}

int
fcgi_loop_run(const struct svc_config *cfg, const struct fcgi_service *svc)
{
	struct loop loop = { .cfg = cfg, .svc = svc, .listen_fd = -1,
	    .stop_pipe = { -1, -1 } };
	pthread_t *threads = NULL;
	long started = 0;
	sigset_t stop_signals, old;
	int sig = 0, rc = -1, flags;

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
	flags = fcntl(loop.listen_fd, F_GETFL);
	if (flags < 0 || fcntl(loop.listen_fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    pipe(loop.stop_pipe) < 0) {
		log_msg(LOG_LEVEL_ERROR, "event=socket_setup_failed msg=%s", strerror(errno));
		goto out;
	}

	threads = calloc((size_t)cfg->threads, sizeof(*threads));
	if (threads == NULL)
		goto out;
	for (; started < cfg->threads; started++)
		if (pthread_create(&threads[started], NULL, worker_main, &loop) != 0)
			break;
	while (atomic_load(&loop.ready) + atomic_load(&loop.failed) < started)
		usleep(1000);
	if (started < cfg->threads || atomic_load(&loop.failed) > 0) {
		log_msg(LOG_LEVEL_ERROR, "event=workers_failed started=%ld failed=%d",
		    started, atomic_load(&loop.failed));
		goto stop;
	}

	log_msg(LOG_LEVEL_INFO, "event=start version=%s threads=%ld db=%s", PACKAGE_VERSION,
	    cfg->threads, cfg->db_path);
	while (sigwait(&stop_signals, &sig) != 0)
		;
	log_msg(LOG_LEVEL_INFO, "event=stopping signal=%s", sig == SIGTERM ? "TERM" : "INT");
	rc = 0;
stop:
	/* The pipe stays readable: every worker sees it on its next poll(). */
	if (write(loop.stop_pipe[1], "x", 1) < 0)
		log_msg(LOG_LEVEL_ERROR, "event=stop_failed msg=%s", strerror(errno));
	for (long i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (rc == 0)
		log_msg(LOG_LEVEL_INFO, "event=stop");
out:
	free(threads);
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
