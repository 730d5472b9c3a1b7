"""RULES 10: refunds never pay back more than was paid and never lose a fen, whatever their order."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.money import to_fen
from promocalc.testing import campaigns_and_carts

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
SOME = settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLOSED = ["2020-11-11T20:00:00", "2020-11-12T09:00:00", "2020-11-20T09:00:00"]


def refund_list(campaign: promocalc.Campaign, q: promocalc.Quote, data: st.DataObject, policy: str) -> list[dict[str, Any]]:
    """A valid refund list for the order, grown one refund at a time (invalid draws are dropped)."""
    lines = q.to_dict()["lines"]
    out: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(1, 6))):
        ln = data.draw(st.sampled_from(lines))
        r: dict[str, Any] = {"line": ln["id"], "stage": data.draw(st.sampled_from(["in_sale", "after_sale"])),
                             "closed_at": CLOSED[min(len(out), 2)]}  # fmt: skip
        if data.draw(st.integers(0, 3)):
            r["qty"] = data.draw(st.integers(1, ln["qty"]))
        else:
            r["amount"] = data.draw(st.sampled_from(["0.01", "1.00", "5.55", ln["payable"]]))
        try:
            campaign.refund(q, out + [r], policy)
        except promocalc.CartError:
            continue
        out.append(r)
    return out


@SOME
@given(campaigns_and_carts(), st.data())
def test_proportional_refunds_never_lose_a_fen(cc: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject) -> None:
    """Per line and in total: refunded + still paid = paid at checkout; a unit returns what it has left."""
    config, cart = cc
    campaign = promocalc.load(config)
    q = campaign.quote(cart)
    d = q.to_dict()
    refunds = refund_list(campaign, q, data, "proportional")
    res = campaign.refund(q, refunds, "proportional").to_dict()
    paid = {ln["id"]: sum(to_fen(u) for u in ln["units"]) for ln in d["lines"]}
    back: dict[str, int] = defaultdict(int)
    postage = 0
    for e in res["refunds"]:
        amount = to_fen(e["amount"])
        assert amount >= 0
        postage += to_fen(e.get("postage", "0"))
        back[e["line"]] += amount - to_fen(e.get("postage", "0"))
    for lid, total in paid.items():
        left = to_fen(res["remaining"][lid])
        assert left >= 0 and back[lid] + left == total, (lid, back[lid], left, total)
    assert postage <= to_fen(d["postage"])
    assert to_fen(res["total"]) == sum(back.values()) + postage
    assert to_fen(res["total"]) <= to_fen(d["payable"]) + to_fen(d.get("deposit_paid", "0"))


@SOME
@given(campaigns_and_carts(), st.data())
def test_clawback_refunds_never_lose_a_fen_per_shop_order(
    cc: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    """Clawback: per shop order and in total, refunded + still paid = paid; no refund is negative."""
    config, cart = cc
    campaign = promocalc.load(config)
    q = campaign.quote(cart)
    d = q.to_dict()
    refunds = refund_list(campaign, q, data, "clawback")
    res = campaign.refund(q, refunds, "clawback").to_dict()
    shop_of = {ln["id"]: ln["shop"] for ln in d["lines"]}
    paid: dict[str, int] = defaultdict(int)
    for ln in d["lines"]:
        paid[ln["shop"]] += sum(to_fen(u) for u in ln["units"])
    back: dict[str, int] = defaultdict(int)
    for e in res["refunds"]:
        assert to_fen(e["amount"]) >= 0
        back[shop_of[e["line"]]] += to_fen(e["amount"]) - to_fen(e.get("postage", "0"))
    left: dict[str, int] = defaultdict(int)
    for lid, v in res["remaining"].items():
        assert to_fen(v) >= 0
        left[shop_of[lid]] += to_fen(v)
    for shop, total in paid.items():
        assert back[shop] + left[shop] == total, (shop, back[shop], left[shop], total)


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(), st.data(), st.sampled_from(["proportional", "clawback"]))
def test_refund_json_is_the_standard_encoders_text(cc: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject,
                                                   policy: str) -> None:  # fmt: skip
    """The result's JSON, indented and compact, is what ``json.dumps`` writes for its ``to_dict()``."""
    config, cart = cc
    campaign = promocalc.load(config)
    q = campaign.quote(cart)
    res = campaign.refund(q, refund_list(campaign, q, data, policy), policy)
    d = res.to_dict()
    assert res.to_json() == json.dumps(d, ensure_ascii=False, indent=1, default=str)
    assert res.to_json(indent=2) == json.dumps(d, ensure_ascii=False, indent=2, default=str)
    assert res.to_json(indent=None) == json.dumps(d, ensure_ascii=False, separators=(",", ":"), default=str)
