"""Layer 1 (单品级): one item-level promotion per line, campaign prices first, ``limit_qty`` in cart order."""

from __future__ import annotations

from .compiled import Promo
from .context import Context


def apply_item_layer(ctx: Context, promos_by_shop: dict[str, list[Promo]]) -> None:
    """Fix A1, the deposit and the per-unit weights of every line."""
    used: dict[tuple[str, str], int] = {}  # (promotion, item) -> units already promoted
    active = ctx.active
    for ln in ctx.lines:
        i = ln.pos
        ps = ln.presale
        if ps is not None and ps.deposit_stage:
            # deposit payment: the deposit alone is paid, nothing applies
            ctx.a1[i] = ps.deposit * ln.qty
            continue
        best: Promo | None = None
        best_amount = 0
        best_n = 0
        best_unit = 0
        for p in promos_by_shop.get(ln.shop, ()):
            if p.id not in active or (p.has_scope and not p.in_scope(ln.item, ln.category)):
                continue
            if best is not None and best.campaign_price and not p.campaign_price:
                continue
            unit = p.unit_prices.get(ln.price)
            if unit is None:
                unit = p.unit_price(ln.price)
            n = ln.qty
            if p.limit_qty is not None:
                n = max(0, min(n, p.limit_qty - used.get((p.id, ln.item), 0)))
            amount = unit * n + ln.price * (ln.qty - n)
            if best is None or (p.campaign_price and not best.campaign_price) or amount < best_amount:
                best, best_amount, best_n, best_unit = p, amount, n, unit
        price = ln.price
        if best is not None and best_amount < price * ln.qty:
            ctx.item_of[i] = best
            ctx.item_off[i] = price * ln.qty - best_amount
            if best.limit_qty is not None:
                key = (best.id, ln.item)
                used[key] = used.get(key, 0) + best_n
        else:
            best_n, best_unit = 0, price
        if ps is not None:
            expand = ps.deposit_value - ps.deposit + ps.instant_off
            unit_base = max(ps.deposit, best_unit - expand)
            list_base = max(ps.deposit, price - expand)
            ctx.dep[i] = ps.deposit * ln.qty
        else:
            unit_base, list_base = best_unit, price
        ctx.a1[i] = unit_base * best_n + list_base * (ln.qty - best_n)
        if ps is not None and ctx.item_of[i] is not None:
            # a presale base never drops below the deposit: the promotion took off only what A1 lost
            ctx.item_off[i] = (list_base - unit_base) * best_n
        if 0 < best_n < ln.qty:
            ctx.unit_w[i] = [unit_base] * best_n + [list_base] * (ln.qty - best_n)
