/*
 * json_io.h - JSON in and out with json-c: strict parsing of a whole buffer
 * (RFC 8259 only, UTF-8 validated, a depth limit, nothing after the value),
 * compact serialisation, and typed field readers that record what is wrong
 * in a struct field_errors rather than answering themselves.
 */
#ifndef MICROSHOP_JSON_IO_H
#define MICROSHOP_JSON_IO_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "field_errors.h"

/*
 * Parse buf[0..len) as exactly one JSON value. Returns 0 with *out owned by
 * the caller, or -1 with *err a static description.
 */
int json_io_parse(const char *buf, size_t len, int max_depth,
    struct json_object **out, const char **err);

/*
 * Compact text of o, borrowed from o (valid until o changes or is freed,
 * or the next call for o), or NULL when memory ran out: never a text
 * with a piece missing. o (even NULL, "null") may not be changed by
 * another thread meanwhile.
 */
const char *json_io_to_string(struct json_object *o, size_t *len);

/*
 * Add member key = val to obj, which takes val. A NULL val (a constructor
 * that failed) or an add that fails returns -1, val released: so that a
 * builder can chain its members and give up on the first that fails,
 * never answering an object with a member missing or null in its place.
 * key is a string literal (kept, not copied) that obj does not have yet
 * (not looked up): a builder adds each member of a new object once.
 */
int json_io_add(struct json_object *obj, const char *key, struct json_object *val);

/* Append val to the array arr, likewise. */
int json_io_append(struct json_object *arr, struct json_object *val);

enum json_field {
	JSON_FIELD_ABSENT,
	JSON_FIELD_NULL,
	JSON_FIELD_OK,
	JSON_FIELD_WRONG_TYPE,
	JSON_FIELD_OUT_OF_RANGE	/* an integer beyond int64_t */
};

/* Look up a string member: *s and *len borrowed from obj. Records nothing. */
enum json_field json_io_get_string(struct json_object *obj, const char *key,
    const char **s, size_t *len);

/*
 * Look up an integer member: a JSON number without fraction or exponent
 * that fits in int64_t. Records nothing.
 */
enum json_field json_io_get_int64(struct json_object *obj, const char *key, int64_t *v);

/*
 * Read a string member, recording in fe under the name field what is wrong:
 * a wrong type or null is a 400; absence is a 422 "is required" when
 * required, and fine otherwise (a merge patch leaves the field as it is),
 * but null is then a 422 "cannot be removed". Returns 1 when *s is set.
 */
int json_io_field_string(struct json_object *obj, const char *key, const char *field,
    int required, const char **s, size_t *len, struct field_errors *fe);

/*
 * Read a required integer member within [min, max], recording in fe under
 * the name field what is wrong (400 for a wrong type or null, 422 when
 * absent or out of range). Returns 1 when *v is set.
 */
int json_io_field_int64(struct json_object *obj, const char *key, const char *field,
    int64_t min, int64_t max, int64_t *v, struct field_errors *fe);

/*
 * Record a 422 for every member of obj that is in neither allowed nor
 * ignored (both NULL-terminated). ignored lists server-owned fields that a
 * client may echo back and that are never taken.
 */
void json_io_check_members(struct json_object *obj, const char *const *allowed,
    const char *const *ignored, struct field_errors *fe);

/* A new string object from s[0..len); NULL on allocation failure. */
struct json_object *json_io_string_new(const char *s, size_t len);

#endif
