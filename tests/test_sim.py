"""Campaign simulation: the generator, the figures against quotes priced one by one, tier landing."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

import promocalc
from promocalc.sim import CartGenerator, SimulationResult, simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONFIGS = ["double11-2016", "cross-shop-2021"]
AT = {"double11-2016": "2016-11-11T10:00", "cross-shop-2021": "2021-11-11T10:00"}


@pytest.fixture(scope="module", params=CONFIGS)
def campaign(request: pytest.FixtureRequest) -> promocalc.Campaign:
    return promocalc.load(EXAMPLES / request.param / "config.yaml")


def fen(s: str) -> int:
    return int(Decimal(s) * 100)


# -- the generator -----------------------------------------------------------------------------------------


def test_same_seed_same_carts_and_other_seed_other_carts(campaign: promocalc.Campaign) -> None:
    a = list(CartGenerator(campaign, seed=11, n=50))
    assert a == list(CartGenerator(campaign, seed=11, n=50))
    assert a != list(CartGenerator(campaign, seed=12, n=50))


def test_cart_depends_only_on_seed_and_index(campaign: promocalc.Campaign) -> None:
    small = CartGenerator(campaign, seed=3, n=10)
    big = CartGenerator(campaign, seed=3, n=1000)
    assert [big[i] for i in range(10)] == list(small)
    assert big.cart(999) == CartGenerator(campaign, seed=3, n=1000).cart(999)
    again = pickle.loads(pickle.dumps(big))
    assert [again[i] for i in (0, 500, 999)] == [big[i] for i in (0, 500, 999)]


def _slots(obj: object) -> dict[str, object]:
    return {k: getattr(obj, k) for k in type(obj).__slots__}


def _same_cart(a: promocalc.Cart, b: promocalc.Cart) -> None:
    sa, sb = _slots(a), _slots(b)
    la, lb = sa.pop("lines"), sb.pop("lines")
    assert sa == sb
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        dx, dy = _slots(x), _slots(y)
        px, py = dx.pop("presale"), dy.pop("presale")
        assert dx == dy
        assert (px is None) == (py is None) and (px is None or _slots(px) == _slots(py))


def test_validated_carts_are_the_generated_mappings_validated(campaign: promocalc.Campaign) -> None:
    gen = CartGenerator(campaign, seed=9, n=400, presale_share=0.4, ineligible_share=0.2, coupon_share=0.7)
    seen_presale = seen_off = False
    for i in range(gen.n):
        direct, parsed = gen.validated(i, campaign), campaign.cart(gen.cart(i))
        _same_cart(direct, parsed)
        seen_presale |= any(ln.presale is not None for ln in direct.lines)
        seen_off |= any(not ln.eligible for ln in direct.lines)
    assert seen_presale and seen_off


def test_validated_reads_the_mapping_for_another_config_or_an_odd_catalog(campaign: promocalc.Campaign) -> None:
    other = next(c for c in (promocalc.load(EXAMPLES / name / "config.yaml") for name in CONFIGS) if c.id != campaign.id)
    gen = CartGenerator(campaign, seed=2, n=5)
    with pytest.raises(promocalc.CartError):  # shops of the other campaign: refused as its mapping would be
        for i in range(gen.n):
            gen.validated(i, other)
    shop = next(iter(campaign.config.shops))
    odd = CartGenerator(campaign, seed=2, n=5, catalog=[{"shop": shop, "item": "tab\there", "category": "c", "price": "9.00"}])
    with pytest.raises(promocalc.CartError):
        odd.validated(0, campaign)


def test_generated_carts_are_valid_and_varied(campaign: promocalc.Campaign) -> None:
    gen = CartGenerator(campaign, seed=5, n=300, presale_share=0.3)
    carts = list(gen)
    for c in carts:
        campaign.cart(c)  # raises CartError if invalid
    lines = [ln for c in carts for ln in c["lines"]]
    assert len({ln["shop"] for ln in lines}) == len(campaign.config.shops)
    assert any("presale" in ln for ln in lines)
    assert len({len(c["lines"]) for c in carts}) > 3
    assert len({c["buyer"]["credit"] for c in carts}) > 3


def test_generator_knobs(campaign: promocalc.Campaign) -> None:
    shop = next(iter(campaign.config.shops))
    gen = CartGenerator(campaign, seed=1, n=100, shops=[shop], presale_share=0, qty={4: 1}, lines={2: 1},
                        vouchers={7: 1}, coupon_share=0)  # fmt: skip
    for c in gen:
        assert [ln["shop"] for ln in c["lines"]] == [shop, shop]
        assert all(ln["qty"] == 4 and "presale" not in ln for ln in c["lines"])
        assert "coupons" not in c.get("wallet", {})
        assert all(v == 7 for v in c.get("wallet", {}).get("vouchers", {}).values())


@pytest.mark.parametrize("kwargs", [{"seed": "1"}, {"n": -1}, {"presale_share": 1.5}, {"lines": {}},
                                    {"qty": {0: 1}}, {"shops": ["nope"]}, {"price_median": "0"}])  # fmt: skip
def test_generator_rejects_bad_knobs(campaign: promocalc.Campaign, kwargs: dict[str, object]) -> None:
    with pytest.raises((TypeError, ValueError)):
        CartGenerator(campaign, **kwargs)  # type: ignore[arg-type]


# -- figures against quotes priced one by one ----------------------------------------------------------------


def recompute(campaign: promocalc.Campaign, carts: list[dict[str, object]]) -> dict[str, object]:
    """The figures again, from each quote's FORMATS.md dict (another path through the quote)."""
    tot: dict[str, int] = defaultdict(int)
    layers: dict[str, int] = defaultdict(int)
    shops: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    inst: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in carts:
        d = campaign.quote(c).to_dict()
        tot["subtotal"] += fen(d["subtotal"])
        tot["discount"] += fen(d["discount"])
        tot["payable"] += fen(d["payable"])
        tot["postage"] += fen(d["postage"])
        tot["deposit_paid"] += fen(d.get("deposit_paid", "0"))
        gmv = fen(d["payable"]) - fen(d["postage"]) + fen(d.get("deposit_paid", "0"))
        for ln in d["lines"]:
            for k, v in ln["discounts"].items():
                layers[k] += fen(v)
        for s in d["shops"]:
            shops[s["id"]]["merchant_funded"] += fen(s["merchant_funded"])
            shops[s["id"]]["platform_funded"] += fen(s["platform_funded"])
            shops[s["id"]]["payable"] += fen(s["payable"])
            shops[s["id"]]["carts"] += 1
        for a in d["applied"]:
            inst[a["id"]]["orders"] += 1
            inst[a["id"]]["discount"] += fen(a["amount"])
            inst[a["id"]]["used"] += a.get("vouchers", 1)
            inst[a["id"]]["gmv"] += gmv
        wallet = c.get("wallet", {})
        for v, n in wallet.get("vouchers", {}).items():  # type: ignore[union-attr]
            inst[v]["received"] += n
        for cid in wallet.get("coupons", []):  # type: ignore[union-attr]
            inst[cid]["received"] += 1
    return {"totals": tot, "layers": layers, "shops": shops, "instruments": inst}


def test_figures_equal_quotes_priced_one_by_one(campaign: promocalc.Campaign) -> None:
    carts = list(CartGenerator(campaign, seed=21, n=250, presale_share=0.2))
    r = simulate(campaign, carts, progress=False)
    want = recompute(campaign, carts)
    for k, v in want["totals"].items():  # type: ignore[union-attr]
        assert r.totals[k] == v, k
    for k, v in want["layers"].items():  # type: ignore[union-attr]
        assert r.layers[k]["discount"] == v, k
    for sid, d in want["shops"].items():  # type: ignore[union-attr]
        for k, v in d.items():
            assert r.shops[sid][k] == v, (sid, k)
    for pid, d in r.instruments.items():
        for k in ("orders", "discount", "used", "gmv", "received"):
            assert d[k] == want["instruments"].get(pid, {}).get(k, 0), (pid, k)  # type: ignore[union-attr]
    assert r.totals["discount"] == r.totals["merchant_funded"] + r.totals["platform_funded"]
    assert r.totals["discount"] == sum(d["discount"] for d in r.layers.values())
    assert sum(r.rate_histogram) == r.carts == 250
    assert r.totals["discount"] > 0


def test_per_instrument_shop_split_adds_up(campaign: promocalc.Campaign) -> None:
    r = simulate(campaign, CartGenerator(campaign, seed=2, n=300), progress=False)
    for pid, d in r.instruments.items():
        parts = [v for (p, _), v in r.instrument_shops.items() if p == pid]
        assert sum(v["discount"] for v in parts) == d["discount"]
        assert all(v["orders"] <= d["orders"] for v in parts)
    for d in r.shops.values():
        assert d["merchant_funded"] + d["platform_funded"] == sum(
            d[f"discount_{k}"] for k in ("item", "shop", "coupon", "platform")
        )
        assert d["subtotal"] - d["merchant_funded"] - d["platform_funded"] - d["deposit_paid"] + d["postage"] == d["payable"]


def test_chunking_does_not_change_anything(campaign: promocalc.Campaign) -> None:
    gen = CartGenerator(campaign, seed=8, n=120)
    a = simulate(campaign, gen, chunk_size=1000, progress=False)
    b = simulate(campaign, gen, chunk_size=7, progress=False)
    c = simulate(campaign, list(gen), chunk_size=50, progress=False)
    assert a.to_json() == b.to_json() == c.to_json()
    assert a.cart_rows == b.cart_rows == c.cart_rows
    assert a.cart_rows["cart"] == list(range(120))


def test_summary_is_figures_only_and_json_ready(campaign: promocalc.Campaign) -> None:
    r = simulate(campaign, CartGenerator(campaign, seed=4, n=50), progress=False)
    s = r.summary()
    assert set(s) == {"campaign", "carts", "landing_band", "totals", "layers", "shops", "instruments", "tiers",
                      "discount_rates"}  # fmt: skip
    text = r.to_json()
    assert "elapsed" not in text and "engine" not in text
    assert [i["id"] for i in s["instruments"]] == [p.id for p in campaign.config.promotions]
    assert "<table>" in r._repr_html_()
    assert s["campaign"] in r.to_text()


# -- tier landing ------------------------------------------------------------------------------------------

LANDING = {
    "promocalc": 1,
    "campaign": {"id": "landing", "ruleset": "parallel"},
    "categories": {"c": {}},
    "shops": {"s": {"campaign_member": True}, "t": {"campaign_member": True}},
    "promotions": [
        {"id": "mj", "kind": "shop_reduction", "shop": "s", "tiers": ["100-10", "200-30"]},
        {"id": "ev", "kind": "shop_reduction", "shop": "t", "every": "100-10"},
    ],
}


def _cart(shop: str, price: str) -> dict[str, object]:
    return {
        "at": "2020-01-01T00:00",
        "lines": [{"id": "1", "shop": shop, "item": "x", "category": "c", "price": price, "qty": 1}],
    }


def test_tier_landing_counts_bases_just_above_and_just_below() -> None:
    camp = promocalc.load(LANDING)
    prices = ["105.00", "150.00", "95.00", "185.00", "200.00", "110.00"]
    carts = [_cart("s", p) for p in prices] + [_cart("t", p) for p in ("105.00", "195.00", "250.00", "89.99")]
    r = simulate(camp, carts, band="0.10", progress=False)
    rows = {(t["id"], t["tier"]): (t["reached"], t["landed"], t["just_below"]) for t in r.tiers}
    # 100-10: reached by 105, 150, 185, 110; above within 10 % (< 110): 105; below within 10 %: 95
    assert rows[("mj", "100-10")] == (4, 1, 1)
    # 200-30: reached by 200 (landed); 185 lies 15 below (within 20)
    assert rows[("mj", "200-30")] == (1, 1, 1)
    # 每100-10: 105 (5 above a multiple), 195 (95 above, 5 below the next), 250 (50 above); 89.99 misses by 10.01
    assert rows[("ev", "每100-10")] == (3, 1, 1)
    wider = simulate(camp, carts, band="0.2", progress=False)
    rows = {(t["id"], t["tier"]): (t["reached"], t["landed"], t["just_below"]) for t in wider.tiers}
    assert rows[("mj", "100-10")] == (4, 2, 1)
    assert rows[("ev", "每100-10")] == (3, 1, 2)


@pytest.mark.parametrize("band", [1, "1.5", "-0.1", 0.1, "x"])
def test_band_must_be_exact_and_below_one(band: object) -> None:
    camp = promocalc.load(LANDING)
    with pytest.raises((TypeError, ValueError)):
        simulate(camp, [_cart("s", "100.00")], band=band, progress=False)


def test_invalid_cart_names_its_index() -> None:
    camp = promocalc.load(LANDING)
    with pytest.raises(promocalc.CartError) as e:
        simulate(camp, [_cart("s", "100.00"), _cart("nope", "1.00")], progress=False)
    assert e.value.problems[0].loc[:1] == (1,)
    assert str(e.value).startswith("cart 1:")


# -- the facade --------------------------------------------------------------------------------------------


def test_core_import_stays_light() -> None:
    code = ("import sys, promocalc, promocalc.sim, promocalc.cli; "
            "print(sorted(m for m in ('pandas', 'dask', 'distributed', 'pyarrow', 'tqdm', 'matplotlib') "
            "if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_simulate_is_on_the_facade() -> None:
    assert hasattr(promocalc, "simulate"), "promocalc/__init__.py needs: from .sim import simulate"
    assert promocalc.simulate is simulate
    assert "simulate" in promocalc.__all__
    assert isinstance(simulate(promocalc.load(LANDING), [_cart("s", "120.00")], progress=False), SimulationResult)


def test_catalog_and_categories_knobs() -> None:
    camp = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    catalog = [{"shop": "shop-b", "item": "nuts", "category": "snacks", "price": "39.90"},
               {"shop": "shop-b", "item": "tee", "category": "womenswear", "price": "99.00", "weight": 3}]  # fmt: skip
    lines = [ln for c in CartGenerator(camp, seed=1, n=200, catalog=catalog, presale_share=0) for ln in c["lines"]]
    assert {(ln["item"], ln["category"], ln["price"]) for ln in lines} == {
        ("nuts", "snacks", "39.90"),
        ("tee", "womenswear", "99.00"),
    }
    tees = sum(ln["item"] == "tee" for ln in lines)
    assert 2 * len(lines) // 3 < tees < len(lines)  # weight 3 against 1
    gen = CartGenerator(camp, seed=1, n=100, categories={"shop-c": ["phones"]}, shops=["shop-c"])
    assert {ln["category"] for c in gen for ln in c["lines"]} == {"phones"}
    assert "phone" in {ln["item"] for c in gen for ln in c["lines"]}  # the item of c-off's scope
    with pytest.raises(ValueError):
        CartGenerator(camp, catalog=[{"shop": "nope", "item": "x", "category": "c"}])
