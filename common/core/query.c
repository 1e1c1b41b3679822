/*
 * query.c - query string parsing and encoding; see query.h.
 */
#include <string.h>

#include "query.h"

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..len) into out (room for len + 1). Returns 0, or -1. */
static int
decode(const char *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return 0;
}

enum query_error
query_parse(const char *qs, struct query *q)
{
	size_t used = 0;
	const char *p = qs;

	q->n = 0;
	if (strlen(qs) > QUERY_MAX_BYTES)
		return QUERY_TOO_LONG;

	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		size_t vlen = eq ? len - klen - 1 : 0;
		char *key, *value;

		if (len > 0) {
			if (q->n == QUERY_MAX_PARAMS)
				return QUERY_TOO_MANY;
			/* Decoding never grows, so klen + vlen + 2 bytes suffice. */
			key = q->buf + used;
			if (decode(p, klen, key) < 0)
				return QUERY_BAD_ENCODING;
			used += klen + 1;
			value = q->buf + used;
			if (decode(eq ? eq + 1 : "", vlen, value) < 0)
				return QUERY_BAD_ENCODING;
			used += vlen + 1;
			q->p[q->n].key = key;
			q->p[q->n].value = value;
			q->n++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return QUERY_OK;
}

enum query_error
query_check_keys(const struct query *q, const char *const *allowed,
    const char **bad)
{
	for (size_t i = 0; i < q->n; i++) {
		int known = 0;

		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, q->p[i].key) == 0)
				known = 1;
		*bad = q->p[i].key;
		if (!known)
			return QUERY_UNKNOWN_KEY;
		for (size_t j = 0; j < i; j++)
			if (strcmp(q->p[j].key, q->p[i].key) == 0)
				return QUERY_REPEATED_KEY;
	}
	*bad = NULL;
	return QUERY_OK;
}

const char *
query_get(const struct query *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->p[i].key, key) == 0)
			return q->p[i].value;
	return NULL;
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int
query_append(char *buf, size_t n, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = strlen(buf);
	size_t o = start;

	if (o > 0) {
		if (o + 1 >= n)
			goto fail;
		buf[o++] = '&';
	}
	for (const char *k = key; *k; k++) {
		if (o + 1 >= n)
			goto fail;
		buf[o++] = *k;
	}
	if (o + 1 >= n)
		goto fail;
	buf[o++] = '=';
	for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
		if (is_unreserved(*v)) {
			if (o + 1 >= n)
				goto fail;
			buf[o++] = (char)*v;
		} else {
			if (o + 3 >= n)
				goto fail;
			buf[o++] = '%';
			buf[o++] = hex[*v >> 4];
			buf[o++] = hex[*v & 0x0f];
		}
	}
	buf[o] = '\0';
	return 0;
fail:
	buf[start] = '\0';
	return -1;
}

const char *
query_strerror(enum query_error e)
{
	switch (e) {
	case QUERY_OK:
		return "ok";
	case QUERY_BAD_ENCODING:
		return "malformed percent-encoding in the query string";
	case QUERY_TOO_LONG:
		return "query string too long";
	case QUERY_TOO_MANY:
		return "too many query parameters";
	case QUERY_UNKNOWN_KEY:
		return "unknown query parameter";
	case QUERY_REPEATED_KEY:
		return "query parameter given more than once";
	}
	return "invalid query string";
}
