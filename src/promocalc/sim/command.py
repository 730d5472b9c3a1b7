"""``promocalc simulate``: run a campaign over generated or given carts and print the campaign figures.

Exit 0 on success, 1 for an invalid cart, 2 for unusable input or a missing optional dependency.
The JSON summary holds figures only, so the same carts give the same bytes on every engine.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import click

from ..io.command import EXIT_INVALID, EXIT_UNUSABLE, Failure, guarded, load_campaign, read, report
from ..errors import CartError
from .runner import DEFAULT_BAND, _band


def _check_band(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        _band(value)
    except (TypeError, ValueError) as e:
        raise click.BadParameter(str(e)) from None
    return value


def _need(modules: tuple[str, ...], what: str) -> None:
    """Fail with one line (exit 2) when an optional dependency is missing."""
    import importlib

    for m in modules:
        try:
            importlib.import_module(m)
        except ImportError:
            raise Failure([f"promocalc: {what} needs {m}: pip install 'promocalc[sim]'"], EXIT_UNUSABLE) from None


def _carts_of(doc: Any) -> tuple[list[Any], tuple[Any, ...] | None]:
    """The carts of a document and where they sit in it: a list, ``{carts: [...]}``, or one cart (prefix None)."""
    data = doc.data
    if isinstance(data, list):
        return data, ()
    if isinstance(data, dict) and isinstance(data.get("carts"), list):
        return data["carts"], ("carts",)
    if isinstance(data, dict):
        return [data], None
    raise Failure([f"{doc.name}:1:1: carts must be a list of carts, a mapping with 'carts', or one cart"], EXIT_INVALID)


@click.command()
@click.option("--config", "config_path", required=True, help="Campaign config (YAML or JSON).")
@click.option("--carts", "carts_path", default=None, metavar="FILE",
              help="Carts to price (YAML or JSON): a list, a mapping with 'carts', or one cart.")
@click.option("--generate", "generate", type=click.IntRange(min=0), default=None, metavar="N",
              help="Generate N carts instead (promocalc.sim.CartGenerator).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated carts.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Dask: LocalCluster workers (default 2).")
@click.option("--address", default=None, help="Dask: scheduler address of an existing cluster.")
@click.option("--chunk-size", "chunk_size", type=click.IntRange(min=1), default=None, help="Carts per task.")
@click.option("--band", default=DEFAULT_BAND, show_default=True, callback=_check_band,
              help="Tier landing band: a base within this share of a tier's spend.")
@click.option("--at", default=None, help="Checkout time of carts that carry none (ISO 8601). Default: now.")
@click.option("--out", "out_path", default=None, metavar="FILE.parquet",
              help="Write the per-cart figures to Parquet (the summary goes in its metadata).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--report", "report_path", default=None, metavar="FILE.html",
              help="Write the campaign dashboard: one self-contained HTML page (tables and SVG plots).")
@click.option("--locale", type=click.Choice(["zh_CN", "en_US"]), default="zh_CN", show_default=True,
              help="Language of the --report page.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@guarded
def simulate(config_path: str, carts_path: str | None, generate: int | None, seed: int, engine: str,
             workers: int | None, address: str | None, chunk_size: int | None, band: str, at: str | None,
             out_path: str | None, fmt: str, report_path: str | None, locale: str,
             progress: bool | None) -> None:  # fmt: skip
    """Run a campaign over carts (--carts FILE or --generate N --seed S) and print its figures."""
    from .generator import CartGenerator
    from .runner import simulate as run

    if (carts_path is None) == (generate is None):
        raise click.UsageError("give exactly one of --carts FILE or --generate N")
    if engine == "dask":
        _need(("distributed",), "--engine dask")
    if out_path is not None:
        _need(("pandas", "pyarrow"), "--out")
    campaign = load_campaign(config_path)
    doc = None
    prefix: tuple[Any, ...] | None = ()
    if carts_path is not None:
        doc = read(carts_path)
        carts: Any
        carts, prefix = _carts_of(doc)
    else:
        assert generate is not None
        carts = CartGenerator(campaign, seed=seed, n=generate)
    try:
        result = run(campaign, carts, engine, at=at, band=band, chunk_size=chunk_size, workers=workers,
                     address=address, progress=progress)  # fmt: skip
    except CartError as e:
        if doc is not None:
            if prefix is None:
                e.problems = [replace(p, loc=p.loc[1:]) for p in e.problems]
            else:
                e.problems = [replace(p, loc=prefix + p.loc) for p in e.problems]
        raise report(e, doc, EXIT_INVALID) from None
    except ValueError as e:
        raise Failure([f"promocalc: {e}"], EXIT_UNUSABLE) from None
    except OSError as e:
        raise Failure([f"promocalc: cannot run on the Dask cluster: {e}"], EXIT_UNUSABLE) from None
    if out_path is not None:
        try:
            result.to_parquet(out_path)
        except OSError as e:
            raise Failure([f"{out_path}:1:1: cannot write: {e.strerror or e}"], EXIT_UNUSABLE) from None
    if report_path is not None:
        try:
            with open(report_path, "w", encoding="utf-8") as f:
                f.write(result.to_html(locale))
        except OSError as e:
            raise Failure([f"{report_path}:1:1: cannot write: {e.strerror or e}"], EXIT_UNUSABLE) from None
    if fmt == "json":
        click.echo(result.to_json())
    else:
        click.echo(result.to_text(), nl=False)
        rate = result.carts / result.elapsed if result.elapsed > 0 else 0.0
        carts = f"{result.carts:,} cart{'' if result.carts == 1 else 's'}"
        click.echo(f"priced {carts} in {result.elapsed:.1f} s ({rate:,.0f} carts/s, {engine}"
                   f"{f', {result.workers} workers' if engine == 'dask' else ''})", err=True)  # fmt: skip
