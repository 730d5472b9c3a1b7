"""The shipped strategies (promocalc.testing) give what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import promocalc
from promocalc.testing import campaigns_and_carts, carts, configs, valid_uses, yuan

SOME = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONEY = re.compile(r"^\d+\.\d\d$")
MONEY_KEYS = {"price", "off", "postage", "deposit", "deposit_value", "instant_off", "face_value", "max_off",
              "allowance_balance", "spend", "value", "vip88_quota_left"}  # fmt: skip


def walk(x: Any, key: str = "") -> None:
    assert not isinstance(x, float), f"a float under {key!r}"
    if isinstance(x, dict):
        for k, v in x.items():
            walk(v, k)
    elif isinstance(x, list):
        for v in x:
            walk(v, key)
    elif key in MONEY_KEYS:
        assert isinstance(x, str) and MONEY.match(x), (key, x)


@SOME
@given(campaigns_and_carts(max_shops=4, max_lines=8))
def test_generated_configs_and_carts_are_valid_and_small(cc: tuple[dict[str, Any], dict[str, Any]]) -> None:
    config, cart = cc
    walk(config)
    walk(cart)
    campaign = promocalc.load(config)  # raises on an invalid config
    campaign.cart(cart)  # raises on an invalid cart
    assert len(config["shops"]) <= 4 and len(cart["lines"]) <= 8 and len(cart["wallet"]["coupons"]) <= 6
    if "use" in cart:
        assert cart["use"] in list(valid_uses(config, cart["wallet"]["coupons"]))


@SOME
@given(campaigns_and_carts(extras=True))
def test_extras_give_valid_postage_gift_and_payment_configs_and_the_carts_that_use_them(
    cc: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    config, cart = cc
    walk(config)
    walk(cart)
    campaign = promocalc.load(config)
    campaign.cart(cart)
    kinds = {p["kind"] for p in config["promotions"]}
    coins = any("coins" in s for s in config["shops"].values())
    buyer = cart["buyer"]
    assert ("coins" in buyer) == coins and ("vip88" in buyer) == ("vip88" in config["campaign"])
    assert ("red_packets" in cart["wallet"]) == ("platform_red_packet" in kinds)
    assert "region" not in buyer or "free_postage" in kinds
    sold = {ln["item"] for ln in cart["lines"]}
    gifts = {g["item"] for p in config["promotions"] if p["kind"] == "gift" for g in p["gifts"]}
    assert not sold & gifts  # a gift is never also sold


@SOME
@given(configs(ruleset="parallel", negative_lines="reject", calendar=True))
def test_config_options_are_kept(config: dict[str, Any]) -> None:
    assert config["campaign"]["ruleset"] == "parallel"
    assert config["campaign"]["negative_lines"] == "reject"
    assert "calendar" in config["campaign"]


def test_valid_uses_keep_one_card_kind_per_shop() -> None:
    config = {
        "promocalc": 1, "campaign": {"id": "x"}, "shops": {"s": {}},
        "promotions": [
            {"id": "sc", "kind": "shop_coupon", "shop": "s", "tiers": ["100-10"]},
            {"id": "ic1", "kind": "item_coupon", "shop": "s", "tiers": ["50-5"], "scope": {"items": ["a"]}},
            {"id": "ic2", "kind": "item_coupon", "shop": "s", "tiers": ["50-6"], "scope": {"items": ["b"]}},
            {"id": "ic3", "kind": "item_coupon", "shop": "s", "tiers": ["50-7"], "scope": {"items": ["a"]}},
            {"id": "rp", "kind": "shop_red_packet", "shop": "s", "off": "3.00"},
        ],
    }  # fmt: skip
    uses = list(valid_uses(config, ["sc", "ic1", "ic2", "ic3", "rp"]))
    assert uses == [[], ["sc"], ["ic1"], ["ic2"], ["ic3"], ["rp"], ["ic1", "ic2"], ["ic2", "ic3"]]


@SOME
@given(carts({"promocalc": 1, "campaign": {"id": "x"}, "shops": {"s": {}}}, use=True))
def test_carts_for_a_hand_written_config(cart: dict[str, Any]) -> None:
    assert cart["use"] == [] and cart["wallet"]["coupons"] == []
    assert all(ln["shop"] == "s" for ln in cart["lines"])


def test_arguments_are_checked_eagerly() -> None:
    with pytest.raises(ValueError, match="max_shops"):
        configs(max_shops=9)
    with pytest.raises(ValueError, match="ruleset"):
        configs(ruleset="both")
    with pytest.raises(ValueError, match="max_lines"):
        carts({"promocalc": 1, "campaign": {"id": "x"}, "shops": {"s": {}}}, max_lines=0)
    with pytest.raises(ValueError, match="fen"):
        yuan(-1)
    assert yuan(12345) == "123.45" and yuan(5) == "0.05"


def test_import_promocalc_does_not_import_hypothesis() -> None:
    code = "import sys, promocalc; promocalc.load; sys.exit('hypothesis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
