#!/usr/bin/env python3
"""structure_test -- the architecture rules of docs/architecture.md, checked on the tree.

Usage: structure_test.py ROOT

1. A layer of common/ includes only itself and the layers below it:
   core <- {domain, hub, link} (the three upper layers include none of each other).
2. Only common/ and the unit tests of its modules (tests/unit/) include the
   libraries common/ wraps: zmq.h, czmq.h, lmdb.h, sodium.h, generated *.pb-c.h.
3. No circle of includes among the modules (a .c/.h pair is one module; a
   private header NAME_int.h belongs to module NAME),
   anywhere outside the tests.
4. Production files (common/, node/, server/, audit/) stay under 1,000 lines
   and their functions under 120 lines.

The build enforces rule 1 as well (each layer's folder is the include
directory of its own target only, linked PRIVATE); this test also catches a
relative path such as "../hub/sh_export.h". Prints every violation and exits
1 when there is any.
"""
import os
import re
import sys

LAYERS = {"core": {"core"}, "domain": {"domain", "core"}, "hub": {"hub", "core"},
          "link": {"link", "core"}}
WRAPPED = re.compile(r"^(zmq\.h|czmq\.h|lmdb\.h|sodium\.h|zstd\.h|.*\.pb-c\.h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
PRODUCTION = ("common/", "node/", "server/", "audit/")
MAX_FILE_LINES = 1000
MAX_FUNCTION_LINES = 120


def sources(root):
    for top in ("common", "node", "server", "audit", "bench", "tests"):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [x for x in dirs if x != "node_modules"]  # bench/peers' npm packages
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), root)


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        return [(m.group(1) == '"', m.group(2)) for m in map(INCLUDE.match, f) if m]


def function_lengths(text):
    """(name, first line, lines) of each function: a body from '{' to '}' in column 0."""
    lines = text.split("\n")
    start = None
    for i, line in enumerate(lines):
        if line.startswith("{"):
            j = i - 1
            while j >= 0 and "(" not in lines[j]:
                j -= 1
            m = re.match(r"^(\w+)\s*\(", lines[j]) if j >= 0 else None
            start, name = i, (m.group(1) if m else "?")
        elif line.startswith("}") and start is not None:
            yield name, start + 1, i - start + 1
            start = None


def module_of(path):
    """A .c/.h pair is one module; NAME_int.h, the private header that a
    module's own .c files share, belongs to module NAME."""
    mod = os.path.splitext(path)[0]
    return mod[:-4] if mod.endswith("_int") else mod


def main(root):
    faults = []
    files = sorted(sources(root))
    by_name = {}
    for p in files:
        by_name.setdefault(os.path.basename(p), []).append(p)

    graph = {}
    for p in files:
        parts = p.split("/")
        incs = includes(root, p)
        in_common = parts[0] == "common" and len(parts) > 2
        if in_common:
            layer = parts[1]
            allowed = LAYERS.get(layer)
            if allowed is None:
                faults.append(f"{p}: common/{layer}/ is not a known layer")
                allowed = set()
            for quoted, inc in incs:
                if quoted and "/" in inc and not inc.startswith("shouhe/v1/"):
                    faults.append(f"{p}: includes '{inc}' by a path; include a layer's header by name")
                    continue
                for target in by_name.get(os.path.basename(inc), []):
                    t = target.split("/")
                    if t[0] == "common" and len(t) > 2 and t[1] not in allowed:
                        faults.append(f"{p}: layer {layer} includes {target} (layer {t[1]})")
        elif not p.startswith("tests/unit/"):
            for _, inc in incs:
                if WRAPPED.match(os.path.basename(inc)):
                    faults.append(f"{p}: includes <{inc}>, which only common/ may use")
        if not p.startswith("tests/"):
            mod = module_of(p)
            deps = graph.setdefault(mod, set())
            for quoted, inc in incs:
                for target in by_name.get(os.path.basename(inc), []) if quoted else []:
                    if not target.startswith("tests/"):
                        tm = module_of(target)
                        if tm != mod:
                            deps.add(tm)

    # circles: strongly connected components of more than one module (Tarjan)
    index, low, stack, on, comps = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
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
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    for comp in comps:
        faults.append("include circle: " + " <-> ".join(comp))

    for p in files:
        if not p.startswith(PRODUCTION):
            continue
        with open(os.path.join(root, p), encoding="utf-8", errors="replace") as f:
            text = f.read()
        n = text.count("\n")
        if n >= MAX_FILE_LINES:
            faults.append(f"{p}: {n} lines (at most {MAX_FILE_LINES - 1})")
        if p.endswith(".c"):
            for name, line, length in function_lengths(text):
                if length > MAX_FUNCTION_LINES:
                    faults.append(f"{p}:{line}: function {name} is {length} lines "
                                  f"(at most {MAX_FUNCTION_LINES})")

    for f in faults:
        print(f)
    print(f"structure: {len(files)} files, {len(graph)} modules, {len(faults)} fault(s)")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
