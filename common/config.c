/*
 * config.c - settings from flags and environment; see config.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "config.h"

#define CONFIG_MAX_OPTIONS 32

void
config_defaults(struct svc_config *cfg, const char *service, const char *db_path)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof(*cfg));
	cfg->service = service;
	cfg->listen = NULL;
	peers_default(&cfg->allow_peers);
	cfg->threads = cpus > 0 ? cpus : 1;
	cfg->db_path = db_path;
	cfg->db_engine = DB_SQLITE;
	cfg->max_body = 64 * 1024;
	cfg->json_max_depth = 32;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->synchronous_full = 1;
	cfg->require_if_match = 0;
	cfg->idempotency_ttl = 24 * 60 * 60;
	cfg->token_ttl = 900;
}

static int
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	/* strtol would also take leading space and a sign. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_size(const char *s, long *out)
{
	char *end;
	long v;
	long mult = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1024;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024;
	else if (*end != '\0')
		return -1;
	if (mult != 1 && *++end != '\0')
		return -1;
	if (v > LONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*out = 1;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* 1 if the libpq connection string conninfo sets a password. */
static int
conninfo_has_password(const char *conninfo, int *bad)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	int found = 0;

	*bad = opts == NULL;
	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && *o->val != '\0')
			found = 1;
	PQconninfoFree(opts);
	return found;
}

int
config_db_parse(const char *value, enum db_engine *engine, const char **target,
    const char **why)
{
	int bad;

	*why = NULL;
	if (strncmp(value, "postgresql://", 13) == 0 || strncmp(value, "postgres://", 11) == 0) {
		if (conninfo_has_password(value, &bad)) {
			*why = "a password does not belong on the command line: "
			    "put it in PGPASSFILE (default ~/.pgpass)";
			return -1;
		}
		if (bad) {
			*why = "not a PostgreSQL connection URI";
			return -1;
		}
		*engine = DB_POSTGRESQL;
		*target = value;
		return 0;
	}
	if (strncmp(value, "sqlite:", 7) == 0) {
		value += 7;
	} else if (strstr(value, "://") != NULL) {
		/* mysql://... is not a file to create. */
		*why = "not an SQLite path (sqlite:PATH) nor a postgresql:// URI";
		return -1;
	}
	if (*value == '\0') {
		*why = "no database file";
		return -1;
	}
	*engine = DB_SQLITE;
	*target = value;
	return 0;
}

/* Store value into opt->dst. source says where it came from, for messages. */
static int
option_set(const struct config_option *opt, const char *value, const char *source)
{
	const char *why;
	long v;

	switch (opt->kind) {
	case CONFIG_DB: {
		struct svc_config *cfg = opt->dst;

		if (config_db_parse(value, &cfg->db_engine, &cfg->db_path, &why) == 0)
			return 0;
		fprintf(stderr, "invalid value for %s: %s\n", source, why);
		return -1;
	}
	case CONFIG_PEERS:
		if (peers_parse(value, opt->dst, &why) == 0)
			return 0;
		fprintf(stderr, "invalid value '%s' for %s: %s\n", value, source, why);
		return -1;
	case CONFIG_STRING:
		if (*value == '\0')
			goto bad;
		*(const char **)opt->dst = value;
		return 0;
	case CONFIG_INT:
		if (parse_long(value, &v) < 0 || v < opt->min || v > opt->max)
			goto range;
		*(long *)opt->dst = v;
		return 0;
	case CONFIG_SIZE:
		if (parse_size(value, &v) < 0 || v < opt->min || v > opt->max)
			goto range;
		*(size_t *)opt->dst = (size_t)v;
		return 0;
	case CONFIG_LOG_LEVEL:
		if (log_level_parse(value, (enum log_level *)opt->dst) < 0)
			goto bad;
		return 0;
	case CONFIG_BOOL:
		if (parse_bool(value, (int *)opt->dst) < 0)
			goto bad;
		return 0;
	case CONFIG_SYNCHRONOUS:
		if (strcmp(value, "full") != 0 && strcmp(value, "normal") != 0)
			goto bad;
		*(int *)opt->dst = strcmp(value, "full") == 0;
		return 0;
	}
bad:
	fprintf(stderr, "invalid value '%s' for %s\n", value, source);
	return -1;
range:
	fprintf(stderr, "invalid value '%s' for %s: expected %s in %ld..%ld\n",
	    value, source, opt->kind == CONFIG_SIZE ? "a size" : "an integer",
	    opt->min, opt->max);
	return -1;
}

static void
env_name(const char *name, char *buf, size_t n)
{
	size_t o = (size_t)snprintf(buf, n, "MICROSHOP_");

	for (; *name && o + 1 < n; name++)
		buf[o++] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	buf[o] = '\0';
}

static void
usage(const char *prog, const struct config_option *opts, size_t n)
{
	printf("Usage: %s [OPTION]...\n\nOptions (each also read from the "
	    "environment variable shown):\n", prog);
	for (size_t i = 0; i < n; i++) {
		char env[64], flag[64];

		env_name(opts[i].name, env, sizeof(env));
		snprintf(flag, sizeof(flag), "--%s%s%s", opts[i].name,
		    opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		printf("  %-28s %s\n  %-28s [%s]\n", flag, opts[i].help, "", env);
	}
	printf("  %-28s %s\n  %-28s %s\n", "--help", "show this help and exit",
	    "--version", "show the version and exit");
}

enum config_result
config_parse(struct svc_config *cfg, const struct config_option *extra,
    size_t n_extra, int argc, char **argv)
{
	struct config_option opts[CONFIG_MAX_OPTIONS] = {
		{ "listen", CONFIG_STRING, &cfg->listen, 0, 0, "ADDR",
		  "unix:/path or HOST:PORT to listen on (default: the socket "
		  "inherited from systemd or on fd 0)" },
		{ "allow-peers", CONFIG_PEERS, &cfg->allow_peers, 0, 0, "ADDR[,ADDR...]",
		  "over TCP, the peers that may connect: addresses and CIDR prefixes, "
		  "IPv4 or IPv6; any other is closed at once (default " PEERS_DEFAULT ")" },
		{ "threads", CONFIG_INT, &cfg->threads, 1, CONFIG_THREADS_MAX, "N",
		  "worker threads, each with its own database connection "
		  "(default: number of CPUs; more for the user service, see its manual)" },
		{ "db", CONFIG_DB, cfg, 0, 0, "DB",
		  "sqlite:PATH (or a bare PATH) for an SQLite file, or a PostgreSQL "
		  "URI postgresql://USER@HOST/NAME with no password (PGPASSFILE)" },
		{ "max-body", CONFIG_SIZE, &cfg->max_body, 1, 64L * 1024 * 1024, "BYTES",
		  "largest accepted request body, k/m suffixes allowed (default 64k)" },
		{ "json-max-depth", CONFIG_INT, &cfg->json_max_depth, 2, 1000, "N",
		  "nesting limit, every JSON value one level: N admits N-1 "
		  "containers nested around a value (default 32)" },
		{ "log-level", CONFIG_LOG_LEVEL, &cfg->log_level, 0, 0, "LEVEL",
		  "debug, info, warn or error (default info)" },
		{ "synchronous", CONFIG_SYNCHRONOUS, &cfg->synchronous_full, 0, 0, "MODE",
		  "full: a 2xx survives power loss; normal: only a crash of the "
		  "service, and writes are faster (default full)" },
		{ "require-if-match", CONFIG_BOOL, &cfg->require_if_match, 0, 0, NULL,
		  "refuse PATCH and DELETE without If-Match (428)" },
		{ "idempotency-ttl", CONFIG_INT, &cfg->idempotency_ttl, 60, 30L * 24 * 60 * 60,
		  "SECONDS", "how long an Idempotency-Key and its answer are kept "
		  "(default 86400)" },
		{ "migrate", CONFIG_BOOL, &cfg->migrate_only, 0, 0, NULL,
		  "bring the database's schema up to date, then exit (before a "
		  "rollout, or before copying data into a new database)" },
		{ "token-key", CONFIG_STRING, &cfg->token_key_file, 0, 0, "PATH",
		  "this service's private key (EC P-256, PEM, mode 0600) that it "
		  "signs its tokens with (default: the credential token-key of "
		  "systemd's LoadCredential=)" },
		{ "user-token-keys", CONFIG_STRING, &cfg->user_token_keys_file, 0, 0, "PATH",
		  "the user service's public keys (PEM) whose user tokens are "
		  "accepted, the current one and those of the last --token-ttl "
		  "(default: the credential user-token-keys, if any)" },
		{ "service-token-keys", CONFIG_STRING, &cfg->service_token_keys_file, 0, 0,
		  "PATH", "the public keys (PEM) of the services whose service "
		  "tokens are accepted (default: the credential service-token-keys, "
		  "if any)" },
		{ "token-ttl", CONFIG_INT, &cfg->token_ttl, 60, 24L * 60 * 60, "SECONDS",
		  "how long a user token lives: the user service's login makes them "
		  "so, and every service refuses one that claims to live longer "
		  "(default 900)" },
		{ NULL, 0, NULL, 0, 0, NULL, NULL }
	};
	size_t n = 0;

	while (opts[n].name != NULL)
		n++;

	if (n + n_extra > CONFIG_MAX_OPTIONS) {
		fprintf(stderr, "too many options\n");
		return CONFIG_EXIT_FAILURE;
	}
	if (n_extra > 0)	/* extra may be NULL then, and memcpy's may not */
		memcpy(opts + n, extra, n_extra * sizeof(*extra));
	n += n_extra;

	for (size_t i = 0; i < n; i++) {
		char env[64];
		const char *v;

		env_name(opts[i].name, env, sizeof(env));
		v = getenv(env);
		if (v != NULL && option_set(&opts[i], v, env) < 0)
			return CONFIG_EXIT_FAILURE;
	}

	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];
		const char *value = NULL;
		const struct config_option *opt = NULL;
		size_t len;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(argv[0], opts, n);
			return CONFIG_EXIT_SUCCESS;
		}
		if (strcmp(arg, "--version") == 0) {
			printf("microshop-%s %s\n", cfg->service, PACKAGE_VERSION);
			return CONFIG_EXIT_SUCCESS;
		}
		if (strncmp(arg, "--", 2) != 0) {
			fprintf(stderr, "unknown argument '%s' (see --help)\n", argv[a]);
			return CONFIG_EXIT_FAILURE;
		}
		arg += 2;
		len = strcspn(arg, "=");
		for (size_t i = 0; i < n; i++)
			if (strlen(opts[i].name) == len && strncmp(opts[i].name, arg, len) == 0)
				opt = &opts[i];
		if (opt == NULL) {
			fprintf(stderr, "unknown option '%s' (see --help)\n", argv[a]);
			return CONFIG_EXIT_FAILURE;
		}

		if (arg[len] == '=')
			value = arg + len + 1;
		else if (opt->kind == CONFIG_BOOL)
			value = "true";
		else if (a + 1 < argc)
			value = argv[++a];
		if (value == NULL) {
			fprintf(stderr, "option --%s needs a value\n", opt->name);
			return CONFIG_EXIT_FAILURE;
		}
		{
			char source[80];

			snprintf(source, sizeof(source), "--%s", opt->name);
			if (option_set(opt, value, source) < 0)
				return CONFIG_EXIT_FAILURE;
		}
	}
	return CONFIG_OK;
}
