/*
 * user_answer.c - what the user service's answers mean to the order
 * service: a lookup's status and body read as untrusted input, and the
 * names of the user service's states. Pure, apart from the transport in
 * user_client.c, so that unit tests and the fuzz targets drive it alone.
 */
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "json_io.h"
#include "user_client.h"

enum user_lookup
user_client_parse_answer(long status, const char *body, size_t len, int64_t id)
{
	struct json_object *o = NULL;
	enum user_lookup l = USER_UNAVAILABLE;
	const char *err;
	int64_t got;

	if (status == 404)
		return USER_ABSENT;
	if (status == 410)
		return USER_DELETED;
	if (status != 200 || json_io_parse(body, len, 8, &o, &err) < 0)
		return USER_UNAVAILABLE;
	if (json_object_is_type(o, json_type_object) &&
	    json_io_get_int64(o, "id", &got) == JSON_FIELD_OK && got == id)
		l = USER_EXISTS;
	json_object_put(o);
	return l;
}

const char *
user_service_state_name(enum user_service_state s)
{
	switch (s) {
	case USER_SERVICE_UP:
		return "up";
	case USER_SERVICE_DOWN:
		return "down";
	case USER_SERVICE_BREAKER_OPEN:
		return "breaker_open";
	case USER_SERVICE_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}
