/*
 * check_password.c - fcgi-user/password.c, with the cheapest Argon2id
 * libsodium takes: a hash carries its parameters and a salt of its own;
 * the right password verifies and every other (a byte more, a byte less,
 * a NUL inside) does not; a malformed hash never verifies; no hash (no
 * such user) is checked against the stand-in and always fails, even with
 * the stand-in's own password; no slot is PASSWORD_BUSY; memory too small
 * to hash with fails password_init.
 */
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "hash_slots.h"
#include "password.h"

#define PW "correct horse battery"

static const struct password_config cheap = {
	.opslimit = 1, .memlimit = 8 * 1024,
	.slots = { .slots = 1, .workers = 1, .wait_ms = 1000 }
};

static void
setup(void)
{
	ck_assert_int_eq(password_init(&cheap), 0);
}

START_TEST(test_hash_and_verify)
{
	char h1[USER_HASH_MAX], h2[USER_HASH_MAX];

	ck_assert_int_eq(password_hash(BYTES(PW), h1), PASSWORD_OK);
	ck_assert_int_eq(password_hash(BYTES(PW), h2), PASSWORD_OK);
	/* Its parameters are in it, and each hash has a salt of its own. */
	ck_assert_msg(strncmp(h1, "$argon2id$v=19$m=8,t=1,p=1$", 27) == 0, "%s", h1);
	ck_assert_str_ne(h1, h2);
	ck_assert_ptr_null(strstr(h1, PW));

	ck_assert_int_eq(password_verify(h1, BYTES(PW)), PASSWORD_OK);
	ck_assert_int_eq(password_verify(h2, BYTES(PW)), PASSWORD_OK);
	ck_assert_int_eq(password_verify(h1, BYTES("correct horse batterY")), PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify(h1, BYTES(PW " ")), PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify(h1, PW, strlen(PW) - 1), PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify(h1, "", 0), PASSWORD_MISMATCH);
}
END_TEST

/* The length is the password's: bytes after a NUL count. */
START_TEST(test_nul_inside)
{
	char h[USER_HASH_MAX];

	ck_assert_int_eq(password_hash(BYTES("twelve bytes\0and more"), h), PASSWORD_OK);
	ck_assert_int_eq(password_verify(h, BYTES("twelve bytes\0and more")), PASSWORD_OK);
	ck_assert_int_eq(password_verify(h, BYTES("twelve bytes")), PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify(h, BYTES("twelve bytes\0and mor")), PASSWORD_MISMATCH);
}
END_TEST

START_TEST(test_malformed_hash)
{
	static const char *const hashes[] = {
		"x", "$argon2id$", "$argon2id$v=19$m=8,t=1,p=1$", PW,
		"$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$2y$10$abcdefghijklmnopqrstuv", "$argon2i$v=19$m=8,t=1,p=1$",
	};
	char h[USER_HASH_MAX];

	for (size_t i = 0; i < N_ELEMS(hashes); i++)
		ck_assert_msg(password_verify(hashes[i], BYTES(PW)) == PASSWORD_MISMATCH,
		    "%s verified", hashes[i]);
	/* A good hash with a byte changed. */
	ck_assert_int_eq(password_hash(BYTES(PW), h), PASSWORD_OK);
	h[strlen(h) - 1] = h[strlen(h) - 1] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(password_verify(h, BYTES(PW)), PASSWORD_MISMATCH);
}
END_TEST

/* No user, or none with a password: the stand-in is checked, and fails. */
START_TEST(test_no_hash)
{
	ck_assert_int_eq(password_verify(NULL, BYTES(PW)), PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify("", BYTES(PW)), PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify(NULL, BYTES("no user has this password")),
	    PASSWORD_MISMATCH);
	ck_assert_int_eq(password_verify("", "", 0), PASSWORD_MISMATCH);
}
END_TEST

/* With the one password thread busy, both kinds of work are refused at once. */
START_TEST(test_busy)
{
	char h[USER_HASH_MAX];

	ck_assert_int_eq(password_hash(BYTES(PW), h), PASSWORD_OK);
	ck_assert_int_eq(hash_slot_take(HASH_CHECK), 0);
	ck_assert_int_eq(password_hash(BYTES(PW), h), PASSWORD_BUSY);
	ck_assert_int_eq(password_verify(h, BYTES(PW)), PASSWORD_BUSY);
	ck_assert_int_eq(password_verify(NULL, BYTES(PW)), PASSWORD_BUSY);
	hash_slot_give();
	ck_assert_int_eq(password_verify(h, BYTES(PW)), PASSWORD_OK);
}
END_TEST

/* Memory below Argon2id's minimum: the stand-in cannot be made, and init says so. */
START_TEST(test_init_fails)
{
	struct password_config tiny = cheap;
	struct test_capture cap;
	char out[512];
	int rc;

	tiny.memlimit = 1024;
	test_capture_begin(&cap);
	rc = password_init(&tiny);
	test_capture_end(&cap, out, sizeof(out));
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(out, "event=pwhash_failed") != NULL &&
	    strstr(out, "memlimit 1024 bytes") != NULL, "%s", out);
}
END_TEST

Suite *
password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("argon2id");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_hash_and_verify);
	tcase_add_test(tc, test_nul_inside);
	tcase_add_test(tc, test_malformed_hash);
	tcase_add_test(tc, test_no_hash);
	tcase_add_test(tc, test_busy);
	tcase_add_test(tc, test_init_fails);
	suite_add_tcase(s, tc);
	return s;
}
