/*
 * check_log.c - common/core/log.c: the level names, logfmt values (bare
 * when plain; quoted with quotes, backslashes and control bytes escaped
 * when not; cut to fit without breaking an escape), the lines log_msg
 * writes to stderr: their shape, one per call, ended by a newline, cut at
 * the line's size, and none below the threshold; and the lines log_line
 * keeps: written together at log_flush, before a line not kept, when the
 * buffer is full or when the first is LOG_KEEP_MS old, in their order.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_suites.h"
#include "log.h"

START_TEST(test_level_parse)
{
	static const struct {
		const char *s;
		int want;	/* -1: refused */
	} cases[] = {
		{ "debug", LOG_LEVEL_DEBUG }, { "info", LOG_LEVEL_INFO },
		{ "warn", LOG_LEVEL_WARN }, { "error", LOG_LEVEL_ERROR },
		{ "DEBUG", -1 }, { "warning", -1 }, { "", -1 }, { "err", -1 },
		{ "info ", -1 }, { "fatal", -1 },
	};

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		enum log_level l = (enum log_level)99;
		int rc = log_level_parse(cases[i].s, &l);

		if (cases[i].want < 0)
			ck_assert_msg(rc == -1 && l == (enum log_level)99, "'%s' accepted",
			    cases[i].s);
		else
			ck_assert_msg(rc == 0 && (int)l == cases[i].want, "'%s': %d", cases[i].s,
			    (int)l);
	}
}
END_TEST

START_TEST(test_value)
{
	static const struct {
		const char *s;
		const char *want;
	} cases[] = {
		{ "plain", "plain" },
		{ "/user/42?limit=1", "\"/user/42?limit=1\"" },	/* '=' would split it */
		{ "caf\xc3\xa9", "caf\xc3\xa9" },		/* UTF-8 stays as it is */
		{ "", "\"\"" },
		{ "two words", "\"two words\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "line\nbreak", "\"line\\x0abreak\"" },
		{ "cr\rtab\t", "\"cr\\x0dtab\\x09\"" },
		{ "del\x7f", "\"del\\x7f\"" },
		{ "\x1b[31mred", "\"\\x1b[31mred\"" },
		{ "key=value level=error", "\"key=value level=error\"" },
	};
	char buf[128];

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *got = log_value(buf, sizeof(buf), cases[i].s);
		char shown[256];

		ck_assert_ptr_eq(got, buf);
		ck_assert_msg(strcmp(got, cases[i].want) == 0, "log_value(%s) = %s, want %s",
		    test_show(cases[i].s, strlen(cases[i].s), shown, sizeof(shown)), got,
		    cases[i].want);
	}
}
END_TEST

/*
 * Read a quoted logfmt value back into out: the bytes it stands for.
 * Returns 0, or -1 when it is not one well-formed quoted value.
 */
static int
value_decode(const char *v, char *out, size_t n)
{
	size_t len = strlen(v), o = 0;
	unsigned hex;

	if (len < 2 || v[0] != '"' || v[len - 1] != '"')
		return -1;
	for (size_t i = 1; i < len - 1 && o + 1 < n; i++) {
		if (v[i] != '\\') {
			if (v[i] == '"')
				return -1;
			out[o++] = v[i];
		} else if (v[i + 1] == '"' || v[i + 1] == '\\') {
			out[o++] = v[++i];
		} else if (v[i + 1] == 'x' && i + 3 < len - 1 && sscanf(v + i + 2, "%2x", &hex) == 1) {
			out[o++] = (char)hex;
			i += 3;
		} else {
			return -1;
		}
	}
	out[o] = '\0';
	return 0;
}

/*
 * Cut to fit any buffer: always terminated, nothing written past it, a
 * quoted value always closed and never half an escape: what it says is a
 * beginning of the value.
 */
START_TEST(test_value_cut)
{
	static const char *const values[] = {
		"\"\"\"\"\"\"\"\"\"\"\"\"", "\n\n\n\n\n\n\n\n\n\n", "a b c d e f g h i j k",
		"\\a\\b\\c\\d\\e\\f\\g", "x\ty\tz\t\"w\" v",
	};

	for (size_t v = 0; v < N_ELEMS(values); v++) {
		for (size_t n = 1; n <= 48; n++) {
			char buf[49], back[64];
			size_t len;

			memset(buf, 'X', sizeof(buf));
			log_value(buf, n, values[v]);
			len = strlen(buf);
			ck_assert_msg(len < n && buf[n] == 'X', "%s in %zu bytes: %zu long",
			    values[v], n, len);
			if (n < 3) {
				ck_assert_uint_eq(len, 0);
				continue;
			}
			ck_assert_msg(value_decode(buf, back, sizeof(back)) == 0,
			    "%zu bytes: not one quoted value: %s", n, buf);
			ck_assert_msg(strncmp(back, values[v], strlen(back)) == 0,
			    "%zu bytes: %s is not a beginning of the value", n, buf);
		}
	}
	/* A plain value is cut as it is. */
	{
		char buf[6];

		ck_assert_str_eq(log_value(buf, sizeof(buf), "plainvalue"), "plain");
	}
}
END_TEST

/* log_msg's output as one text, while threshold is set. */
static size_t
logged(enum log_level threshold, void (*write_lines)(void), char *out, size_t n)
{
	struct test_capture cap;
	size_t len;

	log_init("check", threshold);
	test_capture_begin(&cap);
	write_lines();
	len = test_capture_end(&cap, out, n);
	log_init("microshop", LOG_LEVEL_INFO);
	return len;
}

static void
one_of_each(void)
{
	log_msg(LOG_LEVEL_DEBUG, "event=a");
	log_msg(LOG_LEVEL_INFO, "event=b n=%d", 2);
	log_msg(LOG_LEVEL_WARN, "event=c");
	log_msg(LOG_LEVEL_ERROR, "event=d");
}

/* "ts=2026-12-01T19:43:30.123Z level=LEVEL svc=check " then the pairs. */
static void
line_check(const char *line, size_t len, const char *level, const char *rest)
{
	char want[128];

	ck_assert_msg(len > 34 && strncmp(line, "ts=", 3) == 0 && line[7] == '-' &&
	    line[10] == '-' && line[13] == 'T' && line[16] == ':' && line[19] == ':' &&
	    line[22] == '.' && line[26] == 'Z' && line[27] == ' ', "%.*s", (int)len, line);
	for (size_t i = 3; i < 26; i++)
		if (i != 7 && i != 10 && i != 13 && i != 16 && i != 19 && i != 22)
			ck_assert_msg(line[i] >= '0' && line[i] <= '9', "%.*s", (int)len, line);
	snprintf(want, sizeof(want), "level=%s svc=check %s\n", level, rest);
	ck_assert_msg(len - 28 == strlen(want) && strncmp(line + 28, want, len - 28) == 0,
	    "%.*s", (int)len, line);
}

START_TEST(test_msg_levels)
{
	static const struct {
		enum log_level threshold;
		size_t lines;
	} cases[] = {
		{ LOG_LEVEL_DEBUG, 4 }, { LOG_LEVEL_INFO, 3 }, { LOG_LEVEL_WARN, 2 },
		{ LOG_LEVEL_ERROR, 1 },
	};
	static const char *const levels[][2] = {
		{ "debug", "event=a" }, { "info", "event=b n=2" }, { "warn", "event=c" },
		{ "error", "event=d" },
	};
	char out[1024];

	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		size_t len = logged(cases[i].threshold, one_of_each, out, sizeof(out));
		const char *line = out;
		size_t n = 0;

		for (size_t l = 4 - cases[i].lines; l < 4; l++, n++) {
			const char *nl = memchr(line, '\n', len - (size_t)(line - out));

			ck_assert_msg(nl != NULL, "threshold %d: %zu lines: %s",
			    cases[i].threshold, n, out);
			line_check(line, (size_t)(nl - line + 1), levels[l][0], levels[l][1]);
			line = nl + 1;
		}
		ck_assert_msg(line == out + len, "threshold %d: more lines: %s",
		    cases[i].threshold, line);
	}
}
END_TEST

static void
long_line(void)
{
	char big[4000];

	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(LOG_LEVEL_ERROR, "event=long detail=%s", big);
	log_msg(LOG_LEVEL_ERROR, "event=after");
}

/* A line longer than log.c's buffer is cut, still one line with its newline. */
START_TEST(test_msg_long)
{
	char out[8192];
	size_t len = logged(LOG_LEVEL_INFO, long_line, out, sizeof(out));
	const char *nl = strchr(out, '\n');

	ck_assert_ptr_nonnull(nl);
	ck_assert_uint_eq((size_t)(nl - out + 1), 2047);
	ck_assert_msg(strstr(out, "event=long detail=vvv") != NULL, "%.80s", out);
	ck_assert_uint_eq(strspn(nl - 100, "v"), 100);
	line_check(nl + 1, len - (size_t)(nl + 1 - out), "error", "event=after");
}
END_TEST

/* Bytes written to the capture so far. */
static long
captured(struct test_capture *c)
{
	struct stat sb;

	return fstat(fileno(c->f), &sb) == 0 ? (long)sb.st_size : -1;
}

/* The events of out's lines, in order, joined by spaces. */
static void
events_of(const char *out, char *events, size_t n)
{
	const char *p = out;

	events[0] = '\0';
	while ((p = strstr(p, "event=")) != NULL) {
		size_t len = strcspn(p + 6, " \n"), o = strlen(events);

		snprintf(events + o, n - o, "%s%.*s", o > 0 ? " " : "", (int)len, p + 6);
		p += 6 + len;
	}
}

START_TEST(test_kept)
{
	struct test_capture cap;
	char out[1024], events[256];
	long before_flush, before_msg;
	int due_none, due_below, due_kept, due_after;

	log_init("check", LOG_LEVEL_INFO);
	test_capture_begin(&cap);
	due_none = log_kept_due_ms();
	log_line(LOG_LEVEL_DEBUG, 1, "event=below");
	due_below = log_kept_due_ms();
	log_line(LOG_LEVEL_INFO, 1, "event=k1");
	log_line(LOG_LEVEL_INFO, 1, "event=k2");
	due_kept = log_kept_due_ms();
	before_msg = captured(&cap);
	log_msg(LOG_LEVEL_WARN, "event=now");
	due_after = log_kept_due_ms();
	log_line(LOG_LEVEL_INFO, 1, "event=k3");
	before_flush = captured(&cap);
	log_flush();
	log_flush();	/* nothing left: nothing written twice */
	test_capture_end(&cap, out, sizeof(out));
	log_init("microshop", LOG_LEVEL_INFO);

	ck_assert_int_eq(due_none, -1);
	ck_assert_int_eq(due_below, -1);
	ck_assert_msg(due_kept >= 0 && due_kept <= LOG_KEEP_MS, "due in %d ms", due_kept);
	ck_assert_int_eq(due_after, -1);
	ck_assert_int_eq(before_msg, 0);
	ck_assert_int_eq(before_flush, (long)(strstr(out, "event=now\n") + 10 - out));
	events_of(out, events, sizeof(events));
	ck_assert_str_eq(events, "k1 k2 now k3");
	/* A kept line has the shape of any other. */
	line_check(out + before_flush, strlen(out + before_flush), "info", "event=k3");
}
END_TEST

static void
keep_many(void)
{
	char v[200];

	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	for (int i = 0; i < 30; i++)
		log_line(LOG_LEVEL_INFO, 1, "event=k%d v=%s", i, v);
}

/* A full buffer is written whole, lines unbroken; the rest waits. */
START_TEST(test_kept_full)
{
	struct test_capture cap;
	char out[16384];
	long first;
	size_t len;
	int lines = 0;

	log_init("check", LOG_LEVEL_INFO);
	test_capture_begin(&cap);
	keep_many();
	first = captured(&cap);
	log_flush();
	len = test_capture_end(&cap, out, sizeof(out));
	log_init("microshop", LOG_LEVEL_INFO);

	ck_assert_msg(first > 0 && first <= 4096 && out[first - 1] == '\n', "first %ld", first);
	ck_assert_uint_gt(len, 30 * 200);
	for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_int_eq(lines, 30);
	ck_assert_ptr_nonnull(strstr(out, "event=k0 "));
	ck_assert_ptr_nonnull(strstr(out, "event=k29 "));
	ck_assert(strstr(out, "event=k0 ") < strstr(out, "event=k29 "));
}
END_TEST

/* A line kept LOG_KEEP_MS ago goes with the next line kept. */
START_TEST(test_kept_age)
{
	struct test_capture cap;
	char out[1024], events[64];
	long before, after;
	int due;

	log_init("check", LOG_LEVEL_INFO);
	test_capture_begin(&cap);
	log_line(LOG_LEVEL_INFO, 1, "event=old");
	usleep((LOG_KEEP_MS + 10) * 1000);
	due = log_kept_due_ms();
	before = captured(&cap);
	log_line(LOG_LEVEL_INFO, 1, "event=young");
	after = captured(&cap);
	test_capture_end(&cap, out, sizeof(out));
	log_init("microshop", LOG_LEVEL_INFO);

	ck_assert_int_eq(due, 0);
	ck_assert_int_eq(before, 0);
	ck_assert_uint_eq((size_t)after, strlen(out));
	events_of(out, events, sizeof(events));
	ck_assert_str_eq(events, "old young");
}
END_TEST

Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_level_parse);
	tcase_add_test(tc, test_value);
	tcase_add_test(tc, test_value_cut);
	tcase_add_test(tc, test_msg_levels);
	tcase_add_test(tc, test_msg_long);
	tcase_add_test(tc, test_kept);
	tcase_add_test(tc, test_kept_full);
	tcase_add_test(tc, test_kept_age);
	suite_add_tcase(s, tc);
	return s;
}
