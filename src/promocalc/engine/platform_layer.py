"""Layer 4 (跨店级): category vouchers, cross-shop reductions / the allowance, and category coupons.

Instruments apply in declared order over eligible lines (member shops, ``platform_eligible``,
not deposit payments). Lines pool across shops when their tiers are identical.
"""

from __future__ import annotations

from typing import Any

from ..thresholds import Threshold
from .compiled import Promo
from .context import Applied, Context, Skipped
from .coupon_layer import redeem


class PlatformPlan:
    """The platform instruments of one checkout, with what each may use (vouchers held, allowance balance)."""

    __slots__ = ("promos", "held", "balance", "cross_tiers", "voucher_tiers", "scopes", "pools")

    def __init__(self, promos: list[Promo], held: dict[str, int], balance: int,
                 cross_tiers: dict[tuple[str, str], Threshold],
                 voucher_tiers: dict[str, dict[str, Threshold]]) -> None:  # fmt: skip
        self.promos = promos
        self.held = held
        self.balance = balance
        self.cross_tiers = cross_tiers
        self.voucher_tiers = voucher_tiers
        # per instrument, what only the cart decides, worked out for the first combination the choice
        # prices and read by the others: its eligible lines in scope, and how they pool by tiers
        self.scopes: dict[str, list[int]] = {}
        self.pools: dict[str, list[tuple[Threshold, list[int]]]] = {}


_NONE: dict[str, Threshold] = {}
_Wanting = tuple[Any, ...]  # a pool that earns something: (tiers, lines, wanted, base, …)


def _pools(idx: list[int], key_of: dict[int, Threshold]) -> list[tuple[Threshold, list[int]]]:
    pools: dict[object, tuple[Threshold, list[int]]] = {}
    for i in idx:
        t = key_of[i]
        entry = pools.get(t.key)
        if entry is None:
            pools[t.key] = (t, [i])
        else:
            entry[1].append(i)
    return list(pools.values())


def _serve_order(pools: list[_Wanting]) -> list[_Wanting]:
    """Pools (tiers, lines, wanted, base, …): more wanted first, then larger base, then the pool's tiers in
    fen ascending (``Threshold.rank``)."""
    if len(pools) == 1:  # the usual checkout: one pool, nothing to order
        return pools
    return sorted(pools, key=lambda p: (-p[2], -p[3], p[0].rank))


def _pool_info(t: Threshold, idx: list[int], base: int, amount: int, ctx: Context, extra: dict[str, object]) -> dict[str, object]:
    """A pool's figures, kept raw (tiers, line positions, fen); the quote formats them when asked."""
    info: dict[str, object] = {"tiers": t, "base": base, "amount": amount, "lines": idx}
    if extra:
        info.update(extra)
    return info


def category_voucher(ctx: Context, p: Promo, idx: list[int], run: list[int], plan: PlatformPlan) -> Applied | Skipped:
    """Category vouchers: pool lines with identical groups, serve pools within the cap and the vouchers held."""
    lines = ctx.lines
    held = plan.held.get(p.id, 0)
    if held <= 0:
        return Skipped(p, "no_vouchers_held")
    pooled = plan.pools.get(p.id)
    if pooled is None:
        # identical tiers are one compiled Threshold object, so lines pool by identity
        by_tiers: dict[Threshold, list[int]] = {}
        groups = plan.voucher_tiers
        for i in idx:
            ln = lines[i]
            t = groups.get(ln.shop, _NONE).get(ln.category)
            if t is not None:
                members = by_tiers.get(t)
                if members is None:
                    by_tiers[t] = [i]
                else:
                    members.append(i)
        pooled = plan.pools[p.id] = list(by_tiers.items())
    if not pooled:
        return Skipped(p, "no_voucher_group")
    measure = ctx.a1 if ctx.parallel else run
    dep = ctx.dep
    face = p.face
    reject = ctx.reject
    wanting = []
    notes: list[tuple[Threshold, list[int], int, int, dict[str, object]]] = []  # made into dicts only if applied
    best_gap: int | None = None
    best_tiers: Threshold | None = None
    has_presale = ctx.has_presale
    for t, members in pooled:
        weights = [measure[i] for i in members]
        base = sum(weights)
        wants = t.discount(base) // face
        if wants <= 0:
            gap = t.gap(base)
            if best_gap is None or gap < best_gap:
                best_gap, best_tiers = gap, t
            notes.append((t, members, base, 0, {"reason": "threshold_not_met", "gap": gap}))
            continue
        if not reject:  # no more vouchers than the lines still owe
            if measure is run and not has_presale:
                owed = base
            else:
                owed = sum([run[i] - dep[i] for i in members])
            wants = min(wants, owed // face)
            if wants <= 0:
                continue
        wanting.append((t, members, wants, base, weights))
    if not wanting:
        return Skipped(p, "threshold_not_met", gap=best_gap, tiers=best_tiers)
    available = min(p.max_per_checkout, held)
    shares: dict[int, int] = {}
    used = 0
    tail_failed = False
    for t, members, wants, base, weights in _serve_order(wanting):
        n = min(wants, available)
        if n <= 0:
            notes.append((t, members, base, 0, {"reason": "voucher_limit"}))
            continue
        amount = n * face
        if ctx.has_presale and not ctx.presale_ok(members, amount, weights, run, p.inclusive_tail):
            tail_failed = True
            notes.append((t, members, base, 0, {"reason": "presale_tail_too_small"}))
            continue
        got = ctx.settle(members, amount, weights, run, by_owed=measure is run and not has_presale)
        if got is None:
            return Skipped(p, "would_go_negative")
        shares.update(got)
        used += n
        available -= n
        notes.append((t, members, base, sum(got.values()), {"vouchers": n}))
    if not used:
        return Skipped(p, "presale_tail_too_small" if tail_failed else "voucher_limit")
    if len(wanting) > 1:
        shares = dict(sorted(shares.items()))  # pools are served out of line order; shares are kept in it
    return Applied(p, shares, vouchers=used, pools=[_pool_info(t, m, b, a, ctx, x) for t, m, b, a, x in notes])


def cross_shop(ctx: Context, p: Promo, idx: list[int], run: list[int], plan: PlatformPlan,
               balance_left: int | None = None) -> Applied | Skipped:  # fmt: skip
    """Cross-shop reduction: repeating tiers per pool of identical shop tiers; the allowance is capped by the balance.

    ``balance_left`` is what earlier balance-capped instruments of this checkout left of the balance.
    """
    pooled = plan.pools.get(p.id)
    if pooled is None:
        lines = ctx.lines
        key_of = {i: plan.cross_tiers.get((p.id, lines[i].shop)) or p.threshold for i in idx}
        pooled = plan.pools[p.id] = _pools(idx, key_of)  # type: ignore[arg-type]
    measure = ctx.a1 if ctx.parallel else run
    wanting = []
    best_gap: int | None = None
    best_tiers: Threshold | None = None
    notes: list[dict[str, object]] = []
    for t, members in pooled:
        base = sum(measure[i] for i in members)
        off = min(t.discount(base), base)
        if off <= 0:
            gap = t.gap(base)
            if best_gap is None or gap < best_gap:
                best_gap, best_tiers = gap, t
            notes.append(_pool_info(t, members, base, 0, ctx, {"reason": "threshold_not_met", "gap": gap}))
            continue
        wanting.append((t, members, off, base))
    if not wanting:
        return Skipped(p, "threshold_not_met", gap=best_gap, tiers=best_tiers)
    balance = (plan.balance if balance_left is None else balance_left) if p.balance_capped else None
    if balance is not None and balance <= 0:
        return Skipped(p, "no_allowance_balance")
    shares: dict[int, int] = {}
    for t, members, off, base in _serve_order(wanting):
        if balance is not None:
            off = min(off, balance)
            if off <= 0:
                notes.append(_pool_info(t, members, base, 0, ctx, {"reason": "balance_used_up"}))
                continue
        got = ctx.settle(members, off, [measure[i] for i in members], run,
                         by_owed=measure is run and not ctx.has_presale)  # fmt: skip
        if got is None:
            return Skipped(p, "would_go_negative")
        applied = sum(got.values())
        if balance is not None:
            balance -= applied
        shares.update(got)
        notes.append(_pool_info(t, members, base, applied, ctx, {}))
    if not shares:
        return Skipped(p, "nothing_to_discount")
    if len(wanting) > 1:
        shares = dict(sorted(shares.items()))  # pools are served out of line order; shares are kept in it
    return Applied(p, shares, pools=notes)


def category_coupon(ctx: Context, p: Promo, idx: list[int], run: list[int], taken: set[int]) -> Applied | Skipped:
    """Category coupons: a stepped threshold over the lines of its categories across shops; one per line."""
    lines = ctx.lines
    scope = [i for i in idx if i not in taken and p.in_scope(lines[i].item, lines[i].category)]
    if not scope:
        return Skipped(p, "no_lines_in_scope")
    return redeem(ctx, p, scope, run)


def _excluder(p: Promo, applied: list[Applied]) -> str | None:
    """The first instrument that applied and excludes ``p`` or is excluded by it (``excludes`` is symmetric)."""
    return next((a.promo.id for a in applied if p.id in a.promo.excludes or a.promo.id in p.excludes), None)


def apply_platform(ctx: Context, plan: PlatformPlan, coupons: tuple[Promo, ...], disabled: frozenset[str],
                   run: list[int]) -> tuple[list[Applied], list[Skipped]] | None:  # fmt: skip
    """Apply the platform layer in declared order on ``run`` (modified in place).

    ``None`` when ``disabled`` switched off an instrument that could apply although nothing that excludes it
    applied: the buyer gives up one of two instruments only for the other, so that is no outcome at all.
    """
    applied: list[Applied] = []
    skipped: list[Skipped] = []
    switched_off: list[Skipped] | None = None
    lines = ctx.lines
    eligible = ctx.eligible
    chosen = {c.id for c in coupons}
    taken: set[int] = set()
    balance = plan.balance  # one allowance balance for every balance-capped instrument of the checkout
    for p in plan.promos:
        if p.is_coupon and p.id not in chosen:
            continue
        if applied and (p.excludes or any(a.promo.excludes for a in applied)):
            blocker = _excluder(p, applied)
            if blocker is not None:
                skipped.append(Skipped(p, "excluded_by", by=blocker))
                continue
        off = p.id in disabled  # switched off for an instrument it excludes (selection alternatives)
        if p.has_scope:
            idx = plan.scopes.get(p.id)  # type: ignore[assignment]
            if idx is None:
                idx = plan.scopes[p.id] = [ln.pos for ln in lines if eligible[ln.pos] and p.in_scope(ln.item, ln.category)]
        else:
            idx = ctx.eligible_idx
        if not idx:
            in_scope = [ln for ln in lines if p.in_scope(ln.item, ln.category)]
            reason = "no_lines_in_scope"
            if in_scope and all(ln.shop not in ctx.members for ln in in_scope):
                reason = "not_campaign_member"
            elif in_scope:
                reason = "not_platform_eligible"
            skipped.append(Skipped(p, reason))
            continue
        if p.is_voucher:
            res = category_voucher(ctx, p, idx, run, plan)
        elif p.kind == "cross_shop_reduction":
            res = cross_shop(ctx, p, idx, run, plan, balance)
        else:
            res = category_coupon(ctx, p, idx, run, taken)
        if off:
            if isinstance(res, Applied):  # it could apply: the other one was chosen over it (named below)
                res = Skipped(p, "excluded_by")
                if switched_off is None:
                    switched_off = []
                switched_off.append(res)
        elif isinstance(res, Applied) and p.balance_capped:
            balance -= res.amount
        if isinstance(res, Applied):
            if p.kind == "category_coupon":
                taken.update(res.shares)
            for i, s in res.shares.items():
                run[i] -= s
            applied.append(res)
        else:
            skipped.append(res)
    if switched_off is not None:
        for sk in switched_off:
            sk.by = _excluder(sk.promo, applied)
            if sk.by is None:
                return None
    return applied, skipped
