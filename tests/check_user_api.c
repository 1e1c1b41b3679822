/*
 * check_user_api.c - fcgi-user/user_api.c: what each handler decides,
 * served in-process (request_harness.h) on an in-memory database holding
 * api_fixtures.h's Ada (user 1), Grace (user 2) and admin (user 1000). Statuses and
 * problem types, ETag, Location and Idempotent-Replayed, who may do what
 * (a customer, an admin, a service, nobody; another customer's user is a
 * 404, like a missing one), the pages' links, the password rules of a
 * change (current_password, the per-account throttle), and tokens ending
 * when their user's credentials change; the event feed and its snapshot
 * (a service's alone, their parameters, what the writes append, 410 once
 * the events asked for are gone, a long poll that ends when an event
 * commits, or empty after its wait, or at once when every wait slot is
 * taken or the service stops). The integration tests drive the same API
 * through nginx; these cases are the handlers' decisions alone.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api_fixtures.h"
#include "check_api.h"
#include "clock.h"
#include "event_feed.h"
#include "login_throttle.h"
#include "password.h"
#include "user_api.h"
#include "user_events.h"
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
	ck_assert_int_eq(event_feed_init(2, 7 * 24 * 3600), 0);
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
	/* The metrics say so too (a full disk's 0: integration/faults.test). */
	api_serve("GET /user/metrics\n" AS("none") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(api_body(), "\n# TYPE microshop_ready gauge\nmicroshop_ready 1\n"));
	api_serve("DELETE /user/health\n\n");
	api_assert(405, PROBLEM_BLANK, NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The event feed                                                      */
/* ------------------------------------------------------------------ */

#define FEED "GET /user/events"

/* The answer body's array key: its length (-1: none). */
static long
array_len(const char *key)
{
	struct json_object *a;

	if (api_answer.json == NULL || !json_object_object_get_ex(api_answer.json, key, &a) ||
	    !json_object_is_type(a, json_type_array))
		return -1;
	return (long)json_object_array_length(a);
}

/* Member member of entry i of the body's array key, or NULL. */
static struct json_object *
array_member(const char *key, size_t i, const char *member)
{
	struct json_object *a, *v = NULL;

	ck_assert(json_object_object_get_ex(api_answer.json, key, &a));
	ck_assert_uint_lt(i, json_object_array_length(a));
	json_object_object_get_ex(json_object_array_get_idx(a, i), member, &v);
	return v;
}

static int64_t
entry_int(const char *key, size_t i, const char *member)
{
	struct json_object *v = array_member(key, i, member);

	return v != NULL ? json_object_get_int64(v) : -1;
}

static const char *
entry_string(const char *key, size_t i, const char *member)
{
	struct json_object *v = array_member(key, i, member);

	return v != NULL ? json_object_get_string(v) : NULL;
}

/* The body's member key, a boolean, as JSON text ("true", "false"), or NULL. */
static const char *
api_bool(const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(api_answer.json, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return NULL;
	return json_object_get_boolean(v) ? "true" : "false";
}

/* The fixtures' signups are events 1 and 2 (the admin is made in SQL). */
START_TEST(test_feed)
{
	api_serve(FEED "\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 2);
	ck_assert_int_eq(api_int("last_seq"), 2);
	ck_assert_int_eq(api_int("oldest_seq"), 1);
	ck_assert_int_eq(entry_int("events", 0, "seq"), 1);
	ck_assert_int_eq(entry_int("events", 0, "schema"), 1);
	ck_assert_str_eq(entry_string("events", 0, "type"), "user.created");
	ck_assert_int_eq(entry_int("events", 0, "user_id"), 1);
	ck_assert_int_eq(entry_int("events", 0, "user_version"), 1);
	ck_assert_str_eq(entry_string("events", 0, "status"), "active");
	ck_assert_str_eq(entry_string("events", 0, "role"), "customer");
	ck_assert_int_eq(entry_int("events", 0, "credential_version"), 1);
	ck_assert_uint_eq(strlen(entry_string("events", 0, "at")), 20);
	ck_assert_int_eq(entry_int("events", 1, "seq"), 2);
	ck_assert_int_eq(entry_int("events", 1, "user_id"), 2);
	/* Nothing personal. */
	ck_assert_ptr_null(strstr(api_body(), "example.com"));
	ck_assert_ptr_null(strstr(api_body(), "Ada"));
	ck_assert_ptr_null(strstr(api_body(), "argon2"));

	/* Pages: after and limit. */
	api_serve(FEED "?limit=1\n" AS("service") "\n");
	ck_assert_int_eq(array_len("events"), 1);
	ck_assert_int_eq(entry_int("events", 0, "seq"), 1);
	ck_assert_int_eq(api_int("last_seq"), 2);
	api_serve(FEED "?after=1&limit=1000\n" AS("service") "\n");
	ck_assert_int_eq(array_len("events"), 1);
	ck_assert_int_eq(entry_int("events", 0, "seq"), 2);
	api_serve(FEED "?after=2\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 0);
	ck_assert_int_eq(api_int("last_seq"), 2);
}
END_TEST

/* What the API's writes append, read back through the feed. */
START_TEST(test_feed_follows_writes)
{
	api_serve("PATCH /user/1\n" AS("customer") MERGE "\n{\"name\":\"Ada King\"}");
	api_assert(200, NULL, NULL);
	/* The same name again changes nothing: no event. */
	api_serve("PATCH /user/1\n" AS("admin") MERGE "\n{\"name\":\"Ada King\"}");
	api_assert(200, NULL, NULL);
	api_serve("POST /user/logout\n" AS("customer2") "\n");
	api_assert(204, NULL, NULL);
	api_serve("DELETE /user/1\n" AS("admin") "\n");
	api_assert(204, NULL, NULL);
	/* Refused writes append nothing either. */
	api_serve("DELETE /user/1\n" AS("admin") "\n");
	api_assert(410, PROBLEM_BLANK, NULL);

	api_serve(FEED "?after=2\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 3);
	ck_assert_int_eq(api_int("last_seq"), 5);
	ck_assert_str_eq(entry_string("events", 0, "type"), "user.updated");
	ck_assert_int_eq(entry_int("events", 0, "user_version"), 2);
	ck_assert_int_eq(entry_int("events", 0, "credential_version"), 1);
	ck_assert_str_eq(entry_string("events", 1, "type"), "user.updated");
	ck_assert_int_eq(entry_int("events", 1, "user_id"), 2);
	ck_assert_int_eq(entry_int("events", 1, "user_version"), 1);
	ck_assert_int_eq(entry_int("events", 1, "credential_version"), 2);
	ck_assert_str_eq(entry_string("events", 2, "type"), "user.deleted");
	ck_assert_str_eq(entry_string("events", 2, "status"), "deleted");
	ck_assert_int_eq(entry_int("events", 2, "user_version"), 2);
}
END_TEST

/* Services only: a user's token, even an admin's, is a 403; none a 401. */
START_TEST(test_feed_access)
{
	static const char *const targets[] = {
		"/user/events", "/user/events/snapshot",
	};

	for (size_t i = 0; i < N_ELEMS(targets); i++) {
		api_serve("GET %s\n" AS("none") "\n", targets[i]);
		api_assert(401, PROBLEM_BLANK, NULL);
		ck_assert_ptr_nonnull(api_header("WWW-Authenticate"));
		api_serve("GET %s\n" AS("customer") "\n", targets[i]);
		api_assert(403, PROBLEM_BLANK, NULL);
		api_serve("GET %s\n" AS("admin") "\n", targets[i]);
		api_assert(403, PROBLEM_BLANK, NULL);
		ck_assert_str_eq(api_string("detail"), "this needs a service token");
		api_serve("GET %s\n" AS("service") "\n", targets[i]);
		api_assert(200, NULL, NULL);
	}
	/* Read-only, and no user id. */
	api_serve("POST /user/events\n" AS("service") JSON "\n{}");
	api_assert(405, PROBLEM_BLANK, NULL);
	api_serve("DELETE /user/events\n" AS("admin") "\n");
	api_assert(405, PROBLEM_BLANK, NULL);
}
END_TEST

START_TEST(test_feed_params)
{
	static const struct {
		const char *target;
		const char *field;
	} bad[] = {
		{ "/user/events?after=-1", "after" },
		{ "/user/events?after=x", "after" },
		{ "/user/events?after=01", "after" },
		{ "/user/events?after=", "after" },
		{ "/user/events?after=99999999999999999999", "after" },
		{ "/user/events?limit=0", "limit" },
		{ "/user/events?limit=1001", "limit" },
		{ "/user/events?limit=ten", "limit" },
		{ "/user/events?wait=6", "wait" },
		{ "/user/events?wait=-1", "wait" },
		{ "/user/events?wait=0.5", "wait" },
		{ "/user/events?since=1", "since" },
		{ "/user/events/snapshot?after=-1", "after" },
		{ "/user/events/snapshot?limit=0", "limit" },
		{ "/user/events/snapshot?limit=1001", "limit" },
		{ "/user/events/snapshot?wait=1", "wait" },
	};

	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		api_serve("GET %s\n" AS("service") "\n", bad[i].target);
		api_assert(422, PROBLEM_VALIDATION, bad[i].field);
	}
	/* The edges are fine. */
	api_serve(FEED "?after=0&limit=1000&wait=0\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	api_serve(FEED "?limit=1\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	api_serve("GET /user/events/snapshot?after=0&limit=1000\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
}
END_TEST

/* Events after `after` that are gone, or a seq the feed never had: 410. */
START_TEST(test_feed_gone)
{
	struct db *db = db_open(&harness_config()->db, &user_store_schema, 0);
	int64_t removed, through;

	ck_assert_ptr_nonnull(db);
	/* Never had: the database was restored from an older copy. */
	api_serve(FEED "?after=3\n" AS("service") "\n");
	api_assert(410, PROBLEM_BLANK, NULL);
	ck_assert_int_eq(api_int("oldest_seq"), 1);
	ck_assert_int_eq(api_int("last_seq"), 2);
	ck_assert_ptr_nonnull(strstr(api_string("detail"), "/user/events/snapshot"));

	/* Everything swept: after 0 is gone, after 2 (the last) is not. */
	ck_assert_int_eq(user_events_sweep(db, "9999-01-01T00:00:00Z", &removed, &through),
	    STORE_OK);
	ck_assert_int_eq(through, 2);
	db_close(db);
	api_serve(FEED "\n" AS("service") "\n");
	api_assert(410, PROBLEM_BLANK, NULL);
	ck_assert_int_eq(api_int("oldest_seq"), 3);
	ck_assert_int_eq(api_int("last_seq"), 2);
	api_serve(FEED "?after=1&wait=5\n" AS("service") "\n");
	api_assert(410, PROBLEM_BLANK, NULL);
	api_serve(FEED "?after=2\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 0);
	ck_assert_int_eq(api_int("oldest_seq"), 3);
}
END_TEST

/* A write from another worker (or process), some time after a poll began. */
struct late_writer {
	int64_t delay_ms;
	int tell;		/* say so, as a worker of this process does */
	enum store_status s;
};

static void *
late_writer_main(void *arg)
{
	struct late_writer *w = arg;
	struct db *db;

	usleep((useconds_t)w->delay_ms * 1000);
	db = db_open(&harness_config()->db, &user_store_schema, 0);
	w->s = STORE_ERR;
	/* The harness's in-memory database locks per table: a read of the
	 * poll may hold one for a moment. */
	for (int i = 0; i < 100 && db != NULL && w->s != STORE_OK; i++)
		if ((w->s = user_store_logout(db, 1)) != STORE_OK)
			usleep(1000);
	db_close(db);
	if (w->tell)
		event_feed_committed();
	return NULL;
}

/* Poll with wait 5 while w writes; returns how long the answer took. */
static int64_t
poll_during(struct late_writer *w)
{
	int64_t t0 = clock_ms();
	pthread_t t;

	ck_assert_int_eq(pthread_create(&t, NULL, late_writer_main, w), 0);
	api_serve(FEED "?after=2&wait=5\n" AS("service") "\n");
	t0 = clock_ms() - t0;
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(w->s, STORE_OK);
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 1);
	ck_assert_int_eq(entry_int("events", 0, "seq"), 3);
	ck_assert_int_eq(api_int("last_seq"), 3);
	return t0;
}

START_TEST(test_long_poll_wakes)
{
	struct late_writer w = { .delay_ms = 300, .tell = 1 };
	int64_t took = poll_during(&w);

	/* Woken by the commit, long before the 5 s. */
	ck_assert_msg(took >= 250 && took < 2000, "answered after %lld ms", (long long)took);
}
END_TEST

START_TEST(test_long_poll_reads_again)
{
	/* A commit nobody here is told of (another instance's): the next
	 * read of the database finds it, a tick later. */
	struct late_writer w = { .delay_ms = 300, .tell = 0 };
	int64_t took = poll_during(&w);

	ck_assert_msg(took >= 250 && took < 2000, "answered after %lld ms", (long long)took);
}
END_TEST

START_TEST(test_long_poll_empty)
{
	int64_t t0 = clock_ms(), took;

	api_serve(FEED "?after=2&wait=1\n" AS("service") "\n");
	took = clock_ms() - t0;
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 0);
	ck_assert_int_eq(api_int("last_seq"), 2);
	ck_assert_msg(took >= 950 && took < 3000, "answered after %lld ms", (long long)took);
	/* Events there already: no wait at all. */
	t0 = clock_ms();
	api_serve(FEED "?after=1&wait=5\n" AS("service") "\n");
	ck_assert_int_eq(array_len("events"), 1);
	ck_assert_int_lt(clock_ms() - t0, 1000);
}
END_TEST

/* With every wait slot taken, the next long poll answers at once. */
START_TEST(test_long_poll_slots_taken)
{
	int64_t t0;

	ck_assert_int_eq(event_feed_wait_begin(), 0);
	ck_assert_int_eq(event_feed_wait_begin(), 0);
	t0 = clock_ms();
	api_serve(FEED "?after=2&wait=5\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 0);
	ck_assert_int_lt(clock_ms() - t0, 500);
	/* One freed: the next waits again. */
	event_feed_wait_end();
	t0 = clock_ms();
	api_serve(FEED "?after=2&wait=1\n" AS("service") "\n");
	ck_assert_int_ge(clock_ms() - t0, 950);
	event_feed_wait_end();
}
END_TEST

/* A stop ends a long poll at once, with what it read. */
START_TEST(test_long_poll_stopping)
{
	int64_t t0 = clock_ms();

	event_feed_stop();
	api_serve(FEED "?after=2&wait=5\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("events"), 0);
	ck_assert_int_lt(clock_ms() - t0, 500);
}
END_TEST

START_TEST(test_snapshot)
{
	api_serve("DELETE /user/2\n" AS("admin") "\n");
	api_assert(204, NULL, NULL);
	api_serve("POST /user/logout\n" AS("customer") "\n");
	api_assert(204, NULL, NULL);

	api_serve("GET /user/events/snapshot\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("users"), 3);
	ck_assert_int_eq(api_int("seq"), 4);
	ck_assert_str_eq(api_bool("more"), "false");
	ck_assert_int_eq(entry_int("users", 0, "id"), 1);
	ck_assert_str_eq(entry_string("users", 0, "status"), "active");
	ck_assert_str_eq(entry_string("users", 0, "role"), "customer");
	ck_assert_int_eq(entry_int("users", 0, "credential_version"), 2);
	ck_assert_int_eq(entry_int("users", 0, "version"), 1);
	ck_assert_int_eq(entry_int("users", 1, "id"), 2);
	ck_assert_str_eq(entry_string("users", 1, "status"), "deleted");
	ck_assert_ptr_null(array_member("users", 1, "role"));
	ck_assert_int_eq(entry_int("users", 2, "id"), 1000);
	ck_assert_str_eq(entry_string("users", 2, "role"), "admin");
	ck_assert_ptr_null(strstr(api_body(), "example.com"));

	/* Pages: more while users follow. */
	api_serve("GET /user/events/snapshot?limit=2\n" AS("service") "\n");
	ck_assert_int_eq(array_len("users"), 2);
	ck_assert_str_eq(api_bool("more"), "true");
	api_serve("GET /user/events/snapshot?after=2&limit=2\n" AS("service") "\n");
	ck_assert_int_eq(array_len("users"), 1);
	ck_assert_int_eq(entry_int("users", 0, "id"), 1000);
	ck_assert_str_eq(api_bool("more"), "false");
	/* After the last: none, and still the seq. */
	api_serve("GET /user/events/snapshot?after=1000\n" AS("service") "\n");
	api_assert(200, NULL, NULL);
	ck_assert_int_eq(array_len("users"), 0);
	ck_assert_int_eq(api_int("seq"), 4);
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
	tcase_add_test(tc, test_feed);
	tcase_add_test(tc, test_feed_follows_writes);
	tcase_add_test(tc, test_feed_access);
	tcase_add_test(tc, test_feed_params);
	tcase_add_test(tc, test_feed_gone);
	tcase_add_test(tc, test_long_poll_wakes);
	tcase_add_test(tc, test_long_poll_reads_again);
	tcase_add_test(tc, test_long_poll_empty);
	tcase_add_test(tc, test_long_poll_slots_taken);
	tcase_add_test(tc, test_long_poll_stopping);
	tcase_add_test(tc, test_snapshot);
	suite_add_tcase(s, tc);
	return s;
}
