/*
 * text.c - pure string rules; see text.h.
 */
#include <string.h>

#include "text.h"

long
text_utf8_length(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;
	long count = 0;

	while (p < end) {
		unsigned char c = *p;
		uint32_t cp;
		size_t need;

		if (c < 0x80) {
			p++;
			count++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return -1;	/* continuation byte, 0xc0/0xc1 or > 0xf4 */
		}
		if ((size_t)(end - p) <= need)
			return -1;
		for (size_t i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return -1;
		p += need + 1;
		count++;
	}
	return count;
}

int
text_has_control(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
		/* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f in UTF-8. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/*
 * Unicode 15.0's general category Cf, in order (checked against ICU 72's
 * data; tests/check_text.c probes both ends of every range).
 */
static const uint32_t format_ranges[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c }, { 0x06dd, 0x06dd },
	{ 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 }, { 0x180e, 0x180e },
	{ 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
	{ 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
};

static int
is_format(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(format_ranges) / sizeof(format_ranges[0]); i++) {
		if (cp < format_ranges[i][0])
			return 0;
		if (cp <= format_ranges[i][1])
			return 1;
	}
	return 0;
}

int
text_has_format(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		size_t n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		uint32_t cp = n == 1 ? *p : n == 2 ? *p & 0x1fu : n == 3 ? *p & 0x0fu : *p & 0x07u;

		if ((size_t)(end - p) < n)
			return 0;	/* not valid UTF-8: not ours to judge */
		for (size_t i = 1; i < n; i++)
			cp = (cp << 6) | (p[i] & 0x3fu);
		if (is_format(cp))
			return 1;
		p += n;
	}
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

const char *
text_trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	*len = n;
	return s;
}

int
text_parse_id(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 19 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
text_request_id_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n]; n++) {
		char c = s[n];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok || n >= 64)
			return 0;
	}
	return n > 0;
}

int
text_name_check(const char *s, size_t len, char *out, const char **why)
{
	long chars;

	s = text_trim(s, &len);
	chars = text_utf8_length(s, len);
	if (chars < 0) {
		*why = "must be valid UTF-8";
		return -1;
	}
	if (chars == 0) {
		*why = "must not be empty";
		return -1;
	}
	if (chars > TEXT_NAME_MAX_CHARS) {
		*why = "must be at most 100 characters";
		return -1;
	}
	if (text_has_control(s, len)) {
		*why = "must not contain control characters";
		return -1;
	}
	if (text_has_format(s, len)) {
		*why = "must not contain invisible format characters (bidi controls, "
		    "zero-width characters)";
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}
