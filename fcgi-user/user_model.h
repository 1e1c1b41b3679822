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

#include "problem.h"

#define USER_NAME_MAX_CHARS 100
#define USER_NAME_MAX_BYTES (USER_NAME_MAX_CHARS * 4)
#define USER_EMAIL_MAX_BYTES 254
#define USER_EMAIL_LOCAL_MAX 64
#define USER_TIME_MAX 32

struct user {
	int64_t id;
	char name[USER_NAME_MAX_BYTES + 1];
	char email[USER_EMAIL_MAX_BYTES + 1];
	char created_at[USER_TIME_MAX];
	char updated_at[USER_TIME_MAX];
	int64_t version;
};

/* A create (both fields set) or a JSON merge patch (either may be set). */
struct user_input {
	int has_name;
	int has_email;
	char name[USER_NAME_MAX_BYTES + 1];
	char email[USER_EMAIL_MAX_BYTES + 1];
};

/*
 * Check a name: trimmed of surrounding white space, then 1..100 characters
 * of valid UTF-8 with no control character. On success copies the trimmed
 * name into out (USER_NAME_MAX_BYTES + 1) and returns 0; else returns -1
 * with *why a static reason.
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
 * Read body into in. create requires both fields; a patch takes either.
 * Unknown members are refused; server-owned ones (id, version, created_at,
 * updated_at) are ignored. Problems go to fe.
 */
void user_input_read(struct json_object *body, int create, struct user_input *in,
    struct field_errors *fe);

/* The JSON form of u; NULL on allocation failure. Caller owns it. */
struct json_object *user_to_json(const struct user *u);

#endif
