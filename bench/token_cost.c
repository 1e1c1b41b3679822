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
#include "keygen.h"
#include "token.h"

#define RUNS 9
#define ITERATIONS 2000
#define CACHED_ITERATIONS 100000

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
cost_us(enum token_result (*verify)(const struct token_rules *, const char *, int64_t,
    struct token_claims *), const struct token_rules *rules, const char *token, int64_t now,
    int iterations)
{
	struct token_claims out;
	double per_us[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_us();

		for (int i = 0; i < iterations; i++)
			if (verify(rules, token, now, &out) != TOKEN_OK)
				exit(1);
		per_us[r] = (now_us() - t0) / iterations;
	}
	qsort(per_us, RUNS, sizeof(per_us[0]), cmp_double);
	return per_us[RUNS / 2];
}

/* The median cost of making one token for c, in microseconds. */
static double
sign_us(const struct keyring *kr, const struct token_claims *c)
{
	double per_us[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_us();

		for (int i = 0; i < ITERATIONS; i++) {
			char *t = token_make(kr, c, NULL);

			if (t == NULL)
				exit(1);
			free(t);
		}
		per_us[r] = (now_us() - t0) / ITERATIONS;
	}
	qsort(per_us, RUNS, sizeof(per_us[0]), cmp_double);
	return per_us[RUNS / 2];
}

int
main(void)
{
	struct keyring kr = { 0 };
	struct token_rules rules = { &kr, "microshop-user", 900 };
	struct token_claims c = { .role = TOKEN_CUSTOMER, .user_id = 4242, .cred_version = 1 };
	struct keygen_pair pair;
	const char *why;
	char *token;

	if (keygen_p256(&pair) < 0 ||
	    keyring_add_private(&kr, pair.private_pem, pair.private_len, KEY_USER_TOKENS, &why) < 0)
		return 1;
	c.iat = (int64_t)time(NULL);
	c.exp = c.iat + 900;
	token = token_make(&kr, &c, NULL);
	if (token == NULL)
		return 1;
	printf("verify_us=%.3f cached_us=%.3f sign_us=%.3f\n",
	    cost_us(token_verify, &rules, token, c.iat, ITERATIONS),
	    cost_us(auth_token_verify, &rules, token, c.iat, CACHED_ITERATIONS),
	    sign_us(&kr, &c));
	free(token);
	keyring_free(&kr);
	keygen_free(&pair);
	return 0;
}
