"""Simulation figures of free postage, gifts and the payment layer, against quotes priced one by one."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

import promocalc
from promocalc.money import to_fen
from promocalc.sim import CartGenerator, simulate

CONFIG = {
    "promocalc": 1,
    "campaign": {"id": "pay", "ruleset": "parallel", "vip88": {"rate": "0.95"}},
    "categories": {"wear": {"name": "W"}},
    "shops": {"a": {"campaign_member": True, "coins": {"rate": "0.05"}, "postage": "8.00"},
              "b": {"campaign_member": True, "postage": "6.00"}},
    "promotions": [
        {"id": "a-free", "kind": "free_postage", "shop": "a", "spend": "99.00"},
        {"id": "a-gift", "kind": "gift", "shop": "a", "spend": "200.00", "gifts": [{"item": "tote", "value": "29.00"}]},
        {"id": "a-c20", "kind": "shop_coupon", "shop": "a", "tiers": ["100-20"]},
        {"id": "x", "kind": "cross_shop_reduction", "every": "200-30"},
        {"id": "rp", "kind": "platform_red_packet", "face_value": "5.00", "funded_by": "platform"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def campaign() -> promocalc.Campaign:
    return promocalc.load(CONFIG)


@pytest.fixture(scope="module")
def carts(campaign: promocalc.Campaign) -> list[dict[str, Any]]:
    out = []
    for k, cart in enumerate(CartGenerator(campaign, seed=3, n=60)):
        cart["buyer"] = {**cart.get("buyer", {}), "coins": 500 * (k % 3), "vip88": k % 2 == 0}
        if k % 5 == 0:
            cart["buyer"]["vip88_quota_left"] = "3.00"
        for j, ln in enumerate(cart["lines"]):
            ln["vip88"] = j % 2 == 0
        cart.setdefault("wallet", {})["red_packets"] = {"rp": k % 3}
        out.append(cart)
    return out


def test_payment_figures_equal_quotes_priced_one_by_one(campaign: promocalc.Campaign, carts: list[dict[str, Any]]) -> None:
    r = simulate(campaign, carts, progress=False)
    want: dict[str, int] = defaultdict(int)
    layers: dict[str, int] = defaultdict(int)
    shops: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    inst: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in carts:
        d = campaign.quote(c).to_dict()
        for k in ("subtotal", "discount", "payable", "postage", "postage_waived"):
            want[k] += to_fen(d[k])
        want["coins_used"] += d["coins_used"]
        want["red_packets"] += to_fen(d["paid_by"]["red_packets"])
        for ln in d["lines"]:
            for k, v in ln["discounts"].items():
                layers[k] += to_fen(v)
        for s in d["shops"]:
            for k in ("merchant_funded", "platform_funded", "payable", "postage_waived"):
                shops[s["id"]][k] += to_fen(s[k])
        for a in d["applied"]:
            inst[a["id"]]["orders"] += 1
            inst[a["id"]]["discount"] += to_fen(a["amount"])
            inst[a["id"]]["used"] += a.get("vouchers", a.get("packets", 1))
        inst["rp"]["received"] += c["wallet"]["red_packets"]["rp"]
    for k, v in want.items():
        assert r.totals[k] == v, k
    assert set(r.layers) == {"item", "shop", "coupon", "platform", "payment"}
    for k, v in layers.items():
        assert r.layers[k]["discount"] == v, k
    for sid, d in shops.items():
        for k, v in d.items():
            assert r.shops[sid][k] == v, (sid, k)
    for pid, d in inst.items():
        for k, v in d.items():
            assert r.instruments[pid][k] == v, (pid, k)
    # 88VIP is a platform-funded discount; coins (merchant) and red packets (platform) are tender, not discount
    pay = r.layers["payment"]
    assert pay["discount"] == pay["platform_funded"] == layers["payment"] > 0 and pay["merchant_funded"] == 0
    assert pay["tender"] == want["coins_used"] + want["red_packets"]
    assert pay["tender_merchant_funded"] == want["coins_used"] > 0
    assert pay["tender_platform_funded"] == want["red_packets"] > 0
    assert r.totals["discount"] == r.totals["merchant_funded"] + r.totals["platform_funded"]
    assert r.totals["discount"] == sum(d["discount"] for d in r.layers.values())
    assert r.instruments["a-free"]["discount"] == want["postage_waived"] > 0
    for d in r.shops.values():
        assert d["merchant_funded"] + d["platform_funded"] == sum(d[f"discount_{k}"] for k in r.layer_names)
        assert (d["subtotal"] - d["merchant_funded"] - d["platform_funded"] - d["deposit_paid"] + d["postage"]
                - d["coins_used"] - d["red_packets"]) == d["payable"]  # fmt: skip
    assert r.instruments["coins"]["balance_held"] == sum(c["buyer"]["coins"] for c in carts)


def test_payment_figures_in_the_summary_text_frames_and_dashboard(campaign: promocalc.Campaign,
                                                                  carts: list[dict[str, Any]]) -> None:  # fmt: skip
    r = simulate(campaign, carts, progress=False)
    s = r.summary()
    assert s["totals"]["coins_used"] == r.totals["coins_used"]
    assert s["totals"]["postage_waived"] == f"{r.totals['postage_waived'] / 100:.2f}"
    row = next(d for d in s["layers"] if d["layer"] == "payment")
    assert set(row) == {"layer", "discount", "merchant_funded", "platform_funded", "tender", "tender_merchant_funded",
                        "tender_platform_funded"}  # fmt: skip
    text = r.to_text()
    assert "coins used" in text and "postage waived" in text and "tender" in text
    for locale in ("zh_CN", "en_US"):
        page = r.to_html(locale)
        assert 'data-fig="layer.payment.tender"' in page and 'data-fig="totals.coins_used"' in page
    pytest.importorskip("pandas")
    f = r.to_pandas()
    for col in ("discount_payment", "coins_used", "red_packets", "postage_waived"):
        assert int(f.carts[col].sum() * (1 if col == "coins_used" else 100)) == r.totals.get(col, r.layers["payment"]["discount"]), col
    assert list(f.layers["layer"]) == list(r.layer_names)
    assert int(f.layers["tender"].sum() * 100) == r.layers["payment"]["tender"]
    chunked = simulate(campaign, carts, chunk_size=7, progress=False)
    assert chunked.to_json() == r.to_json()


def test_a_campaign_without_them_shows_no_new_figures() -> None:
    plain = promocalc.load({**CONFIG, "campaign": {"id": "plain"}, "shops": {"a": {}, "b": {}},
                            "promotions": CONFIG["promotions"][2:4]})  # fmt: skip
    r = simulate(plain, CartGenerator(plain, seed=1, n=20), progress=False)
    s = r.summary()
    assert [d["layer"] for d in s["layers"]] == ["item", "shop", "coupon", "platform"]
    assert not {"coins_used", "red_packets", "postage_waived"} & set(s["totals"])
    assert not {"coins_used", "red_packets", "postage_waived", "discount_payment"} & set(s["shops"][0])
    assert "coins used" not in r.to_text() and "postage waived" not in r.to_text()
    assert "discount_payment" not in r.cart_rows
