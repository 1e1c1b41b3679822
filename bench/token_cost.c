/*
 * token_cost.c - bench/token-cost: what checking an access token costs, in
 * microseconds of one core, so that bench/run can say what share of
 * GET /user/{id}'s throughput it takes. Two figures, each the median of 9
 * runs of ITERATIONS checks:
 *
 *     verify_us=3.385 cached_us=0.210
 *
 * verify_us: a token never seen before (token_verify: libjwt's base64,
 * JSON and HMAC-SHA256); cached_us: the same token again, as a client
 * sends it with every request (auth_token_verify's per-thread cache).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "token.h"

#define RUNS 9
#define ITERATIONS 20000

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median cost of one check with verify(), in microseconds. */
static double
cost_us(enum token_result (*verify)(const struct token_key *, const char *, int64_t,
    struct token_claims *), const struct token_key *key, const char *token, int64_t now)
{
	struct token_claims out;
	double per_us[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_us();

		for (int i = 0; i < ITERATIONS; i++)
			if (verify(key, token, now, &out) != TOKEN_OK)
				exit(1);
		per_us[r] = (now_us() - t0) / ITERATIONS;
	}
	qsort(per_us, RUNS, sizeof(per_us[0]), cmp_double);
	return per_us[RUNS / 2];
}

int
main(void)
{
	struct token_key key = { .len = 64 };
	struct token_claims c = { TOKEN_CUSTOMER, 4242, 0, 0 };
	char *token;

	memset(key.bytes, 'k', key.len);
	c.iat = (int64_t)time(NULL);
	c.exp = c.iat + 900;
	token = token_make(&key, &c);
	if (token == NULL)
		return 1;
	printf("verify_us=%.3f cached_us=%.3f\n", cost_us(token_verify, &key, token, c.iat),
	    cost_us(auth_token_verify, &key, token, c.iat));
	free(token);
	return 0;
}
