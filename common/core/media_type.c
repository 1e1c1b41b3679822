/*
 * media_type.c - a Content-Type checked against the media types a request
 * may have (RFC 9110 section 8.3.1); see media_type.h.
 */
#include <string.h>
#include <strings.h>

#include "media_type.h"

/* RFC 9110 section 5.6.2: a token's characters. */
static int
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Read a parameter value at *p, a token or a quoted-string, into buf (n
 * bytes; a longer value is cut, which no charset name of ours is).
 * Advances *p past it. Returns 0, or -1 if malformed.
 */
static int
param_value(const char **p, char *buf, size_t n)
{
	const char *s = *p;
	size_t o = 0;

	if (*s != '"') {
		while (is_tchar(*s)) {
			if (o + 1 < n)
				buf[o++] = *s;
			s++;
		}
		buf[o] = '\0';
		if (s == *p)
			return -1;	/* an empty value */
		*p = s;
		return 0;
	}
	for (s++; *s != '"'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\') {
			c = (unsigned char)*++s;
			if (c == '\0')
				return -1;
		}
		/* qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text. */
		if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		if (o + 1 < n)
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	*p = s + 1;
	return 0;
}

enum media_type_check
media_type_check(const char *value, const char *const *types)
{
	enum media_type_check result = MEDIA_TYPE_WRONG_TYPE;
	const char *p;
	size_t len;

	if (value == NULL)
		return MEDIA_TYPE_WRONG_TYPE;
	len = strcspn(value, "; \t");
	for (const char *const *t = types; *t; t++)
		if (strlen(*t) == len && strncasecmp(value, *t, len) == 0)
			result = MEDIA_TYPE_OK;
	if (result != MEDIA_TYPE_OK)
		return result;
	/* parameters = *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] ) */
	for (p = skip_ows(value + len); *p != '\0'; p = skip_ows(p)) {
		const char *name;
		char v[16];

		if (*p != ';')
			return MEDIA_TYPE_MALFORMED;
		p = skip_ows(p + 1);
		if (*p == '\0' || *p == ';')
			continue;
		for (name = p; is_tchar(*p); p++)
			;
		if (p == name || *p != '=')
			return MEDIA_TYPE_MALFORMED;
		len = (size_t)(p - name);
		p++;
		if (param_value(&p, v, sizeof(v)) < 0)
			return MEDIA_TYPE_MALFORMED;
		if (len == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    strcasecmp(v, "utf-8") != 0)
			result = MEDIA_TYPE_WRONG_CHARSET;
	}
	return result;
}
