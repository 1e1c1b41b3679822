/*
 * fuzz_http.c - a service's request handling without a socket; see
 * fuzz_http.h.
 *
 * The database is a shared-cache in-memory SQLite database: one connection
 * (the keeper) migrates it, keeps it alive and empties it between inputs;
 * the service's own thread_init opens the worker's connection to it, as a
 * worker thread opens the file in production.
 */
#include <ctype.h>
#include <fcntl.h>
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
#include "fuzz_http.h"
#include "http.h"
#include "keygen.h"
#include "log.h"
#include "settings.h"
#include "token.h"

#define MAX_PARAMS 64
#define MAX_HARNESS_HEADERS 8
#define ANSWER_MAX (4 * 1024 * 1024)

struct harness_header {
	const char *name;	/* after "X-Fuzz-" */
	const char *value;
};

static struct {
	const struct fuzz_http_target *t;
	struct svc_config cfg;
	struct db *keeper;
	sqlite3 *raw;		/* the keeper's file, for database_empty */
	void *ctx;
	struct http_request req;
	/* The request being served. */
	char *params[MAX_PARAMS + 1];
	size_t n_params;
	struct harness_header harness[MAX_HARNESS_HEADERS];
	size_t n_harness;
	/* The answer. */
	unsigned char *answer;
	size_t answer_cap;
	/* A token for each caller X-Fuzz-As names. */
	char *tokens[4];
} fz;

/* X-Fuzz-As: who the request comes from when it has no Authorization. */
static const char *const callers[] = { "admin", "customer", "customer2", "service" };

static void
fail(const char *what, const char *answer, size_t len)
{
	fprintf(stderr, "fuzz_http: %s\n--- answer (%zu bytes) ---\n%.*s\n---\n",
	    what, len, (int)(len > 2000 ? 2000 : len), answer);
	abort();
}

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
	size_t used = (size_t)(s->wrNext - fz.answer);
	size_t cap = fz.answer_cap * 2;
	unsigned char *p;

	(void)do_close;
	if (cap > ANSWER_MAX || (p = realloc(fz.answer, cap)) == NULL) {
		s->isClosed = 1;
		return;
	}
	fz.answer = p;
	fz.answer_cap = cap;
	s->wrNext = p + used;
	s->stop = p + cap;
}

static void
param_add(const char *name, size_t name_len, const char *value, size_t value_len)
{
	char *p;

	if (fz.n_params == MAX_PARAMS || (p = malloc(name_len + value_len + 2)) == NULL)
		return;
	memcpy(p, name, name_len);
	p[name_len] = '=';
	memcpy(p + name_len + 1, value, value_len);
	p[name_len + 1 + value_len] = '\0';
	fz.params[fz.n_params++] = p;
}

static void
params_clear(void)
{
	for (size_t i = 0; i < fz.n_params; i++)
		free(fz.params[i]);
	fz.n_params = 0;
	fz.n_harness = 0;
}

/*
 * A header line as nginx would pass it: a name of letters, digits and '-'
 * (nginx drops any other), upper-cased, '-' as '_', HTTP_ in front.
 */
static void
header_add(char *line, int *has_length)
{
	char *colon = strchr(line, ':');
	char name[128];
	size_t n;
	const char *value;

	if (colon == NULL || colon == line || (size_t)(colon - line) > sizeof(name) - 6)
		return;
	*colon = '\0';
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strncasecmp(line, "X-Fuzz-", 7) == 0) {
		if (fz.n_harness < MAX_HARNESS_HEADERS)
			fz.harness[fz.n_harness++] = (struct harness_header){ line + 7, value };
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
 * Unless the request has an Authorization header of its own (fuzzed as it
 * is), the token of the caller X-Fuzz-As names: an admin by default, so
 * that every route is reachable; "none" sends no token.
 */
static void
authorization_add(void)
{
	const char *as = fuzz_http_header("As");
	char value[TOKEN_MAX + 16];

	for (size_t i = 0; i < fz.n_params; i++)
		if (strncmp(fz.params[i], "HTTP_AUTHORIZATION=", 19) == 0)
			return;
	if (as == NULL)
		as = "admin";
	for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		if (strcmp(as, callers[i]) == 0) {
			snprintf(value, sizeof(value), "Bearer %s", fz.tokens[i]);
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
	fz.params[fz.n_params] = NULL;
}

/* The value of header name in the answer's head, or NULL. */
static const char *
answer_header(const char *head, size_t head_len, const char *name, size_t *len)
{
	size_t n = strlen(name);
	const char *p = head, *end = head + head_len, *eol;

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

static int
status_allowed(int status)
{
	if (status >= 200 && status < 500)
		return 1;
	for (const int *s = fz.t->allowed_5xx; s && *s; s++)
		if (*s == status)
			return 1;
	return 0;
}

/* Abort unless the answer is one well-formed FastCGI responder answer. */
static void
answer_check(const char *a, size_t len)
{
	const char *head_end, *body, *v;
	size_t head_len, body_len, vlen;
	struct json_object *o, *st;
	struct json_tokener *tok;
	char *end;
	long status, cl;

	if (len < 12 || strncmp(a, "Status: ", 8) != 0)
		fail("no Status line", a, len);
	status = strtol(a + 8, &end, 10);
	if (end != a + 11 || *end != ' ' || status != fz.req.status)
		fail("a malformed Status line", a, len);
	if (!status_allowed((int)status))
		fail("a status a hostile request must never get", a, len);
	head_end = memmem(a, len, "\r\n\r\n", 4);
	if (head_end == NULL)
		fail("no end of the headers", a, len);
	head_len = (size_t)(head_end - a) + 2;
	for (const char *p = a; p < a + head_len; p++)
		if ((*p == '\n' && (p == a || p[-1] != '\r')) ||
		    (*p == '\r' && p[1] != '\n') || (*p != '\t' && (unsigned char)*p < 0x20 &&
		    *p != '\r' && *p != '\n'))
			fail("a control byte inside a header", a, len);
	body = head_end + 4;
	body_len = len - (size_t)(body - a);
	v = answer_header(a, head_len, "Content-Length", &vlen);
	if (v == NULL || (cl = strtol(v, &end, 10)) < 0 || end != v + vlen ||
	    (size_t)cl != body_len)
		fail("a Content-Length that is not the body's length", a, len);
	if (body_len == 0) {
		if (status >= 400)
			fail("an error without a problem body", a, len);
		return;
	}
	v = answer_header(a, head_len, "Content-Type", &vlen);
	if (v == NULL)
		fail("a body without Content-Type", a, len);
	if (status >= 400 && (vlen != 24 || strncmp(v, "application/problem+json", 24) != 0))
		fail("an error that is not application/problem+json", a, len);
	/* The one success that is not JSON: the metrics, in Prometheus's format. */
	if (status < 400 && vlen == 40 &&
	    strncmp(v, "text/plain; version=0.0.4; charset=utf-8", 40) == 0 &&
	    fz.req.match.route != NULL && strstr(fz.req.match.route->pattern, "/metrics") != NULL)
		return;
	if (status < 400 && (vlen != 16 || strncmp(v, "application/json", 16) != 0))
		fail("a success that is not application/json", a, len);
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, body, (int)body_len);
	if (o == NULL || json_tokener_get_parse_end(tok) != body_len)
		fail("a body that is not one JSON value", a, len);
	json_tokener_free(tok);
	if (status >= 400 && (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "status", &st) ||
	    json_object_get_int(st) != status ||
	    !json_object_object_get_ex(o, "title", NULL) ||
	    !json_object_object_get_ex(o, "type", NULL)))
		fail("a problem without its status, title and type", a, len);
	json_object_put(o);
}

/* Serve one request given as text; returns the status. */
static int
serve(char *text, size_t len)
{
	FCGX_Stream in = { 0 }, out = { 0 };
	FCGX_Request fcgi = { 0 };
	char *body;
	size_t body_len;

	params_clear();
	request_parse(text, len, &body, &body_len);
	in.rdNext = in.stop = in.stopUnget = (unsigned char *)body;
	in.stop += body_len;
	in.wrNext = in.stop;
	in.isReader = 1;
	in.fillBuffProc = body_fill;
	out.wrNext = out.rdNext = fz.answer;
	out.stop = fz.answer + fz.answer_cap;
	out.emptyBuffProc = answer_empty;
	fcgi.in = &in;
	fcgi.out = &out;
	fcgi.envp = fz.params;
	fcgi.listen_sock = -1;
	fcgi.ipcFd = -1;

	dispatch_serve(&fz.req, &fcgi, &fz.cfg, fz.t->svc, fz.ctx);
	answer_check((const char *)fz.answer, (size_t)(out.wrNext - fz.answer));
	return fz.req.status;
}

const char *
fuzz_http_header(const char *name)
{
	for (size_t i = 0; i < fz.n_harness; i++)
		if (strcasecmp(fz.harness[i].name, name) == 0)
			return fz.harness[i].value;
	return NULL;
}

/* Delete every row of every table, so that each input starts alike. */
static void
database_empty(void)
{
	static const char sql[] =
	    "SELECT 'DELETE FROM \"' || name || '\"' FROM sqlite_master "
	    "WHERE type = 'table'";
	sqlite3 *conn = fz.raw;
	sqlite3_stmt *st = NULL;
	char *stmts[32];
	size_t n = 0;

	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
		fail(sqlite3_errmsg(conn), "", 0);
	while (n < 32 && sqlite3_step(st) == SQLITE_ROW)
		stmts[n++] = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		if (sqlite3_exec(conn, stmts[i], NULL, NULL, NULL) != SQLITE_OK)
			fail(sqlite3_errmsg(conn), stmts[i], strlen(stmts[i]));
		free(stmts[i]);
	}
}

/* Write text to a new file of its own (mode 0600); returns its path. */
static const char *
key_file(char *path, size_t n, const char *text, size_t len)
{
	int fd;

	snprintf(path, n, "/tmp/fuzz-key.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || write(fd, text, len) != (ssize_t)len)
		fail("no key file", path, strlen(path));
	close(fd);
	return path;
}

/*
 * The service's keys, loaded as a service loads them (auth_keys_load: its
 * private key signs user tokens here, for both targets), a second key pair
 * for the calling service, and tokens valid for a day: the admin is user
 * 1000 (the target's sql_fixtures make it), the customers are the
 * fixtures' first two users, all of credential version 1.
 */
static void
keys_make(void)
{
	struct keygen_pair own, caller;
	struct keyring caller_ring = { 0 };
	char paths[3][64];
	const char *why;

	if (keygen_p256(&own) < 0 || keygen_p256(&caller) < 0 ||
	    keyring_add_private(&caller_ring, caller.private_pem, caller.private_len,
	    KEY_SERVICE_TOKENS, &why) < 0)
		fail("no keys", "", 0);
	fz.cfg.token_key_file = key_file(paths[0], sizeof(paths[0]), own.private_pem,
	    own.private_len);
	fz.cfg.user_token_keys_file = key_file(paths[1], sizeof(paths[1]), own.public_pem,
	    own.public_len);
	fz.cfg.service_token_keys_file = key_file(paths[2], sizeof(paths[2]), caller.public_pem,
	    caller.public_len);
	fz.cfg.token_ttl = 24 * 60 * 60;
	if (auth_keys_load(&fz.cfg, KEY_USER_TOKENS) < 0)
		fail("the keys did not load", "", 0);
	for (size_t i = 0; i < 3; i++)
		unlink(paths[i]);
	for (size_t i = 0; i < sizeof(callers) / sizeof(callers[0]); i++) {
		struct token_claims c = {
			.role = i == 0 ? TOKEN_ADMIN : i == 3 ? TOKEN_SERVICE : TOKEN_CUSTOMER,
			.user_id = i == 0 ? 1000 : i == 3 ? 0 : (int64_t)i,
			.cred_version = i == 3 ? 0 : 1,
			.iat = (int64_t)time(NULL),
		};

		c.exp = c.iat + 24 * 60 * 60;
		if (i == 3)
			snprintf(c.service, sizeof(c.service), "microshop-order");
		fz.tokens[i] = i == 3 ? token_make(&caller_ring, &c, fz.cfg.token_rules->self)
		    : token_make(auth_keyring(), &c, NULL);
		if (fz.tokens[i] == NULL)
			fail("no token", "", 0);
	}
	keyring_free(&caller_ring);
	keygen_free(&own);
	keygen_free(&caller);
}

void
fuzz_http_init(const struct fuzz_http_target *t)
{
	static char path[64];

	fz.t = t;
	sqlite3_config(SQLITE_CONFIG_URI, 1);
	log_init("fuzz", LOG_LEVEL_ERROR);
	settings_defaults(&fz.cfg, "fuzz", "");
	keys_make();
	snprintf(path, sizeof(path), "file:fuzz-%p?mode=memory&cache=shared", (void *)t);
	fz.cfg.db.path = path;
	fz.cfg.own = t->own;
	fz.keeper = db_open(&fz.cfg.db, t->schema, 1);
	/* A plain connection beside it empties the tables: its foreign keys
	 * are off, so that rows go in any order. */
	if (fz.keeper == NULL || sqlite3_open_v2(path, &fz.raw, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		fail("the in-memory database did not open", "", 0);
	fz.ctx = t->svc->thread_init(&fz.cfg);
	fz.req.body = malloc(fz.cfg.max_body + 1);
	fz.answer_cap = 64 * 1024;
	fz.answer = malloc(fz.answer_cap);
	if (fz.ctx == NULL || fz.req.body == NULL || fz.answer == NULL)
		fail("the service's worker state could not be made", "", 0);
}

void
fuzz_http_run(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p, *sep, *end;
	int n = 0;

	if (text == NULL)
		return;
	database_empty();
	for (const char *const *f = fz.t->fixtures; f && *f; f++) {
		char *copy = strdup(*f);
		int status = serve(copy, strlen(copy));

		free(copy);
		if (status < 200 || status > 299)
			fail("a fixture request failed", *f, strlen(*f));
	}
	for (const char *const *f = fz.t->sql_fixtures; f && *f; f++)
		if (sqlite3_exec(fz.raw, *f, NULL, NULL, NULL) != SQLITE_OK)
			fail(sqlite3_errmsg(fz.raw), *f, strlen(*f));
	memcpy(text, data, size);
	text[size] = '\0';
	end = text + size;
	for (p = text; p <= end && n < FUZZ_HTTP_MAX_REQUESTS; n++) {
		sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		if (sep == NULL)
			sep = end;
		serve(p, (size_t)(sep - p));
		p = sep + 4;
	}
	params_clear();
	free(text);
}
