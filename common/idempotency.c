/*
 * idempotency.c - Idempotency-Key: the registry of keys in flight, the
 * stored answers, their replay, and the create path; see idempotency.h.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth.h"
#include "idempotency.h"
#include "json_io.h"
#include "log.h"
#include "metrics.h"
#include "problem.h"

#define REQUEST_HASH_LEN 32
#define PRINCIPAL_MAX 96	/* "anonymous:" and a hash, or auth_principal's */
#define ROUTE_MAX 80		/* "POST /order" */
#define OWNED_KEY_MAX (PRINCIPAL_MAX + ROUTE_MAX + IDEMPOTENCY_KEY_MAX + 3)

enum idempotency_sql {
	SQL_FIND = DB_STMT_COMMON,
	SQL_SWEEP,
	SQL_SAVE
};

static const struct db_sql idempotency_sql[] = {
	/* A key stored before keys had owners ('') answers any caller until
	 * it expires; the caller's own comes first. */
	[SQL_FIND - DB_STMT_COMMON] = { "SELECT request_hash, status, location, etag, body"
	    " FROM idempotency_keys WHERE principal IN (?1, '') AND route = ?2 AND key = ?3"
	    " AND created_at > ?4 ORDER BY principal DESC LIMIT 1", NULL },
	[SQL_SWEEP - DB_STMT_COMMON] = { "DELETE FROM idempotency_keys WHERE created_at <= ?1", NULL },
	[SQL_SAVE - DB_STMT_COMMON] = { "INSERT INTO idempotency_keys (principal, route, key,"
	    " request_hash, status, location, etag, body, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", NULL },
};

static struct db_stmt *
stmt(struct db *db, enum idempotency_sql idx)
{
	return db_stmt(db, idx, &idempotency_sql[idx - DB_STMT_COMMON]);
}

/* ---------------------------------------------------------------- */
/* The keys in flight in this process                               */
/* ---------------------------------------------------------------- */

/* A worker holds at most one key, and there are at most that many workers. */
#define INFLIGHT_MAX CONFIG_THREADS_MAX

static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *inflight[INFLIGHT_MAX];

/*
 * Register key, an owned key's text (borrowed until inflight_remove).
 * Returns its slot, or -1 if it is there already.
 */
static int
inflight_add(const char *key)
{
	int slot = -1;

	pthread_mutex_lock(&inflight_lock);
	for (int i = 0; i < INFLIGHT_MAX; i++) {
		if (inflight[i] == NULL) {
			if (slot < 0)
				slot = i;
		} else if (strcmp(inflight[i], key) == 0) {
			slot = -1;
			goto out;
		}
	}
	if (slot >= 0)
		inflight[slot] = key;
out:
	pthread_mutex_unlock(&inflight_lock);
	return slot;
}

static void
inflight_remove(int slot)
{
	pthread_mutex_lock(&inflight_lock);
	inflight[slot] = NULL;
	pthread_mutex_unlock(&inflight_lock);
}

/* ---------------------------------------------------------------- */
/* Stored answers                                                   */
/* ---------------------------------------------------------------- */

int
idempotency_key_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e)
			return 0;
	return n >= 1 && n <= IDEMPOTENCY_KEY_MAX;
}

/*
 * What a key is bound to: method, path and body, so that a key reused on
 * another request is noticed. The hash is keyed because a body may hold a
 * password: an unkeyed hash in the table could be brute-forced offline by
 * whoever reads the database file. Its key is derived from the service's
 * private token key (auth_keyring's secret), which only it holds; a new
 * token key makes the hashes stored under the old one differ, so a retry
 * of a request sent before the change is answered 422, never written
 * twice (docs/security.md, rolling a key).
 */
static unsigned char hash_key[crypto_generichash_KEYBYTES];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void
hash_key_init(void)
{
	static const char purpose[] = "microshop idempotency request hash v1";
	const struct keyring *kr = auth_keyring();

	crypto_generichash(hash_key, sizeof(hash_key), kr->secret, sizeof(kr->secret),
	    (const unsigned char *)purpose, sizeof(purpose) - 1);
}

static void
request_hash(const struct http_request *req, unsigned char out[REQUEST_HASH_LEN])
{
	crypto_generichash_state st;

	pthread_once(&hash_key_once, hash_key_init);
	crypto_generichash_init(&st, hash_key, sizeof(hash_key), REQUEST_HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)req->method,
	    strlen(req->method) + 1);
	crypto_generichash_update(&st, (const unsigned char *)req->path, strlen(req->path) + 1);
	crypto_generichash_update(&st, (const unsigned char *)req->body, req->body_len);
	crypto_generichash_final(&st, out, REQUEST_HASH_LEN);
}

/* Whose key it is: a key and whom it belongs to (idempotency.h). */
struct owned_key {
	char principal[PRINCIPAL_MAX];
	char route[ROUTE_MAX];
	const char *key;
	unsigned char hash[REQUEST_HASH_LEN];
	char text[OWNED_KEY_MAX];	/* all three, for the registry */
};

static void
owned_key_make(const struct http_request *req, const char *key, struct owned_key *k)
{
	char hex[2 * 16 + 1];

	request_hash(req, k->hash);
	auth_principal(req, k->principal, sizeof(k->principal));
	if (k->principal[0] == '\0') {
		/* No token: the request itself is the owner. */
		sodium_bin2hex(hex, sizeof(hex), k->hash, 16);
		snprintf(k->principal, sizeof(k->principal), "anonymous:%s", hex);
	}
	snprintf(k->route, sizeof(k->route), "%s %s", req->match.route->method,
	    req->match.route->pattern);
	k->key = key;
	snprintf(k->text, sizeof(k->text), "%s\n%s\n%s", k->principal, k->route, key);
}

/* The oldest created_at still kept. */
static int64_t
oldest_kept(const struct http_request *req)
{
	return (int64_t)time(NULL) - req->cfg->idempotency_ttl;
}

/* Answer the stored copy. */
static void
replay(struct http_request *req, struct db_stmt *st)
{
	const char *location = db_column_text(st, 2);
	const char *etag = db_column_text(st, 3);
	const char *body = db_column_text(st, 4);

	if (location != NULL && *location != '\0')
		http_header_add(req, "Location", "%s", location);
	if (etag != NULL && *etag != '\0')
		http_header_add(req, "ETag", "%s", etag);
	http_header_add(req, "Idempotent-Replayed", "true");
	metrics_idempotency_replay();
	http_send_text(req, (int)db_column_int64(st, 1), "application/json",
	    body != NULL ? body : "", body != NULL ? strlen(body) : 0);
}

/*
 * Has key been used? Returns 0 when it has not (go on), or 1 after
 * answering: the replay, a 422 for another request under the same key, or
 * a store failure.
 */
static int
answered_before(struct http_request *req, struct db *db, const struct owned_key *k)
{
	struct db_stmt *st = stmt(db, SQL_FIND);
	const void *stored;
	size_t len = 0;
	int rc, answered = 1;

	if (st == NULL) {
		store_problem_send(req, db_failure(db), "");
		return 1;
	}
	db_bind_text(st, 1, k->principal);
	db_bind_text(st, 2, k->route);
	db_bind_text(st, 3, k->key);
	db_bind_int64(st, 4, oldest_kept(req));
	rc = db_step(st);
	if (rc == DB_DONE) {
		answered = 0;
	} else if (rc != DB_ROW) {
		store_problem_send(req, db_failure(db), "");
	} else if ((stored = db_column_blob(st, 0, &len)) == NULL ||
	    len != REQUEST_HASH_LEN || memcmp(stored, k->hash, REQUEST_HASH_LEN) != 0) {
		http_problem_send(req, 422, "this Idempotency-Key was used with a different "
		    "request; a new request needs a new key");
	} else {
		replay(req, st);
	}
	db_reset(st);
	return answered;
}

/* Inside the write transaction: sweep expired keys, then keep this answer. */
static enum store_status
save(struct http_request *req, struct db *db, const struct owned_key *k,
    const char *location, const char *etag, const char *body)
{
	struct db_stmt *st;
	enum store_status s;

	if ((st = stmt(db, SQL_SWEEP)) == NULL)
		return db_failure(db);
	db_bind_int64(st, 1, oldest_kept(req));
	if ((s = db_exec_stmt(st)) != STORE_OK)
		return s;
	if ((st = stmt(db, SQL_SAVE)) == NULL)
		return db_failure(db);
	db_bind_text(st, 1, k->principal);
	db_bind_text(st, 2, k->route);
	db_bind_text(st, 3, k->key);
	db_bind_blob(st, 4, k->hash, REQUEST_HASH_LEN);
	db_bind_int64(st, 5, 201);
	db_bind_text(st, 6, location);
	db_bind_text(st, 7, etag);
	db_bind_text(st, 8, body);
	db_bind_int64(st, 9, (int64_t)time(NULL));
	s = db_exec_stmt(st);
	/* Only another process can have stored the key meanwhile: retry. */
	return s == STORE_CONFLICT ? STORE_BUSY : s;
}

/* ---------------------------------------------------------------- */
/* The create path                                                  */
/* ---------------------------------------------------------------- */

/*
 * Insert, render, keep the answer under key (when there is one) and
 * COMMIT. Returns the store answer; on STORE_OK *body is the resource.
 */
static enum store_status
create_committed(struct http_request *req, struct db *db, const struct create_ops *ops,
    void *arg, const struct owned_key *k, struct json_object **body, int64_t *id,
    int64_t *version)
{
	char location[128], etag[32];
	const char *text;
	enum store_status s;
	size_t len;

	if ((s = db_begin_write(db)) != STORE_OK)
		return s;
	s = ops->insert(db, arg);
	if (s == STORE_OK && (*body = ops->to_json(arg, id, version)) == NULL)
		s = STORE_ERR;
	if (s == STORE_OK && k != NULL) {
		snprintf(location, sizeof(location), "%s/%" PRId64, ops->collection, *id);
		snprintf(etag, sizeof(etag), "\"%" PRId64 "\"", *version);
		text = json_io_to_string(*body, &len);
		s = text == NULL ? STORE_ERR : save(req, db, k, location, etag, text);
	}
	return db_end_write(db, s);
}

void
idempotent_create(struct http_request *req, struct db *db,
    const struct create_ops *ops, void *arg,
    int (*prepare)(struct http_request *req, void *arg))
{
	const char *key = http_param(req, "HTTP_IDEMPOTENCY_KEY");
	struct owned_key owned, *k = NULL;
	struct json_object *body = NULL;
	int64_t id = 0, version = 0;
	enum store_status s;
	int slot = -1;

	if (key != NULL) {
		if (!idempotency_key_ok(key)) {
			http_problem_send(req, 400, "Idempotency-Key must be 1 to %d visible "
			    "ASCII characters", IDEMPOTENCY_KEY_MAX);
			return;
		}
		k = &owned;
		owned_key_make(req, key, k);
		if ((slot = inflight_add(k->text)) < 0) {
			http_header_add(req, "Retry-After", "1");
			http_problem_send(req, 409, "a request with this Idempotency-Key is "
			    "still in progress");
			return;
		}
		if (answered_before(req, db, k))
			goto out;
	}
	if (prepare != NULL && prepare(req, arg) < 0)
		goto out;
	s = create_committed(req, db, ops, arg, k, &body, &id, &version);
	if (s == STORE_OK)
		http_send_resource(req, 201, body, ops->collection, id, version);
	else
		ops->problem(req, s);
out:
	json_object_put(body);
	if (slot >= 0)
		inflight_remove(slot);
}
