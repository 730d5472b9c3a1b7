"""Schema validation for the check: every pydantic problem at once, with suggestions for unknown names.

It also keeps hostile values away from the models: a timezone that is no IANA name, or a rate written
as a string with an absurd exponent, is reported here instead of being handed to code that would
stall or fail on it.
"""

from __future__ import annotations

import re
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from ..campaign import validation_problems
from ..errors import Loc, Problem
from ..model.config import PROMOTION_KINDS, Config
from ..model.semantics import suggest

_MAX_EXPONENT = 40
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "above"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "below"),
}


def validate(data: Any) -> tuple[Config | None, list[Problem]]:
    """Validate a document's data against the config schema; problems carry suggestions."""
    if not isinstance(data, dict):
        got = type(data).__name__ if data is not None else "nothing"
        return None, [Problem("type", (), f"a config must be a mapping with 'promocalc: 1' (got {got})")]
    data, pre = _defuse(data)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as e:
        raw = e.errors(include_url=False)
        problems = validation_problems(e)
        out = [_with_hint(p, r, data) for p, r in zip(problems, raw)]
        pre_locs = {p.loc for p in pre}
        return None, pre + [p for p in out if p.loc not in pre_locs]
    return (cfg, []) if not pre else (None, pre)


def _defuse(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Replace values the models cannot safely be given; report them as problems."""
    pre: list[Problem] = []
    camp = data.get("campaign")
    if isinstance(camp, dict) and isinstance(camp.get("timezone"), str):
        tz = camp["timezone"]
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # the model reports it
        except Exception:
            pre.append(Problem("value_error", ("campaign", "timezone"),
                               f"unknown timezone {tz[:80]!r} (use an IANA name like 'Asia/Shanghai')"))
            data = {**data, "campaign": {**camp, "timezone": "UTC"}}
    bad: list[Loc] = []
    _find_rates(data, (), bad, 0)
    for loc in bad:
        pre.append(Problem("value_error", loc, "rate is out of range; it must lie strictly between 0 and 1"))
        data = _replace(data, loc, "0.5")
    return data, pre


def _find_rates(obj: Any, loc: Loc, bad: list[Loc], depth: int) -> None:
    if depth > 80:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "rate" and isinstance(v, (str, Decimal)) and _absurd(v):
                bad.append(loc + (k,))
            else:
                _find_rates(v, loc + (k,), bad, depth + 1)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _find_rates(v, loc + (i,), bad, depth + 1)


def _absurd(v: str | Decimal) -> bool:
    try:
        d = Decimal(v.strip()) if isinstance(v, str) else v
    except (InvalidOperation, ValueError):
        return False
    return d.is_finite() and abs(d.adjusted()) > _MAX_EXPONENT


def _replace(obj: Any, loc: Loc, value: Any) -> Any:
    if not loc:
        return value
    head, rest = loc[0], loc[1:]
    if isinstance(obj, dict):
        return {**obj, head: _replace(obj[head], rest, value)}
    copy = list(obj)
    copy[int(head)] = _replace(copy[int(head)], rest, value)
    return copy


def _with_hint(p: Problem, raw: Any, data: Any) -> Problem:
    """Add ``did you mean`` to unknown fields and to values outside a fixed set."""
    try:
        if raw["type"] == "extra_forbidden" and p.loc:
            fields = _fields_at(p.loc[:-1], data)
            name = str(p.loc[-1])
            hint = suggest(name, fields)
            if not hint:
                near = [f for f in fields if f.startswith(name) or name.startswith(f)]
                hint = f"; did you mean {near[0]!r}?" if len(near) == 1 else ""
            if hint:
                return Problem(p.type, p.loc, f"{p.message}{hint}", p.severity)
        elif raw["type"] in ("literal_error", "enum"):
            choices = re.findall(r"'([^']*)'", str(raw.get("ctx", {}).get("expected", "")))
            got = raw.get("input")
            if isinstance(got, str) and choices:
                return Problem(p.type, p.loc, f"{got[:80]!r} is not one of {', '.join(choices)}"
                               f"{suggest(got, choices)}", p.severity)
        elif raw["type"] in _BOUNDS and p.loc:
            bound = raw.get("ctx", {}).get(_BOUNDS[raw["type"]][0])
            got = raw.get("input")
            name = next((str(x) for x in reversed(p.loc) if isinstance(x, str)), "value")
            if bound is not None and isinstance(got, (int, Decimal)) and not isinstance(got, bool):
                return Problem(p.type, p.loc, f"{name} {got} must be {_BOUNDS[raw['type']][1]} {bound}", p.severity)
        elif raw["type"] == "union_tag_not_found":
            return Problem(p.type, p.loc + ("kind",),
                           f"missing field 'kind' (one of {', '.join(PROMOTION_KINDS)})", p.severity)
        elif p.loc and p.loc[-1] == "[key]":
            return Problem(p.type, p.loc, f"key {raw.get('input')!r} must be text; write it quoted", p.severity)
    except Exception:
        return p
    return p


def _fields_at(loc: Loc, data: Any) -> list[str]:
    """Field names of the model found at ``loc`` in the document (best effort)."""
    ann: Any = Config
    node = data
    for part in loc:
        ann = _pick(ann, node)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(str(part))
            if field is None:
                return []
            ann = field.annotation
        else:
            args = typing.get_args(ann)
            ann = args[-1] if args else None
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    ann = _pick(ann, node)
    return list(ann.model_fields) if isinstance(ann, type) and issubclass(ann, BaseModel) else []


def _pick(ann: Any, node: Any) -> Any:
    """Unwrap Annotated/Optional/Union down to the member that fits ``node``."""
    for _ in range(10):
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(ann) if a is not type(None)]
            kind = node.get("kind") if isinstance(node, dict) else None
            if isinstance(kind, str) and kind in PROMOTION_KINDS:
                return PROMOTION_KINDS[kind]
            fits = [m for m in members if _fits(m, node)]
            ann = (fits or members)[0]
        else:
            return ann
    return ann


def _fits(ann: Any, node: Any) -> bool:
    inner = typing.get_args(ann)[0] if typing.get_origin(ann) is typing.Annotated else ann
    origin = typing.get_origin(inner) or inner
    if isinstance(node, dict):
        return origin is dict or (isinstance(origin, type) and issubclass(origin, BaseModel))
    if isinstance(node, list):
        return origin is list
    return True
