"""Pricing cost against the hand-written floor (``../shared/bench/floor.py``), interleaved in one process.

usage: python benchmarks/bench_quote.py [--floor PATH] [--rounds N]

Prices the typical cart of ``make_typical.py`` (10 lines, 3 shops) through ``campaign.quote(cart_mapping)``,
cart validation included, and reports µs per quote and the ratio to the floor. It also reports how the
cost grows from 20 lines over 5 shops to 200 lines over 50 shops. Without the floor it reports the engine
alone. This is a benchmark, not a test: nothing here fails on time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import promocalc

HERE = Path(__file__).resolve().parent
DEFAULT_FLOOR = HERE.parent.parent / "shared" / "bench"


def typical(make: Path | None, lines: int, shops: int) -> dict:
    """Campaign and cart from make_typical.py when present, else the same shape written here."""
    if make is not None and make.exists():
        out = subprocess.run([sys.executable, str(make), str(lines), str(shops)], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)
    ids = [f"s{k}" for k in range(shops)]
    promos = []
    for s in ids:
        promos += [
            {"id": f"{s}-rate", "kind": "rate", "shop": s, "rate": "0.85", "scope": {"items": [f"item-{i}" for i in range(0, lines, 2)]}},
            {"id": f"{s}-mj", "kind": "shop_reduction", "shop": s, "tiers": ["300-20", "500-50"]},
            {"id": f"{s}-c10", "kind": "shop_coupon", "shop": s, "tiers": ["200-10"]},
        ]  # fmt: skip
    promos.append({"id": "d11-voucher", "kind": "category_voucher"})
    config = {"promocalc": 1, "campaign": {"id": "typical", "ruleset": "sequential"},
              "categories": {"general": {"voucher_groups": {"G": ["100-10", "200-20", "300-40"]}}},
              "shops": {s: {"campaign_member": True, "voucher_groups": {"general": "G"}} for s in ids},
              "promotions": promos}  # fmt: skip
    cart = {"at": "2016-11-11T10:00:00+08:00", "buyer": {"id": "b1"},
            "lines": [{"id": str(i), "shop": ids[i % shops], "item": f"item-{i}", "category": "general",
                       "price": f"{99 + 13 * i}.00", "qty": 1 + i % 2} for i in range(lines)],
            "wallet": {"coupons": [f"{s}-c10" for s in ids], "vouchers": {"d11-voucher": 30}},
            "use": [f"{s}-c10" for s in ids]}  # fmt: skip
    return {"config": config, "cart": cart}


def per_call(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds per call of ``fn`` over ``n`` calls."""
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floor", type=Path, default=DEFAULT_FLOOR, help="folder with floor.py and make_typical.py")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    floor_py = args.floor / "floor.py"
    make = args.floor / "make_typical.py"
    floor = None
    if floor_py.exists():
        spec = importlib.util.spec_from_file_location("floor", floor_py)
        assert spec and spec.loader
        floor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(floor)

    case = typical(make if make.exists() else None, 10, 3)
    campaign = promocalc.load(case["config"])
    cart = case["cart"]
    campaign.quote(cart)
    engine_t, floor_t = [], []
    for _ in range(args.rounds):  # interleaved, best of rounds
        engine_t.append(per_call(lambda: campaign.quote(cart), args.n))
        if floor is not None:
            floor_t.append(per_call(lambda: floor.price(floor.LINES), args.n * 5))
    e = min(engine_t)
    print(f"engine: {e * 1e6:.1f} us per quote (10 lines, 3 shops, cart validation included)")
    if floor_t:
        f = min(floor_t)
        print(f"floor:  {f * 1e6:.1f} us per cart")
        print(f"ratio:  {e / f:.2f}x the floor")

    sizes = {}
    for lines, shops in ((20, 5), (200, 50)):
        case = typical(make if make.exists() else None, lines, shops)
        camp = promocalc.load(case["config"])
        c = case["cart"]
        camp.quote(c)
        sizes[(lines, shops)] = min(per_call(lambda: camp.quote(c), max(50, args.n // (lines // 10))) for _ in range(3))
        print(f"{lines} lines / {shops} shops: {sizes[(lines, shops)] * 1e6:.0f} us per quote")
    print(f"growth 200/50 vs 20/5: {sizes[(200, 50)] / sizes[(20, 5)]:.1f}x (linear would be 10x)")


if __name__ == "__main__":
    main()
