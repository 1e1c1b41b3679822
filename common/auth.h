/*
 * auth.h - who is calling: the service's token key, the Bearer token of
 * each request checked against its route's access (router.h), and the
 * ownership rule the handlers apply. docs/security.md has the model.
 */
#ifndef MICROSHOP_AUTH_H
#define MICROSHOP_AUTH_H

#include <stdint.h>

#include "config.h"
#include "token.h"

struct http_request;

/*
 * Load the token key named by cfg->jwt_key_file, or else systemd's
 * credential $CREDENTIALS_DIRECTORY/jwt-key, into cfg->token_key. Returns
 * 0, or -1 after logging why: a service does not start without a key.
 */
int auth_key_load(struct svc_config *cfg);

/*
 * Check the request's Authorization against its route: 0 with req->auth
 * filled in (or a public route), or -1 after answering 401 (no token, a
 * bad or expired one; with WWW-Authenticate: Bearer) or 403 (a valid
 * token whose role the route does not take).
 */
int auth_or_reply(struct http_request *req);

/*
 * token_verify with this thread's cache of tokens verified before (one
 * key per process): what auth_or_reply uses. bench/token-cost measures it.
 */
enum token_result auth_token_verify(const struct token_key *key, const char *token,
    int64_t now, struct token_claims *out);

/*
 * 1 if the caller may act on what belongs to user_id: an admin or a
 * service always, a customer only on their own. Handlers answer 404 when
 * not, so that another user's ids cannot be probed.
 */
int auth_owns(const struct http_request *req, int64_t user_id);

/* 1 if the caller is an admin. */
int auth_is_admin(const struct http_request *req);

#endif
