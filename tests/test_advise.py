"""凑单 advice: hand-worked cases, agreement with real quotes, input checks and the command."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc.cli import main
from promocalc.errors import CartError, PromocalcError

from .helpers import cart, config, line

SCALE = int(os.environ.get("PROMOCALC_PROPERTY_SCALE", "1"))
SHOPS = {"a": {"name": "甲店", "campaign_member": True}, "b": {"name": "乙店", "campaign_member": True}}
MJ = {"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["300-20"]}


def camp(promos: list[dict[str, Any]]) -> promocalc.Campaign:
    return promocalc.load(config(promos, shops=SHOPS))


def added_cart(c: dict[str, Any], add: list[dict[str, Any]]) -> dict[str, Any]:
    """The cart mapping with a suggestion's lines added, as a user would write it."""
    out = copy.deepcopy(c)
    for n, a in enumerate(add):
        out["lines"].append({"id": f"x{n}", "shop": a["shop"], "item": a["item"], "category": a["category"],
                             "price": a["price"], "qty": a["qty"], "platform_eligible": a["platform_eligible"]})
    return out


def test_shop_reduction_reached_by_one_item() -> None:
    # ¥280 in shop a, 满300减20: the gap is ¥20; adding ¥20 makes ¥300 − ¥20 = ¥280, so it costs nothing more
    c = camp([MJ])
    k = cart([line("1", "280.00")])
    advice = c.advise(k)
    assert advice.payable == 28000
    [g] = advice.gaps
    assert (g.promo.id, g.gap, g.shop) == ("mj", 2000, "a")
    assert g.exact is not None and g.exact.extra == 0 and g.exact.reached and g.exact.applies
    assert g.exact.quote.payable == 28000
    assert "再买 ¥20.00（甲店）可享满300减20，实付只多 ¥0.00" in advice.to_text("zh_CN")
    assert "Add ¥20.00 (甲店) for ¥20 off ¥300: you pay only ¥0.00 more" in advice.to_text("en_US")


def test_cheapest_catalog_set() -> None:
    # gap ¥20 in shop a: ¥8 + ¥15 = ¥23 is the cheapest set of at most 3 units (¥8×3 = ¥24, ¥25 alone);
    # ¥303 − ¥20 = ¥283, ¥3 more than now. Shop b's ¥5 item does not count toward shop a's reduction.
    c = camp([MJ])
    catalog = [{"shop": "a", "item": "x", "category": "general", "price": "15.00"},
               {"shop": "a", "item": "y", "category": "general", "price": "25.00"},
               {"shop": "a", "item": "z", "category": "general", "price": "8.00"},
               {"shop": "b", "item": "w", "category": "general", "price": "5.00"}]  # fmt: skip
    [g] = c.advise(cart([line("1", "280.00")]), catalog).gaps
    assert g.optimal is True and g.cheapest is not None
    assert sorted(a["item"] for a in g.cheapest.addition.to_list()) == ["x", "z"]
    assert g.cheapest.extra == 300
    # with one unit only, ¥25 is the only way
    [g1] = c.advise(cart([line("1", "280.00")]), catalog, max_units=1).gaps
    assert [a["item"] for a in g1.cheapest.addition.to_list()] == ["y"]  # type: ignore[union-attr]
    assert g1.cheapest.extra == 500  # type: ignore[union-attr]


def test_no_gap_at_top_tier() -> None:
    c = camp([MJ])
    assert c.advise(cart([line("1", "300.00")])).gaps == []


def test_bigger_coupon_becomes_best() -> None:
    # ¥550 in shop a holding 满300减20 and 满600减50: gap ¥50 to the second; adding ¥50 makes ¥600 − ¥50
    c = camp([{"id": "c20", "kind": "shop_coupon", "shop": "a", "tiers": ["300-20"]},
              {"id": "c50", "kind": "shop_coupon", "shop": "a", "tiers": ["600-50"]}])  # fmt: skip
    k = cart([line("1", "550.00")], coupons=["c20", "c50"])
    advice = c.advise(k)
    assert advice.payable == 53000
    g = {x.promo.id: x for x in advice.gaps}["c50"]
    assert g.gap == 5000 and g.exact is not None and g.exact.applies
    assert g.exact.quote.payable == 55000 and g.exact.extra == 2000


def test_allowance_capped_by_balance() -> None:
    # 每400减50 across shops, balance ¥30: ¥350 → gap ¥50; ¥400 − min(¥50, ¥30) = ¥370, ¥20 more
    c = camp([{"id": "al", "kind": "cross_shop_reduction", "every": "400-50", "balance_capped": True}])
    [g] = c.advise(cart([line("1", "350.00", shop="b")], allowance_balance="30.00")).gaps
    assert g.gap == 5000 and g.exact is not None and g.exact.extra == 2000 and g.exact.reached


PROMOS = [
    MJ,
    {"id": "b-every", "kind": "shop_reduction", "shop": "b", "every": "200-20", "max_off": "100.00"},
    {"id": "c50", "kind": "shop_coupon", "shop": "a", "tiers": ["600-50"]},
    {"id": "x", "kind": "cross_shop_reduction", "every": "400-50"},
    {"id": "q", "kind": "quantity_deal", "shop": "b", "tiers": [{"items": 3, "rate": 0.9}]},
]
price = st.integers(100, 40000).map(lambda f: f"{f // 100}.{f % 100:02d}")
lines_st = st.lists(st.tuples(price, st.integers(1, 3), st.sampled_from("ab")), min_size=1, max_size=4)
catalog_st = st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from(["p", "q", "r"]), price), max_size=3)


@settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_st, catalog_st)
# two units of one item cross a higher tier than the one unit the gap needs, for less in the end
@example([('274.17', 2, 'a'), ('324.91', 2, 'b')], [('b', 'p', '40.92')])
def test_stated_figures_are_real_quotes(lns: list[tuple[str, int, str]], cat: list[tuple[str, str, str]]) -> None:
    c = promocalc.load(config(PROMOS, shops=SHOPS))
    k = cart([line(str(i), p, q, shop=s) for i, (p, q, s) in enumerate(lns)], coupons=["c50"])
    catalog = [{"shop": s, "item": f"{s}-{it}", "category": "general", "price": p} for s, it, p in cat]
    before = copy.deepcopy(k)
    advice = c.advise(k, catalog, max_units=2)
    assert k == before  # advice never changes the cart it was given
    assert advice.payable == c.quote(k).payable
    for g in advice.gaps:
        for s in (g.exact, g.cheapest):
            if s is None:
                continue
            d = s.to_dict()
            real = c.quote(added_cart(k, d["add"]))
            assert real.to_dict()["payable"] == d["payable"] == d["quote"]["payable"]
            assert real.payable - advice.payable == s.extra
        if g.optimal and g.cheapest is not None and g.cheapest.reached:
            # brute force: no catalog unit or pair of units reaching the threshold costs the buyer less
            scope = [e for e in catalog if g.shop is None or e["shop"] == g.shop]
            sets = [[x] for x in scope] + [[x, y] for i, x in enumerate(scope) for y in scope[i:]]
            for u in sets:
                q = c.quote(added_cart(k, [{**e, "qty": 1, "platform_eligible": True} for e in u]))
                if reaches(g, advice.quote, q):
                    assert q.payable - advice.payable >= g.cheapest.extra


def amount_of(q: promocalc.Quote, pid: str) -> int:
    return sum(a.amount for a in q.applied if a.promo.id == pid)


def reaches(g: Any, now: promocalc.Quote, q: promocalc.Quote) -> bool:
    """Whether quote ``q`` surely reaches the gap's tier: the instrument applies (with more taken off, for a
    next tier of fixed-off tiers), or a coupon met its threshold but was not chosen."""
    pid = g.promo.id
    if any(a.promo.id == pid for a in q.applied):
        return g.status == "not_met" or amount_of(q, pid) > amount_of(now, pid)
    met = ("not_chosen", "one_card_kind_per_shop", "not_named")
    return g.status == "not_met" and any(s.promo.id == pid and s.reason in met for s in q.not_applied)


@pytest.mark.parametrize(("item", "where", "text"), [
    ({"shop": "zz", "item": "i", "category": "general", "price": "1.00"}, "[0].shop", "unknown shop"),
    ({"shop": "a", "item": "i", "category": "nope", "price": "1.00"}, "[0].category", "unknown category"),
    ({"shop": "a", "item": "i", "category": "general", "price": "1.005"}, "[0].price", "more than two decimals"),
    ({"shop": "a", "item": "i", "category": "general", "price": 1.5}, "[0].price", "float"),
    ({"shop": "a", "item": "i", "category": "general"}, "[0]", "missing price"),
])  # fmt: skip
def test_bad_catalog_is_located(item: dict[str, Any], where: str, text: str) -> None:
    c = camp([MJ])
    with pytest.raises(CartError) as e:
        c.advise(cart([line("1", "280.00")]), [item])
    p = e.value.problems[0]
    assert p.path() == where and text in p.message


def test_bad_max_units() -> None:
    c = camp([MJ])
    for bad in (0, -1, True, "2"):
        with pytest.raises(PromocalcError) as e:
            c.advise(cart([line("1", "280.00")]), max_units=bad)  # type: ignore[arg-type]
        assert e.value.problems[0].path() == "max_units"


def test_cli(tmp_path: Path) -> None:
    cfg, k, cat = tmp_path / "c.yaml", tmp_path / "k.yaml", tmp_path / "cat.yaml"
    cfg.write_text(yaml.safe_dump(config([MJ], shops=SHOPS), allow_unicode=True))
    k.write_text(yaml.safe_dump(cart([line("1", "280.00")])))
    cat.write_text(yaml.safe_dump([{"shop": "a", "item": "z", "category": "general", "price": "21.00"}]))
    run = CliRunner().invoke
    r = run(main, ["advise", "--config", str(cfg), "--cart", str(k), "--catalog", str(cat)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["payable"] == "280.00" and d["gaps"][0]["gap"] == "20.00" and d["gaps"][0]["cheapest"]["extra"] == "1.00"
    r = run(main, ["advise", "--config", str(cfg), "--cart", str(k), "--format", "text"])
    assert r.exit_code == 0 and "再买 ¥20.00（甲店）可享满300减20，实付只多 ¥0.00" in r.output
    r = run(main, ["advise", "--config", str(cfg), "--cart", str(k), "--format", "text", "--locale", "en"])
    assert "Add ¥20.00 (甲店)" in r.output
    cat.write_text("- {shop: a, item: z, category: general, price: '2.001'}\n")
    r = run(main, ["advise", "--config", str(cfg), "--cart", str(k), "--catalog", str(cat)])
    assert r.exit_code == 1 and "cat.yaml:1:" in r.output and "decimals" in r.output
    r = run(main, ["advise", "--config", str(cfg), "--cart", str(k), "--max-units", "0"])
    assert r.exit_code == 2 and "max-units" in r.output


def test_voucher_pool_crossed_through_another_shop() -> None:
    # shops a and b pool their lines in category general (满100用1张¥10券): ¥60 + ¥30 = ¥90, gap ¥10;
    # a ¥10 item of shop b crosses the tier: ¥100 − ¥10 = ¥90, nothing more to pay
    shops = {s: {"name": n, "campaign_member": True, "voucher_groups": {"general": "G"}} for s, n in SHOPS_NAMES}
    cfg = config([{"id": "v", "kind": "category_voucher", "face_value": "10.00", "max_per_checkout": 30}], shops=shops,
                 categories={"general": {"name": "综合", "voucher_groups": {"G": ["100-10"]}}})
    c = promocalc.load(cfg)
    k = cart([line("1", "60.00"), line("2", "30.00", shop="b")], vouchers={"v": 1})
    catalog = [{"shop": "b", "item": "sock", "category": "general", "price": "10.00"}]
    [g] = c.advise(k, catalog).gaps
    assert (g.promo.id, g.gap, g.shop) == ("v", 1000, None)
    assert g.cheapest is not None and g.cheapest.reached and g.cheapest.extra == 0
    assert g.cheapest.quote.payable == 9000


SHOPS_NAMES = (("a", "甲店"), ("b", "乙店"))


def test_catalog_from_a_file_and_text_with_catalog(tmp_path: Path) -> None:
    f = tmp_path / "cat.json"
    f.write_text(json.dumps([{"shop": "a", "item": "袜子", "category": "general", "price": "21.00"}]))
    advice = camp([MJ]).advise(cart([line("1", "280.00")]), str(f))
    [g] = advice.gaps
    assert g.cheapest is not None and g.cheapest.extra == 100
    assert "再买 袜子 ¥21.00（甲店）可享满300减20，实付只多 ¥1.00" in advice.to_text("zh")
    assert "Add 袜子 ¥21.00 (甲店) for ¥20 off ¥300: you pay only ¥1.00 more" in advice.to_text("en")


def test_addition_that_lowers_the_payable() -> None:
    # 满300减50 at ¥280: adding ¥20 gives ¥300 − ¥50 = ¥250, ¥30 less than now
    advice = camp([{**MJ, "tiers": ["300-50"]}]).advise(cart([line("1", "280.00")]))
    [g] = advice.gaps
    assert g.exact is not None and g.exact.extra == -3000
    assert "实付反而少 ¥30.00" in advice.to_text() and "you pay ¥30.00 less" in advice.to_text("en")


def test_item_count_gap() -> None:
    # 满3件9折 in shop b with one ¥100 unit: 2 more units of that price; ¥300 × 0.9 = ¥270, ¥170 more
    advice = camp([{"id": "q", "kind": "quantity_deal", "shop": "b", "tiers": [{"items": 3, "rate": 0.9}]}]).advise(
        cart([line("1", "100.00", shop="b")])
    )
    [g] = advice.gaps
    assert g.by_items and g.gap == 2 and g.to_dict()["gap"] == 2
    assert g.exact is not None and g.exact.reached and g.exact.extra == 17000
    assert "再买 2 件（乙店）" in advice.to_text()


# -- the next tier of an instrument that applies ----------------------------------------------------------


def test_next_tier_of_an_applied_reduction() -> None:
    # 满300减20 / 满500减50 at ¥350: ¥20 off now; ¥150 more reaches ¥500 − ¥50 = ¥450, ¥120 more than ¥330
    c = camp([{**MJ, "tiers": ["300-20", "500-50"]}])
    advice = c.advise(cart([line("1", "350.00")]))
    assert advice.payable == 33000
    [g] = advice.gaps
    assert (g.status, g.gap, g.level) == ("next_tier", 15000, 1)
    assert g.to_dict()["next"] == "500-50" and g.to_dict()["tiers"] == "300-20/500-50"
    assert g.exact is not None and g.exact.reached and g.exact.applies and g.exact.extra == 12000
    assert "再买 ¥150.00（甲店）可享满500减50，实付只多 ¥120.00" in advice.to_text()
    assert "Add ¥150.00 (甲店) for ¥50 off ¥500: you pay only ¥120.00 more" in advice.to_text("en")


def test_next_step_of_a_repeating_reduction_stops_at_its_cap() -> None:
    # 每200减20, at most ¥40: at ¥250 one step (¥20), ¥150 more takes a second; at ¥400 the cap is reached
    c = camp([{"id": "e", "kind": "shop_reduction", "shop": "a", "every": "200-20", "max_off": "40.00"}])
    [g] = c.advise(cart([line("1", "250.00")])).gaps
    assert (g.status, g.gap) == ("next_tier", 15000)
    assert g.exact is not None and g.exact.extra == 13000 and g.exact.reached
    assert c.advise(cart([line("1", "400.00")])).gaps == []


def test_more_vouchers_of_a_pool_and_none_past_those_held() -> None:
    # pooled tiers 100-10 / 200-20 at ¥150: one ¥10 voucher; ¥50 more takes a second one
    shops = {s: {"name": n, "campaign_member": True, "voucher_groups": {"general": "G"}} for s, n in SHOPS_NAMES}
    cfg = config([{"id": "v", "kind": "category_voucher", "face_value": "10.00", "max_per_checkout": 30}], shops=shops,
                 categories={"general": {"name": "综合", "voucher_groups": {"G": ["100-10", "200-20"]}}})
    c = promocalc.load(cfg)
    [g] = c.advise(cart([line("1", "150.00")], vouchers={"v": 5})).gaps
    assert (g.status, g.gap, g.level) == ("next_tier", 5000, 1)
    assert g.exact is not None and g.exact.reached and g.exact.extra == 4000
    # holding one voucher only, a higher tier could not use another
    assert c.advise(cart([line("1", "150.00")], vouchers={"v": 1})).gaps == []


# -- the best add-ons ----------------------------------------------------------------------------------------


def test_best_add_ons_ranked_by_extra() -> None:
    # ¥280 in shop a (满300减20); the ¥20 item makes the reduction: the buyer pays nothing more for it. The ¥30
    # item costs ¥10 more (¥310 − ¥20). A ¥50 item of shop b costs ¥50: it does not lower the price per value.
    c = camp([MJ, {"id": "r", "kind": "rate", "shop": "b", "rate": 0.5, "scope": {"items": ["half"]}}])
    catalog = [{"shop": "a", "item": "thirty", "category": "general", "price": "30.00"},
               {"shop": "a", "item": "twenty", "category": "general", "price": "20.00"},
               {"shop": "b", "item": "fifty", "category": "general", "price": "50.00"},
               {"shop": "b", "item": "half", "category": "general", "price": "40.00"}]  # fmt: skip
    advice = c.advise(cart([line("1", "280.00")]), catalog, max_units=1)
    assert advice.best is not None and advice.best_complete
    got = [(s.addition.lines[0][1], s.extra) for s in advice.best]
    assert got == [("twenty", 0), ("thirty", 1000), ("half", 2000)]
    assert advice.best[0].effective_discount == 1 and advice.best[2].to_dict()["effective_discount"] == "0.5000"
    text = advice.to_text()
    assert "推荐加购：" in text and "1. twenty ¥20.00，实付只多 ¥0.00，相当于 100.00% 的优惠" in text
    assert "1. twenty ¥20.00: you pay only ¥0.00 more, 100.00% off what you add" in advice.to_text("en")
    d = advice.to_dict()
    assert [b["add"][0]["item"] for b in d["best"]] == ["twenty", "thirty", "half"] and d["best_complete"] is True


def test_no_catalog_no_ranking() -> None:
    advice = camp([MJ]).advise(cart([line("1", "280.00")]))
    assert advice.best is None and "best" not in advice.to_dict()


TOP = [
    {**MJ, "tiers": ["300-20", "500-50"]},
    {"id": "b-every", "kind": "shop_reduction", "shop": "b", "every": "200-20", "max_off": "100.00"},
    {"id": "c50", "kind": "shop_coupon", "shop": "a", "tiers": ["600-50"]},
    {"id": "x", "kind": "cross_shop_reduction", "every": "400-50", "max_off": "150.00"},
    {"id": "q", "kind": "quantity_deal", "shop": "b", "tiers": [{"items": 3, "rate": 0.9}, {"items": 5, "rate": 0.8}]},
]


@settings(max_examples=20 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_st)
def test_a_cart_at_every_top_tier_gets_no_gap_advice(lns: list[tuple[str, int, str]]) -> None:
    # every line ten times over, plus ¥2,000 and 6 units in each shop: every tier and cap of TOP is reached
    c = promocalc.load(config(TOP, shops=SHOPS))
    big = [line(str(i), p, q * 10, shop=s) for i, (p, q, s) in enumerate(lns)]
    big += [line("fa", "400.00", 6, shop="a"), line("fb", "400.00", 6, shop="b")]
    k = cart(big, coupons=["c50"])
    assert c.advise(k).gaps == []
    # and the same cart without its filler lines in play is advised only on what it really misses
    small = cart([line(str(i), p, q, shop=s) for i, (p, q, s) in enumerate(lns)], coupons=["c50"])
    now = c.quote(small)
    for g in c.advise(small).gaps:
        assert g.exact is not None
        if g.status == "not_met":
            assert any(s.promo.id == g.promo.id and s.reason == "threshold_not_met" for s in now.not_applied)
        else:
            assert any(a.promo.id == g.promo.id for a in now.applied)
            assert g.exact.reached is False or amount_of(g.exact.quote, g.promo.id) > amount_of(now, g.promo.id) \
                or not g.exact.applies


@settings(max_examples=25 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines_st, catalog_st)
def test_ranked_add_ons_are_real_and_none_is_missed(lns: list[tuple[str, int, str]],
                                                   cat: list[tuple[str, str, str]]) -> None:  # fmt: skip
    c = promocalc.load(config(PROMOS, shops=SHOPS))
    k = cart([line(str(i), p, q, shop=s) for i, (p, q, s) in enumerate(lns)], coupons=["c50"])
    catalog = [{"shop": s, "item": f"{s}-{it}", "category": "general", "price": p} for s, it, p in cat]
    advice = c.advise(k, catalog, max_units=2)
    assert advice.best is not None
    pay, value = advice.quote.payable, advice.quote.subtotal
    extras = [s.extra for s in advice.best]
    assert extras == sorted(extras)
    for s in advice.best:
        real = c.quote(added_cart(k, s.to_dict()["add"]))
        assert real.payable - pay == s.extra and s.extra * value < pay * s.addition.amount
    if advice.best_complete and len(advice.best) < 10:
        shown = {tuple(x["item"] for x in s.to_dict()["add"]) for s in advice.best}
        for e in catalog:
            q = c.quote(added_cart(k, [{**e, "qty": 1, "platform_eligible": True}]))
            if (q.payable - pay) * value < pay * int(round(float(e["price"]) * 100)):
                assert (e["item"],) in shown  # a single item that lowers the price per value is ranked


@pytest.mark.parametrize("extras", [False, True])
def test_the_bound_never_exceeds_a_real_extra(extras: bool) -> None:
    # extras: free postage, gifts, platform red packets, 88VIP and coins too
    from hypothesis import given as given_
    from promocalc.advise import Bound, parse_catalog
    from promocalc.testing import campaigns_and_carts

    @settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given_(campaigns_and_carts(max_lines=4, extras=extras), st.data())
    def check(pair: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject) -> None:
        cfg, k = pair
        camp_ = promocalc.load(cfg)
        shops = sorted(cfg["shops"])
        cats = sorted(cfg["categories"])
        items = [ln["item"] for ln in k["lines"]] + ["new"]
        n = data.draw(st.integers(1, 3))
        add = [{"shop": data.draw(st.sampled_from(shops)), "item": data.draw(st.sampled_from(items)),
                "category": data.draw(st.sampled_from(cats)), "price": data.draw(price)} for _ in range(n)]  # fmt: skip
        parsed = parse_catalog(camp_, add)
        now = camp_.quote(k)
        b = Bound(camp_.compiled, camp_.cart(k), now)
        low = b.lower(sum(b.weight(e) for e in parsed), sum(e[3] for e in parsed), len(parsed), {e[0] for e in parsed})
        after = camp_.quote(added_cart(k, [{**e, "qty": 1, "platform_eligible": True} for e in add]))
        if low is not None:
            assert low <= after.payable - now.payable

    check()


def test_bundled_example_with_its_catalog(tmp_path: Path) -> None:
    # the Double 11 example: shop b at ¥278.80 after its item layer (每满200减20, one step): ¥121.30 more takes a
    # second ¥20; the catalog's titles name the goods
    root = Path(__file__).resolve().parent.parent / "examples" / "double11-2016"
    run = CliRunner().invoke
    args = ["advise", "--config", str(root / "config.yaml"), "--cart", str(root / "cart.yaml"),
            "--catalog", str(root / "catalog.yaml")]  # fmt: skip
    r = run(main, args)
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    g = {x["id"]: x for x in d["gaps"]}["b-every"]
    assert (g["status"], g["gap"], g["next"]) == ("next_tier", "121.30", "每200-20 max 100.00")
    assert g["exact"]["reached"] and g["cheapest"]["add"][0]["item"] == "skirt"
    assert d["best"] and d["best_complete"] is True
    text = run(main, [*args, "--format", "text"]).output
    assert "再买 半身裙 ¥159.00（乙店）可享每满200减20（最多减100）" in text and "推荐加购：" in text


def test_bad_title_is_located() -> None:
    with pytest.raises(CartError) as e:
        camp([MJ]).advise(cart([line("1", "280.00")]), [{"shop": "a", "item": "i", "category": "general",
                                                         "price": "1.00", "title": 5}])  # fmt: skip
    assert e.value.problems[0].path() == "[0].title"


def test_free_postage_and_a_gift_are_advised() -> None:
    # 满99包邮 (postage ¥8) and 满199送赠品 at ¥90 in shop a (¥98 to pay): ¥9 more waives the postage (¥99, ¥1
    # more); ¥109 more earns the gift and the postage waiver too (¥199, ¥101 more)
    shops = {"a": {"name": "甲店", "campaign_member": True, "postage": "8.00"}, "b": {"campaign_member": True}}
    c = promocalc.load(config([{"id": "fp", "kind": "free_postage", "shop": "a", "spend": "99.00"},
                               {"id": "g", "kind": "gift", "shop": "a", "spend": "199.00",
                                "gifts": [{"item": "tote", "qty": 1, "value": "15.00"}]}], shops=shops))  # fmt: skip
    advice = c.advise(cart([line("1", "90.00")]))
    assert advice.payable == 9800
    g = {x.promo.id: x for x in advice.gaps}
    assert (g["fp"].gap, g["fp"].to_dict()["next"]) == (900, "99")
    assert g["fp"].exact is not None and g["fp"].exact.reached and g["fp"].exact.extra == 100
    assert g["g"].exact is not None and g["g"].exact.reached and g["g"].exact.extra == 10100
    text = advice.to_text()
    assert "再买 ¥9.00（甲店）可享满99包邮，实付只多 ¥1.00" in text and "可享满199送赠品" in text
    assert "for free shipping from ¥99: you pay only ¥1.00 more" in advice.to_text("en")
    # a buyer whose region pays postage anyway is not told to add for it
    shops["a"]["postage"] = "8.00"
    c2 = promocalc.load(config([{"id": "fp", "kind": "free_postage", "shop": "a", "spend": "99.00",
                                 "exclude_regions": ["650000"]}], shops=shops))  # fmt: skip
    assert c2.advise(cart([line("1", "90.00")], region="650000")).gaps == []
