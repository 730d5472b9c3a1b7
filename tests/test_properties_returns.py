"""Refund properties (RULES 10): refunding everything in any order, instrument returns, the JSON order record."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.allocation import allocate
from promocalc.money import to_fen
from promocalc.testing import campaigns_and_carts

CLOSED = "2016-11-11T20:00:00+08:00"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fen(s: str) -> int:
    return to_fen(s)


def priced(config, cart):
    camp = promocalc.load(config)
    quote = camp.quote(cart)
    order = json.loads(quote.to_json())
    closed = order["at"]  # refunds close at the order time or later
    return camp, order, closed


@st.composite
def refund_sequences(draw, order, closed):
    """A random valid sequence of unit refunds and compensations over the order's lines."""
    units = {ln["id"]: [fen(u) for u in ln["units"]] for ln in order["lines"]}
    seq = []
    for _ in range(draw(st.integers(0, 8))):
        live = [lid for lid in units if units[lid]]
        if not live:
            break
        lid = draw(st.sampled_from(live))
        stage = draw(st.sampled_from(["in_sale", "after_sale"]))
        left = sum(units[lid])
        if not left or draw(st.booleans()):
            q = draw(st.integers(1, len(units[lid])))
            seq.append({"line": lid, "qty": q, "stage": stage, "closed_at": closed})
            units[lid] = units[lid][q:]
        else:
            amt = draw(st.integers(1, left))
            seq.append({"line": lid, "amount": f"{amt // 100}.{amt % 100:02d}", "stage": stage, "closed_at": closed})
            units[lid] = [u - c for u, c in zip(units[lid], allocate(amt, units[lid]))]
    return seq


@SETTINGS
@given(data=st.data(), case=campaigns_and_carts(max_lines=5))
def test_refunding_everything_returns_exactly_what_was_paid_in_any_order(data, case) -> None:
    config, cart = case
    camp, order, closed = priced(config, cart)
    units = [(ln["id"], 1) for ln in order["lines"] for _ in ln["units"]]
    units = data.draw(st.permutations(units))
    seq = [{"line": lid, "qty": q, "stage": "in_sale", "closed_at": closed} for lid, q in units]
    res = camp.refund(order, {"refunds": seq}).to_dict()
    assert fen(res["total"]) == fen(order["payable"]) + fen(order.get("deposit_paid", "0"))
    assert all(v == "0.00" for v in res["remaining"].values())


@SETTINGS
@given(data=st.data(), case=campaigns_and_carts(max_lines=5))
def test_an_instrument_comes_back_only_when_every_sharing_line_is_fully_refunded_in_sale(data, case) -> None:
    config, cart = case
    camp, order, closed = priced(config, cart)
    seq = data.draw(refund_sequences(order, closed))
    res = camp.refund(order, {"refunds": seq}).to_dict()
    full = {ln["id"] for ln in order["lines"]}
    units_refunded: dict[str, int] = {}
    after_sale = set()
    for r in seq:
        if r["stage"] != "in_sale":
            after_sale.add(r["line"])
        units_refunded[r["line"]] = units_refunded.get(r["line"], 0) + r.get("qty", 0)
    full = {ln["id"] for ln in order["lines"]
            if units_refunded.get(ln["id"], 0) == len(ln["units"]) or res["remaining"][ln["id"]] == "0.00"}  # fmt: skip
    applied = {a["id"]: a for a in order["applied"]}
    for r in res["returned"]:
        if "amount" in r:
            continue  # the allowance comes back per shop order
        sharing = set(applied[r["id"]]["lines"])
        assert sharing <= full
        assert not (sharing & after_sale)


@SETTINGS
@given(case=campaigns_and_carts(max_lines=5))
def test_order_record_round_trips_through_json(case) -> None:
    config, cart = case
    camp = promocalc.load(config)
    quote = camp.quote(cart)
    again = json.loads(json.dumps(json.loads(quote.to_json())))
    seq = [{"line": ln["id"], "qty": len(ln["units"]), "stage": "in_sale", "closed_at": again["at"]} for ln in again["lines"]]
    assert camp.refund(quote, {"refunds": seq}).to_dict() == camp.refund(again, {"refunds": seq}).to_dict()
