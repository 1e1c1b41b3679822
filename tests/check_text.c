/*
 * check_text.c - common/core/text.c: UTF-8 validation and length in code points
 * (overlong forms, surrogates, values past U+10FFFF, truncated sequences),
 * control characters (C0, DEL, C1), format characters (Unicode's Cf:
 * bidi controls, zero-width characters), trimming, resource ids parsed
 * from a path segment, and request ids.
 */
#include <stdint.h>
#include <string.h>

#include "check_suites.h"
#include "text.h"

/* ------------------------------------------------------------------ */
/* text_utf8_length                                                    */
/* ------------------------------------------------------------------ */

struct utf8_case {
	const char *s;
	size_t len;
	long want;		/* code points, or -1 */
};

static const struct utf8_case utf8_cases[] = {
	{ BYTES(""), 0 },
	{ BYTES("abc"), 3 },
	{ BYTES("a\0b"), 3 },				/* NUL is a valid code point */
	{ BYTES("\x7f"), 1 },
	/* Valid multi-byte forms, at each length's boundaries. */
	{ BYTES("\xc2\x80"), 1 },			/* U+0080 */
	{ BYTES("\xc3\xa9"), 1 },			/* U+00E9 e acute */
	{ BYTES("\xdf\xbf"), 1 },			/* U+07FF */
	{ BYTES("\xe0\xa0\x80"), 1 },			/* U+0800 */
	{ BYTES("\xe2\x82\xac"), 1 },			/* U+20AC euro */
	{ BYTES("\xed\x9f\xbf"), 1 },			/* U+D7FF, below surrogates */
	{ BYTES("\xee\x80\x80"), 1 },			/* U+E000, above surrogates */
	{ BYTES("\xef\xbf\xbf"), 1 },			/* U+FFFF */
	{ BYTES("\xf0\x90\x80\x80"), 1 },		/* U+10000 */
	{ BYTES("\xf0\x9f\x98\x80"), 1 },		/* U+1F600 emoji */
	{ BYTES("\xf4\x8f\xbf\xbf"), 1 },		/* U+10FFFF */
	{ BYTES("Zo\xc3\xab \xe6\x9d\x8e \xf0\x9f\x98\x80!"), 8 },
	/* Overlong forms. */
	{ BYTES("\xc0\xaf"), -1 },			/* '/' in 2 bytes */
	{ BYTES("\xc1\xbf"), -1 },
	{ BYTES("\xc0\x80"), -1 },			/* "modified UTF-8" NUL */
	{ BYTES("\xe0\x80\xaf"), -1 },			/* '/' in 3 bytes */
	{ BYTES("\xe0\x9f\xbf"), -1 },			/* U+07FF in 3 bytes */
	{ BYTES("\xf0\x80\x80\xaf"), -1 },		/* '/' in 4 bytes */
	{ BYTES("\xf0\x8f\xbf\xbf"), -1 },		/* U+FFFF in 4 bytes */
	/* UTF-16 surrogates. */
	{ BYTES("\xed\xa0\x80"), -1 },			/* U+D800 */
	{ BYTES("\xed\xbf\xbf"), -1 },			/* U+DFFF */
	{ BYTES("\xed\xa0\xbd\xed\xb8\x80"), -1 },	/* CESU-8 pair */
	/* Past U+10FFFF, and bytes that never occur. */
	{ BYTES("\xf4\x90\x80\x80"), -1 },		/* U+110000 */
	{ BYTES("\xf5\x80\x80\x80"), -1 },
	{ BYTES("\xf7\xbf\xbf\xbf"), -1 },
	{ BYTES("\xf8\x88\x80\x80\x80"), -1 },		/* old 5-byte form */
	{ BYTES("\xfe"), -1 },
	{ BYTES("\xff"), -1 },
	/* Truncated sequences. */
	{ BYTES("\xc3"), -1 },
	{ BYTES("a\xc3"), -1 },
	{ BYTES("\xe2\x82"), -1 },
	{ BYTES("\xf0\x9f\x98"), -1 },
	{ BYTES("\xe2\x82" "a"), -1 },			/* cut short by ASCII */
	{ BYTES("\xf0\x9f\x98" "a"), -1 },
	/* Lone or stray continuation bytes. */
	{ BYTES("\x80"), -1 },
	{ BYTES("\xbf"), -1 },
	{ BYTES("a\x80" "b"), -1 },
	{ BYTES("\xc3\xa9\xa9"), -1 },
};

START_TEST(test_utf8_length)
{
	char buf[128];

	for (size_t i = 0; i < N_ELEMS(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		long got = text_utf8_length(c->s, c->len);

		ck_assert_msg(got == c->want, "text_utf8_length(\"%s\") = %ld, want %ld",
		    test_show(c->s, c->len, buf, sizeof(buf)), got, c->want);
	}
}
END_TEST

START_TEST(test_utf8_length_stops_at_len)
{
	/* Only s[0..len) is read: a sequence cut by len is truncated. */
	ck_assert_int_eq(text_utf8_length("\xc3\xa9", 1), -1);
	ck_assert_int_eq(text_utf8_length("ab\xc3\xa9", 2), 2);
	ck_assert_int_eq(text_utf8_length("\xff", 0), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* text_has_control                                                    */
/* ------------------------------------------------------------------ */

struct control_case {
	const char *s;
	size_t len;
	int want;
};

static const struct control_case control_cases[] = {
	{ BYTES(""), 0 },
	{ BYTES("Ada Lovelace"), 0 },
	{ BYTES("~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./"), 0 },
	{ BYTES("\xc2\xa0"), 0 },			/* U+00A0 no-break space */
	{ BYTES("\xc2\xa9"), 0 },			/* U+00A9 copyright */
	{ BYTES("\xc3\x85"), 0 },			/* U+00C5: 0x85 as a 2nd byte */
	{ BYTES("\xe2\x80\xa8"), 0 },			/* U+2028 is not C0/C1 */
	{ BYTES("\xf0\x9f\x98\x80"), 0 },
	/* C0 */
	{ BYTES("\0"), 1 },
	{ BYTES("a\0b"), 1 },
	{ BYTES("\x01"), 1 },
	{ BYTES("a\tb"), 1 },
	{ BYTES("a\nb"), 1 },
	{ BYTES("a\r"), 1 },
	{ BYTES("\x1b[31m"), 1 },			/* ESC */
	{ BYTES("\x1f"), 1 },
	/* DEL */
	{ BYTES("a\x7f"), 1 },
	/* C1: U+0080..U+009F */
	{ BYTES("\xc2\x80"), 1 },
	{ BYTES("a\xc2\x85" "b"), 1 },			/* U+0085 NEL */
	{ BYTES("\xc2\x9b"), 1 },			/* U+009B CSI */
	{ BYTES("\xc2\x9f"), 1 },
};

START_TEST(test_has_control)
{
	char buf[128];

	for (size_t i = 0; i < N_ELEMS(control_cases); i++) {
		const struct control_case *c = &control_cases[i];
		int got = text_has_control(c->s, c->len);

		ck_assert_msg(got == c->want, "text_has_control(\"%s\") = %d, want %d",
		    test_show(c->s, c->len, buf, sizeof(buf)), got, c->want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* text_has_format                                                     */
/* ------------------------------------------------------------------ */

/*
 * Unicode 15.0's general category Cf, written out from its data (ICU 72's
 * u_charType), independently of text.c's table: every range's first and
 * last code point must be found, and the code points next to each range
 * must not (none of them is Cf).
 */
static const uint32_t format_ranges[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c }, { 0x06dd, 0x06dd },
	{ 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 }, { 0x180e, 0x180e },
	{ 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
	{ 0xe0020, 0xe007f },
};

/* cp as UTF-8 between "a" and "b"; returns the length. */
static size_t
utf8_between(uint32_t cp, char *buf)
{
	size_t n = 0;

	buf[n++] = 'a';
	if (cp < 0x80) {
		buf[n++] = (char)cp;
	} else if (cp < 0x800) {
		buf[n++] = (char)(0xc0 | cp >> 6);
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		buf[n++] = (char)(0xe0 | cp >> 12);
		buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	} else {
		buf[n++] = (char)(0xf0 | cp >> 18);
		buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[n++] = (char)(0x80 | (cp & 0x3f));
	}
	buf[n++] = 'b';
	return n;
}

START_TEST(test_has_format_ranges)
{
	char buf[8];

	for (size_t i = 0; i < N_ELEMS(format_ranges); i++) {
		uint32_t first = format_ranges[i][0], last = format_ranges[i][1];
		uint32_t in[] = { first, last, first + (last - first) / 2 };
		uint32_t out[] = { first - 1, last + 1 };

		for (size_t j = 0; j < N_ELEMS(in); j++)
			ck_assert_msg(text_has_format(buf, utf8_between(in[j], buf)) == 1,
			    "U+%04X is a format character", (unsigned)in[j]);
		for (size_t j = 0; j < N_ELEMS(out); j++)
			ck_assert_msg(text_has_format(buf, utf8_between(out[j], buf)) == 0,
			    "U+%04X is not a format character", (unsigned)out[j]);
	}
}
END_TEST

static const struct control_case format_cases[] = {
	{ BYTES(""), 0 },
	{ BYTES("Ada Lovelace"), 0 },
	{ BYTES("Zo\xc3\xab"), 0 },
	{ BYTES("\xc2\xa0"), 0 },			/* U+00A0: a space, not Cf */
	{ BYTES("\xe2\x80\xa8"), 0 },			/* U+2028: Zl */
	{ BYTES("\xef\xbf\xbd"), 0 },			/* U+FFFD: So */
	{ BYTES("\xf0\x9f\x98\x80"), 0 },
	{ BYTES("\xf4\x8f\xbf\xbf"), 0 },		/* U+10FFFF */
	{ BYTES("\0"), 0 },				/* controls are Cc */
	{ BYTES("\xe2\x80\xae" "evil"), 1 },		/* U+202E RLO, first */
	{ BYTES("Ada\xe2\x80\x8b"), 1 },		/* U+200B ZWSP, last */
	{ BYTES("A\xe2\x80\x8d" "da"), 1 },		/* U+200D ZWJ */
	{ BYTES("\xef\xbb\xbf" "Ada"), 1 },		/* U+FEFF BOM */
	{ BYTES("Ada\xc2\xad"), 1 },			/* U+00AD soft hyphen */
	{ BYTES("\xf3\xa0\x80\x81"), 1 },		/* U+E0001 language tag */
};

START_TEST(test_has_format)
{
	char buf[128];

	for (size_t i = 0; i < N_ELEMS(format_cases); i++) {
		const struct control_case *c = &format_cases[i];
		int got = text_has_format(c->s, c->len);

		ck_assert_msg(got == c->want, "text_has_format(\"%s\") = %d, want %d",
		    test_show(c->s, c->len, buf, sizeof(buf)), got, c->want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* text_trim                                                           */
/* ------------------------------------------------------------------ */

struct trim_case {
	const char *in;
	const char *want;
};

static const struct trim_case trim_cases[] = {
	{ "", "" },
	{ "a", "a" },
	{ "   ", "" },
	{ " \t\r\n\f\v", "" },
	{ "  Ada", "Ada" },
	{ "Ada  ", "Ada" },
	{ "\t Ada Lovelace \n", "Ada Lovelace" },	/* inner space kept */
	{ "a \t b", "a \t b" },
	{ "\f\vx\v\f", "x" },
	{ "\xc2\xa0x\xc2\xa0", "\xc2\xa0x\xc2\xa0" },	/* only ASCII space trims */
};

START_TEST(test_trim)
{
	for (size_t i = 0; i < N_ELEMS(trim_cases); i++) {
		const struct trim_case *c = &trim_cases[i];
		size_t len = strlen(c->in);
		const char *s = text_trim(c->in, &len);

		ck_assert_msg(len == strlen(c->want) && memcmp(s, c->want, len) == 0,
		    "text_trim(\"%s\") = \"%.*s\", want \"%s\"",
		    c->in, (int)len, s, c->want);
		ck_assert_msg(s >= c->in && s + len <= c->in + strlen(c->in),
		    "text_trim(\"%s\") points outside its input", c->in);
	}
}
END_TEST

START_TEST(test_trim_respects_len)
{
	const char *in = " ab  cd ";
	size_t len = 4;			/* " ab " */
	const char *s = text_trim(in, &len);

	ck_assert_ptr_eq(s, in + 1);
	ck_assert_uint_eq(len, 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* text_parse_id                                                       */
/* ------------------------------------------------------------------ */

struct id_ok_case {
	const char *s;
	int64_t want;
};

static const struct id_ok_case id_ok_cases[] = {
	{ "1", 1 },
	{ "9", 9 },
	{ "10", 10 },
	{ "42", 42 },
	{ "1000000", 1000000 },
	{ "2147483648", 2147483648LL },
	{ "9223372036854775806", INT64_MAX - 1 },
	{ "9223372036854775807", INT64_MAX },
};

static const char *const id_bad_cases[] = {
	"",
	"0",
	"00",
	"-1",
	"+1",
	"01",
	"007",
	"1abc",
	"abc",
	"1 ",
	" 1",
	"1.0",
	"1e3",
	"0x10",
	"\xd9\xa1",			/* Arabic-Indic digit one */
	"9223372036854775808",		/* INT64_MAX + 1 */
	"9223372036854775810",
	"9999999999999999999",		/* 19 digits, too big */
	"18446744073709551616",		/* 2^64 */
	"99999999999999999999",		/* 20 digits */
	"10000000000000000000000000000001",
};

START_TEST(test_parse_id_ok)
{
	for (size_t i = 0; i < N_ELEMS(id_ok_cases); i++) {
		const struct id_ok_case *c = &id_ok_cases[i];
		int64_t v = -7;
		int rc = text_parse_id(c->s, strlen(c->s), &v);

		ck_assert_msg(rc == 0 && v == c->want,
		    "text_parse_id(\"%s\") = %d, %lld; want 0, %lld",
		    c->s, rc, (long long)v, (long long)c->want);
	}
}
END_TEST

START_TEST(test_parse_id_rejects)
{
	for (size_t i = 0; i < N_ELEMS(id_bad_cases); i++) {
		const char *s = id_bad_cases[i];
		int64_t v = -7;
		int rc = text_parse_id(s, strlen(s), &v);

		ck_assert_msg(rc == -1, "text_parse_id(\"%s\") = %d, want -1", s, rc);
		ck_assert_msg(v == -7, "text_parse_id(\"%s\") wrote %lld on failure",
		    s, (long long)v);
	}
}
END_TEST

START_TEST(test_parse_id_reads_only_len)
{
	/* A path parameter is not NUL-terminated: only s[0..len) counts. */
	int64_t v = 0;

	ck_assert_int_eq(text_parse_id("12/x", 2, &v), 0);
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(text_parse_id("12/x", 3, &v), -1);
	ck_assert_int_eq(text_parse_id("7", 0, &v), -1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* text_request_id_ok                                                  */
/* ------------------------------------------------------------------ */

START_TEST(test_request_id)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "a", 1 },
		{ "0", 1 },
		{ "-", 1 },
		{ "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", 1 },
		{ "req_1.2-3", 1 },
		{ "ABCxyz09._-", 1 },
		{ "", 0 },
		{ "a b", 0 },
		{ " a", 0 },
		{ "a\n", 0 },
		{ "a\r\nX-Evil: 1", 0 },
		{ "a=b", 0 },
		{ "a\"b", 0 },
		{ "a/b", 0 },
		{ "a:b", 0 },
		{ "a%20b", 0 },
		{ "a+b", 0 },
		{ "caf\xc3\xa9", 0 },
		{ "a\x7f", 0 },
	};
	char id64[65], id65[66];

	for (size_t i = 0; i < N_ELEMS(cases); i++)
		ck_assert_msg(text_request_id_ok(cases[i].s) == cases[i].want,
		    "text_request_id_ok(\"%s\") != %d", cases[i].s, cases[i].want);

	ck_assert_int_eq(text_request_id_ok(NULL), 0);

	memset(id64, 'x', 64);
	id64[64] = '\0';
	ck_assert_msg(text_request_id_ok(id64) == 1, "a 64-byte id is refused");
	memset(id65, 'x', 65);
	id65[65] = '\0';
	ck_assert_msg(text_request_id_ok(id65) == 0, "a 65-byte id is accepted");
}
END_TEST

Suite *
text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc;

	tc = tcase_create("utf8");
	tcase_add_test(tc, test_utf8_length);
	tcase_add_test(tc, test_utf8_length_stops_at_len);
	tcase_add_test(tc, test_has_control);
	tcase_add_test(tc, test_has_format_ranges);
	tcase_add_test(tc, test_has_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("trim");
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_trim_respects_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("ids");
	tcase_add_test(tc, test_parse_id_ok);
	tcase_add_test(tc, test_parse_id_rejects);
	tcase_add_test(tc, test_parse_id_reads_only_len);
	tcase_add_test(tc, test_request_id);
	suite_add_tcase(s, tc);

	return s;
}
