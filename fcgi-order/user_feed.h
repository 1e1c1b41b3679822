/*
 * user_feed.h - what the user service's event feed and snapshot answer,
 * read as untrusted input (docs/events.md has their shapes): a batch of
 * events that must follow the cursor without a gap, the 410 that says the
 * cursor is older than what the feed keeps, and a snapshot's page. Pure;
 * unit-tested and fuzzed alone, like user_answer.c.
 */
#ifndef MICROSHOP_USER_FEED_H
#define MICROSHOP_USER_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "user_projection.h"

#define USER_FEED_SCHEMA 1		/* the event shape this consumer reads */
/* Events asked for at once: about 18 KB, a quarter of what a client keeps. */
#define USER_FEED_BATCH_MAX 100
#define USER_SNAPSHOT_PAGE_MAX 300	/* snapshot rows asked for at once */

struct user_feed_batch {
	struct user_fact facts[USER_FEED_BATCH_MAX];
	int64_t at[USER_FEED_BATCH_MAX];	/* each event's time, Unix seconds */
	size_t n;
	int64_t last_seq;	/* the newest event the feed has */
};

struct user_snapshot_page {
	struct user_fact facts[USER_SNAPSHOT_PAGE_MAX];
	size_t n;
	int64_t seq;		/* what the rows are consistent with */
	int more;		/* another page follows the last id */
};

/*
 * Read a 200 of GET /user/events?after=after: at most max events, each
 * of schema USER_FEED_SCHEMA, the first numbered after + 1 and each next
 * one more (a gap would be an event lost), and last_seq not below the
 * last of them. 0, or -1 with *why static.
 */
int user_feed_read_events(const char *body, size_t len, int64_t after, size_t max,
    struct user_feed_batch *b, const char **why);

/*
 * Read a 200 of GET /user/events/snapshot?after=after_id: at most max
 * users with ids above after_id in increasing order, each active (with
 * role and credential version) or deleted; every fact gets the page's
 * seq. 0, or -1 with *why static.
 */
int user_feed_read_snapshot(const char *body, size_t len, int64_t after_id, size_t max,
    struct user_snapshot_page *p, const char **why);

/* "2026-12-02T20:00:00Z" as Unix seconds, or -1. */
int64_t user_feed_time(const char *s, size_t len);

#endif
