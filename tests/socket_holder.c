/*
 * socket_holder.c - what systemd does for a socket-activated service, small
 * enough for script/server and the tests: bind and listen on the service's
 * socket once, run the service with it as fd 3 (LISTEN_FDS=1, LISTEN_PID),
 * and keep the socket while the service is started again. Connections that
 * arrive while no process serves wait in the socket's backlog, as they do
 * under systemd; only the requests the old process had already taken are
 * lost when it is killed.
 *
 *   socket_holder [--restart SECONDS] [--stop-timeout SECONDS]
 *                 [--start-limit-burst N] [--name NAME]
 *                 ADDR PIDFILE -- COMMAND [ARG]...
 *
 * ADDR is unix:/path (made mode 0660, removed at exit; a socket left there
 * is replaced, anything else is not touched) or HOST:PORT, as the
 * services' --listen. The current service pid is written to PIDFILE at
 * each start; PIDFILE is removed at exit.
 *
 * SIGHUP: restart the service (stop it, start it again). SIGTERM or
 * SIGINT: stop the service for good and exit with its status (128 + the
 * signal's number when a signal ended it, as the shell counts). To stop
 * is SIGTERM, and SIGKILL when the service has not exited --stop-timeout
 * SECONDS later (default 10), as systemd's TimeoutStopSec= does (a line on
 * stderr says so). A service that exits by itself: without --restart, the
 * holder exits with its status; with --restart, it is started again
 * SECONDS later on the same socket, whatever its status, as systemd's
 * Restart= and RestartSec= do (a line on stderr says so), unless the
 * process that started the holder is gone (the stack it belonged to is
 * going away), or unless it has exited --start-limit-burst N times
 * (default 5; 0: no limit) within 10 s: then the holder gives up, as
 * systemd's StartLimitBurst= and StartLimitIntervalSec=10s do, says so,
 * and exits with the service's status (1 if that was 0). The starts
 * SIGHUP asks for do not count.
 *
 * The service starts as systemd starts one: every signal at its default
 * and none blocked, whatever the holder inherited, and SIGTERM when the
 * holder dies (a holder that is killed leaves no service behind).
 *
 * script/lib/stack.sh runs each service of script/server under one
 * (STACK_SUPERVISE=1); tests/integration/restart.test restarts services
 * with SIGHUP; tests/holder/holder.test checks the rest.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3
#define BACKLOG 1024
/*
 * The units' TimeoutStopSec=10, and systemd's default start limit
 * (DefaultStartLimitBurst=5 in DefaultStartLimitIntervalSec=10s).
 */
#define STOP_TIMEOUT_MS 10000
#define START_LIMIT_BURST 5
#define START_LIMIT_INTERVAL_MS 10000

struct holder {
	const char *addr;	/* ADDR as given */
	const char *unix_path;	/* its path for unix:, else NULL */
	const char *pidfile;
	const char *name;	/* in messages: --name, else the command's */
	char **argv;		/* the service's command */
	long restart_ms;	/* --restart, in ms; -1: none */
	long stop_ms;		/* --stop-timeout, in ms */
	long start_limit;	/* --start-limit-burst; 0: none */
	long window_ms;		/* when the start limit's window began; -1: none yet */
	long window_exits;	/* the service's exits in that window */
	pid_t parent;		/* who started the holder */
	pid_t self;		/* the holder */
	int fd;			/* the listening socket */
	pid_t pid;		/* the service, or -1 */
};

static int
usage(void)
{
	fprintf(stderr, "usage: socket_holder [--restart SECONDS] [--stop-timeout SECONDS]\n"
	    "                     [--start-limit-burst N] [--name NAME]\n"
	    "                     ADDR PIDFILE -- COMMAND [ARG]...\n"
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

/* A whole number from 0 to 1000, or -1. */
static long
parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 1000)
		return -1;
	return v;
}

/* One option and its value into h: 0, or -1 with a message. */
static int
parse_option(const char *opt, const char *value, struct holder *h)
{
	const char *want = NULL;

	if (strcmp(opt, "--restart") == 0) {
		h->restart_ms = parse_seconds(value);
		if (h->restart_ms < 0)
			want = "a number of seconds (0 to 3600)";
	} else if (strcmp(opt, "--stop-timeout") == 0) {
		/* 0 would be no time at all to stop; systemd reads it as never. */
		h->stop_ms = parse_seconds(value);
		if (h->stop_ms <= 0)
			want = "a number of seconds (more than 0, at most 3600)";
	} else if (strcmp(opt, "--start-limit-burst") == 0) {
		h->start_limit = parse_count(value);
		if (h->start_limit < 0)
			want = "a whole number (0 to 1000)";
	} else if (strcmp(opt, "--name") == 0) {
		h->name = value;
	} else {
		fprintf(stderr, "socket_holder: unknown option %s\n", opt);
		return -1;
	}
	if (want != NULL) {
		fprintf(stderr, "socket_holder: %s: not %s: %s\n", opt, want, value);
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv, struct holder *h)
{
	int i = 1;

	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'; i += 2)
		if (parse_option(argv[i], argv[i + 1], h) != 0)
			return -1;
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

/*
 * unix:PATH bound and listening, mode 0660, or -1. A socket at PATH is one
 * a holder that was killed left, and is replaced; anything else there is
 * a mistake in PATH, and is left alone. A failure leaves nothing at PATH.
 */
static int
listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = -1, bound = 0;

	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket_holder: not an absolute path that fits a "
		    "socket address: %s\n", path);
		return -1;
	}
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "socket_holder: %s: there and not a socket; "
		    "not replaced\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	bound = 1;
	if (chmod(path, 0660) != 0 || listen(fd, BACKLOG) != 0)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "socket_holder: %s: %s\n", path, strerror(errno));
	if (bound)
		unlink(path);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* HOST:PORT (HOST may be [IPv6]): bound and listening, or -1. */
static int
listen_tcp(const char *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	const char *colon = strrchr(addr, ':');
	const char *start = addr;
	char host[256];
	int fd = -1, one = 1, rc;
	size_t len;

	if (colon == NULL || colon == addr || colon[1] == '\0') {
		fprintf(stderr, "socket_holder: expected unix:/path or HOST:PORT: %s\n", addr);
		return -1;
	}
	len = (size_t)(colon - addr);
	if (addr[0] == '[' && colon[-1] == ']') {
		start = addr + 1;
		len -= 2;
	}
	if (len >= sizeof(host)) {
		fprintf(stderr, "socket_holder: host too long: %s\n", addr);
		return -1;
	}
	memcpy(host, start, len);
	host[len] = '\0';
	rc = getaddrinfo(host, colon + 1, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "socket_holder: %s: %s\n", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0) {
		fprintf(stderr, "socket_holder: %s: %s\n", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Write pid to path whole (a reader never sees half of it): 0, or -1 with
 * a message and neither path.tmp nor path left (an older pid there would
 * name a process that is gone, or another one).
 */
static int
pidfile_write(const char *path, pid_t pid)
{
	char tmp[4096];
	const char *failed = tmp;
	FILE *f;
	int made = 0, n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		failed = path;
		goto fail;
	}
	f = fopen(tmp, "w");
	if (f == NULL)
		goto fail;
	made = 1;
	n = fprintf(f, "%ld\n", (long)pid);
	if (fclose(f) != 0 || n < 0)
		goto fail;
	failed = path;
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "socket_holder: pid file %s: %s\n", failed, strerror(errno));
	if (made)
		unlink(tmp);
	unlink(path);
	return -1;
}

/*
 * In the child: become the service, started as systemd starts one. Every
 * signal at its default and none blocked: a SIG_IGN is kept across exec
 * (the shell's SIGINT and SIGQUIT in a background job, the holder's
 * SIGPIPE), and a program that counts on a default (Ctrl-C's, a closed
 * pipe's) would not get it. SIGTERM when the holder dies: else a killed
 * holder left the service running with the socket, and nothing would ever
 * stop it. The socket as fd 3. Never returns.
 */
static void
service_exec(const struct holder *h)
{
	char pidbuf[32];
	sigset_t none;
	int sig;

	for (sig = 1; sig <= SIGRTMAX; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);	/* fails only for the C library's own */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The holder may have died before prctl: then nothing will come. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != h->self)
		_exit(1);
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

/* Start the service with the socket as its fd 3, as systemd passes one. */
static pid_t
service_start(const struct holder *h)
{
	pid_t pid = fork();

	if (pid == 0)
		service_exec(h);
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

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * Wait up to ms for the service to exit: 1 with its wait status in
 * *wstatus, or 0. SIGCHLD is blocked: it is waited for here, the other
 * signals stay pending for the main loop.
 */
static int
service_wait(pid_t pid, long ms, int *wstatus)
{
	long deadline = now_ms() + ms;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		long left = deadline - now_ms();
		struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = left % 1000 * 1000000 };
		pid_t got = waitpid(pid, wstatus, WNOHANG);

		if (got == pid)
			return 1;
		if (got < 0 && errno == ECHILD)
			return 1;	/* reaped already: nothing to wait for, nor to kill */
		if (left <= 0)
			return 0;
		sigtimedwait(&chld, NULL, &ts);
	}
}

/*
 * Stop the service, as systemd does: SIGTERM, and SIGKILL when it has not
 * exited stop_ms later (one that hangs in its shutdown would hang the
 * holder, and the stack stopping it, for ever). Its status.
 */
static int
service_stop(const struct holder *h)
{
	int wstatus = 0;

	kill(h->pid, SIGTERM);
	if (service_wait(h->pid, h->stop_ms, &wstatus))
		return exit_status(wstatus);
	fprintf(stderr, "socket_holder: %s did not exit within %g s of SIGTERM; "
	    "SIGKILL\n", h->name, h->stop_ms / 1000.0);
	kill(h->pid, SIGKILL);
	while (waitpid(h->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	return exit_status(wstatus);
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
 * Count an exit of the service against the start limit: 1 when it is the
 * start_limit-th in START_LIMIT_INTERVAL_MS. The window begins at the
 * first exit after the last one ended, as systemd's does.
 */
static int
start_limit_hit(struct holder *h)
{
	long now = now_ms();

	if (h->start_limit == 0)
		return 0;
	if (h->window_ms < 0 || now - h->window_ms >= START_LIMIT_INTERVAL_MS) {
		h->window_ms = now;
		h->window_exits = 0;
	}
	return ++h->window_exits >= h->start_limit;
}

/*
 * The service exited by itself with *status: 1 when it is started again
 * (after --restart), 0 when the holder is to exit with *status. A service
 * that fails at once would else be started every --restart for ever.
 */
static int
service_exited(struct holder *h, const sigset_t *sigs, int *status)
{
	h->pid = -1;
	if (h->restart_ms < 0 || getppid() != h->parent)
		return 0;
	if (start_limit_hit(h)) {
		fprintf(stderr, "socket_holder: %s exited (status %d), %ld times within "
		    "%d s; not restarting it (start limit)\n", h->name, *status,
		    h->window_exits, START_LIMIT_INTERVAL_MS / 1000);
		if (*status == 0)
			*status = 1;
		return 0;
	}
	fprintf(stderr, "socket_holder: %s exited (status %d); restarting in %g s "
	    "on the same socket\n", h->name, *status, h->restart_ms / 1000.0);
	if (restart_wait(h, sigs) != 0)
		return 0;
	h->pid = service_start(h);
	return h->pid > 0;
}

/*
 * The holder's signals. SIGHUP, SIGINT and SIGTERM are blocked and waited
 * for, and SIGCHLD (an inherited SIG_IGN would reap the service itself).
 * Each is set to its default first: the shell starts a background job
 * with SIGINT and SIGQUIT ignored (stack_spawn's `&`), and POSIX leaves
 * open whether an ignored signal stays pending while blocked, for sigwait
 * to take (Linux keeps it; a system that drops it would never stop on
 * SIGINT). SIGQUIT is set back too, to do what it does to any program (the
 * service then gets SIGTERM). SIGPIPE is ignored: stderr may be a pipe to
 * a tee that is gone (MICROSHOP_LOG_TTY), and a message must not kill the
 * holder.
 */
static void
signals_setup(sigset_t *sigs)
{
	static const int waited[] = { SIGHUP, SIGINT, SIGTERM, SIGCHLD };
	size_t i;

	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(sigs);
	for (i = 0; i < sizeof(waited) / sizeof(waited[0]); i++) {
		signal(waited[i], SIG_DFL);
		sigaddset(sigs, waited[i]);
	}
	sigprocmask(SIG_BLOCK, sigs, NULL);
}

int
main(int argc, char **argv)
{
	struct holder h = { .restart_ms = -1, .stop_ms = STOP_TIMEOUT_MS,
	    .start_limit = START_LIMIT_BURST, .window_ms = -1, .fd = -1, .pid = -1,
	    .parent = getppid(), .self = getpid() };
	sigset_t sigs;
	int status = 1, sig, wstatus;

	if (parse_args(argc, argv, &h) != 0)
		return usage();
	signals_setup(&sigs);

	h.fd = h.unix_path != NULL ? listen_unix(h.unix_path) : listen_tcp(h.addr);
	if (h.fd < 0)
		goto out;
	h.pid = service_start(&h);
	while (h.pid > 0) {
		if (sigwait(&sigs, &sig) != 0)
			break;
		if (sig == SIGHUP) {
			status = service_stop(&h);
			h.pid = service_start(&h);
		} else if (sig == SIGCHLD) {
			if (waitpid(h.pid, &wstatus, WNOHANG) != h.pid)
				continue;
			status = exit_status(wstatus);
			if (!service_exited(&h, &sigs, &status))
				break;
		} else {
			status = service_stop(&h);
			h.pid = -1;
		}
	}
out:
	/* Only a failed sigwait leaves it running: it must not outlive us. */
	if (h.pid > 0)
		status = service_stop(&h);
	if (h.fd >= 0) {
		close(h.fd);
		if (h.unix_path != NULL)
			unlink(h.unix_path);
		unlink(h.pidfile);
	}
	return status;
}
