/*
 * router.h - method + path-pattern routing from a const table that reads as
 * the API. A pattern is literal segments and "{name}" segments; a "{name}"
 * segment matches one non-empty path segment. Table order decides ties, so
 * "/user/health" goes above "/user/{id}".
 */
#ifndef MICROSHOP_ROUTER_H
#define MICROSHOP_ROUTER_H

#include <stddef.h>

struct http_request;

typedef void route_handler(struct http_request *req);

/*
 * Who may call a route (common/serve/auth.c). The default, 0, is a customer or
 * an admin with a valid token: a route is open only when it says so.
 */
enum route_access {
	ROUTE_USER = 0,		/* a customer's or an admin's token */
	ROUTE_PUBLIC,		/* no token */
	ROUTE_ADMIN,		/* an admin's token */
	ROUTE_USER_OR_SERVICE,	/* a customer's, an admin's or a service's token */
	ROUTE_SERVICE		/* a service's token only (the event feed) */
};

struct route {
	const char *method;
	const char *pattern;
	route_handler *handler;
	/*
	 * The query parameters the route reads (NULL-terminated), or NULL for
	 * none: any other parameter is refused before the handler runs, so
	 * that a typo is an error and never a silently ignored filter.
	 */
	const char *const *query;
	enum route_access access;
	/*
	 * The route only reads, and answers at once: the check of the caller's
	 * token and the handler read in one snapshot of the database, where the
	 * service offers one (fcgi_service.h). Never set on a route that
	 * writes, or that waits (a long poll would never see a change).
	 */
	int snapshot;
};

#define ROUTE_MAX_PARAMS 4

struct route_param {
	const char *s;		/* into the matched path; not NUL-terminated */
	size_t len;
};

struct route_match {
	const struct route *route;
	size_t n_params;
	struct route_param params[ROUTE_MAX_PARAMS];
	char allow[64];		/* for 405: "GET, PATCH, DELETE" */
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_METHOD_NOT_ALLOWED
};

/* Match method and path (no query string) against routes[0..n). */
enum route_result router_match(const struct route *routes, size_t n,
    const char *method, const char *path, struct route_match *m);

#endif
