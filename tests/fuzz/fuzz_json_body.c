/*
 * fuzz_json_body.c - libFuzzer target: a request body through the strict
 * JSON parser and every service's validation of it (user create and patch,
 * order create and patch), with the properties they promise: what parses
 * prints back to text that parses again, and a body accepted as a user or
 * an order holds only values that pass the field rules.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_io.h"
#include "order_model.h"
#include "problem.h"
#include "user_model.h"

#define MAX_DEPTH 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
user_check(struct json_object *body, int create)
{
	struct user_input in;
	struct field_errors fe;
	char name[USER_NAME_MAX_BYTES + 1];
	const char *why;

	memset(&in, 0, sizeof(in));
	field_errors_init(&fe);
	user_input_read(body, create, &in, &fe);
	if (fe.n > 0)
		return;
	if (create && (!in.has_name || !in.has_email || !in.has_password))
		abort();
	if (in.has_name && (user_name_check(in.name, strlen(in.name), name, &why) < 0 ||
	    strcmp(name, in.name) != 0))
		abort();
	if (in.has_email && user_email_check(in.email, strlen(in.email), &why) < 0)
		abort();
	if (in.has_password && (in.password_len > USER_PASSWORD_MAX ||
	    in.password[in.password_len] != '\0' ||
	    user_password_check(in.password, in.password_len, &why) < 0))
		abort();
}

static void
order_check(struct json_object *body)
{
	static struct order o;
	struct field_errors fe;
	enum order_status to;
	int64_t total = 0;

	memset(&o, 0, sizeof(o));
	field_errors_init(&fe);
	order_create_read(body, &o, &fe);
	if (fe.n == 0) {
		if (o.n_items == 0 || o.n_items > ORDER_ITEMS_MAX ||
		    !order_currency_ok(o.currency, strlen(o.currency)))
			abort();
		for (size_t i = 0; i < o.n_items; i++) {
			if (o.items[i].quantity <= 0 || o.items[i].unit_price_cents < 0 ||
			    !order_sku_ok(o.items[i].sku, strlen(o.items[i].sku)))
				abort();
			total += o.items[i].line_total_cents;
		}
		if (total != o.total_cents)
			abort();
	}
	field_errors_init(&fe);
	order_patch_read(body, &to, &fe);
	if (fe.n == 0 && order_status_name(to) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL, *again = NULL;
	const char *err, *text;
	size_t len;

	if (json_io_parse((const char *)data, size, MAX_DEPTH, &o, &err) < 0)
		return 0;
	text = json_io_to_string(o, &len);
	if (text == NULL || json_io_parse(text, len, MAX_DEPTH, &again, &err) < 0)
		abort();
	json_object_put(again);
	if (json_object_is_type(o, json_type_object)) {
		user_check(o, 1);
		user_check(o, 0);
		order_check(o);
	}
	json_object_put(o);
	return 0;
}
