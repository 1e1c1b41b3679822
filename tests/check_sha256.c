/*
 * check_sha256.c - common/sha256.c: the FIPS 180-2 / NIST vectors (empty,
 * one block, a 56-byte message whose padding needs a second block, two
 * blocks, one million 'a' fed in uneven chunks), every message length
 * from 0 to 200 bytes, and incremental updates split at every point
 * agreeing with the one-call digest.
 */
#include <string.h>

#include "check_suites.h"
#include "sha256.h"

/* The lower-case hex digest of s[0..len) in one call, into hex. */
static const char *
digest_hex(const void *s, size_t len, char hex[2 * SHA256_DIGEST_LEN + 1])
{
	unsigned char d[SHA256_DIGEST_LEN];

	sha256(s, len, d);
	sha256_hex(d, hex);
	return hex;
}

/* ------------------------------------------------------------------ */
/* NIST vectors                                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_empty)
{
	char hex[2 * SHA256_DIGEST_LEN + 1];

	ck_assert_str_eq(digest_hex("", 0, hex),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_abc)
{
	char hex[2 * SHA256_DIGEST_LEN + 1];

	ck_assert_str_eq(digest_hex(BYTES("abc"), hex),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

START_TEST(test_56_bytes)
{
	/* 56 bytes: the length no longer fits, so padding takes a 2nd block. */
	char hex[2 * SHA256_DIGEST_LEN + 1];

	ck_assert_str_eq(digest_hex(BYTES(
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), hex),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(test_112_bytes)
{
	char hex[2 * SHA256_DIGEST_LEN + 1];

	ck_assert_str_eq(digest_hex(BYTES(
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"), hex),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

START_TEST(test_million_a)
{
	/* Chunks that land on, short of and past the 64-byte block. */
	static const size_t chunks[] = { 1, 63, 64, 65, 1000 };
	static unsigned char a[1000];
	unsigned char d[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];
	struct sha256 c;
	size_t done = 0;

	memset(a, 'a', sizeof(a));
	sha256_init(&c);
	for (size_t i = 0; done < 1000000; i++) {
		size_t n = chunks[i % N_ELEMS(chunks)];

		if (n > 1000000 - done)
			n = 1000000 - done;
		sha256_update(&c, a, n);
		done += n;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	ck_assert_str_eq(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(test_every_length)
{
	/*
	 * The digests of the prefixes m[0..n), n = 0..200, hashed in turn: one
	 * value (from Python's hashlib) that covers every padding case, 55, 56,
	 * 63, 64 and 119, 120 bytes among them.
	 */
	unsigned char m[200], d[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];
	struct sha256 all;

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (unsigned char)i;
	sha256_init(&all);
	for (size_t n = 0; n <= sizeof(m); n++) {
		sha256(m, n, d);
		sha256_update(&all, d, sizeof(d));
	}
	sha256_final(&all, d);
	sha256_hex(d, hex);
	ck_assert_str_eq(hex,
	    "64ef7c229fce2408b5336b6a542fea0e078c3a87d2da85cb3fc52e2008b65021");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Incremental updates                                                 */
/* ------------------------------------------------------------------ */

START_TEST(test_every_split)
{
	unsigned char m[200], d[SHA256_DIGEST_LEN];
	char want[2 * SHA256_DIGEST_LEN + 1], got[2 * SHA256_DIGEST_LEN + 1];

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (unsigned char)i;
	ck_assert_str_eq(digest_hex(m, sizeof(m), want),
	    "1901da1c9f699b48f6b2636e65cbf73abf99d0441ef67f5c540a42f7051dec6f");
	for (size_t cut = 0; cut <= sizeof(m); cut++) {
		struct sha256 c;

		sha256_init(&c);
		sha256_update(&c, m, cut);
		sha256_update(&c, m + cut, sizeof(m) - cut);
		sha256_final(&c, d);
		sha256_hex(d, got);
		ck_assert_msg(strcmp(got, want) == 0,
		    "split at %zu: %s, want %s", cut, got, want);
	}
}
END_TEST

START_TEST(test_zero_length_updates)
{
	/* Empty updates, before, between and after, change nothing. */
	unsigned char d[SHA256_DIGEST_LEN];
	char hex[2 * SHA256_DIGEST_LEN + 1];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, "", 0);
	sha256_update(&c, "a", 1);
	sha256_update(&c, "", 0);
	sha256_update(&c, "bc", 2);
	sha256_update(&c, "", 0);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

Suite *
sha256_suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc;

	tc = tcase_create("nist");
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_abc);
	tcase_add_test(tc, test_56_bytes);
	tcase_add_test(tc, test_112_bytes);
	tcase_add_test(tc, test_million_a);
	tcase_add_test(tc, test_every_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("incremental");
	tcase_add_test(tc, test_every_split);
	tcase_add_test(tc, test_zero_length_updates);
	suite_add_tcase(s, tc);

	return s;
}
