"""Layer 2 (店铺级): shop reductions and quantity deals; at most one per shop order."""

from __future__ import annotations

from .compiled import Promo
from .context import Applied, Context, Skipped


def shop_promotion(ctx: Context, p: Promo, idx: list[int], run: list[int]) -> Applied | Skipped:
    """Apply shop-level promotion ``p`` to the shop's lines ``idx``; thresholds and weights are A1 (the sequential
    and parallel rulesets), and ``run`` holds A1 too: what layer 1 left on each line."""
    lines = ctx.lines
    a1 = ctx.a1
    scope = [i for i in idx if p.in_scope(lines[i].item, lines[i].category)] if p.has_scope else idx
    if not scope:
        return Skipped(p, "no_lines_in_scope")
    assert p.threshold is not None
    weights = [a1[i] for i in scope]
    base = sum(weights)
    items = sum(lines[i].qty for i in scope) if p.threshold.by_items else 0
    t = p.threshold
    off = t.discount(base, items)
    if off <= 0 and t.every is None and t.reached(items if t.by_items else base) >= 0:
        return Skipped(p, "nothing_to_discount")  # a tier is reached but its rate gives nothing on this base
    if off <= 0:
        return Skipped(p, "threshold_not_met", gap=t.gap(base, items))
    off = min(off, base)
    shares = ctx.settle(scope, off, weights, run, by_owed=not ctx.has_presale)  # ``run`` is A1 here
    if shares is None:
        return Skipped(p, "would_go_negative")
    if not shares:  # every line in scope was already at zero (a free item, a spent presale tail)
        return Skipped(p, "nothing_to_discount")
    return Applied(p, shares, base=base, items=items)
