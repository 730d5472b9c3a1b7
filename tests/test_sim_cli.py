"""``promocalc simulate``: the JSON summary, byte-identical local and Dask runs, located errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from promocalc.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
D11 = str(EXAMPLES / "double11-2016" / "config.yaml")


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["simulate", *args])
    return r.exit_code, r.stdout, r.stderr


def test_json_summary_of_generated_carts() -> None:
    code, out, _ = run("--config", D11, "--generate", "200", "--seed", "3", "--format", "json")
    assert code == 0
    s = json.loads(out)
    assert s["campaign"] == "tmall-1111-2016" and s["carts"] == 200
    assert s["totals"]["discount"] == "%.2f" % (sum(float(x["discount"]) for x in s["layers"]))  # noqa: UP031
    _, out2, _ = run("--config", D11, "--generate", "200", "--seed", "3", "--format", "json")
    assert out2 == out
    _, out3, _ = run("--config", D11, "--generate", "200", "--seed", "4", "--format", "json")
    assert out3 != out


def test_text_summary_and_timing_on_stderr() -> None:
    code, out, err = run("--config", D11, "--generate", "50")
    assert code == 0
    assert out.startswith("campaign tmall-1111-2016: 50 carts")
    assert "carts/s" in err


def test_carts_file(tmp_path: Path) -> None:
    carts = tmp_path / "carts.json"
    cart = {"at": "2016-11-11T10:00", "lines": [{"id": "1", "shop": "shop-a", "item": "coat", "category": "womenswear",
                                                 "price": "599.00", "qty": 1}],
            "wallet": {"vouchers": {"d11-voucher": 5}}}  # fmt: skip
    carts.write_text(json.dumps([cart, cart]))
    code, out, _ = run("--config", D11, "--carts", str(carts), "--format", "json")
    assert code == 0
    s = json.loads(out)
    assert s["carts"] == 2
    # coat 599 -> 399 (a-big) -> 379 (a-mj 300-20) -> 339 (4 vouchers, tier 300-40), + 8.00 postage; twice
    assert s["totals"]["payable"] == "694.00"
    voucher = next(i for i in s["instruments"] if i["id"] == "d11-voucher")
    assert (voucher["received"], voucher["used"], voucher["orders"]) == (10, 8, 2)


def test_invalid_cart_is_located(tmp_path: Path) -> None:
    f = tmp_path / "carts.yaml"
    f.write_text('carts:\n  - lines:\n      - {id: "1", shop: shop-z, item: x, category: c, price: "1.00", qty: 1}\n')
    code, _, err = run("--config", D11, "--carts", str(f))
    assert code == 1
    assert err.startswith(f"{f}:3:25: unknown shop 'shop-z'")
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [[], ["--carts", "x.yaml", "--generate", "3"], ["--generate", "3", "--band", "1"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, _, err = run("--config", D11, *args)
    assert code == 2
    assert "Traceback" not in err


def test_missing_config_exits_2() -> None:
    code, _, err = run("--config", "no-such-config.yaml", "--generate", "3")
    assert code == 2
    assert err.startswith("no-such-config.yaml:1:1:")


def test_local_and_dask_json_are_byte_identical(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    pytest.importorskip("pyarrow")
    args = ["simulate", "--config", D11, "--generate", "600", "--seed", "9", "--format", "json"]
    cmd = [sys.executable, "-m", "promocalc.cli"]
    local = subprocess.run(cmd + args, capture_output=True, check=True)
    out = tmp_path / "r.parquet"
    dask = subprocess.run(
        cmd + args + ["--engine", "dask", "--workers", "2", "--out", str(out)], capture_output=True, check=False
    )
    assert dask.returncode == 0, dask.stderr.decode()
    assert dask.stdout == local.stdout
    assert json.loads(local.stdout)["carts"] == 600
    assert out.stat().st_size > 0


@pytest.mark.parametrize(("args", "what", "missing"), [(["--engine", "dask"], "--engine dask", "distributed"),
                                                       (["--out", "r.parquet"], "--out", "pyarrow")])  # fmt: skip
def test_missing_optional_dependency_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, args: list[str], what: str,
                                                         missing: str) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, missing, None)  # importing it now raises ImportError
    code, out, err = run("--config", D11, "--generate", "3", *args)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [f"promocalc: {what} needs {missing}: pip install 'promocalc[sim]'"]
