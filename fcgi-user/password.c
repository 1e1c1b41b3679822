/*
 * password.c - Argon2id hashing behind a counting semaphore; see password.h.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "password.h"

static struct password_config password_cfg;
static sem_t password_slots;
static atomic_long password_workers;	/* threads hashing or waiting */
static char password_stand_in[crypto_pwhash_STRBYTES];

/*
 * Take a slot, waiting up to wait_ms, unless `workers` threads are at it
 * already. Returns 0, or -1 when none came; slot_give() after a 0.
 */
static int
slot_take(void)
{
	struct timespec until;
	int rc;

	if (atomic_fetch_add(&password_workers, 1) >= password_cfg.workers) {
		atomic_fetch_sub(&password_workers, 1);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += password_cfg.wait_ms / 1000;
	until.tv_nsec += (password_cfg.wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while ((rc = sem_timedwait(&password_slots, &until)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		atomic_fetch_sub(&password_workers, 1);
	return rc;
}

static void
slot_give(void)
{
	sem_post(&password_slots);
	atomic_fetch_sub(&password_workers, 1);
}

static enum password_result
hash_unlocked(const char *pw, size_t len, char out[USER_HASH_MAX])
{
	/* crypto_pwhash_str fails only when it cannot get its memory. */
	if (crypto_pwhash_str(out, pw, len, password_cfg.opslimit, password_cfg.memlimit) != 0)
		return PASSWORD_ERR;
	return PASSWORD_OK;
}

int
password_init(const struct password_config *pc)
{
	static const char stand_in_pw[] = "no user has this password";

	_Static_assert(crypto_pwhash_STRBYTES <= USER_HASH_MAX, "hash buffer too small");
	if (sodium_init() < 0 || sem_init(&password_slots, 0, (unsigned)pc->slots) < 0)
		return -1;
	password_cfg = *pc;
	if (hash_unlocked(stand_in_pw, sizeof(stand_in_pw) - 1, password_stand_in) != PASSWORD_OK) {
		log_msg(LOG_LEVEL_ERROR, "event=pwhash_failed detail=\"cannot hash with "
		    "memlimit %zu bytes\"", pc->memlimit);
		return -1;
	}
	return 0;
}

enum password_result
password_hash(const char *pw, size_t len, char out[USER_HASH_MAX])
{
	enum password_result r;

	if (slot_take() < 0)
		return PASSWORD_BUSY;
	r = hash_unlocked(pw, len, out);
	slot_give();
	return r;
}

enum password_result
password_verify(const char *hash, const char *pw, size_t len)
{
	int known = hash != NULL && hash[0] != '\0';
	int rc;

	if (slot_take() < 0)
		return PASSWORD_BUSY;
	rc = crypto_pwhash_str_verify(known ? hash : password_stand_in, pw, len);
	slot_give();
	return rc == 0 && known ? PASSWORD_OK : PASSWORD_MISMATCH;
}
