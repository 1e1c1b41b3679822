/*
 * fuzz_http.c - a service's request handling under libFuzzer; see
 * fuzz_http.h. request_harness.c serves the requests; this file splits an
 * input into them and aborts on an answer a hostile request must never
 * get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_http.h"

static const struct fuzz_http_target *target;

static void
fail(const char *what, const char *answer, size_t len)
{
	fprintf(stderr, "fuzz_http: %s\n--- answer (%zu bytes) ---\n%.*s\n---\n",
	    what, len, (int)(len > 2000 ? 2000 : len), answer);
	abort();
}

static int
status_allowed(int status)
{
	if (status >= 200 && status < 500)
		return 1;
	for (const int *s = target->allowed_5xx; s && *s; s++)
		if (*s == status)
			return 1;
	return 0;
}

void
fuzz_http_init(struct fuzz_http_target *t)
{
	target = t;
	t->harness.own_prefix = "X-Fuzz-";
	if (harness_init(&t->harness) < 0)
		fail("the harness could not be set up", "", 0);
}

void
fuzz_http_run(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *p, *sep, *end = text + size;
	struct harness_answer a;
	const char *why;
	int n = 0;

	if (harness_reset() < 0)
		fail("the fixtures could not be served", "", 0);
	for (p = text; p <= end && n < FUZZ_HTTP_MAX_REQUESTS; n++) {
		sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		if (sep == NULL)
			sep = end;
		harness_serve(p, (size_t)(sep - p), &a);
		if ((why = harness_answer_problem(&a)) != NULL)
			fail(why, a.text, a.len);
		if (!status_allowed(a.status))
			fail("a status a hostile request must never get", a.text, a.len);
		p = sep + 4;
	}
}
