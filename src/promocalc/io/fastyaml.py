"""Large YAML documents through libyaml (PyYAML's C parser), read as YAML 1.2 core data.

Values come out as the exact reader gives them: numbers as ``int`` or exact ``Decimal``, times as text,
only ``true``/``false`` as booleans, duplicate keys and foreign tags refused. Positions are not kept:
:func:`where` composes the document again (in C) and walks only down the path of a problem.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

try:
    import yaml
    from yaml import CSafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml: the exact reader reads everything
    yaml = None  # type: ignore[assignment]

AVAILABLE = yaml is not None and hasattr(yaml, "CSafeLoader")
MAX_NUMBER_CHARS = 60
MAX_EXPONENT = 40


class Unsupported(Exception):
    """The fast reader will not read this document; the exact reader decides."""


if AVAILABLE:

    class _Loader(CSafeLoader):  # type: ignore[misc,valid-type]
        """YAML 1.2 core schema: no ``yes``/``on`` booleans, no sexagesimal numbers, no timestamps."""

        yaml_implicit_resolvers: dict[Any, Any] = {}

    _Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))  # fmt: skip
    _Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
    _Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
        list("-+.0123456789"),
    )

    def _int(loader: Any, node: Any) -> int:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise Unsupported
        return int(node.value)

    def _float(loader: Any, node: Any) -> Decimal:
        text = node.value
        if len(text) > MAX_NUMBER_CHARS or text.lower().lstrip("+-") in (".inf", ".nan"):
            raise Unsupported
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Unsupported from None
        if abs(value.adjusted()) > MAX_EXPONENT:
            raise Unsupported
        return value

    def _map(loader: Any, node: Any) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge" or not hasattr(k, "value") or isinstance(k.value, list):
                raise Unsupported  # merge keys and complex keys: the exact reader explains them
            key = loader.construct_object(k, deep=True)
            if not isinstance(key, (str, int)) or isinstance(key, bool) or key in out:
                raise Unsupported  # duplicate or odd keys: the exact reader locates them
            out[key] = loader.construct_object(v, deep=True)
        return out

    def _undefined(loader: Any, node: Any) -> Any:
        raise Unsupported

    _Loader.add_constructor("tag:yaml.org,2002:int", _int)
    _Loader.add_constructor("tag:yaml.org,2002:float", _float)
    _Loader.add_constructor("tag:yaml.org,2002:map", _map)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _undefined)
    _Loader.add_constructor("tag:yaml.org,2002:binary", _undefined)
    _Loader.add_constructor("tag:yaml.org,2002:omap", _undefined)
    _Loader.add_constructor("tag:yaml.org,2002:pairs", _undefined)
    _Loader.add_constructor("tag:yaml.org,2002:set", _undefined)
    _Loader.add_constructor(None, _undefined)


def load(text: str) -> Any:
    """The plain data of ``text``; :class:`Unsupported` for anything the exact reader should see."""
    if not AVAILABLE or "&" in text and "*" in text:  # anchors and aliases: the exact reader bounds them
        raise Unsupported
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader with a closed set of tags
    except Unsupported:
        raise
    except Exception:  # syntax errors and everything odd: the exact reader reports them with positions
        raise Unsupported from None


def where(text: str, loc: tuple[Any, ...]) -> tuple[int, int]:
    """1-based (line, column) of the value at ``loc``, or of its closest enclosing value."""
    node = yaml.compose(text, Loader=_Loader)
    mark = node.start_mark
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and (k.value == part or k.value == str(part)):
                    nxt = v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            nxt = node.value[part]
        if nxt is None:
            break
        node = nxt
        mark = node.start_mark
    return mark.line + 1, mark.column + 1
