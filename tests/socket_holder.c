/*
 * socket_holder.c - what systemd does for a socket-activated service, small
 * enough for the tests: bind and listen on a unix socket once, then run the
 * service with it as fd 3 (LISTEN_FDS=1, LISTEN_PID), and keep the socket
 * while the service is restarted. Connections that arrive while no process
 * serves wait in the socket's backlog, as they do under systemd.
 *
 *   socket_holder PATH PIDFILE -- COMMAND [ARG]...
 *
 * SIGHUP: restart the service (SIGTERM, wait for it to exit, start it
 * again). SIGTERM or SIGINT: stop the service and exit with its status. The
 * current service pid is written to PIDFILE at each start.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

static int
listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket_holder: path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, 1024) != 0) {
		fprintf(stderr, "socket_holder: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fd;
}

/* Start argv with fd as its fd 3, as systemd passes a socket. */
static pid_t
service_start(int fd, char **argv, const char *pidfile)
{
	pid_t pid = fork();

	if (pid == 0) {
		char pidbuf[32];
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd != SD_LISTEN_FDS_START) {
			dup2(fd, SD_LISTEN_FDS_START);
			close(fd);
		}
		snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
		setenv("LISTEN_PID", pidbuf, 1);
		setenv("LISTEN_FDS", "1", 1);
		execvp(argv[0], argv);
		fprintf(stderr, "socket_holder: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0) {
		FILE *f = fopen(pidfile, "w");

		if (f != NULL) {
			fprintf(f, "%ld\n", (long)pid);
			fclose(f);
		}
	}
	return pid;
}

static int
service_stop(pid_t pid)
{
	int status = 0;

	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
main(int argc, char **argv)
{
	sigset_t sigs;
	pid_t pid;
	int fd, sig;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: socket_holder PATH PIDFILE -- COMMAND [ARG]...\n");
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	fd = listen_unix(argv[1]);
	if (fd < 0)
		return 1;
	pid = service_start(fd, argv + 4, argv[2]);
	for (;;) {
		int status;

		if (pid < 0 || sigwait(&sigs, &sig) != 0)
			return 1;
		if (sig == SIGHUP) {
			service_stop(pid);
			pid = service_start(fd, argv + 4, argv[2]);
		} else if (sig == SIGCHLD) {
			/* The service exited by itself: the holder goes with it. */
			if (waitpid(pid, &status, WNOHANG) == pid)
				return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		} else {
			status = service_stop(pid);
			unlink(argv[1]);
			return status;
		}
	}
}
