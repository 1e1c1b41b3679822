/*
 * check_config.c - common/core/config.c, the option engine under
 * settings.c, on a table of its own with one option of each kind:
 * integers within the option's range, sizes (k and m suffixes, the range
 * applying to the bytes), strings, log levels, flags, and options read by
 * a CONFIG_PARSE callback, whose refusals never echo the value (it may
 * hold a secret). The environment, then argv, the flag winning; unknown
 * options and missing values; --help and --version. check_settings.c
 * tests a service's own table through settings_parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "config.h"

static long workers;
static size_t cache;
static const char *name;
static enum log_level level;
static int quiet;
static char secret[32];
static int parse_calls;

/* The callback of "secret": takes words that start with "ok". */
static int
secret_parse(const char *value, void *dst, const char **why)
{
	parse_calls++;
	if (strncmp(value, "ok", 2) != 0) {
		*why = "must start with ok";
		return -1;
	}
	snprintf(dst, sizeof(secret), "%s", value);
	return 0;
}

static const struct config_option options[] = {
	{ "workers", CONFIG_INT, &workers, 2, 16, "N", "worker threads", NULL },
	{ "cache-size", CONFIG_SIZE, &cache, 1024, 8 * 1024 * 1024, "BYTES", "cache", NULL },
	{ "name", CONFIG_STRING, &name, 0, 0, "NAME", "what to call it", NULL },
	{ "level", CONFIG_LOG_LEVEL, &level, 0, 0, "LEVEL", "how much to log", NULL },
	{ "quiet", CONFIG_BOOL, &quiet, 0, 0, NULL, "say nothing", NULL },
	{ "secret", CONFIG_PARSE, secret, 0, 0, "WORD", "a secret word", secret_parse },
};

static const char *const option_env[] = {
	"MICROSHOP_WORKERS", "MICROSHOP_CACHE_SIZE", "MICROSHOP_NAME", "MICROSHOP_LEVEL",
	"MICROSHOP_QUIET", "MICROSHOP_SECRET",
};

static char output[4096];	/* what the last read printed, stdout and stderr */

static void
setup(void)
{
	for (size_t i = 0; i < N_ELEMS(option_env); i++)
		unsetenv(option_env[i]);
	workers = 4;
	cache = 4096;
	name = "default";
	level = LOG_LEVEL_INFO;
	quiet = 0;
	snprintf(secret, sizeof(secret), "unset");
	parse_calls = 0;
	output[0] = '\0';
}

/* config_read of "prog" followed by args (NULL-ended), its output captured. */
static enum config_result
run(const char *const *args)
{
	char **argv;
	int argc = test_argv("prog", args, &argv);
	struct test_capture cap;
	enum config_result r;

	test_capture_begin(&cap);
	r = config_read(options, N_ELEMS(options), "prog 9.8.7", argc, argv);
	test_capture_end(&cap, output, sizeof(output));
	return r;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ARGS ((const char *const[]){ NULL })

START_TEST(test_each_kind)
{
	ck_assert_int_eq(run(NO_ARGS), CONFIG_OK);
	ck_assert_int_eq(workers, 4);		/* the caller's defaults stay */
	ck_assert_str_eq(name, "default");
	ck_assert_int_eq(parse_calls, 0);
	ck_assert_str_eq(output, "");

	ck_assert_int_eq(run(ARGS("--workers", "16", "--cache-size=2k", "--name", "shop",
	    "--level=debug", "--quiet", "--secret", "okay")), CONFIG_OK);
	ck_assert_int_eq(workers, 16);
	ck_assert_uint_eq(cache, 2048);
	ck_assert_str_eq(name, "shop");
	ck_assert_int_eq(level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(quiet, 1);
	ck_assert_str_eq(secret, "okay");
	ck_assert_int_eq(parse_calls, 1);
	ck_assert_str_eq(output, "");

	/* A flag takes no value from the next argument; =false turns it off. */
	ck_assert_int_eq(run(ARGS("--quiet", "--workers", "3")), CONFIG_OK);
	ck_assert_int_eq(quiet, 1);
	ck_assert_int_eq(workers, 3);
	ck_assert_int_eq(run(ARGS("--quiet=false")), CONFIG_OK);
	ck_assert_int_eq(quiet, 0);
	ck_assert_int_eq(run(ARGS("--quiet=yes", "--quiet=0")), CONFIG_OK);
	ck_assert_int_eq(quiet, 0);			/* the last one wins */
}
END_TEST

struct value_case {
	const char *arg;
	int ok;
};

/* The option's own range, not a fixed one: 2..16 and 1k..8m. */
static const struct value_case value_cases[] = {
	{ "--workers=2", 1 }, { "--workers=16", 1 }, { "--workers=1", 0 },
	{ "--workers=17", 0 }, { "--workers=-3", 0 }, { "--workers=3 ", 0 },
	{ "--workers=0x4", 0 }, { "--workers=", 0 },
	{ "--cache-size=1024", 1 }, { "--cache-size=1k", 1 }, { "--cache-size=8m", 1 },
	{ "--cache-size=8M", 1 }, { "--cache-size=8192K", 1 }, { "--cache-size=1023", 0 },
	{ "--cache-size=8193k", 0 }, { "--cache-size=9m", 0 }, { "--cache-size=1g", 0 },
	{ "--cache-size=1km", 0 }, { "--cache-size=m", 0 },
	{ "--cache-size=9223372036854775807k", 0 },
	{ "--name=x", 1 }, { "--name=", 0 },
	{ "--level=error", 1 }, { "--level=loud", 0 },
	{ "--quiet=no", 1 }, { "--quiet=2", 0 }, { "--quiet=", 0 },
};

START_TEST(test_values)
{
	for (size_t i = 0; i < N_ELEMS(value_cases); i++) {
		const struct value_case *c = &value_cases[i];
		enum config_result r;

		setup();
		r = run(ARGS(c->arg));
		ck_assert_msg(r == (c->ok ? CONFIG_OK : CONFIG_EXIT_FAILURE), "%s: %d (%s)",
		    c->arg, r, output);
		if (c->ok)
			continue;
		/* The message names the option and, not being a secret, the value. */
		{
			size_t n = strcspn(c->arg, "=");
			char want[128];

			snprintf(want, sizeof(want), "invalid value '%s' for %.*s", c->arg + n + 1,
			    (int)n, c->arg);
			ck_assert_msg(strncmp(output, want, strlen(want)) == 0, "%s: %s", c->arg,
			    output);
		}
	}
	/* The bytes, with their suffixes. */
	ck_assert_int_eq(run(ARGS("--cache-size", "3m")), CONFIG_OK);
	ck_assert_uint_eq(cache, 3 * 1024 * 1024);
	ck_assert_int_eq(run(ARGS("--cache-size", "5K")), CONFIG_OK);
	ck_assert_uint_eq(cache, 5 * 1024);
}
END_TEST

/* What the callback refuses is named, and the value is not printed. */
START_TEST(test_parse_callback)
{
	ck_assert_int_eq(run(ARGS("--secret=hunter2")), CONFIG_EXIT_FAILURE);
	ck_assert_int_eq(parse_calls, 1);
	ck_assert_str_eq(output, "invalid value for --secret: must start with ok\n");
	ck_assert_str_eq(secret, "unset");

	setenv("MICROSHOP_SECRET", "hunter2", 1);
	ck_assert_int_eq(run(NO_ARGS), CONFIG_EXIT_FAILURE);
	ck_assert_str_eq(output, "invalid value for MICROSHOP_SECRET: must start with ok\n");

	/* The flag's value replaces the environment's, callback and all. */
	setenv("MICROSHOP_SECRET", "ok-env", 1);
	ck_assert_int_eq(run(NO_ARGS), CONFIG_OK);
	ck_assert_str_eq(secret, "ok-env");
	ck_assert_int_eq(run(ARGS("--secret", "ok-flag")), CONFIG_OK);
	ck_assert_str_eq(secret, "ok-flag");
}
END_TEST

START_TEST(test_environment)
{
	setenv("MICROSHOP_WORKERS", "5", 1);
	setenv("MICROSHOP_CACHE_SIZE", "1m", 1);
	setenv("MICROSHOP_QUIET", "true", 1);
	setenv("MICROSHOP_NAME", "from-env", 1);
	ck_assert_int_eq(run(NO_ARGS), CONFIG_OK);
	ck_assert_int_eq(workers, 5);
	ck_assert_uint_eq(cache, 1024 * 1024);
	ck_assert_int_eq(quiet, 1);
	ck_assert_str_eq(name, "from-env");

	/* The flag wins; what it does not name keeps the environment's. */
	ck_assert_int_eq(run(ARGS("--workers=6", "--quiet=false")), CONFIG_OK);
	ck_assert_int_eq(workers, 6);
	ck_assert_int_eq(quiet, 0);
	ck_assert_uint_eq(cache, 1024 * 1024);

	/* A bad value in the environment names the variable, even with a flag given. */
	setenv("MICROSHOP_WORKERS", "99", 1);
	ck_assert_int_eq(run(ARGS("--workers=6")), CONFIG_EXIT_FAILURE);
	ck_assert_str_eq(output, "invalid value '99' for MICROSHOP_WORKERS: expected an "
	    "integer in 2..16\n");
	/* An empty variable is a value, and refused like one. */
	setenv("MICROSHOP_WORKERS", "", 1);
	ck_assert_int_eq(run(NO_ARGS), CONFIG_EXIT_FAILURE);
	unsetenv("MICROSHOP_WORKERS");
	setenv("MICROSHOP_QUIET", "maybe", 1);
	ck_assert_int_eq(run(NO_ARGS), CONFIG_EXIT_FAILURE);
	ck_assert_str_eq(output, "invalid value 'maybe' for MICROSHOP_QUIET\n");
}
END_TEST

START_TEST(test_bad_arguments)
{
	static const struct {
		const char *args[3];
		const char *message;
	} cases[] = {
		{ { "--bogus" }, "unknown option '--bogus' (see --help)\n" },
		{ { "--work=3" }, "unknown option '--work=3' (see --help)\n" },
		{ { "workers" }, "unknown argument 'workers' (see --help)\n" },
		{ { "-w", "3" }, "unknown argument '-w' (see --help)\n" },
		{ { "--workers" }, "option --workers needs a value\n" },
		{ { "--name", "x", "--secret" }, "option --secret needs a value\n" },
		{ { "--cache-size", "2k", "--cache-size" }, "option --cache-size needs a value\n" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *args[4] = {
			cases[i].args[0], cases[i].args[1], cases[i].args[2], NULL
		};

		ck_assert_msg(run(args) == CONFIG_EXIT_FAILURE, "%s: accepted", args[0]);
		ck_assert_str_eq(output, cases[i].message);
	}
}
END_TEST

START_TEST(test_help_and_version)
{
	ck_assert_int_eq(run(ARGS("--version")), CONFIG_EXIT_SUCCESS);
	ck_assert_str_eq(output, "prog 9.8.7\n");

	ck_assert_int_eq(run(ARGS("--help")), CONFIG_EXIT_SUCCESS);
	ck_assert_msg(strncmp(output, "Usage: prog [OPTION]...\n", 24) == 0, "%s", output);
	ck_assert_msg(strstr(output,
	    "  --workers N                  worker threads\n"
	    "                               [MICROSHOP_WORKERS]\n"
	    "  --cache-size BYTES           cache\n"
	    "                               [MICROSHOP_CACHE_SIZE]\n") != NULL, "%s", output);
	ck_assert_msg(strstr(output,
	    "  --quiet                      say nothing\n"
	    "                               [MICROSHOP_QUIET]\n") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "--secret WORD") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "  --help                       show this help and exit\n"
	    "  --version                    show the version and exit\n") != NULL, "%s",
	    output);

	/* -h too; and wherever it is, before a bad argument after it. */
	ck_assert_int_eq(run(ARGS("-h")), CONFIG_EXIT_SUCCESS);
	ck_assert_int_eq(run(ARGS("--workers", "3", "--help", "--bogus")), CONFIG_EXIT_SUCCESS);
	ck_assert_int_eq(run(ARGS("--version", "--workers=99")), CONFIG_EXIT_SUCCESS);
	/* A bad argument before it is answered first. */
	ck_assert_int_eq(run(ARGS("--workers=99", "--help")), CONFIG_EXIT_FAILURE);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, setup);
	tcase_add_test(tc, test_each_kind);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_parse_callback);
	tcase_add_test(tc, test_environment);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_help_and_version);
	suite_add_tcase(s, tc);
	return s;
}
