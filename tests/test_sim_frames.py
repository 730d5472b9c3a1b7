"""Simulation frames: exact decimal columns, and summary figures equal to sums over the per-cart frame."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

import promocalc
from promocalc.sim import CartGenerator, simulate
from promocalc.sim.frames import money_array

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MONEY = pd.ArrowDtype(pa.decimal128(18, 2))


@pytest.fixture(scope="module", params=["double11-2016", "cross-shop-2021"])
def result(request: pytest.FixtureRequest) -> promocalc.sim.SimulationResult:
    camp = promocalc.load(EXAMPLES / request.param / "config.yaml")
    return simulate(camp, CartGenerator(camp, seed=31, n=400, presale_share=0.2), progress=False)


def test_money_array_is_exact() -> None:
    values = [0, 1, -1, 99, 123456789, -987654321, 10**17 - 1]
    arr = money_array(values)
    assert arr.type == pa.decimal128(18, 2)
    assert arr.to_pylist() == [Decimal(v).scaleb(-2) for v in values]


def test_summary_equals_sums_over_the_cart_frame(result: promocalc.sim.SimulationResult) -> None:
    f = result.to_pandas()
    carts = f.carts
    assert len(carts) == result.carts
    assert list(carts["cart"]) == list(range(result.carts))
    s = result.summary()
    for col in ("subtotal", "discount", "merchant_funded", "platform_funded", "postage", "deposit_paid", "payable", "gmv"):
        assert carts[col].dtype == MONEY
        assert carts[col].sum() == Decimal(s["totals"][col]), col
    for layer in s["layers"]:
        assert carts[f"discount_{layer['layer']}"].sum() == Decimal(layer["discount"])
    assert int(carts["vouchers_used"].sum()) == s["totals"]["vouchers_used"]
    assert int(carts["vouchers_held"].sum()) == s["totals"]["vouchers_held"]
    assert int((carts["discount"] > 0).sum()) == s["totals"]["carts_discounted"]
    assert (carts["discount"] == carts["discount_item"] + carts["discount_shop"] + carts["discount_coupon"]
            + carts["discount_platform"]).all()  # fmt: skip
    rate = carts["discount_rate"]
    assert ((rate >= 0) & (rate <= 1)).all()


def test_tidy_frames_agree_with_the_summary(result: promocalc.sim.SimulationResult) -> None:
    f = result.to_pandas()
    s = result.summary()
    assert f.shops["discount"].sum() == Decimal(s["totals"]["discount"])
    assert f.shops["payable"].sum() == Decimal(s["totals"]["payable"])
    assert f.layers["discount"].sum() == Decimal(s["totals"]["discount"])
    assert list(f.instruments["id"]) == [i["id"] for i in s["instruments"]]
    assert f.instruments["discount"].sum() == sum(Decimal(i["discount"]) for i in s["instruments"])
    for pid, part in f.instrument_shops.groupby("id"):
        assert part["discount"].sum() == Decimal(next(i["discount"] for i in s["instruments"] if i["id"] == pid))
    assert f.rates["carts"].sum() == result.carts
    assert len(f.tiers) == len(s["tiers"])


def test_parquet_keeps_exact_money_and_the_summary(result: promocalc.sim.SimulationResult, tmp_path: Path) -> None:
    import json

    import pyarrow.parquet as pq

    path = tmp_path / "r.parquet"
    result.to_parquet(str(path))
    table = pq.read_table(path)
    assert table.schema.field("payable").type == pa.decimal128(18, 2)
    assert json.loads(table.schema.metadata[b"promocalc.summary"]) == result.summary()
    assert sum(table.column("discount").to_pylist()) == Decimal(result.summary()["totals"]["discount"])


def test_plots_draw(result: promocalc.sim.SimulationResult) -> None:
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4)
    result.plot_discount_rates(axes[0])
    result.plot_costs(axes[1])
    result.plot_layers(axes[2])
    ax = result.plot_tiers(axes[3])
    assert ax.get_title().endswith("tier landing")
    assert len(axes[0].patches) == len(result.rate_histogram)
    plt.close(fig)
