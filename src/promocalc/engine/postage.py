"""Free postage (包邮) and gifts (满赠): reached on the shop's lines after item discounts, beside the price."""

from __future__ import annotations

from .compile import Compiled
from .compiled import Promo
from .context import Context, Skipped


class GiftLine:
    """A gift added to a shop order: price 0.00, a quantity and a declared value per unit."""

    __slots__ = ("id", "shop", "item", "qty", "value", "promo")

    def __init__(self, id: str, shop: str, item: str, qty: int, value: int, promo: Promo) -> None:
        self.id = id
        self.shop = shop
        self.item = item
        self.qty = qty
        self.value = value
        self.promo = promo


class Extras:
    """Per shop: the postage charged and waived; the waivers and gifts that applied; the gift lines."""

    __slots__ = ("postage", "waived", "applied", "skipped", "gifts")

    def __init__(self) -> None:
        self.postage: dict[str, int] = {}
        self.waived: dict[str, int] = {}
        self.applied: list[tuple[Promo, str, int]] = []  # (promotion, shop, postage waived or gifts' value)
        self.skipped: list[Skipped] = []
        self.gifts: list[GiftLine] = []


def _base(ctx: Context, p: Promo, idx: list[int]) -> tuple[int, int] | None:
    """What counts toward ``p`` in one shop: (A1 in fen, units) of its in-scope lines, presale lines out."""
    lines = ctx.lines
    mine = [i for i in idx if lines[i].presale is None and p.in_scope(lines[i].item, lines[i].category)]
    if not mine:
        return None
    return sum(ctx.a1[i] for i in mine), sum(lines[i].qty for i in mine)


def _reached(p: Promo, base: tuple[int, int]) -> int:
    """How far ``base`` is from ``p``'s threshold (0 when reached)."""
    have = base[1] if p.by_items else base[0]
    return max(0, p.need - have)


def postage_and_gifts(ctx: Context, camp: Compiled) -> Extras:
    """Which shops' postage is waived and which gifts are earned, for a priced cart."""
    out = Extras()
    cart = ctx.cart
    if not camp.postage_promos and not camp.gift_promos:  # nothing to waive or give: the postage as charged
        charged = out.postage
        given = cart.postage
        shops = camp.shops
        # every shop of the cart in the order its lines first come (deposit payments are in no ``by_shop``)
        for sid in dict.fromkeys([ln.shop for ln in ctx.lines]) if ctx.has_presale else ctx.by_shop:
            charged[sid] = given.get(sid, shops[sid].postage)
        return out
    active = ctx.active
    taken: set[str] | None = None  # line ids, built only when a gift line needs a new one
    shop_ids = list(dict.fromkeys(ln.shop for ln in ctx.lines))
    for sid in shop_ids:
        post = cart.postage.get(sid, camp.shops[sid].postage)
        out.postage[sid] = post
        idx = ctx.by_shop.get(sid, [])
        promos = [p for p in camp.postage_promos.get(sid, ()) if p.id in active]
        if post > 0 and promos:
            reached: list[Promo] = []
            missed: list[Skipped] = []
            for p in promos:
                base = _base(ctx, p, idx)
                if base is None:
                    continue
                gap = _reached(p, base)
                if gap:
                    missed.append(Skipped(p, "threshold_not_met", gap=gap))
                elif cart.region is not None and cart.region in p.regions:
                    missed.append(Skipped(p, "region_excluded", detail=f"region {cart.region} pays postage"))
                else:
                    reached.append(p)
            if reached:
                win = min(reached, key=lambda p: (p.by_items, p.need, p.pos))
                out.waived[sid] = post
                out.postage[sid] = 0
                out.applied.append((win, sid, post))
                out.skipped += [Skipped(p, "postage_already_waived", by=win.id) for p in reached if p is not win]
            else:
                out.skipped += missed
        for p in camp.gift_promos.get(sid, ()):
            if p.id not in active:
                continue
            base = _base(ctx, p, idx)
            if base is None:
                continue
            gap = _reached(p, base)
            if gap:
                out.skipped.append(Skipped(p, "threshold_not_met", gap=gap))
                continue
            value = 0
            if taken is None:
                taken = {ln.id for ln in ctx.lines}
            for k, (item, qty, unit_value) in enumerate(p.gifts):
                gid = f"gift:{p.id}:{k + 1}"
                while gid in taken:
                    gid += "'"
                taken.add(gid)
                out.gifts.append(GiftLine(gid, sid, item, qty, unit_value, p))
                value += qty * unit_value
            out.applied.append((p, sid, value))
    return out

