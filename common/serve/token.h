/*
 * token.h - microshop's access tokens: JSON Web Tokens (RFC 7519) signed
 * with ES256 under the keys of a keyring (keyring.h), their header and
 * claims read by our strict JSON parser.
 *
 * Two kinds, told apart by the key that signed them:
 *   user tokens, made by the user service at login: iss "microshop-user",
 *     aud "microshop", sub the user id (a decimal string), role customer
 *     or admin, cv the user's credential version (a password, email or
 *     role change, a deletion and a logout raise it: the user service
 *     refuses a token with an older one), iat, exp;
 *   service tokens, made by a service for its calls to another: iss and
 *     sub the caller's name ("microshop-order"), aud the callee's name
 *     ("microshop-user"), role service, iat, exp.
 * The header is {"alg":"ES256","kid":...,"typ":"JWT"} and nothing else.
 * Pure given the keys and the time; unit-tested in tests/check_token.c.
 */
#ifndef MICROSHOP_TOKEN_H
#define MICROSHOP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "keyring.h"

#define TOKEN_MAX 2048		/* the longest Bearer token read */
#define TOKEN_SKEW 60		/* seconds of clock difference tolerated */
#define TOKEN_NAME_MAX 32	/* a service's name, with its NUL */
#define TOKEN_SERVICE_TTL_MAX 300 /* the longest a service token may live */
#define TOKEN_USER_ISSUER "microshop-user"
#define TOKEN_USER_AUDIENCE "microshop"

enum token_role {
	TOKEN_CUSTOMER,
	TOKEN_ADMIN,
	TOKEN_SERVICE		/* one service calling another */
};

struct token_claims {
	enum token_role role;
	int64_t user_id;	/* sub of a customer or admin; 0 for a service */
	int64_t cred_version;	/* cv of a customer or admin; 0 for a service */
	char service[TOKEN_NAME_MAX]; /* iss and sub of a service; "" for a user */
	int64_t iat;
	int64_t exp;
};

/* What a service accepts. */
struct token_rules {
	const struct keyring *keys;
	const char *self;	/* this service's name: the aud of service tokens */
	int64_t user_ttl_max;	/* the longest exp - iat of a user token */
};

enum token_result {
	TOKEN_OK,
	TOKEN_INVALID,		/* malformed, another alg or key, a bad signature */
	TOKEN_EXPIRED,		/* well signed, but exp has passed */
	TOKEN_BAD_CLAIMS	/* well signed, but the claims are not ours */
};

/*
 * Make a token for c, signed with kr's private key under its kid: a user
 * token for a customer or admin, or, for role service, a service token
 * from c->service to audience. Returns a string the caller frees, or NULL
 * when kr has no private key or memory ran out.
 */
char *token_make(const struct keyring *kr, const struct token_claims *c,
    const char *audience);

/*
 * Sign header (JSON text) and payload[0..payload_len) as they are with
 * kr's private key: header.payload.signature. token_make's last step,
 * and the tests' way to a well-signed token that says anything at all.
 * Returns a string the caller frees, or NULL.
 */
char *token_sign(const struct keyring *kr, const char *header, const char *payload,
    size_t payload_len);

/*
 * Check token under rules at time now (seconds since the epoch): a header
 * of ES256 and a kid of an accepted key, a good signature, claims of the
 * key's kind (user or service token) with the right iss and aud, no claim
 * repeated or unknown, iat not ahead of now by more than TOKEN_SKEW, exp
 * after iat by at most the kind's longest life, and exp in the future.
 * Fills out on TOKEN_OK.
 */
enum token_result token_verify(const struct token_rules *rules, const char *token,
    int64_t now, struct token_claims *out);

/* "customer", "admin", "service". */
const char *token_role_name(enum token_role role);

/* 1 if s is a service name: 1..31 of a-z 0-9 and '-'. */
int token_service_name_ok(const char *s);

#endif
