/*
 * check_alloc.c - the order service's JSON forms when memory runs out:
 * order_to_json and product_to_json (fcgi-order/order_model.c) are made to
 * fail at their Nth allocation, for every N up to the number they make,
 * once alone and once from the Nth on. Each answer must be the complete
 * document or NULL, never a partial one (a 200 whose lines do not add up
 * to its total), and nothing may leak.
 *
 * Its own test binary (tests/Makefile.am): linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free and with
 * json-c's static library, so that json-c's own allocations come through
 * the wrappers below. The wrappers fail nothing until a test arms them, so
 * Check and everything else allocate as usual; while a test tracks, they
 * keep the blocks allocated and not yet freed (glibc's own statistics
 * count the blocks its per-thread cache keeps as still in use).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "json_io.h"
#include "order_model.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

/*
 * volatile: the compiler takes malloc for the C library's, which reads no
 * variable of ours, and would otherwise drop the arming stores around a
 * call of it.
 */
static volatile long allocs;	/* allocations made since armed */
static volatile long fail_at;	/* 0: none fails */
static volatile int fail_after;	/* every allocation from fail_at on fails, not only it */

/* 1 if this allocation is to fail. */
static int
alloc_fails(void)
{
	if (fail_at == 0)
		return 0;
	allocs++;
	if (allocs == fail_at || (fail_after && allocs > fail_at)) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

#define TRACKED_MAX 4096

static volatile int tracking;
static void *volatile tracked[TRACKED_MAX];	/* live blocks, while tracking */
static volatile size_t n_tracked;
static volatile int tracked_overflow;

static void
track(void *p)
{
	if (!tracking || p == NULL)
		return;
	if (n_tracked == TRACKED_MAX)
		tracked_overflow = 1;
	else
		tracked[n_tracked++] = p;
}

static void
untrack(void *p)
{
	for (size_t i = 0; i < n_tracked; i++) {
		if (tracked[i] == p) {
			tracked[i] = tracked[--n_tracked];
			return;
		}
	}
}

void *
__wrap_malloc(size_t n)
{
	void *p = alloc_fails() ? NULL : __real_malloc(n);

	track(p);
	return p;
}

void *
__wrap_calloc(size_t n, size_t size)
{
	void *p = alloc_fails() ? NULL : __real_calloc(n, size);

	track(p);
	return p;
}

/* A failed realloc leaves p allocated; a successful one may move it. */
void *
__wrap_realloc(void *p, size_t n)
{
	void *q = alloc_fails() ? NULL : __real_realloc(p, n);

	if (q != NULL) {
		untrack(p);
		track(q);
	}
	return q;
}

void
__wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

static void
arm(long n, int after)
{
	allocs = 0;
	fail_after = after;
	fail_at = n;
}

static void
disarm(void)
{
	fail_at = 0;
}

typedef struct json_object *render_fn(const void *arg);

/*
 * Render arg with render() failing at every allocation it makes in turn:
 * each answer is NULL or the text want, and the heap is as it was after.
 * Returns how many allocations one rendering makes.
 */
static long
fail_each(render_fn *render, const void *arg, const char *want, int after)
{
	long n;

	for (n = 1;; n++) {
		struct json_object *j;
		long made;
		size_t len;

		n_tracked = 0;
		tracked_overflow = 0;
		tracking = 1;
		arm(n, after);
		j = render(arg);
		made = allocs;
		disarm();
		if (j != NULL)
			ck_assert_msg(strcmp(json_io_to_string(j, &len), want) == 0,
			    "allocation %ld failed%s: a partial answer %s", n,
			    after ? " (and all after it)" : "", json_io_to_string(j, &len));
		json_object_put(j);
		tracking = 0;
		ck_assert_msg(!tracked_overflow, "more blocks than the wrappers track");
		ck_assert_msg(n_tracked == 0, "allocation %ld failed%s: %zu blocks leaked",
		    n, after ? " (and all after it)" : "", (size_t)n_tracked);
		if (made < n) {
			/* The Nth allocation never came: nothing failed, all is there. */
			ck_assert_msg(j != NULL, "no allocation failed, yet NULL");
			return n - 1;
		}
		ck_assert_msg(j == NULL || !after, "allocation %ld and all after it failed, "
		    "yet an answer", n);
	}
}

static struct json_object *
render_order(const void *arg)
{
	return order_to_json(arg);
}

static struct json_object *
render_product(const void *arg)
{
	return product_to_json(arg);
}

/* An order of three lines, one from before the price list (no name). */
static void
order_fill(struct order *o)
{
	memset(o, 0, sizeof(*o));
	o->id = 5;
	o->user_id = 7;
	memcpy(o->currency, "EUR", 4);
	o->status = ORDER_PAID;
	o->n_items = 3;
	o->items[0] = (struct order_item){ .sku = "BOOK-1", .name = "A book", .quantity = 2,
	    .unit_price_cents = 1250, .line_total_cents = 2500 };
	o->items[1] = (struct order_item){ .sku = "PEN", .name = "A pen with a name long "
	    "enough to be kept apart from its object", .quantity = 3,
	    .unit_price_cents = 99, .line_total_cents = 297 };
	o->items[2] = (struct order_item){ .sku = "OLD", .quantity = 1,
	    .unit_price_cents = 5, .line_total_cents = 5 };
	o->total_cents = 2802;
	o->version = 2;
	memcpy(o->created_at, "2026-01-02T03:04:05Z", 21);
	memcpy(o->updated_at, "2026-01-02T03:04:06Z", 21);
}

/*
 * render(arg) as it is when nothing fails, then fail_each alone and from N
 * on: both try the same number of allocations, at least min of them.
 */
static void
fail_all(render_fn *render, const void *arg, long min)
{
	struct json_object *j = render(arg);
	char *want;
	size_t len;
	long made;

	ck_assert_ptr_nonnull(j);
	want = strdup(json_io_to_string(j, &len));
	json_object_put(j);
	ck_assert_ptr_nonnull(want);
	made = fail_each(render, arg, want, 0);
	ck_assert_msg(made >= min, "only %ld allocations were tried", made);
	ck_assert_int_eq(fail_each(render, arg, want, 1), made);
	free(want);
}

START_TEST(test_order_to_json)
{
	static struct order o;

	order_fill(&o);
	/* An object, 9 members, an array, 3 lines of an object and 5 members. */
	fail_all(render_order, &o, 20);
}
END_TEST

START_TEST(test_product_to_json)
{
	static const struct product p = {
		.id = 4, .sku = "BOOK-1", .name = "A book", .unit_price_cents = 1250,
		.currency = "EUR", .active = 1, .created_at = "2026-01-02T03:04:05Z",
		.updated_at = "2026-01-02T03:04:06Z", .version = 2,
	};

	fail_all(render_product, &p, 9);
}
END_TEST

/* The wrappers are in the way: an armed one fails, a disarmed one does not. */
START_TEST(test_wrappers)
{
	void *p;

	arm(1, 0);
	p = malloc(16);
	disarm();
	ck_assert_ptr_null(p);
	/* json-c's own allocations come through them too (its static library). */
	arm(1, 0);
	ck_assert_ptr_null(json_object_new_object());
	disarm();
	p = malloc(16);
	ck_assert_ptr_nonnull(p);
	free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alloc");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_wrappers);
	tcase_add_test(tc, test_order_to_json);
	tcase_add_test(tc, test_product_to_json);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
