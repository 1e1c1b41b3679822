/*
 * user_api.c - handlers for /user, and for the event feed other services
 * read (/user/events). Each handler reads and checks its input, calls the
 * store once, and answers once; problems are answered by the helpers that
 * find them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sodium.h>

#include "auth.h"
#include "clock.h"
#include "db.h"
#include "event_feed.h"
#include "http.h"
#include "idempotency.h"
#include "json_io.h"
#include "login_throttle.h"
#include "request_metrics.h"
#include "page.h"
#include "password.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "text.h"
#include "user_api.h"
#include "user_events.h"
#include "user_model.h"
#include "user_store.h"

#define USER_PAGE_DEFAULT 50
#define USER_PAGE_MAX 200
#define FEED_LIMIT_DEFAULT 100
#define FEED_LIMIT_MAX 1000
#define FEED_WAIT_MAX_S 5	/* under nginx's fastcgi_read_timeout (10 s) */
#define SNAPSHOT_LIMIT_DEFAULT 500
#define SNAPSHOT_LIMIT_MAX 1000

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

/* Answer a password check or hash that did not complete. */
static void
password_problem_send(struct http_request *req, enum password_result r)
{
	if (r == PASSWORD_BUSY) {
		http_header_add(req, "Retry-After", "1");
		http_problem_send(req, 503, "too many passwords are being checked; try again");
	} else {
		http_problem_send(req, 500, "out of memory");
	}
}

/*
 * After a write that may have committed an event: wake this process's long
 * polls, and sweep old events if a sweep is due (event_feed.h).
 */
static void
user_written(struct http_request *req)
{
	event_feed_committed();
	event_feed_sweep(req_db(req), clock_ms());
}

/* Wipe the passwords in holds, once they are hashed or checked. */
static void
user_input_wipe(struct user_input *in)
{
	sodium_memzero(in->password, sizeof(in->password));
	sodium_memzero(in->current_password, sizeof(in->current_password));
}

/* Read and check the body into in. Returns 0, or -1 after answering. */
static int
user_input_read_or_reply(struct http_request *req, int create, struct user_input *in)
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
		user_input_wipe(in);
		return -1;
	}
	return 0;
}

/*
 * Hash in's new password, if any, into in->password_hash; the passwords
 * are wiped either way. Returns 0, or -1 after answering.
 */
static int
user_password_hash_or_reply(struct http_request *req, struct user_input *in)
{
	enum password_result r = PASSWORD_OK;

	if (in->has_password)
		r = password_hash(in->password, in->password_len, in->password_hash);
	user_input_wipe(in);
	if (r != PASSWORD_OK) {
		password_problem_send(req, r);
		return -1;
	}
	return 0;
}

/* The path's user id, if the caller may act on it. 0, or -1 after a 404. */
static int
owned_id_or_404(struct http_request *req, int64_t *id)
{
	if (http_path_id_or_404(req, 0, id) < 0)
		return -1;
	if (!auth_owns(req, *id)) {
		http_problem_send(req, 404, "no such user");
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

	return user_store_insert(db, &c->in, "customer", &c->u);
}

static struct json_object *
user_create_to_json(const void *arg, int64_t *id, int64_t *version)
{
	const struct user_create *c = arg;

	*id = c->u.id;
	*version = c->u.version;
	return user_to_json(&c->u);
}

/*
 * Before the insert: an email that is taken is a 409 at once, without the
 * cost of a hash (the insert still answers 409 if someone takes it
 * meanwhile); then the password is hashed. 0, or -1 after answering.
 */
static int
user_create_prepare(struct http_request *req, void *arg)
{
	struct user_create *c = arg;
	struct user_credentials cred;
	enum store_status st;
	enum password_result r;

	st = user_store_credentials(req_db(req), c->in.email, &cred);
	if (st != STORE_NOT_FOUND) {
		user_problem_send(req, st == STORE_OK ? STORE_CONFLICT : st);
		return -1;
	}
	r = password_hash(c->in.password, c->in.password_len, c->in.password_hash);
	if (r != PASSWORD_OK) {
		password_problem_send(req, r);
		return -1;
	}
	return 0;
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

	if (user_input_read_or_reply(req, 1, &c.in) < 0)
		return;
	/* The password is hashed by user_create_prepare, once the email is
	 * known to be free and the Idempotency-Key to be new. */
	idempotent_create(req, req_db(req), &user_create_ops, &c, user_create_prepare);
	user_input_wipe(&c.in);
	if (req->status == 201)
		user_written(req);
}

/* Answer user id as it is now. */
static void
user_send_current(struct http_request *req, int64_t id)
{
	struct user u;
	enum store_status st = user_store_get(req_db(req), id, &u);

	if (st != STORE_OK) {
		user_problem_send(req, st);
		return;
	}
	user_send(req, 200, &u);
}

static void
user_get(struct http_request *req)
{
	int64_t id;

	if (owned_id_or_404(req, &id) < 0)
		return;
	user_send_current(req, id);
}

/* GET /user/me: the caller's own user, whose id a client need not know. */
static void
user_me(struct http_request *req)
{
	user_send_current(req, req->auth.user_id);
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
	if (st != STORE_OK)
		store_problem_send(req, st, "listing failed");
	else if (page_close(&page, more, "/user", &req->q, carry) < 0)
		http_problem_send(req, 500, "out of memory");
	else
		http_send_json(req, 200, page.body);
	page_free(&page);
}

/*
 * Check password pw[0..len) against hash for the account email, under the
 * account's throttle (login_throttle.h), which reserves the attempt while
 * it runs: a login and a credential change count alike. Returns 1 when it
 * matches, 0 when not, or -1 after answering (429 while the account must
 * wait, or no check was possible). A NULL hash (no such account) costs the
 * same and never matches.
 */
static int
password_check_or_reply(struct http_request *req, const char *email, const char *hash,
    const char *pw, size_t len)
{
	enum login_outcome outcome = LOGIN_UNCHECKED;
	enum password_result r;
	long wait;
	int rc = -1;

	if ((wait = login_throttle_begin(email, clock_ms())) > 0) {
		http_header_add(req, "Retry-After", "%ld", wait);
		http_problem_send(req, 429, "too many failed logins for this account; "
		    "try again in %ld s", wait);
		return -1;
	}
	r = password_verify(hash, pw, len);
	if (r == PASSWORD_BUSY || r == PASSWORD_ERR) {
		password_problem_send(req, r);
	} else {
		outcome = r == PASSWORD_OK ? LOGIN_SUCCEEDED : LOGIN_FAILED;
		rc = r == PASSWORD_OK;
	}
	login_throttle_end(email, outcome, clock_ms());
	return rc;
}

/*
 * Who may change what in in, for the caller on user id: a role only an
 * admin; one's own password, email or role only with current_password,
 * checked like a login (the same per-account throttle), so that a stolen
 * token cannot take the account over. An admin changing someone else's
 * account needs no password of theirs. Returns 0, or -1 after answering.
 */
static int
user_change_allowed_or_reply(struct http_request *req, int64_t id, struct user_input *in)
{
	struct user_credentials cred;
	enum store_status st;

	if (in->has_role && !auth_is_admin(req) && strcmp(in->role, "customer") != 0) {
		http_problem_send(req, 403, "only an admin may change a role");
		return -1;
	}
	if (id != req->auth.user_id || (!in->has_password && !in->has_email && !in->has_role))
		return 0;
	st = user_store_credentials_by_id(req_db(req), id, &cred);
	if (st != STORE_OK) {
		user_problem_send(req, st);
		return -1;
	}
	if (!in->has_password && (!in->has_email || strcmp(in->email, cred.email) == 0) &&
	    (!in->has_role || strcmp(in->role, cred.role) == 0))
		return 0;
	if (!in->has_current_password) {
		struct field_errors fe;

		field_errors_init(&fe);
		field_errors_add(&fe, 422, "current_password", "is required to change your "
		    "own password, email or role");
		http_problem_send_fields(req, &fe);
		return -1;
	}
	switch (password_check_or_reply(req, cred.email, cred.password_hash,
	    in->current_password, in->current_password_len)) {
	case 1:
		return 0;
	case 0:
		http_problem_send(req, 403, "current_password is not this account's password");
		return -1;
	default:
		return -1;
	}
}

static void
user_patch(struct http_request *req)
{
	struct user_input in;
	struct if_match im;
	struct user u;
	int64_t id;
	enum store_status st;

	if (owned_id_or_404(req, &id) < 0 || http_if_match_or_reply(req, &im) < 0)
		return;
	if (user_input_read_or_reply(req, 0, &in) < 0)
		return;
	if (user_change_allowed_or_reply(req, id, &in) < 0) {
		user_input_wipe(&in);
		return;
	}
	if (user_password_hash_or_reply(req, &in) < 0)
		return;
	st = user_store_update(req_db(req), id, &im, &in, &u);
	if (st != STORE_OK) {
		user_problem_send(req, st);
		return;
	}
	user_send(req, 200, &u);
	user_written(req);
}

static void
user_delete(struct http_request *req)
{
	struct if_match im;
	int64_t id;
	enum store_status st;

	if (owned_id_or_404(req, &id) < 0 || http_if_match_or_reply(req, &im) < 0)
		return;
	st = user_store_delete(req_db(req), id, &im);
	if (st != STORE_OK) {
		user_problem_send(req, st);
		return;
	}
	http_send_empty(req, 204);
	user_written(req);
}

/*
 * 200 with an access token for the user the email and password name, and
 * who that is (the id, so that a client need not guess it).
 */
static void
login_token_send(struct http_request *req, const struct user_credentials *c)
{
	struct token_claims claims = {
		.role = strcmp(c->role, "admin") == 0 ? TOKEN_ADMIN : TOKEN_CUSTOMER,
		.user_id = c->id,
		.cred_version = c->cred_version,
		.iat = (int64_t)time(NULL),
	};
	struct json_object *body = NULL;
	char *token;

	claims.exp = claims.iat + req->cfg->token_ttl;
	token = token_make(auth_keyring(), &claims, NULL);
	if (token == NULL || (body = json_object_new_object()) == NULL ||
	    json_io_add(body, "access_token", json_object_new_string(token)) < 0 ||
	    json_io_add(body, "token_type", json_object_new_string("Bearer")) < 0 ||
	    json_io_add(body, "expires_in", json_object_new_int64(req->cfg->token_ttl)) < 0 ||
	    json_io_add(body, "user_id", json_object_new_int64(c->id)) < 0 ||
	    json_io_add(body, "role", json_object_new_string(c->role)) < 0 ||
	    /* RFC 6749, 5.1: a token is never kept by a cache. */
	    http_header_add(req, "Cache-Control", "no-store") < 0)
		http_problem_send(req, 500, "out of memory");
	else
		http_send_json(req, 200, body);
	json_object_put(body);
	free(token);
}

/*
 * POST /user/login. Every wrong email or password gets the same 401, after
 * the same work: an unknown email is checked against a stand-in hash. The
 * account's throttle lets the attempt through (reserved) or refuses it,
 * and hears its outcome (password_check_or_reply).
 */
static void
user_login(struct http_request *req)
{
	struct user_login in;
	struct user_credentials cred = { 0 };
	struct json_object *body;
	struct field_errors fe;
	enum store_status st;
	int ok;

	if (http_read_json_object(req, http_json_types, &body) < 0)
		return;
	field_errors_init(&fe);
	user_login_read(body, &in, &fe);
	json_object_put(body);
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		goto out;
	}
	st = user_store_credentials(req_db(req), in.email, &cred);
	if (st != STORE_OK && st != STORE_NOT_FOUND) {
		store_problem_send(req, st, "login failed");
		goto out;
	}
	ok = password_check_or_reply(req, in.email, st == STORE_OK ? cred.password_hash : NULL,
	    in.password, in.password_len);
	if (ok < 0)
		goto out;
	if (!ok) {
		http_header_add(req, "WWW-Authenticate", "Bearer realm=\"microshop\"");
		http_problem_send(req, 401, "wrong email or password");
		goto out;
	}
	login_token_send(req, &cred);
out:
	sodium_memzero(in.password, sizeof(in.password));
}

/* POST /user/logout: every token of the caller ends, this one too. */
static void
user_logout(struct http_request *req)
{
	enum store_status st = user_store_logout(req_db(req), req->auth.user_id);

	if (st != STORE_OK) {
		store_problem_send(req, st, "logout failed");
		return;
	}
	http_send_empty(req, 204);
	user_written(req);
}

/*
 * A customer's or admin's token is good while its user exists with the
 * credential version and role the token carries: a deletion, a new
 * password, email or role, and a logout end it at once.
 */
static int
user_session_check(struct http_request *req)
{
	struct user_session s;
	enum store_status st = user_store_session(req_db(req), req->auth.user_id, &s);

	if (st == STORE_NOT_FOUND)
		return auth_token_refused(req, "the token's user no longer exists");
	if (st != STORE_OK) {
		store_problem_send(req, st, "the token could not be checked");
		return -1;
	}
	if (s.cred_version != req->auth.cred_version ||
	    strcmp(s.role, token_role_name(req->auth.role)) != 0)
		return auth_token_refused(req, "the token was revoked (a new password, email "
		    "or role, or a logout)");
	return 0;
}

/*
 * The session check and the read of a .snapshot route in one snapshot
 * (db_snapshot_begin): the answer agrees with the token check it passed.
 */
static int
user_snapshot_begin(struct http_request *req)
{
	return db_snapshot_begin(req_db(req));
}

static void
user_snapshot_end(struct http_request *req)
{
	db_snapshot_end(req_db(req));
}

static void
user_health(struct http_request *req)
{
	if (http_db_alive_or_503(req, req_db(req)) == 0)
		http_send_status(req, "ok");
}

/* Ready for requests: the database answers, is migrated and writable. */
static void
user_ready(struct http_request *req)
{
	const char *why = NULL;

	db_ready(req_db(req), &why);
	http_ready_send(req, why);
}

/* ------------------------------------------------------------------ */
/* The event feed, for services                                       */
/* ------------------------------------------------------------------ */

/*
 * Query parameter key, when present, as a whole number from min to max
 * into *out (which holds the default); anything else goes to fe as a 422
 * naming it, with reason.
 */
static void
query_number(const struct query *q, const char *key, int64_t min, int64_t max,
    int64_t *out, struct field_errors *fe, const char *reason)
{
	const char *v = query_get(q, key);
	int64_t n = 0;

	if (v == NULL)
		return;
	if ((strcmp(v, "0") != 0 && text_parse_id(v, strlen(v), &n) < 0) || n < min || n > max)
		field_errors_add(fe, 422, key, "%s", reason);
	else
		*out = n;
}

/* The events of one read of the feed, and where the feed stood. */
struct feed {
	struct json_object *events;	/* owned */
	size_t n;
	int failed;			/* an event could not be added */
	struct user_events_head head;
};

static void
feed_add(const struct user_event *e, void *arg)
{
	struct feed *f = arg;

	if (json_io_append(f->events, user_event_to_json(e)) < 0)
		f->failed = 1;
	else
		f->n++;
}

/* Read up to limit events after `after` into f, anew. */
static enum store_status
feed_read(struct db *db, int64_t after, int limit, struct feed *f)
{
	enum store_status s;

	json_object_put(f->events);
	f->n = 0;
	f->failed = 0;
	if ((f->events = json_object_new_array()) == NULL) {
		f->failed = 1;
		return STORE_OK;
	}
	s = user_events_read(db, after, limit, feed_add, f, &f->head);
	if (s == STORE_OK)
		event_feed_seen(f->head.last_seq);
	return s;
}

/*
 * Whether the events after `after` are no longer all there: some were
 * swept, or the feed never reached `after` (its database was restored
 * from an older copy, or replaced). The consumer resyncs either way.
 */
static int
feed_gone(const struct user_events_head *h, int64_t after)
{
	return after < h->swept_through || after > h->last_seq;
}

/*
 * Wait up to wait_s seconds for an event after `after`: read f again at
 * every tick (another process's commit) and at once when this process
 * commits one (past generation gen), until the read finds one or finds
 * the feed gone; a stop ends the wait with what was read last. A read that
 * fails is tried again at the next tick. Returns the last read's answer.
 */
static enum store_status
feed_wait(struct db *db, int64_t after, int limit, int64_t wait_s, uint64_t gen,
    struct feed *f)
{
	int64_t deadline = clock_ms() + wait_s * 1000, left;
	enum store_status s = STORE_OK;

	while ((left = deadline - clock_ms()) > 0) {
		if (event_feed_sleep(&gen, left < EVENT_FEED_TICK_MS ? left : EVENT_FEED_TICK_MS))
			break;
		s = feed_read(db, after, limit, f);
		if (s == STORE_OK && !f->failed && (f->n > 0 || feed_gone(&f->head, after)))
			break;
	}
	return s;
}

/* 410 with where the feed stands now: the consumer resyncs from the snapshot. */
static void
feed_gone_send(struct http_request *req, int64_t after, const struct user_events_head *h)
{
	char detail[256];
	struct json_object *p;

	if (after > h->last_seq)
		snprintf(detail, sizeof(detail), "the feed has no event %" PRId64 " (its last is "
		    "%" PRId64 "): it was restored or replaced; resync from "
		    "/user/events/snapshot", after, h->last_seq);
	else
		snprintf(detail, sizeof(detail), "the events after %" PRId64 " were swept (the "
		    "oldest kept is %" PRId64 "); resync from /user/events/snapshot", after,
		    h->swept_through + 1);
	p = problem_new(410, "about:blank", detail);
	if (p == NULL ||
	    json_io_add(p, "oldest_seq", json_object_new_int64(h->swept_through + 1)) < 0 ||
	    json_io_add(p, "last_seq", json_object_new_int64(h->last_seq)) < 0)
		http_problem_send(req, 500, "out of memory");
	else
		http_send_body(req, 410, "application/problem+json", p);
	json_object_put(p);
}

/* 200 with f's events (taken from f) and where the feed stands. */
static void
feed_send(struct http_request *req, struct feed *f)
{
	struct json_object *body = json_object_new_object();
	struct json_object *events = f->events;

	f->events = NULL;
	if (body == NULL || json_io_add(body, "events", events) < 0 ||
	    json_io_add(body, "last_seq", json_object_new_int64(f->head.last_seq)) < 0 ||
	    json_io_add(body, "oldest_seq", json_object_new_int64(f->head.swept_through + 1)) < 0) {
		if (body == NULL)
			json_object_put(events);
		http_problem_send(req, 500, "out of memory");
	} else {
		http_send_json(req, 200, body);
	}
	json_object_put(body);
}

/*
 * GET /user/events?after=&limit=&wait=: the events after `after`, in seq
 * order. With wait and none there yet, a long poll: it waits for one
 * while it holds a wait slot, and answers at once without one
 * (event_feed.h).
 */
static void
user_events_get(struct http_request *req)
{
	int64_t after = 0, limit = FEED_LIMIT_DEFAULT, wait = 0;
	struct feed f = { 0 };
	struct field_errors fe;
	enum store_status s;
	uint64_t gen;

	field_errors_init(&fe);
	query_number(&req->q, "after", 0, INT64_MAX, &after, &fe,
	    "must be 0 or the seq of an event");
	query_number(&req->q, "limit", 1, FEED_LIMIT_MAX, &limit, &fe,
	    "must be an integer from 1 to 1000");
	query_number(&req->q, "wait", 0, FEED_WAIT_MAX_S, &wait, &fe,
	    "must be a number of seconds from 0 to 5");
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	event_feed_sweep(req_db(req), clock_ms());
	/* Taken before the read: a commit after it wakes the wait below. */
	gen = event_feed_generation();
	s = feed_read(req_db(req), after, (int)limit, &f);
	if (s == STORE_OK && !f.failed && f.n == 0 && wait > 0 && !feed_gone(&f.head, after) &&
	    event_feed_wait_begin() == 0) {
		s = feed_wait(req_db(req), after, (int)limit, wait, gen, &f);
		event_feed_wait_end();
	}
	if (s != STORE_OK)
		store_problem_send(req, s, "the feed could not be read");
	else if (f.failed)
		http_problem_send(req, 500, "out of memory");
	else if (feed_gone(&f.head, after))
		feed_gone_send(req, after, &f.head);
	else
		feed_send(req, &f);
	json_object_put(f.events);
}

static void
snapshot_add(const struct user_state *u, void *arg)
{
	struct feed *f = arg;

	if (json_io_append(f->events, user_state_to_json(u)) < 0)
		f->failed = 1;
}

/*
 * GET /user/events/snapshot?after=&limit=: every user after id `after`,
 * deleted ones too, and the seq of the feed these rows are consistent
 * with: a consumer that resyncs applies the events after it.
 */
static void
user_events_snapshot_get(struct http_request *req)
{
	int64_t after = 0, limit = SNAPSHOT_LIMIT_DEFAULT, seq = 0;
	struct json_object *body = NULL, *users = NULL;
	struct feed f = { 0 };
	struct field_errors fe;
	enum store_status s;
	int more = 0;

	field_errors_init(&fe);
	query_number(&req->q, "after", 0, INT64_MAX, &after, &fe,
	    "must be 0 or the id of the last user of a previous page");
	query_number(&req->q, "limit", 1, SNAPSHOT_LIMIT_MAX, &limit, &fe,
	    "must be an integer from 1 to 1000");
	if (fe.n > 0) {
		http_problem_send_fields(req, &fe);
		return;
	}
	if ((f.events = json_object_new_array()) == NULL) {
		http_problem_send(req, 500, "out of memory");
		return;
	}
	s = user_events_snapshot(req_db(req), after, (int)limit, snapshot_add, &f, &seq, &more);
	if (s != STORE_OK) {
		store_problem_send(req, s, "the snapshot could not be read");
		goto out;
	}
	users = f.events;
	f.events = NULL;
	if (f.failed || (body = json_object_new_object()) == NULL ||
	    json_io_add(body, "users", users) < 0 ||
	    json_io_add(body, "seq", json_object_new_int64(seq)) < 0 ||
	    json_io_add(body, "more", json_object_new_boolean(more)) < 0) {
		if (body == NULL)
			json_object_put(users);
		http_problem_send(req, 500, "out of memory");
		goto out;
	}
	http_send_json(req, 200, body);
out:
	json_object_put(body);
	json_object_put(f.events);
}

/*
 * The metrics, with the feed's newest seq read from the database first,
 * and readiness as /user/ready finds it.
 */
static void
user_metrics(struct http_request *req)
{
	struct user_events_head h;
	const char *why = NULL;

	if (user_events_head(req_db(req), &h) == STORE_OK)
		event_feed_seen(h.last_seq);
	db_ready(req_db(req), &why);
	request_metrics_send(req, why);
}

static const char *const user_list_query[] = { "limit", "after", "email", NULL };
static const char *const user_events_query[] = { "after", "limit", "wait", NULL };
static const char *const user_snapshot_query[] = { "after", "limit", NULL };

static const struct route user_routes[] = {
	{ .method = "GET",    .pattern = "/user/health", .handler = user_health,
	  .access = ROUTE_PUBLIC },
	{ .method = "GET",    .pattern = "/user/ready",  .handler = user_ready,
	  .access = ROUTE_PUBLIC },
	/* Open here; nginx lets only this machine reach it. */
	{ .method = "GET",    .pattern = "/user/metrics", .handler = user_metrics,
	  .access = ROUTE_PUBLIC },
	{ .method = "POST",   .pattern = "/user/login",  .handler = user_login,
	  .access = ROUTE_PUBLIC },
	{ .method = "POST",   .pattern = "/user/logout", .handler = user_logout },
	{ .method = "GET",    .pattern = "/user/me",     .handler = user_me,
	  .snapshot = 1 },
	{ .method = "POST",   .pattern = "/user",        .handler = user_create,
	  .access = ROUTE_PUBLIC },
	{ .method = "GET",    .pattern = "/user",        .handler = user_list,
	  .query = user_list_query, .access = ROUTE_ADMIN, .snapshot = 1 },
	/* The changes to users, for other services (docs/events.md). */
	{ .method = "GET",    .pattern = "/user/events", .handler = user_events_get,
	  .query = user_events_query, .access = ROUTE_SERVICE },
	{ .method = "GET",    .pattern = "/user/events/snapshot",
	  .handler = user_events_snapshot_get, .query = user_snapshot_query,
	  .access = ROUTE_SERVICE },
	/* The order service asks whether a user exists, with a service token. */
	{ .method = "GET",    .pattern = "/user/{id}",   .handler = user_get,
	  .access = ROUTE_USER_OR_SERVICE, .snapshot = 1 },
	{ .method = "PATCH",  .pattern = "/user/{id}",   .handler = user_patch },
	{ .method = "DELETE", .pattern = "/user/{id}",   .handler = user_delete },
};

static void *
user_thread_init(const struct svc_config *cfg)
{
	return db_open(&cfg->db, &user_store_schema, 0);
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
	.session_check = user_session_check,
	.snapshot_begin = user_snapshot_begin,
	.snapshot_end = user_snapshot_end,
	.stopping = event_feed_stop,
};
