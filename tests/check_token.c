/*
 * check_token.c - common/serve/token.c: ES256 access tokens made and
 * checked under keyrings, and every way a token must be refused: an
 * unknown key, a key of the other kind, another alg (none, HS256 keyed
 * with the public key, es256), a header member not ours, a changed byte,
 * a truncation, a signature of the wrong size, expiry, a future iat, a life
 * past the longest allowed, claims repeated, unknown or not ours; and a key
 * rolled in beside the old one. The key files' own rules are
 * check_keyring.c's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "check_suites.h"
#include "keygen.h"
#include "keyring.h"
#include "token.h"

#define NOW 1800000000

/*
 * users: the user service's keyring (signs user tokens, accepts the order
 * service's public key for service tokens); orders: the order service's
 * (signs service tokens, accepts the user service's public key);
 * stranger: a key nobody accepts.
 */
static struct keygen_pair user_pair, order_pair, stranger_pair;
static struct keyring users, orders, stranger;
static struct token_rules user_rules, order_rules;

static void
keys_setup(void)
{
	const char *why = NULL;

	ck_assert_int_eq(keygen_p256(&user_pair), 0);
	ck_assert_int_eq(keygen_p256(&order_pair), 0);
	ck_assert_int_eq(keygen_p256(&stranger_pair), 0);
	ck_assert_int_eq(keyring_add_private(&users, user_pair.private_pem,
	    user_pair.private_len, KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_public(&users, order_pair.public_pem,
	    order_pair.public_len, KEY_SERVICE_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_private(&orders, order_pair.private_pem,
	    order_pair.private_len, KEY_SERVICE_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_public(&orders, user_pair.public_pem,
	    user_pair.public_len, KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_private(&stranger, stranger_pair.private_pem,
	    stranger_pair.private_len, KEY_USER_TOKENS, &why), 0);
	user_rules = (struct token_rules){ &users, "microshop-user", 900 };
	order_rules = (struct token_rules){ &orders, "microshop-order", 900 };
}

static void
keys_teardown(void)
{
	keyring_free(&users);
	keyring_free(&orders);
	keyring_free(&stranger);
	keygen_free(&user_pair);
	keygen_free(&order_pair);
	keygen_free(&stranger_pair);
}

static struct token_claims
customer(int64_t id, int64_t cv, int64_t iat, int64_t exp)
{
	return (struct token_claims){ .role = TOKEN_CUSTOMER, .user_id = id,
	    .cred_version = cv, .iat = iat, .exp = exp };
}

static struct token_claims
service(const char *name, int64_t iat, int64_t exp)
{
	struct token_claims c = { .role = TOKEN_SERVICE, .iat = iat, .exp = exp };

	snprintf(c.service, sizeof(c.service), "%s", name);
	return c;
}

/* base64url of s[0..n) appended to out (room checked by the caller). */
static void
b64(char *out, size_t size, const void *s, size_t n)
{
	size_t at = strlen(out);

	sodium_bin2base64(out + at, size - at, s, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/*
 * A token with any header and payload at all, signed with ES256 by the
 * private key in pem (an implementation of its own, OpenSSL's calls), so
 * that the refusals are of tokens that are well signed.
 */
static char *
forge(const char *pem, const char *header, const char *payload)
{
	static char out[4096];
	unsigned char der[80], sig[64];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	ck_assert_ptr_nonnull(pk);
	out[0] = '\0';
	b64(out, sizeof(out), header, strlen(header));
	strcat(out, ".");
	b64(out, sizeof(out), payload, strlen(payload));
	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pk), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, der, &der_len, (unsigned char *)out, strlen(out)), 1);
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	ck_assert_ptr_nonnull(es);
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, sig, 32);
	BN_bn2binpad(s, sig + 32, 32);
	strcat(out, ".");
	b64(out, sizeof(out), sig, sizeof(sig));
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return out;
}

/* A header of ours for the key of kr, with extra members (or ""). */
static const char *
header_of(const struct keyring *kr, const char *extra)
{
	static char h[256];

	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"%s}",
	    kr->sign_kid, extra);
	return h;
}

/* A user token's payload with extra members (or "") before the end. */
static const char *
user_payload(const char *extra)
{
	static char p[512];

	snprintf(p, sizeof(p), "{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":\"microshop\","
	    "\"role\":\"customer\",\"cv\":3,\"iat\":%d,\"exp\":%d%s}", NOW, NOW + 900, extra);
	return p;
}

START_TEST(test_round_trip)
{
	struct token_claims c = customer(42, 3, NOW, NOW + 900), out;
	char *t = token_make(&users, &c, NULL);
	char header[128];
	size_t n;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_OK);
	ck_assert_int_eq(out.role, TOKEN_CUSTOMER);
	ck_assert_int_eq(out.user_id, 42);
	ck_assert_int_eq(out.cred_version, 3);
	ck_assert_int_eq(out.iat, NOW);
	ck_assert_int_eq(out.exp, NOW + 900);
	ck_assert_str_eq(out.service, "");
	/* The order service accepts it too, with the user service's public key. */
	ck_assert_int_eq(token_verify(&order_rules, t, NOW, &out), TOKEN_OK);
	/* The header is exactly ours. */
	ck_assert_int_eq(sodium_base642bin((unsigned char *)header, sizeof(header) - 1, t,
	    (size_t)(strchr(t, '.') - t), NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	header[n] = '\0';
	ck_assert_str_eq(header, header_of(&users, ""));
	free(t);

	c.role = TOKEN_ADMIN;
	t = token_make(&users, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_OK);
	ck_assert_int_eq(out.role, TOKEN_ADMIN);
	free(t);
}
END_TEST

START_TEST(test_service_tokens)
{
	struct token_claims c = service("microshop-order", NOW, NOW + 60), out;
	char *t = token_make(&orders, &c, "microshop-user");

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_OK);
	ck_assert_int_eq(out.role, TOKEN_SERVICE);
	ck_assert_str_eq(out.service, "microshop-order");
	ck_assert_int_eq(out.user_id, 0);
	/* Meant for the user service: the order service, which accepts its
	 * own key, refuses it for its audience. */
	ck_assert_int_eq(token_verify(&order_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	/* For another audience: refused by the user service. */
	t = token_make(&orders, &c, "microshop-billing");
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	/* A service token lives at most TOKEN_SERVICE_TTL_MAX. */
	c.exp = NOW + TOKEN_SERVICE_TTL_MAX + 1;
	t = token_make(&orders, &c, "microshop-user");
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	/* A name that is not a service's is not made. */
	c = service("Order Service", NOW, NOW + 60);
	ck_assert_ptr_null(token_make(&orders, &c, "microshop-user"));
}
END_TEST

START_TEST(test_keys_have_one_use)
{
	struct token_claims c = customer(1, 1, NOW, NOW + 60), out;
	char *t;

	/* The order service's key makes no user token the user service takes. */
	t = token_make(&orders, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	/* The user service's key makes no service token anyone takes. */
	c = service("microshop-order", NOW, NOW + 60);
	t = token_make(&users, &c, "microshop-user");
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	/* An admin token from a key nobody accepts. */
	c = customer(1, 1, NOW, NOW + 60);
	c.role = TOKEN_ADMIN;
	t = token_make(&stranger, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_INVALID);
	free(t);
	/* Without a private key, nothing is made. */
	ck_assert_ptr_null(token_make(&(struct keyring){ 0 }, &c, NULL));
}
END_TEST

START_TEST(test_alg_and_header)
{
	const char *priv = user_pair.private_pem;
	const char *payload = user_payload("");
	struct token_claims out;
	char head[256], t[2048];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	/* Well signed and ours: the baseline of the refusals below. */
	ck_assert_int_eq(token_verify(&user_rules, forge(priv, header_of(&users, ""), payload),
	    NOW, &out), TOKEN_OK);
	/* typ may be left out, nothing may be added. */
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", users.sign_kid);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv, head, payload), NOW, &out),
	    TOKEN_OK);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv,
	    header_of(&users, ",\"jku\":\"http://evil.example/keys\""), payload), NOW, &out),
	    TOKEN_INVALID);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv,
	    header_of(&users, ",\"alg\":\"none\""), payload), NOW, &out), TOKEN_INVALID);
	snprintf(head, sizeof(head), "{\"alg\":\"es256\",\"kid\":\"%s\"}", users.sign_kid);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv, head, payload), NOW, &out),
	    TOKEN_INVALID);
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"typ\":\"JWE\",\"kid\":\"%s\"}",
	    users.sign_kid);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv, head, payload), NOW, &out),
	    TOKEN_INVALID);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv, "{\"alg\":\"ES256\"}", payload),
	    NOW, &out), TOKEN_INVALID);
	ck_assert_int_eq(token_verify(&user_rules, forge(priv,
	    "{\"alg\":\"ES256\",\"kid\":\"AAAAAAAAAAAAAAAA\"}", payload), NOW, &out),
	    TOKEN_INVALID);

	/* alg none, no signature. */
	t[0] = '\0';
	snprintf(head, sizeof(head), "{\"alg\":\"none\",\"kid\":\"%s\"}", users.sign_kid);
	b64(t, sizeof(t), head, strlen(head));
	strcat(t, ".");
	b64(t, sizeof(t), payload, strlen(payload));
	strcat(t, ".");
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_INVALID);

	/* HS256 keyed with the public key, which anyone has: the classic
	 * confusion of a verifier that lets the token choose its alg. */
	t[0] = '\0';
	snprintf(head, sizeof(head), "{\"alg\":\"HS256\",\"kid\":\"%s\"}", users.sign_kid);
	b64(t, sizeof(t), head, strlen(head));
	strcat(t, ".");
	b64(t, sizeof(t), payload, strlen(payload));
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)user_pair.public_pem,
	    user_pair.public_len);
	crypto_auth_hmacsha256_update(&st, (unsigned char *)t, strlen(t));
	crypto_auth_hmacsha256_final(&st, mac);
	strcat(t, ".");
	b64(t, sizeof(t), mac, sizeof(mac));
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_INVALID);
}
END_TEST

START_TEST(test_tampered_and_truncated)
{
	struct token_claims c = customer(42, 1, NOW, NOW + 900), out;
	char *t = token_make(&users, &c, NULL), *copy;
	size_t len = strlen(t);
	char *payload = strchr(t, '.') + 1;

	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_OK);
	/* Each byte of the payload changed in turn. */
	copy = strdup(t);
	for (size_t i = (size_t)(payload - t); copy[i] != '.'; i++) {
		char was = copy[i];

		copy[i] = was == 'A' ? 'B' : 'A';
		ck_assert_int_ne(token_verify(&user_rules, copy, NOW, &out), TOKEN_OK);
		copy[i] = was;
	}
	/* Cut anywhere. */
	for (size_t cut = 0; cut < len; cut += 7) {
		copy[cut] = '\0';
		ck_assert_int_ne(token_verify(&user_rules, copy, NOW, &out), TOKEN_OK);
		memcpy(copy, t, len + 1);
	}
	/* A fourth part, padding, a character outside base64url, empty. */
	free(copy);
	copy = malloc(len + 8);
	snprintf(copy, len + 8, "%s.AAAA", t);
	ck_assert_int_eq(token_verify(&user_rules, copy, NOW, &out), TOKEN_INVALID);
	snprintf(copy, len + 8, "%s=", t);
	ck_assert_int_eq(token_verify(&user_rules, copy, NOW, &out), TOKEN_INVALID);
	snprintf(copy, len + 8, "%s", t);
	copy[len - 3] = '+';
	ck_assert_int_eq(token_verify(&user_rules, copy, NOW, &out), TOKEN_INVALID);
	ck_assert_int_eq(token_verify(&user_rules, "", NOW, &out), TOKEN_INVALID);
	ck_assert_int_eq(token_verify(&user_rules, "..", NOW, &out), TOKEN_INVALID);
	free(copy);
	free(t);
}
END_TEST

START_TEST(test_times)
{
	struct token_claims c, out;
	char *t;

	c = customer(7, 1, NOW - 900, NOW);
	t = token_make(&users, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_EXPIRED);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW - 1, &out), TOKEN_OK);
	free(t);
	/* Made in the future beyond the skew. */
	c = customer(7, 1, NOW + TOKEN_SKEW + 1, NOW + 900);
	t = token_make(&users, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	/* Lives longer than the service allows (its --token-ttl). */
	c = customer(7, 1, NOW, NOW + 901);
	t = token_make(&users, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW, &out), TOKEN_BAD_CLAIMS);
	free(t);
	c = customer(7, 1, NOW, NOW);
	t = token_make(&users, &c, NULL);
	ck_assert_int_eq(token_verify(&user_rules, t, NOW - 10, &out), TOKEN_BAD_CLAIMS);
	free(t);
}
END_TEST

START_TEST(test_claims_not_ours)
{
	static const char *const bad[] = {
		/* A repeated claim: the last would win in a lenient reader. */
		",\"role\":\"admin\"",
		",\"jti\":\"x\"",
	};
	static const char *const whole[] = {
		"{\"iss\":\"evil\",\"sub\":\"42\",\"aud\":\"microshop\",\"role\":\"customer\","
		    "\"cv\":1,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":\"other\",\"role\":\"customer\","
		    "\"cv\":1,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":[\"microshop\"],\"role\":\"customer\","
		    "\"cv\":1,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":\"microshop\",\"role\":\"customer\","
		    "\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":\"microshop\",\"role\":\"customer\","
		    "\"cv\":0,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"x42\",\"aud\":\"microshop\",\"role\":\"customer\","
		    "\"cv\":1,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":42,\"aud\":\"microshop\",\"role\":\"customer\","
		    "\"cv\":1,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":\"microshop\",\"role\":\"root\","
		    "\"cv\":1,\"iat\":1800000000,\"exp\":1800000900}",
		"{\"iss\":\"microshop-user\",\"sub\":\"42\",\"aud\":\"microshop\",\"role\":\"customer\","
		    "\"cv\":1,\"iat\":\"1800000000\",\"exp\":1800000900}",
		"[]",
	};
	struct token_claims out;

	for (size_t i = 0; i < N_ELEMS(bad); i++)
		ck_assert_msg(token_verify(&user_rules, forge(user_pair.private_pem,
		    header_of(&users, ""), user_payload(bad[i])), NOW, &out) == TOKEN_BAD_CLAIMS,
		    "payload with %s taken", bad[i]);
	for (size_t i = 0; i < N_ELEMS(whole); i++)
		ck_assert_msg(token_verify(&user_rules, forge(user_pair.private_pem,
		    header_of(&users, ""), whole[i]), NOW, &out) == TOKEN_BAD_CLAIMS,
		    "payload %s taken", whole[i]);
}
END_TEST

START_TEST(test_rotation)
{
	struct token_claims c = customer(5, 1, NOW, NOW + 900), out;
	struct keyring next = { 0 }, accepting = { 0 };
	struct token_rules rules = { &accepting, "microshop-order", 900 };
	struct keygen_pair pair;
	const char *why;
	char *old_token, *new_token;

	/* Before: the order service accepts the current user key only. */
	ck_assert_int_eq(keyring_add_public(&accepting, user_pair.public_pem,
	    user_pair.public_len, KEY_USER_TOKENS, &why), 0);
	old_token = token_make(&users, &c, NULL);
	/* A new key is made and its public half added to the accepting side... */
	ck_assert_int_eq(keygen_p256(&pair), 0);
	ck_assert_int_eq(keyring_add_public(&accepting, pair.public_pem, pair.public_len,
	    KEY_USER_TOKENS, &why), 0);
	/* ... then the user service signs with it: both tokens are good. */
	ck_assert_int_eq(keyring_add_private(&next, pair.private_pem, pair.private_len,
	    KEY_USER_TOKENS, &why), 0);
	ck_assert_str_ne(next.sign_kid, users.sign_kid);
	new_token = token_make(&next, &c, NULL);
	ck_assert_int_eq(token_verify(&rules, old_token, NOW, &out), TOKEN_OK);
	ck_assert_int_eq(token_verify(&rules, new_token, NOW, &out), TOKEN_OK);
	/* After a token's life, the old key goes: its tokens with it. */
	keyring_free(&accepting);
	ck_assert_int_eq(keyring_add_public(&accepting, pair.public_pem, pair.public_len,
	    KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(token_verify(&rules, old_token, NOW, &out), TOKEN_INVALID);
	ck_assert_int_eq(token_verify(&rules, new_token, NOW, &out), TOKEN_OK);
	free(old_token);
	free(new_token);
	keyring_free(&accepting);
	keyring_free(&next);
	keygen_free(&pair);
}
END_TEST

Suite *
token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_service_tokens);
	tcase_add_test(tc, test_keys_have_one_use);
	tcase_add_test(tc, test_alg_and_header);
	tcase_add_test(tc, test_tampered_and_truncated);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_claims_not_ours);
	tcase_add_test(tc, test_rotation);
	suite_add_tcase(s, tc);
	return s;
}
