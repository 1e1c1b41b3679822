/*
 * idempotency_store.h - the stored answers of Idempotency-Keys, in the
 * database of the service that received them: the table's migrations
 * (each service's schema lists them, as its own migrations), and finding
 * and keeping an answer. serve/idempotency.h has what a key means over
 * HTTP.
 */
#ifndef MICROSHOP_IDEMPOTENCY_STORE_H
#define MICROSHOP_IDEMPOTENCY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "store.h"

/* The migration that creates the table; each service lists it once. */
#define IDEMPOTENCY_MIGRATION \
	"CREATE TABLE idempotency_keys (" \
	"  key TEXT PRIMARY KEY," \
	"  request_hash BLOB NOT NULL," \
	"  status INTEGER NOT NULL," \
	"  location TEXT NOT NULL," \
	"  etag TEXT NOT NULL," \
	"  body TEXT NOT NULL," \
	"  created_at INTEGER NOT NULL" \
	") STRICT, WITHOUT ROWID;" \
	"CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);"

/* The same table on PostgreSQL. */
#define IDEMPOTENCY_MIGRATION_PG \
	"CREATE TABLE idempotency_keys (" \
	"  key text PRIMARY KEY," \
	"  request_hash bytea NOT NULL," \
	"  status integer NOT NULL," \
	"  location text NOT NULL," \
	"  etag text NOT NULL," \
	"  body text NOT NULL," \
	"  created_at bigint NOT NULL" \
	");" \
	"CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);"

/*
 * The migration that binds each key to its caller and its route: the
 * primary key becomes (principal, route, key). The keys stored before it
 * belong to no one ('') and to the service's one create route, and keep
 * answering as they did (to any caller) until they expire.
 */
#define IDEMPOTENCY_MIGRATION_OWNED(route) \
	"CREATE TABLE idempotency_keys_owned (" \
	"  principal TEXT NOT NULL," \
	"  route TEXT NOT NULL," \
	"  key TEXT NOT NULL," \
	"  request_hash BLOB NOT NULL," \
	"  status INTEGER NOT NULL," \
	"  location TEXT NOT NULL," \
	"  etag TEXT NOT NULL," \
	"  body TEXT NOT NULL," \
	"  created_at INTEGER NOT NULL," \
	"  PRIMARY KEY (principal, route, key)" \
	") STRICT, WITHOUT ROWID;" \
	"INSERT INTO idempotency_keys_owned SELECT '', '" route "', key, request_hash," \
	"  status, location, etag, body, created_at FROM idempotency_keys;" \
	"DROP TABLE idempotency_keys;" \
	"ALTER TABLE idempotency_keys_owned RENAME TO idempotency_keys;" \
	"CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);"

#define IDEMPOTENCY_MIGRATION_OWNED_PG(route) \
	"ALTER TABLE idempotency_keys ADD COLUMN principal text NOT NULL DEFAULT ''," \
	"  ADD COLUMN route text NOT NULL DEFAULT '" route "';" \
	"ALTER TABLE idempotency_keys ALTER COLUMN principal DROP DEFAULT," \
	"  ALTER COLUMN route DROP DEFAULT;" \
	"ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey," \
	"  ADD PRIMARY KEY (principal, route, key);"

/* The hash a key is stored with (BLAKE2b-256: serve/idempotency.c). */
#define IDEMPOTENCY_HASH_LEN 32

/* A key and whom it belongs to. */
struct idempotency_key {
	const char *principal;	/* "customer:42"; "" for keys from before owners */
	const char *route;	/* "POST /order" */
	const char *key;
};

/* A stored answer; the texts are borrowed until the callback returns. */
struct idempotency_answer {
	const unsigned char *hash;
	size_t hash_len;
	int status;
	const char *location;
	const char *etag;
	const char *body;
};

/*
 * Find k's answer stored after oldest (seconds since the epoch): the
 * caller's own, else one stored before keys had owners. found(answer, arg)
 * runs when there is one. STORE_OK (found or not: *hit says), or the
 * failure.
 */
enum store_status idempotency_store_find(struct db *db, const struct idempotency_key *k,
    int64_t oldest, void (*found)(const struct idempotency_answer *a, void *arg), void *arg,
    int *hit);

/*
 * Inside the caller's write transaction: sweep the answers stored at or
 * before oldest, then keep a's under k, stored at now. STORE_BUSY when
 * another process stored k meanwhile (its retry is the replay).
 */
enum store_status idempotency_store_save(struct db *db, const struct idempotency_key *k,
    const struct idempotency_answer *a, int64_t oldest, int64_t now);

#endif
