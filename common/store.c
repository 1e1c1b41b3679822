/*
 * store.c - store answers to HTTP; see store.h.
 */
#include <sqlite3.h>

#include "http.h"
#include "problem.h"
#include "store.h"

int
store_status_http(enum store_status st)
{
	switch (st) {
	case STORE_OK:
		return 200;
	case STORE_NOT_FOUND:
		return 404;
	case STORE_CONFLICT:
		return 409;
	case STORE_STALE:
		return 412;
	case STORE_BUSY:
		return 503;
	case STORE_ERR:
		break;
	}
	return 500;
}

void
store_problem_send(struct http_request *req, enum store_status st, const char *detail)
{
	int status = store_status_http(st);

	if (st == STORE_BUSY)
		http_header_add(req, "Retry-After", "1");
	if (st == STORE_ERR || st == STORE_BUSY)
		detail = "the database could not complete the request";
	http_problem_send(req, status, "%s", detail);
}

enum store_status
store_status_from_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return STORE_CONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	}
	return STORE_ERR;
}
