/*
 * check_idempotency.c - common/serve/idempotency.c: which Idempotency-Key values
 * are well formed (1..255 visible ASCII characters). What a key does is
 * tested through nginx in integration/writes.test and crash.test.
 */
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "idempotency.h"

START_TEST(test_key_ok)
{
	static const char *const good[] = {
		"a", "5f0c7a2e-1d3b-4c8e-9a77-0b6d2e4f1a90", "\"quoted\"", "!~", "key/with:punct",
	};
	static const char *const bad[] = {
		"", " ", "a b", "tab\there", "caf\xc3\xa9", "del\x7f", "nl\n",
	};
	char max[IDEMPOTENCY_KEY_MAX + 2];

	for (size_t i = 0; i < N_ELEMS(good); i++)
		ck_assert_msg(idempotency_key_ok(good[i]), "'%s' refused", good[i]);
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		ck_assert_msg(!idempotency_key_ok(bad[i]), "'%s' accepted", bad[i]);
	ck_assert(!idempotency_key_ok(NULL));
	memset(max, 'k', sizeof(max));
	max[IDEMPOTENCY_KEY_MAX] = '\0';
	ck_assert_msg(idempotency_key_ok(max), "a key of %d characters refused",
	    IDEMPOTENCY_KEY_MAX);
	max[IDEMPOTENCY_KEY_MAX] = 'k';
	max[IDEMPOTENCY_KEY_MAX + 1] = '\0';
	ck_assert_msg(!idempotency_key_ok(max), "a key of %d characters accepted",
	    IDEMPOTENCY_KEY_MAX + 1);
}
END_TEST

Suite *
idempotency_suite(void)
{
	Suite *s = suite_create("idempotency");
	TCase *tc = tcase_create("key");

	tcase_add_test(tc, test_key_ok);
	suite_add_tcase(s, tc);
	return s;
}
