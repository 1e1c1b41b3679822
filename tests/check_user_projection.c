/*
 * check_user_projection.c - fcgi-order/user_projection.c, each test on a
 * fresh order database (order_store_schema, where the projection's tables
 * are migrations) with a one-product price list: the feed's cursor, absent
 * at first, then moved by a compare-and-set that writes nothing when
 * another instance moved it first; facts applied newer over older by
 * sequence, a lookup's (sequence 0) never over anything, a deletion never
 * undone; a deletion's effect, the user's pending orders cancelled (and
 * nothing else), once however often it is applied; a batch that fails
 * halfway leaving nothing; the check an order's write makes; and a
 * snapshot's page, which leaves the cursor where it is.
 */
#include <stdio.h>
#include <string.h>

#include "check_store.h"
#include "order_rows.h"
#include "order_store.h"
#include "product_store.h"
#include "user_projection.h"

static void
setup(void)
{
	struct product p = { .sku = "tea", .name = "Green tea", .unit_price_cents = 350,
	    .currency = "EUR", .active = 1 };
	struct if_match none;
	int created;

	store_fixture_open(&order_store_schema, "order");
	ck_assert_int_eq(if_match_parse(NULL, &none), 0);
	ck_assert_int_eq(product_store_put(test_db, &p, &none, 0, &created), STORE_OK);
}

/* ------------------------------------------------------------------ */
/* Facts, orders, and what the database holds                         */
/* ------------------------------------------------------------------ */

/* What an event or a snapshot row says of an active user. */
static struct user_fact
active(int64_t id, int64_t seq, int64_t cred_version, const char *role)
{
	struct user_fact f = { .id = id, .cred_version = cred_version,
	    .user_version = cred_version + 10, .seq = seq };

	snprintf(f.role, sizeof(f.role), "%s", role);
	return f;
}

/* What a deletion event says (a snapshot's deleted row says no role). */
static struct user_fact
deleted(int64_t id, int64_t seq)
{
	struct user_fact f = { .id = id, .deleted = 1, .cred_version = 1, .user_version = 9,
	    .seq = seq };

	snprintf(f.role, sizeof(f.role), "customer");
	return f;
}

/* What a lookup of GET /user/{id} says, as order_api.c records it. */
static struct user_fact
looked_up(int64_t id)
{
	return (struct user_fact){ .id = id };
}

/* The projection's row of user id; fails the test when there is none. */
static int64_t
cursor(void)
{
	int64_t seq = 12345;

	ck_assert_int_eq(user_projection_cursor(test_db, &seq), STORE_OK);
	return seq;
}

static long long
users_known(void)
{
	return store_fixture_query(0, "SELECT count(*) FROM known_users");
}

/* Order id moved to status `to` by an admin. */
static void
order_move(int64_t id, enum order_status to)
{
	struct if_match none;
	struct order o;

	ck_assert_int_eq(if_match_parse(NULL, &none), 0);
	ck_assert_int_eq(order_store_set_status(test_db, id, &none, to, ORDER_ACTOR_ADMIN, &o),
	    STORE_OK);
}

/* Check order id: its status, why the service cancelled it, its version. */
static void
check_order(int64_t id, enum order_status status, const char *reason, int64_t version)
{
	static struct order o;

	ck_assert_int_eq(order_store_get(test_db, id, &o), STORE_OK);
	ck_assert_msg(o.status == status, "order %lld: %s, want %s", (long long)id,
	    order_status_name(o.status), order_status_name(status));
	ck_assert_str_eq(o.cancel_reason, reason);
	ck_assert_int_eq(o.version, version);
}

/* Apply facts[0..n) moving the cursor from `from` to `to`; *cancelled. */
static enum store_status
apply(int64_t from, int64_t to, const struct user_fact *facts, size_t n, int64_t *cancelled)
{
	*cancelled = -1;
	return user_projection_apply(test_db, from, to, facts, n, cancelled);
}

/* Apply one fact as a batch of its own, from the cursor to its seq. */
static void
apply_one(struct user_fact f)
{
	int64_t cancelled;

	ck_assert_int_eq(apply(cursor(), f.seq > cursor() ? f.seq : cursor(), &f, 1,
	    &cancelled), STORE_OK);
}

/* ------------------------------------------------------------------ */
/* The cursor                                                          */
/* ------------------------------------------------------------------ */

START_TEST(test_cursor_none)
{
	ck_assert_int_eq(cursor(), USER_CURSOR_NONE);
	ck_assert(order_rows_unknown(test_db, 7));
	ck_assert_int_eq(users_known(), 0);
}
END_TEST

START_TEST(test_cursor_start)
{
	struct user_fact f[] = { active(7, 4, 1, "customer"), active(8, 5, 2, "admin") };
	int64_t cancelled;

	/* The first batch after a snapshot (or of a feed that starts at 0). */
	ck_assert_int_eq(apply(USER_CURSOR_NONE, 5, f, 2, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 0);
	ck_assert_int_eq(cursor(), 5);
	ck_assert_int_eq(order_rows_known(test_db, 8).seq, 5);
	/* A second instance that also found no cursor: too late. */
	f[0] = deleted(7, 6);
	ck_assert_int_eq(apply(USER_CURSOR_NONE, 6, f, 1, &cancelled), STORE_STALE);
	ck_assert_int_eq(cancelled, 0);
	ck_assert_int_eq(cursor(), 5);
	ck_assert_int_eq(order_rows_known(test_db, 7).deleted, 0);
	/* A cursor at 0: the snapshot of a feed without events yet. */
	ck_assert_int_eq(apply(5, 0, NULL, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(cursor(), 0);
}
END_TEST

/* The compare-and-set: a batch applied by another instance writes nothing here. */
START_TEST(test_cursor_stale)
{
	static const int64_t wrong[] = { USER_CURSOR_NONE, 0, 4, 6, 9 };
	int64_t order, cancelled;

	apply_one(active(7, 5, 1, "customer"));
	order = order_rows_pending(test_db, 7);
	ck_assert_int_eq(cursor(), 5);
	for (size_t i = 0; i < N_ELEMS(wrong); i++) {
		struct user_fact f[] = { active(8, 6, 1, "customer"), deleted(7, 7) };

		ck_assert_int_eq(apply(wrong[i], 7, f, 2, &cancelled), STORE_STALE);
		ck_assert_int_eq(cancelled, 0);
		ck_assert_int_eq(cursor(), 5);
		ck_assert(order_rows_unknown(test_db, 8));
		ck_assert_int_eq(order_rows_known(test_db, 7).deleted, 0);
		check_order(order, ORDER_PENDING, "", 1);
	}
	ck_assert_int_eq(users_known(), 1);

	/* From where it is, the same batch applies. */
	{
		struct user_fact f[] = { active(8, 6, 1, "customer"), deleted(7, 7) };

		ck_assert_int_eq(apply(5, 7, f, 2, &cancelled), STORE_OK);
		ck_assert_int_eq(cancelled, 1);
		ck_assert_int_eq(cursor(), 7);
		ck_assert_int_eq(order_rows_known(test_db, 7).deleted, 1);
		ck_assert_int_eq(order_rows_known(test_db, 8).seq, 6);
		check_order(order, ORDER_CANCELLED, "user_deleted", 2);
		/* And a second time, not: the cursor has moved on. */
		ck_assert_int_eq(apply(5, 7, f, 2, &cancelled), STORE_STALE);
		ck_assert_int_eq(cursor(), 7);
	}
}
END_TEST

/* A batch that fails halfway leaves nothing: not its facts, effects or cursor. */
START_TEST(test_apply_all_or_nothing)
{
	struct user_fact f[] = { deleted(7, 6), active(8, 7, 1, "customer"),
	    active(0, 8, 1, "customer") };	/* no user has id 0 */
	int64_t order, cancelled;

	apply_one(active(7, 5, 1, "customer"));
	order = order_rows_pending(test_db, 7);
	/* (The failure is logged.) */
	ck_assert_int_ne(apply(5, 8, f, 3, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 0);
	ck_assert_int_eq(cursor(), 5);
	ck_assert_int_eq(order_rows_known(test_db, 7).deleted, 0);
	ck_assert(order_rows_unknown(test_db, 8));
	check_order(order, ORDER_PENDING, "", 1);
	/* The connection is usable after it. */
	ck_assert_int_eq(apply(5, 7, f, 2, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Facts                                                               */
/* ------------------------------------------------------------------ */

START_TEST(test_fact_read_back)
{
	struct user_known k;

	apply_one(active(7, 3, 4, "admin"));
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.deleted, 0);
	ck_assert_str_eq(k.role, "admin");
	ck_assert_int_eq(k.cred_version, 4);
	ck_assert_int_eq(k.seq, 3);
	ck_assert_int_eq(store_fixture_query(1, "SELECT user_version FROM known_users"
	    " WHERE id = 7"), 14);
	ck_assert(order_rows_unknown(test_db, 8));
}
END_TEST

START_TEST(test_newer_over_older)
{
	struct user_fact batch[] = { active(7, 11, 6, "customer"), active(7, 12, 7, "admin") };
	int64_t cancelled;
	struct user_known k;

	apply_one(active(7, 5, 1, "customer"));
	apply_one(active(7, 8, 2, "admin"));
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.seq, 8);
	ck_assert_int_eq(k.cred_version, 2);
	ck_assert_str_eq(k.role, "admin");

	/* Older news, and news as old, is ignored (a page of a snapshot newer
	 * than the events replayed after it). */
	ck_assert_int_eq(user_projection_apply_page(test_db, (struct user_fact[]){
	    active(7, 6, 3, "customer") }, 1, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(user_projection_apply_page(test_db, (struct user_fact[]){
	    active(7, 8, 4, "customer") }, 1, 0, &cancelled), STORE_OK);
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.seq, 8);
	ck_assert_int_eq(k.cred_version, 2);
	ck_assert_str_eq(k.role, "admin");
	ck_assert_int_eq(store_fixture_query(1, "SELECT user_version FROM known_users"
	    " WHERE id = 7"), 12);

	/* In one batch, each in turn: the last one stands. */
	ck_assert_int_eq(apply(cursor(), 12, batch, 2, &cancelled), STORE_OK);
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.seq, 12);
	ck_assert_int_eq(k.cred_version, 7);
	ck_assert_str_eq(k.role, "admin");
	ck_assert_int_eq(users_known(), 1);
}
END_TEST

/* A deletion is final: no newer fact, snapshot row or lookup undoes it. */
START_TEST(test_deletion_final)
{
	struct user_fact f = deleted(7, 5);
	int64_t cancelled;
	struct user_known k;

	apply_one(active(7, 2, 1, "customer"));
	apply_one(f);
	ck_assert_int_eq(order_rows_known(test_db, 7).deleted, 1);
	apply_one(active(7, 9, 3, "admin"));
	ck_assert_int_eq(user_projection_apply_page(test_db, (struct user_fact[]){
	    active(7, 20, 4, "admin") }, 1, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	f = looked_up(7);
	ck_assert_int_eq(user_projection_check(test_db, &f, 7, &k), STORE_OK);
	ck_assert_int_eq(k.deleted, 1);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.deleted, 1);
	ck_assert_int_eq(k.seq, 5);
	ck_assert_int_eq(k.cred_version, 1);
	ck_assert_int_eq(cursor(), 9);
}
END_TEST

/* A lookup (sequence 0) tells of an unknown user only; the feed's word wins. */
START_TEST(test_lookup_never_overwrites)
{
	struct user_fact f = looked_up(7);
	struct user_known k;
	int64_t cancelled;

	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_projection_check(test_db, &f, 7, &k), STORE_OK);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.deleted, 0);
	ck_assert_int_eq(k.seq, 0);
	ck_assert_int_eq(k.cred_version, 0);
	ck_assert_str_eq(k.role, "");

	/* Any event is newer than a lookup. */
	apply_one(active(7, 1, 3, "customer"));
	ck_assert_int_eq(order_rows_known(test_db, 7).cred_version, 3);
	/* A lookup again, or a fact of sequence 0 applied: nothing changes. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_projection_check(test_db, &f, 7, &k), STORE_OK);
	ck_assert_int_eq(k.cred_version, 3);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	f.seq = 0;
	ck_assert_int_eq(user_projection_apply_page(test_db, &f, 1, 0, &cancelled), STORE_OK);
	k = order_rows_known(test_db, 7);
	ck_assert_int_eq(k.seq, 1);
	ck_assert_int_eq(k.cred_version, 3);
	ck_assert_str_eq(k.role, "customer");
}
END_TEST

/* ------------------------------------------------------------------ */
/* A deletion's effect                                                 */
/* ------------------------------------------------------------------ */

START_TEST(test_deletion_cancels_pending)
{
	int64_t pending1, pending2, paid, shipped, cancelled_before, other, cancelled;
	struct user_fact f = deleted(7, 6);

	apply_one(active(7, 2, 1, "customer"));
	apply_one(active(8, 3, 1, "customer"));
	pending1 = order_rows_pending(test_db, 7);
	paid = order_rows_pending(test_db, 7);
	order_move(paid, ORDER_PAID);
	shipped = order_rows_pending(test_db, 7);
	order_move(shipped, ORDER_PAID);
	order_move(shipped, ORDER_SHIPPED);
	cancelled_before = order_rows_pending(test_db, 7);
	order_move(cancelled_before, ORDER_CANCELLED);
	pending2 = order_rows_pending(test_db, 7);
	other = order_rows_pending(test_db, 8);

	ck_assert_int_eq(apply(3, 6, &f, 1, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 2);
	check_order(pending1, ORDER_CANCELLED, "user_deleted", 2);
	check_order(pending2, ORDER_CANCELLED, "user_deleted", 2);
	/* What the customer paid for is left for an admin to settle. */
	check_order(paid, ORDER_PAID, "", 2);
	check_order(shipped, ORDER_SHIPPED, "", 3);
	/* Cancelled before, by someone else: not cancelled again. */
	check_order(cancelled_before, ORDER_CANCELLED, "", 2);
	check_order(other, ORDER_PENDING, "", 1);

	/* Applied again (a replay after a resync, a snapshot's deleted row):
	 * nothing left to cancel, nothing moved. */
	f.seq = 7;
	ck_assert_int_eq(apply(6, 7, &f, 1, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 0);
	ck_assert_int_eq(user_projection_apply_page(test_db, &f, 1, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 0);
	check_order(pending1, ORDER_CANCELLED, "user_deleted", 2);
	check_order(pending2, ORDER_CANCELLED, "user_deleted", 2);
	check_order(other, ORDER_PENDING, "", 1);
}
END_TEST

/* A user the projection never heard of (orders from before it): still cancelled. */
START_TEST(test_deletion_of_unknown_user)
{
	struct user_fact f[] = { deleted(9, 4), deleted(10, 5) };
	int64_t order, cancelled;

	order = order_rows_pending(test_db, 9);
	ck_assert_int_eq(apply(USER_CURSOR_NONE, 5, f, 2, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 1);
	check_order(order, ORDER_CANCELLED, "user_deleted", 2);
	ck_assert_int_eq(order_rows_known(test_db, 9).deleted, 1);
	ck_assert_int_eq(order_rows_known(test_db, 10).deleted, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The check of an order's write                                       */
/* ------------------------------------------------------------------ */

START_TEST(test_check_in_write)
{
	struct user_fact f = looked_up(7);
	struct user_known k;

	/* Unknown, nothing to record: not found, nothing written. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_projection_check(test_db, NULL, 7, &k), STORE_NOT_FOUND);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	ck_assert(order_rows_unknown(test_db, 7));

	/* A lookup's answer is recorded in the write, and read back in it. */
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_projection_check(test_db, &f, 7, &k), STORE_OK);
	ck_assert_int_eq(k.deleted, 0);
	ck_assert_int_eq(k.seq, 0);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	ck_assert_int_eq(order_rows_known(test_db, 7).deleted, 0);

	/* A write rolled back (the order refused) records nothing. */
	f = looked_up(8);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_projection_check(test_db, &f, 8, &k), STORE_OK);
	ck_assert_int_eq(db_end_write(test_db, STORE_CONFLICT), STORE_CONFLICT);
	ck_assert(order_rows_unknown(test_db, 8));

	/* A deleted user is reported deleted, whatever the lookup said. */
	apply_one(deleted(9, 3));
	f = looked_up(9);
	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	ck_assert_int_eq(user_projection_check(test_db, &f, 9, &k), STORE_OK);
	ck_assert_int_eq(k.deleted, 1);
	ck_assert_int_eq(user_projection_check(test_db, NULL, 9, &k), STORE_OK);
	ck_assert_int_eq(k.deleted, 1);
	ck_assert_int_eq(db_end_write(test_db, STORE_OK), STORE_OK);
	ck_assert_int_eq(users_known(), 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A snapshot's page                                                   */
/* ------------------------------------------------------------------ */

START_TEST(test_page_leaves_cursor)
{
	struct user_fact page[] = { active(3, 40, 1, "customer"), deleted(4, 40),
	    active(7, 40, 2, "admin") };
	int64_t order, cancelled;

	page[1].role[0] = '\0';		/* a snapshot's deleted row */
	page[1].cred_version = page[1].user_version = 0;
	order = order_rows_pending(test_db, 4);
	ck_assert_int_eq(user_projection_apply_page(test_db, page, 3, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 1);
	ck_assert_int_eq(cursor(), USER_CURSOR_NONE);
	ck_assert_int_eq(users_known(), 3);
	ck_assert_int_eq(order_rows_known(test_db, 3).seq, 40);
	ck_assert_int_eq(order_rows_known(test_db, 4).deleted, 1);
	ck_assert_str_eq(order_rows_known(test_db, 7).role, "admin");
	check_order(order, ORDER_CANCELLED, "user_deleted", 2);

	/* With a cursor, it stays where it is. */
	ck_assert_int_eq(apply(USER_CURSOR_NONE, 40, NULL, 0, &cancelled), STORE_OK);
	page[0] = active(3, 50, 5, "customer");
	ck_assert_int_eq(user_projection_apply_page(test_db, page, 1, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 0);
	ck_assert_int_eq(cursor(), 40);
	ck_assert_int_eq(order_rows_known(test_db, 3).cred_version, 5);
	/* An empty page is no error. */
	ck_assert_int_eq(user_projection_apply_page(test_db, NULL, 0, 0, &cancelled), STORE_OK);
	ck_assert_int_eq(cancelled, 0);
}
END_TEST

Suite *
user_projection_suite(void)
{
	Suite *s = suite_create("user_projection");
	TCase *cursor_tc = tcase_create("cursor");
	TCase *facts = tcase_create("facts");
	TCase *effects = tcase_create("effects");

	tcase_add_checked_fixture(cursor_tc, setup, store_fixture_clean);
	tcase_add_test(cursor_tc, test_cursor_none);
	tcase_add_test(cursor_tc, test_cursor_start);
	tcase_add_test(cursor_tc, test_cursor_stale);
	tcase_add_test(cursor_tc, test_apply_all_or_nothing);
	suite_add_tcase(s, cursor_tc);

	tcase_add_checked_fixture(facts, setup, store_fixture_clean);
	tcase_add_test(facts, test_fact_read_back);
	tcase_add_test(facts, test_newer_over_older);
	tcase_add_test(facts, test_deletion_final);
	tcase_add_test(facts, test_lookup_never_overwrites);
	suite_add_tcase(s, facts);

	tcase_add_checked_fixture(effects, setup, store_fixture_clean);
	tcase_add_test(effects, test_deletion_cancels_pending);
	tcase_add_test(effects, test_deletion_of_unknown_user);
	tcase_add_test(effects, test_check_in_write);
	tcase_add_test(effects, test_page_leaves_cursor);
	suite_add_tcase(s, effects);
	return s;
}
