/*
 * clock.h - the one clock for intervals: CLOCK_MONOTONIC, which no change
 * of the wall clock moves, in milliseconds (backoff, the breaker, login
 * delays) or microseconds (durations for the metrics).
 */
#ifndef MICROSHOP_CLOCK_H
#define MICROSHOP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t
clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
