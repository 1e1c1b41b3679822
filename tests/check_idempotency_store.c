/*
 * check_idempotency_store.c - common/db/idempotency_store.c, each test on
 * a fresh database with its two migrations alone: an answer kept and found
 * again (every field, a hash with NUL bytes), keys that belong to their
 * caller and route, the keys from before owners, expiry and the sweep, a
 * key stored twice, and the migration that gave keys their owners.
 */
#include <stdio.h>
#include <string.h>

#include "check_store.h"
#include "db_rows.h"
#include "idempotency_store.h"

#define ROUTE "POST /thing"

static const char *const keys_sqlite[] = {
	IDEMPOTENCY_MIGRATION,
	IDEMPOTENCY_MIGRATION_OWNED(ROUTE),
};
static const char *const keys_postgresql[] = {
	IDEMPOTENCY_MIGRATION_PG,
	IDEMPOTENCY_MIGRATION_OWNED_PG(ROUTE),
};
static DB_SCHEMA(keys, keys_sqlite, keys_postgresql);
/* Before keys had owners. */
static const struct db_schema keys_v1 = { keys_sqlite, keys_postgresql, 1 };

static const unsigned char hash[IDEMPOTENCY_HASH_LEN] = {
	0x00, 0x01, 0xff, 0x27, 0x5c, 0x00, 0x80, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8,
	9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 0x00,
};

static void
setup(void)
{
	store_fixture_open(&keys, "test");
}

/* What found() was given, copied. */
struct seen {
	int calls;
	unsigned char hash[IDEMPOTENCY_HASH_LEN];
	size_t hash_len;
	int status;
	char location[64], etag[16], body[64];
};

static void
found(const struct idempotency_answer *a, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->hash_len = a->hash_len;
	memcpy(s->hash, a->hash, a->hash_len < sizeof(s->hash) ? a->hash_len : sizeof(s->hash));
	s->status = a->status;
	snprintf(s->location, sizeof(s->location), "%s", a->location);
	snprintf(s->etag, sizeof(s->etag), "%s", a->etag);
	snprintf(s->body, sizeof(s->body), "%s", a->body);
}

/* Keep body as key's answer for principal, stored at now, in its own write. */
static enum store_status
save(const char *principal, const char *key, const char *body, int64_t oldest, int64_t now)
{
	struct idempotency_key k = { principal, ROUTE, key };
	struct idempotency_answer a = { hash, sizeof(hash), 201, "/thing/1", "\"1\"", body };
	enum store_status s;

	ck_assert_int_eq(db_begin_write(test_db), STORE_OK);
	s = idempotency_store_save(test_db, &k, &a, oldest, now);
	return db_end_write(test_db, s);
}

/* Find key for principal on route, stored after oldest: hit or not. */
static int
find(const char *principal, const char *route, const char *key, int64_t oldest,
    struct seen *s)
{
	struct idempotency_key k = { principal, route, key };
	int hit = -1;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(idempotency_store_find(test_db, &k, oldest, found, s, &hit), STORE_OK);
	ck_assert_int_eq(s->calls, hit);
	return hit;
}

/* The body of key's answer for principal on route, or NULL: none. */
static const char *
body_of(const char *principal, const char *route, const char *key, int64_t oldest)
{
	static struct seen s;

	return find(principal, route, key, oldest, &s) ? s.body : NULL;
}

START_TEST(test_save_find)
{
	struct seen s;

	ck_assert_int_eq(find("customer:1", ROUTE, "k1", 0, &s), 0);
	ck_assert_int_eq(save("customer:1", "k1", "{\"id\":1}", 0, 1000), STORE_OK);
	ck_assert_int_eq(find("customer:1", ROUTE, "k1", 0, &s), 1);
	ck_assert_uint_eq(s.hash_len, sizeof(hash));
	ck_assert_mem_eq(s.hash, hash, sizeof(hash));
	ck_assert_int_eq(s.status, 201);
	ck_assert_str_eq(s.location, "/thing/1");
	ck_assert_str_eq(s.etag, "\"1\"");
	ck_assert_str_eq(s.body, "{\"id\":1}");
}
END_TEST

START_TEST(test_owned)
{
	ck_assert_int_eq(save("customer:1", "k1", "one", 0, 1000), STORE_OK);
	/* Another caller, another route, another key: none of them is this one. */
	ck_assert_pstr_eq(body_of("customer:2", ROUTE, "k1", 0), NULL);
	ck_assert_pstr_eq(body_of("customer:1", "POST /other", "k1", 0), NULL);
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "K1", 0), NULL);
	/* The same key is another caller's own. */
	ck_assert_int_eq(save("customer:2", "k1", "two", 0, 1000), STORE_OK);
	ck_assert_pstr_eq(body_of("customer:2", ROUTE, "k1", 0), "two");
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "k1", 0), "one");
}
END_TEST

START_TEST(test_from_before_owners)
{
	/* A key of no one answers every caller; the caller's own comes first. */
	ck_assert_int_eq(save("", "k1", "anyone's", 0, 1000), STORE_OK);
	ck_assert_pstr_eq(body_of("customer:2", ROUTE, "k1", 0), "anyone's");
	ck_assert_int_eq(save("customer:1", "k1", "mine", 0, 1000), STORE_OK);
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "k1", 0), "mine");
	ck_assert_pstr_eq(body_of("customer:2", ROUTE, "k1", 0), "anyone's");
}
END_TEST

START_TEST(test_expiry_and_sweep)
{
	ck_assert_int_eq(save("customer:1", "old", "old", 0, 100), STORE_OK);
	/* Found only when stored after oldest. */
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "old", 99), "old");
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "old", 100), NULL);
	/* The next save sweeps what is at or before its oldest. */
	ck_assert_int_eq(save("customer:1", "kept", "kept", 50, 200), STORE_OK);
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "old", 0), "old");
	ck_assert_int_eq(save("customer:1", "new", "new", 100, 300), STORE_OK);
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "old", 0), NULL);
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "kept", 0), "kept");
	ck_assert_int_eq(store_fixture_query(0, "SELECT count(*) FROM idempotency_keys"), 2);
}
END_TEST

START_TEST(test_saved_twice)
{
	ck_assert_int_eq(save("customer:1", "k1", "first", 0, 1000), STORE_OK);
	/* Only another process can have stored it meanwhile: its retry replays. */
	ck_assert_int_eq(save("customer:1", "k1", "second", 0, 1001), STORE_BUSY);
	ck_assert_pstr_eq(body_of("customer:1", ROUTE, "k1", 0), "first");
}
END_TEST

/* The keys stored before the owners' migration belong to no one and to ROUTE. */
START_TEST(test_owners_migration)
{
	const struct db_config *cfg = store_fixture_fresh("test", 1);
	struct seen s;

	test_db = db_open(cfg, &keys_v1, 1);
	ck_assert_ptr_nonnull(test_db);
	/* A blob literal is x'..' on SQLite, '\x..' (bytea's hex form) on PostgreSQL. */
	store_fixture_query(0, store_fixture_engine() == DB_SQLITE ?
	    "INSERT INTO idempotency_keys (key, request_hash, status, location, etag, body,"
	    " created_at) VALUES ('k1', x'00ff', 201, '/thing/9', '\"1\"', 'before', 1000)" :
	    "INSERT INTO idempotency_keys (key, request_hash, status, location, etag, body,"
	    " created_at) VALUES ('k1', '\\x00ff', 201, '/thing/9', '\"1\"', 'before', 1000)");
	db_close(test_db);
	test_db = db_open(cfg, &keys, 1);
	ck_assert_ptr_nonnull(test_db);
	ck_assert_int_eq(find("customer:7", ROUTE, "k1", 0, &s), 1);
	ck_assert_str_eq(s.body, "before");
	ck_assert_str_eq(s.location, "/thing/9");
	ck_assert_uint_eq(s.hash_len, 2);
	ck_assert_int_eq(s.hash[1], 0xff);
	ck_assert_pstr_eq(body_of("customer:7", "POST /other", "k1", 0), NULL);
	/* The new key: a caller's own beside the old one. */
	ck_assert_int_eq(save("customer:7", "k1", "mine", 0, 2000), STORE_OK);
	ck_assert_pstr_eq(body_of("customer:7", ROUTE, "k1", 0), "mine");
}
END_TEST

Suite *
idempotency_store_suite(void)
{
	Suite *s = suite_create("idempotency_store");
	TCase *tc = tcase_create("keys");
	TCase *migration = tcase_create("migration");

	tcase_add_checked_fixture(tc, setup, store_fixture_clean);
	tcase_add_test(tc, test_save_find);
	tcase_add_test(tc, test_owned);
	tcase_add_test(tc, test_from_before_owners);
	tcase_add_test(tc, test_expiry_and_sweep);
	tcase_add_test(tc, test_saved_twice);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(migration, NULL, store_fixture_clean);
	tcase_add_test(migration, test_owners_migration);
	suite_add_tcase(s, migration);
	return s;
}
