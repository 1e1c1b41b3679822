/*
 * token.c - HS256 access tokens with libjwt; see token.h.
 *
 * libjwt (1.10) checks the signature and refuses alg "none" when it is
 * given a key, which it always is here; it does not check the claims. So
 * this file checks, after jwt_decode: the alg is HS256 (no other HMAC, so
 * a token never chooses its own algorithm), exp and iat are integers with
 * exp in the future, role is one of ours and sub fits the role.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jwt.h>

#include "text.h"
#include "token.h"

#define SERVICE_SUB "service"

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
token_key_load(const char *path, struct token_key *key, const char **why)
{
	unsigned char extra;
	ssize_t n;
	int fd;

	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = "cannot be opened";
		return -1;
	}
	n = read(fd, key->bytes, sizeof(key->bytes));
	if (n >= 0 && (size_t)n == sizeof(key->bytes) && read(fd, &extra, 1) > 0)
		*why = "is longer than 1024 bytes";
	else if (n < 0)
		*why = "cannot be read";
	else if ((size_t)n < TOKEN_KEY_MIN)
		*why = "holds fewer than 32 bytes";
	close(fd);
	if (*why != NULL)
		return -1;
	key->len = (size_t)n;
	return 0;
}

char *
token_make(const struct token_key *key, const struct token_claims *c)
{
	char sub[24];
	jwt_t *jwt = NULL;
	char *out = NULL;

	if (c->role == TOKEN_SERVICE)
		snprintf(sub, sizeof(sub), "%s", SERVICE_SUB);
	else
		snprintf(sub, sizeof(sub), "%" PRId64, c->user_id);
	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_add_grant(jwt, "sub", sub) == 0 &&
	    jwt_add_grant(jwt, "role", token_role_name(c->role)) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)c->iat) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)c->exp) == 0 &&
	    jwt_set_alg(jwt, JWT_ALG_HS256, key->bytes, (int)key->len) == 0)
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

/* An integer claim. Returns 0, or -1 when absent or not an integer. */
static int
claim_int(jwt_t *jwt, const char *name, int64_t *out)
{
	long v;

	errno = 0;
	v = jwt_get_grant_int(jwt, name);
	if (errno != 0)
		return -1;
	*out = v;
	return 0;
}

static enum token_result
claims_read(jwt_t *jwt, int64_t now, struct token_claims *out)
{
	const char *role = jwt_get_grant(jwt, "role");
	const char *sub = jwt_get_grant(jwt, "sub");
	size_t r;

	if (claim_int(jwt, "exp", &out->exp) < 0 || claim_int(jwt, "iat", &out->iat) < 0 ||
	    role == NULL || sub == NULL)
		return TOKEN_BAD_CLAIMS;
	for (r = 0; r < sizeof(role_names) / sizeof(role_names[0]); r++)
		if (strcmp(role, role_names[r]) == 0)
			break;
	if (r == sizeof(role_names) / sizeof(role_names[0]))
		return TOKEN_BAD_CLAIMS;
	out->role = (enum token_role)r;
	out->user_id = 0;
	if (out->role == TOKEN_SERVICE ? strcmp(sub, SERVICE_SUB) != 0
	    : text_parse_id(sub, strlen(sub), &out->user_id) < 0)
		return TOKEN_BAD_CLAIMS;
	if (out->iat > now + TOKEN_SKEW || out->exp < out->iat)
		return TOKEN_BAD_CLAIMS;
	if (out->exp <= now)
		return TOKEN_EXPIRED;
	return TOKEN_OK;
}

enum token_result
token_verify(const struct token_key *key, const char *token, int64_t now,
    struct token_claims *out)
{
	jwt_t *jwt = NULL;
	enum token_result r;

	if (token == NULL || strlen(token) > TOKEN_MAX)
		return TOKEN_INVALID;
	/* With a key, jwt_decode fails unless the signature is good (and
	 * refuses "none"); the alg is checked again, so that HS384 or HS512
	 * under the same key are refused as well. */
	if (jwt_decode(&jwt, token, key->bytes, (int)key->len) != 0 || jwt == NULL)
		return TOKEN_INVALID;
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		r = TOKEN_INVALID;
	else
		r = claims_read(jwt, now, out);
	jwt_free(jwt);
	return r;
}
