/*
 * check_suites.h - the Check suites of the unit test runners, one per source
 * module under test (check_core_main.c, check_main.c and check_api_main.c
 * run them), and what the suites share (check_support.c).
 */
#ifndef MICROSHOP_CHECK_SUITES_H
#define MICROSHOP_CHECK_SUITES_H

#include <stddef.h>
#include <stdio.h>

#include <check.h>

Suite *admin_suite(void);
Suite *auth_suite(void);
Suite *breaker_suite(void);
Suite *config_suite(void);
Suite *dispatch_suite(void);
Suite *event_consumer_suite(void);
Suite *event_feed_suite(void);
Suite *field_errors_suite(void);
Suite *hash_slots_suite(void);
Suite *http_status_suite(void);
Suite *http_suite(void);
Suite *idempotency_suite(void);
Suite *if_match_suite(void);
Suite *json_io_suite(void);
Suite *keyring_suite(void);
Suite *log_suite(void);
Suite *login_throttle_suite(void);
Suite *media_type_suite(void);
Suite *metrics_suite(void);
Suite *order_api_suite(void);
Suite *order_model_suite(void);
Suite *page_suite(void);
Suite *password_suite(void);
Suite *peers_suite(void);
Suite *problem_suite(void);
Suite *query_suite(void);
Suite *request_metrics_suite(void);
Suite *request_suite(void);
Suite *router_suite(void);
Suite *service_suite(void);
Suite *settings_suite(void);
Suite *store_suite(void);
Suite *text_suite(void);
Suite *token_suite(void);
Suite *trace_suite(void);
Suite *user_answer_suite(void);
Suite *user_api_suite(void);
Suite *user_client_suite(void);
Suite *user_feed_suite(void);
Suite *user_model_suite(void);
Suite *user_watch_suite(void);

/*
 * Render s[0..len) printably into buf (n bytes) for failure messages:
 * printable ASCII as is, other bytes as \xHH. Returns buf.
 */
const char *test_show(const char *s, size_t len, char *buf, size_t n);

/*
 * What a piece of code writes to stdout and stderr, both: between
 * test_capture_begin and test_capture_end, which copies it into buf (n
 * bytes, NUL-terminated, cut to fit) and returns its length.
 */
struct test_capture {
	FILE *f;
	int saved_out, saved_err;
};

void test_capture_begin(struct test_capture *c);
size_t test_capture_end(struct test_capture *c, char *buf, size_t n);

/*
 * A command line: prog, then args (NULL-terminated, fewer than
 * TEST_ARGS_MAX), copied into storage that lives until the next call (an
 * option's value may borrow from argv). Returns argc; *argv the array.
 */
#define TEST_ARGS_MAX 16
int test_argv(const char *prog, const char *const *args, char ***argv);

/* A byte string literal that may hold NUL bytes: pointer, length. */
#define BYTES(lit) (lit), (sizeof(lit) - 1)
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

#endif
