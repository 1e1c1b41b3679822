/*
 * metrics.c - the registry of a process's metrics and their rendering;
 * see metrics.h.
 *
 * Counting is one relaxed atomic add and never allocates; rendering walks
 * the registry. The registry is a list made before the worker threads
 * start and only read after.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static const double bucket_le[METRICS_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5
};

static struct metrics_family *registry;
static struct metrics_family **registry_tail = &registry;
static const char *build_service = "", *build_version = "", *build_revision = "";

static uint64_t
load(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void
metrics_register(struct metrics_family *fam)
{
	fam->next = NULL;
	*registry_tail = fam;
	registry_tail = &fam->next;
}

void
metrics_reset(void)
{
	registry = NULL;
	registry_tail = &registry;
}

void
metrics_build_info(const char *service, const char *version, const char *revision)
{
	build_service = service;
	build_version = version;
	build_revision = revision;
}

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

static void
counter_render(FILE *f, const struct metrics_family *fam)
{
	struct metrics_counter *c = (struct metrics_counter *)fam;

	fprintf(f, "%s %" PRIu64 "\n", fam->name, load(&c->value));
}

void
metrics_counter_register(struct metrics_counter *c, const char *name, const char *help)
{
	c->fam = (struct metrics_family){ name, help, "counter", counter_render, NULL };
	metrics_register(&c->fam);
}

void
metrics_counter_add(struct metrics_counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

static void
vec_render(FILE *f, const struct metrics_family *fam)
{
	struct metrics_counter_vec *v = (struct metrics_counter_vec *)fam;

	for (size_t i = 0; i < v->n; i++)
		fprintf(f, "%s{%s=\"%s\"} %" PRIu64 "\n", fam->name, v->label, v->values[i],
		    load(&v->counts[i]));
}

int
metrics_counter_vec_register(struct metrics_counter_vec *v, const char *name,
    const char *help, const char *label, const char *const *values)
{
	size_t n = 0;

	while (values[n] != NULL)
		n++;
	if ((v->counts = calloc(n, sizeof(*v->counts))) == NULL)
		return -1;
	v->fam = (struct metrics_family){ name, help, "counter", vec_render, NULL };
	v->label = label;
	v->values = values;
	v->n = n;
	metrics_register(&v->fam);
	return 0;
}

void
metrics_counter_vec_add(struct metrics_counter_vec *v, const char *value, uint64_t n)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(value, v->values[i]) == 0)
			atomic_fetch_add_explicit(&v->counts[i], n, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* Histograms                                                         */
/* ------------------------------------------------------------------ */

void
metrics_histogram_observe(struct metrics_histogram *h, int64_t us)
{
	size_t b = 0;

	while (b < METRICS_BUCKETS && (double)us > bucket_le[b] * 1e6)
		b++;
	atomic_fetch_add_explicit(&h->counts[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(us > 0 ? us : 0), memory_order_relaxed);
}

int
metrics_histogram_used(struct metrics_histogram *h)
{
	for (size_t b = 0; b <= METRICS_BUCKETS; b++)
		if (load(&h->counts[b]) > 0)
			return 1;
	return 0;
}

void
metrics_histogram_render(FILE *f, const char *name, const char *labels,
    struct metrics_histogram *h)
{
	uint64_t cumulative = 0;
	const char *sep = labels[0] ? "," : "";

	for (size_t b = 0; b <= METRICS_BUCKETS; b++) {
		cumulative += load(&h->counts[b]);
		if (b < METRICS_BUCKETS)
			fprintf(f, "%s_bucket{%s%sle=\"%g\"} %" PRIu64 "\n", name, labels, sep,
			    bucket_le[b], cumulative);
		else
			fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep,
			    cumulative);
	}
	fprintf(f, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", (double)load(&h->sum_us) / 1e6);
	fprintf(f, "%s_count%s%s%s %" PRIu64 "\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", cumulative);
}

static void
histogram_render(FILE *f, const struct metrics_family *fam)
{
	metrics_histogram_render(f, fam->name, "", (struct metrics_histogram *)fam);
}

void
metrics_histogram_register(struct metrics_histogram *h, const char *name, const char *help)
{
	h->fam = (struct metrics_family){ name, help, "histogram", histogram_render, NULL };
	metrics_register(&h->fam);
}

/* ------------------------------------------------------------------ */
/* Gauges                                                             */
/* ------------------------------------------------------------------ */

static void
gauge_render(FILE *f, const struct metrics_family *fam)
{
	const struct metrics_gauge *g = (const struct metrics_gauge *)fam;

	fprintf(f, "%s %" PRId64 "\n", fam->name, g->read(g->arg));
}

void
metrics_gauge_register(struct metrics_gauge *g, const char *name, const char *help,
    int64_t (*read)(void *arg), void *arg)
{
	g->fam = (struct metrics_family){ name, help, "gauge", gauge_render, NULL };
	g->read = read;
	g->arg = arg;
	metrics_register(&g->fam);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                          */
/* ------------------------------------------------------------------ */

char *
metrics_render(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	fprintf(f, "# HELP microshop_build_info The running build: always 1.\n"
	    "# TYPE microshop_build_info gauge\n"
	    "microshop_build_info{service=\"%s\",version=\"%s\",revision=\"%s\"} 1\n",
	    build_service, build_version, build_revision);
	for (const struct metrics_family *fam = registry; fam != NULL; fam = fam->next) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name,
		    fam->type);
		fam->render(f, fam);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
