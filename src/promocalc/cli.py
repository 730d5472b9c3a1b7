"""The ``promocalc`` command line: quote, refund, check, simulate, schema.

Errors go to stderr one per line as ``FILE:LINE:COL: message``; no traceback ever reaches a user.
Exit codes: 0 success, 1 invalid cart / refunds / config problems, 2 unusable input.
"""

from __future__ import annotations

import json
from typing import Any

import click

from .errors import CartError, PromocalcError
from .io.command import EXIT_INVALID, EXIT_UNUSABLE, Failure, guarded, load_campaign, read, report
from .io.jsontext import dumps


def _locale(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .locale import normalize_locale

    try:
        return normalize_locale(value)
    except PromocalcError as e:
        raise click.BadParameter(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="promocalc")
def main() -> None:
    """Exact marketplace promotion pricing (Tmall/Taobao-style) from the command line."""


@main.command()
@click.option("--config", "config_path", required=True, help="Campaign config (YAML or JSON).")
@click.option("--cart", "cart_path", required=True, help="Cart to price (YAML or JSON).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--locale", default="zh_CN", show_default=True, callback=_locale, metavar="LOCALE",
              help="Receipt language: zh_CN (zh-CN, zh) or en_US (en-US, en).")
@click.option("--at", default=None, help="Checkout time when the cart has none (ISO 8601).")
@guarded
def quote(config_path: str, cart_path: str, fmt: str, locale: str, at: str | None) -> None:
    """Price one cart; the JSON quote (or a receipt) goes to stdout."""
    campaign = load_campaign(config_path)
    if at is not None:
        try:
            campaign._time(at)
        except CartError as e:
            raise Failure([f"promocalc: --at: {e.problems[0].message}"], EXIT_UNUSABLE) from None
    doc = read(cart_path)
    try:
        q = campaign.quote(doc.data, at=at)
    except CartError as e:
        raise report(e, doc, EXIT_INVALID) from None
    if fmt == "json":
        click.echo(q.to_json())
    else:
        click.echo(q.to_text(locale), nl=False)


@main.command()
@click.option("--config", "config_path", required=True, help="Campaign config (YAML or JSON).")
@click.option("--cart", "cart_path", required=True, help="Cart to advise on (YAML or JSON).")
@click.option("--catalog", "catalog_path", default=None, help="Items the buyer could add (YAML or JSON list).")
@click.option("--max-units", default=3, show_default=True, type=click.IntRange(1, 20),
              help="At most this many catalog units per suggestion.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--locale", default="zh_CN", show_default=True, callback=_locale, metavar="LOCALE",
              help="Text language: zh_CN (zh-CN, zh) or en_US (en-US, en).")
@guarded
def advise(config_path: str, cart_path: str, catalog_path: str | None, max_units: int, fmt: str, locale: str) -> None:
    """凑单: for every unmet threshold, what to add and what it really costs."""
    campaign = load_campaign(config_path)
    doc = read(cart_path)
    try:
        c = campaign.cart(doc.data)
    except CartError as e:
        raise report(e, doc, EXIT_INVALID) from None
    cat_doc = read(catalog_path) if catalog_path is not None else None
    try:  # the cart is checked already: what fails now is the catalog
        a = campaign.advise(c, cat_doc.data if cat_doc is not None else None, max_units=max_units)
    except CartError as e:
        raise report(e, cat_doc, EXIT_INVALID) from None
    click.echo(a.to_json() if fmt == "json" else a.to_text(locale), nl=fmt == "json")


@main.command()
@click.option("--config", "config_path", required=True, help="Campaign config (YAML or JSON).")
@click.option("--order", "order_path", required=True, help="The order record: a quote as JSON.")
@click.option("--refunds", "refunds_path", required=True, help="Refund request (YAML or JSON).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--locale", default="zh_CN", show_default=True, callback=_locale, metavar="LOCALE",
              help="Receipt language: zh_CN (zh-CN, zh) or en_US (en-US, en).")
@click.option("--out", "out_path", default=None, help="Write the updated order record (with its refund history) here.")
@guarded
def refund(config_path: str, order_path: str, refunds_path: str, fmt: str, locale: str, out_path: str | None) -> None:
    """Apply refunds to an order; the refund result goes to stdout, the updated record to --out."""
    campaign = load_campaign(config_path)
    order = read(order_path)
    req = read(refunds_path)
    try:
        result = campaign.refund(order, req)
    except CartError as e:
        doc = getattr(e, "document", None) or req
        raise report(e, doc, EXIT_INVALID) from None
    if out_path is not None:
        try:
            with open(out_path, "w", encoding="utf-8") as fh:
                fh.write(dumps(result.order, 1, text_default=True) + "\n")
        except OSError as e:
            raise Failure([f"{out_path}:1:1: cannot write the updated order: {e.strerror or e}"], EXIT_UNUSABLE) from None
    if fmt == "json":
        click.echo(result.to_json())
    else:
        click.echo(result.to_text(locale), nl=False)


def config_schema() -> dict[str, Any]:
    """The JSON Schema of the campaign config."""
    from .model.config import Config

    s = Config.model_json_schema()
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    s["title"] = "promocalc campaign config"
    return s


@main.command()
@guarded
def schema() -> None:
    """Print the JSON Schema of the campaign config (for editor completion)."""
    click.echo(json.dumps(config_schema(), ensure_ascii=False, indent=1))


def examples_folder() -> Any:
    """The bundled examples: shipped inside the wheel, or the ``examples`` folder of a clone."""
    from importlib.resources import files
    from pathlib import Path

    shipped = files("promocalc") / "examples"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "examples"


@main.command()
@click.argument("directory", metavar="DIR")
@guarded
def examples(directory: str) -> None:
    """Copy the bundled example configs and carts into DIR (with the config schema beside them)."""
    from pathlib import Path

    src = examples_folder()
    if not src.is_dir():
        raise Failure(["promocalc: the bundled examples are missing from this installation"], EXIT_UNUSABLE)
    dest = Path(directory)
    pairs: list[tuple[Any, Path]] = []

    def walk(node: Any, to: Path) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name.startswith((".", "__")) or child.name == "promocalc.schema.json":
                continue
            if child.is_dir():
                walk(child, to / child.name)
            else:
                pairs.append((child, to / child.name))

    walk(src, dest)
    taken = [str(t) for _, t in pairs if t.exists()]
    if taken:
        raise Failure([f"{t}:1:1: already exists; nothing was copied" for t in taken], EXIT_UNUSABLE)
    try:
        for child, target in pairs:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(child.read_bytes())
        schema_path = dest / "promocalc.schema.json"
        if not schema_path.exists():
            schema_path.write_text(json.dumps(config_schema(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        raise Failure([f"{directory}:1:1: cannot write: {e.strerror or e}"], EXIT_UNUSABLE) from None
    written = len(pairs)
    click.echo(f"copied {written} example files to {dest} (and promocalc.schema.json for editor completion)")


def _register_optional() -> None:
    """Commands that live in their own modules."""
    try:
        from .sim.command import simulate
    except ImportError:  # pragma: no cover - the module ships with the package
        pass
    else:
        main.add_command(simulate)
    try:
        from .checker.command import check
    except ImportError:  # pragma: no cover - the module ships with the package
        return
    main.add_command(check)


_register_optional()

if __name__ == "__main__":  # pragma: no cover
    main()
