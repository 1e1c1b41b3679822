/*
 * main.c - microshop-user: its own options (password hashing, the event
 * feed, and --create-admin) and the steps only it takes at start; service_main
 * (service.h) runs the rest: settings, schema, keys, serving /user until
 * SIGTERM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "clock.h"
#include "event_feed.h"
#include "hash_slots.h"
#include "login_throttle.h"
#include "password.h"
#include "service.h"
#include "user_api.h"
#include "user_store.h"

/* The user service's own settings, from its own options. */
struct user_settings {
	long cpus;
	long pwhash_ops;
	size_t pwhash_mem;
	long hash_slots;
	long hash_wait_ms;
	long event_waiters;	/* long polls of the feed at once */
	long event_retention;	/* seconds an event is kept */
	const char *create_admin;	/* EMAIL, or NULL to serve */
};

/*
 * Password work (hashing, or waiting for a slot) holds a worker thread,
 * so it may take at most 2 x --hash-slots threads (a slot's hash and one
 * waiting for it), and never all of them: by default the service runs
 * that many threads more than one per CPU, so that reads keep one thread
 * per CPU whatever logins do (hash_slots_plan). (More threads cost reads:
 * on 2 cores GET /user/{id} went from 52 000/s with 2 threads to 49 000
 * with 6 and 40 000 with 10.)
 */
static int
user_configure(struct svc_config *cfg)
{
	const struct user_settings *us = cfg->own;
	struct password_config pc;

	if (hash_slots_plan(us->cpus, us->hash_slots, CONFIG_THREADS_MAX, &cfg->threads,
	    &pc.slots) < 0) {
		fprintf(stderr, "--hash-slots %ld needs %ld worker threads (one per CPU and %d "
		    "per slot), more than the %d a service runs: lower --hash-slots, or "
		    "set --threads\n", us->hash_slots, cfg->threads, HASH_WORKERS_PER_SLOT,
		    CONFIG_THREADS_MAX);
		return -1;
	}
	/* The feed's long polls get threads of their own, over --threads. */
	if (cfg->threads + us->event_waiters > CONFIG_THREADS_MAX) {
		fprintf(stderr, "--threads %ld and --event-waiters %ld make more than the %d "
		    "worker threads a service runs\n", cfg->threads, us->event_waiters,
		    CONFIG_THREADS_MAX);
		return -1;
	}
	cfg->wait_threads = us->event_waiters;
	pc.slots.wait_ms = us->hash_wait_ms;
	pc.opslimit = (unsigned long long)us->pwhash_ops;
	pc.memlimit = us->pwhash_mem;
	return password_init(&pc) < 0 || login_throttle_init() < 0 ||
	    event_feed_init(us->event_waiters, us->event_retention) < 0 ? -1 : 0;
}

/* The feed's metrics, and its first sweep (docs/events.md: retention). */
static int
user_start(const struct svc_config *cfg)
{
	struct db *db;

	event_feed_metrics_register();
	if ((db = db_open(&cfg->db, &user_store_schema, 0)) == NULL)
		return -1;
	event_feed_sweep(db, clock_ms());
	db_close(db);
	return 0;
}

/* --create-admin EMAIL: make the admin and exit, instead of serving. */
static int
user_command(const struct svc_config *cfg)
{
	const struct user_settings *us = cfg->own;

	if (us->create_admin == NULL)
		return SERVICE_SERVE;
	return admin_create(cfg, us->create_admin, stdin) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main(int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct user_settings us = {
		.cpus = cpus,
		.pwhash_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE,
		.pwhash_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE,
		.hash_slots = cpus > 0 ? cpus : 1,
		.hash_wait_ms = 2000,
		.event_waiters = 2,
		.event_retention = 7 * 24 * 60 * 60,
	};
	const struct config_option options[] = {
		{ "pwhash-ops", CONFIG_INT, &us.pwhash_ops, 1, 100, "N",
		  "Argon2id passes over memory (default 2, libsodium's INTERACTIVE)", NULL },
		{ "pwhash-mem", CONFIG_SIZE, &us.pwhash_mem, 8 * 1024, 1024L * 1024 * 1024, "BYTES",
		  "Argon2id memory per hash, k/m suffixes allowed (default 64m)", NULL },
		{ "hash-slots", CONFIG_INT, &us.hash_slots, 1, 1024, "N",
		  "password hashes computed at once (default: number of CPUs); at most "
		  "twice as many threads hash or wait, and never all of them", NULL },
		{ "hash-wait", CONFIG_INT, &us.hash_wait_ms, 0, 60000, "MS",
		  "how long a signup or login waits for a hash slot before 503 "
		  "(default 2000)", NULL },
		{ "event-waiters", CONFIG_INT, &us.event_waiters, 0, 64, "N",
		  "long polls of GET /user/events that may wait at once, each on a worker "
		  "thread started besides --threads; one more answers at once (default 2)",
		  NULL },
		{ "event-retention", CONFIG_INT, &us.event_retention, 1, 10L * 365 * 24 * 3600,
		  "SECONDS", "how long an event is kept before it is swept; a consumer that "
		  "falls further behind resyncs from the snapshot (default 604800, 7 days)",
		  NULL },
		{ "create-admin", CONFIG_STRING, &us.create_admin, 0, 0, "EMAIL",
		  "create an admin with this email, the password read from standard "
		  "input, and exit", NULL },
	};
	const struct service user = {
		.name = "user",
		.db_path = "/var/lib/microshop-user/user.db",
		.threads_by_configure = 1,	/* user_configure, once --hash-slots is known */
		.schema = &user_store_schema,
		.key_use = KEY_USER_TOKENS,	/* its private key signs user tokens */
		.serving = &user_service,
		.options = options,
		.n_options = sizeof(options) / sizeof(options[0]),
		.own = &us,
		.configure = user_configure,
		.command = user_command,
		.start = user_start,
	};

	return service_main(&user, argc, argv);
}
