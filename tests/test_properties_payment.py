"""Free postage, gifts and the payment layer on generated campaigns: what the layer may and may not do,
exact splits, line order, and no fen or coin lost over random refund histories."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.money import to_fen
from promocalc.testing import campaigns_and_carts

from .helpers import shuffle_lines

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
SOME = settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CLOSED = ["2020-11-11T20:00:00", "2020-11-12T09:00:00", "2020-11-20T09:00:00"]
LAYERS4 = ("item", "shop", "coupon", "platform")

extras = campaigns_and_carts(extras=True)


def goods(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [ln for ln in d["lines"] if not ln.get("gift")]


def paid_by(ln: dict[str, Any]) -> tuple[int, int, int]:
    p = ln.get("paid_by") or {"cash": ln["payable"], "coins": "0", "red_packets": "0"}
    return to_fen(p["cash"]), to_fen(p["coins"]), to_fen(p["red_packets"])


@SOME
@given(extras)
def test_the_payment_layer_only_lowers_what_a_line_owes_and_splits_exactly(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """88VIP, coins and red packets never raise a line's payable, coins leave a fen, every split sums."""
    config, cart = cc
    d = promocalc.load(config).quote(cart).to_dict()
    coins_used = 0
    packets_paid = 0
    vip = 0
    for ln in goods(d):
        disc = ln["discounts"]
        owed = to_fen(ln["subtotal"]) - sum(to_fen(disc[k]) for k in LAYERS4) - to_fen(ln.get("deposit_paid", "0"))
        pay = to_fen(disc.get("payment", "0"))
        cash, coins, packets = paid_by(ln)
        assert min(pay, cash, coins, packets) >= 0
        assert cash + coins + packets + pay == owed and cash == to_fen(ln["payable"])
        if coins:
            assert coins <= owed - pay - 1, ln  # a line paying coins keeps at least 0.01 to pay
            assert coins * 10 <= to_fen(ln["subtotal"]) - to_fen(disc["item"])  # at most 10% of A1
        coins_used += coins
        packets_paid += packets
        vip += pay
    buyer = cart.get("buyer", {})
    assert d.get("coins_used", 0) == coins_used <= buyer.get("coins", 0)
    if cart.get("use_coins") is False:
        assert coins_used == 0
    if cart.get("use_vip88") is False or not buyer.get("vip88"):
        assert vip == 0
    elif "vip88_quota_left" in buyer:
        assert vip <= to_fen(buyer["vip88_quota_left"])
    faces = {p["id"]: to_fen(p["face_value"]) for p in config["promotions"] if p["kind"] == "platform_red_packet"}
    caps = {p["id"]: p.get("max_per_checkout", 10) for p in config["promotions"] if p["kind"] == "platform_red_packet"}
    held = cart.get("wallet", {}).get("red_packets", {})
    by_layer: dict[str, int] = defaultdict(int)
    n_packets = 0
    for a in d["applied"]:
        shares = sum(to_fen(v) for v in a["lines"].values())
        if a["layer"] == "payment":
            assert shares == to_fen(a["amount"])
            by_layer[a["kind"]] += shares
        if a["kind"] == "platform_red_packet":
            n = a["packets"]
            assert 1 <= n <= min(held[a["id"]], caps[a["id"]])
            assert to_fen(a["amount"]) + to_fen(a["left"]) == n * faces[a["id"]]
            assert to_fen(a["left"]) < faces[a["id"]]  # only the last packet is split
            n_packets += n
        if a["kind"] == "coins":
            assert a["coins"] == coins_used
    assert n_packets <= 10
    assert by_layer["platform_red_packet"] == packets_paid and by_layer["coins"] == coins_used
    assert by_layer.get("vip88", 0) == vip
    total_cash = sum(to_fen(ln["payable"]) for ln in d["lines"]) + to_fen(d["postage"])
    assert to_fen(d["payable"]) == total_cash
    if "paid_by" in d:
        assert d["paid_by"] == {"cash": d["payable"], "coins": f"{coins_used // 100}.{coins_used % 100:02d}",
                                "red_packets": f"{packets_paid // 100}.{packets_paid % 100:02d}"}  # fmt: skip


@SOME
@given(extras, st.randoms(use_true_random=False))
def test_the_payment_layer_never_touches_postage_and_totals_do_not_depend_on_line_order(
    cc: tuple[dict[str, Any], dict[str, Any]], rnd: Any
) -> None:
    """Postage (and its waiver) is the same without 88VIP, coins and red packets; shuffling the lines
    changes no total."""
    config, cart = cc
    campaign = promocalc.load(config)
    d = campaign.quote(cart).to_dict()
    plain = {**cart, "use_coins": False, "use_vip88": False,
             "wallet": {k: v for k, v in cart.get("wallet", {}).items() if k != "red_packets"}}  # fmt: skip
    p = campaign.quote(plain).to_dict()
    assert [(s["id"], s["postage"], s.get("postage_waived")) for s in d["shops"]] == \
        [(s["id"], s["postage"], s.get("postage_waived")) for s in p["shops"]]  # fmt: skip
    assert d["postage"] == p["postage"]
    assert [ln["id"] for ln in d["lines"] if ln.get("gift")] == [ln["id"] for ln in p["lines"] if ln.get("gift")]
    back = campaign.quote(shuffle_lines(cart, rnd)).to_dict()
    for k in ("subtotal", "discount", "payable", "postage", "coins_used", "paid_by", "postage_waived", "deposit_paid"):
        assert back.get(k) == d.get(k), k
    assert sorted(ln["id"] for ln in back["lines"]) == sorted(ln["id"] for ln in d["lines"])


def refund_history(campaign: promocalc.Campaign, q: promocalc.Quote, data: st.DataObject,
                   policy: str) -> list[list[dict[str, Any]]]:  # fmt: skip
    """A valid refund history for the order in 1–3 requests, each grown one refund at a time."""
    lines = goods(q.to_dict())
    calls: list[list[dict[str, Any]]] = []
    flat: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(1, 3))):
        batch: list[dict[str, Any]] = []
        for _ in range(data.draw(st.integers(1, 4))):
            ln = data.draw(st.sampled_from(lines))
            r: dict[str, Any] = {"line": ln["id"], "stage": data.draw(st.sampled_from(["in_sale", "in_sale", "after_sale"])),
                                 "closed_at": CLOSED[min(len(flat) + len(batch), 2)]}  # fmt: skip
            if data.draw(st.integers(0, 3)):
                r["qty"] = data.draw(st.integers(1, ln["qty"]))
            else:
                r["amount"] = data.draw(st.sampled_from(["0.01", "1.00", ln["payable"]]))
            if data.draw(st.booleans()):
                r["gift_kept"] = True
            try:
                campaign.refund(q, flat + batch + [r], policy)
            except promocalc.CartError:
                continue
            batch.append(r)
        if batch:
            calls.append(batch)
            flat += batch
    return calls


@FEW
@given(extras, st.data(), st.sampled_from(["proportional", "clawback"]))
def test_no_fen_and_no_coin_is_lost_over_a_refund_history(cc: tuple[dict[str, Any], dict[str, Any]],
                                                          data: st.DataObject, policy: str) -> None:  # fmt: skip
    """Cash refunded + cash still paid = cash paid (per line under proportional, per shop order and in
    total under clawback); coins come back as coins, rounded down, never more than were used, all of
    them once every line is refunded; a kept gift is deducted at most once."""
    config, cart = cc
    campaign = promocalc.load(config)
    q = campaign.quote(cart)
    d = q.to_dict()
    assert campaign.refund(q, [], policy).total == 0  # every record the quote writes reads back
    calls = refund_history(campaign, q, data, policy)
    order: Any = q
    back: dict[str, int] = defaultdict(int)  # cash per line, postage out
    goods_back: dict[str, int] = defaultdict(int)  # what left each line's units (cash back plus kept gifts)
    units_back: dict[str, int] = defaultdict(int)
    coins_back = 0
    postage = 0
    deducted: dict[str, int] = defaultdict(int)
    res: dict[str, Any] = {}
    for batch in calls:
        r = campaign.refund(order, batch, policy)
        order = r.order
        res = r.to_dict()
        for e in res["refunds"]:
            post = to_fen(e.get("postage", "0"))
            amount = to_fen(e["amount"])
            assert amount >= 0
            postage += post
            back[e["line"]] += amount - post
            goods_back[e["line"]] += amount - post + to_fen(e.get("gift_deducted", "0"))
            units_back[e["line"]] += e.get("qty", 0)
            for g in e.get("gifts", ()):
                deducted[g["id"]] += 1
            if "gift_deducted" in e:
                assert e["gift_kept"] is True and any(g["kept"] for g in e["gifts"])
        coins_back += sum(x.get("coins", 0) for x in res["returned"] if x["id"] == "coins")
    if not calls:
        return
    assert all(n == 1 for n in deducted.values())  # each gift settles once
    assert postage <= to_fen(d["postage"])
    paid = {ln["id"]: paid_by(ln)[0] + to_fen(ln.get("deposit_paid", "0")) for ln in goods(d)}
    remaining = {k: to_fen(v) for k, v in res["remaining"].items()}
    if policy == "proportional":
        for lid, total in paid.items():
            assert back[lid] + remaining[lid] == total, (lid, back[lid], remaining[lid], total)
    else:
        shop_of = {ln["id"]: ln["shop"] for ln in goods(d)}
        per_shop: dict[str, int] = defaultdict(int)
        for lid, total in paid.items():
            per_shop[shop_of[lid]] += total - back[lid] - remaining[lid]
        assert all(v == 0 for v in per_shop.values()), per_shop
    assert sum(back.values()) + sum(remaining[lid] for lid in paid) == sum(paid.values())
    used = d.get("coins_used", 0)
    assert 0 <= coins_back <= used
    if all(units_back[ln["id"]] == ln["qty"] for ln in goods(d)):
        assert coins_back == used
    cash = sum(paid.values())
    if policy == "proportional" and len(paid) > 1 and cash:
        assert coins_back == used * sum(goods_back.values()) // cash
