/*
 * alloc_fail.h - make allocations fail, for tests of what code does when
 * memory runs out: the Nth call from now to malloc, calloc, realloc or
 * strdup returns NULL (only that one, or every one from the Nth on); and
 * the blocks allocated meanwhile are tracked until they are freed, so that
 * a test can tell that a failure leaked nothing.
 *
 * A test binary gets it by linking alloc_fail.c with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=free
 * and with json-c's static archive ($(JSONC_STATIC)): --wrap reaches only
 * the code linked into the binary, and a shared json-c would allocate past
 * it. (tests/Makefile.am, check_alloc.)
 *
 * The usual loop, for each N until the code under test makes fewer than N
 * allocations:
 *
 *	for (long n = 1; ; n++) {
 *		alloc_fail_arm(n, 0);
 *		result = code_under_test();
 *		fired = alloc_fail_disarm();
 *		check that result is complete, or a clean failure (NULL);
 *		release result;
 *		check that alloc_fail_leaked() is 0;
 *		if (!fired)
 *			break;
 *	}
 *
 * Disarm before any ck_assert: Check allocates too. One thread only.
 */
#ifndef MICROSHOP_ALLOC_FAIL_H
#define MICROSHOP_ALLOC_FAIL_H

/*
 * Make the nth allocation from now fail (n >= 1), and with from_n_on every
 * one after it too; track the blocks allocated from now on.
 */
void alloc_fail_arm(long n, int from_n_on);

/*
 * Stop failing (blocks freed from now on still count as freed). Returns 1
 * if the nth allocation happened (and failed).
 */
int alloc_fail_disarm(void);

/*
 * The blocks allocated while armed and not freed since (-1 if there were
 * too many to track), and stop tracking. After the code under test's
 * result is released, anything here leaked.
 */
long alloc_fail_leaked(void);

#endif
