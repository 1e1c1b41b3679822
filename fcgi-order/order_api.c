/*
 * order_api.c - handlers for /order and its price list, /order/products.
 * An order is written only for a user known to exist: known from the user
 * service's events (user_projection.h), or, for a user not heard of yet,
 * from a call to its HTTP API, whose answer is remembered. It is priced
 * from the price list in the transaction that writes it.
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
#include "request_metrics.h"
#include "order_api.h"
#include "order_model.h"
#include "order_store.h"
#include "page.h"
#include "problem.h"
#include "product_store.h"
#include "query.h"
#include "request.h"
#include "text.h"
#include "user_client.h"
#include "user_projection.h"

#define ORDER_PAGE_DEFAULT 50
#define ORDER_PAGE_MAX 200
#define PRODUCT_PAGE_DEFAULT 50
#define PRODUCT_PAGE_MAX 200

/* What each worker thread owns. */
struct order_worker {
	struct db *db;
	struct user_client *users;
	struct order scratch;	/* one order's worth of space, reused */
	struct product product;	/* one product's, reused */
	struct field_errors refused;	/* why the pricing refused an order */
	struct user_fact looked_up;	/* what a lookup said of the order's user */
	const struct user_fact *learn;	/* &looked_up, or NULL: nothing to record */
	int user_gone;		/* the order's user's deletion was applied first */
	int events;		/* the service follows the user events */
};

static const struct order_settings *
settings(const struct http_request *req)
{
	return req->cfg->own;
}

/* Lookups of the user service that the projection made unnecessary. */
static struct metrics_counter lookups_avoided;

void
order_api_metrics_register(void)
{
	metrics_counter_register(&lookups_avoided, "microshop_order_user_lookups_avoided_total",
	    "Orders whose user the projection knew, so that no call was made.");
}

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
 * Start a listing whose query was read into page and fe. Returns 0, or
 * -1 after answering the query's problems or a 500.
 */
static int
listing_open_or_reply(struct http_request *req, struct page *page,
    const struct field_errors *fe)
{
	if (fe->n > 0) {
		http_problem_send_fields(req, fe);
		return -1;
	}
	if (page_open(page) < 0) {
		http_problem_send(req, 500, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Answer a filled listing: 200 with the page and its next link, or 500
 * when any of it could not be rendered, never a partial page.
 */
static void
listing_send(struct http_request *req, struct page *page, int more, const char *path,
    const char *const *carry)
{
	if (page_close(page, more, path, &req->q, carry) < 0)
		http_problem_send(req, 500, "out of memory");
	else
		http_send_json(req, 200, page->body);
}

/* Answer 422 for an order whose user does not exist, or no longer. */
static void
user_refused(struct http_request *req, int deleted)
{
	struct field_errors fe;

	field_errors_init(&fe);
	field_errors_add(&fe, 422, "user_id", deleted ? "the user was deleted" : "no such user");
	http_problem_send_fields(req, &fe);
}

/*
 * Ask the user service whether the order's user exists, and keep a yes
 * for the projection (the write records it). 0, or -1 after answering.
 */
static int
user_looked_up(struct http_request *req, struct order_worker *w)
{
	enum user_lookup l;
	long retry_after;

	l = user_client_lookup(w->users, w->scratch.user_id, req->request_id, &req->trace,
	    &retry_after);
	if (l == USER_ABSENT || l == USER_DELETED) {
		user_refused(req, l == USER_DELETED);
		return -1;
	}
	if (l != USER_EXISTS) {
		user_service_unavailable(req, l, retry_after);
		return -1;
	}
	if (w->events) {
		/* What a lookup tells: the user exists; its sequence, 0, is older
		 * than any event's, so the feed's word always wins. */
		w->looked_up = (struct user_fact){ .id = w->scratch.user_id };
		w->learn = &w->looked_up;
	}
	return 0;
}

/*
 * Before an order is written: does its user exist? The projection
 * answers for a user it knows; an unknown one (new, not heard of yet) is
 * looked up. Asked after the Idempotency-Key checks, so that a replay
 * needs neither.
 */
static int
order_user_checked(struct http_request *req, void *arg)
{
	struct order_worker *w = arg;
	struct user_known k;

	w->learn = NULL;
	w->user_gone = 0;
	if (!w->events || user_projection_get(w->db, w->scratch.user_id, &k) != STORE_OK)
		return user_looked_up(req, w);
	if (k.deleted) {
		user_refused(req, 1);
		return -1;
	}
	metrics_counter_add(&lookups_avoided, 1);
	return 0;
}

/*
 * Inside the write transaction: record what a lookup said, check the user
 * again under a lock (a deletion applied since the check above wins),
 * price the worker's order and insert it.
 */
static enum store_status
order_create_insert(struct db *db, void *arg)
{
	struct order_worker *w = arg;
	struct user_known k;
	enum store_status s;

	field_errors_init(&w->refused);
	if (w->events) {
		s = user_projection_check(db, w->learn, w->scratch.user_id, &k);
		if (s == STORE_OK && k.deleted) {
			w->user_gone = 1;
			return STORE_CONFLICT;
		}
		if (s != STORE_OK && s != STORE_NOT_FOUND)
			return s;
	}
	return order_store_insert(db, &w->scratch, &w->product, &w->refused);
}

static struct json_object *
order_create_to_json(const void *arg, int64_t *id, int64_t *version)
{
	const struct order *o = &((const struct order_worker *)arg)->scratch;

	*id = o->id;
	*version = o->version;
	return order_to_json(o);
}

/* A 422 naming the lines the price list refused, or the store's failure. */
static void
order_create_problem(struct http_request *req, enum store_status st)
{
	const struct field_errors *refused = &worker(req)->refused;

	if (st == STORE_CONFLICT && worker(req)->user_gone)
		user_refused(req, 1);
	else if (st == STORE_CONFLICT && refused->n > 0)
		http_problem_send_fields(req, refused);
	else
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
 * whether that user exists or not. The lines name skus and quantities;
 * prices, names and the currency come from the price list.
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
	/* Only the pricing fills it; a failure before it must not find the
	 * last order's refusals there. */
	field_errors_init(&worker(req)->refused);
	idempotent_create(req, worker(req)->db, &order_create_ops, worker(req),
	    order_user_checked);
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
	if ((v = query_get(q, "user_status")) != NULL) {
		if (strcmp(v, "deleted") == 0)
			f->user_deleted = 1;
		else
			field_errors_add(fe, 422, "user_status", "must be deleted");
	}
}

static void
order_list(struct http_request *req)
{
	static const char *const carry[] = { "user_id", "status", "user_status", NULL };
	struct order_filter f;
	struct page page;
	struct field_errors fe;
	enum store_status st;
	int more;

	field_errors_init(&fe);
	page_read(&page, &req->q, ORDER_PAGE_DEFAULT, ORDER_PAGE_MAX, &fe);
	filter_read(&req->q, &f, &fe);
	if (listing_open_or_reply(req, &page, &fe) < 0)
		return;
	/* A customer lists only their own orders: another user's are an
	 * empty page, as for a user who has none. */
	if (req->auth.role == TOKEN_CUSTOMER && f.user_id == 0)
		f.user_id = req->auth.user_id;
	if (f.user_deleted && !auth_is_admin(req)) {
		http_problem_send(req, 403, "only an admin lists the orders of deleted users");
		page_free(&page);
		return;
	}
	if (!auth_owns(req, f.user_id)) {
		st = STORE_OK;
		more = 0;
	} else {
		st = order_store_list(worker(req)->db, page.after, &f, (int)page.limit,
		    &worker(req)->scratch, page_add_order, &page, &more);
	}
	if (st != STORE_OK)
		store_problem_send(req, st, "listing failed");
	else
		listing_send(req, &page, more, "/order", carry);
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

/* ---------------------------------------------------------------- */
/* The price list: /order/products                                   */
/* ---------------------------------------------------------------- */

/* Answer status with p, its ETag, and for 201 its Location. */
static void
product_send(struct http_request *req, int status, const struct product *p)
{
	struct json_object *body = product_to_json(p);

	if (body == NULL) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	if (status == 201)
		http_header_add(req, "Location", "/order/products/%s", p->sku);
	http_header_add(req, "ETag", "\"%" PRId64 "\"", p->version);
	http_send_json(req, status, body);
	json_object_put(body);
}

/*
 * Copy the path's sku into out (ORDER_SKU_MAX + 1). Returns 0, or -1 when
 * it breaks the sku rule: no product can have it.
 */
static int
path_sku(const struct http_request *req, char *out)
{
	const struct route_param *p = &req->match.params[0];

	if (req->match.n_params < 1 || !order_sku_ok(p->s, p->len))
		return -1;
	memcpy(out, p->s, p->len);
	out[p->len] = '\0';
	return 0;
}

/*
 * Read a PUT's preconditions: If-Match, and If-None-Match, which takes
 * only "*" here (create, never replace). Returns 0, or -1 after a 400
 * (malformed) or a 428 (neither sent while --require-if-match is set).
 */
static int
put_preconditions_or_reply(struct http_request *req, struct if_match *im, int *none_match)
{
	const char *inm = http_param(req, "HTTP_IF_NONE_MATCH");
	struct if_match star;

	if (if_match_parse(http_param(req, "HTTP_IF_MATCH"), im) < 0) {
		http_problem_send(req, 400, "malformed If-Match header");
		return -1;
	}
	if (inm != NULL && (if_match_parse(inm, &star) < 0 || !star.any)) {
		http_problem_send(req, 400, "If-None-Match takes only * here: create the "
		    "product, never replace it");
		return -1;
	}
	*none_match = inm != NULL;
	if (!im->present && !*none_match && req->cfg->require_if_match) {
		http_problem_send(req, 428, "this service requires If-Match with the "
		    "product's ETag, or If-None-Match: * to create one, on PUT");
		return -1;
	}
	return 0;
}

/* PUT /order/products/{sku}: create (201) or replace (200) a product; admins only. */
static void
product_put(struct http_request *req)
{
	struct product *p = &worker(req)->product;
	struct json_object *body;
	struct field_errors fe;
	struct if_match im;
	enum store_status st;
	int none_match, created;

	memset(p, 0, sizeof(*p));
	field_errors_init(&fe);
	if (path_sku(req, p->sku) < 0) {
		field_errors_add(&fe, 422, "sku", "must be 1 to 64 of A-Z a-z 0-9 . _ -");
		http_problem_send_fields(req, &fe);
		return;
	}
	if (put_preconditions_or_reply(req, &im, &none_match) < 0 ||
	    http_read_json_object(req, http_json_types, &body) < 0)
		return;
	product_put_read(body, p, &fe);
	json_object_put(body);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	st = product_store_put(worker(req)->db, p, &im, none_match, &created);
	if (st == STORE_OK)
		product_send(req, created ? 201 : 200, p);
	else
		store_problem_send(req, st, !none_match ? "the product is not at a version "
		    "If-Match names" : "a product with this sku exists (If-None-Match: *)");
}

/* GET /order/products/{sku} */
static void
product_get(struct http_request *req)
{
	struct product *p = &worker(req)->product;
	char sku[ORDER_SKU_MAX + 1];
	enum store_status st;

	if (path_sku(req, sku) < 0) {
		http_problem_send(req, 404, "no such product");
		return;
	}
	st = product_store_get(worker(req)->db, sku, p);
	if (st == STORE_OK)
		product_send(req, 200, p);
	else
		store_problem_send(req, st, "no such product");
}

static void
page_add_product(const struct product *p, void *arg)
{
	page_add(arg, product_to_json(p), p->id);
}

/* GET /order/products?active=&limit=&after= */
static void
product_list(struct http_request *req)
{
	static const char *const carry[] = { "active", NULL };
	struct product_filter f = { .has_active = 0 };
	struct page page;
	struct field_errors fe;
	enum store_status st;
	const char *v;
	int more;

	field_errors_init(&fe);
	page_read(&page, &req->q, PRODUCT_PAGE_DEFAULT, PRODUCT_PAGE_MAX, &fe);
	if ((v = query_get(&req->q, "active")) != NULL) {
		f.has_active = 1;
		f.active = strcmp(v, "true") == 0;
		if (!f.active && strcmp(v, "false") != 0)
			field_errors_add(&fe, 422, "active", "must be true or false");
	}
	if (listing_open_or_reply(req, &page, &fe) < 0)
		return;
	st = product_store_list(worker(req)->db, page.after, &f, (int)page.limit,
	    &worker(req)->product, page_add_product, &page, &more);
	if (st != STORE_OK)
		store_problem_send(req, st, "listing failed");
	else
		listing_send(req, &page, more, "/order/products", carry);
	page_free(&page);
}

/* What /order/health tells of the events: the consumer's state and lag. */
static struct json_object *
events_new(const struct event_consumer *ec)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL ||
	    json_io_add(o, "state", json_object_new_string(
	    consumer_state_name(atomic_load(&ec->state)))) < 0 ||
	    json_io_add(o, "cursor", json_object_new_int64(atomic_load(&ec->cursor))) < 0 ||
	    json_io_add(o, "last_seq", json_object_new_int64(atomic_load(&ec->last_seq))) < 0 ||
	    json_io_add(o, "lag_events", json_object_new_int64(event_consumer_lag_events(ec))) < 0 ||
	    json_io_add(o, "lag_seconds", json_object_new_int64(atomic_load(&ec->lag_s))) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * The answer of /order/health: the user service as the last call found it
 * ({"outcome", "age_ms"} absent before any call), and the breaker. NULL
 * when memory runs out.
 */
static struct json_object *
health_new(const struct user_service_report *r, const struct order_settings *os)
{
	struct json_object *o = json_object_new_object(), *last = NULL;

	if (o == NULL)
		return NULL;
	if (json_io_add(o, "status", json_object_new_string("ok")) < 0 ||
	    json_io_add(o, "user_service",
	    json_object_new_string(user_service_state_name(r->state))) < 0 ||
	    json_io_add(o, "breaker",
	    json_object_new_string(breaker_state_name(r->breaker))) < 0)
		goto fail;
	if (r->last_call != USER_SEEN_NOTHING) {
		last = json_object_new_object();
		if (last == NULL ||
		    json_io_add(last, "outcome",
		    json_object_new_string(user_seen_name(r->last_call))) < 0 ||
		    json_io_add(last, "age_ms", json_object_new_int64(r->last_call_age_ms)) < 0)
			goto fail;
		if (json_io_add(o, "last_call", last) < 0) {
			last = NULL;	/* released */
			goto fail;
		}
	}
	if (!os->no_user_events && json_io_add(o, "events", events_new(&os->consumer)) < 0)
		goto fail;
	return o;
fail:
	json_object_put(last);
	json_object_put(o);
	return NULL;
}

/*
 * Alive: the database answers. What it knows of the user service is told,
 * not asked: health is public and not rate-limited, and must not become
 * calls to the user service.
 */
static void
order_health(struct http_request *req)
{
	struct user_service_report r;
	struct json_object *body;

	if (http_db_alive_or_503(req, worker(req)->db) < 0)
		return;
	user_client_report(worker(req)->users, &r);
	body = health_new(&r, settings(req));
	if (body == NULL)
		http_problem_send(req, 500, "out of memory");
	else
		http_send_json(req, 200, body);
	json_object_put(body);
}

/* Without events: the user service answered its last call, or a probe. */
static const char *
user_service_not_ready(struct http_request *req)
{
	switch (user_client_ready(worker(req)->users, &req->trace)) {
	case USER_SERVICE_UP:
		return NULL;
	case USER_SERVICE_UNKNOWN:
		return "the user service has not been reached yet";
	case USER_SERVICE_DOWN:
	case USER_SERVICE_BREAKER_OPEN:
		break;
	}
	return "the user service does not answer";
}

/*
 * Ready for requests: the database answers, is migrated and writable, and
 * what it knows of the users is fresh: following the events, the
 * projection is no more than --events-max-lag seconds behind ("behind");
 * the user service itself need not answer, since every user the
 * projection knows can still order. Without events, the user service
 * answered its last call, or a probe of its health (user_client_ready: at
 * most one per interval). Returns why not (in behind[n] when behind), or
 * NULL when ready.
 */
static const char *
order_not_ready(struct http_request *req, char *behind, size_t n)
{
	const struct order_settings *os = settings(req);
	const char *why = NULL;
	int64_t lag;

	if (db_ready(worker(req)->db, &why) < 0)
		return why;
	if (os->no_user_events)
		return user_service_not_ready(req);
	lag = atomic_load(&os->consumer.lag_s);
	if (lag <= os->events_max_lag_s)
		return NULL;
	snprintf(behind, n, "behind: the user events applied last are %" PRId64 " s old", lag);
	return behind;
}

static void
order_ready(struct http_request *req)
{
	char behind[96];

	http_ready_send(req, order_not_ready(req, behind, sizeof(behind)));
}

/* The metrics, with readiness as /order/ready finds it. */
static void
order_metrics(struct http_request *req)
{
	char behind[96];

	request_metrics_send(req, order_not_ready(req, behind, sizeof(behind)));
}

static const char *const order_list_query[] = {
	"user_id", "status", "user_status", "limit", "after", NULL
};
static const char *const product_list_query[] = { "active", "limit", "after", NULL };

static const struct route order_routes[] = {
	{ .method = "GET",    .pattern = "/order/health", .handler = order_health,
	  .access = ROUTE_PUBLIC },
	{ .method = "GET",    .pattern = "/order/ready",  .handler = order_ready,
	  .access = ROUTE_PUBLIC },
	/* Open here; nginx lets only this machine reach it. */
	{ .method = "GET",    .pattern = "/order/metrics", .handler = order_metrics,
	  .access = ROUTE_PUBLIC },
	{ .method = "POST",   .pattern = "/order",        .handler = order_create },
	{ .method = "GET",    .pattern = "/order",        .handler = order_list,
	  .query = order_list_query, .snapshot = 1 },
	/* The price list: above /order/{id}, which "/order/products" would match. */
	{ .method = "GET",    .pattern = "/order/products", .handler = product_list,
	  .query = product_list_query, .snapshot = 1 },
	{ .method = "GET",    .pattern = "/order/products/{sku}", .handler = product_get,
	  .snapshot = 1 },
	{ .method = "PUT",    .pattern = "/order/products/{sku}", .handler = product_put,
	  .access = ROUTE_ADMIN },
	{ .method = "GET",    .pattern = "/order/{id}",   .handler = order_get,
	  .snapshot = 1 },
	{ .method = "PATCH",  .pattern = "/order/{id}",   .handler = order_patch },
	/* Customers cancel; deleting an order is the shop's. */
	{ .method = "DELETE", .pattern = "/order/{id}",   .handler = order_delete,
	  .access = ROUTE_ADMIN },
};

/*
 * A customer's or admin's token is refused once the user's deletion, or a
 * credential version above the token's (a new password, email or role, a
 * logout), has reached the projection: the window in which the order
 * service honours a revoked token is the events' lag. A user the
 * projection does not know is taken on the token's signature alone.
 */
static int
order_session_check(struct http_request *req)
{
	struct user_known k;
	enum store_status st;

	if (!worker(req)->events)
		return 0;
	st = user_projection_get(worker(req)->db, req->auth.user_id, &k);
	if (st == STORE_NOT_FOUND)
		return 0;
	if (st != STORE_OK) {
		store_problem_send(req, st, "the token could not be checked");
		return -1;
	}
	if (k.deleted)
		return auth_token_refused(req, "the token's user no longer exists");
	if (req->auth.cred_version < k.cred_version)
		return auth_token_refused(req, "the token was revoked (a new password, email "
		    "or role, or a logout)");
	return 0;
}

/*
 * The session check and the reads of a .snapshot route in one snapshot
 * (db_snapshot_begin): an order and its lines agree with each other and
 * with the token check they passed.
 */
static int
order_snapshot_begin(struct http_request *req)
{
	return db_snapshot_begin(worker(req)->db);
}

static void
order_snapshot_end(struct http_request *req)
{
	db_snapshot_end(worker(req)->db);
}

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
	const struct order_settings *os = cfg->own;
	struct order_worker *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->db = db_open(&cfg->db, &order_store_schema, 0);
	w->users = user_client_new(&os->user_api);
	w->events = !os->no_user_events;
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
	.session_check = order_session_check,
	.snapshot_begin = order_snapshot_begin,
	.snapshot_end = order_snapshot_end,
};
