"""Strict reading of outside documents: unknown fields, ids and free-form ``attrs``, each a located problem."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from ..errors import Loc, Problem

MAX_ID_CHARS = 200
MAX_ATTRS_CHARS = 4096  # the caller's own data rides along; it is not ours to store in bulk


def suggest(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest valid name, or ``""``."""
    best = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {best[0]!r}?" if best else ""


def unknown_fields(data: dict[Any, Any], allowed: Collection[str], loc: Loc, problems: list[Problem]) -> None:
    """One problem per key of ``data`` outside ``allowed``, each naming the closest valid field."""
    for key in data:
        if key not in allowed:
            name = key if isinstance(key, str) else repr(key)
            problems.append(Problem("unknown_field", loc + (key,), f"unknown field {shown(name)!r}{suggest(name, allowed)}"))


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control or format character (newline, ANSI escape, bidi override, ...)."""
    return not text.isprintable() and any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def check_id(text: str, loc: Loc, problems: list[Problem], what: str) -> None:
    """An id must be short printable text: no control characters that could forge what a receipt shows."""
    if len(text) > MAX_ID_CHARS:
        problems.append(Problem("too_long", loc, f"{what} is longer than {MAX_ID_CHARS} characters"))
    elif has_control(text):
        problems.append(Problem("control_character", loc, f"{what} {shown(text)!r} holds a control character"))


def check_attrs(value: Any, loc: Loc, problems: list[Problem]) -> None:
    """``attrs`` is the caller's own data: any mapping of plain values, kept small."""
    if not isinstance(value, dict):
        problems.append(Problem("type", loc, "attrs must be a mapping of the caller's own data"))
    elif len(repr(value)) > MAX_ATTRS_CHARS:
        problems.append(Problem("too_large", loc, f"attrs is larger than {MAX_ATTRS_CHARS} characters"))


def shown(text: str, limit: int = 80) -> str:
    """``text`` safe to print: control and format characters escaped, long text cut."""
    out = text if text.isprintable() else "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return out if len(out) <= limit else out[:limit] + "…"
