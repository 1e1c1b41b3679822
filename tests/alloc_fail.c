/*
 * alloc_fail.c - the linker's --wrap of malloc, calloc, realloc and strdup,
 * failing the armed one; see alloc_fail.h.
 *
 * Check runs each test in a process of its own (CK_FORK), and the code
 * under test runs in one thread, so plain counters do.
 */
#include <errno.h>
#include <stddef.h>

#include "alloc_fail.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);

static long countdown;	/* 0: disarmed; else allocations left to the failing one */
static int fired;

void
alloc_fail_arm(long n)
{
	countdown = n;
	fired = 0;
}

int
alloc_fail_disarm(void)
{
	countdown = 0;
	return fired;
}

/* 1 if this allocation is the one to fail. */
static int
fail_now(void)
{
	if (countdown == 0 || --countdown > 0)
		return 0;
	fired = 1;
	errno = ENOMEM;
	return 1;
}

void *
__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

char *
__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}
