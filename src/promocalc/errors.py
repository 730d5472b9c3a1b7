"""One error family: every problem promocalc reports is a :class:`PromocalcError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One structured problem: a stable ``type`` slug, where it is, and what is wrong."""

    type: str
    loc: Loc
    message: str
    severity: str = "error"
    ctx: dict[str, Any] = field(default_factory=dict)

    def path(self) -> str:
        """The location as a dotted path, e.g. ``lines[2].price``."""
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "<root>"


class PromocalcError(Exception):
    """Base class of every error promocalc raises on purpose."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = problems or []


class InputError(PromocalcError):
    """A document could not be read at all (missing file, not YAML/JSON, too large)."""


class ConfigError(PromocalcError):
    """A campaign config is invalid; ``problems`` lists every problem found."""


class CartError(PromocalcError):
    """A cart (or a refund request) is invalid; ``problems`` lists what is wrong and where."""


def raise_problems(cls: type[PromocalcError], problems: list[Problem]) -> None:
    """Raise ``cls`` carrying ``problems`` if any of them is an error."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise cls(f"{first.path()}: {first.message}{more}", problems)
