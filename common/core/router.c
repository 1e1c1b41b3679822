/*
 * router.c - table-driven routing; see router.h.
 */
#include <string.h>

#include "router.h"

/*
 * 1 if path matches pattern, segment by segment; "{...}" segments capture
 * into m->params.
 */
static int
pattern_match(const char *pattern, const char *path, struct route_match *m)
{
	const char *pt = pattern, *pa = path;

	m->n_params = 0;
	while (*pt && *pa) {
		size_t tlen = strcspn(pt + 1, "/") + 1;
		size_t alen = strcspn(pa + 1, "/") + 1;

		if (*pt != '/' || *pa != '/')
			return 0;
		if (pt[1] == '{') {
			if (alen < 2 || m->n_params == ROUTE_MAX_PARAMS)
				return 0;
			m->params[m->n_params].s = pa + 1;
			m->params[m->n_params].len = alen - 1;
			m->n_params++;
		} else if (tlen != alen || memcmp(pt, pa, tlen) != 0) {
			return 0;
		}
		pt += tlen;
		pa += alen;
	}
	return *pt == '\0' && *pa == '\0';
}

enum route_result
router_match(const struct route *routes, size_t n, const char *method,
    const char *path, struct route_match *m)
{
	const char *pattern = NULL;

	m->route = NULL;
	m->n_params = 0;
	m->allow[0] = '\0';

	/*
	 * The first pattern that matches the path owns it: "/user/health"
	 * answers 405 to PATCH rather than falling through to "/user/{id}".
	 */
	for (size_t i = 0; i < n && pattern == NULL; i++)
		if (pattern_match(routes[i].pattern, path, m))
			pattern = routes[i].pattern;
	if (pattern == NULL)
		return ROUTE_NOT_FOUND;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(routes[i].pattern, pattern) != 0)
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			m->route = &routes[i];
			m->allow[0] = '\0';
			return ROUTE_FOUND;
		}
		if (m->allow[0] != '\0')
			strncat(m->allow, ", ", sizeof(m->allow) - strlen(m->allow) - 1);
		strncat(m->allow, routes[i].method, sizeof(m->allow) - strlen(m->allow) - 1);
	}
	return ROUTE_METHOD_NOT_ALLOWED;
}
