/*
 * product_store.h - the price list in the order service's own database
 * (its table is one of order_store_schema's migrations). All SQL about
 * products lives in product_store.c, behind these functions, on either
 * engine (db.h). A write is one transaction, answered only after COMMIT.
 */
#ifndef MICROSHOP_PRODUCT_STORE_H
#define MICROSHOP_PRODUCT_STORE_H

#include <stdint.h>

#include "db.h"
#include "if_match.h"
#include "order_model.h"
#include "store.h"

/*
 * The order service's share of a connection's statement slots (db_rows.h):
 * order_store.c's from 0, product_store.c's from PRODUCT_STMT_FIRST,
 * user_projection.c's from USER_PROJECTION_STMT_FIRST up to DB_STMT_COMMON; each file's DB_STMTS fails to compile if its own do not
 * fit.
 */
#define PRODUCT_STMT_FIRST 12
#define USER_PROJECTION_STMT_FIRST 24	/* user_projection.c's */

/*
 * Create or replace product p->sku with p's name, price, currency and
 * active flag, if the preconditions allow: im (If-Match) must match the
 * current version, and none_match (If-None-Match: *) wants no product
 * there yet; an If-Match on a product that does not exist fails. On
 * STORE_OK, p is the stored product and *created says whether it is new.
 * STORE_STALE: a precondition failed, nothing written.
 */
enum store_status product_store_put(struct db *db, struct product *p,
    const struct if_match *im, int none_match, int *created);

enum store_status product_store_get(struct db *db, const char *sku, struct product *out);

/*
 * Inside the caller's write transaction: read product sku for pricing an
 * order. On PostgreSQL the row is share-locked until COMMIT, so that the
 * price the order keeps is the price when it was written (SQLite's writer
 * holds the whole file already).
 */
enum store_status product_store_price(struct db *db, const char *sku, struct product *out);

struct product_filter {
	int has_active;
	int active;
};

/*
 * Call each() for up to limit products with id > after matching f, in id
 * order; *more is set when further products follow. p is the caller's
 * scratch space, reused for each product.
 */
enum store_status product_store_list(struct db *db, int64_t after,
    const struct product_filter *f, int limit, struct product *p,
    void (*each)(const struct product *p, void *arg), void *arg, int *more);

#endif
