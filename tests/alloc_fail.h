/*
 * alloc_fail.h - make one allocation fail, for tests of what code does when
 * memory runs out: the Nth call from now to malloc, calloc, realloc or
 * strdup returns NULL (only that one; the rest succeed).
 *
 * A test binary gets it by linking alloc_fail.c with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup and with
 * json-c's static archive ($(JSONC_STATIC)): --wrap reaches only the code
 * linked into the binary, and a shared json-c would allocate past it.
 * (tests/Makefile.am, check_alloc.)
 *
 * The usual loop, for each N until the code under test makes fewer than N
 * allocations:
 *
 *	for (long n = 1; ; n++) {
 *		alloc_fail_arm(n);
 *		result = code_under_test();
 *		fired = alloc_fail_disarm();
 *		check that result is complete, or a clean failure (NULL);
 *		if (!fired)
 *			break;
 *	}
 *
 * Disarm before any ck_assert: Check allocates too.
 */
#ifndef MICROSHOP_ALLOC_FAIL_H
#define MICROSHOP_ALLOC_FAIL_H

/* Make the nth allocation from now fail (n >= 1). */
void alloc_fail_arm(long n);

/* Stop failing. Returns 1 if the armed allocation happened (and failed). */
int alloc_fail_disarm(void);

#endif
