/*
 * http_status.h - the reason phrase of each HTTP status microshop answers
 * (RFC 9110 section 15), which every problem's "title" is. Pure.
 */
#ifndef MICROSHOP_HTTP_STATUS_H
#define MICROSHOP_HTTP_STATUS_H

/* The reason phrase of status ("Not Found"); "Unknown" for one not ours. */
const char *http_status_text(int status);

#endif
