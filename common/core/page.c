/*
 * page.c - keyset pagination by id; see page.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_io.h"
#include "page.h"
#include "text.h"

void
page_read(struct page *p, const struct query *q, long def, long max,
    struct field_errors *fe)
{
	const char *v;
	int64_t n;

	memset(p, 0, sizeof(*p));
	p->limit = def;
	if ((v = query_get(q, "limit")) != NULL) {
		if (text_parse_id(v, strlen(v), &n) < 0 || n > max)
			field_errors_add(fe, 422, "limit", "must be an integer from 1 to %ld", max);
		else
			p->limit = (long)n;
	}
	if ((v = query_get(q, "after")) != NULL && strcmp(v, "0") != 0 &&
	    text_parse_id(v, strlen(v), &p->after) < 0)
		field_errors_add(fe, 422, "after", "must be an id from a previous page");
}

int
page_open(struct page *p)
{
	p->failed = 0;
	p->body = json_object_new_object();
	p->items = json_object_new_array();
	if (p->body == NULL || json_io_add(p->body, "items", p->items) < 0) {
		if (p->body == NULL)
			json_object_put(p->items);
		page_free(p);
		return -1;
	}
	return 0;
}

void
page_add(struct page *p, struct json_object *item, int64_t id)
{
	if (json_io_append(p->items, item) < 0)
		p->failed = 1;
	p->last_id = id;
}

int
page_next_link(const struct page *p, const char *path, const struct query *q,
    const char *const *carry, char *buf, size_t n)
{
	char num[24];
	int len = snprintf(buf, n, "%s?limit=%ld", path, p->limit);
	size_t qs;

	if (len < 0 || (size_t)len >= n)
		return -1;
	/* query_append works on the query part, after the '?'. */
	qs = strlen(path) + 1;
	snprintf(num, sizeof(num), "%" PRId64, p->last_id);
	if (query_append(buf + qs, n - qs, "after", num) < 0)
		return -1;
	for (; carry && *carry; carry++) {
		const char *v = query_get(q, *carry);

		if (v != NULL && query_append(buf + qs, n - qs, *carry, v) < 0)
			return -1;
	}
	return 0;
}

int
page_close(struct page *p, int more, const char *path, const struct query *q,
    const char *const *carry)
{
	char next[QUERY_MAX_BYTES * 3 + 64];

	if (p->failed)
		return -1;
	if (!more)
		return 0;
	if (page_next_link(p, path, q, carry, next, sizeof(next)) < 0 ||
	    json_io_add(p->body, "next", json_object_new_string(next)) < 0)
		return -1;
	return 0;
}

void
page_free(struct page *p)
{
	json_object_put(p->body);
	p->body = NULL;
	p->items = NULL;
}
