/*
 * store.c - store answers as HTTP statuses; see store.h.
 */
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
