"""Focused examples of engine bugs the properties found, each with the rule it breaks."""

from __future__ import annotations

from typing import Any

import promocalc

AT = "2020-11-11T10:00:00"


def config(promotions: list[dict[str, Any]], **shop: Any) -> dict[str, Any]:
    return {
        "promocalc": 1,
        "campaign": {"id": "regression", "ruleset": "sequential", "negative_lines": "cap"},
        "categories": {"c0": {}},
        "shops": {"s0": {"campaign_member": True, **shop}},
        "promotions": promotions,
    }


def line(lid: str, price: str, qty: int = 1, **more: Any) -> dict[str, Any]:
    return {"id": lid, "shop": "s0", "item": f"item-{lid}", "category": "c0", "price": price, "qty": qty, **more}


def applied(q: dict[str, Any]) -> dict[str, str]:
    return {a["id"]: a["amount"] for a in q["applied"]}


def test_named_category_coupon_outside_its_window_does_not_apply() -> None:
    """RULES 6/12b: a named coupon that cannot apply is reported, not applied."""
    cc = {"id": "cc", "kind": "category_coupon", "tiers": ["100-10"], "scope": {"categories": ["c0"]},
          "valid": {"start": "2020-11-01T00:00", "end": "2020-11-04T00:00"}}  # fmt: skip
    cart = {"at": AT, "lines": [line("1", "200.00")], "wallet": {"coupons": ["cc"]}, "use": ["cc"]}
    q = promocalc.load(config([cc])).quote(cart).to_dict()
    assert q["payable"] == "200.00"
    assert applied(q) == {}
    assert [(s["id"], s["reason"]) for s in q["not_applied"]] == [("cc", "not_in_window")]


def test_named_category_coupon_outside_its_audience_does_not_apply() -> None:
    """RULES 12: a buyer outside the audience never gets the coupon, named or not."""
    cc = {"id": "cc", "kind": "category_coupon", "tiers": ["100-10"], "audience": {"exclude_groups": ["blacklist"]}}
    cart = {"at": AT, "buyer": {"id": "b", "groups": ["blacklist"]}, "lines": [line("1", "200.00")],
            "wallet": {"coupons": ["cc"]}, "use": ["cc"]}  # fmt: skip
    q = promocalc.load(config([cc])).quote(cart).to_dict()
    assert q["payable"] == "200.00"
    assert [(s["id"], s["reason"]) for s in q["not_applied"]] == [("cc", "audience")]


def test_two_balance_capped_instruments_share_one_allowance_balance() -> None:
    """RULES 7.2: the allowance is capped by the buyer's balance across the whole checkout."""
    promos = [
        {"id": "allowance-a", "kind": "cross_shop_reduction", "every": "100-10", "balance_capped": True},
        {"id": "allowance-b", "kind": "cross_shop_reduction", "every": "100-10", "balance_capped": True},
    ]
    cart = {"at": AT, "buyer": {"id": "b", "allowance_balance": "15.00"}, "lines": [line("1", "300.00")]}
    q = promocalc.load(config(promos)).quote(cart).to_dict()
    assert applied(q) == {"allowance-a": "15.00"}
    assert q["payable"] == "285.00"
    assert [(s["id"], s["reason"]) for s in q["not_applied"]] == [("allowance-b", "no_allowance_balance")]


def test_presale_item_promotion_below_the_deposit_reports_what_it_took_off() -> None:
    """RULES 8 / FORMATS: a presale base never drops below the deposit, so the item promotion's applied
    amount is what the line's base lost, and the line's layer discounts match the applied amounts."""
    promo = {"id": "p10", "kind": "price", "shop": "s0", "price": "10.00"}
    ps = {"deposit": "50.00", "deposit_value": "50.00"}
    cart = {"at": AT, "lines": [line("1", "100.00", presale=ps)]}
    q = promocalc.load(config([promo])).quote(cart).to_dict()
    ln = q["lines"][0]
    assert applied(q) == {"p10": "50.00"}
    assert ln["discounts"]["item"] == "50.00"
    assert (ln["payable"], ln["deposit_paid"]) == ("0.00", "50.00")


def test_shop_promotion_on_free_lines_is_not_applied_for_nothing() -> None:
    """RULES 2.2/5: an instrument whose every share is cut to zero did not apply (no 0.00 entry)."""
    deal = {"id": "deal", "kind": "quantity_deal", "shop": "s0", "tiers": [{"items": 2, "off": "1.00"}]}
    cart = {"at": AT, "lines": [line("1", "0.00", qty=2)]}
    q = promocalc.load(config([deal])).quote(cart).to_dict()
    assert applied(q) == {}
    assert [(s["id"], s["reason"]) for s in q["not_applied"]] == [("deal", "nothing_to_discount")]


def test_named_coupon_over_lines_already_at_zero_is_not_applied_for_nothing() -> None:
    """RULES 2.2 parallel: the coupon reaches its threshold on A1 but every line already pays zero."""
    cfg = config([
        {"id": "deal", "kind": "quantity_deal", "shop": "s0", "tiers": [{"items": 1, "off": "100.00"}]},
        {"id": "c10", "kind": "shop_coupon", "shop": "s0", "tiers": ["50-10"]},
    ])  # fmt: skip
    cfg["campaign"]["ruleset"] = "parallel"
    cart = {"at": AT, "lines": [line("1", "100.00")], "wallet": {"coupons": ["c10"]}, "use": ["c10"]}
    q = promocalc.load(cfg).quote(cart).to_dict()
    assert applied(q) == {"deal": "100.00"}
    assert q["payable"] == "0.00"
    assert ("c10", "nothing_to_discount") in [(s["id"], s["reason"]) for s in q["not_applied"]]


def test_named_coupon_of_a_shop_without_lines_is_reported() -> None:
    """RULES 6: a named coupon that cannot apply is reported with its reason, never silently dropped."""
    cfg = config([{"id": "c10", "kind": "shop_coupon", "shop": "s1", "tiers": ["50-10"]}])
    cfg["shops"]["s1"] = {}
    cart = {"at": AT, "lines": [line("1", "100.00")], "wallet": {"coupons": ["c10"]}, "use": ["c10"]}
    q = promocalc.load(cfg).quote(cart).to_dict()
    assert applied(q) == {}
    assert [(s["id"], s["reason"]) for s in q["not_applied"]] == [("c10", "no_lines_in_scope")]


def test_quantity_deal_reached_on_free_lines_says_nothing_to_discount() -> None:
    """FORMATS not_applied: threshold_not_met carries the gap to the next tier; a reached 满2件95折 on lines
    that cost nothing is not a threshold missed by 0 units."""
    promos = [
        {"id": "free", "kind": "price", "shop": "s0", "price": "0.00"},
        {"id": "deal", "kind": "quantity_deal", "shop": "s0", "tiers": [{"items": 2, "rate": "0.95"}]},
    ]
    cart = {"at": AT, "lines": [line("1", "1.00", qty=2)]}
    q = promocalc.load(config(promos)).quote(cart).to_dict()
    assert [(s["id"], s["reason"], s.get("gap")) for s in q["not_applied"]] == [("deal", "nothing_to_discount", None)]


def _exclusive(held: list[str]) -> tuple[promocalc.Campaign, dict[str, Any]]:
    """A cross-shop reduction that a category coupon excludes, and a red packet that needs 1.00 still owed."""
    cfg = config([
        {"id": "xs", "kind": "cross_shop_reduction", "every": "1.00-0.01"},
        {"id": "cc", "kind": "category_coupon", "tiers": ["3.00-0.01"], "scope": {"categories": ["c0"]},
         "excludes": ["xs"]},
        {"id": "rp", "kind": "platform_red_packet", "face_value": "1.00", "spend": "1.00"},
    ])  # fmt: skip
    cart = {"at": AT, "lines": [line("1", "1.00")], "wallet": {"coupons": held, "red_packets": {"rp": 1}}}
    return promocalc.load(cfg), cart


def test_an_instrument_is_not_switched_off_for_a_coupon_the_buyer_does_not_hold() -> None:
    """RULES 7: of two instruments that exclude each other the buyer gets one only when both could apply.

    The choice used to switch the cross-shop reduction off "for" the category coupon, which is not in the
    wallet: the line then kept 1.00, the red packet's spend, and the red packet paid it all.
    """
    camp, cart = _exclusive([])
    free, named = camp.quote(cart), camp.quote({**cart, "use": []})
    for q in (free, named):
        d = q.to_dict()
        assert applied(d) == {"xs": "0.01"}
        assert d["payable"] == "0.99"
        assert all(s["reason"] != "excluded_by" for s in d["not_applied"])
    assert free.optimal is True


def test_an_instrument_is_not_switched_off_for_a_coupon_that_cannot_apply() -> None:
    """RULES 7: held but below its threshold, the category coupon excludes nothing; the reduction applies."""
    camp, cart = _exclusive(["cc"])
    d = camp.quote(cart).to_dict()
    assert applied(d) == {"xs": "0.01"}
    assert d["payable"] == "0.99"
    assert {s["id"]: s["reason"] for s in d["not_applied"]}["cc"] == "threshold_not_met"
