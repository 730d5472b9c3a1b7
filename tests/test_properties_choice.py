"""RULES 5 and 7: the engine's choice among shop promotions and among instruments that exclude each other."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.testing import campaigns_and_carts

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
SOME = settings(max_examples=80 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHOP_KINDS = ("shop_reduction", "quantity_deal")
PLATFORM_KINDS = ("category_voucher", "cross_shop_reduction", "category_coupon")


def payable(config: dict[str, Any], cart: dict[str, Any]) -> tuple[int, set[str]]:
    ids = {p["id"] for p in config["promotions"]}
    wallet = cart["wallet"]
    cart = {**cart, "wallet": {"coupons": [c for c in wallet["coupons"] if c in ids],
                               "vouchers": {v: n for v, n in wallet.get("vouchers", {}).items() if v in ids}}}  # fmt: skip
    if "use" in cart:
        cart["use"] = [c for c in cart["use"] if c in ids]
    q = promocalc.load(config).quote(cart)
    return q.payable, {a["id"] for a in q.to_dict()["applied"]}


def without(config: dict[str, Any], drop: set[str]) -> dict[str, Any]:
    """The config without the promotions ``drop`` (and the references to them)."""
    out = copy.deepcopy(config)
    out["promotions"] = [p for p in out["promotions"] if p["id"] not in drop]
    for p in out["promotions"]:
        if "excludes" in p:
            p["excludes"] = [x for x in p["excludes"] if x not in drop]
    for shop in out["shops"].values():
        if isinstance(shop.get("cross_shop_tier"), dict):
            shop["cross_shop_tier"] = {k: v for k, v in shop["cross_shop_tier"].items() if k not in drop} or None
            if shop["cross_shop_tier"] is None:
                del shop["cross_shop_tier"]
    return out


@SOME
@given(campaigns_and_carts(max_shops=2), st.data())
def test_shop_promotion_is_the_one_that_leaves_the_smallest_total(
    cc: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    """RULES 5: the checkout costs what its best single shop promotion would cost, all else the same,
    whether or not the cart names its coupons."""
    config, cart = cc
    in_cart = {ln["shop"] for ln in cart["lines"]}
    shops = sorted({p["shop"] for p in config["promotions"] if p["kind"] in SHOP_KINDS and p["shop"] in in_cart})
    assume(shops)
    shop = data.draw(st.sampled_from(shops))
    mine = [p["id"] for p in config["promotions"] if p["kind"] in SHOP_KINDS and p["shop"] == shop]
    assume(len(mine) >= 2)
    total, _ = payable(config, cart)
    alone = []
    for keep in mine:
        got, applied = payable(without(config, set(mine) - {keep}), cart)
        if keep in applied:
            alone.append(got)
    if alone:
        assert total == min(alone), (total, alone)


@SOME
@given(campaigns_and_carts(), st.data())
def test_of_two_instruments_that_exclude_each_other_the_buyer_gets_the_better(
    cc: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    """RULES 7: with two platform instruments that exclude each other, the smaller total payable wins,
    whether or not the cart names its coupons."""
    config, cart = cc
    platform = [p["id"] for p in config["promotions"] if p["kind"] in PLATFORM_KINDS]
    assume(len(platform) >= 2)
    x, y = data.draw(st.lists(st.sampled_from(platform), min_size=2, max_size=2, unique=True))
    pair = without(config, set(platform) - {x, y})
    for p in pair["promotions"]:
        if p["id"] == x:
            p["excludes"] = [y]
        elif p["id"] == y:
            p.pop("excludes", None)
    total, applied = payable(pair, cart)
    assert not {x, y} <= applied
    only_x, _ = payable(without(pair, {y}), cart)
    only_y, _ = payable(without(pair, {x}), cart)
    assert total == min(only_x, only_y), (total, only_x, only_y)
