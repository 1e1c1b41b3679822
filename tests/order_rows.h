/*
 * order_rows.h - the order service's rows as the suites that drive its
 * projection need them (check_user_projection, a store suite, and
 * check_event_consumer, a unit suite): an order written as the API would,
 * and what the projection knows of a user, asserted.
 */
#ifndef MICROSHOP_ORDER_ROWS_H
#define MICROSHOP_ORDER_ROWS_H

#include <stdint.h>

#include "db.h"
#include "user_projection.h"

/* A pending order of user_id (one line of "tea", not on the price list): its id. */
int64_t order_rows_pending(struct db *db, int64_t user_id);

/* What the projection knows of user id; the check fails when it is unknown. */
struct user_known order_rows_known(struct db *db, int64_t id);

/* 1 when the projection does not know user id. */
int order_rows_unknown(struct db *db, int64_t id);

#endif
