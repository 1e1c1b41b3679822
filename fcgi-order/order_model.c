/*
 * order_model.c - order fields, rules, totals, states and JSON; see
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

static const char *const item_fields[] = { "sku", "quantity", "unit_price_cents", NULL };
static const char *const item_server_fields[] = { "line_total_cents", NULL };

/* Read items[i] into it. Field names in problems are "items[i].sku". */
static void
item_read(struct json_object *obj, size_t i, struct order_item *it,
    struct field_errors *fe)
{
	char field[48];
	const char *s;
	size_t len;

	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(field, sizeof(field), "items[%zu]", i);
		field_errors_add(fe, 400, field, "must be an object");
		return;
	}
	json_io_check_members(obj, item_fields, item_server_fields, fe);

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
	snprintf(field, sizeof(field), "items[%zu].unit_price_cents", i);
	json_io_field_int64(obj, "unit_price_cents", field, 0, ORDER_UNIT_PRICE_MAX,
	    &it->unit_price_cents, fe);
}

static const char *const order_fields[] = { "user_id", "currency", "items", NULL };
static const char *const order_server_fields[] = {
	"id", "status", "total_cents", "created_at", "updated_at", "version", NULL
};

void
order_create_read(struct json_object *body, struct order *o, struct field_errors *fe)
{
	struct json_object *items;
	const char *s;
	size_t len, n;

	memset(o, 0, sizeof(*o));
	o->status = ORDER_PENDING;
	json_io_check_members(body, order_fields, order_server_fields, fe);

	json_io_field_int64(body, "user_id", "user_id", 1, INT64_MAX, &o->user_id, fe);

	if (json_io_field_string(body, "currency", "currency", 1, &s, &len, fe)) {
		if (order_currency_ok(s, len))
			memcpy(o->currency, s, 4);
		else
			field_errors_add(fe, 422, "currency", "must be 3 upper-case letters (ISO 4217)");
	}

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
	if (fe->n == 0 && order_compute_totals(o) < 0)
		field_errors_add(fe, 422, "items", "the total does not fit in 64 bits");
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

struct json_object *
order_to_json(const struct order *o)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *items = json_object_new_array();

	if (obj == NULL || items == NULL) {
		json_object_put(obj);
		json_object_put(items);
		return NULL;
	}
	json_object_object_add(obj, "id", json_object_new_int64(o->id));
	json_object_object_add(obj, "user_id", json_object_new_int64(o->user_id));
	json_object_object_add(obj, "currency", json_object_new_string(o->currency));
	for (size_t i = 0; i < o->n_items; i++) {
		const struct order_item *it = &o->items[i];
		struct json_object *line = json_object_new_object();

		if (line == NULL)
			continue;
		json_object_object_add(line, "sku", json_object_new_string(it->sku));
		json_object_object_add(line, "quantity", json_object_new_int64(it->quantity));
		json_object_object_add(line, "unit_price_cents",
		    json_object_new_int64(it->unit_price_cents));
		json_object_object_add(line, "line_total_cents",
		    json_object_new_int64(it->line_total_cents));
		json_object_array_add(items, line);
	}
	json_object_object_add(obj, "items", items);
	json_object_object_add(obj, "total_cents", json_object_new_int64(o->total_cents));
	json_object_object_add(obj, "status",
	    json_object_new_string(order_status_name(o->status)));
	json_object_object_add(obj, "created_at", json_object_new_string(o->created_at));
	json_object_object_add(obj, "updated_at", json_object_new_string(o->updated_at));
	json_object_object_add(obj, "version", json_object_new_int64(o->version));
	return obj;
}
