"""tests/capacity/check_summary.py: run the unittest cases of the calling
script and print Check's summary line ("N%: Checks: N, Failures: N, Errors:
N"), which script/test adds up with the C suites'; exit non-zero on any
failure."""
import sys
import unittest


def main():
    result = unittest.main(module="__main__", exit=False, verbosity=1).result
    n = result.testsRun
    bad = len(result.failures) + len(result.errors)
    print("%d%%: Checks: %d, Failures: %d, Errors: %d" % (
        100 * (n - bad) // max(n, 1), n, len(result.failures), len(result.errors)))
    sys.exit(0 if result.wasSuccessful() else 1)
