#!/usr/bin/env bash
# The file-level graph of the C layer, for a reviewer to re-check: which
# file uses which (a call or a variable, from the objects' symbols, so run
# "make" first) and which file includes which header. Prints every edge,
# then the loops (files that reach each other), the edges inside a loop,
# and the headers that declare what another file defines. 0 and 0 is the
# goal: then the files form layers and every header speaks for its file.
set -euo pipefail
cd "$(dirname "$0")/../.."
for o in c/*.c; do
	[ -f "${o%.c}.o" ] || { echo "cgraph: ${o%.c}.o is missing; run make" >&2; exit 1; }
done
python3 - "$@" <<'PY'
import glob, os, re, subprocess, sys

files = sorted(os.path.basename(f)[:-2] for f in glob.glob("c/*.c"))
ours = {os.path.basename(h)[:-2] for h in glob.glob("c/*.h")}
defined, used = {}, {}
for f in files:
    out = subprocess.run(["nm", "c/%s.o" % f], capture_output=True, text=True, check=True).stdout
    used[f] = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBR" and parts[2].startswith("pgseccomp_"):
            defined[parts[2]] = f
        elif len(parts) == 2 and parts[0] == "U":
            used[f].add(parts[1])

edges = {}                      # (from, to) -> why
for f in files:
    for sym in used[f]:
        g = defined.get(sym)
        if g and g != f:
            edges.setdefault((f, g), set()).add(sym)
    for h in re.findall(r'#include "([a-z_]+)\.h"', open("c/%s.c" % f).read()):
        if h != f and h != "compat" and h in ours:
            edges.setdefault((f, h), set()).add("#include")
# Headers include headers: an include of x.h by y.h counts for y.c.
for h in sorted(glob.glob("c/*.h")):
    base = os.path.basename(h)[:-2]
    for inc in re.findall(r'#include "([a-z_]+)\.h"', open(h).read()):
        if inc != base and inc != "compat" and inc in ours:
            edges.setdefault((base, inc), set()).add("#include (header)")

# A header declares what its own file defines.
misplaced = []
for h in sorted(glob.glob("c/*.h")):
    base = os.path.basename(h)[:-2]
    for name in re.findall(r'^extern [^;(]*?\**\b(pgseccomp_\w+)\s*[\[(;]', open(h).read(), re.M):
        owner = defined.get(name)
        if owner and owner != base:
            misplaced.append("%s.h declares %s, defined in %s.c" % (base, name, owner))

nodes = sorted(set(files) | {a for a, b in edges} | {b for a, b in edges})
sys.setrecursionlimit(10000)

def components(edge_set):
    """Tarjan's strongly connected components of the graph edge_set."""
    succ = {n: sorted({b for (a, b) in edge_set if a == n}) for n in nodes}
    index, low, stack, on, sccs = {}, {}, [], set(), []
    def visit(v):
        index[v] = low[v] = len(index); stack.append(v); on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            sccs.append(sorted(comp))
    for n in nodes:
        if n not in index: visit(n)
    return succ, sccs

calls = {e for e in edges if any(not w.startswith("#include") for w in edges[e])}
_, call_sccs = components(calls)
succ, sccs = components(set(edges))
loops = [c for c in sccs if len(c) > 1]
comp_of = {n: i for i, c in enumerate(sccs) for n in c}
inside = sorted((a, b) for (a, b) in edges if comp_of[a] == comp_of[b])

print("edges (from -> to: why):")
for (a, b) in sorted(edges):
    why = sorted(edges[(a, b)])
    print("  %s -> %s: %s" % (a, b, ", ".join(why[:4]) + (" ..." if len(why) > 4 else "")))
call_loops = [c for c in call_sccs if len(c) > 1]
print("loops through calls alone: %d" % len(call_loops))
for c in call_loops:
    print("  " + " ".join(c))
print("loops through calls and includes: %d" % len(loops))
for c in loops:
    print("  " + " ".join(c))
print("edges inside loops (each runs back up): %d" % len(inside))
for a, b in inside:
    print("  %s -> %s" % (a, b))
print("declarations in another file's header: %d" % len(misplaced))
for m in misplaced:
    print("  " + m)
if not loops:
    # Layers, lowest first: a file uses only files of lower layers.
    layer = {}
    def depth(n):
        if n not in layer:
            layer[n] = 0
            layer[n] = 1 + max([depth(s) for s in succ[n]], default=-1)
        return layer[n]
    for n in nodes: depth(n)
    for l in range(max(layer.values()) + 1):
        print("layer %d: %s" % (l, " ".join(n for n in nodes if layer[n] == l)))
PY
