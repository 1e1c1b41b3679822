/*
 * check_router.c - common/core/router.c: method + path-pattern matching against
 * a table like the user service's: found routes and their "{name}"
 * parameters, paths no pattern matches (404), and methods a matching
 * pattern does not have (405, with the Allow list of the first pattern that
 * owns the path).
 */
#include <string.h>

#include "check_suites.h"
#include "router.h"

static void
dummy_handler(struct http_request *req)
{
	(void)req;
}

/* The user service's table, in its order. */
static const struct route user_routes[] = {
	{ "GET", "/user/health", dummy_handler, NULL, ROUTE_PUBLIC, 0 },
	{ "POST", "/user/login", dummy_handler, NULL, ROUTE_PUBLIC, 0 },
	{ "POST", "/user", dummy_handler, NULL, ROUTE_PUBLIC, 0 },
	{ "GET", "/user", dummy_handler, NULL, ROUTE_USER, 0 },
	{ "GET", "/user/{id}", dummy_handler, NULL, ROUTE_USER, 0 },
	{ "PATCH", "/user/{id}", dummy_handler, NULL, ROUTE_USER, 0 },
	{ "DELETE", "/user/{id}", dummy_handler, NULL, ROUTE_USER, 0 },
};

struct found_case {
	const char *method;
	const char *path;
	size_t route;		/* index into user_routes */
	const char *param;	/* the {id}, or NULL */
};

static const struct found_case found_cases[] = {
	{ "GET", "/user/health", 0, NULL },
	{ "POST", "/user/login", 1, NULL },
	{ "POST", "/user", 2, NULL },
	{ "GET", "/user", 3, NULL },
	{ "GET", "/user/1", 4, "1" },
	{ "GET", "/user/42", 4, "42" },
	{ "PATCH", "/user/42", 5, "42" },
	{ "DELETE", "/user/9223372036854775807", 6, "9223372036854775807" },
	/* The router captures any non-empty segment; ids are checked later. */
	{ "GET", "/user/abc", 4, "abc" },
	{ "GET", "/user/0", 4, "0" },
	{ "GET", "/user/healthz", 4, "healthz" },
	{ "GET", "/user/health.json", 4, "health.json" },
	{ "GET", "/user/%2F", 4, "%2F" },
	{ "GET", "/user/{id}", 4, "{id}" },
};

START_TEST(test_found)
{
	for (size_t i = 0; i < N_ELEMS(found_cases); i++) {
		const struct found_case *c = &found_cases[i];
		struct route_match m;
		enum route_result r;

		memset(&m, 0xa5, sizeof(m));
		r = router_match(user_routes, N_ELEMS(user_routes), c->method, c->path, &m);
		ck_assert_msg(r == ROUTE_FOUND, "%s %s: result %d, want ROUTE_FOUND",
		    c->method, c->path, r);
		ck_assert_msg(m.route == &user_routes[c->route],
		    "%s %s: matched route %td, want %zu", c->method, c->path,
		    m.route - user_routes, c->route);
		ck_assert_msg(m.route->handler == dummy_handler, "%s %s: handler",
		    c->method, c->path);
		if (c->param == NULL) {
			ck_assert_msg(m.n_params == 0, "%s %s: %zu params, want 0",
			    c->method, c->path, m.n_params);
			continue;
		}
		ck_assert_msg(m.n_params == 1, "%s %s: %zu params, want 1",
		    c->method, c->path, m.n_params);
		ck_assert_msg(m.params[0].len == strlen(c->param) &&
		    memcmp(m.params[0].s, c->param, m.params[0].len) == 0,
		    "%s %s: param \"%.*s\", want \"%s\"", c->method, c->path,
		    (int)m.params[0].len, m.params[0].s, c->param);
		/* The parameter points into the path itself. */
		ck_assert_msg(m.params[0].s == c->path + strlen("/user/"),
		    "%s %s: param does not point into the path", c->method, c->path);
	}
}
END_TEST

static const char *const not_found_cases[] = {
	"",
	"/",
	"//",
	"/users",
	"/userx",
	"/use",
	"/User",
	"/user/",
	"/user//",
	"//user",
	"/user/1/",
	"/user/1/x",
	"/user/health/",
	"/user/health/x",
	"/order",
	"user",
	"user/1",
};

START_TEST(test_not_found)
{
	static const char *const methods[] = { "GET", "POST", "PUT" };

	for (size_t i = 0; i < N_ELEMS(not_found_cases); i++) {
		for (size_t j = 0; j < N_ELEMS(methods); j++) {
			struct route_match m;
			enum route_result r = router_match(user_routes, N_ELEMS(user_routes),
			    methods[j], not_found_cases[i], &m);

			ck_assert_msg(r == ROUTE_NOT_FOUND,
			    "%s \"%s\": result %d, want ROUTE_NOT_FOUND",
			    methods[j], not_found_cases[i], r);
			ck_assert_msg(m.route == NULL, "%s \"%s\": route set on 404",
			    methods[j], not_found_cases[i]);
		}
	}
}
END_TEST

struct not_allowed_case {
	const char *method;
	const char *path;
	const char *allow;
};

static const struct not_allowed_case not_allowed_cases[] = {
	{ "PUT", "/user/1", "GET, PATCH, DELETE" },
	{ "POST", "/user/1", "GET, PATCH, DELETE" },
	{ "HEAD", "/user/1", "GET, PATCH, DELETE" },
	{ "get", "/user/1", "GET, PATCH, DELETE" },	/* methods are case-sensitive */
	{ "", "/user/1", "GET, PATCH, DELETE" },
	{ "DELETE", "/user", "POST, GET" },
	/* A literal segment wins over {id}: GET /user/login is not user "login". */
	{ "GET", "/user/login", "POST" },
	{ "PATCH", "/user", "POST, GET" },
	{ "PUT", "/user", "POST, GET" },
	/* The first matching pattern owns the path: no fall-through to {id}. */
	{ "PATCH", "/user/health", "GET" },
	{ "DELETE", "/user/health", "GET" },
	{ "POST", "/user/health", "GET" },
};

START_TEST(test_method_not_allowed)
{
	for (size_t i = 0; i < N_ELEMS(not_allowed_cases); i++) {
		const struct not_allowed_case *c = &not_allowed_cases[i];
		struct route_match m;
		enum route_result r = router_match(user_routes, N_ELEMS(user_routes),
		    c->method, c->path, &m);

		ck_assert_msg(r == ROUTE_METHOD_NOT_ALLOWED,
		    "%s %s: result %d, want ROUTE_METHOD_NOT_ALLOWED", c->method, c->path, r);
		ck_assert_msg(strcmp(m.allow, c->allow) == 0,
		    "%s %s: Allow \"%s\", want \"%s\"", c->method, c->path, m.allow, c->allow);
		ck_assert_msg(m.route == NULL, "%s %s: route set on 405", c->method, c->path);
	}
}
END_TEST

START_TEST(test_allow_cleared_on_found)
{
	struct route_match m;

	/* A found route after other methods of its pattern: allow is empty. */
	ck_assert_int_eq(router_match(user_routes, N_ELEMS(user_routes), "DELETE",
	    "/user/5", &m), ROUTE_FOUND);
	ck_assert_str_eq(m.allow, "");
	ck_assert_int_eq(router_match(user_routes, N_ELEMS(user_routes), "GET",
	    "/nowhere", &m), ROUTE_NOT_FOUND);
	ck_assert_str_eq(m.allow, "");
}
END_TEST

START_TEST(test_several_params)
{
	static const struct route routes[] = {
		{ "GET", "/order/{id}", dummy_handler, NULL, ROUTE_USER, 0 },
		{ "GET", "/order/{id}/item/{n}", dummy_handler, NULL, ROUTE_USER, 0 },
		{ "GET", "/a/{b}/{c}/{d}/{e}", dummy_handler, NULL, ROUTE_USER, 0 },
	};
	struct route_match m;

	ck_assert_int_eq(router_match(routes, N_ELEMS(routes), "GET", "/order/7/item/3", &m),
	    ROUTE_FOUND);
	ck_assert_ptr_eq(m.route, &routes[1]);
	ck_assert_uint_eq(m.n_params, 2);
	ck_assert_uint_eq(m.params[0].len, 1);
	ck_assert_int_eq(m.params[0].s[0], '7');
	ck_assert_uint_eq(m.params[1].len, 1);
	ck_assert_int_eq(m.params[1].s[0], '3');

	ck_assert_int_eq(router_match(routes, N_ELEMS(routes), "GET", "/order/7/items/3", &m),
	    ROUTE_NOT_FOUND);
	ck_assert_int_eq(router_match(routes, N_ELEMS(routes), "GET", "/order/7/item", &m),
	    ROUTE_NOT_FOUND);
	ck_assert_int_eq(router_match(routes, N_ELEMS(routes), "GET", "/order/7/item/", &m),
	    ROUTE_NOT_FOUND);

	/* ROUTE_MAX_PARAMS parameters. */
	ck_assert_int_eq(router_match(routes, N_ELEMS(routes), "GET", "/a/1/22/333/4444", &m),
	    ROUTE_FOUND);
	ck_assert_uint_eq(m.n_params, ROUTE_MAX_PARAMS);
	for (size_t i = 0; i < ROUTE_MAX_PARAMS; i++)
		ck_assert_uint_eq(m.params[i].len, i + 1);
}
END_TEST

START_TEST(test_empty_table)
{
	struct route_match m;

	ck_assert_int_eq(router_match(NULL, 0, "GET", "/user", &m), ROUTE_NOT_FOUND);
	ck_assert_ptr_null(m.route);
}
END_TEST

START_TEST(test_allow_truncated)
{
	/* More methods than m.allow holds: truncated, still terminated. */
	static const struct route routes[] = {
		{ "METHOD-NUMBER-ONE", "/x", dummy_handler, NULL, ROUTE_USER, 0 },
		{ "METHOD-NUMBER-TWO", "/x", dummy_handler, NULL, ROUTE_USER, 0 },
		{ "METHOD-NUMBER-THREE", "/x", dummy_handler, NULL, ROUTE_USER, 0 },
		{ "METHOD-NUMBER-FOUR", "/x", dummy_handler, NULL, ROUTE_USER, 0 },
		{ "METHOD-NUMBER-FIVE", "/x", dummy_handler, NULL, ROUTE_USER, 0 },
	};
	struct route_match m;

	ck_assert_int_eq(router_match(routes, N_ELEMS(routes), "GET", "/x", &m),
	    ROUTE_METHOD_NOT_ALLOWED);
	ck_assert_uint_lt(strlen(m.allow), sizeof(m.allow));
	ck_assert_msg(strncmp(m.allow, "METHOD-NUMBER-ONE, METHOD-NUMBER-TWO, ", 38) == 0,
	    "allow = \"%s\"", m.allow);
}
END_TEST

Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_found);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_allow_cleared_on_found);
	tcase_add_test(tc, test_several_params);
	tcase_add_test(tc, test_empty_table);
	tcase_add_test(tc, test_allow_truncated);
	suite_add_tcase(s, tc);
	return s;
}
