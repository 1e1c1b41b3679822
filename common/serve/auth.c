/*
 * auth.c - Bearer tokens on every request; see auth.h.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "http.h"
#include "log.h"
#include "problem.h"

#define CACHE_SLOTS 64
#define CACHE_TOKEN_MAX 512	/* ours are about 300 bytes */

static struct keyring auth_ring;
static struct token_rules auth_rules;
static char auth_self[TOKEN_NAME_MAX];

/* ------------------------------------------------------------------ */
/* Keys                                                               */
/* ------------------------------------------------------------------ */

/*
 * The file of key name: the flag's value, else systemd's credential of
 * that name when there is one. Returns buf, or NULL when neither exists.
 */
static const char *
key_path(char *buf, size_t n, const char *flag_value, const char *name)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");

	if (flag_value != NULL)
		return flag_value;
	if (dir == NULL)
		return NULL;
	snprintf(buf, n, "%s/%s", dir, name);
	return access(buf, F_OK) == 0 ? buf : NULL;
}

/* Load one key file; load is keyring_load_private or _public. 0 or -1. */
static int
key_load(const char *path, const char *name, enum key_use use,
    int (*load)(struct keyring *, const char *, enum key_use, const char **))
{
	const char *why;
	char v[512];

	if (load(&auth_ring, path, use, &why) == 0)
		return 0;
	log_msg(LOG_LEVEL_ERROR, "event=bad_token_key key=%s file=%s detail=\"the key file %s\"",
	    name, log_value(v, sizeof(v), path), why);
	return -1;
}

/*
 * Sign a token with the private key and check it as a request's would be:
 * a key that cannot sign is found at start, not at the first login. It
 * also makes OpenSSL fetch its algorithms before the first request, which
 * would otherwise pay for that (hundreds of milliseconds under valgrind).
 */
static int
keys_self_test(enum key_use use)
{
	struct token_claims c = { .role = TOKEN_CUSTOMER, .user_id = 1, .cred_version = 1 };
	struct token_claims out;
	enum token_result r = TOKEN_INVALID;
	char *token;

	c.iat = (int64_t)time(NULL);
	c.exp = c.iat + 1;
	if (use == KEY_SERVICE_TOKENS) {
		c.role = TOKEN_SERVICE;
		snprintf(c.service, sizeof(c.service), "%s", auth_self);
	}
	token = token_make(&auth_ring, &c, auth_self);
	if (token != NULL)
		r = token_verify(&auth_rules, token, c.iat, &out);
	free(token);
	if (r == TOKEN_OK)
		return 0;
	log_msg(LOG_LEVEL_ERROR, "event=bad_token_key key=token-key detail=\"a token it "
	    "signed does not verify\"");
	return -1;
}

int
auth_keys_load(struct svc_config *cfg, enum key_use use)
{
	char buf[3][4096];
	const char *sign, *users, *services;

	sign = key_path(buf[0], sizeof(buf[0]), cfg->token_key_file, "token-key");
	users = key_path(buf[1], sizeof(buf[1]), cfg->user_token_keys_file, "user-token-keys");
	services = key_path(buf[2], sizeof(buf[2]), cfg->service_token_keys_file,
	    "service-token-keys");
	if (sign == NULL) {
		log_msg(LOG_LEVEL_ERROR, "event=no_token_key detail=\"no --token-key, and no "
		    "credential token-key (systemd LoadCredential=)\"");
		return -1;
	}
	if (users == NULL && use != KEY_USER_TOKENS) {
		log_msg(LOG_LEVEL_ERROR, "event=no_token_key detail=\"no --user-token-keys, and "
		    "no credential user-token-keys: no user token could be accepted\"");
		return -1;
	}
	if (key_load(sign, "token-key", use, keyring_load_private) < 0 ||
	    (users != NULL &&
	    key_load(users, "user-token-keys", KEY_USER_TOKENS, keyring_load_public) < 0) ||
	    (services != NULL &&
	    key_load(services, "service-token-keys", KEY_SERVICE_TOKENS, keyring_load_public) < 0))
		return -1;
	if (services == NULL && use == KEY_USER_TOKENS)
		log_msg(LOG_LEVEL_WARN, "event=no_service_keys detail=\"no --service-token-keys: "
		    "no service token is accepted\"");
	snprintf(auth_self, sizeof(auth_self), "microshop-%s", cfg->service);
	auth_rules.keys = &auth_ring;
	auth_rules.self = auth_self;
	auth_rules.user_ttl_max = cfg->token_ttl;
	if (keys_self_test(use) < 0)
		return -1;
	cfg->token_rules = &auth_rules;
	log_msg(LOG_LEVEL_INFO, "event=token_keys signs=%s kid=%s accepted=%zu",
	    use == KEY_USER_TOKENS ? "user_tokens" : "service_tokens", auth_ring.sign_kid,
	    auth_ring.n);
	return 0;
}

const struct keyring *
auth_keyring(void)
{
	return &auth_ring;
}

/* ------------------------------------------------------------------ */
/* The per-thread cache of verified tokens                            */
/* ------------------------------------------------------------------ */

/*
 * Each worker thread remembers the tokens it verified last: a client sends
 * the same token with every request for its lifetime, and a hit costs a
 * keyed hash and a comparison instead of an ECDSA verification (tens of
 * microseconds; bench/token-cost measures both). The comparison is
 * constant-time and the slot is chosen by a keyed hash, so that timing says
 * nothing about a cached token; exp is checked on every hit, and the
 * credential version by the service's session check after it, as for a
 * token verified anew.
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
auth_token_verify(const struct token_rules *rules, const char *token, int64_t now,
    struct token_claims *out)
{
	unsigned char h[crypto_shorthash_BYTES];
	struct cached_token *slot;
	size_t len = strlen(token);
	enum token_result r;
	uint64_t i;

	if (len >= CACHE_TOKEN_MAX)
		return token_verify(rules, token, now, out);
	pthread_once(&cache_once, cache_init);
	crypto_shorthash(h, (const unsigned char *)token, len, cache_hash_key);
	memcpy(&i, h, sizeof(i));
	slot = &token_cache[i % CACHE_SLOTS];
	if (slot->len == len && sodium_memcmp(slot->token, token, len) == 0) {
		*out = slot->claims;
		return out->exp > now ? TOKEN_OK : TOKEN_EXPIRED;
	}
	r = token_verify(rules, token, now, out);
	if (r == TOKEN_OK) {
		memcpy(slot->token, token, len);
		slot->len = len;
		slot->claims = *out;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Each request                                                       */
/* ------------------------------------------------------------------ */

/* Answer 401 with a Bearer challenge; error is NULL when no token was sent. */
static int
unauthorized(struct http_request *req, const char *error, const char *detail)
{
	int rc;

	if (error == NULL)
		rc = http_header_add(req, "WWW-Authenticate", "Bearer realm=\"microshop\"");
	else
		rc = http_header_add(req, "WWW-Authenticate",
		    "Bearer realm=\"microshop\", error=\"%s\"", error);
	if (rc < 0)
		http_problem_send(req, 500, "the answer's headers do not fit");
	else
		http_problem_send(req, 401, "%s", detail);
	return -1;
}

int
auth_token_refused(struct http_request *req, const char *detail)
{
	return unauthorized(req, "invalid_token", detail);
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
auth_or_reply(struct http_request *req, auth_session_check *session)
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
	switch (auth_token_verify(req->cfg->token_rules, token, (int64_t)time(NULL), &claims)) {
	case TOKEN_OK:
		req->auth = claims;
		break;
	case TOKEN_EXPIRED:
		return auth_token_refused(req, "the token has expired");
	default:
		return auth_token_refused(req, "the token is not valid");
	}
	if (req->auth.role == TOKEN_SERVICE && access != ROUTE_USER_OR_SERVICE &&
	    access != ROUTE_SERVICE) {
		http_problem_send(req, 403, "a service token is not accepted here");
		return -1;
	}
	/* Refused before the session check: no user's state is read for it. */
	if (req->auth.role != TOKEN_SERVICE && access == ROUTE_SERVICE) {
		http_problem_send(req, 403, "this needs a service token");
		return -1;
	}
	if (req->auth.role != TOKEN_SERVICE && session != NULL && session(req) < 0)
		return -1;
	if (req->auth.role != TOKEN_ADMIN && access == ROUTE_ADMIN) {
		http_problem_send(req, 403, "this needs the admin role");
		return -1;
	}
	return 0;
}

void
auth_principal(const struct http_request *req, char *buf, size_t n)
{
	if (req->auth.exp == 0)
		snprintf(buf, n, "%s", "");
	else if (req->auth.role == TOKEN_SERVICE)
		snprintf(buf, n, "service:%s", req->auth.service);
	else
		snprintf(buf, n, "%s:%" PRId64, token_role_name(req->auth.role),
		    req->auth.user_id);
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
