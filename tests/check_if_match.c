/*
 * check_if_match.c - common/core/if_match.c: If-Match parsing and its
 * strong comparison against the integer versions in a service's ETags
 * ("3").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "if_match.h"

START_TEST(test_if_match_absent)
{
	struct if_match im;

	memset(&im, 0x5a, sizeof(im));
	ck_assert_int_eq(if_match_parse(NULL, &im), 0);
	ck_assert_int_eq(im.present, 0);
	ck_assert_int_eq(im.any, 0);
	ck_assert_uint_eq(im.n, 0);
	/* No precondition: any version passes. */
	ck_assert_int_eq(if_match_allows(&im, 1), 1);
	ck_assert_int_eq(if_match_allows(&im, 0), 1);
	ck_assert_int_eq(if_match_allows(&im, INT64_MAX), 1);
}
END_TEST

#define MAX_VERSIONS 4

struct if_match_case {
	const char *value;
	int any;
	int64_t allowed[MAX_VERSIONS];	/* 0-terminated */
};

/* Versions probed against each parsed header. */
static const int64_t probes[] = { 1, 2, 3, 4, 9, 10, 12, 33, INT64_MAX };

static const struct if_match_case if_match_cases[] = {
	{ "*", 1, { 0 } },
	{ "  *  ", 1, { 0 } },
	{ "\t*", 1, { 0 } },
	{ "\"3\"", 0, { 3 } },
	{ " \"3\" ", 0, { 3 } },
	{ "\t\"3\"\t", 0, { 3 } },
	{ "\"33\"", 0, { 33 } },
	{ "\"9223372036854775807\"", 0, { INT64_MAX } },
	/* Weak tags never match strongly. */
	{ "W/\"3\"", 0, { 0 } },
	{ "W/\"3\", \"4\"", 0, { 4 } },
	/* Lists, with and without optional white space. */
	{ "\"1\", \"2\"", 0, { 1, 2 } },
	{ "\"1\",\"2\"", 0, { 1, 2 } },
	{ "\"1\" ,\t\"2\" , \"10\"", 0, { 1, 2, 10 } },
	{ "\"12\", \"3\"", 0, { 12, 3 } },
	/* Well-formed tags that are not a version of ours match nothing. */
	{ "\"\"", 0, { 0 } },
	{ "\"abc\"", 0, { 0 } },
	{ "\"03\"", 0, { 0 } },
	{ "\"0\"", 0, { 0 } },
	{ "\"-3\"", 0, { 0 } },
	{ "\"3.0\"", 0, { 0 } },
	{ "\"9223372036854775808\"", 0, { 0 } },
	{ "\"abc\", \"4\"", 0, { 4 } },
	{ "\"\xc3\xa9\", \"2\"", 0, { 2 } },		/* obs-text is etagc */
	/* Empty list elements are accepted (RFC 9110 section 5.6.1.2). */
	{ "\"3\",", 0, { 3 } },
	{ "\"3\", ", 0, { 3 } },
	{ ",\"3\"", 0, { 3 } },
	{ "\"3\",,\"4\"", 0, { 3, 4 } },
	{ " , \"3\" ,, W/\"4\" , ", 0, { 3 } },
};

START_TEST(test_if_match)
{
	for (size_t i = 0; i < N_ELEMS(if_match_cases); i++) {
		const struct if_match_case *c = &if_match_cases[i];
		struct if_match im;

		ck_assert_msg(if_match_parse(c->value, &im) == 0,
		    "if_match_parse('%s') failed", c->value);
		ck_assert_msg(im.present == 1, "'%s': not present", c->value);
		ck_assert_msg(im.any == c->any, "'%s': any = %d", c->value, im.any);
		for (size_t j = 0; j < N_ELEMS(probes); j++) {
			int want = c->any;

			for (size_t k = 0; k < MAX_VERSIONS && c->allowed[k]; k++)
				want |= c->allowed[k] == probes[j];
			ck_assert_msg(if_match_allows(&im, probes[j]) == want,
			    "If-Match '%s' at version %lld: %d, want %d", c->value,
			    (long long)probes[j], !want, want);
		}
	}
}
END_TEST

static const char *const if_match_bad[] = {
	"",
	" ",
	",",
	" , ,",
	"3",
	"'3'",
	"\"3",
	"3\"",
	"\"3\" \"4\"",			/* a list needs commas */
	"\"3\"x",
	"\"3\";q=1",
	"w/\"3\"",			/* W is case-sensitive */
	"W/3",
	"W/ \"3\"",
	"W\"3\"",
	"\"a b\"",			/* no space inside a tag */
	"\"a\tb\"",
	"\"a\x7f\"",
	"\"a\x01\"",
	"**",
	"* \"3\"",
	"*, \"3\"",
	"\"3\", *",
};

START_TEST(test_if_match_malformed)
{
	for (size_t i = 0; i < N_ELEMS(if_match_bad); i++) {
		struct if_match im;

		ck_assert_msg(if_match_parse(if_match_bad[i], &im) == -1,
		    "if_match_parse('%s') accepted", if_match_bad[i]);
	}
}
END_TEST

START_TEST(test_if_match_many_tags)
{
	/*
	 * Up to IF_MATCH_MAX versions are kept. A longer list must not lose
	 * the version that matches: the header is either refused (400) or
	 * compared in full, never answered 412 for a version it lists.
	 */
	struct if_match im;
	int rc;

	ck_assert_int_eq(if_match_parse("\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\"",
	    &im), 0);
	ck_assert_uint_eq(im.n, IF_MATCH_MAX);
	ck_assert_int_eq(if_match_allows(&im, 8), 1);
	ck_assert_int_eq(if_match_allows(&im, 9), 0);

	/* Tags that are not versions take no room. */
	ck_assert_int_eq(if_match_parse("W/\"1\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\","
	    "\"g\",\"h\",\"2\"", &im), 0);
	ck_assert_int_eq(if_match_allows(&im, 2), 1);

	rc = if_match_parse("\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"", &im);
	ck_assert_msg(rc == -1 || if_match_allows(&im, 9) == 1,
	    "If-Match with %d versions: parsed (%d) but version 9, which it lists, "
	    "does not pass", IF_MATCH_MAX + 1, rc);
	/* Weak and foreign tags beyond the limit are fine: they take no room. */
	ck_assert_int_eq(if_match_parse("\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
	    "W/\"9\",\"x\"", &im), 0);
}
END_TEST

Suite *
if_match_suite(void)
{
	Suite *s = suite_create("if_match");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_if_match_absent);
	tcase_add_test(tc, test_if_match);
	tcase_add_test(tc, test_if_match_malformed);
	tcase_add_test(tc, test_if_match_many_tags);
	suite_add_tcase(s, tc);
	return s;
}
