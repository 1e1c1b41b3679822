/*
 * breaker.h - the circuit breaker in front of the user service, one per
 * process, shared by the worker threads.
 *
 * Rule: it opens after `threshold` consecutive failed calls; while open,
 * calls fail fast; once `cooldown_ms` has passed it lets exactly one probe
 * call through (half-open); the probe's success closes it, its failure
 * opens it again for another cool-down. Time is passed in, so the state
 * machine is tested without sleeping.
 */
#ifndef MICROSHOP_BREAKER_H
#define MICROSHOP_BREAKER_H

#include <pthread.h>
#include <stdint.h>

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN	/* one probe call is in flight */
};

struct breaker {
	pthread_mutex_t lock;
	enum breaker_state state;
	int failures;		/* consecutive, while closed */
	int threshold;
	int64_t cooldown_ms;
	int64_t opened_at_ms;
};

void breaker_init(struct breaker *b, int threshold, int64_t cooldown_ms);
void breaker_destroy(struct breaker *b);

/*
 * May a call go ahead at now_ms? Returns 1 (go; report it with
 * breaker_record) or 0 (fail fast; *retry_after_ms says when to try again).
 */
int breaker_allow(struct breaker *b, int64_t now_ms, int64_t *retry_after_ms);

/* Report the outcome of a call breaker_allow let through. */
void breaker_record(struct breaker *b, int success, int64_t now_ms);

/* The state at now_ms, for health reports; an open breaker whose cool-down
 * is over reads as half-open. */
enum breaker_state breaker_state(struct breaker *b, int64_t now_ms);

const char *breaker_state_name(enum breaker_state s);

#endif
