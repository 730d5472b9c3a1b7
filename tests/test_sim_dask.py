"""The Dask engine gives the local result to the fen (a 2-worker in-process LocalCluster)."""

from __future__ import annotations

from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import promocalc
from promocalc.sim import CartGenerator, simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                       silence_logs=logging.ERROR)  # fmt: skip
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.parametrize("example", ["double11-2016", "cross-shop-2021"])
def test_dask_equals_local(client, example: str) -> None:  # type: ignore[no-untyped-def]
    camp = promocalc.load(EXAMPLES / example / "config.yaml")
    gen = CartGenerator(camp, seed=42, n=1500, presale_share=0.15)
    local = simulate(camp, gen, progress=False)
    remote = simulate(camp, gen, engine="dask", client=client, chunk_size=97, progress=False)
    assert remote.to_json() == local.to_json()
    assert remote.cart_rows == local.cart_rows
    assert remote.totals["discount"] > 0


def test_dask_with_given_carts_and_other_seed(client) -> None:  # type: ignore[no-untyped-def]
    camp = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    carts = list(CartGenerator(camp, seed=7, n=300))
    local = simulate(camp, carts, progress=False)
    remote = simulate(camp, carts, engine="dask", client=client, chunk_size=40, progress=False)
    assert remote.to_json() == local.to_json()
    other = simulate(camp, CartGenerator(camp, seed=8, n=300), engine="dask", client=client, progress=False)
    assert other.to_json() != local.to_json()


def test_dask_reports_the_invalid_cart(client) -> None:  # type: ignore[no-untyped-def]
    camp = promocalc.load(EXAMPLES / "double11-2016" / "config.yaml")
    carts = list(CartGenerator(camp, seed=7, n=30))
    carts[17]["lines"][0]["shop"] = "no-such-shop"
    with pytest.raises(promocalc.CartError) as e:
        simulate(camp, carts, engine="dask", client=client, chunk_size=5, progress=False)
    assert e.value.problems[0].loc[:2] == (17, "lines")
