/*
 * check_request_support.c - a request of the serving layer made in memory;
 * see check_request_support.h.
 *
 * libfcgi reads a request's body from an FCGX_Stream and writes the answer
 * to another: a stream over a buffer, whose refill says "end of input" and
 * whose flush says "full", is all that http.c needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>

#include "auth.h"
#include "check_request_support.h"
#include "http_status.h"
#include "keygen.h"
#include "keyring.h"
#include "metrics.h"

/* ------------------------------------------------------------------ */
/* Keys and tokens                                                    */
/* ------------------------------------------------------------------ */

static const struct token_rules *loaded_rules;
static struct keyring caller_ring;	/* the calling service's */

/* Write text to a new owner-only file; its path into path (n bytes). */
static void
key_file(char *path, size_t n, const char *text, size_t len)
{
	int fd;

	snprintf(path, n, "/tmp/check_request_support.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

void
treq_keys(struct svc_config *cfg)
{
	struct keygen_pair own, caller;
	char paths[3][64];
	const char *why;

	if (loaded_rules == NULL) {
		ck_assert_int_eq(keygen_p256(&own), 0);
		ck_assert_int_eq(keygen_p256(&caller), 0);
		ck_assert_int_eq(keyring_add_private(&caller_ring, caller.private_pem,
		    caller.private_len, KEY_SERVICE_TOKENS, &why), 0);
		key_file(paths[0], sizeof(paths[0]), own.private_pem, own.private_len);
		key_file(paths[1], sizeof(paths[1]), own.public_pem, own.public_len);
		key_file(paths[2], sizeof(paths[2]), caller.public_pem, caller.public_len);
		cfg->token_key_file = paths[0];
		cfg->user_token_keys_file = paths[1];
		cfg->service_token_keys_file = paths[2];
		ck_assert_int_eq(auth_keys_load(cfg, KEY_USER_TOKENS), 0);
		for (size_t i = 0; i < 3; i++)
			unlink(paths[i]);
		keygen_free(&own);
		keygen_free(&caller);
		loaded_rules = cfg->token_rules;
	}
	cfg->token_key_file = NULL;
	cfg->user_token_keys_file = NULL;
	cfg->service_token_keys_file = NULL;
	cfg->token_rules = loaded_rules;
}

void
treq_bearer(struct treq *t, enum token_role role, int64_t user_id, int64_t ttl)
{
	struct token_claims c = { .role = role };
	int64_t now = (int64_t)time(NULL);
	char value[TOKEN_MAX + 16];
	char *token;

	c.iat = ttl < 0 ? now - 100 : now;
	c.exp = ttl < 0 ? now - 10 : now + ttl;
	if (role == TOKEN_SERVICE) {
		snprintf(c.service, sizeof(c.service), "microshop-order");
		token = token_make(&caller_ring, &c, loaded_rules->self);
	} else {
		c.user_id = user_id;
		c.cred_version = 1;
		token = token_make(auth_keyring(), &c, NULL);
	}
	ck_assert_ptr_nonnull(token);
	snprintf(value, sizeof(value), "Bearer %s", token);
	free(token);
	treq_param(t, "HTTP_AUTHORIZATION", value);
}

/* ------------------------------------------------------------------ */
/* The request                                                        */
/* ------------------------------------------------------------------ */

/* The body's stream: all of it is in the buffer; then end of input. */
static void
in_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

/* The answer's stream: when its buffer is full, the answer is too long. */
static void
out_full(FCGX_Stream *s, int do_close)
{
	struct treq *t = s->data;

	(void)do_close;
	t->overflow = 1;
	s->isClosed = 1;
}

void
treq_param(struct treq *t, const char *name, const char *value)
{
	size_t n = strlen(name), i;
	char *p = NULL;

	if (value != NULL) {
		p = malloc(n + strlen(value) + 2);
		ck_assert_ptr_nonnull(p);
		snprintf(p, n + strlen(value) + 2, "%s=%s", name, value);
	}
	for (i = 0; i < t->n_env; i++)
		if (strncmp(t->env[i], name, n) == 0 && t->env[i][n] == '=')
			break;
	if (i < t->n_env) {
		free(t->env[i]);
		if (p != NULL) {
			t->env[i] = p;
			return;
		}
		t->env[i] = t->env[--t->n_env];
	} else if (p != NULL) {
		ck_assert_uint_lt(t->n_env, TREQ_PARAMS);
		t->env[t->n_env++] = p;
	}
	t->env[t->n_env] = NULL;
}

struct treq *
treq_new(const char *method, const char *uri, const char *body)
{
	struct treq *t = calloc(1, sizeof(*t));
	size_t len = body != NULL ? strlen(body) : 0;
	char cl[32], *q;

	ck_assert_ptr_nonnull(t);
	settings_defaults(&t->cfg, "test", ":memory:");
	treq_keys(&t->cfg);
	t->body = strdup(body != NULL ? body : "");
	t->answer = malloc(TREQ_ANSWER);
	t->req.body = malloc(t->cfg.max_body + 1);
	ck_assert(t->body != NULL && t->answer != NULL && t->req.body != NULL);
	treq_param(t, "REQUEST_METHOD", method);
	treq_param(t, "REQUEST_URI", uri);
	treq_param(t, "REQUEST_ID", TREQ_REQUEST_ID);
	if (body != NULL) {
		snprintf(cl, sizeof(cl), "%zu", len);
		treq_param(t, "CONTENT_LENGTH", cl);
		treq_param(t, "CONTENT_TYPE", "application/json");
	}

	t->in.rdNext = t->in.stopUnget = (unsigned char *)t->body;
	t->in.stop = t->in.wrNext = (unsigned char *)t->body + len;
	t->in.isReader = 1;
	t->in.fillBuffProc = in_fill;
	t->out.data = t;
	t->out.emptyBuffProc = out_full;
	t->fcgi.in = &t->in;
	t->fcgi.out = &t->out;
	t->fcgi.envp = t->env;
	t->fcgi.listen_sock = -1;
	t->fcgi.ipcFd = -1;

	/* What dispatch_serve fills in before a handler runs. */
	t->req.fcgi = &t->fcgi;
	t->req.cfg = &t->cfg;
	t->req.method = http_param(&t->req, "REQUEST_METHOD");
	snprintf(t->req.uri, sizeof(t->req.uri), "%s", uri);
	t->req.path = t->req.uri;
	t->req.query = "";
	if ((q = strchr(t->req.uri, '?')) != NULL) {
		*q = '\0';
		t->req.query = q + 1;
	}
	t->req.request_id = TREQ_REQUEST_ID;
	treq_reanswer(t);
	return t;
}

void
treq_reanswer(struct treq *t)
{
	t->out.wrNext = t->answer;
	t->out.stop = t->answer + TREQ_ANSWER;
	t->out.isClosed = 0;
	t->overflow = 0;
	t->req.status = 0;
	t->req.headers_full = 0;
	t->req.headers_len = 0;
	t->req.headers[0] = '\0';
	json_object_put(t->json);
	t->json = NULL;
}

void
treq_free(struct treq *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_env; i++)
		free(t->env[i]);
	json_object_put(t->json);
	free(t->req.body);
	free(t->answer);
	free(t->body);
	free(t);
}

/* ------------------------------------------------------------------ */
/* The answer                                                         */
/* ------------------------------------------------------------------ */

static size_t
answer_len(const struct treq *t)
{
	return (size_t)(t->out.wrNext - t->answer);
}

/* Where the head ends (its last CRLF included), or fail. */
static size_t
head_len(const struct treq *t)
{
	const char *a = (const char *)t->answer;
	const char *end = memmem(a, answer_len(t), "\r\n\r\n", 4);

	ck_assert_msg(end != NULL, "no end of the answer's head: %.*s", (int)answer_len(t), a);
	return (size_t)(end - a) + 2;
}

/*
 * The next header line of the head from *pos: its name and value (not
 * NUL-terminated) and their lengths. Returns 0 at the head's end.
 */
static int
header_next(const struct treq *t, size_t *pos, const char **name, size_t *name_len,
    const char **value, size_t *value_len)
{
	const char *a = (const char *)t->answer, *eol, *colon;
	size_t end = head_len(t);

	if (*pos >= end)
		return 0;
	eol = memmem(a + *pos, end - *pos, "\r\n", 2);
	colon = memchr(a + *pos, ':', (size_t)(eol - a) - *pos);
	ck_assert_msg(colon != NULL && colon[1] == ' ', "a malformed header line: %.*s",
	    (int)(eol - a - (long)*pos), a + *pos);
	*name = a + *pos;
	*name_len = (size_t)(colon - *name);
	*value = colon + 2;
	*value_len = (size_t)(eol - *value);
	*pos = (size_t)(eol - a) + 2;
	return 1;
}

const char *
treq_header(struct treq *t, const char *name)
{
	const char *n, *v;
	size_t pos = 0, nl, vl;

	while (header_next(t, &pos, &n, &nl, &v, &vl)) {
		if (nl == strlen(name) && strncasecmp(n, name, nl) == 0) {
			ck_assert_uint_lt(vl, sizeof(t->value));
			memcpy(t->value, v, vl);
			t->value[vl] = '\0';
			return t->value;
		}
	}
	return NULL;
}

int
treq_header_count(struct treq *t, const char *name)
{
	const char *n, *v;
	size_t pos = 0, nl, vl;
	int count = 0;

	while (header_next(t, &pos, &n, &nl, &v, &vl))
		count += nl == strlen(name) && strncasecmp(n, name, nl) == 0;
	return count;
}

const char *
treq_body(struct treq *t, size_t *len)
{
	size_t head = head_len(t);

	*len = answer_len(t) - head - 2;
	return (const char *)t->answer + head + 2;
}

int
treq_status(struct treq *t)
{
	const char *a = (const char *)t->answer, *cl;
	char expect[32];
	size_t len;
	int status;

	ck_assert_msg(!t->overflow, "the answer is longer than %d bytes", TREQ_ANSWER);
	ck_assert_msg(answer_len(t) > 12 && strncmp(a, "Status: ", 8) == 0,
	    "no Status line: %.*s", (int)answer_len(t), a);
	status = (a[8] - '0') * 100 + (a[9] - '0') * 10 + (a[10] - '0');
	ck_assert_msg(a[11] == ' ', "a malformed Status line: %.40s", a);
	ck_assert_int_eq(status, t->req.status);
	treq_body(t, &len);
	cl = treq_header(t, "Content-Length");
	snprintf(expect, sizeof(expect), "%zu", len);
	ck_assert_msg(cl != NULL && strcmp(cl, expect) == 0,
	    "Content-Length %s for a body of %zu bytes", cl ? cl : "(none)", len);
	ck_assert_int_eq(treq_header_count(t, "Status"), 1);
	return status;
}

struct json_object *
treq_json(struct treq *t)
{
	struct json_tokener *tok = json_tokener_new();
	const char *body;
	size_t len;

	ck_assert_ptr_nonnull(tok);
	body = treq_body(t, &len);
	json_object_put(t->json);
	t->json = json_tokener_parse_ex(tok, body, (int)len);
	ck_assert_msg(t->json != NULL && json_tokener_get_parse_end(tok) == len,
	    "the body is not one JSON value: %.*s", (int)len, body);
	json_tokener_free(tok);
	return t->json;
}

const char *
treq_json_string(struct treq *t, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(treq_json(t), name, &v))
		return "";
	return json_object_get_string(v);
}

void
treq_problem(struct treq *t, int status, const char *detail_part)
{
	struct json_object *o, *v;
	const char *ct;

	ck_assert_int_eq(treq_status(t), status);
	ct = treq_header(t, "Content-Type");
	ck_assert_pstr_eq(ct, "application/problem+json");
	o = treq_json(t);
	ck_assert(json_object_is_type(o, json_type_object));
	ck_assert(json_object_object_get_ex(o, "status", &v));
	ck_assert_int_eq(json_object_get_int(v), status);
	ck_assert(json_object_object_get_ex(o, "type", &v));
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_str_eq(treq_json_string(t, "title"), http_status_text(status));
	if (detail_part != NULL)
		ck_assert_msg(strstr(treq_json_string(t, "detail"), detail_part) != NULL,
		    "detail \"%s\" lacks \"%s\"", treq_json_string(t, "detail"), detail_part);
}

/* ------------------------------------------------------------------ */
/* The metrics                                                        */
/* ------------------------------------------------------------------ */

double
treq_metric(const char *series)
{
	size_t len, n = strlen(series);
	char *text = metrics_render(&len);
	double v = -1;

	ck_assert_ptr_nonnull(text);
	for (const char *line = text; line != NULL; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (strncmp(line, series, n) == 0 && line[n] == ' ') {
			v = strtod(line + n + 1, NULL);
			break;
		}
	}
	free(text);
	return v;
}

/* ------------------------------------------------------------------ */
/* The log                                                            */
/* ------------------------------------------------------------------ */

static FILE *log_file;
static int log_saved = -1;
static char log_text[16 * 1024];

void
treq_log_begin(void)
{
	fflush(stderr);
	log_file = tmpfile();
	ck_assert_ptr_nonnull(log_file);
	log_saved = dup(STDERR_FILENO);
	ck_assert_int_ge(log_saved, 0);
	ck_assert_int_ge(dup2(fileno(log_file), STDERR_FILENO), 0);
}

const char *
treq_log_end(void)
{
	size_t got;

	fflush(stderr);
	dup2(log_saved, STDERR_FILENO);
	close(log_saved);
	log_saved = -1;
	rewind(log_file);
	got = fread(log_text, 1, sizeof(log_text) - 1, log_file);
	log_text[got] = '\0';
	fclose(log_file);
	log_file = NULL;
	return log_text;
}
