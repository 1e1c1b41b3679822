/*
 * sha256.h - SHA-256 (FIPS 180-4): a digest of request bodies, so that an
 * Idempotency-Key can tell the same request from another. Pure; no
 * allocation; unit-tested against the NIST vectors.
 */
#ifndef MICROSHOP_SHA256_H
#define MICROSHOP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	unsigned char buf[64];
	size_t used;		/* bytes waiting in buf */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, unsigned char out[SHA256_DIGEST_LEN]);

/* The digest of data[0..len) in one call. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]);

/* Lower-case hex of a digest, NUL-terminated. */
void sha256_hex(const unsigned char digest[SHA256_DIGEST_LEN],
    char hex[2 * SHA256_DIGEST_LEN + 1]);

#endif
