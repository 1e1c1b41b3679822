/*
 * socket_holder.c - what systemd does for a socket-activated service, small
 * enough for script/server and the tests: bind and listen on the service's
 * socket once, run the service with it as fd 3 (LISTEN_FDS=1, LISTEN_PID),
 * and keep the socket while the service is started again. Connections that
 * arrive while no process serves wait in the socket's backlog, as they do
 * under systemd; only the requests the old process had already taken are
 * lost when it is killed.
 *
 *   socket_holder [--restart SECONDS] [--name NAME] ADDR PIDFILE -- COMMAND [ARG]...
 *
 * ADDR is unix:/path (made mode 0660, removed at exit) or HOST:PORT, as the
 * services' --listen. The current service pid is written to PIDFILE at each
 * start; PIDFILE is removed at exit.
 *
 * SIGHUP: restart the service (SIGTERM, wait for it to exit, start it
 * again). SIGTERM or SIGINT: stop the service for good and exit with its
 * status (128 + the signal's number when a signal ended it, as the shell
 * counts). A service that exits by itself: without --restart, the holder
 * exits with its status; with --restart, it is started again SECONDS later
 * on the same socket, whatever its status, as systemd's Restart= and
 * RestartSec= do (a line on stderr says so), unless the process that
 * started the holder is gone (the stack it belonged to is going away).
 *
 * script/lib/stack.sh runs each service of script/server under one
 * (STACK_SUPERVISE=1); tests/integration/restart.test restarts services
 * with SIGHUP.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3
#define BACKLOG 1024

struct holder {
	const char *addr;	/* ADDR as given */
	const char *unix_path;	/* its path for unix:, else NULL */
	const char *pidfile;
	const char *name;	/* in messages: --name, else the command's */
	char **argv;		/* the service's command */
	long restart_ms;	/* --restart, in ms; -1: none */
	pid_t parent;		/* who started the holder */
	int fd;			/* the listening socket */
	pid_t pid;		/* the service, or -1 */
};

static int
usage(void)
{
	fprintf(stderr, "usage: socket_holder [--restart SECONDS] [--name NAME] "
	    "ADDR PIDFILE -- COMMAND [ARG]...\n"
	    "  ADDR: unix:/path or HOST:PORT\n");
	return 2;
}

/* SECONDS (0 to 3600, a decimal fraction allowed) in ms, or -1. */
static long
parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= 3600))
		return -1;
	return (long)(v * 1000 + 0.5);
}

static int
parse_args(int argc, char **argv, struct holder *h)
{
	int i = 1;

	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i += 2) {
		if (strcmp(argv[i], "--restart") == 0) {
			h->restart_ms = parse_seconds(argv[i + 1]);
			if (h->restart_ms < 0) {
				fprintf(stderr, "socket_holder: --restart: not a number of "
				    "seconds (0 to 3600): %s\n", argv[i + 1]);
				return -1;
			}
		} else if (strcmp(argv[i], "--name") == 0) {
			h->name = argv[i + 1];
		} else {
			return -1;
		}
	}
	if (argc - i < 4 || strcmp(argv[i + 2], "--") != 0)
		return -1;
	h->addr = argv[i];
	h->pidfile = argv[i + 1];
	h->argv = argv + i + 3;
	if (h->name == NULL) {
		const char *slash = strrchr(h->argv[0], '/');

		h->name = slash != NULL ? slash + 1 : h->argv[0];
	}
	if (strncmp(h->addr, "unix:", 5) == 0)
		h->unix_path = h->addr + 5;
	return 0;
}

static int
listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket_holder: not an absolute path that fits a "
		    "socket address: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, BACKLOG) != 0) {
		fprintf(stderr, "socket_holder: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* HOST:PORT (HOST may be [IPv6]): bound and listening, or -1. */
static int
listen_tcp(const char *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	const char *colon = strrchr(addr, ':');
	char host[256];
	int fd = -1, one = 1, rc;
	size_t len;

	if (colon == NULL || colon == addr || colon[1] == '\0') {
		fprintf(stderr, "socket_holder: expected unix:/path or HOST:PORT: %s\n", addr);
		return -1;
	}
	len = (size_t)(colon - addr);
	if (addr[0] == '[' && colon[-1] == ']') {
		addr++;
		len -= 2;
	}
	if (len >= sizeof(host)) {
		fprintf(stderr, "socket_holder: host too long: %s\n", addr);
		return -1;
	}
	memcpy(host, addr, len);
	host[len] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "socket_holder: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0) {
		fprintf(stderr, "socket_holder: %s:%s: %s\n", host, colon + 1, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Write pid to path whole (a reader never sees half of it). */
static void
pidfile_write(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%ld\n", (long)pid);
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* Start the service with the socket as its fd 3, as systemd passes one. */
static pid_t
service_start(const struct holder *h)
{
	pid_t pid = fork();

	if (pid == 0) {
		char pidbuf[32];
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (h->fd != SD_LISTEN_FDS_START) {
			dup2(h->fd, SD_LISTEN_FDS_START);
			close(h->fd);
		}
		snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
		setenv("LISTEN_PID", pidbuf, 1);
		setenv("LISTEN_FDS", "1", 1);
		execvp(h->argv[0], h->argv);
		fprintf(stderr, "socket_holder: %s: %s\n", h->argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "socket_holder: fork: %s\n", strerror(errno));
	else
		pidfile_write(h->pidfile, pid);
	return pid;
}

/* A wait status as the shell counts it: the exit code, or 128 + signal. */
static int
exit_status(int wstatus)
{
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

static int
service_stop(pid_t pid)
{
	int wstatus = 0;

	kill(pid, SIGTERM);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	return exit_status(wstatus);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * Wait out --restart. Returns 0 when the service is to start again (the
 * time is up, or a SIGHUP asked for it now), or the SIGTERM or SIGINT that
 * stops the holder instead.
 */
static int
restart_wait(const struct holder *h, const sigset_t *sigs)
{
	long deadline = now_ms() + h->restart_ms;

	for (;;) {
		long left = deadline - now_ms();
		struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = left % 1000 * 1000000 };
		int sig;

		if (left <= 0)
			return 0;
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP || (sig < 0 && errno == EAGAIN))
			return 0;
	}
}

/*
 * The service exited by itself with wstatus: 1 when it is started again
 * (after --restart), 0 when the holder is to exit.
 */
static int
service_exited(struct holder *h, const sigset_t *sigs, int status)
{
	h->pid = -1;
	if (h->restart_ms < 0 || getppid() != h->parent)
		return 0;
	fprintf(stderr, "socket_holder: %s exited (status %d); restarting in %g s "
	    "on the same socket\n", h->name, status, h->restart_ms / 1000.0);
	if (restart_wait(h, sigs) != 0)
		return 0;
	h->pid = service_start(h);
	return h->pid > 0;
}

int
main(int argc, char **argv)
{
	struct holder h = { .restart_ms = -1, .fd = -1, .pid = -1, .parent = getppid() };
	sigset_t sigs;
	int status = 1, sig, wstatus;

	if (parse_args(argc, argv, &h) != 0)
		return usage();
	/* Children are waited for here: an inherited SIG_IGN would reap them. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	h.fd = h.unix_path != NULL ? listen_unix(h.unix_path) : listen_tcp(h.addr);
	if (h.fd < 0)
		goto out;
	h.pid = service_start(&h);
	while (h.pid > 0) {
		if (sigwait(&sigs, &sig) != 0)
			break;
		if (sig == SIGHUP) {
			status = service_stop(h.pid);
			h.pid = service_start(&h);
		} else if (sig == SIGCHLD) {
			if (waitpid(h.pid, &wstatus, WNOHANG) != h.pid)
				continue;
			status = exit_status(wstatus);
			if (!service_exited(&h, &sigs, status))
				break;
		} else {
			status = service_stop(h.pid);
			h.pid = -1;
		}
	}
out:
	if (h.fd >= 0) {
		close(h.fd);
		if (h.unix_path != NULL)
			unlink(h.unix_path);
		unlink(h.pidfile);
	}
	return status;
}
