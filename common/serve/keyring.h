/*
 * keyring.h - the keys a service signs and checks access tokens with.
 *
 * Tokens are signed with ES256 (ECDSA on P-256 with SHA-256, RFC 7518
 * 3.4), so that a key that checks tokens cannot make them: the user
 * service alone holds the private key of user tokens, and the order
 * service the private key of its own service tokens. A keyring holds this
 * service's one private key, which it signs with, and the public keys it
 * accepts, each for one use: user tokens (customers and admins, signed by
 * the user service) or service tokens (role service only, signed by a
 * calling service). The private key's own public key is accepted for the
 * private key's use.
 *
 * Every key is named by its key id (the "kid" of a token's header): the
 * first 16 characters of the base64url SHA-256 of its public key in DER
 * (SubjectPublicKeyInfo), which anyone can compute from the public key:
 *
 *     openssl pkey -pubin -in KEY.pub -outform DER |
 *         openssl dgst -sha256 -binary | basenc --base64url | cut -c1-16
 *
 * so that a new key can be rolled in beside the old one (docs/security.md
 * has the procedure). Pure but for reading files; unit-tested in
 * tests/check_keyring.c.
 */
#ifndef MICROSHOP_KEYRING_H
#define MICROSHOP_KEYRING_H

#include <stddef.h>

#define KEYRING_KID_LEN 16
#define KEYRING_MAX 16		/* public keys accepted at once */
#define KEYRING_FILE_MAX 65536	/* the longest key file read */
#define KEYRING_SECRET_LEN 32

struct evp_pkey_st;		/* OpenSSL's EVP_PKEY */

enum key_use {
	KEY_USER_TOKENS,	/* customers' and admins' tokens */
	KEY_SERVICE_TOKENS	/* one service calling another */
};

/*
 * The keys are parsed once, when they are loaded: reading a PEM key costs
 * OpenSSL 3 about 300 microseconds, five times an ES256 verification.
 * An EVP_PKEY is only read once loaded, by any number of threads.
 */
struct keyring_key {
	char kid[KEYRING_KID_LEN + 1];
	enum key_use use;
	struct evp_pkey_st *pkey;	/* the public key */
};

struct keyring {
	struct evp_pkey_st *sign_key;	/* the private key; NULL: none */
	char sign_kid[KEYRING_KID_LEN + 1];
	/* A secret derived from the private key (a hash of it), for keyed
	 * hashes that only this service can make (idempotency.c). */
	unsigned char secret[KEYRING_SECRET_LEN];
	size_t n;
	struct keyring_key keys[KEYRING_MAX];
};

/*
 * Load the private key at path (PEM, EC P-256, SEC 1 or PKCS #8) to sign
 * with, and accept its public key for use. The file must be readable by
 * its owner only (as ssh requires of a private key): a key that others
 * could read is refused. Returns 0, or -1 with *why a static reason.
 */
int keyring_load_private(struct keyring *kr, const char *path, enum key_use use,
    const char **why);

/*
 * Accept every public key in the PEM file at path (one or more "PUBLIC
 * KEY" blocks, each EC P-256) for use; a key already accepted is skipped.
 * Returns 0, or -1 with *why a static reason.
 */
int keyring_load_public(struct keyring *kr, const char *path, enum key_use use,
    const char **why);

/* The same from a PEM text pem[0..len) rather than a file. */
int keyring_add_private(struct keyring *kr, const char *pem, size_t len, enum key_use use,
    const char **why);
int keyring_add_public(struct keyring *kr, const char *pem, size_t len, enum key_use use,
    const char **why);

/* The accepted key named kid, or NULL. Borrowed from kr. */
const struct keyring_key *keyring_find(const struct keyring *kr, const char *kid);

/* Release what kr holds (its private key is wiped); kr is then empty. */
void keyring_free(struct keyring *kr);

#endif
