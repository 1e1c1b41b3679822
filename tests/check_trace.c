/*
 * check_trace.c - common/core/trace.c: traceparent read as W3C Trace
 * Context level 1 says (its examples, and the cases of its test suite:
 * a later version read by its rules, ff refused, all-zero ids, uppercase,
 * fields too long or too short), a request's trace joined or begun, a
 * tracestate passed on or dropped, traceparent written for a call, and
 * the ids made: lowercase hex, never zero, unlike each other, and unlike
 * those of another thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "trace.h"

#define TID "4bf92f3577b34da6a3ce929d0e0e4736"
#define PID "00f067aa0ba902b7"

/* ------------------------------------------------------------------ */
/* trace_parent_parse                                                 */
/* ------------------------------------------------------------------ */

struct parent_case {
	const char *s;
	const char *trace_id;	/* NULL: invalid */
	const char *parent_id;
	unsigned flags;
};

static const struct parent_case parent_cases[] = {
	/* The specification's examples: sampled, and not. */
	{ "00-" TID "-" PID "-01", TID, PID, 1 },
	{ "00-" TID "-" PID "-00", TID, PID, 0 },
	/* Flags but sampled are reserved: read as zero. */
	{ "00-" TID "-" PID "-09", TID, PID, 1 },
	{ "00-" TID "-" PID "-fe", TID, PID, 0 },
	{ "00-" TID "-" PID "-ff", TID, PID, 1 },
	/* Ids with zeros in them, but not all. */
	{ "00-00000000000000000000000000000001-0000000000000001-01",
	    "00000000000000000000000000000001", "0000000000000001", 1 },
	/* A later version: its four fields are read, what it adds after a
	 * dash is ignored. */
	{ "cc-12345678901234567890123456789012-1234567890123456-01",
	    "12345678901234567890123456789012", "1234567890123456", 1 },
	{ "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
	    "12345678901234567890123456789012", "1234567890123456", 1 },
	{ "01-" TID "-" PID "-00-", TID, PID, 0 },
	{ "fe-" TID "-" PID "-03", TID, PID, 1 },

	{ NULL, NULL, NULL, 0 },
	{ "", NULL, NULL, 0 },
	{ "00", NULL, NULL, 0 },
	{ "00-", NULL, NULL, 0 },
	/* Version 00 is exactly its fields. */
	{ "00-" TID "-" PID "-01.", NULL, NULL, 0 },
	{ "00-" TID "-" PID "-01-what-the-future-will-be-like", NULL, NULL, 0 },
	{ "00-" TID "-" PID "-01 ", NULL, NULL, 0 },
	{ " 00-" TID "-" PID "-01", NULL, NULL, 0 },
	/* Two headers joined into one (nginx 1.23 and later do). */
	{ "00-" TID "-" PID "-01, 00-" TID "-" PID "-01", NULL, NULL, 0 },
	/* A later version must go on with a dash, and be as long as 00. */
	{ "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
	    NULL, NULL, 0 },
	{ "cc-12345678901234567890123456789012-1234567890123456-1", NULL, NULL, 0 },
	{ "cc-12345678901234567890123456789012-1234567890123456", NULL, NULL, 0 },
	/* The version: ff is forbidden; two lowercase hex digits. */
	{ "ff-" TID "-" PID "-01", NULL, NULL, 0 },
	{ ".0-" TID "-" PID "-01", NULL, NULL, 0 },
	{ "0.-" TID "-" PID "-01", NULL, NULL, 0 },
	{ "0A-" TID "-" PID "-01", NULL, NULL, 0 },
	{ "000-" TID "-" PID "-01", NULL, NULL, 0 },
	{ "0000-" TID "-" PID "-01", NULL, NULL, 0 },
	{ "0-" TID "-" PID "-01", NULL, NULL, 0 },
	/* The trace id: all zero, other characters, too long, too short. */
	{ "00-00000000000000000000000000000000-" PID "-01", NULL, NULL, 0 },
	{ "cc-00000000000000000000000000000000-" PID "-01", NULL, NULL, 0 },
	{ "00-.2345678901234567890123456789012-" PID "-01", NULL, NULL, 0 },
	{ "00-1234567890123456789012345678901.-" PID "-01", NULL, NULL, 0 },
	{ "00-4BF92F3577B34DA6A3CE929D0E0E4736-" PID "-01", NULL, NULL, 0 },
	{ "00-4bf92f3577b34da6a3ce929d0e0e473g-" PID "-01", NULL, NULL, 0 },
	{ "00-123456789012345678901234567890123-" PID "-01", NULL, NULL, 0 },
	{ "00-1234567890123456789012345678901-" PID "-01", NULL, NULL, 0 },
	/* The parent id likewise. */
	{ "00-" TID "-0000000000000000-01", NULL, NULL, 0 },
	{ "cc-" TID "-0000000000000000-01", NULL, NULL, 0 },
	{ "00-" TID "-.234567890123456-01", NULL, NULL, 0 },
	{ "00-" TID "-123456789012345.-01", NULL, NULL, 0 },
	{ "00-" TID "-00F067AA0BA902B7-01", NULL, NULL, 0 },
	{ "00-" TID "-12345678901234567-01", NULL, NULL, 0 },
	{ "00-" TID "-123456789012345-01", NULL, NULL, 0 },
	/* The flags. */
	{ "00-" TID "-" PID "-.0", NULL, NULL, 0 },
	{ "00-" TID "-" PID "-0.", NULL, NULL, 0 },
	{ "00-" TID "-" PID "-0A", NULL, NULL, 0 },
	{ "00-" TID "-" PID "-0", NULL, NULL, 0 },
	{ "00-" TID "-" PID "-001", NULL, NULL, 0 },
	/* Other separators. */
	{ "00_" TID "_" PID "_01", NULL, NULL, 0 },
	{ "00-" TID "." PID "-01", NULL, NULL, 0 },
	{ "00-" TID "-" PID ".01", NULL, NULL, 0 },
};

START_TEST(test_parse)
{
	for (size_t i = 0; i < N_ELEMS(parent_cases); i++) {
		const struct parent_case *c = &parent_cases[i];
		struct trace_parent p;
		int rc;

		memset(&p, 0x5a, sizeof(p));
		rc = trace_parent_parse(c->s, &p);
		if (c->trace_id == NULL) {
			ck_assert_msg(rc == -1, "'%s' accepted", c->s ? c->s : "(null)");
			continue;
		}
		ck_assert_msg(rc == 0, "'%s' refused", c->s);
		ck_assert_msg(strcmp(p.trace_id, c->trace_id) == 0 &&
		    strcmp(p.parent_id, c->parent_id) == 0 && p.flags == c->flags,
		    "'%s': %s %s %02x", c->s, p.trace_id, p.parent_id, p.flags);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* trace_begin, trace_new, trace_parent_format                        */
/* ------------------------------------------------------------------ */

/* 1 when s is n lowercase hex digits, not all of them 0. */
static int
is_id(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n && strspn(s, "0") < n;
}

START_TEST(test_join)
{
	struct trace t;

	memset(&t, 0x5a, sizeof(t));
	trace_begin(&t, "00-" TID "-" PID "-01", "congo=t61rcWkgMzE");
	ck_assert_str_eq(t.trace_id, TID);
	ck_assert_str_eq(t.parent_id, PID);
	ck_assert_str_eq(trace_parent_log(&t), PID);
	ck_assert(is_id(t.span_id, TRACE_SPAN_HEX));
	ck_assert_str_ne(t.span_id, PID);
	ck_assert_uint_eq(t.flags, 1);
	ck_assert_pstr_eq(t.state, "congo=t61rcWkgMzE");

	/* Not sampled by the caller: passed on so. */
	trace_begin(&t, "00-" TID "-" PID "-00", NULL);
	ck_assert_uint_eq(t.flags, 0);
	ck_assert_ptr_null(t.state);

	/* A later version: joined, and passed on as version 00. */
	trace_begin(&t, "cc-" TID "-" PID "-01-what-the-future-will-be-like", NULL);
	ck_assert_str_eq(t.trace_id, TID);
	ck_assert_str_eq(t.parent_id, PID);
}
END_TEST

START_TEST(test_begin_new)
{
	static const char *const refused[] = {
		NULL, "", "00-" TID "-" PID "-01.", "ff-" TID "-" PID "-01",
		"00-00000000000000000000000000000000-" PID "-01",
		"00-" TID "-0000000000000000-01", "00-" TID "-" PID,
	};

	for (size_t i = 0; i < N_ELEMS(refused); i++) {
		struct trace t;

		memset(&t, 0x5a, sizeof(t));
		/* A tracestate without a valid traceparent is not passed on. */
		trace_begin(&t, refused[i], "congo=t61rcWkgMzE");
		ck_assert_msg(is_id(t.trace_id, TRACE_ID_HEX), "'%s': trace %s",
		    refused[i] ? refused[i] : "(null)", t.trace_id);
		ck_assert_str_ne(t.trace_id, TID);
		ck_assert(is_id(t.span_id, TRACE_SPAN_HEX));
		ck_assert_str_eq(t.parent_id, "");
		ck_assert_str_eq(trace_parent_log(&t), "-");
		ck_assert_uint_eq(t.flags, TRACE_FLAG_SAMPLED);
		ck_assert_ptr_null(t.state);
	}
}
END_TEST

START_TEST(test_state)
{
	char at_max[TRACESTATE_MAX + 2];
	struct trace t;

	/* Up to TRACESTATE_MAX printable bytes, spaces and tabs: unchanged. */
	memset(at_max, 'a', TRACESTATE_MAX);
	at_max[0] = 'k';
	at_max[1] = '=';
	at_max[TRACESTATE_MAX] = '\0';
	trace_begin(&t, "00-" TID "-" PID "-01", at_max);
	ck_assert_ptr_eq(t.state, at_max);
	trace_begin(&t, "00-" TID "-" PID "-01", "rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE");
	ck_assert_pstr_eq(t.state, "rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE");
	/* Longer, empty, or with what could end a header line: dropped. */
	at_max[TRACESTATE_MAX] = 'a';
	at_max[TRACESTATE_MAX + 1] = '\0';
	trace_begin(&t, "00-" TID "-" PID "-01", at_max);
	ck_assert_ptr_null(t.state);
	trace_begin(&t, "00-" TID "-" PID "-01", "");
	ck_assert_ptr_null(t.state);
	trace_begin(&t, "00-" TID "-" PID "-01", "congo=1\r\nX-Evil: 1");
	ck_assert_ptr_null(t.state);
	trace_begin(&t, "00-" TID "-" PID "-01", "congo=\x7f");
	ck_assert_ptr_null(t.state);
	trace_begin(&t, "00-" TID "-" PID "-01", "congo=\xc3\xa9");
	ck_assert_ptr_null(t.state);
	/* The traceparent is honoured all the same. */
	ck_assert_str_eq(t.trace_id, TID);
}
END_TEST

START_TEST(test_format)
{
	char buf[TRACEPARENT_LEN + 1];
	struct trace_parent p;
	struct trace t;

	trace_begin(&t, "00-" TID "-" PID "-01", NULL);
	trace_parent_format(&t, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(buf), TRACEPARENT_LEN);
	ck_assert_int_eq(strncmp(buf, "00-" TID "-", 36), 0);
	ck_assert_str_eq(buf + 36 + TRACE_SPAN_HEX, "-01");
	/* The callee reads this request's span as its parent. */
	ck_assert_int_eq(trace_parent_parse(buf, &p), 0);
	ck_assert_str_eq(p.trace_id, TID);
	ck_assert_str_eq(p.parent_id, t.span_id);
	ck_assert_uint_eq(p.flags, 1);

	/* Unsampled, and from a later version whose reserved flags are set:
	 * version 00, the reserved flags zero. */
	trace_begin(&t, "00-" TID "-" PID "-00", NULL);
	ck_assert_str_eq(trace_parent_format(&t, buf, sizeof(buf)) + 52, "-00");
	trace_begin(&t, "cc-" TID "-" PID "-ff-more", NULL);
	trace_parent_format(&t, buf, sizeof(buf));
	ck_assert_int_eq(strncmp(buf, "00-", 3), 0);
	ck_assert_str_eq(buf + 52, "-01");

	/* A buffer too small for it gets nothing rather than a part. */
	ck_assert_str_eq(trace_parent_format(&t, buf, TRACEPARENT_LEN), "");

	/* A new trace: sampled (every request is recorded, in its log line). */
	trace_new(&t);
	trace_parent_format(&t, buf, sizeof(buf));
	ck_assert_int_eq(trace_parent_parse(buf, &p), 0);
	ck_assert_str_eq(p.trace_id, t.trace_id);
	ck_assert_str_eq(p.parent_id, t.span_id);
	ck_assert_uint_eq(p.flags, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The ids                                                            */
/* ------------------------------------------------------------------ */

#define MANY 2000

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(test_ids_unique)
{
	static char spans[MANY][TRACE_SPAN_HEX + 1], traces[MANY][TRACE_ID_HEX + 1];
	struct trace t;

	for (int i = 0; i < MANY; i++) {
		trace_new(&t);
		ck_assert(is_id(t.trace_id, TRACE_ID_HEX));
		ck_assert(is_id(t.span_id, TRACE_SPAN_HEX));
		memcpy(traces[i], t.trace_id, sizeof(traces[i]));
		memcpy(spans[i], t.span_id, sizeof(spans[i]));
	}
	qsort(traces, MANY, sizeof(traces[0]), cmp_str);
	qsort(spans, MANY, sizeof(spans[0]), cmp_str);
	for (int i = 1; i < MANY; i++) {
		ck_assert_str_ne(traces[i - 1], traces[i]);
		ck_assert_str_ne(spans[i - 1], spans[i]);
	}
}
END_TEST

/* The first trace id a new thread makes, into arg. */
static void *
first_id(void *arg)
{
	struct trace t;

	trace_new(&t);
	memcpy(arg, t.trace_id, TRACE_ID_HEX + 1);
	return NULL;
}

/* Each thread seeds its own generator: two threads' first ids differ. */
START_TEST(test_ids_per_thread)
{
	char ids[4][TRACE_ID_HEX + 1];
	pthread_t th[4];

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, first_id, ids[i]), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert(is_id(ids[i], TRACE_ID_HEX));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(ids[i], ids[j]);
	}
}
END_TEST

Suite *
trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_begin_new);
	tcase_add_test(tc, test_state);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_ids_unique);
	tcase_add_test(tc, test_ids_per_thread);
	suite_add_tcase(s, tc);
	return s;
}
