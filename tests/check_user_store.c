/*
 * check_user_store.c - fcgi-user/user_store.c, each test on a fresh
 * database migrated to user_store_schema: inserts (an email taken in any
 * ASCII case, a role the schema refuses), reads (not found, gone after a
 * delete), updates (a patch that changes nothing, the credential version
 * raised by a new password, email or role, a taken email, If-Match),
 * deletes, logins' credentials, sessions, logout, pages of the list
 * around their limit, after a cursor and filtered by email, and (SQLite)
 * reads in one snapshot while another connection writes.
 */
#include <stdio.h>
#include <string.h>

#include "check_store.h"
#include "user_store.h"

static void
setup(void)
{
	store_fixture_open(&user_store_schema, "user");
}

static struct user_input
input(const char *name, const char *email)
{
	struct user_input in;

	memset(&in, 0, sizeof(in));
	if (name != NULL) {
		in.has_name = 1;
		snprintf(in.name, sizeof(in.name), "%s", name);
	}
	if (email != NULL) {
		in.has_email = 1;
		snprintf(in.email, sizeof(in.email), "%s", email);
	}
	return in;
}

/* Insert a user as the API does: in a write transaction of its own. */
static enum store_status
add(const char *name, const char *email, const char *role, struct user *u)
{
	struct user_input in = input(name, email);
	enum store_status s;

	in.has_password = 1;
	snprintf(in.password_hash, sizeof(in.password_hash), "hash of %s", email);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	s = user_store_insert(test_db, &in, role, u);
	return db_end_write(test_db, s);
}

static int64_t
add_ok(const char *name, const char *email)
{
	struct user u;

	ck_assert_int_eq(add(name, email, "customer", &u), STORE_OK);
	return u.id;
}

static struct if_match
if_match(const char *value)
{
	struct if_match im;

	ck_assert_int_eq(if_match_parse(value, &im), 0);
	return im;
}

/* a and b are the same user, field by field. */
static void
user_same(const struct user *a, const struct user *b)
{
	ck_assert_int_eq(a->id, b->id);
	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->email, b->email);
	ck_assert_str_eq(a->created_at, b->created_at);
	ck_assert_str_eq(a->updated_at, b->updated_at);
	ck_assert_int_eq(a->version, b->version);
	ck_assert_str_eq(a->role, b->role);
	ck_assert_int_eq(a->cred_version, b->cred_version);
}

static void
time_ok(const char *t)
{
	ck_assert_msg(strlen(t) == DB_TIME_LEN - 1 && t[10] == 'T' && t[19] == 'Z', "time %s", t);
}

/* ------------------------------------------------------------------ */
/* Insert and get                                                      */
/* ------------------------------------------------------------------ */

START_TEST(test_insert)
{
	struct user u, got;

	ck_assert_int_eq(add("Ada", "ada@example.com", "customer", &u), STORE_OK);
	ck_assert_int_gt(u.id, 0);
	ck_assert_str_eq(u.name, "Ada");
	ck_assert_str_eq(u.email, "ada@example.com");
	ck_assert_str_eq(u.role, "customer");
	ck_assert_int_eq(u.version, 1);
	ck_assert_int_eq(u.cred_version, 1);
	time_ok(u.created_at);
	ck_assert_str_eq(u.created_at, u.updated_at);
	ck_assert_int_eq(user_store_get(test_db, u.id, &got), STORE_OK);
	user_same(&got, &u);
	ck_assert_int_eq(add("Root", "root@example.com", "admin", &u), STORE_OK);
	ck_assert_str_eq(u.role, "admin");
	ck_assert_int_gt(u.id, got.id);
}
END_TEST

START_TEST(test_insert_email_taken)
{
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(add("Other", "ada@example.com", "customer", &u), STORE_CONFLICT);
	/* Unique under ASCII case folding. */
	ck_assert_int_eq(add("Other", "ADA@Example.COM", "customer", &u), STORE_CONFLICT);
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_str_eq(u.name, "Ada");
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM users"), 1);
}
END_TEST

START_TEST(test_insert_role_refused)
{
	struct user u;

	ck_assert_int_eq(add("Ada", "ada@example.com", "boss", &u), STORE_CONFLICT);
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM users"), 0);
}
END_TEST

START_TEST(test_get_absent)
{
	struct user u;

	ck_assert_int_eq(user_store_get(test_db, 1, &u), STORE_NOT_FOUND);
	add_ok("Ada", "ada@example.com");
	ck_assert_int_eq(user_store_get(test_db, 2, &u), STORE_NOT_FOUND);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Delete                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_delete)
{
	struct if_match none = if_match(NULL);
	struct user_credentials c;
	struct user_session se;
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_delete(test_db, id, &none), STORE_OK);
	/* A tombstone tells a deleted user from one that never was. */
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_GONE);
	ck_assert_int_eq(user_store_get(test_db, id + 1, &u), STORE_NOT_FOUND);
	ck_assert_int_eq(user_store_delete(test_db, id, &none), STORE_GONE);
	ck_assert_int_eq(user_store_credentials_by_id(test_db, id, &c), STORE_NOT_FOUND);
	ck_assert_int_eq(user_store_credentials(test_db, "ada@example.com", &c), STORE_NOT_FOUND);
	ck_assert_int_eq(user_store_session(test_db, id, &se), STORE_NOT_FOUND);
	/* The email is free again; the id is never handed out again. */
	ck_assert_int_eq(add("Ada", "ada@example.com", "customer", &u), STORE_OK);
	ck_assert_int_gt(u.id, id);
}
END_TEST

START_TEST(test_delete_if_match)
{
	struct if_match old = if_match("\"2\""), cur = if_match("\"1\"");
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_delete(test_db, id, &old), STORE_STALE);
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_int_eq(user_store_delete(test_db, id, &cur), STORE_OK);
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_GONE);
}
END_TEST

START_TEST(test_delete_absent)
{
	struct if_match any = if_match("*");

	ck_assert_int_eq(user_store_delete(test_db, 42, &any), STORE_NOT_FOUND);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Update                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_update_name)
{
	struct if_match none = if_match(NULL);
	struct user_input in = input("Ada King", NULL);
	struct user u, got;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_update(test_db, id, &none, &in, &u), STORE_OK);
	ck_assert_str_eq(u.name, "Ada King");
	ck_assert_str_eq(u.email, "ada@example.com");
	ck_assert_int_eq(u.version, 2);
	/* A name is not what a token stands on. */
	ck_assert_int_eq(u.cred_version, 1);
	time_ok(u.updated_at);
	ck_assert_str_ge(u.updated_at, u.created_at);
	ck_assert_int_eq(user_store_get(test_db, id, &got), STORE_OK);
	user_same(&got, &u);
}
END_TEST

START_TEST(test_update_nothing)
{
	struct if_match none = if_match(NULL);
	struct user_input same = input("Ada", "ada@example.com"), empty = input(NULL, NULL);
	struct user before, u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_get(test_db, id, &before), STORE_OK);
	ck_assert_int_eq(user_store_update(test_db, id, &none, &same, &u), STORE_OK);
	user_same(&u, &before);
	ck_assert_int_eq(user_store_update(test_db, id, &none, &empty, &u), STORE_OK);
	user_same(&u, &before);
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_int_eq(u.version, 1);
}
END_TEST

/* What a token stands on: each change ends every token of the user. */
START_TEST(test_update_credentials)
{
	struct if_match none = if_match(NULL);
	struct user_credentials c;
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");
	struct user_input in;

	/* A new password, even one that hashes the same. */
	for (int i = 0; i < 2; i++) {
		in = input(NULL, NULL);
		in.has_password = 1;
		snprintf(in.password_hash, sizeof(in.password_hash), "new hash");
		ck_assert_int_eq(user_store_update(test_db, id, &none, &in, &u), STORE_OK);
		ck_assert_int_eq(u.version, 2 + i);
		ck_assert_int_eq(u.cred_version, 2 + i);
	}
	ck_assert_int_eq(user_store_credentials_by_id(test_db, id, &c), STORE_OK);
	ck_assert_str_eq(c.password_hash, "new hash");
	ck_assert_int_eq(c.cred_version, 3);

	in = input(NULL, "ada@example.org");
	ck_assert_int_eq(user_store_update(test_db, id, &none, &in, &u), STORE_OK);
	ck_assert_int_eq(u.version, 4);
	ck_assert_int_eq(u.cred_version, 4);
	ck_assert_str_eq(u.email, "ada@example.org");

	in = input(NULL, NULL);
	in.has_role = 1;
	snprintf(in.role, sizeof(in.role), "admin");
	ck_assert_int_eq(user_store_update(test_db, id, &none, &in, &u), STORE_OK);
	ck_assert_int_eq(u.version, 5);
	ck_assert_int_eq(u.cred_version, 5);
	ck_assert_str_eq(u.role, "admin");

	/* The password is kept when it is not part of a patch. */
	ck_assert_int_eq(user_store_credentials(test_db, "ada@example.org", &c), STORE_OK);
	ck_assert_str_eq(c.password_hash, "new hash");
	ck_assert_str_eq(c.role, "admin");
}
END_TEST

START_TEST(test_update_email_taken)
{
	struct if_match none = if_match(NULL);
	struct user_input in = input("Ada Two", "BOB@example.com");
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	add_ok("Bob", "bob@example.com");
	ck_assert_int_eq(user_store_update(test_db, id, &none, &in, &u), STORE_CONFLICT);
	/* Nothing of the patch was kept, not even the name. */
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_str_eq(u.name, "Ada");
	ck_assert_str_eq(u.email, "ada@example.com");
	ck_assert_int_eq(u.version, 1);
	ck_assert_int_eq(u.cred_version, 1);
}
END_TEST

START_TEST(test_update_if_match)
{
	struct if_match old = if_match("\"1\""), any = if_match("*");
	struct user_input in = input("Ada King", NULL);
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_update(test_db, id, &old, &in, &u), STORE_OK);
	ck_assert_int_eq(u.version, 2);
	/* The version the client read is no longer the current one. */
	in = input("Ada Lovelace", NULL);
	ck_assert_int_eq(user_store_update(test_db, id, &old, &in, &u), STORE_STALE);
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_str_eq(u.name, "Ada King");
	ck_assert_int_eq(user_store_update(test_db, id, &any, &in, &u), STORE_OK);
	ck_assert_str_eq(u.name, "Ada Lovelace");
	ck_assert_int_eq(u.version, 3);
}
END_TEST

START_TEST(test_update_absent)
{
	struct if_match none = if_match(NULL);
	struct user_input in = input("Ada King", NULL);
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_update(test_db, id + 1, &none, &in, &u), STORE_NOT_FOUND);
	ck_assert_int_eq(user_store_delete(test_db, id, &none), STORE_OK);
	ck_assert_int_eq(user_store_update(test_db, id, &none, &in, &u), STORE_GONE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Credentials, sessions, logout                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_credentials)
{
	struct user_credentials c;
	int64_t id;

	add_ok("Bob", "bob@example.com");
	id = add_ok("Ada", "Ada@Example.com");
	/* Found by its email in any ASCII case. */
	ck_assert_int_eq(user_store_credentials(test_db, "ADA@EXAMPLE.COM", &c), STORE_OK);
	ck_assert_int_eq(c.id, id);
	ck_assert_str_eq(c.email, "Ada@Example.com");
	ck_assert_str_eq(c.role, "customer");
	ck_assert_str_eq(c.password_hash, "hash of Ada@Example.com");
	ck_assert_int_eq(c.cred_version, 1);
	ck_assert_int_eq(user_store_credentials(test_db, "ada@example.org", &c), STORE_NOT_FOUND);
	ck_assert_int_eq(user_store_credentials_by_id(test_db, id, &c), STORE_OK);
	ck_assert_str_eq(c.email, "Ada@Example.com");
	ck_assert_int_eq(user_store_credentials_by_id(test_db, id + 1, &c), STORE_NOT_FOUND);
}
END_TEST

START_TEST(test_session_and_logout)
{
	struct user_session se;
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_int_eq(user_store_session(test_db, id, &se), STORE_OK);
	ck_assert_int_eq(se.cred_version, 1);
	ck_assert_str_eq(se.role, "customer");
	ck_assert_int_eq(user_store_session(test_db, id + 1, &se), STORE_NOT_FOUND);
	for (int i = 2; i <= 3; i++) {
		ck_assert_int_eq(user_store_logout(test_db, id), STORE_OK);
		ck_assert_int_eq(user_store_session(test_db, id, &se), STORE_OK);
		ck_assert_int_eq(se.cred_version, i);
	}
	/* A logout changes no representation: the ETag stays. */
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_int_eq(u.version, 1);
	ck_assert_int_eq(u.cred_version, 3);
}
END_TEST

/* On a file, where a second connection can write beside test_db. */
static void
setup_file(void)
{
	test_db = db_open(store_fixture_fresh("user", 1), &user_store_schema, 1);
	ck_assert_ptr_nonnull(test_db);
}

/*
 * SQLite: the reads between db_snapshot_begin and _end see the
 * database as the first of them found it, whatever another connection
 * commits meanwhile; after the end, the reads see that commit, and the
 * connection writes again (no transaction left open).
 */
START_TEST(test_snapshot)
{
	struct db *other = db_open(store_fixture_again(), &user_store_schema, 0);
	struct user_session se;
	struct user u;
	int64_t id = add_ok("Ada", "ada@example.com");

	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(db_snapshot_begin(test_db), 0);
	ck_assert_int_eq(user_store_session(test_db, id, &se), STORE_OK);
	ck_assert_int_eq(se.cred_version, 1);
	ck_assert_int_eq(user_store_logout(other, id), STORE_OK);
	ck_assert_int_eq(user_store_session(other, id, &se), STORE_OK);
	ck_assert_int_eq(se.cred_version, 2);
	ck_assert_int_eq(user_store_session(test_db, id, &se), STORE_OK);
	ck_assert_int_eq(se.cred_version, 1);
	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_int_eq(u.cred_version, 1);
	db_snapshot_end(test_db);

	ck_assert_int_eq(user_store_get(test_db, id, &u), STORE_OK);
	ck_assert_int_eq(u.cred_version, 2);
	ck_assert_int_eq(user_store_logout(test_db, id), STORE_OK);
	ck_assert_int_eq(user_store_session(other, id, &se), STORE_OK);
	ck_assert_int_eq(se.cred_version, 3);

	/* A snapshot that read nothing ends as cleanly. */
	ck_assert_int_eq(db_snapshot_begin(test_db), 0);
	db_snapshot_end(test_db);
	ck_assert_int_eq(user_store_logout(test_db, id), STORE_OK);
	db_close(other);
}
END_TEST

/* ------------------------------------------------------------------ */
/* List                                                                */
/* ------------------------------------------------------------------ */

struct listed {
	int64_t ids[16];
	int n;
};

static void
each(const struct user *u, void *arg)
{
	struct listed *l = arg;

	ck_assert_int_lt(l->n, 16);
	l->ids[l->n++] = u->id;
}

static struct listed
list(int64_t after, const char *email, int limit, int *more)
{
	struct listed l = { .n = 0 };

	*more = -1;
	ck_assert_int_eq(user_store_list(test_db, after, email, limit, each, &l, more), STORE_OK);
	return l;
}

START_TEST(test_list_pages)
{
	static const char *const emails[] = {
		"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com",
	};
	int64_t ids[N_ELEMS(emails)];
	struct listed l;
	int more;

	l = list(0, NULL, 3, &more);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(more, 0);
	for (size_t i = 0; i < N_ELEMS(emails); i++)
		ids[i] = add_ok("U", emails[i]);
	/* Pages of 2 after the cursor: 2, 2 and 1, and whether more follow. */
	l = list(0, NULL, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], ids[0]);
	ck_assert_int_eq(l.ids[1], ids[1]);
	ck_assert_int_eq(more, 1);
	l = list(ids[1], NULL, 2, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], ids[2]);
	ck_assert_int_eq(l.ids[1], ids[3]);
	ck_assert_int_eq(more, 1);
	l = list(ids[3], NULL, 2, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], ids[4]);
	ck_assert_int_eq(more, 0);
	/* Exactly the limit left: no more; one past it: more. */
	l = list(0, NULL, 5, &more);
	ck_assert_int_eq(l.n, 5);
	ck_assert_int_eq(more, 0);
	l = list(0, NULL, 4, &more);
	ck_assert_int_eq(l.n, 4);
	ck_assert_int_eq(more, 1);
	l = list(ids[4], NULL, 4, &more);
	ck_assert_int_eq(l.n, 0);
	ck_assert_int_eq(more, 0);
}
END_TEST

START_TEST(test_list_deleted_and_filtered)
{
	struct if_match none = if_match(NULL);
	struct listed l;
	int more;
	int64_t a = add_ok("A", "a@example.com"), b = add_ok("B", "Bob@example.com");

	add_ok("C", "c@example.com");
	ck_assert_int_eq(user_store_delete(test_db, a, &none), STORE_OK);
	l = list(0, NULL, 10, &more);
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(l.ids[0], b);
	/* By email, in any ASCII case. */
	l = list(0, "bob@EXAMPLE.com", 10, &more);
	ck_assert_int_eq(l.n, 1);
	ck_assert_int_eq(l.ids[0], b);
	ck_assert_int_eq(more, 0);
	l = list(b, "bob@example.com", 10, &more);
	ck_assert_int_eq(l.n, 0);
	l = list(0, "a@example.com", 10, &more);
	ck_assert_int_eq(l.n, 0);
}
END_TEST

Suite *
user_store_suite(void)
{
	Suite *s = suite_create("user_store");
	TCase *write = tcase_create("insert_get_delete");
	TCase *update = tcase_create("update");
	TCase *session = tcase_create("credentials");
	TCase *list_tc = tcase_create("list");
	TCase *snapshot = tcase_create("snapshot");

	tcase_add_checked_fixture(write, setup, store_fixture_clean);
	tcase_add_test(write, test_insert);
	tcase_add_test(write, test_insert_email_taken);
	tcase_add_test(write, test_insert_role_refused);
	tcase_add_test(write, test_get_absent);
	tcase_add_test(write, test_delete);
	tcase_add_test(write, test_delete_if_match);
	tcase_add_test(write, test_delete_absent);
	suite_add_tcase(s, write);

	tcase_add_checked_fixture(update, setup, store_fixture_clean);
	tcase_add_test(update, test_update_name);
	tcase_add_test(update, test_update_nothing);
	tcase_add_test(update, test_update_credentials);
	tcase_add_test(update, test_update_email_taken);
	tcase_add_test(update, test_update_if_match);
	tcase_add_test(update, test_update_absent);
	suite_add_tcase(s, update);

	tcase_add_checked_fixture(session, setup, store_fixture_clean);
	tcase_add_test(session, test_credentials);
	tcase_add_test(session, test_session_and_logout);
	suite_add_tcase(s, session);

	tcase_add_checked_fixture(list_tc, setup, store_fixture_clean);
	tcase_add_test(list_tc, test_list_pages);
	tcase_add_test(list_tc, test_list_deleted_and_filtered);
	suite_add_tcase(s, list_tc);

	/* Snapshots are SQLite's alone (db_snapshot_begin). */
	if (store_fixture_engine() == DB_SQLITE) {
		tcase_add_checked_fixture(snapshot, setup_file, store_fixture_clean);
		tcase_add_test(snapshot, test_snapshot);
		suite_add_tcase(s, snapshot);
	}
	return s;
}
