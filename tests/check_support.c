/*
 * check_support.c - what the unit test runners share (check_suites.h).
 */
#include <stdio.h>

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
