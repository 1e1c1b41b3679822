/*
 * order_api.c - handlers for /order. An order is written only after the
 * user service said, through its HTTP API, that its user exists.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "db.h"
#include "http.h"
#include "idempotency.h"
#include "json_io.h"
#include "metrics.h"
#include "order_api.h"
#include "order_model.h"
#include "order_store.h"
#include "page.h"
#include "problem.h"
#include "query.h"
#include "text.h"
#include "user_client.h"

#define ORDER_PAGE_DEFAULT 50
#define ORDER_PAGE_MAX 200

struct user_client_config order_user_api;

/* What each worker thread owns. */
struct order_worker {
	struct db *db;
	struct user_client *users;
	struct order scratch;	/* one order's worth of space, reused */
};

static struct order_worker *
worker(struct http_request *req)
{
	return req->ctx;
}

static void
order_send(struct http_request *req, int status, const struct order *o)
{
	struct json_object *body = order_to_json(o);

	http_send_resource(req, status, body, "/order", o->id, o->version);
	json_object_put(body);
}

/* Answer a store failure other than a state conflict, as it means for an order. */
static void
order_problem_send(struct http_request *req, enum store_status st)
{
	store_problem_send(req, st, st == STORE_STALE
	    ? "the order has changed since the ETag given in If-Match" : "no such order");
}

/* Answer 503 because the user service cannot say whether the user exists. */
static void
user_service_unavailable(struct http_request *req, enum user_lookup l, long retry_after)
{
	http_header_add(req, "Retry-After", "%ld", retry_after);
	http_problem_send(req, 503, l == USER_BREAKER_OPEN
	    ? "the user service is failing; not calling it until the cool-down ends"
	    : "the user service did not answer; nothing was written");
}

/*
 * Before an order is written: does its user exist? Asked after the
 * Idempotency-Key checks, so that a replay needs no user service.
 */
static int
order_user_checked(struct http_request *req, void *arg)
{
	const struct order *o = arg;
	struct field_errors fe;
	enum user_lookup l;
	long retry_after;

	l = user_client_lookup(worker(req)->users, o->user_id, req->request_id, &retry_after);
	if (l == USER_EXISTS)
		return 0;
	if (l == USER_ABSENT || l == USER_DELETED) {
		field_errors_init(&fe);
		field_errors_add(&fe, 422, "user_id", l == USER_ABSENT ? "no such user"
		    : "the user was deleted");
		http_problem_send_fields(req, &fe);
	} else {
		user_service_unavailable(req, l, retry_after);
	}
	return -1;
}

static enum store_status
order_create_insert(struct db *db, void *arg)
{
	return order_store_insert(db, arg);
}

static struct json_object *
order_create_to_json(const void *arg, int64_t *id, int64_t *version)
{
	const struct order *o = arg;

	*id = o->id;
	*version = o->version;
	return order_to_json(o);
}

static void
order_create_problem(struct http_request *req, enum store_status st)
{
	store_problem_send(req, st, "the order could not be stored");
}

static const struct create_ops order_create_ops = {
	.insert = order_create_insert,
	.to_json = order_create_to_json,
	.collection = "/order",
	.problem = order_create_problem,
};

/*
 * POST /order. A customer orders for themselves: user_id may be left out
 * (the token's is taken), and any other user's id is a 404, the same
 * whether that user exists or not.
 */
static void
order_create(struct http_request *req)
{
	struct order *o = &worker(req)->scratch;
	struct json_object *body;
	struct field_errors fe;

	if (http_read_json_object(req, http_json_types, &body) < 0)
		return;
	if (req->auth.role == TOKEN_CUSTOMER && !json_object_object_get_ex(body, "user_id", NULL))
		json_object_object_add(body, "user_id", json_object_new_int64(req->auth.user_id));
	field_errors_init(&fe);
	order_create_read(body, o, &fe);
	json_object_put(body);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	if (!auth_owns(req, o->user_id)) {
		http_problem_send(req, 404, "no such user");
		return;
	}
	idempotent_create(req, worker(req)->db, &order_create_ops, o, order_user_checked);
}

/*
 * Read the path's order into o if the caller may see it. Returns 0, or -1
 * after answering (404 for someone else's order, as for a missing one).
 */
static int
owned_order_or_reply(struct http_request *req, int64_t *id, struct order *o)
{
	enum store_status st;

	if (http_path_id_or_404(req, 0, id) < 0)
		return -1;
	st = order_store_get(worker(req)->db, *id, o);
	if (st == STORE_OK && !auth_owns(req, o->user_id))
		st = STORE_NOT_FOUND;
	if (st != STORE_OK) {
		order_problem_send(req, st);
		return -1;
	}
	return 0;
}

static void
order_get(struct http_request *req)
{
	struct order *o = &worker(req)->scratch;
	int64_t id;

	if (owned_order_or_reply(req, &id, o) < 0)
		return;
	order_send(req, 200, o);
}

static void
page_add_order(const struct order *o, void *arg)
{
	page_add(arg, order_to_json(o), o->id);
}

/* Read the list's filters from q into f; problems go to fe. */
static void
filter_read(const struct query *q, struct order_filter *f, struct field_errors *fe)
{
	const char *v;

	memset(f, 0, sizeof(*f));
	if ((v = query_get(q, "user_id")) != NULL &&
	    text_parse_id(v, strlen(v), &f->user_id) < 0)
		field_errors_add(fe, 422, "user_id", "must be a user id");
	if ((v = query_get(q, "status")) != NULL) {
		if (order_status_parse(v, &f->status) < 0)
			field_errors_add(fe, 422, "status", "must be one of pending, paid, "
			    "shipped, delivered, cancelled");
		else
			f->has_status = 1;
	}
}

static void
order_list(struct http_request *req)
{
	static const char *const carry[] = { "user_id", "status", NULL };
	struct order_filter f;
	struct page page;
	struct field_errors fe;
	enum store_status st;
	int more;

	field_errors_init(&fe);
	page_read(&page, &req->q, ORDER_PAGE_DEFAULT, ORDER_PAGE_MAX, &fe);
	filter_read(&req->q, &f, &fe);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	if (page_open(&page) < 0) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	/* A customer lists only their own orders: another user's are an
	 * empty page, as for a user who has none. */
	if (req->auth.role == TOKEN_CUSTOMER && f.user_id == 0)
		f.user_id = req->auth.user_id;
	if (!auth_owns(req, f.user_id)) {
		st = STORE_OK;
		more = 0;
	} else {
		st = order_store_list(worker(req)->db, page.after, &f, (int)page.limit,
		    &worker(req)->scratch, page_add_order, &page, &more);
	}
	if (st != STORE_OK) {
		store_problem_send(req, st, "listing failed");
	} else {
		page_close(&page, more, "/order", &req->q, carry);
		http_send_json(req, 200, page.body);
	}
	page_free(&page);
}

/*
 * Answer a move the store refused, as the state machine says why: 409
 * when nobody may make it from the order's status, 403 when only an admin
 * may.
 */
static void
move_refused_send(struct http_request *req, enum order_status from,
    enum order_status to, enum order_actor who)
{
	if (order_move_check(from, to, who) == ORDER_MOVE_FORBIDDEN)
		http_problem_send(req, 403, "only an admin may move an order from %s to %s",
		    order_status_name(from), order_status_name(to));
	else
		http_problem_send(req, 409, "an order that is %s cannot become %s",
		    order_status_name(from), order_status_name(to));
}

static void
order_patch(struct http_request *req)
{
	struct order *o = &worker(req)->scratch;
	struct json_object *body;
	struct field_errors fe;
	struct if_match im;
	enum order_status to = ORDER_PENDING;
	enum order_actor who;
	enum store_status st;
	int64_t id;

	if (owned_order_or_reply(req, &id, o) < 0 || http_if_match_or_reply(req, &im) < 0)
		return;
	if (http_read_json_object(req, http_patch_types, &body) < 0)
		return;
	field_errors_init(&fe);
	order_patch_read(body, &to, &fe);
	json_object_put(body);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	/* Who may make the move is the state machine's to say, from the
	 * status the store read under its lock. */
	who = auth_is_admin(req) ? ORDER_ACTOR_ADMIN : ORDER_ACTOR_CUSTOMER;
	st = order_store_set_status(worker(req)->db, id, &im, to, who, o);
	switch (st) {
	case STORE_OK:
		order_send(req, 200, o);
		return;
	case STORE_CONFLICT:
		move_refused_send(req, o->status, to, who);
		return;
	default:
		order_problem_send(req, st);
		return;
	}
}

static void
order_delete(struct http_request *req)
{
	struct if_match im;
	enum order_status current = ORDER_PENDING;
	enum store_status st;
	int64_t id;

	if (http_path_id_or_404(req, 0, &id) < 0 || http_if_match_or_reply(req, &im) < 0)
		return;
	st = order_store_delete(worker(req)->db, id, &im, &current);
	switch (st) {
	case STORE_OK:
		http_send_empty(req, 204);
		return;
	case STORE_CONFLICT:
		http_problem_send(req, 409, "an order that is %s cannot be deleted; "
		    "only pending and cancelled orders can", order_status_name(current));
		return;
	default:
		order_problem_send(req, st);
		return;
	}
}

static void
order_health(struct http_request *req)
{
	struct json_object *body;

	if (db_ping(worker(req)->db) < 0) {
		http_header_add(req, "Retry-After", "5");
		http_problem_send(req, 503, "the database does not answer");
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "status", json_object_new_string("ok"));
	json_object_object_add(body, "user_service", json_object_new_string(
	    user_service_state_name(user_client_health(worker(req)->users))));
	http_send_json(req, 200, body);
	json_object_put(body);
}

/*
 * Ready for requests: the database answers, is migrated and writable, and
 * the user service answers its health check.
 */
static void
order_ready(struct http_request *req)
{
	const char *why = NULL;

	if (db_ready(worker(req)->db, &why) == 0 &&
	    user_client_health(worker(req)->users) != USER_SERVICE_UP)
		why = "the user service does not answer";
	http_ready_send(req, why);
}

static const char *const order_list_query[] = {
	"user_id", "status", "limit", "after", NULL
};

static const struct route order_routes[] = {
	{ .method = "GET",    .pattern = "/order/health", .handler = order_health,
	  .access = ROUTE_PUBLIC },
	{ .method = "GET",    .pattern = "/order/ready",  .handler = order_ready,
	  .access = ROUTE_PUBLIC },
	/* Open here; nginx lets only this machine reach it. */
	{ .method = "GET",    .pattern = "/order/metrics", .handler = metrics_send,
	  .access = ROUTE_PUBLIC },
	{ .method = "POST",   .pattern = "/order",        .handler = order_create },
	{ .method = "GET",    .pattern = "/order",        .handler = order_list,
	  .query = order_list_query },
	{ .method = "GET",    .pattern = "/order/{id}",   .handler = order_get },
	{ .method = "PATCH",  .pattern = "/order/{id}",   .handler = order_patch },
	/* Customers cancel; deleting an order is the shop's. */
	{ .method = "DELETE", .pattern = "/order/{id}",   .handler = order_delete,
	  .access = ROUTE_ADMIN },
};

static void
order_thread_fini(void *ctx)
{
	struct order_worker *w = ctx;

	if (w == NULL)
		return;
	user_client_free(w->users);
	db_close(w->db);
	free(w);
}

static void *
order_thread_init(const struct svc_config *cfg)
{
	struct order_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->db = db_open(cfg, &order_store_schema, 0);
	w->users = user_client_new(&order_user_api);
	if (w->db == NULL || w->users == NULL) {
		order_thread_fini(w);
		return NULL;
	}
	return w;
}

const struct fcgi_service order_service = {
	.routes = order_routes,
	.n_routes = sizeof(order_routes) / sizeof(order_routes[0]),
	.thread_init = order_thread_init,
	.thread_fini = order_thread_fini,
};
