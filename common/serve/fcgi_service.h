/*
 * fcgi_service.h - how a service serves a request, to the request loop
 * (fcgi_loop.h) and dispatch (dispatch.h): its routes (router.h), the
 * state each worker thread owns (made and released by the service), its
 * check that a user token is still current (auth.h), the read transaction
 * around a route marked .snapshot, and what it ends when it begins to stop.
 */
#ifndef MICROSHOP_FCGI_SERVICE_H
#define MICROSHOP_FCGI_SERVICE_H

#include <stddef.h>

#include "auth.h"
#include "router.h"
#include "settings.h"

struct fcgi_service {
	const struct route *routes;
	size_t n_routes;
	/* Per-thread state (e.g. a database connection); NULL on failure. */
	void *(*thread_init)(const struct svc_config *cfg);
	/* Release what thread_init made. Accepts NULL. */
	void (*thread_fini)(void *ctx);
	/* Whether a user token is still current (auth.h); NULL: no check. */
	auth_session_check *session_check;
	/*
	 * Around a request whose route is marked .snapshot (router.h), from
	 * before the token's session check to after the handler: begin a read
	 * transaction (0 when one is open, else -1, and the reads go on alone)
	 * and end it. NULL: the reads of a request are each a transaction.
	 */
	int (*snapshot_begin)(struct http_request *req);
	void (*snapshot_end)(struct http_request *req);
	/*
	 * Called once when SIGTERM or SIGINT begins the stop, before the loop
	 * waits for the workers to finish their requests: ends what makes a
	 * request wait on purpose (the user service's long polls), so that
	 * the stop does not wait for it. NULL: nothing to end.
	 */
	void (*stopping)(void);
};

#endif
