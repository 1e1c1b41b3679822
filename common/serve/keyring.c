/*
 * keyring.c - token keys from PEM files, named by their key ids; see
 * keyring.h. OpenSSL's libcrypto reads the keys (token.c signs and checks
 * with them); libsodium hashes the key id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "keyring.h"

/*
 * Read the file at path into a new NUL-terminated buffer (*out, *len).
 * private_only: refuse a file that its group or others may read. Returns
 * 0, or -1 with *why.
 */
static int
file_read(const char *path, int private_only, char **out, size_t *len, const char **why)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*why = "cannot be opened";
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "is not a regular file";
		goto fail;
	}
	if (private_only && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*why = "may be read by others than its owner (chmod 600 it)";
		goto fail;
	}
	if ((buf = malloc(KEYRING_FILE_MAX + 1)) == NULL) {
		*why = "cannot be read: out of memory";
		goto fail;
	}
	while ((n = read(fd, buf + got, KEYRING_FILE_MAX + 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0) {
		*why = "cannot be read";
		goto fail;
	}
	if (got > KEYRING_FILE_MAX) {
		*why = "is longer than 64 KiB";
		goto fail;
	}
	buf[got] = '\0';
	close(fd);
	*out = buf;
	*len = got;
	return 0;
fail:
	if (buf != NULL) {
		sodium_memzero(buf, KEYRING_FILE_MAX + 1);
		free(buf);
	}
	close(fd);
	return -1;
}

/* 1 if pk is an EC key on P-256, the only curve of ES256. */
static int
is_p256(EVP_PKEY *pk)
{
	char group[32];
	size_t len;

	return EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
	    EVP_PKEY_get_group_name(pk, group, sizeof(group), &len) == 1 &&
	    strcmp(group, "prime256v1") == 0;
}

/* The key id of pk's public half into kid. Returns 0, or -1. */
static int
kid_of(EVP_PKEY *pk, char kid[KEYRING_KID_LEN + 1])
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pk, &der);

	if (len <= 0)
		return -1;
	crypto_hash_sha256(hash, der, (unsigned long long)len);
	OPENSSL_free(der);
	sodium_bin2base64(b64, sizeof(b64), hash, sizeof(hash),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	memcpy(kid, b64, KEYRING_KID_LEN);
	kid[KEYRING_KID_LEN] = '\0';
	return 0;
}

const struct keyring_key *
keyring_find(const struct keyring *kr, const char *kid)
{
	for (size_t i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i].kid, kid) == 0)
			return &kr->keys[i];
	return NULL;
}

/*
 * Accept pk's public key for use; the keyring holds a reference to pk.
 * Returns 0 (also when it is there already), or -1 with *why.
 */
static int
accept_key(struct keyring *kr, EVP_PKEY *pk, enum key_use use, const char **why)
{
	struct keyring_key *k;
	char kid[KEYRING_KID_LEN + 1];
	const struct keyring_key *known;

	if (!is_p256(pk)) {
		*why = "holds a key that is not EC P-256 (ES256)";
		return -1;
	}
	if (kid_of(pk, kid) < 0) {
		*why = "holds a key that cannot be encoded";
		return -1;
	}
	if ((known = keyring_find(kr, kid)) != NULL) {
		if (known->use == use)
			return 0;
		*why = "holds a key already accepted for the other kind of token";
		return -1;
	}
	if (kr->n == KEYRING_MAX) {
		*why = "holds more keys than are accepted at once (16)";
		return -1;
	}
	if (EVP_PKEY_up_ref(pk) != 1) {
		*why = "cannot be read: out of memory";
		return -1;
	}
	k = &kr->keys[kr->n++];
	memcpy(k->kid, kid, sizeof(kid));
	k->use = use;
	k->pkey = pk;
	return 0;
}

/* kr->secret from the private key pk. Returns 0, or -1. */
static int
secret_derive(struct keyring *kr, EVP_PKEY *pk)
{
	static const char purpose[] = "microshop keyring secret v1";
	unsigned char scalar[32];
	BIGNUM *d = NULL;
	int rc = -1;

	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
	    BN_bn2binpad(d, scalar, sizeof(scalar)) == (int)sizeof(scalar)) {
		crypto_generichash(kr->secret, sizeof(kr->secret), scalar, sizeof(scalar),
		    (const unsigned char *)purpose, sizeof(purpose) - 1);
		rc = 0;
	}
	sodium_memzero(scalar, sizeof(scalar));
	BN_clear_free(d);
	return rc;
}

int
keyring_add_private(struct keyring *kr, const char *pem, size_t len, enum key_use use,
    const char **why)
{
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	int rc = -1;

	if (kr->sign_key != NULL) {
		*why = "is a second private key: a service signs with one";
		return -1;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		*why = "holds no private key in PEM";
		goto out;
	}
	if (accept_key(kr, pk, use, why) < 0 || kid_of(pk, kr->sign_kid) < 0)
		goto out;
	if (secret_derive(kr, pk) < 0) {
		*why = "holds a private key that cannot be read";
		goto out;
	}
	kr->sign_key = pk;
	pk = NULL;
	rc = 0;
out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return rc;
}

/* How many times needle occurs in hay[0..len). */
static size_t
occurrences(const char *hay, size_t len, const char *needle)
{
	size_t n = 0, nlen = strlen(needle);
	const char *p = hay, *end = hay + len, *hit;

	while ((hit = memmem(p, (size_t)(end - p), needle, nlen)) != NULL) {
		n++;
		p = hit + nlen;
	}
	return n;
}

int
keyring_add_public(struct keyring *kr, const char *pem, size_t len, enum key_use use,
    const char **why)
{
	size_t blocks = occurrences(pem, len, "-----BEGIN ");
	size_t keys = occurrences(pem, len, "-----BEGIN PUBLIC KEY-----");
	EVP_PKEY *pk;
	BIO *bio = NULL;
	size_t found = 0;
	int rc = -1;

	/* Every block a public key: a private key pasted into the file would
	 * be read by anyone who may read it, and a certificate or anything
	 * else is a mistake to say, not to skip. */
	if (memmem(pem, len, "PRIVATE KEY", 11) != NULL) {
		*why = "holds a private key: it is for public keys only";
		return -1;
	}
	if (keys == 0 || blocks != keys) {
		*why = keys == 0 ? "holds no public key in PEM"
		    : "holds something other than PEM public keys";
		return -1;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		*why = "cannot be read: out of memory";
		goto out;
	}
	while (found < keys && (pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) != NULL) {
		int accepted = accept_key(kr, pk, use, why);

		EVP_PKEY_free(pk);
		if (accepted < 0)
			goto out;
		found++;
	}
	if (found != keys) {
		*why = "holds a public key that cannot be read";
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	BIO_free(bio);
	return rc;
}

/* Read the key file at path and add what it holds with add. 0 or -1. */
static int
file_add(struct keyring *kr, const char *path, int private_only, enum key_use use,
    int (*add)(struct keyring *, const char *, size_t, enum key_use, const char **),
    const char **why)
{
	char *pem;
	size_t len;
	int rc;

	if (file_read(path, private_only, &pem, &len, why) < 0)
		return -1;
	rc = add(kr, pem, len, use, why);
	sodium_memzero(pem, len);
	free(pem);
	return rc;
}

int
keyring_load_private(struct keyring *kr, const char *path, enum key_use use,
    const char **why)
{
	return file_add(kr, path, 1, use, keyring_add_private, why);
}

int
keyring_load_public(struct keyring *kr, const char *path, enum key_use use,
    const char **why)
{
	return file_add(kr, path, 0, use, keyring_add_public, why);
}

void
keyring_free(struct keyring *kr)
{
	for (size_t i = 0; i < kr->n; i++)
		EVP_PKEY_free(kr->keys[i].pkey);
	EVP_PKEY_free(kr->sign_key);
	sodium_memzero(kr, sizeof(*kr));
}
