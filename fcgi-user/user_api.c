/*
 * user_api.c - handlers for /user. Each handler reads and checks its input,
 * calls the store once, and answers once; problems are answered by the
 * helpers that find them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "http.h"
#include "idempotency.h"
#include "json_io.h"
#include "page.h"
#include "problem.h"
#include "query.h"
#include "text.h"
#include "user_api.h"
#include "user_model.h"
#include "user_store.h"

#define USER_PAGE_DEFAULT 50
#define USER_PAGE_MAX 200

static struct db *
req_db(struct http_request *req)
{
	return req->ctx;
}

static void
user_send(struct http_request *req, int status, const struct user *u)
{
	struct json_object *body = user_to_json(u);

	http_send_resource(req, status, body, "/user", u->id, u->version);
	json_object_put(body);
}

/* Answer a store failure, saying what it means for a user. */
static void
user_problem_send(struct http_request *req, enum store_status st)
{
	store_problem_send(req, st,
	    st == STORE_STALE ? "the user has changed since the ETag given in If-Match"
	    : st == STORE_GONE ? "the user was deleted"
	    : st == STORE_CONFLICT ? "a user with this email already exists"
	    : "no such user");
}

/* Read and check the body into in. Returns 0, or -1 after answering. */
static int
user_input_or_reply(struct http_request *req, int create, struct user_input *in)
{
	struct json_object *body;
	struct field_errors fe;

	if (http_read_json_object(req, create ? http_json_types : http_patch_types, &body) < 0)
		return -1;
	field_errors_init(&fe);
	user_input_read(body, create, in, &fe);
	json_object_put(body);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return -1;
	}
	return 0;
}

struct user_create {
	struct user_input in;
	struct user u;
};

static enum store_status
user_create_insert(struct db *db, void *arg)
{
	struct user_create *c = arg;

	return user_store_insert(db, &c->in, &c->u);
}

static struct json_object *
user_create_to_json(const void *arg, int64_t *id, int64_t *version)
{
	const struct user_create *c = arg;

	*id = c->u.id;
	*version = c->u.version;
	return user_to_json(&c->u);
}

static const struct create_ops user_create_ops = {
	.insert = user_create_insert,
	.to_json = user_create_to_json,
	.collection = "/user",
	.problem = user_problem_send,
};

static void
user_create(struct http_request *req)
{
	struct user_create c;

	if (user_input_or_reply(req, 1, &c.in) < 0)
		return;
	idempotent_create(req, req_db(req), &user_create_ops, &c, NULL);
}

static void
user_get(struct http_request *req)
{
	struct user u;
	int64_t id;
	enum store_status st;

	if (http_path_id_or_404(req, 0, &id) < 0)
		return;
	st = user_store_get(req_db(req), id, &u);
	if (st != STORE_OK) {
		user_problem_send(req, st);
		return;
	}
	user_send(req, 200, &u);
}

static void
page_add_user(const struct user *u, void *arg)
{
	page_add(arg, user_to_json(u), u->id);
}

static void
user_list(struct http_request *req)
{
	static const char *const carry[] = { "email", NULL };
	struct page page;
	struct field_errors fe;
	enum store_status st;
	int more;

	field_errors_init(&fe);
	page_read(&page, &req->q, USER_PAGE_DEFAULT, USER_PAGE_MAX, &fe);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	if (page_open(&page) < 0) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	st = user_store_list(req_db(req), page.after, query_get(&req->q, "email"),
	    (int)page.limit, page_add_user, &page, &more);
	if (st != STORE_OK) {
		store_problem_send(req, st, "listing failed");
	} else {
		page_close(&page, more, "/user", &req->q, carry);
		http_send_json(req, 200, page.body);
	}
	page_free(&page);
}

static void
user_patch(struct http_request *req)
{
	struct user_input in;
	struct if_match im;
	struct user u;
	int64_t id;
	enum store_status st;

	if (http_path_id_or_404(req, 0, &id) < 0 || http_if_match_or_reply(req, &im) < 0)
		return;
	if (user_input_or_reply(req, 0, &in) < 0)
		return;
	st = user_store_update(req_db(req), id, &im, &in, &u);
	if (st != STORE_OK) {
		user_problem_send(req, st);
		return;
	}
	user_send(req, 200, &u);
}

static void
user_delete(struct http_request *req)
{
	struct if_match im;
	int64_t id;
	enum store_status st;

	if (http_path_id_or_404(req, 0, &id) < 0 || http_if_match_or_reply(req, &im) < 0)
		return;
	st = user_store_delete(req_db(req), id, &im);
	if (st != STORE_OK) {
		user_problem_send(req, st);
		return;
	}
	http_send_empty(req, 204);
}

static void
user_health(struct http_request *req)
{
	struct json_object *body;

	if (db_ping(req_db(req)) < 0) {
		http_header_add(req, "Retry-After", "5");
		http_problem_send(req, 503, "the database does not answer");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "status", json_object_new_string("ok"));
	http_send_json(req, 200, body);
	json_object_put(body);
}

static const char *const user_list_query[] = { "limit", "after", "email", NULL };

static const struct route user_routes[] = {
	{ .method = "GET",    .pattern = "/user/health", .handler = user_health },
	{ .method = "POST",   .pattern = "/user",        .handler = user_create },
	{ .method = "GET",    .pattern = "/user",        .handler = user_list,
	  .query = user_list_query },
	{ .method = "GET",    .pattern = "/user/{id}",   .handler = user_get },
	{ .method = "PATCH",  .pattern = "/user/{id}",   .handler = user_patch },
	{ .method = "DELETE", .pattern = "/user/{id}",   .handler = user_delete },
};

static void *
user_thread_init(const struct svc_config *cfg)
{
	return db_open(cfg, user_store_migrations, user_store_n_migrations, 0);
}

static void
user_thread_fini(void *ctx)
{
	db_close(ctx);
}

const struct fcgi_service user_service = {
	.routes = user_routes,
	.n_routes = sizeof(user_routes) / sizeof(user_routes[0]),
	.thread_init = user_thread_init,
	.thread_fini = user_thread_fini,
};
