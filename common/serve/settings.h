/*
 * settings.h - a service's settings, built once at start from its flags and
 * environment variables (config.h reads them): the ones every service has,
 * and the service's own extra options. A bad value stops the service with
 * a message naming it.
 */
#ifndef MICROSHOP_SETTINGS_H
#define MICROSHOP_SETTINGS_H

#include <stddef.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "peers.h"

struct token_rules;

/*
 * The most worker threads a service runs (--threads, or the user service's
 * own figure): the idempotency registry has a place for each.
 */
#define CONFIG_THREADS_MAX 1024

/* The settings every service has. */
struct svc_config {
	const char *service;	/* "user", "order" */
	const char *listen;	/* unix:/path or HOST:PORT; NULL: inherited */
	struct peer_list allow_peers;	/* who may connect over TCP */
	long threads;
	/*
	 * Worker threads started besides threads, for requests that wait on
	 * purpose (the user service's long polls, --event-waiters): a service
	 * lets at most this many requests wait at once, so that `threads`
	 * workers are always left for the others. Set by a service's
	 * configure (service.h); 0 otherwise.
	 */
	long wait_threads;
	struct db_config db;	/* which database, and how durable */
	size_t max_body;
	long json_max_depth;
	enum log_level log_level;
	int require_if_match;	/* PATCH and DELETE without If-Match: 428 */
	long idempotency_ttl;	/* seconds an Idempotency-Key is remembered */
	int migrate_only;	/* --migrate: update the schema and exit */
	/* Access tokens (auth.h, keyring.h): this service's private key, the
	 * public keys it accepts for user tokens and for service tokens;
	 * NULL: systemd's credentials token-key, user-token-keys and
	 * service-token-keys. */
	const char *token_key_file;
	const char *user_token_keys_file;
	const char *service_token_keys_file;
	long token_ttl;		/* seconds a user token lives, at most */
	const struct token_rules *token_rules; /* loaded by auth_keys_load */
	void *own;		/* the service's own settings (service.h) */
};

/* Fill in the defaults; db_path is the service's production default. */
void settings_defaults(struct svc_config *cfg, const char *service, const char *db_path);

/*
 * Read the environment, then argv, into cfg and the service's extra
 * options (n_extra of them; may be 0). Messages go to stderr.
 */
enum config_result settings_parse(struct svc_config *cfg,
    const struct config_option *extra, size_t n_extra, int argc, char **argv);

#endif
