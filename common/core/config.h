/*
 * config.h - options read once at start from command-line flags and
 * environment variables (the flag wins), into typed values, defaulted by
 * the caller and validated here: a bad value stops the program with a
 * message naming it. The options themselves are the caller's (settings.h
 * has a service's).
 *
 * Every option is `--name VALUE` (or `--name=VALUE`) and the environment
 * variable MICROSHOP_NAME (upper case, '-' as '_'), so that a systemd
 * EnvironmentFile= can set it.
 */
#ifndef MICROSHOP_CONFIG_H
#define MICROSHOP_CONFIG_H

#include <stddef.h>

#include "log.h"

enum config_kind {
	CONFIG_STRING,		/* dst: const char *; borrowed from argv/environ */
	CONFIG_INT,		/* dst: long, within [min, max] */
	CONFIG_SIZE,		/* dst: size_t, bytes with optional k/m suffix */
	CONFIG_LOG_LEVEL,	/* dst: enum log_level */
	CONFIG_BOOL,		/* dst: int; a flag, or true/false/1/0 in env */
	CONFIG_PARSE		/* dst: whatever parse() fills in */
};

struct config_option {
	const char *name;	/* "listen" -> --listen, MICROSHOP_LISTEN */
	enum config_kind kind;
	void *dst;
	long min, max;		/* CONFIG_INT and CONFIG_SIZE */
	const char *arg;	/* how --help names the value */
	const char *help;
	/* CONFIG_PARSE: read value into dst; 0, or -1 with *why static. */
	int (*parse)(const char *value, void *dst, const char **why);
};

enum config_result {
	CONFIG_OK,
	CONFIG_EXIT_SUCCESS,	/* --help or --version was answered */
	CONFIG_EXIT_FAILURE	/* a bad flag or value; the message is printed */
};

/*
 * Read the environment, then argv, into opts[0..n) (--help lists them,
 * --version prints version). Messages go to stderr.
 */
enum config_result config_read(const struct config_option *opts, size_t n,
    const char *version, int argc, char **argv);

#endif
