/*
 * config.h - a service's settings, built once at start from command-line
 * flags and environment variables (flag wins), defaulted, validated. A bad
 * value stops the service with a message naming it.
 *
 * Every option is `--name VALUE` (or `--name=VALUE`) and the environment
 * variable MICROSHOP_NAME (upper case, '-' as '_'), so that a systemd
 * EnvironmentFile= can set it.
 */
#ifndef MICROSHOP_CONFIG_H
#define MICROSHOP_CONFIG_H

#include <stddef.h>

#include "log.h"
#include "peers.h"

struct token_rules;

/*
 * The most worker threads a service runs (--threads, or the user service's
 * own figure): the idempotency registry has a place for each.
 */
#define CONFIG_THREADS_MAX 1024

enum config_kind {
	CONFIG_STRING,		/* dst: const char *; borrowed from argv/environ */
	CONFIG_INT,		/* dst: long, within [min, max] */
	CONFIG_SIZE,		/* dst: size_t, bytes with optional k/m suffix */
	CONFIG_LOG_LEVEL,	/* dst: enum log_level */
	CONFIG_BOOL,		/* dst: int; a flag, or true/false/1/0 in env */
	CONFIG_SYNCHRONOUS,	/* dst: int; "full" 1, "normal" 0 */
	CONFIG_DB,		/* dst: struct svc_config; see config_db_parse */
	CONFIG_PEERS		/* dst: struct peer_list; see peers_parse */
};

enum db_engine {
	DB_SQLITE,		/* db_path is a file */
	DB_POSTGRESQL		/* db_path is a libpq connection URI */
};

struct config_option {
	const char *name;	/* "listen" -> --listen, MICROSHOP_LISTEN */
	enum config_kind kind;
	void *dst;
	long min, max;		/* CONFIG_INT and CONFIG_SIZE */
	const char *arg;	/* how --help names the value */
	const char *help;
};

/* The settings every service has. */
struct svc_config {
	const char *service;	/* "user", "order" */
	const char *listen;	/* unix:/path or HOST:PORT; NULL: inherited */
	struct peer_list allow_peers;	/* who may connect over TCP */
	long threads;
	const char *db_path;	/* the file, or the URI without "sqlite:" */
	enum db_engine db_engine;
	size_t max_body;
	long json_max_depth;
	enum log_level log_level;
	int synchronous_full;	/* PRAGMA synchronous: FULL (1) or NORMAL (0) */
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
};

/* Fill in the defaults; db_path is the service's production default. */
void config_defaults(struct svc_config *cfg, const char *service,
    const char *db_path);

enum config_result {
	CONFIG_OK,
	CONFIG_EXIT_SUCCESS,	/* --help or --version was answered */
	CONFIG_EXIT_FAILURE	/* a bad flag or value; the message is printed */
};

/*
 * Read a --db value: "sqlite:PATH" or a bare PATH (SQLite), or a libpq
 * URI "postgresql://..." / "postgres://..." (PostgreSQL) that carries no
 * password: a password belongs in PGPASSFILE (default ~/.pgpass), never
 * on a command line that every user of the machine can read. Returns 0,
 * or -1 with *why a static reason.
 */
int config_db_parse(const char *value, enum db_engine *engine, const char **target,
    const char **why);

/*
 * Read the environment, then argv, into cfg and the service's extra
 * options (n_extra of them; may be 0). Messages go to stderr.
 */
enum config_result config_parse(struct svc_config *cfg,
    const struct config_option *extra, size_t n_extra, int argc, char **argv);

#endif
