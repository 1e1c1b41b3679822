/*
 * main.c - microshop-user: read the settings, bring the database schema up
 * to date, then serve /user until SIGTERM.
 */
#include <stdlib.h>

#include "config.h"
#include "db.h"
#include "fcgi_loop.h"
#include "log.h"
#include "user_api.h"
#include "user_store.h"

int
main(int argc, char **argv)
{
	struct svc_config cfg;

	config_defaults(&cfg, "user", "/var/lib/microshop-user/user.db");
	switch (config_parse(&cfg, NULL, 0, argc, argv)) {
	case CONFIG_OK:
		break;
	case CONFIG_EXIT_SUCCESS:
		return EXIT_SUCCESS;
	case CONFIG_EXIT_FAILURE:
		return EXIT_FAILURE;
	}
	log_init("user", cfg.log_level);

	if (db_migrate(&cfg, user_store_migrations, user_store_n_migrations) < 0)
		return EXIT_FAILURE;

	return fcgi_loop_run(&cfg, &user_service) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
