"""The golden cases (worked from published examples) through the API and through the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import promocalc

from .conftest import golden_cases
from .golden_check import quote_mismatches, refund_mismatches

CASES = golden_cases()
IDS = [c["name"] for c in CASES]


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 13


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_through_api(case: dict) -> None:
    campaign = promocalc.load(case["config"])
    if "expect_exit" in case:
        with pytest.raises(promocalc.CartError):
            campaign.quote(case["cart"])
        return
    quote = campaign.quote(case["cart"])
    assert quote_mismatches(quote.to_dict(), case["expect"]) == []
    if "refunds" in case:
        # the order record travels as JSON: round-trip it as a checkout service would
        order = json.loads(quote.to_json())
        result = campaign.refund(order, case["refunds"])
        assert refund_mismatches(result.to_dict(), case["expect_refund"]) == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_through_cli(case: dict, tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(case["config"], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "cart.json").write_text(json.dumps(case["cart"], ensure_ascii=False), encoding="utf-8")
    cmd = [sys.executable, "-m", "promocalc", "quote", "--config", "config.json", "--cart", "cart.json"]
    p = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in p.stderr
    if "expect_exit" in case:
        assert p.returncode == case["expect_exit"]
        return
    assert p.returncode == 0, p.stderr
    assert quote_mismatches(json.loads(p.stdout), case["expect"]) == []
    if "refunds" in case:
        (tmp_path / "order.json").write_text(p.stdout, encoding="utf-8")
        (tmp_path / "refunds.json").write_text(json.dumps(case["refunds"]), encoding="utf-8")
        cmd = [sys.executable, "-m", "promocalc", "refund", "--config", "config.json", "--order", "order.json",
               "--refunds", "refunds.json"]  # fmt: skip
        r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert refund_mismatches(json.loads(r.stdout), case["expect_refund"]) == []
