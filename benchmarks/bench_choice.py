"""The buyer's best combination on hard wallets: the cost of choosing, against naming the same coupons.

For each case of the grid (shops S x coupons K, three seeds each, sequential ruleset) the quote without
``use`` is timed against the same cart with the chosen coupons named in ``use``, best of N runs, in one
process. Prints the worst ratio per cell and whether every quote was proven optimal.

    python benchmarks/bench_choice.py [--rounds N] [--seeds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import promocalc
from promocalc.testing.wallets import hard_wallet

COUPON_KINDS = ("shop_coupon", "item_coupon", "shop_red_packet", "category_coupon")


def best_of(f: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    print("| S shops | K coupons | worst ratio | worst quote | all optimal |")
    print("|---|---|---|---|---|")
    for shops in (3, 6, 10, 20):
        for coupons in (8, 16, 24, 32, 50):
            worst, worst_t, proven = 0.0, 0.0, True
            for seed in range(args.seeds):
                config, cart = hard_wallet(shops, coupons, seed)
                campaign = promocalc.load(config)
                q = campaign.quote(cart)
                kinds = {p["id"]: p["kind"] for p in config["promotions"]}
                named = {**cart, "use": [a["id"] for a in q.to_dict()["applied"] if kinds[a["id"]] in COUPON_KINDS]}
                assert campaign.quote(named).payable == q.payable
                t_choose = best_of(lambda c=cart, k=campaign: k.quote(c), args.rounds)
                t_named = best_of(lambda c=named, k=campaign: k.quote(c), args.rounds)
                worst = max(worst, t_choose / t_named)
                worst_t = max(worst_t, t_choose)
                proven &= q.optimal is True
            print(f"| {shops} | {coupons} | {worst:.1f}x | {worst_t * 1000:.1f} ms | {'yes' if proven else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
