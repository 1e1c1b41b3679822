/*
 * settings.c - a service's settings from flags and environment; see
 * settings.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"

#define SETTINGS_MAX_OPTIONS 40

/* Group commit's defaults (docs/performance.md has the runs behind them). */
#define SETTINGS_BATCH_WAIT_US 2000
#define SETTINGS_STR(x) SETTINGS_STR_(x)
#define SETTINGS_STR_(x) #x

void
settings_defaults(struct svc_config *cfg, const char *service, const char *db_path)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	cfg->service = service;
	cfg->listen = NULL;
	peers_default(&cfg->allow_peers);
	cfg->threads = cpus > 0 ? cpus : 1;
	cfg->db.service = service;
	cfg->db.path = db_path;
	cfg->db.engine = DB_SQLITE;
	cfg->db.synchronous_full = 1;
	cfg->db.batch_wait_us = SETTINGS_BATCH_WAIT_US;
	cfg->max_body = 64 * 1024;
	cfg->json_max_depth = 32;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->require_if_match = 0;
	cfg->idempotency_ttl = 24 * 60 * 60;
	cfg->token_ttl = 900;
}

static int
peers_option(const char *value, void *dst, const char **why)
{
	return peers_parse(value, dst, why);
}

static int
db_option(const char *value, void *dst, const char **why)
{
	return db_config_parse(value, dst, why);
}

static int
synchronous_option(const char *value, void *dst, const char **why)
{
	if (strcmp(value, "full") != 0 && strcmp(value, "normal") != 0) {
		*why = "full or normal";
		return -1;
	}
	*(int *)dst = strcmp(value, "full") == 0;
	return 0;
}

enum config_result
settings_parse(struct svc_config *cfg, const struct config_option *extra,
    size_t n_extra, int argc, char **argv)
{
	struct config_option opts[SETTINGS_MAX_OPTIONS] = {
		{ "listen", CONFIG_STRING, &cfg->listen, 0, 0, "ADDR",
		  "unix:/path or HOST:PORT to listen on (default: the socket "
		  "inherited from systemd or on fd 0)", NULL },
		{ "allow-peers", CONFIG_PARSE, &cfg->allow_peers, 0, 0, "ADDR[,ADDR...]",
		  "over TCP, the peers that may connect: addresses and CIDR prefixes, "
		  "IPv4 or IPv6; any other is closed at once (default " PEERS_DEFAULT ")",
		  peers_option },
		{ "threads", CONFIG_INT, &cfg->threads, 1, CONFIG_THREADS_MAX, "N",
		  "worker threads, each with its own database connection "
		  "(default: number of CPUs; more for the user service, see its manual)", NULL },
		{ "db", CONFIG_PARSE, &cfg->db, 0, 0, "DB",
		  "sqlite:PATH (or a bare PATH) for an SQLite file, or a PostgreSQL "
		  "URI postgresql://USER@HOST/NAME with no password (PGPASSFILE)",
		  db_option },
		{ "max-body", CONFIG_SIZE, &cfg->max_body, 1, 64L * 1024 * 1024, "BYTES",
		  "largest accepted request body, k/m suffixes allowed (default 64k)", NULL },
		{ "json-max-depth", CONFIG_INT, &cfg->json_max_depth, 2, 1000, "N",
		  "nesting limit, every JSON value one level: N admits N-1 "
		  "containers nested around a value (default 32)", NULL },
		{ "log-level", CONFIG_LOG_LEVEL, &cfg->log_level, 0, 0, "LEVEL",
		  "debug, info, warn or error (default info)", NULL },
		{ "synchronous", CONFIG_PARSE, &cfg->db.synchronous_full, 0, 0, "MODE",
		  "full: a 2xx survives power loss; normal: only a crash of the "
		  "service, and writes are faster (default full)", synchronous_option },
		{ "batch-max", CONFIG_INT, &cfg->db.batch_max, 1, 1024, "N",
		  "group commit: at most N writes share one COMMIT, each in its "
		  "own savepoint; 1: a transaction per write (default "
		  SETTINGS_STR(DB_BATCH_MAX_SQLITE) " on SQLite, 1 on PostgreSQL)", NULL },
		{ "batch-wait", CONFIG_INT, &cfg->db.batch_wait_us, 0, 1000000, "USEC",
		  "group commit: the longest a batch waits for writers already "
		  "queued to join it, in microseconds (default "
		  SETTINGS_STR(SETTINGS_BATCH_WAIT_US) ")", NULL },
		{ "require-if-match", CONFIG_BOOL, &cfg->require_if_match, 0, 0, NULL,
		  "refuse PATCH and DELETE without If-Match (428)", NULL },
		{ "idempotency-ttl", CONFIG_INT, &cfg->idempotency_ttl, 60, 30L * 24 * 60 * 60,
		  "SECONDS", "how long an Idempotency-Key and its answer are kept "
		  "(default 86400)", NULL },
		{ "migrate", CONFIG_BOOL, &cfg->migrate_only, 0, 0, NULL,
		  "bring the database's schema up to date, then exit (before a "
		  "rollout, or before copying data into a new database)", NULL },
		{ "token-key", CONFIG_STRING, &cfg->token_key_file, 0, 0, "PATH",
		  "this service's private key (EC P-256, PEM, mode 0600) that it "
		  "signs its tokens with (default: the credential token-key of "
		  "systemd's LoadCredential=)", NULL },
		{ "user-token-keys", CONFIG_STRING, &cfg->user_token_keys_file, 0, 0, "PATH",
		  "the user service's public keys (PEM) whose user tokens are "
		  "accepted, the current one and those of the last --token-ttl "
		  "(default: the credential user-token-keys, if any)", NULL },
		{ "service-token-keys", CONFIG_STRING, &cfg->service_token_keys_file, 0, 0,
		  "PATH", "the public keys (PEM) of the services whose service "
		  "tokens are accepted (default: the credential service-token-keys, "
		  "if any)", NULL },
		{ "token-ttl", CONFIG_INT, &cfg->token_ttl, 60, 24L * 60 * 60, "SECONDS",
		  "how long a user token lives: the user service's login makes them "
		  "so, and every service refuses one that claims to live longer "
		  "(default 900)", NULL },
		{ NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
	};
	size_t n = 0;

	while (opts[n].name != NULL)
		n++;

	if (n + n_extra > SETTINGS_MAX_OPTIONS) {
		fprintf(stderr, "too many options\n");
		return CONFIG_EXIT_FAILURE;
	}
	if (n_extra > 0)	/* extra may be NULL then, and memcpy's may not */
		memcpy(opts + n, extra, n_extra * sizeof(*extra));
	n += n_extra;

	{
		char version[64];

		snprintf(version, sizeof(version), "microshop-%s %s", cfg->service, PACKAGE_VERSION);
		return config_read(opts, n, version, argc, argv);
	}
}
