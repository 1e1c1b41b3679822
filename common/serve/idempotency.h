/*
 * idempotency.h - Idempotency-Key on POST (the IETF httpapi draft, with
 * Stripe's semantics), and the create path that honours it.
 *
 * A key belongs to its caller and its route: the principal of the token
 * that sent it ("customer:42", "admin:7", "service:microshop-order";
 * auth_principal) and the route's method and pattern ("POST /order").
 * Another caller's identical key is another key: it never replays, never
 * blocks, and never says that the key was used. A request without a token
 * (a signup) has no principal: its key is bound to the request itself
 * (the hash below), so the same key with another body is simply another
 * key.
 *
 * The first request with a key stores, in the same transaction as its
 * write, the key, a keyed hash of its method, path and body, and its answer.
 * A retry with the same key and body gets that answer again, with
 * Idempotent-Replayed: true, and writes nothing. The same caller's key
 * with another body is a 422; the same key while the first request is
 * still running is a 409. Only a 2xx is stored: a refused request changed nothing, so its
 * retry simply runs again. Keys are kept cfg->idempotency_ttl seconds and
 * swept as new ones are stored.
 *
 * "Still running" is known from a registry of the keys in flight in this
 * process; across processes (several instances on one database) the
 * primary key of the table is the backstop: the second COMMIT of one key
 * fails, is rolled back and answered 503, and its retry is the replay.
 */
#ifndef MICROSHOP_IDEMPOTENCY_H
#define MICROSHOP_IDEMPOTENCY_H

#include <stdint.h>

#include <json-c/json.h>

#include "db.h"
#include "http.h"
#include "idempotency_store.h"

#define IDEMPOTENCY_KEY_MAX 255

/*
 * How a service creates one resource: insert() runs inside the write
 * transaction and fills the resource in arg; to_json() then renders it and
 * says its id and version.
 */
struct create_ops {
	enum store_status (*insert)(struct db *db, void *arg);
	struct json_object *(*to_json)(const void *arg, int64_t *id, int64_t *version);
	const char *collection;		/* "/user": Location is collection/id */
	/* Answers a failed insert (or anything else that failed). */
	void (*problem)(struct http_request *req, enum store_status st);
};

/*
 * Create a resource for a request whose body has been read and checked:
 * replay or refuse when its Idempotency-Key says so; otherwise insert,
 * store the answer under the key, COMMIT, and only then answer 201.
 * Call before any side effect the create needs (the order service's call
 * to the user service), with prepare(): it runs after the key checks and
 * returns 0 to go on, or -1 when it has answered.
 */
void idempotent_create(struct http_request *req, struct db *db,
    const struct create_ops *ops, void *arg,
    int (*prepare)(struct http_request *req, void *arg));

/* Register the replays' counter (metrics.h), once, before the workers start. */
void idempotency_metrics_register(void);

/* 1 if s is a well-formed key: 1..255 visible ASCII characters. Pure. */
int idempotency_key_ok(const char *s);

#endif
