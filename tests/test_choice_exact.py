"""The buyer's best combination is exact: the engine against a slow, independent brute force.

The reference below tries every valid ``use`` (every coupon combination the card rules allow) and, for
instruments that exclude each other, each one alone; every such checkout is priced with everything
named, so the engine's search takes no part in it. A checkout that leaves an instrument out although
nothing that excludes it applied is no outcome (the buyer gives one up only for the other). The engine
must reach the same payable, with the same tie rules (fewer coupons, then coupons declared first).
"""

from __future__ import annotations

import copy
import os
from itertools import combinations
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.testing import campaigns_and_carts, valid_uses
from promocalc.testing.wallets import hard_wallet

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
COUPON_KINDS = ("shop_coupon", "item_coupon", "shop_red_packet", "category_coupon")


def _variants(config: dict[str, Any]) -> list[tuple[dict[str, Any], set[str]]]:
    """The config once per largest set of instruments that exclude none of each other (the buyer's choice),
    each with the instruments it leaves out."""
    promos = config["promotions"]
    ids = {p["id"] for p in promos}
    involved = [p["id"] for p in promos
                if set(p.get("excludes", ())) & ids or any(p["id"] in q.get("excludes", ()) for q in promos)]
    if not involved:
        return [(config, set())]
    ex = {p["id"]: set(p.get("excludes", ())) for p in promos}

    def clash(a: str, b: str) -> bool:
        return a in ex[b] or b in ex[a]

    keeps = [set(k) for n in range(len(involved), 0, -1) for k in combinations(involved, n)
             if not any(clash(a, b) for a, b in combinations(k, 2))]  # fmt: skip
    keeps = [k for k in keeps if not any(k < other for other in keeps)]
    return [(_without(config, set(involved) - keep), set(involved) - keep) for keep in keeps]


def _without(config: dict[str, Any], drop: set[str]) -> dict[str, Any]:
    """The config without the instruments ``drop`` and with no ``excludes`` left."""
    c = copy.deepcopy(config)
    c["promotions"] = [q for q in c["promotions"] if q["id"] not in drop]
    for q in c["promotions"]:
        q.pop("excludes", None)
    for shop in c["shops"].values():
        tier = shop.get("cross_shop_tier")
        if isinstance(tier, dict):
            tier = {k: v for k, v in tier.items() if k not in drop}
            if tier:
                shop["cross_shop_tier"] = tier
            else:
                del shop["cross_shop_tier"]
    return c


def _priced(variant: dict[str, Any], cart: dict[str, Any], use: list[str]) -> Any:
    kept = {q["id"] for q in variant["promotions"]}
    held = [c for c in cart["wallet"]["coupons"] if c in kept]
    vouchers = {v: n for v, n in cart["wallet"].get("vouchers", {}).items() if v in kept}
    wallet = {**cart["wallet"], "coupons": held, "vouchers": vouchers}
    return promocalc.load(variant).quote({**cart, "wallet": wallet, "use": use})


def _an_outcome(config: dict[str, Any], dropped: set[str], cart: dict[str, Any], use: list[str], q: Any) -> bool:
    """Whether the buyer can end up here: each instrument the variant left out is excluded by one that
    applied, or would not have applied anyway (put back alone, it applies nothing)."""
    ex = {p["id"]: set(p.get("excludes", ())) for p in config["promotions"]}
    applied = {a["id"] for a in q.to_dict()["applied"]}
    for d in sorted(dropped):
        if any(d in ex[a] or a in ex[d] for a in applied if a in ex):
            continue
        back = _without(config, dropped - {d})
        if d in {a["id"] for a in _priced(back, cart, use).to_dict()["applied"]}:
            return False  # left out for nothing: the rules give it up only for one that applies
    return True


def reference(config: dict[str, Any], cart: dict[str, Any]) -> tuple[int, int, list[int]]:
    """(payable, coupons used, their config positions) of the best named combination."""
    position = {p["id"]: k for k, p in enumerate(config["promotions"])}
    kinds = {p["id"]: p["kind"] for p in config["promotions"]}
    best = None
    for variant, dropped in _variants(config):
        kept = {q["id"] for q in variant["promotions"]}
        held = [c for c in cart["wallet"]["coupons"] if c in kept]
        for use in valid_uses(variant, held):
            q = _priced(variant, cart, use)
            if dropped and not _an_outcome(config, dropped, cart, use, q):
                continue
            used = [a["id"] for a in q.to_dict()["applied"] if kinds.get(a["id"]) in COUPON_KINDS]
            key = (q.payable, len(used), sorted(position[u] for u in used))
            if best is None or key < best:
                best = key
    assert best is not None
    return best


def engine(config: dict[str, Any], cart: dict[str, Any]) -> tuple[int, int, list[int]]:
    position = {p["id"]: k for k, p in enumerate(config["promotions"])}
    kinds = {p["id"]: p["kind"] for p in config["promotions"]}
    q = promocalc.load(config).quote(cart)
    assert q.optimal is True
    used = [a["id"] for a in q.to_dict()["applied"] if kinds.get(a["id"]) in COUPON_KINDS]
    return q.payable, len(used), sorted(position[u] for u in used)


HARD = [(s, k, seed, rs, neg, extra)
        for s, k in ((2, 6), (3, 8), (4, 9))
        for seed in range(3 * SCALE)
        for rs, neg, extra in (("sequential", "cap", {}), ("parallel", "cap", {}), ("sequential", "reject", {}),
                               ("sequential", "cap", {"presale": True}), ("parallel", "reject", {"allowance": True}),
                               ("sequential", "cap", {"allowance": True, "presale": True}))]  # fmt: skip


@pytest.mark.parametrize(("shops", "coupons", "seed", "ruleset", "negative", "extra"), HARD)
def test_hard_wallets_reach_the_brute_force_optimum(shops: int, coupons: int, seed: int, ruleset: str, negative: str,
                                                    extra: dict[str, bool]) -> None:  # fmt: skip
    config, cart = hard_wallet(shops, coupons, seed, ruleset=ruleset, negative_lines=negative, **extra)
    assert engine(config, cart) == reference(config, cart)


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(use=False, max_lines=5), st.booleans())
def test_generated_campaigns_reach_the_brute_force_optimum(cc: tuple[dict[str, Any], dict[str, Any]], _: bool) -> None:
    config, cart = cc
    ids = {p["id"] for p in config["promotions"]}
    cart = {**cart, "wallet": {**cart["wallet"], "coupons": [c for c in cart["wallet"]["coupons"] if c in ids]}}
    assert engine(config, cart) == reference(config, cart)


@settings(max_examples=30 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(extras=True, use=False, max_lines=4))
def test_generated_campaigns_with_postage_gifts_and_payment_reach_the_brute_force_optimum(
    cc: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """The same with free postage, gifts, 88VIP, coins and red packets, where giving a discount up can pay
    (a red packet's spend kept): the rules let the buyer give one up only for one it excludes."""
    config, cart = cc
    ids = {p["id"] for p in config["promotions"]}
    cart = {**cart, "wallet": {**cart["wallet"], "coupons": [c for c in cart["wallet"]["coupons"] if c in ids]}}
    assert engine(config, cart) == reference(config, cart)


def test_twenty_item_coupons_in_one_shop_are_priced_and_proven() -> None:
    items = [f"i{k}" for k in range(20)]
    config = {
        "promocalc": 1,
        "campaign": {"id": "ic20", "currency": "CNY", "timezone": "Asia/Shanghai", "ruleset": "sequential"},
        "categories": {"apparel": {"voucher_groups": {"A": ["1000-10", "1900-30"]}}},
        "shops": {"s": {"campaign_member": True, "voucher_groups": {"apparel": "A"}}},
        "promotions": [{"id": f"c-{i}", "kind": "item_coupon", "shop": "s", "tiers": ["50-5"], "scope": {"items": [i]}}
                       for i in items] + [{"id": "v", "kind": "category_voucher"}],
    }  # fmt: skip
    cart = {"at": "2020-11-11T10:00:00", "buyer": {"id": "b"},
            "lines": [{"id": i, "shop": "s", "item": i, "category": "apparel", "price": "99.00", "qty": 1} for i in items],
            "wallet": {"coupons": [f"c-{i}" for i in items], "vouchers": {"v": 5}}}  # fmt: skip
    q = promocalc.load(config).quote(cart)
    assert q.optimal is True
    # 20 x 99 = 1980: the 30 voucher tier needs 1900 left after coupons, so at most 16 coupons of 5 are worth it:
    # 16 coupons and the 30 tier (1980 - 80 - 30 = 1870) beat 20 coupons and the 10 tier (1980 - 100 - 10)
    assert q.payable == 187000
    assert sum(1 for a in q.to_dict()["applied"] if a["id"].startswith("c-")) == 16


def test_past_the_budget_the_quote_carries_a_proven_lower_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from promocalc.engine import search

    config, cart = hard_wallet(6, 24, 1)
    exact = promocalc.load(config).quote(cart)
    monkeypatch.setattr(search, "BUDGET", 1)
    monkeypatch.setattr(search.Search.__init__, "__defaults__", (1,))
    q = promocalc.load(config).quote(cart)
    d = q.to_dict()
    assert q.optimal is False and d["optimal"] is False
    assert q.lower_bound is not None and q.lower_bound <= exact.payable <= q.payable
    assert d["lower_bound"] == f"{q.lower_bound // 100}.{q.lower_bound % 100:02d}"
    assert exact.optimal is True and "lower_bound" not in exact.to_dict()


def test_hard_wallet_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="shops"):
        hard_wallet(0)
    with pytest.raises(ValueError, match="ruleset"):
        hard_wallet(2, ruleset="both")


@settings(max_examples=300 * SCALE, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.lists(st.integers(0, 9), min_size=2, max_size=2).map(tuple)),
                min_size=1, max_size=30),
       st.integers(1, 3))  # fmt: skip
def test_pareto_fronts_keep_a_dominating_point_for_every_point(points: list[Any], dims: int) -> None:
    """The fronts the bound is computed over: every point is matched or beaten by a kept one, and no kept
    point beats another (so the bound over the front equals the bound over all points)."""
    from promocalc.engine.search import _coarsen, _pareto

    pts = [(c, tuple((list(b) * 2)[:dims])) for c, b in points]
    kept = _pareto(pts)
    for c, b in pts:
        assert any(kc <= c and all(x >= y for x, y in zip(kb, b)) for kc, kb in kept)
    for i, (c, b) in enumerate(kept):
        assert not any(j != i and kc <= c and all(x >= y for x, y in zip(kb, b)) for j, (kc, kb) in enumerate(kept))
    small = _coarsen(kept, 3)
    assert len(small) <= 3
    for c, b in pts:
        assert any(kc <= c and all(x >= y for x, y in zip(kb, b)) for kc, kb in small)


@settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(max_lines=6))
def test_pricing_a_few_combinations_one_by_one_gives_the_search_s_quote(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    from promocalc.engine import pricer

    config, cart = cc
    campaign = promocalc.load(config)
    try:
        enumerated = campaign.quote(cart).to_json()
    except promocalc.PromocalcError:
        return
    few = pricer.FEW
    pricer.FEW = 0  # every choice through the search
    try:
        searched = campaign.quote(cart).to_json()
    finally:
        pricer.FEW = few
    assert enumerated == searched


@pytest.mark.parametrize("seed", range(40))
def test_hard_wallets_are_valid_campaigns_for_every_seed(seed: int) -> None:
    """Small pools once gave a voucher group tiers such as 10-10 (off not below spend) or 20-10/40-10."""
    for shops, coupons in ((2, 6), (3, 8), (4, 9), (20, 50)):
        config, cart = hard_wallet(shops, coupons, seed)
        promocalc.load(config).cart(cart)
