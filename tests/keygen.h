/*
 * keygen.h - fresh ES256 key pairs in memory, for the unit tests and
 * bench/token-cost (a service only reads keys: keyring.h).
 */
#ifndef MICROSHOP_KEYGEN_H
#define MICROSHOP_KEYGEN_H

#include <stddef.h>

struct keygen_pair {
	char *private_pem;	/* PKCS #8 */
	size_t private_len;
	char *public_pem;	/* SubjectPublicKeyInfo */
	size_t public_len;
};

/* A new EC P-256 key pair. Returns 0, or -1. */
int keygen_p256(struct keygen_pair *out);

/* Release what keygen_p256 made. */
void keygen_free(struct keygen_pair *p);

struct keyring;

/*
 * A new pair for service tokens: its private key into signer (the order
 * service's side), its public key into checker (the user service's).
 * Returns 0, or -1.
 */
int keygen_service_keys(struct keyring *signer, struct keyring *checker);

#endif
