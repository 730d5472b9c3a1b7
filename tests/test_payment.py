"""Free postage, gifts and the payment layer (88VIP, coins, platform red packets), worked by hand."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.engine.compiled import Promo
from promocalc.engine.payment_layer import best_packets
from promocalc.money import to_fen

AT = "2021-11-11T10:00:00+08:00"


def campaign(promotions: list[dict[str, Any]], shops: dict[str, Any] | None = None, **info: Any) -> promocalc.Campaign:
    return promocalc.load({
        "promocalc": 1,
        "campaign": {"id": "pay", "ruleset": "parallel", **info},
        "shops": shops or {"a": {"campaign_member": True, "coins": {"rate": 0.05}, "postage": "8.00"}},
        "promotions": promotions,
    })


def line(lid: str, price: str, shop: str = "a", item: str = "coat", **kw: Any) -> dict[str, Any]:
    return {"id": lid, "shop": shop, "item": item, "category": "wear", "price": price, "qty": 1, **kw}


def fen(text: str) -> int:
    return to_fen(text)


RULES_EXAMPLE = [
    {"id": "a-price", "kind": "price", "shop": "a", "price": "200.00", "scope": {"items": ["coat"]}},
    {"id": "a-c20", "kind": "shop_coupon", "shop": "a", "tiers": ["100-20"]},
    {"id": "x-200-30", "kind": "cross_shop_reduction", "every": "200-30"},
    {"id": "tmall-rp", "kind": "platform_red_packet", "face_value": "5.00"},
]


def test_the_published_payment_example() -> None:
    # 200 after the item price, coupon 20, 每满200减30 → 150 owed; 88VIP 7.50; coins 5% of 200 capped → 6.00
    # of the 600 coins; a 5.00 red packet → 131.50 cash
    c = campaign(RULES_EXAMPLE, vip88={"rate": 0.95})
    q = c.quote({"at": AT, "buyer": {"coins": 600, "vip88": True},
                 "lines": [line("1", "260.00", vip88=True)],
                 "wallet": {"coupons": ["a-c20"], "red_packets": {"tmall-rp": 1}}})
    d = q.to_dict()
    ln = d["lines"][0]
    assert ln["discounts"]["payment"] == "7.50"
    assert ln["paid_by"] == {"cash": "131.50", "coins": "6.00", "red_packets": "5.00"}
    assert d["payable"] == "139.50" and d["postage"] == "8.00" and d["coins_used"] == 600  # postage is never paid in coins
    assert d["paid_by"] == {"cash": "139.50", "coins": "6.00", "red_packets": "5.00"}
    assert d["discount"] == "117.50"  # goods discounts, 88VIP included; coins and red packets are tender
    assert fen(d["subtotal"]) - fen(d["discount"]) - 600 - 500 + 800 == fen(d["payable"])
    order = [a["id"] for a in d["applied"] if a["layer"] == "payment"]
    assert order == ["vip88", "coins", "tmall-rp"]
    assert ln["units"] == ["131.50"]  # a unit's frozen amount is its cash


def test_no_vip_without_the_buyer_or_when_opted_out() -> None:
    c = campaign(RULES_EXAMPLE, vip88={"rate": 0.95})
    cart = {"at": AT, "buyer": {"vip88": True}, "lines": [line("1", "260.00", vip88=True)], "use": []}
    assert c.quote(cart).to_dict()["lines"][0]["discounts"]["payment"] == "8.50"  # 5% of 200 − 30
    cart["use_vip88"] = False
    d = c.quote(cart).to_dict()
    assert d["lines"][0]["discounts"]["payment"] == "0.00"
    assert {"id": "vip88", "reason": "opted_out"}.items() <= d["not_applied"][0].items()
    cart["buyer"] = {"vip88": False}
    cart.pop("use_vip88")
    assert c.quote(cart).to_dict()["lines"][0]["discounts"]["payment"] == "0.00"


def test_vip_quota_short_is_split_by_largest_remainder() -> None:
    c = campaign([], vip88={"rate": 0.95})
    d = c.quote({"at": AT, "buyer": {"vip88": True, "vip88_quota_left": "1.00"},
                 "lines": [line("1", "100.00", vip88=True), line("2", "50.00", item="hat", vip88=True),
                           line("3", "90.00", item="bag")]}).to_dict()
    # uncapped 5.00 and 2.50; the quota 1.00 splits 2:1 → 0.67 / 0.33; the untagged line gets nothing
    assert [x["discounts"]["payment"] for x in d["lines"]] == ["0.67", "0.33", "0.00"]


def test_presale_line_gets_vip_on_its_tail_only() -> None:
    c = campaign([], vip88={"rate": 0.95})
    d = c.quote({"at": AT, "buyer": {"vip88": True},
                 "lines": [line("1", "300.00", vip88=True, presale={"deposit": "50.00", "deposit_value": "100.00"})]}
                ).to_dict()
    # price 300, the deposit of 50 counts as 100: tail 200 owed now; 5% of the tail is 10.00
    ln = d["lines"][0]
    assert ln["discounts"]["payment"] == "10.00"
    assert ln["payable"] == "190.00" and ln["deposit_paid"] == "50.00"


def test_coins_short_of_the_caps_over_three_shops() -> None:
    shops = {s: {"campaign_member": True, "coins": {"rate": r}} for s, r in (("a", 0.02), ("b", 0.05), ("c", 0.1))}
    c = campaign([], shops=shops)
    d = c.quote({"at": AT, "buyer": {"coins": 1000},
                 "lines": [line("1", "100.00", shop="a"), line("2", "200.00", shop="b"), line("3", "150.00", shop="c")]}
                ).to_dict()
    # caps 2.00, 10.00, 15.00 (27.00 in all); 1000 coins spread 200:1000:1500 → 74 / 370 / 556 coins
    assert [x["paid_by"]["coins"] for x in d["lines"]] == ["0.74", "3.70", "5.56"]
    assert d["coins_used"] == 1000
    d = c.quote({"at": AT, "buyer": {"coins": 1000}, "use_coins": False, "lines": [line("1", "100.00")]}).to_dict()
    assert d["coins_used"] == 0


def test_coins_leave_a_fen_to_pay() -> None:
    c = campaign([{"id": "a-off", "kind": "amount_off", "shop": "a", "off": "99.50"}],
                 shops={"a": {"coins": {"rate": 0.1}}})
    d = c.quote({"at": AT, "buyer": {"coins": 5000}, "lines": [line("1", "100.00")]}).to_dict()
    # A1 0.50 → cap floor(0.05) = 5 coins; owed 0.50 leaves room for 49
    assert d["lines"][0]["paid_by"]["coins"] == "0.05"
    d = c.quote({"at": AT, "buyer": {"coins": 5000}, "lines": [line("1", "99.51")]}).to_dict()
    assert d["lines"][0]["payable"] == "0.01" and d["coins_used"] == 0  # A1 0.01: cap 0, a fen stays


def test_a_split_red_packet_reports_what_is_left() -> None:
    c = campaign([{"id": "a-off", "kind": "amount_off", "shop": "a", "off": "97.00"},
                  {"id": "rp", "kind": "platform_red_packet", "face_value": "5.00"}], shops={"a": {}})
    d = c.quote({"at": AT, "lines": [line("1", "100.00")], "wallet": {"red_packets": {"rp": 3}}}).to_dict()
    rp = next(a for a in d["applied"] if a["id"] == "rp")
    assert rp["amount"] == "3.00" and rp["packets"] == 1 and rp["left"] == "2.00"
    assert d["payable"] == "0.00"


def test_red_packets_chosen_when_a_threshold_makes_it_a_choice() -> None:
    a = Promo("a", 0, "platform_red_packet", 5)
    a.face, a.need = 1000, 5000
    b = Promo("b", 1, "platform_red_packet", 5)
    b.face, b.need = 6000, 6000
    order, proven = best_packets([(a, 1), (b, 1)], 10000)
    # a first (100 ≥ 50) leaves 90 ≥ 60 for b: 70 in all; b first would leave 40 < 50 for a
    assert [p.id for p in order] == ["a", "b"] and proven
    order, _ = best_packets([(a, 1), (b, 1)], 6500)
    assert [p.id for p in order] == ["b"]  # 60 beats a's 10 (a then leaves 55 < 60)


def test_the_search_keeps_a_red_packet_threshold_over_a_smaller_coupon() -> None:
    c = campaign([{"id": "a-c5", "kind": "shop_coupon", "shop": "a", "tiers": ["50-5"]},
                  {"id": "rp20", "kind": "platform_red_packet", "face_value": "20.00", "spend": "100.00"}],
                 shops={"a": {}}, ruleset="sequential")
    cart = {"at": AT, "lines": [line("1", "100.00")], "wallet": {"coupons": ["a-c5"], "red_packets": {"rp20": 1}}}
    d = c.quote(cart).to_dict()
    # the coupon would leave 95 < 100 for the red packet (95 to pay); without it 100 − 20 = 80
    assert d["payable"] == "80.00" and d["optimal"] is True
    assert [a["id"] for a in d["applied"]] == ["rp20"]
    cart["use"] = ["a-c5"]
    assert c.quote(cart).to_dict()["payable"] == "95.00"


FREE = {"id": "a-free", "kind": "free_postage", "shop": "a", "spend": "99.00", "exclude_regions": ["650000"]}


def test_free_postage_is_measured_before_coupons() -> None:
    # 满99包邮, postage 8.00, item 120.00 with a price of 99.00 and a 10.00 shop coupon (满90): base 99 ≥ 99
    c = campaign([FREE, {"id": "a-p", "kind": "price", "shop": "a", "price": "99.00"},
                  {"id": "a-c10", "kind": "shop_coupon", "shop": "a", "tiers": ["90-10"]}],
                 shops={"a": {"postage": "8.00"}})
    d = c.quote({"at": AT, "lines": [line("1", "120.00")], "wallet": {"coupons": ["a-c10"]}}).to_dict()
    assert d["payable"] == "89.00" and d["postage"] == "0.00" and d["postage_waived"] == "8.00"
    assert d["shops"][0]["postage_waived"] == "8.00"
    assert d["discount"] == "31.00"  # the waived postage is not a goods discount
    waiver = next(a for a in d["applied"] if a["id"] == "a-free")
    assert waiver["layer"] == "postage" and waiver["amount"] == "8.00"
    d = c.quote({"at": AT, "buyer": {"region": "650000"}, "lines": [line("1", "120.00")],
                 "wallet": {"coupons": ["a-c10"]}}).to_dict()
    assert d["payable"] == "97.00"
    assert {"id": "a-free", "reason": "region_excluded"}.items() <= d["not_applied"][0].items()


def test_free_postage_threshold_not_met_gives_the_gap_and_presale_does_not_count() -> None:
    c = campaign([FREE], shops={"a": {"postage": "8.00"}})
    d = c.quote({"at": AT, "lines": [line("1", "60.00"),
                                     line("2", "300.00", item="tv", presale={"deposit": "50.00"})]}).to_dict()
    assert d["postage"] == "8.00"
    miss = next(s for s in d["not_applied"] if s["id"] == "a-free")
    assert miss["reason"] == "threshold_not_met" and miss["gap"] == "39.00"


def test_gift_lines_are_added_at_zero() -> None:
    c = campaign([{"id": "a-gift", "kind": "gift", "shop": "a", "items": 2,
                   "gifts": [{"item": "tote", "qty": 1, "value": "29.00"}]}], shops={"a": {}})
    d = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "40.00", item="hat")]}).to_dict()
    gift = d["lines"][-1]
    assert gift["gift"] is True and gift["item"] == "tote" and gift["payable"] == "0.00" and gift["value"] == "29.00"
    assert d["payable"] == "100.00" and d["subtotal"] == "100.00"
    d = c.quote({"at": AT, "lines": [line("1", "60.00")]}).to_dict()
    assert not any(x.get("gift") for x in d["lines"])
    assert next(s for s in d["not_applied"] if s["id"] == "a-gift")["gap"] == 1


def test_refunds_return_cash_coins_by_proportion_and_a_one_line_checkout_only_in_full() -> None:
    c = campaign([], shops={"a": {"coins": {"rate": 0.1}}})
    q = c.quote({"at": AT, "buyer": {"coins": 3000}, "lines": [line("1", "100.00"), line("2", "200.00", item="hat")]})
    d = q.to_dict()
    assert d["coins_used"] == 3000 and d["payable"] == "270.00"
    r = c.refund(q, {"refunds": [{"line": "1", "qty": 1, "stage": "in_sale", "closed_at": AT}]}).to_dict()
    # line 1 paid 90.00 cash of 270.00: a third of the 3000 coins come back, as coins
    assert r["total"] == "90.00"
    assert {"id": "coins", "coins": 1000} in r["returned"]
    one = c.quote({"at": AT, "buyer": {"coins": 3000}, "lines": [{**line("1", "100.00"), "qty": 2}]})
    r = c.refund(one, {"refunds": [{"line": "1", "qty": 1, "stage": "in_sale", "closed_at": AT}]})
    assert not any(x["id"] == "coins" for x in r.to_dict()["returned"])
    r2 = c.refund(r.order, {"refunds": [{"line": "1", "qty": 1, "stage": "in_sale", "closed_at": AT}]})
    assert {"id": "coins", "coins": 2000} in r2.to_dict()["returned"]


def test_a_forged_coin_share_is_refused() -> None:
    c = campaign([], shops={"a": {"coins": {"rate": 0.1}}})
    d = c.quote({"at": AT, "buyer": {"coins": 3000}, "lines": [line("1", "100.00")]}).to_dict()
    d["lines"][0]["paid_by"]["coins"] = "0.00"
    try:
        c.refund(d, {"refunds": [{"line": "1", "qty": 1, "stage": "in_sale", "closed_at": AT}]})
    except promocalc.PromocalcError as e:
        assert e.problems[0].type == "order_inconsistent"  # type: ignore[attr-defined]
    else:
        raise AssertionError("a forged record was refunded")


def test_bad_payment_input_is_located() -> None:
    c = campaign(RULES_EXAMPLE, vip88={"rate": 0.95})
    bad = {"at": AT, "buyer": {"coins": -1, "region": "shanghai", "vip88": "yes"}, "use_coins": 1,
           "lines": [line("1", "10.00", vip88="y")], "wallet": {"red_packets": {"nope": 1}}}
    try:
        c.quote(bad)
    except promocalc.CartError as e:
        locs = {p.loc for p in e.problems}
    assert {("buyer", "coins"), ("buyer", "region"), ("buyer", "vip88"), ("use_coins",), ("lines", 0, "vip88"),
            ("wallet", "red_packets", "nope")} <= locs


def test_config_rules_for_the_new_kinds() -> None:
    from promocalc.errors import ConfigError

    base = {"promocalc": 1, "campaign": {"id": "x"}, "shops": {"a": {"coins": {"rate": 0.03}}},
            "promotions": [{"id": "coins", "kind": "gift", "shop": "a", "spend": "10", "items": 2,
                            "gifts": [{"item": "t", "value": "0"}]},
                           {"id": "f", "kind": "free_postage", "shop": "a", "spend": "9", "exclude_regions": ["xj"]}]}
    try:
        promocalc.load(base)
    except ConfigError as e:
        text = " ".join(p.message for p in e.problems)
    assert "coin rate" in text and "exactly one of 'spend'" in text and "six-digit region" in text


shares = st.lists(st.tuples(st.integers(1, 50_000), st.booleans(), st.sampled_from(["a", "b", "c"])),
                  min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(shares, st.integers(0, 20_000), st.booleans(), st.integers(0, 3), st.sampled_from([None, "3.00", "0.50"]))
def test_payment_layer_properties(rows: list[tuple[int, bool, str]], coins: int, vip: bool, packets: int,
                                  quota: str | None) -> None:  # fmt: skip
    shops = {"a": {"coins": {"rate": 0.1}}, "b": {"coins": {"rate": 0.02}}, "c": {}}
    c = campaign([{"id": "rp", "kind": "platform_red_packet", "face_value": "3.00", "spend": "20.00"}],
                 shops=shops, vip88={"rate": 0.95})
    lines = [{"id": str(k), "shop": s, "item": f"i{k}", "category": "wear", "price": f"{p // 100}.{p % 100:02d}",
              "qty": 1, "vip88": v} for k, (p, v, s) in enumerate(rows)]  # fmt: skip
    buyer: dict[str, Any] = {"coins": coins, "vip88": vip}
    if quota is not None:
        buyer["vip88_quota_left"] = quota
    cart = {"at": AT, "buyer": buyer, "lines": lines, "wallet": {"red_packets": {"rp": packets}}}
    q = c.quote(cart)
    d = q.to_dict()
    tender = 0
    for ln, (price, _, _) in zip(d["lines"], rows):
        paid = ln["paid_by"]
        cash, cn, rp = fen(paid["cash"]), fen(paid["coins"]), fen(paid["red_packets"])
        owed = price - fen(ln["discounts"]["payment"])
        assert cash >= 0 and cash + cn + rp == owed <= price  # never raises a line's payable
        assert cn <= owed - 1 or cn == 0  # coins always leave a fen
        tender += cn + rp
    assert d["coins_used"] <= coins and d["postage"] == "0.00"
    assert fen(d["subtotal"]) - fen(d["discount"]) - tender == fen(d["payable"])
    back = c.quote({**cart, "lines": list(reversed(lines))}).to_dict()
    assert back["payable"] == d["payable"] and back["coins_used"] == d["coins_used"]
    # the record reads back and unwinds: cash refunded + cash kept = cash paid; coins never more than used
    r = c.refund(q, {"refunds": [{"line": x["id"], "qty": 1, "stage": "in_sale", "closed_at": AT} for x in lines]})
    rd = r.to_dict()
    assert fen(rd["total"]) == fen(d["payable"])
    got = sum(x.get("coins", 0) for x in rd["returned"] if x["id"] == "coins")
    assert got == d["coins_used"]


def test_a_gift_line_is_not_refunded_on_its_own() -> None:
    c = campaign([{"id": "a-gift", "kind": "gift", "shop": "a", "spend": "50.00",
                   "gifts": [{"item": "tote", "qty": 1, "value": "29.00"}]}], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00")]})
    gift = q.to_dict()["lines"][-1]["id"]
    try:
        c.refund(q, {"refunds": [{"line": gift, "qty": 1, "stage": "in_sale", "closed_at": AT}]})
    except promocalc.PromocalcError as e:
        assert e.problems[0].type == "gift_line"  # type: ignore[attr-defined]
    else:
        raise AssertionError("a gift line was refunded")
    r = c.refund(q, {"refunds": [{"line": "1", "qty": 1, "stage": "in_sale", "closed_at": AT}]})
    assert r.to_dict()["total"] == "60.00"


GIFT = {"id": "a-gift", "kind": "gift", "shop": "a", "spend": "100.00", "scope": {"items": ["coat", "hat", "bag"]},
        "gifts": [{"item": "tote", "qty": 1, "value": "29.00"}]}


def refund(lid: str, qty: int = 1, **kw: Any) -> dict[str, Any]:
    return {"line": lid, "qty": qty, "stage": "in_sale", "closed_at": AT, **kw}


def test_a_kept_gift_is_deducted_once_and_stays_paid() -> None:
    c = campaign([GIFT], shops={"a": {"postage": "8.00"}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "50.00", item="hat")]})
    assert q.to_dict()["payable"] == "118.00"  # 110.00 goods, the gift at 0.00, postage 8.00
    # refunding the coat leaves 50.00 < 100.00: the buyer keeps the tote, so its 29.00 stays out of the 60.00
    r = c.refund(q, {"refunds": [refund("1", gift_kept=True)]})
    d = r.to_dict()
    assert d["refunds"][0]["amount"] == "31.00" and d["refunds"][0]["gift_deducted"] == "29.00"
    assert d["refunds"][0]["gifts"] == [{"id": "a-gift", "kept": True, "value": "29.00"}]
    assert d["remaining"]["1"] == "29.00"  # still paid: the kept gift
    # the last goods go back with the postage; the gift was settled once and is not deducted again
    r2 = c.refund(r.order, {"refunds": [refund("2", gift_kept=True)]}).to_dict()
    assert r2["refunds"][0]["amount"] == "58.00" and "gift_deducted" not in r2["refunds"][0]
    assert fen(r2["refunds"][0]["postage"]) == 800
    # no fen lost: 31.00 + 58.00 back, 29.00 kept paid on line 1 = 118.00 paid
    assert 3100 + 5800 + sum(fen(v) for v in r2["remaining"].values()) == 11800


def test_a_gift_sent_back_is_never_deducted_later() -> None:
    c = campaign([GIFT], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "50.00", item="hat")]})
    r = c.refund(q, {"refunds": [refund("1"), refund("2", gift_kept=True)]}).to_dict()
    assert [e["amount"] for e in r["refunds"]] == ["60.00", "50.00"]
    assert r["refunds"][0]["gifts"] == [{"id": "a-gift", "kept": False, "value": "29.00"}]
    assert "gifts" not in r["refunds"][1]


def test_a_gift_is_deducted_only_by_the_refund_that_drops_below_its_threshold() -> None:
    c = campaign([GIFT], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "50.00", item="hat"),
                                     line("3", "40.00", item="bag"), line("4", "80.00", item="pen")]})
    # the pen is out of the gift's scope; the bag leaves 110.00 ≥ 100.00; the hat leaves 60.00 < 100.00
    r = c.refund(q, {"refunds": [refund("4", gift_kept=True), refund("3", gift_kept=True),
                                 refund("2", gift_kept=True)]}).to_dict()
    assert [e["amount"] for e in r["refunds"]] == ["80.00", "40.00", "21.00"]
    assert [e.get("gift_deducted") for e in r["refunds"]] == [None, None, "29.00"]


def test_a_kept_gift_never_takes_a_refund_below_zero_nor_carries_over() -> None:
    c = campaign([GIFT], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [line("1", "90.00"), line("2", "20.00", item="hat")]})
    r = c.refund(q, {"refunds": [refund("2", gift_kept=True), refund("1", gift_kept=True)]}).to_dict()
    # 20.00 − 29.00 stops at 0.00 (20.00 deducted); the other 9.00 is not taken from the next refund
    assert [e["amount"] for e in r["refunds"]] == ["0.00", "90.00"]
    assert r["refunds"][0]["gift_deducted"] == "20.00"
    assert r["remaining"] == {"1": "0.00", "2": "20.00", "gift:a-gift:1": "0.00"}


def test_an_item_count_gift_kept_on_a_unit_refund_and_a_compensation_deducts_nothing() -> None:
    c = campaign([{**GIFT, "spend": None, "items": 2}], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [{**line("1", "30.00"), "qty": 2}]})
    comp = c.refund(q, {"refunds": [{"line": "1", "amount": "5.00", "stage": "after_sale", "closed_at": AT,
                                     "gift_kept": True}]}).to_dict()
    assert comp["refunds"][0]["amount"] == "5.00" and "gifts" not in comp["refunds"][0]  # the goods stay
    r = c.refund(q, {"refunds": [refund("1", gift_kept=True)]}).to_dict()
    assert r["refunds"][0]["amount"] == "1.00"  # one unit left < 2 items: 30.00 − 29.00


def test_a_kept_gift_under_clawback_is_not_paid_back_by_a_later_refund() -> None:
    # A 30, B 50, C 100 under 满150减20 (paid 160) and a gift at 150 worth 10.00
    c = campaign([{"id": "a-mj", "kind": "shop_reduction", "shop": "a", "tiers": ["150-20"]},
                  {**GIFT, "spend": "150.00", "gifts": [{"item": "tote", "qty": 1, "value": "10.00"}]}],
                 shops={"a": {}}, ruleset="sequential")
    q = c.quote({"at": AT, "lines": [line("1", "30.00"), line("2", "50.00", item="hat"), line("3", "100.00", item="bag")]})
    assert q.to_dict()["payable"] == "160.00"
    r = c.refund(q, {"policy": "clawback", "refunds": [refund(x, gift_kept=True) for x in "123"]}).to_dict()
    # A: 160 − 130 = 30 (150 still reaches the gift); B: 160 − 30 − 100 = 30, less the kept 10 = 20; C: 100
    assert [e["amount"] for e in r["refunds"]] == ["30.00", "20.00", "100.00"]
    assert fen(r["total"]) + sum(fen(v) for v in r["remaining"].values()) == 16000


def test_gift_refunds_are_checked_and_replayed() -> None:
    c = campaign([GIFT], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "50.00", item="hat")]})
    try:
        c.refund(q, {"refunds": [refund("1", gift_kept="yes")]})
    except promocalc.CartError as e:
        assert [p.loc for p in e.problems] == [("refunds", 0, "gift_kept")]
    else:
        raise AssertionError("gift_kept 'yes' was taken")
    order = c.refund(q, {"refunds": [refund("1", gift_kept=True)]}).order
    assert order is not None
    order["refunds"][0]["gift_deducted"] = "0.00"
    for forged in (order, {**q.to_dict(), "lines": [*q.to_dict()["lines"][:2], {**q.to_dict()["lines"][2], "value": "1.00"}]}):
        try:
            c.refund(forged, {"refunds": [refund("2")]})
        except promocalc.PromocalcError as e:
            assert e.problems[0].type == "order_inconsistent"  # type: ignore[attr-defined]
        else:
            raise AssertionError("a forged record was refunded")


def test_the_refund_receipt_names_the_kept_gift() -> None:
    c = campaign([GIFT], shops={"a": {}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "50.00", item="hat")]})
    r = c.refund(q, {"refunds": [refund("1", gift_kept=True)]})
    zh, en = r.to_text("zh_CN"), r.to_text("en_US")
    assert "买家保留赠品" in zh and "扣除赠品价值" in zh and "−¥29.00" in zh
    assert "The buyer keeps the gift" in en and "Gift value deducted" in en
    back = c.refund(q, {"refunds": [refund("1")]}).to_text("zh_CN")
    assert "赠品随商品退回" in back


def test_a_waived_postage_is_not_charged_back_when_a_refund_leaves_the_order_below_the_threshold() -> None:
    c = campaign([FREE], shops={"a": {"postage": "8.00"}})
    q = c.quote({"at": AT, "lines": [line("1", "60.00"), line("2", "50.00", item="hat")]})
    assert q.to_dict()["payable"] == "110.00" and q.to_dict()["postage_waived"] == "8.00"
    # 50.00 left is below 满99, yet the refund is the coat's 60.00, not 60.00 − 8.00; no postage comes back
    r = c.refund(q, {"refunds": [refund("1"), refund("2")]}).to_dict()
    assert [e["amount"] for e in r["refunds"]] == ["60.00", "50.00"]
    assert not any("postage" in e for e in r["refunds"])


def test_coins_come_back_rounded_down_and_cumulatively_over_a_history() -> None:
    c = campaign([], shops={"a": {"coins": {"rate": 0.1}}})
    q = c.quote({"at": AT, "buyer": {"coins": 1000},
                 "lines": [line("1", "100.00"), line("2", "100.00", item="hat"), line("3", "100.00", item="bag")]})
    # caps 1000 each, 1000 coins held: 334 / 333 / 333 (the tie to the first line); cash 96.66 / 96.67 / 96.67
    assert [x["paid_by"]["coins"] for x in q.to_dict()["lines"]] == ["3.34", "3.33", "3.33"]
    order: Any = q
    back = []
    for lid in "123":
        r = c.refund(order, {"refunds": [refund(lid)]})
        order = r.order
        back.append(next(x["coins"] for x in r.to_dict()["returned"] if x["id"] == "coins"))
    # floor(1000 × 96.66 / 290.00) = 333; floor(1000 × 193.33 / 290.00) = 666, so 333 more; then the last 334
    assert back == [333, 333, 334]


def test_the_vip_quota_comes_back_per_shop_order_and_a_red_packet_only_when_all_is_refunded() -> None:
    c = campaign([{"id": "tmall-rp", "kind": "platform_red_packet", "face_value": "5.00"}],
                 shops={"a": {}, "b": {}}, vip88={"rate": 0.95})
    q = c.quote({"at": AT, "buyer": {"vip88": True}, "wallet": {"red_packets": {"tmall-rp": 1}},
                 "lines": [line("1", "100.00", vip88=True), line("2", "50.00", shop="b", item="hat", vip88=True)]})
    # 88VIP 5.00 and 2.50 → owed 95.00 and 47.50; the packet splits 95:47.5 → 3.33 / 1.67 (largest remainder)
    assert [x["paid_by"]["cash"] for x in q.to_dict()["lines"]] == ["91.67", "45.83"]
    after = c.refund(q, {"refunds": [refund("1", stage="after_sale")]}).to_dict()
    assert not any(x["id"] == "vip88" for x in after["returned"])  # an after-sale refund returns no quota
    r = c.refund(q, {"refunds": [refund("1")]})
    d = r.to_dict()
    assert d["total"] == "91.67" and d["returned"] == [{"id": "vip88", "amount": "5.00"}]
    assert d["not_returned"] == [{"id": "tmall-rp", "reason": "partial_refund"}]
    d = c.refund(r.order, {"refunds": [refund("2")]}).to_dict()
    assert d["total"] == "45.83"  # the packet's share is never paid out as cash
    assert d["returned"] == [{"id": "vip88", "amount": "2.50"}, {"id": "tmall-rp", "count": 1}]


def test_the_refund_receipt_says_coins_come_back_as_coins() -> None:
    c = campaign([], shops={"a": {"coins": {"rate": 0.1}}})
    q = c.quote({"at": AT, "buyer": {"coins": 3000}, "lines": [line("1", "100.00"), line("2", "200.00", item="hat")]})
    r = c.refund(q, {"refunds": [refund("1")]})
    assert {"id": "coins", "coins": 1000} in r.to_dict()["returned"]
    assert "1000 个淘金币" in r.to_text("zh_CN") and "1000 coins" in r.to_text("en_US")
    assert "优惠券" not in r.to_text("zh_CN")  # not called a coupon


def test_a_tagged_line_outside_the_vip_scope_is_refunded() -> None:
    c = campaign([], vip88={"rate": 0.95, "scope": {"items": ["hat"]}})
    q = c.quote({"at": AT, "buyer": {"vip88": True}, "lines": [line("1", "100.00", vip88=True), line("2", "40.00", item="hat")]})
    # the coat is tagged, the hat is in the setting's scope: both get 5% (5.00 and 2.00)
    assert [x["discounts"]["payment"] for x in q.to_dict()["lines"]] == ["5.00", "2.00"]
    r = c.refund(q, {"refunds": [refund("1")]}).to_dict()
    assert r["total"] == "95.00"
