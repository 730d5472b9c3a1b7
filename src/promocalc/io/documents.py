"""Load YAML or JSON safely: exact decimals for numbers, positions for every value, bounded size.

Numbers are never floats: ``199.90`` becomes ``Decimal("199.90")``. Tags other
than YAML's own are refused (nothing is ever constructed from them), alias
expansion is bounded, and so are file size, depth and the length of numbers.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..errors import InputError, Loc, Problem

MAX_BYTES = 16 * 1024 * 1024
FAST_YAML_CHARS = 256 * 1024  # larger YAML is read by the C reader, positions recovered only for problems
MAX_NODES = 2_000_000
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 60
MAX_EXPONENT = 40  # no amount, rate or count comes near 1e40; 1e999999 would stall exact arithmetic

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:timestamp",
}


class _NumberTooLong(ValueError):
    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.mark = mark


class _ExactConstructor(RoundTripConstructor):
    """Round-trip constructor that reads floats as exact decimals and refuses foreign tags."""

    def construct_yaml_float(self, node: Any) -> Any:
        text = str(node.value).replace("_", "")
        if len(text) > MAX_NUMBER_CHARS:
            raise _NumberTooLong(f"number {text[:20]}... is too long", node.start_mark)
        low = text.lower()
        if low in (".nan", ".inf", "-.inf", "+.inf"):
            raise ConstructorError(None, None, f"number {text} is not finite", node.start_mark)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ConstructorError(None, None, f"{text!r} is not a number", node.start_mark) from None
        if abs(value.adjusted()) > MAX_EXPONENT:
            raise _NumberTooLong(f"number {text} is out of range", node.start_mark)
        return value

    def construct_yaml_int(self, node: Any) -> Any:
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            raise _NumberTooLong(f"number {str(node.value)[:20]}... is too long", node.start_mark)
        return int(super().construct_yaml_int(node))

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return str(node.value)  # times stay text; the models parse them with the campaign timezone

    def construct_undefined(self, node: Any) -> Any:
        raise ConstructorError(None, None, f"tag {node.tag!r} is not allowed (only plain YAML data is)", node.start_mark)


_ExactConstructor.add_constructor("tag:yaml.org,2002:float", _ExactConstructor.construct_yaml_float)
_ExactConstructor.add_constructor("tag:yaml.org,2002:int", _ExactConstructor.construct_yaml_int)
_ExactConstructor.add_constructor("tag:yaml.org,2002:timestamp", _ExactConstructor.construct_yaml_timestamp)
_ExactConstructor.add_constructor(None, _ExactConstructor.construct_undefined)


@dataclass
class Document:
    """A loaded document: plain data (dicts, lists, str, int, Decimal, bool, None) and where each value is."""

    data: Any
    name: str = "<input>"
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    text: str | None = None  # kept when positions are worked out only if asked for
    _offsets: dict[int, Any] = field(default_factory=dict, repr=False)
    fast_yaml: bool = False  # read by the C YAML reader: positions are found by composing it again

    def where(self, loc: Loc) -> tuple[int, int]:
        """1-based (line, column) of the value at ``loc``, or of its closest enclosing value."""
        if not self.positions and self.text is not None and self.fast_yaml:
            from . import fastyaml

            try:
                return fastyaml.where(self.text, tuple(loc))
            except Exception:  # never fails a report: the document's start is a position too
                return (1, 1)
        if not self.positions and self.text is not None:
            return _json_where(self.text, tuple(loc), self._offsets)  # no second reading of the whole file
        loc = tuple(loc)
        while loc:
            pos = self.positions.get(loc)
            if pos is not None:
                return pos
            loc = loc[:-1]
        return self.positions.get((), (1, 1))


_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def _json_where(text: str, loc: Loc, cache: dict[int, Any]) -> tuple[int, int]:
    """1-based (line, column) of the value at ``loc`` in JSON ``text``, or of its closest enclosing value.

    Walks only down the path: values beside it are skipped by the C reader (and the offsets of a
    container's children are kept in ``cache``), so problems in a large file are placed in about the
    time the file took to read.
    """
    n = len(text)

    def skip(j: int) -> int:
        while j < n and text[j] in _SPACE:
            j += 1
        return j

    def children(i: int) -> Any:
        if i in cache:
            return cache[i]
        out: Any = {} if text[i] == "{" else []
        j = skip(i + 1)
        while j < n and text[j] not in "}]":
            if isinstance(out, dict):
                key, j = json.decoder.scanstring(text, j + 1)  # type: ignore[attr-defined]
                j = skip(skip(j) + 1)  # past the colon
                out.setdefault(key, j)
            else:
                out.append(j)
            _, j = _DECODER.raw_decode(text, j)
            j = skip(j)
            if j < n and text[j] == ",":
                j = skip(j + 1)
        cache[i] = out
        return out

    i = skip(1 if text.startswith("\ufeff") else 0)
    for part in loc:
        if i >= n or text[i] not in "{[":
            break
        kids = children(i)
        if isinstance(kids, dict) and isinstance(part, str) and part in kids:
            i = kids[part]
        elif isinstance(kids, list) and isinstance(part, int) and 0 <= part < len(kids):
            i = kids[part]
        else:
            break
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def _check_tags(node: Any, depth: int = 0) -> int:
    stack = [(node, 0)]
    seen: set[int] = set()
    count = 0
    while stack:
        n, d = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        count += 1
        if d > MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", n.start_mark)
        if count > MAX_NODES:
            raise _Refused("document has too many values", n.start_mark)
        if (n.tag and not n.tag.startswith("tag:yaml.org,2002:")) or (n.tag and n.tag not in _STANDARD_TAGS):
            raise _Refused(f"tag {n.tag!r} is not allowed (only plain YAML data is)", n.start_mark)
        if isinstance(n, SequenceNode):
            stack.extend((c, d + 1) for c in n.value)
        elif isinstance(n, MappingNode):
            for k, v in n.value:
                if not isinstance(k, ScalarNode):
                    raise _Refused("a mapping key must be plain text or a number", k.start_mark)
                stack.append((k, d + 1))
                stack.append((v, d + 1))
    return count


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.mark = mark


def _plain(root: Any, positions: dict[Loc, tuple[int, int]], limit: int = MAX_NODES) -> Any:
    """Copy ruamel's round-trip objects into plain Python data, recording positions, bounded in size."""
    budget = [limit]

    def walk(obj: Any, loc: Loc, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Refused("document expands to too many values (alias expansion?)", None)
        if depth > MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", None)
        if isinstance(obj, dict):
            out: dict[Any, Any] = {}
            lc = getattr(obj, "lc", None)
            for k, v in obj.items():
                key = k if isinstance(k, (str, int)) and not isinstance(k, bool) else str(k)
                if lc is not None:
                    try:
                        line, col = lc.value(k)
                        positions[loc + (key,)] = (line + 1, col + 1)
                    except (KeyError, TypeError, AttributeError):
                        pass
                out[key] = walk(v, loc + (key,), depth + 1)
            return out
        if isinstance(obj, list):
            lc = getattr(obj, "lc", None)
            res = []
            for i, v in enumerate(obj):
                if lc is not None:
                    try:
                        line, col = lc.item(i)
                        positions[loc + (i,)] = (line + 1, col + 1)
                    except (KeyError, TypeError, AttributeError, IndexError):
                        pass
                res.append(walk(v, loc + (i,), depth + 1))
            return res
        if isinstance(obj, bool) or obj is None:
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, Decimal):
            return obj
        if isinstance(obj, str):
            return str(obj)
        return str(obj)

    return walk(root, (), 0)


def _problem(name: str, message: str, line: int = 1, col: int = 1, type_: str = "unreadable") -> InputError:
    doc = Document(None, name, {(): (line, col)})
    err = InputError(f"{name}:{line}:{col}: {message}", [Problem(type_, (), message)])
    err.document = doc  # type: ignore[attr-defined]
    return err


class _NotPlainJson(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _NotPlainJson  # duplicate keys: let the YAML reader locate them
    return out


def _constant(name: str) -> Any:
    raise _NotPlainJson  # NaN / Infinity


def _json(text: str, name: str) -> Document | None:
    """Plain JSON through the fast C reader (numbers as exact decimals); positions are worked out lazily,
    only when a problem needs one. ``None`` when the text is anything else: the YAML reader then decides."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_constant, object_pairs_hook=_pairs)
    except (ValueError, RecursionError, _NotPlainJson):
        return None
    return Document(data, name, {}, text)


def parse_text(text: str, name: str = "<input>") -> Document:
    """Parse YAML or JSON text into a :class:`Document`; raise :class:`InputError` with a position."""
    if len(text) > MAX_BYTES:
        raise _problem(name, f"document is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if not text.strip():
        raise _problem(name, "document is empty", type_="empty")
    if text.lstrip()[:1] in ("{", "["):
        doc = _json(text, name)
        if doc is not None:
            return doc
    if len(text) > FAST_YAML_CHARS:
        doc = _fast_yaml(text, name)
        if doc is not None:
            return doc
    return _parse_yaml(text, name)


def _fast_yaml(text: str, name: str) -> Document | None:
    """A large YAML document through the C reader, or ``None`` when the exact reader should read it."""
    from . import fastyaml

    try:
        data = fastyaml.load(text)
        _plain(data, {}, MAX_NODES)  # the same bounds on depth and size as the exact reader
    except (fastyaml.Unsupported, _Refused, RecursionError):
        return None
    if data is None:
        return None
    return Document(data, name, {}, text, fast_yaml=True)


def _parse_yaml(text: str, name: str) -> Document:
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _ExactConstructor
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.compose(io.StringIO(text))
        if node is None:
            raise _problem(name, "document is empty", type_="empty")
        written = _check_tags(node)
        data = yaml.constructor.construct_document(node)
    except _Refused as e:
        line, col = (e.mark.line + 1, e.mark.column + 1) if e.mark is not None else (1, 1)
        raise _problem(name, str(e), line, col, "refused") from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        msg = " ".join(x for x in (e.context, e.problem) if x) or "invalid YAML"
        raise _problem(name, f"invalid YAML: {msg}", line, col, "yaml_syntax") from None
    except (_NumberTooLong, ValueError) as e:
        mark = getattr(e, "mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise _problem(name, f"invalid value: {e}", line, col, "invalid_number") from None
    except RecursionError:
        raise _problem(name, "nesting too deep to read", type_="refused") from None
    except YAMLError as e:
        raise _problem(name, f"invalid YAML: {e}", type_="yaml_syntax") from None
    except (TypeError, AttributeError, KeyError, IndexError) as e:  # ruamel on odd input; never a traceback
        raise _problem(name, f"invalid YAML: cannot be read as plain data ({type(e).__name__})",
                       type_="yaml_syntax") from None
    positions: dict[Loc, tuple[int, int]] = {(): (node.start_mark.line + 1, node.start_mark.column + 1)}
    try:
        # aliases may repeat what is written, but not blow it up (billion laughs)
        plain = _plain(data, positions, min(MAX_NODES, 10 * written + 100_000))
    except _Refused as e:
        raise _problem(name, str(e), type_="refused") from None
    except RecursionError:
        raise _problem(name, "nesting too deep to read", type_="refused") from None
    return Document(plain, name, positions)


STDIN = "-"
_stdin_text: list[str] = []  # what standard input held, once read: a command reads it at most once


def stdin_text() -> str | None:
    """The text read from standard input by :func:`read_file` (``None`` if it was not read)."""
    return _stdin_text[-1] if _stdin_text else None


def _read_stdin() -> bytes:
    import sys

    try:
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    except (OSError, AttributeError, ValueError) as e:
        raise _problem("<stdin>", f"cannot read standard input: {e}", type_="unreadable") from None


def read_file(path: str | os.PathLike[str]) -> Document:
    """Read and parse a YAML/JSON file (``-`` is standard input); unreadable input raises :class:`InputError`."""
    if str(path) == STDIN:
        return _decode(_read_stdin(), "<stdin>")
    p = Path(path)
    name = str(path)
    try:
        if not p.exists():
            raise _problem(name, "no such file", type_="missing")
        if not p.is_file():
            raise _problem(name, "not a file", type_="not_a_file")
        if p.stat().st_size > MAX_BYTES:
            raise _problem(name, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", type_="too_large")
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # a file may grow after stat (or be a pipe-like special file)
    except OSError as e:
        raise _problem(name, f"cannot read the file: {e.strerror or e}", type_="unreadable") from None
    return _decode(raw, name)


def _decode(raw: bytes, name: str) -> Document:
    if len(raw) > MAX_BYTES:
        raise _problem(name, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB", type_="too_large")
    if b"\x00" in raw[:8192]:
        raise _problem(name, "binary file, not YAML or JSON text", type_="binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        col = e.start - (before.rfind(b"\n") + 1) + 1
        raise _problem(name, f"not UTF-8 text (byte 0x{raw[e.start]:02x})", line, col, "encoding") from None
    if name == "<stdin>":
        _stdin_text[:] = [text]
    return parse_text(text, name)


def load_source(source: Any, name: str | None = None) -> Document:
    """A document from a path, YAML/JSON text or an in-memory mapping."""
    if isinstance(source, Document):
        return source
    if isinstance(source, os.PathLike):
        return read_file(source)
    if isinstance(source, str):
        if "\n" not in source and not source.lstrip().startswith(("{", "[")) and len(source) < 4096:
            return read_file(source)
        return parse_text(source, name or "<text>")
    if isinstance(source, bytes):
        try:
            return parse_text(source.decode("utf-8-sig"), name or "<bytes>")
        except UnicodeDecodeError:
            raise _problem(name or "<bytes>", "not UTF-8 text", type_="encoding") from None
    return Document(source, name or "<mapping>", {})
