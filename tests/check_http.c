/*
 * check_http.c - the pure parts of common/http.c: If-Match parsing and its
 * strong comparison against the integer versions in a service's ETags
 * ("3"), the media type and charset of a Content-Type, and the reason
 * phrases of status codes, which the titles of the problems nginx makes
 * itself (nginx/microshop.conf.in) repeat.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "http.h"

/* ------------------------------------------------------------------ */
/* http_if_match_parse, http_if_match_allows                           */
/* ------------------------------------------------------------------ */

START_TEST(test_if_match_absent)
{
	struct if_match im;

	memset(&im, 0x5a, sizeof(im));
	ck_assert_int_eq(http_if_match_parse(NULL, &im), 0);
	ck_assert_int_eq(im.present, 0);
	ck_assert_int_eq(im.any, 0);
	ck_assert_uint_eq(im.n, 0);
	/* No precondition: any version passes. */
	ck_assert_int_eq(http_if_match_allows(&im, 1), 1);
	ck_assert_int_eq(http_if_match_allows(&im, 0), 1);
	ck_assert_int_eq(http_if_match_allows(&im, INT64_MAX), 1);
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

		ck_assert_msg(http_if_match_parse(c->value, &im) == 0,
		    "http_if_match_parse('%s') failed", c->value);
		ck_assert_msg(im.present == 1, "'%s': not present", c->value);
		ck_assert_msg(im.any == c->any, "'%s': any = %d", c->value, im.any);
		for (size_t j = 0; j < N_ELEMS(probes); j++) {
			int want = c->any;

			for (size_t k = 0; k < MAX_VERSIONS && c->allowed[k]; k++)
				want |= c->allowed[k] == probes[j];
			ck_assert_msg(http_if_match_allows(&im, probes[j]) == want,
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

		ck_assert_msg(http_if_match_parse(if_match_bad[i], &im) == -1,
		    "http_if_match_parse('%s') accepted", if_match_bad[i]);
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

	ck_assert_int_eq(http_if_match_parse("\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\"",
	    &im), 0);
	ck_assert_uint_eq(im.n, IF_MATCH_MAX);
	ck_assert_int_eq(http_if_match_allows(&im, 8), 1);
	ck_assert_int_eq(http_if_match_allows(&im, 9), 0);

	/* Tags that are not versions take no room. */
	ck_assert_int_eq(http_if_match_parse("W/\"1\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\","
	    "\"g\",\"h\",\"2\"", &im), 0);
	ck_assert_int_eq(http_if_match_allows(&im, 2), 1);

	rc = http_if_match_parse("\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"", &im);
	ck_assert_msg(rc == -1 || http_if_match_allows(&im, 9) == 1,
	    "If-Match with %d versions: parsed (%d) but version 9, which it lists, "
	    "does not pass", IF_MATCH_MAX + 1, rc);
	/* Weak and foreign tags beyond the limit are fine: they take no room. */
	ck_assert_int_eq(http_if_match_parse("\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
	    "W/\"9\",\"x\"", &im), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* http_content_type_check                                             */
/* ------------------------------------------------------------------ */

struct content_type_case {
	const char *value;
	enum content_type_check want;
};

static const struct content_type_case content_type_cases[] = {
	{ "application/json", CONTENT_TYPE_OK },
	{ "APPLICATION/Json", CONTENT_TYPE_OK },
	{ "application/json; charset=utf-8", CONTENT_TYPE_OK },
	{ "application/json;charset=UTF-8", CONTENT_TYPE_OK },
	{ "application/json; charset=\"utf-8\"", CONTENT_TYPE_OK },
	{ "application/json; CharSet=\"UTF-8\"", CONTENT_TYPE_OK },
	{ "application/json; charset=\"utf\\-8\"", CONTENT_TYPE_OK },	/* a quoted-pair */
	{ "application/json ; charset=utf-8", CONTENT_TYPE_OK },
	{ "application/json\t;\tcharset=utf-8\t", CONTENT_TYPE_OK },
	{ "application/json; charset=utf-8; profile=x", CONTENT_TYPE_OK },
	{ "application/json; profile=\"a;b, charset=utf-16\"", CONTENT_TYPE_OK },
	{ "application/json;", CONTENT_TYPE_OK },		/* empty parameters */
	{ "application/json; ; charset=utf-8", CONTENT_TYPE_OK },
	{ "application/merge-patch+json; charset=utf-8", CONTENT_TYPE_OK },
	/* Another charset: the body would be read as UTF-8 all the same. */
	{ "application/json; charset=utf-16", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=UTF-16LE", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=\"utf-16\"", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json;CHARSET=\"UTF-32\"", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=iso-8859-1", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=utf8", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=us-ascii", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=\"\"", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=\"utf-8 \"", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=utf-8; charset=utf-16", CONTENT_TYPE_WRONG_CHARSET },
	{ "application/json; charset=utf-16; charset=utf-8", CONTENT_TYPE_WRONG_CHARSET },
	/* Another media type. */
	{ NULL, CONTENT_TYPE_WRONG_TYPE },
	{ "", CONTENT_TYPE_WRONG_TYPE },
	{ "text/json", CONTENT_TYPE_WRONG_TYPE },
	{ "application/jsonx", CONTENT_TYPE_WRONG_TYPE },
	{ "application/json-seq", CONTENT_TYPE_WRONG_TYPE },
	{ "; charset=utf-8", CONTENT_TYPE_WRONG_TYPE },
	{ "text/plain; charset=utf-8", CONTENT_TYPE_WRONG_TYPE },
	/* Not a Content-Type. */
	{ "application/json x", CONTENT_TYPE_MALFORMED },
	{ "application/json charset=utf-8", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset=", CONTENT_TYPE_MALFORMED },
	{ "application/json; =utf-8", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset=utf 8", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset=\"utf-8", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset=\"utf-8\\\"", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset=utf-8\"", CONTENT_TYPE_MALFORMED },
	{ "application/json; char set=utf-8", CONTENT_TYPE_MALFORMED },
	{ "application/json; charset=\"a\x01\"", CONTENT_TYPE_MALFORMED },
};

START_TEST(test_content_type)
{
	static const char *const types[] = {
		"application/merge-patch+json", "application/json", NULL
	};

	for (size_t i = 0; i < N_ELEMS(content_type_cases); i++) {
		const struct content_type_case *c = &content_type_cases[i];
		enum content_type_check got = http_content_type_check(c->value, types);

		ck_assert_msg(got == c->want, "http_content_type_check(\"%s\") = %d, want %d",
		    c->value ? c->value : "(null)", (int)got, (int)c->want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* http_status_text                                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_status_text)
{
	static const struct {
		int status;
		const char *text;
	} cases[] = {
		{ 200, "OK" },
		{ 201, "Created" },
		{ 204, "No Content" },
		{ 400, "Bad Request" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 409, "Conflict" },
		{ 412, "Precondition Failed" },
		{ 413, "Content Too Large" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" },
		{ 428, "Precondition Required" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
		{ 0, "Unknown" },
		{ 299, "Unknown" },
		{ 999, "Unknown" },
		{ -1, "Unknown" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++)
		ck_assert_msg(strcmp(http_status_text(cases[i].status), cases[i].text) == 0,
		    "http_status_text(%d) = \"%s\", want \"%s\"", cases[i].status,
		    http_status_text(cases[i].status), cases[i].text);
}
END_TEST

/*
 * The problems nginx makes itself: each `return NNN '{...}'` of the site's
 * template has the title the services give status NNN (http_status_text)
 * and repeats NNN as its status, so that a client reads the same title from
 * nginx and from a service. Returns 1 when LINE is such a return and it
 * agrees; 0 when LINE is none; -1 (with why in msg) when it disagrees.
 */
static int
problem_line_check(const char *line, char *msg, size_t n)
{
	const char *p = strstr(line, "return "), *title, *end, *st;
	char *after;
	long status, json_status;
	size_t len;

	if (p == NULL || strstr(p, "'{") == NULL)
		return 0;
	status = strtol(p + strlen("return "), &after, 10);
	title = strstr(p, "\"title\":\"");
	st = strstr(p, "\"status\":");
	if (title == NULL || st == NULL) {
		snprintf(msg, n, "no title or status in: %s", line);
		return -1;
	}
	title += strlen("\"title\":\"");
	end = strchr(title, '"');
	json_status = strtol(st + strlen("\"status\":"), NULL, 10);
	len = end != NULL ? (size_t)(end - title) : 0;
	if (end == NULL || strlen(http_status_text((int)status)) != len ||
	    strncmp(title, http_status_text((int)status), len) != 0 || json_status != status) {
		snprintf(msg, n, "return %ld: title \"%.*s\" and status %ld, the services' "
		    "reason phrase \"%s\"", status, (int)len, title, json_status,
		    http_status_text((int)status));
		return -1;
	}
	return 1;
}

START_TEST(test_nginx_problem_titles)
{
	const char *srcdir = getenv("MICROSHOP_SRCDIR");
	char path[4096], line[2048], msg[2600];
	int problems = 0, locations = 0, n;
	FILE *f;

	n = snprintf(path, sizeof(path), "%s/nginx/microshop.conf.in",
	    srcdir != NULL ? srcdir : MICROSHOP_TOP_SRCDIR);
	ck_assert(n > 0 && (size_t)n < sizeof(path));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "location = /.problem/") != NULL)
			locations++;
		switch (problem_line_check(line, msg, sizeof(msg))) {
		case 1:
			problems++;
			break;
		case -1:
			fclose(f);
			ck_abort_msg("%s: %s", path, msg);
			break;
		}
	}
	fclose(f);
	/* Every problem location answers one problem, and they were read. */
	ck_assert_int_gt(problems, 0);
	ck_assert_int_eq(problems, locations);
}
END_TEST

Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("if_match");
	tcase_add_test(tc, test_if_match_absent);
	tcase_add_test(tc, test_if_match);
	tcase_add_test(tc, test_if_match_malformed);
	tcase_add_test(tc, test_if_match_many_tags);
	suite_add_tcase(s, tc);

	tc = tcase_create("content_type");
	tcase_add_test(tc, test_content_type);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_test(tc, test_status_text);
	tcase_add_test(tc, test_nginx_problem_titles);
	suite_add_tcase(s, tc);

	return s;
}
