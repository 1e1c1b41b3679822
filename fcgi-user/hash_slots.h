/*
 * hash_slots.h - who may compute an Argon2id hash, and when. A hash takes
 * tens of milliseconds of a core and memlimit bytes, on purpose, so:
 *
 *   - at most `slots` hashes run at once (about one per core): memory
 *     stays under slots x memlimit;
 *   - a worker thread that hashes or waits for a slot serves nothing
 *     else, so at most `workers` threads (fewer than the service has) do
 *     password work; one more is refused at once (503);
 *   - checks of a password (logins) go before new hashes (signups and
 *     password changes): a login takes the next free slot before any
 *     waiting new hash, and when every password thread is taken it takes
 *     the place of a waiting new hash, which is refused (503). A flood of
 *     signups therefore delays a login by at most the end of one hash, and
 *     never refuses it. Only logins beyond `workers` at once are refused.
 *
 * A request that waits longer than wait_ms for a slot is refused (503).
 * One set of slots per process; docs/security.md has the parameters.
 */
#ifndef MICROSHOP_HASH_SLOTS_H
#define MICROSHOP_HASH_SLOTS_H

/* Threads that may hash or wait, per slot, when --threads is not given. */
#define HASH_WORKERS_PER_SLOT 2

enum hash_work {
	HASH_CHECK,		/* a password checked against its hash: a login */
	HASH_NEW		/* a new hash: a signup, a password change */
};

struct hash_slots_config {
	long slots;		/* hashes at once */
	long workers;		/* threads hashing or waiting, >= slots */
	long wait_ms;		/* how long a request waits for a slot */
};

/*
 * Size the password work of a service on cpus CPUs with hash_slots slots
 * (--hash-slots): out's slots and workers (not wait_ms). *threads is --threads, or 0 when not given: it
 * then becomes one per CPU plus HASH_WORKERS_PER_SLOT per slot, so that
 * reads keep one thread per CPU whatever password work does. Password
 * work gets HASH_WORKERS_PER_SLOT threads per slot and never all of them
 * (with 1 thread, its only one); the slots are at most that many.
 * Returns 0, or -1 when the threads this needs are over max_threads
 * (*threads is then that number, for the message). Pure.
 */
int hash_slots_plan(long cpus, long hash_slots, long max_threads, long *threads,
    struct hash_slots_config *out);

/* Set the slots up; before any take. 0, or -1 when the system refuses. */
int hash_slots_init(const struct hash_slots_config *c);

/*
 * Take a slot for work, waiting up to wait_ms. Returns 0, then
 * hash_slot_give() when the hash is done; or -1 when none came (refused:
 * too many at password work, the wait ran out, or a login took this
 * waiting request's place).
 */
int hash_slot_take(enum hash_work work);

void hash_slot_give(void);

/* How many requests of this work wait for a slot now (for the tests). */
long hash_slots_waiting(enum hash_work work);

#endif
