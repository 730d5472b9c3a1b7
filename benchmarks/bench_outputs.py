"""What else a service returns, at 200 and 2,000 lines: receipts, refunds and advice, and how each grows.

usage: python benchmarks/bench_outputs.py [--floor PATH]

Uses the typical campaign and cart shape of ``bench_quote.py`` (one shop per four lines); a refund returns one
unit of every tenth line. Each figure is the best of three runs. This is a benchmark, not a test: nothing
here fails on time.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from bench_quote import DEFAULT_FLOOR, typical

import promocalc

SIZES = (200, 2000)


def best(fn: Callable[[], object], n: int) -> float:
    """Seconds per call of ``fn``, the best of three runs of ``n`` calls."""
    out = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t) / n)
    return min(out)


def measure(make: Path, lines: int) -> dict[str, float]:
    """Seconds per call of each output for a cart of ``lines`` lines."""
    d = typical(make, lines, lines // 4)
    camp = promocalc.load(d["config"])
    cart = d["cart"]
    q = camp.quote(cart)
    order = json.loads(q.to_json())
    closed = "2016-11-12T10:00:00+08:00"
    refunds = {"refunds": [{"line": ln["id"], "qty": 1, "stage": "in_sale", "closed_at": closed}
                           for ln in cart["lines"][::10]]}  # fmt: skip
    done = camp.refund(order, refunds)
    n = 5 if lines <= 200 else 1
    return {
        "quote.to_text()": best(q.to_text, n),
        "quote.to_html()": best(q.to_html, n),
        "campaign.refund()": best(lambda: camp.refund(order, refunds), n),
        "refund.to_json()": best(done.to_json, n),
        "campaign.advise()": best(lambda: camp.advise(cart), n),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floor", type=Path, default=DEFAULT_FLOOR, help="folder with make_typical.py")
    args = ap.parse_args()
    make = args.floor / "make_typical.py"
    got = {lines: measure(make, lines) for lines in SIZES}
    small, large = got[SIZES[0]], got[SIZES[1]]
    for name in small:
        print(f"{name:18s} {SIZES[0]:5d} lines {small[name] * 1e3:8.2f} ms   {SIZES[1]:5d} lines "
              f"{large[name] * 1e3:8.2f} ms   growth {large[name] / small[name]:5.1f}x (linear: 10x)")  # fmt: skip


if __name__ == "__main__":
    main()
