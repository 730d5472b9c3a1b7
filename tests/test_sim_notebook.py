"""``examples/simulation.ipynb`` runs headless from top to bottom."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

for mod in ("nbclient", "nbformat", "ipykernel", "matplotlib", "pandas", "pyarrow", "distributed"):
    pytest.importorskip(mod)

import nbformat
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_simulation_notebook_executes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(EXAMPLES / "simulation.ipynb", as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    assert time.perf_counter() - started < 120
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("<b>Simulation</b> tmall-1111-2016" in o["data"]["text/html"] for o in html)
