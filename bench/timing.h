/*
 * timing.h - what the benchmark programs (bench/openloop, bench/fsync-rate)
 * share to time requests and rank their latencies.
 */
#ifndef MICROSHOP_BENCH_TIMING_H
#define MICROSHOP_BENCH_TIMING_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* qsort's comparison of two doubles, smallest first. */
static inline int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif
