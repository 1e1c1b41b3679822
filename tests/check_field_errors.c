/*
 * check_field_errors.c - common/core/field_errors.c: the list of field
 * errors validation fills in: 400 wins over 422, reasons are formatted and
 * cut to their room, the list is capped.
 */
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "field_errors.h"

START_TEST(test_field_errors_status)
{
	static const struct {
		int first, second, want;
	} cases[] = {
		{ 422, 422, 422 },
		{ 400, 400, 400 },
		{ 422, 400, 400 },
		{ 400, 422, 400 },	/* 400 is not overwritten */
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct field_errors fe;

		memset(&fe, 0x5a, sizeof(fe));
		field_errors_init(&fe);
		ck_assert_int_eq(fe.status, 0);
		ck_assert_uint_eq(fe.n, 0);
		field_errors_add(&fe, cases[i].first, "a", "first");
		ck_assert_int_eq(fe.status, cases[i].first);
		field_errors_add(&fe, cases[i].second, "b", "second");
		ck_assert_msg(fe.status == cases[i].want, "%d then %d: status %d, want %d",
		    cases[i].first, cases[i].second, fe.status, cases[i].want);
		ck_assert_uint_eq(fe.n, 2);
		ck_assert_str_eq(fe.e[0].field, "a");
		ck_assert_str_eq(fe.e[0].reason, "first");
		ck_assert_str_eq(fe.e[1].field, "b");
		ck_assert_str_eq(fe.e[1].reason, "second");
	}
}
END_TEST

START_TEST(test_field_errors_format)
{
	struct field_errors fe;

	field_errors_init(&fe);
	field_errors_add(&fe, 422, "items[3].quantity", "must be an integer from %d to %lld",
	    1, 1000000LL);
	ck_assert_str_eq(fe.e[0].field, "items[3].quantity");
	ck_assert_str_eq(fe.e[0].reason, "must be an integer from 1 to 1000000");
	field_errors_add(&fe, 422, "name", "%s", "100% sure");	/* '%' in data */
	ck_assert_str_eq(fe.e[1].reason, "100% sure");
}
END_TEST

START_TEST(test_field_errors_truncates)
{
	struct field_errors fe;
	char long_name[200], long_reason[400];

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	memset(long_reason, 'r', sizeof(long_reason) - 1);
	long_reason[sizeof(long_reason) - 1] = '\0';
	field_errors_init(&fe);
	field_errors_add(&fe, 422, long_name, "%s", long_reason);
	ck_assert_uint_eq(fe.n, 1);
	ck_assert_uint_eq(strlen(fe.e[0].field), sizeof(fe.e[0].field) - 1);
	ck_assert_uint_eq(strlen(fe.e[0].reason), sizeof(fe.e[0].reason) - 1);
}
END_TEST

START_TEST(test_field_errors_cap)
{
	struct field_errors fe;

	field_errors_init(&fe);
	for (int i = 0; i < FIELD_ERRORS_MAX + 5; i++) {
		char field[16];

		snprintf(field, sizeof(field), "f%d", i);
		field_errors_add(&fe, 422, field, "reason %d", i);
	}
	ck_assert_uint_eq(fe.n, FIELD_ERRORS_MAX);
	ck_assert_str_eq(fe.e[0].field, "f0");
	ck_assert_str_eq(fe.e[FIELD_ERRORS_MAX - 1].field, "f7");
	ck_assert_str_eq(fe.e[FIELD_ERRORS_MAX - 1].reason, "reason 7");
	ck_assert_int_eq(fe.status, 422);

	/* A dropped wrong-type error still makes the answer a 400. */
	field_errors_add(&fe, 400, "late", "must be a string");
	ck_assert_uint_eq(fe.n, FIELD_ERRORS_MAX);
	ck_assert_int_eq(fe.status, 400);
}
END_TEST

Suite *
field_errors_suite(void)
{
	Suite *s = suite_create("field_errors");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_field_errors_status);
	tcase_add_test(tc, test_field_errors_format);
	tcase_add_test(tc, test_field_errors_truncates);
	tcase_add_test(tc, test_field_errors_cap);
	suite_add_tcase(s, tc);
	return s;
}
