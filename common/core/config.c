/*
 * config.c - options from flags and environment; see config.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

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

/* Store value into opt->dst. source says where it came from, for messages. */
static int
option_set(const struct config_option *opt, const char *value, const char *source)
{
	const char *why = NULL;
	long v;

	switch (opt->kind) {
	case CONFIG_PARSE:
		/* The value is not echoed: it may hold a secret (a --db URI's
		 * password, which its parser refuses). */
		if (opt->parse(value, opt->dst, &why) == 0)
			return 0;
		fprintf(stderr, "invalid value for %s: %s\n", source, why);
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
config_read(const struct config_option *opts, size_t n, const char *version,
    int argc, char **argv)
{
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
			printf("%s\n", version);
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
