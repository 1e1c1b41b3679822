/*
 * user_watch.h - what this process last saw of the user service, so that
 * /order/health and /order/ready need not call it each time they are
 * asked (both are public and not rate-limited): the outcome and time of
 * the last call that reached a verdict (a lookup, or a readiness probe),
 * and when readiness may probe again. One per process, shared by the
 * worker threads, like the breaker; time is passed in, so it is tested
 * without sleeping.
 */
#ifndef MICROSHOP_USER_WATCH_H
#define MICROSHOP_USER_WATCH_H

#include <pthread.h>
#include <stdint.h>

enum user_seen {
	USER_SEEN_NOTHING,	/* no call has reached a verdict yet */
	USER_SEEN_UP,		/* it answered */
	USER_SEEN_DOWN		/* unreachable, timed out, 5xx, or a bad answer */
};

struct user_watch {
	pthread_mutex_t lock;
	int64_t probe_interval_ms;
	enum user_seen seen;
	int64_t seen_at_ms;
	int probed;		/* a probe has begun */
	int64_t probe_at_ms;	/* when the last one began */
};

void user_watch_init(struct user_watch *w, int64_t probe_interval_ms);
void user_watch_destroy(struct user_watch *w);

/* A call at now_ms found the user service answering (up) or not. */
void user_watch_record(struct user_watch *w, int up, int64_t now_ms);

/* The last verdict and, unless there is none, its age at now_ms. */
enum user_seen user_watch_last(struct user_watch *w, int64_t now_ms, int64_t *age_ms);

/*
 * Should a readiness check at now_ms probe the user service? 1: yes, and
 * the probe counts as begun (record its outcome); 0: go by
 * user_watch_last. It is 0 while the last verdict is younger than the
 * interval, and while a probe begun within the interval (even one still
 * in flight) has not been followed by one: at most one probe per interval.
 */
int user_watch_probe_due(struct user_watch *w, int64_t now_ms);

const char *user_seen_name(enum user_seen s);

#endif
