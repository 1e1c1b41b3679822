/*
 * check_idempotency.c - common/serve/idempotency.c: which Idempotency-Key
 * values are well formed (1..255 visible ASCII characters), and what a key
 * does to a create, on a fresh in-memory SQLite database: the first
 * request stores its answer with its write, the same request again is
 * replayed with Idempotent-Replayed and writes nothing, the same key with
 * another body is a 422; a key belongs to its caller (another caller's
 * identical key is another key; a request without a token is bound to its
 * own body); a key expires after --idempotency-ttl; the same key while its
 * first request runs is a 409; and only a 2xx is stored.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "check_request_support.h"
#include "check_suites.h"
#include "idempotency.h"
#include "metrics.h"
#include "problem.h"
#include "request.h"

START_TEST(test_key_ok)
{
	static const char *const good[] = {
		"a", "5f0c7a2e-1d3b-4c8e-9a77-0b6d2e4f1a90", "\"quoted\"", "!~", "key/with:punct",
	};
	static const char *const bad[] = {
		"", " ", "a b", "tab\there", "caf\xc3\xa9", "del\x7f", "nl\n",
	};
	char max[IDEMPOTENCY_KEY_MAX + 2];

	for (size_t i = 0; i < N_ELEMS(good); i++)
		ck_assert_msg(idempotency_key_ok(good[i]), "'%s' refused", good[i]);
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		ck_assert_msg(!idempotency_key_ok(bad[i]), "'%s' accepted", bad[i]);
	ck_assert(!idempotency_key_ok(NULL));
	memset(max, 'k', sizeof(max));
	max[IDEMPOTENCY_KEY_MAX] = '\0';
	ck_assert_msg(idempotency_key_ok(max), "a key of %d characters refused",
	    IDEMPOTENCY_KEY_MAX);
	max[IDEMPOTENCY_KEY_MAX] = 'k';
	max[IDEMPOTENCY_KEY_MAX + 1] = '\0';
	ck_assert_msg(!idempotency_key_ok(max), "a key of %d characters accepted",
	    IDEMPOTENCY_KEY_MAX + 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A service that creates things                                     */
/* ------------------------------------------------------------------ */

static void
no_handler(struct http_request *req)
{
	(void)req;
}

static const struct route routes[] = {
	{ "POST", "/thing", no_handler, NULL, ROUTE_USER_OR_SERVICE, 0 },
	{ "POST", "/signup", no_handler, NULL, ROUTE_PUBLIC, 0 },
};

static const char *const sqlite_migrations[] = {
	"CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;",
	IDEMPOTENCY_MIGRATION,
	IDEMPOTENCY_MIGRATION_OWNED("POST /thing"),
};
static const char *const pg_migrations[] = {
	"CREATE TABLE things (id bigserial PRIMARY KEY, name text NOT NULL);",
	IDEMPOTENCY_MIGRATION_PG,
	IDEMPOTENCY_MIGRATION_OWNED_PG("POST /thing"),
};
static const struct db_schema schema = {
	sqlite_migrations, pg_migrations, N_ELEMS(sqlite_migrations)
};
static const struct db_config db_cfg = { .service = "test", .engine = DB_SQLITE, .path = ":memory:" };

static const struct db_sql sql[] = {
	{ "INSERT INTO things (name) VALUES (?1) RETURNING id", NULL },
	{ "SELECT count(*) FROM things", NULL },
	{ "SELECT count(*) FROM idempotency_keys", NULL },
	{ "UPDATE idempotency_keys SET created_at = created_at - ?1", NULL },
};

static struct db *db;

struct thing {
	char name[64];
	int64_t id;
};

/* What the create path did. */
static int inserts, prepares;
static enum store_status insert_fails;	/* the next insert's answer, once */
static int prepare_refuses;		/* the next prepare answers 502, once */
static void (*during_prepare)(void);	/* what runs while a request is in flight */

static void
id_read(struct db_stmt *st, void *out)
{
	*(int64_t *)out = db_column_int64(st, 0);
}

static enum store_status
thing_insert(struct db *d, void *arg)
{
	struct thing *t = arg;
	struct db_stmt *st;
	enum store_status s;

	inserts++;
	if (insert_fails != STORE_OK) {
		s = insert_fails;
		insert_fails = STORE_OK;
		return s;
	}
	if ((st = db_stmt(d, 0, &sql[0])) == NULL)
		return db_failure(d);
	db_bind_text(st, 1, t->name);
	return db_step_one(st, id_read, &t->id);
}

static struct json_object *
thing_json(const void *arg, int64_t *id, int64_t *version)
{
	const struct thing *t = arg;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(t->id));
	json_object_object_add(o, "name", json_object_new_string(t->name));
	*id = t->id;
	*version = 1;
	return o;
}

static void
thing_problem(struct http_request *req, enum store_status st)
{
	store_problem_send(req, st, "the thing is taken");
}

static const struct create_ops ops = { thing_insert, thing_json, "/thing", thing_problem };

static int
prepare(struct http_request *req, void *arg)
{
	void (*during)(void) = during_prepare;

	(void)arg;
	prepares++;
	if (prepare_refuses) {
		prepare_refuses = 0;
		http_problem_send(req, 502, "the other service did not answer");
		return -1;
	}
	during_prepare = NULL;
	if (during != NULL)
		during();
	return 0;
}

static int64_t
rows(unsigned idx)
{
	int64_t n = -1;

	ck_assert_int_eq(db_step_one(db_stmt(db, idx, &sql[idx]), id_read, &n), STORE_OK);
	return n;
}

#define THINGS rows(1)
#define KEYS rows(2)

/* Make every stored key seconds older. */
static void
keys_age(int64_t seconds)
{
	struct db_stmt *st = db_stmt(db, 3, &sql[3]);

	db_bind_int64(st, 1, seconds);
	ck_assert_int_eq(db_exec_stmt(st), STORE_OK);
}

enum caller { ANONYMOUS, CUSTOMER_1, CUSTOMER_2, SERVICE };

/*
 * POST body as caller with key (NULL: none) through idempotent_create, as
 * a service's handler does: the body read, then the create. The answer is
 * in the treq returned.
 */
static struct treq *
create(enum caller caller, const char *key, const char *body)
{
	struct treq *t = treq_new("POST", caller == ANONYMOUS ? "/signup" : "/thing", body);
	struct thing thing = { "", 0 };
	struct json_object *o, *name;

	t->req.match.route = &routes[caller == ANONYMOUS];
	if (caller != ANONYMOUS)
		t->req.auth = (struct token_claims){
			.role = caller == SERVICE ? TOKEN_SERVICE : TOKEN_CUSTOMER,
			.user_id = caller == SERVICE ? 0 : caller,
			.service = "microshop-order",
			.exp = INT64_MAX,
		};
	if (key != NULL)
		treq_param(t, "HTTP_IDEMPOTENCY_KEY", key);
	ck_assert_int_eq(http_read_json_object(&t->req, http_json_types, &o), 0);
	if (json_object_object_get_ex(o, "name", &name))
		snprintf(thing.name, sizeof(thing.name), "%s", json_object_get_string(name));
	json_object_put(o);
	idempotent_create(&t->req, db, &ops, &thing, prepare);
	return t;
}

/* create(), and check that it made thing id (0: any) anew. Frees it. */
static void
created(enum caller caller, const char *key, const char *body, int64_t id)
{
	struct treq *t = create(caller, key, body);
	char location[32];

	ck_assert_msg(treq_status(t) == 201, "%s: %d", body, t->req.status);
	ck_assert_ptr_null(treq_header(t, "Idempotent-Replayed"));
	if (id != 0) {
		snprintf(location, sizeof(location), "/thing/%lld", (long long)id);
		ck_assert_pstr_eq(treq_header(t, "Location"), location);
	}
	treq_free(t);
}

/* create(), and check that it replayed the first answer. Frees it. */
static void
replayed(enum caller caller, const char *key, const char *body, int64_t id)
{
	struct treq *t = create(caller, key, body);
	char location[32];

	ck_assert_msg(treq_status(t) == 201, "%s: %d", body, t->req.status);
	ck_assert_pstr_eq(treq_header(t, "Idempotent-Replayed"), "true");
	snprintf(location, sizeof(location), "/thing/%lld", (long long)id);
	ck_assert_pstr_eq(treq_header(t, "Location"), location);
	treq_free(t);
}

static void
setup(void)
{
	db = db_open(&db_cfg, &schema, 1);
	ck_assert_ptr_nonnull(db);
	inserts = prepares = 0;
	insert_fails = STORE_OK;
	prepare_refuses = 0;
	during_prepare = NULL;
	metrics_reset();
	idempotency_metrics_register();
}

static void
teardown(void)
{
	db_close(db);
	db = NULL;
}

#define PEN "{\"name\":\"pen\"}"
#define INK "{\"name\":\"ink\"}"

START_TEST(test_no_key)
{
	created(CUSTOMER_1, NULL, PEN, 1);
	created(CUSTOMER_1, NULL, PEN, 2);
	ck_assert_int_eq(THINGS, 2);
	ck_assert_int_eq(KEYS, 0);
	ck_assert_int_eq(prepares, 2);
}
END_TEST

START_TEST(test_bad_key)
{
	static const char *const bad[] = { "", "a b", "caf\xc3\xa9" };

	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		struct treq *t = create(CUSTOMER_1, bad[i], PEN);

		treq_problem(t, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters");
		treq_free(t);
	}
	ck_assert_int_eq(THINGS, 0);
	ck_assert_int_eq(prepares, 0);
}
END_TEST

/* The same request again: the first answer, byte for byte, and no write. */
START_TEST(test_replay)
{
	double replays = treq_metric("microshop_idempotency_replays_total");
	struct treq *first = create(CUSTOMER_1, "k1", PEN), *again;
	const char *body;
	size_t len, again_len;

	ck_assert_int_eq(treq_status(first), 201);
	ck_assert_pstr_eq(treq_header(first, "Location"), "/thing/1");
	ck_assert_int_eq(THINGS, 1);
	ck_assert_int_eq(KEYS, 1);
	ck_assert_double_eq(treq_metric("microshop_idempotency_replays_total"), replays);

	again = create(CUSTOMER_1, "k1", PEN);
	ck_assert_int_eq(treq_status(again), 201);
	ck_assert_pstr_eq(treq_header(again, "Idempotent-Replayed"), "true");
	ck_assert_pstr_eq(treq_header(again, "Location"), "/thing/1");
	ck_assert_pstr_eq(treq_header(again, "ETag"), "\"1\"");
	ck_assert_pstr_eq(treq_header(again, "Content-Type"), "application/json");
	body = treq_body(first, &len);
	ck_assert_mem_eq(treq_body(again, &again_len), body, len);
	ck_assert_uint_eq(again_len, len);
	ck_assert_int_eq(THINGS, 1);
	ck_assert_int_eq(inserts, 1);
	/* The replay runs nothing of the create: not even prepare. */
	ck_assert_int_eq(prepares, 1);
	ck_assert_double_eq(treq_metric("microshop_idempotency_replays_total"), replays + 1);
	treq_free(first);
	treq_free(again);
}
END_TEST

START_TEST(test_other_body)
{
	struct treq *t;

	created(CUSTOMER_1, "k1", PEN, 1);
	t = create(CUSTOMER_1, "k1", INK);
	treq_problem(t, 422, "used with a different request");
	ck_assert_ptr_null(treq_header(t, "Idempotent-Replayed"));
	treq_free(t);
	/* The body's bytes, not its meaning: another spacing is another body. */
	t = create(CUSTOMER_1, "k1", "{\"name\": \"pen\"}");
	treq_problem(t, 422, NULL);
	treq_free(t);
	ck_assert_int_eq(THINGS, 1);
	/* The key still answers its own request. */
	replayed(CUSTOMER_1, "k1", PEN, 1);
	/* Another key is another request. */
	created(CUSTOMER_1, "k2", INK, 2);
}
END_TEST

/* A key belongs to its caller: another's identical key is another key. */
START_TEST(test_callers)
{
	struct treq *t;

	created(CUSTOMER_1, "k", PEN, 1);
	created(CUSTOMER_2, "k", PEN, 2);
	created(SERVICE, "k", PEN, 3);
	/* ... and never says that the key was used: no 422 for another body. */
	created(ANONYMOUS, "k", INK, 4);
	ck_assert_int_eq(THINGS, 4);
	ck_assert_int_eq(KEYS, 4);
	/* Each caller's key answers its own first request. */
	replayed(CUSTOMER_1, "k", PEN, 1);
	replayed(CUSTOMER_2, "k", PEN, 2);
	replayed(SERVICE, "k", PEN, 3);
	t = create(CUSTOMER_2, "k", INK);
	treq_problem(t, 422, NULL);
	treq_free(t);
}
END_TEST

/* Without a token, a key is bound to the request: another body, another key. */
START_TEST(test_anonymous)
{
	created(ANONYMOUS, "k", PEN, 1);
	replayed(ANONYMOUS, "k", PEN, 1);
	created(ANONYMOUS, "k", INK, 2);
	replayed(ANONYMOUS, "k", INK, 2);
	ck_assert_int_eq(THINGS, 2);
}
END_TEST

/* Kept --idempotency-ttl seconds; then the key is new again, and swept. */
START_TEST(test_expiry)
{
	long ttl = 24 * 60 * 60;	/* settings_defaults' */

	created(CUSTOMER_1, "old", PEN, 1);
	created(CUSTOMER_2, "other", PEN, 2);
	keys_age(ttl - 5);
	replayed(CUSTOMER_1, "old", PEN, 1);
	keys_age(10);
	created(CUSTOMER_1, "old", PEN, 3);
	ck_assert_int_eq(THINGS, 3);
	/* The new key's save swept both expired ones. */
	ck_assert_int_eq(KEYS, 1);
	replayed(CUSTOMER_1, "old", PEN, 3);
	created(CUSTOMER_2, "other", PEN, 4);
}
END_TEST

/* What runs while CUSTOMER_1's request with key "k" is in flight. */
static void
same_key_meanwhile(void)
{
	struct treq *t = create(CUSTOMER_1, "k", PEN);

	treq_problem(t, 409, "still in progress");
	ck_assert_pstr_eq(treq_header(t, "Retry-After"), "1");
	treq_free(t);
	/* Another caller's identical key is not blocked. */
	created(CUSTOMER_2, "k", PEN, 1);
}

START_TEST(test_in_flight)
{
	during_prepare = same_key_meanwhile;
	created(CUSTOMER_1, "k", PEN, 2);
	ck_assert_ptr_null(during_prepare);
	ck_assert_int_eq(THINGS, 2);
	/* Done: the key is free, and answers with what it stored. */
	replayed(CUSTOMER_1, "k", PEN, 2);
}
END_TEST

/* A refused request changed nothing: its key stores nothing, and it runs again. */
START_TEST(test_only_success_stored)
{
	struct treq *t;

	insert_fails = STORE_CONFLICT;
	t = create(CUSTOMER_1, "k", PEN);
	treq_problem(t, 409, "the thing is taken");
	treq_free(t);
	ck_assert_int_eq(KEYS, 0);
	prepare_refuses = 1;
	t = create(CUSTOMER_1, "k", PEN);
	treq_problem(t, 502, NULL);
	treq_free(t);
	ck_assert_int_eq(KEYS, 0);
	ck_assert_int_eq(THINGS, 0);
	/* Neither left the key in flight. */
	created(CUSTOMER_1, "k", PEN, 1);
	ck_assert_int_eq(inserts, 2);
	replayed(CUSTOMER_1, "k", PEN, 1);
}
END_TEST

/* A key that cannot be looked up: the store's failure, and no write. */
START_TEST(test_store_fails)
{
	struct treq *t;

	ck_assert_int_eq(db_exec_stmt(db_stmt(db, 4, &(struct db_sql){
	    "DROP TABLE idempotency_keys", NULL })), STORE_OK);
	treq_log_begin();
	t = create(CUSTOMER_1, "k", PEN);
	treq_log_end();
	treq_problem(t, 500, "the database could not complete the request");
	treq_free(t);
	ck_assert_int_eq(THINGS, 0);
	/* Without a key, the table is not needed. */
	created(CUSTOMER_1, NULL, PEN, 1);
}
END_TEST

Suite *
idempotency_suite(void)
{
	Suite *s = suite_create("idempotency");
	TCase *tc = tcase_create("key");

	tcase_add_test(tc, test_key_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_key);
	tcase_add_test(tc, test_bad_key);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_other_body);
	tcase_add_test(tc, test_callers);
	tcase_add_test(tc, test_anonymous);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_in_flight);
	tcase_add_test(tc, test_only_success_stored);
	tcase_add_test(tc, test_store_fails);
	suite_add_tcase(s, tc);
	return s;
}
