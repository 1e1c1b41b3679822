/*
 * fuzz_user_answer.c - libFuzzer target: the order service's reading of a
 * user service answer, untrusted input. The first 2 bytes choose the HTTP
 * status, the next 8 the id asked for; the rest is the body. The answer
 * means "exists" only for a 200 whose JSON object holds that very id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_io.h"
#include "user_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 201, 204, 301, 404, 410, 500, 503 };
	long status;
	int64_t id;
	struct json_object *o = NULL;
	const char *err;
	int64_t got;

	if (size < 10)
		return 0;
	status = data[0] < 0x80 ? statuses[data[0] % 8] : (long)data[0] << 8 | data[1];
	memcpy(&id, data + 2, sizeof(id));
	data += 10;
	size -= 10;
	switch (user_client_parse_answer(status, (const char *)data, size, id)) {
	case USER_EXISTS:
		if (status != 200 || json_io_parse((const char *)data, size, 8, &o, &err) < 0 ||
		    json_io_get_int64(o, "id", &got) != JSON_FIELD_OK || got != id)
			abort();
		json_object_put(o);
		break;
	case USER_ABSENT:
		if (status != 404)
			abort();
		break;
	case USER_DELETED:
		if (status != 410)
			abort();
		break;
	case USER_UNAVAILABLE:
	case USER_BREAKER_OPEN:
		if (status == 404 || status == 410)
			abort();
		break;
	}
	return 0;
}
