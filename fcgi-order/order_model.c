/*
 * order_model.c - order fields, rules, states and JSON; products, their
 * rules and JSON; the pricing of an order and its totals; see
 * order_model.h.
 */
#include <stdio.h>
#include <string.h>

#include "json_io.h"
#include "order_model.h"

static const char *const status_names[ORDER_STATUS_COUNT] = {
	[ORDER_PENDING] = "pending",
	[ORDER_PAID] = "paid",
	[ORDER_SHIPPED] = "shipped",
	[ORDER_DELIVERED] = "delivered",
	[ORDER_CANCELLED] = "cancelled",
};

#define BY_CUSTOMER (1u << ORDER_ACTOR_CUSTOMER)
#define BY_ADMIN (1u << ORDER_ACTOR_ADMIN)

/*
 * The state machine: moves[from][to] is the set of actors (as bits) who
 * may move an order from `from` to `to`; an empty set is a move it does
 * not allow. A customer may take back an order not yet paid for; the rest
 * of an order's life is the shop's.
 */
static const unsigned char moves[ORDER_STATUS_COUNT][ORDER_STATUS_COUNT] = {
	[ORDER_PENDING] = {
		[ORDER_PAID] = BY_ADMIN,
		[ORDER_CANCELLED] = BY_ADMIN | BY_CUSTOMER,
	},
	[ORDER_PAID] = {
		[ORDER_SHIPPED] = BY_ADMIN,
		[ORDER_CANCELLED] = BY_ADMIN,
	},
	[ORDER_SHIPPED] = {
		[ORDER_DELIVERED] = BY_ADMIN,
	},
};

const char *
order_status_name(enum order_status s)
{
	return (unsigned)s < ORDER_STATUS_COUNT ? status_names[s] : NULL;
}

int
order_status_parse(const char *s, enum order_status *out)
{
	for (unsigned i = 0; i < ORDER_STATUS_COUNT; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum order_status)i;
			return 0;
		}
	}
	return -1;
}

/* Who may make the move: a set of actors as bits; 0 for none. */
static unsigned
movers(enum order_status from, enum order_status to)
{
	if ((unsigned)from >= ORDER_STATUS_COUNT || (unsigned)to >= ORDER_STATUS_COUNT)
		return 0;
	return moves[from][to];
}

int
order_transition_allowed(enum order_status from, enum order_status to)
{
	return movers(from, to) != 0;
}

enum order_move
order_move_check(enum order_status from, enum order_status to, enum order_actor who)
{
	unsigned may = movers(from, to);

	if (may == 0)
		return ORDER_MOVE_REFUSED;
	if ((unsigned)who >= ORDER_ACTOR_COUNT || !((may >> who) & 1u))
		return ORDER_MOVE_FORBIDDEN;
	return ORDER_MOVE_OK;
}

int
order_deletable(enum order_status s)
{
	return s == ORDER_PENDING || s == ORDER_CANCELLED;
}

int
order_currency_ok(const char *s, size_t len)
{
	if (len != 3)
		return 0;
	for (size_t i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

int
order_sku_ok(const char *s, size_t len)
{
	if (len == 0 || len > ORDER_SKU_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
order_compute_totals(struct order *o)
{
	int64_t total = 0;

	for (size_t i = 0; i < o->n_items; i++) {
		struct order_item *it = &o->items[i];

		if (__builtin_mul_overflow(it->quantity, it->unit_price_cents,
		    &it->line_total_cents) ||
		    __builtin_add_overflow(total, it->line_total_cents, &total))
			return -1;
	}
	o->total_cents = total;
	return 0;
}

/*
 * Record a 422 for each member of obj named in prices: what the service
 * sets from its price list. field_prefix goes before the member's name
 * ("items[0].").
 */
static void
prices_refused(struct json_object *obj, const char *const *prices,
    const char *field_prefix, struct field_errors *fe)
{
	char field[48];

	for (; *prices != NULL; prices++) {
		if (!json_object_object_get_ex(obj, *prices, NULL))
			continue;
		snprintf(field, sizeof(field), "%s%s", field_prefix, *prices);
		field_errors_add(fe, 422, field, "is set by the service from its price list; "
		    "send sku and quantity");
	}
}

static const char *const item_fields[] = { "sku", "quantity", NULL };
static const char *const item_server_fields[] = {
	"name", "unit_price_cents", "line_total_cents", NULL
};
static const char *const item_prices[] = { "unit_price_cents", "line_total_cents", NULL };

/* Read items[i] into it. Field names in problems are "items[i].sku". */
static void
item_read(struct json_object *obj, size_t i, struct order_item *it,
    struct field_errors *fe)
{
	char field[48], prefix[24];
	const char *s;
	size_t len;

	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(field, sizeof(field), "items[%zu]", i);
		field_errors_add(fe, 400, field, "must be an object");
		return;
	}
	json_io_check_members(obj, item_fields, item_server_fields, fe);
	snprintf(prefix, sizeof(prefix), "items[%zu].", i);
	prices_refused(obj, item_prices, prefix, fe);

	snprintf(field, sizeof(field), "items[%zu].sku", i);
	if (json_io_field_string(obj, "sku", field, 1, &s, &len, fe)) {
		if (order_sku_ok(s, len)) {
			memcpy(it->sku, s, len);
			it->sku[len] = '\0';
		} else {
			field_errors_add(fe, 422, field, "must be 1 to 64 of A-Z a-z 0-9 . _ -");
		}
	}

	snprintf(field, sizeof(field), "items[%zu].quantity", i);
	json_io_field_int64(obj, "quantity", field, 1, ORDER_QUANTITY_MAX, &it->quantity, fe);
}

/*
 * Read a currency member into out (4 bytes). An optional one may be
 * absent; when present it is read as a required one (null: the wrong type).
 */
static void
currency_read(struct json_object *obj, int required, char *out, struct field_errors *fe)
{
	const char *s;
	size_t len;

	if (!required && !json_object_object_get_ex(obj, "currency", NULL))
		return;
	if (!json_io_field_string(obj, "currency", "currency", 1, &s, &len, fe))
		return;
	if (order_currency_ok(s, len))
		memcpy(out, s, 4);
	else
		field_errors_add(fe, 422, "currency", "must be 3 upper-case letters (ISO 4217)");
}

static const char *const order_fields[] = { "user_id", "currency", "items", NULL };
static const char *const order_server_fields[] = {
	"id", "status", "total_cents", "created_at", "updated_at", "version", NULL
};
static const char *const order_prices[] = { "total_cents", NULL };

void
order_create_read(struct json_object *body, struct order *o, struct field_errors *fe)
{
	struct json_object *items;
	size_t n;

	memset(o, 0, sizeof(*o));
	o->status = ORDER_PENDING;
	json_io_check_members(body, order_fields, order_server_fields, fe);
	prices_refused(body, order_prices, "", fe);

	json_io_field_int64(body, "user_id", "user_id", 1, INT64_MAX, &o->user_id, fe);
	currency_read(body, 0, o->currency, fe);

	if (!json_object_object_get_ex(body, "items", &items)) {
		field_errors_add(fe, 422, "items", "is required");
		return;
	}
	if (!json_object_is_type(items, json_type_array)) {
		field_errors_add(fe, 400, "items", "must be an array");
		return;
	}
	n = json_object_array_length(items);
	if (n < 1 || n > ORDER_ITEMS_MAX) {
		field_errors_add(fe, 422, "items", "must hold 1 to %d lines", ORDER_ITEMS_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++)
		item_read(json_object_array_get_idx(items, i), i, &o->items[i], fe);
	o->n_items = n;
}

/* Price line i from its product p; problems name items[i].sku. */
static void
line_price(struct order *o, size_t i, const struct product *p, struct field_errors *fe)
{
	struct order_item *it = &o->items[i];
	char field[48];

	snprintf(field, sizeof(field), "items[%zu].sku", i);
	if (!p->active) {
		field_errors_add(fe, 422, field, "the product is not for sale (inactive)");
		return;
	}
	if (o->currency[0] == '\0') {
		memcpy(o->currency, p->currency, sizeof(o->currency));
	} else if (strcmp(o->currency, p->currency) != 0) {
		field_errors_add(fe, 422, field, "is priced in %s, the lines before it in %s: "
		    "an order is in one currency", p->currency, o->currency);
		return;
	}
	memcpy(it->name, p->name, sizeof(it->name));
	it->unit_price_cents = p->unit_price_cents;
}

int
order_price(struct order *o, order_product_lookup *lookup, void *arg,
    struct product *p, struct field_errors *fe)
{
	char asked[sizeof(o->currency)], field[48];

	memcpy(asked, o->currency, sizeof(asked));
	o->currency[0] = '\0';
	for (size_t i = 0; i < o->n_items; i++) {
		switch (lookup(arg, o->items[i].sku, p)) {
		case 1:
			line_price(o, i, p, fe);
			break;
		case 0:
			snprintf(field, sizeof(field), "items[%zu].sku", i);
			field_errors_add(fe, 422, field, "no product has this sku");
			break;
		default:
			return -1;
		}
	}
	if (fe->n == 0 && asked[0] != '\0' && strcmp(asked, o->currency) != 0)
		field_errors_add(fe, 422, "currency", "the products are priced in %s",
		    o->currency);
	if (fe->n == 0 && order_compute_totals(o) < 0)
		field_errors_add(fe, 422, "items", "the total does not fit in 64 bits");
	return 0;
}

static const char *const patch_fields[] = { "status", NULL };
static const char *const patch_server_fields[] = {
	"id", "total_cents", "created_at", "updated_at", "version", NULL
};

void
order_patch_read(struct json_object *body, enum order_status *to, struct field_errors *fe)
{
	const char *s;
	size_t len;

	json_io_check_members(body, patch_fields, patch_server_fields, fe);
	if (json_io_field_string(body, "status", "status", 1, &s, &len, fe) &&
	    (strlen(s) != len || order_status_parse(s, to) < 0))
		field_errors_add(fe, 422, "status", "must be one of pending, paid, "
		    "shipped, delivered, cancelled");
}

/* json_io_add of a string; s "" is JSON null. */
static int
string_or_null_add(struct json_object *obj, const char *key, const char *s)
{
	if (s[0] == '\0')
		return json_object_object_add_ex(obj, key, NULL,
		    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
	return json_io_add(obj, key, json_object_new_string(s));
}

/* The JSON form of one line, complete, or NULL. */
static struct json_object *
line_to_json(const struct order_item *it)
{
	struct json_object *line = json_object_new_object();

	if (line == NULL ||
	    json_io_add(line, "sku", json_object_new_string(it->sku)) < 0 ||
	    string_or_null_add(line, "name", it->name) < 0 ||
	    json_io_add(line, "quantity", json_object_new_int64(it->quantity)) < 0 ||
	    json_io_add(line, "unit_price_cents", json_object_new_int64(it->unit_price_cents)) < 0 ||
	    json_io_add(line, "line_total_cents", json_object_new_int64(it->line_total_cents)) < 0) {
		json_object_put(line);
		return NULL;
	}
	return line;
}

/* The lines as a JSON array, complete, or NULL. */
static struct json_object *
lines_to_json(const struct order *o)
{
	struct json_object *items = json_object_new_array_ext(o->n_items > 0
	    ? (int)o->n_items : 1);

	if (items == NULL)
		return NULL;
	for (size_t i = 0; i < o->n_items; i++) {
		struct json_object *line = line_to_json(&o->items[i]);

		if (line == NULL || json_object_array_add(items, line) < 0) {
			json_object_put(line);
			json_object_put(items);
			return NULL;
		}
	}
	return items;
}

struct json_object *
order_to_json(const struct order *o)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL ||
	    json_io_add(obj, "id", json_object_new_int64(o->id)) < 0 ||
	    json_io_add(obj, "user_id", json_object_new_int64(o->user_id)) < 0 ||
	    json_io_add(obj, "currency", json_object_new_string(o->currency)) < 0 ||
	    json_io_add(obj, "items", lines_to_json(o)) < 0 ||
	    json_io_add(obj, "total_cents", json_object_new_int64(o->total_cents)) < 0 ||
	    json_io_add(obj, "status", json_object_new_string(order_status_name(o->status))) < 0 ||
	    json_io_add(obj, "created_at", json_object_new_string(o->created_at)) < 0 ||
	    json_io_add(obj, "updated_at", json_object_new_string(o->updated_at)) < 0 ||
	    json_io_add(obj, "version", json_object_new_int64(o->version)) < 0 ||
	    (o->cancel_reason[0] != '\0' && json_io_add(obj, "cancel_reason",
	    json_object_new_string(o->cancel_reason)) < 0)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/*
 * Read a required boolean member, recording in fe under its name what is
 * wrong. Returns 1 when *v is set.
 */
static int
field_bool(struct json_object *obj, const char *key, int *v, struct field_errors *fe)
{
	struct json_object *val;

	if (!json_object_object_get_ex(obj, key, &val)) {
		field_errors_add(fe, 422, key, "is required");
		return 0;
	}
	if (!json_object_is_type(val, json_type_boolean)) {
		field_errors_add(fe, 400, key, "must be true or false");
		return 0;
	}
	*v = json_object_get_boolean(val) ? 1 : 0;
	return 1;
}

static const char *const product_fields[] = {
	"name", "unit_price_cents", "currency", "active", NULL
};
static const char *const product_server_fields[] = {
	"id", "sku", "created_at", "updated_at", "version", NULL
};

void
product_put_read(struct json_object *body, struct product *p, struct field_errors *fe)
{
	const char *s, *why;
	size_t len;

	json_io_check_members(body, product_fields, product_server_fields, fe);
	if (json_io_field_string(body, "sku", "sku", 0, &s, &len, fe) &&
	    (len != strlen(p->sku) || memcmp(s, p->sku, len) != 0))
		field_errors_add(fe, 422, "sku", "must be the sku of the path, %s", p->sku);
	if (json_io_field_string(body, "name", "name", 1, &s, &len, fe) &&
	    text_name_check(s, len, p->name, &why) < 0)
		field_errors_add(fe, 422, "name", "%s", why);
	json_io_field_int64(body, "unit_price_cents", "unit_price_cents", 0,
	    ORDER_UNIT_PRICE_MAX, &p->unit_price_cents, fe);
	currency_read(body, 1, p->currency, fe);
	field_bool(body, "active", &p->active, fe);
}

struct json_object *
product_to_json(const struct product *p)
{
	struct json_object *obj = json_object_new_object();

	if (obj == NULL ||
	    json_io_add(obj, "id", json_object_new_int64(p->id)) < 0 ||
	    json_io_add(obj, "sku", json_object_new_string(p->sku)) < 0 ||
	    json_io_add(obj, "name", json_object_new_string(p->name)) < 0 ||
	    json_io_add(obj, "unit_price_cents", json_object_new_int64(p->unit_price_cents)) < 0 ||
	    json_io_add(obj, "currency", json_object_new_string(p->currency)) < 0 ||
	    json_io_add(obj, "active", json_object_new_boolean(p->active)) < 0 ||
	    json_io_add(obj, "created_at", json_object_new_string(p->created_at)) < 0 ||
	    json_io_add(obj, "updated_at", json_object_new_string(p->updated_at)) < 0 ||
	    json_io_add(obj, "version", json_object_new_int64(p->version)) < 0) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}
