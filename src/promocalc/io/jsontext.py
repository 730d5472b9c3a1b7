"""JSON text of plain data, written faster than the standard library's indented encoder.

``json.dumps(..., indent=N)`` runs the pure-Python encoder (the C one only writes unindented text);
:func:`dumps` writes the same characters for the data a quote holds (dicts with string keys, lists,
strings, ints, booleans, ``None``) and hands anything else to ``json.dumps``.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _quote  # the C function when available
from typing import Any

_KEYS: dict[str, str] = {}  # key -> '"key": '; bounded, keys repeat from record to record
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_STR = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


class Unsupported(Exception):
    """A value only ``json.dumps`` writes the way it does."""


def dumps(data: Any, indent: int | None = 1, text_default: bool = False) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=indent)``, byte for byte; ``indent=None`` is compact
    (no spaces at all), the form a service sends. ``text_default`` writes what JSON has no type for as its
    ``str()``, as ``default=str`` does."""
    if indent is None:
        return (_COMPACT_STR if text_default else _COMPACT).encode(data)  # type: ignore[no-any-return]
    try:
        return _container(data, "\n", " " * indent) if type(data) in (dict, list) else _scalar(data)
    except Unsupported:
        return json.dumps(data, ensure_ascii=False, indent=indent, default=str if text_default else None)


class Layout:
    """The separators of one ``indent`` (``None``: compact), for writers that put text together themselves.

    ``ind[d]`` is what precedes a member at depth ``d`` (a newline and ``d`` indents), ``colon`` follows a
    key, and :meth:`value` writes any plain value whose container closes at depth ``d``, as :func:`dumps`.
    """

    __slots__ = ("ind", "colon", "step", "compact")

    def __init__(self, indent: int | None) -> None:
        self.compact = indent is None
        nl, self.step, self.colon = ("", "", ":") if indent is None else ("\n", " " * indent, ": ")
        self.ind = [nl + self.step * d for d in range(8)]

    def value(self, v: Any, d: int) -> str:
        """``v`` as JSON text; raises ``Unsupported`` for what only ``json.dumps`` writes (floats, subclasses)."""
        t = type(v)
        if t is str:
            return _quote(v)  # type: ignore[no-any-return]
        if t is dict or t is list:
            if self.compact:
                return _COMPACT.encode(v)  # type: ignore[no-any-return]
            return _container(v, self.ind[d], self.step)
        return _scalar(v)

    def key(self, k: str) -> str:
        """``"k"`` and the colon after it."""
        return _quote(k) + self.colon  # type: ignore[no-any-return]


def _key(k: Any) -> str:
    if type(k) is not str:
        raise Unsupported
    s = _quote(k) + ": "
    if len(_KEYS) < 4096:
        _KEYS[k] = s
    return s


def _scalar(v: Any) -> str:
    t = type(v)
    if t is str:
        return _quote(v)  # type: ignore[no-any-return]
    if t is int:
        return int.__repr__(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    raise Unsupported  # floats, subclasses, anything else: the standard encoder decides


def _container(o: Any, nl: str, step: str) -> str:
    inner = nl + step
    parts: list[str] = []
    add = parts.append
    if type(o) is dict:
        if not o:
            return "{}"
        keys = _KEYS
        for k, v in o.items():
            kk = keys.get(k) or _key(k)
            t = type(v)
            if t is str:
                add(kk + _quote(v))
            elif t is dict or t is list:
                add(kk + _container(v, inner, step))
            else:
                add(kk + _scalar(v))
        return "{" + inner + ("," + inner).join(parts) + nl + "}"
    if not o:
        return "[]"
    if all(type(v) is str for v in o):
        return "[" + inner + ("," + inner).join(map(_quote, o)) + nl + "]"
    for v in o:
        t = type(v)
        if t is dict or t is list:
            add(_container(v, inner, step))
        else:
            add(_scalar(v))
    return "[" + inner + ("," + inner).join(parts) + nl + "]"
