/*
 * fuzz_json_body.c - libFuzzer target: a request body through the strict
 * JSON parser and every service's validation of it (user create and patch,
 * order create and patch, product PUT), with the properties they promise:
 * what parses prints back to text that parses again, a body accepted as a
 * user, an order or a product holds only values that pass the field rules,
 * and an accepted order, priced, adds up to its total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json_io.h"
#include "order_model.h"
#include "field_errors.h"
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

/* Every sku is on this price list, at the largest price, in EUR. */
static int
dear_lookup(void *arg, const char *sku, struct product *p)
{
	(void)arg;
	memset(p, 0, sizeof(*p));
	snprintf(p->sku, sizeof(p->sku), "%s", sku);
	memcpy(p->name, "Dear", 5);
	p->unit_price_cents = ORDER_UNIT_PRICE_MAX;
	memcpy(p->currency, "EUR", 4);
	p->active = 1;
	return 1;
}

static void
order_check(struct json_object *body)
{
	static struct order o;
	static struct product p;
	struct field_errors fe;
	enum order_status to;
	int64_t total = 0;

	memset(&o, 0, sizeof(o));
	field_errors_init(&fe);
	order_create_read(body, &o, &fe);
	if (fe.n == 0) {
		/* Nothing priced by the client: no line price, no total. */
		if (o.n_items == 0 || o.n_items > ORDER_ITEMS_MAX || o.total_cents != 0 ||
		    (o.currency[0] != '\0' && !order_currency_ok(o.currency, strlen(o.currency))))
			abort();
		for (size_t i = 0; i < o.n_items; i++)
			if (o.items[i].quantity <= 0 || o.items[i].quantity > ORDER_QUANTITY_MAX ||
			    o.items[i].unit_price_cents != 0 ||
			    !order_sku_ok(o.items[i].sku, strlen(o.items[i].sku)))
				abort();
		/* Priced, the lines add up to the total, which fits. */
		if (order_price(&o, dear_lookup, NULL, &p, &fe) < 0)
			abort();
		for (size_t i = 0; fe.n == 0 && i < o.n_items; i++)
			total += o.items[i].line_total_cents;
		if (fe.n == 0 && (total != o.total_cents || strcmp(o.currency, "EUR") != 0))
			abort();
	}
	field_errors_init(&fe);
	order_patch_read(body, &to, &fe);
	if (fe.n == 0 && order_status_name(to) == NULL)
		abort();
}

static void
product_check(struct json_object *body)
{
	static struct product p;
	struct field_errors fe;
	char name[PRODUCT_NAME_MAX_BYTES + 1];
	const char *why;

	memset(&p, 0, sizeof(p));
	memcpy(p.sku, "BOOK-1", 7);
	field_errors_init(&fe);
	product_put_read(body, &p, &fe);
	if (fe.n > 0)
		return;
	if (strcmp(p.sku, "BOOK-1") != 0 || p.unit_price_cents < 0 ||
	    p.unit_price_cents > ORDER_UNIT_PRICE_MAX || (p.active != 0 && p.active != 1) ||
	    !order_currency_ok(p.currency, strlen(p.currency)) ||
	    text_name_check(p.name, strlen(p.name), name, &why) < 0 ||
	    strcmp(name, p.name) != 0)
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
		product_check(o);
	}
	json_object_put(o);
	return 0;
}
