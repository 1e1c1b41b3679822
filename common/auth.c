/*
 * auth.c - Bearer tokens on every request; see auth.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "auth.h"
#include "http.h"
#include "log.h"
#include "problem.h"

#define CACHE_SLOTS 64
#define CACHE_TOKEN_MAX 384	/* ours are about 170 bytes */

static struct token_key auth_key;

/*
 * Each worker thread remembers the tokens it verified last: a client sends
 * the same token with every request for its lifetime, and a hit costs a
 * keyed hash and a comparison instead of libjwt's base64, JSON and HMAC
 * (bench/run measures both). The comparison is constant-time and the slot
 * is chosen by a keyed hash, so that timing says nothing about a cached
 * token; exp is checked on every hit.
 */
struct cached_token {
	size_t len;
	char token[CACHE_TOKEN_MAX];
	struct token_claims claims;
};

static _Thread_local struct cached_token token_cache[CACHE_SLOTS];
static unsigned char cache_hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void
cache_init(void)
{
	if (sodium_init() < 0)
		abort();
	randombytes_buf(cache_hash_key, sizeof(cache_hash_key));
}

enum token_result
auth_token_verify(const struct token_key *key, const char *token, int64_t now,
    struct token_claims *out)
{
	unsigned char h[crypto_shorthash_BYTES];
	struct cached_token *slot;
	size_t len = strlen(token);
	enum token_result r;
	uint64_t i;

	if (len >= CACHE_TOKEN_MAX)
		return token_verify(key, token, now, out);
	pthread_once(&cache_once, cache_init);
	crypto_shorthash(h, (const unsigned char *)token, len, cache_hash_key);
	memcpy(&i, h, sizeof(i));
	slot = &token_cache[i % CACHE_SLOTS];
	if (slot->len == len && sodium_memcmp(slot->token, token, len) == 0) {
		*out = slot->claims;
		return out->exp > now ? TOKEN_OK : TOKEN_EXPIRED;
	}
	r = token_verify(key, token, now, out);
	if (r == TOKEN_OK) {
		memcpy(slot->token, token, len);
		slot->len = len;
		slot->claims = *out;
	}
	return r;
}

int
auth_key_load(struct svc_config *cfg)
{
	char path[4096];
	const char *why, *dir;

	if (cfg->jwt_key_file != NULL) {
		snprintf(path, sizeof(path), "%s", cfg->jwt_key_file);
	} else if ((dir = getenv("CREDENTIALS_DIRECTORY")) != NULL) {
		snprintf(path, sizeof(path), "%s/jwt-key", dir);
	} else {
		log_msg(LOG_LEVEL_ERROR, "event=no_token_key detail=\"no --jwt-key-file, "
		    "and no credential jwt-key (systemd LoadCredential=)\"");
		return -1;
	}
	if (token_key_load(path, &auth_key, &why) < 0) {
		char v[512];

		log_msg(LOG_LEVEL_ERROR, "event=no_token_key file=%s detail=\"the key file %s\"",
		    log_value(v, sizeof(v), path), why);
		return -1;
	}
	cfg->token_key = &auth_key;
	return 0;
}

/* Answer 401 with a Bearer challenge; error is NULL when no token was sent. */
static int
unauthorized(struct http_request *req, const char *error, const char *detail)
{
	if (error == NULL)
		http_header_add(req, "WWW-Authenticate", "Bearer realm=\"microshop\"");
	else
		http_header_add(req, "WWW-Authenticate",
		    "Bearer realm=\"microshop\", error=\"%s\"", error);
	http_problem_send(req, 401, "%s", detail);
	return -1;
}

/* The token of an "Authorization: Bearer TOKEN" header, or NULL. */
static const char *
bearer_token(const char *header)
{
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return NULL;
	header += 7;
	while (*header == ' ')
		header++;
	return *header != '\0' ? header : NULL;
}

int
auth_or_reply(struct http_request *req)
{
	enum route_access access = req->match.route->access;
	struct token_claims claims;
	const char *header, *token;

	if (access == ROUTE_PUBLIC)
		return 0;
	header = http_param(req, "HTTP_AUTHORIZATION");
	if (header == NULL)
		return unauthorized(req, NULL, "this needs a Bearer token: POST /user/login");
	token = bearer_token(header);
	if (token == NULL)
		return unauthorized(req, "invalid_request",
		    "the Authorization header is not \"Bearer\" and a token");
	switch (auth_token_verify(req->cfg->token_key, token, (int64_t)time(NULL), &claims)) {
	case TOKEN_OK:
		req->auth = claims;
		break;
	case TOKEN_EXPIRED:
		return unauthorized(req, "invalid_token", "the token has expired");
	default:
		return unauthorized(req, "invalid_token", "the token is not valid");
	}
	if (req->auth.role == TOKEN_SERVICE && access != ROUTE_USER_OR_SERVICE) {
		http_problem_send(req, 403, "a service token is not accepted here");
		return -1;
	}
	if (req->auth.role != TOKEN_ADMIN && access == ROUTE_ADMIN) {
		http_problem_send(req, 403, "this needs the admin role");
		return -1;
	}
	return 0;
}

int
auth_owns(const struct http_request *req, int64_t user_id)
{
	return req->auth.role != TOKEN_CUSTOMER || req->auth.user_id == user_id;
}

int
auth_is_admin(const struct http_request *req)
{
	return req->auth.role == TOKEN_ADMIN;
}
