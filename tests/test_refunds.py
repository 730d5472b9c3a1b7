"""Refunds and returns (RULES 10): every branch, worked by hand."""

from __future__ import annotations

import json

import pytest

import promocalc

from .helpers import cart, config, line

VOUCHER = {"id": "v", "kind": "category_voucher"}
GROUPED = {
    "shops": {"a": {"campaign_member": True, "voucher_groups": {"general": "G"}, "postage": "8.00"},
              "b": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
    "categories": {"general": {"voucher_groups": {"G": ["100-10", "200-20"]}}},
    "calendar": {"effective": {"start": "2016-11-11T00:00", "end": "2016-11-12T00:00"}},
}  # fmt: skip


def refund(camp, c, refunds, policy=None):
    order = json.loads(camp.quote(c).to_json())
    body = {"refunds": refunds}
    if policy:
        body["policy"] = policy
    return camp.refund(order, body).to_dict()


def r(line_id, qty=None, amount=None, stage="in_sale", closed="2016-11-11T20:00"):
    out = {"line": line_id, "stage": stage, "closed_at": closed}
    if qty is not None:
        out["qty"] = qty
    if amount is not None:
        out["amount"] = amount
    return out


@pytest.fixture
def voucher_order():
    camp = promocalc.load(config([VOUCHER], **GROUPED))
    return camp, cart([line("A", "150.00", 2), line("B", "100.00", shop="b")], vouchers={"v": 5})


def test_units_refund_first_first_and_nothing_is_lost(voucher_order) -> None:
    camp, c = voucher_order
    q = camp.quote(c).to_dict()
    units = q["lines"][0]["units"]
    res = refund(camp, c, [r("A", qty=1)])
    assert res["refunds"][0]["amount"] == units[0]
    assert res["remaining"]["A"] == units[1]


def test_voucher_returned_only_when_every_sharing_line_is_refunded_in_sale_in_window(voucher_order) -> None:
    camp, c = voucher_order
    full = [r("A", qty=2), r("B", qty=1)]
    res = refund(camp, c, full)
    assert res["returned"] == [{"id": "v", "vouchers": 2}]
    # postage comes back with the refund that empties shop a
    assert res["refunds"][0]["postage"] == "8.00"
    assert res["total"] == json.loads(camp.quote(c).to_json())["payable"]


@pytest.mark.parametrize(
    ("refunds", "reason"),
    [
        ([r("A", qty=2)], "partial_refund"),
        ([r("A", qty=2), r("B", qty=1, stage="after_sale")], "after_sale"),
        ([r("A", qty=2), r("B", qty=1, closed="2016-11-12T00:30")], "after_window"),
    ],
)
def test_voucher_not_returned(voucher_order, refunds, reason) -> None:
    camp, c = voucher_order
    res = refund(camp, c, refunds)
    assert res["returned"] == []
    assert res["not_returned"] == [{"id": "v", "reason": reason}]


def test_after_sale_emptying_does_not_return_postage(voucher_order) -> None:
    camp, c = voucher_order
    res = refund(camp, c, [r("A", qty=2, stage="after_sale")])
    assert "postage" not in res["refunds"][0]


def test_compensation_is_spread_and_bounded(voucher_order) -> None:
    camp, c = voucher_order
    q = camp.quote(c).to_dict()
    paid_a = sum(int(u.replace(".", "")) for u in q["lines"][0]["units"])
    res = refund(camp, c, [r("A", amount="5.01")])
    assert res["refunds"][0]["amount"] == "5.01"
    assert int(res["remaining"]["A"].replace(".", "")) == paid_a - 501
    # the rest of the line is still refundable by units: together exactly what was paid
    res = refund(camp, c, [r("A", amount="5.01"), r("A", qty=2)])
    assert sum(int(e["amount"].replace(".", "")) for e in res["refunds"]) == paid_a + 800  # + postage


def test_coupon_returns_as_count_and_allowance_per_order() -> None:
    cfg = config([{"id": "c", "kind": "shop_coupon", "shop": "a", "tiers": ["150-15"]},
                  {"id": "al", "kind": "cross_shop_reduction", "every": "100-10", "balance_capped": True}])  # fmt: skip
    camp = promocalc.load(cfg)
    c = cart([line("A", "200.00"), line("B", "200.00", shop="b")], coupons=["c"], allowance_balance="100.00")
    res = refund(camp, c, [r("A", qty=1)])
    got = {x["id"]: x for x in res["returned"]}
    assert got["c"] == {"id": "c", "count": 1}
    assert got["al"]["amount"] == json.loads(camp.quote(c).to_json())["applied"][1]["lines"]["A"]


def test_never_returns_automatic_promotions() -> None:
    camp = promocalc.load(config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["100-10"]}]))
    res = refund(camp, cart([line("A", "200.00")]), [r("A", qty=1)])
    assert res["returned"] == [] and res["not_returned"] == []


def test_clawback_with_a_threshold_lost_first_refund_returns_nothing() -> None:
    camp = promocalc.load(config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["180-30"]}]))
    c = cart([line("A", "30.00"), line("B", "50.00"), line("C", "100.00")])
    res = refund(camp, c, [r("A", qty=1)], policy="clawback")
    assert [e["amount"] for e in res["refunds"]] == ["0.00"]
    res = refund(camp, c, [r("A", qty=1), r("B", qty=1), r("C", qty=1)], policy="clawback")
    assert res["total"] == "150.00"  # everything back in the end, per shop order


def test_presale_refund_names_the_deposit() -> None:
    camp = promocalc.load(config([]))
    c = cart([line("P", "1000.00", presale={"deposit": "100.00", "deposit_value": "200.00"})])
    res = refund(camp, c, [r("P", qty=1)])
    assert res["refunds"][0] == {"line": "P", "qty": 1, "amount": "900.00", "deposit": "100.00", "stage": "in_sale"}


@pytest.mark.parametrize(
    ("refunds", "where"),
    [
        ([r("Z", qty=1)], "refunds[0].line"),
        ([r("A", qty=3)], "refunds[0].qty"),
        ([r("A", amount="1000.00")], "refunds[0].amount"),
        ([r("A", qty=2), r("A", qty=1)], "refunds[1]"),
        ([r("A", qty=1, closed="2016-11-10T00:00")], "refunds[0].closed_at"),
        ([r("A", qty=1), r("B", amount="0.001")], "refunds[1].amount"),
    ],
)
def test_a_refund_list_that_cannot_apply_is_rejected_whole(voucher_order, refunds, where) -> None:
    camp, c = voucher_order
    order = json.loads(camp.quote(c).to_json())
    before = json.dumps(order, sort_keys=True)
    with pytest.raises(promocalc.CartError) as err:
        camp.refund(order, {"refunds": refunds})
    assert where in [p.path() for p in err.value.problems]
    assert json.dumps(order, sort_keys=True) == before  # nothing of it was applied


def test_refund_text_explains_in_plain_words(voucher_order) -> None:
    camp, c = voucher_order
    order = camp.quote(c)
    text = camp.refund(order, {"refunds": [r("A", qty=1)]}).to_text("zh_CN")
    assert "部分退款不退券" in text
    text = camp.refund(order, {"refunds": [r("A", qty=2), r("B", qty=1, closed="2016-11-12T09:00")]}).to_text("en_US")
    assert "validity window" in text
