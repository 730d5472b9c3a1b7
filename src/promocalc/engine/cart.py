"""A validated cart as the plain objects the engine reads; :func:`promocalc.model.cart.parse_cart` builds them."""

from __future__ import annotations


class Presale:
    """A presale line's per-unit deposit, its value at the final payment, and the instant reduction."""

    __slots__ = ("deposit", "deposit_value", "instant_off", "deposit_stage")

    def __init__(self, deposit: int, deposit_value: int, instant_off: int, deposit_stage: bool) -> None:
        self.deposit = deposit
        self.deposit_value = deposit_value
        self.instant_off = instant_off
        self.deposit_stage = deposit_stage


class Line:
    """One cart line (an item with a quantity) of a shop."""

    __slots__ = ("pos", "id", "shop", "item", "category", "price", "qty", "eligible", "presale", "title", "vip88")

    def __init__(self, pos: int, id: str, shop: str, item: str, category: str, price: int, qty: int,
                 eligible: bool = True, presale: Presale | None = None, title: str | None = None,
                 vip88: bool = False) -> None:  # fmt: skip
        self.pos = pos
        self.id = id
        self.shop = shop
        self.item = item
        self.category = category
        self.price = price
        self.qty = qty
        self.eligible = eligible
        self.presale = presale
        self.title = title  # what a receipt shows instead of the item id
        self.vip88 = vip88  # tagged for 88VIP's discount


class Cart:
    """A validated cart: lines, buyer, wallet, named coupons (``use``), postage overrides and time."""

    __slots__ = ("lines", "buyer_id", "credit", "groups", "allowance", "coupons", "vouchers", "use", "postage", "at",
                 "region", "coins", "vip88", "vip88_quota", "use_coins", "use_vip88", "red_packets")  # fmt: skip

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buyer_id = ""
        self.credit = 0
        self.groups: frozenset[str] = frozenset()
        self.allowance = 0
        self.coupons: list[str] = []
        self.vouchers: dict[str, int] = {}
        self.use: list[str] | None = None
        self.postage: dict[str, int] = {}
        self.at: float | None = None
        self.region: str | None = None
        self.coins = 0  # the buyer's 淘金币; 1 coin = 1 fen
        self.vip88 = False
        self.vip88_quota: int | None = None  # 88VIP discount left this month (None: no cap)
        self.use_coins = True
        self.use_vip88 = True
        self.red_packets: dict[str, int] = {}  # platform red packets held: id -> count
