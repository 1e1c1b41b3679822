/*
 * page.h - keyset pagination by id, as both services list: `limit` (1..max)
 * and `after` (the last id of the previous page) read from the query, a
 * body {"items":[...], "next":"/path?limit=..&after=..&filters"} where
 * `next` is absent on the last page.
 */
#ifndef MICROSHOP_PAGE_H
#define MICROSHOP_PAGE_H

#include <stdint.h>

#include <json-c/json.h>

#include "field_errors.h"
#include "query.h"

struct page {
	long limit;
	int64_t after;		/* 0: from the start */
	int64_t last_id;	/* of the last item added */
	int failed;		/* an item could not be added: page_close fails */
	struct json_object *body;	/* owned until page_free */
	struct json_object *items;	/* borrowed from body */
};

/*
 * Read limit (default def, at most max) and after from q into p; problems
 * go to fe as 422s naming the parameter.
 */
void page_read(struct page *p, const struct query *q, long def, long max,
    struct field_errors *fe);

/* Make the body and its items array. Returns 0, or -1 out of memory. */
int page_open(struct page *p);

/*
 * Append item (ownership passes to the page) with its id. An item that is
 * NULL (its builder ran out of memory) or cannot be appended fails the
 * page: page_close says so, rather than answer a page with an item missing.
 */
void page_add(struct page *p, struct json_object *item, int64_t id);

/*
 * Write the link to the page after this one into buf: path, limit, after
 * the last id, then the values of the keys in carry (NULL-terminated)
 * that q holds, percent-encoded. Returns 0, or -1 if it does not fit.
 */
int page_next_link(const struct page *p, const char *path, const struct query *q,
    const char *const *carry, char *buf, size_t n);

/*
 * Add "next" to the body when more items follow. Returns 0, or -1 when
 * the page is not whole (an item or the link could not be added): answer
 * 500 then, not the body.
 */
int page_close(struct page *p, int more, const char *path, const struct query *q,
    const char *const *carry);

/* Release the body. Accepts a page never opened. */
void page_free(struct page *p);

#endif
