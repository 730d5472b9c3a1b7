"""The catalog advice draws add-ons from: validated items of (shop, item, category, price)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CartError, Loc, Problem, raise_problems
from ..io.documents import Document, load_source
from ..money import MoneyError, to_fen

if TYPE_CHECKING:
    from ..campaign import Campaign

Item = tuple[str, str, str, int, int, bool]  # (shop, item, category, unit price in fen, qty, platform eligible)


MAX_CATALOG = 10_000
CATALOG_FIELDS = ("shop", "item", "category", "price", "platform_eligible", "title")


def parse_catalog(campaign: Campaign, catalog: Any, titles: dict[tuple[str, str], str] | None = None) -> list[Item]:
    """Validate a catalog: a list of items (or a mapping with ``items``), or a YAML/JSON path or text holding one.

    Items' titles go to ``titles`` by (shop, item), when it is given. Raises :class:`CartError` with every problem's location (:class:`InputError` for an unreadable file).
    """
    if isinstance(catalog, (str, Path)):
        catalog = load_source(catalog)
    if isinstance(catalog, Document):
        catalog = catalog.data
    base: Loc = ()
    if isinstance(catalog, dict):
        if set(catalog) - {"items"}:
            bad = sorted(str(k) for k in set(catalog) - {"items"})[0]
            raise CartError(f"{bad}: unknown field {bad!r}", [Problem("unknown_field", (bad,), f"unknown field {bad!r}")])
        catalog, base = catalog.get("items"), ("items",)
    if not isinstance(catalog, list):
        msg = "a catalog must be a list of items (or a mapping with 'items')"
        raise CartError(msg, [Problem("type", base, msg)])
    if len(catalog) > MAX_CATALOG:
        msg = f"a catalog has at most {MAX_CATALOG} items"
        raise CartError(msg, [Problem("too_long", base, msg)])
    c = campaign.compiled
    problems: list[Problem] = []
    out = []
    for i, raw in enumerate(catalog):
        loc = base + (i,)
        if not isinstance(raw, dict):
            problems.append(Problem("type", loc, "a catalog item must be a mapping"))
            continue
        for k in raw:
            if k not in CATALOG_FIELDS:
                problems.append(Problem("unknown_field", loc + (str(k),), f"unknown field {str(k)!r}"))
        missing = [k for k in ("shop", "item", "category", "price") if k not in raw]
        if missing:
            problems.append(Problem("missing", loc, f"catalog item is missing {', '.join(missing)}"))
            continue
        texts = []
        for k in ("shop", "item", "category"):
            v = raw[k]
            if not isinstance(v, str) or not v or not v.isprintable() or len(v) > 200:
                problems.append(Problem("type", loc + (k,), f"{k} must be a non-empty string"))
                v = ""
            texts.append(v)
        shop, item, category = texts
        if shop and shop not in c.shops:
            problems.append(Problem("unknown_shop", loc + ("shop",), f"unknown shop {shop!r}"))
        if category and c.categories and category not in c.categories:
            problems.append(Problem("unknown_category", loc + ("category",), f"unknown category {category!r}"))
        try:
            price = to_fen(raw["price"])
        except MoneyError as e:
            problems.append(Problem("money", loc + ("price",), str(e)))
            price = 0
        else:
            if price <= 0:
                problems.append(Problem("range", loc + ("price",), "price must be above zero"))
        eligible = raw.get("platform_eligible", True)
        if not isinstance(eligible, bool):
            problems.append(Problem("type", loc + ("platform_eligible",), "platform_eligible must be true or false"))
        title = raw.get("title")
        if title is not None:
            if not isinstance(title, str) or not title or not title.isprintable() or len(title) > 200:
                problems.append(Problem("type", loc + ("title",), "title must be a non-empty string of at most 200 characters"))
            elif titles is not None:
                titles[(shop, item)] = title
        out.append((shop, item, category, price, 1, bool(eligible)))
    raise_problems(CartError, problems)
    return out
