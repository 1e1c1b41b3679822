/*
 * check_admin.c - fcgi-user/admin.c, microshop-user --create-admin: the
 * password read from a FILE * (one line, its CR LF or LF taken off, 12 to
 * 256 bytes), the email checked, and an admin row written to a migrated
 * SQLite database in a temporary folder, its password hashed, with its
 * user.created event; each refusal says why on stderr and writes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "admin.h"
#include "check_suites.h"
#include "db.h"
#include "password.h"
#include "settings.h"
#include "user_events.h"
#include "user_store.h"

#define PW "correct horse battery"

static const struct password_config cheap = {
	.opslimit = 1, .memlimit = 8 * 1024,
	.slots = { .slots = 1, .workers = 1, .wait_ms = 1000 }
};

static char dir[64], path[96];
static struct svc_config cfg;
static char output[1024];	/* what admin_create printed, stdout and stderr */

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s/check-admin.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/user.db", dir);
	settings_defaults(&cfg, "user", path);
	log_init("check", LOG_LEVEL_ERROR);
	ck_assert_int_eq(password_init(&cheap), 0);
	ck_assert_int_eq(db_migrate(&cfg.db, &user_store_schema), 0);
}

static void
teardown(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char f[128];

	for (size_t i = 0; i < N_ELEMS(suffixes); i++) {
		snprintf(f, sizeof(f), "%s%s", path, suffixes[i]);
		unlink(f);
	}
	rmdir(dir);
	log_init("microshop", LOG_LEVEL_INFO);
}

/* admin_create with input[0..len) as its standard input; output captured. */
static int
create(const char *email, const char *input, size_t len)
{
	FILE *in = fmemopen((void *)input, len, "r");
	struct test_capture cap;
	int rc;

	ck_assert_ptr_nonnull(in);
	test_capture_begin(&cap);
	rc = admin_create(&cfg, email, in);
	test_capture_end(&cap, output, sizeof(output));
	fclose(in);
	return rc;
}

/* The stored credentials of email: STORE_OK or STORE_NOT_FOUND. */
static void
event_copy(const struct user_event *e, void *out)
{
	*(struct user_event *)out = *e;
}

static enum store_status
stored(const char *email, struct user_credentials *cred)
{
	struct db *db = db_open(&cfg.db, &user_store_schema, 0);
	enum store_status st;

	ck_assert_ptr_nonnull(db);
	st = user_store_credentials(db, email, cred);
	db_close(db);
	return st;
}

/* The newest event of the feed into *e; returns how many there are. */
static int64_t
newest_event(struct user_event *e)
{
	struct db *db = db_open(&cfg.db, &user_store_schema, 0);
	struct user_events_head head;

	ck_assert_ptr_nonnull(db);
	memset(e, 0, sizeof(*e));
	ck_assert_int_eq(user_events_head(db, &head), STORE_OK);
	if (head.last_seq > 0)
		ck_assert_int_eq(user_events_read(db, head.last_seq - 1, 1, event_copy, e, &head),
		    STORE_OK);
	db_close(db);
	return head.last_seq;
}

START_TEST(test_create)
{
	struct user_credentials cred;
	struct user_event e;

	ck_assert_int_eq(create("root@example.com", BYTES(PW "\n")), 0);
	ck_assert_str_eq(output, "admin 1 created: root@example.com\n");
	ck_assert_int_eq(stored("root@example.com", &cred), STORE_OK);
	ck_assert_int_eq(cred.id, 1);
	ck_assert_str_eq(cred.role, "admin");
	ck_assert_ptr_null(strstr(cred.password_hash, PW));
	ck_assert_int_eq(password_verify(cred.password_hash, BYTES(PW)), PASSWORD_OK);
	/* Other services hear of it as of a signup. */
	ck_assert_int_eq(newest_event(&e), 1);
	ck_assert_str_eq(e.type, "user.created");
	ck_assert_int_eq(e.user_id, 1);
	ck_assert_str_eq(e.role, "admin");
	ck_assert_str_eq(e.status, "active");

	/* A second, with CR LF; then one without a newline at all. */
	ck_assert_int_eq(create("two@example.com", BYTES("second password\r\n")), 0);
	ck_assert_str_eq(output, "admin 2 created: two@example.com\n");
	ck_assert_int_eq(stored("two@example.com", &cred), STORE_OK);
	ck_assert_int_eq(password_verify(cred.password_hash, BYTES("second password")),
	    PASSWORD_OK);
	ck_assert_int_eq(create("three@example.com", BYTES("third password")), 0);
	ck_assert_int_eq(stored("three@example.com", &cred), STORE_OK);
	ck_assert_int_eq(password_verify(cred.password_hash, BYTES("third password")),
	    PASSWORD_OK);
	/* Only the first line is the password. */
	ck_assert_int_eq(create("four@example.com", BYTES("fourth password\nmore\n")), 0);
	ck_assert_int_eq(stored("four@example.com", &cred), STORE_OK);
	ck_assert_int_eq(password_verify(cred.password_hash, BYTES("fourth password")),
	    PASSWORD_OK);
}
END_TEST

START_TEST(test_email_taken)
{
	struct user_credentials cred;
	struct user_event e;

	ck_assert_int_eq(create("root@example.com", BYTES(PW "\n")), 0);
	ck_assert_int_eq(create("root@example.com", BYTES("another password\n")), -1);
	ck_assert_str_eq(output, "--create-admin: a user with this email already exists\n");
	/* Refused: no second event. */
	ck_assert_int_eq(newest_event(&e), 1);
	ck_assert_int_eq(stored("root@example.com", &cred), STORE_OK);
	ck_assert_int_eq(password_verify(cred.password_hash, BYTES(PW)), PASSWORD_OK);
}
END_TEST

/* The lengths a password may have: 12 to 256 bytes, whatever ends the line. */
START_TEST(test_password_lengths)
{
	static const struct {
		size_t len;
		int rc;
	} cases[] = {
		{ 11, -1 }, { 12, 0 }, { 255, 0 }, { 256, 0 }, { 257, -1 }, { 4000, -1 },
	};
	static const char *const ends[] = { "\n", "\r\n", "" };

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		for (size_t e = 0; e < N_ELEMS(ends); e++) {
			char input[4003], email[64];
			struct user_credentials cred;

			memset(input, 'p', cases[i].len);
			memcpy(input + cases[i].len, ends[e], strlen(ends[e]));
			snprintf(email, sizeof(email), "len%zu.%zu@example.com", cases[i].len, e);
			ck_assert_msg(create(email, input, cases[i].len + strlen(ends[e])) ==
			    cases[i].rc, "%zu bytes, end %zu: %s", cases[i].len, e, output);
			if (cases[i].rc < 0) {
				ck_assert_str_eq(output, "--create-admin: the password must be 12 "
				    "to 256 bytes, without NUL\n");
				ck_assert_int_eq(stored(email, &cred), STORE_NOT_FOUND);
			} else {
				ck_assert_int_eq(stored(email, &cred), STORE_OK);
				ck_assert_int_eq(password_verify(cred.password_hash, input,
				    cases[i].len), PASSWORD_OK);
			}
		}
	}
}
END_TEST

/* Each refusal says why, and nothing is written. */
START_TEST(test_refused)
{
	static const struct {
		const char *email;
		const char *input;
		size_t len;
		const char *message;
	} cases[] = {
		{ "not-an-email", BYTES(PW "\n"), "--create-admin: the email " },
		{ "", BYTES(PW "\n"), "--create-admin: the email " },
		{ "root@example.com", BYTES(""), "--create-admin: no password on standard input\n" },
		{ "root@example.com", BYTES("\n"),
		  "--create-admin: the password must be 12 to 256 bytes, without NUL\n" },
		{ "root@example.com", BYTES("short\n"),
		  "--create-admin: the password must be 12 to 256 bytes, without NUL\n" },
		{ "root@example.com", BYTES("twelve bytes\0and more\n"),
		  "--create-admin: the password must be 12 to 256 bytes, without NUL\n" },
		{ "root@example.com", BYTES("twelve bytes\0and more"),
		  "--create-admin: the password must be 12 to 256 bytes, without NUL\n" },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct user_credentials cred;

		ck_assert_msg(create(cases[i].email, cases[i].input, cases[i].len) == -1,
		    "case %zu accepted", i);
		ck_assert_msg(strncmp(output, cases[i].message, strlen(cases[i].message)) == 0,
		    "case %zu: %s", i, output);
		ck_assert_int_eq(stored("root@example.com", &cred), STORE_NOT_FOUND);
	}
}
END_TEST

/* A database that cannot be written: said, with its path. */
START_TEST(test_database_missing)
{
	char missing[128];

	snprintf(missing, sizeof(missing), "%s/no/such/dir/user.db", dir);
	cfg.db.path = missing;
	ck_assert_int_eq(create("root@example.com", BYTES(PW "\n")), -1);
	ck_assert_msg(strstr(output, "--create-admin: cannot write ") != NULL &&
	    strstr(output, missing) != NULL, "%s", output);
	cfg.db.path = path;
}
END_TEST

Suite *
admin_suite(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("create");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_email_taken);
	tcase_add_test(tc, test_password_lengths);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_database_missing);
	suite_add_tcase(s, tc);
	return s;
}
