"""The check's output formats: text lines, JSON, GitHub Actions annotations and a step summary table."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .run import FileReport, Finding


def counts(reports: Sequence[FileReport]) -> tuple[int, int]:
    """(errors, warnings) over all files."""
    found = [f for r in reports for f in r.findings]
    errors = sum(1 for f in found if f.severity == "error")
    return errors, len(found) - errors


def text_lines(reports: Sequence[FileReport]) -> list[str]:
    """``FILE:LINE:COL: message (path)``, warnings marked ``warning:``; then a one-line summary."""
    out = []
    for r in reports:
        for f in r.findings:
            p = f.problem
            sev = "warning: " if f.severity == "warning" else ""
            where = f" ({p.path()})" if p.loc else ""
            out.append(f"{f.file}:{f.line}:{f.column}: {sev}{p.message}{where}")
    out.append(summary_line(reports))
    return out


def summary_line(reports: Sequence[FileReport]) -> str:
    """``promocalc check: 2 errors, 1 warning in 3 files``."""
    errors, warnings = counts(reports)
    files = len(reports)
    if not errors and not warnings:
        return f"promocalc check: {_n(files, 'file')} valid, no problems"
    unusable = sum(1 for r in reports if r.unusable)
    lost = f" ({unusable} could not be read)" if unusable else ""
    return f"promocalc check: {_n(errors, 'error')}, {_n(warnings, 'warning')} in {_n(files, 'file')}{lost}"


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def finding_dict(f: Finding) -> dict[str, object]:
    """One finding as a JSON object."""
    p = f.problem
    return {"file": f.file, "line": f.line, "column": f.column, "type": p.type, "message": p.message,
            "severity": f.severity, "path": p.path() if p.loc else ""}


def to_json(reports: Sequence[FileReport]) -> str:
    """``{"valid", "errors", "warnings", "files", "problems": [...]}``."""
    errors, warnings = counts(reports)
    doc = {
        "valid": errors == 0,
        "errors": errors,
        "warnings": warnings,
        "files": [r.file for r in reports],
        "problems": [finding_dict(f) for r in reports for f in r.findings],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github_lines(reports: Sequence[FileReport]) -> list[str]:
    """GitHub Actions workflow commands: ``::error file=F,line=L,col=C,title=T::message``."""
    out = []
    for r in reports:
        for f in r.findings:
            cmd = "warning" if f.severity == "warning" else "error"
            props = ",".join([
                f"file={_escape_property(f.file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property('promocalc ' + f.problem.type)}",
            ])
            where = f" ({f.problem.path()})" if f.problem.loc else ""
            out.append(f"::{cmd} {props}::{_escape_data(f.problem.message + where)}")
    return out


def _cell(s: object) -> str:
    return str(s).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def markdown_summary(reports: Sequence[FileReport]) -> str:
    """A Markdown section for ``$GITHUB_STEP_SUMMARY``: a headline and a table of every problem."""
    lines = ["## promocalc check", "", summary_line(reports).removeprefix("promocalc check: ") + ".", ""]
    found = [f for r in reports for f in r.findings]
    if found:
        lines += ["| file | line | column | severity | type | message |", "|---|---:|---:|---|---|---|"]
        for f in found:
            lines.append(f"| {_cell(f.file)} | {f.line} | {f.column} | {f.severity} | `{_cell(f.problem.type)}` "
                         f"| {_cell(f.problem.message)} |")
        lines.append("")
    return "\n".join(lines) + "\n"
