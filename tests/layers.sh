#!/bin/sh
# No two source files call each other, directly or through others: the library's stages call
# only what stands below them (docs/ARCHITECTURE.md), and so do the CLI's layers. Reads the
# defined and undefined symbols of each object file (nm) and looks for a cycle among files.
set -eu
BUILD=${1:-build}
command -v nm >/dev/null 2>&1 || { echo "layers: nm missing (binutils), skipped"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "layers: python3 missing, skipped"; exit 0; }
rc=0
for dir in "$BUILD/obj" "$BUILD/obj/cli"; do
    python3 - "$dir" <<'PY' || rc=1
import collections, glob, os, subprocess, sys
d = sys.argv[1]
defs, uses = {}, collections.defaultdict(set)
for o in sorted(glob.glob(os.path.join(d, '*.o'))):
    name = os.path.basename(o)[:-2] + '.c'
    for line in subprocess.run(['nm', o], capture_output=True, text=True, check=True).stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in 'TDBRC': defs[p[2]] = name
        elif len(p) == 2 and p[0] == 'U': uses[name].add(p[1])
g = {f: sorted({defs[u] for u in us if u in defs and defs[u] != f}) for f, us in uses.items()}
state, path = {}, []
def visit(v):
    state[v] = 1; path.append(v)
    for w in g.get(v, []):
        if state.get(w) == 1:
            print('layers: %s: files call each other: %s' % (d, ' -> '.join(path[path.index(w):] + [w])))
            sys.exit(1)
        if w not in state: visit(w)
    state[v] = 2; path.pop()
for v in sorted(g):
    if v not in state: visit(v)
print('layers: %s: %d files, no loop of calls' % (d, len(g)))
PY
done
exit $rc
