/*
 * login_throttle.h - repeated failed logins for one account are slowed:
 * after LOGIN_FREE_FAILURES failures in a row, the next attempt must wait
 * 1 s, then 2, 4, ... up to LOGIN_MAX_DELAY_S after the latest failure; a
 * success starts the count again. Attempts that come too early are refused
 * (429) without their password being checked, so they cost the service
 * nothing and tell the caller nothing. (Per client address, nginx's
 * limit_req on /user/login does the same.)
 *
 * An attempt is reserved when it is let through (login_throttle_begin)
 * and counts as a failure until its outcome is known (login_throttle_end):
 * so attempts at the same instant are let through only as far as failures
 * would be, and after the delay exactly one is, the others refused until
 * it ends. Every password check of an account goes through this pair: a
 * login, and any other request that checks the account's password.
 *
 * Accounts are told apart by a keyed hash of the email in ASCII lower
 * case, with a key made at start, so that nobody can pick emails that
 * collide with someone else's slot. One table per process.
 */
#ifndef MICROSHOP_LOGIN_THROTTLE_H
#define MICROSHOP_LOGIN_THROTTLE_H

#include <stdint.h>

#define LOGIN_FREE_FAILURES 5
#define LOGIN_MAX_DELAY_S 300

/* What became of an attempt that login_throttle_begin() let through. */
enum login_outcome {
	LOGIN_FAILED = 0,	/* the password was wrong (or the email unknown) */
	LOGIN_SUCCEEDED = 1,	/* the password was right: the count starts again */
	LOGIN_UNCHECKED = 2	/* not checked (busy, an error): nothing is counted */
};

/* Make the table's hash key. 0, or -1 when libsodium cannot start. */
int login_throttle_init(void);

/*
 * May a password of email be checked at now_ms? 0: yes, and the attempt is
 * reserved: call login_throttle_end() for it exactly once, whatever
 * happens. Otherwise the seconds to wait (for Retry-After; at least 1),
 * and nothing is reserved: refuse the attempt (429) without checking.
 */
long login_throttle_begin(const char *email, int64_t now_ms);

/* The outcome, at now_ms, of an attempt that login_throttle_begin() let through. */
void login_throttle_end(const char *email, enum login_outcome outcome, int64_t now_ms);

#endif
