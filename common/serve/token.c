/*
 * token.c - ES256 access tokens (JWS compact serialisation, RFC 7515);
 * see token.h.
 *
 * The signature is made and checked with OpenSSL's libcrypto directly,
 * under keys parsed once (keyring.c), rather than with libjwt: libjwt 1.10
 * takes a key only as PEM text and parses it on every call, which costs
 * OpenSSL 3 about 300 microseconds, five times the ES256 verification
 * itself (bench/token-cost: a token never seen before cost 505 us through
 * libjwt, 70 us here). Nothing else is left to it: the header is read
 * here before anything else (the alg must be exactly ES256, so a token
 * never chooses its algorithm, and the kid must name an accepted key),
 * and the claims by our strict JSON parser (json_io.c), which refuses a
 * repeated name where a lenient one would keep the last: two readers of
 * one token never disagree about what it says.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "json_io.h"
#include "text.h"
#include "token.h"

#define PART_MAX 1024		/* the longest header or payload, decoded */
#define SIG_LEN 64		/* ES256: R and S, 32 bytes each (RFC 7518 3.4) */
#define B64(n) sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

static const char *const role_names[] = {
	[TOKEN_CUSTOMER] = "customer",
	[TOKEN_ADMIN] = "admin",
	[TOKEN_SERVICE] = "service",
};

const char *
token_role_name(enum token_role role)
{
	return role_names[role];
}

int
token_service_name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return 0;
	return n >= 1 && n < TOKEN_NAME_MAX;
}

/* ------------------------------------------------------------------ */
/* Making                                                             */
/* ------------------------------------------------------------------ */

/* The claims of c as JSON; NULL when memory ran out. Caller owns it. */
static struct json_object *
claims_json(const struct token_claims *c, const char *audience)
{
	struct json_object *p = json_object_new_object();
	char sub[24];
	int bad;

	if (p == NULL)
		return NULL;
	if (c->role == TOKEN_SERVICE) {
		bad = json_io_add(p, "iss", json_object_new_string(c->service)) < 0 ||
		    json_io_add(p, "sub", json_object_new_string(c->service)) < 0 ||
		    json_io_add(p, "aud", json_object_new_string(audience)) < 0;
	} else {
		snprintf(sub, sizeof(sub), "%" PRId64, c->user_id);
		bad = json_io_add(p, "iss", json_object_new_string(TOKEN_USER_ISSUER)) < 0 ||
		    json_io_add(p, "sub", json_object_new_string(sub)) < 0 ||
		    json_io_add(p, "aud", json_object_new_string(TOKEN_USER_AUDIENCE)) < 0 ||
		    json_io_add(p, "cv", json_object_new_int64(c->cred_version)) < 0;
	}
	if (bad || json_io_add(p, "role", json_object_new_string(token_role_name(c->role))) < 0 ||
	    json_io_add(p, "iat", json_object_new_int64(c->iat)) < 0 ||
	    json_io_add(p, "exp", json_object_new_int64(c->exp)) < 0) {
		json_object_put(p);
		return NULL;
	}
	return p;
}

/* Append base64url(bin[0..n)) at out + *at (room checked by the caller). */
static void
b64_append(char *out, size_t *at, size_t size, const void *bin, size_t n)
{
	sodium_bin2base64(out + *at, size - *at, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	*at += strlen(out + *at);
}

/*
 * Sign in[0..len) with key: ES256's R || S into sig. Returns 0, or -1.
 * (OpenSSL gives a DER ECDSA-Sig-Value; JWS wants the two integers.)
 */
static int
es256_sign(struct evp_pkey_st *key, const char *in, size_t len, unsigned char sig[SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int rc = -1;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)in, len) == 1 &&
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) != NULL) {
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32)
			rc = 0;
	}
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	return rc;
}

char *
token_sign(const struct keyring *kr, const char *header, const char *payload,
    size_t payload_len)
{
	unsigned char sig[SIG_LEN];
	size_t size, at = 0;
	char *out;

	if (kr->sign_key == NULL)
		return NULL;
	size = B64(strlen(header)) + B64(payload_len) + B64(SIG_LEN);
	if ((out = malloc(size)) == NULL)
		return NULL;
	b64_append(out, &at, size, header, strlen(header));
	out[at++] = '.';
	b64_append(out, &at, size, payload, payload_len);
	if (es256_sign(kr->sign_key, out, at, sig) < 0) {
		free(out);
		return NULL;
	}
	out[at++] = '.';
	b64_append(out, &at, size, sig, SIG_LEN);
	return out;
}

char *
token_make(const struct keyring *kr, const struct token_claims *c, const char *audience)
{
	char header[128], *out = NULL;
	struct json_object *claims;
	const char *payload;
	size_t payload_len;

	if (kr->sign_key == NULL || (c->role == TOKEN_SERVICE &&
	    (!token_service_name_ok(c->service) || audience == NULL)))
		return NULL;
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
	    kr->sign_kid);
	if ((claims = claims_json(c, audience)) == NULL)
		return NULL;
	if ((payload = json_io_to_string(claims, &payload_len)) != NULL)
		out = token_sign(kr, header, payload, payload_len);
	json_object_put(claims);
	return out;
}

/* ------------------------------------------------------------------ */
/* Checking                                                           */
/* ------------------------------------------------------------------ */

/*
 * Decode the base64url part s[0..len) (no padding) and parse it as a JSON
 * object with only the members in allowed. Returns it (the caller owns
 * it), or NULL.
 */
static struct json_object *
part_read(const char *s, size_t len, const char *const *allowed)
{
	unsigned char bin[PART_MAX];
	struct json_object *obj = NULL;
	const char *err;
	size_t n;

	if (len == 0 || sodium_base642bin(bin, sizeof(bin), s, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	if (json_io_parse((const char *)bin, n, 2, &obj, &err) < 0)
		return NULL;
	if (!json_object_is_type(obj, json_type_object))
		goto bad;
	json_object_object_foreach(obj, name, v) {
		size_t i;

		(void)v;
		for (i = 0; allowed[i] != NULL && strcmp(allowed[i], name) != 0; i++)
			;
		if (allowed[i] == NULL)
			goto bad;
	}
	return obj;
bad:
	json_object_put(obj);
	return NULL;
}

/* 1 if member name of obj is the string want. */
static int
string_is(struct json_object *obj, const char *name, const char *want)
{
	const char *s;
	size_t len;

	return json_io_get_string(obj, name, &s, &len) == JSON_FIELD_OK &&
	    strlen(want) == len && memcmp(s, want, len) == 0;
}

/*
 * The accepted key the header names, if the header is exactly ours:
 * alg ES256, a kid, and typ JWT if any. NULL otherwise.
 */
static const struct keyring_key *
header_key(const struct token_rules *rules, const char *s, size_t len)
{
	static const char *const header_members[] = { "alg", "kid", "typ", NULL };
	struct json_object *h = part_read(s, len, header_members);
	const struct keyring_key *key = NULL;
	const char *kid;
	size_t kid_len;

	if (h == NULL)
		return NULL;
	if (string_is(h, "alg", "ES256") &&
	    (!json_object_object_get_ex(h, "typ", NULL) || string_is(h, "typ", "JWT")) &&
	    json_io_get_string(h, "kid", &kid, &kid_len) == JSON_FIELD_OK &&
	    kid_len == KEYRING_KID_LEN && strlen(kid) == kid_len)
		key = keyring_find(rules->keys, kid);
	json_object_put(h);
	return key;
}

/* The role named by member "role" of p; -1 if it is not one. */
static int
role_read(struct json_object *p)
{
	for (size_t r = 0; r < sizeof(role_names) / sizeof(role_names[0]); r++)
		if (string_is(p, "role", role_names[r]))
			return (int)r;
	return -1;
}

/* The claims of a user token in p. */
static enum token_result
user_claims_read(struct json_object *p, const struct token_rules *rules,
    struct token_claims *out)
{
	const char *sub;
	size_t len;

	if (out->role == TOKEN_SERVICE || !string_is(p, "iss", TOKEN_USER_ISSUER) ||
	    !string_is(p, "aud", TOKEN_USER_AUDIENCE) ||
	    json_io_get_string(p, "sub", &sub, &len) != JSON_FIELD_OK ||
	    text_parse_id(sub, len, &out->user_id) < 0 ||
	    json_io_get_int64(p, "cv", &out->cred_version) != JSON_FIELD_OK ||
	    out->cred_version < 1 || out->exp - out->iat > rules->user_ttl_max)
		return TOKEN_BAD_CLAIMS;
	return TOKEN_OK;
}

/* The claims of a service token in p. */
static enum token_result
service_claims_read(struct json_object *p, const struct token_rules *rules,
    struct token_claims *out)
{
	const char *iss;
	size_t len;

	if (out->role != TOKEN_SERVICE || rules->self == NULL ||
	    json_io_get_string(p, "iss", &iss, &len) != JSON_FIELD_OK ||
	    len >= sizeof(out->service) || strlen(iss) != len)
		return TOKEN_BAD_CLAIMS;
	memcpy(out->service, iss, len + 1);
	if (!token_service_name_ok(out->service) || !string_is(p, "sub", out->service) ||
	    !string_is(p, "aud", rules->self) ||
	    json_object_object_get_ex(p, "cv", NULL) ||
	    out->exp - out->iat > TOKEN_SERVICE_TTL_MAX)
		return TOKEN_BAD_CLAIMS;
	return TOKEN_OK;
}

static enum token_result
claims_read(const struct token_rules *rules, const struct keyring_key *key,
    const char *s, size_t len, int64_t now, struct token_claims *out)
{
	static const char *const claim_names[] = {
		"iss", "sub", "aud", "role", "cv", "iat", "exp", NULL
	};
	struct json_object *p = part_read(s, len, claim_names);
	enum token_result r = TOKEN_BAD_CLAIMS;
	int role;

	memset(out, 0, sizeof(*out));
	if (p == NULL)
		return TOKEN_BAD_CLAIMS;
	if ((role = role_read(p)) < 0 ||
	    json_io_get_int64(p, "iat", &out->iat) != JSON_FIELD_OK ||
	    json_io_get_int64(p, "exp", &out->exp) != JSON_FIELD_OK ||
	    out->iat > now + TOKEN_SKEW || out->exp <= out->iat)
		goto out;
	out->role = (enum token_role)role;
	r = key->use == KEY_SERVICE_TOKENS ? service_claims_read(p, rules, out)
	    : user_claims_read(p, rules, out);
	if (r == TOKEN_OK && out->exp <= now)
		r = TOKEN_EXPIRED;
out:
	json_object_put(p);
	return r;
}

/* 1 if s[0..len) is all of the base64url alphabet (no padding). */
static int
base64url_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * 1 if the base64url ES256 signature s[0..len) is key's over in[0..in_len).
 */
static int
es256_verify(struct evp_pkey_st *key, const char *in, size_t in_len, const char *s,
    size_t len)
{
	unsigned char sig[SIG_LEN], *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *sv = NULL;
	size_t n;
	int der_len, good = 0;

	if (sodium_base642bin(sig, sizeof(sig), s, len, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != SIG_LEN)
		return 0;
	if ((es = ECDSA_SIG_new()) == NULL || (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (sv = BN_bin2bn(sig + 32, 32, NULL)) == NULL || ECDSA_SIG_set0(es, r, sv) != 1)
		goto out;
	r = sv = NULL;		/* es owns them now */
	if ((der_len = i2d_ECDSA_SIG(es, &der)) <= 0 || (ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	good = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, der, (size_t)der_len, (const unsigned char *)in, in_len) == 1;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(es);
	return good;
}

enum token_result
token_verify(const struct token_rules *rules, const char *token, int64_t now,
    struct token_claims *out)
{
	const struct keyring_key *key;
	const char *dot1, *dot2;
	size_t len;

	if (token == NULL || (len = strlen(token)) > TOKEN_MAX)
		return TOKEN_INVALID;
	/* header.payload.signature, each part non-empty base64url. */
	if ((dot1 = strchr(token, '.')) == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL ||
	    strchr(dot2 + 1, '.') != NULL || dot2[1] == '\0' ||
	    !base64url_ok(token, (size_t)(dot1 - token)) ||
	    !base64url_ok(dot1 + 1, (size_t)(dot2 - dot1 - 1)) ||
	    !base64url_ok(dot2 + 1, strlen(dot2 + 1)))
		return TOKEN_INVALID;
	if ((key = header_key(rules, token, (size_t)(dot1 - token))) == NULL ||
	    !es256_verify(key->pkey, token, (size_t)(dot2 - token), dot2 + 1, strlen(dot2 + 1)))
		return TOKEN_INVALID;
	return claims_read(rules, key, dot1 + 1, (size_t)(dot2 - dot1 - 1), now, out);
}
