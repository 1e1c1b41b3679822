/*
 * request_harness.c - a service's routes served in-process; see
 * request_harness.h.
 *
 * The database is a shared-cache in-memory SQLite database: one
 * connection (the keeper) migrates it and keeps it alive; a plain
 * connection beside it (raw) empties it and runs the SQL fixtures, with
 * its foreign keys off so that rows go in any order.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "auth.h"
#include "db.h"
#include "dispatch.h"
#include "http.h"
#include "keygen.h"
#include "log.h"
#include "request_harness.h"
#include "settings.h"
#include "token.h"

#define MAX_PARAMS 64
#define MAX_OWN_HEADERS 8
#define ANSWER_MAX (4 * 1024 * 1024)
#define MAX_TABLES 32

/* The callers a request's own header "As" names, and their tokens. */
enum caller { CALLER_ADMIN, CALLER_CUSTOMER, CALLER_CUSTOMER2, CALLER_SERVICE, N_CALLERS };

static const char *const caller_names[N_CALLERS] = {
	[CALLER_ADMIN] = "admin", [CALLER_CUSTOMER] = "customer",
	[CALLER_CUSTOMER2] = "customer2", [CALLER_SERVICE] = "service",
};

struct own_header {
	const char *name;	/* after the prefix */
	const char *value;
};

/* Made once per process: auth.c's keyring cannot be emptied. */
static struct {
	int made;
	const struct token_rules *rules;
	struct keyring service_ring;	/* the calling service's private key */
	char *tokens[N_CALLERS];
	int64_t service_iat;		/* when the service token was made */
} keys;

static struct {
	const struct harness_target *t;
	const char *prefix;
	struct svc_config cfg;
	char db_path[64];
	struct db *keeper;
	sqlite3 *raw;
	void *ctx;		/* the service's worker state */
	struct http_request req;
	/* The request being served. */
	char *text;
	char *params[MAX_PARAMS + 1];
	size_t n_params;
	struct own_header own[MAX_OWN_HEADERS];
	size_t n_own;
	/* The answer. */
	unsigned char *answer;
	size_t answer_cap;
	struct json_object *json;
} h;

/* ------------------------------------------------------------------ */
/* Keys and tokens                                                    */
/* ------------------------------------------------------------------ */

/* Write text to a new file of its own (mode 0600) at path. 0, or -1. */
static int
key_file(char *path, size_t n, const char *text, size_t len)
{
	int fd;

	snprintf(path, n, "%s/harness-key.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * A token of caller i made now: a user's valid for a day, the service's
 * for as long as a service token may live. NULL when it cannot be made.
 */
static char *
token_for(enum caller i)
{
	struct token_claims c = {
		.role = i == CALLER_ADMIN ? TOKEN_ADMIN : i == CALLER_SERVICE ? TOKEN_SERVICE
		    : TOKEN_CUSTOMER,
		.user_id = i == CALLER_ADMIN ? 1000 : i == CALLER_SERVICE ? 0
		    : i == CALLER_CUSTOMER ? 1 : 2,
		.cred_version = i == CALLER_SERVICE ? 0 : 1,
		.iat = (int64_t)time(NULL),
	};

	if (i != CALLER_SERVICE) {
		c.exp = c.iat + 24 * 60 * 60;
		return token_make(auth_keyring(), &c, NULL);
	}
	c.exp = c.iat + TOKEN_SERVICE_TTL_MAX;
	keys.service_iat = c.iat;
	snprintf(c.service, sizeof(c.service), "microshop-order");
	return token_make(&keys.service_ring, &c, keys.rules->self);
}

/* The token of caller i, the service's made again once a minute old. */
static const char *
token_current(enum caller i)
{
	char *fresh;

	if (i == CALLER_SERVICE && (int64_t)time(NULL) - keys.service_iat > 60 &&
	    (fresh = token_for(i)) != NULL) {
		free(keys.tokens[i]);
		keys.tokens[i] = fresh;
	}
	return keys.tokens[i];
}

/*
 * The service's keys, loaded as a service loads them (auth_keys_load:
 * its private key signs the user tokens, whichever the service), a second
 * pair for the calling service (kept: its token is made again as it
 * ages), and a token for each caller. 0, or -1.
 */
static int
keys_make(struct svc_config *cfg)
{
	struct keygen_pair own = { 0 }, caller = { 0 };
	char paths[3][128];
	const char *texts[3];
	size_t lens[3];
	int made = 0, rc = -1;
	const char *why;

	if (keygen_p256(&own) < 0 || keygen_p256(&caller) < 0 ||
	    keyring_add_private(&keys.service_ring, caller.private_pem, caller.private_len,
	    KEY_SERVICE_TOKENS, &why) < 0)
		goto out;
	texts[0] = own.private_pem;
	lens[0] = own.private_len;
	texts[1] = own.public_pem;
	lens[1] = own.public_len;
	texts[2] = caller.public_pem;
	lens[2] = caller.public_len;
	for (; made < 3; made++)
		if (key_file(paths[made], sizeof(paths[made]), texts[made], lens[made]) < 0)
			goto out;
	cfg->token_key_file = paths[0];
	cfg->user_token_keys_file = paths[1];
	cfg->service_token_keys_file = paths[2];
	cfg->token_ttl = 24 * 60 * 60;
	if (auth_keys_load(cfg, KEY_USER_TOKENS) < 0)
		goto out;
	keys.rules = cfg->token_rules;
	for (enum caller i = 0; i < N_CALLERS; i++)
		if ((keys.tokens[i] = token_for(i)) == NULL)
			goto out;
	keys.made = 1;
	rc = 0;
out:
	for (int i = 0; i < made; i++)
		unlink(paths[i]);
	cfg->token_key_file = cfg->user_token_keys_file = cfg->service_token_keys_file = NULL;
	keygen_free(&own);
	keygen_free(&caller);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The request                                                        */
/* ------------------------------------------------------------------ */

/* The request body's stream: everything is there; then end of input. */
static void
body_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* The answer's stream grows as the service writes. */
static void
answer_empty(FCGX_Stream *s, int do_close)
{
	/* Counted from the end: gcc takes h.answer - wrNext after the
	 * realloc for a use of the old block. */
	size_t used = h.answer_cap - (size_t)(s->stop - s->wrNext);
	size_t cap = h.answer_cap * 2;
	unsigned char *p;

	(void)do_close;
	if (cap > ANSWER_MAX || (p = realloc(h.answer, cap)) == NULL) {
		s->isClosed = 1;
		return;
	}
	h.answer = p;
	h.answer_cap = cap;
	s->wrNext = p + used;
	s->stop = p + cap;
}

static void
param_add(const char *name, size_t name_len, const char *value, size_t value_len)
{
	char *p;

	if (h.n_params == MAX_PARAMS || (p = malloc(name_len + value_len + 2)) == NULL)
		return;
	memcpy(p, name, name_len);
	p[name_len] = '=';
	memcpy(p + name_len + 1, value, value_len);
	p[name_len + 1 + value_len] = '\0';
	h.params[h.n_params++] = p;
}

static void
request_clear(void)
{
	for (size_t i = 0; i < h.n_params; i++)
		free(h.params[i]);
	h.n_params = 0;
	h.n_own = 0;
	free(h.text);
	h.text = NULL;
}

/*
 * A header line as nginx would pass it: a name of letters, digits and '-'
 * (nginx drops any other), upper-cased, '-' as '_', HTTP_ in front.
 */
static void
header_add(char *line, int *has_length)
{
	char *colon = strchr(line, ':');
	size_t prefix_len = strlen(h.prefix), n;
	char name[128];
	const char *value;

	if (colon == NULL || colon == line || (size_t)(colon - line) > sizeof(name) - 6)
		return;
	*colon = '\0';
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(line, h.prefix, prefix_len) == 0) {
		if (h.n_own < MAX_OWN_HEADERS)
			h.own[h.n_own++] = (struct own_header){ line + prefix_len, value };
		return;
	}
	if (strcasecmp(line, "Content-Type") == 0) {
		param_add("CONTENT_TYPE", 12, value, strlen(value));
		return;
	}
	if (strcasecmp(line, "Content-Length") == 0) {
		param_add("CONTENT_LENGTH", 14, value, strlen(value));
		*has_length = 1;
		return;
	}
	memcpy(name, "HTTP_", 5);
	n = 5;
	for (const char *c = line; *c; c++) {
		if (*c == '-')
			name[n++] = '_';
		else if (isalnum((unsigned char)*c))
			name[n++] = (char)toupper((unsigned char)*c);
		else
			return;
	}
	param_add(name, n, value, strlen(value));
}

/*
 * Unless the request has an Authorization header of its own (passed as it
 * is), the token of the caller its own header "As" names; "none" (or a
 * name it does not know) sends none.
 */
static void
authorization_add(void)
{
	const char *as = harness_header("As");
	char value[TOKEN_MAX + 16];

	for (size_t i = 0; i < h.n_params; i++)
		if (strncmp(h.params[i], "HTTP_AUTHORIZATION=", 19) == 0)
			return;
	if (as == NULL)
		as = caller_names[CALLER_ADMIN];
	for (enum caller i = 0; i < N_CALLERS; i++) {
		if (strcmp(as, caller_names[i]) == 0) {
			snprintf(value, sizeof(value), "Bearer %s", token_current(i));
			param_add("HTTP_AUTHORIZATION", 18, value, strlen(value));
			return;
		}
	}
}

/* Split one request's text into params; *body is what follows the headers. */
static void
request_parse(char *text, size_t len, char **body, size_t *body_len)
{
	char *end = text + len, *line = text, *nl, *sp, *q;
	int has_length = 0, first = 1;
	char cl[32];

	*body = end;
	*body_len = 0;
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (first) {
			first = 0;
			sp = strchr(line, ' ');
			if (sp != NULL)
				*sp++ = '\0';
			param_add("REQUEST_METHOD", 14, line, strlen(line));
			if (sp != NULL) {
				param_add("REQUEST_URI", 11, sp, strlen(sp));
				q = strchr(sp, '?');
				param_add("QUERY_STRING", 12, q ? q + 1 : "", q ? strlen(q + 1) : 0);
			}
		} else if (*line == '\0') {
			*body = nl < end ? nl + 1 : end;
			*body_len = (size_t)(end - *body);
			break;
		} else {
			header_add(line, &has_length);
		}
		line = nl + 1;
	}
	authorization_add();
	if (!has_length && *body_len > 0) {
		snprintf(cl, sizeof(cl), "%zu", *body_len);
		param_add("CONTENT_LENGTH", 14, cl, strlen(cl));
	}
	param_add("REQUEST_ID", 10, "0123456789abcdef0123456789abcdef", 32);
	param_add("REMOTE_ADDR", 11, "127.0.0.1", 9);
	h.params[h.n_params] = NULL;
}

const char *
harness_header(const char *name)
{
	for (size_t i = 0; i < h.n_own; i++)
		if (strcasecmp(h.own[i].name, name) == 0)
			return h.own[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The answer                                                         */
/* ------------------------------------------------------------------ */

const char *
harness_answer_header(const struct harness_answer *a, const char *name, size_t *len)
{
	size_t n = strlen(name), head_len = (size_t)(a->body - a->text);
	const char *p = a->text, *end = a->text + head_len, *eol;

	while (p < end) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 &&
		    p[n] == ':' && p[n + 1] == ' ') {
			*len = (size_t)(eol - p) - n - 2;
			return p + n + 2;
		}
		p = eol + 2;
	}
	return NULL;
}

/* Whether the answer's Content-Type is exactly type. */
static int
content_type_is(const struct harness_answer *a, const char *type)
{
	size_t vlen;
	const char *v = harness_answer_header(a, "Content-Type", &vlen);

	return v != NULL && vlen == strlen(type) && strncmp(v, type, vlen) == 0;
}

const char *
harness_answer_problem(const struct harness_answer *a)
{
	const char *v, *head_end = a->body - 4;
	struct json_object *st;
	size_t vlen;
	char *end;
	long status, cl;

	if (a->len < 12 || strncmp(a->text, "Status: ", 8) != 0)
		return "no Status line";
	status = strtol(a->text + 8, &end, 10);
	if (end != a->text + 11 || *end != ' ' || status != a->status)
		return "a malformed Status line";
	if (a->body == a->text)
		return "no end of the headers";
	for (const char *p = a->text; p < head_end + 2; p++)
		if ((*p == '\n' && (p == a->text || p[-1] != '\r')) ||
		    (*p == '\r' && p[1] != '\n') || (*p != '\t' && (unsigned char)*p < 0x20 &&
		    *p != '\r' && *p != '\n'))
			return "a control byte inside a header";
	v = harness_answer_header(a, "Content-Length", &vlen);
	if (v == NULL || (cl = strtol(v, &end, 10)) < 0 || end != v + vlen ||
	    (size_t)cl != a->body_len)
		return "a Content-Length that is not the body's length";
	if (a->body_len == 0)
		return status >= 400 ? "an error without a problem body" : NULL;
	if (harness_answer_header(a, "Content-Type", &vlen) == NULL)
		return "a body without Content-Type";
	if (status >= 400 && !content_type_is(a, "application/problem+json"))
		return "an error that is not application/problem+json";
	/* The one success that is not JSON: the metrics, in Prometheus's format. */
	if (status < 400 && content_type_is(a, "text/plain; version=0.0.4; charset=utf-8") &&
	    a->route != NULL && strstr(a->route->pattern, "/metrics") != NULL)
		return NULL;
	if (status < 400 && !content_type_is(a, "application/json"))
		return "a success that is not application/json";
	if (a->json == NULL)
		return "a body that is not one JSON value";
	if (status >= 400 && (!json_object_is_type(a->json, json_type_object) ||
	    !json_object_object_get_ex(a->json, "status", &st) ||
	    json_object_get_int(st) != status ||
	    !json_object_object_get_ex(a->json, "title", NULL) ||
	    !json_object_object_get_ex(a->json, "type", NULL)))
		return "a problem without its status, title and type";
	return NULL;
}

/* Read the answer written to h.answer[0..len) into a. */
static void
answer_read(size_t len, struct harness_answer *a)
{
	const char *text = (const char *)h.answer, *head_end = memmem(text, len, "\r\n\r\n", 4);
	struct json_tokener *tok;

	json_object_put(h.json);
	h.json = NULL;
	*a = (struct harness_answer){
		.status = h.req.status, .text = text, .len = len,
		.body = head_end != NULL ? head_end + 4 : text,
		.route = h.req.match.route,
	};
	a->body_len = len - (size_t)(a->body - text);
	if (head_end == NULL || a->body_len == 0 || (tok = json_tokener_new()) == NULL)
		return;
	h.json = json_tokener_parse_ex(tok, a->body, (int)a->body_len);
	if (h.json != NULL && json_tokener_get_parse_end(tok) != a->body_len) {
		json_object_put(h.json);
		h.json = NULL;
	}
	json_tokener_free(tok);
	a->json = h.json;
}

int
harness_serve(const char *text, size_t len, struct harness_answer *a)
{
	FCGX_Stream in = { 0 }, out = { 0 };
	FCGX_Request fcgi = { 0 };
	char *body;
	size_t body_len;

	request_clear();
	if ((h.text = malloc(len + 1)) == NULL) {
		fprintf(stderr, "harness: out of memory\n");
		abort();
	}
	memcpy(h.text, text, len);
	h.text[len] = '\0';
	request_parse(h.text, len, &body, &body_len);
	in.rdNext = in.stop = in.stopUnget = (unsigned char *)body;
	in.stop += body_len;
	in.wrNext = in.stop;
	in.isReader = 1;
	in.fillBuffProc = body_fill;
	out.wrNext = out.rdNext = h.answer;
	out.stop = h.answer + h.answer_cap;
	out.emptyBuffProc = answer_empty;
	fcgi.in = &in;
	fcgi.out = &out;
	fcgi.envp = h.params;
	fcgi.listen_sock = -1;
	fcgi.ipcFd = -1;

	dispatch_serve(&h.req, &fcgi, &h.cfg, h.t->svc, h.ctx);
	answer_read((size_t)(out.wrNext - h.answer), a);
	request_clear();
	return a->status;
}

/* ------------------------------------------------------------------ */
/* The database                                                       */
/* ------------------------------------------------------------------ */

/* Delete every row of every table. 0, or -1. */
static int
database_empty(void)
{
	static const char sql[] =
	    "SELECT 'DELETE FROM \"' || name || '\"' FROM sqlite_master "
	    "WHERE type = 'table'";
	sqlite3_stmt *st = NULL;
	char *stmts[MAX_TABLES];
	size_t n = 0;
	int rc = 0;

	if (sqlite3_prepare_v2(h.raw, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (n < MAX_TABLES && sqlite3_step(st) == SQLITE_ROW)
		if ((stmts[n] = strdup((const char *)sqlite3_column_text(st, 0))) != NULL)
			n++;
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && sqlite3_exec(h.raw, stmts[i], NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "harness: %s: %s\n", stmts[i], sqlite3_errmsg(h.raw));
			rc = -1;
		}
		free(stmts[i]);
	}
	return rc;
}

int
harness_reset(void)
{
	struct harness_answer a;

	if (database_empty() < 0)
		return -1;
	for (const char *const *f = h.t->fixtures; f && *f; f++) {
		if (harness_serve(*f, strlen(*f), &a) / 100 != 2) {
			fprintf(stderr, "harness: the fixture request failed (%d):\n%s\n%.*s\n",
			    a.status, *f, (int)a.len, a.text);
			return -1;
		}
	}
	for (const char *const *f = h.t->sql_fixtures; f && *f; f++) {
		if (sqlite3_exec(h.raw, *f, NULL, NULL, NULL) != SQLITE_OK) {
			fprintf(stderr, "harness: %s: %s\n", *f, sqlite3_errmsg(h.raw));
			return -1;
		}
	}
	return 0;
}

struct svc_config *
harness_config(void)
{
	return &h.cfg;
}

int
harness_init(const struct harness_target *t)
{
	static unsigned generation;

	memset(&h, 0, sizeof(h));
	h.t = t;
	h.prefix = t->own_prefix != NULL ? t->own_prefix : "X-Test-";
	/* In-memory URIs: before SQLite starts in this process, or it is
	 * already on (a second init). */
	sqlite3_config(SQLITE_CONFIG_URI, 1);
	log_init("harness", LOG_LEVEL_ERROR);
	settings_defaults(&h.cfg, "harness", "");
	if (!keys.made && keys_make(&h.cfg) < 0) {
		fprintf(stderr, "harness: the keys or tokens could not be made\n");
		return -1;
	}
	h.cfg.token_rules = keys.rules;
	h.cfg.token_ttl = 24 * 60 * 60;
	snprintf(h.db_path, sizeof(h.db_path), "file:harness-%u?mode=memory&cache=shared",
	    generation++);
	h.cfg.db.path = h.db_path;
	h.cfg.own = t->own;
	h.keeper = db_open(&h.cfg.db, t->schema, 1);
	if (h.keeper == NULL || sqlite3_open_v2(h.db_path, &h.raw, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		fprintf(stderr, "harness: the in-memory database did not open\n");
		harness_fini();
		return -1;
	}
	h.ctx = t->svc->thread_init(&h.cfg);
	h.req.body = malloc(h.cfg.max_body + 1);
	h.answer_cap = 64 * 1024;
	h.answer = malloc(h.answer_cap);
	if (h.ctx == NULL || h.req.body == NULL || h.answer == NULL) {
		fprintf(stderr, "harness: the service's worker state could not be made\n");
		harness_fini();
		return -1;
	}
	return 0;
}

void
harness_fini(void)
{
	request_clear();
	json_object_put(h.json);
	if (h.t != NULL && h.ctx != NULL)
		h.t->svc->thread_fini(h.ctx);
	free(h.req.body);
	free(h.answer);
	sqlite3_close(h.raw);
	db_close(h.keeper);
	memset(&h, 0, sizeof(h));
}
