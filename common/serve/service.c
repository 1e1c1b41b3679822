/*
 * service.c - the start-up sequence every service runs; see service.h.
 */
#include <stdlib.h>

#include "auth.h"
#include "db.h"
#include "fcgi_loop.h"
#include "log.h"
#include "service.h"
#include "settings.h"

/* Steps 1 to 4 of service.h: EXIT_* to exit with, or SERVICE_SERVE. */
static int
service_prepare(const struct service *svc, struct svc_config *cfg, int argc, char **argv)
{
	settings_defaults(cfg, svc->name, svc->db_path);
	if (svc->threads_by_configure)
		cfg->threads = 0;
	else if (svc->threads_per_cpu > 1)	/* settings_defaults: one per CPU */
		cfg->threads = cfg->threads * svc->threads_per_cpu > CONFIG_THREADS_MAX ?
		    CONFIG_THREADS_MAX : cfg->threads * svc->threads_per_cpu;
	cfg->own = svc->own;
	switch (settings_parse(cfg, svc->options, svc->n_options, argc, argv)) {
	case CONFIG_OK:
		break;
	case CONFIG_EXIT_SUCCESS:
		return EXIT_SUCCESS;
	case CONFIG_EXIT_FAILURE:
		return EXIT_FAILURE;
	}
	log_init(svc->name, cfg->log_level);
	if (svc->configure != NULL && svc->configure(cfg) < 0)
		return EXIT_FAILURE;
	if (db_migrate(&cfg->db, svc->schema) < 0)
		return EXIT_FAILURE;
	if (cfg->migrate_only)
		return EXIT_SUCCESS;
	return svc->command != NULL ? svc->command(cfg) : SERVICE_SERVE;
}

int
service_main(const struct service *svc, int argc, char **argv)
{
	struct svc_config cfg;
	int rc = service_prepare(svc, &cfg, argc, argv);

	if (rc != SERVICE_SERVE)
		return rc;
	if (auth_keys_load(&cfg, svc->key_use) < 0 || db_batch_start(&cfg.db, svc->schema) < 0)
		return EXIT_FAILURE;
	if (svc->start != NULL && svc->start(&cfg) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	rc = fcgi_loop_run(&cfg, svc->serving) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	/* The service's own threads may write until it stops them. */
	if (svc->stop != NULL)
		svc->stop(&cfg);
out:
	db_batch_stop(&cfg.db);
	db_stop(&cfg.db);
	return rc;
}
