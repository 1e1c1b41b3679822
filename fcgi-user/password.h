/*
 * password.h - passwords, stored only as Argon2id hashes (libsodium's
 * crypto_pwhash_str, which encodes its parameters and salt in the hash).
 *
 * Argon2id is slow and memory-hard on purpose, so every hash and check
 * runs in a slot of hash_slots.h: a bounded number at once, in bounded
 * memory and threads, checks (logins) before new hashes (signups,
 * password changes). docs/security.md has the parameters and what they
 * cost.
 */
#ifndef MICROSHOP_PASSWORD_H
#define MICROSHOP_PASSWORD_H

#include <stddef.h>

#include "hash_slots.h"
#include "user_model.h"

struct password_config {
	unsigned long long opslimit;	/* Argon2id passes */
	size_t memlimit;		/* bytes of memory per hash */
	struct hash_slots_config slots;
};

enum password_result {
	PASSWORD_OK,
	PASSWORD_MISMATCH,
	PASSWORD_BUSY,		/* no slot: hash_slot_take() refused */
	PASSWORD_ERR		/* out of memory */
};

/* Start libsodium, size the slots, and make the stand-in hash. 0 or -1. */
int password_init(const struct password_config *pc);

/* Hash pw[0..len) into out: a new hash, after any waiting check. */
enum password_result password_hash(const char *pw, size_t len, char out[USER_HASH_MAX]);

/*
 * Check pw[0..len) against hash, before any waiting new hash. A NULL or
 * empty hash (no such user, or a user without a password) is checked
 * against a stand-in hash with the same parameters and always fails: a
 * wrong email costs the same time as a wrong password.
 */
enum password_result password_verify(const char *hash, const char *pw, size_t len);

#endif
