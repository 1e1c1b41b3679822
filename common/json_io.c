/*
 * json_io.c - strict JSON with json-c; see json_io.h.
 */
#include <errno.h>
#include <string.h>

#include "json_io.h"
#include "text.h"

int
json_io_parse(const char *buf, size_t len, int max_depth,
    struct json_object **out, const char **err)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t used;
	int rc = -1;

	*out = NULL;
	/* json-c stops at a NUL byte; a raw NUL is never valid JSON anyway. */
	if (memchr(buf, '\0', len) != NULL) {
		*err = "NUL byte in the body";
		return -1;
	}
	/*
	 * RFC 8259 text is UTF-8. json-c's own check lets overlong forms
	 * through, so the whole body is validated here first.
	 */
	if (text_utf8_length(buf, len) < 0) {
		*err = "the body is not valid UTF-8";
		return -1;
	}
	tok = json_tokener_new_ex(max_depth);
	if (tok == NULL) {
		*err = "out of memory";
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		*err = jerr == json_tokener_continue ? "unexpected end of input"
		    : json_tokener_error_desc(jerr);
		goto out;
	}
	used = json_tokener_get_parse_end(tok);
	for (; used < len; used++) {
		char c = buf[used];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			*err = "trailing data after the JSON value";
			goto out;
		}
	}
	*out = o;
	o = NULL;
	rc = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

const char *
json_io_to_string(struct json_object *o, size_t *len)
{
	return json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

enum json_field
json_io_get_string(struct json_object *obj, const char *key, const char **s,
    size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return JSON_FIELD_ABSENT;
	if (v == NULL)
		return JSON_FIELD_NULL;
	if (!json_object_is_type(v, json_type_string))
		return JSON_FIELD_WRONG_TYPE;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return JSON_FIELD_OK;
}

enum json_field
json_io_get_int64(struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object *v;
	int64_t i;

	if (!json_object_object_get_ex(obj, key, &v))
		return JSON_FIELD_ABSENT;
	if (v == NULL)
		return JSON_FIELD_NULL;
	if (!json_object_is_type(v, json_type_int))
		return JSON_FIELD_WRONG_TYPE;
	/*
	 * json-c keeps integers above INT64_MAX as uint64 and saturates
	 * get_int64; below INT64_MIN it saturates with errno set.
	 */
	errno = 0;
	i = json_object_get_int64(v);
	if (errno != 0 || (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX))
		return JSON_FIELD_OUT_OF_RANGE;
	*out = i;
	return JSON_FIELD_OK;
}

int
json_io_field_string(struct json_object *obj, const char *key, const char *field,
    int required, const char **s, size_t *len, struct field_errors *fe)
{
	switch (json_io_get_string(obj, key, s, len)) {
	case JSON_FIELD_OK:
		return 1;
	case JSON_FIELD_ABSENT:
		if (required)
			field_errors_add(fe, 422, field, "is required");
		return 0;
	case JSON_FIELD_NULL:
		if (!required) {
			field_errors_add(fe, 422, field, "cannot be removed");
			return 0;
		}
		break;
	case JSON_FIELD_WRONG_TYPE:
	case JSON_FIELD_OUT_OF_RANGE:
		break;
	}
	field_errors_add(fe, 400, field, "must be a string");
	return 0;
}

int
json_io_field_int64(struct json_object *obj, const char *key, const char *field,
    int64_t min, int64_t max, int64_t *v, struct field_errors *fe)
{
	switch (json_io_get_int64(obj, key, v)) {
	case JSON_FIELD_OK:
		if (*v >= min && *v <= max)
			return 1;
		break;
	case JSON_FIELD_OUT_OF_RANGE:
		break;
	case JSON_FIELD_ABSENT:
		field_errors_add(fe, 422, field, "is required");
		return 0;
	case JSON_FIELD_NULL:
	case JSON_FIELD_WRONG_TYPE:
		field_errors_add(fe, 400, field, "must be an integer");
		return 0;
	}
	field_errors_add(fe, 422, field, "must be an integer from %lld to %lld",
	    (long long)min, (long long)max);
	return 0;
}

static int
in_list(const char *key, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

void
json_io_check_members(struct json_object *obj, const char *const *allowed,
    const char *const *ignored, struct field_errors *fe)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		if (!in_list(key, allowed) && !in_list(key, ignored))
			field_errors_add(fe, 422, key, "is not a field of this resource");
	}
}

struct json_object *
json_io_string_new(const char *s, size_t len)
{
	return json_object_new_string_len(s, (int)len);
}
