/*
 * check_user_api.c - fcgi-user/user_api.c: what each handler decides,
 * served in-process (request_harness.h) on an in-memory database holding
 * api_fixtures.h's Ada (user 1), Grace (user 2) and admin (user 1000). Statuses and
 * problem types, ETag, Location and Idempotent-Replayed, who may do what
 * (a customer, an admin, a service, nobody; another customer's user is a
 * 404, like a missing one), the pages' links, the password rules of a
 * change (current_password, the per-account throttle), and tokens ending
 * when their user's credentials change. The integration tests drive the
 * same API through nginx; these cases are the handlers' decisions alone.
 */
#include <stdio.h>
#include <string.h>

#include "api_fixtures.h"
#include "check_api.h"
#include "login_throttle.h"
#include "password.h"
#include "user_api.h"
#include "user_store.h"

#define PW API_FIXTURES_PASSWORD
#define ADA "{\"email\":\"ada@example.com\",\"password\":\"" PW "\"}"

static const struct harness_target target = {
	.svc = &user_service,
	.schema = &user_store_schema,
	.fixtures = user_api_fixtures,
	.sql_fixtures = user_api_sql_fixtures,
};

/* Once per test case: the service, with the cheapest Argon2id there is. */
static void
service_up(void)
{
	static const struct password_config cheap = {
		.opslimit = 1, .memlimit = 8 * 1024,
		.slots = { .slots = 1, .workers = 1, .wait_ms = 1000 }
	};

	ck_assert_int_eq(password_init(&cheap), 0);
	ck_assert_int_eq(harness_init(&target), 0);
}

static void
service_down(void)
{
	harness_fini();
}

/* Before each test: the fixtures afresh, no failed logins, the defaults. */
static void
fixtures_up(void)
{
	ck_assert_int_eq(login_throttle_init(), 0);
	harness_config()->require_if_match = 0;
	ck_assert_int_eq(harness_reset(), 0);
}

/* ------------------------------------------------------------------ */
/* POST /user                                                         */
/* ------------------------------------------------------------------ */

START_TEST(test_create)
{
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":\"Mary Somerville\",\"email\":\"mary@example.com\","
	    "\"password\":\"" PW "\"}");
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_header("Location"), "/user/1001");
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	ck_assert_ptr_null(api_header("Idempotent-Replayed"));
	ck_assert_int_eq(api_int("id"), 1001);
	ck_assert_int_eq(api_int("version"), 1);
	ck_assert_str_eq(api_string("role"), "customer");
	ck_assert_str_eq(api_string("email"), "mary@example.com");
	ck_assert_ptr_null(strstr(api_body(), "password"));
	ck_assert_ptr_null(strstr(api_body(), PW));
}
END_TEST

START_TEST(test_create_refused)
{
	/* A rule broken: 422; a wrong JSON type: 400; both validation problems. */
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":\"Mary\",\"email\":\"not-an-email\",\"password\":\"" PW "\"}");
	api_assert(422, PROBLEM_VALIDATION, "email");
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":\"Mary\",\"email\":\"mary@example.com\",\"password\":\"short\"}");
	api_assert(422, PROBLEM_VALIDATION, "password");
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":7,\"email\":\"mary@example.com\",\"password\":\"" PW "\"}");
	api_assert(400, PROBLEM_VALIDATION, "name");
	/* A role is the server's to give: what a signup says of it is ignored. */
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":\"Eve\",\"email\":\"eve@example.com\",\"password\":\"" PW "\","
	    "\"role\":\"admin\"}");
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_string("role"), "customer");
	/* A taken email: 409, before any hash. */
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"" PW "\"}");
	api_assert(409, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_string("detail"), "a user with this email already exists");
	/* Not JSON, or not said to be. */
	api_serve("POST /user\n" AS("none") "Content-Type: text/plain\n\n{}");
	api_assert(415, PROBLEM_BLANK, NULL);
	api_serve("POST /user\n" AS("none") JSON "\n{\"name\":");
	api_assert(400, PROBLEM_BLANK, NULL);
	api_serve("POST /user\n" AS("none") JSON "\n[]");
	api_assert(400, PROBLEM_BLANK, NULL);
	/* Nor one the API does not know. */
	api_serve("POST /user\n" AS("none") JSON "\n"
	    "{\"name\":\"Mary\",\"email\":\"mary@example.com\",\"password\":\"" PW "\","
	    "\"admin\":true}");
	api_assert(422, PROBLEM_VALIDATION, "admin");
	/* None of them made a user but Eve. */
	api_serve("GET /user/1002\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

/* A retried signup gets its first answer again and makes no second user. */
START_TEST(test_create_idempotent)
{
	static const char signup[] = "POST /user\n" AS("none") JSON "Idempotency-Key: k-1\n\n"
	    "{\"name\":\"Mary\",\"email\":\"mary@example.com\",\"password\":\"" PW "\"}";
	char first[4096];

	api_serve(signup);
	api_assert(201, NULL, NULL);
	snprintf(first, sizeof(first), "%s", api_body());
	api_serve(signup);
	api_assert(201, NULL, NULL);
	ck_assert_str_eq(api_header("Idempotent-Replayed"), "true");
	ck_assert_str_eq(api_header("Location"), "/user/1001");
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	ck_assert_str_eq(api_body(), first);
	api_serve("GET /user/1002\n\n");
	api_assert(404, NULL, NULL);

	/* Without a token, the key is bound to the request: another body is
	 * another request. */
	api_serve("POST /user\n" AS("none") JSON "Idempotency-Key: k-1\n\n"
	    "{\"name\":\"Anne\",\"email\":\"anne@example.com\",\"password\":\"" PW "\"}");
	api_assert(201, NULL, NULL);
	ck_assert_ptr_null(api_header("Idempotent-Replayed"));
	ck_assert_str_eq(api_header("Location"), "/user/1002");
	/* A key that is no key. */
	api_serve("POST /user\n" AS("none") JSON "Idempotency-Key: \x01\n\n"
	    "{\"name\":\"Jo\",\"email\":\"jo@example.com\",\"password\":\"" PW "\"}");
	api_assert(400, PROBLEM_BLANK, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reading users                                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_get_access)
{
	api_serve("GET /user/1\n" AS("customer") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	ck_assert_str_eq(api_string("email"), "ada@example.com");
	ck_assert_ptr_null(api_header("Location"));

	/* Another customer's user is answered as a missing one, word for word. */
	api_assert_same("GET /user/999\n" AS("customer") "\n", "GET /user/2\n" AS("customer") "\n");
	api_assert(404, PROBLEM_BLANK, NULL);

	/* An admin and a service read anyone. */
	api_serve("GET /user/2\n" AS("admin") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_int("id"), 2);
	api_serve("GET /user/2\n" AS("service") "\n");
	api_assert(200, NULL, NULL);

	/* Nobody: 401 with a challenge; a token that is no token: 401 too. */
	api_serve("GET /user/1\n" AS("none") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	ck_assert_ptr_nonnull(api_header("WWW-Authenticate"));
	ck_assert_int_eq(strncmp(api_header("WWW-Authenticate"), "Bearer", 6), 0);
	api_serve("GET /user/1\nAuthorization: Bearer abc.def.ghi\n\n");
	api_assert(401, PROBLEM_BLANK, NULL);

	/* Ids that are no ids. */
	api_serve("GET /user/0\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("GET /user/01\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("GET /user/abc\n\n");
	api_assert(404, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_me)
{
	api_serve("GET /user/me\n" AS("customer2") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_int("id"), 2);
	ck_assert_str_eq(api_header("ETag"), "\"1\"");
	api_serve("GET /user/me\n" AS("admin") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_string("role"), "admin");
	/* A service is nobody's user. */
	api_serve("GET /user/me\n" AS("service") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_list)
{
	api_serve("GET /user\n" AS("customer") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
	api_serve("GET /user\n" AS("service") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);

	api_serve("GET /user\n" AS("admin") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 3);
	ck_assert_ptr_null(api_string("next"));

	/* Pages: next only while more follow, and it leads on. */
	api_serve("GET /user?limit=2\n\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 2);
	ck_assert_str_eq(api_string("next"), "/user?limit=2&after=2");
	api_serve("GET /user?limit=2&after=2\n\n");
	ck_assert_int_eq(api_items(), 1);
	ck_assert_ptr_null(api_string("next"));

	/* The filter, carried by next. */
	api_serve("GET /user?email=grace%%40example.com\n\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_items(), 1);
	api_serve("GET /user?limit=1&email=admin%%40example.com\n\n");
	ck_assert_int_eq(api_items(), 1);
	ck_assert_ptr_null(api_string("next"));

	api_serve("GET /user?limit=0\n\n");
	api_assert(422, PROBLEM_VALIDATION, "limit");
	api_serve("GET /user?after=x\n\n");
	api_assert(422, PROBLEM_VALIDATION, "after");
	api_serve("GET /user?sort=name\n\n");
	api_assert(422, PROBLEM_VALIDATION, "sort");
}
END_TEST

/* ------------------------------------------------------------------ */
/* PATCH and DELETE                                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_patch)
{
	api_serve("PATCH /user/1\n" AS("customer") MERGE "If-Match: \"1\"\n\n"
	    "{\"name\":\"Ada King\"}");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_header("ETag"), "\"2\"");
	ck_assert_str_eq(api_string("name"), "Ada King");
	/* The version it named is gone: 412. */
	api_serve("PATCH /user/1\n" AS("customer") MERGE "If-Match: \"1\"\n\n"
	    "{\"name\":\"Ada\"}");
	api_assert(412, PROBLEM_BLANK, NULL);
	api_serve("PATCH /user/1\n" AS("customer") MERGE "If-Match: 2\n\n{\"name\":\"Ada\"}");
	api_assert(400, PROBLEM_BLANK, NULL);
	/* Without If-Match: as the service is configured. */
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"name\":\"Ada L\"}");
	api_assert(200, NULL, NULL);
	harness_config()->require_if_match = 1;
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"name\":\"Ada\"}");
	api_assert(428, PROBLEM_BLANK, NULL);
	api_serve("PATCH /user/1\n" AS("customer") MERGE "If-Match: *\n\n{\"name\":\"Ada\"}");
	api_assert(200, NULL, NULL);
	harness_config()->require_if_match = 0;

	/* Someone else's user: 404; an admin changes anyone's. */
	api_serve("PATCH /user/2\n" AS("customer") MERGE "\n{\"name\":\"Grace\"}");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("PATCH /user/2\n" AS("admin") MERGE "\n{\"name\":\"Grace B. Hopper\"}");
	api_assert(200, NULL, NULL);
	api_serve("PATCH /user/2\n" AS("customer") "Content-Type: text/plain\n\n{}");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("PATCH /user/1\n" AS("customer") "Content-Type: text/plain\n\n{}");
	api_assert(415, PROBLEM_BLANK, NULL);
	/* What the server owns is ignored when echoed back; anything else refused. */
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"id\":5,\"version\":9}");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_int("id"), 1);
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"nickname\":\"A\"}");
	api_assert(422, PROBLEM_VALIDATION, "nickname");
}
END_TEST

/* Who may change a role, and one's own credentials only with current_password. */
START_TEST(test_patch_credentials)
{
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"role\":\"admin\"}");
	api_assert(403, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_string("detail"), "only an admin may change a role");
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"email\":\"ada@new.example\"}");
	api_assert(422, PROBLEM_VALIDATION, "current_password");
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n"
	    "{\"password\":\"a new password!\",\"current_password\":\"not the password\"}");
	api_assert(403, PROBLEM_BLANK, NULL);
	/* The same email is no change: no password needed. */
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"email\":\"ada@example.com\"}");
	api_assert(200, NULL, NULL);

	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n"
	    "{\"password\":\"a new password!\",\"current_password\":\"" PW "\"}");
	api_assert(200, NULL, NULL);
	ck_assert_ptr_null(strstr(api_body(), "password"));
	/* Every token of the account ends with its old password. */
	api_serve("GET /user/me\n" AS("customer") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	api_serve("POST /user/login\n" AS("none") JSON "\n" ADA);
	api_assert(401, PROBLEM_BLANK, NULL);
	api_serve("POST /user/login\n" AS("none") JSON "\n"
	    "{\"email\":\"ada@example.com\",\"password\":\"a new password!\"}");
	api_assert(200, NULL, NULL);

	/* An admin gives a role without anyone's password; the old token ends. */
	api_serve("PATCH /user/2\n" AS("admin") MERGE "\n{\"role\":\"admin\"}");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_string("role"), "admin");
	api_serve("GET /user/me\n" AS("customer2") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_delete)
{
	api_serve("DELETE /user/2\n" AS("customer") "\n");
	api_assert(404, PROBLEM_BLANK, NULL);
	api_serve("DELETE /user/1\n" AS("customer") "If-Match: \"7\"\n\n");
	api_assert(412, PROBLEM_BLANK, NULL);
	api_serve("DELETE /user/1\n" AS("customer") "If-Match: \"1\"\n\n");
	api_assert(204, NULL, NULL);
	ck_assert_uint_eq(api_answer.body_len, 0);
	/* Gone, not missing; and its token ends with it. */
	api_serve("GET /user/1\n" AS("admin") "\n");
	api_assert(410, PROBLEM_BLANK, NULL);
	api_serve("GET /user/1\n" AS("customer") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	api_serve("DELETE /user/1\n" AS("admin") "\n");
	api_assert(410, PROBLEM_BLANK, NULL);
	api_serve("DELETE /user/2\n" AS("admin") "\n");
	api_assert(204, NULL, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Login and logout                                                   */
/* ------------------------------------------------------------------ */

START_TEST(test_login)
{
	char token[2048];

	api_serve("POST /user/login\n" AS("none") JSON "\n" ADA);
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_header("Cache-Control"), "no-store");
	ck_assert_str_eq(api_string("token_type"), "Bearer");
	ck_assert_int_eq(api_int("user_id"), 1);
	ck_assert_str_eq(api_string("role"), "customer");
	ck_assert_int_eq(api_int("expires_in"), harness_config()->token_ttl);
	ck_assert_ptr_nonnull(api_string("access_token"));
	snprintf(token, sizeof(token), "%s", api_string("access_token"));

	/* The token it gave works. */
	api_serve("GET /user/me\nAuthorization: Bearer %s\n\n", token);
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(api_int("id"), 1);

	/* A wrong password and an unknown email: the same 401, word for word. */
	api_assert_same("POST /user/login\n" AS("none") JSON "\n"
	    "{\"email\":\"ada@example.com\",\"password\":\"not the password\"}",
	    "POST /user/login\n" AS("none") JSON "\n"
	    "{\"email\":\"nobody@example.com\",\"password\":\"not the password\"}");
	api_assert(401, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_header("WWW-Authenticate"), "Bearer realm=\"microshop\"");
	/* The admin of the fixtures has no password: no login. */
	api_serve("POST /user/login\n" AS("none") JSON "\n"
	    "{\"email\":\"admin@example.com\",\"password\":\"" PW "\"}");
	api_assert(401, PROBLEM_BLANK, NULL);

	api_serve("POST /user/login\n" AS("none") JSON "\n{\"email\":\"ada@example.com\"}");
	api_assert(422, PROBLEM_VALIDATION, "password");
	api_serve("POST /user/login\n" AS("none") JSON "\n{\"email\":1,\"password\":\"x\"}");
	api_assert(400, PROBLEM_VALIDATION, "email");
}
END_TEST

/* After LOGIN_FREE_FAILURES wrong passwords, the account waits: even the right one. */
START_TEST(test_login_throttled)
{
	for (int i = 0; i < LOGIN_FREE_FAILURES; i++) {
		api_serve("POST /user/login\n" AS("none") JSON "\n"
		    "{\"email\":\"ada@example.com\",\"password\":\"guess number %d\"}", i);
		api_assert(401, PROBLEM_BLANK, NULL);
	}
	api_serve("POST /user/login\n" AS("none") JSON "\n" ADA);
	api_assert(429, PROBLEM_BLANK, NULL);
	ck_assert_str_eq(api_header("Retry-After"), "1");
	/* Another account is not slowed. */
	api_serve("POST /user/login\n" AS("none") JSON "\n"
	    "{\"email\":\"grace@example.com\",\"password\":\"" PW "\"}");
	api_assert(200, NULL, NULL);
	/* A change of one's own password is a login, and waits alike. */
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n"
	    "{\"password\":\"a new password!\",\"current_password\":\"" PW "\"}");
	api_assert(429, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_logout)
{
	api_serve("POST /user/logout\n" AS("customer") "\n");
	api_assert(204, NULL, NULL);
	api_serve("GET /user/me\n" AS("customer") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	ck_assert_ptr_nonnull(strstr(api_header("WWW-Authenticate"), "invalid_token"));
	/* Another user's tokens are untouched. */
	api_serve("GET /user/me\n" AS("customer2") "\n");
	api_assert(200, NULL, NULL);
	api_serve("POST /user/logout\n" AS("none") "\n");
	api_assert(401, PROBLEM_BLANK, NULL);
	api_serve("POST /user/logout\n" AS("service") "\n");
	api_assert(403, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_health)
{
	api_serve("GET /user/health\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_string("status"), "ok");
	api_serve("GET /user/ready\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_str_eq(api_string("status"), "ready");
	api_serve("DELETE /user/health\n\n");
	api_assert(405, PROBLEM_BLANK, NULL);
}
END_TEST

Suite *
user_api_suite(void)
{
	Suite *s = suite_create("user_api");
	TCase *tc = tcase_create("handlers");

	tcase_add_unchecked_fixture(tc, service_up, service_down);
	tcase_add_checked_fixture(tc, fixtures_up, NULL);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_create_refused);
	tcase_add_test(tc, test_create_idempotent);
	tcase_add_test(tc, test_get_access);
	tcase_add_test(tc, test_me);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_patch);
	tcase_add_test(tc, test_patch_credentials);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_login);
	tcase_add_test(tc, test_login_throttled);
	tcase_add_test(tc, test_logout);
	tcase_add_test(tc, test_health);
	suite_add_tcase(s, tc);
	return s;
}
