/*
 * admin.h - microshop-user --create-admin EMAIL: the one way an admin is
 * made. Not through the API, so that no request can ever grant the role.
 */
#ifndef MICROSHOP_ADMIN_H
#define MICROSHOP_ADMIN_H

#include <stdio.h>

#include "settings.h"

/*
 * Read a password (12..256 bytes, one line) from in, hash it, and insert
 * an admin with this email into cfg's database. Messages go to stderr; the
 * new id to stdout. Returns 0, or -1.
 */
int admin_create(const struct svc_config *cfg, const char *email, FILE *in);

#endif
