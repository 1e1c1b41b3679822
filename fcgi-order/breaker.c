/*
 * breaker.c - the circuit breaker; see breaker.h.
 */
#include "breaker.h"
#include "log.h"

void
breaker_init(struct breaker *b, int threshold, int64_t cooldown_ms)
{
	pthread_mutex_init(&b->lock, NULL);
	b->state = BREAKER_CLOSED;
	b->failures = 0;
	b->threshold = threshold;
	b->cooldown_ms = cooldown_ms;
	b->opened_at_ms = 0;
}

void
breaker_destroy(struct breaker *b)
{
	pthread_mutex_destroy(&b->lock);
}

const char *
breaker_state_name(enum breaker_state s)
{
	switch (s) {
	case BREAKER_CLOSED:
		return "closed";
	case BREAKER_OPEN:
		return "open";
	case BREAKER_HALF_OPEN:
		return "half_open";
	}
	return "unknown";
}

/* Move to state, logging the change. Called with b->lock held. */
static void
set_state(struct breaker *b, enum breaker_state state, int64_t now_ms)
{
	if (state == BREAKER_OPEN)
		b->opened_at_ms = now_ms;
	if (state != b->state)
		log_msg(state == BREAKER_OPEN ? LOG_LEVEL_WARN : LOG_LEVEL_INFO,
		    "event=breaker from=%s to=%s", breaker_state_name(b->state),
		    breaker_state_name(state));
	b->state = state;
}

int
breaker_allow(struct breaker *b, int64_t now_ms, int64_t *retry_after_ms)
{
	int allow = 0;

	pthread_mutex_lock(&b->lock);
	switch (b->state) {
	case BREAKER_CLOSED:
		allow = 1;
		break;
	case BREAKER_OPEN:
		if (now_ms - b->opened_at_ms >= b->cooldown_ms) {
			set_state(b, BREAKER_HALF_OPEN, now_ms);
			allow = 1;
		} else {
			*retry_after_ms = b->cooldown_ms - (now_ms - b->opened_at_ms);
		}
		break;
	case BREAKER_HALF_OPEN:
		/* The probe is out: everyone else waits for its outcome. */
		*retry_after_ms = 1000;
		break;
	}
	pthread_mutex_unlock(&b->lock);
	return allow;
}

void
breaker_record(struct breaker *b, int success, int64_t now_ms)
{
	pthread_mutex_lock(&b->lock);
	if (success) {
		b->failures = 0;
		set_state(b, BREAKER_CLOSED, now_ms);
	} else if (b->state == BREAKER_HALF_OPEN) {
		set_state(b, BREAKER_OPEN, now_ms);
	} else if (b->state == BREAKER_CLOSED && ++b->failures >= b->threshold) {
		b->failures = 0;
		set_state(b, BREAKER_OPEN, now_ms);
	}
	pthread_mutex_unlock(&b->lock);
}

enum breaker_state
breaker_state(struct breaker *b, int64_t now_ms)
{
	enum breaker_state s;

	pthread_mutex_lock(&b->lock);
	s = b->state;
	if (s == BREAKER_OPEN && now_ms - b->opened_at_ms >= b->cooldown_ms)
		s = BREAKER_HALF_OPEN;
	pthread_mutex_unlock(&b->lock);
	return s;
}
