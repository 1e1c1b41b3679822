/*
 * user_model.c - user fields, rules and JSON; see user_model.h.
 */
#include <string.h>

#include "json_io.h"
#include "text.h"
#include "user_model.h"

/* A user's name is named as the services name things (common/core/text.c). */
_Static_assert(USER_NAME_MAX_BYTES == TEXT_NAME_MAX_BYTES, "out holds the longest name");

int
user_name_check(const char *s, size_t len, char *out, const char **why)
{
	return text_name_check(s, len, out, why);
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int
is_atext(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static int
local_part_ok(const char *s, size_t len)
{
	if (len == 0 || len > USER_EMAIL_LOCAL_MAX || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext(s[i])) {
			return 0;
		}
	}
	return 1;
}

static int
domain_ok(const char *s, size_t len)
{
	size_t labels = 0, start = 0;
	int last_all_digits = 0;

	if (len == 0 || len > 253)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!is_alnum(s[i]) && s[i] != '-')
				return 0;
			continue;
		}
		/* A label is s[start..i). */
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return 0;
		last_all_digits = 1;
		for (size_t j = start; j < i; j++)
			if (s[j] < '0' || s[j] > '9')
				last_all_digits = 0;
		labels++;
		start = i + 1;
	}
	return labels >= 2 && !last_all_digits;
}

int
user_email_check(const char *s, size_t len, const char **why)
{
	const char *at;

	if (len == 0) {
		*why = "must not be empty";
		return -1;
	}
	if (len > USER_EMAIL_MAX_BYTES) {
		*why = "must be at most 254 bytes";
		return -1;
	}
	if (memchr(s, '\0', len) != NULL) {
		*why = "must not contain NUL";
		return -1;
	}
	at = memchr(s, '@', len);
	if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - s) - 1) != NULL) {
		*why = "must contain exactly one '@'";
		return -1;
	}
	if (!local_part_ok(s, (size_t)(at - s))) {
		*why = "has an invalid part before '@'";
		return -1;
	}
	if (!domain_ok(at + 1, len - (size_t)(at - s) - 1)) {
		*why = "has an invalid domain";
		return -1;
	}
	return 0;
}

int
user_password_check(const char *s, size_t len, const char **why)
{
	if (len < USER_PASSWORD_MIN || len > USER_PASSWORD_MAX) {
		*why = "must be 12 to 256 bytes";
		return -1;
	}
	if (memchr(s, '\0', len) != NULL) {
		*why = "must not contain NUL";
		return -1;
	}
	return 0;
}

static const char *const create_fields[] = { "name", "email", "password", NULL };
static const char *const create_server_fields[] = {
	"id", "version", "role", "created_at", "updated_at", NULL
};
static const char *const patch_fields[] = {
	"name", "email", "password", "role", "current_password", NULL
};
static const char *const patch_server_fields[] = {
	"id", "version", "created_at", "updated_at", NULL
};

/* Copy a password-like string member into out (out_max + 1 bytes). */
static int
secret_read(struct json_object *body, const char *name, int required, char *out,
    size_t *out_len, struct field_errors *fe)
{
	const char *s, *why;
	size_t len;

	if (!json_io_field_string(body, name, name, required, &s, &len, fe))
		return 0;
	if (user_password_check(s, len, &why) < 0) {
		field_errors_add(fe, 422, name, "%s", why);
		return 0;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	*out_len = len;
	return 1;
}

void
user_input_read(struct json_object *body, int create, struct user_input *in,
    struct field_errors *fe)
{
	const char *s, *why;
	size_t len;

	memset(in, 0, sizeof(*in));
	json_io_check_members(body, create ? create_fields : patch_fields,
	    create ? create_server_fields : patch_server_fields, fe);

	if (json_io_field_string(body, "name", "name", create, &s, &len, fe)) {
		if (user_name_check(s, len, in->name, &why) < 0)
			field_errors_add(fe, 422, "name", "%s", why);
		else
			in->has_name = 1;
	}
	if (json_io_field_string(body, "email", "email", create, &s, &len, fe)) {
		if (user_email_check(s, len, &why) < 0) {
			field_errors_add(fe, 422, "email", "%s", why);
		} else {
			memcpy(in->email, s, len);
			in->email[len] = '\0';
			in->has_email = 1;
		}
	}
	in->has_password = secret_read(body, "password", create, in->password,
	    &in->password_len, fe);
	if (create)
		return;
	if (json_io_field_string(body, "role", "role", 0, &s, &len, fe)) {
		if ((len == 8 && memcmp(s, "customer", 8) == 0) ||
		    (len == 5 && memcmp(s, "admin", 5) == 0)) {
			memcpy(in->role, s, len);
			in->role[len] = '\0';
			in->has_role = 1;
		} else {
			field_errors_add(fe, 422, "role", "must be customer or admin");
		}
	}
	in->has_current_password = secret_read(body, "current_password", 0,
	    in->current_password, &in->current_password_len, fe);
}

void
user_login_read(struct json_object *body, struct user_login *in, struct field_errors *fe)
{
	static const char *const login_fields[] = { "email", "password", NULL };
	const char *s;
	size_t len;

	memset(in, 0, sizeof(*in));
	json_io_check_members(body, login_fields, NULL, fe);
	/* Too long to be anyone's is wrong, like any other wrong value. */
	if (json_io_field_string(body, "email", "email", 1, &s, &len, fe) &&
	    len <= USER_EMAIL_MAX_BYTES)
		memcpy(in->email, s, len);
	if (json_io_field_string(body, "password", "password", 1, &s, &len, fe) &&
	    len <= USER_PASSWORD_MAX) {
		memcpy(in->password, s, len);
		in->password_len = len;
	}
}

struct json_object *
user_to_json(const struct user *u)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (json_io_add(o, "id", json_object_new_int64(u->id)) < 0 ||
	    json_io_add(o, "name", json_object_new_string(u->name)) < 0 ||
	    json_io_add(o, "email", json_object_new_string(u->email)) < 0 ||
	    json_io_add(o, "created_at", json_object_new_string(u->created_at)) < 0 ||
	    json_io_add(o, "updated_at", json_object_new_string(u->updated_at)) < 0 ||
	    json_io_add(o, "version", json_object_new_int64(u->version)) < 0 ||
	    json_io_add(o, "role", json_object_new_string(u->role)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

const char *
user_event_type_name(enum user_event_type type)
{
	switch (type) {
	case USER_EVENT_CREATED:
		return "user.created";
	case USER_EVENT_UPDATED:
		return "user.updated";
	case USER_EVENT_DELETED:
		return "user.deleted";
	}
	return "user.updated";
}

struct json_object *
user_event_to_json(const struct user_event *e)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (json_io_add(o, "seq", json_object_new_int64(e->seq)) < 0 ||
	    json_io_add(o, "schema", json_object_new_int64(e->schema)) < 0 ||
	    json_io_add(o, "type", json_object_new_string(e->type)) < 0 ||
	    json_io_add(o, "at", json_object_new_string(e->at)) < 0 ||
	    json_io_add(o, "user_id", json_object_new_int64(e->user_id)) < 0 ||
	    json_io_add(o, "user_version", json_object_new_int64(e->user_version)) < 0 ||
	    json_io_add(o, "status", json_object_new_string(e->status)) < 0 ||
	    json_io_add(o, "role", json_object_new_string(e->role)) < 0 ||
	    json_io_add(o, "credential_version", json_object_new_int64(e->cred_version)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *
user_state_to_json(const struct user_state *s)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	if (json_io_add(o, "id", json_object_new_int64(s->id)) < 0 ||
	    json_io_add(o, "status", json_object_new_string(s->deleted ? "deleted"
	    : "active")) < 0)
		goto fail;
	if (!s->deleted && (json_io_add(o, "role", json_object_new_string(s->role)) < 0 ||
	    json_io_add(o, "credential_version", json_object_new_int64(s->cred_version)) < 0 ||
	    json_io_add(o, "version", json_object_new_int64(s->version)) < 0))
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}
