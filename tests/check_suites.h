/*
 * check_suites.h - the Check suites of the unit test runner, one per source
 * module under test; check_main.c runs them all.
 */
#ifndef MICROSHOP_CHECK_SUITES_H
#define MICROSHOP_CHECK_SUITES_H

#include <stddef.h>

#include <check.h>

Suite *auth_suite(void);
Suite *breaker_suite(void);
Suite *dispatch_suite(void);
Suite *settings_suite(void);
Suite *field_errors_suite(void);
Suite *hash_slots_suite(void);
Suite *http_suite(void);
Suite *http_status_suite(void);
Suite *if_match_suite(void);
Suite *media_type_suite(void);
Suite *idempotency_suite(void);
Suite *json_io_suite(void);
Suite *keyring_suite(void);
Suite *login_throttle_suite(void);
Suite *order_model_suite(void);
Suite *peers_suite(void);
Suite *problem_suite(void);
Suite *query_suite(void);
Suite *request_suite(void);
Suite *request_metrics_suite(void);
Suite *service_suite(void);
Suite *router_suite(void);
Suite *text_suite(void);
Suite *token_suite(void);
Suite *user_client_suite(void);
Suite *user_model_suite(void);
Suite *user_watch_suite(void);

/*
 * Render s[0..len) printably into buf (n bytes) for failure messages:
 * printable ASCII as is, other bytes as \xHH. Returns buf.
 */
const char *test_show(const char *s, size_t len, char *buf, size_t n);

/* A byte string literal that may hold NUL bytes: pointer, length. */
#define BYTES(lit) (lit), (sizeof(lit) - 1)
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
