"""The import graph: the engine stands alone, and the named modules import each other one way only.

Every import counts, also those inside functions and under ``TYPE_CHECKING``: a lazy import back is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import promocalc

LEAVES = {"promocalc.allocation", "promocalc.money", "promocalc.thresholds", "promocalc.timeutil", "promocalc.errors"}


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its source."""
    mods: dict[str, tuple[Path, list[str]]] = {}
    for path in root.rglob("*.py"):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
            here = parts
        else:
            here = parts[:-1]
        mods[".".join(parts)] = (path, here)
    graph: dict[str, set[str]] = {}
    for name, (path, here) in mods.items():
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else [])) if node.level \
                    else (node.module or "")  # fmt: skip
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
                out.update(subs)
                if len(subs) < len(node.names):
                    out.add(base)
        graph[name] = {m for m in out if m in mods and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(comp)
    return found


GRAPH = import_graph(Path(promocalc.__file__).parent, "promocalc")


def _together(a: str, b: str) -> bool:
    return any(a in c and b in c for c in cycles(GRAPH))


def test_the_walker_sees_a_lazy_circle(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub.b import B\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import a\n")
    (pkg / "c.py").write_text("from . import a\n")
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.a"} and graph["pkg.c"] == {"pkg.a"}
    assert cycles(graph) == [{"pkg.a", "pkg.sub.b"}]


def test_the_graph_is_read() -> None:
    assert "promocalc.engine.context" in GRAPH["promocalc.engine.pricer"]
    assert "promocalc.engine.cart" in GRAPH["promocalc.model.cart"]


def test_the_engine_imports_nothing_above_it() -> None:
    for name, deps in GRAPH.items():
        if not name.startswith("promocalc.engine"):
            continue
        allowed = {m for m in GRAPH if m.startswith("promocalc.engine")} | LEAVES
        if name == "promocalc.engine.compile":  # the compiler reads the config it compiles
            allowed.add("promocalc.model.config")
        assert deps <= allowed, f"{name} imports {sorted(deps - allowed)}"


def test_the_engine_is_in_no_circle() -> None:
    for c in cycles(GRAPH):
        assert not any(m.startswith("promocalc.engine") or m.startswith("promocalc.model") for m in c), sorted(c)


def test_named_pairs_import_one_way() -> None:
    for a, b in [("promocalc.model.cart", "promocalc.engine.context"), ("promocalc.campaign", "promocalc.refunds"),
                 ("promocalc.cli", "promocalc.sim.command"), ("promocalc.model.config", "promocalc.campaign")]:  # fmt: skip
        assert not _together(a, b), (a, b)
