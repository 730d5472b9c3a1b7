"""Compile a validated :class:`~promocalc.model.config.Config` into the plain objects the engine reads."""

from __future__ import annotations

from bisect import bisect_right
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from ..model.config import Config, ItemsTier, MoneyTier, WindowModel
from ..thresholds import Threshold, Tier
from ..timeutil import Window, in_any, parse_time
from .compiled import COUPON, GIFT, ITEM, LEVEL_ORDER, PAYMENT, PLATFORM, POSTAGE, SHOP, Promo, ShopInfo, keyset
from .selection import alternatives

LAYER_OF = {
    "price": ITEM, "rate": ITEM, "amount_off": ITEM,
    "shop_reduction": SHOP, "quantity_deal": SHOP,
    "shop_coupon": COUPON, "item_coupon": COUPON, "shop_red_packet": COUPON,
    "category_voucher": PLATFORM, "cross_shop_reduction": PLATFORM, "category_coupon": PLATFORM,
    "platform_red_packet": PAYMENT, "free_postage": POSTAGE, "gift": GIFT,
}  # fmt: skip
PLATFORM_FUNDED = {"category_coupon", "platform_red_packet"}
CARD_KIND = {"shop_coupon": "shop_coupon", "item_coupon": "item_coupon", "shop_red_packet": "red_packet"}
DEFAULT_RETURNS = {"cross_shop_reduction": "never", "category_voucher": "all_or_nothing"}


def tier(t: MoneyTier | ItemsTier) -> Tier:
    """A config tier as an engine :class:`Tier`."""
    need = t.items if isinstance(t, ItemsTier) else t.spend
    rate = Fraction(t.rate) if t.rate is not None else None
    return Tier(need, t.off, rate)


def stepped(tiers: list[MoneyTier] | list[ItemsTier], by_items: bool = False, max_off: int | None = None) -> Threshold:
    """Stepped tiers as a :class:`Threshold` (``max_off`` caps a rate tier's discount)."""
    return Threshold(tuple(tier(t) for t in tiers), max_off=max_off, by_items=by_items)


def repeating(every: MoneyTier, max_off: int | None) -> Threshold:
    """A repeating ``every`` tier as a :class:`Threshold`."""
    return Threshold(every=tier(every), max_off=max_off)


def windows(valid: WindowModel | list[WindowModel] | None, tz: ZoneInfo) -> tuple[Window, ...]:
    """Validity windows in epoch seconds."""
    if valid is None:
        return ()
    items = valid if isinstance(valid, list) else [valid]
    return tuple(
        Window(parse_time(w.start, tz) if w.start else None, parse_time(w.end, tz) if w.end else None) for w in items
    )


class Compiled:
    """Everything the engine needs, indexed for the hot path."""

    __slots__ = (
        "id", "name", "tz", "parallel", "reject", "effective", "preheat",
        "shops", "promos", "by_id", "item_promos", "shop_promos", "card_promos", "platform", "categories",
        "cross_tiers", "voucher_tiers", "always_active", "conditional", "_alternatives", "_windows", "_bounds",
        "postage_promos", "gift_promos", "red_packets", "vip88", "coins", "has_payment", "has_postage",
        "wallet_promos", "texts", "excludes",
    )  # fmt: skip

    def __init__(self, cfg: Config) -> None:
        camp = cfg.campaign
        tz = ZoneInfo(camp.timezone)
        self.id = camp.id
        self.name = camp.name
        self.tz = tz
        self.parallel = camp.ruleset == "parallel"
        self.reject = camp.negative_lines == "reject"
        cal = camp.calendar
        self.effective = windows(cal.effective, tz)[0] if cal and cal.effective else None
        self.preheat = windows(cal.preheat, tz)[0] if cal and cal.preheat else None
        self.categories = {cid: (c.name or cid) for cid, c in cfg.categories.items()}

        by_tiers: dict[tuple[str, str], Threshold] = {}
        canonical: dict[object, Threshold] = {}  # identical tiers share one object: the engine pools by identity
        for cid, cat in cfg.categories.items():
            for gid, ts in cat.voucher_groups.items():
                t = stepped(ts)
                by_tiers[(cid, gid)] = canonical.setdefault(t.key, t)
        self.shops: dict[str, ShopInfo] = {}
        for pos, (sid, s) in enumerate(cfg.shops.items()):
            info = ShopInfo(sid, pos)
            info.name = s.name
            info.member = s.campaign_member
            info.postage = s.postage
            info.voucher_tiers = {c: by_tiers[(c, g)] for c, g in s.voucher_groups.items() if (c, g) in by_tiers}
            if isinstance(s.cross_shop_tier, dict):
                info.cross_tiers = {k: repeating(v, None) for k, v in s.cross_shop_tier.items()}
            elif s.cross_shop_tier is not None:
                info.cross_tier = repeating(s.cross_shop_tier, None)
            info.customer_groups = {g: keyset(m) for g, m in s.customer_groups.items()}
            if s.coins is not None:
                info.coins = _scoped(Promo("coins", -1, "coins", PAYMENT), s.coins.scope)
                info.coins.rate = Fraction(s.coins.rate)
                info.coins.shop = sid
            self.shops[sid] = info

        default_windows = (self.effective,) if self.effective else ()
        self.promos: list[Promo] = []
        for pos, p in enumerate(cfg.promotions):
            c = Promo(p.id, pos, p.kind, LAYER_OF[p.kind])
            c.name = p.name
            c.shop = getattr(p, "shop", None)
            _scoped(c, p.scope)
            c.windows = windows(p.valid, tz) or default_windows
            if p.kind == "category_voucher" and self.effective is not None:
                own = windows(p.valid, tz)
                c.windows = tuple(_clip(w, self.effective) for w in own) if own else (self.effective,)
            if p.audience is not None:
                a = p.audience
                c.min_level = LEVEL_ORDER.index(a.min_level) if a.min_level else 0
                c.include_groups = frozenset(a.include_groups)
                c.exclude_groups = frozenset(a.exclude_groups)
            funder = p.funded_by or ("platform" if p.kind in PLATFORM_FUNDED else "merchant")
            c.platform_funded = funder == "platform"
            if "counts_toward_lowest_price" in p.model_fields_set:
                c.counts_lowest = p.counts_toward_lowest_price
            else:
                # the voucher and the red packet (tender) do not count toward the lowest price
                c.counts_lowest = p.kind not in ("category_voucher", "platform_red_packet")
            c.excludes = frozenset(p.excludes)
            if c.layer == COUPON or p.kind == "category_coupon":
                c.is_coupon = True
                c.card_kind = CARD_KIND.get(p.kind)
                default_ret = "all_or_nothing"
            elif p.kind in ("category_voucher", "platform_red_packet"):
                default_ret = "all_or_nothing"
            elif p.kind == "cross_shop_reduction" and p.balance_capped:
                default_ret = "per_order"
            else:
                default_ret = "never"
            c.returns = p.returns or default_ret
            kind = p.kind
            if kind == "price":
                c.price = p.price
            elif kind == "rate":
                c.rate = Fraction(p.rate)
                c.rounding = p.rounding
            elif kind == "amount_off" or kind == "shop_red_packet":
                c.off = p.off
            if kind in ("price", "rate", "amount_off"):
                c.campaign_price = p.campaign_price
                c.limit_qty = p.limit_qty
            if kind in ("shop_reduction", "shop_coupon", "item_coupon"):
                cap = getattr(p, "max_off", None)
                c.threshold = stepped(p.tiers, max_off=cap) if p.tiers else repeating(p.every, cap)
            elif kind == "quantity_deal":
                c.threshold = stepped(p.tiers, by_items=True)
            elif kind == "category_coupon":
                c.threshold = stepped(p.tiers)
            elif kind == "cross_shop_reduction":
                c.threshold = repeating(p.every, p.max_off)
                c.balance_capped = p.balance_capped
            elif kind == "category_voucher":
                c.is_voucher = True
                c.face = p.face_value
                c.max_per_checkout = p.max_per_checkout
                c.inclusive_tail = p.presale_tail == "inclusive"
            elif kind in ("free_postage", "gift"):
                c.by_items = p.items is not None
                c.need = p.items if p.items is not None else p.spend
                if kind == "free_postage":
                    c.regions = frozenset(p.exclude_regions)
                else:
                    c.gifts = tuple((g.item, g.qty, g.value) for g in p.gifts)
            elif kind == "platform_red_packet":
                c.face = p.face_value
                c.need = p.spend
                c.max_per_checkout = p.max_per_checkout
                c.tender = True
            self.promos.append(c)
        self.by_id = {c.id: c for c in self.promos}
        self.wallet_promos = [c for c in self.promos if c.is_coupon]  # what a wallet can hold, in declared order
        # per JSON layout: each promotion's fixed text, and each voucher or cross-shop pool's tiers
        self.texts: dict[object, dict[object, Any]] = {}
        # the payment layer's own instruments: 88VIP (a discount, platform-funded) and coins (tender, merchant)
        self.vip88: Promo | None = None
        if camp.vip88 is not None:
            v = self.vip88 = _scoped(Promo("vip88", -2, "vip88", PAYMENT), camp.vip88.scope)
            v.rate = Fraction(camp.vip88.rate)
            v.platform_funded = True
            v.returns = "per_order"
            v.counts_lowest = False  # a member's discount, not the item's price
        self.coins = Promo("coins", -1, "coins", PAYMENT)
        self.coins.tender = True
        self.coins.counts_lowest = False
        self.coins.returns = "coins"
        self.by_id["coins"] = self.coins
        if self.vip88 is not None:
            self.by_id["vip88"] = self.vip88
        self._alternatives: dict[tuple[str, ...], list[frozenset[str]]] = {}
        # promotions with no window and no audience run for every cart: only the others are checked per quote
        plain = [c for c in self.promos if not c.windows and not (c.min_level or c.include_groups or c.exclude_groups)]
        self.always_active = frozenset(c.id for c in plain)
        self.conditional = [c for c in self.promos if c.id not in self.always_active]
        # windows are half-open, so which of them are open is the same from one of their ends to the next
        ends = {x for c in self.conditional for w in c.windows for x in (w.start, w.end) if x is not None}
        if self.preheat is not None:
            ends |= {x for x in (self.preheat.start, self.preheat.end) if x is not None}
        self._bounds = sorted(ends)
        self._windows: dict[int, tuple[frozenset[str], list[Promo], dict[str, str]]] = {}
        self.item_promos: dict[str, list[Promo]] = {}
        self.shop_promos: dict[str, list[Promo]] = {}
        self.card_promos: dict[str, list[Promo]] = {}
        self.platform: list[Promo] = []
        self.postage_promos: dict[str, list[Promo]] = {}
        self.gift_promos: dict[str, list[Promo]] = {}
        self.red_packets: list[Promo] = []
        for c in self.promos:
            if c.layer == ITEM:
                self.item_promos.setdefault(c.shop or "", []).append(c)
            elif c.layer == SHOP:
                self.shop_promos.setdefault(c.shop or "", []).append(c)
            elif c.layer == COUPON:
                self.card_promos.setdefault(c.shop or "", []).append(c)
            elif c.layer == PLATFORM:
                self.platform.append(c)
            elif c.layer == POSTAGE:
                self.postage_promos.setdefault(c.shop or "", []).append(c)
            elif c.layer == GIFT:
                self.gift_promos.setdefault(c.shop or "", []).append(c)
            else:
                self.red_packets.append(c)
        self.has_payment = bool(self.vip88 or self.red_packets or any(s.coins for s in self.shops.values()))
        self.has_postage = bool(self.postage_promos)
        self.voucher_tiers = {sid: s.voucher_tiers for sid, s in self.shops.items()}
        self.excludes = any(c.excludes for c in self.platform)  # platform instruments that exclude others
        self.cross_tiers: dict[tuple[str, str], Threshold] = {}
        for c in self.platform:
            if c.kind != "cross_shop_reduction" or c.threshold is None:
                continue
            for sid, s in self.shops.items():
                own = s.cross_tiers.get(c.id) or s.cross_tier
                if own is not None and own.every is not None:
                    self.cross_tiers[(c.id, sid)] = Threshold(every=own.every, max_off=c.threshold.max_off)

    def windows_at(self, t: float) -> tuple[frozenset[str], list[Promo], dict[str, str]]:
        """At time ``t``, of the promotions not always on: the ids that run for every buyer, those whose
        window is open but whose audience is still to check, and the reason of each one that does not run
        (outside its window, or shown in the preheat); worked out once per span between window ends."""
        span = bisect_right(self._bounds, t)
        got = self._windows.get(span)
        if got is not None:
            return got
        open_ids: list[str] = []
        audience: list[Promo] = []
        closed: dict[str, str] = {}
        open_at: dict[int, bool] = {}  # most promotions share the campaign window: each window set is checked once
        preheat = None
        for p in self.conditional:
            if p.windows:
                ok = open_at.get(id(p.windows))
                if ok is None:
                    ok = open_at[id(p.windows)] = in_any(p.windows, t)
                if not ok:
                    if p.is_voucher and preheat is None:
                        preheat = bool(self.preheat and self.preheat.contains(t))
                    closed[p.id] = "preheat" if (p.is_voucher and preheat) else "not_in_window"
                    continue
            if p.min_level or p.include_groups or p.exclude_groups:
                audience.append(p)
            else:
                open_ids.append(p.id)
        got = self._windows[span] = (frozenset(open_ids), audience, closed)  # a race between threads computes it twice
        return got

    def alternatives(self, promos: list[Promo]) -> list[frozenset[str]]:
        """The ``excludes`` alternatives of these platform instruments, remembered per set (bounded)."""
        key = tuple([p.id for p in promos])
        alts = self._alternatives.get(key)
        if alts is None:
            alts = alternatives(promos)
            if len(self._alternatives) < 1024:  # a benign race between threads computes it twice
                self._alternatives[key] = alts
        return alts


NO_ALTERNATIVES: list[frozenset[str]] = [frozenset()]
"""The alternatives when no platform instrument excludes another: one, with nothing switched off."""


def _scoped(c: Promo, scope: object) -> Promo:
    """Give ``c`` the config ``scope`` (items, categories, excluded items), when there is one."""
    if scope is not None:
        c.has_scope = True
        c.items = keyset(scope.items) if scope.items is not None else None  # type: ignore[attr-defined]
        cats = scope.categories  # type: ignore[attr-defined]
        c.categories = keyset(cats) if cats is not None else None
        c.exclude_items = keyset(scope.exclude_items)  # type: ignore[attr-defined]
    return c


def _clip(w: Window, outer: Window) -> Window:
    start = w.start if w.start is not None and (outer.start is None or w.start > outer.start) else outer.start
    end = w.end if w.end is not None and (outer.end is None or w.end < outer.end) else outer.end
    return Window(start, end)
