/*
 * user_events.h - the outbox of the user service: every change to a user
 * appends an event (user_model.h's struct user_event) in the transaction
 * that makes the change, so that an event exists if and only if its change
 * committed; the feed reads them in seq order, a sweep removes the old
 * ones, and the snapshot reads every user with the seq it is consistent
 * with. Its tables (user_event_seq, user_events) are migrations of
 * user_store_schema; all SQL about events lives in user_events.c, on
 * either engine (db.h). docs/api.md has the feed; docs/events.md the design.
 */
#ifndef MICROSHOP_USER_EVENTS_H
#define MICROSHOP_USER_EVENTS_H

#include <stdint.h>
#include <time.h>

#include "db.h"
#include "store.h"
#include "user_model.h"

/*
 * The user service's share of a connection's statement slots (db_rows.h):
 * user_store.c's from 0, user_events.c's from USER_EVENTS_STMT_FIRST up
 * to DB_STMT_COMMON; each file's DB_STMTS fails to compile if its own do
 * not fit.
 */
#define USER_EVENTS_STMT_FIRST 24

/*
 * Inside the caller's write transaction, as its last statements: append
 * the event of type for user u as it is after the change (for a deletion,
 * the row deleted): its version, role and credential version; status
 * "deleted" for USER_EVENT_DELETED, else "active". A failure is the
 * write's: the caller rolls back.
 */
enum store_status user_events_append(struct db *db, enum user_event_type type,
    const struct user *u);

/*
 * Where the feed stands: last_seq is the newest seq handed out (0 before
 * the first event), and every seq up to swept_through was swept: the feed
 * keeps (swept_through, last_seq].
 */
struct user_events_head {
	int64_t last_seq;
	int64_t swept_through;
};

enum store_status user_events_head(struct db *db, struct user_events_head *out);

/*
 * Call each() for up to limit events with seq > after, in seq order, and
 * read *head in the same statement: the events and the head are of one
 * snapshot of the database, so that no event of (after, head->last_seq]
 * can be missing but a swept one (seq <= head->swept_through).
 */
enum store_status user_events_read(struct db *db, int64_t after, int limit,
    void (*each)(const struct user_event *e, void *arg), void *arg,
    struct user_events_head *head);

/*
 * In a write transaction of its own: remove every event up to the newest
 * one written before `before` (a time in db_now()'s form, compared as
 * text), and raise swept_through to it. *removed says how many this call
 * removed (0 when another sweep had them), *swept_through where the feed
 * now begins.
 */
enum store_status user_events_sweep(struct db *db, const char *before, int64_t *removed,
    int64_t *swept_through);

/*
 * Call each() for up to limit users with id > after, in id order, deleted
 * ones too (from their tombstones); *seq is the last_seq these rows are
 * consistent with, read in the same statement, and *more is set when
 * further users follow.
 */
enum store_status user_events_snapshot(struct db *db, int64_t after, int limit,
    void (*each)(const struct user_state *s, void *arg), void *arg, int64_t *seq,
    int *more);

#endif
