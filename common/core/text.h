/*
 * text.h - pure string rules shared by the services: UTF-8 validation and
 * length in code points, control and format characters, trimming,
 * identifiers from paths, request ids.
 * Nothing here allocates or touches I/O; everything is unit-tested.
 */
#ifndef MICROSHOP_TEXT_H
#define MICROSHOP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Validate s[0..len) as UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF). Returns the number of code points, or -1 if invalid.
 */
long text_utf8_length(const char *s, size_t len);

/*
 * 1 if s[0..len) holds a control character: C0 (U+0000..U+001F), DEL or C1
 * (U+0080..U+009F). s must be valid UTF-8.
 */
int text_has_control(const char *s, size_t len);

/*
 * 1 if s[0..len) holds a format character: Unicode's general category Cf
 * (as of Unicode 15.0), such as the bidi controls (U+202A..U+202E,
 * U+2066..U+2069), which make text display in another order than it is
 * stored, and the zero-width characters (U+200B..U+200D, U+2060, U+FEFF),
 * which make two strings that look alike differ. s must be valid UTF-8.
 */
int text_has_format(const char *s, size_t len);

/* Trim ASCII white space from both ends of s[0..*len): returns the new start. */
const char *text_trim(const char *s, size_t *len);

/*
 * Parse a resource id: a canonical positive decimal (no sign, no leading
 * zero, no other byte) that fits in int64_t. Returns 0, or -1.
 */
int text_parse_id(const char *s, size_t len, int64_t *out);

/* 1 if s is a well-formed request id: 1..64 of [A-Za-z0-9._-]. */
int text_request_id_ok(const char *s);

#define TEXT_NAME_MAX_CHARS 100
#define TEXT_NAME_MAX_BYTES (TEXT_NAME_MAX_CHARS * 4)

/*
 * Check a name, as users and products are named: trimmed of surrounding
 * ASCII white space, then 1..100 characters of valid UTF-8 with no control
 * character. On success copies the trimmed name into out
 * (TEXT_NAME_MAX_BYTES + 1 bytes) and returns 0; else returns -1 with *why
 * a static reason.
 */
int text_name_check(const char *s, size_t len, char *out, const char **why);

#endif
