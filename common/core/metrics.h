/*
 * metrics.h - a process's metrics, by registration: each module that counts
 * something defines its own counters, histograms and gauges (static, in
 * its own file), registers them once before the worker threads start, and
 * adds to them with atomic operations (any thread, no lock). This file
 * knows no module's metrics, only how to keep and render them in the
 * Prometheus text exposition format (version 0.0.4). docs/operations.md
 * lists every metric the services register.
 */
#ifndef MICROSHOP_METRICS_H
#define MICROSHOP_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Histogram buckets, seconds; +Inf is implied. */
#define METRICS_BUCKETS 14

/*
 * A family: one metric name, its help and type, and what renders its
 * series (lines "name{labels} value") from arg. The kinds below are
 * families with their series; a module with series of its own making (a
 * table of routes) registers a family with a render function of its own.
 */
struct metrics_family {
	const char *name;
	const char *help;
	const char *type;	/* "counter", "gauge", "histogram" */
	void (*render)(FILE *f, const struct metrics_family *fam);
	struct metrics_family *next;	/* the registry's */
};

/* A count that only goes up. */
struct metrics_counter {
	struct metrics_family fam;
	_Atomic uint64_t value;
};

/* Counts by one label, whose values are fixed at registration. */
struct metrics_counter_vec {
	struct metrics_family fam;
	const char *label;
	const char *const *values;	/* NULL-terminated */
	size_t n;
	_Atomic uint64_t *counts;	/* n of them, made at registration */
};

/* Observations of a duration, in microseconds, in the fixed buckets. */
struct metrics_histogram {
	struct metrics_family fam;
	_Atomic uint64_t counts[METRICS_BUCKETS + 1];	/* not cumulative */
	_Atomic uint64_t sum_us;
};

/* A value read when the metrics are rendered: read(arg). */
struct metrics_gauge {
	struct metrics_family fam;
	int64_t (*read)(void *arg);
	void *arg;
};

/*
 * Register a family (at start, one thread: the registry is not locked).
 * The metrics_*_register calls fill in a kind's family and register it;
 * a vec returns -1 when its counts cannot be allocated.
 */
void metrics_register(struct metrics_family *fam);
void metrics_counter_register(struct metrics_counter *c, const char *name, const char *help);
int metrics_counter_vec_register(struct metrics_counter_vec *v, const char *name,
    const char *help, const char *label, const char *const *values);
void metrics_histogram_register(struct metrics_histogram *h, const char *name,
    const char *help);
void metrics_gauge_register(struct metrics_gauge *g, const char *name, const char *help,
    int64_t (*read)(void *arg), void *arg);

/* Count, from any thread. A value a vec does not know is not counted. */
void metrics_counter_add(struct metrics_counter *c, uint64_t n);
void metrics_counter_vec_add(struct metrics_counter_vec *v, const char *value, uint64_t n);
void metrics_histogram_observe(struct metrics_histogram *h, int64_t us);

/*
 * The series of histogram h under name, with labels (without braces; may
 * be ""): for a family of several histograms, each under its labels.
 */
void metrics_histogram_render(FILE *f, const char *name, const char *labels,
    struct metrics_histogram *h);

/* Whether h has observed anything. */
int metrics_histogram_used(struct metrics_histogram *h);

/* The build's identity, rendered first as microshop_build_info. */
void metrics_build_info(const char *service, const char *version, const char *revision);

/*
 * Render every registered family, in the order of registration, into a
 * buffer the caller frees; *len its length. NULL when out of memory.
 */
char *metrics_render(size_t *len);

/* Forget every family (tests). */
void metrics_reset(void);

#endif
