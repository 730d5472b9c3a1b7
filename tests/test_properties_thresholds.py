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
FAST = settings(max_examples=120 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
        for ln in scope:  # RULES 8: a presale line keeps a tail above zero after the coupon
            if "presale" in ln:
                assert owed2[ln["id"]] - to_fen(a["lines"].get(ln["id"], "0")) > 0, (a, ln["id"])


def tier_key(t: Any) -> tuple[Any, ...]:
    return tuple(tier(x) for x in (t if isinstance(t, list) else [t]))


@FAST
@given(campaigns_and_carts())
def test_applied_platform_instruments_give_what_their_pools_earn(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """RULES 7: each platform instrument, in declared order, on A1 (parallel) or on what is left (sequential).

    Cross-shop reductions earn per pool of identical shop tiers (the allowance within what is left of the
    balance), category coupons by their tiers over lines no earlier category coupon took, vouchers as many as
    their pools want, the cap and the wallet allow.
    """
    config, cart = cc
    q = promocalc.load(config).quote(cart).to_dict()
    parallel = config["campaign"]["ruleset"] == "parallel"
    cap = config["campaign"]["negative_lines"] == "cap"
    shops = config["shops"]
    lines = {ln["id"]: ln for ln in q["lines"]}
    raw = {ln["id"]: ln for ln in cart["lines"]}
    pos = {p["id"]: k for k, p in enumerate(config["promotions"])}
    disc = {lid: {k: to_fen(v) for k, v in ln["discounts"].items()} for lid, ln in lines.items()}
    a1 = {lid: to_fen(ln["subtotal"]) - disc[lid]["item"] for lid, ln in lines.items()}
    run = {lid: a1[lid] - disc[lid]["shop"] - disc[lid]["coupon"] for lid in lines}
    dep = {lid: to_fen(ln.get("deposit_paid", "0")) for lid, ln in lines.items()}
    final = {lid: to_fen(ln["payable"]) for lid, ln in lines.items()}
    balance = to_fen(cart["buyer"].get("allowance_balance") or "0")
    taken: set[str] = set()
    platform = sorted((a for a in q["applied"] if a["layer"] == "platform"), key=lambda a: pos[a["id"]])
    for a in platform:
        p = next(x for x in config["promotions"] if x["id"] == a["id"])
        measure = a1 if parallel else run
        amount = to_fen(a["amount"])
        eligible = [lid for lid, ln in raw.items() if shops[ln["shop"]].get("campaign_member")
                    and ln.get("platform_eligible", True) and in_scope(p, ln)]  # fmt: skip
        if p["kind"] == "cross_shop_reduction":
            pools: dict[Any, list[str]] = {}
            for lid in eligible:
                own = shops[raw[lid]["shop"]].get("cross_shop_tier")
                if isinstance(own, dict):
                    own = own.get(p["id"])
                pools.setdefault(tier_key(own or p["every"]), []).append(lid)
            expected = 0
            for key, members in pools.items():
                need, off, _ = key[0]
                base = sum(measure[lid] for lid in members)
                got = base // need * (off or 0)
                if "max_off" in p:
                    got = min(got, to_fen(p["max_off"]))
                expected += min(got, base)
            if p.get("balance_capped"):
                expected = min(expected, balance)
                balance -= amount
            in_pools = eligible
        elif p["kind"] == "category_coupon":
            in_pools = [lid for lid in eligible if lid not in taken]
            expected = earned(p, sum(measure[lid] for lid in in_pools))
            taken |= set(a["lines"])
        else:
            face = to_fen(p.get("face_value", "10.00"))
            groups = config["categories"]
            vpools: dict[Any, list[str]] = {}
            for lid in eligible:
                ln = raw[lid]
                gid = shops[ln["shop"]].get("voucher_groups", {}).get(ln["category"])
                if gid is not None:
                    vpools.setdefault(tier_key(groups[ln["category"]]["voucher_groups"][gid]), []).append(lid)
            wants = 0
            for key, members in vpools.items():
                base = sum(measure[lid] for lid in members)
                reached = [off for need, off, _ in key if base >= need]
                n = (reached[-1] // face) if reached else 0
                if cap:
                    n = min(n, sum(run[lid] - dep[lid] for lid in members) // face)
                wants += n
            available = min(p.get("max_per_checkout", 30), cart["wallet"]["vouchers"].get(p["id"], 0))
            assert 0 < a["vouchers"] <= min(wants, available), (a, wants, available)
            in_pools = [lid for members in vpools.values() for lid in members]
            if not any("presale" in raw[lid] for lid in in_pools):
                assert a["vouchers"] == min(wants, available), (a, wants, available)
            expected = a["vouchers"] * face
        assert 0 < amount <= expected, (a, expected)
        if all(final[lid] > 0 for lid in in_pools):  # nothing was cut at zero
            assert amount == expected, (a, expected)
        if p["kind"] != "cross_shop_reduction":  # RULES 8: the presale tail test
            inclusive = p.get("presale_tail") == "inclusive"
            for lid in in_pools:
                if "presale" in raw[lid] and lid in a["lines"]:
                    left = run[lid] - dep[lid] - to_fen(a["lines"][lid])
                    assert left >= 0 if inclusive else left > 0, (a, lid)
        for lid, share in a["lines"].items():
            run[lid] -= to_fen(share)


LEVEL_CREDIT = {"normal": 0, "fine": 100, "premium": 300, "bluebook": 500, "diamond": 1000, "vip": 1500}


def runs(p: dict[str, Any], config: dict[str, Any], cart: dict[str, Any]) -> bool:
    """RULES 12, 12b: the promotion runs at the cart's time for its buyer (generated configs: naive times)."""
    from datetime import datetime

    at = datetime.fromisoformat(cart["at"])
    valid = p.get("valid")
    cal = config["campaign"].get("calendar")
    windows = valid if isinstance(valid, list) else [valid] if valid else [cal["effective"]] if cal else []
    if windows and not any(datetime.fromisoformat(w["start"]) <= at < datetime.fromisoformat(w["end"]) for w in windows):
        return False
    aud = p.get("audience") or {}
    buyer = cart.get("buyer", {})
    groups = set(buyer.get("groups", []))
    if buyer.get("credit", 0) < LEVEL_CREDIT[aud.get("min_level", "normal")]:
        return False
    if aud.get("include_groups") and not set(aud["include_groups"]) & groups:
        return False
    return not set(aud.get("exclude_groups", [])) & groups


def unit_price(p: dict[str, Any], price: int) -> int:
    if p["kind"] == "price":
        return min(price, to_fen(p["price"]))
    if p["kind"] == "amount_off":
        return max(0, price - to_fen(p["off"]))
    exact = price * Fraction(p["rate"])
    mode = p.get("rounding", "half_up")
    if mode == "half_up":
        return min(price, int(exact + Fraction(1, 2)))
    step = 10 if mode == "drop_fen" else 100
    return min(price, int(exact) // step * step)


@FAST
@given(campaigns_and_carts())
def test_item_layer_picks_one_promotion_per_line_by_the_rules(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """RULES 4: campaign prices first (the lowest), else the lowest line amount, ties to the declared
    first; ``limit_qty`` promotes only the item's first units in cart order; a presale base (RULES 8)
    is price − (deposit_value − deposit) − instant_off per unit, never below the deposit."""
    config, cart = cc
    q = promocalc.load(config).quote(cart).to_dict()
    lines = {ln["id"]: ln for ln in q["lines"]}
    item_applied = {lid: a["id"] for a in q["applied"] if a["layer"] == "item" for lid in a["lines"]}
    promos = [p for p in config["promotions"] if p["kind"] in ("price", "rate", "amount_off") and runs(p, config, cart)]
    used: dict[tuple[str, str], int] = {}
    for ln in cart["lines"]:
        price, qty = to_fen(ln["price"]), ln["qty"]
        best: tuple[bool, int, int, int, str] | None = None  # campaign price, amount, units promoted, unit, id
        for p in promos:
            if p["shop"] != ln["shop"] or not in_scope(p, ln):
                continue
            unit = unit_price(p, price)
            n = qty if "limit_qty" not in p else max(0, min(qty, p["limit_qty"] - used.get((p["id"], ln["item"]), 0)))
            cand = (bool(p.get("campaign_price")), unit * n + price * (qty - n), n, unit, p["id"])
            if best is None or (cand[0] and not best[0]) or (cand[0] == best[0] and cand[1] < best[1]):
                best = cand
        if best is not None and best[1] < price * qty:
            n, unit = best[2], best[3]
            used[(best[4], ln["item"])] = used.get((best[4], ln["item"]), 0) + n
        else:
            n, unit = 0, price
        ps = ln.get("presale")
        if ps:
            deposit = to_fen(ps["deposit"])
            expand = to_fen(ps.get("deposit_value") or ps["deposit"]) - deposit + to_fen(ps.get("instant_off") or "0")
            unit, list_unit = max(deposit, unit - expand), max(deposit, price - expand)
        else:
            list_unit = price
        a1 = unit * n + list_unit * (qty - n)
        got = to_fen(lines[ln["id"]]["subtotal"]) - to_fen(lines[ln["id"]]["discounts"]["item"])
        assert got == a1, (ln["id"], got, a1, best)
        assert item_applied.get(ln["id"]) == (best[4] if best is not None and a1 < list_unit * qty else None)


def next_need(p: dict[str, Any], measure: int) -> int | None:
    """How much ``measure`` must still grow to reach the promotion's next tier (None when no tier is left)."""
    if "every" in p:
        need = tier(p["every"])[0]
        return need - measure % need
    for t in p["tiers"]:
        if measure < tier(t)[0]:
            return tier(t)[0] - measure
    return None


@FAST
@given(campaigns_and_carts())
def test_threshold_not_met_reports_the_gap_to_the_first_tier(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """FORMATS not_applied: ``gap`` is how much the base must still grow to reach the next tier, the base
    measured where RULES 2.1 measures it (shop layer on A1, cards on A2 or, parallel, A1)."""
    config, cart = cc
    q = promocalc.load(config).quote(cart).to_dict()
    parallel = config["campaign"]["ruleset"] == "parallel"
    promos = {p["id"]: p for p in config["promotions"]}
    lines = {ln["id"]: ln for ln in q["lines"]}
    a1 = {lid: to_fen(ln["subtotal"]) - to_fen(ln["discounts"]["item"]) for lid, ln in lines.items()}
    a2 = {lid: a1[lid] - to_fen(ln["discounts"]["shop"]) for lid, ln in lines.items()}
    for s in q["not_applied"]:
        p = promos[s["id"]]
        if s["reason"] != "threshold_not_met" or p["kind"] not in ("shop_reduction", "quantity_deal",
                                                                     "shop_coupon", "item_coupon"):  # fmt: skip
            continue
        scope = [ln for ln in cart["lines"] if ln["shop"] == p["shop"] and in_scope(p, ln)]
        if p["kind"] == "quantity_deal":
            measure = sum(ln["qty"] for ln in scope)
            assert s["gap"] == next_need(p, measure), (s, measure)
            continue
        by = a1 if parallel or s["layer"] == "shop" else a2
        measure = sum(by[ln["id"]] for ln in scope)
        assert earned(p, measure) == 0, (s, measure)
        assert to_fen(s["gap"]) == next_need(p, measure), (s, measure)
