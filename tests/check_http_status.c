/*
 * check_http_status.c - common/core/http_status.c: the reason phrases of
 * status codes, which the titles of the problems nginx makes itself
 * (nginx/microshop.conf.in) repeat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "http_status.h"

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
http_status_suite(void)
{
	Suite *s = suite_create("http_status");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_status_text);
	tcase_add_test(tc, test_nginx_problem_titles);
	suite_add_tcase(s, tc);
	return s;
}
