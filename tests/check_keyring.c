/*
 * check_keyring.c - common/serve/keyring.c: the token keys read from PEM
 * files and texts. The key id that anyone can compute with openssl; which
 * key signs (the one private key, in PKCS #8 or SEC 1) and that its own
 * public key is accepted for its use; owner-only private key files; EC
 * P-256 only; bundles of public keys, and everything a public key file may
 * not hold; one use per key; at most KEYRING_MAX keys; files missing, not
 * regular, too long; the secret derived from the private key; and a
 * keyring emptied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "check_suites.h"
#include "keygen.h"
#include "keyring.h"

/*
 * A key pair made with `openssl genpkey -algorithm EC -pkeyopt
 * ec_paramgen_curve:P-256`, its private key again in SEC 1 (`openssl ec`),
 * and its key id as keyring.h's openssl command line prints it.
 */
static const char fixed_private[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg2fk83RurAJ7ImiwV\n"
    "TslqP4X8NsPp4zpQJL+ZIwgr9VChRANCAASI8b97tTVtwpqwY6OkiEUzCLEPWBI3\n"
    "HeCKVzIMCmcXgzhA9i4bXaqEAHOoy0kNHI6JyQUkywcmDLxabe2kcfbO\n"
    "-----END PRIVATE KEY-----\n";
static const char fixed_private_sec1[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEINn5PN0bqwCeyJosFU7Jaj+F/DbD6eM6UCS/mSMIK/VQoAoGCCqGSM49\n"
    "AwEHoUQDQgAEiPG/e7U1bcKasGOjpIhFMwixD1gSNx3gilcyDApnF4M4QPYuG12q\n"
    "hABzqMtJDRyOickFJMsHJgy8Wm3tpHH2zg==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char fixed_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEiPG/e7U1bcKasGOjpIhFMwixD1gS\n"
    "Nx3gilcyDApnF4M4QPYuG12qhABzqMtJDRyOickFJMsHJgy8Wm3tpHH2zg==\n"
    "-----END PUBLIC KEY-----\n";
static const char fixed_kid[] = "Z1ZWSHi29Qo4reJg";

/* A P-384 public key: EC, but not ES256's curve. */
static const char p384_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEIce7sQkfgXL92VME+X0KWd7P2SLyeQLq\n"
    "aJdOdCF1ND8wZEIMiOadtH8mY//AQHLhOdlRJwixv3qFUESNVX6J+gnBxiZjNawR\n"
    "PO9IYbceweWbZMdRkqXB6GJYUz/3iLKR\n"
    "-----END PUBLIC KEY-----\n";

/* Write text to a new file with mode; returns its path (until the next call). */
static const char *
key_file(const char *text, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_keyring.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* A new private key of the algorithm (or EC curve) named, in PEM; caller frees. */
static char *
other_private(const char *alg, const char *curve)
{
	EVP_PKEY *pk = curve != NULL ? EVP_EC_gen(curve) : EVP_PKEY_Q_keygen(NULL, NULL, alg);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	ck_assert(pk != NULL && bio != NULL);
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(bio, &data);
	out = strndup(data, (size_t)n);
	ck_assert_ptr_nonnull(out);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return out;
}

START_TEST(test_private_signs)
{
	struct keyring kr = { 0 }, sec1 = { 0 };
	const struct keyring_key *k;
	const char *why = NULL;

	/* The key id is the one openssl's command line gives (keyring.h). */
	ck_assert_int_eq(keyring_add_private(&kr, BYTES(fixed_private), KEY_SERVICE_TOKENS,
	    &why), 0);
	ck_assert_ptr_nonnull(kr.sign_key);
	ck_assert_str_eq(kr.sign_kid, fixed_kid);
	/* Its public key is accepted, for the private key's use. */
	ck_assert_uint_eq(kr.n, 1);
	k = keyring_find(&kr, fixed_kid);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->use, KEY_SERVICE_TOKENS);
	ck_assert_ptr_nonnull(k->pkey);
	ck_assert_ptr_null(keyring_find(&kr, "AAAAAAAAAAAAAAAA"));
	ck_assert_ptr_null(keyring_find(&kr, ""));
	/* A second private key: a service signs with one. */
	ck_assert_int_eq(keyring_add_private(&kr, BYTES(fixed_private), KEY_SERVICE_TOKENS,
	    &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "second private key"));
	ck_assert_str_eq(kr.sign_kid, fixed_kid);

	/* The same key in SEC 1 is the same key. */
	ck_assert_int_eq(keyring_add_private(&sec1, BYTES(fixed_private_sec1), KEY_USER_TOKENS,
	    &why), 0);
	ck_assert_str_eq(sec1.sign_kid, fixed_kid);
	ck_assert_int_eq(memcmp(sec1.secret, kr.secret, sizeof(kr.secret)), 0);
	keyring_free(&kr);
	keyring_free(&sec1);
}
END_TEST

/* Public keys added after the private one do not change who signs. */
START_TEST(test_public_does_not_sign)
{
	struct keyring kr = { 0 };
	struct keygen_pair pair;
	const char *why = NULL;

	ck_assert_int_eq(keygen_p256(&pair), 0);
	ck_assert_int_eq(keyring_add_public(&kr, pair.public_pem, pair.public_len,
	    KEY_USER_TOKENS, &why), 0);
	ck_assert_ptr_null(kr.sign_key);
	ck_assert_str_eq(kr.sign_kid, "");
	ck_assert_int_eq(keyring_add_private(&kr, BYTES(fixed_private), KEY_USER_TOKENS, &why), 0);
	ck_assert_str_eq(kr.sign_kid, fixed_kid);
	ck_assert_uint_eq(kr.n, 2);
	ck_assert_int_eq(keyring_add_public(&kr, BYTES(p384_public), KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(kr.sign_kid, fixed_kid);
	keyring_free(&kr);
	keygen_free(&pair);
}
END_TEST

START_TEST(test_key_files)
{
	struct keyring kr = { 0 };
	struct keygen_pair pair;
	const char *why = NULL, *path;
	char bundle[2048];

	ck_assert_int_eq(keygen_p256(&pair), 0);
	path = key_file(fixed_private, 0600);
	ck_assert_int_eq(keyring_load_private(&kr, path, KEY_USER_TOKENS, &why), 0);
	unlink(path);
	ck_assert_str_eq(kr.sign_kid, fixed_kid);
	ck_assert_ptr_nonnull(keyring_find(&kr, fixed_kid));
	ck_assert_int_eq(kr.n, 1);
	/* Its public key again: already there, not twice. */
	path = key_file(fixed_public, 0644);
	ck_assert_int_eq(keyring_load_public(&kr, path, KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(kr.n, 1);
	/* But not for the other kind of token. */
	ck_assert_int_eq(keyring_load_public(&kr, path, KEY_SERVICE_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "other kind of token"));
	unlink(path);
	/* A second private key. */
	path = key_file(fixed_private, 0600);
	ck_assert_int_eq(keyring_load_private(&kr, path, KEY_USER_TOKENS, &why), -1);
	unlink(path);
	keyring_free(&kr);

	/* A private key that others may read is refused, as ssh does. */
	path = key_file(fixed_private, 0640);
	ck_assert_int_eq(keyring_load_private(&kr, path, KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "chmod 600"));
	unlink(path);
	path = key_file(fixed_private, 0604);
	ck_assert_int_eq(keyring_load_private(&kr, path, KEY_USER_TOKENS, &why), -1);
	unlink(path);
	/* Owner-only is for private keys: a public key file may be read by all. */
	path = key_file(fixed_public, 0644);
	ck_assert_int_eq(keyring_load_public(&kr, path, KEY_USER_TOKENS, &why), 0);
	unlink(path);
	keyring_free(&kr);
	ck_assert_int_eq(keyring_load_private(&kr, "/nonexistent/key", KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "cannot be opened"));
	/* A public key where a private one belongs, and the reverse. */
	path = key_file(fixed_public, 0600);
	ck_assert_int_eq(keyring_load_private(&kr, path, KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "no private key"));
	unlink(path);
	path = key_file(fixed_private, 0644);
	ck_assert_int_eq(keyring_load_public(&kr, path, KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "private key"));
	unlink(path);
	/* Another curve; text that is no key; an empty file. */
	ck_assert_int_eq(keyring_add_public(&kr, p384_public, strlen(p384_public),
	    KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "P-256"));
	ck_assert_int_eq(keyring_add_public(&kr, BYTES("not a key"), KEY_USER_TOKENS, &why), -1);
	ck_assert_int_eq(keyring_add_public(&kr, BYTES(""), KEY_USER_TOKENS, &why), -1);
	ck_assert_int_eq(kr.n, 0);

	/* A bundle: the current key and the one before it (a rotation). */
	snprintf(bundle, sizeof(bundle), "%s%s", fixed_public, pair.public_pem);
	ck_assert_int_eq(keyring_add_public(&kr, bundle, strlen(bundle), KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(kr.n, 2);
	ck_assert_ptr_nonnull(keyring_find(&kr, fixed_kid));
	ck_assert_ptr_null(kr.sign_key);
	/* A bundle with something else in it is refused whole. */
	keyring_free(&kr);
	snprintf(bundle, sizeof(bundle), "%s%s", fixed_public, p384_public);
	ck_assert_int_eq(keyring_add_public(&kr, bundle, strlen(bundle), KEY_USER_TOKENS, &why), -1);
	keyring_free(&kr);
	keygen_free(&pair);
}
END_TEST

/* A private key of another curve or algorithm: ES256 is P-256 only. */
START_TEST(test_wrong_curve_private)
{
	static const struct {
		const char *alg, *curve;
	} others[] = { { NULL, "P-384" }, { NULL, "P-521" }, { "ED25519", NULL } };

	for (size_t i = 0; i < N_ELEMS(others); i++) {
		struct keyring kr = { 0 };
		char *pem = other_private(others[i].alg, others[i].curve);
		const char *why = NULL;

		ck_assert_int_eq(keyring_add_private(&kr, pem, strlen(pem), KEY_USER_TOKENS,
		    &why), -1);
		ck_assert_msg(why != NULL && strstr(why, "not EC P-256") != NULL,
		    "%s: %s", others[i].curve ? others[i].curve : others[i].alg, why);
		ck_assert_ptr_null(kr.sign_key);
		ck_assert_uint_eq(kr.n, 0);
		free(pem);
		keyring_free(&kr);
	}
}
END_TEST

/* What a public key file may not hold, each with its reason. */
START_TEST(test_public_refusals)
{
	static const char garbled[] =
	    "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n";
	static const char certificate[] =
	    "-----BEGIN CERTIFICATE-----\nbm90IGEga2V5\n-----END CERTIFICATE-----\n";
	char text[2048];
	struct keyring kr = { 0 };
	const char *why = NULL;

	ck_assert_int_eq(keyring_add_public(&kr, BYTES(garbled), KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(why, "holds a public key that cannot be read");
	snprintf(text, sizeof(text), "%s%s", fixed_public, certificate);
	ck_assert_int_eq(keyring_add_public(&kr, text, strlen(text), KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(why, "holds something other than PEM public keys");
	ck_assert_int_eq(keyring_add_public(&kr, BYTES(certificate), KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(why, "holds no public key in PEM");
	/* A private key in the file: refused, whatever else is there. */
	snprintf(text, sizeof(text), "%s%s", fixed_public, fixed_private_sec1);
	ck_assert_int_eq(keyring_add_public(&kr, text, strlen(text), KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(why, "holds a private key: it is for public keys only");
	ck_assert_uint_eq(kr.n, 0);
	keyring_free(&kr);
}
END_TEST

/* A private key whose public key is accepted for the other use. */
START_TEST(test_one_use_per_key)
{
	struct keyring kr = { 0 };
	const char *why = NULL;

	ck_assert_int_eq(keyring_add_public(&kr, BYTES(fixed_public), KEY_SERVICE_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_private(&kr, BYTES(fixed_private), KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "other kind of token"));
	ck_assert_ptr_null(kr.sign_key);
	ck_assert_int_eq(keyring_find(&kr, fixed_kid)->use, KEY_SERVICE_TOKENS);
	keyring_free(&kr);
}
END_TEST

START_TEST(test_at_most_max)
{
	struct keyring kr = { 0 };
	struct keygen_pair pair;
	const char *why = NULL;

	ck_assert_int_eq(keyring_add_public(&kr, BYTES(fixed_public), KEY_USER_TOKENS, &why), 0);
	for (int i = 1; i < KEYRING_MAX; i++) {
		ck_assert_int_eq(keygen_p256(&pair), 0);
		ck_assert_int_eq(keyring_add_public(&kr, pair.public_pem, pair.public_len,
		    KEY_USER_TOKENS, &why), 0);
		keygen_free(&pair);
	}
	ck_assert_uint_eq(kr.n, KEYRING_MAX);
	/* One already there is fine; one more is not. */
	ck_assert_int_eq(keyring_add_public(&kr, BYTES(fixed_public), KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(keygen_p256(&pair), 0);
	ck_assert_int_eq(keyring_add_public(&kr, pair.public_pem, pair.public_len,
	    KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "more keys than are accepted at once"));
	ck_assert_int_eq(keyring_add_private(&kr, pair.private_pem, pair.private_len,
	    KEY_USER_TOKENS, &why), -1);
	ck_assert_ptr_null(kr.sign_key);
	ck_assert_uint_eq(kr.n, KEYRING_MAX);
	keygen_free(&pair);
	keyring_free(&kr);
}
END_TEST

/* Files that are not key files at all. */
START_TEST(test_files_refused)
{
	char dir[] = "/tmp/check_keyring.XXXXXX", *big;
	struct keyring kr = { 0 };
	const char *why = NULL, *path;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(keyring_load_public(&kr, dir, KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(why, "is not a regular file");
	rmdir(dir);

	/* One byte past 64 KiB: refused before it is parsed. */
	big = malloc(KEYRING_FILE_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', KEYRING_FILE_MAX + 1);
	memcpy(big, fixed_public, strlen(fixed_public));
	big[KEYRING_FILE_MAX + 1] = '\0';
	path = key_file(big, 0644);
	ck_assert_int_eq(keyring_load_public(&kr, path, KEY_USER_TOKENS, &why), -1);
	ck_assert_str_eq(why, "is longer than 64 KiB");
	unlink(path);
	/* At 64 KiB exactly, it is read. */
	big[KEYRING_FILE_MAX] = '\0';
	path = key_file(big, 0644);
	ck_assert_int_eq(keyring_load_public(&kr, path, KEY_USER_TOKENS, &why), 0);
	unlink(path);
	ck_assert_uint_eq(kr.n, 1);
	free(big);
	keyring_free(&kr);
}
END_TEST

START_TEST(test_secret)
{
	struct keyring a = { 0 }, b = { 0 }, c = { 0 };
	struct keygen_pair pair;
	const unsigned char zero[KEYRING_SECRET_LEN] = { 0 };
	const char *why;

	/* The same private key gives the same secret, another key another. */
	ck_assert_int_eq(keygen_p256(&pair), 0);
	ck_assert_int_eq(keyring_add_private(&a, BYTES(fixed_private), KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_private(&b, BYTES(fixed_private), KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(keyring_add_private(&c, pair.private_pem, pair.private_len,
	    KEY_USER_TOKENS, &why), 0);
	ck_assert_int_eq(memcmp(a.secret, b.secret, sizeof(a.secret)), 0);
	ck_assert_int_ne(memcmp(a.secret, c.secret, sizeof(a.secret)), 0);
	ck_assert_int_ne(memcmp(a.secret, zero, sizeof(zero)), 0);
	keyring_free(&a);
	keyring_free(&b);
	keyring_free(&c);
	keygen_free(&pair);
}
END_TEST

/* Freed: empty, the secret wiped, and ready to load again. */
START_TEST(test_free)
{
	struct keyring kr = { 0 };
	const unsigned char zero[KEYRING_SECRET_LEN] = { 0 };
	const char *why;

	ck_assert_int_eq(keyring_add_private(&kr, BYTES(fixed_private), KEY_USER_TOKENS, &why), 0);
	keyring_free(&kr);
	ck_assert_ptr_null(kr.sign_key);
	ck_assert_uint_eq(kr.n, 0);
	ck_assert_str_eq(kr.sign_kid, "");
	ck_assert_int_eq(memcmp(kr.secret, zero, sizeof(zero)), 0);
	ck_assert_ptr_null(keyring_find(&kr, fixed_kid));
	ck_assert_int_eq(keyring_add_private(&kr, BYTES(fixed_private), KEY_USER_TOKENS, &why), 0);
	keyring_free(&kr);
}
END_TEST

Suite *
keyring_suite(void)
{
	Suite *s = suite_create("keyring");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_private_signs);
	tcase_add_test(tc, test_public_does_not_sign);
	tcase_add_test(tc, test_key_files);
	tcase_add_test(tc, test_wrong_curve_private);
	tcase_add_test(tc, test_public_refusals);
	tcase_add_test(tc, test_one_use_per_key);
	tcase_add_test(tc, test_at_most_max);
	tcase_add_test(tc, test_files_refused);
	tcase_add_test(tc, test_secret);
	tcase_add_test(tc, test_free);
	suite_add_tcase(s, tc);
	return s;
}
