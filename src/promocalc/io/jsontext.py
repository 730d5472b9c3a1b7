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


class _Unsupported(Exception):
    pass


def dumps(data: Any, indent: int | None = 1) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=indent)``, byte for byte; ``indent=None`` is compact
    (no spaces at all), the form a service sends."""
    if indent is None:
        return _COMPACT.encode(data)
    try:
        return _container(data, "\n", " " * indent) if type(data) in (dict, list) else _scalar(data)
    except _Unsupported:
        return json.dumps(data, ensure_ascii=False, indent=indent)


def _key(k: Any) -> str:
    if type(k) is not str:
        raise _Unsupported
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
    raise _Unsupported  # floats, subclasses, anything else: the standard encoder decides


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
