"""The checkout service example (examples/service) through the ASGI test client."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

import promocalc
from promocalc.io.documents import read_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "double11-2016"
sys.path.insert(0, str(ROOT / "examples" / "service"))
from app import create_app  # noqa: E402


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE / "config.yaml", tmp_path / "d11.yaml")
    shutil.copy(ROOT / "examples" / "cross-shop-2021" / "config.yaml", tmp_path / "x21.yaml")
    (tmp_path / "notes.txt").write_text("not a config")
    return tmp_path


def cart() -> dict[str, Any]:
    data = read_file(str(EXAMPLE / "cart.yaml")).data
    return json.loads(json.dumps(data, default=str))


def test_health_and_campaigns(folder: Path) -> None:
    client = TestClient(create_app(folder))
    assert client.get("/health").json() == {"status": "ok", "campaigns": 2}
    listed = client.get("/campaigns").json()["campaigns"]
    ids = {promocalc.load(str(folder / f)).id: f for f in ("d11.yaml", "x21.yaml")}
    assert {c["id"]: c["file"] for c in listed} == ids
    assert all(c["promotions"] > 0 for c in listed)


def test_quote_equals_the_library_and_refund_follows(folder: Path) -> None:
    client = TestClient(create_app(folder))
    r = client.post("/quote", json={"campaign": "tmall-1111-2016", "cart": cart()})
    assert r.status_code == 200, r.text
    expect = promocalc.load(str(EXAMPLE / "config.yaml")).quote(cart()).to_dict()
    assert r.json() == json.loads(json.dumps(expect))
    assert r.headers["content-type"] == "application/json"
    assert r.content == JSONResponse(expect).body  # the bytes FastAPI's own encoder would send
    order = r.json()
    refunds = [{"line": "5", "qty": 1, "stage": "in_sale", "closed_at": "2016-11-11T20:00:00+08:00"}]
    r = client.post("/refund", json={"campaign": "tmall-1111-2016", "order": order, "refunds": refunds})
    assert r.status_code == 200, r.text
    want = promocalc.load(str(EXAMPLE / "config.yaml")).refund(order, {"refunds": refunds})
    assert r.content == JSONResponse(want.to_dict()).body
    body = r.json()
    assert body["refunds"][0]["amount"] == body["total"]
    assert body["remaining"]["5"] == "0.00"


def test_problems_are_422_with_locations(folder: Path) -> None:
    client = TestClient(create_app(folder))
    bad = cart()
    bad["lines"][1]["price"] = "599.001"
    r = client.post("/quote", json={"campaign": "tmall-1111-2016", "cart": bad})
    assert r.status_code == 422
    probs = r.json()["problems"]
    assert probs[0]["path"] == "cart.lines[1].price" and probs[0]["loc"] == ["cart", "lines", 1, "price"]
    # a float in the body is read as an exact decimal, and a third decimal is still refused
    raw = json.dumps({"campaign": "tmall-1111-2016", "cart": cart()}).replace('"299.00"', "299.005")
    r = client.post("/quote", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["problems"][0]["path"] == "cart.lines[0].price"
    r = client.post("/quote", json={"campaign": "nope", "cart": cart()})
    assert r.status_code == 422 and r.json()["problems"][0]["type"] == "unknown_campaign"
    r = client.post("/quote", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["problems"][0]["type"] == "json"
    r = client.post("/refund", json={"campaign": "tmall-1111-2016", "order": {"x": 1}, "refunds": []})
    assert r.status_code == 422 and r.json()["problems"]


def test_changed_config_reloads_and_an_invalid_one_is_refused(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(folder, min_interval=0)
    client = TestClient(app)
    before = client.post("/quote", json={"campaign": "tmall-1111-2016", "cart": cart()}).json()

    text = (folder / "d11.yaml").read_text(encoding="utf-8")
    broken = text.replace("promotions:", "promotions:\n  - {id: oops, kind: shop_coupon, shop: nowhere, tiers: ['9-10']}", 1)
    (folder / "d11.yaml").write_text(broken, encoding="utf-8")
    os.utime(folder / "d11.yaml", ns=(1, 10**18))
    with caplog.at_level(logging.ERROR, logger="promocalc.service"):
        still = client.post("/quote", json={"campaign": "tmall-1111-2016", "cart": cart()})
    assert still.status_code == 200 and still.json() == before
    assert any("promotions[" in m and "nowhere" in m for m in caplog.messages), caplog.messages

    # a valid change is swapped in: drop the shop coupons and the payable goes up
    fixed = text.replace("kind: shop_coupon", "kind: shop_coupon, valid: {end: '2016-01-01T00:00'}")
    assert fixed != text
    (folder / "d11.yaml").write_text(fixed, encoding="utf-8")
    os.utime(folder / "d11.yaml", ns=(2, 2 * 10**18))
    after = client.post("/quote", json={"campaign": "tmall-1111-2016", "cart": cart()}).json()
    assert after["payable"] != before["payable"]
    assert client.get("/health").json()["campaigns"] == 2
