"""What advice returns: additions, suggestions with their quotes, gaps, and the advice in JSON and words."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..engine.compiled import GIFT, LAYER_NAMES, PLATFORM, POSTAGE, Promo
from ..io.jsontext import dumps
from ..locale import money, normalize_locale, short_money
from ..model.cart import Line
from ..money import fmt
from ..thresholds import Threshold
from .catalog import Item

if TYPE_CHECKING:
    from ..quote import Quote


ADDED_ITEM = "凑单"  # the item id of the synthetic line, when the scope names no items


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
        from ..receipt import tiers_label

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
