/*
 * order_rows.c - see order_rows.h.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "order_rows.h"
#include "order_store.h"

int64_t
order_rows_pending(struct db *db, int64_t user_id)
{
	struct field_errors fe;
	struct product scratch;
	struct order o = { .user_id = user_id, .n_items = 1 };
	enum store_status s;

	snprintf(o.items[0].sku, sizeof(o.items[0].sku), "tea");
	o.items[0].quantity = 1;
	field_errors_init(&fe);
	ck_assert_int_eq(db_begin_write(db), STORE_OK);
	s = order_store_insert(db, &o, &scratch, &fe);
	ck_assert_int_eq(db_end_write(db, s), STORE_OK);
	return o.id;
}

struct user_known
order_rows_known(struct db *db, int64_t id)
{
	struct user_known k;

	memset(&k, 0x5a, sizeof(k));
	ck_assert_msg(user_projection_get(db, id, &k) == STORE_OK, "user %lld unknown",
	    (long long)id);
	return k;
}

int
order_rows_unknown(struct db *db, int64_t id)
{
	struct user_known k;

	return user_projection_get(db, id, &k) == STORE_NOT_FOUND;
}
