/*
 * query.h - the query string of a request: strict parsing into decoded
 * key/value pairs, and encoding for the links a service builds (the `next`
 * link of a page). Pure; unit-tested.
 */
#ifndef MICROSHOP_QUERY_H
#define MICROSHOP_QUERY_H

#include <stddef.h>

#define QUERY_MAX_PARAMS 16
#define QUERY_MAX_BYTES 2048

struct query_param {
	const char *key;	/* into query.buf, NUL-terminated */
	const char *value;	/* into query.buf, NUL-terminated, decoded */
};

struct query {
	size_t n;
	struct query_param p[QUERY_MAX_PARAMS];
	char buf[QUERY_MAX_BYTES + QUERY_MAX_PARAMS * 2];
};

enum query_error {
	QUERY_OK = 0,
	QUERY_BAD_ENCODING,	/* bad %-escape, or a decoded NUL byte */
	QUERY_TOO_LONG,
	QUERY_TOO_MANY,
	QUERY_UNKNOWN_KEY,
	QUERY_REPEATED_KEY
};

/*
 * Parse qs (the part after '?', possibly empty) into q. '+' decodes to a
 * space, %XX to its byte. Empty pairs ("a=1&&b=2") are skipped.
 */
enum query_error query_parse(const char *qs, struct query *q);

/*
 * Check that every key is in the NULL-terminated list allowed and appears
 * once. On failure *bad names the offending key (borrowed from q).
 */
enum query_error query_check_keys(const struct query *q,
    const char *const *allowed, const char **bad);

/* The decoded value of key, or NULL when absent. Borrowed from q. */
const char *query_get(const struct query *q, const char *key);

/*
 * Append "key=value" (value percent-encoded, '&'-separated when buf is not
 * empty) to the NUL-terminated buf of size n. Returns 0, or -1 if it does
 * not fit (buf is then unchanged).
 */
int query_append(char *buf, size_t n, const char *key, const char *value);

const char *query_strerror(enum query_error e);

#endif
