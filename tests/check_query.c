/*
 * check_query.c - common/core/query.c: strict parsing of a query string
 * (percent and '+' decoding, malformed escapes and decoded NUL refused,
 * empty pairs skipped, the parameter and byte limits), the check of keys
 * against an allowed list, lookup, and the percent-encoding of the links a
 * service builds.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "query.h"

/* ------------------------------------------------------------------ */
/* query_parse                                                         */
/* ------------------------------------------------------------------ */

/* A query string and the pairs it decodes to, as "key=value" strings. */
struct parse_case {
	const char *qs;
	size_t n;
	const char *pairs[4][2];
};

static const struct parse_case parse_cases[] = {
	{ "", 0, { { NULL } } },
	{ "&", 0, { { NULL } } },
	{ "&&&", 0, { { NULL } } },
	{ "a=1", 1, { { "a", "1" } } },
	{ "limit=10&after=42", 2, { { "limit", "10" }, { "after", "42" } } },
	{ "a=1&&b=2", 2, { { "a", "1" }, { "b", "2" } } },
	{ "&a=1&", 1, { { "a", "1" } } },
	{ "a", 1, { { "a", "" } } },			/* key without '=' */
	{ "a=", 1, { { "a", "" } } },
	{ "a&b=2", 2, { { "a", "" }, { "b", "2" } } },
	{ "=x", 1, { { "", "x" } } },
	{ "a=b=c", 1, { { "a", "b=c" } } },		/* first '=' splits */
	{ "q=a+b", 1, { { "q", "a b" } } },
	{ "q=%2B", 1, { { "q", "+" } } },
	{ "q=%20%25%26%3D", 1, { { "q", " %&=" } } },
	{ "q=%4a%4A", 1, { { "q", "JJ" } } },		/* either hex case */
	{ "q=%C3%A9", 1, { { "q", "\xc3\xa9" } } },	/* UTF-8 bytes */
	{ "q=%e2%82%ac", 1, { { "q", "\xe2\x82\xac" } } },
	{ "q=a%26b=c", 1, { { "q", "a&b=c" } } },	/* encoded '&' does not split */
	{ "%6C%69mit=5", 1, { { "limit", "5" } } },	/* keys decode too */
	{ "a+b=c+d", 1, { { "a b", "c d" } } },
	{ "x=%41", 1, { { "x", "A" } } },		/* escape at the very end */
	{ "a=1&a=2", 2, { { "a", "1" }, { "a", "2" } } },	/* parsed; keys check */
};

START_TEST(test_parse_ok)
{
	for (size_t i = 0; i < N_ELEMS(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct query q;
		enum query_error e = query_parse(c->qs, &q);

		ck_assert_msg(e == QUERY_OK, "query_parse(\"%s\") = %d (%s)",
		    c->qs, e, query_strerror(e));
		ck_assert_msg(q.n == c->n, "query_parse(\"%s\"): %zu params, want %zu",
		    c->qs, q.n, c->n);
		for (size_t j = 0; j < c->n; j++) {
			ck_assert_msg(strcmp(q.p[j].key, c->pairs[j][0]) == 0,
			    "query_parse(\"%s\"): key %zu is \"%s\", want \"%s\"",
			    c->qs, j, q.p[j].key, c->pairs[j][0]);
			ck_assert_msg(strcmp(q.p[j].value, c->pairs[j][1]) == 0,
			    "query_parse(\"%s\"): value %zu is \"%s\", want \"%s\"",
			    c->qs, j, q.p[j].value, c->pairs[j][1]);
		}
	}
}
END_TEST

static const char *const bad_encoding_cases[] = {
	"%",
	"%4",
	"%zz",
	"%g1",
	"%1g",
	"%00",				/* a decoded NUL */
	"a=%",
	"a=%4",
	"a=%zz",
	"a=%00",
	"a=x%00y",
	"a=%%41",
	"a=%-1",
	"a=%+1",
	"a=% 1",
	"ok=1&a=%",			/* a later pair */
	"%=1",
	"a%0=1",
};

START_TEST(test_parse_bad_encoding)
{
	for (size_t i = 0; i < N_ELEMS(bad_encoding_cases); i++) {
		const char *qs = bad_encoding_cases[i];
		struct query q;
		enum query_error e = query_parse(qs, &q);

		ck_assert_msg(e == QUERY_BAD_ENCODING,
		    "query_parse(\"%s\") = %d, want QUERY_BAD_ENCODING", qs, e);
	}
}
END_TEST

START_TEST(test_parse_too_many)
{
	char qs[256] = "";
	struct query q;
	enum query_error e;

	/* QUERY_MAX_PARAMS pairs, empty pairs between them not counted. */
	for (int i = 0; i < QUERY_MAX_PARAMS; i++) {
		char pair[16];

		snprintf(pair, sizeof(pair), "%sk%d=%d&", i ? "&" : "", i, i);
		strcat(qs, pair);
	}
	e = query_parse(qs, &q);
	ck_assert_msg(e == QUERY_OK, "%d params: %s", QUERY_MAX_PARAMS, query_strerror(e));
	ck_assert_uint_eq(q.n, QUERY_MAX_PARAMS);
	ck_assert_str_eq(query_get(&q, "k15"), "15");

	strcat(qs, "one=more");
	e = query_parse(qs, &q);
	ck_assert_msg(e == QUERY_TOO_MANY, "%d params: %d, want QUERY_TOO_MANY",
	    QUERY_MAX_PARAMS + 1, e);

	/* Keys without values count too. */
	ck_assert_int_eq(query_parse("a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p", &q), QUERY_OK);
	ck_assert_uint_eq(q.n, 16);
	ck_assert_int_eq(query_parse("a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p&q", &q),
	    QUERY_TOO_MANY);
}
END_TEST

START_TEST(test_parse_too_long)
{
	static char qs[QUERY_MAX_BYTES + 2];
	struct query q;

	/* Exactly QUERY_MAX_BYTES: accepted, and the value decodes whole. */
	memset(qs, 'x', QUERY_MAX_BYTES);
	memcpy(qs, "a=", 2);
	qs[QUERY_MAX_BYTES] = '\0';
	ck_assert_int_eq(query_parse(qs, &q), QUERY_OK);
	ck_assert_uint_eq(q.n, 1);
	ck_assert_uint_eq(strlen(query_get(&q, "a")), QUERY_MAX_BYTES - 2);

	/* One byte more: refused. */
	qs[QUERY_MAX_BYTES] = 'x';
	qs[QUERY_MAX_BYTES + 1] = '\0';
	ck_assert_int_eq(query_parse(qs, &q), QUERY_TOO_LONG);
}
END_TEST

START_TEST(test_parse_full_buffer)
{
	/*
	 * The worst case for the decode buffer: the most parameters, all
	 * keys without '=', filling QUERY_MAX_BYTES.
	 */
	static char qs[QUERY_MAX_BYTES + 1];
	size_t o = 0;
	struct query q;

	for (int i = 0; i < QUERY_MAX_PARAMS; i++) {
		size_t klen = (QUERY_MAX_BYTES - (QUERY_MAX_PARAMS - 1)) / QUERY_MAX_PARAMS;

		if (i > 0)
			qs[o++] = '&';
		memset(qs + o, 'a' + i, klen);
		o += klen;
	}
	while (o < QUERY_MAX_BYTES)
		qs[o++] = 'p';
	qs[o] = '\0';
	ck_assert_uint_eq(strlen(qs), QUERY_MAX_BYTES);
	ck_assert_int_eq(query_parse(qs, &q), QUERY_OK);
	ck_assert_uint_eq(q.n, QUERY_MAX_PARAMS);
	for (size_t i = 0; i < q.n; i++)
		ck_assert_str_eq(q.p[i].value, "");
	ck_assert_int_eq(q.p[15].key[0], 'p');
}
END_TEST

/* ------------------------------------------------------------------ */
/* query_check_keys, query_get                                         */
/* ------------------------------------------------------------------ */

struct keys_case {
	const char *qs;
	enum query_error want;
	const char *bad;
};

static const struct keys_case keys_cases[] = {
	{ "", QUERY_OK, NULL },
	{ "limit=10", QUERY_OK, NULL },
	{ "after=3&limit=10", QUERY_OK, NULL },
	{ "limit=10&sort=name", QUERY_UNKNOWN_KEY, "sort" },
	{ "x", QUERY_UNKNOWN_KEY, "x" },
	{ "=1", QUERY_UNKNOWN_KEY, "" },
	{ "Limit=1", QUERY_UNKNOWN_KEY, "Limit" },	/* case-sensitive */
	{ "limit=1&limit=2", QUERY_REPEATED_KEY, "limit" },
	{ "limit=1&after=2&limit=1", QUERY_REPEATED_KEY, "limit" },
	{ "li%6Dit=1&limit=2", QUERY_REPEATED_KEY, "limit" },	/* decoded */
	{ "lim+it=1", QUERY_UNKNOWN_KEY, "lim it" },
};

START_TEST(test_check_keys)
{
	static const char *const allowed[] = { "limit", "after", NULL };

	for (size_t i = 0; i < N_ELEMS(keys_cases); i++) {
		const struct keys_case *c = &keys_cases[i];
		struct query q;
		const char *bad = "untouched";
		enum query_error e;

		ck_assert_msg(query_parse(c->qs, &q) == QUERY_OK, "parse \"%s\"", c->qs);
		e = query_check_keys(&q, allowed, &bad);
		ck_assert_msg(e == c->want, "query_check_keys(\"%s\") = %d, want %d",
		    c->qs, e, c->want);
		if (c->bad == NULL)
			ck_assert_msg(bad == NULL, "query_check_keys(\"%s\"): bad = \"%s\"",
			    c->qs, bad ? bad : "(null)");
		else
			ck_assert_msg(bad != NULL && strcmp(bad, c->bad) == 0,
			    "query_check_keys(\"%s\"): bad = \"%s\", want \"%s\"",
			    c->qs, bad ? bad : "(null)", c->bad);
	}
}
END_TEST

START_TEST(test_check_keys_none_allowed)
{
	static const char *const none[] = { NULL };
	struct query q;
	const char *bad = NULL;

	ck_assert_int_eq(query_parse("", &q), QUERY_OK);
	ck_assert_int_eq(query_check_keys(&q, none, &bad), QUERY_OK);
	ck_assert_int_eq(query_parse("a=1", &q), QUERY_OK);
	ck_assert_int_eq(query_check_keys(&q, none, &bad), QUERY_UNKNOWN_KEY);
	ck_assert_str_eq(bad, "a");
}
END_TEST

START_TEST(test_get)
{
	struct query q;

	ck_assert_int_eq(query_parse("limit=10&after=&name=Ada+L%2E&flag", &q), QUERY_OK);
	ck_assert_str_eq(query_get(&q, "limit"), "10");
	ck_assert_str_eq(query_get(&q, "after"), "");
	ck_assert_str_eq(query_get(&q, "name"), "Ada L.");
	ck_assert_str_eq(query_get(&q, "flag"), "");
	ck_assert_ptr_null(query_get(&q, "missing"));
	ck_assert_ptr_null(query_get(&q, "LIMIT"));
	ck_assert_ptr_null(query_get(&q, "limit=10"));

	/* The first of a repeated key. */
	ck_assert_int_eq(query_parse("a=1&a=2", &q), QUERY_OK);
	ck_assert_str_eq(query_get(&q, "a"), "1");

	ck_assert_int_eq(query_parse("", &q), QUERY_OK);
	ck_assert_ptr_null(query_get(&q, ""));
}
END_TEST

START_TEST(test_strerror)
{
	for (int e = QUERY_OK; e <= QUERY_REPEATED_KEY; e++) {
		const char *s = query_strerror((enum query_error)e);

		ck_assert_msg(s != NULL && *s != '\0', "query_strerror(%d) is empty", e);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* query_append                                                        */
/* ------------------------------------------------------------------ */

struct append_case {
	const char *before;
	const char *key;
	const char *value;
	const char *want;
};

static const struct append_case append_cases[] = {
	{ "", "limit", "10", "limit=10" },
	{ "limit=10", "after", "42", "limit=10&after=42" },
	{ "", "q", "", "q=" },
	{ "", "q", "AZaz09-._~", "q=AZaz09-._~" },	/* unreserved stay */
	{ "", "q", "a@b", "q=a%40b" },
	{ "", "q", "a&b", "q=a%26b" },
	{ "", "q", "a=b", "q=a%3Db" },
	{ "", "q", "a b", "q=a%20b" },
	{ "", "q", "a+b", "q=a%2Bb" },
	{ "", "q", "100%", "q=100%25" },
	{ "", "q", "/?#[]", "q=%2F%3F%23%5B%5D" },
	{ "", "q", "\xc3\xa9", "q=%C3%A9" },		/* UTF-8 bytes, upper hex */
	{ "", "q", "\xf0\x9f\x98\x80", "q=%F0%9F%98%80" },
	{ "", "q", "\x01\x7f", "q=%01%7F" },
	{ "a=1&b=2", "c", "x y", "a=1&b=2&c=x%20y" },
};

START_TEST(test_append)
{
	for (size_t i = 0; i < N_ELEMS(append_cases); i++) {
		const struct append_case *c = &append_cases[i];
		char buf[128];

		snprintf(buf, sizeof(buf), "%s", c->before);
		ck_assert_msg(query_append(buf, sizeof(buf), c->key, c->value) == 0,
		    "query_append(\"%s\", \"%s\", \"%s\") failed", c->before, c->key, c->value);
		ck_assert_msg(strcmp(buf, c->want) == 0,
		    "query_append(\"%s\", \"%s\", \"%s\") = \"%s\", want \"%s\"",
		    c->before, c->key, c->value, buf, c->want);
	}
}
END_TEST

START_TEST(test_append_round_trip)
{
	/* What query_append encodes, query_parse decodes back. */
	static const char *const values[] = {
		"plain", "a b&c=d", "100% +1", "@#/?", "\xc3\xa9t\xc3\xa9", "~-._",
	};
	char buf[256] = "";
	struct query q;

	for (size_t i = 0; i < N_ELEMS(values); i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_int_eq(query_append(buf, sizeof(buf), key, values[i]), 0);
	}
	ck_assert_int_eq(query_parse(buf, &q), QUERY_OK);
	ck_assert_uint_eq(q.n, N_ELEMS(values));
	for (size_t i = 0; i < N_ELEMS(values); i++)
		ck_assert_msg(strcmp(q.p[i].value, values[i]) == 0,
		    "\"%s\" came back as \"%s\" through \"%s\"", values[i], q.p[i].value, buf);
}
END_TEST

/* query_append into a buffer of size n: fits (the result) or not (NULL). */
struct fit_case {
	const char *before;
	const char *key;
	const char *value;
	size_t n;
	const char *want;	/* NULL: -1, buf unchanged */
};

static const struct fit_case fit_cases[] = {
	{ "", "k", "v", 4, "k=v" },			/* exactly fits */
	{ "", "k", "v", 3, NULL },
	{ "", "k", "v", 2, NULL },
	{ "", "k", "v", 1, NULL },
	{ "", "key", "", 5, "key=" },
	{ "", "key", "", 4, NULL },			/* '=' does not fit */
	{ "", "k", "@", 6, "k=%40" },			/* escape exactly fits */
	{ "", "k", "@", 5, NULL },			/* escape cut */
	{ "", "k", "@", 4, NULL },
	{ "", "k", "@", 3, NULL },
	{ "a=1", "b", "2", 8, "a=1&b=2" },
	{ "a=1", "b", "2", 7, NULL },
	{ "a=1", "b", "2", 5, NULL },			/* '&' only */
	{ "a=1", "b", "2", 4, NULL },			/* not even '&' */
	{ "a=1", "bb", "\xc3\xa9", 14, "a=1&bb=%C3%A9" },
	{ "a=1", "bb", "\xc3\xa9", 13, NULL },		/* second escape cut */
	{ "a=1", "bb", "\xc3\xa9", 12, NULL },
	{ "a=1", "bb", "\xc3\xa9", 10, NULL },		/* first escape cut */
};

START_TEST(test_append_fit)
{
	for (size_t i = 0; i < N_ELEMS(fit_cases); i++) {
		const struct fit_case *c = &fit_cases[i];
		char buf[64];
		int rc;

		/* Guard bytes past n must stay untouched. */
		memset(buf, '#', sizeof(buf));
		memcpy(buf, c->before, strlen(c->before) + 1);
		rc = query_append(buf, c->n, c->key, c->value);
		if (c->want != NULL) {
			ck_assert_msg(rc == 0 && strcmp(buf, c->want) == 0,
			    "query_append(\"%s\", n=%zu, %s, %s) = %d \"%s\", want \"%s\"",
			    c->before, c->n, c->key, c->value, rc, buf, c->want);
		} else {
			ck_assert_msg(rc == -1,
			    "query_append(\"%s\", n=%zu, %s, %s) = %d \"%s\", want -1",
			    c->before, c->n, c->key, c->value, rc, buf);
			ck_assert_msg(strcmp(buf, c->before) == 0,
			    "query_append(\"%s\", n=%zu, %s, %s) left \"%s\"",
			    c->before, c->n, c->key, c->value, buf);
		}
		for (size_t j = c->n; j < sizeof(buf); j++)
			ck_assert_msg(buf[j] == '#',
			    "query_append(\"%s\", n=%zu, %s, %s) wrote byte %zu",
			    c->before, c->n, c->key, c->value, j);
	}
}
END_TEST

Suite *
query_suite(void)
{
	Suite *s = suite_create("query");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_bad_encoding);
	tcase_add_test(tc, test_parse_too_many);
	tcase_add_test(tc, test_parse_too_long);
	tcase_add_test(tc, test_parse_full_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("keys");
	tcase_add_test(tc, test_check_keys);
	tcase_add_test(tc, test_check_keys_none_allowed);
	tcase_add_test(tc, test_get);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);

	tc = tcase_create("append");
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_append_round_trip);
	tcase_add_test(tc, test_append_fit);
	suite_add_tcase(s, tc);

	return s;
}
