"""凑单 advice: what a buyer could add so an unmet threshold pays off, priced by real quotes.

For every threshold the cart does not reach, :func:`advise` adds exactly the gap as one new line in the
instrument's scope, quotes the cart again and reports what the buyer really pays more (``extra``). With a
catalog, it also searches the cheapest set of catalog units that reaches the gap. Every figure comes from
:meth:`Campaign.quote <promocalc.Campaign.quote>` on the cart with the addition, never from a formula.
"""

from __future__ import annotations

import heapq
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine.compiled import LAYER_NAMES, PLATFORM, Promo
from .errors import CartError, Loc, Problem, PromocalcError, raise_problems
from .io.documents import Document, load_source
from .io.jsontext import dumps
from .locale import money, normalize_locale
from .model.cart import Cart, Line
from .money import MoneyError, fmt, to_fen

if TYPE_CHECKING:
    from .campaign import Campaign
    from .engine.context import Skipped
    from .quote import Quote

ADDED_ITEM = "凑单"  # the item id of the synthetic line, when the scope names no items
MAX_ROUNDS = 4  # re-measure the gap this often when earlier layers eat part of what was added
MAX_SETS = 20_000  # search steps per threshold in the catalog search; past them the search is not optimal
QUOTED_SETS = 32  # the cheapest sets reaching the gap by list amount, really quoted; the smallest ``extra`` wins
MAX_CATALOG = 10_000
CATALOG_FIELDS = ("shop", "item", "category", "price", "platform_eligible", "title")


class Addition:
    """What a suggestion adds: lines of ``(shop, item, category, unit price in fen, qty, eligible)``."""

    __slots__ = ("lines",)

    def __init__(self, lines: list[tuple[str, str, str, int, int, bool]]) -> None:
        self.lines = lines

    @property
    def amount(self) -> int:
        """The list amount added, in fen."""
        return sum(price * qty for _, _, _, price, qty, _ in self.lines)

    def to_list(self) -> list[dict[str, Any]]:
        """The added lines as JSON-ready data."""
        return [{"shop": s, "item": i, "category": c, "price": fmt(p), "qty": q, "platform_eligible": e}
                for s, i, c, p, q, e in self.lines]  # fmt: skip


class Suggestion:
    """One addition to the cart and the quote it leads to: ``extra`` = payable after − payable now."""

    __slots__ = ("addition", "quote", "extra", "reached", "applies")

    def __init__(self, addition: Addition, quote: Quote, before: int, reached: bool, applies: bool) -> None:
        self.addition = addition
        self.quote = quote
        self.extra = quote.payable - before
        self.reached = reached  # the threshold's next tier is reached with this addition
        self.applies = applies  # and the instrument is part of the buyer's best combination

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, the full quote included."""
        return {
            "add": self.addition.to_list(), "added": fmt(self.addition.amount), "extra": fmt(self.extra),
            "payable": fmt(self.quote.payable), "reached": self.reached, "applies": self.applies,
            "quote": self.quote.to_dict(),
        }  # fmt: skip


class Gap:
    """An unmet threshold: the instrument, the gap, its scope, and the suggestions that reach it."""

    __slots__ = ("promo", "skipped", "gap", "shop", "categories", "items", "eligible_only", "by_items",
                 "exact", "cheapest", "optimal")  # fmt: skip

    def __init__(self, promo: Promo, skipped: Skipped, shop: str | None, categories: list[str] | None,
                 items: list[str] | None) -> None:  # fmt: skip
        self.promo = promo
        self.skipped = skipped
        self.gap: int = skipped.gap or 0
        self.shop = shop
        self.categories = categories
        self.items = items
        self.eligible_only = promo.layer == PLATFORM
        self.by_items = bool(skipped.tiers is not None and skipped.tiers.by_items)
        self.exact: Suggestion | None = None  # exactly the gap, as one new line in scope
        self.cheapest: Suggestion | None = None  # the cheapest catalog set reaching the gap
        self.optimal: bool | None = None  # whether the catalog search examined every set

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (docs/formats.md)."""
        scope: dict[str, Any] = {"shop": self.shop}
        if self.categories is not None:
            scope["categories"] = self.categories
        if self.items is not None:
            scope["items"] = self.items
        scope["platform_eligible_only"] = self.eligible_only
        d: dict[str, Any] = {
            "id": self.promo.id, "kind": self.promo.kind, "layer": LAYER_NAMES[self.promo.layer],
            "tiers": self.skipped.tiers.describe() if self.skipped.tiers is not None else None,
            "gap": self.gap if self.by_items else fmt(self.gap), "scope": scope,
            "exact": self.exact.to_dict() if self.exact is not None else None,
        }  # fmt: skip
        if self.optimal is not None:
            d["cheapest"] = self.cheapest.to_dict() if self.cheapest is not None else None
            d["optimal"] = self.optimal
        return d


class Advice:
    """What :meth:`Campaign.advise <promocalc.Campaign.advise>` returns: the quote now, one :class:`Gap` per unmet threshold."""

    __slots__ = ("quote", "gaps", "_names")

    def __init__(self, quote: Quote, gaps: list[Gap], names: dict[str, str]) -> None:
        self.quote = quote
        self.gaps = gaps
        self._names = names

    @property
    def payable(self) -> int:
        """The payable of the cart as it is, in fen."""
        return self.quote.payable

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (docs/formats.md)."""
        return {"payable": fmt(self.quote.payable), "gaps": [g.to_dict() for g in self.gaps]}

    def to_json(self, indent: int | None = 1) -> str:
        """The advice as JSON text."""
        return dumps(self.to_dict(), indent)

    def to_text(self, locale: str = "zh_CN") -> str:
        """One line per unmet threshold a shopper reads, in ``zh_CN`` or ``en_US``."""
        from .receipt import tiers_label

        locale = normalize_locale(locale)
        zh = locale == "zh_CN"
        words = _WORDS[locale]
        out = [words["now"].format(pay=money(self.payable, locale))]
        if not self.gaps:
            out.append(words["none"])
        for g in self.gaps:
            label = tiers_label(g.skipped.tiers, locale, first_only=True) if g.skipped.tiers is not None else g.promo.id
            where = self._where(g, zh)
            for s in (g.exact, g.cheapest):
                if s is None:
                    continue
                amount = money(s.addition.amount, locale)
                if g.by_items and s is g.exact:
                    amount = words["units"].format(n=sum(ln[4] for ln in s.addition.lines))
                if s is g.cheapest:
                    amount = f"{words['sep'].join(ln[1] for ln in s.addition.lines)} {amount}"
                key = "more" if s.extra >= 0 else "less"
                tail = words[key].format(extra=money(abs(s.extra), locale))
                line = words["add"].format(amount=amount, where=where, tiers=label, tail=tail)
                if not s.reached:
                    line += words["not_reached"]
                elif not s.applies:
                    line += words["not_best"]
                out.append(line)
        return "\n".join(out) + "\n"

    def _where(self, g: Gap, zh: bool) -> str:
        parts = [self._names.get(g.shop, g.shop)] if g.shop else ["跨店" if zh else "any shop"]
        if g.categories:
            parts += [self._names.get(c, c) for c in g.categories]
        if g.items:
            parts += g.items
        return " ".join(parts)


_WORDS = {
    "zh_CN": {
        "now": "当前实付 {pay}", "none": "已达到所有满减门槛", "units": "{n} 件", "sep": "、",
        "add": "再买 {amount}（{where}）可享{tiers}，{tail}", "more": "实付只多 {extra}", "less": "实付反而少 {extra}",
        "not_reached": "（仍未达到）", "not_best": "（但不是最优组合）",
    },
    "en_US": {
        "now": "You pay {pay} now", "none": "Every threshold is already reached", "units": "{n} more unit(s)",
        "sep": ", ", "add": "Add {amount} ({where}) for {tiers}: {tail}", "more": "you pay only {extra} more",
        "less": "you pay {extra} less", "not_reached": " (still not reached)",
        "not_best": " (but another combination is better)",
    },
}  # fmt: skip


# -- the catalog ---------------------------------------------------------------------------------------------


def parse_catalog(campaign: Campaign, catalog: Any) -> list[tuple[str, str, str, int, int, bool]]:
    """Validate a catalog: a list of items (or a mapping with ``items``), or a YAML/JSON path or text holding one.

    Raises :class:`CartError` with every problem's location (:class:`InputError` for an unreadable file).
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
        out.append((shop, item, category, price, 1, bool(eligible)))
    raise_problems(CartError, problems)
    return out


# -- the advice ----------------------------------------------------------------------------------------------


def advise(campaign: Campaign, cart: Any, catalog: Any = None, *, max_units: int = 3) -> Advice:
    """Advice for ``cart``: for every unmet threshold, the gap, its scope and what reaching it costs."""
    if isinstance(max_units, bool) or not isinstance(max_units, int) or not 1 <= max_units <= 20:
        msg = f"max_units must be a whole number from 1 to 20, got {max_units!r}"
        raise PromocalcError(msg, [Problem("range", ("max_units",), msg)])
    items = parse_catalog(campaign, catalog) if catalog is not None else None
    c = campaign.cart(cart)
    at = c.at if c.at is not None else time.time()
    now = campaign.quote(_with(c, [], at))
    gaps = []
    for s in now.not_applied:
        if s.reason != "threshold_not_met" or not s.gap:
            continue
        g = _gap(s, c)
        if g is None:
            continue
        g.exact = _exact(campaign, c, at, g, now.payable)
        if items is not None:
            g.cheapest, g.optimal = _cheapest(campaign, c, at, g, now.payable, items, max_units)
        gaps.append(g)
    names = {sid: (s.name or sid) for sid, s in campaign.compiled.shops.items()}
    names.update(campaign.compiled.categories)
    return Advice(now, gaps, names)


def _anchor(p: Promo, cart: Cart) -> Line | None:
    """The first cart line the instrument measures: where an addition goes."""
    for ln in cart.lines:
        if p.shop is not None and ln.shop != p.shop:
            continue
        if p.layer == PLATFORM and not ln.eligible:
            continue
        if ln.presale is not None and ln.presale.deposit_stage:
            continue
        if p.in_scope(ln.item, ln.category):
            return ln
    return None


def _gap(s: Skipped, cart: Cart) -> Gap | None:
    p = s.promo
    ln = _anchor(p, cart)
    if ln is None:
        return None
    cats = sorted(p.categories) if p.categories is not None else None
    its = sorted(p.items) if p.items is not None else None
    return Gap(p, s, p.shop if p.shop is not None else ln.shop if p.layer != PLATFORM else None, cats, its)


def _with(cart: Cart, add: list[tuple[str, str, str, int, int, bool]], at: float) -> Cart:
    """A copy of ``cart`` with lines added and its time fixed; the cart given is never changed."""
    out = Cart()
    for k in Cart.__slots__:
        setattr(out, k, getattr(cart, k))
    out.at = at
    if add:
        ids = {ln.id for ln in cart.lines}
        lines = list(cart.lines)
        n = 0
        for shop, item, category, price, qty, eligible in add:
            n += 1
            while f"add-{n}" in ids:
                n += 1
            lines.append(Line(len(lines), f"add-{n}", shop, item, category, price, qty, eligible))
        out.lines = lines
    return out


def _state(q: Quote, p: Promo) -> tuple[bool, bool, int]:
    """(reached, applies, the gap still left) of instrument ``p`` in quote ``q``."""
    applies = any(a.promo.id == p.id for a in q.applied)
    for s in q.not_applied:
        if s.promo.id == p.id and s.reason == "threshold_not_met":
            return False, False, s.gap or 0
    return True, applies, 0


def _exact(campaign: Campaign, cart: Cart, at: float, g: Gap, before: int) -> Suggestion | None:
    """Exactly the gap as one new line in scope; when earlier layers take part of it, the gap is measured again."""
    p = g.promo
    ln = _anchor(p, cart)
    assert ln is not None
    item = ln.item if p.items is not None else ADDED_ITEM
    price, qty = (ln.price, g.gap) if g.by_items else (g.gap, 1)
    s = None
    for _ in range(MAX_ROUNDS):
        add = Addition([(ln.shop, item, ln.category, price, qty, True)])
        q = campaign.quote(_with(cart, add.lines, at))
        reached, applies, left = _state(q, p)
        s = Suggestion(add, q, before, reached, applies)
        if reached or left <= 0:
            break
        if g.by_items:
            qty += left
        else:
            price += left
    return s


def _cheapest(campaign: Campaign, cart: Cart, at: float, g: Gap, before: int,
              catalog: list[tuple[str, str, str, int, int, bool]], max_units: int) -> tuple[Suggestion | None, bool]:  # fmt: skip
    """The set of at most ``max_units`` catalog units in scope that reaches the gap for the smallest ``extra``.

    The ``QUOTED_SETS`` cheapest sets by list amount that reach the gap are quoted, and the one that reaches the
    threshold for the smallest ``extra`` wins. ``optimal`` is false when the search for them hit ``MAX_SETS`` or
    when more sets reach the gap than were quoted (a dearer set may still cost the buyer less in the end).
    """
    p = g.promo
    pool = sorted({e for e in catalog
                   if (p.shop is None or e[0] == p.shop) and p.in_scope(e[1], e[2]) and (e[5] or p.layer != PLATFORM)},
                  key=lambda e: (e[3], e[0], e[1]))  # fmt: skip
    if not pool:
        return None, True
    found, optimal = _cheapest_sets(pool, g.gap, g.by_items, max_units)
    best: Suggestion | None = None
    for _, combo in found:
        counts: dict[int, int] = {}
        for i in combo:
            counts[i] = counts.get(i, 0) + 1
        add = Addition([pool[i][:4] + (n, pool[i][5]) for i, n in sorted(counts.items())])
        q = campaign.quote(_with(cart, add.lines, at))
        reached, applies, _ = _state(q, p)
        s = Suggestion(add, q, before, reached, applies)
        if best is None or (s.reached, -s.extra) > (best.reached, -best.extra):
            best = s
    return best, optimal


def _cheapest_sets(pool: list[tuple[str, str, str, int, int, bool]], need: int, by_items: bool,
                   max_units: int) -> tuple[list[tuple[int, tuple[int, ...]]], bool]:  # fmt: skip
    """The ``QUOTED_SETS`` cheapest multisets of at most ``max_units`` units of ``pool`` (sorted by price) that reach
    ``need`` (fen, or units), cheapest first: a branch-and-bound knapsack in fen, exact unless it runs out of steps."""
    prices = [e[3] for e in pool]
    n = len(prices)
    heap: list[tuple[int, tuple[int, ...]]] = []  # (-amount, set): the worst kept set on top
    steps = 0
    cut = False
    overflow = False

    def walk(start: int, left: int, amount: int, count: int, combo: tuple[int, ...]) -> None:
        nonlocal steps, cut, overflow
        for j in range(start, n):
            steps += 1
            if steps > MAX_SETS:
                cut = True
                return
            a = amount + prices[j]
            if len(heap) == QUOTED_SETS and a >= -heap[0][0]:
                overflow = True
                return  # prices only grow from here: nothing later in this branch is among the cheapest
            if (count + 1 if by_items else a) >= need:
                heapq.heappush(heap, (-a, combo + (j,)))
                if len(heap) > QUOTED_SETS:
                    heapq.heappop(heap)
                    overflow = True
            # a set past the gap is still worth trying: its extra units may cross a higher tier
            if left > 1:
                walk(j, left - 1, a, count + 1, combo + (j,))
                if cut:
                    return

    walk(0, max_units, 0, 0, ())
    return sorted((-a, combo) for a, combo in heap), not (cut or overflow)
