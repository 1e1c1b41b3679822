/*
 * user_feed.c - the user service's feed and snapshot answers read as
 * untrusted input; see user_feed.h. Members a reader does not know are
 * ignored: adding one is how an event's shape grows without a new schema
 * version; changing what one means takes a new version, which this reader
 * refuses rather than misreads.
 */
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "json_io.h"
#include "user_feed.h"

/* Room for an event member that is itself structured (added later). */
#define FEED_MAX_DEPTH 8
#define SEQ_MAX ((int64_t)1 << 53)	/* exact in any JSON reader */

/* An integer member within [min, SEQ_MAX]. */
static int
int_member(struct json_object *o, const char *key, int64_t min, int64_t *v)
{
	return json_io_get_int64(o, key, v) == JSON_FIELD_OK && *v >= min && *v <= SEQ_MAX
	    ? 0 : -1;
}

/* A string member; *s NUL-terminated (json-c's own), *len its length. */
static int
string_member(struct json_object *o, const char *key, const char **s, size_t *len)
{
	return json_io_get_string(o, key, s, len) == JSON_FIELD_OK &&
	    strlen(*s) == *len ? 0 : -1;
}

/* "active" or "deleted" into f->deleted. */
static int
status_read(struct json_object *o, struct user_fact *f)
{
	const char *s;
	size_t len;

	if (string_member(o, "status", &s, &len) < 0)
		return -1;
	if (strcmp(s, "deleted") == 0)
		f->deleted = 1;
	else if (strcmp(s, "active") != 0)
		return -1;
	return 0;
}

/* An active user's role and credential version, into f. */
static int
credentials_read(struct json_object *o, struct user_fact *f)
{
	const char *role;
	size_t len;

	if (string_member(o, "role", &role, &len) < 0 || len == 0 ||
	    len >= sizeof(f->role) || int_member(o, "credential_version", 1,
	    &f->cred_version) < 0)
		return -1;
	memcpy(f->role, role, len + 1);
	return 0;
}

/*
 * strptime takes more than one spelling of a moment (a space for a digit,
 * a 30th of February or a 60th second that timegm moves on): the time is
 * written back and must be what was read.
 */
int64_t
user_feed_time(const char *s, size_t len)
{
	struct tm tm = { 0 };
	char again[24];
	const char *end;
	time_t t;

	if (len != 20 || s[19] != 'Z')
		return -1;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end != s + 19 || (t = timegm(&tm)) < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(again, sizeof(again), "%Y-%m-%dT%H:%M:%SZ", &tm) != 20 ||
	    memcmp(again, s, 20) != 0)
		return -1;
	return (int64_t)t;
}

/* One event of a batch: the fact it states, and its time. */
static int
event_read(struct json_object *e, struct user_fact *f, int64_t *at, const char **why)
{
	static const char *const types[] = { "user.created", "user.updated", "user.deleted" };
	const char *type, *time;
	size_t len, time_len;
	int64_t schema;
	size_t t;

	memset(f, 0, sizeof(*f));
	*why = "an event without its members";
	if (!json_object_is_type(e, json_type_object) ||
	    int_member(e, "schema", 1, &schema) < 0 || int_member(e, "seq", 1, &f->seq) < 0 ||
	    string_member(e, "type", &type, &len) < 0 || int_member(e, "user_id", 1, &f->id) < 0 ||
	    int_member(e, "user_version", 0, &f->user_version) < 0 || status_read(e, f) < 0 ||
	    string_member(e, "at", &time, &time_len) < 0)
		return -1;
	if (schema != USER_FEED_SCHEMA) {
		*why = "an event of a schema version this service does not read";
		return -1;
	}
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		if (strcmp(type, types[t]) == 0)
			break;
	/* A deletion, and only a deletion, says the user is deleted. */
	if (t == sizeof(types) / sizeof(types[0]) || (t == 2) != f->deleted) {
		*why = "an event of an unknown type";
		return -1;
	}
	if ((*at = user_feed_time(time, time_len)) < 0) {
		*why = "an event without a time";
		return -1;
	}
	if (credentials_read(e, f) < 0) {
		*why = "an event without a role and a credential version";
		return -1;
	}
	return 0;
}

/* body as a JSON object, or NULL. */
static struct json_object *
object_parse(const char *body, size_t len)
{
	struct json_object *o = NULL;
	const char *err;

	if (json_io_parse(body, len, FEED_MAX_DEPTH, &o, &err) < 0)
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The array member key of o, of at most max elements, or NULL. */
static struct json_object *
array_member(struct json_object *o, const char *key, size_t max)
{
	struct json_object *a;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) > max)
		return NULL;
	return a;
}

int
user_feed_read_events(const char *body, size_t len, int64_t after, size_t max,
    struct user_feed_batch *b, const char **why)
{
	struct json_object *o = object_parse(body, len), *events;
	int rc = -1;

	b->n = 0;
	*why = "not a JSON object";
	if (o == NULL)
		return -1;
	*why = "no events, or more than asked for";
	if (max > USER_FEED_BATCH_MAX || (events = array_member(o, "events", max)) == NULL)
		goto out;
	*why = "no last_seq";
	if (int_member(o, "last_seq", 0, &b->last_seq) < 0)
		goto out;
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		struct user_fact *f = &b->facts[i];

		if (event_read(json_object_array_get_idx(events, i), f, &b->at[i], why) < 0)
			goto out;
		if (f->seq != after + 1 + (int64_t)i) {
			*why = "an event out of sequence (one is missing)";
			goto out;
		}
		b->n++;
	}
	*why = "last_seq before its own events";
	if (b->last_seq < after + (int64_t)b->n)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		b->n = 0;
	json_object_put(o);
	return rc;
}

/* One user of a snapshot page. */
static int
snapshot_row_read(struct json_object *u, struct user_fact *f)
{
	memset(f, 0, sizeof(*f));
	if (!json_object_is_type(u, json_type_object) || int_member(u, "id", 1, &f->id) < 0 ||
	    status_read(u, f) < 0)
		return -1;
	if (f->deleted)
		return 0;
	return int_member(u, "version", 0, &f->user_version) < 0 ? -1 : credentials_read(u, f);
}

int
user_feed_read_snapshot(const char *body, size_t len, int64_t after_id, size_t max,
    struct user_snapshot_page *p, const char **why)
{
	struct json_object *o = object_parse(body, len), *users, *more;
	int64_t last = after_id;
	int rc = -1;

	p->n = 0;
	*why = "not a JSON object";
	if (o == NULL)
		return -1;
	*why = "no users, or more than asked for";
	if (max > USER_SNAPSHOT_PAGE_MAX || (users = array_member(o, "users", max)) == NULL)
		goto out;
	*why = "no seq or more";
	if (int_member(o, "seq", 0, &p->seq) < 0 || !json_object_object_get_ex(o, "more", &more) ||
	    !json_object_is_type(more, json_type_boolean))
		goto out;
	p->more = json_object_get_boolean(more) ? 1 : 0;
	for (size_t i = 0; i < json_object_array_length(users); i++) {
		struct user_fact *f = &p->facts[i];

		*why = "a user without its members";
		if (snapshot_row_read(json_object_array_get_idx(users, i), f) < 0)
			goto out;
		*why = "users out of order";
		if (f->id <= last)
			goto out;
		last = f->id;
		f->seq = p->seq;
		p->n++;
	}
	*why = "more pages, but none in this one";
	if (p->more && p->n == 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		p->n = 0;
	json_object_put(o);
	return rc;
}
