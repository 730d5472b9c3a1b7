"""A proven lower bound on what an addition costs the buyer more: which catalog sets need no quote."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..engine.compiled import ITEM, Promo
from ..model.cart import Cart
from ..thresholds import Threshold
from .catalog import Item

if TYPE_CHECKING:
    from ..engine.compiled import Compiled
    from ..quote import Quote


def _room(t: Threshold) -> tuple[int, Fraction]:
    """The most a threshold can take off: a fixed amount, plus a rate of its base for rate and repeating tiers."""
    if t.max_off is not None:
        return t.max_off, Fraction(0)
    if t.every is not None:
        return 0, Fraction(t.every.off or 0, t.every.need)
    fixed = max((x.off for x in t.tiers if x.off is not None), default=0)
    rate = max((1 - x.rate for x in t.tiers if x.rate is not None), default=Fraction(0))
    return fixed, rate


def ceil_fraction(x: Fraction) -> int:
    """The smallest whole number no smaller than ``x``."""
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
                    term.fixed = ceil_fraction(rate * listed) + 1  # and half a fen of rounding
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
            term = _Term(v, None, now.get(v.id, 0), ceil_fraction(off * listed) + len(cart.lines))
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
            w = self._weights[e] = price - off - ceil_fraction(rate * price) - k
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
