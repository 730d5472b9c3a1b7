"""Advice cost against one quote, in one process.

usage: python benchmarks/bench_advise.py [--make PATH] [--rounds N]

Takes the typical cart of ``make_typical.py`` (10 lines, 3 shops) with a 100-item catalog over its shops and
reports µs per ``campaign.advise(cart, catalog)``, µs per ``campaign.quote(cart)`` and their ratio. The
typical cart reaches its shop tiers, so a second cart (its first line of each shop only) shows advice with
gaps to close. This is a benchmark, not a test: nothing here fails on time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import promocalc

HERE = Path(__file__).resolve().parent
DEFAULT_MAKE = HERE.parent.parent / "shared" / "bench" / "make_typical.py"


def per_call(fn, rounds: int) -> float:
    """Best of three runs of ``rounds`` calls, in µs per call."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(rounds):
            fn()
        best = min(best, (time.perf_counter() - t) / rounds * 1e6)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--make", type=Path, default=DEFAULT_MAKE)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    data = json.loads(subprocess.run([sys.executable, str(a.make)], capture_output=True, text=True, check=True).stdout)
    campaign = promocalc.load(data["config"])
    cart = data["cart"]
    shops = list(data["config"]["shops"])
    catalog = [{"shop": shops[i % len(shops)], "item": f"add-{i}", "category": "general",
                "price": f"{5 + 7 * i % 180}.{i % 100:02d}"} for i in range(100)]  # fmt: skip
    small = dict(cart, lines=[next(ln for ln in cart["lines"] if ln["shop"] == s) for s in shops])
    for name, k in (("typical", cart), ("one line per shop", small)):
        q = per_call(lambda: campaign.quote(k), a.rounds * 10)
        adv = per_call(lambda: campaign.advise(k, catalog), a.rounds)
        gaps = len(campaign.advise(k, catalog).gaps)
        print(f"{name}: quote {q:,.0f} µs, advise {adv:,.0f} µs ({gaps} gaps), ratio {adv / q:.1f}x")


if __name__ == "__main__":
    main()
