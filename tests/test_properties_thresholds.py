"""RULES 2.1, 5, 6: what an applied shop promotion or card gives, recomputed from its tiers and its base.

The base is measured on A1 (after item promotions) for the shop layer and, for cards, on A2 in the
sequential ruleset and A1 in the parallel one. A1 and A2 are read back from the quote's layer discounts.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings

import promocalc
from promocalc.money import to_fen
from promocalc.testing import campaigns_and_carts

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
FAST = settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def in_scope(p: dict[str, Any], line: dict[str, Any]) -> bool:
    scope = p.get("scope") or {}
    if scope.get("items") is not None and line["item"] not in scope["items"]:
        return False
    if scope.get("categories") is not None and line["category"] not in scope["categories"]:
        return False
    return line["item"] not in scope.get("exclude_items", [])


def tier(t: Any) -> tuple[int, int | None, Fraction | None]:
    """(need, off, rate) of a tier written ``"300-20"``, ``{spend, off|rate}`` or ``{items, off|rate}``."""
    if isinstance(t, str):
        spend, off = t.split("-")
        return to_fen(spend), to_fen(off), None
    need = t["items"] if "items" in t else to_fen(t["spend"])
    return need, to_fen(t["off"]) if "off" in t else None, Fraction(t["rate"]) if "rate" in t else None


def earned(p: dict[str, Any], base: int, items: int = 0) -> int:
    """What promotion ``p`` gives on ``base`` fen (``items`` units for quantity deals)."""
    if "every" in p:
        need, off, _ = tier(p["every"])
        got = base // need * (off or 0)
        return min(got, to_fen(p["max_off"])) if "max_off" in p else got
    measure = items if p["kind"] == "quantity_deal" else base
    reached = [tier(t) for t in p["tiers"] if measure >= tier(t)[0]]
    if not reached:
        return 0
    _, off, rate = reached[-1]
    if off is not None:
        return off
    assert rate is not None
    return int(base * (1 - rate) + Fraction(1, 2))  # half up on the whole base


@FAST
@given(campaigns_and_carts())
def test_applied_shop_promotions_and_cards_give_what_their_tiers_say(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    q = promocalc.load(config).quote(cart).to_dict()
    parallel = config["campaign"]["ruleset"] == "parallel"
    lines = {ln["id"]: ln for ln in q["lines"]}
    promos = {p["id"]: p for p in config["promotions"]}
    a1 = {lid: to_fen(ln["subtotal"]) - to_fen(ln["discounts"]["item"]) for lid, ln in lines.items()}
    a2 = {lid: a1[lid] - to_fen(ln["discounts"]["shop"]) for lid, ln in lines.items()}
    owed2 = {lid: a2[lid] - to_fen(ln.get("deposit_paid", "0")) for lid, ln in lines.items()}
    for a in q["applied"]:
        if a["layer"] not in ("shop", "coupon"):
            continue
        p = promos[a["id"]]
        scope = [ln for ln in cart["lines"] if ln["shop"] == p["shop"] and in_scope(p, ln)]
        presale = any("presale" in ln for ln in scope)
        amount = to_fen(a["amount"])
        if a["layer"] == "shop":
            base = sum(a1[ln["id"]] for ln in scope)
            expected = min(earned(p, base, sum(ln["qty"] for ln in scope)), base)
            assert 0 < amount <= expected, (a, base)
            if not presale:  # shares never exceed A1 weights: nothing is cut
                assert amount == expected, (a, base)
            continue
        measure = a1 if parallel else a2
        base = sum(measure[ln["id"]] for ln in scope)
        if p["kind"] == "shop_red_packet":
            expected = min(to_fen(p["off"]), sum(owed2[ln["id"]] for ln in scope))
        else:
            expected = earned(p, base)
        assert 0 < amount <= expected, (a, base)
        if not parallel or all(to_fen(lines[ln["id"]]["payable"]) > 0 for ln in scope):
            assert amount == expected, (a, base)
