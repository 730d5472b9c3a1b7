"""Fuzzing the reader and the checker: whatever the text, they report problems and never raise anything else."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promocalc.checker import check_against, check_file
from promocalc.checker.run import FileReport, load
from promocalc.errors import Problem
from promocalc.io.documents import read_file

DATA = Path(__file__).resolve().parent / "data" / "check"
BASES = [(DATA / n).read_text(encoding="utf-8") for n in ("valid.yaml", "warnings.yaml", "meaning.yaml")]


def _to_json(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _to_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_json(v) for v in obj]
    return obj


BASES.append(json.dumps(_to_json(read_file(DATA / "valid.yaml").data), ensure_ascii=False, indent=1))
OLD = load(str(DATA / "valid.yaml"))[1]
assert OLD is not None
NOWS = [1_472_000_000.0, 1_475_000_000.0, 1_480_000_000.0]  # before setup closes, after, after the deadline

NASTY = ["&a", "*a", "!!python/object/apply:os.system ['true']", "!custom", "1e999999", "-1", "0", "0.001",
         "'", '"', "{", "}", "[", "]", ":", ": ", "- ", "\t", "\x00", "~", "null", "true", "9" * 80,
         "99999999999999999.99", "2016-13-45T99:99", "1e-5", ".inf", ".nan", "<<: *a", "? ", "|", ">", "#",
         "\ufeff", "\u2028", "é", "女装", "shop-x", "category_voucher", "rate", "tiers", "-", "---", "...",
         "%YAML 1.1", "0x1F", "0o17", "1_000", "+12", "2016-11-11", "[*a, *a, *a]", "{a: 1, a: 2}"]  # fmt: skip


def _write(text: str) -> str:
    fd, name = tempfile.mkstemp(suffix=".yaml", prefix="promo-fuzz-")
    with open(fd, "wb") as fh:
        fh.write(text.encode("utf-8", "surrogatepass"))
    return name


def _sound(report: FileReport) -> None:
    assert isinstance(report, FileReport)
    for f in report.findings:
        assert isinstance(f.problem, Problem)
        assert f.line >= 1 and f.column >= 1
        assert f.problem.severity in ("error", "warning")
        assert isinstance(f.problem.message, str) and f.problem.message
        assert isinstance(f.problem.type, str) and f.problem.type


def _check(text: str) -> None:
    name = _write(text)
    try:
        report = check_file(name, OLD, NOWS[-1])
        _sound(report)
        if report.config is not None:
            for now in NOWS:
                for p in check_against(report.config, OLD, now) + check_against(OLD, report.config, now):
                    assert isinstance(p, Problem)
    finally:
        Path(name).unlink()


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(BASES))
    for _ in range(draw(st.integers(1, 6))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["replace", "insert", "delete", "dup_line", "drop_line", "swap", "token"]))
        pos = draw(st.integers(0, max(0, len(text) - 1)))
        if op == "replace":
            text = text[:pos] + draw(st.characters()) + text[pos + 1:]
        elif op == "insert":
            text = text[:pos] + draw(st.text(max_size=5)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 40)):]
        elif op in ("dup_line", "drop_line", "swap"):
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(j, lines[i])
            elif op == "drop_line":
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            token = draw(st.sampled_from(NASTY))
            end = pos + draw(st.integers(0, 12))
            text = text[:pos] + token + text[end:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_configs_only_report_problems(text: str) -> None:
    _check(text)


YAMLISH = st.text(alphabet=st.sampled_from(list("abcdefkpsy019 .-_:,[]{}&*!|>'\"#?%@`~\n\t\\") + ["\u00e9", "女"]),
                  max_size=200)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(YAMLISH, st.text(max_size=200)))
def test_random_text_only_reports_problems(text: str) -> None:
    _check(text)


FIELDS = ["promocalc", "campaign", "id", "kind", "shop", "shops", "categories", "promotions", "voucher_groups",
          "tiers", "every", "max_off", "rate", "off", "spend", "items", "price", "valid", "start", "end", "scope",
          "exclude_items", "excludes", "audience", "include_groups", "calendar", "effective", "preheat",
          "threshold_setup", "threshold_edit_deadline", "timezone", "campaign_member", "cross_shop_tier",
          "face_value", "customer_groups", "postage", "limit_qty", "max_per_checkout"]  # fmt: skip
KINDS = ["price", "rate", "amount_off", "shop_reduction", "quantity_deal", "shop_coupon", "item_coupon",
         "shop_red_packet", "category_voucher", "cross_shop_reduction", "category_coupon"]  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**20), st.sampled_from(KINDS + ["shop-a", "womenswear", "A"]),
    st.sampled_from(["300-20", "100-10", "10.00", "0.85", "2016-11-11T00:00", "2016-09-30T00:00", "Asia/Shanghai",
                     "1.999", "-5", "x-y", "", "1e99"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000).map(str),
)
DATA_TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(FIELDS + KINDS + ["shop-a", "womenswear", "A"]), inner,
                                            max_size=5)),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), DATA_TREES, max_size=6), st.booleans())
def test_random_structures_only_report_problems(tree: dict[str, Any], as_config: bool) -> None:
    if as_config:
        tree = {"promocalc": 1, "campaign": {"id": "c"}, **tree}
    _check(json.dumps(tree, ensure_ascii=False))


def _paths(obj: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [loc]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, loc + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, loc + (i,))
    return out


VALID = _to_json(read_file(DATA / "valid.yaml").data)
VALID_PATHS = _paths(VALID)[1:]


def _set(obj: Any, loc: tuple[Any, ...], value: Any) -> Any:
    if not loc:
        return value
    if isinstance(obj, dict):
        return {**obj, loc[0]: _set(obj[loc[0]], loc[1:], value)}
    copy = list(obj)
    copy[loc[0]] = _set(copy[loc[0]], loc[1:], value)
    return copy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(VALID_PATHS), DATA_TREES), min_size=1, max_size=4))
def test_valid_config_with_replaced_values_only_reports_problems(changes: list[tuple[Any, Any]]) -> None:
    doc = VALID
    for loc, value in changes:
        try:
            doc = _set(doc, loc, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    _check(json.dumps(doc, ensure_ascii=False))
