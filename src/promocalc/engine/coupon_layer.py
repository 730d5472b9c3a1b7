"""Layer 3 (卡券): shop coupons, item coupons and shop red packets held in the wallet."""

from __future__ import annotations

from .compiled import Promo
from .context import Applied, Context, Skipped


def apply_coupon(ctx: Context, p: Promo, idx: list[int], run: list[int]) -> Applied | Skipped:
    """Apply card ``p`` to its lines among the shop's ``idx``, measured on A2 (sequential) or A1 (parallel)."""
    lines = ctx.lines
    scope = [i for i in idx if p.in_scope(lines[i].item, lines[i].category)] if p.has_scope else idx
    if not scope:
        return Skipped(p, "no_lines_in_scope")
    return redeem(ctx, p, scope, run)


def redeem(ctx: Context, p: Promo, scope: list[int], run: list[int]) -> Applied | Skipped:
    """Apply a wallet coupon over ``scope``: its threshold (none for a red packet), the presale tail test
    (presale tails), then the split. Shared by the cards of layer 3 and the category coupons of layer 4."""
    measure = ctx.a1 if ctx.parallel else run
    weights = [measure[i] for i in scope]
    base = sum(weights)
    if p.threshold is None:  # red packet: no threshold
        off = min(p.off, sum(run[i] - ctx.dep[i] for i in scope))
        if off <= 0:
            return Skipped(p, "nothing_to_discount")
    else:
        off = p.threshold.discount(base)
        if off <= 0:
            return Skipped(p, "threshold_not_met", gap=p.threshold.gap(base))
    if ctx.has_presale and not ctx.presale_ok(scope, off, weights, run, inclusive=False):
        return Skipped(p, "presale_tail_too_small")
    shares = ctx.settle(scope, off, weights, run, by_owed=measure is run and not ctx.has_presale)
    if shares is None:
        return Skipped(p, "would_go_negative")
    if not shares:  # every line in scope already pays zero: the card would be spent for nothing
        return Skipped(p, "nothing_to_discount")
    return Applied(p, shares, base=base)
