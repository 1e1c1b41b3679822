/*
 * order_store.h - orders in the order service's own database, and that
 * database's schema (orders and the price list of product_store.h). All
 * SQL about orders lives in order_store.c, behind these functions, on
 * either engine (db.h). Every write is one transaction, answered only
 * after COMMIT returned.
 */
#ifndef MICROSHOP_ORDER_STORE_H
#define MICROSHOP_ORDER_STORE_H

#include <stdint.h>

#include "db.h"
#include "if_match.h"
#include "order_model.h"
#include "store.h"

/* The tables, as numbered migrations for each engine. */
extern const struct db_schema order_store_schema;

/*
 * Inside the caller's write transaction: price o (as order_create_read
 * left it) from the price list as it is in this transaction
 * (order_price), then insert it; fills in id, times and version. p is
 * scratch space. STORE_CONFLICT when the pricing refused the order: fe
 * says why, and nothing was written.
 */
enum store_status order_store_insert(struct db *db, struct order *o,
    struct product *p, struct field_errors *fe);

enum store_status order_store_get(struct db *db, int64_t id, struct order *out);

struct order_filter {
	int64_t user_id;	/* 0: any */
	int has_status;
	enum order_status status;
	/* Only the orders of the users the projection knows as deleted
	 * (user_projection.h): what is left of them for an admin to settle. */
	int user_deleted;
};

/*
 * Call each() for up to limit orders with id > after matching f, in id
 * order; *more is set when further orders follow. o is the caller's
 * scratch space, reused for each order.
 */
enum store_status order_store_list(struct db *db, int64_t after,
    const struct order_filter *f, int limit, struct order *o,
    void (*each)(const struct order *o, void *arg), void *arg, int *more);

/*
 * Move order id to status `to` if im allows its version and the state
 * machine lets `who` make the move from the status the order has inside
 * the transaction. STORE_CONFLICT: a refused move (out->status holds the
 * current status; order_move_check says why); STORE_STALE: If-Match
 * failed.
 */
enum store_status order_store_set_status(struct db *db, int64_t id,
    const struct if_match *im, enum order_status to, enum order_actor who,
    struct order *out);

/*
 * Delete order id if im allows and its status allows. STORE_CONFLICT: the
 * status does not (*current holds it).
 */
enum store_status order_store_delete(struct db *db, int64_t id,
    const struct if_match *im, enum order_status *current);

#endif
