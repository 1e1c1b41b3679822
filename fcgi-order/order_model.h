/*
 * order_model.h - what an order is: its fields and lines, the rules they
 * follow, the status state machine, the reading of request bodies and the
 * JSON form; and the price list an order is priced from: its products,
 * their rules, the reading of a PUT body and their JSON form, and the
 * pricing of an order's lines with totals computed with overflow checks.
 * Pure (no I/O); unit-tested in tests/check_order_model.c and, for running
 * out of memory, tests/check_alloc.c.
 */
#ifndef MICROSHOP_ORDER_MODEL_H
#define MICROSHOP_ORDER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "field_errors.h"
#include "text.h"

#define ORDER_ITEMS_MAX 100
#define ORDER_SKU_MAX 64
#define ORDER_QUANTITY_MAX 10000
#define ORDER_UNIT_PRICE_MAX 1000000000LL
#define ORDER_TIME_MAX 32
#define PRODUCT_NAME_MAX_BYTES TEXT_NAME_MAX_BYTES	/* a name as text_name_check's */

enum order_status {
	ORDER_PENDING,
	ORDER_PAID,
	ORDER_SHIPPED,
	ORDER_DELIVERED,
	ORDER_CANCELLED,
	ORDER_STATUS_COUNT
};

/*
 * A line keeps what its product was when the order was written: its name
 * and unit price. name is "" for a line written before the price list
 * existed (its price was the client's then).
 */
struct order_item {
	char sku[ORDER_SKU_MAX + 1];
	char name[PRODUCT_NAME_MAX_BYTES + 1];
	int64_t quantity;
	int64_t unit_price_cents;
	int64_t line_total_cents;
};

struct order {
	int64_t id;
	int64_t user_id;
	char currency[4];
	enum order_status status;
	int64_t total_cents;
	char created_at[ORDER_TIME_MAX];
	char updated_at[ORDER_TIME_MAX];
	int64_t version;
	/* Why the service cancelled it ("user_deleted"), "" otherwise. */
	char cancel_reason[16];
	size_t n_items;
	struct order_item items[ORDER_ITEMS_MAX];
};

/* A product of the price list, known by its sku. */
struct product {
	int64_t id;		/* the list's order, for its pages */
	char sku[ORDER_SKU_MAX + 1];
	char name[PRODUCT_NAME_MAX_BYTES + 1];
	int64_t unit_price_cents;
	char currency[4];
	int active;		/* 0: not for sale */
	char created_at[ORDER_TIME_MAX];
	char updated_at[ORDER_TIME_MAX];
	int64_t version;
};

/* "pending", ...; NULL for an invalid value. */
const char *order_status_name(enum order_status s);

/* Parse a status name. Returns 0, or -1 if unknown. */
int order_status_parse(const char *s, enum order_status *out);

/* Who asks for a move: the state machine says who may make each. */
enum order_actor {
	ORDER_ACTOR_CUSTOMER,
	ORDER_ACTOR_ADMIN,
	ORDER_ACTOR_COUNT
};

/* What the state machine says of a move asked for by an actor. */
enum order_move {
	ORDER_MOVE_OK,
	ORDER_MOVE_REFUSED,	/* nobody may make it from this status (409) */
	ORDER_MOVE_FORBIDDEN	/* allowed, but not to this actor (403) */
};

/*
 * 1 if an order may move from one status to another, by someone: pending
 * -> paid | cancelled, paid -> shipped | cancelled, shipped -> delivered.
 * Nothing else, and never to the same status.
 */
int order_transition_allowed(enum order_status from, enum order_status to);

/*
 * May `who` move an order from `from` to `to`? A customer cancels a
 * pending order and makes no other move; an admin makes every move the
 * state machine allows. A move nobody may make is ORDER_MOVE_REFUSED for
 * whoever asks; one that only others may make is ORDER_MOVE_FORBIDDEN.
 */
enum order_move order_move_check(enum order_status from, enum order_status to,
    enum order_actor who);

/* 1 if an order in this status may be deleted (pending or cancelled). */
int order_deletable(enum order_status s);

/* 1 if s is 3 upper-case ASCII letters (the ISO 4217 form). */
int order_currency_ok(const char *s, size_t len);

/* 1 if s is 1..64 of [A-Za-z0-9._-]. */
int order_sku_ok(const char *s, size_t len);

/*
 * Compute each line total and the order total in 64-bit integers.
 * Returns 0, or -1 if any product or sum would overflow int64_t.
 */
int order_compute_totals(struct order *o);

/*
 * Read a POST /order body into o: user_id, the skus and quantities of the
 * lines, and currency when the client sent one ("" when not). Nothing is
 * priced yet (order_price does that). A price or a total (total_cents,
 * items[i].unit_price_cents, items[i].line_total_cents) is refused: the
 * service sets them. Other unknown members are refused; other server-owned
 * ones (id, status, times, version, a line's name) are ignored. Problems
 * go to fe.
 */
void order_create_read(struct json_object *body, struct order *o,
    struct field_errors *fe);

/*
 * Find the product of sku for order_price: fill *p and return 1, return 0
 * when no product has that sku, or -1 when the lookup failed.
 */
typedef int order_product_lookup(void *arg, const char *sku, struct product *p);

/*
 * Price o, as read by order_create_read, from the price list: each line
 * takes its product's name and unit price, the order its products'
 * currency, and the totals are computed. p is scratch space for lookup.
 * Refusals go to fe: an unknown or inactive sku, or a line priced in
 * another currency than the lines before it, names items[i].sku; a
 * currency the client sent that is not the products' names currency.
 * Returns 0 (see fe), or -1 when lookup failed.
 */
int order_price(struct order *o, order_product_lookup *lookup, void *arg,
    struct product *p, struct field_errors *fe);

/*
 * Read a PATCH /order/{id} body: only "status" may change. Problems go to
 * fe (422 for an unknown status or any other field).
 */
void order_patch_read(struct json_object *body, enum order_status *to,
    struct field_errors *fe);

/*
 * The JSON form of o, complete, or NULL when any allocation failed. Caller
 * owns it.
 */
struct json_object *order_to_json(const struct order *o);

/*
 * Read a PUT /order/products/{sku} body into p, whose sku the path set:
 * name (text_name_check's rule, as a user's), unit_price_cents, currency
 * and active, all required. A sku member
 * must be the path's; other server-owned members (id, times, version) are
 * ignored; unknown ones are refused. Problems go to fe.
 */
void product_put_read(struct json_object *body, struct product *p,
    struct field_errors *fe);

/*
 * The JSON form of p, complete, or NULL when any allocation failed. Caller
 * owns it.
 */
struct json_object *product_to_json(const struct product *p);

#endif
