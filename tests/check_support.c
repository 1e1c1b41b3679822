/*
 * check_support.c - what the unit test runners share (check_suites.h).
 */
#include <stdio.h>
#include <unistd.h>

#include "check_suites.h"

const char *
test_show(const char *s, size_t len, char *buf, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02X", c);
	}
	buf[o] = '\0';
	return buf;
}

void
test_capture_begin(struct test_capture *c)
{
	c->f = tmpfile();
	ck_assert_ptr_nonnull(c->f);
	fflush(stdout);
	fflush(stderr);
	c->saved_out = dup(STDOUT_FILENO);
	c->saved_err = dup(STDERR_FILENO);
	ck_assert(c->saved_out >= 0 && c->saved_err >= 0);
	ck_assert(dup2(fileno(c->f), STDOUT_FILENO) >= 0);
	ck_assert(dup2(fileno(c->f), STDERR_FILENO) >= 0);
}

size_t
test_capture_end(struct test_capture *c, char *buf, size_t n)
{
	size_t got;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, STDOUT_FILENO);
	dup2(c->saved_err, STDERR_FILENO);
	close(c->saved_out);
	close(c->saved_err);
	rewind(c->f);
	got = fread(buf, 1, n - 1, c->f);
	buf[got] = '\0';
	fclose(c->f);
	return got;
}

int
test_argv(const char *prog, const char *const *args, char ***argv)
{
	static char buf[TEST_ARGS_MAX][128];
	static char *list[TEST_ARGS_MAX + 1];
	int argc = 0;

	snprintf(buf[argc], sizeof(buf[argc]), "%s", prog);
	list[argc] = buf[argc];
	for (argc++; args[argc - 1] != NULL; argc++) {
		ck_assert_int_lt(argc, TEST_ARGS_MAX);
		snprintf(buf[argc], sizeof(buf[argc]), "%s", args[argc - 1]);
		list[argc] = buf[argc];
	}
	list[argc] = NULL;
	*argv = list;
	return argc;
}
