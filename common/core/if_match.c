/*
 * if_match.c - If-Match against the integer versions of ETags; see
 * if_match.h.
 */
#include <string.h>

#include "if_match.h"
#include "text.h"

int
if_match_parse(const char *value, struct if_match *out)
{
	const char *p = value;
	size_t tags = 0;

	memset(out, 0, sizeof(*out));
	if (value == NULL)
		return 0;
	out->present = 1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '*') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			return -1;
		out->any = 1;
		return 0;
	}

	/*
	 * A #list: RFC 9110 section 5.6.1.2 has a recipient accept empty
	 * elements ("3",, "4",), but at least one tag must be there.
	 */
	for (;;) {
		int weak = 0;
		const char *open, *close;
		int64_t v;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return tags > 0 ? 0 : -1;
		if (p[0] == 'W' && p[1] == '/') {
			weak = 1;
			p += 2;
		}
		if (*p != '"')
			return -1;
		open = p + 1;
		close = strchr(open, '"');
		if (close == NULL)
			return -1;
		for (const char *c = open; c < close; c++)
			if ((unsigned char)*c < 0x21 || *c == 0x7f)
				return -1;
		tags++;
		/*
		 * A weak or foreign tag never matches strongly. More versions than
		 * fit are refused: dropping one could answer 412 to a tag that
		 * matches.
		 */
		if (!weak && text_parse_id(open, (size_t)(close - open), &v) == 0) {
			if (out->n == IF_MATCH_MAX)
				return -1;
			out->versions[out->n++] = v;
		}
		p = close + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != ',')
			return -1;
	}
}

int
if_match_allows(const struct if_match *im, int64_t version)
{
	if (!im->present || im->any)
		return 1;
	for (size_t i = 0; i < im->n; i++)
		if (im->versions[i] == version)
			return 1;
	return 0;
}
