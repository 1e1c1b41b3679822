/*
 * hash_slots.c - the slots for Argon2id hashes, with checks before new
 * hashes; see hash_slots.h.
 *
 * One lock guards the counts below; a waiting login sleeps on check_cv, a
 * waiting new hash on new_cv, so that a freed slot can be handed to a
 * login first. A login that finds every password thread taken takes the
 * place of a waiting new hash: `bumped` counts the new hashes told to
 * leave, whose places logins already hold (so they leave without giving
 * their place back).
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "hash_slots.h"

static struct hash_slots_config slots_cfg;
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t check_cv, new_cv;
static int cvs_made;		/* check_cv and new_cv are initialised */
static long free_slots;
static long workers;		/* places taken: threads hashing or waiting */
static long checks_waiting, news_waiting;
static long bumped;		/* waiting new hashes whose place went to a login */

int
hash_slots_plan(long cpus, long hash_slots, long max_threads, long *threads,
    struct hash_slots_config *out)
{
	long most = HASH_WORKERS_PER_SLOT * hash_slots;

	if (*threads == 0) {
		*threads = (cpus > 0 ? cpus : 1) + most;
		if (*threads > max_threads)
			return -1;
	}
	out->workers = *threads > 1 ? *threads - 1 : 1;
	if (out->workers > most)
		out->workers = most;
	out->slots = hash_slots < out->workers ? hash_slots : out->workers;
	return 0;
}

int
hash_slots_init(const struct hash_slots_config *c)
{
	pthread_condattr_t attr;
	int rc = -1;

	if (cvs_made) {		/* made again: the unit tests start afresh */
		pthread_cond_destroy(&check_cv);
		pthread_cond_destroy(&new_cv);
		cvs_made = 0;
	}
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	/* Waits are measured on the monotonic clock, like every interval. */
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&check_cv, &attr) == 0) {
		if (pthread_cond_init(&new_cv, &attr) == 0)
			rc = 0;
		else
			pthread_cond_destroy(&check_cv);
	}
	pthread_condattr_destroy(&attr);
	if (rc == 0) {
		cvs_made = 1;
		slots_cfg = *c;
		free_slots = c->slots;
		workers = checks_waiting = news_waiting = bumped = 0;
	}
	return rc;
}

/* With the lock held: wake whoever may take a free slot, a login first. */
static void
wake_locked(void)
{
	if (free_slots == 0)
		return;
	if (checks_waiting > 0)
		pthread_cond_signal(&check_cv);
	else if (news_waiting > 0)
		pthread_cond_signal(&new_cv);
}

enum wait_end { GOT_SLOT, TIMED_OUT, BUMPED };

/* With the lock held and a place taken: wait for a slot until `until`. */
static enum wait_end
wait_locked(enum hash_work work, const struct timespec *until)
{
	int timed_out = 0;

	for (;;) {
		if (work == HASH_NEW && bumped > 0) {
			bumped--;
			return BUMPED;
		}
		if (free_slots > 0 && (work == HASH_CHECK || checks_waiting == 0)) {
			free_slots--;
			return GOT_SLOT;
		}
		if (timed_out)
			return TIMED_OUT;
		if (pthread_cond_timedwait(work == HASH_CHECK ? &check_cv : &new_cv,
		    &slots_lock, until) == ETIMEDOUT)
			timed_out = 1;	/* look once more: a slot may have come */
	}
}

int
hash_slot_take(enum hash_work work)
{
	struct timespec until;
	enum wait_end end;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += slots_cfg.wait_ms / 1000;
	until.tv_nsec += (slots_cfg.wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&slots_lock);
	if (workers < slots_cfg.workers) {
		workers++;
	} else if (work == HASH_CHECK && news_waiting > bumped) {
		/* A waiting new hash leaves; this login has its place. */
		bumped++;
		pthread_cond_broadcast(&new_cv);
	} else {
		pthread_mutex_unlock(&slots_lock);
		return -1;
	}
	if (work == HASH_CHECK)
		checks_waiting++;
	else
		news_waiting++;
	end = wait_locked(work, &until);
	if (work == HASH_CHECK)
		checks_waiting--;
	else
		news_waiting--;
	if (end == TIMED_OUT)
		workers--;
	if (end != GOT_SLOT)
		wake_locked();
	pthread_mutex_unlock(&slots_lock);
	return end == GOT_SLOT ? 0 : -1;
}

void
hash_slot_give(void)
{
	pthread_mutex_lock(&slots_lock);
	free_slots++;
	workers--;
	wake_locked();
	pthread_mutex_unlock(&slots_lock);
}

long
hash_slots_waiting(enum hash_work work)
{
	long n;

	pthread_mutex_lock(&slots_lock);
	n = work == HASH_CHECK ? checks_waiting : news_waiting;
	pthread_mutex_unlock(&slots_lock);
	return n;
}
