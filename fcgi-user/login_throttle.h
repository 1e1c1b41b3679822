/*
 * login_throttle.h - repeated failed logins for one account are slowed:
 * after LOGIN_FREE_FAILURES failures in a row, the next attempt must wait
 * 1 s, then 2, 4, ... up to LOGIN_MAX_DELAY_S after the latest failure; a
 * success starts the count again. Attempts that come too early are refused
 * (429) without their password being checked, so they cost the service
 * nothing and tell the caller nothing. (Per client address, nginx's
 * limit_req on /user/login does the same.)
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

/* Make the table's hash key. 0, or -1 when libsodium cannot start. */
int login_throttle_init(void);

/* 0 if a login for email may be tried at now_ms, else seconds to wait. */
long login_throttle_check(const char *email, int64_t now_ms);

/* Record the outcome of a login for email that was tried at now_ms. */
void login_throttle_record(const char *email, int ok, int64_t now_ms);

#endif
