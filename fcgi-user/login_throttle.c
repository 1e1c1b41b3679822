/*
 * login_throttle.c - failed logins per account; see login_throttle.h.
 */
#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "login_throttle.h"

#define SLOTS 4096		/* accounts tracked at once; the oldest give way */

struct slot {
	uint64_t key;
	int failures;		/* in a row */
	int pending;		/* attempts let through, not yet ended */
	int64_t last_ms;	/* of the latest failure */
};

static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SLOTS];
static unsigned char hash_key[crypto_shorthash_KEYBYTES];

int
login_throttle_init(void)
{
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(hash_key, sizeof(hash_key));
	memset(slots, 0, sizeof(slots));
	return 0;
}

static uint64_t
email_key(const char *email)
{
	unsigned char lower[256], out[crypto_shorthash_BYTES];
	size_t n = 0;
	uint64_t k;

	for (; email[n] != '\0' && n < sizeof(lower); n++)
		lower[n] = (unsigned char)tolower((unsigned char)email[n]);
	crypto_shorthash(out, lower, n, hash_key);
	memcpy(&k, out, sizeof(k));
	return k | 1;		/* 0 marks a free slot */
}

/* The delay, in ms, an account with this many failures waits. */
static int64_t
delay_ms(int failures)
{
	int64_t d;

	if (failures < LOGIN_FREE_FAILURES)
		return 0;
	if (failures - LOGIN_FREE_FAILURES >= 9)
		return LOGIN_MAX_DELAY_S * 1000;
	d = (int64_t)1000 << (failures - LOGIN_FREE_FAILURES);
	return d > LOGIN_MAX_DELAY_S * 1000 ? LOGIN_MAX_DELAY_S * 1000 : d;
}

/*
 * With the lock held: 0 if one more attempt may start now, else the seconds
 * to wait. Each pending attempt counts as the failure it may turn out to
 * be; while one is pending beyond the free failures, the others wait for
 * it (as long as the delay its failure would bring).
 */
static long
wait_s(const struct slot *s, int64_t now_ms)
{
	int would_be = s->failures + s->pending;
	int64_t until;

	if (would_be < LOGIN_FREE_FAILURES)
		return 0;
	if (s->pending > 0)
		return (long)(delay_ms(would_be) / 1000);
	until = s->last_ms + delay_ms(s->failures);
	return until > now_ms ? (long)((until - now_ms + 999) / 1000) : 0;
}

long
login_throttle_begin(const char *email, int64_t now_ms)
{
	uint64_t k = email_key(email);
	struct slot *s = &slots[k % SLOTS];
	long wait = 0;

	pthread_mutex_lock(&throttle_lock);
	if (s->key == 0)	/* a free slot is all zero */
		s->key = k;
	/*
	 * Another account holds the slot: this attempt goes untracked, as
	 * before the account's first failure, which takes the slot (end).
	 */
	if (s->key == k && (wait = wait_s(s, now_ms)) == 0)
		s->pending++;
	pthread_mutex_unlock(&throttle_lock);
	return wait;
}

void
login_throttle_end(const char *email, enum login_outcome outcome, int64_t now_ms)
{
	uint64_t k = email_key(email);
	struct slot *s = &slots[k % SLOTS];

	pthread_mutex_lock(&throttle_lock);
	if (s->key == k && s->pending > 0)
		s->pending--;
	if (outcome == LOGIN_FAILED) {
		/* Another account in the slot gives way to this one. */
		if (s->key != k) {
			memset(s, 0, sizeof(*s));
			s->key = k;
		}
		s->failures++;
		s->last_ms = now_ms;
	} else if (outcome == LOGIN_SUCCEEDED && s->key == k) {
		s->failures = 0;
	}
	/* Nothing left to remember: the slot is free again. */
	if (s->key == k && s->failures == 0 && s->pending == 0)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&throttle_lock);
}
