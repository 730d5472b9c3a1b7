"""Shared fixtures: the golden cases and the bundled examples, all inside the project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent
GOLDEN = sorted((HERE / "golden").glob("*.json"))
EXAMPLES = ROOT / "examples"


def golden_cases() -> list[dict]:
    """Every golden case, parsed."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in GOLDEN]


@pytest.fixture
def examples() -> Path:
    """The bundled examples folder."""
    return EXAMPLES
