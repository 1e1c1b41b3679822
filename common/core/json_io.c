/*
 * json_io.c - strict JSON with json-c; see json_io.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "text.h"

/*
 * The parser is our own rather than json_tokener because json-c's strict
 * mode still takes NaN, Infinity, single-quoted names, raw control
 * characters in strings, numbers such as 00 or 1., lone surrogate escapes
 * (as U+FFFD), a repeated name (the last one wins) and integers below
 * INT64_MIN (saturated without a trace). Each of those is a way for two
 * readers of one request to disagree. This one takes RFC 8259 with the
 * I-JSON rules (RFC 7493: no repeated names, no lone surrogates) and builds
 * json-c objects, so the rest of the code keeps json-c's API.
 */

/* Marks an integer that does not fit in int64_t (its value is saturated). */
static char int64_out_of_range;

struct json_parser {
	const char *p;		/* next byte */
	const char *end;
	int max_depth;		/* the deepest level a value may sit at */
	const char *err;	/* static description of the first error */
	char *buf;		/* scratch for decoded strings, as long as the input */
};

static struct json_object *parse_value(struct json_parser *jp, int level);

static int
parse_fail(struct json_parser *jp, const char *err)
{
	if (jp->err == NULL)
		jp->err = err;
	return -1;
}

static void
skip_space(struct json_parser *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
	    *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int
is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static const char *
skip_digits(const char *p, const char *end)
{
	while (is_digit(p, end))
		p++;
	return p;
}

/* number = [ "-" ] int [ frac ] [ exp ], RFC 8259 section 6. */
static struct json_object *
parse_number(struct json_parser *jp)
{
	const char *p = jp->p, *end = jp->end;
	char text[64];
	int integer = 1;
	size_t n;
	double d;

	if (p < end && *p == '-')
		p++;
	if (!is_digit(p, end))
		return parse_fail(jp, "invalid number"), NULL;
	if (*p == '0')
		p++;
	else
		p = skip_digits(p, end);
	if (is_digit(p, end))
		return parse_fail(jp, "a number has a leading zero"), NULL;
	if (p < end && *p == '.') {
		integer = 0;
		if (!is_digit(++p, end))
			return parse_fail(jp, "a fraction needs digits"), NULL;
		p = skip_digits(p, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		integer = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return parse_fail(jp, "an exponent needs digits"), NULL;
		p = skip_digits(p, end);
	}
	n = (size_t)(p - jp->p);
	if (n >= sizeof(text))
		return parse_fail(jp, "a number is too long"), NULL;
	memcpy(text, jp->p, n);
	text[n] = '\0';
	jp->p = p;
	if (integer) {
		struct json_object *o;
		long long v;

		errno = 0;
		v = strtoll(text, NULL, 10);
		o = json_object_new_int64(v);
		if (o != NULL && errno == ERANGE)
			json_object_set_userdata(o, &int64_out_of_range, NULL);
		return o;
	}
	/*
	 * strtod reads '.' here: the services never call setlocale. A number
	 * beyond a double (1e400) would become infinity, which JSON cannot
	 * write back: I-JSON (RFC 7493, 2.2) refuses it, and so do we.
	 */
	d = strtod(text, NULL);
	if (!isfinite(d))
		return parse_fail(jp, "a number is out of range"), NULL;
	return json_object_new_double(d);
}

static int
hex4(struct json_parser *jp, unsigned *out)
{
	unsigned v = 0;

	if (jp->end - jp->p < 4)
		return parse_fail(jp, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = *jp->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return parse_fail(jp, "a \\u escape needs four hex digits");
	}
	*out = v;
	return 0;
}

/* After the 'u' of \uXXXX: one code point, a surrogate pair joined. */
static int
unicode_escape(struct json_parser *jp, unsigned *cp)
{
	unsigned lo;

	if (hex4(jp, cp) < 0)
		return -1;
	if (*cp >= 0xDC00 && *cp <= 0xDFFF)
		return parse_fail(jp, "a lone low surrogate escape");
	if (*cp < 0xD800 || *cp > 0xDBFF)
		return 0;
	if (jp->end - jp->p < 2 || jp->p[0] != '\\' || jp->p[1] != 'u')
		return parse_fail(jp, "a lone high surrogate escape");
	jp->p += 2;
	if (hex4(jp, &lo) < 0)
		return -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return parse_fail(jp, "a lone high surrogate escape");
	*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
	return 0;
}

static size_t
utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * A string after its opening quote, decoded into jp->buf: *len bytes. The
 * input is valid UTF-8 already; a decoded string is never longer than its
 * text, so a buffer the size of the input always holds it.
 */
static int
parse_string(struct json_parser *jp, size_t *len)
{
	static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	size_t o = 0;

	for (;;) {
		unsigned char c;
		const char *e;
		unsigned cp;

		if (jp->p >= jp->end)
			return parse_fail(jp, "unexpected end of input in a string");
		c = (unsigned char)*jp->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return parse_fail(jp, "a raw control character in a string");
		if (c != '\\') {
			jp->buf[o++] = (char)c;
			continue;
		}
		if (jp->p >= jp->end)
			return parse_fail(jp, "unexpected end of input in a string");
		c = (unsigned char)*jp->p++;
		if (c == 'u') {
			if (unicode_escape(jp, &cp) < 0)
				return -1;
			o += utf8_encode(cp, jp->buf + o);
			continue;
		}
		for (e = escapes; *e != '\0' && *e != (char)c; e += 2)
			;
		if (*e == '\0')
			return parse_fail(jp, "an invalid escape in a string");
		jp->buf[o++] = e[1];
	}
	*len = o;
	return 0;
}

static int
expect(struct json_parser *jp, char c, const char *err)
{
	skip_space(jp);
	if (jp->p >= jp->end || *jp->p != c)
		return parse_fail(jp, err);
	jp->p++;
	return 0;
}

/*
 * A member name, decoded into jp->buf and NUL-terminated. json-c keys are
 * C strings, so a name holding \u0000 is refused rather than cut short.
 */
static int
parse_name(struct json_parser *jp, struct json_object *obj)
{
	size_t len;

	if (expect(jp, '"', "a member name must be a string") < 0 ||
	    parse_string(jp, &len) < 0)
		return -1;
	if (memchr(jp->buf, '\0', len) != NULL)
		return parse_fail(jp, "a member name holds a NUL");
	jp->buf[len] = '\0';
	if (json_object_object_get_ex(obj, jp->buf, NULL))
		return parse_fail(jp, "a member name is repeated");
	return expect(jp, ':', "expected ':' after a member name");
}

static struct json_object *
parse_object(struct json_parser *jp, int level)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *v;
	char *key = NULL;

	if (obj == NULL)
		return parse_fail(jp, "out of memory"), NULL;
	skip_space(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		return obj;
	}
	for (;;) {
		if (parse_name(jp, obj) < 0)
			goto fail;
		/* Parsing the value reuses jp->buf. */
		if ((key = strdup(jp->buf)) == NULL) {
			parse_fail(jp, "out of memory");
			goto fail;
		}
		v = parse_value(jp, level + 1);
		if (jp->err != NULL)
			goto fail;
		if (json_object_object_add(obj, key, v) < 0) {
			json_object_put(v);
			parse_fail(jp, "out of memory");
			goto fail;
		}
		free(key);
		key = NULL;
		skip_space(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (expect(jp, '}', "expected ',' or '}' in an object") < 0)
			goto fail;
		return obj;
	}
fail:
	free(key);
	json_object_put(obj);
	return NULL;
}

static struct json_object *
parse_array(struct json_parser *jp, int level)
{
	struct json_object *arr = json_object_new_array();
	struct json_object *v;

	if (arr == NULL)
		return parse_fail(jp, "out of memory"), NULL;
	skip_space(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return arr;
	}
	for (;;) {
		v = parse_value(jp, level + 1);
		if (jp->err != NULL)
			break;
		if (json_object_array_add(arr, v) < 0) {
			json_object_put(v);
			parse_fail(jp, "out of memory");
			break;
		}
		skip_space(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (expect(jp, ']', "expected ',' or ']' in an array") < 0)
			break;
		return arr;
	}
	json_object_put(arr);
	return NULL;
}

static int
literal(struct json_parser *jp, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return parse_fail(jp, "invalid literal");
	jp->p += n;
	return 0;
}

/*
 * A value at nesting level level (the top-level value is at 1, members and
 * elements one deeper than their container, as json-c counts). NULL is
 * JSON null when jp->err is still NULL.
 */
static struct json_object *
parse_value(struct json_parser *jp, int level)
{
	struct json_object *o;
	size_t len;

	if (level > jp->max_depth)
		return parse_fail(jp, "nesting too deep"), NULL;
	skip_space(jp);
	if (jp->p >= jp->end)
		return parse_fail(jp, "unexpected end of input"), NULL;
	switch (*jp->p) {
	case '{':
		jp->p++;
		return parse_object(jp, level);
	case '[':
		jp->p++;
		return parse_array(jp, level);
	case '"':
		jp->p++;
		if (parse_string(jp, &len) < 0)
			return NULL;
		if ((o = json_object_new_string_len(jp->buf, (int)len)) == NULL)
			parse_fail(jp, "out of memory");
		return o;
	case 't':
		return literal(jp, "true") < 0 ? NULL : json_object_new_boolean(1);
	case 'f':
		return literal(jp, "false") < 0 ? NULL : json_object_new_boolean(0);
	case 'n':
		literal(jp, "null");
		return NULL;
	default:
		if ((o = parse_number(jp)) == NULL)
			parse_fail(jp, "out of memory");
		return o;
	}
}

int
json_io_parse(const char *buf, size_t len, int max_depth,
    struct json_object **out, const char **err)
{
	struct json_parser jp = { buf, buf + len, max_depth, NULL, NULL };
	struct json_object *o;

	*out = NULL;
	if (memchr(buf, '\0', len) != NULL) {
		*err = "NUL byte in the body";
		return -1;
	}
	/* RFC 8259 text is UTF-8; checked once here, strings need not recheck. */
	if (text_utf8_length(buf, len) < 0) {
		*err = "the body is not valid UTF-8";
		return -1;
	}
	if ((jp.buf = malloc(len + 1)) == NULL) {
		*err = "out of memory";
		return -1;
	}
	o = parse_value(&jp, 1);
	skip_space(&jp);
	if (jp.err == NULL && jp.p != jp.end)
		parse_fail(&jp, "trailing data after the JSON value");
	free(jp.buf);
	if (jp.err != NULL) {
		json_object_put(o);
		*err = jp.err;
		return -1;
	}
	*out = o;
	return 0;
}

/*
 * The writer is our own too: json-c's drops what it cannot append when
 * memory runs out (a member name, a value) and still returns the rest as
 * the text, an answer with a piece missing (tests/check_alloc.c found
 * it). This one fails whole. Its text is json-c's compact form: no
 * space, '/' not escaped, \b \f \n \r \t \" \\ and \u00XX (lower-case
 * hex) for the other controls, doubles as %.17g with ".0" when they
 * would read as integers.
 */
struct json_out {
	char *buf;
	size_t len, cap;
	int failed;
};

static void
out_put(struct json_out *w, const char *s, size_t n)
{
	if (w->failed || n == 0)
		return;
	if (n > w->cap - w->len) {
		size_t cap = w->cap ? w->cap : 256;
		char *p;

		while (n > cap - w->len)
			cap *= 2;
		if ((p = realloc(w->buf, cap)) == NULL) {
			w->failed = 1;
			return;
		}
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
out_string(struct json_out *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	out_put(w, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = "\\u00";
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		out_put(w, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
		}
		out_put(w, esc, n);
	}
	out_put(w, s + start, len - start);
	out_put(w, "\"", 1);
}

static void
out_number(struct json_out *w, struct json_object *v)
{
	char num[40];
	int n;

	if (json_object_is_type(v, json_type_int)) {
		n = snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
	} else {
		double d = json_object_get_double(v);

		if (!isfinite(d)) {	/* JSON has no way to write it */
			w->failed = 1;
			return;
		}
		n = snprintf(num, sizeof(num), "%.17g", d);
		if (n > 0 && (size_t)n < sizeof(num) - 2 && strpbrk(num, ".eE") == NULL) {
			memcpy(num + n, ".0", 3);
			n += 2;
		}
	}
	if (n <= 0 || (size_t)n >= sizeof(num))
		w->failed = 1;
	else
		out_put(w, num, (size_t)n);
}

static void
out_value(struct json_out *w, struct json_object *v)
{
	int first = 1;

	switch (json_object_get_type(v)) {
	case json_type_null:
		out_put(w, "null", 4);
		return;
	case json_type_boolean:
		if (json_object_get_boolean(v))
			out_put(w, "true", 4);
		else
			out_put(w, "false", 5);
		return;
	case json_type_int:
	case json_type_double:
		out_number(w, v);
		return;
	case json_type_string:
		out_string(w, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		return;
	case json_type_array:
		out_put(w, "[", 1);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i > 0)
				out_put(w, ",", 1);
			out_value(w, json_object_array_get_idx(v, i));
		}
		out_put(w, "]", 1);
		return;
	case json_type_object:
		out_put(w, "{", 1);
		json_object_object_foreach(v, key, val) {
			if (!first)
				out_put(w, ",", 1);
			first = 0;
			out_string(w, key, strlen(key));
			out_put(w, ":", 1);
			out_value(w, val);
		}
		out_put(w, "}", 1);
		return;
	}
	w->failed = 1;
}

static void
text_free(struct json_object *o, void *text)
{
	(void)o;
	free(text);
}

const char *
json_io_to_string(struct json_object *o, size_t *len)
{
	struct json_out w = { 0 };

	*len = 0;
	if (o == NULL) {	/* json-c's null: nothing to keep the text on */
		*len = 4;
		return "null";
	}
	out_value(&w, o);
	out_put(&w, "", 1);
	if (w.failed) {
		free(w.buf);
		return NULL;
	}
	/*
	 * The text lives as long as o, as userdata. An integer that the
	 * parser marked out of range keeps its mark: its text, a number, is
	 * this thread's.
	 */
	if (json_object_get_userdata(o) == &int64_out_of_range) {
		static _Thread_local char number[32];

		snprintf(number, sizeof(number), "%s", w.buf);
		free(w.buf);
		*len = strlen(number);
		return number;
	}
	json_object_set_userdata(o, w.buf, text_free);
	*len = w.len - 1;
	return w.buf;
}

int
json_io_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (val == NULL || json_object_object_add_ex(obj, key, val,
	    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

int
json_io_append(struct json_object *arr, struct json_object *val)
{
	if (val == NULL || json_object_array_add(arr, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
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
	i = json_object_get_int64(v);
	if (json_object_get_userdata(v) == &int64_out_of_range)
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
