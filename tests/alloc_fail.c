/*
 * alloc_fail.c - the linker's --wrap of malloc, calloc, realloc, strdup and
 * free, failing the armed allocations and tracking the blocks made while
 * armed; see alloc_fail.h.
 *
 * Check runs each test in a process of its own (CK_FORK), and the code
 * under test runs in one thread, so plain counters do. They are volatile:
 * a compiler that takes malloc for the C library's may assume a call of it
 * reads no variable of ours, and drop a store made just before it.
 */
#include <errno.h>
#include <stddef.h>

#include "alloc_fail.h"

#define TRACKED_MAX 4096

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void __real_free(void *p);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);

static volatile int armed;
static volatile long countdown;	/* allocations left to the failing one */
static volatile int from_on;	/* fail every allocation after the nth too */
static volatile int fired;
static volatile int tracking;
static volatile int overflow;
static void *volatile tracked[TRACKED_MAX];
static volatile size_t n_tracked;

void
alloc_fail_arm(long n, int from_n_on)
{
	n_tracked = 0;
	overflow = 0;
	tracking = 1;
	fired = 0;
	from_on = from_n_on;
	countdown = n;
	armed = 1;
}

int
alloc_fail_disarm(void)
{
	armed = 0;
	return fired;
}

long
alloc_fail_leaked(void)
{
	tracking = 0;
	return overflow ? -1 : (long)n_tracked;
}

/* 1 if this allocation is to fail. */
static int
fail_now(void)
{
	if (!armed)
		return 0;
	if (!fired && --countdown > 0)
		return 0;
	if (fired && !from_on)
		return 0;
	fired = 1;
	errno = ENOMEM;
	return 1;
}

/* Note p if it is made while armed. */
static void *
track(void *p)
{
	if (p == NULL || !armed || !tracking)
		return p;
	if (n_tracked == TRACKED_MAX)
		overflow = 1;
	else
		tracked[n_tracked++] = p;
	return p;
}

/* Forget p; 1 if it was tracked. */
static int
untrack(void *p)
{
	for (size_t i = 0; p != NULL && tracking && i < n_tracked; i++) {
		if (tracked[i] == p) {
			tracked[i] = tracked[--n_tracked];
			return 1;
		}
	}
	return 0;
}

void *
__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : track(__real_malloc(size));
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : track(__real_calloc(n, size));
}

void *
__wrap_realloc(void *p, size_t size)
{
	void *q;

	if (fail_now())
		return NULL;	/* p stays the caller's */
	q = __real_realloc(p, size);
	/* A tracked block stays tracked under its new address. */
	if (q != NULL && q != p && untrack(p))
		tracked[n_tracked++] = q;
	else if (q != NULL && q != p)
		track(q);
	return q;
}

char *
__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : track(__real_strdup(s));
}

void
__wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}
