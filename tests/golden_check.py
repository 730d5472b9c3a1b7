"""Compare a quote / refund result with a golden case's expectations (format of tests/golden/README.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def money(x: Any) -> Decimal:
    """An amount as an exact two-decimal Decimal."""
    return Decimal(str(x)).quantize(Decimal("0.01"))


def quote_mismatches(q: dict[str, Any], exp: dict[str, Any]) -> list[str]:
    """Every figure of ``exp`` that the quote ``q`` does not show."""
    bad = []
    if "payable" in exp and money(q["payable"]) != money(exp["payable"]):
        bad.append(f"payable {q['payable']} != {exp['payable']}")
    lines = {ln["id"]: ln for ln in q["lines"]}
    for lid, want in exp.get("lines", {}).items():
        if money(lines[lid]["payable"]) != money(want):
            bad.append(f"line {lid} payable {lines[lid]['payable']} != {want}")
    for lid, want in exp.get("lowest_unit_price", {}).items():
        if money(lines[lid]["lowest_unit_price"]) != money(want):
            bad.append(f"line {lid} lowest {lines[lid]['lowest_unit_price']} != {want}")
    applied = {a["id"]: a for a in q["applied"]}
    for pid, want in exp.get("applied", {}).items():
        if pid not in applied or money(applied[pid]["amount"]) != money(want):
            bad.append(f"applied {pid} {applied.get(pid, {}).get('amount')} != {want}")
    for pid, want in exp.get("vouchers", {}).items():
        if applied.get(pid, {}).get("vouchers") != want:
            bad.append(f"vouchers {pid} {applied.get(pid, {}).get('vouchers')} != {want}")
    for pid in exp.get("not_applied", []):
        if pid in applied:
            bad.append(f"{pid} applied but must not be")
    return bad


def refund_mismatches(r: dict[str, Any], exp: dict[str, Any]) -> list[str]:
    """Every figure of ``exp`` that the refund result ``r`` does not show."""
    bad = []
    amounts = [money(e["amount"]) for e in r["refunds"]]
    if "amounts" in exp and amounts != [money(a) for a in exp["amounts"]]:
        bad.append(f"amounts {amounts} != {exp['amounts']}")
    if "total" in exp and money(r["total"]) != money(exp["total"]):
        bad.append(f"total {r['total']} != {exp['total']}")
    if "returned" in exp:
        got = {x["id"]: x.get("vouchers", x.get("count", 1)) for x in r["returned"]}
        if got != exp["returned"]:
            bad.append(f"returned {got} != {exp['returned']}")
    return bad
