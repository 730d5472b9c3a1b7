"""Pricing cost against the hand-written floor (``../shared/bench/floor.py``), interleaved in one process.

usage: python benchmarks/bench_quote.py [--floor PATH] [--rounds N]

Prices the typical cart of ``make_typical.py`` (10 lines, 3 shops) through ``campaign.quote(cart_mapping)``,
cart validation included, with and without ``to_json()``, and reports µs per quote, the ratio to the floor
and the peak memory of one quote. It also reports how the cost grows from 20 lines over 5 shops to 200
lines over 50 shops and 2,000 lines over 500 shops (500 named coupons). Without the floor it reports the engine
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


def peak_bytes(fn) -> int:  # type: ignore[no-untyped-def]
    """Peak memory (tracemalloc) allocated while ``fn`` runs once."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


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
    source = make if make.exists() else None

    case = typical(source, 10, 3)
    campaign = promocalc.load(case["config"])
    cart = case["cart"]
    campaign.quote(cart).to_json()
    quote_t, json_t, floor_t = [], [], []
    for _ in range(args.rounds):  # interleaved, best of rounds
        quote_t.append(per_call(lambda: campaign.quote(cart), args.n))
        json_t.append(per_call(lambda: campaign.quote(cart).to_json(), args.n))
        if floor is not None:
            floor_t.append(per_call(lambda: floor.price(floor.LINES), args.n * 5))
    q, qj = min(quote_t), min(json_t)
    f = min(floor_t) if floor_t else None
    ratio = (lambda x: f" ({x / f:.2f}x the floor)") if f else (lambda x: "")
    if f:
        print(f"floor:            {f * 1e6:8.1f} us per cart")
    print(f"quote:            {q * 1e6:8.1f} us{ratio(q)}   (10 lines, 3 shops, cart validation included)")
    print(f"quote + to_json:  {qj * 1e6:8.1f} us{ratio(qj)}")
    print(f"peak memory:      {peak_bytes(lambda: campaign.quote(cart).to_json()) / 1024:8.1f} KiB per quote + to_json")

    sizes = {}
    for lines, shops in ((20, 5), (200, 50), (2000, 500)):
        # one size at a time: the other sizes' campaigns and carts are not kept alive meanwhile (the garbage
        # collector would walk them too), as a service holds one campaign and the cart it prices
        case = typical(source, lines, shops)
        camp = promocalc.load(case["config"])
        c = case["cart"]
        del case  # nor is the config's raw data: a service holds the compiled campaign
        camp.quote(c).to_json()
        n = max(5, args.n // (lines // 10))
        sizes[lines] = (min(per_call(lambda: camp.quote(c), n) for _ in range(args.rounds)),
                        min(per_call(lambda: camp.quote(c).to_json(), n) for _ in range(args.rounds)))  # fmt: skip
        peak = peak_bytes(lambda: camp.quote(c).to_json()) / 1024
        print(f"{lines:5} lines / {shops:3} shops: quote {sizes[lines][0] * 1e6:9.0f} us, "
              f"+ to_json {sizes[lines][1] * 1e6:9.0f} us, peak {peak:8.0f} KiB")  # fmt: skip
    print(f"growth 200/50 vs 20/5, quote:               {sizes[200][0] / sizes[20][0]:5.1f}x (linear: 10x)")
    print(f"growth 2000/500 vs 200/50, quote:           {sizes[2000][0] / sizes[200][0]:5.1f}x (linear: 10x)")
    print(f"growth 2000/500 vs 200/50, quote + to_json: {sizes[2000][1] / sizes[200][1]:5.1f}x (linear: 10x)")


if __name__ == "__main__":
    main()
