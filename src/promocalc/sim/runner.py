"""Run a campaign over many carts, locally or on a Dask cluster, into a :class:`SimulationResult`.

Both engines price the same chunks of cart indices with the same function and merge integer
partial sums, so their results are identical to the fen.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from ..errors import CartError
from .generator import CartGenerator
from .result import SimulationResult
from .tally import Meta, Tally

ENGINES = ("local", "dask")
DEFAULT_BAND = "0.10"


def _band(band: Any) -> Fraction:
    """The landing band as an exact fraction in [0, 1)."""
    if isinstance(band, (float, bool)):
        raise TypeError(f"band must be exact (a string like '0.10', a Decimal or a Fraction), got {band=!r}")
    try:
        d = Decimal(band.strip()[:40]) if isinstance(band, str) and len(band) <= 40 else band
        if isinstance(d, str):
            raise ValueError
        if isinstance(d, Decimal) and (not d.is_finite() or abs(d.adjusted()) > 12):
            raise ValueError  # 1e999999999 would take forever to turn into a fraction
        f = Fraction(d)
        if f.denominator > 10**12:
            raise ValueError
    except (InvalidOperation, ValueError, TypeError, OverflowError):
        raise ValueError(f"band must be a number like '0.10', got {band=!r}") from None
    if not 0 <= f < 1:
        raise ValueError(f"band must lie in [0, 1), got {band=!r}")
    return f


def price_chunk(campaign: Any, source: Any, start: int, stop: int, at: float, band: Fraction,
                keep_carts: bool) -> Tally:  # fmt: skip
    """Generate (or take) carts ``start..stop-1``, price them and tally them: the unit of work of both engines."""
    tally = Tally(Meta(campaign), band, keep_carts)
    gen = source if isinstance(source, CartGenerator) else None
    for i in range(start, stop):
        try:
            cart = gen.validated(i, campaign) if gen is not None else campaign.cart(source[i - start])
        except CartError as e:
            raise cart_error(e, i) from None
        tally.add(i, cart, campaign.quote(cart, at=at))
    return tally


def cart_error(e: CartError, i: int) -> CartError:
    """The error of cart number ``i``, its problems located inside the sequence of carts."""
    err = CartError(f"cart {i}: {e}", [replace(p, loc=(i, *p.loc)) for p in e.problems])
    err.cart_index = i  # type: ignore[attr-defined]
    return err


def _chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(n, start + size)


def _progress(progress: bool | None, total: int, desc: str) -> Any:
    """A tqdm bar, or ``None``: ``progress=None`` shows one only on an interactive terminal."""
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    try:
        if progress:
            from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
        else:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit="cart", unit_scale=True, leave=False)


def simulate(
    campaign: Any,
    carts: CartGenerator | Iterable[Mapping[str, Any]],
    engine: str = "local",
    *,
    at: Any = None,
    band: Any = DEFAULT_BAND,
    chunk_size: int | None = None,
    workers: int | None = None,
    client: Any = None,
    address: str | None = None,
    processes: bool = True,
    progress: bool | None = None,
    keep_carts: bool = True,
) -> SimulationResult:
    """Price every cart of ``carts`` with ``campaign`` and gather the campaign figures.

    ``carts`` is a :class:`CartGenerator` or an iterable of cart mappings. ``engine="dask"`` runs on
    ``client``, or a new client of ``address``, or a new ``LocalCluster`` of ``workers`` processes
    (default 2); the result equals the local one to the fen. ``at`` prices carts that carry no time
    (default: now, read once). ``band`` sets the tier landing band (default ``"0.10"``: within 10 % of a
    tier's spend). ``keep_carts=False`` drops the per-cart rows to save memory.
    """
    from ..campaign import Campaign, load
    from ..timeutil import parse_time

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine=!r}")
    if not isinstance(campaign, Campaign):
        campaign = load(campaign)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size must be a whole number >= 1, got {chunk_size=!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a whole number >= 1, got {workers=!r}")
    frac = _band(band)
    if at is None:
        t = time.time()  # read once, so that every chunk prices at the same instant
    elif isinstance(at, (int, float)) and not isinstance(at, bool):
        t = float(at)
    else:
        t = parse_time(at, campaign.compiled.tz)
    if isinstance(carts, CartGenerator):
        if carts.campaign_id != campaign.id:
            raise ValueError(f"the generator was made for campaign {carts.campaign_id!r}, not {campaign.id!r}")
        source: Any = carts
        n = carts.n
    else:
        source = list(carts)
        n = len(source)

    started = time.perf_counter()
    if engine == "local":
        tally = _run_local(campaign, source, n, t, frac, keep_carts, chunk_size or 1000, progress)
        n_workers = 1
    else:
        tally, n_workers = _run_dask(campaign, source, n, t, frac, keep_carts, chunk_size, workers, client, address,
                                     processes, progress)  # fmt: skip
    elapsed = time.perf_counter() - started
    return SimulationResult(campaign, tally, engine=engine, elapsed=elapsed, workers=n_workers)


def _run_local(campaign: Any, source: Any, n: int, at: float, band: Fraction, keep: bool, size: int,
               progress: bool | None) -> Tally:  # fmt: skip
    total = Tally(Meta(campaign), band, keep)
    bar = _progress(progress, n, "pricing")
    try:
        for start, stop in _chunks(n, size):
            part = source if isinstance(source, CartGenerator) else source[start:stop]
            total.merge(price_chunk(campaign, part, start, stop, at, band, keep))
            if bar is not None:
                bar.update(stop - start)
    finally:
        if bar is not None:
            bar.close()
    return total


def _run_dask(campaign: Any, source: Any, n: int, at: float, band: Fraction, keep: bool, size: int | None,
              workers: int | None, client: Any, address: str | None, processes: bool,
              progress: bool | None) -> tuple[Tally, int]:  # fmt: skip
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("engine='dask' needs dask.distributed: pip install 'promocalc[sim]'") from None
    owned: list[Any] = []
    if client is None:
        if address is not None:
            client = Client(address)  # type: ignore[no-untyped-call,unused-ignore]
            owned.append(client)
        else:
            import dask

            # no dashboard, so no use for the workers' statistical profiler, which samples every 10 ms
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                cluster = LocalCluster(  # type: ignore[no-untyped-call,unused-ignore]
                    n_workers=workers or 2,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            client = Client(cluster)  # type: ignore[no-untyped-call,unused-ignore]
            owned += [client, cluster]
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        if size is None:
            # about 16 chunks per worker: even load, little overhead
            size = max(200, min(5000, math.ceil(n / (n_workers * 16)) or 1))
        camp_f = client.scatter(campaign, broadcast=True, hash=False)  # own keys: runs never share data
        if isinstance(source, CartGenerator):
            src_f = client.scatter(source, broadcast=True, hash=False)
            futures = [client.submit(price_chunk, camp_f, src_f, a, b, at, band, keep, pure=False)
                       for a, b in _chunks(n, size)]  # fmt: skip
        else:
            futures = [client.submit(price_chunk, camp_f, client.scatter(source[a:b], hash=False), a, b, at, band, keep,
                                     pure=False)
                       for a, b in _chunks(n, size)]  # fmt: skip
        total = Tally(Meta(campaign), band, keep)
        bar = _progress(progress, n, f"pricing on {n_workers} workers")
        try:
            for fut in as_completed(futures):  # type: ignore[no-untyped-call,unused-ignore]
                part = fut.result()
                total.merge(part)
                if bar is not None:
                    bar.update(part.totals["carts"])
        except BaseException:
            client.cancel(futures)
            raise
        finally:
            if bar is not None:
                bar.close()
        return total, n_workers
    finally:
        for obj in owned:
            obj.close()
