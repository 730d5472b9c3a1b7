"""Campaigns as Python objects (promocalc.rules): validation like the loader, and text that the checker accepts."""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import promocalc
from promocalc import Campaign, ConfigError
from promocalc.cli import main
from promocalc.io.documents import read_file
from promocalc.money import MoneyError
from promocalc.rules import (
    PROMOTIONS,
    Audience,
    CampaignConfig,
    CampaignInfo,
    Category,
    CategoryCoupon,
    CategoryVoucher,
    CrossShopReduction,
    Every,
    ItemAmountOff,
    ItemCoupon,
    ItemPrice,
    ItemRate,
    Money,
    QuantityDeal,
    QuantityTier,
    Scope,
    Shop,
    ShopCoupon,
    ShopRedPacket,
    ShopReduction,
    Tier,
    Window,
)
from promocalc.testing import campaigns_and_carts

ROOT = Path(__file__).resolve().parent.parent
AT = "2026-11-11T10:00:00+08:00"


def check(path: Path) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["check", str(path), "--now", "2026-01-01T00:00"])
    assert "Traceback" not in res.output
    return res.exit_code, res.stderr


def every_kind() -> Campaign:
    """One campaign holding each promotion kind, built from objects only."""
    return Campaign.build(
        CampaignInfo(id="all-kinds", name="全部", calendar={"effective": Window(start="2026-11-11T00:00",
                                                                             end="2026-11-12T00:00")}),
        categories={"womenswear": Category(name="女装", voucher_groups={"A": ["100-10", Tier("200-20")]}),
                    "snacks": Category(name="零食")},
        shops={
            "shop-a": Shop(name="甲店", campaign_member=True, voucher_groups={"womenswear": "A"},
                           cross_shop_tier="300-30", postage=Money("8.00")),
            "shop-b": Shop(name="乙店", campaign_member=True, voucher_groups={"womenswear": "A"}),
        },
        promotions=[
            ItemRate(id="a-85", shop="shop-a", rate="0.85", limit_qty=2, scope=Scope(items=["dress"])),
            ItemPrice(id="a-big", shop="shop-a", price="399.00", campaign_price=True, scope=Scope(items=["coat"])),
            ItemAmountOff(id="b-off5", shop="shop-b", off=Decimal("5"), scope=Scope(categories=["snacks"])),
            ShopReduction(id="a-mj", shop="shop-a", tiers=["300-20", "500-50"]),
            ShopReduction(id="b-every", shop="shop-b", every=Every("200-20", max_off=Money.fen(6000))),
            QuantityDeal(id="b-2nd", shop="shop-b", tiers=[QuantityTier(items=2, off="9.90")],
                         scope=Scope(categories=["snacks"])),
            ShopCoupon(id="a-c20", shop="shop-a", tiers=[Tier("300-20")]),
            ItemCoupon(id="a-ic", shop="shop-a", tiers=["50-20"], scope=Scope(items=["dress"])),
            ShopRedPacket(id="b-rp5", shop="shop-b", off=Money.yuan(5), audience=Audience(min_level="fine")),
            CategoryVoucher(id="d11-voucher", face_value="10.00", max_per_checkout=30),
            CrossShopReduction(id="allowance", every=Every("300-30", max_off="600"), balance_capped=True,
                               excludes=["d11-voucher"]),
            CategoryCoupon(id="cat-10", tiers=["100-10"], scope=Scope(categories=["snacks"])),
        ],
    )


CART: dict[str, Any] = {
    "at": AT,
    "buyer": {"id": "b1", "credit": 700, "allowance_balance": "60.00"},
    "lines": [
        {"id": "1", "shop": "shop-a", "item": "dress", "category": "womenswear", "price": "300.00", "qty": 2},
        {"id": "2", "shop": "shop-a", "item": "coat", "category": "womenswear", "price": "599.00", "qty": 1},
        {"id": "3", "shop": "shop-b", "item": "chips", "category": "snacks", "price": "39.00", "qty": 3},
    ],
    "wallet": {"coupons": ["a-c20", "a-ic", "b-rp5", "cat-10"], "vouchers": {"d11-voucher": 5}},
}


def test_every_kind_is_a_class_and_composes() -> None:
    campaign = every_kind()
    kinds = {p.kind for p in campaign.config.promotions}
    assert kinds == {cls.model_fields["kind"].annotation.__args__[0] for cls in PROMOTIONS}
    assert len(kinds) == 11
    q = campaign.quote(CART)
    assert q.to_dict()["payable"] != q.to_dict()["subtotal"]


@pytest.mark.parametrize("form", ["yaml", "json"])
def test_built_campaign_round_trips_through_the_checker(tmp_path: Path, form: str) -> None:
    campaign = every_kind()
    text = campaign.config.to_yaml() if form == "yaml" else campaign.config.to_json()
    path = tmp_path / f"config.{form}"
    path.write_text(text, encoding="utf-8")
    code, err = check(path)
    assert code == 0, err
    again = promocalc.load(str(path))
    assert again.config == campaign.config
    assert again.quote(CART).to_dict() == campaign.quote(CART).to_dict()


@pytest.mark.parametrize("config", sorted(str(p) for p in (ROOT / "examples").glob("*/config.yaml")))
def test_bundled_configs_round_trip(tmp_path: Path, config: str) -> None:
    campaign = promocalc.load(config)
    path = tmp_path / "again.yaml"
    path.write_text(campaign.config.to_yaml(), encoding="utf-8")
    code, err = check(path)
    assert code == 0, err
    again = promocalc.load(str(path))
    assert again.config == campaign.config
    for cart in sorted(Path(config).parent.glob("cart*.yaml")):
        data = read_file(str(cart)).data
        assert again.quote(data).to_dict() == campaign.quote(data).to_dict()


def test_load_takes_a_config_object_and_checks_its_references() -> None:
    cfg = CampaignConfig(promocalc=1, campaign=CampaignInfo(id="c"), shops={"a": Shop()},
                         promotions=[ShopCoupon(id="x", shop="nowhere", tiers=["100-5"])])  # fmt: skip
    with pytest.raises(ConfigError) as e:
        promocalc.load(cfg)
    assert [(p.path(), p.type) for p in e.value.problems] == [("promotions[0].shop", "unknown_shop")]


def problems(fn: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as e:
        fn()
    return [(p.path(), p.message) for p in e.value.problems]


def test_float_money_is_a_located_error() -> None:
    found = problems(lambda: ShopRedPacket(id="rp", shop="a", off=5.0))
    assert found == [("off", "amount 5.0 is a float; write money as a string like '199.00' or a Decimal")]
    found = problems(lambda: ShopReduction(id="mj", shop="a", tiers=["300-20", {"spend": 500.0, "off": "50"}]))
    assert found[0][0] == "tiers[1].spend" and "float" in found[0][1]


def test_object_errors_have_the_loader_shape() -> None:
    found = problems(lambda: ShopReduction(id="mj", shop="a", tiers=["300-20", "500"], colour="red"))
    assert ("tiers[1]", "tier '500' is not written 'SPEND-OFF' like '300-20'") in found
    assert ("colour", "unknown field 'colour'") in found
    assert problems(lambda: ShopCoupon(id="c", shop="a")) == [("<root>", "give 'tiers' (stepped) or 'every' (repeating)")]
    assert problems(lambda: Shop(cross_shop_tier="abc"))[0][0].startswith("cross_shop_tier")
    assert problems(lambda: CampaignInfo(id="x", timezone="Mars/Base"))[0][0] == "timezone"
    found = problems(lambda: CrossShopReduction(id="x", every=Every("400-50", max_off="10"), max_off="20"))
    assert "give max_off once" in found[0][1]
    found = problems(lambda: Tier("300-20.005"))
    assert found == [("off", "amount '20.005' has more than two decimals")]
    found = problems(lambda: Campaign.build("c", promotions=[ShopCoupon(id="x", shop="a", tiers=["9-10"])],
                                            shops={"a": Shop()}))  # fmt: skip
    assert found and found[0][0].startswith("promotions[0].tiers")
    # the same mapping through the loader gives the same problem
    with pytest.raises(ConfigError) as e:
        promocalc.load({"promocalc": 1, "campaign": {"id": "c"}, "shops": {"a": {}},
                        "promotions": [{"id": "x", "kind": "shop_coupon", "shop": "a", "tiers": ["9-10"]}]})  # fmt: skip
    assert [(p.path(), p.message) for p in e.value.problems] == found


def test_money_constructors() -> None:
    assert Money("19.90") == Money.fen(1990) == Money(Decimal("19.9")) == Money.yuan("19.90")
    assert Money.yuan(19).in_fen == 1900
    assert str(Money.fen(5)) == "0.05" and repr(Money.fen(1990)) == "Money('19.90')"
    for bad in (19, 19.9, None, "19.999", "abc"):
        with pytest.raises(MoneyError):
            Money(bad)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money.fen(19.5)  # type: ignore[arg-type]
    assert ShopRedPacket(id="r", shop="a", off=Money.fen(1990)).off == 1990
    assert ShopRedPacket(id="r", shop="a", off=19).off == 1900  # a bare number is yuan, as in a config file
    assert pickle.loads(pickle.dumps(Money.fen(7))) == Money.fen(7)


def test_objects_are_frozen_with_readable_reprs() -> None:
    mj = ShopReduction(id="mj", shop="a", tiers=["300-20", "499.50-50"])
    with pytest.raises(Exception, match="frozen"):
        mj.id = "other"  # type: ignore[misc]
    assert repr(mj) == "ShopReduction(id='mj', shop='a', tiers=[Tier('300-20'), Tier('499.50-50')])"
    every = ShopReduction(id="e", shop="a", every=Every("200-20", max_off="100"))
    assert repr(every) == "ShopReduction(id='e', shop='a', every=Tier('200-20'), max_off=Money('100.00'))"
    assert repr(Every("400-50", max_off="300")) == "Every('400-50', max_off=Money('300.00'))"
    assert repr(ItemPrice(id="p", shop="a", price="9.90")) == "ItemPrice(id='p', shop='a', price=Money('9.90'))"
    assert repr(Tier(spend="300", rate="0.9")) == "Tier(spend='300', rate='0.9')"
    assert mj.to_dict() == {"id": "mj", "kind": "shop_reduction", "shop": "a", "tiers": ["300-20", "499.50-50"]}
    assert all(cls.__doc__ for cls in PROMOTIONS)


def test_positional_only_for_tiers() -> None:
    with pytest.raises(TypeError):
        ShopCoupon("x")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Tier("300-20", off="5")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns_and_carts(max_shops=3, max_lines=5))
def test_any_valid_config_round_trips_as_text(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    campaign = promocalc.load(config)
    for text in (campaign.config.to_yaml(), campaign.config.to_json()):
        again = promocalc.load(text)
        assert again.config == campaign.config
        assert again.quote(cart).to_dict() == campaign.quote(cart).to_dict()
    assert json.loads(campaign.config.to_json()) == campaign.config.to_dict()


@given(st.integers(min_value=0, max_value=10**12))
def test_money_fen_survives_the_text(fen: int) -> None:
    rp = ShopRedPacket(id="r", shop="a", off=Money.fen(fen))
    cfg = CampaignConfig(promocalc=1, campaign=CampaignInfo(id="c"), shops={"a": Shop()}, promotions=[rp])
    assert promocalc.load(cfg.to_yaml()).config.promotions[0].off == fen
