/*
 * check_user_model.c - fcgi-user/user_model.c: the name rule (trimmed,
 * 1..100 code points of valid UTF-8, no control character), the email rule
 * (a table of valid and invalid addresses around every limit), the reading
 * of a create or merge-patch body (required, null, wrong type, unknown and
 * server-owned members) and the JSON form of a user.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "check_suites.h"
#include "json_io.h"
#include "field_errors.h"
#include "user_model.h"

/* ------------------------------------------------------------------ */
/* user_name_check                                                     */
/* ------------------------------------------------------------------ */

struct name_case {
	const char *s;
	size_t len;
	const char *want;	/* the trimmed name, or NULL: refused */
	const char *why;	/* part of the reason when refused */
};

static const struct name_case name_cases[] = {
	{ BYTES("Ada"), "Ada", NULL },
	{ BYTES("A"), "A", NULL },
	{ BYTES("Ada Lovelace"), "Ada Lovelace", NULL },
	{ BYTES("  Ada  "), "Ada", NULL },
	{ BYTES("\t\r\n Ada Lovelace \n"), "Ada Lovelace", NULL },
	{ BYTES("Zo\xc3\xab"), "Zo\xc3\xab", NULL },
	{ BYTES("\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d"),
	  "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d", NULL },
	{ BYTES("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80", NULL },
	{ BYTES("O'Brien-Smith, Jr."), "O'Brien-Smith, Jr.", NULL },
	{ BYTES("\xc2\xa0" "Ada"), "\xc2\xa0" "Ada", NULL },	/* NBSP is not trimmed */
	/* Refused. */
	{ BYTES(""), NULL, "empty" },
	{ BYTES(" "), NULL, "empty" },
	{ BYTES(" \t\r\n\f\v"), NULL, "empty" },
	{ BYTES("Ada\x01"), NULL, "control" },
	{ BYTES("A\nda"), NULL, "control" },
	{ BYTES("Ada \t King"), NULL, "control" },		/* only the ends trim */
	{ BYTES("Ada\x7f"), NULL, "control" },
	{ BYTES("Ada\x1b[0m"), NULL, "control" },
	{ BYTES("A\xc2\x85" "da"), NULL, "control" },		/* U+0085 NEL */
	{ BYTES("A\xc2\x9f"), NULL, "control" },
	{ BYTES("A\0da"), NULL, "control" },
	{ BYTES("\xe2\x80\xae" "Ada"), NULL, "format" },		/* U+202E RLO */
	{ BYTES("A\xe2\x80\x8b" "da"), NULL, "format" },		/* U+200B ZWSP */
	{ BYTES("Ada\xef\xbb\xbf"), NULL, "format" },		/* U+FEFF */
	{ BYTES("Ada\xc0\xaf"), NULL, "UTF-8" },
	{ BYTES("Ada\xed\xa0\x80"), NULL, "UTF-8" },
	{ BYTES("Ada\xff"), NULL, "UTF-8" },
	{ BYTES("Ada\xc3"), NULL, "UTF-8" },
	{ BYTES("\x80" "Ada"), NULL, "UTF-8" },
};

START_TEST(test_name_check)
{
	char buf[128];

	for (size_t i = 0; i < N_ELEMS(name_cases); i++) {
		const struct name_case *c = &name_cases[i];
		char out[USER_NAME_MAX_BYTES + 1] = "unchanged";
		const char *why = NULL;
		int rc = user_name_check(c->s, c->len, out, &why);

		if (c->want != NULL) {
			ck_assert_msg(rc == 0, "user_name_check(\"%s\") = -1: %s",
			    test_show(c->s, c->len, buf, sizeof(buf)), why ? why : "?");
			ck_assert_msg(strcmp(out, c->want) == 0,
			    "user_name_check(\"%s\"): out \"%s\", want \"%s\"",
			    test_show(c->s, c->len, buf, sizeof(buf)), out, c->want);
		} else {
			ck_assert_msg(rc == -1, "user_name_check(\"%s\") accepted as \"%s\"",
			    test_show(c->s, c->len, buf, sizeof(buf)), out);
			ck_assert_msg(why != NULL && strstr(why, c->why) != NULL,
			    "user_name_check(\"%s\"): reason \"%s\", want one about %s",
			    test_show(c->s, c->len, buf, sizeof(buf)), why ? why : "(null)",
			    c->why);
		}
	}
}
END_TEST

/* n copies of the UTF-8 character ch, between pad spaces on each side. */
static size_t
repeat(char *buf, const char *ch, int n, int pad)
{
	size_t o = 0, cl = strlen(ch);

	for (int i = 0; i < pad; i++)
		buf[o++] = ' ';
	for (int i = 0; i < n; i++) {
		memcpy(buf + o, ch, cl);
		o += cl;
	}
	for (int i = 0; i < pad; i++)
		buf[o++] = ' ';
	buf[o] = '\0';
	return o;
}

START_TEST(test_name_length)
{
	/* Characters are counted, not bytes, and only after trimming. */
	static const struct {
		const char *ch;
		int n, pad, ok;
	} cases[] = {
		{ "a", 100, 0, 1 },
		{ "a", 101, 0, 0 },
		{ "a", 100, 20, 1 },
		{ "\xc3\xa9", 100, 0, 1 },		/* 200 bytes */
		{ "\xc3\xa9", 101, 0, 0 },
		{ "\xe2\x82\xac", 100, 0, 1 },		/* 300 bytes */
		{ "\xf0\x9f\x98\x80", 100, 0, 1 },	/* 400 bytes: the maximum */
		{ "\xf0\x9f\x98\x80", 100, 50, 1 },	/* longer before trimming */
		{ "\xf0\x9f\x98\x80", 101, 0, 0 },
	};
	static char in[1024];
	char out[USER_NAME_MAX_BYTES + 1];

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		size_t len = repeat(in, cases[i].ch, cases[i].n, cases[i].pad);
		const char *why = NULL;
		int rc = user_name_check(in, len, out, &why);

		ck_assert_msg((rc == 0) == cases[i].ok,
		    "%d x U+%zu-byte char with %d spaces around: %d (%s)",
		    cases[i].n, strlen(cases[i].ch), cases[i].pad, rc, why ? why : "ok");
		if (rc == 0) {
			ck_assert_uint_eq(strlen(out),
			    strlen(cases[i].ch) * (size_t)cases[i].n);
			ck_assert(memcmp(out, in + cases[i].pad, strlen(out)) == 0);
		} else {
			ck_assert_msg(strstr(why, "100") != NULL, "reason \"%s\"", why);
		}
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* user_email_check                                                    */
/* ------------------------------------------------------------------ */

struct email_case {
	const char *s;
	size_t len;
	int ok;
};

static const struct email_case email_cases[] = {
	{ BYTES("a@b.co"), 1 },
	{ BYTES("ada@example.com"), 1 },
	{ BYTES("Ada.Lovelace@Example.COM"), 1 },
	{ BYTES("first.m.last@mail.example.co.uk"), 1 },
	{ BYTES("user+tag@example.com"), 1 },
	{ BYTES("o'brien@example.ie"), 1 },
	{ BYTES("!#$%&'*+/=?^_`{|}~-@example.com"), 1 },	/* all of atext */
	{ BYTES("a-b_c@example.com"), 1 },
	{ BYTES("123@example.com"), 1 },
	{ BYTES("a@my-host.example"), 1 },			/* inner hyphen */
	{ BYTES("a@x--y.example"), 1 },
	{ BYTES("a@123.example.com"), 1 },			/* digits, not last */
	{ BYTES("a@example.c0m"), 1 },
	{ BYTES("a@xn--bcher-kva.example"), 1 },		/* punycode */
	{ BYTES("a@1a.com"), 1 },
	/* Refused. */
	{ BYTES(""), 0 },
	{ BYTES("plain"), 0 },
	{ BYTES("@example.com"), 0 },			/* empty local part */
	{ BYTES("ada@"), 0 },				/* empty domain */
	{ BYTES("ada@@example.com"), 0 },
	{ BYTES("ada@b@example.com"), 0 },		/* two '@' */
	{ BYTES(".ada@example.com"), 0 },		/* leading dot */
	{ BYTES("ada.@example.com"), 0 },		/* trailing dot */
	{ BYTES("a..da@example.com"), 0 },		/* doubled dot */
	{ BYTES("ada@localhost"), 0 },			/* single label */
	{ BYTES("ada@example"), 0 },
	{ BYTES("ada@example.123"), 0 },		/* numeric TLD */
	{ BYTES("ada@1.2.3.4"), 0 },
	{ BYTES("ada@[192.0.2.1]"), 0 },
	{ BYTES("ada@.example.com"), 0 },		/* empty labels */
	{ BYTES("ada@example..com"), 0 },
	{ BYTES("ada@example.com."), 0 },
	{ BYTES("ada@-example.com"), 0 },		/* hyphen at a label's ends */
	{ BYTES("ada@example-.com"), 0 },
	{ BYTES("ada@example.-com"), 0 },
	{ BYTES("ada@example.com-"), 0 },
	{ BYTES("ada@exa_mple.com"), 0 },
	{ BYTES("ada lovelace@example.com"), 0 },	/* spaces */
	{ BYTES("ada@exa mple.com"), 0 },
	{ BYTES(" ada@example.com"), 0 },
	{ BYTES("ada@example.com "), 0 },
	{ BYTES("ada@example.com\n"), 0 },
	{ BYTES("ad\ta@example.com"), 0 },
	{ BYTES("\"ada\"@example.com"), 0 },		/* quoted local parts */
	{ BYTES("ada(comment)@example.com"), 0 },
	{ BYTES("a,b@example.com"), 0 },
	{ BYTES("a;b@example.com"), 0 },
	{ BYTES("a\\b@example.com"), 0 },
	{ BYTES("<ada@example.com>"), 0 },
	{ BYTES("Ada <ada@example.com>"), 0 },
	{ BYTES("ad\xc3\xa9@example.com"), 0 },		/* non-ASCII */
	{ BYTES("ada@exa\xcc\x88mple.com"), 0 },
	{ BYTES("ada@b\xc3\xbc" "cher.example"), 0 },
	{ BYTES("ada\0@example.com"), 0 },		/* NUL */
	{ BYTES("ada@example.com\0"), 0 },
	{ BYTES("ada@example.com\x7f"), 0 },
};

START_TEST(test_email_check)
{
	char buf[160];

	for (size_t i = 0; i < N_ELEMS(email_cases); i++) {
		const struct email_case *c = &email_cases[i];
		const char *why = NULL;
		int rc = user_email_check(c->s, c->len, &why);

		ck_assert_msg((rc == 0) == c->ok, "user_email_check(\"%s\") = %d (%s), want %s",
		    test_show(c->s, c->len, buf, sizeof(buf)), rc, rc ? why : "ok",
		    c->ok ? "valid" : "invalid");
		if (!c->ok)
			ck_assert_msg(why != NULL && *why != '\0',
			    "user_email_check(\"%s\"): no reason",
			    test_show(c->s, c->len, buf, sizeof(buf)));
	}
}
END_TEST

/* n copies of c into buf; returns buf + n. */
static char *
fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	return buf + n;
}

START_TEST(test_email_lengths)
{
	static const struct {
		size_t local;		/* length of the local part */
		size_t labels[4];	/* domain label lengths, 0-ended; last "com" */
		int ok;
	} cases[] = {
		{ 64, { 7 }, 1 },
		{ 65, { 7 }, 0 },
		{ 1, { 63 }, 1 },			/* a 63-byte label */
		{ 1, { 64 }, 0 },
		/* 254 bytes in all: 64 + '@' + 63.63.57.com (189). */
		{ 64, { 63, 63, 57 }, 1 },
		{ 64, { 63, 63, 58 }, 0 },		/* 255 */
		{ 60, { 63, 63, 61 }, 1 },		/* 254, shorter local part */
		{ 60, { 63, 63, 62 }, 0 },		/* 255 */
	};
	static char s[512];

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char *p = fill(s, 'l', cases[i].local);
		const char *why = NULL;
		size_t len;
		int rc;

		*p++ = '@';
		for (size_t j = 0; j < 4 && cases[i].labels[j]; j++) {
			p = fill(p, (char)('a' + j), cases[i].labels[j]);
			*p++ = '.';
		}
		memcpy(p, "com", 3);
		len = (size_t)(p + 3 - s);
		rc = user_email_check(s, len, &why);
		ck_assert_msg((rc == 0) == cases[i].ok,
		    "a %zu-byte address with a %zu-byte local part: %d (%s), want %s",
		    len, cases[i].local, rc, rc ? why : "ok",
		    cases[i].ok ? "valid" : "invalid");
	}
}
END_TEST

START_TEST(test_email_reads_only_len)
{
	const char *why = NULL;

	ck_assert_int_eq(user_email_check("ada@example.com@x", 15, &why), 0);
	ck_assert_int_eq(user_email_check("ada@example.com", 13, &why), 0); /* ".c" */
	ck_assert_int_eq(user_email_check("ada@example.com", 12, &why), -1); /* "." */
}
END_TEST

/* ------------------------------------------------------------------ */
/* user_input_read                                                     */
/* ------------------------------------------------------------------ */

struct input_case {
	const char *body;
	int create;
	int has_name, has_email;
	const char *name, *email;	/* when has_* */
	int status;			/* 0: no field error */
	const char *errors;		/* "field: reason; ..." in order */
};

static const struct input_case input_cases[] = {
	/* Create: name, email and password required. */
	{ "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"twelve bytes\"}",
	  1, 1, 1, "Ada", "ada@example.com", 0, "" },
	{ "{\"email\":\"ada@example.com\",\"password\":\"twelve bytes\","
	  "\"name\":\"  Ada Lovelace \"}", 1, 1, 1, "Ada Lovelace", "ada@example.com", 0, "" },
	{ "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}", 1, 1, 1,
	  "Ada", "ada@example.com", 422, "password: is required" },
	{ "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"eleven byte\"}",
	  1, 1, 1, "Ada", "ada@example.com", 422, "password: must be 12 to 256 bytes" },
	{ "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"twelve\\u0000bytes\"}",
	  1, 1, 1, "Ada", "ada@example.com", 422, "password: must not contain NUL" },
	{ "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":123456789012}",
	  1, 1, 1, "Ada", "ada@example.com", 400, "password: must be a string" },
	{ "{\"name\":\"Ada\"}", 1, 1, 0, "Ada", NULL, 422, "email: is required; password: is required" },
	{ "{\"email\":\"ada@example.com\"}", 1, 0, 1, NULL, "ada@example.com", 422,
	  "name: is required; password: is required" },
	{ "{}", 1, 0, 0, NULL, NULL, 422, "name: is required; email: is required; password: is required" },
	{ "{\"name\":null,\"email\":\"ada@example.com\"}", 1, 0, 1, NULL,
	  "ada@example.com", 400, "name: must be a string; password: is required" },
	{ "{\"name\":\"Ada\",\"email\":null}", 1, 1, 0, "Ada", NULL, 400,
	  "email: must be a string; password: is required" },
	{ "{\"name\":42,\"email\":\"ada@example.com\"}", 1, 0, 1, NULL,
	  "ada@example.com", 400, "name: must be a string; password: is required" },
	{ "{\"name\":[\"Ada\"],\"email\":{\"a\":1}}", 1, 0, 0, NULL, NULL, 400,
	  "name: must be a string; email: must be a string; password: is required" },
	{ "{\"name\":\"\",\"email\":\"a b@example.com\"}", 1, 0, 0, NULL, NULL, 422,
	  "name: must not be empty; email: has an invalid part before '@'; password: is required" },
	{ "{\"name\":\"A\\u0000B\",\"email\":\"ada@example\"}", 1, 0, 0, NULL, NULL, 422,
	  "name: must not contain control characters; email: has an invalid domain; password: is required" },
	/* A wrong type anywhere makes the whole answer a 400. */
	{ "{\"name\":true,\"email\":\"bad\"}", 1, 0, 0, NULL, NULL, 400,
	  "name: must be a string; email: must contain exactly one '@'; password: is required" },
	/* Unknown members are refused; server-owned ones ignored. */
	{ "{\"name\":\"Ada\",\"email\":\"ada@example.com\",\"admin\":true}", 1, 1, 1,
	  "Ada", "ada@example.com", 422, "admin: is not a field of this resource; password: is required" },
	{ "{\"Name\":\"Ada\",\"email\":\"ada@example.com\"}", 1, 0, 1, NULL,
	  "ada@example.com", 422,
	  "Name: is not a field of this resource; name: is required; password: is required" },
	{ "{\"id\":99,\"version\":7,\"created_at\":\"x\",\"updated_at\":null,\"role\":\"admin\","
	  "\"name\":\"Ada\",\"email\":\"ada@example.com\",\"password\":\"twelve bytes\"}",
	  1, 1, 1, "Ada", "ada@example.com", 0, "" },
	/* Patch: either field, or none. */
	{ "{}", 0, 0, 0, NULL, NULL, 0, "" },
	{ "{\"name\":\"Grace\"}", 0, 1, 0, "Grace", NULL, 0, "" },
	{ "{\"email\":\"grace@example.org\"}", 0, 0, 1, NULL, "grace@example.org", 0, "" },
	{ "{\"name\":\" Grace \",\"email\":\"grace@example.org\"}", 0, 1, 1,
	  "Grace", "grace@example.org", 0, "" },
	{ "{\"name\":null}", 0, 0, 0, NULL, NULL, 422, "name: cannot be removed" },
	{ "{\"email\":null,\"name\":\"Grace\"}", 0, 1, 0, "Grace", NULL, 422,
	  "email: cannot be removed" },
	{ "{\"name\":false}", 0, 0, 0, NULL, NULL, 400, "name: must be a string" },
	{ "{\"email\":7}", 0, 0, 0, NULL, NULL, 400, "email: must be a string" },
	{ "{\"name\":null,\"email\":7}", 0, 0, 0, NULL, NULL, 400,
	  "name: cannot be removed; email: must be a string" },
	{ "{\"name\":\"   \"}", 0, 0, 0, NULL, NULL, 422, "name: must not be empty" },
	{ "{\"id\":1,\"version\":2,\"role\":\"admin\"}", 0, 0, 0, NULL, NULL, 0, "" },
	{ "{\"password\":\"short\"}", 0, 0, 0, NULL, NULL, 422,
	  "password: must be 12 to 256 bytes" },
	{ "{\"password\":null}", 0, 0, 0, NULL, NULL, 422, "password: cannot be removed" },
	{ "{\"nickname\":\"G\"}", 0, 0, 0, NULL, NULL, 422,
	  "nickname: is not a field of this resource" },
};

/* fe's errors as "field: reason; ..." */
static const char *
errors_text(const struct field_errors *fe, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < fe->n && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s: %s", i ? "; " : "",
		    fe->e[i].field, fe->e[i].reason);
	return buf;
}

START_TEST(test_input_read)
{
	for (size_t i = 0; i < N_ELEMS(input_cases); i++) {
		const struct input_case *c = &input_cases[i];
		struct json_object *body = NULL;
		const char *err = NULL;
		struct field_errors fe;
		struct user_input in;
		char got[1024];

		ck_assert_msg(json_io_parse(c->body, strlen(c->body), 32, &body, &err) == 0,
		    "could not parse %s: %s", c->body, err);
		field_errors_init(&fe);
		memset(&in, 0x5a, sizeof(in));
		user_input_read(body, c->create, &in, &fe);
		json_object_put(body);

		ck_assert_msg(in.has_name == c->has_name && in.has_email == c->has_email,
		    "%s %s: has_name %d, has_email %d; want %d, %d",
		    c->create ? "create" : "patch", c->body, in.has_name, in.has_email,
		    c->has_name, c->has_email);
		if (c->has_name)
			ck_assert_msg(strcmp(in.name, c->name) == 0,
			    "%s: name \"%s\", want \"%s\"", c->body, in.name, c->name);
		if (c->has_email)
			ck_assert_msg(strcmp(in.email, c->email) == 0,
			    "%s: email \"%s\", want \"%s\"", c->body, in.email, c->email);
		ck_assert_msg(fe.status == c->status, "%s %s: status %d, want %d (%s)",
		    c->create ? "create" : "patch", c->body, fe.status, c->status,
		    errors_text(&fe, got, sizeof(got)));
		ck_assert_msg(strcmp(errors_text(&fe, got, sizeof(got)), c->errors) == 0,
		    "%s %s: errors \"%s\", want \"%s\"", c->create ? "create" : "patch",
		    c->body, got, c->errors);
	}
}
END_TEST

START_TEST(test_input_read_longest)
{
	/* The longest name and email fit struct user_input exactly. */
	static char name[USER_NAME_MAX_BYTES + 1], email[USER_EMAIL_MAX_BYTES + 1];
	static char text[1024], password[USER_PASSWORD_MAX + 1];
	struct json_object *body;
	struct field_errors fe;
	struct user_input in;
	char *p;

	repeat(name, "\xf0\x9f\x98\x80", USER_NAME_MAX_CHARS, 0);
	p = fill(email, 'l', 64);
	*p++ = '@';
	p = fill(p, 'a', 63);
	*p++ = '.';
	p = fill(p, 'b', 63);
	*p++ = '.';
	p = fill(p, 'c', 57);
	memcpy(p, ".com", 5);
	ck_assert_uint_eq(strlen(name), USER_NAME_MAX_BYTES);
	ck_assert_uint_eq(strlen(email), USER_EMAIL_MAX_BYTES);
	fill(password, 'p', USER_PASSWORD_MAX);

	snprintf(text, sizeof(text), "{\"name\":\"%s\",\"email\":\"%s\",\"password\":\"%s\"}",
	    name, email, password);
	body = json_tokener_parse(text);
	ck_assert_ptr_nonnull(body);
	field_errors_init(&fe);
	user_input_read(body, 1, &in, &fe);
	json_object_put(body);
	ck_assert_uint_eq(fe.n, 0);
	ck_assert_int_eq(in.has_name, 1);
	ck_assert_int_eq(in.has_email, 1);
	ck_assert_str_eq(in.name, name);
	ck_assert_str_eq(in.email, email);
	ck_assert_int_eq(in.has_password, 1);
	ck_assert_uint_eq(in.password_len, USER_PASSWORD_MAX);
	ck_assert_str_eq(in.password, password);
}
END_TEST

START_TEST(test_login_read)
{
	static const struct {
		const char *body;
		int status;
		const char *errors;
	} cases[] = {
		{ "{\"email\":\"Ada@Example.com\",\"password\":\"x\"}", 0, "" },
		/* Any string is a wrong email or password, not a broken rule. */
		{ "{\"email\":\"not an email\",\"password\":\"\"}", 0, "" },
		{ "{\"email\":\"a@example.com\"}", 422, "password: is required" },
		{ "{\"password\":\"x\"}", 422, "email: is required" },
		{ "{\"email\":1,\"password\":null}", 400,
		  "email: must be a string; password: must be a string" },
		{ "{\"email\":\"a@example.com\",\"password\":\"x\",\"role\":\"admin\"}", 422,
		  "role: is not a field of this resource" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct json_object *body = NULL;
		const char *err = NULL;
		struct field_errors fe;
		struct user_login in;
		char got[512];

		ck_assert(json_io_parse(cases[i].body, strlen(cases[i].body), 32, &body, &err) == 0);
		field_errors_init(&fe);
		user_login_read(body, &in, &fe);
		json_object_put(body);
		ck_assert_msg(fe.status == cases[i].status &&
		    strcmp(errors_text(&fe, got, sizeof(got)), cases[i].errors) == 0,
		    "%s: %d \"%s\"", cases[i].body, fe.status, got);
	}
}
END_TEST

START_TEST(test_login_read_copies)
{
	struct json_object *body = json_tokener_parse(
	    "{\"email\":\"Ada@Example.com\",\"password\":\"pass word \\u00e9\"}");
	struct field_errors fe;
	struct user_login in;

	field_errors_init(&fe);
	user_login_read(body, &in, &fe);
	json_object_put(body);
	ck_assert_uint_eq(fe.n, 0);
	ck_assert_str_eq(in.email, "Ada@Example.com");
	ck_assert_str_eq(in.password, "pass word \xc3\xa9");
	ck_assert_uint_eq(in.password_len, 12);
}
END_TEST

/* A patch's role and current_password; neither is taken in a create. */
START_TEST(test_role_and_current_password)
{
	struct user_input in;
	struct field_errors fe;
	struct json_object *body;

	body = json_tokener_parse("{\"role\":\"admin\",\"current_password\":\"twelve bytes\","
	    "\"password\":\"a new password\"}");
	field_errors_init(&fe);
	user_input_read(body, 0, &in, &fe);
	ck_assert_int_eq((int)fe.n, 0);
	ck_assert(in.has_role && strcmp(in.role, "admin") == 0);
	ck_assert(in.has_current_password && in.current_password_len == 12);
	ck_assert_str_eq(in.current_password, "twelve bytes");
	ck_assert(in.has_password);
	json_object_put(body);

	body = json_tokener_parse("{\"role\":\"root\",\"current_password\":\"short\"}");
	field_errors_init(&fe);
	user_input_read(body, 0, &in, &fe);
	ck_assert_int_eq((int)fe.n, 2);
	ck_assert_str_eq(fe.e[0].field, "role");
	ck_assert_str_eq(fe.e[1].field, "current_password");
	ck_assert(!in.has_role && !in.has_current_password);
	json_object_put(body);

	body = json_tokener_parse("{\"role\":null}");
	field_errors_init(&fe);
	user_input_read(body, 0, &in, &fe);
	ck_assert_int_eq((int)fe.n, 1);
	ck_assert_str_eq(fe.e[0].reason, "cannot be removed");
	json_object_put(body);

	/* A create ignores a role (a signup is a customer) and refuses
	 * current_password. */
	body = json_tokener_parse("{\"name\":\"A\",\"email\":\"a@example.com\","
	    "\"password\":\"twelve bytes\",\"role\":\"admin\",\"current_password\":\"x\"}");
	field_errors_init(&fe);
	user_input_read(body, 1, &in, &fe);
	ck_assert_int_eq((int)fe.n, 1);
	ck_assert_str_eq(fe.e[0].field, "current_password");
	ck_assert(!in.has_role);
	json_object_put(body);
}
END_TEST

/* ------------------------------------------------------------------ */
/* user_to_json                                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_to_json)
{
	static const struct user users[] = {
		{ 1, "Ada Lovelace", "ada@example.com", "2024-01-02T03:04:05Z",
		  "2024-01-02T03:04:05Z", 1, "customer", 1 },
		{ INT64_MAX, "Zo\xc3\xab \"Q\" \\ / \xf0\x9f\x98\x80",
		  "o'brien+x@mail.example.ie",
		  "2024-02-29T23:59:59.999Z", "2025-12-31T00:00:00.000Z", INT64_MAX, "admin", 9 },
	};

	for (size_t i = 0; i < N_ELEMS(users); i++) {
		const struct user *u = &users[i];
		struct json_object *o = user_to_json(u), *back = NULL;
		struct json_object *v;
		const char *text, *err = NULL;
		size_t len;
		int n_members = 0, ok_id, ok_version, ok_name, ok_email, ok_created, ok_updated;
		int parsed;

		ck_assert_ptr_nonnull(o);
		/* Through its compact text and back, as a client sees it. */
		text = json_io_to_string(o, &len);
		parsed = json_io_parse(text, len, 32, &back, &err) == 0 &&
		    json_object_is_type(back, json_type_object);
		json_object_put(o);
		if (!parsed) {
			json_object_put(back);
			ck_abort_msg("user_to_json gave unparsable JSON: %s", err);
		}
		json_object_object_foreach(back, key, val) {
			(void)key;
			(void)val;
			n_members++;
		}
		ok_id = json_object_object_get_ex(back, "id", &v) &&
		    json_object_is_type(v, json_type_int) && json_object_get_int64(v) == u->id;
		ok_version = json_object_object_get_ex(back, "version", &v) &&
		    json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) == u->version;
		ok_name = json_object_object_get_ex(back, "name", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), u->name) == 0;
		ok_email = json_object_object_get_ex(back, "email", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), u->email) == 0;
		ok_created = json_object_object_get_ex(back, "created_at", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), u->created_at) == 0;
		ok_updated = json_object_object_get_ex(back, "updated_at", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), u->updated_at) == 0 &&
		    json_object_object_get_ex(back, "role", &v) &&
		    strcmp(json_object_get_string(v), u->role) == 0;
		json_object_put(back);

		ck_assert_int_eq(n_members, 7);
		ck_assert_msg(ok_id, "user %zu: id", i);
		ck_assert_msg(ok_version, "user %zu: version", i);
		ck_assert_msg(ok_name, "user %zu: name", i);
		ck_assert_msg(ok_email, "user %zu: email", i);
		ck_assert_msg(ok_created, "user %zu: created_at", i);
		ck_assert_msg(ok_updated, "user %zu: updated_at", i);
	}
}
END_TEST

START_TEST(test_to_json_reads_back)
{
	/* A user's JSON, sent back as a patch, is accepted and changes nothing. */
	static const struct user u = { 5, "Grace Hopper", "grace@example.org",
	    "2024-01-02T03:04:05Z", "2024-01-03T03:04:05Z", 2, "customer", 1 };
	struct json_object *o = user_to_json(&u);
	struct field_errors fe;
	struct user_input in;

	ck_assert_ptr_nonnull(o);
	field_errors_init(&fe);
	user_input_read(o, 0, &in, &fe);
	json_object_put(o);
	ck_assert_uint_eq(fe.n, 0);
	ck_assert_int_eq(in.has_name, 1);
	ck_assert_int_eq(in.has_email, 1);
	ck_assert_str_eq(in.name, u.name);
	ck_assert_str_eq(in.email, u.email);
}
END_TEST

/* An event, member for member as docs/api.md shows it; never an email or a name. */
START_TEST(test_event_to_json)
{
	static const struct {
		struct user_event e;
		const char *json;
	} cases[] = {
		{ { 12, 1, "user.created", "2026-12-01T19:43:30Z", 4, 1, "active", "customer", 1 },
		  "{\"seq\":12,\"schema\":1,\"type\":\"user.created\",\"at\":\"2026-12-01T19:43:30Z\","
		  "\"user_id\":4,\"user_version\":1,\"status\":\"active\",\"role\":\"customer\","
		  "\"credential_version\":1}" },
		{ { INT64_MAX, 1, "user.deleted", "2026-12-01T19:43:31Z", INT64_MAX, 7, "deleted",
		    "admin", 3 },
		  "{\"seq\":9223372036854775807,\"schema\":1,\"type\":\"user.deleted\","
		  "\"at\":\"2026-12-01T19:43:31Z\",\"user_id\":9223372036854775807,"
		  "\"user_version\":7,\"status\":\"deleted\",\"role\":\"admin\","
		  "\"credential_version\":3}" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct json_object *o = user_event_to_json(&cases[i].e);
		size_t len;

		ck_assert_ptr_nonnull(o);
		ck_assert_str_eq(json_io_to_string(o, &len), cases[i].json);
		json_object_put(o);
	}
	ck_assert_str_eq(user_event_type_name(USER_EVENT_CREATED), "user.created");
	ck_assert_str_eq(user_event_type_name(USER_EVENT_UPDATED), "user.updated");
	ck_assert_str_eq(user_event_type_name(USER_EVENT_DELETED), "user.deleted");
}
END_TEST

/* A snapshot's user: all of an active one, only the id of a deleted one. */
START_TEST(test_state_to_json)
{
	static const struct {
		struct user_state s;
		const char *json;
	} cases[] = {
		{ { 1, 0, "customer", 2, 3 },
		  "{\"id\":1,\"status\":\"active\",\"role\":\"customer\","
		  "\"credential_version\":2,\"version\":3}" },
		{ { 2, 1, "admin", 5, 6 }, "{\"id\":2,\"status\":\"deleted\"}" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct json_object *o = user_state_to_json(&cases[i].s);
		size_t len;

		ck_assert_ptr_nonnull(o);
		ck_assert_str_eq(json_io_to_string(o, &len), cases[i].json);
		json_object_put(o);
	}
}
END_TEST

Suite *
user_model_suite(void)
{
	Suite *s = suite_create("user_model");
	TCase *tc;

	tc = tcase_create("rules");
	tcase_add_test(tc, test_name_check);
	tcase_add_test(tc, test_name_length);
	tcase_add_test(tc, test_email_check);
	tcase_add_test(tc, test_email_lengths);
	tcase_add_test(tc, test_email_reads_only_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, test_input_read);
	tcase_add_test(tc, test_input_read_longest);
	tcase_add_test(tc, test_login_read);
	tcase_add_test(tc, test_login_read_copies);
	tcase_add_test(tc, test_role_and_current_password);
	tcase_add_test(tc, test_to_json);
	tcase_add_test(tc, test_to_json_reads_back);
	tcase_add_test(tc, test_event_to_json);
	tcase_add_test(tc, test_state_to_json);
	suite_add_tcase(s, tc);

	return s;
}
