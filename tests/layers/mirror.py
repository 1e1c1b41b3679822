#!/usr/bin/env python3
"""tests/layers/mirror.py: tests mirror sources. Every module (a .c file)
of the layers layers.py knows (common/core, common/db, common/serve,
fcgi-user, fcgi-order) has its unit test, tests/check_MODULE.c, or is in
EXEMPT below with the reason it has none. Fails on:

  a module without a test and without an exemption;
  an exemption gone stale: its module has a test now, or no longer exists;
  a tests/check_*.c named after no module, unless it is the unit tests'
    support (check_*_support.c) or in NOT_A_MODULE below.

Lists the modules without a test and prints "N of M modules have a unit
test". Exits 1 on any failure.

  mirror.py SRCDIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layers import source_files  # noqa: E402

# Modules with no unit test of their own, and why. Each says where the
# module's code is run by tests instead.
EXEMPT = {
    'common/serve/fcgi_loop.c':
        'the accept loop, its worker threads and signals: run by every integration '
        'test; lifecycle.test checks the ways it gets its socket and its stop on '
        'SIGTERM, restart.test that a restart under load loses no request',
    'fcgi-user/main.c':
        'the service\'s own options and start-up steps, handed to service_main '
        '(check_service.c): run by every integration test, whose stack it starts; '
        'lifecycle.test checks its flags and their errors',
    'fcgi-order/main.c':
        'the service\'s own options and start-up steps, handed to service_main '
        '(check_service.c): run by every integration test, whose stack it starts',
    'common/db/db_sqlite.c':
        'the SQLite engine behind db.h: check_db.c tests db.h on it (and its own '
        'cases: a replaced file), as every store suite of check_store does',
    'common/db/db_batch.c':
        'group commit behind db.h\'s db_begin_write and db_end_write: check_db.c runs its '
        'write tests again through a batch, with 8 threads writing at once; '
        'batch.test holds a batch open and kills the service',
    'common/db/db_pg.c':
        'the PostgreSQL engine behind db.h: check_db.c and the store suites run on it '
        'in script/test\'s PostgreSQL pass (MICROSHOP_TEST_POSTGRESQL), as every '
        'integration test does',
}

# Unit test files that mirror no one module, and why.
NOT_A_MODULE = {
    'check_main.c': 'the runner of check_unit (not a test of a main.c)',
    'check_core_main.c': 'the runner of check_core',
    'check_store_main.c': 'the runner of check_store',
    'check_api_main.c': 'the runner of check_api',
    'check_alloc.c': 'the answers of many modules when memory runs out (its own runner, '
                     'linked with --wrap=malloc)',
}


def is_support(name):
    """What the unit tests share (check_support.c, check_request_support.c)."""
    return name.endswith('support.c')


def main(srcdir):
    os.chdir(srcdir)
    modules = source_files(('.c',))
    names = {os.path.splitext(os.path.basename(m))[0] for m in modules}
    tests = {f for f in os.listdir('tests')
             if f.startswith('check_') and f.endswith('.c') and not is_support(f)}
    mirrored = {f[len('check_'):-len('.c')] for f in tests if f not in NOT_A_MODULE}
    failures, tested = [], 0
    for m in modules:
        name = os.path.splitext(os.path.basename(m))[0]
        if name in mirrored:
            tested += 1
            if m in EXEMPT:
                failures.append('%s has tests/check_%s.c now: remove its exemption from '
                                'tests/layers/mirror.py' % (m, name))
        elif m in EXEMPT:
            print('# no unit test: %s (%s)' % (m, EXEMPT[m]))
        else:
            failures.append('no unit test: %s (add tests/check_%s.c, or an exemption to '
                            'tests/layers/mirror.py saying why not)' % (m, name))
    for m in sorted(EXEMPT):
        if m not in modules:
            failures.append('%s is exempt but is no module: remove its exemption from '
                            'tests/layers/mirror.py' % m)
    for f in sorted(tests):
        name = f[len('check_'):-len('.c')]
        if f in NOT_A_MODULE:
            continue
        if name not in names:
            failures.append('tests/%s is named after no module (a module renamed? or add '
                            'it to NOT_A_MODULE in tests/layers/mirror.py saying why)' % f)
    for f in sorted(NOT_A_MODULE):
        if f not in tests:
            failures.append('tests/%s is listed in NOT_A_MODULE but does not exist' % f)
    for failure in failures:
        print('not ok - ' + failure)
    print('%d of %d modules have a unit test' % (tested, len(modules)))
    print('%d passed, %d failed' % (0 if failures else 1, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
