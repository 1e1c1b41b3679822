/*
 * request.c - a request's parts read and checked, each answering its
 * problem when it fails; and the answers of a resource and of readiness;
 * see request.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "http.h"
#include "json_io.h"
#include "media_type.h"
#include "problem.h"
#include "request.h"
#include "text.h"

int
http_read_json_object(struct http_request *req, const char *const *content_types,
    struct json_object **out)
{
	const char *cl = http_param(req, "CONTENT_LENGTH");
	const char *err = NULL;
	char *end;
	long long len;
	int got;

	*out = NULL;
	if (cl == NULL || *cl == '\0') {
		http_problem_send(req, 400, "a request body with Content-Length is required");
		return -1;
	}
	errno = 0;
	len = strtoll(cl, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0 || cl[0] < '0' || cl[0] > '9') {
		http_problem_send(req, 400, "invalid Content-Length");
		return -1;
	}
	if ((unsigned long long)len > req->cfg->max_body) {
		http_problem_send(req, 413, "the body is larger than %zu bytes",
		    req->cfg->max_body);
		return -1;
	}
	switch (media_type_check(http_param(req, "CONTENT_TYPE"), content_types)) {
	case MEDIA_TYPE_OK:
		break;
	case MEDIA_TYPE_WRONG_CHARSET:
		http_problem_send(req, 415, "the body must be UTF-8: Content-Type may "
		    "name no charset but utf-8");
		return -1;
	case MEDIA_TYPE_MALFORMED:
		http_problem_send(req, 415, "Content-Type is not a media type with "
		    "parameters (type/subtype; name=value)");
		return -1;
	case MEDIA_TYPE_WRONG_TYPE:
		http_problem_send(req, 415, "Content-Type must be %s", content_types[0]);
		return -1;
	}
	if (len == 0) {
		http_problem_send(req, 400, "the request body is empty");
		return -1;
	}
	got = FCGX_GetStr(req->body, (int)len, req->fcgi->in);
	if (got != (int)len) {
		http_problem_send(req, 400, "the body is shorter than its Content-Length");
		return -1;
	}
	req->body_len = (size_t)len;
	if (json_io_parse(req->body, (size_t)len, (int)req->cfg->json_max_depth,
	    out, &err) < 0) {
		http_problem_send(req, 400, "malformed JSON: %s", err);
		return -1;
	}
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		http_problem_send(req, 400, "the body must be a JSON object");
		return -1;
	}
	return 0;
}

const char *const http_json_types[] = { "application/json", NULL };
const char *const http_patch_types[] = {
	"application/merge-patch+json", "application/json", NULL
};

void
http_send_resource(struct http_request *req, int status, struct json_object *body,
    const char *collection, int64_t id, int64_t version)
{
	if (body == NULL) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	if (status == 201)
		http_header_add(req, "Location", "%s/%" PRId64, collection, id);
	http_header_add(req, "ETag", "\"%" PRId64 "\"", version);
	http_send_json(req, status, body);
}

void
http_ready_send(struct http_request *req, const char *why)
{
	if (why != NULL) {
		http_header_add(req, "Retry-After", "5");
		http_problem_send(req, 503, "not ready: %s", why);
		return;
	}
	http_send_status(req, "ready");
}

int
http_db_alive_or_503(struct http_request *req, struct db *db)
{
	if (db_ping(db) == 0)
		return 0;
	http_header_add(req, "Retry-After", "5");
	http_problem_send(req, 503, "the database does not answer");
	return -1;
}

int
http_path_id_or_404(struct http_request *req, size_t idx, int64_t *id)
{
	const struct route_param *p = &req->match.params[idx];

	if (idx >= req->match.n_params || text_parse_id(p->s, p->len, id) < 0) {
		http_problem_send(req, 404, "no such resource");
		return -1;
	}
	return 0;
}

int
http_if_match_or_reply(struct http_request *req, struct if_match *out)
{
	if (if_match_parse(http_param(req, "HTTP_IF_MATCH"), out) < 0) {
		http_problem_send(req, 400, "malformed If-Match header");
		return -1;
	}
	if (!out->present && req->cfg->require_if_match) {
		http_problem_send(req, 428, "this service requires If-Match with the "
		    "resource's ETag on PATCH and DELETE");
		return -1;
	}
	return 0;
}
