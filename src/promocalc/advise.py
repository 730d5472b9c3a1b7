"""凑单 advice: what a buyer could add so a threshold pays off, priced by real quotes.

For every threshold in play — one the cart does not reach, and the next tier of one it does — :func:`advise`
adds exactly the gap as one new line in the instrument's scope, quotes the cart again and reports what the
buyer really pays more (``extra``). With a catalog, it also searches the set of catalog units that reaches the
gap for the smallest ``extra``, and ranks the add-ons that lower the buyer's price per value. Every figure comes
from :meth:`Campaign.quote <promocalc.Campaign.quote>` on the cart with the addition, never from a formula; a
proven lower bound on ``extra`` only decides which sets need no quote.
"""

from __future__ import annotations

import heapq
import time
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine.compiled import COUPON, GIFT, ITEM, LAYER_NAMES, PLATFORM, POSTAGE, SHOP, Promo
from .errors import CartError, Loc, Problem, PromocalcError, raise_problems
from .io.documents import Document, load_source
from .io.jsontext import dumps
from .locale import money, normalize_locale, short_money
from .model.cart import Cart, Line
from .money import MoneyError, fmt, to_fen
from .thresholds import Threshold, Tier

if TYPE_CHECKING:
    from .campaign import Campaign
    from .engine.compiled import Compiled
    from .engine.context import Applied
    from .quote import Quote

Item = tuple[str, str, str, int, int, bool]  # (shop, item, category, unit price in fen, qty, platform eligible)

ADDED_ITEM = "凑单"  # the item id of the synthetic line, when the scope names no items
MAX_ROUNDS = 4  # re-measure the gap this often when earlier layers eat part of what was added
MAX_SETS = 20_000  # search steps per threshold in the catalog search; past them the search is not optimal
QUOTED_SETS = 16  # at most this many sets are quoted per threshold, in the order of their lower bound
BEST_QUOTES = 16  # at most this many single add-ons are quoted for the ranking
BEST_SHOWN = 10
MAX_CATALOG = 10_000
CATALOG_FIELDS = ("shop", "item", "category", "price", "platform_eligible", "title")


class Addition:
    """What a suggestion adds: lines of ``(shop, item, category, unit price in fen, qty, eligible)``."""

    __slots__ = ("lines",)

    def __init__(self, lines: list[Item]) -> None:
        self.lines = lines

    @property
    def amount(self) -> int:
        """The list amount added, in fen."""
        return sum(price * qty for _, _, _, price, qty, _ in self.lines)

    @property
    def units(self) -> int:
        """The units added."""
        return sum(ln[4] for ln in self.lines)

    def key(self) -> tuple[Item, ...]:
        """What identifies the addition (its lines, in order)."""
        return tuple(self.lines)

    def to_list(self) -> list[dict[str, Any]]:
        """The added lines as JSON-ready data."""
        return [{"shop": s, "item": i, "category": c, "price": fmt(p), "qty": q, "platform_eligible": e}
                for s, i, c, p, q, e in self.lines]  # fmt: skip


class Suggestion:
    """One addition to the cart and the quote it leads to: ``extra`` = payable after − payable now.

    ``reached`` and ``applies`` are about the threshold a suggestion is made for (``None`` in the ranking of
    add-ons, which is not about one threshold).
    """

    __slots__ = ("addition", "quote", "extra", "reached", "applies")

    def __init__(self, addition: Addition, quote: Quote, before: int, reached: bool | None = None,
                 applies: bool | None = None) -> None:  # fmt: skip
        self.addition = addition
        self.quote = quote
        self.extra = quote.payable - before
        self.reached = reached  # the threshold's next tier is reached with this addition
        self.applies = applies  # and the instrument is part of the buyer's best combination

    @property
    def saved(self) -> int:
        """What the buyer does not pay of what is added: added − extra, in fen."""
        return self.addition.amount - self.extra

    @property
    def effective_discount(self) -> Fraction:
        """``saved / added``: the discount the buyer really gets on what is added (1 and more: free or better)."""
        amount = self.addition.amount
        return Fraction(self.saved, amount) if amount else Fraction(0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data, the full quote included."""
        d: dict[str, Any] = {
            "add": self.addition.to_list(), "added": fmt(self.addition.amount), "extra": fmt(self.extra),
            "saved": fmt(self.saved), "effective_discount": _ratio(self.effective_discount),
            "payable": fmt(self.quote.payable),
        }  # fmt: skip
        if self.reached is not None:
            d["reached"] = self.reached
            d["applies"] = self.applies
        d["quote"] = self.quote.to_dict()
        return d


def _ratio(r: Fraction) -> str:
    """A ratio as text with four decimals, rounded half up (``"0.1500"``)."""
    n = (r.numerator * 20000 + r.denominator) // (2 * r.denominator)
    sign = "-" if n < 0 else ""
    n = abs(n)
    return f"{sign}{n // 10000}.{n % 10000:04d}"


class Gap:
    """A threshold in play: the instrument, its next tier, the gap, its scope, and the suggestions that reach it.

    ``status`` is ``not_met`` when the instrument gives nothing yet, ``next_tier`` when it applies and a higher
    tier (or one more step of a repeating one) is within reach.
    """

    __slots__ = ("promo", "status", "tiers", "target", "gap", "anchor", "shop", "categories", "items",
                 "eligible_only", "by_items", "level", "need", "exact", "cheapest", "optimal")  # fmt: skip

    def __init__(self, promo: Promo, status: str, tiers: Threshold, target: Threshold, gap: int, anchor: Line,
                 level: int) -> None:  # fmt: skip
        self.promo = promo
        self.status = status
        self.tiers = tiers
        self.target = target
        self.gap = gap
        self.anchor = anchor  # the cart line an exact addition copies its shop and category from
        self.shop = promo.shop if promo.shop is not None else anchor.shop if promo.layer != PLATFORM else None
        self.categories = sorted(promo.categories) if promo.categories is not None else None
        self.items = sorted(promo.items) if promo.items is not None else None
        self.eligible_only = promo.layer == PLATFORM
        self.by_items = tiers.by_items
        self.level = level  # tiers reached now (vouchers for a category voucher): the next one is level + 1
        # the least list amount (or units) an addition needs: another combination can measure a larger base
        self.need = gap
        self.exact: Suggestion | None = None  # exactly the gap, as one new line in scope
        self.cheapest: Suggestion | None = None  # the catalog set reaching the gap for the smallest extra
        self.optimal: bool | None = None  # whether the catalog search proved it the smallest

    def _tiers(self, t: Threshold) -> str:
        return _need_text(t) if self.promo.layer in (POSTAGE, GIFT) else t.describe()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (see the advice format in docs/formats.md)."""
        scope: dict[str, Any] = {"shop": self.shop}
        if self.categories is not None:
            scope["categories"] = self.categories
        if self.items is not None:
            scope["items"] = self.items
        scope["platform_eligible_only"] = self.eligible_only
        d: dict[str, Any] = {
            "id": self.promo.id, "kind": self.promo.kind, "layer": LAYER_NAMES[self.promo.layer],
            "status": self.status, "tiers": self._tiers(self.tiers), "next": self._tiers(self.target),
            "gap": self.gap if self.by_items else fmt(self.gap), "scope": scope,
            "exact": self.exact.to_dict() if self.exact is not None else None,
        }  # fmt: skip
        if self.optimal is not None:
            d["cheapest"] = self.cheapest.to_dict() if self.cheapest is not None else None
            d["optimal"] = self.optimal
        return d


def _need_text(t: Threshold) -> str:
    """Free postage and gifts: the one spend (``99``) or item count (``2件``) to reach."""
    need = t.tiers[0].need
    return f"{need}件" if t.by_items else fmt(need).removesuffix(".00")


def target_tier(t: Threshold, measure: int) -> Threshold:
    """The tier a base of ``measure`` (fen, or units) reaches next, as a one-tier threshold (a repeating
    threshold is its own next step)."""
    if t.every is not None:
        return t
    nxt = next((x for x in t.tiers if x.need > measure), t.tiers[-1])
    return Threshold((nxt,), by_items=t.by_items)


class Advice:
    """What :meth:`Campaign.advise <promocalc.Campaign.advise>` returns: the quote now, the thresholds in play
    (one :class:`Gap` each) and, with a catalog, the add-ons that lower the buyer's price per value."""

    __slots__ = ("quote", "gaps", "best", "best_complete", "_names", "_titles")

    def __init__(self, quote: Quote, gaps: list[Gap], best: list[Suggestion] | None, best_complete: bool,
                 names: dict[str, str], titles: dict[tuple[str, str], str] | None = None) -> None:  # fmt: skip
        self._titles = titles or {}
        self.quote = quote
        self.gaps = gaps
        self.best = best  # None without a catalog
        self.best_complete = best_complete
        self._names = names

    @property
    def payable(self) -> int:
        """The payable of the cart as it is, in fen."""
        return self.quote.payable

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (see the advice format in docs/formats.md)."""
        d: dict[str, Any] = {"payable": fmt(self.quote.payable), "subtotal": fmt(self.quote.subtotal),
                             "gaps": [g.to_dict() for g in self.gaps]}  # fmt: skip
        if self.best is not None:
            d["best"] = [s.to_dict() for s in self.best]
            d["best_complete"] = self.best_complete
        return d

    def to_json(self, indent: int | None = 1) -> str:
        """The advice as JSON text."""
        return dumps(self.to_dict(), indent)

    def to_text(self, locale: str = "zh_CN") -> str:
        """Lines a shopper reads, in ``zh_CN`` or ``en_US``: one per threshold in play, then the best add-ons."""
        from .receipt import tiers_label

        locale = normalize_locale(locale)
        zh = locale == "zh_CN"
        words = _WORDS[locale]
        out = [words["now"].format(pay=money(self.payable, locale))]
        if not self.gaps:
            out.append(words["none"])
        for g in self.gaps:
            if g.promo.layer in (POSTAGE, GIFT):
                label = _extra_label(g, words, locale)
            else:
                label = tiers_label(g.target, locale, first_only=True)
            where = self._where(g, zh)
            for s in (g.exact, g.cheapest):
                if s is None:
                    continue
                amount = money(s.addition.amount, locale)
                if g.by_items and s is g.exact:
                    amount = words["units"].format(n=s.addition.units)
                if s is g.cheapest:
                    amount = f"{self._items(s, words)} {amount}"
                line = words["add"].format(amount=amount, where=where, tiers=label, tail=self._tail(s, words, locale))
                if not s.reached:
                    line += words["not_reached"]
                elif not s.applies:
                    line += words["not_best"]
                out.append(line)
        if self.best:
            out.append(words["best"])
            for n, s in enumerate(self.best, 1):
                pct = _ratio(s.effective_discount * 100)[:-2]
                out.append(words["best_line"].format(
                    n=n, items=self._items(s, words), amount=money(s.addition.amount, locale),
                    tail=self._tail(s, words, locale), pct=pct))  # fmt: skip
        return "\n".join(out) + "\n"

    def _tail(self, s: Suggestion, words: dict[str, str], locale: str) -> str:
        return words["more" if s.extra >= 0 else "less"].format(extra=money(abs(s.extra), locale))

    def _items(self, s: Suggestion, words: dict[str, str]) -> str:
        names = [self._titles.get((ln[0], ln[1]), ln[1]) for ln in s.addition.lines]
        return words["sep"].join(n if ln[4] == 1 else f"{n}×{ln[4]}" for n, ln in zip(names, s.addition.lines))

    def _where(self, g: Gap, zh: bool) -> str:
        parts = [self._names.get(g.shop, g.shop)] if g.shop else ["跨店" if zh else "any shop"]
        if g.categories:
            parts += [self._names.get(c, c) for c in g.categories]
        if g.items:
            parts += g.items
        return " ".join(parts)


def _extra_label(g: Gap, words: dict[str, str], locale: str) -> str:
    """满99包邮 / 满2件送赠品 in the locale's words."""
    need = g.tiers.tiers[0].need
    key = ("postage" if g.promo.layer == POSTAGE else "gift") + ("_items" if g.by_items else "")
    if g.by_items:
        return words[key].format(need=need)
    return words[key].format(need=short_money(need) if locale == "zh_CN" else f"¥{short_money(need)}")


_WORDS = {
    "zh_CN": {
        "now": "当前实付 {pay}", "none": "已达到所有满减门槛", "units": "{n} 件", "sep": "、",
        "add": "再买 {amount}（{where}）可享{tiers}，{tail}", "more": "实付只多 {extra}", "less": "实付反而少 {extra}",
        "not_reached": "（仍未达到）", "not_best": "（但不是最优组合）",
        "best": "推荐加购：", "best_line": "{n}. {items} {amount}，{tail}，相当于 {pct}% 的优惠",
        "postage": "满{need}包邮", "postage_items": "满{need}件包邮", "gift": "满{need}送赠品", "gift_items": "满{need}件送赠品",
    },
    "en_US": {
        "now": "You pay {pay} now", "none": "Every threshold is already reached", "units": "{n} more unit(s)",
        "sep": ", ", "add": "Add {amount} ({where}) for {tiers}: {tail}", "more": "you pay only {extra} more",
        "less": "you pay {extra} less", "not_reached": " (still not reached)",
        "not_best": " (but another combination is better)",
        "best": "Best add-ons:", "best_line": "{n}. {items} {amount}: {tail}, {pct}% off what you add",
        "postage": "free shipping from {need}", "postage_items": "free shipping from {need} items",
        "gift": "a free gift from {need}", "gift_items": "a free gift from {need} items",
    },
}  # fmt: skip


# -- the catalog ---------------------------------------------------------------------------------------------


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




# -- the lower bound -----------------------------------------------------------------------------------------


def _room(t: Threshold) -> tuple[int, Fraction]:
    """The most a threshold can take off: a fixed amount, plus a rate of its base for rate and repeating tiers."""
    if t.max_off is not None:
        return t.max_off, Fraction(0)
    if t.every is not None:
        return 0, Fraction(t.every.off or 0, t.every.need)
    fixed = max((x.off for x in t.tiers if x.off is not None), default=0)
    rate = max((1 - x.rate for x in t.tiers if x.rate is not None), default=Fraction(0))
    return fixed, rate


def _ceil(x: Fraction) -> int:
    return -(-x.numerator // x.denominator)


class _Term:
    """One instrument's most as a function of what is added: ``most(a, u)`` for ``a`` fen and ``u`` units added."""

    __slots__ = ("promo", "shop", "now", "fixed", "tiers", "list", "units", "count", "face", "cap", "still")

    def __init__(self, promo: Promo | None, shop: str | None, now: int, fixed: int = 0) -> None:
        self.promo = promo
        self.shop = shop  # None: an instrument across shops
        self.now = now  # what it takes off now
        self.fixed = fixed  # a fixed most (red packets, coins, postage, the rate part on the cart now)
        self.tiers: list[Threshold] = []  # thresholds measured on at most ``list`` + a (``units`` + u)
        self.list = 0
        self.units = 0
        self.count = 1  # pools of identical tiers that can each earn the discount
        self.face = 0  # vouchers: the discount comes in whole vouchers
        self.cap: int | None = None  # vouchers held and allowed, the allowance balance
        self.still: int | None = None  # most(0, 0), once asked

    def most(self, a: int, u: int) -> int:
        total = self.fixed
        for t in self.tiers:
            base, items = self.list + a, self.units + u
            if t.every is not None:
                off = base // t.every.need * (t.every.off or 0)
            else:
                off = 0
                for x in t.tiers:
                    if (items if t.by_items else base) >= x.need and x.off is not None:
                        off = max(off, x.off)
            if t.max_off is not None:
                off = min(off, t.max_off)
            if self.face:
                off -= off % self.face
            total += off * self.count
        return total if self.cap is None else min(total, self.cap)


class Bound:
    """A proven lower bound on ``extra`` for any addition to one cart: what the goods added cost, less the most
    every instrument could still take off.

    For an addition ``S`` of ``a`` fen and ``u`` units, ``extra(S) >= sum(weight(e) for e in S) - room``. An
    instrument takes off at most its largest discount on a base no larger than the list amount in its scope
    plus ``a`` (a rate tier's share of what is added is in the weight); the room is what that exceeds what it
    takes now, summed over instruments; an item promotion takes at most what it takes off the added unit, and
    postage is at most what is paid now. ``ok`` is false for an instrument this bound does not know, and then
    no addition is skipped unquoted.

    An addition to shops ``T`` leaves every other shop's lines as they are: a shop instrument of another shop
    takes at most what it could take on them now. And when the quote now is proven the best combination, the
    best combination after the addition, priced on the cart now, costs no less than the best one now: the
    addition then gains at most the largest discounts of the instruments of ``T`` and of those across shops,
    whatever they take now. The smaller room is used.
    """

    __slots__ = ("ok", "split", "_terms", "_items", "_rated", "_weights", "_rooms")

    def __init__(self, comp: Compiled, cart: Cart, q: Quote) -> None:
        priced = q._p
        active = priced.ctx.active
        now: dict[str, int] = {}
        for ap in q.applied:
            now[ap.promo.id] = now.get(ap.promo.id, 0) + ap.amount
        listed = sum(ln.price * ln.qty for ln in cart.lines)
        self.ok = True
        self.split = priced.proven
        self._items: list[Promo] = []
        self._rated: list[tuple[Promo, Fraction]] = []
        self._weights: dict[Item, int] = {}
        self._rooms: dict[tuple[int, int, frozenset[str] | None], int] = {}
        terms = [_Term(None, sid, 0, post) for sid, post in priced.extras.postage.items() if post]
        held = set(cart.coupons)
        use = set(cart.use) if cart.use is not None else None
        for p in comp.promos:
            if p.id not in active:
                continue
            if p.is_coupon and (p.id not in held or (use is not None and p.id not in use)):
                continue
            kind = p.kind
            if p.layer == ITEM:
                self._items.append(p)
                continue
            if kind in ("free_postage", "gift"):
                continue
            term = _Term(p, p.shop, now.get(p.id, 0))
            if kind == "platform_red_packet":
                term.fixed = p.face * min(cart.red_packets.get(p.id, 0), p.max_per_checkout)
            elif kind == "shop_red_packet":
                term.fixed = p.off
            elif p.is_voucher:
                term.tiers = list({id(t): t for g in comp.voucher_tiers.values() for t in g.values()}.values())
                term.list, term.face = listed, p.face
                term.cap = p.face * min(p.max_per_checkout, cart.vouchers.get(p.id, 0))
            elif p.threshold is not None:
                t = p.threshold
                rate = max((1 - x.rate for x in t.tiers if x.rate is not None), default=Fraction(0))
                if rate:
                    self._rated.append((p, rate))
                    term.fixed = _ceil(rate * listed) + 1  # and half a fen of rounding
                    if t.max_off is not None:
                        term.cap = t.max_off
                if kind == "cross_shop_reduction":
                    # one discount per pool of identical tiers: at most one pool per distinct tier set
                    own = {x.key: x for (pid, _), x in comp.cross_tiers.items() if pid == p.id}
                    own[t.key] = t
                    term.tiers = list(own.values())
                    term.list = listed
                    if p.balance_capped:
                        term.cap = cart.allowance
                else:
                    term.tiers = [t]
                    mine = [ln for ln in cart.lines if (p.shop is None or ln.shop == p.shop) and p.in_scope(ln.item, ln.category)]
                    term.list = sum(ln.price * ln.qty for ln in mine)
                    term.units = sum(ln.qty for ln in mine)
            else:
                self.ok = False
                continue
            terms.append(term)
        if comp.vip88 is not None and cart.vip88 and cart.use_vip88:
            v = comp.vip88
            assert v.rate is not None
            off = 1 - v.rate
            term = _Term(v, None, now.get(v.id, 0), _ceil(off * listed) + len(cart.lines))
            if cart.vip88_quota is not None:
                term.fixed = term.cap = cart.vip88_quota
            elif v.has_scope:
                self._rated.append((v, off))
            terms.append(term)
        if cart.use_coins and cart.coins:
            terms.append(_Term(comp.coins, None, now.get("coins", 0), cart.coins))
        self._terms = terms

    def weight(self, e: Item) -> int:
        """What one unit of catalog item ``e`` costs the buyer at the least, before the room."""
        w = self._weights.get(e)
        if w is None:
            shop, item, category, price = e[0], e[1], e[2], e[3]
            off = 0
            for p in self._items:
                if (p.shop is None or p.shop == shop) and p.in_scope(item, category):
                    off = max(off, price - p.unit_price(price))
            rate = Fraction(0)
            k = 0
            for p, r in self._rated:
                if (p.shop is None or p.shop == shop) and p.in_scope(item, category):
                    rate += r
                    k += 1
            w = self._weights[e] = price - off - _ceil(rate * price) - k
        return w

    def room(self, amount: int, units: int, shops: Any = None) -> int:
        """The most the instruments could take off beyond what they take now, for ``amount`` fen and ``units``
        added (to ``shops``; ``None``: any). A shop's own instrument of a shop not added to is measured on its
        lines as they are."""
        key = (amount, units, frozenset(shops) if shops is not None else None)
        got = self._rooms.get(key)
        if got is not None:
            return got
        gain = 0
        mine = 0
        touched = key[2]
        for t in self._terms:
            if touched is not None and t.shop is not None and t.shop not in touched:
                if t.promo is None:
                    continue  # the postage of a shop not added to stays what it is
                if t.still is None:
                    t.still = t.most(0, 0)
                gain += max(0, t.still - t.now)
                continue
            m = t.most(amount, units)
            gain += max(0, m - t.now)
            mine += m
        got = self._rooms[key] = min(gain, mine) if touched is not None and self.split else gain
        return got

    def steps(self, lo: int, hi: int) -> list[int]:
        """The amounts added in ``[lo, hi]`` where the room may grow (and ``lo``): it is constant between them."""
        out = {lo}
        for t in self._terms:
            for th in t.tiers:
                if th.every is not None:
                    need = th.every.need
                    k = max(1, -(-(lo + t.list) // need))
                    while k * need - t.list <= hi and len(out) < 10_000:
                        out.add(k * need - t.list)
                        k += 1
                else:
                    out.update(x.need - t.list for x in th.tiers if lo <= x.need - t.list <= hi and not th.by_items)
        return sorted(out)

    def lower(self, weight: int, amount: int, units: int, shops: Any = None) -> int | None:
        """The lower bound on ``extra`` for an addition of total ``weight``, ``amount`` and ``units`` (to
        ``shops``); ``None`` when no bound is known."""
        if not self.ok:
            return None
        return weight - self.room(amount, units, shops)


# -- the advice ----------------------------------------------------------------------------------------------


def advise(campaign: Campaign, cart: Any, catalog: Any = None, *, max_units: int = 3) -> Advice:
    """Advice for ``cart``: every threshold in play, its gap and scope, what reaching it costs, and with a catalog
    the cheapest set reaching it and the best add-ons."""
    if isinstance(max_units, bool) or not isinstance(max_units, int) or not 1 <= max_units <= 20:
        msg = f"max_units must be a whole number from 1 to 20, got {max_units!r}"
        raise PromocalcError(msg, [Problem("range", ("max_units",), msg)])
    titles: dict[tuple[str, str], str] = {}
    items = parse_catalog(campaign, catalog, titles) if catalog is not None else None
    c = campaign.cart(cart)
    at = c.at if c.at is not None else time.time()
    comp = campaign.compiled
    run = _Runner(campaign, c, at, titles)
    now = run.quote(())
    bound = Bound(comp, c, now) if items is not None else None
    gaps = _gaps(comp, c, now)
    for g in gaps:
        g.exact = _exact(run, g, now.payable)
        if items is not None:
            assert bound is not None
            g.cheapest, g.optimal = _cheapest(comp, run, g, now.payable, items, max_units, bound)
    best: list[Suggestion] | None = None
    complete = True
    if items is not None:
        assert bound is not None
        best, complete = _best(run, now, items, bound)
    names = {sid: (s.name or sid) for sid, s in comp.shops.items()}
    names.update(comp.categories)
    return Advice(now, gaps, best, complete, names, titles)


class _Runner:
    """Quotes of the cart with additions, at one checkout time, each addition quoted once."""

    __slots__ = ("campaign", "cart", "at", "quotes", "from_catalog", "titles")

    def __init__(self, campaign: Campaign, cart: Cart, at: float, titles: dict[tuple[str, str], str]) -> None:
        self.titles = titles
        self.campaign = campaign
        self.cart = cart
        self.at = at
        self.quotes: dict[tuple[Item, ...], Quote] = {}
        self.from_catalog: list[tuple[Item, ...]] = []  # the catalog sets quoted, in order

    def quote(self, add: tuple[Item, ...], from_catalog: bool = False) -> Quote:
        q = self.quotes.get(add)
        if q is None:
            q = self.quotes[add] = self.campaign.quote(_with(self.cart, list(add), self.at, self.titles))
            if from_catalog:
                self.from_catalog.append(add)
        return q


def _with(cart: Cart, add: list[Item], at: float, titles: dict[tuple[str, str], str] | None = None) -> Cart:
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
            title = titles.get((shop, item)) if titles else None
            lines.append(Line(len(lines), f"add-{n}", shop, item, category, price, qty, eligible, title=title))
        out.lines = lines
    return out


def _pool_tiers(comp: Compiled, p: Promo, shop: str, category: str) -> Threshold | None:
    """The tiers a line of ``shop`` and ``category`` is measured on by instrument ``p`` (pools share them)."""
    if p.is_voucher:
        return comp.voucher_tiers.get(shop, {}).get(category)
    if p.kind == "cross_shop_reduction":
        return comp.cross_tiers.get((p.id, shop)) or p.threshold
    return p.threshold


def _fits(comp: Compiled, p: Promo, tiers: Threshold, shop: str, item: str, category: str, eligible: bool) -> bool:
    """Whether goods of ``shop``/``item``/``category`` count toward instrument ``p``'s ``tiers``."""
    if p.shop is not None and shop != p.shop:
        return False
    if not p.in_scope(item, category):
        return False
    if p.layer == PLATFORM:
        info = comp.shops.get(shop)
        if not eligible or info is None or not info.member:
            return False
        return _pool_tiers(comp, p, shop, category) is tiers
    return True


def _anchor(comp: Compiled, p: Promo, tiers: Threshold, cart: Cart) -> Line | None:
    """The first cart line the instrument measures on ``tiers``: where an addition goes."""
    for ln in cart.lines:
        if ln.presale is not None and (ln.presale.deposit_stage or p.layer in (POSTAGE, GIFT)):
            continue
        if _fits(comp, p, tiers, ln.shop, ln.item, ln.category, ln.eligible):
            return ln
    return None


def _tier_level(t: Threshold, base: int, items: int = 0) -> int:
    """How many tiers ``base`` reaches (steps, for a repeating threshold, up to its cap)."""
    if t.every is not None:
        n = base // t.every.need
        if t.max_off is not None and t.every.off:
            n = min(n, -(-t.max_off // t.every.off))
        return n
    return t.reached(items if t.by_items else base) + 1


def _level(a: Applied) -> int:
    """The tiers an applied instrument reached: vouchers used, tiers over its pools, or its tier."""
    if a.vouchers is not None:
        return a.vouchers
    if a.pools is not None:
        return sum(_tier_level(x["tiers"], x["base"]) for x in a.pools if x["amount"])  # type: ignore[arg-type]
    t = a.promo.threshold
    if a.base is None or t is None:
        return 1
    return _tier_level(t, a.base, a.items)


def _left(a: Applied) -> int:
    """The smallest gap left to a higher tier of an applied instrument (0: none)."""
    if a.pools is not None:
        gaps = [x["tiers"].gap(x["base"]) for x in a.pools]  # type: ignore[attr-defined]
        return min((g for g in gaps if g > 0), default=0)
    t = a.promo.threshold
    if a.base is None or t is None:
        return 0
    return t.gap(a.base, a.items)


def _gaps(comp: Compiled, cart: Cart, q: Quote) -> list[Gap]:
    """The thresholds in play: those not met (in the quote's order), then the next tiers of those applied."""
    out = []
    a1 = q._p.ctx.a1
    for s in q.not_applied:
        p = s.promo
        if s.reason != "threshold_not_met" or not s.gap:
            continue
        if p.layer in (POSTAGE, GIFT):  # 满99包邮, 满199送赠品: one tier of spend or items, on A1
            if cart.region is not None and cart.region in p.regions:
                continue  # the buyer's region pays postage whatever is added
            t = Threshold((Tier(p.need, 0),), by_items=p.by_items)
            ln = _anchor(comp, p, t, cart)
            if ln is not None:
                out.append(Gap(p, "not_met", t, t, s.gap, ln, 0))
            continue
        if s.tiers is None or p.layer not in (SHOP, COUPON, PLATFORM):
            continue
        ln = _anchor(comp, p, s.tiers, cart)
        if ln is not None:
            g = Gap(p, "not_met", s.tiers, target_tier(s.tiers, 0), s.gap, ln, 0)
            first = s.tiers.every.need if s.tiers.every is not None else s.tiers.tiers[0].need
            _slack(comp, g, cart, a1, first - s.gap)
            out.append(g)
    spent = sum(a.amount for a in q.applied if a.promo.balance_capped)
    for a in q.applied:
        p = a.promo
        if p.layer not in (SHOP, COUPON, PLATFORM):
            continue
        if p.is_voucher and (a.vouchers or 0) >= min(p.max_per_checkout, cart.vouchers.get(p.id, 0)):
            continue  # every voucher the buyer may use is used
        if p.balance_capped and spent >= cart.allowance:
            continue  # the allowance balance is spent: a higher tier gives nothing more
        if a.pools is not None:
            pools = [(x["tiers"].gap(x["base"]), x) for x in a.pools]  # type: ignore[attr-defined]
            pools = [(g, x) for g, x in pools if g > 0]
            if not pools:
                continue
            gap, x = min(pools, key=lambda gx: gx[0])
            t: Threshold = x["tiers"]  # type: ignore[assignment]
            anchor = cart.lines[x["lines"][0]]  # type: ignore[index]
            g = Gap(p, "next_tier", t, target_tier(t, x["base"]), gap, anchor, _level(a))  # type: ignore[arg-type]
            _slack(comp, g, cart, a1, x["base"])  # type: ignore[arg-type]
            out.append(g)
        elif a.base is not None and p.threshold is not None:
            t = p.threshold
            gap = t.gap(a.base, a.items)
            if gap > 0 and a.shares:
                measure = a.items if t.by_items else a.base
                g = Gap(p, "next_tier", t, target_tier(t, measure), gap, cart.lines[min(a.shares)], _level(a))
                _slack(comp, g, cart, a1, a.base)
                out.append(g)
    return out


def _slack(comp: Compiled, g: Gap, cart: Cart, a1: list[int], base: int) -> None:
    """Lower the gap's search need by what the shop and coupon layers take now off the lines it measures
    (A1 − base): another choice of theirs can leave a larger base. The item layer is no choice."""
    if g.by_items:
        return
    before = sum(a1[ln.pos] for ln in cart.lines
                 if not (ln.presale is not None and ln.presale.deposit_stage)
                 and _fits(comp, g.promo, g.tiers, ln.shop, ln.item, ln.category, ln.eligible))  # fmt: skip
    g.need = max(1, g.gap - max(0, before - base))


# a coupon's reasons once its threshold is met, and a free postage's when another one waived the postage
MET = frozenset({"not_chosen", "one_card_kind_per_shop", "not_named", "postage_already_waived"})


def _state(q: Quote, g: Gap) -> tuple[bool, bool, int]:
    """(reached, applies, the gap still left) of the gap's instrument in quote ``q``.

    An instrument that does not apply has reached its tier only when that is known: a shop-level one is measured
    on the item-level amounts, whatever else is chosen; a coupon not chosen has met its threshold.
    """
    p = g.promo
    pid = p.id
    for a in q.applied:
        if a.promo.id == pid:
            if _level(a) > g.level:
                return True, True, 0
            return False, True, _left(a)
    if p.layer == SHOP and p.threshold is not None:
        ctx = q._p.ctx
        lines = ctx.lines
        scope = [i for i in ctx.by_shop.get(p.shop or "", ()) if p.in_scope(lines[i].item, lines[i].category)]
        base = sum(ctx.a1[i] for i in scope)
        items = sum(lines[i].qty for i in scope)
        if _tier_level(p.threshold, base, items) > g.level:
            return True, False, 0
        return False, False, p.threshold.gap(base, items)
    for s in q.not_applied:
        if s.promo.id == pid:
            if s.reason == "threshold_not_met":
                return False, False, s.gap or 0
            return g.status == "not_met" and s.reason in MET, False, 0
    return False, False, 0


def _exact(run: _Runner, g: Gap, before: int) -> Suggestion:
    """Exactly the gap as one new line in scope; when earlier layers take part of it, the gap is measured again."""
    p = g.promo
    ln = g.anchor
    item = ln.item if p.items is not None else ADDED_ITEM
    price, qty = (ln.price, g.gap) if g.by_items else (g.gap, 1)
    s = None
    for _ in range(MAX_ROUNDS):
        add = Addition([(ln.shop, item, ln.category, price, qty, True)])
        q = run.quote(add.key())
        reached, applies, left = _state(q, g)
        s = Suggestion(add, q, before, reached, applies)
        if reached or left <= 0:
            break
        if g.by_items:
            qty += left
        else:
            price += left
    assert s is not None
    return s


def _cheapest(comp: Compiled, run: _Runner, g: Gap, before: int, catalog: list[Item], max_units: int,
              bound: Bound) -> tuple[Suggestion | None, bool]:  # fmt: skip
    """The set of at most ``max_units`` catalog units in scope that reaches the gap for the smallest ``extra``.

    The ``QUOTED_SETS`` lightest sets (by :class:`Bound` weight) whose list amount (or units) reaches the gap are
    taken in the order of their lower bound on ``extra`` and quoted until the bound of the next one is no
    smaller than the best ``extra`` found. ``optimal`` is true when no set, kept or left out, can do better; it
    is false when the enumeration ran out of steps or a set left out could still be better.
    """
    p = g.promo
    weight = bound.weight
    pool = sorted({e for e in catalog if _fits(comp, p, g.tiers, e[0], e[1], e[2], e[5])},
                  key=lambda e: (weight(e), e[3], e[0], e[1]))  # fmt: skip
    if not pool:
        return None, True
    found, cut, overflow = _cheapest_sets(pool, [weight(e) for e in pool], g.need, g.by_items, max_units)
    floor = -(10**12)  # no bound known: every set is worth a quote
    ranked = []
    for w, combo in found:
        amount = sum(pool[i][3] for i in combo)
        low = bound.lower(w, amount, len(combo), [pool[i][0] for i in combo])
        ranked.append((floor if low is None else low, w, combo))
    ranked.sort()
    best: Suggestion | None = None
    for low, _, combo in ranked:
        if best is not None and best.reached and low >= best.extra:
            break  # every set left costs the buyer at least this much more
        counts: dict[int, int] = {}
        for i in combo:
            counts[i] = counts.get(i, 0) + 1
        add = Addition([pool[i][:4] + (n, pool[i][5]) for i, n in sorted(counts.items())])
        q = run.quote(add.key(), from_catalog=True)
        reached, applies, _ = _state(q, g)
        s = Suggestion(add, q, before, reached, applies)
        if best is None or (s.reached, -s.extra) > (best.reached, -best.extra):
            best = s
    if cut:
        return best, False
    if overflow:
        return best, _left_out_worse(pool, bound, g, best, max(w for _, w, _ in ranked), max_units)
    return best, True


def _left_out_worse(pool: list[Item], bound: Bound, g: Gap, best: Suggestion | None, heaviest: int,
                    max_units: int) -> bool:  # fmt: skip
    """Whether every set the search left out (each weighing at least ``heaviest``) costs at least ``best.extra``.

    A set of ``a`` fen weighs at least ``max(heaviest, ρ·a)``, ``ρ`` the smallest weight per fen in the pool, and
    its room is at most ``room(a)``, which only grows at the steps: the bound is checked at each of them.
    """
    if best is None or not best.reached or not bound.ok:
        return False
    rho = min(Fraction(bound.weight(e), e[3]) for e in pool)
    shops = {e[0] for e in pool}
    lo = 0 if g.by_items else g.need
    hi = max_units * max(e[3] for e in pool)
    for a in bound.steps(lo, hi):
        if max(heaviest, _ceil(rho * a)) - bound.room(a, max_units, shops) < best.extra:
            return False
    return True


def _cheapest_sets(pool: list[Item], weights: list[int], need: int, by_items: bool,
                   max_units: int) -> tuple[list[tuple[int, tuple[int, ...]]], bool, bool]:  # fmt: skip
    """The ``QUOTED_SETS`` multisets of at most ``max_units`` units of ``pool`` whose list amount (or units)
    reaches ``need`` with the smallest total weight, smallest first.

    A branch-and-bound search over ``pool`` sorted by weight: with no negative weight, a branch whose weight
    is no smaller than the worst set kept holds nothing better. Returns the sets, whether the search ran out of
    ``MAX_SETS`` steps, and whether sets reaching ``need`` were left out for the weight of those kept.
    """
    prices = [e[3] for e in pool]
    n = len(prices)
    prune = min(weights) >= 0
    heap: list[tuple[int, tuple[int, ...]]] = []  # (-weight, set): the worst kept set on top
    steps = 0
    cut = False
    overflow = False

    def walk(start: int, left: int, amount: int, weight: int, count: int, combo: tuple[int, ...]) -> None:
        nonlocal steps, cut, overflow
        for j in range(start, n):
            steps += 1
            if steps > MAX_SETS:
                cut = True
                return
            w = weight + weights[j]
            if prune and len(heap) == QUOTED_SETS and w >= -heap[0][0]:
                overflow = True
                return  # weights only grow from here: nothing later in this branch is kept
            a = amount + prices[j]
            if (count + 1 if by_items else a) >= need:
                heapq.heappush(heap, (-w, combo + (j,)))
                if len(heap) > QUOTED_SETS:
                    heapq.heappop(heap)
                    overflow = True
            # a set past the gap is still worth trying: its extra units may cross a higher tier
            if left > 1:
                walk(j, left - 1, a, w, count + 1, combo + (j,))
                if cut:
                    return

    walk(0, max_units, 0, 0, 0, ())
    return sorted((-w, combo) for w, combo in heap), cut, overflow


def _best(run: _Runner, now: Quote, catalog: list[Item], bound: Bound) -> tuple[list[Suggestion], bool]:
    """The add-ons that lower the buyer's price per value (payable / list value), best ``extra`` first.

    Candidates are every catalog item as one unit and every set quoted for a threshold. A single item whose
    lower bound on ``extra`` already fails the test is not quoted; at most ``BEST_QUOTES`` are. The second value
    says whether every candidate that could pass was quoted.
    """
    pay, value = now.payable, now.subtotal
    if value <= 0:
        return [], True
    singles = []
    for e in dict.fromkeys(catalog):
        low = bound.lower(bound.weight(e), e[3], 1, (e[0],))
        if low is None or low * value < pay * e[3]:
            singles.append((Fraction(low, e[3]) if low is not None else Fraction(-(10**9)), e))
    singles.sort(key=lambda x: (x[0], x[1][3], x[1][0], x[1][1]))
    complete = len(singles) <= BEST_QUOTES
    for _, e in singles[:BEST_QUOTES]:
        run.quote((e,), from_catalog=True)
    out = []
    for key in dict.fromkeys(run.from_catalog):
        s = Suggestion(Addition(list(key)), run.quotes[key], pay)
        if s.extra * value < pay * s.addition.amount:
            out.append(s)
    out.sort(key=lambda s: (s.extra, -s.effective_discount, s.addition.key()))
    return out[:BEST_SHOWN], complete
