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
#include "request.h"

#define REQUEST_HASH_LEN IDEMPOTENCY_HASH_LEN
#define PRINCIPAL_MAX 96	/* "anonymous:" and a hash, or auth_principal's */
#define ROUTE_MAX 80		/* "POST /order" */
#define OWNED_KEY_MAX (PRINCIPAL_MAX + ROUTE_MAX + IDEMPOTENCY_KEY_MAX + 3)

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
	struct idempotency_key id;	/* the three, as the store takes them */
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
	k->id = (struct idempotency_key){ k->principal, k->route, key };
	snprintf(k->text, sizeof(k->text), "%s\n%s\n%s", k->principal, k->route, key);
}

/* Creates answered again from a stored answer. */
static struct metrics_counter replays;

void
idempotency_metrics_register(void)
{
	metrics_counter_register(&replays, "microshop_idempotency_replays_total",
	    "Creates answered again from an Idempotency-Key's stored answer.");
}

/* The oldest created_at still kept. */
static int64_t
oldest_kept(const struct http_request *req)
{
	return (int64_t)time(NULL) - req->cfg->idempotency_ttl;
}

/* What answered_before found, for replay. */
struct lookup {
	struct http_request *req;
	const struct owned_key *k;
};

/*
 * A stored answer for the key: the replay of the same request, or a 422
 * for another request under the same key.
 */
static void
stored_answer(const struct idempotency_answer *a, void *arg)
{
	struct lookup *l = arg;
	struct http_request *req = l->req;

	if (a->hash == NULL || a->hash_len != REQUEST_HASH_LEN ||
	    memcmp(a->hash, l->k->hash, REQUEST_HASH_LEN) != 0) {
		http_problem_send(req, 422, "this Idempotency-Key was used with a different "
		    "request; a new request needs a new key");
		return;
	}
	if (a->location != NULL && *a->location != '\0')
		http_header_add(req, "Location", "%s", a->location);
	if (a->etag != NULL && *a->etag != '\0')
		http_header_add(req, "ETag", "%s", a->etag);
	http_header_add(req, "Idempotent-Replayed", "true");
	metrics_counter_add(&replays, 1);
	http_send_text(req, a->status, "application/json", a->body != NULL ? a->body : "",
	    a->body != NULL ? strlen(a->body) : 0);
}

/*
 * Has key been used? Returns 0 when it has not (go on), or 1 after
 * answering: the replay, a 422 for another request under the same key, or
 * a store failure.
 */
static int
answered_before(struct http_request *req, struct db *db, const struct owned_key *k)
{
	struct lookup l = { req, k };
	enum store_status s;
	int hit;

	s = idempotency_store_find(db, &k->id, oldest_kept(req), stored_answer, &l, &hit);
	if (s != STORE_OK) {
		store_problem_send(req, s, "");
		return 1;
	}
	return hit;
}

/* Inside the write transaction: sweep expired keys, then keep this answer. */
static enum store_status
save(struct http_request *req, struct db *db, const struct owned_key *k,
    const char *location, const char *etag, const char *body)
{
	struct idempotency_answer a = {
		.hash = k->hash, .hash_len = REQUEST_HASH_LEN, .status = 201,
		.location = location, .etag = etag, .body = body,
	};

	return idempotency_store_save(db, &k->id, &a, oldest_kept(req), (int64_t)time(NULL));
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
