"""Layer 1 (单品级): one item-level promotion per line, campaign prices first, ``limit_qty`` in cart order."""

from __future__ import annotations

from .compiled import Promo
from .context import Context


def apply_item_layer(ctx: Context, promos_by_shop: dict[str, list[Promo]]) -> None:
    """Fix A1, the deposit and the per-unit weights of every line."""
    used: dict[tuple[str, str], int] = {}  # (promotion, item) -> units already promoted
    active = ctx.active
    a1 = ctx.a1
    item_of = ctx.item_of
    item_off = ctx.item_off
    for ln in ctx.lines:
        i = ln.pos
        ps = ln.presale
        price = ln.price
        qty = ln.qty
        if ps is not None and ps.deposit_stage:
            # deposit payment: the deposit alone is paid, nothing applies
            a1[i] = ps.deposit * qty
            continue
        best: Promo | None = None
        best_amount = 0
        best_n = 0
        best_unit = 0
        item = ln.item
        for p in promos_by_shop.get(ln.shop, ()):
            if p.id not in active:
                continue
            if p.has_scope and not p.in_scope(item, ln.category):
                continue
            if best is not None and best.campaign_price and not p.campaign_price:
                continue
            unit = p.unit_prices.get(price)
            if unit is None:
                unit = p.unit_price(price)
            n = qty
            if p.limit_qty is not None:
                n = max(0, min(n, p.limit_qty - used.get((p.id, item), 0)))
            amount = unit * n + price * (qty - n)
            if best is None or (p.campaign_price and not best.campaign_price) or amount < best_amount:
                best, best_amount, best_n, best_unit = p, amount, n, unit
        if best is None or best_amount >= price * qty:
            if ps is None:  # no promotion: the list amount
                a1[i] = price * qty
                continue
            best_n, best_unit = 0, price
        else:
            item_of[i] = best
            item_off[i] = price * qty - best_amount
            if best.limit_qty is not None:
                key = (best.id, item)
                used[key] = used.get(key, 0) + best_n
            if ps is None:
                a1[i] = best_amount
                if best_n < qty:  # ``limit_qty``: some units at the list price, so unequal unit weights
                    ctx.unit_w[i] = [best_unit] * best_n + [price] * (qty - best_n)
                continue
        expand = ps.deposit_value - ps.deposit + ps.instant_off
        unit_base = max(ps.deposit, best_unit - expand)
        list_base = max(ps.deposit, price - expand)
        ctx.dep[i] = ps.deposit * qty
        a1[i] = unit_base * best_n + list_base * (qty - best_n)
        if item_of[i] is not None:
            # a presale base never drops below the deposit: the promotion took off only what A1 lost
            item_off[i] = (list_base - unit_base) * best_n
        if 0 < best_n < qty:
            ctx.unit_w[i] = [unit_base] * best_n + [list_base] * (qty - best_n)
