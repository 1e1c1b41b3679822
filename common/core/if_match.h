/*
 * if_match.h - the If-Match precondition (RFC 9110 section 13.1.1),
 * compared strongly against the integer versions a service puts in its
 * ETags ("3"): parsed from the header, and asked of a resource's version
 * by the store that holds its row locked. Pure; unit-tested in
 * tests/check_if_match.c.
 */
#ifndef MICROSHOP_IF_MATCH_H
#define MICROSHOP_IF_MATCH_H

#include <stddef.h>
#include <stdint.h>

#define IF_MATCH_MAX 8

struct if_match {
	int present;		/* the header was sent */
	int any;		/* "*" */
	size_t n;
	int64_t versions[IF_MATCH_MAX];
};

/*
 * Parse an If-Match value (NULL: absent). Returns 0, or -1 if malformed or
 * listing more than IF_MATCH_MAX versions.
 */
int if_match_parse(const char *value, struct if_match *out);

/* 1 if a resource at version passes the precondition. */
int if_match_allows(const struct if_match *im, int64_t version);

#endif
