/*
 * admin.c - make an admin from the command line; see admin.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "db.h"
#include "password.h"
#include "user_model.h"
#include "user_store.h"

/* Read one line of at most USER_PASSWORD_MAX bytes into in. 0, or -1. */
static int
password_read(FILE *f, struct user_input *in, const char **why)
{
	size_t len;

	if (fgets(in->password, sizeof(in->password), f) == NULL) {
		*why = "no password on standard input";
		return -1;
	}
	len = strcspn(in->password, "\n");
	if (in->password[len] != '\n' && !feof(f)) {
		*why = "the password must be 12 to 256 bytes";
		return -1;
	}
	in->password[len] = '\0';
	if (len > 0 && in->password[len - 1] == '\r')
		in->password[--len] = '\0';
	in->password_len = len;
	if (user_password_check(in->password, len, why) < 0) {
		*why = "the password must be 12 to 256 bytes, without NUL";
		return -1;
	}
	return 0;
}

int
admin_create(const struct svc_config *cfg, const char *email, FILE *f)
{
	struct user_input in;
	struct user u;
	struct db *db = NULL;
	const char *why = NULL;
	enum store_status st = STORE_ERR;
	int rc = -1;

	memset(&in, 0, sizeof(in));
	snprintf(in.name, sizeof(in.name), "Administrator");
	if (user_email_check(email, strlen(email), &why) < 0) {
		fprintf(stderr, "--create-admin: the email %s\n", why);
		goto out;
	}
	snprintf(in.email, sizeof(in.email), "%s", email);
	if (password_read(f, &in, &why) < 0) {
		fprintf(stderr, "--create-admin: %s\n", why);
		goto out;
	}
	if (password_hash(in.password, in.password_len, in.password_hash) != PASSWORD_OK) {
		fprintf(stderr, "--create-admin: the password could not be hashed\n");
		goto out;
	}
	db = db_open(&cfg->db, &user_store_schema, 0);
	if (db == NULL || db_begin_write(db) != STORE_OK) {
		fprintf(stderr, "--create-admin: cannot write %s\n", cfg->db.path);
		goto out;
	}
	st = db_end_write(db, user_store_insert(db, &in, "admin", &u));
	if (st == STORE_CONFLICT)
		fprintf(stderr, "--create-admin: a user with this email already exists\n");
	else if (st != STORE_OK)
		fprintf(stderr, "--create-admin: the user could not be stored\n");
	else
		printf("admin %" PRId64 " created: %s\n", u.id, u.email);
	rc = st == STORE_OK ? 0 : -1;
out:
	sodium_memzero(in.password, sizeof(in.password));
	db_close(db);
	return rc;
}
