/*
 * user_model.h - what a user is: its fields, the rules a name and an email
 * must follow, the reading of a request body into a create or a patch, and
 * its JSON form. Pure (no I/O); unit-tested in tests/check_user_model.c.
 */
#ifndef MICROSHOP_USER_MODEL_H
#define MICROSHOP_USER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "field_errors.h"

#define USER_NAME_MAX_CHARS 100
#define USER_NAME_MAX_BYTES (USER_NAME_MAX_CHARS * 4)
#define USER_EMAIL_MAX_BYTES 254
#define USER_EMAIL_LOCAL_MAX 64
#define USER_TIME_MAX 32
#define USER_PASSWORD_MIN 12	/* bytes */
#define USER_PASSWORD_MAX 256
#define USER_HASH_MAX 128	/* an encoded Argon2id hash (crypto_pwhash_STRBYTES) */
#define USER_ROLE_MAX 16

struct user {
	int64_t id;
	char name[USER_NAME_MAX_BYTES + 1];
	char email[USER_EMAIL_MAX_BYTES + 1];
	char created_at[USER_TIME_MAX];
	char updated_at[USER_TIME_MAX];
	int64_t version;
	char role[USER_ROLE_MAX];	/* "customer" or "admin" */
	int64_t cred_version;	/* never shown: tokens carry it (token.h) */
};

/*
 * A create (name, email and password set) or a JSON merge patch (any may
 * be set; role and current_password only in a patch). The password is
 * hashed by the caller into password_hash before the store sees the input;
 * the store never sees the password itself.
 */
struct user_input {
	int has_name;
	int has_email;
	int has_password;
	int has_role;
	int has_current_password;
	char name[USER_NAME_MAX_BYTES + 1];
	char email[USER_EMAIL_MAX_BYTES + 1];
	char password[USER_PASSWORD_MAX + 1];
	size_t password_len;
	char password_hash[USER_HASH_MAX];
	char role[USER_ROLE_MAX];
	char current_password[USER_PASSWORD_MAX + 1];
	size_t current_password_len;
};

/* A login: the email as sent (not checked against the rules) and password. */
struct user_login {
	char email[USER_EMAIL_MAX_BYTES + 1];
	char password[USER_PASSWORD_MAX + 1];
	size_t password_len;
};

/*
 * Check a name: trimmed of surrounding white space, then 1..100 characters
 * of valid UTF-8 with no control character and no format character
 * (Unicode's Cf: bidi controls, zero-width characters). On success copies
 * the trimmed name into out (USER_NAME_MAX_BYTES + 1) and returns 0; else
 * returns -1 with *why a static reason.
 */
int user_name_check(const char *s, size_t len, char *out, const char **why);

/*
 * Check an email: a plausible address, local@domain, at most 254 bytes,
 * printable ASCII; the local part 1..64 of RFC 5322 atext and dots (no
 * leading, trailing or doubled dot); the domain two or more labels of
 * letters, digits and inner hyphens, the last not all digits. Returns 0, or
 * -1 with *why a static reason.
 */
int user_email_check(const char *s, size_t len, const char **why);

/*
 * Check a password: 12..256 bytes (of UTF-8, as JSON strings are), no NUL.
 * Returns 0, or -1 with *why a static reason.
 */
int user_password_check(const char *s, size_t len, const char **why);

/*
 * Read body into in. create requires name, email and password; a patch
 * takes any of them, and role ("customer" or "admin"; who may change it is
 * the API's rule) and current_password (checked by the API, not here).
 * Unknown members are refused; server-owned ones (id, version, created_at,
 * updated_at, and role in a create) are ignored. Problems go to fe.
 */
void user_input_read(struct json_object *body, int create, struct user_input *in,
    struct field_errors *fe);

/*
 * Read a login body, {"email", "password"}, both strings, nothing else.
 * Problems go to fe. The email is not checked against the rules: a login
 * answers one way for every wrong email or password.
 */
void user_login_read(struct json_object *body, struct user_login *in,
    struct field_errors *fe);

/* The JSON form of u (never its password hash); NULL on allocation failure. Caller owns it. */
struct json_object *user_to_json(const struct user *u);

/*
 * An event: what another service may know of one change to a user (the
 * outbox, user_events.h; the feed, docs/api.md), in the shape of schema
 * USER_EVENT_SCHEMA. Never a name, an email or a password hash. A new
 * member may be added without a new schema; a member that changes meaning
 * or goes away takes the next schema number.
 */
#define USER_EVENT_SCHEMA 1
#define USER_EVENT_TYPE_MAX 16
#define USER_STATUS_MAX 8

enum user_event_type {
	USER_EVENT_CREATED,	/* a signup, or an admin made by --create-admin */
	USER_EVENT_UPDATED,	/* a change to the row, or a logout */
	USER_EVENT_DELETED
};

/* "user.created", "user.updated" or "user.deleted". */
const char *user_event_type_name(enum user_event_type type);

struct user_event {
	int64_t seq;		/* the feed's order: 1, 2, 3, ... without a gap */
	int64_t schema;
	char type[USER_EVENT_TYPE_MAX];
	char at[USER_TIME_MAX];	/* when it was written, as updated_at is */
	int64_t user_id;
	int64_t user_version;	/* the user's version after the change (deleted: the last) */
	char status[USER_STATUS_MAX];	/* "active" or "deleted" */
	char role[USER_ROLE_MAX];
	int64_t cred_version;	/* tokens with an older one are refused */
};

/* The JSON form of e (docs/api.md, GET /user/events); NULL on allocation failure. */
struct json_object *user_event_to_json(const struct user_event *e);

/*
 * A user as the snapshot (GET /user/events/snapshot) shows it: an active
 * user's status, role, credential version and version; a deleted one's id
 * alone.
 */
struct user_state {
	int64_t id;
	int deleted;
	char role[USER_ROLE_MAX];
	int64_t cred_version;
	int64_t version;
};

/* The JSON form of s; NULL on allocation failure. Caller owns it. */
struct json_object *user_state_to_json(const struct user_state *s);

#endif
