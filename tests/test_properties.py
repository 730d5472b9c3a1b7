"""Properties of RULES.md over generated campaigns and carts (promocalc.testing strategies)."""

from __future__ import annotations

import copy
import os
from collections import Counter, defaultdict
from fractions import Fraction
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.allocation import allocate
from promocalc.money import to_fen
from promocalc.testing import campaigns_and_carts, carts, configs, valid_uses

from .helpers import shuffle_lines

# PROMOCALC_PROPERTY_SCALE=20 runs every property twenty times longer (a deeper search than CI needs)
SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
FAST = settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


PREHEAT = "2020-11-05T10:00:00"  # inside the preheat of CALENDAR_2020
COUPON_KINDS = ("shop_coupon", "item_coupon", "shop_red_packet", "category_coupon")


def quote(config: dict[str, Any], cart: dict[str, Any]) -> dict[str, Any]:
    return promocalc.load(config).quote(cart).to_dict()


def fen(d: dict[str, Any], key: str) -> int:
    return to_fen(d.get(key, "0.00"))


def promo_of(config: dict[str, Any], pid: str) -> dict[str, Any]:
    """The promotion of a config by id; 88VIP and coins are the campaign's and the shops' own settings."""
    if pid in ("vip88", "coins"):
        return {"id": pid, "kind": pid}
    return next(p for p in config["promotions"] if p["id"] == pid)


# -- RULES 3: allocation ------------------------------------------------------------------------------

weights = st.lists(st.integers(0, 10**7), min_size=1, max_size=8).filter(lambda w: sum(w) > 0)


@FAST
@given(st.integers(0, 10**8), weights)
def test_allocation_sums_exactly_and_stays_within_floor_and_ceiling(amount: int, w: list[int]) -> None:
    shares = allocate(amount, w)
    assert sum(shares) == amount
    total = sum(w)
    for s, wi in zip(shares, w):
        exact = Fraction(amount * wi, total)
        assert exact - 1 < s <= exact + 1
        assert s in (amount * wi // total, amount * wi // total + 1)


@FAST
@given(weights, st.data())
def test_allocation_never_exceeds_a_weight_when_amount_fits(w: list[int], data: st.DataObject) -> None:
    amount = data.draw(st.integers(0, sum(w)))
    for s, wi in zip(allocate(amount, w), w):
        assert 0 <= s <= wi


@FAST
@given(st.integers(1, 10**6), weights)
def test_allocation_remainders_go_by_remainder_then_weight_then_position(amount: int, w: list[int]) -> None:
    shares = allocate(amount, w)
    total = sum(w)
    extra = [i for i, (s, wi) in enumerate(zip(shares, w)) if s > amount * wi // total]
    rest = [i for i in range(len(w)) if i not in extra]

    def rank(i: int) -> tuple[int, int, int]:
        return (amount * w[i] % total, w[i], -i)

    for i in extra:
        for j in rest:
            assert rank(i) > rank(j), (i, j, shares)


@FAST
@given(st.integers(1, 10**6), st.lists(st.integers(0, 10**7), min_size=9, max_size=80).filter(lambda w: sum(w) > 0))
def test_allocation_of_a_long_list_keeps_the_same_order(amount: int, w: list[int]) -> None:
    # past 8 weights the split takes another path: the same floors and the same remainder order
    shares = allocate(amount, w)
    total = sum(w)
    floors = [amount * wi // total for wi in w]
    order = sorted(range(len(w)), key=lambda i: (-(amount * w[i] % total), -w[i], i))
    extra = set(order[: amount - sum(floors)])
    assert shares == [f + (i in extra) for i, f in enumerate(floors)]


def test_allocation_equal_weights_give_the_first_lines_the_extra_fen() -> None:
    assert allocate(5, [1, 1, 1]) == [2, 2, 1]
    assert allocate(1, [3, 3]) == [1, 0]
    assert allocate(1, [2, 3]) == [0, 1]


# -- the quote adds up --------------------------------------------------------------------------------


def check_quote_adds_up(config: dict[str, Any], cart: dict[str, Any], q: dict[str, Any]) -> None:
    """RULES 1, 3, FORMATS quote: every figure of a quote is the sum of its parts, to the fen."""
    line_total = 0
    deposits = 0
    tenders = 0
    by_shop: dict[str, int] = defaultdict(int)
    for ln in q["lines"]:
        pay = fen(ln, "payable")
        dep = fen(ln, "deposit_paid")
        assert pay >= 0, ln
        disc = [to_fen(v) for v in ln["discounts"].values()]  # item to platform, and payment (88VIP) with it
        assert all(x >= 0 for x in disc), ln
        # coins and red packets are tender: they pay part of the line, they are no discount
        paid_by = ln.get("paid_by", {})
        tender = to_fen(paid_by.get("coins", "0")) + to_fen(paid_by.get("red_packets", "0"))
        if paid_by:
            assert to_fen(paid_by["cash"]) == pay, ln
        tenders += tender
        assert fen(ln, "subtotal") - sum(disc) == pay + dep + tender, ln
        units = [to_fen(u) for u in ln["units"]]
        assert len(units) == ln["qty"] and all(u >= 0 for u in units)
        assert sum(units) == pay + dep, ln
        line_total += pay
        deposits += dep
        by_shop[ln["shop"]] += pay
    assert fen(q, "payable") == line_total + fen(q, "postage")
    assert fen(q, "subtotal") - fen(q, "discount") == line_total + deposits + tenders
    assert sum(fen(s, "payable") for s in q["shops"]) == fen(q, "payable")
    assert sum(fen(s, "postage") for s in q["shops"]) == fen(q, "postage")
    for s in q["shops"]:
        assert fen(s, "payable") == by_shop[s["id"]] + fen(s, "postage")
    lines = {ln["id"]: ln for ln in q["lines"]}
    per_layer: dict[tuple[str, str], int] = defaultdict(int)
    tender_kinds = ("coins", "platform_red_packet")
    for a in q["applied"]:
        if a["layer"] in ("postage", "gift"):  # beside the price: no line shares
            assert a["lines"] == {}, a
            continue
        shares = [to_fen(v) for v in a["lines"].values()]
        assert fen(a, "amount") == sum(shares) > 0, a
        assert all(s > 0 for s in shares), a
        for lid, v in a["lines"].items():
            per_layer[(lid, "tender" if a["kind"] in tender_kinds else a["layer"])] += to_fen(v)
    for raw in cart["lines"]:
        lid = raw["id"]
        ps = raw.get("presale")
        # a presale line's base is already reduced by the deposit's expansion and the instant reduction
        expand = 0
        if ps:
            dep = to_fen(ps["deposit"])
            expand = (to_fen(ps.get("deposit_value") or ps["deposit"]) - dep + to_fen(ps.get("instant_off") or 0)) * raw["qty"]
        for layer in lines[lid]["discounts"]:
            got = per_layer[(lid, layer)] + (expand if layer == "item" else 0)
            assert got == to_fen(lines[lid]["discounts"][layer]), (lid, layer)
        paid_by = lines[lid].get("paid_by", {})
        tender = to_fen(paid_by.get("coins", "0")) + to_fen(paid_by.get("red_packets", "0"))
        assert per_layer[(lid, "tender")] == tender, lid


@FAST
@given(campaigns_and_carts(extras=True))
def test_quote_adds_up(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    check_quote_adds_up(config, cart, quote(config, cart))


@FAST
@given(campaigns_and_carts(extras=True))
def test_same_input_same_quote(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    campaign = promocalc.load(config)
    first = campaign.quote(copy.deepcopy(cart)).to_dict()
    assert campaign.quote(cart).to_dict() == first
    assert promocalc.load(copy.deepcopy(config)).quote(cart).to_dict() == first


# -- one of a kind ------------------------------------------------------------------------------------


@FAST
@given(campaigns_and_carts(extras=True))
def test_one_item_promotion_per_line_one_shop_promotion_per_shop_one_card_kind(
    cc: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    config, cart = cc
    q = quote(config, cart)
    shop_of = {ln["id"]: ln["shop"] for ln in cart["lines"]}
    item_promos: Counter[str] = Counter()
    shop_promos: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, set[str]] = defaultdict(set)
    shop_cards: Counter[str] = Counter()
    item_cards: Counter[tuple[str, str]] = Counter()
    cat_coupons: Counter[str] = Counter()
    for a in q["applied"]:
        p = promo_of(config, a["id"])
        if a["layer"] == "item":
            item_promos.update(list(a["lines"]))
        elif a["layer"] == "shop":
            shop_promos[p["shop"]].add(a["id"])
            assert all(shop_of[lid] == p["shop"] for lid in a["lines"])
        elif a["layer"] == "coupon":
            assert all(shop_of[lid] == p["shop"] for lid in a["lines"])
            kinds[p["shop"]].add("item" if p["kind"] == "item_coupon" else "shop")
            kinds[p["shop"]].add(p["kind"])
            if p["kind"] == "item_coupon":
                item_cards[(p["shop"], p["scope"]["items"][0])] += 1
            else:
                shop_cards[p["shop"]] += 1
        elif p["kind"] == "category_coupon":
            cat_coupons.update(list(a["lines"]))
    assert all(n == 1 for n in item_promos.values())
    assert all(len(s) == 1 for s in shop_promos.values())
    assert all(len(k - {"item", "shop"}) == 1 for k in kinds.values()), kinds
    assert all(n == 1 for n in shop_cards.values())
    assert all(n == 1 for n in item_cards.values())
    assert all(n == 1 for n in cat_coupons.values())
    if "use" in cart:
        named = set(cart["use"])
        # platform red packets are held as counts, like vouchers: they apply whether or not `use` is given
        assert {a["id"] for a in q["applied"] if promo_of(config, a["id"])["kind"] in ("shop_coupon", "item_coupon", "shop_red_packet", "category_coupon")} <= named
        assert "optimal" not in q
    else:
        assert "optimal" in q


# -- caps ---------------------------------------------------------------------------------------------


@FAST
@given(campaigns_and_carts(extras=True))
def test_vouchers_within_cap_and_held_allowance_within_balance(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    q = quote(config, cart)
    held = cart["wallet"].get("vouchers", {})
    balance = to_fen(cart["buyer"].get("allowance_balance", "0"))
    allowance = 0
    for a in q["applied"]:
        p = promo_of(config, a["id"])
        if p["kind"] == "category_voucher":
            n = a["vouchers"]
            assert 1 <= n <= min(held.get(a["id"], 0), p.get("max_per_checkout", 30), 30)
            assert fen(a, "amount") <= n * to_fen(p.get("face_value", "10.00"))
        if p.get("balance_capped"):
            allowance += fen(a, "amount")
    assert allowance <= balance


@FAST
@given(campaigns_and_carts(extras=True, negative_lines="reject"))
def test_reject_never_leaves_a_discounted_line_at_zero(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    q = quote(config, cart)
    # what a line still costs: coins and red packets pay part of it, they take nothing off
    payable = {ln["id"]: fen(ln, "payable") + sum(to_fen(ln.get("paid_by", {}).get(k, "0")) for k in ("coins", "red_packets"))
               for ln in q["lines"]}  # fmt: skip
    for a in q["applied"]:
        if a["layer"] != "item":
            for lid in a["lines"]:
                assert payable[lid] > 0, (a["id"], lid)


# -- order does not matter ----------------------------------------------------------------------------


def totals(q: dict[str, Any]) -> tuple[str, str, str]:
    return q["payable"], q["discount"], q.get("deposit_paid", "0.00")


@FAST
@given(campaigns_and_carts(extras=True), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_line_order(cc: tuple[dict[str, Any], dict[str, Any]], rnd: Any) -> None:
    config, cart = cc
    q = quote(config, cart)
    # 88VIP rounds per line over its own lines: when a split's left-over fen went to the earlier of two tied
    # lines (the rules' tie-break) and only one of them takes 88VIP, line order legitimately moves a fen
    vip = [a for a in q["applied"] if a["kind"] == "vip88"]
    assume(not vip or len(vip[0]["lines"]) == len(q["lines"]))
    shuffled = shuffle_lines(cart, rnd)
    q2 = quote(config, shuffled)
    assert totals(q2) == totals(q)
    lines = {ln["id"]: ln for ln in q2["lines"]}
    for ln in q["lines"]:
        assert lines[ln["id"]]["subtotal"] == ln["subtotal"]


@FAST
@given(campaigns_and_carts(extras=True), st.randoms(use_true_random=False))
def test_quote_does_not_depend_on_shop_order_in_config(cc: tuple[dict[str, Any], dict[str, Any]], rnd: Any) -> None:
    config, cart = cc
    shuffled = copy.deepcopy(config)
    ids = list(shuffled["shops"])
    rnd.shuffle(ids)
    shuffled["shops"] = {s: shuffled["shops"][s] for s in ids}
    a, b = quote(config, cart), quote(shuffled, cart)
    assert b == a


# -- RULES 11: the chosen combination is the best one ------------------------------------------------


@SLOW
@given(campaigns_and_carts(extras=True, use=False, max_lines=5))
def test_chosen_coupons_are_never_worse_than_any_named_combination(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    campaign = promocalc.load(config)
    best = campaign.quote(cart)
    assert best.optimal is True
    coupon_ids = {p["id"] for p in config["promotions"] if p["kind"] in COUPON_KINDS}
    position = {p["id"]: k for k, p in enumerate(config["promotions"])}

    def chosen(q: dict[str, Any]) -> tuple[int, list[int]]:
        ids = [a["id"] for a in q["applied"] if a["id"] in coupon_ids]
        return len(ids), sorted(position[i] for i in ids)

    mine = chosen(best.to_dict())
    reached = False
    for use in valid_uses(config, cart["wallet"]["coupons"]):
        named = campaign.quote({**cart, "use": use})
        assert best.payable <= named.payable, (use, named.to_dict()["applied"])
        if named.payable == best.payable:
            reached = True
            # ties go to fewer coupons, then to the coupons declared first
            assert mine <= chosen(named.to_dict()), use
    assert reached, "naming the chosen coupons gives the same payable"


@FAST
@given(campaigns_and_carts(extras=True, ruleset="parallel"), st.randoms(use_true_random=False))
def test_parallel_discounts_do_not_depend_on_declared_order(
    cc: tuple[dict[str, Any], dict[str, Any]], rnd: Any
) -> None:
    """RULES 2.1 parallel: every threshold is on A1, so reordering promotions changes no total.

    Order still decides where rules say so (ties to the declared first, platform instruments in
    declared order cutting lines at zero, a line's one category coupon): those carts are left out.
    """
    config, cart = cc
    kinds = Counter(p["kind"] for p in config["promotions"])
    assume(kinds["category_coupon"] <= 1)
    q = quote(config, cart)
    shuffled = copy.deepcopy(config)
    rnd.shuffle(shuffled["promotions"])
    q2 = quote(shuffled, cart)
    floor = max([to_fen(p.get("face_value", "10.00")) for p in config["promotions"]] + [1000])
    # a line cut at (or near, for whole vouchers) zero depends on which instrument came first
    for one in (q, q2):
        payable = {ln["id"]: fen(ln, "payable") for ln in one["lines"]}
        touched = {lid for a in one["applied"] if a["layer"] != "item" for lid in a["lines"]}
        assume(all(payable[lid] >= floor for lid in touched))
    assert q2["payable"] == q["payable"]


@FAST
@given(campaigns_and_carts(extras=True))
def test_platform_instruments_only_on_eligible_lines_and_never_with_what_they_exclude(
    cc: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """RULES 7: member shops' eligible lines only; vouchers only where the shop chose a group; excludes, and
    an instrument reported excluded by one that applied."""
    config, cart = cc
    q = quote(config, cart)
    raw = {ln["id"]: ln for ln in cart["lines"]}
    shops = config["shops"]
    platform = [a for a in q["applied"] if a["layer"] == "platform"]
    for a in platform:
        p = promo_of(config, a["id"])
        for lid in a["lines"]:
            ln = raw[lid]
            assert shops[ln["shop"]].get("campaign_member") and ln.get("platform_eligible", True), (a["id"], lid)
            if p["kind"] == "category_voucher":
                assert ln["category"] in shops[ln["shop"]].get("voucher_groups", {}), (a["id"], lid)
    ids = {a["id"] for a in platform}
    for a in platform:
        assert not set(promo_of(config, a["id"]).get("excludes", [])) & ids, a["id"]
    # an instrument is given up only for one that applied, and one it excludes (either way round)
    for s in q["not_applied"]:
        if s["reason"] == "excluded_by":
            assert s["by"] in ids, (s, ids)
            mine, theirs = promo_of(config, s["id"]), promo_of(config, s["by"])
            assert s["by"] in mine.get("excludes", []) or s["id"] in theirs.get("excludes", []), s


@FAST
@given(campaigns_and_carts(extras=True))
def test_lowest_unit_price_leaves_out_only_what_does_not_count(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """RULES 9: with every applied instrument counting, the lowest unit price is the cheapest frozen unit;
    an instrument that does not count (the category voucher) only raises it."""
    config, cart = cc
    q = quote(config, cart)
    lines = {ln["id"]: ln for ln in q["lines"]}
    back: dict[str, int] = defaultdict(int)
    for a in q["applied"]:
        p = promo_of(config, a["id"])
        # the voucher, 88VIP (a member's discount) and tender (coins, red packets) do not count by default
        counts = p.get("counts_toward_lowest_price", p["kind"] not in ("category_voucher", "vip88", "coins", "platform_red_packet"))
        if not counts:
            for lid, v in a["lines"].items():
                back[lid] += to_fen(v)
    for lid, ln in lines.items():
        cheapest = min(to_fen(u) for u in ln["units"])
        lowest = to_fen(ln["lowest_unit_price"])
        if not back[lid]:
            assert lowest == cheapest, ln
        else:  # a larger amount split on the same weights gives no unit less than one fen below before
            assert lowest >= cheapest - 1, ln


@FAST
@given(configs(calendar=True, windows=False).flatmap(
    lambda c: st.tuples(st.just(c), carts(c, at=PREHEAT))))  # fmt: skip
def test_nothing_applies_outside_the_effective_window(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """RULES 12b, 7.1: without ``valid`` a promotion runs only in the effective window; in the preheat the
    voucher is shown, not applied."""
    config, cart = cc
    q = quote(config, cart)
    assert q["applied"] == []
    for ln in q["lines"]:  # what is left is a presale deposit's expansion (RULES 8), not a promotion
        assert [ln["discounts"][k] for k in ("shop", "coupon", "platform")] == ["0.00"] * 3
    for s in q["not_applied"]:
        if s["kind"] == "category_voucher":
            assert s["reason"] == "not_in_window"


@FAST
@given(campaigns_and_carts(extras=True, use=False), st.data())
def test_a_named_combination_that_breaks_the_card_rules_is_an_error(
    cc: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    """RULES 6: a named combination breaking one card kind per shop (one shop coupon or red packet, one
    coupon per item) or naming a coupon not in the wallet is an error; any valid one prices."""
    config, cart = cc
    campaign = promocalc.load(config)
    held = cart["wallet"]["coupons"]
    valid = [sorted(u) for u in valid_uses(config, held)]
    use = data.draw(st.lists(st.sampled_from(held), unique=True) if held else st.just([]))
    if sorted(use) in valid:
        campaign.quote({**cart, "use": use})
    else:
        with pytest.raises(promocalc.CartError) as err:
            campaign.quote({**cart, "use": use})
        assert {p.type for p in err.value.problems} <= {"one_card_kind_per_shop", "one_coupon_per_shop",
                                                        "one_coupon_per_item"}  # fmt: skip
    others = [p["id"] for p in config["promotions"] if p["kind"] in COUPON_KINDS and p["id"] not in held]
    if others:
        with pytest.raises(promocalc.CartError, match="not in the wallet"):
            campaign.quote({**cart, "use": [others[0]]})


@FAST
@given(campaigns_and_carts(extras=True, use=True))
def test_every_named_coupon_is_applied_or_reported(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """RULES 6: a named coupon that cannot apply is reported with its reason, never silently dropped."""
    config, cart = cc
    q = quote(config, cart)
    seen = {a["id"] for a in q["applied"]} | {s["id"] for s in q["not_applied"]}
    assert set(cart["use"]) <= seen, (cart["use"], seen)
    assert not {a["id"] for a in q["applied"]} & {s["id"] for s in q["not_applied"]}


HASH_SCRIPT = """
import json
from hypothesis import given, settings, HealthCheck
import promocalc
from promocalc.testing import campaigns_and_carts

@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(campaigns_and_carts(extras=True))
def run(cc):
    config, cart = cc
    print(json.dumps([config, cart, promocalc.load(config).quote(cart).to_dict()], sort_keys=True))

run()
"""


def test_quotes_do_not_depend_on_the_hash_seed() -> None:
    """Determinism across processes: set and dict orders never leak into a quote."""
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", HASH_SCRIPT], env=env, capture_output=True, text=True, check=True)
        outs.append(done.stdout)
    assert outs[0].count("\n") >= 20
    assert outs[0] == outs[1]


@FAST
@given(campaigns_and_carts(extras=True))
def test_funding_splits_every_discount_between_merchant_and_platform(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """RULES 12c: each shop's merchant- plus platform-funded amounts are all its lines' discounts (every
    layer); the platform funds exactly the instruments funded by the platform (category coupons by default)."""
    config, cart = cc
    q = quote(config, cart)
    shop_of = {ln["id"]: ln["shop"] for ln in q["lines"]}
    discount: dict[str, int] = defaultdict(int)
    for ln in q["lines"]:
        # coins and red packets pay part of a line: tender, no discount, and funded apart
        tender = sum(to_fen(ln.get("paid_by", {}).get(k, "0")) for k in ("coins", "red_packets"))
        discount[ln["shop"]] += fen(ln, "subtotal") - fen(ln, "payable") - fen(ln, "deposit_paid") - tender
    platform: dict[str, int] = defaultdict(int)
    for a in q["applied"]:
        p = promo_of(config, a["id"])
        if p["kind"] in ("coins", "platform_red_packet"):
            continue
        platform_kinds = ("category_coupon", "platform_red_packet", "vip88")
        if p.get("funded_by", "platform" if p["kind"] in platform_kinds else "merchant") == "platform":
            for lid, v in a["lines"].items():
                platform[shop_of[lid]] += to_fen(v)
    for s in q["shops"]:
        assert fen(s, "merchant_funded") + fen(s, "platform_funded") == discount[s["id"]], s
        assert fen(s, "platform_funded") == platform[s["id"]], s
    ids = [a["id"] for a in q["applied"]] + [s["id"] for s in q["not_applied"]]
    assert len(ids) == len(set(ids)), ids


@FAST
@given(campaigns_and_carts(extras=True))
def test_units_of_equal_weight_differ_by_at_most_a_fen_first_units_first(
    cc: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """RULES 3: a line's amount is split over its units by largest remainder; with equal weights (no
    ``limit_qty`` splitting the line) the units differ by at most one fen and the first get the extra."""
    config, cart = cc
    q = quote(config, cart)
    limited = {lid for a in q["applied"] if a["layer"] == "item" and "limit_qty" in promo_of(config, a["id"])
               for lid in a["lines"]}  # fmt: skip
    for ln in q["lines"]:
        if ln["id"] in limited:
            continue
        units = [to_fen(u) for u in ln["units"]]
        assert units == sorted(units, reverse=True) and units[0] - units[-1] <= 1, ln


@FAST
@given(configs(calendar=True, windows=True), st.data())
def test_window_checks_remembered_per_span_match_a_fresh_check(config: dict[str, Any], data: st.DataObject) -> None:
    """Which promotions run is worked out once per span between window ends: at an end, one second either
    side of it and between, in any order, it is what a campaign that never saw another time works out."""
    campaign = promocalc.load(config).compiled
    spans = [w for p in campaign.promos for w in p.windows] + ([campaign.preheat] if campaign.preheat else [])
    ends = sorted({x for w in spans for x in (w.start, w.end) if x is not None})
    times = [x + d for x in ends for d in (-1.0, 0.0, 1.0)] + [(a + b) / 2 for a, b in pairwise(ends)]
    def seen(c: Any, t: float) -> tuple[Any, ...]:
        open_ids, audience, closed = c.windows_at(t)
        return open_ids, [p.id for p in audience], closed

    for t in data.draw(st.permutations(times)) if times else [1478829600.0]:
        assert seen(campaign, t) == seen(promocalc.load(config).compiled, t), t
