"""Load test of the checkout service example on loopback: N concurrent clients, a fixed number of quotes.

    python benchmarks/bench_service.py [--clients 8] [--requests 2000] [--port 8765]

Starts uvicorn on 127.0.0.1 with the Double 11 example folder, waits for /health, sends exactly
``--requests`` POST /quote requests from ``--clients`` concurrent clients, stops the server and prints
requests/s and the p50/p99 latency. Needs the ``service`` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "double11-2016"


def cart() -> dict[str, object]:
    from promocalc.io.documents import read_file

    data = read_file(str(EXAMPLE / "cart.yaml")).data
    return json.loads(json.dumps(data, default=str))


async def run(url: str, clients: int, requests: int) -> list[float]:
    body = {"campaign": "tmall-1111-2016", "cart": cart()}
    latencies: list[float] = []
    left = [requests]

    async def client(http: httpx.AsyncClient) -> None:
        while left[0] > 0:
            left[0] -= 1
            t0 = time.perf_counter()
            r = await http.post(f"{url}/quote", json=body)
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"unexpected {r.status_code}: {r.text[:200]}")

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return latencies


def pct(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p * len(sorted_values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "PROMOCALC_CAMPAIGNS": str(EXAMPLE)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(ROOT / "examples" / "service"),
         "--host", "127.0.0.1", "--port", str(args.port), "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the service did not start")
            time.sleep(0.1)
        asyncio.run(run(url, args.clients, min(args.clients * 10, args.requests)))  # warm up
        t0 = time.perf_counter()
        lat = sorted(asyncio.run(run(url, args.clients, args.requests)))
        elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{len(lat)} quotes, {args.clients} clients, one uvicorn worker: {len(lat) / elapsed:,.0f} requests/s, "
          f"p50 {pct(lat, 0.50) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
