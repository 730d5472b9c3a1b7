"""Carts per second of ``promocalc.simulate``: local, and on a 2-worker Dask LocalCluster (processes).

    python benchmarks/bench_simulate.py                 # 100,000 generated carts per example
    python benchmarks/bench_simulate.py --n 20000 --workers 4

Cluster start-up is not timed; a small warm-up run loads the campaign on every worker first.
Both runs must give the same summary; the script fails otherwise.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from pathlib import Path

import promocalc
from promocalc.sim import CartGenerator, simulate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def main() -> None:
    """Run the benchmark and print one line per example and engine."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="carts per example (default 100000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--examples", nargs="*", default=["double11-2016", "cross-shop-2021"])
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, {args.n} carts per example, seed {args.seed}")
    import dask

    with dask.config.set({"distributed.worker.profile.enabled": False}):  # as simulate's own LocalCluster
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)  # fmt: skip
    client = Client(cluster)
    try:
        for name in args.examples:
            camp = promocalc.load(EXAMPLES / name / "config.yaml")
            gen = CartGenerator(camp, seed=args.seed, n=args.n)
            lines = sum(len(gen[i]["lines"]) for i in range(min(args.n, 2000))) / min(args.n, 2000)
            cpu = time.process_time()
            local = simulate(camp, gen, progress=False)
            local_cpu = time.process_time() - cpu
            simulate(camp, CartGenerator(camp, seed=0, n=200), engine="dask", client=client, progress=False)
            before = client.run(time.process_time)
            cpu = time.process_time()
            t = time.perf_counter()
            remote = simulate(camp, gen, engine="dask", client=client, progress=False)
            wall = time.perf_counter() - t
            main_cpu = time.process_time() - cpu
            after = client.run(time.process_time)
            dask_cpu = main_cpu + sum(after[w] - before[w] for w in after)
            assert remote.to_json() == local.to_json(), "dask and local differ"
            lr, dr = args.n / local.elapsed, args.n / wall
            # Other work on the machine takes cores from the workers: the load average says how much.
            # CPU efficiency (local CPU seconds / all CPU seconds of the Dask run, client included) is what
            # the speed-up comes to on otherwise idle cores: about workers x efficiency.
            load = os.getloadavg()[0]
            print(f"{name:<16} {lines:.1f} lines/cart  local {local.elapsed:6.1f} s {lr:8,.0f} carts/s   "
                  f"dask x{args.workers} {wall:6.1f} s {dr:8,.0f} carts/s   speed-up {dr / lr:.2f}   "
                  f"CPU efficiency {local_cpu / dask_cpu:.2f}   load {load:.1f}")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
