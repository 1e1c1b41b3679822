/*
 * request.h - a request's parts read and checked, each answering its
 * problem (problem.h) when it fails: the body as a JSON object of an
 * accepted media type, a path parameter as an id, If-Match; and the
 * answers of a resource (its ETag, and Location for a 201) and of a
 * readiness check.
 */
#ifndef MICROSHOP_REQUEST_H
#define MICROSHOP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "if_match.h"

struct db;
struct json_object;

/*
 * Read the body as a JSON object. content_types is a NULL-terminated list
 * of accepted media types (media_type.h). Returns 0 with *out owned by the
 * caller, or -1 after answering 400, 413 or 415.
 */
int http_read_json_object(struct http_request *req, const char *const *content_types,
    struct json_object **out);

/* Media types a create (POST) and a merge patch (PATCH) accept. */
extern const char *const http_json_types[];
extern const char *const http_patch_types[];

/*
 * Answer status with a resource's JSON form (borrowed; NULL: 500), its
 * ETag (the quoted version) and, for 201, Location: collection/id.
 */
void http_send_resource(struct http_request *req, int status, struct json_object *body,
    const char *collection, int64_t id, int64_t version);

/*
 * Answer a readiness check: 200 {"status":"ready"} when why is NULL, else
 * 503 "not ready: <why>" with Retry-After: 5.
 */
void http_ready_send(struct http_request *req, const char *why);

/*
 * The liveness part of a health check: 0 when db answers a trivial query,
 * else -1 after a 503 "the database does not answer" with Retry-After: 5.
 */
int http_db_alive_or_503(struct http_request *req, struct db *db);

/* Path parameter idx as a resource id. Returns 0, or -1 after a 404. */
int http_path_id_or_404(struct http_request *req, size_t idx, int64_t *id);

/*
 * Parse If-Match from the request. Returns 0, or -1 after a 400 (malformed)
 * or a 428 (absent while --require-if-match is set).
 */
int http_if_match_or_reply(struct http_request *req, struct if_match *out);

#endif
