"""Small builders for hand-worked test campaigns and carts."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

AT = "2016-11-11T10:00:00+08:00"


def config(promotions: list[dict[str, Any]], *, ruleset: str = "sequential", negative_lines: str = "cap",
           shops: dict[str, Any] | None = None, categories: dict[str, Any] | None = None,
           calendar: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """A campaign config mapping with sensible defaults (shops a and b, category general)."""
    camp: dict[str, Any] = {"id": "t", "currency": "CNY", "timezone": "Asia/Shanghai", "ruleset": ruleset,
                            "negative_lines": negative_lines}  # fmt: skip
    if calendar:
        camp["calendar"] = calendar
    return {
        "promocalc": 1,
        "campaign": camp,
        "categories": categories or {"general": {"name": "综合"}},
        "shops": shops or {"a": {"campaign_member": True}, "b": {"campaign_member": True}},
        "promotions": promotions,
    }


def line(id: str, price: str, qty: int = 1, shop: str = "a", item: str | None = None, category: str = "general",
         **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A cart line."""
    return {"id": id, "shop": shop, "item": item or f"item-{id}", "category": category, "price": price, "qty": qty,
            **extra}  # fmt: skip


def cart(lines: list[dict[str, Any]], *, coupons: list[str] | None = None, vouchers: dict[str, int] | None = None,
         use: list[str] | None = None, at: str = AT, **buyer: Any) -> dict[str, Any]:  # fmt: skip
    """A cart mapping."""
    out: dict[str, Any] = {"at": at, "buyer": {"id": "b1", **buyer}, "lines": lines,
                           "wallet": {"coupons": coupons or [], "vouchers": vouchers or {}}}  # fmt: skip
    if use is not None:
        out["use"] = use
    return out


def by_id(quote: dict[str, Any], key: str = "applied") -> dict[str, dict[str, Any]]:
    """Entries of ``applied`` (or ``not_applied``) by id."""
    return {a["id"]: a for a in quote[key]}


def payables(quote: dict[str, Any]) -> dict[str, str]:
    """Line payables by line id."""
    return {ln["id"]: ln["payable"] for ln in quote["lines"]}


def shuffle_lines(cart: dict[str, Any], rnd: Any) -> dict[str, Any]:
    """The cart with its lines shuffled, lines of one item kept in their order (``limit_qty`` goes by cart order)."""
    lines = cart["lines"]
    order = list(range(len(lines)))
    rnd.shuffle(order)
    same_item: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for ln in lines:
        same_item[(ln["shop"], ln["item"])].append(ln)
    out = copy.deepcopy(cart)
    out["lines"] = [same_item[(lines[i]["shop"], lines[i]["item"])].pop(0) for i in order]
    return out
