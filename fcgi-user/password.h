/*
 * password.h - passwords, stored only as Argon2id hashes (libsodium's
 * crypto_pwhash_str, which encodes its parameters and salt in the hash).
 *
 * Argon2id is slow and memory-hard on purpose, so at most `slots` hashes
 * run at once (about one per core): memory stays under slots x memlimit,
 * and a request that finds every slot taken waits up to wait_ms, then is
 * answered 503. A worker thread that hashes or waits serves nothing else,
 * so at most `workers` threads (hashing or waiting) do password work at
 * all: a request beyond that is answered 503 at once, and the service's
 * other threads go on serving reads whatever the logins do.
 * docs/security.md has the parameters and what they cost.
 */
#ifndef MICROSHOP_PASSWORD_H
#define MICROSHOP_PASSWORD_H

#include <stddef.h>

#include "user_model.h"

/* Threads that may hash or wait, per slot: the default of `workers`. */
#define PASSWORD_WORKERS_PER_SLOT 2

struct password_config {
	unsigned long long opslimit;	/* Argon2id passes */
	size_t memlimit;		/* bytes of memory per hash */
	long slots;			/* hashes at once */
	long workers;			/* threads hashing or waiting, >= slots */
	long wait_ms;			/* how long a request waits for a slot */
};

enum password_result {
	PASSWORD_OK,
	PASSWORD_MISMATCH,
	PASSWORD_BUSY,		/* no slot within wait_ms, or too many waiting */
	PASSWORD_ERR		/* out of memory */
};

/* Start libsodium, size the slots, and make the stand-in hash. 0 or -1. */
int password_init(const struct password_config *pc);

/* Hash pw[0..len) into out. */
enum password_result password_hash(const char *pw, size_t len, char out[USER_HASH_MAX]);

/*
 * Check pw[0..len) against hash. A NULL or empty hash (no such user, or a
 * user without a password) is checked against a stand-in hash with the
 * same parameters and always fails: a wrong email costs the same time as
 * a wrong password.
 */
enum password_result password_verify(const char *hash, const char *pw, size_t len);

#endif
