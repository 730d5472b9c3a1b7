"""The import graph: the engine stands alone, and the named modules import each other one way only.

In ``GRAPH`` every import counts, also those inside functions and under ``TYPE_CHECKING``: a lazy import back
is still a circle. ``MODULE_GRAPH`` holds only the imports that run while a module is imported: it has no
circle at all, and each module of a lazy circle imports first in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import promocalc

LEAVES = {"promocalc.allocation", "promocalc.money", "promocalc.thresholds", "promocalc.timeutil", "promocalc.errors"}


def _modules(root: Path, package: str) -> dict[str, tuple[Path, list[str]]]:
    """Module name -> (its file, the package path its relative imports start from)."""
    mods: dict[str, tuple[Path, list[str]]] = {}
    for path in root.rglob("*.py"):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
            here = parts
        else:
            here = parts[:-1]
        mods[".".join(parts)] = (path, here)
    return mods


def _imported(nodes: list[ast.AST], here: list[str], mods: dict[str, tuple[Path, list[str]]]) -> set[str]:
    """The package's modules that the import statements among ``nodes`` (and their children) name."""
    out: set[str] = set()
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else [])) if node.level \
                    else (node.module or "")  # fmt: skip
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in mods]
                out.update(subs)
                if len(subs) < len(node.names):
                    out.add(base)
    return {m for m in out if m in mods}


def import_graph(root: Path, package: str, at_import_only: bool = False) -> dict[str, set[str]]:
    """Module -> the package's modules it imports anywhere in its source, or with ``at_import_only`` those it
    imports while it is itself being imported (top level, also under a top-level ``if``/``try``/``with``, and
    class bodies; not function bodies nor ``if TYPE_CHECKING``)."""
    mods = _modules(root, package)
    graph: dict[str, set[str]] = {}
    for name, (path, here) in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes: list[ast.AST] = list(_run_at_import(tree.body)) if at_import_only else [tree]
        graph[name] = _imported(nodes, here, mods) - {name}
    return graph


def _run_at_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _run_at_import(node.orelse)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody"):
                yield from _run_at_import(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                yield from _run_at_import(handler.body)
        elif isinstance(node, ast.ClassDef):
            yield from _run_at_import(node.body)
        else:
            yield node


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
    # at import time neither a TYPE_CHECKING import nor one inside a function runs; a class body's does
    assert cycles(import_graph(pkg, "pkg", at_import_only=True)) == []
    (pkg / "sub" / "b.py").write_text("class K:\n    from .. import a\n")
    (pkg / "a.py").write_text("try:\n    from .sub import b\nexcept ImportError:\n    pass\n")
    assert cycles(import_graph(pkg, "pkg", at_import_only=True)) == [{"pkg.a", "pkg.sub.b"}]


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


MODULE_GRAPH = import_graph(Path(promocalc.__file__).parent, "promocalc", at_import_only=True)


def test_no_module_imports_back_while_it_is_imported() -> None:
    # the circles left in GRAPH pass through a function body or TYPE_CHECKING: none runs at import time
    assert cycles(MODULE_GRAPH) == []
    assert "promocalc.quote" in MODULE_GRAPH["promocalc.refunds"]
    assert "promocalc.receipt" not in MODULE_GRAPH["promocalc.quote"]  # imported when a receipt is asked for
    assert "promocalc.receipt" in GRAPH["promocalc.quote"]


LAZY_NEIGHBOURS = ["promocalc.quote", "promocalc.receipt", "promocalc.refunds", "promocalc.advise", "promocalc.campaign",
                   "promocalc.sim.result", "promocalc.sim.frames", "promocalc.sim.plot", "promocalc.sim.report",
                   "promocalc.cli", "promocalc.sim.command"]  # fmt: skip


@pytest.mark.parametrize("module", LAZY_NEIGHBOURS)
def test_each_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    # imported first, a module of a lazy circle must not find its neighbour half-initialised
    run = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
