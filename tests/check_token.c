/*
 * check_token.c - common/token.c: HS256 access tokens made and checked,
 * and every way a token must be refused: another key, another alg (none,
 * HS384), a changed byte, a truncation, expiry, a future iat, claims that
 * are not ours; the key file's rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jwt.h>

#include "check_suites.h"
#include "token.h"

#define NOW 1800000000

static struct token_key key, other_key;

static void
keys_setup(void)
{
	key.len = 32;
	other_key.len = 32;
	for (size_t i = 0; i < 32; i++) {
		key.bytes[i] = (unsigned char)(i * 7 + 1);
		other_key.bytes[i] = (unsigned char)(i * 7 + 2);
	}
}

static struct token_claims
claims(enum token_role role, int64_t user_id, int64_t iat, int64_t exp)
{
	struct token_claims c = { role, user_id, iat, exp };

	return c;
}

/* A token signed by libjwt with any alg and any grants (JSON). */
static char *
raw_token(jwt_alg_t alg, const char *grants)
{
	jwt_t *jwt;
	char *s;

	ck_assert_int_eq(jwt_new(&jwt), 0);
	ck_assert_int_eq(jwt_add_grants_json(jwt, grants), 0);
	ck_assert_int_eq(jwt_set_alg(jwt, alg, alg == JWT_ALG_NONE ? NULL : key.bytes,
	    alg == JWT_ALG_NONE ? 0 : (int)key.len), 0);
	s = jwt_encode_str(jwt);
	jwt_free(jwt);
	ck_assert_ptr_nonnull(s);
	return s;
}

static enum token_result
verify(const char *t, struct token_claims *out)
{
	return token_verify(&key, t, NOW, out);
}

START_TEST(test_round_trip)
{
	struct token_claims out;
	char *t = token_make(&key, &(struct token_claims){ TOKEN_CUSTOMER, 42, NOW, NOW + 900 });

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(verify(t, &out), TOKEN_OK);
	ck_assert_int_eq(out.role, TOKEN_CUSTOMER);
	ck_assert_int_eq(out.user_id, 42);
	ck_assert_int_eq(out.iat, NOW);
	ck_assert_int_eq(out.exp, NOW + 900);
	/* The header says HS256 and JWT: eyJ... of {"alg":"HS256","typ":"JWT"}. */
	ck_assert_int_eq(strncmp(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37), 0);
	free(t);

	t = token_make(&key, &(struct token_claims){ TOKEN_ADMIN, 1, NOW, NOW + 1 });
	ck_assert_int_eq(verify(t, &out), TOKEN_OK);
	ck_assert_int_eq(out.role, TOKEN_ADMIN);
	free(t);
	t = token_make(&key, &(struct token_claims){ TOKEN_SERVICE, 0, NOW, NOW + 60 });
	ck_assert_int_eq(verify(t, &out), TOKEN_OK);
	ck_assert_int_eq(out.role, TOKEN_SERVICE);
	ck_assert_int_eq(out.user_id, 0);
	free(t);
}
END_TEST

START_TEST(test_other_key)
{
	struct token_claims c = claims(TOKEN_ADMIN, 1, NOW, NOW + 900), out;
	char *t = token_make(&other_key, &c);

	ck_assert_int_eq(verify(t, &out), TOKEN_INVALID);
	free(t);
}
END_TEST

START_TEST(test_alg_none_and_others)
{
	static const char grants[] =
	    "{\"sub\":\"1\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":1800000900}";
	struct token_claims out;
	char *t = raw_token(JWT_ALG_NONE, grants);
	char forged[512];

	ck_assert_int_eq(verify(t, &out), TOKEN_INVALID);
	/* "none" with a signature stuck on, taken from a good token. */
	{
		char *good = raw_token(JWT_ALG_HS256, grants);

		ck_assert_int_eq(verify(good, &out), TOKEN_OK);
		snprintf(forged, sizeof(forged), "%s%s", t, strrchr(good, '.') + 1);
		ck_assert_int_eq(verify(forged, &out), TOKEN_INVALID);
		free(good);
	}
	free(t);
	/* A good HMAC under the same key, but not the one alg we use. */
	t = raw_token(JWT_ALG_HS384, grants);
	ck_assert_int_eq(verify(t, &out), TOKEN_INVALID);
	free(t);
	t = raw_token(JWT_ALG_HS512, grants);
	ck_assert_int_eq(verify(t, &out), TOKEN_INVALID);
	free(t);
}
END_TEST

START_TEST(test_tampered_and_truncated)
{
	struct token_claims c = claims(TOKEN_CUSTOMER, 42, NOW, NOW + 900), out;
	char *t = token_make(&key, &c);
	size_t len = strlen(t);
	char *dot1 = strchr(t, '.'), *dot2 = strrchr(t, '.');

	/* Every single changed byte, in the header, the claims or the MAC. */
	for (size_t i = 0; i < len; i++) {
		char saved = t[i];

		if (t[i] == '.')
			continue;
		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(verify(t, &out) != TOKEN_OK, "a change at byte %zu passed", i);
		t[i] = saved;
	}
	ck_assert_int_eq(verify(t, &out), TOKEN_OK);
	for (size_t cut = 0; cut < len; cut += 7) {
		char *part = strndup(t, cut);

		ck_assert_int_eq(verify(part, &out), TOKEN_INVALID);
		free(part);
	}
	*dot2 = '\0';
	ck_assert_int_eq(verify(t, &out), TOKEN_INVALID);	/* no signature part */
	*dot1 = '\0';
	ck_assert_int_eq(verify(t, &out), TOKEN_INVALID);
	ck_assert_int_eq(verify("", &out), TOKEN_INVALID);
	ck_assert_int_eq(verify("..", &out), TOKEN_INVALID);
	ck_assert_int_eq(verify(NULL, &out), TOKEN_INVALID);
	free(t);
}
END_TEST

START_TEST(test_times)
{
	struct token_claims out;
	char *t;

	t = token_make(&key, &(struct token_claims){ TOKEN_CUSTOMER, 7, NOW - 900, NOW });
	ck_assert_int_eq(verify(t, &out), TOKEN_EXPIRED);	/* exp == now */
	free(t);
	t = token_make(&key, &(struct token_claims){ TOKEN_CUSTOMER, 7, NOW - 900, NOW + 1 });
	ck_assert_int_eq(verify(t, &out), TOKEN_OK);
	free(t);
	/* Issued in the future beyond the tolerated skew. */
	t = token_make(&key, &(struct token_claims){ TOKEN_CUSTOMER, 7, NOW + TOKEN_SKEW + 1,
	    NOW + 900 });
	ck_assert_int_eq(verify(t, &out), TOKEN_BAD_CLAIMS);
	free(t);
	t = token_make(&key, &(struct token_claims){ TOKEN_CUSTOMER, 7, NOW + TOKEN_SKEW,
	    NOW + 900 });
	ck_assert_int_eq(verify(t, &out), TOKEN_OK);
	free(t);
}
END_TEST

START_TEST(test_claims_not_ours)
{
	static const char *const bad[] = {
		"{\"sub\":\"1\",\"role\":\"root\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"1\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":1,\"role\":\"admin\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"01\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"0\",\"role\":\"customer\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"-1\",\"role\":\"customer\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"1\",\"role\":\"service\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"service\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":1800000900}",
		"{\"sub\":\"1\",\"role\":\"admin\",\"iat\":1800000000}",
		"{\"sub\":\"1\",\"role\":\"admin\",\"exp\":1800000900}",
		"{\"sub\":\"1\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":\"1800000900\"}",
		"{\"sub\":\"1\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":1.8e9}",
		"{\"sub\":\"1\",\"role\":\"admin\",\"iat\":1800000900,\"exp\":1800000000}",
		"{\"sub\":\"1\",\"role\":[\"admin\"],\"iat\":1800000000,\"exp\":1800000900}",
	};
	struct token_claims out;

	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		char *t = raw_token(JWT_ALG_HS256, bad[i]);
		enum token_result r = verify(t, &out);

		ck_assert_msg(r == TOKEN_BAD_CLAIMS, "claims %s gave %d", bad[i], (int)r);
		free(t);
	}
}
END_TEST

START_TEST(test_key_file)
{
	char path[] = "/tmp/check-token-XXXXXX";
	struct token_key k;
	unsigned char buf[TOKEN_KEY_MAX + 1];
	const char *why;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	memset(buf, 'k', sizeof(buf));
	ck_assert_int_eq(write(fd, buf, 31), 31);
	ck_assert_int_eq(token_key_load(path, &k, &why), -1);
	ck_assert_str_eq(why, "holds fewer than 32 bytes");
	ck_assert_int_eq(write(fd, buf, 1), 1);
	ck_assert_int_eq(token_key_load(path, &k, &why), 0);
	ck_assert_uint_eq(k.len, 32);
	ck_assert_int_eq(write(fd, buf, TOKEN_KEY_MAX - 32), TOKEN_KEY_MAX - 32);
	ck_assert_int_eq(token_key_load(path, &k, &why), 0);
	ck_assert_uint_eq(k.len, TOKEN_KEY_MAX);
	ck_assert_int_eq(write(fd, buf, 1), 1);
	ck_assert_int_eq(token_key_load(path, &k, &why), -1);
	ck_assert_str_eq(why, "is longer than 1024 bytes");
	close(fd);
	unlink(path);
	ck_assert_int_eq(token_key_load(path, &k, &why), -1);
	ck_assert_str_eq(why, "cannot be opened");
}
END_TEST

Suite *
token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, keys_setup, NULL);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_other_key);
	tcase_add_test(tc, test_alg_none_and_others);
	tcase_add_test(tc, test_tampered_and_truncated);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_claims_not_ours);
	tcase_add_test(tc, test_key_file);
	suite_add_tcase(s, tc);
	return s;
}
