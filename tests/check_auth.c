/*
 * check_auth.c - common/serve/auth.c: a request's Bearer token checked
 * against its route's access (public, user, admin, user or service): 401
 * with its WWW-Authenticate challenge for no token, a header that is not
 * Bearer, a bad or expired token; 403 for a good token of a role the route
 * does not take; the service's session check, when it runs and what its
 * refusal answers; the cache of verified tokens and expiry; who the caller
 * is (auth_principal), the ownership rule that makes handlers answer 404
 * (auth_owns); and the keys a service refuses to start without.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "auth.h"
#include "check_request_support.h"
#include "check_suites.h"
#include "keygen.h"

static void
handler(struct http_request *req)
{
	(void)req;
}

static const struct route routes[] = {
	[ROUTE_PUBLIC] = { "GET", "/thing/public", handler, NULL, ROUTE_PUBLIC, 0 },
	[ROUTE_USER] = { "GET", "/thing/user", handler, NULL, ROUTE_USER, 0 },
	[ROUTE_ADMIN] = { "GET", "/thing/admin", handler, NULL, ROUTE_ADMIN, 0 },
	[ROUTE_USER_OR_SERVICE] = { "GET", "/thing/internal", handler, NULL,
	    ROUTE_USER_OR_SERVICE, 0 },
	[ROUTE_SERVICE] = { "GET", "/thing/feed", handler, NULL, ROUTE_SERVICE, 0 },
};

/* The service's session check: counts its calls, refuses when told to. */
static int session_calls;
static int session_refuses;

static int
session(struct http_request *req)
{
	session_calls++;
	if (session_refuses)
		return auth_token_refused(req, "the token was revoked");
	return 0;
}

/* The answer is a 401 with the challenge of a token that is no longer good. */
static void
invalid_token(struct treq *t, const char *detail)
{
	treq_problem(t, 401, detail);
	ck_assert_pstr_eq(treq_header(t, "WWW-Authenticate"),
	    "Bearer realm=\"microshop\", error=\"invalid_token\"");
}

/* A request to route r (enum route_access), with a token of role unless none. */
static struct treq *
request(enum route_access r, int with_token, enum token_role role, int64_t user_id)
{
	struct treq *t = treq_new("GET", routes[r].pattern, NULL);

	t->req.match.route = &routes[r];
	if (with_token)
		treq_bearer(t, role, user_id, 300);
	session_calls = 0;
	session_refuses = 0;
	return t;
}

#define NO_TOKEN 0, TOKEN_CUSTOMER, 0

START_TEST(test_public)
{
	struct treq *t = request(ROUTE_PUBLIC, NO_TOKEN);
	char who[64];

	ck_assert_int_eq(auth_or_reply(&t->req, session), 0);
	/* Nothing is read from a public route's request: not even a bad header. */
	treq_param(t, "HTTP_AUTHORIZATION", "Basic Zm9vOmJhcg==");
	ck_assert_int_eq(auth_or_reply(&t->req, session), 0);
	ck_assert_int_eq(t->req.status, 0);
	ck_assert_int_eq(session_calls, 0);
	auth_principal(&t->req, who, sizeof(who));
	ck_assert_str_eq(who, "");
	treq_free(t);
}
END_TEST

START_TEST(test_no_token)
{
	static const enum route_access protected[] = {
		ROUTE_USER, ROUTE_ADMIN, ROUTE_USER_OR_SERVICE, ROUTE_SERVICE
	};

	for (size_t i = 0; i < N_ELEMS(protected); i++) {
		struct treq *t = request(protected[i], NO_TOKEN);

		ck_assert_int_eq(auth_or_reply(&t->req, session), -1);
		treq_problem(t, 401, "needs a Bearer token");
		/* No token, no error: RFC 6750 3.1. */
		ck_assert_pstr_eq(treq_header(t, "WWW-Authenticate"), "Bearer realm=\"microshop\"");
		ck_assert_int_eq(session_calls, 0);
		treq_free(t);
	}
}
END_TEST

START_TEST(test_not_bearer)
{
	static const char *const headers[] = {
		"Basic Zm9vOmJhcg==", "Bearer", "Bearer ", "Bearer    ", "Token abc", "",
	};

	for (size_t i = 0; i < N_ELEMS(headers); i++) {
		struct treq *t = request(ROUTE_USER, NO_TOKEN);

		treq_param(t, "HTTP_AUTHORIZATION", headers[i]);
		ck_assert_msg(auth_or_reply(&t->req, session) == -1, "'%s' taken", headers[i]);
		treq_problem(t, 401, "not \"Bearer\" and a token");
		ck_assert_pstr_eq(treq_header(t, "WWW-Authenticate"),
		    "Bearer realm=\"microshop\", error=\"invalid_request\"");
		treq_free(t);
	}
}
END_TEST

START_TEST(test_bad_token)
{
	struct treq *t = request(ROUTE_USER, 1, TOKEN_CUSTOMER, 42);
	char bad[TOKEN_MAX + 16], *c;

	/* The good token with a byte of its payload changed. */
	snprintf(bad, sizeof(bad), "%s", http_param(&t->req, "HTTP_AUTHORIZATION"));
	c = strchr(bad, '.') + 5;
	*c = *c == 'A' ? 'B' : 'A';
	treq_param(t, "HTTP_AUTHORIZATION", bad);
	ck_assert_int_eq(auth_or_reply(&t->req, session), -1);
	invalid_token(t, "the token is not valid");
	treq_reanswer(t);
	treq_param(t, "HTTP_AUTHORIZATION", "Bearer not.a.token");
	ck_assert_int_eq(auth_or_reply(&t->req, session), -1);
	treq_problem(t, 401, "the token is not valid");
	ck_assert_int_eq(session_calls, 0);
	treq_free(t);
}
END_TEST

START_TEST(test_expired)
{
	struct treq *t = request(ROUTE_USER, NO_TOKEN);

	treq_bearer(t, TOKEN_CUSTOMER, 42, -1);
	ck_assert_int_eq(auth_or_reply(&t->req, session), -1);
	invalid_token(t, "the token has expired");
	ck_assert_int_eq(session_calls, 0);
	treq_free(t);
}
END_TEST

/*
 * Who may call what: each role on each protected route, the answer, and
 * whether the session check ran (a customer's or admin's token, before
 * the role is compared with the route's).
 */
START_TEST(test_access)
{
	static const struct {
		enum route_access route;
		enum token_role role;
		int status;	/* 0: passed */
		int session_ran;
		const char *detail;
	} cases[] = {
		{ ROUTE_USER, TOKEN_CUSTOMER, 0, 1, NULL },
		{ ROUTE_USER, TOKEN_ADMIN, 0, 1, NULL },
		{ ROUTE_USER, TOKEN_SERVICE, 403, 0, "a service token is not accepted here" },
		{ ROUTE_ADMIN, TOKEN_CUSTOMER, 403, 1, "this needs the admin role" },
		{ ROUTE_ADMIN, TOKEN_ADMIN, 0, 1, NULL },
		{ ROUTE_ADMIN, TOKEN_SERVICE, 403, 0, "a service token is not accepted here" },
		{ ROUTE_USER_OR_SERVICE, TOKEN_CUSTOMER, 0, 1, NULL },
		{ ROUTE_USER_OR_SERVICE, TOKEN_ADMIN, 0, 1, NULL },
		{ ROUTE_USER_OR_SERVICE, TOKEN_SERVICE, 0, 0, NULL },
		/* A service's alone, and no user's state read for the others. */
		{ ROUTE_SERVICE, TOKEN_CUSTOMER, 403, 0, "this needs a service token" },
		{ ROUTE_SERVICE, TOKEN_ADMIN, 403, 0, "this needs a service token" },
		{ ROUTE_SERVICE, TOKEN_SERVICE, 0, 0, NULL },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = request(cases[i].route, 1, cases[i].role, 42);
		int rc = auth_or_reply(&t->req, session);

		ck_assert_msg(rc == (cases[i].status ? -1 : 0), "case %zu: %d", i, rc);
		if (cases[i].status)
			treq_problem(t, cases[i].status, cases[i].detail);
		else
			ck_assert_int_eq(t->req.status, 0);
		ck_assert_msg(session_calls == cases[i].session_ran, "case %zu: %d session checks",
		    i, session_calls);
		ck_assert_int_eq(t->req.auth.role, cases[i].role);
		treq_free(t);
	}
}
END_TEST

/* A session check's refusal is the answer, before the admin role is asked. */
START_TEST(test_session_refuses)
{
	static const enum route_access checked[] = { ROUTE_USER, ROUTE_ADMIN, 0 };

	for (size_t i = 0; i < N_ELEMS(checked); i++) {
		struct treq *t = request(checked[i], 1, TOKEN_CUSTOMER, 42);

		session_refuses = 1;
		ck_assert_int_eq(auth_or_reply(&t->req, session), -1);
		invalid_token(t, "the token was revoked");
		ck_assert_int_eq(session_calls, 1);
		treq_free(t);
	}
	/* A service without a session check (NULL) takes a valid token as it is. */
	{
		struct treq *t = request(ROUTE_ADMIN, 1, TOKEN_ADMIN, 7);

		ck_assert_int_eq(auth_or_reply(&t->req, NULL), 0);
		treq_free(t);
	}
}
END_TEST

/* "bearer" in any case, and spaces before the token. */
START_TEST(test_bearer_spelling)
{
	struct treq *t = request(ROUTE_USER, 1, TOKEN_ADMIN, 7);
	char header[TOKEN_MAX + 16];

	snprintf(header, sizeof(header), "bEaReR   %s",
	    http_param(&t->req, "HTTP_AUTHORIZATION") + 7);
	treq_param(t, "HTTP_AUTHORIZATION", header);
	ck_assert_int_eq(auth_or_reply(&t->req, session), 0);
	ck_assert_int_eq(t->req.auth.role, TOKEN_ADMIN);
	ck_assert_int_eq(t->req.auth.user_id, 7);
	treq_free(t);
}
END_TEST

/* A token verified once is remembered, and its exp is still checked. */
START_TEST(test_cache)
{
	struct treq *t = request(ROUTE_USER, 1, TOKEN_CUSTOMER, 42);
	const char *token = http_param(&t->req, "HTTP_AUTHORIZATION") + 7;
	int64_t now = (int64_t)time(NULL);
	struct token_claims first, again;
	char changed[TOKEN_MAX];

	ck_assert_int_eq(auth_token_verify(t->cfg.token_rules, token, now, &first), TOKEN_OK);
	ck_assert_int_eq(auth_token_verify(t->cfg.token_rules, token, now, &again), TOKEN_OK);
	ck_assert_int_eq(again.user_id, 42);
	ck_assert_int_eq(again.exp, first.exp);
	ck_assert_int_eq(auth_token_verify(t->cfg.token_rules, token, first.exp, &again),
	    TOKEN_EXPIRED);
	ck_assert_int_eq(auth_token_verify(t->cfg.token_rules, token, first.exp - 1, &again),
	    TOKEN_OK);
	/* A token one byte shorter is not the one remembered. */
	snprintf(changed, sizeof(changed), "%.*s", (int)strlen(token) - 1, token);
	ck_assert_int_ne(auth_token_verify(t->cfg.token_rules, changed, now, &again), TOKEN_OK);
	treq_free(t);
}
END_TEST

START_TEST(test_principal_and_owner)
{
	static const struct {
		enum token_role role;
		int64_t user_id;
		const char *principal;
		int owns_42, owns_43, admin;
	} cases[] = {
		{ TOKEN_CUSTOMER, 42, "customer:42", 1, 0, 0 },
		{ TOKEN_ADMIN, 7, "admin:7", 1, 1, 1 },
		{ TOKEN_SERVICE, 0, "service:microshop-order", 1, 1, 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct treq *t = request(ROUTE_USER_OR_SERVICE, 1, cases[i].role, cases[i].user_id);
		char who[64];

		ck_assert_int_eq(auth_or_reply(&t->req, NULL), 0);
		auth_principal(&t->req, who, sizeof(who));
		ck_assert_str_eq(who, cases[i].principal);
		ck_assert_int_eq(auth_owns(&t->req, 42), cases[i].owns_42);
		ck_assert_int_eq(auth_owns(&t->req, 43), cases[i].owns_43);
		ck_assert_int_eq(auth_is_admin(&t->req), cases[i].admin);
		treq_free(t);
	}
}
END_TEST

/* What auth_keys_load made of the test keys (check_request_support.c). */
START_TEST(test_keys_loaded)
{
	struct svc_config cfg;

	settings_defaults(&cfg, "test", ":memory:");
	treq_keys(&cfg);
	ck_assert_ptr_nonnull(cfg.token_rules);
	ck_assert_str_eq(cfg.token_rules->self, "microshop-test");
	ck_assert_int_eq(cfg.token_rules->user_ttl_max, 900);
	ck_assert_ptr_eq(cfg.token_rules->keys, auth_keyring());
	/* The private key, which signs, and the calling service's public key. */
	ck_assert_ptr_nonnull(auth_keyring()->sign_key);
	ck_assert_uint_eq(auth_keyring()->n, 2);
	ck_assert_int_eq(keyring_find(auth_keyring(), auth_keyring()->sign_kid)->use,
	    KEY_USER_TOKENS);
}
END_TEST

/* Write text to a new file with mode; its path into path (64 bytes). */
static void
file_make(char *path, const char *text, mode_t mode)
{
	int fd;

	snprintf(path, 64, "/tmp/check_auth.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/*
 * A service does not start without its private key, nor without a key to
 * accept user tokens with, nor with a key file that is not right. (None
 * of these gets as far as adding a key to the process's keyring.)
 */
START_TEST(test_keys_refused)
{
	struct keygen_pair pair;
	struct svc_config cfg;
	char priv[64], pub[64], open_priv[64], dir[] = "/tmp/check_auth.XXXXXX";
	const char *log;

	ck_assert_int_eq(keygen_p256(&pair), 0);
	file_make(priv, pair.private_pem, 0600);
	file_make(open_priv, pair.private_pem, 0644);
	file_make(pub, pair.public_pem, 0644);
	settings_defaults(&cfg, "test", ":memory:");
	unsetenv("CREDENTIALS_DIRECTORY");

	treq_log_begin();
	ck_assert_int_eq(auth_keys_load(&cfg, KEY_USER_TOKENS), -1);
	log = treq_log_end();
	ck_assert_ptr_nonnull(strstr(log, "event=no_token_key"));
	ck_assert_ptr_nonnull(strstr(log, "no --token-key"));

	/* systemd's credentials: a folder without token-key is no key either. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	treq_log_begin();
	ck_assert_int_eq(auth_keys_load(&cfg, KEY_USER_TOKENS), -1);
	ck_assert_ptr_nonnull(strstr(treq_log_end(), "event=no_token_key"));
	unsetenv("CREDENTIALS_DIRECTORY");
	rmdir(dir);

	/* A service that calls another must accept user tokens. */
	cfg.token_key_file = priv;
	treq_log_begin();
	ck_assert_int_eq(auth_keys_load(&cfg, KEY_SERVICE_TOKENS), -1);
	ck_assert_ptr_nonnull(strstr(treq_log_end(), "no user token could be accepted"));

	/* A private key others may read; a public key where the private belongs. */
	cfg.token_key_file = open_priv;
	cfg.user_token_keys_file = pub;
	treq_log_begin();
	ck_assert_int_eq(auth_keys_load(&cfg, KEY_USER_TOKENS), -1);
	log = treq_log_end();
	ck_assert_ptr_nonnull(strstr(log, "event=bad_token_key key=token-key"));
	ck_assert_ptr_nonnull(strstr(log, "chmod 600"));
	cfg.token_key_file = pub;
	ck_assert_int_eq(chmod(pub, 0600), 0);
	treq_log_begin();
	ck_assert_int_eq(auth_keys_load(&cfg, KEY_USER_TOKENS), -1);
	/* (Which reason depends on whether this process loaded its keys before.) */
	ck_assert_ptr_nonnull(strstr(treq_log_end(), "event=bad_token_key key=token-key"));
	ck_assert_ptr_null(cfg.token_rules);

	unlink(priv);
	unlink(open_priv);
	unlink(pub);
	keygen_free(&pair);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_public);
	tcase_add_test(tc, test_no_token);
	tcase_add_test(tc, test_not_bearer);
	tcase_add_test(tc, test_bad_token);
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_access);
	tcase_add_test(tc, test_session_refuses);
	tcase_add_test(tc, test_bearer_spelling);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_principal_and_owner);
	tcase_add_test(tc, test_keys_loaded);
	tcase_add_test(tc, test_keys_refused);
	suite_add_tcase(s, tc);
	return s;
}
