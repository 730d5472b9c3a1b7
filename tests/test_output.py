"""Quote output against slow references: the standard JSON encoder, and per-unit figures from allocate."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.allocation import allocate, runs_of
from promocalc.io.documents import load_source
from promocalc.io.jsontext import dumps
from promocalc.money import fmt
from promocalc.record import units_json
from promocalc.testing import campaigns_and_carts

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def reference_lowest(q: promocalc.Quote, i: int) -> int:
    """Lowest unit price the slow way: every applied instrument that does not count, added back."""
    ctx = q._p.ctx
    back = ctx.item_off[i] if ctx.item_of[i] is not None and not ctx.item_of[i].counts_lowest else 0
    back += sum(a.shares.get(i, 0) for a in q.applied if a.promo.layer > 1 and not a.promo.counts_lowest)
    total = q.line_payables[i] + ctx.dep[i] + back
    return min(allocate(total, ctx.unit_w[i] or [1] * ctx.lines[i].qty))


def check(q: promocalc.Quote) -> None:
    d = q.to_dict()
    assert q.to_json() == json.dumps(d, ensure_ascii=False, indent=1)
    assert q.to_json(indent=2) == json.dumps(d, ensure_ascii=False, indent=2)
    assert q.to_json(indent=None) == json.dumps(d, ensure_ascii=False, separators=(",", ":"))
    for a in q.applied:  # the fast writer relies on shares kept in line order
        assert list(a.shares) == sorted(a.shares), a.promo.id
    ctx = q._p.ctx
    for i, ln in enumerate(d["lines"][: len(ctx.lines)]):  # gift lines follow the cart's
        units = allocate(q.line_payables[i] + ctx.dep[i], ctx.unit_w[i] or [1] * ctx.lines[i].qty)
        assert ln["units"] == units_json(runs_of(units), ctx.lines[i].qty)
        assert q.units(i) == units
        assert ln["lowest_unit_price"] == fmt(reference_lowest(q, i))
        assert q.lowest_unit_price(i) == reference_lowest(q, i)


@pytest.mark.parametrize("cart", sorted(EXAMPLES.glob("*/cart*.yaml")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_examples_output_matches_the_references(cart: Path) -> None:
    campaign = promocalc.load(cart.parent / "config.yaml")
    check(campaign.quote(load_source(cart).data))


def test_pools_served_out_of_line_order_write_their_shares_in_line_order() -> None:
    """Two voucher pools (different tiers): the later lines' pool wants more and is served first."""
    config = {"promocalc": 1, "campaign": {"id": "pools", "ruleset": "sequential"},
              "categories": {"wear": {"voucher_groups": {"G": ["100-10"], "H": ["100-10", "300-30"]}}},
              "shops": {"a": {"campaign_member": True, "voucher_groups": {"wear": "G"}},
                        "b": {"campaign_member": True, "voucher_groups": {"wear": "H"}}},
              "promotions": [{"id": "v", "kind": "category_voucher"}]}  # fmt: skip
    cart = {"at": "2016-11-11T10:00:00+08:00",
            "lines": [{"id": "1", "shop": "a", "item": "x", "category": "wear", "price": "120.00", "qty": 1},
                      {"id": "2", "shop": "b", "item": "y", "category": "wear", "price": "350.00", "qty": 1},
                      {"id": "3", "shop": "a", "item": "z", "category": "wear", "price": "30.00", "qty": 1}],
            "wallet": {"vouchers": {"v": 10}}}  # fmt: skip
    q = promocalc.load(config).quote(cart)
    (v,) = [a for a in q.applied if a.promo.id == "v"]
    assert [p["lines"] for p in v.pools] == [[1], [0, 2]]  # served: shop b's pool first
    assert list(v.shares) == [0, 1, 2]
    check(q)


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(max_lines=8))
def test_generated_output_matches_the_references(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    check(promocalc.load(config).quote(cart))


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300 * SCALE, deadline=None)
@given(json_data, st.sampled_from([None, 0, 1, 2, 4]))
def test_dumps_writes_what_json_dumps_writes(data: Any, indent: int | None) -> None:
    seps = (",", ":") if indent is None else None
    assert dumps(data, indent) == json.dumps(data, ensure_ascii=False, indent=indent, separators=seps)


@settings(max_examples=100 * SCALE, deadline=None)
@given(st.recursive(json_data | st.decimals(allow_nan=False) | st.dates(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=10), st.sampled_from([None, 1]))  # fmt: skip
def test_dumps_with_text_default_writes_what_json_dumps_with_default_str_writes(data: Any, indent: int | None) -> None:
    seps = (",", ":") if indent is None else None
    want = json.dumps(data, ensure_ascii=False, indent=indent, separators=seps, default=str)
    assert dumps(data, indent, text_default=True) == want


def _payment_campaign(**kw: Any) -> promocalc.Campaign:
    return promocalc.load({
        "promocalc": 1,
        "campaign": {"id": "pay", "ruleset": "parallel", "vip88": {"rate": 0.95}},
        "shops": {"a": {"campaign_member": True, "coins": {"rate": 0.05}, "postage": "8.00"},
                  "b": {"campaign_member": True, "postage": "6.00"}},
        "promotions": [
            {"id": "a-price", "kind": "price", "shop": "a", "price": "200.00", "scope": {"items": ["coat"]}},
            {"id": "a-c20", "kind": "shop_coupon", "shop": "a", "tiers": ["100-20"]},
            {"id": "x-200-30", "kind": "cross_shop_reduction", "every": "200-30"},
            {"id": "tmall-rp", "kind": "platform_red_packet", "face_value": "5.00"},
            {"id": "a-free", "kind": "free_postage", "shop": "a", "spend": "99.00"},
            {"id": "b-gift", "kind": "gift", "shop": "b", "items": 2, "gifts": [{"item": "tote", "qty": 2, "value": "29.00"}]},
        ],
    }, **kw)  # fmt: skip


PAYMENT_CART = {
    "at": "2021-11-11T10:00:00+08:00", "buyer": {"coins": 600, "vip88": True},
    "lines": [{"id": "1", "shop": "a", "item": "coat", "category": "wear", "price": "260.00", "qty": 1, "vip88": True,
               "title": 'Coat "long" \\ 大衣\u2028'},
              {"id": "2", "shop": "b", "item": "hat", "category": "wear", "price": "40.00", "qty": 3},
              {"id": "3", "shop": "b", "item": "scarf", "category": "wear", "price": "0.07", "qty": 150}],
    "wallet": {"coupons": ["a-c20"], "red_packets": {"tmall-rp": 3}},
}  # fmt: skip


def test_payment_gifts_postage_titles_and_long_lines_write_what_json_dumps_writes() -> None:
    q = _payment_campaign().quote(PAYMENT_CART)
    d = q.to_dict()
    assert {"paid_by", "coins_used", "postage_waived"} <= d.keys()
    assert any(ln.get("gift") for ln in d["lines"]) and d["lines"][0]["title"].startswith('Coat "long"')
    assert isinstance(d["lines"][2]["units"][0], dict)  # 150 units are written as runs
    assert {a["kind"] for a in d["applied"]} >= {"coins", "free_postage", "gift", "platform_red_packet", "vip88"}
    check(q)


def test_a_sealed_quote_writes_what_json_dumps_writes() -> None:
    q = _payment_campaign(signing_key="a key of sixteen bytes or more").quote(PAYMENT_CART)
    d = q.to_dict()
    assert d["seal"] and d["fingerprint"]
    assert q.to_json() == json.dumps(d, ensure_ascii=False, indent=1)
    assert q.to_json(indent=None) == json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def test_to_json_takes_the_generic_writer_past_the_usual_indents() -> None:
    # the fast writer keeps texts per indent: only a bounded few are served by it; the others write the same
    from .helpers import cart as a_cart
    from .helpers import config as a_config
    from .helpers import line

    campaign = promocalc.load(a_config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["300-20"]}]))
    q = campaign.quote(a_cart([line("1", "320.00")]))
    compact = json.dumps(q.to_dict(), ensure_ascii=False, separators=(",", ":"))
    assert q.to_json(None) == compact
    for indent in (0, 1, 8, 9, 40, -1):
        assert q.to_json(indent) == json.dumps(q.to_dict(), ensure_ascii=False, indent=indent), indent
