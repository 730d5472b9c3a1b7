"""The advice itself: thresholds in play, the exact gap, the cheapest catalog set and the best add-ons."""

from __future__ import annotations

import heapq
import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..engine.compiled import COUPON, GIFT, PLATFORM, POSTAGE, SHOP, Promo
from ..errors import Problem, PromocalcError
from ..model.cart import Cart, Line
from ..thresholds import Threshold, Tier
from .bound import Bound, ceil_fraction
from .catalog import Item, parse_catalog
from .result import ADDED_ITEM, Addition, Advice, Gap, Suggestion, target_tier

if TYPE_CHECKING:
    from ..campaign import Campaign
    from ..engine.compiled import Compiled
    from ..engine.context import Applied
    from ..quote import Quote


MAX_ROUNDS = 4  # re-measure the gap this often when earlier layers eat part of what was added
MAX_SETS = 20_000  # search steps per threshold in the catalog search; past them the search is not optimal
QUOTED_SETS = 16  # at most this many sets are quoted per threshold, in the order of their lower bound
BEST_QUOTES = 16  # at most this many single add-ons are quoted for the ranking
BEST_SHOWN = 10


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
        if max(heaviest, ceil_fraction(rho * a)) - bound.room(a, max_units, shops) < best.extra:
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
