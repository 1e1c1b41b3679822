/*
 * check_user_events.c - fcgi-user/user_events.c, the outbox, through the
 * writes of user_store.c that append to it, each test on a fresh database
 * migrated to user_store_schema (on PostgreSQL too): each write appends
 * exactly its event with the right fields, a patch that changes nothing
 * and a write that fails append none, an event that cannot be appended
 * fails its write, seqs follow one another without a gap, and a writer
 * waits for the one before it to commit (seq order is commit order); the
 * feed's reads and head, the sweep and swept_through; the snapshot's rows,
 * pages and seq; and a database that had users before the outbox.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_store.h"
#include "user_events.h"
#include "user_store.h"

#define MAX_SEEN 16

static void
setup(void)
{
	store_fixture_open(&user_store_schema, "user");
}

/* Insert a user as the API does: in a write transaction of its own. */
static enum store_status
add(const char *name, const char *email, const char *role, struct user *u)
{
	struct user_input in;
	enum store_status s;

	memset(&in, 0, sizeof(in));
	in.has_name = in.has_email = in.has_password = 1;
	snprintf(in.name, sizeof(in.name), "%s", name);
	snprintf(in.email, sizeof(in.email), "%s", email);
	snprintf(in.password_hash, sizeof(in.password_hash), "hash of %s", email);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	s = user_store_insert(test_db, &in, role, u);
	return db_end_write(test_db, s);
}

static struct user
add_ok(const char *name, const char *email)
{
	struct user u;

	ck_assert_int_eq(add(name, email, "customer", &u), STORE_OK);
	return u;
}

static struct if_match
if_match(const char *value)
{
	struct if_match im;

	ck_assert_int_eq(if_match_parse(value, &im), 0);
	return im;
}

/* A patch of one field: "name", "email", "password" or "role". */
static struct user_input
patch(const char *field, const char *value)
{
	struct user_input in;

	memset(&in, 0, sizeof(in));
	if (strcmp(field, "name") == 0) {
		in.has_name = 1;
		snprintf(in.name, sizeof(in.name), "%s", value);
	} else if (strcmp(field, "email") == 0) {
		in.has_email = 1;
		snprintf(in.email, sizeof(in.email), "%s", value);
	} else if (strcmp(field, "password") == 0) {
		in.has_password = 1;
		snprintf(in.password_hash, sizeof(in.password_hash), "%s", value);
	} else {
		in.has_role = 1;
		snprintf(in.role, sizeof(in.role), "%s", value);
	}
	return in;
}

/* What a read of the feed saw. */
static struct {
	size_t n;
	struct user_event e[MAX_SEEN];
	struct user_events_head head;
} seen;

static void
seen_add(const struct user_event *e, void *arg)
{
	(void)arg;
	ck_assert_uint_lt(seen.n, MAX_SEEN);
	seen.e[seen.n++] = *e;
}

/* Read the feed after `after` (at most limit) into seen. */
static void
feed(int64_t after, int limit)
{
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(user_events_read(test_db, after, limit, seen_add, NULL, &seen.head),
	    STORE_OK);
}

static int64_t
last_seq(void)
{
	struct user_events_head h;

	ck_assert_int_eq(user_events_head(test_db, &h), STORE_OK);
	return h.last_seq;
}

/* Event i of seen is of type about user, with these fields. */
static void
event_is(size_t i, const char *type, int64_t user_id, int64_t version, const char *status,
    const char *role, int64_t cred_version)
{
	const struct user_event *e = &seen.e[i];

	ck_assert_uint_lt(i, seen.n);
	ck_assert_int_eq(e->schema, USER_EVENT_SCHEMA);
	ck_assert_str_eq(e->type, type);
	ck_assert_int_eq(e->user_id, user_id);
	ck_assert_int_eq(e->user_version, version);
	ck_assert_str_eq(e->status, status);
	ck_assert_str_eq(e->role, role);
	ck_assert_int_eq(e->cred_version, cred_version);
	ck_assert_msg(strlen(e->at) == DB_TIME_LEN - 1 && e->at[10] == 'T' && e->at[19] == 'Z',
	    "at %s", e->at);
}

/* ------------------------------------------------------------------ */
/* Each write appends its event                                        */
/* ------------------------------------------------------------------ */

START_TEST(test_fresh)
{
	feed(0, 10);
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_int_eq(seen.head.last_seq, 0);
	ck_assert_int_eq(seen.head.swept_through, 0);
}
END_TEST

START_TEST(test_each_write)
{
	struct if_match any = if_match(NULL);
	struct user_input in;
	struct user ada = add_ok("Ada", "ada@example.com"), u, admin;

	ck_assert_int_eq(add("Root", "root@example.com", "admin", &admin), STORE_OK);
	in = patch("name", "Ada King");
	ck_assert_int_eq(user_store_update(test_db, ada.id, &any, &in, &u), STORE_OK);
	in = patch("password", "a new hash");
	ck_assert_int_eq(user_store_update(test_db, ada.id, &any, &in, &u), STORE_OK);
	in = patch("role", "admin");
	ck_assert_int_eq(user_store_update(test_db, ada.id, &any, &in, &u), STORE_OK);
	ck_assert_int_eq(user_store_logout(test_db, ada.id), STORE_OK);
	ck_assert_int_eq(user_store_delete(test_db, ada.id, &any), STORE_OK);

	feed(0, 100);
	ck_assert_uint_eq(seen.n, 7);
	for (size_t i = 0; i < seen.n; i++)
		ck_assert_int_eq(seen.e[i].seq, (int64_t)i + 1);
	ck_assert_int_eq(seen.head.last_seq, 7);
	event_is(0, "user.created", ada.id, 1, "active", "customer", 1);
	event_is(1, "user.created", admin.id, 1, "active", "admin", 1);
	/* A name: a new version; the credential version stays. */
	event_is(2, "user.updated", ada.id, 2, "active", "customer", 1);
	/* A password, then a role: both end every token. */
	event_is(3, "user.updated", ada.id, 3, "active", "customer", 2);
	event_is(4, "user.updated", ada.id, 4, "active", "admin", 3);
	/* A logout: the credential version alone. */
	event_is(5, "user.updated", ada.id, 4, "active", "admin", 4);
	/* The deleted row's last version, role and credential version. */
	event_is(6, "user.deleted", ada.id, 4, "deleted", "admin", 4);
}
END_TEST

/* A patch that changes nothing appends nothing. */
START_TEST(test_no_change_no_event)
{
	struct if_match any = if_match(NULL);
	struct user_input in = patch("name", "Ada");
	struct user ada = add_ok("Ada", "ada@example.com"), u;

	ck_assert_int_eq(user_store_update(test_db, ada.id, &any, &in, &u), STORE_OK);
	in = patch("email", "ada@example.com");
	ck_assert_int_eq(user_store_update(test_db, ada.id, &any, &in, &u), STORE_OK);
	ck_assert_int_eq(u.version, 1);
	ck_assert_int_eq(last_seq(), 1);
}
END_TEST

/* A write that fails or is refused leaves no event. */
START_TEST(test_failed_write_no_event)
{
	struct if_match any = if_match(NULL), old = if_match("\"7\"");
	struct user_input in = patch("email", "grace@example.com");
	struct user ada = add_ok("Ada", "ada@example.com"), u;

	add_ok("Grace", "grace@example.com");
	ck_assert_int_eq(last_seq(), 2);
	ck_assert_int_eq(add("Other", "ADA@example.com", "customer", &u), STORE_CONFLICT);
	ck_assert_int_eq(add("Boss", "boss@example.com", "boss", &u), STORE_CONFLICT);
	ck_assert_int_eq(user_store_update(test_db, ada.id, &any, &in, &u), STORE_CONFLICT);
	in = patch("name", "Ada King");
	ck_assert_int_eq(user_store_update(test_db, ada.id, &old, &in, &u), STORE_STALE);
	ck_assert_int_eq(user_store_update(test_db, 999, &any, &in, &u), STORE_NOT_FOUND);
	ck_assert_int_eq(user_store_delete(test_db, ada.id, &old), STORE_STALE);
	ck_assert_int_eq(user_store_delete(test_db, 999, &any), STORE_NOT_FOUND);
	/* A logout of nobody ends no token. */
	ck_assert_int_eq(user_store_logout(test_db, 999), STORE_OK);
	ck_assert_int_eq(last_seq(), 2);
	feed(0, 10);
	ck_assert_uint_eq(seen.n, 2);

	/* A create rolled back by its caller (a failed Idempotency-Key save):
	 * its event, and its seq, are rolled back with it. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	memset(&in, 0, sizeof(in));
	in.has_name = in.has_email = 1;
	snprintf(in.name, sizeof(in.name), "Mary");
	snprintf(in.email, sizeof(in.email), "mary@example.com");
	ck_assert_int_eq(user_store_insert(test_db, &in, "customer", &u), STORE_OK);
	ck_assert_int_eq(db_end_write(test_db, STORE_ERR), STORE_ERR);
	ck_assert_int_eq(last_seq(), 2);
	add_ok("Mary", "mary@example.com");
	feed(2, 10);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.e[0].seq, 3);
}
END_TEST

/* An event that cannot be appended fails its write: nothing changes. */
START_TEST(test_append_fails_write)
{
	struct if_match any = if_match(NULL);
	struct user_input in = patch("name", "Ada King");
	struct user ada = add_ok("Ada", "ada@example.com"), u;

	/* Seq 2, the next one, taken behind the outbox's back. */
	store_fixture_query(0, "INSERT INTO user_events (seq, schema_version, type, user_id,"
	    " user_version, status, role, credential_version, at) VALUES (2, 1,"
	    " 'user.updated', 1, 1, 'active', 'customer', 1, '2026-01-01T00:00:00Z')");
	ck_assert_int_ne(user_store_update(test_db, ada.id, &any, &in, &u), STORE_OK);
	ck_assert_int_ne(user_store_delete(test_db, ada.id, &any), STORE_OK);
	ck_assert_int_ne(user_store_logout(test_db, ada.id), STORE_OK);
	ck_assert_int_ne(add("Grace", "grace@example.com", "customer", &u), STORE_OK);
	ck_assert_int_eq(user_store_get(test_db, ada.id, &u), STORE_OK);
	ck_assert_str_eq(u.name, "Ada");
	ck_assert_int_eq(u.version, 1);
	ck_assert_int_eq(u.cred_version, 1);
	ck_assert_int_eq(store_fixture_query(1, "SELECT count(*) FROM users"), 1);
	ck_assert_int_eq(last_seq(), 1);
}
END_TEST

/* A second writer, on a connection of its own, in a thread of its own. */
struct writer {
	struct db *db;
	int64_t id;
	atomic_int done;
	enum store_status s;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct if_match any = if_match(NULL);
	struct user_input in = patch("name", "Written second");
	struct user u;

	w->s = user_store_update(w->db, w->id, &any, &in, &u);
	atomic_store(&w->done, 1);
	return NULL;
}

/*
 * While a write that took seq N is not committed, the next writer waits
 * (the seq row's lock on PostgreSQL, the one writer on SQLite), and a
 * reader sees neither: seq N is never read after N + 1.
 */
START_TEST(test_commit_order)
{
	struct if_match any = if_match(NULL);
	struct user_input in = patch("name", "Written first");
	struct writer w = { 0 };
	struct user a, b, u;
	struct db *reader;
	pthread_t t;

	store_fixture_clean();
	test_db = db_open(store_fixture_fresh("user", 1), &user_store_schema, 1);
	ck_assert_ptr_nonnull(test_db);
	w.db = db_open(store_fixture_again(), &user_store_schema, 0);
	reader = db_open(store_fixture_again(), &user_store_schema, 0);
	ck_assert_ptr_nonnull(w.db);
	ck_assert_ptr_nonnull(reader);
	a = add_ok("A", "a@example.com");
	b = add_ok("B", "b@example.com");
	w.id = b.id;

	/* The first write takes seq 3 and stays open. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_store_insert(test_db, &(struct user_input){ .has_name = 1,
	    .has_email = 1, .name = "C", .email = "c@example.com" }, "customer", &u), STORE_OK);
	ck_assert_int_eq(pthread_create(&t, NULL, writer_main, &w), 0);
	usleep(300 * 1000);
	ck_assert_int_eq(atomic_load(&w.done), 0);
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(user_events_read(reader, 2, 10, seen_add, NULL, &seen.head), STORE_OK);
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_int_eq(seen.head.last_seq, 2);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(w.s, STORE_OK);

	ck_assert_int_eq(user_events_read(reader, 2, 10, seen_add, NULL, &seen.head), STORE_OK);
	ck_assert_uint_eq(seen.n, 2);
	event_is(0, "user.created", u.id, 1, "active", "customer", 1);
	ck_assert_int_eq(seen.e[0].seq, 3);
	event_is(1, "user.updated", b.id, 2, "active", "customer", 1);
	ck_assert_int_eq(seen.e[1].seq, 4);
	/* The seqs go on from there. */
	ck_assert_int_eq(user_store_update(test_db, a.id, &any, &in, &u), STORE_OK);
	ck_assert_int_eq(last_seq(), 5);
	db_close(reader);
	db_close(w.db);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reading the feed                                                    */
/* ------------------------------------------------------------------ */

START_TEST(test_read_pages)
{
	char email[64];

	for (int i = 0; i < 5; i++) {
		snprintf(email, sizeof(email), "u%d@example.com", i);
		add_ok("U", email);
	}
	feed(0, 2);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_int_eq(seen.e[0].seq, 1);
	ck_assert_int_eq(seen.e[1].seq, 2);
	ck_assert_int_eq(seen.head.last_seq, 5);
	feed(2, 2);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_int_eq(seen.e[0].seq, 3);
	feed(4, 100);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.e[0].seq, 5);
	/* Past the end: nothing, and the head still. */
	feed(5, 100);
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_int_eq(seen.head.last_seq, 5);
	feed(50, 100);
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_int_eq(seen.head.last_seq, 5);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The sweep                                                           */
/* ------------------------------------------------------------------ */

START_TEST(test_sweep)
{
	int64_t removed = -1, through = -1;
	char email[64];

	for (int i = 0; i < 5; i++) {
		snprintf(email, sizeof(email), "u%d@example.com", i);
		add_ok("U", email);
	}
	/* Nothing written before 2000. */
	ck_assert_int_eq(user_events_sweep(test_db, "2000-01-01T00:00:00Z", &removed, &through),
	    STORE_OK);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(through, 0);

	/* Events 1 to 3 written long ago, and 2 the oldest: a sweep removes the
	 * whole prefix up to the newest old one, so the feed stays one run. */
	store_fixture_query(0, "UPDATE user_events SET at = '2020-01-01T00:00:00Z'"
	    " WHERE seq IN (1, 3)");
	store_fixture_query(1, "UPDATE user_events SET at = '2019-01-01T00:00:00Z'"
	    " WHERE seq = 2");
	ck_assert_int_eq(user_events_sweep(test_db, "2021-01-01T00:00:00Z", &removed, &through),
	    STORE_OK);
	ck_assert_int_eq(removed, 3);
	ck_assert_int_eq(through, 3);
	feed(0, 100);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_int_eq(seen.e[0].seq, 4);
	ck_assert_int_eq(seen.head.swept_through, 3);
	ck_assert_int_eq(seen.head.last_seq, 5);

	/* Again: nothing more is that old. */
	ck_assert_int_eq(user_events_sweep(test_db, "2021-01-01T00:00:00Z", &removed, &through),
	    STORE_OK);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(through, 3);

	/* Everything: the feed is empty, its seqs go on where they were. */
	ck_assert_int_eq(user_events_sweep(test_db, "9999-01-01T00:00:00Z", &removed, &through),
	    STORE_OK);
	ck_assert_int_eq(removed, 2);
	ck_assert_int_eq(through, 5);
	add_ok("V", "v@example.com");
	feed(5, 100);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.e[0].seq, 6);
	ck_assert_int_eq(seen.head.swept_through, 5);
	ck_assert_int_eq(store_fixture_query(2, "SELECT count(*) FROM user_events"), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The snapshot                                                        */
/* ------------------------------------------------------------------ */

static struct {
	size_t n;
	struct user_state u[MAX_SEEN];
} snap;

static void
snap_add(const struct user_state *s, void *arg)
{
	(void)arg;
	ck_assert_uint_lt(snap.n, MAX_SEEN);
	snap.u[snap.n++] = *s;
}

/* Read a page of the snapshot into snap; returns its more. */
static int
snapshot(int64_t after, int limit, int64_t *seq)
{
	int more = -1;

	memset(&snap, 0, sizeof(snap));
	ck_assert_int_eq(user_events_snapshot(test_db, after, limit, snap_add, NULL, seq, &more),
	    STORE_OK);
	return more;
}

START_TEST(test_snapshot)
{
	struct if_match any = if_match(NULL);
	struct user_input in = patch("password", "another hash");
	struct user a = add_ok("A", "a@example.com"), b = add_ok("B", "b@example.com"),
	    c = add_ok("C", "c@example.com"), u;
	int64_t seq = -1;

	ck_assert_int_eq(user_store_update(test_db, a.id, &any, &in, &u), STORE_OK);
	ck_assert_int_eq(user_store_delete(test_db, b.id, &any), STORE_OK);

	ck_assert_int_eq(snapshot(0, 10, &seq), 0);
	ck_assert_int_eq(seq, 5);
	ck_assert_uint_eq(snap.n, 3);
	ck_assert_int_eq(snap.u[0].id, a.id);
	ck_assert_int_eq(snap.u[0].deleted, 0);
	ck_assert_str_eq(snap.u[0].role, "customer");
	ck_assert_int_eq(snap.u[0].cred_version, 2);
	ck_assert_int_eq(snap.u[0].version, 2);
	ck_assert_int_eq(snap.u[1].id, b.id);
	ck_assert_int_eq(snap.u[1].deleted, 1);
	ck_assert_int_eq(snap.u[2].id, c.id);
	ck_assert_int_eq(snap.u[2].deleted, 0);
	ck_assert_int_eq(snap.u[2].version, 1);

	/* Pages, a deleted user among them, each with the seq. */
	ck_assert_int_eq(snapshot(0, 2, &seq), 1);
	ck_assert_uint_eq(snap.n, 2);
	ck_assert_int_eq(snap.u[1].id, b.id);
	ck_assert_int_eq(snapshot(b.id, 2, &seq), 0);
	ck_assert_uint_eq(snap.n, 1);
	ck_assert_int_eq(snap.u[0].id, c.id);
	ck_assert_int_eq(seq, 5);
	ck_assert_int_eq(snapshot(a.id, 1, &seq), 1);
	ck_assert_int_eq(snap.u[0].id, b.id);

	/* After the last user: no row, and still the seq. */
	add_ok("D", "d@example.com");
	ck_assert_int_eq(snapshot(c.id + 1, 10, &seq), 0);
	ck_assert_uint_eq(snap.n, 0);
	ck_assert_int_eq(seq, 6);
}
END_TEST

/*
 * A database with users before the outbox: their changes stand as seq 1,
 * swept, so that a consumer from seq 0 resyncs from the snapshot (seq 1).
 */
START_TEST(test_upgrade_with_users)
{
	const struct db_schema before = { user_store_schema.sqlite, user_store_schema.postgresql,
		6 };
	int64_t seq = -1;

	store_fixture_clean();
	test_db = db_open(store_fixture_fresh("user", 1), &before, 1);
	ck_assert_ptr_nonnull(test_db);
	store_fixture_query(0, "INSERT INTO users (name, email, created_at, updated_at, version)"
	    " VALUES ('Old', 'old@example.com', '2026-01-01T00:00:00Z',"
	    " '2026-01-01T00:00:00Z', 4)");
	db_close(test_db);
	test_db = db_open(store_fixture_again(), &user_store_schema, 1);
	ck_assert_ptr_nonnull(test_db);

	feed(0, 10);
	ck_assert_uint_eq(seen.n, 0);
	ck_assert_int_eq(seen.head.last_seq, 1);
	ck_assert_int_eq(seen.head.swept_through, 1);
	ck_assert_int_eq(snapshot(0, 10, &seq), 0);
	ck_assert_int_eq(seq, 1);
	ck_assert_uint_eq(snap.n, 1);
	ck_assert_int_eq(snap.u[0].version, 4);
	/* The next change is seq 2. */
	add_ok("New", "new@example.com");
	feed(1, 10);
	ck_assert_uint_eq(seen.n, 1);
	ck_assert_int_eq(seen.e[0].seq, 2);
}
END_TEST

START_TEST(test_snapshot_empty)
{
	int64_t seq = -1;

	ck_assert_int_eq(snapshot(0, 10, &seq), 0);
	ck_assert_uint_eq(snap.n, 0);
	ck_assert_int_eq(seq, 0);
}
END_TEST

Suite *
user_events_suite(void)
{
	Suite *s = suite_create("user_events");
	TCase *tc = tcase_create("outbox");

	tcase_add_checked_fixture(tc, setup, store_fixture_clean);
	tcase_add_test(tc, test_fresh);
	tcase_add_test(tc, test_each_write);
	tcase_add_test(tc, test_no_change_no_event);
	tcase_add_test(tc, test_failed_write_no_event);
	tcase_add_test(tc, test_append_fails_write);
	tcase_add_test(tc, test_commit_order);
	tcase_add_test(tc, test_read_pages);
	tcase_add_test(tc, test_sweep);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_snapshot_empty);
	tcase_add_test(tc, test_upgrade_with_users);
	suite_add_tcase(s, tc);
	return s;
}
