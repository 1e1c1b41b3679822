/*
 * user_watch.c - the last verdict on the user service; see user_watch.h.
 */
#include "user_watch.h"

void
user_watch_init(struct user_watch *w, int64_t probe_interval_ms)
{
	pthread_mutex_init(&w->lock, NULL);
	w->probe_interval_ms = probe_interval_ms;
	w->seen = USER_SEEN_NOTHING;
	w->seen_at_ms = 0;
	w->probed = 0;
	w->probe_at_ms = 0;
}

void
user_watch_destroy(struct user_watch *w)
{
	pthread_mutex_destroy(&w->lock);
}

void
user_watch_record(struct user_watch *w, int up, int64_t now_ms)
{
	pthread_mutex_lock(&w->lock);
	/* Calls end out of order: an older verdict does not replace a newer. */
	if (w->seen == USER_SEEN_NOTHING || now_ms >= w->seen_at_ms) {
		w->seen = up ? USER_SEEN_UP : USER_SEEN_DOWN;
		w->seen_at_ms = now_ms;
	}
	pthread_mutex_unlock(&w->lock);
}

enum user_seen
user_watch_last(struct user_watch *w, int64_t now_ms, int64_t *age_ms)
{
	enum user_seen s;

	pthread_mutex_lock(&w->lock);
	s = w->seen;
	*age_ms = s == USER_SEEN_NOTHING ? 0 : now_ms - w->seen_at_ms;
	pthread_mutex_unlock(&w->lock);
	return s;
}

int
user_watch_probe_due(struct user_watch *w, int64_t now_ms)
{
	int due;

	pthread_mutex_lock(&w->lock);
	due = (w->seen == USER_SEEN_NOTHING ||
	    now_ms - w->seen_at_ms >= w->probe_interval_ms) &&
	    (!w->probed || now_ms - w->probe_at_ms >= w->probe_interval_ms);
	if (due) {
		w->probed = 1;
		w->probe_at_ms = now_ms;
	}
	pthread_mutex_unlock(&w->lock);
	return due;
}

const char *
user_seen_name(enum user_seen s)
{
	switch (s) {
	case USER_SEEN_NOTHING:
		return "nothing";
	case USER_SEEN_UP:
		return "up";
	case USER_SEEN_DOWN:
		return "down";
	}
	return "unknown";
}
