#!/usr/bin/env python3
"""Fails if a crate's modules import each other in a circle.

    scripts/check-cycles.py app/src server/src

A module (one source file) depends on another when it names a path into
it: `use crate::a::b::C`, `crate::a::f()`, `super::x::Y`, or a child
`x::Y` after `mod x;`. A path is charged to the deepest module it names, so
`crate::protocol::ids::RoomCode` depends on `protocol/ids.rs`, while
`crate::protocol::RoomCode` depends on `protocol/mod.rs` (and through its
`pub use ids::*` on `ids.rs`). Test modules at the end of a file
(`#[cfg(test)] mod tests`) are left out: they may look anywhere.

Prints each cycle found as `a -> b -> a` and exits 1; prints nothing and
exits 0 when the graph is acyclic.
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_TREE = re.compile(r"\buse\s+(crate|super|self)::\{([^;]*)\};", re.S)
MOD_DECL = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
CHILD_USE = re.compile(r"\b(?:pub\s+)?use\s+([a-z_][a-z0-9_]*)::")
COMMENT = re.compile(r"//[^\n]*")


def module_of(root: Path, file: Path) -> tuple:
    """The module path of a file: lib.rs is (), a/b.rs and a/b/mod.rs are (a, b)."""
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts.pop()
    return tuple(parts)


def source_without_tests(file: Path) -> str:
    text = COMMENT.sub("", file.read_text())
    cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+tests\b", text)
    return text[: cut.start()] if cut else text


def check(root: Path) -> list:
    modules = {}
    for file in sorted(root.rglob("*.rs")):
        if file.name == "main.rs" and file.parent == root and (root / "lib.rs").exists():
            continue  # a binary beside the library: a crate of its own
        modules[module_of(root, file)] = file

    def deepest(path: tuple):
        for end in range(len(path), -1, -1):
            if path[:end] in modules:
                return path[:end]
        return None

    graph = {}
    for module, file in modules.items():
        text = source_without_tests(file)
        parent = module[:-1] if module else ()
        children = set(MOD_DECL.findall(text))
        targets = set()

        def resolve(anchor: str, rest: list):
            base = {"crate": (), "super": parent, "self": module}[anchor]
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
            target = deepest(base + tuple(rest))
            if target is not None and target != module:
                targets.add(target)

        for anchor, tail in PATH.findall(text):
            resolve(anchor, tail.strip(":").split("::"))
        for anchor, tree in USE_TREE.findall(text):
            for item in re.split(r"[,{}\s]+", tree):
                if item:
                    resolve(anchor, item.split("::"))
        for child in CHILD_USE.findall(text):
            if child in children:
                target = deepest(module + (child,))
                if target is not None and target != module:
                    targets.add(target)
        graph[module] = targets

    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for next_node in sorted(graph[node]):
            if state.get(next_node) == "open":
                cycles.append(stack[stack.index(next_node):] + [next_node])
            elif next_node not in state:
                visit(next_node)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    name = lambda m: "::".join(("crate",) + m)
    return [" -> ".join(name(m) for m in cycle) for cycle in cycles]


def main() -> int:
    found = []
    for root in sys.argv[1:]:
        found += [f"{root}: {cycle}" for cycle in check(Path(root))]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
