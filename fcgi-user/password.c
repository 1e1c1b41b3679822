/*
 * password.c - Argon2id hashing in the slots of hash_slots.c; see password.h.
 */
#include <sodium.h>

#include "hash_slots.h"
#include "log.h"
#include "password.h"

static struct password_config password_cfg;
static char password_stand_in[crypto_pwhash_STRBYTES];

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
	if (sodium_init() < 0 || hash_slots_init(&pc->slots) < 0)
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

	if (hash_slot_take(HASH_NEW) < 0)
		return PASSWORD_BUSY;
	r = hash_unlocked(pw, len, out);
	hash_slot_give();
	return r;
}

enum password_result
password_verify(const char *hash, const char *pw, size_t len)
{
	int known = hash != NULL && hash[0] != '\0';
	int rc;

	if (hash_slot_take(HASH_CHECK) < 0)
		return PASSWORD_BUSY;
	rc = crypto_pwhash_str_verify(known ? hash : password_stand_in, pw, len);
	hash_slot_give();
	return rc == 0 && known ? PASSWORD_OK : PASSWORD_MISMATCH;
}
