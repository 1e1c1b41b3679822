/*
 * order_rows.h - orders written straight through the order store, for the
 * suites that need some to act on (check_user_projection, a store suite,
 * and check_event_consumer, a unit suite): one place for how a test makes
 * an order as the API would.
 */
#ifndef MICROSHOP_ORDER_ROWS_H
#define MICROSHOP_ORDER_ROWS_H

#include <stdint.h>

#include "db.h"

/* A pending order of user_id (one line of "tea", not on the price list): its id. */
int64_t order_rows_pending(struct db *db, int64_t user_id);

#endif
