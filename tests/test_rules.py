"""Hand-worked cases for the rules of RULES.md sections 1–9, 11 and 12."""

from __future__ import annotations

import pickle

import pytest

import promocalc
from promocalc.allocation import allocate
from promocalc.money import MoneyError, Rounding, round_fraction, to_fen

from .helpers import by_id, cart, config, line, payables

VOUCHER = {"id": "v", "kind": "category_voucher"}


def quote(cfg, c):
    return promocalc.load(cfg).quote(c).to_dict()


# -- 1. money -----------------------------------------------------------------------------------------


def test_money_is_parsed_exactly_and_three_decimals_are_rejected() -> None:
    assert to_fen("199.90") == 19990
    assert to_fen(3) == 300
    with pytest.raises(MoneyError, match="more than two decimals"):
        to_fen("1.234")
    with pytest.raises(MoneyError, match="float"):
        to_fen(1.5)


@pytest.mark.parametrize(("mode", "want"), [(Rounding.HALF_UP, 8499), (Rounding.DROP_FEN, 8490), (Rounding.DROP_JIAO, 8400)])
def test_named_rounding_modes(mode: Rounding, want: int) -> None:
    # 99.99 × 0.85 = 84.9915
    assert round_fraction(9999 * 85, 100, mode) == want


def test_rate_promotion_rounds_per_unit_by_its_mode() -> None:
    cfg = config([{"id": "r", "kind": "rate", "shop": "a", "rate": "0.85", "rounding": "drop_jiao"}])
    q = quote(cfg, cart([line("1", "99.99", 2)]))
    assert q["lines"][0]["payable"] == "168.00"  # 84.99 → 84 per unit


# -- 3. allocation ------------------------------------------------------------------------------------


def test_largest_remainder_ties_go_to_larger_weight_then_first() -> None:
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate(1, [1, 2, 1]) == [0, 1, 0]
    assert sum(allocate(2000, [3000, 5000, 10000])) == 2000


def test_units_are_frozen_with_first_units_getting_the_extra_fen() -> None:
    cfg = config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["100-10"]}])
    q = quote(cfg, cart([line("1", "33.33", 3, item="x"), line("2", "10.00")]))
    units = q["lines"][0]["units"]
    assert sum(int(u.replace(".", "")) for u in units) == int(q["lines"][0]["payable"].replace(".", ""))
    assert units[0] >= units[1] >= units[2]


# -- 4. item layer -------------------------------------------------------------------------------------


def test_campaign_price_wins_over_a_lower_rate() -> None:
    cfg = config([
        {"id": "r", "kind": "rate", "shop": "a", "rate": "0.5"},
        {"id": "big", "kind": "price", "shop": "a", "price": "80.00", "campaign_price": True},
    ])  # fmt: skip
    q = quote(cfg, cart([line("1", "100.00")]))
    assert q["lines"][0]["payable"] == "80.00"
    assert by_id(q, "not_applied")["r"]["reason"] == "one_item_promotion_per_line"


def test_limit_qty_promotes_only_the_first_units_in_cart_order() -> None:
    cfg = config([{"id": "r", "kind": "rate", "shop": "a", "rate": "0.5", "limit_qty": 3, "scope": {"items": ["x"]}}])
    q = quote(cfg, cart([line("1", "100.00", 2, item="x"), line("2", "100.00", 2, item="x")]))
    assert payables(q) == {"1": "100.00", "2": "150.00"}
    # units of the second line carry different weights: one promoted, one not
    assert sorted(q["lines"][1]["units"]) == ["100.00", "50.00"][::-1] or sorted(q["lines"][1]["units"]) == ["100.00", "50.00"]


def test_amount_off_floors_at_zero_and_price_never_raises() -> None:
    cfg = config([{"id": "off", "kind": "amount_off", "shop": "a", "off": "30.00"},
                  {"id": "p", "kind": "price", "shop": "b", "price": "500.00"}])  # fmt: skip
    q = quote(cfg, cart([line("1", "20.00"), line("2", "100.00", shop="b")]))
    assert payables(q) == {"1": "0.00", "2": "100.00"}


# -- 5. shop layer ---------------------------------------------------------------------------------------


def test_repeating_shop_reduction_with_max_off() -> None:
    cfg = config([{"id": "e", "kind": "shop_reduction", "shop": "a", "every": "200-20", "max_off": "50.00"}])
    assert quote(cfg, cart([line("1", "450.00")]))["payable"] == "410.00"
    assert quote(cfg, cart([line("1", "1000.00")]))["payable"] == "950.00"


def test_quantity_deal_counts_units() -> None:
    cfg = config([{"id": "q", "kind": "quantity_deal", "shop": "a", "tiers": [{"items": 2, "off": "99.00"}]}])
    assert quote(cfg, cart([line("1", "100.00", 2)]))["payable"] == "101.00"
    q = quote(cfg, cart([line("1", "100.00", 1)]))
    assert by_id(q, "not_applied")["q"]["gap"] == 1


def test_rate_tier_rounds_half_up_on_the_whole_base() -> None:
    cfg = config([{"id": "r", "kind": "shop_reduction", "shop": "a", "tiers": [{"spend": "100", "rate": "0.9"}]}])
    assert quote(cfg, cart([line("1", "100.05")]))["payable"] == "90.04"  # 10.005 off → 10.01


def test_one_shop_promotion_chosen_for_the_smallest_total_in_sequential() -> None:
    # the bigger shop discount drops the voucher pool below 300-40: the smaller one wins
    cfg = config(
        [{"id": "big", "kind": "shop_reduction", "shop": "a", "tiers": ["300-15"]},
         {"id": "small", "kind": "shop_reduction", "shop": "a", "tiers": ["300-5"]}, VOUCHER],
        shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
        categories={"general": {"voucher_groups": {"G": ["100-10", "200-20", "300-40"]}}},
    )  # fmt: skip
    q = quote(cfg, cart([line("1", "310.00")], vouchers={"v": 10}))
    assert by_id(q)["small"]["amount"] == "5.00"
    assert q["payable"] == "265.00"


# -- 6. coupons -----------------------------------------------------------------------------------------


def test_named_combination_breaking_one_card_kind_is_an_error() -> None:
    cfg = config([{"id": "c", "kind": "shop_coupon", "shop": "a", "tiers": ["100-10"]},
                  {"id": "rp", "kind": "shop_red_packet", "shop": "a", "off": "5.00"}])  # fmt: skip
    with pytest.raises(promocalc.CartError, match="one kind of card"):
        promocalc.load(cfg).quote(cart([line("1", "200.00")], coupons=["c", "rp"], use=["c", "rp"]))


def test_named_coupon_that_cannot_apply_is_reported_with_its_gap() -> None:
    cfg = config([{"id": "c", "kind": "shop_coupon", "shop": "a", "tiers": ["300-20"]}])
    q = quote(cfg, cart([line("1", "280.00")], coupons=["c"], use=["c"]))
    assert by_id(q, "not_applied")["c"] == {**by_id(q, "not_applied")["c"], "reason": "threshold_not_met", "gap": "20.00"}
    assert "optimal" not in q


def test_engine_prefers_fewer_coupons_on_a_tie() -> None:
    cfg = config([{"id": "c1", "kind": "shop_coupon", "shop": "a", "tiers": ["100-10"]},
                  {"id": "c2", "kind": "shop_coupon", "shop": "a", "tiers": ["100-10"]}])  # fmt: skip
    q = quote(cfg, cart([line("1", "200.00")], coupons=["c2", "c1"]))
    assert [a["id"] for a in q["applied"]] == ["c1"]
    assert q["optimal"] is True


def test_greedy_per_shop_is_wrong_the_engine_is_not() -> None:
    # a-c50 is the bigger coupon, but it drops the pool from 400 to 350 and loses a 40 tier
    cfg = config(
        [{"id": "c10", "kind": "shop_coupon", "shop": "a", "tiers": ["300-10"]},
         {"id": "c50", "kind": "shop_coupon", "shop": "a", "tiers": ["399-50"]}, VOUCHER],
        shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
        categories={"general": {"voucher_groups": {"G": ["100-10", "390-80"]}}},
    )  # fmt: skip
    q = quote(cfg, cart([line("1", "400.00")], coupons=["c10", "c50"], vouchers={"v": 10}))
    assert [a["id"] for a in q["applied"]] == ["c10", "v"]
    assert q["payable"] == "310.00"


# -- 7. platform ----------------------------------------------------------------------------------------


def test_voucher_partial_fill_when_fewer_held() -> None:
    cfg = config([VOUCHER], shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
                 categories={"general": {"voucher_groups": {"G": ["100-30"]}}})  # fmt: skip
    q = quote(cfg, cart([line("1", "100.00")], vouchers={"v": 1}))
    assert by_id(q)["v"]["amount"] == "10.00" and by_id(q)["v"]["vouchers"] == 1


def test_voucher_cap_of_30_per_checkout() -> None:
    cfg = config([VOUCHER], shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
                 categories={"general": {"voucher_groups": {"G": ["1000-400"]}}})  # fmt: skip
    q = quote(cfg, cart([line("1", "1000.00")], vouchers={"v": 50}))
    assert by_id(q)["v"]["vouchers"] == 30


def test_different_tiers_never_pool_and_serving_order() -> None:
    cfg = config(
        [VOUCHER],
        shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}},
               "b": {"campaign_member": True, "voucher_groups": {"general": "H"}}},
        categories={"general": {"voucher_groups": {"G": ["100-10"], "H": ["100-20"]}}},
    )  # fmt: skip
    q = quote(cfg, cart([line("1", "100.00"), line("2", "100.00", shop="b")], vouchers={"v": 2}))
    # the pool wanting more (H: 2 vouchers) is served first and takes both
    assert payables(q) == {"1": "100.00", "2": "80.00"}


def test_allowance_capped_by_balance_across_pools() -> None:
    cfg = config([{"id": "al", "kind": "cross_shop_reduction", "every": "400-50", "balance_capped": True}])
    q = quote(cfg, cart([line("1", "1200.00")], allowance_balance="120.00"))
    assert by_id(q)["al"]["amount"] == "120.00"
    q = quote(cfg, cart([line("1", "1200.00")]))
    assert "al" not in by_id(q)


def test_excludes_gives_the_buyer_the_better_one() -> None:
    cfg = config(
        [VOUCHER, {"id": "x", "kind": "cross_shop_reduction", "every": "100-30", "excludes": ["v"]}],
        shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
        categories={"general": {"voucher_groups": {"G": ["100-10"]}}},
    )  # fmt: skip
    q = quote(cfg, cart([line("1", "100.00")], vouchers={"v": 5}))
    assert "x" in by_id(q) and by_id(q, "not_applied")["v"]["reason"] == "excluded_by"


def test_reject_mode_refuses_an_instrument_that_would_zero_a_line() -> None:
    promos = [{"id": "c", "kind": "shop_coupon", "shop": "a", "tiers": ["400-380"]},
              {"id": "x", "kind": "cross_shop_reduction", "every": "400-50"}]  # fmt: skip
    q = quote(config(promos, ruleset="parallel", negative_lines="reject"), cart([line("1", "400.00")], coupons=["c"], use=["c"]))
    assert by_id(q, "not_applied")["x"]["reason"] == "would_go_negative"
    assert q["payable"] == "20.00"


def test_non_member_and_ineligible_lines_take_no_platform_discount() -> None:
    cfg = config([{"id": "x", "kind": "cross_shop_reduction", "every": "100-10"}],
                 shops={"a": {"campaign_member": False}, "b": {"campaign_member": True}})  # fmt: skip
    q = quote(cfg, cart([line("1", "300.00"), line("2", "300.00", shop="b", platform_eligible=False)]))
    assert q["payable"] == "600.00"


def test_category_coupon_is_platform_funded() -> None:
    cfg = config([{"id": "cc", "kind": "category_coupon", "tiers": ["200-10"], "scope": {"categories": ["general"]}}])
    q = quote(cfg, cart([line("1", "250.00")], coupons=["cc"]))
    assert q["shops"][0]["platform_funded"] == "10.00" and q["shops"][0]["merchant_funded"] == "0.00"


# -- 8. presale -----------------------------------------------------------------------------------------


def test_presale_worked_example_of_rules_8() -> None:
    cfg = config(
        [{"id": "c", "kind": "shop_coupon", "shop": "a", "tiers": ["800-10"]}, VOUCHER],
        shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
        categories={"general": {"voucher_groups": {"G": ["600-10"]}}},
    )  # fmt: skip
    presale = {"deposit": "100.00", "deposit_value": "200.00"}
    q = quote(cfg, cart([line("1", "1000.00", presale=presale)], coupons=["c"], vouchers={"v": 3}))
    ln = q["lines"][0]
    assert ln["payable"] == "780.00" and ln["deposit_paid"] == "100.00" and ln["units"] == ["880.00"]


def test_presale_tail_too_small_keeps_the_vouchers() -> None:
    cfg = config([VOUCHER], shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
                 categories={"general": {"voucher_groups": {"G": ["100-10"]}}})  # fmt: skip
    presale = {"deposit": "100.00", "deposit_value": "100.00", "instant_off": "0.00"}
    q = quote(cfg, cart([line("1", "110.00", presale=presale)], vouchers={"v": 3}))
    assert by_id(q, "not_applied")["v"]["reason"] == "presale_tail_too_small"
    inclusive = config([{**VOUCHER, "presale_tail": "inclusive"}],
                       shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
                       categories={"general": {"voucher_groups": {"G": ["100-10"]}}})  # fmt: skip
    assert by_id(quote(inclusive, cart([line("1", "110.00", presale=presale)], vouchers={"v": 3})))["v"]["amount"] == "10.00"


def test_deposit_payment_takes_no_discount() -> None:
    cfg = config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["10-5"]}])
    q = quote(cfg, cart([line("1", "1000.00", presale={"deposit": "100.00", "stage": "deposit"})]))
    assert q["payable"] == "100.00"


# -- 9, 12. lowest price, audience, windows -----------------------------------------------------------------


def test_lowest_price_ignores_the_category_voucher() -> None:
    cfg = config([VOUCHER], shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
                 categories={"general": {"voucher_groups": {"G": ["100-10"]}}})  # fmt: skip
    q = quote(cfg, cart([line("1", "100.00")], vouchers={"v": 1}))
    assert q["lines"][0]["payable"] == "90.00" and q["lines"][0]["lowest_unit_price"] == "100.00"


def test_audience_by_member_level_and_groups() -> None:
    promo = {"id": "r", "kind": "rate", "shop": "a", "rate": "0.9",
             "audience": {"min_level": "diamond", "exclude_groups": ["blacklist"]}}  # fmt: skip
    cfg = config([promo], shops={"a": {"campaign_member": True, "customer_groups": {"blacklist": ["bad"]}}})
    assert quote(cfg, cart([line("1", "100.00")], credit=1000))["payable"] == "90.00"
    assert quote(cfg, cart([line("1", "100.00")], credit=999))["payable"] == "100.00"
    c = cart([line("1", "100.00")], credit=2000)
    c["buyer"]["id"] = "bad"
    assert by_id(quote(cfg, c), "not_applied")["r"]["reason"] == "audience"


def test_preheat_shows_the_voucher_but_does_not_apply_it() -> None:
    cal = {"preheat": {"start": "2016-11-01T00:00", "end": "2016-11-11T00:00"},
           "effective": {"start": "2016-11-11T00:00", "end": "2016-11-12T00:00"}}  # fmt: skip
    cfg = config([VOUCHER], calendar=cal, shops={"a": {"campaign_member": True, "voucher_groups": {"general": "G"}}},
                 categories={"general": {"voucher_groups": {"G": ["100-10"]}}})  # fmt: skip
    q = quote(cfg, cart([line("1", "100.00")], vouchers={"v": 1}, at="2016-11-05T10:00"))
    assert q["payable"] == "100.00" and by_id(q, "not_applied")["v"]["reason"] == "not_in_window"
    q = quote(cfg, cart([line("1", "100.00")], vouchers={"v": 1}, at="2016-11-11T23:59:59"))
    assert q["payable"] == "90.00"
    q = quote(cfg, cart([line("1", "100.00")], vouchers={"v": 1}, at="2016-11-12T00:00"))  # half-open window
    assert q["payable"] == "100.00"


def test_postage_is_added_never_discounted_and_cart_overrides_it() -> None:
    cfg = config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["100-10"]}],
                 shops={"a": {"campaign_member": True, "postage": "8.00"}, "b": {"postage": "6.00"}})  # fmt: skip
    q = quote(cfg, cart([line("1", "95.00"), line("2", "10.00", shop="b")]))
    assert q["postage"] == "14.00" and q["payable"] == "119.00"
    c = cart([line("1", "95.00")])
    c["postage"] = {"a": "0.00"}
    assert quote(cfg, c)["payable"] == "95.00"


# -- the campaign object ----------------------------------------------------------------------------------


def test_campaign_is_picklable_immutable_and_deterministic() -> None:
    cfg = config([{"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["100-10"]}])
    camp = promocalc.load(cfg)
    again = pickle.loads(pickle.dumps(camp))
    c = cart([line("1", "95.00"), line("2", "33.33", 3)])
    assert again.quote(c).to_dict() == camp.quote(c).to_dict()
    with pytest.raises(AttributeError):
        camp.foo = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda c: c["lines"][0].update(shop="nope"), "lines[0].shop"),
        (lambda c: c["lines"][0].update(qty=-1), "lines[0].qty"),
        (lambda c: c["lines"][0].update(price="1.234"), "lines[0].price"),
        (lambda c: c["lines"][0].pop("price"), "lines[0]"),
        (lambda c: c.update(use=["ghost"]), "use[0]"),
        (lambda c: c["wallet"].update(coupons=["ghost"]), "wallet.coupons[0]"),
    ],
)
def test_bad_carts_are_rejected_with_their_location(mutate, where) -> None:
    camp = promocalc.load(config([{"id": "c", "kind": "shop_coupon", "shop": "a", "tiers": ["100-10"]}]))
    c = cart([line("1", "100.00")])
    mutate(c)
    with pytest.raises(promocalc.CartError) as err:
        camp.quote(c)
    assert where in [p.path() for p in err.value.problems]


def test_stepped_rate_tier_is_capped_by_max_off() -> None:
    cfg = config([{"id": "r", "kind": "shop_reduction", "shop": "a", "tiers": [{"spend": "100", "rate": "0.5"}],
                   "max_off": "30.00"}])  # fmt: skip
    assert quote(cfg, cart([line("1", "200.00")]))["payable"] == "170.00"


@pytest.mark.parametrize("campaign", [{"id": "x", "timezone": "Asia"}, {"id": "x", "timezone": "A" * 300}])
def test_bad_timezone_is_a_config_error(campaign) -> None:
    with pytest.raises(promocalc.ConfigError, match="unknown timezone"):
        promocalc.load({"promocalc": 1, "campaign": campaign})


def test_absurd_rate_exponent_is_refused_quickly() -> None:
    cfg = config([{"id": "r", "kind": "rate", "shop": "a", "rate": "1e-999999999"}])
    with pytest.raises(promocalc.ConfigError, match="between 0 and 1"):
        promocalc.load(cfg)


def test_held_category_coupon_under_its_threshold_reports_the_gap() -> None:
    cfg = config([{"id": "cc", "kind": "category_coupon", "tiers": ["200-20"], "scope": {"categories": ["general"]}}])
    q = quote(cfg, cart([line("1", "150.00")], coupons=["cc"]))
    assert by_id(q, "not_applied")["cc"]["reason"] == "threshold_not_met"
    assert by_id(q, "not_applied")["cc"]["gap"] == "50.00"


def test_an_excluded_instrument_that_could_not_apply_says_why() -> None:
    cfg = config([{"id": "x", "kind": "cross_shop_reduction", "every": "300-50", "excludes": ["al"]},
                  {"id": "al", "kind": "cross_shop_reduction", "every": "400-50", "balance_capped": True}])  # fmt: skip
    q = quote(cfg, cart([line("1", "150.00")]))
    assert by_id(q, "not_applied")["al"]["reason"] == "threshold_not_met"
    q = quote(cfg, cart([line("1", "450.00")], allowance_balance="100.00"))
    assert by_id(q, "not_applied")["al"] == {**by_id(q, "not_applied")["al"], "reason": "excluded_by", "by": "x"}


def test_a_wallet_of_many_combinations_is_searched_exactly() -> None:
    """5^7 combinations of shop coupons: the search proves the best without trying them all."""
    shops = {f"s{k}": {"campaign_member": True} for k in range(7)}
    promos = [{"id": f"s{k}-c{j}", "kind": "shop_coupon", "shop": f"s{k}", "tiers": [f"{100 + j}-{5 + j}"]}
              for k in range(7) for j in range(4)]  # fmt: skip
    c = cart([line(str(k), "200.00", shop=f"s{k}") for k in range(7)], coupons=[p["id"] for p in promos])
    q = quote(config(promos, shops=shops), c)
    assert q["optimal"] is True and "lower_bound" not in q
    # each shop gets its best coupon (they are independent here): 8 off each
    assert q["payable"] == f"{7 * 192}.00"
