/*
 * service.h - how a service starts: its name, its database schema, which
 * tokens its key signs, its own options and settings, the steps only it
 * takes; and the one start-up sequence every service's main() runs from
 * that description (service_main). How it serves a request is
 * fcgi_service.h.
 */
#ifndef MICROSHOP_SERVICE_H
#define MICROSHOP_SERVICE_H

#include <stddef.h>

#include "db.h"
#include "fcgi_service.h"
#include "keyring.h"
#include "settings.h"

/* What a service's command step answers when the service should go on. */
#define SERVICE_SERVE (-1)

/*
 * How a service starts. service_main runs, in this order:
 *   1. the settings: every service's (settings.h) and the service's own
 *      options, which fill its own settings (own); a handler reaches them
 *      as req->cfg->own, a thread_init as cfg->own;
 *   2. the log (log_init), then configure: derive and check what the
 *      options alone could not (-1: exit with failure);
 *   3. the schema migrated (db_migrate), and --migrate exits here;
 *   4. command: a one-shot job instead of serving (an exit status, or
 *      SERVICE_SERVE to go on);
 *   5. the token keys (auth_keys_load): without them a service would take
 *      no token, so it does not start;
 *   6. start: what serving needs besides keys (-1: exit with failure);
 *   7. serving until SIGTERM (fcgi_loop_run), then the database's clean
 *      stop (db_stop) and stop, which undoes start.
 * Each hook may be NULL.
 */
struct service {
	const char *name;		/* "user": its logs, metrics and version */
	const char *db_path;		/* the production database file */
	/* 1: --threads has no default (cfg->threads is 0 unless given), for
	 * configure to choose; 0: threads_per_cpu worker threads per CPU. */
	int threads_by_configure;
	int threads_per_cpu;		/* 0 is 1 */
	const struct db_schema *schema;
	enum key_use key_use;		/* what this service's private key signs */
	const struct fcgi_service *serving;
	const struct config_option *options;	/* the service's own options */
	size_t n_options;
	void *own;			/* the settings they fill */
	int (*configure)(struct svc_config *cfg);
	int (*command)(const struct svc_config *cfg);
	int (*start)(const struct svc_config *cfg);
	void (*stop)(const struct svc_config *cfg);
};

/* Run svc from its command line; returns main()'s exit status. */
int service_main(const struct service *svc, int argc, char **argv);

#endif
