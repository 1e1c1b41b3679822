/*
 * admin.c - make an admin from the command line; see admin.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <sodium.h>

#include "admin.h"
#include "db.h"
#include "password.h"
#include "user_model.h"
#include "user_store.h"

/*
 * Read the first line of f, its LF or CR LF taken off, into in as the
 * password. All of the line is read, so that the limits are the API's:
 * 12 to 256 bytes, a NUL inside refused rather than ending it. 0, or -1.
 */
static int
password_read(FILE *f, struct user_input *in, const char **why)
{
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t n = getline(&line, &cap, f);
	int rc = -1;

	if (n < 0) {
		*why = "no password on standard input";
		goto out;
	}
	len = (size_t)n;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (user_password_check(line, len, why) < 0) {
		*why = "the password must be 12 to 256 bytes, without NUL";
		goto out;
	}
	memcpy(in->password, line, len);
	in->password[len] = '\0';
	in->password_len = len;
	rc = 0;
out:
	if (line != NULL)
		sodium_memzero(line, cap);
	free(line);
	return rc;
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
