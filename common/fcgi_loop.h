/*
 * fcgi_loop.h - the request loop every service runs: find the FastCGI
 * listening socket (--listen, systemd's LISTEN_FDS, or fd 0 as systemd's
 * StandardInput=socket and spawn-fcgi hand it over), accept connections and
 * keep them (nginx's FastCGI keepalive), run N worker threads that each own
 * the service's per-thread state (its database connection) and serve
 * whichever connection has a request, and on SIGTERM/SIGINT stop accepting,
 * let requests in flight finish, close idle connections, and return.
 */
#ifndef MICROSHOP_FCGI_LOOP_H
#define MICROSHOP_FCGI_LOOP_H

#include <stddef.h>

#include "auth.h"
#include "config.h"
#include "router.h"

struct fcgi_service {
	const struct route *routes;
	size_t n_routes;
	/* Per-thread state (e.g. a database connection); NULL on failure. */
	void *(*thread_init)(const struct svc_config *cfg);
	/* Release what thread_init made. Accepts NULL. */
	void (*thread_fini)(void *ctx);
	/* Whether a user token is still current (auth.h); NULL: no check. */
	auth_session_check *session_check;
};

/*
 * Serve until SIGTERM or SIGINT. Returns 0 after a clean stop, or -1 when
 * the service could not start (the reason is logged).
 */
int fcgi_loop_run(const struct svc_config *cfg, const struct fcgi_service *svc);

#endif
