/*
 * user_projection.h - what the order service knows of the users, in its
 * own database: one row per user it has heard of (from the user service's
 * event feed, its snapshot, or a lookup), and the feed's cursor. Applying
 * what it hears is one transaction with its effects: a user's deletion
 * cancels their pending orders, and the cursor moves in the same COMMIT,
 * so that a crash at any point neither loses nor repeats an effect.
 * docs/events.md has the design; event_consumer.c drives it.
 */
#ifndef MICROSHOP_USER_PROJECTION_H
#define MICROSHOP_USER_PROJECTION_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "store.h"

#define USER_FACT_ROLE_MAX 16

/*
 * One thing known of a user: from an event (seq its sequence number),
 * a snapshot row (seq the sequence the snapshot is consistent with), or a
 * lookup of GET /user/{id} (seq 0: older than any event). A deleted user
 * has deleted set; a deletion is final, so nothing older or newer undoes
 * it. role is "" when the source did not say (a deleted snapshot row).
 */
struct user_fact {
	int64_t id;
	int deleted;
	char role[USER_FACT_ROLE_MAX];
	int64_t cred_version;
	int64_t user_version;
	int64_t seq;
};

/* What the projection holds of one user. */
struct user_known {
	int deleted;
	char role[USER_FACT_ROLE_MAX];
	int64_t cred_version;
	int64_t seq;
};

/* No cursor yet: the consumer starts from a snapshot. */
#define USER_CURSOR_NONE (-1)

/* The user id, as the projection knows it. STORE_NOT_FOUND: unknown. */
enum store_status user_projection_get(struct db *db, int64_t id, struct user_known *out);

/*
 * Inside the caller's write transaction (an order being written): record
 * f when the user is unknown (f comes from a lookup), then read the user
 * locked against a concurrent deletion (PostgreSQL: FOR SHARE; SQLite's
 * writer holds the file), so that no order is written for a user whose
 * deletion was applied first. f may be NULL. STORE_NOT_FOUND: unknown.
 */
enum store_status user_projection_check(struct db *db, const struct user_fact *f,
    int64_t id, struct user_known *out);

/* The feed's cursor (the last sequence applied), or USER_CURSOR_NONE. */
enum store_status user_projection_cursor(struct db *db, int64_t *seq);

/*
 * One write transaction: move the cursor from `from` (USER_CURSOR_NONE:
 * there is none yet) to `to`, apply facts[0..n) and their effects, COMMIT.
 * The move is a compare-and-set taken first: STORE_STALE (nothing
 * written) when the cursor is no longer at `from` because another
 * instance applied these events. *cancelled counts the orders cancelled.
 */
enum store_status user_projection_apply(struct db *db, int64_t from, int64_t to,
    const struct user_fact *facts, size_t n, int64_t *cancelled);

/*
 * One write transaction: apply facts[0..n) (a snapshot's page) and their
 * effects, the cursor left as it is. With forget set, the projection is
 * emptied first, in the same transaction: the feed is another history (a
 * restored or replaced user database), whose sequence numbers are lower
 * than the ones the old history left on each user. *cancelled as above.
 */
enum store_status user_projection_apply_page(struct db *db, const struct user_fact *facts,
    size_t n, int forget, int64_t *cancelled);

#endif
