/*
 * check_settings.c - common/serve/settings.c and the option reader under
 * it, common/core/config.c: the defaults, and settings_parse reading flags
 * (--name VALUE and --name=VALUE) and MICROSHOP_* environment variables
 * (the flag wins), sizes with k/m suffixes, log levels, ranges, unknown
 * options and missing values, --help and --version, a service's extra
 * options, and --db's engines (db_config_parse, common/db/db.c). What
 * settings_parse prints is captured, both to keep the test output clean
 * and to check that a message names the option.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "settings.h"

/* Every environment variable the options below read. */
static const char *const option_env[] = {
	"MICROSHOP_LISTEN", "MICROSHOP_THREADS", "MICROSHOP_DB", "MICROSHOP_MAX_BODY",
	"MICROSHOP_JSON_MAX_DEPTH", "MICROSHOP_LOG_LEVEL", "MICROSHOP_USER_URL",
	"MICROSHOP_RETRIES", "MICROSHOP_DRY_RUN", "MICROSHOP_ALLOW_PEERS",
};

static void
clear_env(void)
{
	for (size_t i = 0; i < N_ELEMS(option_env); i++)
		unsetenv(option_env[i]);
}

/* A service's extra options, as fcgi-order passes its own. */
static const char *extra_url;
static long extra_retries;
static int extra_dry_run;

static const struct config_option extra_options[] = {
	{ "user-url", CONFIG_STRING, &extra_url, 0, 0, "URL", "the user service", NULL },
	{ "retries", CONFIG_INT, &extra_retries, 0, 10, "N", "retries", NULL },
	{ "dry-run", CONFIG_BOOL, &extra_dry_run, 0, 0, NULL, "change nothing", NULL },
};

static struct svc_config cfg;
static char output[4096];	/* what the last parse printed, stdout + stderr */

/*
 * config_parse with argv "microshop-test" followed by args (NULL-ended),
 * the extra options when with_extra, stdout and stderr captured.
 */
static enum config_result
parse(int with_extra, const char *const *args)
{
	char **argv;
	int argc = test_argv("microshop-test", args, &argv);
	struct test_capture cap;
	enum config_result r;

	test_capture_begin(&cap);
	r = settings_parse(&cfg, with_extra ? extra_options : NULL,
	    with_extra ? N_ELEMS(extra_options) : 0, argc, argv);
	test_capture_end(&cap, output, sizeof(output));
	return r;
}

static void
setup(void)
{
	clear_env();
	settings_defaults(&cfg, "user", "/var/lib/microshop/user.db");
	extra_url = "http://default";
	extra_retries = 3;
	extra_dry_run = 0;
	output[0] = '\0';
}

static void
teardown(void)
{
	clear_env();
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_defaults)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	ck_assert_str_eq(cfg.service, "user");
	ck_assert_ptr_null(cfg.listen);
	ck_assert_int_eq(cfg.threads, cpus > 0 ? cpus : 1);
	ck_assert_int_ge(cfg.threads, 1);
	ck_assert_str_eq(cfg.db.path, "/var/lib/microshop/user.db");
	ck_assert_uint_eq(cfg.max_body, 64 * 1024);
	ck_assert_int_eq(cfg.json_max_depth, 32);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_INFO);

	/* Nothing given: nothing changes. */
	ck_assert_int_eq(parse(0, (const char *const[]){ NULL }), CONFIG_OK);
	ck_assert_uint_eq(cfg.max_body, 64 * 1024);
	ck_assert_str_eq(output, "");
}
END_TEST

START_TEST(test_flags)
{
	ck_assert_int_eq(parse(0, ARGS("--threads", "4")), CONFIG_OK);
	ck_assert_int_eq(cfg.threads, 4);
	ck_assert_int_eq(parse(0, ARGS("--threads=7")), CONFIG_OK);
	ck_assert_int_eq(cfg.threads, 7);
	ck_assert_int_eq(parse(0, ARGS("--threads=1", "--threads", "1024")), CONFIG_OK);
	ck_assert_int_eq(cfg.threads, 1024);		/* the last one wins */

	ck_assert_int_eq(parse(0, ARGS("--listen", "unix:/run/microshop/user.sock",
	    "--db=/tmp/u.db", "--json-max-depth", "2")), CONFIG_OK);
	ck_assert_str_eq(cfg.listen, "unix:/run/microshop/user.sock");
	ck_assert_str_eq(cfg.db.path, "/tmp/u.db");
	ck_assert_int_eq(cfg.json_max_depth, 2);

	ck_assert_int_eq(parse(0, ARGS("--listen=127.0.0.1:9000")), CONFIG_OK);
	ck_assert_str_eq(cfg.listen, "127.0.0.1:9000");
	/* Only the first '=' separates: the value may hold more. */
	ck_assert_int_eq(parse(0, ARGS("--db=/tmp/a=b.db")), CONFIG_OK);
	ck_assert_str_eq(cfg.db.path, "/tmp/a=b.db");
}
END_TEST

START_TEST(test_env_and_precedence)
{
	setenv("MICROSHOP_THREADS", "3", 1);
	setenv("MICROSHOP_MAX_BODY", "2k", 1);
	setenv("MICROSHOP_LOG_LEVEL", "warn", 1);
	setenv("MICROSHOP_JSON_MAX_DEPTH", "5", 1);
	ck_assert_int_eq(parse(0, (const char *const[]){ NULL }), CONFIG_OK);
	ck_assert_int_eq(cfg.threads, 3);
	ck_assert_uint_eq(cfg.max_body, 2048);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_WARN);
	ck_assert_int_eq(cfg.json_max_depth, 5);

	/* The flag wins over the environment. */
	ck_assert_int_eq(parse(0, ARGS("--threads", "8", "--log-level=error")), CONFIG_OK);
	ck_assert_int_eq(cfg.threads, 8);
	ck_assert_int_eq(cfg.log_level, LOG_LEVEL_ERROR);
	ck_assert_uint_eq(cfg.max_body, 2048);

	/* A bad environment value stops the service, naming the variable. */
	setenv("MICROSHOP_THREADS", "many", 1);
	ck_assert_int_eq(parse(0, (const char *const[]){ NULL }), CONFIG_EXIT_FAILURE);
	ck_assert_msg(strstr(output, "MICROSHOP_THREADS") != NULL, "message: %s", output);
	unsetenv("MICROSHOP_THREADS");

	setenv("MICROSHOP_LISTEN", "unix:/tmp/x.sock", 1);
	ck_assert_int_eq(parse(0, (const char *const[]){ NULL }), CONFIG_OK);
	ck_assert_str_eq(cfg.listen, "unix:/tmp/x.sock");
}
END_TEST

struct value_case {
	const char *arg;	/* one "--name=value" argument */
	enum config_result want;
};

static const struct value_case value_cases[] = {
	{ "--threads=1", CONFIG_OK },
	{ "--threads=1024", CONFIG_OK },
	{ "--threads=0", CONFIG_EXIT_FAILURE },
	{ "--threads=1025", CONFIG_EXIT_FAILURE },
	{ "--threads=-1", CONFIG_EXIT_FAILURE },
	{ "--threads=", CONFIG_EXIT_FAILURE },
	{ "--threads=four", CONFIG_EXIT_FAILURE },
	{ "--threads=4x", CONFIG_EXIT_FAILURE },
	{ "--threads=4.0", CONFIG_EXIT_FAILURE },
	{ "--threads=99999999999999999999", CONFIG_EXIT_FAILURE },
	{ "--threads= 4", CONFIG_EXIT_FAILURE },		/* strtol would skip it */
	{ "--threads=+4", CONFIG_EXIT_FAILURE },
	{ "--threads=04", CONFIG_OK },
	{ "--json-max-depth=1", CONFIG_EXIT_FAILURE },
	{ "--json-max-depth=1000", CONFIG_OK },
	{ "--json-max-depth=1001", CONFIG_EXIT_FAILURE },
	{ "--max-body=1", CONFIG_OK },
	{ "--max-body=0", CONFIG_EXIT_FAILURE },
	{ "--max-body=-1", CONFIG_EXIT_FAILURE },
	{ "--max-body=64m", CONFIG_OK },		/* the maximum */
	{ "--max-body=65m", CONFIG_EXIT_FAILURE },
	{ "--max-body=67108865", CONFIG_EXIT_FAILURE },
	{ "--max-body=64kb", CONFIG_EXIT_FAILURE },
	{ "--max-body=64g", CONFIG_EXIT_FAILURE },
	{ "--max-body=64 k", CONFIG_EXIT_FAILURE },
	{ "--max-body=k", CONFIG_EXIT_FAILURE },
	{ "--max-body= 64k", CONFIG_EXIT_FAILURE },
	{ "--max-body=+64k", CONFIG_EXIT_FAILURE },
	{ "--max-body=", CONFIG_EXIT_FAILURE },
	{ "--max-body=99999999999999999m", CONFIG_EXIT_FAILURE },
	{ "--synchronous=full", CONFIG_OK },
	{ "--synchronous=normal", CONFIG_OK },
	{ "--synchronous=off", CONFIG_EXIT_FAILURE },	/* never offered */
	{ "--synchronous=FULL", CONFIG_EXIT_FAILURE },
	{ "--idempotency-ttl=60", CONFIG_OK },
	{ "--idempotency-ttl=59", CONFIG_EXIT_FAILURE },
	{ "--idempotency-ttl=2592000", CONFIG_OK },
	{ "--idempotency-ttl=2592001", CONFIG_EXIT_FAILURE },
	{ "--require-if-match=maybe", CONFIG_EXIT_FAILURE },
	{ "--log-level=debug", CONFIG_OK },
	{ "--log-level=DEBUG", CONFIG_EXIT_FAILURE },
	{ "--log-level=verbose", CONFIG_EXIT_FAILURE },
	{ "--log-level=", CONFIG_EXIT_FAILURE },
	{ "--listen=", CONFIG_EXIT_FAILURE },
	{ "--db=", CONFIG_EXIT_FAILURE },
	{ "--allow-peers=10.0.0.2", CONFIG_OK },
	{ "--allow-peers=10.0.0.0/8,fd00::/8", CONFIG_OK },
	{ "--allow-peers=", CONFIG_EXIT_FAILURE },
	{ "--allow-peers=10.0.0.5/8", CONFIG_EXIT_FAILURE },
	{ "--allow-peers=10.0.0.2, 10.0.0.3", CONFIG_EXIT_FAILURE },
	{ "--allow-peers=nginx.example.com", CONFIG_EXIT_FAILURE },
};

/* --allow-peers and MICROSHOP_ALLOW_PEERS: a list; loopback when unset. */
START_TEST(test_allow_peers)
{
	struct sockaddr_in peer = { .sin_family = AF_INET };

	/* The default: loopback only. */
	peer.sin_addr.s_addr = htonl(0x7f000002);	/* 127.0.0.2 */
	ck_assert_int_eq(peers_allow(&cfg.allow_peers, (struct sockaddr *)&peer, sizeof(peer)), 1);
	peer.sin_addr.s_addr = htonl(0x0a000002);	/* 10.0.0.2 */
	ck_assert_int_eq(peers_allow(&cfg.allow_peers, (struct sockaddr *)&peer, sizeof(peer)), 0);

	setenv("MICROSHOP_ALLOW_PEERS", "10.0.0.0/24", 1);
	ck_assert_int_eq(parse(0, (const char *const[]){ NULL }), CONFIG_OK);
	ck_assert_int_eq(peers_allow(&cfg.allow_peers, (struct sockaddr *)&peer, sizeof(peer)), 1);
	peer.sin_addr.s_addr = htonl(0x7f000001);	/* 127.0.0.1: not in the list */
	ck_assert_int_eq(peers_allow(&cfg.allow_peers, (struct sockaddr *)&peer, sizeof(peer)), 0);

	/* The flag wins. */
	ck_assert_int_eq(parse(0, ARGS("--allow-peers", "127.0.0.1")), CONFIG_OK);
	ck_assert_int_eq(peers_allow(&cfg.allow_peers, (struct sockaddr *)&peer, sizeof(peer)), 1);

	setenv("MICROSHOP_ALLOW_PEERS", "10.0.0.0/33", 1);
	ck_assert_int_eq(parse(0, (const char *const[]){ NULL }), CONFIG_EXIT_FAILURE);
	ck_assert_msg(strstr(output, "MICROSHOP_ALLOW_PEERS") != NULL &&
	    strstr(output, "prefix") != NULL, "message: %s", output);
}
END_TEST

START_TEST(test_values)
{
	for (size_t i = 0; i < N_ELEMS(value_cases); i++) {
		const struct value_case *c = &value_cases[i];
		enum config_result r;
		char flag[64];

		setup();
		r = parse(0, ARGS(c->arg));
		ck_assert_msg(r == c->want, "config_parse(%s) = %d, want %d; printed: %s",
		    c->arg, r, c->want, output);
		if (r != CONFIG_EXIT_FAILURE)
			continue;
		/* The message names the option. */
		snprintf(flag, sizeof(flag), "%.*s", (int)strcspn(c->arg, "="), c->arg);
		ck_assert_msg(strstr(output, flag) != NULL,
		    "config_parse(%s): the message does not name %s: %s", c->arg, flag, output);
	}
}
END_TEST

START_TEST(test_sizes)
{
	static const struct {
		const char *value;
		size_t want;
	} cases[] = {
		{ "1", 1 },
		{ "1000", 1000 },
		{ "64k", 65536 },
		{ "64K", 65536 },
		{ "1m", 1048576 },
		{ "1M", 1048576 },
		{ "2048k", 2097152 },
		{ "64m", 67108864 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		cfg.max_body = 0;
		ck_assert_msg(parse(0, ARGS("--max-body", cases[i].value)) == CONFIG_OK,
		    "--max-body %s: %s", cases[i].value, output);
		ck_assert_msg(cfg.max_body == cases[i].want, "--max-body %s = %zu, want %zu",
		    cases[i].value, cfg.max_body, cases[i].want);
	}
}
END_TEST

START_TEST(test_log_levels)
{
	static const struct {
		const char *name;
		enum log_level level;
	} cases[] = {
		{ "debug", LOG_LEVEL_DEBUG },
		{ "info", LOG_LEVEL_INFO },
		{ "warn", LOG_LEVEL_WARN },
		{ "error", LOG_LEVEL_ERROR },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		ck_assert_int_eq(parse(0, ARGS("--log-level", cases[i].name)), CONFIG_OK);
		ck_assert_msg(cfg.log_level == cases[i].level, "--log-level %s", cases[i].name);
	}
}
END_TEST

START_TEST(test_bad_arguments)
{
	static const struct {
		const char *args[3];
		const char *named;	/* in the message */
	} cases[] = {
		{ { "--bogus", "1" }, "--bogus" },
		{ { "--bogus=1" }, "--bogus" },
		{ { "--thread", "4" }, "--thread" },		/* no prefix match */
		{ { "--threadsx=4" }, "--threadsx" },
		{ { "--THREADS", "4" }, "--THREADS" },
		{ { "-t", "4" }, "-t" },
		{ { "threads" }, "threads" },
		{ { "--" }, "--" },
		{ { "--threads" }, "--threads" },		/* missing its value */
		{ { "--log-level", "info", "--db" }, "--db" },
		{ { "--user-url" }, "--user-url" },		/* an extra, not given */
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *args[4] = {
			cases[i].args[0], cases[i].args[1], cases[i].args[2], NULL
		};
		enum config_result r = parse(0, args);

		ck_assert_msg(r == CONFIG_EXIT_FAILURE, "config_parse(%s %s) = %d", args[0],
		    args[1] ? args[1] : "", r);
		ck_assert_msg(strstr(output, cases[i].named) != NULL,
		    "config_parse(%s): message does not name %s: %s", args[0],
		    cases[i].named, output);
	}
}
END_TEST

START_TEST(test_help_and_version)
{
	ck_assert_int_eq(parse(0, ARGS("--help")), CONFIG_EXIT_SUCCESS);
	ck_assert_msg(strstr(output, "--threads") != NULL, "help: %s", output);
	ck_assert_msg(strstr(output, "MICROSHOP_MAX_BODY") != NULL, "help: %s", output);
	ck_assert_msg(strstr(output, "--version") != NULL, "help: %s", output);

	ck_assert_int_eq(parse(0, ARGS("-h")), CONFIG_EXIT_SUCCESS);

	/* The extra options are listed too. */
	ck_assert_int_eq(parse(1, ARGS("--help")), CONFIG_EXIT_SUCCESS);
	ck_assert_msg(strstr(output, "--user-url URL") != NULL, "help: %s", output);
	ck_assert_msg(strstr(output, "MICROSHOP_DRY_RUN") != NULL, "help: %s", output);

	ck_assert_int_eq(parse(0, ARGS("--version")), CONFIG_EXIT_SUCCESS);
	ck_assert_msg(strstr(output, "microshop-user ") != NULL, "version: %s", output);
	ck_assert_msg(strstr(output, PACKAGE_VERSION) != NULL, "version: %s", output);

	/* --help answers wherever it is. */
	ck_assert_int_eq(parse(0, ARGS("--threads", "2", "--help")), CONFIG_EXIT_SUCCESS);
}
END_TEST

START_TEST(test_extra_options)
{
	ck_assert_int_eq(parse(1, (const char *const[]){ NULL }), CONFIG_OK);
	ck_assert_str_eq(extra_url, "http://default");
	ck_assert_int_eq(extra_retries, 3);
	ck_assert_int_eq(extra_dry_run, 0);

	ck_assert_int_eq(parse(1, ARGS("--user-url", "http://127.0.0.1:8080/user",
	    "--retries=5", "--dry-run", "--threads", "2")), CONFIG_OK);
	ck_assert_str_eq(extra_url, "http://127.0.0.1:8080/user");
	ck_assert_int_eq(extra_retries, 5);
	ck_assert_int_eq(extra_dry_run, 1);
	ck_assert_int_eq(cfg.threads, 2);

	ck_assert_int_eq(parse(1, ARGS("--dry-run=false")), CONFIG_OK);
	ck_assert_int_eq(extra_dry_run, 0);
	ck_assert_int_eq(parse(1, ARGS("--dry-run=yes")), CONFIG_OK);
	ck_assert_int_eq(extra_dry_run, 1);
	ck_assert_int_eq(parse(1, ARGS("--dry-run=maybe")), CONFIG_EXIT_FAILURE);

	ck_assert_int_eq(parse(1, ARGS("--retries", "11")), CONFIG_EXIT_FAILURE);
	ck_assert_msg(strstr(output, "--retries") != NULL, "message: %s", output);
	ck_assert_int_eq(parse(1, ARGS("--retries", "-1")), CONFIG_EXIT_FAILURE);
	ck_assert_int_eq(parse(1, ARGS("--retries", "0")), CONFIG_OK);
	ck_assert_int_eq(extra_retries, 0);

	/* Their environment variables: '-' becomes '_'. */
	setenv("MICROSHOP_USER_URL", "http://env", 1);
	setenv("MICROSHOP_RETRIES", "7", 1);
	setenv("MICROSHOP_DRY_RUN", "1", 1);
	ck_assert_int_eq(parse(1, (const char *const[]){ NULL }), CONFIG_OK);
	ck_assert_str_eq(extra_url, "http://env");
	ck_assert_int_eq(extra_retries, 7);
	ck_assert_int_eq(extra_dry_run, 1);
	ck_assert_int_eq(parse(1, ARGS("--retries=9")), CONFIG_OK);
	ck_assert_int_eq(extra_retries, 9);
	setenv("MICROSHOP_DRY_RUN", "perhaps", 1);
	ck_assert_int_eq(parse(1, (const char *const[]){ NULL }), CONFIG_EXIT_FAILURE);
	ck_assert_msg(strstr(output, "MICROSHOP_DRY_RUN") != NULL, "message: %s", output);
}
END_TEST

/* --db: which engine, what it names, and no password on a command line. */
START_TEST(test_db_values)
{
	struct db_config d = { .engine = DB_POSTGRESQL };
	const char *why = NULL;
	static const char *const refused[] = {
		"postgresql://shop:secret@db1/microshop_user",
		"postgresql://db1/microshop_user?password=secret",
		"postgres://shop:s%40cret@db1:5432/x",
		"mysql://db1/x",
		"sqlite:",
	};

	ck_assert_int_eq(db_config_parse("sqlite:/var/lib/x/user.db", &d, &why), 0);
	ck_assert_int_eq(d.engine, DB_SQLITE);
	ck_assert_str_eq(d.path, "/var/lib/x/user.db");
	ck_assert_int_eq(db_config_parse("relative/user.db", &d, &why), 0);
	ck_assert_int_eq(d.engine, DB_SQLITE);
	ck_assert_str_eq(d.path, "relative/user.db");
	ck_assert_int_eq(db_config_parse("postgresql://shop@db1:5432/microshop_user?sslmode=verify-full",
	    &d, &why), 0);
	ck_assert_int_eq(d.engine, DB_POSTGRESQL);
	ck_assert_str_eq(d.path, "postgresql://shop@db1:5432/microshop_user?sslmode=verify-full");
	ck_assert_int_eq(db_config_parse("postgres:///microshop_user?host=/run/postgresql", &d, &why), 0);
	ck_assert_int_eq(d.engine, DB_POSTGRESQL);
	for (size_t i = 0; i < N_ELEMS(refused); i++) {
		d.engine = DB_SQLITE;
		why = NULL;
		ck_assert_msg(db_config_parse(refused[i], &d, &why) == -1, "accepted %s", refused[i]);
		ck_assert_ptr_nonnull(why);
	}
	ck_assert_ptr_nonnull(strstr((db_config_parse(refused[0], &d, &why), why), "PGPASSFILE"));

	/* Through the option, the value is not echoed: it may hold a password. */
	ck_assert_int_eq(parse(1, ARGS("--db=postgresql://shop:secret@db1/x")), CONFIG_EXIT_FAILURE);
	ck_assert_msg(strstr(output, "secret") == NULL, "message: %s", output);
	ck_assert_msg(strstr(output, "--db") != NULL, "message: %s", output);
	ck_assert_int_eq(parse(1, ARGS("--db=postgresql://shop@db1/x")), CONFIG_OK);
	ck_assert_int_eq(cfg.db.engine, DB_POSTGRESQL);
}
END_TEST

Suite *
settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_env_and_precedence);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_allow_peers);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_log_levels);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_help_and_version);
	tcase_add_test(tc, test_extra_options);
	tcase_add_test(tc, test_db_values);
	suite_add_tcase(s, tc);
	return s;
}
