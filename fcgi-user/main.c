/*
 * main.c - microshop-user: read the settings and the token keys, bring the
 * database schema up to date, then serve /user until SIGTERM; or, with
 * --create-admin EMAIL, make an admin and exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "auth.h"
#include "settings.h"
#include "db.h"
#include "fcgi_loop.h"
#include "hash_slots.h"
#include "log.h"
#include "login_throttle.h"
#include "password.h"
#include "user_api.h"
#include "user_store.h"

int
main(int argc, char **argv)
{
	struct svc_config cfg;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pwhash_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t pwhash_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	long hash_slots = cpus > 0 ? cpus : 1, hash_wait_ms = 2000;
	const char *create_admin = NULL;
	const struct config_option options[] = {
		{ "pwhash-ops", CONFIG_INT, &pwhash_ops, 1, 100, "N",
		  "Argon2id passes over memory (default 2, libsodium's INTERACTIVE)", NULL },
		{ "pwhash-mem", CONFIG_SIZE, &pwhash_mem, 8 * 1024, 1024L * 1024 * 1024, "BYTES",
		  "Argon2id memory per hash, k/m suffixes allowed (default 64m)", NULL },
		{ "hash-slots", CONFIG_INT, &hash_slots, 1, 1024, "N",
		  "password hashes computed at once (default: number of CPUs); at most "
		  "twice as many threads hash or wait, and never all of them", NULL },
		{ "hash-wait", CONFIG_INT, &hash_wait_ms, 0, 60000, "MS",
		  "how long a signup or login waits for a hash slot before 503 "
		  "(default 2000)", NULL },
		{ "create-admin", CONFIG_STRING, &create_admin, 0, 0, "EMAIL",
		  "create an admin with this email, the password read from standard "
		  "input, and exit", NULL },
	};
	struct password_config pc;
	int rc;

	settings_defaults(&cfg, "user", "/var/lib/microshop-user/user.db");
	cfg.threads = 0;	/* chosen below, once --hash-slots is known */
	switch (settings_parse(&cfg, options, sizeof(options) / sizeof(options[0]), argc, argv)) {
	case CONFIG_OK:
		break;
	case CONFIG_EXIT_SUCCESS:
		return EXIT_SUCCESS;
	case CONFIG_EXIT_FAILURE:
		return EXIT_FAILURE;
	}
	log_init("user", cfg.log_level);

	/*
	 * Password work (hashing, or waiting for a slot) holds a worker thread,
	 * so it may take at most 2 x --hash-slots threads (a slot's hash and one
	 * waiting for it), and never all of them: by default the service runs
	 * that many threads more than one per CPU, so that reads keep one
	 * thread per CPU whatever logins do (hash_slots_plan). (More threads
	 * cost reads: on 2 cores GET /user/{id} went from 52 000/s with 2
	 * threads to 49 000 with 6 and 40 000 with 10.)
	 */
	if (hash_slots_plan(cpus, hash_slots, CONFIG_THREADS_MAX, &cfg.threads, &pc.slots) < 0) {
		fprintf(stderr, "--hash-slots %ld needs %ld worker threads (one per CPU and %d "
		    "per slot), more than the %d a service runs: lower --hash-slots, or "
		    "set --threads\n", hash_slots, cfg.threads, HASH_WORKERS_PER_SLOT,
		    CONFIG_THREADS_MAX);
		return EXIT_FAILURE;
	}
	pc.slots.wait_ms = hash_wait_ms;
	pc.opslimit = (unsigned long long)pwhash_ops;
	pc.memlimit = pwhash_mem;
	if (password_init(&pc) < 0 || login_throttle_init() < 0)
		return EXIT_FAILURE;
	if (db_migrate(&cfg.db, &user_store_schema) < 0)
		return EXIT_FAILURE;
	if (cfg.migrate_only)
		return EXIT_SUCCESS;
	if (create_admin != NULL)
		return admin_create(&cfg, create_admin, stdin) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	/* Without its keys a service would take no token: it does not start.
	 * Its private key signs user tokens. */
	if (auth_keys_load(&cfg, KEY_USER_TOKENS) < 0)
		return EXIT_FAILURE;

	rc = fcgi_loop_run(&cfg, &user_service);
	db_stop(&cfg.db);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
