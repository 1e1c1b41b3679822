/*
 * fcgi_loop.h - the request loop every service runs: find the FastCGI
 * listening socket (--listen, systemd's LISTEN_FDS, or fd 0 as systemd's
 * StandardInput=socket and spawn-fcgi hand it over), accept connections and
 * keep them (nginx's FastCGI keepalive), run N worker threads (--threads
 * and the service's wait_threads, settings.h) that each own the service's
 * per-thread state (its database connection) and serve whichever
 * connection has a request, and on SIGTERM/SIGINT tell the service
 * (fcgi_service.stopping), stop accepting, let requests in flight finish,
 * close idle connections, and return.
 */
#ifndef MICROSHOP_FCGI_LOOP_H
#define MICROSHOP_FCGI_LOOP_H

#include <stddef.h>

#include "fcgi_service.h"
#include "settings.h"


/*
 * Serve until SIGTERM or SIGINT. Returns 0 after a clean stop, or -1 when
 * the service could not start (the reason is logged).
 */
int fcgi_loop_run(const struct svc_config *cfg, const struct fcgi_service *svc);

#endif
