"""How long the largest allowed inputs take to be refused (or priced): files, carts, wallets, refund histories.

usage: python benchmarks/bench_limits.py      (prints one line per case: seconds, peak memory of the process)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import promocalc

ROOT = Path(__file__).resolve().parent.parent
D11 = ROOT / "examples" / "double11-2016"
CAMP = promocalc.load(D11 / "config.yaml")
AT = "2016-11-11T10:00:00+08:00"


def line(i: int, qty: int = 1) -> dict:
    return {"id": str(i), "shop": "shop-a", "item": "dress", "category": "womenswear", "price": "299.00", "qty": qty}


def timed(name: str, fn) -> None:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    try:
        fn()
        outcome = "ok"
    except promocalc.PromocalcError as e:
        outcome = f"refused: {e.problems[0].type if e.problems else e}"
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name:<58} {dt:8.3f} s  {outcome:<28} peak {peak:,.0f} MiB")


def cli(name: str, *args: str) -> None:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "promocalc", *args], capture_output=True, text=True)
    dt = time.perf_counter() - t
    print(f"{name:<58} {dt:8.3f} s  exit {p.returncode}: {p.stderr.strip()[:60]}")


def main() -> None:
    big = {"at": AT, "lines": [line(i) for i in range(10_000)]}
    timed("cart of 10,000 lines, priced", lambda: CAMP.quote(big))
    bad = json.loads(json.dumps(big))
    bad["lines"][-1]["qyt"] = bad["lines"][-1].pop("qty")
    timed("cart of 10,000 lines, last line misspelt, refused", lambda: CAMP.quote(bad))
    timed("cart of 2 lines x 1,000,000 units, priced + JSON",
          lambda: CAMP.quote({"at": AT, "lines": [line(0, 1_000_000), line(1, 1_000_000)]}).to_json())
    wallet = {"at": AT, "lines": [line(0)], "wallet": {"coupons": [f"c{i}" for i in range(1_000)],
                                                       "vouchers": {f"v{i}": 1 for i in range(1_000)}}}  # fmt: skip
    timed("wallet of 1,000 unknown coupons and 1,000 vouchers, refused", lambda: CAMP.quote(wallet))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "cart.json"
        lines = []
        size, i = 0, 0
        while size < 15 * 1024 * 1024:
            entry = dict(line(i), attrs={"note": "x" * 1000})
            lines.append(entry)
            size += len(json.dumps(entry)) + 3
            i += 1
        lines = lines[:10_000]
        lines[-1]["qyt"] = lines[-1].pop("qty")
        path.write_text(json.dumps({"at": AT, "lines": lines}, indent=1))
        cli(f"quote: JSON cart of {path.stat().st_size / 2**20:.1f} MiB, last line misspelt",
            "quote", "--config", str(D11 / "config.yaml"), "--cart", str(path))
        bad_line = dict(line(9_999))
        bad_line["qyt"] = bad_line.pop("qty")
        yaml_lines = [f"  - {{id: '{k}', shop: shop-a, item: dress, category: womenswear, price: '299.00', qty: 1}}"
                      for k in range(9_999)]  # fmt: skip
        yaml_lines.append("  - {id: '9999', shop: shop-a, item: dress, category: womenswear, price: '299.00', qyt: 1}")
        ypath = Path(d) / "cart.yaml"
        ypath.write_text(f"at: '{AT}'\nlines:\n" + "\n".join(yaml_lines) + "\n")
        cli(f"quote: YAML cart of {ypath.stat().st_size / 2**20:.1f} MiB, last line misspelt",
            "quote", "--config", str(D11 / "config.yaml"), "--cart", str(ypath))
        huge = Path(d) / "huge.json"
        huge.write_text(" " * (16 * 1024 * 1024 + 1))
        cli("quote: file over 16 MiB", "quote", "--config", str(D11 / "config.yaml"), "--cart", str(huge))
    order = CAMP.quote({"at": AT, "lines": [line(i) for i in range(10_000)]})
    claws = {"policy": "clawback", "refunds": [{"line": str(i), "qty": 1, "stage": "in_sale", "closed_at": AT}
                                               for i in range(10_000)]}  # fmt: skip
    timed("10,000 clawback refunds on one shop order", lambda: CAMP.refund(order, claws))
    claws["policy"] = "proportional"
    timed("10,000 proportional refunds on one shop order", lambda: CAMP.refund(order, claws))
    rec = CAMP.refund(order, {"refunds": claws["refunds"][:5_000], "policy": "clawback"}).order
    timed("1 clawback refund on a history of 5,000", lambda: CAMP.refund(rec, {"refunds": claws["refunds"][5_000:5_001]}))
    cli("simulate --band 1e999999999", "simulate", "--config", str(D11 / "config.yaml"), "--carts", "1",
        "--band", "1e999999999")


if __name__ == "__main__":
    main()
