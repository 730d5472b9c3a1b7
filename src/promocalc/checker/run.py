"""Check config files: read, validate, run the meaning checks and, given the previous version, the change rules."""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from ..io.documents import STDIN, Document, read_file, stdin_text
from ..model.config import Config
from ..model.semantics import check_references
from .against import check_against
from .partial import salvage
from .rules import campaign_tz, check_config, epoch
from .schema import validate


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem placed in a file: 1-based line and column."""

    file: str
    line: int
    column: int
    problem: Problem

    @property
    def severity(self) -> str:
        """``error`` or ``warning``."""
        return self.problem.severity


@dataclass
class FileReport:
    """What checking one file found; ``unusable`` when it could not be read as a document at all."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    unusable: bool = False
    config: Config | None = None


def load(path: str) -> tuple[Document | None, Config | None, FileReport]:
    """Read and validate one config file (schema and meaning), collecting every problem."""
    report = FileReport(path)
    try:
        doc = read_file(path)
    except InputError as e:
        report.unusable = True
        d = getattr(e, "document", None)
        for p in e.problems or [Problem("unreadable", (), str(e))]:
            line, col = d.where(p.loc) if d is not None else (1, 1)
            report.findings.append(Finding(path, line, col, p))
        return None, None, report
    cfg, problems = validate(doc.data)
    if cfg is not None:
        problems = check_references(cfg) + check_config(cfg)
    else:
        problems = problems + salvage(doc.data, problems)
    report.config = cfg
    report.findings = [place(doc, p) for p in problems]
    return doc, cfg, report


def check_file(path: str, old: Config | None = None, now: float | str | None = None) -> FileReport:
    """Every problem of one config file; with ``old`` also what may no longer change at ``now``.

    ``now`` is epoch seconds or an ISO 8601 time (naive: in the config's campaign timezone); default:
    the current time.
    """
    doc, cfg, report = load(path)
    if doc is not None and cfg is not None and old is not None:
        if now is None:
            at = time.time()
        elif isinstance(now, str):
            at = epoch(now, campaign_tz(cfg))
            if at is None:
                raise ValueError(f"time {now!r} is not an ISO 8601 date-time like '2016-09-30T12:00'")
        else:
            at = now
        report.findings += [place(doc, p) for p in check_against(cfg, old, at)]
    report.findings.sort(key=lambda f: (f.line, f.column, f.severity != "error", f.problem.type, f.problem.message))
    return report


def place(doc: Document, p: Problem) -> Finding:
    """Locate a problem in its document; ``ctx['key']`` asks for the line of a top-level key itself."""
    if p.ctx.get("key") and len(p.loc) == 1:
        pos = _key_position(doc.name, str(p.loc[0]))
        if pos is not None:
            return Finding(doc.name, pos[0], pos[1], p)
    line, col = doc.where(p.loc)
    if p.type == "extra_forbidden" and p.loc and doc.positions.get(p.loc) is not None:
        pos = _key_before(doc.name, str(p.loc[-1]), line, col)
        if pos is not None:
            line, col = pos
    return Finding(doc.name, line, col, p)


def _key_before(path: str, key: str, line: int, col: int) -> tuple[int, int] | None:
    """Where the key of the value at (line, col) is written: the last ``key:`` before the value."""
    text = _lines(path)
    if text is None:
        return None
    pattern = re.compile(r'(["\']?)' + re.escape(key) + r'\1\s*:')
    for n in range(min(line, len(text)), max(0, line - 50), -1):
        row = text[n - 1] if n != line else text[n - 1][: col - 1]
        found = [m for m in pattern.finditer(row)
                 if m.start() == 0 or not (row[m.start() - 1].isalnum() or row[m.start() - 1] in "_-")]
        if found:
            return n, found[-1].start() + 1
    return None


def _lines(path: str) -> tuple[str, ...] | None:
    if path == STDIN:
        held = stdin_text()
        return tuple(held.splitlines()) if held is not None else None
    try:
        st = Path(path).stat()
        return _read_lines(path, st.st_mtime_ns, st.st_size)
    except OSError:
        return None


@functools.lru_cache(maxsize=4)
def _read_lines(path: str, mtime: int, size: int) -> tuple[str, ...]:
    return tuple(Path(path).read_text(encoding="utf-8-sig", errors="replace").splitlines())


def _key_position(path: str, key: str) -> tuple[int, int] | None:
    """Line and column of a top-level key (YAML ``key:`` or JSON ``"key":``)."""
    lines = _lines(path)
    if lines is None:
        return None
    text = "\n".join(lines)
    pattern = re.compile(r'^(\s*\{?\s*)(["\']?)' + re.escape(key) + r'\2\s*:')
    json_like = text.lstrip().startswith("{")
    for n, line in enumerate(lines, 1):
        m = pattern.match(line)
        if m and (json_like or m.group(1) == ""):
            return n, len(m.group(1)) + 1
    return None
