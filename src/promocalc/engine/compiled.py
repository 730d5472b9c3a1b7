"""Compiled campaign objects: what the hot path reads. Plain ``__slots__`` classes, integer fen, no pydantic."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from ..money import Rounding, round_fraction
from ..thresholds import Threshold
from ..timeutil import Window

ITEM, SHOP, COUPON, PLATFORM, PAYMENT, POSTAGE, GIFT = 1, 2, 3, 4, 5, 6, 7
LAYER_NAMES = {ITEM: "item", SHOP: "shop", COUPON: "coupon", PLATFORM: "platform", PAYMENT: "payment",
               POSTAGE: "postage", GIFT: "gift"}  # fmt: skip
GOODS_LAYERS = (ITEM, SHOP, COUPON, PLATFORM, PAYMENT)
"""The layers whose discounts lower what goods cost (postage and gifts are reported apart)."""

LEVEL_ORDER = ("normal", "fine", "premium", "bluebook", "diamond", "vip")
LEVEL_MIN_CREDIT = (0, 100, 300, 500, 1000, 1500)


def level_of(credit: int) -> int:
    """Member level index for a credit score (the member levels)."""
    level = 0
    for i, floor in enumerate(LEVEL_MIN_CREDIT):
        if credit >= floor:
            level = i
    return level


def keyset(texts: Iterable[str]) -> dict[str, None]:
    """A set of texts as the keys of a dict: tested as fast as a frozenset, and, holding texts only, never
    walked by the cyclic garbage collector (a large campaign's item scopes and member lists would be walked
    at every full collection of the process)."""
    return dict.fromkeys(texts)


class Promo:
    """One compiled promotion. ``kind`` is the config kind; ``layer`` one of ITEM..PLATFORM."""

    __slots__ = (
        "id", "pos", "kind", "layer", "shop", "name",
        "items", "categories", "exclude_items", "has_scope",
        "windows", "min_level", "include_groups", "exclude_groups",
        "platform_funded", "counts_lowest", "returns", "excludes",
        "threshold", "price", "rate", "off", "rounding", "campaign_price", "limit_qty",
        "face", "max_per_checkout", "inclusive_tail", "balance_capped",
        "is_coupon", "card_kind", "is_voucher",
        "need", "by_items", "regions", "gifts", "tender", "order", "unit_prices",
    )  # fmt: skip

    def __init__(self, id: str, pos: int, kind: str, layer: int) -> None:
        self.id = id
        self.pos = pos
        self.kind = kind
        self.layer = layer
        self.order = (layer, pos)  # where a quote lists it: layer, then declared order
        self.shop: str | None = None
        self.name: str | None = None
        self.items: dict[str, None] | None = None  # scope parts as key sets (see ``keyset``)
        self.categories: dict[str, None] | None = None
        self.exclude_items: dict[str, None] = {}
        self.has_scope = False
        self.windows: tuple[Window, ...] = ()
        self.min_level = 0
        self.include_groups: frozenset[str] = frozenset()
        self.exclude_groups: frozenset[str] = frozenset()
        self.platform_funded = False
        self.counts_lowest = True
        self.returns = "never"
        self.excludes: frozenset[str] = frozenset()
        self.threshold: Threshold | None = None
        self.price = 0
        self.rate: Fraction | None = None
        self.off = 0
        self.rounding = Rounding.HALF_UP
        self.campaign_price = False
        self.limit_qty: int | None = None
        self.face = 1000
        self.max_per_checkout = 30
        self.inclusive_tail = False
        self.balance_capped = False
        self.is_coupon = False
        self.card_kind: str | None = None
        self.is_voucher = False
        self.need = 0  # free postage, gift, platform red packet: the spend (fen) or items to reach
        self.by_items = False
        self.regions: frozenset[str] = frozenset()  # free postage: buyer regions that still pay postage
        self.gifts: tuple[tuple[str, int, int], ...] = ()  # gift: (item, qty, declared value per unit)
        self.tender = False  # coins and red packets pay part of the price; they are not a discount
        self.unit_prices: dict[int, int] = {}  # list unit price -> promoted one, remembered (bounded)

    def in_scope(self, item: str, category: str) -> bool:
        """Whether a line of ``item`` in ``category`` is covered by this promotion's scope."""
        if not self.has_scope:
            return True
        if self.items is not None and item not in self.items:
            return False
        if self.categories is not None and category not in self.categories:
            return False
        return item not in self.exclude_items

    def unit_price(self, price: int) -> int:
        """Layer 1: the promoted unit price for a list unit price (never above it, never below 0)."""
        unit = self.unit_prices.get(price)
        if unit is None:
            unit = self._unit_price(price)
            if len(self.unit_prices) < 4096:
                self.unit_prices[price] = unit
        return unit

    def _unit_price(self, price: int) -> int:
        if self.kind == "price":
            return min(self.price, price)
        if self.kind == "rate":
            assert self.rate is not None
            return min(price, round_fraction(price * self.rate.numerator, self.rate.denominator, self.rounding))
        return max(0, price - self.off)

    def __repr__(self) -> str:
        return f"<Promo {self.id} {self.kind}>"


class ShopInfo:
    """A compiled shop."""

    __slots__ = ("id", "pos", "name", "member", "voucher_tiers", "cross_tier", "cross_tiers", "postage",
                 "customer_groups", "coins")  # fmt: skip

    def __init__(self, id: str, pos: int) -> None:
        self.id = id
        self.pos = pos
        self.name: str | None = None
        self.member = False
        self.voucher_tiers: dict[str, Threshold] = {}  # category -> chosen group's tiers
        self.cross_tier: Threshold | None = None
        self.cross_tiers: dict[str, Threshold] = {}
        self.postage = 0
        self.customer_groups: dict[str, dict[str, None]] = {}  # group -> its members' buyer ids (a key set)
        self.coins: Promo | None = None  # the shop's coin deduction (its rate and scope), when it offers one
