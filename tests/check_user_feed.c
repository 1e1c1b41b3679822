/*
 * check_user_feed.c - fcgi-order/user_feed.c: the reading of the user
 * service's event feed and snapshot answers, which are untrusted input.
 * A batch is applied only when every one of its events is whole (of the
 * schema this service reads, a known type whose status agrees with it, a
 * time, a role and a credential version), they follow the cursor without
 * a gap, there are no more than asked for, and last_seq is not before
 * them; a snapshot page only when its users come in increasing id order
 * after the one asked for, each active (with its role and versions) or
 * deleted, and a page that says more follow is not empty. Anything else
 * is refused whole, with a reason, and nothing of it is kept.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_suites.h"
#include "user_feed.h"

#define AT "2026-12-02T20:00:00Z"
#define AT_S 1796241600		/* AT in Unix seconds */

/* The reasons, as user_feed.c words them. */
#define WHY_OBJECT "not a JSON object"
#define WHY_EVENTS "no events, or more than asked for"
#define WHY_LAST_SEQ "no last_seq"
#define WHY_MEMBERS "an event without its members"
#define WHY_SCHEMA "an event of a schema version this service does not read"
#define WHY_TYPE "an event of an unknown type"
#define WHY_TIME "an event without a time"
#define WHY_CREDENTIALS "an event without a role and a credential version"
#define WHY_SEQUENCE "an event out of sequence (one is missing)"
#define WHY_BEHIND "last_seq before its own events"
#define WHY_USERS "no users, or more than asked for"
#define WHY_SEQ_MORE "no seq or more"
#define WHY_USER "a user without its members"
#define WHY_ORDER "users out of order"
#define WHY_EMPTY "more pages, but none in this one"

/* ------------------------------------------------------------------ */
/* Writing answers                                                    */
/* ------------------------------------------------------------------ */

/* A member's value that leaves the member out. */
static const char OMIT[] = "(omitted)";

/*
 * An event's members as JSON texts: NULL is the default (an update of
 * user 7, active, at AT), OMIT leaves the member out.
 */
struct ev {
	const char *seq, *schema, *type, *at, *user_id, *user_version, *status, *role, *cred;
};

/* Append to buf (n bytes) at *o what fmt says; fails the test when it does not fit. */
static void put(char *buf, size_t n, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *buf, size_t n, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(buf + *o, n - *o, fmt, ap);
	va_end(ap);
	ck_assert_msg(w >= 0 && (size_t)w < n - *o, "a test answer longer than %zu bytes", n);
	*o += (size_t)w;
}

/* Append ,"key":value (value NULL: def; OMIT: nothing). */
static void
member(char *buf, size_t n, size_t *o, const char *key, const char *value, const char *def)
{
	if (value == OMIT)
		return;
	put(buf, n, o, ",\"%s\":%s", key, value != NULL ? value : def);
}

/* Append event e, numbered seq unless e says otherwise. */
static void
event_put(char *buf, size_t n, size_t *o, const struct ev *e, int64_t seq)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, seq);
	/* A member no reader knows comes first: it is ignored. */
	put(buf, n, o, "{\"note\":\"ignored\"");
	member(buf, n, o, "seq", e->seq, s);
	member(buf, n, o, "schema", e->schema, "1");
	member(buf, n, o, "type", e->type, "\"user.updated\"");
	member(buf, n, o, "at", e->at, "\"" AT "\"");
	member(buf, n, o, "user_id", e->user_id, "7");
	member(buf, n, o, "user_version", e->user_version, "3");
	member(buf, n, o, "status", e->status, "\"active\"");
	member(buf, n, o, "role", e->role, "\"customer\"");
	member(buf, n, o, "credential_version", e->cred, "2");
	put(buf, n, o, "}");
}

/*
 * {"events":[...],"last_seq":last,"oldest_seq":1}: count events numbered
 * from first, each the default one, into buf (n bytes). Returns its length.
 */
static size_t
batch_write(char *buf, size_t n, int64_t first, size_t count, int64_t last)
{
	static const struct ev plain;
	char l[32];
	size_t o = 0;

	put(buf, n, &o, "{\"events\":[");
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			put(buf, n, &o, ",");
		event_put(buf, n, &o, &plain, first + (int64_t)i);
	}
	snprintf(l, sizeof(l), "%" PRId64, last);
	put(buf, n, &o, "],\"last_seq\":%s,\"oldest_seq\":1}", l);
	return o;
}

/* A batch of the one event e (numbered after + 1), last_seq after + 1. */
static size_t
batch_of(char *buf, size_t n, const struct ev *e, int64_t after)
{
	char l[32];
	size_t o = 0;

	put(buf, n, &o, "{\"events\":[");
	event_put(buf, n, &o, e, after + 1);
	snprintf(l, sizeof(l), "%" PRId64, after + 1);
	put(buf, n, &o, "],\"last_seq\":%s}", l);
	return o;
}

/* Read body as a batch after `after`, at most max; what user_feed_read_events said. */
static int
events(const char *body, size_t len, int64_t after, size_t max, struct user_feed_batch *b,
    const char **why)
{
	*why = NULL;
	/* What a failed read leaves must not look like events. */
	b->n = 99;
	return user_feed_read_events(body, len, after, max, b, why);
}

/* Check that body, as a batch after `after`, is refused for the reason want. */
static void
check_refused(const char *body, size_t len, int64_t after, size_t max, const char *want)
{
	static struct user_feed_batch b;
	const char *why;
	char shown[512];

	ck_assert_msg(events(body, len, after, max, &b, &why) == -1, "accepted: %s",
	    test_show(body, len, shown, sizeof(shown)));
	ck_assert_uint_eq(b.n, 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strcmp(why, want) == 0, "%s: refused for \"%s\", want \"%s\"",
	    test_show(body, len, shown, sizeof(shown)), why, want);
}

/* ------------------------------------------------------------------ */
/* Events                                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_events_read)
{
	static const char body[] = "{\"events\":["
	    "{\"seq\":42,\"schema\":1,\"type\":\"user.created\",\"at\":\"" AT "\",\"user_id\":7,"
	    "\"user_version\":1,\"status\":\"active\",\"role\":\"customer\",\"credential_version\":1},"
	    "{\"seq\":43,\"schema\":1,\"type\":\"user.updated\",\"at\":\"2026-12-02T20:00:05Z\","
	    "\"user_id\":9,\"user_version\":4,\"status\":\"active\",\"role\":\"admin\","
	    "\"credential_version\":3},"
	    "{\"user_id\":7,\"status\":\"deleted\",\"type\":\"user.deleted\",\"seq\":44,\"schema\":1,"
	    "\"at\":\"2026-12-02T20:01:00Z\",\"user_version\":2,\"role\":\"customer\","
	    "\"credential_version\":2}"
	    "],\"last_seq\":50,\"oldest_seq\":3}";
	static struct user_feed_batch b;
	const char *why;

	ck_assert_int_eq(events(BYTES(body), 41, 10, &b, &why), 0);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_int_eq(b.last_seq, 50);

	ck_assert_int_eq(b.facts[0].seq, 42);
	ck_assert_int_eq(b.facts[0].id, 7);
	ck_assert_int_eq(b.facts[0].deleted, 0);
	ck_assert_str_eq(b.facts[0].role, "customer");
	ck_assert_int_eq(b.facts[0].cred_version, 1);
	ck_assert_int_eq(b.facts[0].user_version, 1);
	ck_assert_int_eq(b.at[0], AT_S);

	ck_assert_int_eq(b.facts[1].seq, 43);
	ck_assert_int_eq(b.facts[1].id, 9);
	ck_assert_int_eq(b.facts[1].deleted, 0);
	ck_assert_str_eq(b.facts[1].role, "admin");
	ck_assert_int_eq(b.facts[1].cred_version, 3);
	ck_assert_int_eq(b.facts[1].user_version, 4);
	ck_assert_int_eq(b.at[1], AT_S + 5);

	/* Members in any order; a deletion is the one fact that says deleted. */
	ck_assert_int_eq(b.facts[2].seq, 44);
	ck_assert_int_eq(b.facts[2].id, 7);
	ck_assert_int_eq(b.facts[2].deleted, 1);
	ck_assert_str_eq(b.facts[2].role, "customer");
	ck_assert_int_eq(b.facts[2].cred_version, 2);
	ck_assert_int_eq(b.facts[2].user_version, 2);
	ck_assert_int_eq(b.at[2], AT_S + 60);
}
END_TEST

/* Caught up: no events, and last_seq where the cursor is (or past it). */
START_TEST(test_events_none)
{
	static struct user_feed_batch b;
	const char *why;

	ck_assert_int_eq(events(BYTES("{\"events\":[],\"last_seq\":41}"), 41, 10, &b, &why), 0);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_int_eq(b.last_seq, 41);
	ck_assert_int_eq(events(BYTES("{\"events\":[],\"last_seq\":0}"), 0, 10, &b, &why), 0);
	ck_assert_int_eq(b.last_seq, 0);
	/* Newer events exist, none came (a limit of 0 would ask for that). */
	ck_assert_int_eq(events(BYTES("{\"events\":[],\"last_seq\":90}"), 41, 0, &b, &why), 0);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_int_eq(b.last_seq, 90);
	/* A feed that says it has less than this consumer applied. */
	check_refused(BYTES("{\"events\":[],\"last_seq\":40}"), 41, 10, WHY_BEHIND);
}
END_TEST

/* Each member of an event, wrong or missing, refuses the whole batch. */
START_TEST(test_event_members)
{
	static const struct {
		struct ev e;
		const char *why;	/* NULL: read */
	} cases[] = {
		{ { 0 }, NULL },
		{ { .type = "\"user.created\"" }, NULL },
		{ { .type = "\"user.deleted\"", .status = "\"deleted\"" }, NULL },
		{ { .role = "\"customer_servic\"" }, NULL },		/* 15 bytes: fits */
		{ { .user_version = "0" }, NULL },
		{ { .user_id = "9007199254740992" }, NULL },		/* 2^53 */
		/* Missing. */
		{ { .seq = OMIT }, WHY_MEMBERS },
		{ { .schema = OMIT }, WHY_MEMBERS },
		{ { .type = OMIT }, WHY_MEMBERS },
		{ { .at = OMIT }, WHY_MEMBERS },
		{ { .user_id = OMIT }, WHY_MEMBERS },
		{ { .user_version = OMIT }, WHY_MEMBERS },
		{ { .status = OMIT }, WHY_MEMBERS },
		{ { .role = OMIT }, WHY_CREDENTIALS },
		{ { .cred = OMIT }, WHY_CREDENTIALS },
		{ { .type = "\"user.deleted\"", .status = "\"deleted\"", .role = OMIT },
		    WHY_CREDENTIALS },
		/* Wrong types and ranges. */
		{ { .seq = "\"42\"" }, WHY_MEMBERS },
		{ { .seq = "42.0" }, WHY_MEMBERS },
		{ { .seq = "null" }, WHY_MEMBERS },
		{ { .schema = "\"1\"" }, WHY_MEMBERS },
		{ { .schema = "1.5" }, WHY_MEMBERS },
		{ { .schema = "0" }, WHY_MEMBERS },
		{ { .schema = "-1" }, WHY_MEMBERS },
		{ { .user_id = "0" }, WHY_MEMBERS },
		{ { .user_id = "-7" }, WHY_MEMBERS },
		{ { .user_id = "\"7\"" }, WHY_MEMBERS },
		{ { .user_id = "9007199254740993" }, WHY_MEMBERS },	/* 2^53 + 1 */
		{ { .user_id = "99999999999999999999" }, WHY_MEMBERS },
		{ { .user_version = "-1" }, WHY_MEMBERS },
		{ { .user_version = "true" }, WHY_MEMBERS },
		{ { .status = "1" }, WHY_MEMBERS },
		{ { .status = "\"suspended\"" }, WHY_MEMBERS },
		{ { .status = "\"Active\"" }, WHY_MEMBERS },
		{ { .status = "\"\"" }, WHY_MEMBERS },
		{ { .type = "7" }, WHY_MEMBERS },
		{ { .at = "1796241600" }, WHY_MEMBERS },
		{ { .role = "\"\"" }, WHY_CREDENTIALS },
		{ { .role = "\"customer_service\"" }, WHY_CREDENTIALS },	/* 16: too long */
		{ { .role = "\"cus\\u0000tomer\"" }, WHY_CREDENTIALS },
		{ { .role = "[]" }, WHY_CREDENTIALS },
		{ { .cred = "0" }, WHY_CREDENTIALS },
		{ { .cred = "-2" }, WHY_CREDENTIALS },
		{ { .cred = "\"2\"" }, WHY_CREDENTIALS },
		{ { .cred = "2e0" }, WHY_CREDENTIALS },
		/* A schema this reader does not know: refused, not misread. */
		{ { .schema = "2" }, WHY_SCHEMA },
		{ { .schema = "9007199254740992" }, WHY_SCHEMA },
		/* The type, and whether it agrees with the status. */
		{ { .type = "\"user.renamed\"" }, WHY_TYPE },
		{ { .type = "\"user.Updated\"" }, WHY_TYPE },
		{ { .type = "\"user.updated \"" }, WHY_TYPE },
		{ { .type = "\"\"" }, WHY_TYPE },
		{ { .type = "\"user.deleted\"" }, WHY_TYPE },			/* but active */
		{ { .status = "\"deleted\"" }, WHY_TYPE },			/* updated, deleted */
		{ { .type = "\"user.created\"", .status = "\"deleted\"" }, WHY_TYPE },
		{ { .type = "\"user.deleted\\u0000\"", .status = "\"deleted\"" }, WHY_MEMBERS },
		/* The time. */
		{ { .at = "\"2026-12-02 20:00:00Z\"" }, WHY_TIME },
		{ { .at = "\"2026-12-02T20:00:00\"" }, WHY_TIME },
		{ { .at = "\"2026-12-02T20:00:00+00:00\"" }, WHY_TIME },
		{ { .at = "\"yesterday\"" }, WHY_TIME },
		{ { .at = "\"\"" }, WHY_TIME },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		static struct user_feed_batch b;
		char body[1024];
		size_t len = batch_of(body, sizeof(body), &cases[i].e, 41);
		const char *why;
		int rc = events(body, len, 41, 10, &b, &why);

		if (cases[i].why == NULL) {
			ck_assert_msg(rc == 0, "%s: refused (%s)", body, why);
			ck_assert_uint_eq(b.n, 1);
			ck_assert_int_eq(b.facts[0].seq, 42);
		} else {
			check_refused(body, len, 41, 10, cases[i].why);
		}
	}
}
END_TEST

/* Events follow the cursor one by one: a gap is an event lost. */
START_TEST(test_events_sequence)
{
	static const struct {
		const char *seqs;	/* the events' seq members, in order */
		int64_t after;
	} refused[] = {
		{ "43", 41 },		/* 42 missing */
		{ "41", 41 },		/* already applied */
		{ "1", 41 },
		{ "42,44", 41 },	/* a gap inside */
		{ "42,43,45,46", 41 },
		{ "42,42", 41 },	/* twice */
		{ "43,42", 41 },	/* out of order */
		{ "42,43,44,43", 41 },
		{ "2", 0 },
	};

	for (size_t i = 0; i < N_ELEMS(refused); i++) {
		char body[2048], copy[64];
		size_t o = 0;
		int n = 0;

		snprintf(copy, sizeof(copy), "%s", refused[i].seqs);
		put(body, sizeof(body), &o, "{\"events\":[");
		for (char *s = strtok(copy, ","); s != NULL; s = strtok(NULL, ","), n++) {
			struct ev e = { .seq = s };

			if (n > 0)
				put(body, sizeof(body), &o, ",");
			event_put(body, sizeof(body), &o, &e, 0);
		}
		put(body, sizeof(body), &o, "],\"last_seq\":100}");
		check_refused(body, o, refused[i].after, 10, WHY_SEQUENCE);
	}
}
END_TEST

/* The first event is after + 1, for any cursor, 0 (the first ever) included. */
START_TEST(test_events_after)
{
	static const int64_t afters[] = { 0, 1, 41, 9007199254740000 };

	for (size_t i = 0; i < N_ELEMS(afters); i++) {
		static struct user_feed_batch b;
		char body[4096];
		size_t len = batch_write(body, sizeof(body), afters[i] + 1, 3, afters[i] + 3);
		const char *why;

		ck_assert_msg(events(body, len, afters[i], 10, &b, &why) == 0, "%s", why);
		ck_assert_uint_eq(b.n, 3);
		for (size_t k = 0; k < 3; k++)
			ck_assert_int_eq(b.facts[k].seq, afters[i] + 1 + (int64_t)k);
		/* The same events read after another cursor: a gap, or a repeat. */
		check_refused(body, len, afters[i] + 1, 10, WHY_SEQUENCE);
		if (afters[i] > 0)
			check_refused(body, len, afters[i] - 1, 10, WHY_SEQUENCE);
	}
}
END_TEST

/* No more events than asked for, and never more than a batch holds. */
START_TEST(test_events_max)
{
	static char body[USER_FEED_BATCH_MAX * 300];
	static struct user_feed_batch b;
	const char *why;
	size_t len;

	len = batch_write(body, sizeof(body), 42, 5, 46);
	ck_assert_int_eq(events(body, len, 41, 5, &b, &why), 0);
	ck_assert_uint_eq(b.n, 5);
	check_refused(body, len, 41, 4, WHY_EVENTS);
	check_refused(body, len, 41, 0, WHY_EVENTS);

	/* A whole batch. */
	len = batch_write(body, sizeof(body), 1, USER_FEED_BATCH_MAX, USER_FEED_BATCH_MAX);
	ck_assert_int_eq(events(body, len, 0, USER_FEED_BATCH_MAX, &b, &why), 0);
	ck_assert_uint_eq(b.n, USER_FEED_BATCH_MAX);
	ck_assert_int_eq(b.facts[USER_FEED_BATCH_MAX - 1].seq, USER_FEED_BATCH_MAX);
	/* One more than a batch holds, however many were asked for. */
	len = batch_write(body, sizeof(body), 1, USER_FEED_BATCH_MAX + 1, USER_FEED_BATCH_MAX + 1);
	check_refused(body, len, 0, USER_FEED_BATCH_MAX, WHY_EVENTS);
	check_refused(body, len, 0, USER_FEED_BATCH_MAX + 1, WHY_EVENTS);
	/* Asking for more than a batch holds is refused even for fewer. */
	len = batch_write(body, sizeof(body), 1, 2, 2);
	check_refused(body, len, 0, USER_FEED_BATCH_MAX + 1, WHY_EVENTS);
	check_refused(body, len, 0, (size_t)-1, WHY_EVENTS);
}
END_TEST

/* last_seq: the newest event the feed has, never before the batch's last. */
START_TEST(test_events_last_seq)
{
	static const struct {
		const char *last;	/* the member's text; NULL: none */
		const char *why;	/* NULL: read */
	} cases[] = {
		{ "43", NULL },
		{ "44", NULL },
		{ "9007199254740992", NULL },
		{ "42", WHY_BEHIND },		/* before the second event */
		{ "0", WHY_BEHIND },
		{ NULL, WHY_LAST_SEQ },
		{ "-1", WHY_LAST_SEQ },
		{ "\"43\"", WHY_LAST_SEQ },
		{ "43.0", WHY_LAST_SEQ },
		{ "null", WHY_LAST_SEQ },
		{ "9007199254740993", WHY_LAST_SEQ },
	};
	static const struct ev plain;

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		static struct user_feed_batch b;
		char body[2048];
		const char *why;
		size_t o = 0;

		put(body, sizeof(body), &o, "{\"events\":[");
		event_put(body, sizeof(body), &o, &plain, 42);
		put(body, sizeof(body), &o, ",");
		event_put(body, sizeof(body), &o, &plain, 43);
		put(body, sizeof(body), &o, "]");
		if (cases[i].last != NULL)
			put(body, sizeof(body), &o, ",\"last_seq\":%s", cases[i].last);
		put(body, sizeof(body), &o, "}");
		if (cases[i].why == NULL) {
			ck_assert_msg(events(body, o, 41, 10, &b, &why) == 0, "%s: %s", body, why);
			ck_assert_uint_eq(b.n, 2);
		} else {
			check_refused(body, o, 41, 10, cases[i].why);
		}
	}
}
END_TEST

/* A bad event late in a batch leaves nothing of the good ones before it. */
START_TEST(test_events_all_or_nothing)
{
	static const struct ev plain, bad = { .schema = "2" };
	char body[4096];
	size_t o = 0;

	put(body, sizeof(body), &o, "{\"events\":[");
	for (int64_t seq = 42; seq <= 44; seq++) {
		event_put(body, sizeof(body), &o, &plain, seq);
		put(body, sizeof(body), &o, ",");
	}
	event_put(body, sizeof(body), &o, &bad, 45);
	put(body, sizeof(body), &o, "],\"last_seq\":45}");
	check_refused(body, o, 41, 10, WHY_SCHEMA);
}
END_TEST

START_TEST(test_events_malformed)
{
	static const struct {
		const char *body;
		const char *why;
	} cases[] = {
		{ "", WHY_OBJECT },
		{ "{", WHY_OBJECT },
		{ "{\"events\":[],\"last_seq\":41", WHY_OBJECT },		/* truncated */
		{ "{\"events\":[{\"seq\":42,\"schema\":1", WHY_OBJECT },
		{ "{\"events\":[],\"last_seq\":41} x", WHY_OBJECT },	/* trailing */
		{ "{\"events\":[],\"last_seq\":41}{}", WHY_OBJECT },
		{ "{'events':[],'last_seq':41}", WHY_OBJECT },
		{ "{\"events\":[],\"last_seq\":041}", WHY_OBJECT },
		{ "{\"events\":[],\"last_seq\":41,}", WHY_OBJECT },
		{ "{\"events\":[],\"last_seq\":41,\"x\":\"\xff\"}", WHY_OBJECT },	/* not UTF-8 */
		{ "<html>502 Bad Gateway</html>", WHY_OBJECT },
		{ "[]", WHY_OBJECT },
		{ "[{\"events\":[],\"last_seq\":41}]", WHY_OBJECT },
		{ "41", WHY_OBJECT },
		{ "null", WHY_OBJECT },
		{ "\"{\\\"events\\\":[],\\\"last_seq\\\":41}\"", WHY_OBJECT },
		{ "{\"last_seq\":41}", WHY_EVENTS },
		{ "{\"events\":null,\"last_seq\":41}", WHY_EVENTS },
		{ "{\"events\":{},\"last_seq\":41}", WHY_EVENTS },
		{ "{\"events\":\"[]\",\"last_seq\":41}", WHY_EVENTS },
		{ "{\"events\":[],\"last\":41}", WHY_LAST_SEQ },
		{ "{\"events\":[42],\"last_seq\":42}", WHY_MEMBERS },
		{ "{\"events\":[null],\"last_seq\":42}", WHY_MEMBERS },
		{ "{\"events\":[[]],\"last_seq\":42}", WHY_MEMBERS },
		{ "{\"events\":[{}],\"last_seq\":42}", WHY_MEMBERS },
		/* The depth limit, 8 levels: an answer's member may hold six
		 * more, an event's member four (room for a structured member a
		 * later producer adds within schema 1). */
		{ "{\"events\":[],\"last_seq\":41,\"x\":[[[[[[[]]]]]]]}", NULL },
		{ "{\"events\":[],\"last_seq\":41,\"x\":[[[[[[[[]]]]]]]]}", WHY_OBJECT },
		{ "{\"events\":[],\"last_seq\":41,\"x\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{}}}}}}}",
		  NULL },
		{ "{\"events\":[],\"last_seq\":41,\"x\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":1}}}}}}}}",
		  WHY_OBJECT },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		static struct user_feed_batch b;
		const char *why;

		if (cases[i].why == NULL)
			ck_assert_msg(events(cases[i].body, strlen(cases[i].body), 41, 10, &b,
			    &why) == 0, "%s: %s", cases[i].body, why);
		else
			check_refused(cases[i].body, strlen(cases[i].body), 41, 10, cases[i].why);
	}
}
END_TEST

/* The body is its length's bytes, and 20 000 nested arrays are no crash. */
START_TEST(test_events_length)
{
	static struct user_feed_batch b;
	size_t n = 20000;
	char *deep = malloc(n);
	const char *why;

	check_refused(BYTES("{\"events\":[],\"last_seq\":41}\0"), 41, 10, WHY_OBJECT);
	check_refused("{\"events\":[],\"last_seq\":41}", 20, 41, 10, WHY_OBJECT);
	check_refused("{\"events\":[],\"last_seq\":41}", 0, 41, 10, WHY_OBJECT);
	ck_assert_int_eq(events("{\"events\":[],\"last_seq\":41}xyz", 27, 41, 10, &b, &why), 0);

	ck_assert_ptr_nonnull(deep);
	memset(deep, '[', n);
	check_refused(deep, n, 41, 10, WHY_OBJECT);
	memset(deep, '{', 1);
	check_refused(deep, n, 41, 10, WHY_OBJECT);
	free(deep);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Times                                                              */
/* ------------------------------------------------------------------ */

START_TEST(test_time)
{
	static const struct {
		const char *s;
		int64_t expect;
	} cases[] = {
		{ AT, AT_S },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2000-02-29T23:59:59Z", 951868799 },
		{ "2038-01-19T03:14:08Z", 2147483648 },	/* past 32 bits */
		{ "1969-12-31T23:59:59Z", -1 },		/* before the epoch */
		{ "2026-12-02T20:00:00", -1 },
		{ "2026-12-02T20:00:00z", -1 },
		{ "2026-12-02T20:00:00ZZ", -1 },
		{ "2026-12-02 20:00:00Z", -1 },
		{ "2026-12-02t20:00:00Z", -1 },
		{ "2026/12/02T20:00:00Z", -1 },
		{ "2026-13-02T20:00:00Z", -1 },
		{ "2026-12-32T20:00:00Z", -1 },
		{ "2026-12-02T25:00:00Z", -1 },
		{ "2026-12-02T20:60:00Z", -1 },
		{ "2026-12-02T20:00:0xZ", -1 },
		{ "2026-12-2T20:00:00Z", -1 },
		{ "26-12-02T20:00:00ZZZ", -1 },
		{ "2026-12-02T20:00:00.5Z", -1 },
		{ "", -1 },
		{ "xxxxxxxxxxxxxxxxxxxZ", -1 },
		/* One spelling of one moment: no day a month does not have, no
		 * leap second, no space for a digit, no year before the epoch. */
		{ "2026-02-29T00:00:00Z", -1 },
		{ "2026-02-30T00:00:00Z", -1 },
		{ "2026-04-31T00:00:00Z", -1 },
		{ "2026-12-02T20:00:60Z", -1 },
		{ "2026-12-02T20:00:61Z", -1 },
		{ "2026-12-02T 0:00:00Z", -1 },
		{ "2026-12- 2T20:00:00Z", -1 },
		{ " 026-12-02T20:00:00Z", -1 },
		{ "0000-01-01T00:00:00Z", -1 },
		{ "+026-12-02T20:00:00Z", -1 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int64_t got = user_feed_time(cases[i].s, strlen(cases[i].s));

		ck_assert_msg(got == cases[i].expect, "%s: %" PRId64 ", want %" PRId64,
		    cases[i].s, got, cases[i].expect);
	}
	/* The length given, not the NUL, ends it. */
	ck_assert_int_eq(user_feed_time(AT "junk", 20), AT_S);
	ck_assert_int_eq(user_feed_time(AT, 19), -1);
	ck_assert_int_eq(user_feed_time(BYTES("2026-12-02T20:00\0000Z")), -1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Snapshot pages                                                     */
/* ------------------------------------------------------------------ */

#define ROW(id) "{\"id\":" #id ",\"status\":\"active\",\"role\":\"customer\"," \
    "\"credential_version\":1,\"version\":1}"

/* Read body as a page after after_id, at most max. */
static int
snapshot(const char *body, size_t len, int64_t after_id, size_t max,
    struct user_snapshot_page *p, const char **why)
{
	*why = NULL;
	p->n = 99;
	return user_feed_read_snapshot(body, len, after_id, max, p, why);
}

static void
check_page_refused(const char *body, size_t len, int64_t after_id, size_t max,
    const char *want)
{
	static struct user_snapshot_page p;
	const char *why;
	char shown[512];

	ck_assert_msg(snapshot(body, len, after_id, max, &p, &why) == -1, "accepted: %s",
	    test_show(body, len, shown, sizeof(shown)));
	ck_assert_uint_eq(p.n, 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strcmp(why, want) == 0, "%s: refused for \"%s\", want \"%s\"",
	    test_show(body, len, shown, sizeof(shown)), why, want);
}

START_TEST(test_snapshot_read)
{
	static const char body[] = "{\"users\":["
	    "{\"id\":3,\"status\":\"active\",\"role\":\"customer\",\"credential_version\":2,"
	    "\"version\":5,\"email\":\"not read\"},"
	    "{\"id\":4,\"status\":\"deleted\"},"
	    "{\"status\":\"active\",\"version\":1,\"credential_version\":1,\"role\":\"admin\","
	    "\"id\":10},"
	    "{\"id\":12,\"status\":\"deleted\",\"role\":\"admin\",\"credential_version\":9,"
	    "\"version\":9}"
	    "],\"seq\":77,\"more\":true}";
	static struct user_snapshot_page p;
	const char *why;

	ck_assert_int_eq(snapshot(BYTES(body), 2, 10, &p, &why), 0);
	ck_assert_uint_eq(p.n, 4);
	ck_assert_int_eq(p.seq, 77);
	ck_assert_int_eq(p.more, 1);
	for (size_t i = 0; i < p.n; i++)
		ck_assert_int_eq(p.facts[i].seq, 77);

	ck_assert_int_eq(p.facts[0].id, 3);
	ck_assert_int_eq(p.facts[0].deleted, 0);
	ck_assert_str_eq(p.facts[0].role, "customer");
	ck_assert_int_eq(p.facts[0].cred_version, 2);
	ck_assert_int_eq(p.facts[0].user_version, 5);
	/* A deleted row says nothing else: no role, no versions. */
	ck_assert_int_eq(p.facts[1].id, 4);
	ck_assert_int_eq(p.facts[1].deleted, 1);
	ck_assert_str_eq(p.facts[1].role, "");
	ck_assert_int_eq(p.facts[1].cred_version, 0);
	ck_assert_int_eq(p.facts[1].user_version, 0);
	ck_assert_int_eq(p.facts[2].id, 10);
	ck_assert_str_eq(p.facts[2].role, "admin");
	ck_assert_int_eq(p.facts[2].cred_version, 1);
	/* What a deleted row says besides is not read. */
	ck_assert_int_eq(p.facts[3].id, 12);
	ck_assert_int_eq(p.facts[3].deleted, 1);
	ck_assert_str_eq(p.facts[3].role, "");
	ck_assert_int_eq(p.facts[3].cred_version, 0);

	/* The last page; and an empty one, the snapshot of no users. */
	ck_assert_int_eq(snapshot(BYTES("{\"users\":[" ROW(5) "],\"seq\":0,\"more\":false}"), 4,
	    10, &p, &why), 0);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_int_eq(p.more, 0);
	ck_assert_int_eq(p.seq, 0);
	ck_assert_int_eq(snapshot(BYTES("{\"users\":[],\"seq\":12,\"more\":false}"), 0, 10, &p,
	    &why), 0);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_int_eq(p.seq, 12);
	ck_assert_int_eq(p.more, 0);
}
END_TEST

START_TEST(test_snapshot_rows)
{
	static const struct {
		const char *row;
		int ok;
	} cases[] = {
		{ ROW(5), 1 },
		{ "{\"id\":5,\"status\":\"deleted\"}", 1 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"customer\",\"credential_version\":1,"
		  "\"version\":0}", 1 },
		/* An active row without what the projection keeps of it. */
		{ "{\"id\":5,\"status\":\"active\"}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"customer\",\"credential_version\":1}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"customer\",\"version\":1}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"credential_version\":1,\"version\":1}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"\",\"credential_version\":1,"
		  "\"version\":1}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"customer\",\"credential_version\":0,"
		  "\"version\":1}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"customer\",\"credential_version\":1,"
		  "\"version\":-1}", 0 },
		{ "{\"id\":5,\"status\":\"active\",\"role\":\"customer_service\","
		  "\"credential_version\":1,\"version\":1}", 0 },
		/* Its id and status. */
		{ "{\"status\":\"deleted\"}", 0 },
		{ "{\"id\":5}", 0 },
		{ "{\"id\":\"5\",\"status\":\"deleted\"}", 0 },
		{ "{\"id\":5.0,\"status\":\"deleted\"}", 0 },
		{ "{\"id\":0,\"status\":\"deleted\"}", 0 },
		{ "{\"id\":5,\"status\":\"gone\"}", 0 },
		{ "{\"id\":5,\"status\":null}", 0 },
		{ "{\"id\":5,\"status\":true}", 0 },
		{ "5", 0 },
		{ "null", 0 },
		{ "[5,\"deleted\"]", 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		static struct user_snapshot_page p;
		char body[512];
		const char *why;

		snprintf(body, sizeof(body), "{\"users\":[" ROW(2) ",%s],\"seq\":9,\"more\":false}",
		    cases[i].row);
		if (cases[i].ok) {
			ck_assert_msg(snapshot(body, strlen(body), 0, 10, &p, &why) == 0, "%s: %s",
			    body, why);
			ck_assert_uint_eq(p.n, 2);
			ck_assert_int_eq(p.facts[1].id, 5);
		} else {
			check_page_refused(body, strlen(body), 0, 10, WHY_USER);
		}
	}
}
END_TEST

/* Users come after the id asked for, in increasing id order, each once. */
START_TEST(test_snapshot_order)
{
	static const struct {
		const char *rows;
		int64_t after_id;
		int ok;
	} cases[] = {
		{ ROW(1) "," ROW(2) "," ROW(9), 0, 1 },
		{ ROW(11), 10, 1 },
		{ ROW(10), 10, 0 },		/* the one asked after */
		{ ROW(3), 10, 0 },
		{ ROW(11) "," ROW(12) "," ROW(5), 10, 0 },
		{ ROW(2) "," ROW(1), 0, 0 },
		{ ROW(2) "," ROW(2), 0, 0 },
		{ ROW(2) "," ROW(3) "," ROW(3), 0, 0 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		static struct user_snapshot_page p;
		char body[1024];
		const char *why;

		snprintf(body, sizeof(body), "{\"users\":[%s],\"seq\":9,\"more\":false}",
		    cases[i].rows);
		if (cases[i].ok)
			ck_assert_msg(snapshot(body, strlen(body), cases[i].after_id, 10, &p,
			    &why) == 0, "%s: %s", body, why);
		else
			check_page_refused(body, strlen(body), cases[i].after_id, 10, WHY_ORDER);
	}
}
END_TEST

START_TEST(test_snapshot_page)
{
	static const struct {
		const char *body;
		const char *why;
	} cases[] = {
		{ "{\"users\":[],\"seq\":9,\"more\":true}", WHY_EMPTY },
		{ "{\"users\":[" ROW(1) "],\"seq\":9}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"seq\":9,\"more\":1}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"seq\":9,\"more\":\"false\"}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"seq\":9,\"more\":null}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"more\":false}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"seq\":-1,\"more\":false}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"seq\":\"9\",\"more\":false}", WHY_SEQ_MORE },
		{ "{\"users\":[" ROW(1) "],\"seq\":9007199254740993,\"more\":false}", WHY_SEQ_MORE },
		{ "{\"seq\":9,\"more\":false}", WHY_USERS },
		{ "{\"users\":{},\"seq\":9,\"more\":false}", WHY_USERS },
		{ "{\"users\":null,\"seq\":9,\"more\":false}", WHY_USERS },
		{ "{\"users\":[" ROW(1) "," ROW(2) "," ROW(3) ",\"seq\":9,\"more\":false}",
		  WHY_OBJECT },
		{ "{\"users\":[" ROW(1) "],\"seq\":9,\"more\":false", WHY_OBJECT },
		{ "[" ROW(1) "]", WHY_OBJECT },
		{ "", WHY_OBJECT },
		{ "users", WHY_OBJECT },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++)
		check_page_refused(cases[i].body, strlen(cases[i].body), 0, 10, cases[i].why);
}
END_TEST

START_TEST(test_snapshot_max)
{
	static char body[(USER_SNAPSHOT_PAGE_MAX + 1) * 100];
	static struct user_snapshot_page p;
	const char *why;
	size_t o = 0;

	/* Three users: no more than asked for. */
	snprintf(body, sizeof(body), "{\"users\":[" ROW(1) "," ROW(2) "," ROW(3) "],"
	    "\"seq\":9,\"more\":true}");
	ck_assert_int_eq(snapshot(body, strlen(body), 0, 3, &p, &why), 0);
	ck_assert_uint_eq(p.n, 3);
	check_page_refused(body, strlen(body), 0, 2, WHY_USERS);
	check_page_refused(body, strlen(body), 0, USER_SNAPSHOT_PAGE_MAX + 1, WHY_USERS);

	/* A whole page, then one user more. */
	put(body, sizeof(body), &o, "{\"users\":[");
	for (int id = 1; id <= USER_SNAPSHOT_PAGE_MAX + 1; id++) {
		char row[96];

		snprintf(row, sizeof(row), "%s{\"id\":%d,\"status\":\"deleted\"}", id > 1 ? "," : "",
		    id);
		put(body, sizeof(body), &o, "%s", row);
		if (id == USER_SNAPSHOT_PAGE_MAX) {
			size_t at = o;

			put(body, sizeof(body), &o, "],\"seq\":9,\"more\":true}");
			ck_assert_int_eq(snapshot(body, o, 0, USER_SNAPSHOT_PAGE_MAX, &p, &why), 0);
			ck_assert_uint_eq(p.n, USER_SNAPSHOT_PAGE_MAX);
			ck_assert_int_eq(p.facts[USER_SNAPSHOT_PAGE_MAX - 1].id,
			    USER_SNAPSHOT_PAGE_MAX);
			o = at;
		}
	}
	put(body, sizeof(body), &o, "],\"seq\":9,\"more\":true}");
	check_page_refused(body, o, 0, USER_SNAPSHOT_PAGE_MAX, WHY_USERS);
}
END_TEST

Suite *
user_feed_suite(void)
{
	Suite *s = suite_create("user_feed");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_events_read);
	tcase_add_test(tc, test_events_none);
	tcase_add_test(tc, test_event_members);
	tcase_add_test(tc, test_events_sequence);
	tcase_add_test(tc, test_events_after);
	tcase_add_test(tc, test_events_max);
	tcase_add_test(tc, test_events_last_seq);
	tcase_add_test(tc, test_events_all_or_nothing);
	tcase_add_test(tc, test_events_malformed);
	tcase_add_test(tc, test_events_length);
	tcase_add_test(tc, test_time);
	tcase_add_test(tc, test_snapshot_read);
	tcase_add_test(tc, test_snapshot_rows);
	tcase_add_test(tc, test_snapshot_order);
	tcase_add_test(tc, test_snapshot_page);
	tcase_add_test(tc, test_snapshot_max);
	suite_add_tcase(s, tc);
	return s;
}
