"""The buyer's best combination: an exact branch and bound over shop options, item coupons and category coupons.

What is chosen: for every shop, its shop-level promotion and its cards (none, one shop coupon, one
red packet, or one item coupon per item); the category coupons; and which platform instruments that
exclude each other stay on. The goal is the smallest total payable, ties by the order of
:func:`tie_key`.

Method, and why it is exact:

* Layers 1–3 are independent per shop once the shop's choice is fixed, so each shop's options are
  priced once (``Mode``). An item coupon touches only its item's lines, so item coupons are not
  multiplied out: each item is a decision of its own (``Unit``) inside the shop's "item coupons" mode.
* Layer 4 sees a choice only through what it leaves on the eligible lines. Its discount is bounded
  from above by a *relaxation*: every platform pool (a voucher pool, a cross-shop pool, a category
  coupon's scope) measured on what layer 3 left (the most it can ever be measured on: earlier platform
  instruments only lower it, and in the parallel ruleset it is the fixed A1), each tier function taken
  at that base, the voucher cap, the vouchers held and the allowance balance kept, and nothing lost to
  presale tests, negative lines or exclusions. Every term is monotone in its base, so the relaxation is
  an upper bound on the real discount of every completion.
* Pools whose tier cannot change whatever is chosen are constants; the rest (the *contested* pools) are
  the dimensions of a Pareto front per shop and per suffix of shops: (cost, base per pool), keeping only
  points no other point beats on cost and on every base. For a partial choice, the smallest
  ``cost − relaxed discount`` over the front of what is still open is a lower bound on the payable of
  every completion (the bound is admissible). A front that grows past :data:`FRONT_SIZE` points is
  coarsened into points that dominate what they replace, which keeps the bound admissible.
* The search is depth first, best bound first; a leaf is priced exactly by the real platform layer. A
  subtree is pruned only when its bound shows no completion can beat the best key found, so when the
  search ends the best is proven (``optimal``).

Work is counted in units (a front point combined or scanned, a leaf priced per eligible line), never in
time, so a quote is deterministic. Past :data:`BUDGET` units the search stops, returns the best found
and the smallest bound of what it left unexplored (``lower_bound``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from ..thresholds import Threshold
from .compiled import Promo
from .context import Applied, Context
from .platform_layer import PlatformPlan
from .selection import ShopOption

BUDGET = 400_000
"""Work units one quote's search may spend before it answers ``optimal: false`` with a ``lower_bound``."""

FRONT_SIZE = 96
"""Largest Pareto front kept per shop suffix; bigger fronts are coarsened (admissibly)."""

Point = tuple[int, tuple[int, ...]]  # (cost in fen, base per contested pool)


class Unit:
    """One item's item coupons inside a shop's item-coupon mode: which one (or none) to use."""

    __slots__ = ("item", "lines", "choices")

    def __init__(self, item: str, lines: list[int], choices: list[tuple[Promo | None, Applied | None]]) -> None:
        self.item = item
        self.lines = lines  # cart positions of the item's lines in this shop
        self.choices = choices  # (coupon, its result); (None, None) first


class Mode:
    """One way to price a shop's order through layers 2–3: its shop promotion and either a fixed
    ``option`` or a ``base`` (after layer 2) with item ``units`` still to decide."""

    __slots__ = ("shop", "idx", "shop_result", "option", "base", "units", "fixed_lines")

    def __init__(self, shop: str, idx: list[int], shop_result: Applied | None, option: ShopOption | None,
                 base: dict[int, int] | None = None, units: list[Unit] | None = None) -> None:  # fmt: skip
        self.shop = shop
        self.idx = idx
        self.shop_result = shop_result
        self.option = option
        self.base = base or {}
        if units:
            self.units = units
            in_units = {i for u in units for i in u.lines}
            self.fixed_lines = [i for i in idx if i not in in_units]
        else:
            self.units = []
            self.fixed_lines = idx  # read, never changed

    def build(self, picks: list[tuple[Promo | None, Applied | None]]) -> ShopOption:
        """The shop option for one coupon (or none) per unit."""
        if self.option is not None:
            return self.option
        run3 = dict(self.base)
        coupons: list[Promo] = []
        results: list[Applied] = []
        for c, r in picks:
            if c is not None and r is not None:
                coupons.append(c)
                results.append(r)
                for i, s in r.shares.items():
                    run3[i] -= s
        return ShopOption(self.shop, self.idx, self.shop_result, tuple(coupons), list(results),
                          [run3[i] for i in self.idx])  # type: ignore[arg-type]  # fmt: skip


class Found:
    """The search's answer: the best combination's evaluation, whether it is proven, and a lower bound."""

    __slots__ = ("best", "optimal", "lower_bound", "work")

    def __init__(self, best: tuple[object, ...] | None, optimal: bool, lower_bound: int | None, work: int) -> None:
        self.best = best
        self.optimal = optimal
        self.lower_bound = lower_bound
        self.work = work


# -- the relaxation of layer 4 -----------------------------------------------------------------------


class _Term:
    """One platform instrument in the relaxation: its pools as (tiers, pool index)."""

    __slots__ = ("promo", "kind", "pools", "avail", "face")

    def __init__(self, promo: Promo, kind: str, pools: list[tuple[Threshold, int]], avail: int = 0) -> None:
        self.promo = promo
        self.kind = kind  # "v" voucher, "x" cross-shop, "c" category coupon
        self.pools = pools
        self.avail = avail
        self.face = promo.face


def _flat_from(t: Threshold) -> int | None:
    """The base from which ``t`` gives no more (None when it keeps growing)."""
    if t.every is not None:
        if t.max_off is None or not t.every.off:
            return None
        k = -(-t.max_off // t.every.off)
        return k * t.every.need
    if any(x.off is None for x in t.tiers):
        return None
    return t.tiers[-1].need


class Relaxation:
    """An upper bound on layer 4's discount as a function of the contested pools' bases."""

    def __init__(self, ctx: Context, plan: PlatformPlan, cc_all: list[Promo]) -> None:
        lines = ctx.lines
        pools: dict[tuple[int, ...], int] = {}
        self.pool_lines: list[tuple[int, ...]] = []

        def pool(members: list[int]) -> int:
            key = tuple(sorted(members))
            k = pools.get(key)
            if k is None:
                k = pools[key] = len(self.pool_lines)
                self.pool_lines.append(key)
            return k

        self.terms: list[_Term] = []
        ccs = {c.id for c in cc_all}
        for p in plan.promos:
            if p.is_coupon and p.id not in ccs:
                continue
            if p.has_scope:
                idx = [i for i in ctx.eligible_idx if p.in_scope(lines[i].item, lines[i].category)]
            else:
                idx = ctx.eligible_idx
            if not idx:
                continue
            if p.is_voucher:
                held = plan.held.get(p.id, 0)
                if held <= 0:
                    continue
                by: dict[int, tuple[Threshold, list[int]]] = {}
                for i in idx:
                    t = plan.voucher_tiers.get(lines[i].shop, {}).get(lines[i].category)
                    if t is not None:
                        by.setdefault(id(t), (t, []))[1].append(i)
                if by:
                    avail = min(p.max_per_checkout, held)
                    self.terms.append(_Term(p, "v", [(t, pool(m)) for t, m in by.values()], avail))
            elif p.kind == "cross_shop_reduction":
                byx: dict[object, tuple[Threshold, list[int]]] = {}
                for i in idx:
                    t = plan.cross_tiers.get((p.id, lines[i].shop)) or p.threshold
                    assert t is not None
                    byx.setdefault(t.key, (t, []))[1].append(i)
                self.terms.append(_Term(p, "x", [(t, pool(m)) for t, m in byx.values()]))
            elif p.threshold is not None:
                self.terms.append(_Term(p, "c", [(p.threshold, pool(idx))]))
        self.balance = plan.balance
        self.n = len(self.pool_lines)
        self.parallel = ctx.parallel
        self.a1 = ctx.a1
        self.line_pools: dict[int, list[int]] = {}
        for k, members in enumerate(self.pool_lines):
            for i in members:
                self.line_pools.setdefault(i, []).append(k)
        # filled by fix(): which pools are contested (dimensions) and the constant bases of the others
        self.dims: list[int] = []
        self.dim_of: dict[int, int] = {}
        self.const: list[int] = [0] * self.n
        self.caps: tuple[int | None, ...] = ()

    def pool_values(self, run: dict[int, int]) -> list[int]:
        """Every pool's base for the given amounts per line (lines not given count 0)."""
        out = [0] * self.n
        for i, v in run.items():
            for k in self.line_pools.get(i, ()):
                out[k] += v
        return out

    def fix(self, lo: list[int], hi: list[int]) -> None:
        """Given each pool's smallest and largest reachable base, keep as dimensions the pools whose
        terms can change; the others are constants (taken at their largest base)."""
        if self.parallel:  # thresholds on A1: nothing a choice does moves a base
            for k, members in enumerate(self.pool_lines):
                self.const[k] = sum(self.a1[i] for i in members)
            return
        contested = set()
        for term in self.terms:
            for t, k in term.pools:
                if lo[k] == hi[k]:
                    continue
                a, b = _value(term, t, lo[k]), _value(term, t, hi[k])
                if a != b:
                    contested.add(k)
        self.dims = sorted(contested)
        self.dim_of = {k: d for d, k in enumerate(self.dims)}
        for k in range(self.n):
            self.const[k] = hi[k]
        caps: list[int | None] = []
        for k in self.dims:
            flats = [_flat_from(t) for term in self.terms for t, kk in term.pools if kk == k]
            caps.append(None if any(f is None for f in flats) else max(f for f in flats if f is not None))
        self.caps = tuple(caps)

    def bound(self, bases: tuple[int, ...], disabled: frozenset[str], cc_off: frozenset[str]) -> int:
        """The most layer 4 can take off when the contested pools have ``bases``."""
        dim_of = self.dim_of
        const = self.const
        total = 0
        capped = 0
        for term in self.terms:
            pid = term.promo.id
            if pid in disabled or pid in cc_off:
                continue
            if term.kind == "v":
                wants = 0
                for t, k in term.pools:
                    d = dim_of.get(k)
                    wants += t.discount(const[k] if d is None else bases[d]) // term.face
                total += min(term.avail, wants) * term.face
            elif term.kind == "x":
                got = 0
                for t, k in term.pools:
                    d = dim_of.get(k)
                    base = const[k] if d is None else bases[d]
                    got += min(t.discount(base), base)
                if term.promo.balance_capped:
                    capped += got
                else:
                    total += got
            else:
                t, k = term.pools[0]
                d = dim_of.get(k)
                total += t.discount(const[k] if d is None else bases[d])
        return total + min(capped, max(self.balance, 0))


def _value(term: _Term, t: Threshold, base: int) -> int:
    if term.kind == "v":
        return t.discount(base) // term.face
    if term.kind == "x":
        return min(t.discount(base), base)
    return t.discount(base)


# -- Pareto fronts over (cost, contested bases) --------------------------------------------------------


def _pareto(points: list[Point]) -> list[Point]:
    """Points no other point beats: lower or equal cost and higher or equal bases (one kept per tie)."""
    best: dict[tuple[int, ...], int] = {}
    for c, b in points:
        old = best.get(b)
        if old is None or c < old:
            best[b] = c
    ordered = sorted(((c, b) for b, c in best.items()), key=lambda p: (p[0], [-x for x in p[1]]))
    if not ordered or not ordered[0][1]:
        return ordered[:1]
    kept: list[Point] = []
    if len(ordered[0][1]) == 1:
        top = None
        for c, b in ordered:
            if top is None or b[0] > top:
                kept.append((c, b))
                top = b[0]
        return kept
    if len(ordered[0][1]) == 2:
        # a staircase of the kept bases, first base ascending and second descending: the first step at or
        # right of a point's first base has the largest second base among those that could dominate it
        xs: list[int] = []
        ys: list[int] = []
        for c, b in ordered:
            x, y = b
            k = bisect_left(xs, x)
            if k < len(xs) and ys[k] >= y:
                continue
            kept.append((c, b))
            j = k
            while j > 0 and ys[j - 1] <= y:
                j -= 1
            xs[j:k] = [x]
            ys[j:k] = [y]
            if j + 1 < len(xs) and xs[j + 1] == x:  # same first base, smaller second: now dominated
                del xs[j + 1], ys[j + 1]
        return kept
    for c, b in ordered:
        for _, kb in kept:
            if all(x <= y for x, y in zip(b, kb)):
                break
        else:
            kept.append((c, b))
    return kept


def _coarsen(points: list[Point], size: int) -> list[Point]:
    """At most ``size`` points, each dominating the points it replaces (cheapest cost, largest bases)."""
    if len(points) <= size:
        return points
    points = sorted(points)
    out: list[Point] = []
    step = -(-len(points) // size)
    for s in range(0, len(points), step):
        chunk = points[s : s + step]
        out.append((chunk[0][0], tuple(max(col) for col in zip(*(b for _, b in chunk)))))
    return _pareto(out)


class Fronts:
    """Front arithmetic with the contested pools' caps, counting work."""

    def __init__(self, caps: tuple[int | None, ...], work: list[int]) -> None:
        self.caps = caps
        self.work = work

    def plus(self, a: list[Point], b: list[Point]) -> list[Point]:
        """The Minkowski sum of two fronts, pruned."""
        if len(a) * len(b) > 4 * FRONT_SIZE * FRONT_SIZE:
            a, b = _coarsen(a, 2 * FRONT_SIZE), _coarsen(b, 2 * FRONT_SIZE)
        self.work[0] += len(a) * len(b)
        caps = self.caps
        out = []
        for ca, ba in a:
            for cb, bb in b:
                out.append((ca + cb, tuple(x + y if cap is None else min(cap, x + y) for x, y, cap in zip(ba, bb, caps))))
        return _coarsen(_pareto(out), FRONT_SIZE)

    def union(self, fronts: list[list[Point]]) -> list[Point]:
        """The front of a choice among alternatives."""
        return _coarsen(_pareto([p for f in fronts for p in f]), FRONT_SIZE)


# -- the search ----------------------------------------------------------------------------------------


def tie_key(total: int, coupons: list[Promo], options: tuple[ShopOption, ...]) -> tuple[object, ...]:
    """How combinations compare: total payable, then fewer coupons, then coupons declared first (their
    positions, sorted), then the larger shop discount, then the shop promotions declared first."""
    return (total, len(coupons), sorted(c.pos for c in coupons), -sum(o.shop_off for o in options),
            [o.shop_result.promo.pos if o.shop_result else -1 for o in options])  # fmt: skip


Evaluate = Callable[[tuple[ShopOption, ...], tuple[Promo, ...], frozenset[str]],
                    tuple[tuple[object, ...], list[int], object, object] | None]  # fmt: skip


class Search:
    """Branch and bound over the decisions of one quote (see the module docstring)."""

    def __init__(self, ctx: Context, plan: PlatformPlan, shops: list[list[Mode]], cc_free: list[Promo],
                 cc_fixed: tuple[Promo, ...], alts: list[frozenset[str]], evaluate: Evaluate, dep_total: int,
                 budget: int = BUDGET, *, floor: Callable[[int], int] | None = None) -> None:  # fmt: skip
        self.ctx = ctx
        self.floor = floor  # the payment layer: a lower bound on the cash due for what goods still owe
        self.alts = alts
        self.evaluate = evaluate
        self.dep_total = dep_total
        self.budget = budget
        self.work = [0]
        self.cc_free = cc_free
        self.cc_fixed = cc_fixed
        # shops with item coupons last: their item-by-item decisions then meet small fronts
        self.order = sorted(range(len(shops)), key=lambda k: (sum(len(m.units) for m in shops[k]), k))
        self.shops = shops
        self.position = [0] * len(shops)  # search position of each shop, to hand choices back in cart order
        for pos, k in enumerate(self.order):
            self.position[k] = pos
        self.rel = Relaxation(ctx, plan, list(cc_free) + list(cc_fixed))
        self._prepare()
        self.best: tuple[object, ...] | None = None
        self.best_key: tuple[object, ...] | None = None
        self.open_bound: int | None = None
        self.exhausted = False
        self.leaf_cost = max(1, len(ctx.eligible_idx))

    # points ------------------------------------------------------------------------------------------

    def _point(self, run: dict[int, int]) -> Point:
        values = self.rel.pool_values(run)
        caps = self.rel.caps
        b = tuple(values[k] if cap is None else min(cap, values[k]) for k, cap in zip(self.rel.dims, caps))
        return sum(run.values()), b

    def _prepare(self) -> None:
        rel = self.rel
        n = rel.n
        lo = [0] * n
        hi = [0] * n
        for modes in self.shops:  # each pool's reachable range, shop by shop
            slo: list[int] | None = None
            shi: list[int] | None = None
            for m in modes:
                if m.option is not None:
                    vals = rel.pool_values(dict(zip(m.idx, m.option.run3)))
                    mlo = mhi = vals
                else:
                    mhi = rel.pool_values(m.base)
                    mlo = list(mhi)
                    for u in m.units:
                        most = [0] * n
                        for _, r in u.choices:
                            if r is not None:
                                cut = rel.pool_values(r.shares)
                                most = [max(x, y) for x, y in zip(most, cut)]
                        mlo = [x - y for x, y in zip(mlo, most)]
                slo = mlo if slo is None else [min(x, y) for x, y in zip(slo, mlo)]
                shi = mhi if shi is None else [max(x, y) for x, y in zip(shi, mhi)]
            if slo is not None and shi is not None:
                lo = [x + y for x, y in zip(lo, slo)]
                hi = [x + y for x, y in zip(hi, shi)]
        rel.fix(lo, hi)
        self.F = Fronts(rel.caps, self.work)
        zero: list[Point] = [(0, tuple(0 for _ in rel.dims))]
        self.zero = zero
        # per mode: the fixed part and the fronts of its units from j on
        self.mode_fixed: dict[int, Point] = {}
        self.mode_point: dict[int, Point] = {}  # a fixed option's point, priced once
        self.unit_points: dict[tuple[int, int], list[Point]] = {}
        self.unit_suffix: dict[tuple[int, int], list[Point]] = {}
        shop_fronts: list[list[Point]] = []
        for modes in self.shops:
            fronts = []
            for m in modes:
                if m.option is not None:
                    self.mode_point[id(m)] = self._point(dict(zip(m.idx, m.option.run3)))
                    fronts.append([self.mode_point[id(m)]])
                    continue
                self.mode_fixed[id(m)] = self._point({i: m.base[i] for i in m.fixed_lines})
                suffix = zero
                self.unit_suffix[(id(m), len(m.units))] = suffix
                for j in range(len(m.units) - 1, -1, -1):
                    u = m.units[j]
                    pts = []
                    for _, r in u.choices:
                        run = {i: m.base[i] - (r.shares.get(i, 0) if r is not None else 0) for i in u.lines}
                        pts.append(self._point(run))
                    self.unit_points[(id(m), j)] = pts
                    suffix = self.F.plus(_pareto(pts), suffix)
                    self.unit_suffix[(id(m), j)] = suffix
                fronts.append(self.F.plus([self.mode_fixed[id(m)]], suffix))
            shop_fronts.append(self.F.union(fronts) if fronts else zero)
        # suffix fronts over shops in search order
        self.G: list[list[Point]] = [zero] * (len(self.order) + 1)
        acc = zero
        for pos in range(len(self.order) - 1, -1, -1):
            acc = self.F.plus(shop_fronts[self.order[pos]], acc)
            self.G[pos] = acc
        self._inner: dict[tuple[int, int, int], list[Point]] = {}
        self._memo: dict[tuple[frozenset[str], frozenset[str]], dict[tuple[int, ...], int]] = {}

    def _inner_front(self, m: Mode, j: int, pos: int) -> list[Point]:
        """Front of a mode's units from ``j`` on plus the shops after search position ``pos``."""
        key = (id(m), j, pos)
        f = self._inner.get(key)
        if f is None:
            f = self._inner[key] = self.F.plus(self.unit_suffix[(id(m), j)], self.G[pos + 1])
        return f

    def _lower(self, fixed: Point, front: list[Point], disabled: frozenset[str], cc_off: frozenset[str]) -> int:
        """The smallest payable any completion can reach (admissible)."""
        c0, b0 = fixed
        caps = self.rel.caps
        bound = self.rel.bound
        self.work[0] += len(front)
        memo = self._memo.setdefault((disabled, cc_off), {})
        best = None
        for c, b in front:
            bases = tuple(x + y if cap is None else min(cap, x + y) for x, y, cap in zip(b0, b, caps))
            off = memo.get(bases)
            if off is None:
                off = memo[bases] = bound(bases, disabled, cc_off)
            v = c0 + c - off
            if best is None or v < best:
                best = v
        assert best is not None
        return best - self.dep_total if self.floor is None else self.floor(best - self.dep_total)

    # search ------------------------------------------------------------------------------------------

    def run(self) -> Found:
        """Search every alternative; the best combination, proven unless the budget ran out."""
        for ai, disabled in enumerate(self.alts):
            self._cc(ai, disabled, 0, [], frozenset())
        optimal = not self.exhausted
        if self.best is None or self.best_key is None:
            return Found(None, optimal, None, self.work[0])  # no alternative was an outcome: the caller decides
        total = self.best_key[0]
        assert isinstance(total, int)
        lower = total if optimal or self.open_bound is None else min(total, self.open_bound)
        return Found(self.best, optimal, lower, self.work[0])

    def _spend(self, bound: int) -> bool:
        """Whether the budget is used up (then the subtree's bound is kept as unexplored)."""
        if self.work[0] > self.budget and self.best is not None:
            self.exhausted = True
            self.open_bound = bound if self.open_bound is None else min(self.open_bound, bound)
            return True
        return False

    def _prunes(self, bound: int, coupons: list[Promo]) -> bool:
        """Whether no completion of a node with this bound and these coupons can beat the best key."""
        if self.best_key is None:
            return False
        bt, bn, bpos = self.best_key[0], self.best_key[1], self.best_key[2]
        assert isinstance(bt, int) and isinstance(bn, int) and isinstance(bpos, list)
        if bound != bt:
            return bound > bt
        if len(coupons) != bn:
            return len(coupons) > bn
        return sorted(c.pos for c in coupons) > bpos

    def _cc(self, ai: int, disabled: frozenset[str], k: int, chosen: list[Promo], off: frozenset[str]) -> None:
        if k == len(self.cc_free):
            cc = tuple(self.cc_fixed) + tuple(chosen)
            self._shop(ai, disabled, cc, off, 0, [], (0, self.zero[0][1]))
            return
        p = self.cc_free[k]
        kids = []
        for take in (True, False):
            ch = [*chosen, p] if take else chosen
            o = off if take else off | {p.id}
            # the ones still undecided count as on: an upper bound
            kids.append((self._lower(self.zero[0], self.G[0], disabled, o), take, ch, o))
        kids.sort(key=lambda x: (x[0], x[1]))  # on a tie, without the coupon first
        for bound, _, ch, o in kids:
            if self._prunes(bound, list(self.cc_fixed) + ch):
                continue
            if self._spend(bound):
                continue
            self._cc(ai, disabled, k + 1, ch, o)

    def _shop(self, ai: int, disabled: frozenset[str], cc: tuple[Promo, ...], off: frozenset[str], pos: int,
              picked: list[ShopOption], fixed: Point) -> None:  # fmt: skip
        if pos == len(self.order):
            self._leaf(ai, disabled, cc, picked)
            return
        modes = self.shops[self.order[pos]]
        kids = []
        for m in modes:
            if m.option is not None:
                nf = self._add(fixed, self.mode_point[id(m)])
                kids.append((self._lower(nf, self.G[pos + 1], disabled, off), len(m.option.coupons), m, nf))
            else:
                nf = self._add(fixed, self.mode_fixed[id(m)])
                kids.append((self._lower(nf, self._inner_front(m, 0, pos), disabled, off), 0, m, nf))
        kids.sort(key=lambda x: (x[0], x[1]))
        base_coupons = [c for o in picked for c in o.coupons] + list(cc)
        for bound, _, m, nf in kids:
            coupons = base_coupons + list(m.option.coupons if m.option is not None else ())
            if self._prunes(bound, coupons):
                continue
            if self._spend(bound):
                continue
            if m.option is not None:
                self._shop(ai, disabled, cc, off, pos + 1, [*picked, m.option], nf)
            else:
                self._unit(ai, disabled, cc, off, pos, picked, m, 0, [], nf, coupons)

    def _unit(self, ai: int, disabled: frozenset[str], cc: tuple[Promo, ...], off: frozenset[str], pos: int,
              picked: list[ShopOption], m: Mode, j: int, picks: list[tuple[Promo | None, Applied | None]],
              fixed: Point, coupons: list[Promo]) -> None:  # fmt: skip
        if j == len(m.units):
            self._shop(ai, disabled, cc, off, pos + 1, [*picked, m.build(picks)], fixed)
            return
        kids = []
        front = self._inner_front(m, j + 1, pos)
        for choice, pt in zip(m.units[j].choices, self.unit_points[(id(m), j)]):
            nf = self._add(fixed, pt)
            kids.append((self._lower(nf, front, disabled, off), choice[0] is not None, choice, nf))
        kids.sort(key=lambda x: (x[0], x[1]))
        for bound, _, choice, nf in kids:
            cs = [*coupons, choice[0]] if choice[0] is not None else coupons
            if self._prunes(bound, cs):
                continue
            if self._spend(bound):
                continue
            self._unit(ai, disabled, cc, off, pos, picked, m, j + 1, [*picks, choice], nf, cs)

    def _add(self, a: Point, b: Point) -> Point:
        caps = self.rel.caps
        return a[0] + b[0], tuple(x + y if cap is None else min(cap, x + y) for x, y, cap in zip(a[1], b[1], caps))

    def _leaf(self, ai: int, disabled: frozenset[str], cc: tuple[Promo, ...], picked: list[ShopOption]) -> None:
        self.work[0] += self.leaf_cost
        choice = tuple(picked[pos] for pos in self.position)
        done = self.evaluate(choice, cc, disabled)
        if done is None:
            return  # not an outcome (an instrument switched off for nothing)
        key, r, applied, skipped = done
        key = (*key, ai)
        if self.best_key is None or key < self.best_key:
            self.best_key = key
            self.best = (key, choice, cc, r, applied, skipped)

