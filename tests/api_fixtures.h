/*
 * api_fixtures.h - the data a service's API is tested and fuzzed on
 * (request_harness.h's fixtures): what check_user_api.c and
 * check_order_api.c assert about, and what the fuzz targets' corpora
 * find. Requests in request_harness.h's format, served as the admin.
 */
#ifndef MICROSHOP_API_FIXTURES_H
#define MICROSHOP_API_FIXTURES_H

/*
 * The user service: Ada Lovelace (user 1, ada@example.com) and Grace
 * Hopper (user 2, grace@example.com), both customers whose password is
 * API_FIXTURES_PASSWORD; then, in SQL, the admin of the harness's tokens
 * (user 1000, admin@example.com, no password): the API makes no admin.
 */
#define API_FIXTURES_PASSWORD "correct horse battery"
extern const char *const user_api_fixtures[];
extern const char *const user_api_sql_fixtures[];

/*
 * The order service: a price list (BOOK-1 at 1250, PEN at 99 and INK at
 * 450 cents in EUR, HAT at 700 in USD, OLD not for sale), then two
 * orders: order 1 of user 1 (2 BOOK-1), order 2 of user 2 (a PEN, 3 INK).
 */
extern const char *const order_api_fixtures[];

#endif
