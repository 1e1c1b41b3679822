/*
 * check_metrics.c - common/core/metrics.c: the registry (counters,
 * counter vectors, gauges, histograms, in the order of registration, and
 * metrics_reset) and its rendering in the Prometheus text format 0.0.4,
 * compared byte for byte: the build's identity first, HELP and TYPE
 * before each family's series, a vector's labels, a histogram's
 * cumulative buckets (each bound inclusive), +Inf, _sum in seconds and
 * _count. The registry does not escape label values (a vector's are fixed
 * in the code) nor refuse a second family of one name: neither is tested.
 */
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "metrics.h"

#define BUILD_INFO \
	"# HELP microshop_build_info The running build: always 1.\n" \
	"# TYPE microshop_build_info gauge\n" \
	"microshop_build_info{service=\"test\",version=\"1.2.3\",revision=\"abc\"} 1\n"

/* The bucket bounds in microseconds, as metrics.h's seconds. */
static const int64_t bounds_us[METRICS_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000
};

static char *rendered;

static void
setup(void)
{
	metrics_reset();
	metrics_build_info("test", "1.2.3", "abc");
	rendered = NULL;
}

static void
teardown(void)
{
	free(rendered);
	metrics_reset();
}

/* Render the registry; the text is freed by teardown or the next call. */
static const char *
render(void)
{
	size_t len = 0;

	free(rendered);
	rendered = metrics_render(&len);
	ck_assert_ptr_nonnull(rendered);
	ck_assert_uint_eq(strlen(rendered), len);
	return rendered;
}

START_TEST(test_empty)
{
	ck_assert_str_eq(render(), BUILD_INFO);
}
END_TEST

START_TEST(test_counter)
{
	static struct metrics_counter c;

	metrics_counter_register(&c, "microshop_things_total", "Things done.");
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP microshop_things_total Things done.\n"
	    "# TYPE microshop_things_total counter\n"
	    "microshop_things_total 0\n");
	metrics_counter_add(&c, 3);
	metrics_counter_add(&c, 0);
	metrics_counter_add(&c, 18446744073709551615ULL - 3);
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP microshop_things_total Things done.\n"
	    "# TYPE microshop_things_total counter\n"
	    "microshop_things_total 18446744073709551615\n");
}
END_TEST

START_TEST(test_counter_vec)
{
	static const char *const outcomes[] = { "ok", "absent", "down", NULL };
	static struct metrics_counter_vec v;

	ck_assert_int_eq(metrics_counter_vec_register(&v, "microshop_calls_total",
	    "Calls by outcome.", "outcome", outcomes), 0);
	metrics_counter_vec_add(&v, "ok", 2);
	metrics_counter_vec_add(&v, "down", 1);
	metrics_counter_vec_add(&v, "ok", 5);
	metrics_counter_vec_add(&v, "unknown", 9);	/* not one of its values */
	metrics_counter_vec_add(&v, "OK", 9);
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP microshop_calls_total Calls by outcome.\n"
	    "# TYPE microshop_calls_total counter\n"
	    "microshop_calls_total{outcome=\"ok\"} 7\n"
	    "microshop_calls_total{outcome=\"absent\"} 0\n"
	    "microshop_calls_total{outcome=\"down\"} 1\n");
	free(v.counts);
}
END_TEST

/* Counts its calls in *arg: -42 the first time, then 7. */
static int64_t
gauge_value(void *arg)
{
	int64_t *calls = arg;

	return ++*calls == 1 ? -42 : 7;
}

/* A gauge is read, with its argument, at each rendering. */
START_TEST(test_gauge)
{
	static struct metrics_gauge g;
	static int64_t calls;

	metrics_gauge_register(&g, "microshop_level", "A level.", gauge_value, &calls);
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP microshop_level A level.\n# TYPE microshop_level gauge\n"
	    "microshop_level -42\n");
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP microshop_level A level.\n# TYPE microshop_level gauge\n"
	    "microshop_level 7\n");
	ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(test_histogram)
{
	static struct metrics_histogram h;

	metrics_histogram_register(&h, "microshop_seconds", "Durations.");
	ck_assert_int_eq(metrics_histogram_used(&h), 0);
	metrics_histogram_observe(&h, 50);
	metrics_histogram_observe(&h, 100);		/* on the first bound: in it */
	metrics_histogram_observe(&h, 101);
	metrics_histogram_observe(&h, 2500000);		/* the last bound */
	metrics_histogram_observe(&h, 2500001);		/* +Inf only */
	metrics_histogram_observe(&h, -5);		/* counted, adds nothing */
	ck_assert_int_eq(metrics_histogram_used(&h), 1);
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP microshop_seconds Durations.\n"
	    "# TYPE microshop_seconds histogram\n"
	    "microshop_seconds_bucket{le=\"0.0001\"} 3\n"
	    "microshop_seconds_bucket{le=\"0.00025\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.0005\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.001\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.0025\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.005\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.01\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.025\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.05\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.1\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.25\"} 4\n"
	    "microshop_seconds_bucket{le=\"0.5\"} 4\n"
	    "microshop_seconds_bucket{le=\"1\"} 4\n"
	    "microshop_seconds_bucket{le=\"2.5\"} 5\n"
	    "microshop_seconds_bucket{le=\"+Inf\"} 6\n"
	    "microshop_seconds_sum 5.000252\n"
	    "microshop_seconds_count 6\n");
}
END_TEST

/* Each bound belongs to its own bucket; one microsecond more, to the next. */
START_TEST(test_histogram_bounds)
{
	for (size_t b = 0; b < METRICS_BUCKETS; b++) {
		struct metrics_histogram h;

		memset(&h, 0, sizeof(h));
		metrics_histogram_observe(&h, bounds_us[b]);
		metrics_histogram_observe(&h, bounds_us[b] + 1);
		ck_assert_msg(h.counts[b] == 1 && h.counts[b + 1] == 1,
		    "%lld us: buckets %zu and %zu hold %llu and %llu", (long long)bounds_us[b],
		    b, b + 1, (unsigned long long)h.counts[b],
		    (unsigned long long)h.counts[b + 1]);
	}
}
END_TEST

/* A family of several histograms renders each under its labels. */
START_TEST(test_histogram_labels)
{
	struct metrics_histogram h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	memset(&h, 0, sizeof(h));
	metrics_histogram_observe(&h, 1500);
	metrics_histogram_render(f, "x_seconds", "route=\"/user/{id}\",method=\"GET\"", &h);
	metrics_histogram_render(f, "y_seconds", "", &h);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "x_seconds_bucket{route=\"/user/{id}\",method=\"GET\",le=\"0.001\"} 0\n"
	    "x_seconds_bucket{route=\"/user/{id}\",method=\"GET\",le=\"0.0025\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "x_seconds_bucket{route=\"/user/{id}\",method=\"GET\",le=\"+Inf\"} 1\n"
	    "x_seconds_sum{route=\"/user/{id}\",method=\"GET\"} 0.001500\n"
	    "x_seconds_count{route=\"/user/{id}\",method=\"GET\"} 1\n"
	    "y_seconds_bucket{le=\"0.0001\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "y_seconds_bucket{le=\"+Inf\"} 1\ny_seconds_sum 0.001500\ny_seconds_count 1\n"));
	free(buf);
}
END_TEST

static void
own_render(FILE *f, const struct metrics_family *fam)
{
	fprintf(f, "%s{kind=\"own\"} 1\n", fam->name);
}

/* Families render in the order they were registered; a reset forgets them. */
START_TEST(test_order_and_reset)
{
	static struct metrics_counter a, b;
	static struct metrics_family own = {
		.name = "m_own", .help = "Its own series.", .type = "gauge", .render = own_render
	};

	metrics_counter_register(&b, "m_b_total", "B.");
	metrics_register(&own);
	metrics_counter_register(&a, "m_a_total", "A.");
	metrics_counter_add(&a, 1);
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP m_b_total B.\n# TYPE m_b_total counter\nm_b_total 0\n"
	    "# HELP m_own Its own series.\n# TYPE m_own gauge\nm_own{kind=\"own\"} 1\n"
	    "# HELP m_a_total A.\n# TYPE m_a_total counter\nm_a_total 1\n");
	metrics_reset();
	ck_assert_str_eq(render(), BUILD_INFO);
	/* Registered again after the reset: alone, with its count kept. */
	metrics_counter_register(&a, "m_a_total", "A.");
	ck_assert_str_eq(render(), BUILD_INFO
	    "# HELP m_a_total A.\n# TYPE m_a_total counter\nm_a_total 1\n");
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("registry");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_counter);
	tcase_add_test(tc, test_counter_vec);
	tcase_add_test(tc, test_gauge);
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_histogram_bounds);
	tcase_add_test(tc, test_histogram_labels);
	tcase_add_test(tc, test_order_and_reset);
	suite_add_tcase(s, tc);
	return s;
}
