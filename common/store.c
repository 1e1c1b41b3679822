/*
 * store.c - store answers to HTTP; see store.h.
 */
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
	case STORE_GONE:
		return 410;
	case STORE_BUSY:
	case STORE_UNAVAILABLE:
		return 503;
	case STORE_FULL:
		return 507;
	case STORE_ERR:
		break;
	}
	return 500;
}

void
store_problem_send(struct http_request *req, enum store_status st, const char *detail)
{
	int status = store_status_http(st);

	switch (st) {
	case STORE_BUSY:
		http_header_add(req, "Retry-After", "1");
		detail = "the database could not complete the request";
		break;
	case STORE_FULL:
		detail = "no space left to store the request; nothing was written";
		break;
	case STORE_UNAVAILABLE:
		http_header_add(req, "Retry-After", "5");
		detail = "the database is unavailable now; nothing was written";
		break;
	case STORE_ERR:
		detail = "the database could not complete the request";
		break;
	default:
		break;
	}
	http_problem_send(req, status, "%s", detail);
}
