#!/usr/bin/env python3
"""tests/layers/layers.py: the layers of the C code, as its #include lines
draw them (common/Makefile.am says what each layer is):

  common/core/   includes only the core, and no library but json-c;
  common/db/     the core and itself, and the engines' libraries;
  common/serve/  everything in common/;
  a service      common/ and its own folder, never the other service's;
                 its models (*_model) only the core, its stores (*_store)
                 only the core and the database layer.

and the include graph of all of it (a module is a .c and its .h) has no
cycle (a header without a .c of its own is not a module: what includes it
depends on what it includes). Prints every breach and the graph's size;
exits 1 on any breach.

  layers.py SRCDIR
"""
import os
import re
import sys

LIBRARIES = {  # system headers that belong to a layer above the core
    'fcgiapp.h': 'serve', 'fcgio.h': 'serve', 'fcgi_stdio.h': 'serve',
    'sodium.h': 'serve', 'jwt.h': 'serve',
    'sqlite3.h': 'db', 'libpq-fe.h': 'db',
}
LIBRARY_PREFIXES = {'openssl/': 'serve', 'curl/': 'service'}
RANK = {'core': 0, 'db': 1, 'serve': 2, 'service': 3}
# The folders of the layers, from the bottom; mirror.py reads them too.
SOURCE_DIRS = ('common/core', 'common/db', 'common/serve', 'fcgi-user', 'fcgi-order')


def source_files(exts=('.c', '.h')):
    """The files of the layers ending in exts, relative to the current folder."""
    files = []
    for top in SOURCE_DIRS:
        for name in sorted(os.listdir(top)):
            if name.endswith(exts):
                files.append(os.path.join(top, name))
    return files


def layer_of(path):
    """The layer of a file: core, db, serve, or the service's folder."""
    parts = path.split(os.sep)
    if parts[0] == 'common':
        return parts[1]
    return parts[0]


def allowed(src_layer, src_module, dep_layer, dep_dir):
    """Whether a file of src_layer/src_module may include one of dep_layer."""
    if src_layer in ('core', 'db', 'serve'):
        return RANK[dep_layer] <= RANK[src_layer]
    # a service's file
    if dep_layer not in ('core', 'db', 'serve'):
        return dep_dir == src_layer
    if src_module.endswith('_model'):
        return dep_layer == 'core'
    if src_module.endswith('_store'):
        return dep_layer in ('core', 'db')
    return True


def main(srcdir):
    os.chdir(srcdir)
    files = source_files()
    where = {}  # header name -> its file
    for f in files:
        if f.endswith('.h'):
            where[os.path.basename(f)] = f
    breaches, graph = [], {}
    for f in files:
        src_layer = layer_of(f)
        module = os.path.splitext(os.path.basename(f))[0]
        text = open(f, encoding='utf-8').read()
        for header in re.findall(r'^#include "([^"]+)"', text, re.M):
            dep = where.get(header)
            if dep is None:
                breaches.append('%s includes "%s", which is in no layer' % (f, header))
                continue
            dep_layer = layer_of(dep)
            if not allowed(src_layer, module, 'service' if dep_layer not in RANK else dep_layer,
                           dep_layer):
                breaches.append('%s (%s) includes %s (%s)' % (f, src_layer, dep, dep_layer))
            dep_module = os.path.splitext(header)[0]
            if dep_module != module:
                graph.setdefault(f.rsplit('/', 1)[0] + '/' + module, set()).add(
                    dep.rsplit('/', 1)[0] + '/' + dep_module)
        for header in re.findall(r'^#include <([^>]+)>', text, re.M):
            lib = LIBRARIES.get(header)
            for prefix, lay in LIBRARY_PREFIXES.items():
                if header.startswith(prefix):
                    lib = lay
            if lib is None:
                continue
            mine = RANK.get(src_layer, RANK['service'])
            if src_layer not in RANK and (module.endswith('_model') or module.endswith('_store')):
                mine = RANK['db'] if module.endswith('_store') else RANK['core']
            if RANK[lib] > mine:
                breaches.append('%s (%s) includes <%s> (%s)' % (f, src_layer, header, lib))
    # A header without a .c of its own (clock.h, db_driver.h, service.h) is
    # no module: what includes it depends on what it includes.
    with_c = {os.path.splitext(f)[0] for f in files if f.endswith('.c')}
    def through(node, seen):
        if node in with_c or node in seen:
            return {node} if node in with_c else set()
        seen.add(node)
        out = set()
        for d in graph.get(node, ()):
            out |= through(d, seen)
        return out
    graph = {u: {w for d in deps for w in through(d, set()) if w != u}
             for u, deps in graph.items() if u in with_c}
    # cycles: Tarjan's strongly connected components
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    for c in cycles:
        breaches.append('an include cycle: ' + ' <-> '.join(c))
    edges = sum(len(v) for v in graph.values())
    for b in breaches:
        print('not ok - ' + b)
    print('# %d files, %d modules, %d include edges between modules, %d cycles, %d breaches'
          % (len(files), len({os.path.splitext(f)[0] for f in files}), edges, len(cycles),
             len(breaches)))
    print('%d passed, %d failed' % (0 if breaches else 1, len(breaches)))
    return 1 if breaches else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
