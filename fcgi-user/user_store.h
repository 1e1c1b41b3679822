/*
 * user_store.h - users in the service's own database. All SQL about users
 * lives in user_store.c, behind these functions, so that another engine can
 * be put behind the same calls (SQLite or PostgreSQL, db.h). Every write
 * is one transaction, answered only after COMMIT returned, and every write
 * that changes a user appends its event (user_events.h) as the last
 * statements of that transaction: the event commits with the change, or
 * neither does.
 */
#ifndef MICROSHOP_USER_STORE_H
#define MICROSHOP_USER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "if_match.h"
#include "store.h"
#include "user_model.h"

/* The tables, as numbered migrations for each engine. */
extern const struct db_schema user_store_schema;

/*
 * Insert a user from in (name, email and password_hash set) with role
 * ("customer" or "admin"), inside the caller's write transaction, with its
 * user.created event. STORE_CONFLICT: email taken.
 */
enum store_status user_store_insert(struct db *db, const struct user_input *in,
    const char *role, struct user *out);

/* What a login or a credential change needs of a user. */
struct user_credentials {
	int64_t id;
	char role[USER_ROLE_MAX];
	char password_hash[USER_HASH_MAX];
	char email[USER_EMAIL_MAX_BYTES + 1];
	int64_t cred_version;
};

/* The user with this email (any ASCII case). STORE_NOT_FOUND: none. */
enum store_status user_store_credentials(struct db *db, const char *email,
    struct user_credentials *out);

/* The user with this id. STORE_NOT_FOUND: none (or deleted). */
enum store_status user_store_credentials_by_id(struct db *db, int64_t id,
    struct user_credentials *out);

/* What a token of user id must still match: its credential version and role. */
struct user_session {
	int64_t cred_version;
	char role[USER_ROLE_MAX];
};

/* The session of user id. STORE_NOT_FOUND: no such user (or deleted). */
enum store_status user_store_session(struct db *db, int64_t id, struct user_session *out);

/*
 * End every token of user id: its credential version goes up by one (a
 * user.updated event; the user's version stays). No such user: nothing
 * to end, STORE_OK.
 */
enum store_status user_store_logout(struct db *db, int64_t id);

enum store_status user_store_get(struct db *db, int64_t id, struct user *out);

/*
 * Call each() for up to limit users with id > after, in id order, filtered
 * by email (case-insensitive) when email is not NULL. *more is set when
 * further users follow.
 */
enum store_status user_store_list(struct db *db, int64_t after, const char *email,
    int limit, void (*each)(const struct user *u, void *arg), void *arg, int *more);

/*
 * Apply the patch in to user id if im allows its current version. A patch
 * that changes nothing leaves the version as it is; a new password always
 * changes it. A new password, email or role also raises the credential
 * version, which ends every token of the user. A change appends a
 * user.updated event; a patch that changes nothing, none. STORE_STALE:
 * If-Match failed; STORE_CONFLICT: the new email is taken.
 */
enum store_status user_store_update(struct db *db, int64_t id,
    const struct if_match *im, const struct user_input *in, struct user *out);

/*
 * Delete user id if im allows its current version, leaving its tombstone
 * and a user.deleted event (the deleted row's version, role and credential
 * version).
 */
enum store_status user_store_delete(struct db *db, int64_t id, const struct if_match *im);

#endif
