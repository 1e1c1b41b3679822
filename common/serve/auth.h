/*
 * auth.h - who is calling: the service's token keys, the Bearer token of
 * each request checked against its route's access (router.h), the
 * service's own check that a user token is still current (its credential
 * version), the principal that owns what a caller stores (Idempotency-Key),
 * and the ownership rule the handlers apply. docs/security.md has the
 * model.
 */
#ifndef MICROSHOP_AUTH_H
#define MICROSHOP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"
#include "keyring.h"
#include "token.h"

struct http_request;

/*
 * Load the keys cfg names (or systemd's credentials of the same names)
 * into cfg->token_rules: the private key, which signs tokens of use
 * (user tokens for the user service, service tokens for a service that
 * calls another), and the public keys accepted for each kind of token.
 * Returns 0, or -1 after logging why: a service does not start without
 * its private key, nor without a key to accept user tokens with.
 */
int auth_keys_load(struct svc_config *cfg, enum key_use use);

/* This process's keyring (after auth_keys_load), for making tokens. */
const struct keyring *auth_keyring(void);

/*
 * A service's check that a verified customer's or admin's token is still
 * current (not revoked): 0 to go on, or -1 after answering (401 with
 * WWW-Authenticate: Bearer error="invalid_token", or a 503).
 */
typedef int auth_session_check(struct http_request *req);

/*
 * Check the request's Authorization against its route: 0 with req->auth
 * filled in (or a public route), or -1 after answering 401 (no token, a
 * bad, expired or revoked one; with WWW-Authenticate: Bearer) or 403 (a
 * valid token whose role the route does not take). session (or NULL)
 * runs for a customer's or an admin's token.
 */
int auth_or_reply(struct http_request *req, auth_session_check *session);

/* Answer 401 invalid_token with detail: the token is no longer good. */
int auth_token_refused(struct http_request *req, const char *detail);

/*
 * token_verify with this thread's cache of tokens verified before: what
 * auth_or_reply uses. bench/token-cost measures it.
 */
enum token_result auth_token_verify(const struct token_rules *rules, const char *token,
    int64_t now, struct token_claims *out);

/*
 * Who made the request, as the owner of what it stores: "customer:42",
 * "admin:7", "service:microshop-order", or "" for a request without a
 * token. Written into buf (n bytes).
 */
void auth_principal(const struct http_request *req, char *buf, size_t n);

/*
 * 1 if the caller may act on what belongs to user_id: an admin or a
 * service always, a customer only on their own. Handlers answer 404 when
 * not, so that another user's ids cannot be probed.
 */
int auth_owns(const struct http_request *req, int64_t user_id);

/* 1 if the caller is an admin. */
int auth_is_admin(const struct http_request *req);

#endif
