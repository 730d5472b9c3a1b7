"""Problems as one line each, ``FILE:LINE:COL: message`` — what a command line prints."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Problem
from .documents import Document


def located(problems: Iterable[Problem], doc: Document | None, name: str | None = None) -> list[str]:
    """Format problems with their file, line and column (1-based)."""
    out = []
    for p in problems:
        line, col = doc.where(p.loc) if doc is not None else (1, 1)
        fname = name or (doc.name if doc is not None else "<input>")
        where = f" ({p.path()})" if p.loc else ""
        sev = "warning: " if p.severity == "warning" else ""
        out.append(f"{fname}:{line}:{col}: {sev}{p.message}{where}")
    return out
