/*
 * media_type.h - a Content-Type header against the media types a route
 * accepts: type/subtype compared without regard to case, parameters after
 * ";" read as RFC 9110 section 5.6.6 has them, and a charset other than
 * utf-8 told apart (a body is read as UTF-8 whatever it says). Pure;
 * unit-tested in tests/check_media_type.c.
 */
#ifndef MICROSHOP_MEDIA_TYPE_H
#define MICROSHOP_MEDIA_TYPE_H

enum media_type_check {
	MEDIA_TYPE_OK,
	MEDIA_TYPE_WRONG_TYPE,		/* absent, or not an accepted media type */
	MEDIA_TYPE_WRONG_CHARSET,	/* a charset parameter other than utf-8 */
	MEDIA_TYPE_MALFORMED		/* not type/subtype *( ";" name=value ) */
};

/*
 * Check value (a Content-Type, or NULL when there is none) against types
 * (NULL-terminated).
 */
enum media_type_check media_type_check(const char *value, const char *const *types);

#endif
