/*
 * check_media_type.c - common/core/media_type.c: the media type and
 * charset of a Content-Type.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "media_type.h"

struct content_type_case {
	const char *value;
	enum media_type_check want;
};

static const struct content_type_case content_type_cases[] = {
	{ "application/json", MEDIA_TYPE_OK },
	{ "APPLICATION/Json", MEDIA_TYPE_OK },
	{ "application/json; charset=utf-8", MEDIA_TYPE_OK },
	{ "application/json;charset=UTF-8", MEDIA_TYPE_OK },
	{ "application/json; charset=\"utf-8\"", MEDIA_TYPE_OK },
	{ "application/json; CharSet=\"UTF-8\"", MEDIA_TYPE_OK },
	{ "application/json; charset=\"utf\\-8\"", MEDIA_TYPE_OK },	/* a quoted-pair */
	{ "application/json ; charset=utf-8", MEDIA_TYPE_OK },
	{ "application/json\t;\tcharset=utf-8\t", MEDIA_TYPE_OK },
	{ "application/json; charset=utf-8; profile=x", MEDIA_TYPE_OK },
	{ "application/json; profile=\"a;b, charset=utf-16\"", MEDIA_TYPE_OK },
	{ "application/json;", MEDIA_TYPE_OK },		/* empty parameters */
	{ "application/json; ; charset=utf-8", MEDIA_TYPE_OK },
	{ "application/merge-patch+json; charset=utf-8", MEDIA_TYPE_OK },
	/* Another charset: the body would be read as UTF-8 all the same. */
	{ "application/json; charset=utf-16", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=UTF-16LE", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=\"utf-16\"", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json;CHARSET=\"UTF-32\"", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=iso-8859-1", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=utf8", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=us-ascii", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=\"\"", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=\"utf-8 \"", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=utf-8; charset=utf-16", MEDIA_TYPE_WRONG_CHARSET },
	{ "application/json; charset=utf-16; charset=utf-8", MEDIA_TYPE_WRONG_CHARSET },
	/* Another media type. */
	{ NULL, MEDIA_TYPE_WRONG_TYPE },
	{ "", MEDIA_TYPE_WRONG_TYPE },
	{ "text/json", MEDIA_TYPE_WRONG_TYPE },
	{ "application/jsonx", MEDIA_TYPE_WRONG_TYPE },
	{ "application/json-seq", MEDIA_TYPE_WRONG_TYPE },
	{ "; charset=utf-8", MEDIA_TYPE_WRONG_TYPE },
	{ "text/plain; charset=utf-8", MEDIA_TYPE_WRONG_TYPE },
	/* Not a Content-Type. */
	{ "application/json x", MEDIA_TYPE_MALFORMED },
	{ "application/json charset=utf-8", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset=", MEDIA_TYPE_MALFORMED },
	{ "application/json; =utf-8", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset=utf 8", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset=\"utf-8", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset=\"utf-8\\\"", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset=utf-8\"", MEDIA_TYPE_MALFORMED },
	{ "application/json; char set=utf-8", MEDIA_TYPE_MALFORMED },
	{ "application/json; charset=\"a\x01\"", MEDIA_TYPE_MALFORMED },
};

START_TEST(test_content_type)
{
	static const char *const types[] = {
		"application/merge-patch+json", "application/json", NULL
	};

	for (size_t i = 0; i < N_ELEMS(content_type_cases); i++) {
		const struct content_type_case *c = &content_type_cases[i];
		enum media_type_check got = media_type_check(c->value, types);

		ck_assert_msg(got == c->want, "media_type_check(\"%s\") = %d, want %d",
		    c->value ? c->value : "(null)", (int)got, (int)c->want);
	}
}
END_TEST

Suite *
media_type_suite(void)
{
	Suite *s = suite_create("media_type");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_content_type);
	suite_add_tcase(s, tc);
	return s;
}
