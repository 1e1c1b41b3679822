/*
 * store.h - what a service's store answers, independent of the database
 * engine, and the one function that maps an answer to an HTTP status
 * (problem.h answers it).
 */
#ifndef MICROSHOP_STORE_H
#define MICROSHOP_STORE_H

enum store_status {
	STORE_OK,
	STORE_NOT_FOUND,
	STORE_CONFLICT,		/* a uniqueness rule or the resource's state */
	STORE_STALE,		/* If-Match did not match the current version */
	STORE_GONE,		/* it existed and was deleted: a tombstone */
	STORE_BUSY,		/* the database stayed locked past its timeout */
	STORE_FULL,		/* the disk or the database is full */
	STORE_UNAVAILABLE,	/* read-only, I/O, the connection lost */
	STORE_ERR
};

/* The HTTP status for a store answer other than STORE_OK. */
int store_status_http(enum store_status st);

#endif
