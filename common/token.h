/*
 * token.h - microshop's access tokens: JSON Web Tokens (RFC 7519) signed
 * with HMAC-SHA256 ("HS256") under a key both services share, made and
 * checked by libjwt. The claims are sub (a user id as a decimal string, or
 * a service's name), role (customer, admin or service), iat and exp. Pure
 * given the key and the time; unit-tested in tests/check_token.c.
 */
#ifndef MICROSHOP_TOKEN_H
#define MICROSHOP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_KEY_MIN 32	/* bytes: HS256's key is at least its output */
#define TOKEN_KEY_MAX 1024
#define TOKEN_MAX 2048		/* the longest Bearer token read */
#define TOKEN_SKEW 60		/* seconds of clock difference tolerated */

struct token_key {
	size_t len;
	unsigned char bytes[TOKEN_KEY_MAX];
};

enum token_role {
	TOKEN_CUSTOMER,
	TOKEN_ADMIN,
	TOKEN_SERVICE		/* one service calling another */
};

struct token_claims {
	enum token_role role;
	int64_t user_id;	/* sub of a customer or admin; 0 for a service */
	int64_t iat;
	int64_t exp;
};

enum token_result {
	TOKEN_OK,
	TOKEN_INVALID,		/* malformed, another alg, or a bad signature */
	TOKEN_EXPIRED,		/* well signed, but exp has passed */
	TOKEN_BAD_CLAIMS	/* well signed, but the claims are not ours */
};

/*
 * Read the key from the file at path: its bytes as they are, at least
 * TOKEN_KEY_MIN and at most TOKEN_KEY_MAX. Returns 0, or -1 with *why a
 * static reason.
 */
int token_key_load(const char *path, struct token_key *key, const char **why);

/*
 * Make a token for c (role, user_id, iat, exp; a service token's sub is
 * "service"). Returns a string the caller frees, or NULL when out of memory.
 */
char *token_make(const struct token_key *key, const struct token_claims *c);

/*
 * Check token against key at time now (seconds since the epoch): HS256
 * and nothing else, a good signature, exp in the future, iat not ahead of
 * now by more than TOKEN_SKEW, and claims of the right types. Fills out
 * on TOKEN_OK.
 */
enum token_result token_verify(const struct token_key *key, const char *token,
    int64_t now, struct token_claims *out);

/* "customer", "admin", "service". */
const char *token_role_name(enum token_role role);

#endif
