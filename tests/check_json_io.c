/*
 * check_json_io.c - common/core/json_io.c: strict parsing of a whole
 * buffer (RFC 8259 only, UTF-8
 * validated, the depth limit as json-c counts it, nothing after the value),
 * the typed member readers and what they record (400 for a wrong type or
 * null, 422 for a missing or out-of-range value), the check of unknown
 * members, and compact output.
 *
 * Every json_object is released before the assertions about it, so that a
 * failing check under CK_FORK=no does not turn into a valgrind leak report.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check_suites.h"
#include "json_io.h"
#include "field_errors.h"

#define DEPTH 32		/* the services' default json_max_depth */

/*
 * json_io_parse of s[0..len), the result released at once. Returns its
 * result, or 99 if it broke its contract: on failure *out must be NULL and
 * *err a description.
 */
static int
parse_rc(const char *s, size_t len, int max_depth, const char **err)
{
	static struct json_object *const untouched = (struct json_object *)&untouched;
	struct json_object *o = untouched;
	const char *e = NULL;
	int rc = json_io_parse(s, len, max_depth, &o, &e);

	if (o == untouched)
		return 99;
	json_object_put(o);
	if (err != NULL)
		*err = e;
	if (rc != 0 && (o != NULL || e == NULL || *e == '\0'))
		return 99;
	return rc;
}

/* Parse a document that the test expects to be valid; NULL otherwise. */
static struct json_object *
parse_doc(const char *s)
{
	struct json_object *o = NULL;
	const char *err = NULL;

	if (json_io_parse(s, strlen(s), DEPTH, &o, &err) < 0)
		return NULL;
	return o;
}

/* ------------------------------------------------------------------ */
/* json_io_parse: accepted and rejected documents                      */
/* ------------------------------------------------------------------ */

struct doc_case {
	const char *s;
	size_t len;
	enum json_type type;	/* of the accepted value */
};

static const struct doc_case accepted_cases[] = {
	{ BYTES("{}"), json_type_object },
	{ BYTES("[]"), json_type_array },
	{ BYTES("{\"name\":\"Ada\",\"email\":\"ada@example.com\"}"), json_type_object },
	{ BYTES("{\"a\":[1,-2,3.5,-0.5e-3,1E+2,true,false,null,\"x\",{}]}"), json_type_object },
	{ BYTES("\"x\""), json_type_string },
	/* Trailing and leading JSON white space (space, tab, LF, CR). */
	{ BYTES("{} "), json_type_object },
	{ BYTES("{}\n"), json_type_object },
	{ BYTES("{} \t\r\n"), json_type_object },
	{ BYTES(" \t\r\n{}"), json_type_object },
	{ BYTES("{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }"), json_type_object },
	/* Scalars followed by white space. */
	{ BYTES("1 "), json_type_int },
	{ BYTES("-1\n"), json_type_int },
	{ BYTES("1.5 "), json_type_double },
	{ BYTES("true "), json_type_boolean },
	{ BYTES("false\n"), json_type_boolean },
	/* Escapes and UTF-8. */
	{ BYTES("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"), json_type_object },
	{ BYTES("{\"a\":\"\\u00e9\\u20AC\"}"), json_type_object },
	{ BYTES("{\"a\":\"\\ud83d\\ude00\"}"), json_type_object },	/* pair */
	{ BYTES("{\"a\":\"\\u0000\"}"), json_type_object },		/* escaped NUL */
	{ BYTES("{\"a\":\"\\u001f\"}"), json_type_object },
	{ BYTES("{\"caf\xc3\xa9\":\"\xf0\x9f\x98\x80\xe2\x82\xac\"}"), json_type_object },
	{ BYTES("{\"a\":\"\xf4\x8f\xbf\xbf\"}"), json_type_object },	/* U+10FFFF */
	/* Numbers RFC 8259 allows. */
	{ BYTES("[0]"), json_type_array },
	{ BYTES("[-0]"), json_type_array },
	{ BYTES("[0.0]"), json_type_array },
	{ BYTES("[1e5]"), json_type_array },
	{ BYTES("[1E-5]"), json_type_array },
	{ BYTES("[-1.5e+5]"), json_type_array },
	/* The largest double, and an underflow to 0 (finite: taken). */
	{ BYTES("[1.7976931348623157e308, 1e-400]"), json_type_array },
	/* The same name in two objects is no repetition. */
	{ BYTES("{\"a\":{\"a\":1},\"b\":{\"a\":2}}"), json_type_object },
	/* \u0000 in a value (a name cannot hold it: json-c keys are C strings). */
	{ BYTES("[\"\\u0000\"]"), json_type_array },
	/* Big numbers parse; the field readers say they are out of range. */
	{ BYTES("[-9223372036854775809, 99999999999999999999]"), json_type_array },
};

START_TEST(test_parse_accepts)
{
	char buf[256];

	for (size_t i = 0; i < N_ELEMS(accepted_cases); i++) {
		const struct doc_case *c = &accepted_cases[i];
		struct json_object *o = NULL;
		const char *err = NULL;
		int rc = json_io_parse(c->s, c->len, DEPTH, &o, &err);
		enum json_type type = o ? json_object_get_type(o) : json_type_null;
		int non_null = o != NULL;

		json_object_put(o);
		ck_assert_msg(rc == 0, "json_io_parse(%s) = %d: %s",
		    test_show(c->s, c->len, buf, sizeof(buf)), rc, err ? err : "?");
		ck_assert_msg(non_null, "json_io_parse(%s): no object",
		    test_show(c->s, c->len, buf, sizeof(buf)));
		ck_assert_msg(type == c->type, "json_io_parse(%s): type %s, want %s",
		    test_show(c->s, c->len, buf, sizeof(buf)),
		    json_type_to_name(type), json_type_to_name(c->type));
	}
}
END_TEST

struct reject_case {
	const char *s;
	size_t len;
};

static const struct reject_case rejected_cases[] = {
	/* Empty or truncated input. */
	{ BYTES("") },
	{ BYTES(" ") },
	{ BYTES(" \n\t\r") },
	{ BYTES("{") },
	{ BYTES("{\"a\"") },
	{ BYTES("{\"a\":") },
	{ BYTES("{\"a\":1") },
	{ BYTES("{\"a\":1,") },
	{ BYTES("[1,2") },
	{ BYTES("\"abc") },
	{ BYTES("{\"a\":\"\\u00") },
	{ BYTES("{\"a\":tru") },
	/* Something after the value. */
	{ BYTES("{}x") },
	{ BYTES("{} {}") },
	{ BYTES("{}{}") },
	{ BYTES("{},") },
	{ BYTES("{}]") },
	{ BYTES("[]]") },
	{ BYTES("\"x\"\"y\"") },
	{ BYTES("{}\f") },			/* not JSON white space */
	{ BYTES("{}\v") },
	{ BYTES("\f{}") },
	{ BYTES("{} \xc2\xa0") },		/* U+00A0 is not either */
	/* Not JSON: NaN/Infinity spelt otherwise, single quotes, commas, comments. */
	{ BYTES("{\"a\":nan}") },
	{ BYTES("{\"a\":-NaN}") },
	{ BYTES("{\"a\":inf}") },
	{ BYTES("{\"a\":-inf}") },
	{ BYTES("{\"a\":+Infinity}") },
	{ BYTES("['a']") },
	{ BYTES("{\"a\":'b'}") },
	{ BYTES("[1,]") },
	{ BYTES("{\"a\":1,}") },
	{ BYTES("[,1]") },
	{ BYTES("[1,,2]") },
	{ BYTES("{,}") },
	{ BYTES("/* c */{}") },
	{ BYTES("{}/* c */") },
	{ BYTES("{}// c") },
	{ BYTES("{\"a\":1 // c\n}") },
	{ BYTES("# c\n{}") },
	{ BYTES("{a:1}") },
	{ BYTES("{\"a\" 1}") },
	{ BYTES("{\"a\":1 \"b\":2}") },
	{ BYTES("[1 2]") },
	{ BYTES("{\"a\"}") },
	{ BYTES("{\"a\":}") },
	{ BYTES("[TRUE]") },
	{ BYTES("[True]") },
	{ BYTES("[Null]") },
	{ BYTES("[nul]") },
	{ BYTES("[truex]") },
	{ BYTES("[undefined]") },
	/* Numbers RFC 8259 does not allow. */
	{ BYTES("[01]") },
	{ BYTES("[+1]") },
	{ BYTES("[.5]") },
	{ BYTES("[-]") },
	{ BYTES("[- 1]") },
	{ BYTES("[1e]") },
	{ BYTES("[1e+]") },
	{ BYTES("[0x10]") },
	/* Bad escapes. */
	{ BYTES("[\"\\x41\"]") },
	{ BYTES("[\"\\a\"]") },
	{ BYTES("[\"\\u12\"]") },
	{ BYTES("[\"\\u12G4\"]") },
	/* Invalid UTF-8, in strings and outside them. */
	{ BYTES("{\"a\":\"\xc0\xaf\"}") },		/* overlong '/' */
	{ BYTES("{\"a\":\"\xe0\x80\xaf\"}") },		/* overlong '/' */
	{ BYTES("{\"a\":\"\xed\xa0\x80\"}") },		/* encoded surrogate */
	{ BYTES("{\"a\":\"\xf4\x90\x80\x80\"}") },	/* past U+10FFFF */
	{ BYTES("{\"a\":\"\x80\"}") },			/* lone continuation */
	{ BYTES("{\"a\":\"\xff\"}") },
	{ BYTES("{\"a\":\"\xc3\"}") },			/* truncated */
	{ BYTES("{\"\xe2\x82\":1}") },			/* truncated, in a name */
	{ BYTES("{}\xc3") },				/* truncated, at the end */
	{ BYTES("\xef\xbb\xbf{}") },			/* a byte order mark */
	/*
	 * I-JSON (RFC 7493): a repeated name, even spelt with escapes, where
	 * json-c would silently keep the last one; lone surrogate escapes,
	 * which json-c turns into U+FFFD.
	 */
	{ BYTES("{\"a\":1,\"a\":2}") },
	{ BYTES("{\"a\":1,\"\\u0061\":2}") },
	{ BYTES("{\"status\":\"paid\",\"x\":[],\"status\":\"cancelled\"}") },
	{ BYTES("[\"\\ud800\"]") },
	{ BYTES("[\"\\udc00\"]") },
	{ BYTES("[\"\\ud800\\u0041\"]") },
	{ BYTES("[\"\\ud800\\ud800\"]") },
	{ BYTES("[\"\\ude00\\ud83d\"]") },
	{ BYTES("{\"a\\u0000b\":1}") },
	/* A raw NUL byte anywhere. */
	{ BYTES("\0") },
	{ BYTES("{}\0") },
	{ BYTES("\0{}") },
	{ BYTES("{\"a\":\"x\0y\"}") },
	{ BYTES("{\"a\"\0:1}") },
};

START_TEST(test_parse_rejects)
{
	char buf[256];

	for (size_t i = 0; i < N_ELEMS(rejected_cases); i++) {
		const struct reject_case *c = &rejected_cases[i];
		const char *err = NULL;
		int rc = parse_rc(c->s, c->len, DEPTH, &err);

		ck_assert_msg(rc == -1, "json_io_parse(%s) = %d, want -1",
		    test_show(c->s, c->len, buf, sizeof(buf)), rc);
	}
}
END_TEST

/*
 * Each of the next tests checks one family of inputs and lists, in a single
 * failure, every input of the family that was answered wrongly.
 */
static void
expect_all(const struct reject_case *cases, size_t n, int want_rc, const char *what)
{
	char list[2048] = "", buf[128];
	size_t wrong = 0;

	for (size_t i = 0; i < n; i++) {
		const char *err = NULL;
		int rc = parse_rc(cases[i].s, cases[i].len, DEPTH, &err);

		if (rc != want_rc) {
			size_t used = strlen(list);

			snprintf(list + used, sizeof(list) - used, "%s%s", wrong ? "  " : "",
			    test_show(cases[i].s, cases[i].len, buf, sizeof(buf)));
			wrong++;
		}
	}
	ck_assert_msg(wrong == 0, "%s: %zu of %zu wrongly %s: %s", what, wrong, n,
	    want_rc == 0 ? "rejected" : "accepted", list);
}

START_TEST(test_parse_rejects_nan_infinity)
{
	static const struct reject_case cases[] = {
		{ BYTES("NaN ") },
		{ BYTES("[NaN]") },
		{ BYTES("{\"a\":NaN}") },
		{ BYTES("[Infinity]") },
		{ BYTES("{\"a\":Infinity}") },
		{ BYTES("[-Infinity]") },
		{ BYTES("{\"a\":-Infinity}") },
		/* Numbers a double cannot hold would be infinity (I-JSON 2.2). */
		{ BYTES("[1e400]") },
		{ BYTES("{\"a\":-1e400}") },
		{ BYTES("[1.5E+309]") },
		{ BYTES("[0.1e99999999999999999999]") },
	};

	expect_all(cases, N_ELEMS(cases), -1, "NaN, Infinity and numbers beyond a double are refused");
}
END_TEST

START_TEST(test_parse_rejects_single_quoted_names)
{
	static const struct reject_case cases[] = {
		{ BYTES("{'a':1}") },
		{ BYTES("{\"a\":{'b':1}}") },
		{ BYTES("{'a\":1}") },
	};

	expect_all(cases, N_ELEMS(cases), -1, "single-quoted member names are not JSON");
}
END_TEST

START_TEST(test_parse_rejects_raw_control_characters)
{
	/* RFC 8259 section 7: U+0000..U+001F must be escaped in a string. */
	static const struct reject_case cases[] = {
		{ BYTES("{\"a\":\"x\ty\"}") },
		{ BYTES("{\"a\":\"x\ny\"}") },
		{ BYTES("{\"a\":\"x\ry\"}") },
		{ BYTES("{\"a\":\"\x01\"}") },
		{ BYTES("{\"a\":\"\x1f\"}") },
		{ BYTES("{\"a\x1b\":1}") },
	};

	expect_all(cases, N_ELEMS(cases), -1, "raw control characters in strings");
}
END_TEST

START_TEST(test_parse_rejects_malformed_numbers)
{
	/* number = [ "-" ] int [ frac ] [ exp ]; int has no leading zero. */
	static const struct reject_case cases[] = {
		{ BYTES("[00]") },
		{ BYTES("[-01]") },
		{ BYTES("[-00]") },
		{ BYTES("[1.]") },
		{ BYTES("[1.e5]") },
		{ BYTES("{\"a\":2.}") },
	};

	expect_all(cases, N_ELEMS(cases), -1, "numbers outside the RFC 8259 grammar");
}
END_TEST

START_TEST(test_parse_top_level_scalars)
{
	/*
	 * "Parse buf[0..len) as exactly one JSON value": a bare scalar is a
	 * JSON text (RFC 8259), with or without white space after it.
	 */
	static const struct reject_case cases[] = {
		{ BYTES("1") },
		{ BYTES("-1") },
		{ BYTES("0") },
		{ BYTES("1.5") },
		{ BYTES("1e3") },
		{ BYTES("true") },
		{ BYTES("false") },
		{ BYTES("null") },
		{ BYTES("null ") },		/* json-c's value is a NULL object */
		{ BYTES("\"x\"") },
	};

	expect_all(cases, N_ELEMS(cases), 0, "scalar JSON texts");
}
END_TEST

START_TEST(test_parse_reads_only_len)
{
	/* buf need not be NUL-terminated: bytes past len are never read. */
	const char body[] = "{\"a\":1}GARBAGE";
	struct json_object *o = NULL;
	const char *err = NULL;
	int rc = json_io_parse(body, 7, DEPTH, &o, &err);
	int64_t a = json_object_get_int64(json_object_object_get(o, "a"));

	json_object_put(o);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(a, 1);
	ck_assert_int_eq(parse_rc(body, 6, DEPTH, NULL), -1);	/* "{\"a\":1" */
}
END_TEST

START_TEST(test_parse_error_descriptions)
{
	static const struct reject_case cases[] = {
		{ BYTES("") }, { BYTES("{") }, { BYTES("{}x") }, { BYTES("{\"a\":\"\xff\"}") },
		{ BYTES("{}\0") }, { BYTES("[1,]") },
	};
	const char *err = NULL;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char buf[64];

		/* parse_rc answers 99 when *err is missing or *out is not NULL. */
		ck_assert_msg(parse_rc(cases[i].s, cases[i].len, DEPTH, &err) == -1,
		    "json_io_parse(%s): no error description",
		    test_show(cases[i].s, cases[i].len, buf, sizeof(buf)));
	}
	parse_rc(BYTES("{}\0"), DEPTH, &err);
	ck_assert_str_eq(err, "NUL byte in the body");
	parse_rc(BYTES("{\"a\":\"\xc0\xaf\"}"), DEPTH, &err);
	ck_assert_str_eq(err, "the body is not valid UTF-8");
}
END_TEST

/* ------------------------------------------------------------------ */
/* json_io_parse: the depth limit                                      */
/* ------------------------------------------------------------------ */

/*
 * How json-c 0.16 counts depth: every value takes one level of its
 * tokener's stack, the top-level value level 1 and each member or element
 * one more than its container; scalars count. json_tokener_new_ex(d)
 * accepts a document whose deepest value is at level d. So with d = 32:
 * 32 nested empty objects pass and 33 do not, but 32 nested objects with a
 * scalar in the innermost one do not (the scalar is at level 33), while 31
 * do.
 *
 * nested(buf, n, leaf): n objects {"a":{"a":...}} whose innermost is {}
 * (leaf == 0) or {"a":1} (leaf == 1); or arrays [[...]] with leaf 2 / 3.
 */
static size_t
nested(char *buf, int n, int leaf)
{
	int arrays = leaf >= 2;
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		if (arrays) {
			buf[o++] = '[';
		} else if (i < n - 1 || leaf) {
			memcpy(buf + o, "{\"a\":", 5);
			o += 5;
		} else {
			buf[o++] = '{';
		}
	}
	if (leaf == 1 || leaf == 3)
		buf[o++] = '1';
	for (int i = 0; i < n; i++)
		buf[o++] = arrays ? ']' : '}';
	buf[o] = '\0';
	return o;
}

START_TEST(test_depth_limit)
{
	static const int limits[] = { 2, 3, 8, 32, 100 };
	static char buf[8 * 102];

	for (size_t i = 0; i < N_ELEMS(limits); i++) {
		int d = limits[i];
		size_t len;

		len = nested(buf, d, 0);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == 0,
		    "max_depth %d: %d nested empty objects refused", d, d);
		len = nested(buf, d + 1, 0);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == -1,
		    "max_depth %d: %d nested empty objects accepted", d, d + 1);

		len = nested(buf, d - 1, 1);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == 0,
		    "max_depth %d: %d nested objects around a scalar refused", d, d - 1);
		len = nested(buf, d, 1);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == -1,
		    "max_depth %d: %d nested objects around a scalar accepted", d, d);

		len = nested(buf, d, 2);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == 0,
		    "max_depth %d: %d nested empty arrays refused", d, d);
		len = nested(buf, d + 1, 2);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == -1,
		    "max_depth %d: %d nested empty arrays accepted", d, d + 1);
		len = nested(buf, d - 1, 3);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == 0,
		    "max_depth %d: %d nested arrays around a scalar refused", d, d - 1);
		len = nested(buf, d, 3);
		ck_assert_msg(parse_rc(buf, len, d, NULL) == -1,
		    "max_depth %d: %d nested arrays around a scalar accepted", d, d);
	}
}
END_TEST

START_TEST(test_depth_limit_examples)
{
	const char *err = NULL;

	/* The shapes of the user API at the config minimum of 2. */
	ck_assert_int_eq(parse_rc(BYTES("{\"name\":\"Ada\",\"email\":\"a@b.co\"}"), 2, NULL),
	    0);
	ck_assert_int_eq(parse_rc(BYTES("{\"a\":[]}"), 2, NULL), 0);
	ck_assert_int_eq(parse_rc(BYTES("{\"a\":{}}"), 2, NULL), 0);
	ck_assert_int_eq(parse_rc(BYTES("{\"a\":[1]}"), 2, NULL), -1);
	ck_assert_int_eq(parse_rc(BYTES("{\"a\":{\"b\":1}}"), 2, &err), -1);
	ck_assert_str_eq(err, "nesting too deep");
	ck_assert_int_eq(parse_rc(BYTES("{\"a\":{\"b\":1}}"), 3, NULL), 0);
	/* Width is not depth. */
	ck_assert_int_eq(parse_rc(BYTES("[1,2,3,4,5,6,7,8,9,10,[],[],{},{}]"), 2, NULL), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* json_io_get_string, json_io_field_string                            */
/* ------------------------------------------------------------------ */

struct string_case {
	const char *member;	/* the JSON text of "s", or NULL: absent */
	enum json_field get;	/* json_io_get_string */
	const char *value;	/* when JSON_FIELD_OK */
	size_t len;
};

static const struct string_case string_cases[] = {
	{ NULL, JSON_FIELD_ABSENT, NULL, 0 },
	{ "null", JSON_FIELD_NULL, NULL, 0 },
	{ "\"Ada\"", JSON_FIELD_OK, "Ada", 3 },
	{ "\"\"", JSON_FIELD_OK, "", 0 },
	{ "\"a\\u0000b\"", JSON_FIELD_OK, "a\0b", 3 },	/* len counts the NUL */
	{ "\"\\u00e9\"", JSON_FIELD_OK, "\xc3\xa9", 2 },
	{ "1", JSON_FIELD_WRONG_TYPE, NULL, 0 },
	{ "1.5", JSON_FIELD_WRONG_TYPE, NULL, 0 },
	{ "true", JSON_FIELD_WRONG_TYPE, NULL, 0 },
	{ "false", JSON_FIELD_WRONG_TYPE, NULL, 0 },
	{ "[]", JSON_FIELD_WRONG_TYPE, NULL, 0 },
	{ "[\"Ada\"]", JSON_FIELD_WRONG_TYPE, NULL, 0 },
	{ "{}", JSON_FIELD_WRONG_TYPE, NULL, 0 },
};

/* {"other":0,"s":member} (or without "s"), parsed strictly. */
static struct json_object *
body_with(const char *key, const char *member)
{
	char text[256];

	if (member == NULL)
		snprintf(text, sizeof(text), "{\"other\":0}");
	else
		snprintf(text, sizeof(text), "{\"other\":0,\"%s\":%s}", key, member);
	return parse_doc(text);
}

START_TEST(test_get_string)
{
	for (size_t i = 0; i < N_ELEMS(string_cases); i++) {
		const struct string_case *c = &string_cases[i];
		struct json_object *o = body_with("s", c->member);
		const char *s = NULL;
		size_t len = 99;
		enum json_field f;
		int same;

		ck_assert_msg(o != NULL, "could not parse member %s",
		    c->member ? c->member : "absent");
		f = json_io_get_string(o, "s", &s, &len);
		same = c->value == NULL || (s != NULL && len == c->len &&
		    memcmp(s, c->value, len) == 0);
		json_object_put(o);
		ck_assert_msg(f == c->get, "json_io_get_string(%s) = %d, want %d",
		    c->member ? c->member : "absent", f, c->get);
		ck_assert_msg(same, "json_io_get_string(%s): wrong value or length %zu",
		    c->member ? c->member : "absent", len);
	}
}
END_TEST

struct field_string_case {
	const char *member;	/* NULL: absent */
	int required;
	int ret;
	int status;		/* fe.status, 0: nothing recorded */
	const char *reason;
};

static const struct field_string_case field_string_cases[] = {
	{ "\"Ada\"", 1, 1, 0, NULL },
	{ "\"Ada\"", 0, 1, 0, NULL },
	{ "\"\"", 1, 1, 0, NULL },		/* emptiness is the caller's rule */
	{ NULL, 1, 0, 422, "is required" },
	{ NULL, 0, 0, 0, NULL },		/* a patch leaves it as it is */
	{ "null", 1, 0, 400, "must be a string" },
	{ "null", 0, 0, 422, "cannot be removed" },
	{ "1", 1, 0, 400, "must be a string" },
	{ "1", 0, 0, 400, "must be a string" },
	{ "true", 0, 0, 400, "must be a string" },
	{ "[\"Ada\"]", 1, 0, 400, "must be a string" },
	{ "{\"first\":\"Ada\"}", 0, 0, 400, "must be a string" },
	{ "99999999999999999999", 1, 0, 400, "must be a string" },
};

START_TEST(test_field_string)
{
	for (size_t i = 0; i < N_ELEMS(field_string_cases); i++) {
		const struct field_string_case *c = &field_string_cases[i];
		struct json_object *o = body_with("name", c->member);
		struct field_errors fe;
		const char *s = NULL;
		size_t len = 0;
		int ret;

		ck_assert_msg(o != NULL, "could not parse member %s",
		    c->member ? c->member : "absent");
		field_errors_init(&fe);
		ret = json_io_field_string(o, "name", "user.name", c->required, &s, &len, &fe);
		json_object_put(o);
		ck_assert_msg(ret == c->ret, "field_string(%s, required=%d) = %d, want %d",
		    c->member ? c->member : "absent", c->required, ret, c->ret);
		ck_assert_msg(fe.status == c->status,
		    "field_string(%s, required=%d): status %d, want %d",
		    c->member ? c->member : "absent", c->required, fe.status, c->status);
		ck_assert_msg(fe.n == (c->reason != NULL),
		    "field_string(%s, required=%d): %zu errors",
		    c->member ? c->member : "absent", c->required, fe.n);
		if (c->reason == NULL)
			continue;
		ck_assert_str_eq(fe.e[0].field, "user.name");	/* the field's name */
		ck_assert_msg(strcmp(fe.e[0].reason, c->reason) == 0,
		    "field_string(%s, required=%d): \"%s\", want \"%s\"",
		    c->member ? c->member : "absent", c->required, fe.e[0].reason, c->reason);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* json_io_get_int64, json_io_field_int64                              */
/* ------------------------------------------------------------------ */

struct int_case {
	const char *member;	/* NULL: absent */
	enum json_field get;
	int64_t value;		/* when JSON_FIELD_OK */
};

/*
 * What json-c 0.16 makes of big numbers: a positive integer above
 * INT64_MAX becomes a uint64 (saturated at UINT64_MAX past it), which
 * json_io_get_int64 tells apart; 1e300 has an exponent, so it is a double,
 * never an integer: the wrong type (1e400 does not even parse).
 */
static const struct int_case int_cases[] = {
	{ NULL, JSON_FIELD_ABSENT, 0 },
	{ "null", JSON_FIELD_NULL, 0 },
	{ "0", JSON_FIELD_OK, 0 },
	{ "-0", JSON_FIELD_OK, 0 },
	{ "1", JSON_FIELD_OK, 1 },
	{ "-42", JSON_FIELD_OK, -42 },
	{ "2147483648", JSON_FIELD_OK, 2147483648LL },
	{ "9223372036854775806", JSON_FIELD_OK, INT64_MAX - 1 },
	{ "9223372036854775807", JSON_FIELD_OK, INT64_MAX },
	{ "-9223372036854775807", JSON_FIELD_OK, -INT64_MAX },
	{ "-9223372036854775808", JSON_FIELD_OK, INT64_MIN },
	{ "9223372036854775808", JSON_FIELD_OUT_OF_RANGE, 0 },
	{ "18446744073709551615", JSON_FIELD_OUT_OF_RANGE, 0 },
	{ "18446744073709551616", JSON_FIELD_OUT_OF_RANGE, 0 },
	{ "99999999999999999999", JSON_FIELD_OUT_OF_RANGE, 0 },
	{ "1e300", JSON_FIELD_WRONG_TYPE, 0 },
	{ "-1e-400", JSON_FIELD_WRONG_TYPE, 0 },
	{ "1.0", JSON_FIELD_WRONG_TYPE, 0 },
	{ "1e2", JSON_FIELD_WRONG_TYPE, 0 },
	{ "0.5", JSON_FIELD_WRONG_TYPE, 0 },
	{ "\"1\"", JSON_FIELD_WRONG_TYPE, 0 },
	{ "true", JSON_FIELD_WRONG_TYPE, 0 },
	{ "[1]", JSON_FIELD_WRONG_TYPE, 0 },
	{ "{}", JSON_FIELD_WRONG_TYPE, 0 },
};

static void
check_get_int64(const struct int_case *c)
{
	struct json_object *o = body_with("n", c->member);
	int64_t v = 12345;
	enum json_field f;

	ck_assert_msg(o != NULL, "could not parse member %s",
	    c->member ? c->member : "absent");
	f = json_io_get_int64(o, "n", &v);
	json_object_put(o);
	ck_assert_msg(f == c->get, "json_io_get_int64(%s) = %d, want %d",
	    c->member ? c->member : "absent", f, c->get);
	if (c->get == JSON_FIELD_OK)
		ck_assert_msg(v == c->value, "json_io_get_int64(%s): %lld, want %lld",
		    c->member, (long long)v, (long long)c->value);
	else
		ck_assert_msg(v == 12345, "json_io_get_int64(%s) wrote %lld",
		    c->member ? c->member : "absent", (long long)v);
}

START_TEST(test_get_int64)
{
	for (size_t i = 0; i < N_ELEMS(int_cases); i++)
		check_get_int64(&int_cases[i]);
}
END_TEST

START_TEST(test_get_int64_below_int64_min)
{
	/*
	 * json-c 0.16 parses a negative integer with strtoll and keeps the
	 * saturated INT64_MIN without a trace (errno is set during the parse,
	 * not by json_object_get_int64): these must still be out of range.
	 */
	static const struct int_case cases[] = {
		{ "-9223372036854775809", JSON_FIELD_OUT_OF_RANGE, 0 },
		{ "-99999999999999999999", JSON_FIELD_OUT_OF_RANGE, 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++)
		check_get_int64(&cases[i]);
}
END_TEST

struct field_int_case {
	const char *member;	/* NULL: absent */
	int64_t min, max;
	int ret;
	int64_t value;
	int status;
	const char *reason;
};

static const struct field_int_case field_int_cases[] = {
	{ "1", 1, 100, 1, 1, 0, NULL },
	{ "100", 1, 100, 1, 100, 0, NULL },
	{ "0", 1, 100, 0, 0, 422, "must be an integer from 1 to 100" },
	{ "101", 1, 100, 0, 0, 422, "must be an integer from 1 to 100" },
	{ "-5", 0, 10, 0, 0, 422, "must be an integer from 0 to 10" },
	{ "9223372036854775807", 1, INT64_MAX, 1, INT64_MAX, 0, NULL },
	{ "9223372036854775808", 1, INT64_MAX, 0, 0, 422,
	  "must be an integer from 1 to 9223372036854775807" },
	{ "99999999999999999999", 1, 100, 0, 0, 422, "must be an integer from 1 to 100" },
	{ "-99999999999999999999", 1, 100, 0, 0, 422, "must be an integer from 1 to 100" },
	{ NULL, 1, 100, 0, 0, 422, "is required" },
	{ "null", 1, 100, 0, 0, 400, "must be an integer" },
	{ "\"5\"", 1, 100, 0, 0, 400, "must be an integer" },
	{ "5.0", 1, 100, 0, 0, 400, "must be an integer" },
	{ "5e0", 1, 100, 0, 0, 400, "must be an integer" },
	{ "1e300", 1, 100, 0, 0, 400, "must be an integer" },
	{ "true", 1, 100, 0, 0, 400, "must be an integer" },
	{ "[5]", 1, 100, 0, 0, 400, "must be an integer" },
};

static void
check_field_int64(const struct field_int_case *c)
{
	struct json_object *o = body_with("qty", c->member);
	struct field_errors fe;
	int64_t v = 0;
	int ret;

	ck_assert_msg(o != NULL, "could not parse member %s",
	    c->member ? c->member : "absent");
	field_errors_init(&fe);
	ret = json_io_field_int64(o, "qty", "items[0].quantity", c->min, c->max, &v, &fe);
	json_object_put(o);
	ck_assert_msg(ret == c->ret, "field_int64(%s, %lld..%lld) = %d, want %d",
	    c->member ? c->member : "absent", (long long)c->min, (long long)c->max,
	    ret, c->ret);
	if (c->ret)
		ck_assert_msg(v == c->value, "field_int64(%s) = %lld", c->member, (long long)v);
	ck_assert_msg(fe.status == c->status, "field_int64(%s, %lld..%lld): status %d, want %d",
	    c->member ? c->member : "absent", (long long)c->min, (long long)c->max,
	    fe.status, c->status);
	ck_assert_msg(fe.n == (c->reason != NULL), "field_int64(%s): %zu errors",
	    c->member ? c->member : "absent", fe.n);
	if (c->reason == NULL)
		return;
	ck_assert_str_eq(fe.e[0].field, "items[0].quantity");
	ck_assert_msg(strcmp(fe.e[0].reason, c->reason) == 0,
	    "field_int64(%s, %lld..%lld): \"%s\", want \"%s\"",
	    c->member ? c->member : "absent", (long long)c->min, (long long)c->max,
	    fe.e[0].reason, c->reason);
}

START_TEST(test_field_int64)
{
	for (size_t i = 0; i < N_ELEMS(field_int_cases); i++)
		check_field_int64(&field_int_cases[i]);
}
END_TEST

START_TEST(test_field_int64_full_range)
{
	/* Over the whole int64_t range, only a saturated value can be wrong. */
	static const struct field_int_case cases[] = {
		{ "-9223372036854775808", INT64_MIN, INT64_MAX, 1, INT64_MIN, 0, NULL },
		{ "-9223372036854775809", INT64_MIN, INT64_MAX, 0, 0, 422,
		  "must be an integer from -9223372036854775808 to 9223372036854775807" },
		{ "-99999999999999999999", INT64_MIN, INT64_MAX, 0, 0, 422,
		  "must be an integer from -9223372036854775808 to 9223372036854775807" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++)
		check_field_int64(&cases[i]);
}
END_TEST

/* ------------------------------------------------------------------ */
/* json_io_check_members                                               */
/* ------------------------------------------------------------------ */

static const char *const allowed_members[] = { "name", "email", NULL };
static const char *const ignored_members[] = { "id", "version", NULL };

struct members_case {
	const char *doc;
	size_t n;			/* errors recorded */
	const char *unknown[3];		/* the fields they name, in any order */
};

static const struct members_case members_cases[] = {
	{ "{}", 0, { NULL } },
	{ "{\"name\":1}", 0, { NULL } },	/* types are not this check's */
	{ "{\"name\":\"a\",\"email\":\"b\"}", 0, { NULL } },
	{ "{\"name\":\"a\",\"id\":7,\"version\":3}", 0, { NULL } },
	{ "{\"admin\":true}", 1, { "admin" } },
	{ "{\"name\":\"a\",\"Name\":\"b\"}", 1, { "Name" } },	/* case-sensitive */
	{ "{\"name \":\"a\"}", 1, { "name " } },
	{ "{\"\":1}", 1, { "" } },
	{ "{\"x\":1,\"name\":\"a\",\"y\":null,\"id\":2}", 2, { "x", "y" } },
};

START_TEST(test_check_members)
{
	for (size_t i = 0; i < N_ELEMS(members_cases); i++) {
		const struct members_case *c = &members_cases[i];
		struct json_object *o = parse_doc(c->doc);
		struct field_errors fe;

		ck_assert_msg(o != NULL, "could not parse %s", c->doc);
		field_errors_init(&fe);
		json_io_check_members(o, allowed_members, ignored_members, &fe);
		json_object_put(o);
		ck_assert_msg(fe.n == c->n, "check_members(%s): %zu errors, want %zu",
		    c->doc, fe.n, c->n);
		ck_assert_msg(fe.status == (c->n ? 422 : 0), "check_members(%s): status %d",
		    c->doc, fe.status);
		for (size_t j = 0; j < c->n; j++) {
			int named = 0;

			for (size_t k = 0; k < fe.n; k++)
				named |= strcmp(fe.e[k].field, c->unknown[j]) == 0;
			ck_assert_msg(named, "check_members(%s): \"%s\" not reported",
			    c->doc, c->unknown[j]);
		}
		for (size_t k = 0; k < fe.n; k++)
			ck_assert_msg(strstr(fe.e[k].reason, "not a field") != NULL,
			    "check_members(%s): reason \"%s\"", c->doc, fe.e[k].reason);
	}
}
END_TEST

START_TEST(test_check_members_without_ignored)
{
	struct json_object *o = parse_doc("{\"name\":\"a\",\"id\":1}");
	struct field_errors fe;

	ck_assert_ptr_nonnull(o);
	field_errors_init(&fe);
	json_io_check_members(o, allowed_members, NULL, &fe);
	json_object_put(o);
	ck_assert_uint_eq(fe.n, 1);
	ck_assert_str_eq(fe.e[0].field, "id");
	ck_assert_int_eq(fe.status, 422);
}
END_TEST

/* ------------------------------------------------------------------ */
/* json_io_to_string, json_io_string_new                               */
/* ------------------------------------------------------------------ */

START_TEST(test_to_string)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "{ \"a\" : 1 }", "{\"a\":1}" },
		{ "{\"url\":\"/user/1\"}", "{\"url\":\"/user/1\"}" },	/* no \/ */
		{ "[1, \"x\", null, true, {}, []]", "[1,\"x\",null,true,{},[]]" },
		{ "{\"a\":\"\\u00e9\"}", "{\"a\":\"\xc3\xa9\"}" },
		{ "{\"a\":\"q\\\"b\\\\\\n\"}", "{\"a\":\"q\\\"b\\\\\\n\"}" },
		{ "{\"a\":\"\\u0001\"}", "{\"a\":\"\\u0001\"}" },
		{ "{\"b\":2,\"a\":1}", "{\"b\":2,\"a\":1}" },		/* order kept */
		{ "{\"n\":-9223372036854775808}", "{\"n\":-9223372036854775808}" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct json_object *o = parse_doc(cases[i].in);
		char out[256] = "";
		size_t len = 0;
		const char *s;

		ck_assert_msg(o != NULL, "could not parse %s", cases[i].in);
		s = json_io_to_string(o, &len);
		snprintf(out, sizeof(out), "%s", s);
		json_object_put(o);
		ck_assert_msg(strcmp(out, cases[i].out) == 0 && len == strlen(cases[i].out),
		    "json_io_to_string(%s) = %s (len %zu), want %s",
		    cases[i].in, out, len, cases[i].out);
	}
}
END_TEST

START_TEST(test_string_new)
{
	struct json_object *o = json_io_string_new("a\0b-ignored", 3);
	int len, same;

	ck_assert_ptr_nonnull(o);
	len = json_object_get_string_len(o);
	same = memcmp(json_object_get_string(o), "a\0b", 3) == 0;
	json_object_put(o);
	ck_assert_int_eq(len, 3);
	ck_assert(same);

	o = json_io_string_new("", 0);
	ck_assert_ptr_nonnull(o);
	len = json_object_get_string_len(o);
	json_object_put(o);
	ck_assert_int_eq(len, 0);
}
END_TEST

Suite *
json_io_suite(void)
{
	Suite *s = suite_create("json_io");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_accepts);
	tcase_add_test(tc, test_parse_rejects);
	tcase_add_test(tc, test_parse_rejects_nan_infinity);
	tcase_add_test(tc, test_parse_rejects_single_quoted_names);
	tcase_add_test(tc, test_parse_rejects_raw_control_characters);
	tcase_add_test(tc, test_parse_rejects_malformed_numbers);
	tcase_add_test(tc, test_parse_top_level_scalars);
	tcase_add_test(tc, test_parse_reads_only_len);
	tcase_add_test(tc, test_parse_error_descriptions);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_depth_limit_examples);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_test(tc, test_get_string);
	tcase_add_test(tc, test_field_string);
	tcase_add_test(tc, test_get_int64);
	tcase_add_test(tc, test_get_int64_below_int64_min);
	tcase_add_test(tc, test_field_int64);
	tcase_add_test(tc, test_field_int64_full_range);
	tcase_add_test(tc, test_check_members);
	tcase_add_test(tc, test_check_members_without_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_test(tc, test_to_string);
	tcase_add_test(tc, test_string_new);
	suite_add_tcase(s, tc);

	return s;
}
