"""Meaning checks on a schema-valid config: references resolve, ids are unique, tiers make sense.

Each check returns :class:`~promocalc.errors.Problem` objects located by their path in the document,
so that every problem of a config is reported at once.
"""

from __future__ import annotations

from ..errors import Problem
from ..money import fmt
from .config import Config, MoneyTier
from .fields import suggest

SHOP_KINDS = {"price", "rate", "amount_off", "shop_reduction", "quantity_deal", "shop_coupon", "item_coupon",
              "free_postage", "gift",
              "shop_red_packet"}  # fmt: skip


def check_tiers(tiers: list[MoneyTier], loc: tuple[str | int, ...], coupon: bool = False) -> list[Problem]:
    """Tiers strictly increasing in spend and off; every off below its spend (coupons: by at least 0.01)."""
    out = []
    for i, t in enumerate(tiers):
        if t.off is not None:
            if t.off >= t.spend:
                what = "a coupon's threshold must exceed its face value by at least 0.01" if coupon else (
                    "off must be below spend")
                out.append(Problem("off_not_below_spend", loc + (i,), f"tier {_label(t)}: {what}"))
            if t.off <= 0:
                out.append(Problem("off_not_positive", loc + (i,), f"tier {_label(t)}: off must be above 0"))
        if i:
            prev = tiers[i - 1]
            if t.spend <= prev.spend:
                out.append(Problem("tiers_not_increasing", loc + (i,),
                                   f"tier {_label(t)}: spend must be above the previous tier's {_label(prev)}"))
            elif prev.off is not None and t.off is not None and t.off <= prev.off:
                out.append(Problem("tiers_not_increasing", loc + (i,),
                                   f"tier {_label(t)}: off must be above the previous tier's {_label(prev)}"))
            elif prev.rate is not None and t.rate is not None and t.rate >= prev.rate:
                out.append(Problem("tiers_not_increasing", loc + (i,),
                                   f"tier {_label(t)}: rate must be below the previous tier's {_label(prev)}"))
    return out


def _label(t: MoneyTier) -> str:
    return f"{fmt(t.spend)}-{fmt(t.off)}" if t.off is not None else f"{fmt(t.spend)}@{t.rate}"


RESERVED_IDS = ("vip88", "coins")
"""Ids the quote gives the 88VIP discount and the coin deduction among its applied instruments."""


def check_references(cfg: Config) -> list[Problem]:
    """Errors a campaign cannot be compiled with: duplicate ids, unresolved references, unusable tiers."""
    out: list[Problem] = []
    shops = cfg.shops
    cats = cfg.categories
    ids: dict[str, int] = {}
    for i, p in enumerate(cfg.promotions):
        if p.id in ids:
            out.append(Problem("duplicate_id", ("promotions", i, "id"),
                               f"promotion id {p.id!r} is already used by promotions[{ids[p.id]}]"))
        else:
            ids[p.id] = i
    for cid, cat in cats.items():
        for gid, tiers in cat.voucher_groups.items():
            loc = ("categories", cid, "voucher_groups", gid)
            if not 1 <= len(tiers) <= 3:
                out.append(Problem("group_size", loc, f"voucher group {gid!r} of {cid!r} has {len(tiers)} tiers; "
                                   "a group has 1 to 3"))
            out += check_tiers(tiers, loc)
            if any(t.off is None for t in tiers):
                out.append(Problem("voucher_tier_rate", loc, f"voucher group {gid!r} tiers must give an amount off"))
    faces = [p.face_value for p in cfg.promotions if p.kind == "category_voucher"]
    for sid, shop in shops.items():
        for cat, group in shop.voucher_groups.items():
            loc = ("shops", sid, "voucher_groups", cat)
            if cat not in cats:
                out.append(Problem("unknown_category", loc, f"unknown category {cat!r}{suggest(cat, cats)}"))
            elif group not in cats[cat].voucher_groups:
                offered = cats[cat].voucher_groups
                hint = suggest(group, offered) or " (offered: {})".format(", ".join(offered) or "none")
                out.append(Problem("unknown_group", loc, f"group {group!r} is not offered for category {cat!r}{hint}"))
        own = shop.cross_shop_tier
        for key, t in (own.items() if isinstance(own, dict) else [(None, own)] if own is not None else []):
            tloc = ("shops", sid, "cross_shop_tier") + ((key,) if key is not None else ())
            out += _check_every(t, tloc)
        if isinstance(shop.cross_shop_tier, dict):
            for pid in shop.cross_shop_tier:
                if pid not in ids:
                    out.append(Problem("unknown_promotion", ("shops", sid, "cross_shop_tier", pid),
                                       f"unknown promotion {pid!r}{suggest(pid, ids)}"))
                elif cfg.promotions[ids[pid]].kind != "cross_shop_reduction":
                    out.append(Problem("wrong_kind", ("shops", sid, "cross_shop_tier", pid),
                                       f"{pid!r} is not a cross_shop_reduction"))
    for i, p in enumerate(cfg.promotions):
        loc = ("promotions", i)
        shop = getattr(p, "shop", None)
        if p.kind in SHOP_KINDS and shop not in shops:
            out.append(Problem("unknown_shop", loc + ("shop",), f"unknown shop {shop!r}{suggest(str(shop), shops)}"))
        for j, ex in enumerate(p.excludes):
            if ex not in ids:
                out.append(Problem("unknown_promotion", loc + ("excludes", j), f"unknown promotion {ex!r}{suggest(ex, ids)}"))
            elif ex == p.id:
                out.append(Problem("self_exclusion", loc + ("excludes", j), f"{p.id!r} excludes itself"))
        if p.scope is not None:
            for j, c in enumerate(p.scope.categories or []):
                if c not in cats:
                    out.append(Problem("unknown_category", loc + ("scope", "categories", j),
                                       f"unknown category {c!r}{suggest(c, cats)}"))
        tiers = getattr(p, "tiers", None)
        if tiers and p.kind != "quantity_deal":
            out += check_tiers(tiers, loc + ("tiers",), coupon=p.kind in ("shop_coupon", "item_coupon", "category_coupon"))
        if p.kind == "quantity_deal":
            for j in range(1, len(p.tiers)):
                if p.tiers[j].items <= p.tiers[j - 1].items:
                    out.append(Problem("tiers_not_increasing", loc + ("tiers", j),
                                       f"tier of {p.tiers[j].items} items: item counts must increase "
                                       f"(the previous tier is {p.tiers[j - 1].items} items)"))
        every = getattr(p, "every", None)
        if every is not None:
            out += _check_every(every, loc + ("every",))
        if p.kind == "item_coupon" and (p.scope is None or not p.scope.items or len(p.scope.items) != 1):
            named = p.scope.items if p.scope is not None and p.scope.items else []
            got = f"it names {len(named)}: {', '.join(named[:5])}{', …' if len(named) > 5 else ''}" if named else (
                "it names none")
            out.append(Problem("item_coupon_scope", loc + ("scope",),
                               f"item coupon {p.id!r}: its scope names exactly one item ({got})"))
        if p.id in RESERVED_IDS:
            out.append(Problem("reserved_id", loc + ("id",),
                               f"promotion id {p.id!r} is reserved for the payment layer ({', '.join(RESERVED_IDS)})"))
        if p.kind == "gift":
            sold = {it for q in cfg.promotions if getattr(q, "shop", None) == shop and q.scope is not None
                    for it in (q.scope.items or [])}  # fmt: skip
            for j, g in enumerate(p.gifts):
                if g.value <= 0:
                    out.append(Problem("gift_value", loc + ("gifts", j, "value"),
                                       f"gift {g.item!r} needs a declared value above 0.00"))
                if g.item in sold:
                    out.append(Problem("gift_item_sold", loc + ("gifts", j, "item"),
                                       f"gift {g.item!r} is also sold by shop {shop!r} (a promotion's scope names it)"))
        if p.kind == "category_voucher" and p.face_value <= 0:
            out.append(Problem("face_value", loc + ("face_value",), "face_value must be above 0"))
    for face in sorted(set(faces)):
        for cid, cat in cats.items():
            for gid, tiers in cat.voucher_groups.items():
                for j, t in enumerate(tiers):
                    if t.off is not None and face > 0 and t.off % face:
                        out.append(Problem("off_not_multiple_of_face", ("categories", cid, "voucher_groups", gid, j),
                                           f"voucher off {fmt(t.off)} of group {gid!r} is not a multiple of the "
                                           f"face value {fmt(face)}"))
    return out


def _check_every(every: MoneyTier, loc: tuple[str | int, ...]) -> list[Problem]:
    """A repeating tier (每满X减Y) gives a positive amount off, below its spend."""
    if every.off is None:
        return [Problem("every_needs_off", loc, f"repeating tier {_label(every)} must give an amount off, not a rate")]
    if every.off <= 0:
        return [Problem("off_not_positive", loc, f"repeating tier {_label(every)}: off must be above 0")]
    if every.off >= every.spend:
        return [Problem("off_not_below_spend", loc, f"repeating tier {_label(every)}: off must be below spend")]
    return []
